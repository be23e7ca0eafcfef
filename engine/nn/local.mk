# engine/nn: the neural-network engine (layers, losses, optimisers, training
# loop, BLAS seam, gradient checker, weight files), its tests and its bench.
libodengine_a_SOURCES += engine/nn/nn.h engine/nn/nn_impl.h engine/nn/blas.c engine/nn/act.c \
	engine/nn/dense.c engine/nn/kern.c engine/nn/conv1d.c engine/nn/lstm.c engine/nn/gru.c engine/nn/mha.c \
	engine/nn/norm.c engine/nn/ffn.c engine/nn/posenc.c engine/nn/dropout.c engine/nn/shape.c \
	engine/nn/net.c engine/nn/loss.c engine/nn/optim.c engine/nn/train.c engine/nn/io.c \
	engine/nn/gradcheck.c

check_PROGRAMS += tests/unit/test_nn
TESTS += tests/unit/test_nn
tests_unit_test_nn_SOURCES = tests/unit/test_nn.c tests/od_test.h
tests_unit_test_nn_LDADD = $(ENGINE_LIBS)

check_PROGRAMS += tests/unit/test_nn_detect
TESTS += tests/unit/test_nn_detect
tests_unit_test_nn_detect_SOURCES = tests/unit/test_nn_detect.c tests/od_test.h
tests_unit_test_nn_detect_LDADD = $(ENGINE_LIBS)

check_PROGRAMS += tests/unit/test_nn_torch
TESTS += tests/unit/test_nn_torch
tests_unit_test_nn_torch_SOURCES = tests/unit/test_nn_torch.c tests/od_test.h
tests_unit_test_nn_torch_LDADD = $(ENGINE_LIBS)

EXTRA_PROGRAMS += bench/bench_nn
bench_bench_nn_SOURCES = bench/bench_nn.c
bench_bench_nn_LDADD = $(ENGINE_LIBS)
