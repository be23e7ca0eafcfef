libodengine_a_SOURCES += engine/workspace.c engine/workspace.h engine/core/ctx.c engine/core/ctx.h engine/core/out.c engine/core/out.h engine/oddity.h \
	engine/core/num.c engine/core/num.h engine/core/data.h

check_PROGRAMS += tests/unit/test_core
tests_unit_test_core_LDADD = $(ENGINE_LIBS)
TESTS += tests/unit/test_core
