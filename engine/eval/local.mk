# engine/eval: sources, tests and benches of this module
libodengine_a_SOURCES += engine/eval/metrics.c engine/eval/metrics.h \
	engine/eval/evsort.c engine/eval/evsort.h \
	engine/eval/curve.c engine/eval/curve.h

check_PROGRAMS += tests/unit/test_eval
TESTS += tests/unit/test_eval
tests_unit_test_eval_SOURCES = tests/unit/test_eval.c tests/unit/test_eval_fixture.h
tests_unit_test_eval_LDADD = $(ENGINE_LIBS)
