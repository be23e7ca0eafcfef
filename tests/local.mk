# tests: shared helpers; each module's unit tests are listed in that module's local.mk.
EXTRA_DIST += tests/od_test.h tests/fixtures tests/data tests/sessions

# the include layering of engine/ and app/ (core < data,nn < prep,detect,eval,plot < workspace < run < app)
TESTS += tests/layers.sh
EXTRA_DIST += tests/layers.sh
# issue 14: the trust model (overwrite rule, --safe, source paths, atomic
# writes, the journal under write errors, escaped text) and the history file.
TESTS += tests/safety.sh tests/tui/history.sh tests/tui/multiline.sh
EXTRA_DIST += tests/safety.sh tests/tui/history.sh tests/tui/multiline.sh
# issue 13: every value of every enumerated option of every detector and command
# reaches the engine, and numeric parameters accept exactly their bounds.
TESTS += tests/options.sh tests/search.sh
EXTRA_DIST += tests/options.sh tests/search.sh
# issue 14: a FIFO without a writer: Ctrl-C ends the wait; pipes lose no bytes.
TESTS += tests/fifo.sh
EXTRA_DIST += tests/fifo.sh
# issue 18: lessons.  The glossary covers every metric, rule, detector and
# family; expect, lesson and --lesson/--solve/--echo through the command line;
# the runner driven through tmux (tests/tui/lib.sh: the shared tmux helpers).
TESTS += tests/glossary.sh tests/expect.sh tests/tui/lesson.sh
# issue 19: a threshold move counts by binary search; it must equal a row-by-row count.
TESTS += tests/threshold-moves.sh
EXTRA_DIST += tests/threshold-moves.sh
EXTRA_DIST += tests/glossary.sh tests/expect.sh tests/tui/lesson.sh tests/tui/lib.sh
# issue 21: embed (learned embeddings as data) and bag (members on random
# feature/row subsets combined as ensemble does).
TESTS += tests/embed.sh tests/bagmodel.sh
EXTRA_DIST += tests/embed.sh tests/bagmodel.sh
# issue 14: the fuzz harnesses build and the committed corpus replays clean
# (scripts/fuzz TARGET SECONDS fuzzes; fuzz/README.md).
TESTS += tests/fuzz-smoke.sh
EXTRA_DIST += tests/fuzz-smoke.sh fuzz scripts/fuzz
clean-local: clean-fuzz-smoke
clean-fuzz-smoke:
	rm -rf fuzz-smoke fuzz-smoke.log fuzz-smoke-*.log
.PHONY: clean-fuzz-smoke
# issue 14: damaged model files: one error naming the file and what is wrong.
TESTS += tests/model-files.sh
EXTRA_DIST += tests/model-files.sh
# issue 14: failing allocations (a sample; scripts/faultinject tries every N).
TESTS += tests/faultinject.sh
EXTRA_DIST += tests/faultinject.sh tests/faults scripts/faultinject
# issue 20: sharded search (--shard=I/N, search merge, --merge-shards=N)
# gives the one-process leaderboards and runs; a real single-node Slurm
# cluster runs the scripts of scripts/slurm/ (skips where it cannot start).
TESTS += tests/search-shard.sh
EXTRA_DIST += tests/search-shard.sh
TESTS += tests/slurm.sh
EXTRA_DIST += tests/slurm.sh scripts/slurm
# issue 20: oddity score (the streaming filter) equals the workbench bit for
# bit; model files carry their pipeline; bad rows, missing columns, format 1.
TESTS += tests/score.sh
EXTRA_DIST += tests/score.sh
EXTRA_DIST += scripts/score-bench
# clean missing=ffill|interpolate replayed by oddity score (model format 3):
# gaps across chunk boundaries, bit for bit; a version-2 file still loads.
TESTS += tests/score-fill.sh
EXTRA_DIST += tests/score-fill.sh

# The workbench (tui, oddity --tui) through tmux: layout at 80x24 and 200x50,
# resize, keys, the ? overlay, mouse, signals, and its journal replayed.
TESTS += tests/tui/workbench.sh
EXTRA_DIST += tests/tui/workbench.sh
TESTS += tests/tui/train.sh
EXTRA_DIST += tests/tui/train.sh
# The README tour with keys only (plus load), a slider drag, the journal replayed;
# Tab completion of run names and detector options at the prompt and in the workbench.
TESTS += tests/tui/tour.sh tests/tui/complete.sh tests/tui/actions.sh
EXTRA_DIST += tests/tui/tour.sh tests/tui/complete.sh tests/tui/actions.sh
# issue 17: plot files checked for size (PNG IHDR, SVG, PDF), set plot
# terminal=sixel reaching gnuplot, plot series RUN1 RUN2 stacked panels;
# a golden dumb-terminal rendering per plot kind.
TESTS += tests/plot-files.sh tests/plot-golden.sh tests/tui/series-stack.sh
EXTRA_DIST += tests/plot-files.sh tests/plot-golden.sh tests/plots tests/tui/series-stack.sh

# the benchmarks run: each benchmark program once on tiny inputs, fair.py's
# start-up group, anchor_detect.py where scikit-learn is installed (a smoke
# test; scripts/bench times them).  The programs are built for `make check`.
check_PROGRAMS += $(EXTRA_PROGRAMS)
TESTS += tests/bench-smoke.sh
EXTRA_DIST += tests/bench-smoke.sh
