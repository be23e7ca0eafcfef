libodengine_a_SOURCES += engine/data/frame.c engine/data/frame.h
libodengine_a_SOURCES += engine/data/csv_int.h engine/data/csv_read.c engine/data/csv_sniff.c engine/data/csv_fast.c engine/data/csv_write.c engine/data/readerr.c engine/data/readerr.h engine/data/csv.h engine/data/arff.c engine/data/arff.h \
	engine/data/load.c engine/data/load.h engine/data/timeparse.c engine/data/timeparse.h

check_PROGRAMS += tests/unit/test_csv
TESTS += tests/unit/test_csv
tests_unit_test_csv_SOURCES = tests/unit/test_csv.c tests/od_test.h
tests_unit_test_csv_LDADD = $(ENGINE_LIBS)

check_PROGRAMS += tests/unit/test_arff
TESTS += tests/unit/test_arff
tests_unit_test_arff_SOURCES = tests/unit/test_arff.c tests/od_test.h
tests_unit_test_arff_LDADD = $(ENGINE_LIBS)

EXTRA_PROGRAMS += bench/bench_csv
bench_bench_csv_SOURCES = bench/bench_csv.c
bench_bench_csv_LDADD = $(ENGINE_LIBS)

# the synthetic sample datasets: make sample-data/gen && sample-data/gen sample-data
noinst_PROGRAMS += sample-data/gen
sample_data_gen_SOURCES = sample-data/gen.c
sample_data_gen_LDADD = $(ENGINE_LIBS)
