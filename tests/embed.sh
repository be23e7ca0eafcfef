#!/bin/sh
# Issue 21: learned embeddings (embed) and bags of models (bag).
#  - embed ae dim=2 on four Gaussian blobs (tests/fixtures/embed/blobs4.csv,
#    the generating blob in `cluster`): kmeans k=4 on the embedding recovers
#    the blobs, adjusted Rand index >= 0.9 (computed here; the ARI code is
#    checked first against scikit-learn's value on a fixed pair);
#  - embed lstm on a sine with one period replaced by a triangle wave
#    (shape.csv): the window that knn on the embedding scores highest
#    overlaps the planted period;
#  - an embedding is the same for threads=1 and 2, and `save session` replays
#    it bit for bit; undo and lineage treat it as a version;
#  - bag lof (features only) equals the members fitted one by one with
#    `detect lof on=COLUMNS` (the columns `info` prints) and combined with
#    `ensemble`, bit for bit; bag kmeans rows=0.6 keep=yes equals `ensemble`
#    of its kept members; bags are the same for threads=1 and 2;
#  - a bag saved with save model and loaded again scores as it did.
top=${top_srcdir:-.}
bin=${top_builddir:-.}/oddity
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
F=tests/fixtures/embed
n=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2"; fi; }
odd() { "$bin" --no-journal --no-times --seed=1 "$@"; }

# ARI of the pairs "a b" on stdin (Hubert & Arabie 1985, as sklearn's
# adjusted_rand_score)
ari() { awk 'function c2(x) { return x * (x - 1) / 2 }
  { n++; ct[$1 SUBSEP $2]++; ra[$1]++; rb[$2]++ }
  END { s = 0; for (k in ct) s += c2(ct[k]); sa = 0; for (k in ra) sa += c2(ra[k]); sb = 0; for (k in rb) sb += c2(rb[k])
        e = sa * sb / c2(n); m = (sa + sb) / 2; printf "%.6f\n", (s - e) / (m - e) }'; }
# sklearn.metrics.adjusted_rand_score([0,0,1,1,2,2], [0,0,1,2,2,2]) = 0.4444444444444444
a=$(printf '0 0\n0 0\n1 1\n1 2\n2 2\n2 2\n' | ari)
[ "$a" = 0.444444 ]; check $? "ARI agrees with scikit-learn on a fixed pair ($a)"

# ---- embed ae: blobs
odd -j 2 -e "load $F/blobs4.csv ignore=cluster as b; embed ae dim=2 hidden=32 epochs=30; detect kmeans k=4 as km" \
    -e "export scores km to=$tmp/km.csv; export data to=$tmp/e2.csv; lineage; undo; lineage" > "$tmp/ae.out" 2>&1
tail -n +2 $F/blobs4.csv | cut -d, -f7 > "$tmp/truth"
# ARI of the clusters of run $1 exported to $2 (row order = the fixture's) against the truth
ari_of() { tail -n +2 "$1" | cut -d, -f4 | paste -d' ' "$tmp/truth" - | ari; }
a=$(ari_of "$tmp/km.csv")
awk -v a="$a" 'BEGIN { exit !(a >= 0.9) }'; check $? "kmeans k=4 on embed ae dim=2 recovers the blobs (ARI $a >= 0.9)"
# the check can fail: kmeans with k=2 on the same embedding cannot recover four blobs
odd -e "load $F/blobs4.csv ignore=cluster as b; embed ae dim=2 hidden=32 epochs=30; detect kmeans k=2 as km; export scores km to=$tmp/km2.csv" > /dev/null 2>&1
a2=$(ari_of "$tmp/km2.csv")
awk -v a="$a2" 'BEGIN { exit !(a < 0.9) }'; check $? "kmeans k=2 on the same embedding does not (ARI $a2 < 0.9): the check can fail"
head -1 "$tmp/e2.csv" | grep -q '^e1,e2,cluster,label$'; check $? "the embedding's columns are e1,e2 and the rest is kept ($(head -1 "$tmp/e2.csv"))"
grep -q '^  2\. embed ae dim=2 hidden=32 epochs=30  \[600 x 4\]' "$tmp/ae.out"; check $? "lineage lists the embedding as version 2"
grep -q '^undid: embed ae dim=2 hidden=32 epochs=30 (now 600 x 8)' "$tmp/ae.out"; check $? "undo steps back to the input"
grep -q 'reconstruction loss (mse, z-scored) by epoch:' "$tmp/ae.out"; check $? "the report gives the loss of every epoch"

# the loss of every epoch while training, from 2000 training rows on
odd -e "load sample-data/blobs.csv; embed ae epochs=2" > "$tmp/big.out" 2>&1
grep -q '^  epoch 2/2  reconstruction loss [0-9.]*$' "$tmp/big.out" && ! grep -q '^  epoch' "$tmp/ae.out"
check $? "3000 rows: one line per epoch while training; 600 rows: the report only"

# threads=1 and 2, and the replay of a saved session
for j in 1 2; do
  odd -j $j -e "load $F/blobs4.csv ignore=cluster as b; split train=0.7 test=0.3 stratify=no; embed ae dim=3 epochs=5 activation=relu; export data to=$tmp/t$j.csv force=yes" \
      -e "save session $tmp/s$j.odd" > /dev/null 2>&1
done
cmp -s "$tmp/t1.csv" "$tmp/t2.csv"; check $? "embed ae: threads=1 and threads=2 give the same embedding"
"$bin" --no-journal --no-times -j 2 -f "$tmp/s1.odd" -e "export data to=$tmp/r1.csv" > /dev/null 2>&1
cmp -s "$tmp/t1.csv" "$tmp/r1.csv"; check $? "the saved session replays the embedding bit for bit"

# Ctrl-C while training: the embedding stands, the journal says the epochs
# that completed, and the saved session replays to the same embedding
"$bin" --no-journal --no-times -e "load $F/blobs4.csv ignore=cluster as b" -e "embed ae epochs=1000000" \
    -e "save session $tmp/int.odd" -e "export data to=$tmp/int1.csv" > "$tmp/int.out" 2> "$tmp/int.err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 0 ] && grep -q 'warning: embed: training interrupted in epoch [0-9]*; keeping the best weights so far' "$tmp/int.err"
check $? "Ctrl-C stops embed with a warning; the session goes on (exit $rc)"
E=$(sed -n 's/^embed ae epochs=\([0-9]*\)$/\1/p' "$tmp/int.odd")
[ -n "$E" ] && grep -q "note: journaled as trained: embed ae epochs=$E" "$tmp/int.err"
check $? "the journal trains the $E epochs that completed"
"$bin" --no-journal --no-times -f "$tmp/int.odd" -e "export data to=$tmp/int2.csv" > /dev/null 2>&1
[ -s "$tmp/int1.csv" ] && cmp -s "$tmp/int1.csv" "$tmp/int2.csv"; check $? "the replay makes the same embedding"

# ---- embed lstm: a planted shape anomaly (points 900..949, 0-based)
W=48
for j in 1 2; do
  odd -j $j -e "load $F/shape.csv; embed lstm dim=8 window=$W hidden=16 epochs=10; detect knn k=5 as kn; export scores kn to=$tmp/kn$j.csv; export data to=$tmp/l$j.csv" > "$tmp/lstm$j.out" 2>&1
done
top=$(tail -n +2 "$tmp/kn1.csv" | sort -t, -k4 -g -r | head -1 | cut -d, -f1)
# output row r (1-based) is the window of input points r-1 .. r+W-2 (0-based)
[ -n "$top" ] && [ "$top" -le 950 ] && [ $((top + W - 2)) -ge 900 ]
check $? "knn on embed lstm: the top-scored window (input points $((top - 1))..$((top + W - 2))) overlaps the planted period 900..949"
grep -q 'one row per window end: 1453 rows' "$tmp/lstm1.out"; check $? "embed lstm makes one row per window end"
cmp -s "$tmp/l1.csv" "$tmp/l2.csv"; check $? "embed lstm: threads=1 and threads=2 give the same embedding"

# ---- bag: the members one by one, combined by ensemble
B="load sample-data/blobs.csv; split train=0.6 test=0.4 stratify=yes"
odd -j 2 -e "$B; bag lof k=15 n=5 combine=median norm=zscore as fb; info fb; export scores fb to=$tmp/fb2.csv" > "$tmp/fb.out" 2>&1
odd -j 1 -e "$B; bag lof k=15 n=5 combine=median norm=zscore as fb; export scores fb to=$tmp/fb1.csv" > /dev/null 2>&1
cmp -s "$tmp/fb1.csv" "$tmp/fb2.csv"; check $? "bag lof: threads=1 and threads=2 give the same scores"
cols=$(sed -n 's/^  member [0-9]*: on=\([^ ]*\) .*/\1/p' "$tmp/fb.out" | sort -u | head -20)
lines="$B"; names=
i=0
for c in $(sed -n 's/^  member [0-9]*: on=\([^ ]*\) .*/\1/p' "$tmp/fb.out" | head -5); do
  i=$((i+1)); lines="$lines; detect lof k=15 on=$c as m$i"; names="$names m$i"
done
[ $i -eq 5 ]; check $? "info lists the columns of the 5 members"
odd -j 2 -e "$lines; ensemble$names combine=median norm=zscore as e; export scores e to=$tmp/ens.csv" > /dev/null 2>&1
same=$(paste -d, "$tmp/fb1.csv" "$tmp/ens.csv" | awk -F, 'NR > 1 { k++; if ($3 != $6) d++ } END { print (k == 3000 && d == 0) ? "yes" : "no" }')
[ "$same" = yes ]; check $? "bag lof equals its members fitted one by one and combined with ensemble, bit for bit"
[ -n "$cols" ] && [ "$(echo "$cols" | wc -l)" -gt 1 ]; check $? "the members draw different columns"

R="load sample-data/blobs.csv; bag kmeans k=4 n=6 rows=0.6 features=0.5..1.0 combine=max norm=minmax keep=yes as rb"
E="ensemble rb.1 rb.2 rb.3 rb.4 rb.5 rb.6 norm=minmax combine=max as e"
for j in 1 2; do odd -j $j -e "$R; $E; export scores rb e to=$tmp/rb$j.csv" > "$tmp/rb$j.out" 2>&1; done
cmp -s "$tmp/rb1.csv" "$tmp/rb2.csv"; check $? "bag kmeans rows=0.6: threads=1 and threads=2 give the same scores"
same=$(awk -F, 'NR > 1 { k++; if ($3 != $4) d++ } END { print (k == 3000 && d == 0) ? "yes" : "no" }' "$tmp/rb1.csv")
[ "$same" = yes ]; check $? "bag kmeans rows=0.6 keep=yes equals ensemble of its kept members, bit for bit"
grep -q 'member 1: on=.*, 1800 of 3000 training rows' "$tmp/rb1.out"; check $? "each member fits on 60% of the rows"
odd -k -e "$R" -e "save model rb to=$tmp/rb.oddm" -e "load model $tmp/rb.oddm as lb" -e "export scores rb lb to=$tmp/lb.csv" > "$tmp/sv.out" 2>&1
same=$(awk -F, 'NR > 1 { k++; if ($3 != $4) d++ } END { print (k == 3000 && d == 0) ? "yes" : "no" }' "$tmp/lb.csv")
[ "$same" = yes ]; check $? "save model writes a bag, and the loaded bag scores as it did (tests/bagmodel.sh has the rest)"
echo "1..$n"
