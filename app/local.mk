bin_PROGRAMS += oddity
oddity_SOURCES = app/main.c app/repl.c app/repl.h app/out.c app/man.c \
	app/cmd/cmd.h app/cmd/lex.c app/cmd/lex.h app/cmd/exec.c app/cmd/table.c app/cmd/session.c app/cmd/outfile.c \
	app/cmd/cmd_core.c app/cmd/cmd_data.c app/cmd/cmd_detect.c app/cmd/cmd_search.c app/cmd/cmd_eval.c app/cmd/cmd_prep.c app/cmd/cmd_plot.c app/cmd/cmd_export.c app/cmd/cmd_thr.c app/cmd/cmd_explain.c \
	app/cmd/cmd_tune.c app/cmd/cmd_bag.c app/cmd/cmd_lesson.c app/cmd/glossary.c app/tui/tune.c app/tui/tune.h app/tui/tune_model.c app/tui/tune_model.h
oddity_SOURCES += app/cmd/cmd_tui.c app/tui/workbench.c app/tui/workbench.h
oddity_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/app/cmd -I$(top_srcdir)/app $(READLINE_CFLAGS) $(NCURSES_CFLAGS)
oddity_LDADD = $(ENGINE_LIBS) $(READLINE_LIBS) $(NCURSES_LIBS)

# The man page is generated from the command table, so it cannot drift from `help`.
nodist_man_MANS = oddity.1
oddity.1: oddity$(EXEEXT)
	$(AM_V_GEN)ASAN_OPTIONS=detect_leaks=0 ./oddity$(EXEEXT) --man > $@
CLEANFILES += oddity.1

check_PROGRAMS += tests/unit/test_lex
tests_unit_test_lex_SOURCES = tests/unit/test_lex.c app/cmd/lex.c
tests_unit_test_lex_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/app/cmd
check_PROGRAMS += tests/unit/test_tune
tests_unit_test_tune_SOURCES = tests/unit/test_tune.c app/tui/tune_model.c
tests_unit_test_tune_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/app/tui
tests_unit_test_tune_LDADD = -lm
TESTS += tests/unit/test_lex tests/unit/test_tune tests/check-engine.sh tests/sessions/run.sh tests/lessons.sh tests/plot-injection.sh tests/sigint.sh tests/tui/tune.sh
EXTRA_DIST += tests/check-engine.sh tests/lessons.sh tests/plot-injection.sh tests/sigint.sh tests/tui/tune.sh tests/sessions scripts/setup scripts/build scripts/run scripts/test
# issue 20: `oddity score`, the streaming filter
oddity_SOURCES += app/score.c
