# tests: shared helpers; each module's unit tests are listed in that module's local.mk.
EXTRA_DIST += tests/od_test.h tests/fixtures tests/data tests/sessions
