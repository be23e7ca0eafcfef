bin_PROGRAMS += oddity
oddity_SOURCES = app/main.c app/repl.c app/repl.h app/out.c \
	app/cmd/cmd.h app/cmd/lex.c app/cmd/lex.h app/cmd/exec.c app/cmd/table.c \
	app/cmd/cmd_core.c app/cmd/cmd_data.c
oddity_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/app/cmd $(READLINE_CFLAGS)
oddity_LDADD = $(ENGINE_LIBS) $(READLINE_LIBS)

check_PROGRAMS += tests/unit/test_lex
tests_unit_test_lex_SOURCES = tests/unit/test_lex.c app/cmd/lex.c
tests_unit_test_lex_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/app/cmd
TESTS += tests/unit/test_lex tests/check-engine.sh tests/sessions/run.sh
EXTRA_DIST += tests/check-engine.sh tests/sessions scripts/setup scripts/build scripts/run scripts/test
