#!/bin/sh
# tests/valgrind.sh BINARY - the main paths under valgrind's memcheck: every
# golden session (tests/sessions/*.odd: load, clean, scale, window, every
# detector, thresholds, metrics, compare, ensembles, plots to files, save and
# load, the error cases) and the streaming filter `oddity score` on a saved
# model, from a file and from a pipe.  Each passes when valgrind reports no
# invalid access, no use of an uninitialised value and no definitely or
# possibly lost block (tests/valgrind.supp lists the one exception: the
# thread-local block of threads parked at exit).  BINARY must be built
# without sanitizers (scripts/test passes the release build, the one
# scripts/run gives users).  TAP on stdout; a missing valgrind skips.
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/_build/release/oddity}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
cd "$top" || exit 1
sessions=$(ls tests/sessions/*.odd)
total=$(( $(echo "$sessions" | wc -l) + 2 ))
echo "1..$total"
if ! command -v valgrind >/dev/null 2>&1; then
  i=0; while [ $i -lt $total ]; do i=$((i+1)); echo "ok $i # SKIP valgrind is not installed"; done
  exit 0
fi
if ! [ -x "$bin" ] || "$bin" --version 2>/dev/null | grep -qi sanitiz; then
  i=0; while [ $i -lt $total ]; do i=$((i+1)); echo "ok $i # SKIP $bin is missing or built with sanitizers"; done
  exit 0
fi
# the goldens' float32 kernels, as tests/sessions/run.sh pins them
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  OPENBLAS_CORETYPE=Haswell; export OPENBLAS_CORETYPE
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
vg() {  # vg LOG ARGS...: memcheck; exit 99 on any error it reports
  log=$1; shift
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,possible \
    --show-leak-kinds=definite,possible --suppressions="$top/tests/valgrind.supp" --log-file="$log" "$@"
}
report() {  # report N NAME RC LOG
  if [ "$3" != 99 ] && [ "$3" != bad-output ] && ! grep -q . "$4"; then echo "ok $1 - valgrind: $2: no memory errors, nothing lost"
  else echo "not ok $1 - valgrind: $2 (exit $3)"; head -40 "$4" | sed 's/^/#   /'; fi
}
n=0
for odd in $sessions; do
  n=$((n+1))
  vg "$tmp/vg.log" "$bin" --no-journal --no-times --keep-going -f "$odd" >"$tmp/out" 2>&1
  report $n "session $(basename "$odd" .odd)" $? "$tmp/vg.log"
done
"$bin" --no-journal -e "load sample-data/blobs.csv; clean missing=median; scale robust; detect gmm k=3 as g; threshold g method=contamination c=0.02; save model g to=$tmp/g.oddm" >"$tmp/out" 2>&1 ||
  { echo "# could not save the model for the score checks:"; sed 's/^/#   /' "$tmp/out"; }
rows=$(($(wc -l < sample-data/blobs.csv) - 1))
n=$((n+1))
OMP_WAIT_POLICY=passive vg "$tmp/vg.log" "$bin" score --model="$tmp/g.oddm" --chunk=500 sample-data/blobs.csv >"$tmp/out" 2>"$tmp/err"
rc=$?
# a header and one line per row, or the check fails whatever valgrind says
[ "$(wc -l < "$tmp/out")" = $((rows + 1)) ] || { rc=bad-output; cat "$tmp/err" >> "$tmp/vg.log"; }
report $n "oddity score, a gmm model with its pipeline, $rows rows from a file" $rc "$tmp/vg.log"
n=$((n+1))
{ head -n 800 sample-data/blobs.csv; printf '1,2,x,4,5,6,0\n'; tail -n 1 sample-data/blobs.csv | tr -d '\n'; } |
  OMP_WAIT_POLICY=passive vg "$tmp/vg.log" "$bin" score --model="$tmp/g.oddm" --chunk=7 --on-error=skip - >"$tmp/out" 2>"$tmp/err"
rc=$?
# a header and 800 rows: 799, the bad one skipped (reported on stderr), and the unterminated last one
[ "$(wc -l < "$tmp/out")" = 801 ] && grep -q "1 bad row skipped" "$tmp/err" || { rc=bad-output; cat "$tmp/err" >> "$tmp/vg.log"; }
report $n "oddity score from a pipe, chunks of 7, a bad row skipped, no final newline" $rc "$tmp/vg.log"
