bin_PROGRAMS += oddity
oddity_SOURCES = app/main.c
oddity_LDADD = $(ENGINE_LIBS) $(READLINE_LIBS) $(NCURSES_LIBS)
