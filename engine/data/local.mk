libodengine_a_SOURCES += engine/data/frame.c engine/data/frame.h
libodengine_a_SOURCES += engine/data/csv.c engine/data/csv.h engine/data/arff.c engine/data/arff.h \
	engine/data/load.c engine/data/load.h engine/data/timeparse.c engine/data/timeparse.h
