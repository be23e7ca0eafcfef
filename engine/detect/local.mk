libodengine_a_SOURCES += engine/detect/detector.h engine/detect/params.c engine/detect/registry.c
# clustering and density detectors (k-means, GMM, hclust, DBSCAN, Gaussian/MCD, KDE)
libodengine_a_SOURCES += engine/detect/cl_cluster.h engine/detect/cl_common.c \
	engine/detect/cl_kdtree.h engine/detect/cl_kdtree.c engine/detect/kmeans.c \
	engine/detect/gmm.c
check_PROGRAMS += tests/unit/test_cluster
TESTS += tests/unit/test_cluster
tests_unit_test_cluster_SOURCES = tests/unit/test_cluster.c tests/unit/test_cluster_fx.h
tests_unit_test_cluster_LDADD = $(ENGINE_LIBS)
