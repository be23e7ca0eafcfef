#!/bin/sh
# Issue 20: `oddity score` replays clean missing=ffill and missing=interpolate
# (model format 3) bit for bit:
#  - a series with gaps at the start, in the middle (across chunk boundaries)
#    and at the end, in two columns with different gaps: the workbench's
#    `load; clean missing=...; detect ...; export scores` against
#    `oddity score --model` on the same raw file, --chunk=1, 3, 7 and the
#    default: ffill, interpolate in time (timestamps), interpolate in row
#    order (no time column), a window view and an lstm after the clean;
#    scale before the fill, clip= with it, after a split, a numeric time column;
#  - load model / info show the step (policy, time column or row order);
#  - a time column that goes back, a missing or unreadable time, a column with
#    no value at all: one line naming the file, line and column;
#  - a version-2 model file (tests/fixtures/score, made by the oddity before
#    format 3) still loads and scores as it did.
top=${top_srcdir:-.}
bin=${top_builddir:-.}/oddity
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S=sample-data
F=tests/fixtures/score
n=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2"; fi; }
odd() { "$bin" --no-journal --no-times --seed=1 "$@"; }
sc() { "$bin" score "$@"; }

# 400 rows of the series with a second column w; value: gaps at rows 1-3 (start),
# 20-30, 50, 100-104, 391-400 (end); w: rows 1, 25-40, 101-102, 200-230
head -401 $S/series.csv | awk -F, -v OFS=, '
  NR == 1 { print "timestamp,value,w,label"; next }
  { r = NR - 1; w = $2 * 0.5 + (r % 7) * 0.25
    if (r <= 3 || (r >= 20 && r <= 30) || r == 50 || (r >= 100 && r <= 104) || r >= 391) $2 = "NA"
    if (r == 1 || (r >= 25 && r <= 40) || (r >= 101 && r <= 102) || (r >= 200 && r <= 230)) w = ""
    print $1, $2, w, $3 }' > "$tmp/gaps.csv"
cut -d, -f2- "$tmp/gaps.csv" > "$tmp/notime.csv"

# column COL of the workbench's export against oddity score's row,score
same() { # export col out
  tail -n +2 "$1" | cut -d, -f1,"$2" > "$tmp/a"
  tail -n +2 "$3" | cut -d, -f1,2 > "$tmp/b"
  [ "$(wc -l < "$tmp/a")" = 400 ] && cmp -s "$tmp/a" "$tmp/b"
}
# name:data:export column:steps
for spec in "ff:gaps:4:clean missing=ffill; detect kmeans k=3" \
            "it:gaps:4:clean missing=interpolate; detect kmeans k=3" \
            "ir:notime:3:clean missing=interpolate; detect kmeans k=3" \
            "fs:gaps:4:clean missing=ffill columns=value; clean missing=interpolate; scale zscore; detect kmeans k=3" \
            "wi:gaps:4:clean missing=interpolate; window size=8 stride=3; detect kmeans k=3" \
            "ls:gaps:4:clean missing=ffill; scale zscore; detect lstm window=16 hidden=8 epochs=1"; do
  m=${spec%%:*}; rest=${spec#*:}; data=$tmp/${rest%%:*}.csv; rest=${rest#*:}; col=${rest%%:*}; steps=${rest#*:}
  odd -e "load $data; $steps as $m; save model $m to=$tmp/$m.oddm; export scores $m to=$tmp/$m.csv; load model $tmp/$m.oddm as r$m; info r$m" > "$tmp/$m.log" 2>&1
  check $? "workbench: $steps, saved"
  for c in 1 3 7 default; do
    if [ $c = default ]; then sc -q --model "$tmp/$m.oddm" "$data" > "$tmp/out.csv"
    else sc -q --model "$tmp/$m.oddm" --chunk=$c "$data" > "$tmp/out.csv"; fi
    r=$?; same "$tmp/$m.csv" "$col" "$tmp/out.csv"
    check $((r + $?)) "$m ($steps): oddity score --chunk=$c equals the workbench's scores bit for bit"
  done
done
# more mixes: scale before the fill, clip= in the same clean (bounds fitted on the
# filled values), a split (clip bounds of the training rows), a numeric time
# column (load time=t, unevenly spaced: not the row order)
awk -F, -v OFS=, 'NR == 1 { $1 = "t" } NR > 1 { $1 = (NR - 1) * (NR - 1) * 0.37 } { print }' "$tmp/gaps.csv" > "$tmp/numt.csv"
for spec in "sc:gaps::scale zscore; clean missing=interpolate; detect kmeans k=3" \
            "cl:gaps::clean missing=interpolate clip=1.5; detect kmeans k=3" \
            "sp:gaps::split train=0.5 order=time; clean missing=ffill clip=0.05,0.95; scale robust; detect kmeans k=3" \
            "nt:numt:time=t:clean missing=interpolate; detect kmeans k=3"; do
  m=${spec%%:*}; rest=${spec#*:}; data=$tmp/${rest%%:*}.csv; rest=${rest#*:}; opt=${rest%%:*}; steps=${rest#*:}
  odd -e "load $data $opt; $steps as $m; save model $m to=$tmp/$m.oddm; export scores $m to=$tmp/$m.csv" > "$tmp/$m.log" 2>&1
  r=$?
  for c in 1 7; do
    sc -q --model "$tmp/$m.oddm" --chunk=$c "$data" > "$tmp/out.csv"
    r=$((r + $?)); same "$tmp/$m.csv" 4 "$tmp/out.csv"; r=$((r + $?))
  done
  check $r "$m ($steps): oddity score --chunk=1 and 7 equal the workbench's scores bit for bit"
done
odd -e "load $tmp/numt.csv time=t; clean missing=interpolate; load model $tmp/nt.oddm as rnt" 2>&1 | grep -q 'interpolated linearly in time (column t)'
check $? "a numeric time column (load time=t) is the one interpolated in"
cat "$tmp/gaps.csv" | sc -q --model "$tmp/it.oddm" --chunk=5 > "$tmp/out.csv"; same "$tmp/it.csv" 4 "$tmp/out.csv"
check $? "interpolate in time: from a pipe, bit for bit"
# load model / info show the step
grep -q 'pipeline: clean missing=ffill -> detector' "$tmp/ff.log" && grep -q 'clean missing=ffill: missing values carried forward' "$tmp/ff.log" &&
  grep -q 'interpolated linearly in time (column timestamp)' "$tmp/it.log" && grep -q 'input columns: value,w,timestamp' "$tmp/it.log" &&
  grep -q 'interpolated linearly in row order' "$tmp/ir.log"
check $? "load model and info show the series clean steps: policy, time column or row order, input columns"
sc --help | grep -q 'missing=ffill' && sc --help | grep -q 'held until'
check $? "oddity score --help says ffill and interpolate are replayed and gaps are held"

# ---- time and gaps the stream cannot take as the workbench does: one line, FILE:LINE[:COL]
awk -F, -v OFS=, 'NR == 60 { $1 = "2023-01-01 00:00:00" } { print }' "$tmp/gaps.csv" > "$tmp/back.csv"
sc -q --model "$tmp/it.oddm" "$tmp/back.csv" > /dev/null 2> "$tmp/err"
r=$?; [ $r = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "back.csv:60: time 2023-01-01 00:00:00 in column 'timestamp' is before the previous row's 2024-01-03 09:00:00" "$tmp/err"
check $? "interpolate in time: a time that goes back stops with one line naming the line and column"
sc -q --model "$tmp/it.oddm" --on-error=skip "$tmp/back.csv" > "$tmp/out.csv" 2> "$tmp/err"
[ $? = 0 ] && [ "$(wc -l < "$tmp/out.csv")" = 400 ] && grep -q 'back.csv:60: time' "$tmp/err"
check $? "--on-error=skip skips such a row and says so"
awk -F, -v OFS=, 'NR == 61 { $1 = "" } NR == 71 { $1 = "yesterday" } { print }' "$tmp/gaps.csv" > "$tmp/notm.csv"
sc -q --model "$tmp/it.oddm" --on-error=skip "$tmp/notm.csv" > /dev/null 2> "$tmp/err"
grep -q "notm.csv:61:1: missing time in column 'timestamp'" "$tmp/err" && grep -q "notm.csv:71:1: 'yesterday' in column 'timestamp' is not a timestamp" "$tmp/err"
check $? "a missing or unreadable time: a bad row naming FILE:LINE:COL"
awk -F, -v OFS=, 'NR > 1 { $2 = "NA" } { print }' "$tmp/gaps.csv" > "$tmp/empty.csv"
sc -q --model "$tmp/ff.oddm" --chunk=7 "$tmp/empty.csv" > "$tmp/out.csv" 2> "$tmp/err"
[ $? = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "empty.csv: clean missing=ffill: column 'value' has no value at all" "$tmp/err" &&
  [ "$(wc -l < "$tmp/out.csv")" = 1 ]
check $? "a column with no value at all: one line, as the workbench's clean says it, and no score written"
# a bad row stops the run after the rows before it, a gap still open filled as at the end
awk -F, -v OFS=, 'NR == 26 { $3 = "abc" } { print }' "$tmp/gaps.csv" > "$tmp/stop.csv"
sc -q --model "$tmp/it.oddm" --chunk=4 "$tmp/stop.csv" > "$tmp/out.csv" 2> "$tmp/err"
[ $? = 1 ] && grep -q "stop.csv:26:[0-9]*: 'abc' in column 'w' is not a number" "$tmp/err" && [ "$(tail -1 "$tmp/out.csv" | cut -d, -f1)" = 24 ] &&
  [ "$(tail -1 "$tmp/out.csv" | cut -d, -f2)" != "" ]
check $? "--on-error=stop: the rows before the bad one are written, those of an open gap too"
# ffill needs no look-ahead: with --chunk=1 the rows of a middle gap are written as they come
sc -q --model "$tmp/ff.oddm" --chunk=1 "$tmp/gaps.csv" | head -30 > "$tmp/out.csv"
[ "$(wc -l < "$tmp/out.csv")" = 30 ]; check $? "ffill streams (head of the output while reading)"

# ---- a pipeline it cannot stream is refused, naming the step
odd -e "load $tmp/gaps.csv; clean missing=ffill columns=value; clean missing=drop; detect kmeans k=2 as d; save model d to=$tmp/d.oddm" > /dev/null 2>&1
sc --model "$tmp/d.oddm" "$tmp/gaps.csv" > /dev/null 2> "$tmp/err"
[ $? = 1 ] && grep -q "step 'clean missing=drop' drops rows after a missing=ffill|interpolate step" "$tmp/err"
check $? "a missing=drop after a series clean is refused, naming the step"

# ---- a version-2 model file (made by the oddity before format 3: tests/fixtures/score/make-v2.sh)
[ "$(od -An -tu4 -j8 -N4 $F/v2-kmeans.oddm | tr -d ' ')" = 2 ]; check $? "the fixture is a version-2 file"
sc -q --model $F/v2-kmeans.oddm --threshold $F/v2-data.csv > "$tmp/out.csv"
r=$?; cmp -s "$tmp/out.csv" $F/v2-scores.csv; check $((r + $?)) "a version-2 model still scores as it did, flags included"
odd -e "load $F/v2-data.csv; clean missing=mean; scale zscore; load model $F/v2-kmeans.oddm as v2; info v2; export scores v2 to=$tmp/v2.csv" > "$tmp/v2.log" 2>&1
r=$?; grep -q 'pipeline: clean missing=mean -> scale zscore -> detector' "$tmp/v2.log" && grep -q 'x2 fill 2.32312' "$tmp/v2.log" &&
  tail -n +2 "$tmp/v2.csv" | cut -d, -f1,2 > "$tmp/a" && tail -n +2 $F/v2-scores.csv | cut -d, -f1,2 | cmp -s - "$tmp/a"
check $((r + $?)) "a version-2 model still loads in the workbench, its pipeline shown, the same scores"
echo "1..$n"
