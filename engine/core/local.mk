libodengine_a_SOURCES += engine/workspace.c engine/workspace.h engine/core/ctx.c engine/core/ctx.h engine/core/out.c engine/core/out.h engine/oddity.h \
	engine/core/num.c engine/core/num.h engine/core/data.h engine/core/fmt.c engine/core/fmt.h

check_PROGRAMS += tests/unit/test_core
tests_unit_test_core_LDADD = $(ENGINE_LIBS)
TESTS += tests/unit/test_core

check_PROGRAMS += tests/unit/test_fmt
tests_unit_test_fmt_SOURCES = tests/unit/test_fmt.c tests/od_test.h
tests_unit_test_fmt_LDADD = $(ENGINE_LIBS)
TESTS += tests/unit/test_fmt
