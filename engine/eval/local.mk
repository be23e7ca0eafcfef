# engine/eval: sources, tests and benches of this module
libodengine_a_SOURCES += engine/eval/eval.h engine/eval/metrics.c engine/eval/metrics.h \
	engine/eval/evsort.c engine/eval/evsort.h \
	engine/eval/curve.c engine/eval/curve.h \
	engine/eval/tsmetrics.c engine/eval/tsmetrics.h \
	engine/eval/threshold.c engine/eval/threshold.h \
	engine/eval/spot.c engine/eval/spot.h \
	engine/eval/ensemble.c engine/eval/ensemble.h

EVAL_TESTS = tests/unit/test_eval tests/unit/test_eval_ts tests/unit/test_eval_threshold tests/unit/test_eval_ensemble
check_PROGRAMS += $(EVAL_TESTS)
TESTS += $(EVAL_TESTS)
tests_unit_test_eval_SOURCES = tests/unit/test_eval.c tests/unit/test_eval_fixture.h
tests_unit_test_eval_LDADD = $(ENGINE_LIBS)
tests_unit_test_eval_ts_SOURCES = tests/unit/test_eval_ts.c tests/unit/test_eval_fixture.h
tests_unit_test_eval_ts_LDADD = $(ENGINE_LIBS)
tests_unit_test_eval_threshold_SOURCES = tests/unit/test_eval_threshold.c tests/unit/test_eval_fixture.h
tests_unit_test_eval_threshold_LDADD = $(ENGINE_LIBS)
tests_unit_test_eval_ensemble_SOURCES = tests/unit/test_eval_ensemble.c tests/unit/test_eval_fixture.h
tests_unit_test_eval_ensemble_LDADD = $(ENGINE_LIBS)

EXTRA_PROGRAMS += bench/bench_eval
bench_bench_eval_SOURCES = bench/bench_eval.c
bench_bench_eval_LDADD = $(ENGINE_LIBS)
EXTRA_DIST += bench/anchor_eval.py

# affiliation metrics (Huet et al. 2022)
libodengine_a_SOURCES += engine/eval/affiliation.c engine/eval/affiliation.h
check_PROGRAMS += tests/unit/test_eval_affiliation
TESTS += tests/unit/test_eval_affiliation
tests_unit_test_eval_affiliation_SOURCES = tests/unit/test_eval_affiliation.c tests/unit/test_eval_fixture.h
tests_unit_test_eval_affiliation_LDADD = $(ENGINE_LIBS)
