# engine/run: the run layer (fit, score, thresholds, metrics, model files).
libodengine_a_SOURCES += engine/run/run.h engine/run/run.c engine/run/thresh.c engine/run/metric.c engine/run/model.c

check_PROGRAMS += tests/unit/test_run
tests_unit_test_run_LDADD = $(ENGINE_LIBS)
TESTS += tests/unit/test_run
