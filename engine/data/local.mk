libodengine_a_SOURCES += engine/data/frame.c engine/data/frame.h
