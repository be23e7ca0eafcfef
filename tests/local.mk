# tests: shared helpers; each module's unit tests are listed in that module's local.mk.
EXTRA_DIST += tests/od_test.h tests/fixtures tests/data tests/sessions

# the include layering of engine/ and app/ (core < data,nn < prep,detect,eval,plot < workspace < run < app)
TESTS += tests/layers.sh
EXTRA_DIST += tests/layers.sh
# issue 14: the trust model (overwrite rule, --safe, source paths, atomic
# writes, the journal under write errors, escaped text) and the history file.
TESTS += tests/safety.sh tests/tui/history.sh tests/tui/multiline.sh
EXTRA_DIST += tests/safety.sh tests/tui/history.sh tests/tui/multiline.sh
