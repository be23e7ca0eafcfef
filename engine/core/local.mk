libodengine_a_SOURCES += engine/core/ctx.c engine/core/ctx.h engine/core/out.c engine/core/out.h engine/oddity.h
