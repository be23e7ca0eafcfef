# engine/plot: gnuplot script generation (pure, golden-tested), densities for
# the score-distribution plot, and the gnuplot process behind a pipe.
libodengine_a_SOURCES += engine/plot/plot.h engine/plot/plot_int.h engine/plot/script.c \
	engine/plot/density.c engine/plot/gnuplot.c engine/plot/xy.c

check_PROGRAMS += tests/unit/test_plot
TESTS += tests/unit/test_plot
tests_unit_test_plot_SOURCES = tests/unit/test_plot.c tests/od_test.h
tests_unit_test_plot_LDADD = $(ENGINE_LIBS)
