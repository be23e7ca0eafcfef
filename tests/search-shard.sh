#!/bin/sh
# Sharded search through the command line (issue 20): a script run as N
# shards (--shard=I/N) and merged (--merge-shards=N, or search merge PART..)
# prints the one-process leaderboards, notes and best runs byte for byte, for
# N = 1..4 and for every search of the script; parts of another search, a
# missing, repeated or truncated part are refused naming the file; a part is
# never replaced silently; a shard skips the lines that use the search's run.
top=${top_srcdir:-.}
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
top=$(cd "$top" && pwd)
cd "$tmp" || exit 1
n=0
check() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
odd() { "$bin" --no-journal --no-times "$@"; }
# the leaderboards: from each search line to its best line
board() { sed -n '/^search /,/^best: /p' "$1"; }

head -n 3001 "$top/sample-data/series.csv" > ser.csv
P="set seed=11; load $top/sample-data/blobs.csv; split train=0.7 test=0.3 stratify=yes; scale zscore"
cat > s.odd <<EOF
$P
search kmeans k=2..7 folds=3 metric=ap as km
metrics km
search gmm k=1..3 covariance=full,diag n=4 folds=4 as g
threshold g method=percentile q=98
load $tmp/ser.csv
window size=16
search iforest trees=20,50 samples=32,64 metric=roc folds=3 as ifo
metrics ifo
EOF
odd -f s.odd > single 2>&1
[ "$(grep -c '^best: ' single)" = 3 ] && grep -q 'fold 2: roc_auc undefined' single
check $? "the one-process script runs its three searches (one with notes on undefined folds)"
# a fold's warning that the refitted best run does not repeat (the folds train
# on 1400 rows, the refit on 2100): the parts carry it, the merge shows it
mkdir w && printf '%s\n' "set seed=7; load $top/sample-data/blobs.csv; split train=0.7 test=0.3 stratify=yes; scale zscore" \
  'search iforest samples=5000,64 trees=20 folds=3 metric=ap as ifw' > w/s.odd
(cd w && odd -f s.odd > single 2>&1 && odd -f s.odd --shard=1/2 > o1 2>&1 && odd -f s.odd --shard=2/2 > o2 2>&1 &&
  odd -f s.odd --merge-shards=2 > merged 2>&1)
grep -q '^warning: iforest: samples=5000 exceeds the 1400 training rows' w/single && cmp -s w/single w/merged
check $? "a fold's warning travels in the part and the merge shows it as one process does"

for N in 1 2 3 4; do
  mkdir "n$N"
  ok=0
  I=1
  while [ $I -le $N ]; do
    (cd "n$N" && odd -j $(( (I % 2) + 1 )) -f ../s.odd --shard=$I/$N > "out$I" 2>&1) || ok=1
    I=$((I+1))
  done
  [ $ok = 0 ] && [ -f "n$N/km.part-1-of-$N" ] && [ -f "n$N/g.part-$N-of-$N" ] && [ -f "n$N/ifo.part-$N-of-$N" ]
  check $? "N=$N: every shard exits 0 and writes one part per search"
  (cd "n$N" && odd -f ../s.odd --merge-shards=$N > merged 2>&1)
  cmp -s single "n$N/merged"
  check $? "N=$N: --merge-shards prints the one-process output byte for byte (leaderboards, notes, best runs, metrics)"
done
# every unit's score at full precision (C99 hex floats), whichever shard ran it
units() { cat "$@" | awk '$1 == "unit" { $5 = ""; print }' | sort; }
ok=0
for s in km g ifo; do
  units n1/$s.part-1-of-1 > u1
  [ "$(wc -l < u1)" -gt 10 ] || ok=1
  for N in 2 3 4; do units n$N/$s.part-*-of-$N | cmp -s u1 - || ok=1; done
done
check $ok "the units of 2, 3 and 4 shards hold the scores of 1 shard bit for bit"
grep -q "^shard 2/2: skipped 'metrics'" n2/out2 && grep -q "^shard 2/2: skipped 'threshold'" n2/out2 &&
  grep -q '^search iforest: shard 2 of 2: 6 of 12 work units' n2/out2
check $? "a shard says what it ran and skips the lines that use the search's run"

# search merge PART.. (a pattern or the files) after the same lines
odd -e "$P" -e 'search merge n3/km.part-*-of-3 as km' > m3 2>&1
[ -n "$(board m3)" ] && [ "$(board m3)" = "$(board single | sed -n '1,/^best: /p')" ]
check $? "search merge n3/km.part-*-of-3: the one-process leaderboard of the first search"
odd -e "$P" -e 'search merge n4/km.part-4-of-4 n4/km.part-2-of-4 n4/km.part-1-of-4 n4/km.part-3-of-4' > m4 2>&1
[ "$(board m4 | sed 's/as kmeans_best$/as km/')" = "$(board single | sed -n '1,/^best: /p')" ] && grep -q '^kmeans_best: kmeans' m4
check $? "search merge in any order; without as NAME the run is ALGO_best"

# refusals, each naming the file
merr() { odd -e "$P" -e "search merge $*" 2>&1 | grep '^error'; }
e=$(merr n4/km.part-1-of-4 n4/km.part-2-of-4 n4/km.part-4-of-4)
echo "$e" | grep -q 'shard 3 of 4 missing: give all 4 parts (3 given)'
check $? "a missing part: $e"
cp n4/km.part-2-of-4 again
e=$(merr n4/km.part-1-of-4 n4/km.part-2-of-4 n4/km.part-3-of-4 again n4/km.part-4-of-4)
echo "$e" | grep -q 'again: shard 2 of 4 given twice (also n4/km.part-2-of-4)'
check $? "a repeated part: $e"
e=$(merr n2/km.part-1-of-2 n2/g.part-2-of-2)
echo "$e" | grep -q 'n2/g.part-2-of-2: a part of another search than n2/km.part-1-of-2 (the detector differs)'
check $? "a part of another search: $e"
e=$(merr n2/km.part-1-of-2 n3/km.part-2-of-3)
echo "$e" | grep -q 'n3/km.part-2-of-3: shard 2 of 3, but n2/km.part-1-of-2 is a shard of 2'
check $? "parts of another shard count: $e"
sed 's/^axis k\t2\t3\t4\t5\t6\t7$/axis k\t2\t3\t4\t5\t6\t8/' n2/km.part-2-of-2 > grid2
e=$(merr n2/km.part-1-of-2 grid2)
echo "$e" | grep -q 'grid2: a part of another search than n2/km.part-1-of-2 (the grid differs)'
check $? "a part of another grid: $e"
e=$(odd -e "set seed=12; load $top/sample-data/blobs.csv; split train=0.7 test=0.3 stratify=yes; scale zscore" \
        -e 'search merge n2/km.part-*' 2>&1 | grep '^error')
echo "$e" | grep -q 'n2/km.part-1-of-2: not a part of a search on this session.s data: the random state differs'
check $? "parts of a search under another seed: $e"
e=$(odd -e "set seed=11; load $top/sample-data/blobs.csv; split train=0.7 test=0.3 stratify=yes" -e 'search merge n2/km.part-*' 2>&1 | grep '^error')
echo "$e" | grep -q 'the data differs'
check $? "parts of a search on other data: $e"
(cd n2 && sed 's/^search kmeans k=2..7 /search kmeans k=2..6 /' ../s.odd > ../other.odd && odd -f ../other.odd --merge-shards=2 2>&1) | grep -q 'km.part-1-of-2: a part of another search than this line: the grid differs'
check $? "--merge-shards refuses the parts of another line"
head -c 300 n2/km.part-2-of-2 > trunc
e=$(merr n2/km.part-1-of-2 trunc)
echo "$e" | grep -q "trunc: truncated (no 'end' line)"
check $? "a truncated part: $e"
e=$(merr s.odd)
echo "$e" | grep -q "s.odd: not a search part"
check $? "a file that is not a part: $e"
e=$(merr 'nothing-*')
echo "$e" | grep -q "no file matches nothing-\*"
check $? "a pattern without files: $e"
e=$(merr n2/km.part-1-of-2 n2/km.part-2-of-2 folds=3)
echo "$e" | grep -q "unexpected option 'folds'"
check $? "search merge takes no search options: $e"
(cd n2 && mv km.part-2-of-2 away && odd -f ../s.odd --merge-shards=2 2>&1; mv away km.part-2-of-2) | grep -q 'cannot read km.part-2-of-2'
check $? "--merge-shards names a missing part file"

# never replaced silently; force=yes replaces it
(cd n2 && odd -f ../s.odd --shard=1/2 > again.out 2>&1)
[ $? = 1 ] && grep -q 'refusing to replace existing file km.part-1-of-2 (give force=yes)' n2/again.out
check $? "a shard does not replace an existing part"
(cd n2 && odd -e "$P" -e 'search kmeans k=2..7 folds=3 metric=ap force=yes as km' --shard=1/2 >/dev/null 2>&1) &&
  odd -e "$P" -e 'search merge n2/km.part-*' 2>&1 | grep -q '^best: k='
check $? "force=yes replaces it"

# two searches under one name would write one part twice
e=$(odd -e "$P" -e 'search kmeans k=2..3 folds=3' -e 'search kmeans k=4..5 folds=3' --shard=1/3 2>&1 | grep '^error')
echo "$e" | grep -q 'kmeans_best.part-1-of-3 was written by an earlier search of this session: give each search its own name'
check $? "two searches of one name in a shard: $e"

# --out-dir: where the parts go and are read from
mkdir parts
odd -e "$P" -e 'search kmeans k=2..4 folds=3 as k3' --shard=1/1 --out-dir=parts > /dev/null 2>&1 && [ -f parts/k3.part-1-of-1 ]
check $? "--out-dir=DIR with --shard writes the parts there"
odd -e "$P" -e 'search kmeans k=2..4 folds=3 as k3' --merge-shards=1 --out-dir=parts 2>&1 | grep -q '^best: k='
check $? "--out-dir=DIR with --merge-shards reads them there"

# the options themselves
for bad in 0/3 4/3 3 a/b 1/ /2 -1/2 1/0; do
  odd --shard=$bad -e set > /dev/null 2> err; rc=$?
  [ $rc = 2 ] && grep -q -- "--shard=$bad: expected I/N" err
  check $? "--shard=$bad is refused"
done
odd --merge-shards=0 -e set > /dev/null 2> err; [ $? = 2 ] && grep -q 'merge-shards=0' err
check $? "--merge-shards=0 is refused"
odd --merge-shards=x -e set > /dev/null 2> err; [ $? = 2 ] && grep -q 'merge-shards=x' err
check $? "--merge-shards=x is refused"
odd --shard=1/2 --merge-shards=2 -e set > /dev/null 2> err; [ $? = 2 ] && grep -q 'give one' err
check $? "--shard and --merge-shards together are refused"
odd --shard=1/2 -e set > /dev/null 2>&1
check $? "--shard=1/2 without a search runs the script"
"$bin" --help | grep -q -- '--shard=I/N' && "$bin" --help | grep -q -- '--merge-shards=N'
check $? "--help lists --shard and --merge-shards"
odd -e 'help search' | grep -q 'search merge' && odd -e 'help search' | grep -q -- '--shard=I/N'
check $? "help search explains merge and --shard"

# Ctrl-C in a shard: the part keeps the units that ran; the merge keeps the
# configurations every shard completed and journals first=M
# (both shards are interrupted: running the rest of a 100-configuration grid
# would take a minute)
for I in 1 2; do
  "$bin" --no-journal --no-times -e 'set seed=5' -e "load $top/sample-data/blobs.csv" \
    -e 'search iforest trees=20..2000:20 folds=5 metric=roc as bif' --shard=$I/2 > int$I 2>&1 &
  eval pid$I=\$!
done
sleep 3
kill -INT $pid1 $pid2
wait $pid1; r1=$?
wait $pid2; r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ]
check $? "shards interrupted by SIGINT exit 0"
if grep -q '^interrupted: ' int1 && grep -q '^interrupted: ' int2; then
  odd -e 'set seed=5' -e "load $top/sample-data/blobs.csv" -e 'search merge bif.part-1-of-2 bif.part-2-of-2 as bif' \
    -e "save session sess.odd" > im 2>&1
  M=$(sed -n 's/^interrupted: \([0-9]*\) of 100 configurations completed.*/\1/p' im)
  [ -n "$M" ] && [ "$M" -lt 100 ]
  check $? "the merge of an interrupted shard keeps ${M:-no} configurations and says so"
  odd -f sess.odd > ir 2>&1
  sed -n '/^rank/,/^best: /p' im > a
  sed -n '/^rank/,/^best: /p' ir > b
  [ -s a ] && cmp -s a b
  check $? "its journaled line replays to the same leaderboard"
  odd -e 'set seed=5' -e "load $top/sample-data/blobs.csv" \
    -e "search iforest trees=20..2000:20 folds=5 metric=roc first=$M as bif" > one 2>&1
  sed -n '/^rank/,/^best: /p' one > c
  grep -v '^interrupted: ' a | cmp -s - c && [ -s c ]
  check $? "... and equals one process's search with first=$M"
else
  n=$((n+1)); echo "ok $n # SKIP a shard finished before SIGINT"
  n=$((n+1)); echo "ok $n # SKIP"
  n=$((n+1)); echo "ok $n # SKIP"
fi
echo "1..$n"
