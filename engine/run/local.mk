# engine/run: the run layer (fit, score, threshold, metrics, model files,
# describe).  Each piece adds its sources and unit test here.
libodengine_a_SOURCES += engine/run/describe.c engine/run/describe.h

check_PROGRAMS += tests/unit/test_describe
TESTS += tests/unit/test_describe
tests_unit_test_describe_SOURCES = tests/unit/test_describe.c tests/od_test.h
tests_unit_test_describe_LDADD = $(ENGINE_LIBS)
