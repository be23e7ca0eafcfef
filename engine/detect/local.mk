libodengine_a_SOURCES += engine/detect/detector.h engine/detect/params.c engine/detect/registry.c
