# engine/run: the run layer (fit, score, thresholds, metrics, model files, describe).
libodengine_a_SOURCES += engine/run/run.h engine/run/run.c engine/run/thresh.c engine/run/metric.c engine/run/model.c \
	engine/run/describe.c engine/run/describe.h engine/run/explain.c \
	engine/run/search.c engine/run/search.h \
	engine/run/bag.c engine/run/run_int.h

check_PROGRAMS += tests/unit/test_run tests/unit/test_describe
tests_unit_test_run_LDADD = $(ENGINE_LIBS)
tests_unit_test_describe_SOURCES = tests/unit/test_describe.c tests/od_test.h
tests_unit_test_describe_LDADD = $(ENGINE_LIBS)
TESTS += tests/unit/test_run tests/unit/test_describe
# issue 16: explain entries of every detector, top, the SSE rule (planted anomalies)
check_PROGRAMS += tests/unit/test_explain
tests_unit_test_explain_LDADD = $(ENGINE_LIBS)
TESTS += tests/unit/test_explain

check_PROGRAMS += tests/unit/test_search
tests_unit_test_search_SOURCES = tests/unit/test_search.c tests/od_test.h
tests_unit_test_search_LDADD = $(ENGINE_LIBS)
TESTS += tests/unit/test_search
# issue 20: model files carry their pipeline; oddity score streams rows through it
libodengine_a_SOURCES += engine/run/pipeline.c engine/run/score.c engine/run/score.h
check_PROGRAMS += tests/unit/test_score
tests_unit_test_score_SOURCES = tests/unit/test_score.c tests/od_test.h
tests_unit_test_score_LDADD = $(ENGINE_LIBS)
TESTS += tests/unit/test_score
