# engine/prep: sources, tests and benches of this module
libodengine_a_SOURCES += engine/prep/prep.h engine/prep/util.h engine/prep/util.c \
	engine/prep/clean.c engine/prep/scale.c engine/prep/pca.c engine/prep/window.c \
	engine/prep/split.c engine/prep/pseudo.c engine/prep/recipe.c engine/prep/embed.c

check_PROGRAMS += tests/unit/test_prep
TESTS += tests/unit/test_prep
tests_unit_test_prep_SOURCES = tests/unit/test_prep.c tests/od_test.h
tests_unit_test_prep_LDADD = $(ENGINE_LIBS)

EXTRA_PROGRAMS += bench/bench_prep
bench_bench_prep_SOURCES = bench/bench_prep.c
bench_bench_prep_LDADD = $(ENGINE_LIBS)
