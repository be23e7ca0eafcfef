libodengine_a_SOURCES += engine/detect/detector.h engine/detect/params.c engine/detect/registry.c engine/detect/explain.c
# clustering and density detectors (k-means, GMM, hclust, DBSCAN, Gaussian/MCD, KDE)
libodengine_a_SOURCES += engine/detect/cl_cluster.h engine/detect/cl_common.c \
	engine/detect/cl_kdtree.h engine/detect/cl_kdtree.c engine/detect/kmeans.c \
	engine/detect/gmm.c engine/detect/hclust.c engine/detect/dbscan.c engine/detect/kde.c \
	engine/detect/gauss.c
check_PROGRAMS += tests/unit/test_cluster
TESTS += tests/unit/test_cluster
tests_unit_test_cluster_SOURCES = tests/unit/test_cluster.c tests/unit/test_cluster_fx.h
tests_unit_test_cluster_LDADD = $(ENGINE_LIBS)
check_PROGRAMS += tests/unit/test_cluster_density
TESTS += tests/unit/test_cluster_density
tests_unit_test_cluster_density_SOURCES = tests/unit/test_cluster_density.c tests/unit/test_cluster_fx.h
tests_unit_test_cluster_density_LDADD = $(ENGINE_LIBS)
# neural sequence detectors (the network engine is engine/nn)
libodengine_a_SOURCES += engine/detect/nn_common.h engine/detect/nn_common.c engine/detect/tsn.c \
	engine/detect/cnn.c engine/detect/lstm.c engine/detect/gru.c engine/detect/attn.c
EXTRA_PROGRAMS += bench/bench_cluster
bench_bench_cluster_SOURCES = bench/bench_cluster.c
bench_bench_cluster_LDADD = $(ENGINE_LIBS)
EXTRA_PROGRAMS += bench/odds_bench
bench_odds_bench_SOURCES = bench/odds_bench.c
bench_odds_bench_LDADD = $(ENGINE_LIBS)
# outlier detectors of issue 15 (Isolation Forest, kNN, LOF, PCA, HBOS, ECOD)
libodengine_a_SOURCES += engine/detect/nbr.h engine/detect/nbr.c engine/detect/knn.c engine/detect/lof.c \
	engine/detect/iforest.h engine/detect/iforest.c engine/detect/pcad.c engine/detect/hbos.c engine/detect/ecod.c
check_PROGRAMS += tests/unit/test_detect
TESTS += tests/unit/test_detect
tests_unit_test_detect_SOURCES = tests/unit/test_detect.c tests/unit/test_cluster_fx.h
tests_unit_test_detect_LDADD = $(ENGINE_LIBS)
