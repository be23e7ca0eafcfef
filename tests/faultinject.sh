#!/bin/sh
# Failing allocations (ODDITY_FAIL_ALLOC=N, scripts/faultinject): a sample of
# N over the fault-injection session: no crash, an "out of memory" error, the
# session goes on.  And the message names the command and the size.
# scripts/faultinject with no N tries every one (minutes).
top=$(cd "${top_srcdir:-.}" && pwd)
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..3"
# every 23rd allocation of the session: about 20 runs
if FI_STEP=23 "$top/scripts/faultinject" "$bin" >"$tmp/fi" 2>&1; then
  echo "ok 1 - $(tail -1 "$tmp/fi")"
else
  echo "not ok 1 - faultinject sample"; sed 's/^/#   /' "$tmp/fi" | tail -20
fi
# the first allocation of `detect` fails: the error names the command and the size
cd "$tmp" || exit 1
head -101 "$top/sample-data/blobs.csv" > d.csv
c=$(ODDITY_FAIL_ALLOC_COUNT=1 "$bin" --no-journal -j1 -e "load d.csv" 2>&1 >/dev/null | sed -n 's/^oddity: \([0-9]*\) allocations$/\1/p')
ODDITY_FAIL_ALLOC=$((c + 1)) "$bin" --no-journal -j1 -k -e "load d.csv" -e "detect knn k=3 as k" -e "runs" >out 2>err
rc=$?
if [ -n "$c" ] && [ $rc = 1 ] && grep -qE '^error: detect( knn)?: out of memory allocating [0-9.]+ (bytes|KB|MB)$' err; then
  echo "ok 2 - an allocation failure names the command and the size ($(cat err))"
else
  echo "not ok 2 - allocation failure message (count $c, exit $rc)"; sed 's/^/#   /' err
fi
grep -q 'no runs' out
echo "$? -" | sed 's/^0 -/ok 3 - ... and the session goes on/; s/^1 -/not ok 3 - the session went on/'
