#!/bin/sh
# Issue 20: `oddity score`, the streaming filter, and model files that carry
# their pipeline.
#  - for kmeans behind scale zscore + pca k=2, gmm, iforest, an lstm on a
#    scaled series and kmeans on a window view (size=8 stride=3), the scores of
#    `oddity score` equal the workbench's `export scores` of the same rows bit
#    for bit (both printed with %.17g), with --chunk=1, 7 and 100000, from a
#    file and from a pipe;
#  - --threshold flags exactly the rows the workbench's threshold flags (the
#    value and rule `info` prints, applied to the exported scores; the count
#    `threshold` prints); --threshold=V; --keep; --threads;
#  - bad rows: --on-error=skip reports each with FILE:LINE[:COL] and counts
#    them, the other rows keep their numbers and scores; stop (the default)
#    exits 1 at the first;
#  - a missing input column: one line naming the column and the file;
#  - clean steps carried by the model (missing=mean, median, drop, clip=K,
#    clip=LO,HI, with columns=, after a split, after scale): scores equal the
#    workbench's bit for bit; dropped rows write no line, the rest keep the
#    input's numbering; load model shows the fill values and clip bounds;
#  - smooth= on an lstm: the EWMA carried across chunks, bit for bit;
#  - --no-header: columns by position, a field-count mismatch is one line;
#    a headerless file without it is told so;
#  - a version-1 model file still loads (no pipeline); oddity score refuses it;
#    a pipeline that cannot be replayed is refused naming the step;
#  - usage errors exit 2; scripts/score-bench runs (smoke).
top=${top_srcdir:-.}
bin=${top_builddir:-.}/oddity
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S=sample-data
n=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2"; fi; }
odd() { "$bin" --no-journal --no-times --seed=1 "$@"; }
sc() { "$bin" score "$@"; }

# ---- the workbench: fit, threshold, save, export
odd -e "load $S/blobs.csv; scale zscore; pca k=2; detect kmeans k=3 as km; threshold km method=percentile q=95; save model km to=$tmp/km.oddm; export scores km to=$tmp/km.csv; info km" > "$tmp/km.log" 2>&1
check $? "workbench: kmeans behind scale + pca, saved with its pipeline"
odd -e "load $S/blobs.csv; scale zscore; pca k=2; load model $tmp/km.oddm as k2; info k2" > "$tmp/k2.log" 2>&1
[ "$(grep -c 'pipeline: scale zscore -> pca k=2 -> detector' "$tmp/k2.log")" = 2 ] && grep -q 'input columns: x1,x2,x3,x4,x5,x6' "$tmp/k2.log" &&
  grep -q 'scale zscore: x1 (1.22724, 4.08991)' "$tmp/k2.log" && grep -q 'threshold: percentile q=95: flagged when score >' "$tmp/k2.log"
check $? "load model and info show the pipeline: steps, fitted parameters, input columns, threshold"
grep -q 'threshold: > 2.8577.* (percentile q=95 (from the model file))' "$tmp/k2.log"; check $? "the loaded run takes the model's threshold"
odd -e "load $S/blobs.csv; detect gmm k=3 as g; detect iforest as f; threshold g method=value value=20 rule=>; save model g to=$tmp/g.oddm; save model f to=$tmp/f.oddm; export scores g to=$tmp/g.csv; export scores f to=$tmp/f.csv" > "$tmp/gf.log" 2>&1
check $? "workbench: gmm and iforest"
odd -e "load $S/series.csv; split train=0.5 order=time; scale zscore; detect lstm window=16 hidden=8 epochs=2 as l; window size=8 stride=3; detect kmeans k=3 as wk; threshold l method=percentile q=99; save model l to=$tmp/l.oddm; save model wk to=$tmp/wk.oddm; export scores l to=$tmp/l.csv; export scores wk to=$tmp/wk.csv" > "$tmp/l.log" 2>&1
check $? "workbench: lstm on a scaled series, kmeans on a window view"

# column COL of the workbench's export (row,score) against oddity score's output
same() { # export col out
  tail -n +2 "$1" | cut -d, -f1,"$2" > "$tmp/a"
  tail -n +2 "$3" | cut -d, -f1,2 > "$tmp/b"
  [ -s "$tmp/a" ] && cmp -s "$tmp/a" "$tmp/b"
}
for spec in km:3:blobs g:3:blobs f:3:blobs l:4:series wk:4:series; do
  m=${spec%%:*}; rest=${spec#*:}; col=${rest%%:*}; data=$S/${rest#*:}.csv
  for c in 1 7 100000; do
    sc -q --model "$tmp/$m.oddm" --chunk=$c "$data" > "$tmp/out.csv"
    r=$?; same "$tmp/$m.csv" "$col" "$tmp/out.csv"
    check $((r + $?)) "$m: scores from a file, --chunk=$c, equal the workbench's bit for bit"
    cat "$data" | sc -q --model="$tmp/$m.oddm" --chunk=$c - > "$tmp/out.csv"
    r=$?; same "$tmp/$m.csv" "$col" "$tmp/out.csv"
    check $((r + $?)) "$m: scores from a pipe, --chunk=$c, equal the workbench's bit for bit"
  done
done
cat $S/blobs.csv | sc -q -m "$tmp/km.oddm" > "$tmp/out.csv"; same "$tmp/km.csv" 3 "$tmp/out.csv"
check $? "no FILE reads standard input (-m, default chunk)"
sc -q --model "$tmp/g.oddm" --threads=1 $S/blobs.csv > "$tmp/o1.csv" && sc -q --model "$tmp/g.oddm" -j 2 $S/blobs.csv > "$tmp/o2.csv"
cmp -s "$tmp/o1.csv" "$tmp/o2.csv"; check $? "--threads=1 and -j 2 give the same scores"
head -1 "$tmp/o1.csv" | grep -qx 'row,score'; check $? "header row,score"
# the warm-up of the lstm and the points after the last window are unscored, as in the workbench
sc -q --model "$tmp/l.oddm" $S/series.csv > "$tmp/l.out"
[ "$(sed -n 16p "$tmp/l.out")" = "15," ] && [ "$(sed -n 18p "$tmp/l.out" | cut -d, -f2)" != "" ]
check $? "lstm: warm-up rows have an empty score, the first full window a number"

# ---- thresholds
flags_ref() { # export col value rule
  tail -n +2 "$1" | awk -F, -v c="$2" -v t="$3" -v r="$4" '{ s = $c; f = 0; if (s != "") f = (r == ">" ? s + 0 > t + 0 : s + 0 >= t + 0); print $1 "," f }'
}
for spec in km:3:blobs g:3:blobs l:4:series; do
  m=${spec%%:*}; rest=${spec#*:}; col=${rest%%:*}; data=$S/${rest#*:}.csv
  prep=; [ $m = km ] && prep="scale zscore; pca k=2;"
  odd -e "load $data; $prep load model $tmp/$m.oddm as x; info x" > "$tmp/info" 2>&1
  line=$(grep -m1 'threshold: .*flagged when score' "$tmp/info")
  t=$(echo "$line" | sed 's/.* \([^ ]*\)$/\1/'); rule=$(echo "$line" | sed 's/.*flagged when score \([>=]*\) .*/\1/')
  flags_ref "$tmp/$m.csv" "$col" "$t" "$rule" > "$tmp/ref"
  sc -q --model "$tmp/$m.oddm" --threshold --chunk=7 "$data" > "$tmp/out.csv"
  tail -n +2 "$tmp/out.csv" | cut -d, -f1,3 > "$tmp/got"
  [ -n "$t" ] && cmp -s "$tmp/ref" "$tmp/got"; check $? "$m: --threshold flags the rows the workbench's threshold ($rule $t) flags"
done
want=$(grep -m1 'flags [0-9]* of' "$tmp/km.log" | sed 's/.*flags \([0-9]*\) of.*/\1/')
got=$(sc --model "$tmp/km.oddm" --threshold $S/blobs.csv 2>&1 >/dev/null | sed -n 's/.*: \([0-9]*\) flagged$/\1/p')
[ -n "$want" ] && [ "$want" = "$got" ]; check $? "km: oddity score flags as many rows as the workbench's threshold ($want)"
sc -q --model "$tmp/f.oddm" --threshold=0.6 $S/blobs.csv > "$tmp/out.csv"
flags_ref "$tmp/f.csv" 3 0.6 '>=' > "$tmp/ref"; tail -n +2 "$tmp/out.csv" | cut -d, -f1,3 > "$tmp/got"
cmp -s "$tmp/ref" "$tmp/got"; check $? "--threshold=V flags score >= V (a model without a threshold)"
sc -q --model "$tmp/f.oddm" --threshold $S/blobs.csv > /dev/null 2> "$tmp/err"
[ $? = 1 ] && grep -q 'has no threshold' "$tmp/err"; check $? "--threshold on a model without one: a clear error, status 1"

# ---- the plain-line fast pass and the field-table pass read the same rows the same way
sc -q --model "$tmp/km.oddm" $S/blobs.csv > "$tmp/plain.csv"
awk -F, 'NR == 1 { print "note,x6,x5,x4,x3,x2,x1,label"; next }
  { note = NR % 4 == 0 ? "\"a, \"\"b\"\"\"" : "n" NR
    if (NR % 3 == 0) print note ", " $6 " ," $5 "," $4 "," $3 "," $2 ", " $1 "," $7
    else if (NR % 5 == 0) print note ",\"" $6 "\"," $5 "," $4 "," $3 "," $2 "," $1 "," $7
    else print note "," $6 "," $5 "," $4 "," $3 "," $2 "," $1 "," $7 }' $S/blobs.csv > "$tmp/mixed.csv"
sc -q --model "$tmp/km.oddm" "$tmp/mixed.csv" > "$tmp/mixed.out"
[ -s "$tmp/plain.csv" ] && grep -q ' ,' "$tmp/mixed.csv" && grep -q '^"a, ""b""",' "$tmp/mixed.csv" && grep -q ',"[-0-9.]*",' "$tmp/mixed.csv" &&
  cmp -s "$tmp/plain.csv" "$tmp/mixed.out"
check $? "columns reordered, an unused quoted column with commas, spaces and quotes around values: the same scores as the plain file"

# ---- --keep
sc -q --model "$tmp/km.oddm" --keep --threshold $S/blobs.csv > "$tmp/out.csv"
head -1 "$tmp/out.csv" | grep -qx 'x1,x2,x3,x4,x5,x6,label,score,flag'; r=$?
tail -n +2 $S/blobs.csv > "$tmp/body"; tail -n +2 "$tmp/out.csv" | cut -d, -f1-7 | cmp -s - "$tmp/body"; r2=$?
tail -n +2 "$tmp/out.csv" | awk -F, '{ print NR "," $8 }' > "$tmp/b"; tail -n +2 "$tmp/km.csv" | cut -d, -f1,3 | cmp -s - "$tmp/b"
check $((r + r2 + $?)) "--keep: the input columns, then score and flag"
printf 'x1\tx2\tx3\tx4\tx5\tx6\n1\t2\t3\t4\t5\t6\n' | sc -q --model "$tmp/km.oddm" -k > "$tmp/out.tsv"
head -1 "$tmp/out.tsv" | grep -q "$(printf 'x6\tscore')"; check $? "TSV input: --keep writes in the input's separator"

# ---- bad rows
{ head -4 $S/blobs.csv; echo '1,2,abc,4,5,6,0'; sed -n 5,6p $S/blobs.csv; echo '1,2,3'; echo
  echo '1,2,,4,5,6,0'; sed -n 7,9p $S/blobs.csv; } > "$tmp/bad.csv"
sc --model "$tmp/km.oddm" --on-error=skip --chunk=2 "$tmp/bad.csv" > "$tmp/out.csv" 2> "$tmp/err"
r=$?
grep -q "bad.csv:5:5: 'abc' in column 'x3' is not a number" "$tmp/err" && grep -q 'bad.csv:8: 3 fields, expected 7' "$tmp/err" &&
  grep -q "bad.csv:10:5: missing value in column 'x3'" "$tmp/err" && grep -q '3 bad rows skipped' "$tmp/err"
check $((r + $?)) "--on-error=skip: each bad row on stderr with FILE:LINE[:COL], counted in the summary, status 0"
cut -d, -f1 "$tmp/out.csv" | tr '\n' ' ' | grep -qx 'row 1 2 3 5 6 9 10 11 '
check $? "skipped rows keep their numbers (blank lines are not rows)"
awk -F, 'NR > 1 && ($1 == 1 || $1 == 2 || $1 == 3) { print $1 "," $3 }' "$tmp/km.csv" > "$tmp/a"
awk -F, 'NR > 1 && $1 <= 3' "$tmp/out.csv" | cmp -s - "$tmp/a"; check $? "... and the good rows their scores"
sc --model "$tmp/km.oddm" "$tmp/bad.csv" > "$tmp/out.csv" 2> "$tmp/err"
[ $? = 1 ] && grep -q "bad.csv:5:5: 'abc' in column 'x3' is not a number (row 4" "$tmp/err"
check $? "default --on-error=stop: status 1 at the first bad row, naming FILE:LINE:COL and the row"
cut -d, -f1 "$tmp/out.csv" | tr '\n' ' ' | grep -qx 'row 1 2 3 '; check $? "... the rows before it are written, none after"
sc --model "$tmp/km.oddm" --on-error=stop "$tmp/bad.csv" > /dev/null 2>&1; check $(( $? != 1 )) "--on-error=stop: status 1"

# the parallel parse (chunks of 4096 rows and more): bad rows reported in order, the same output for 1 and 2 threads
{ head -1 $S/blobs.csv; for k in 1 2 3 4 5 6 7; do tail -n +2 $S/blobs.csv; [ $k = 3 ] && echo '1,2,x,4,5,6,0'; [ $k = 5 ] && echo '1,2'; done; } > "$tmp/big.csv"
sc --model "$tmp/km.oddm" --on-error=skip --chunk=5000 -j 1 "$tmp/big.csv" > "$tmp/o1.csv" 2> "$tmp/e1"
sc --model "$tmp/km.oddm" --on-error=skip --chunk=5000 -j 2 "$tmp/big.csv" > "$tmp/o2.csv" 2> "$tmp/e2"
sc --model "$tmp/km.oddm" --on-error=skip --chunk=7 -j 2 "$tmp/big.csv" > "$tmp/o3.csv" 2> "$tmp/e3"
cmp -s "$tmp/o1.csv" "$tmp/o2.csv" && cmp -s "$tmp/e1" "$tmp/e2" && cmp -s "$tmp/o1.csv" "$tmp/o3.csv" && cmp -s "$tmp/e1" "$tmp/e3" &&
  grep -q 'big.csv:9002:5: .x. in column .x3.' "$tmp/e1" && grep -q 'big.csv:15003: 2 fields' "$tmp/e1" && [ "$(wc -l < "$tmp/o1.csv")" = 21001 ]
check $? "21002 rows with 2 bad ones, --chunk=5000: the same rows, scores and reports for -j 1, -j 2 and --chunk=7"

# ---- smooth= on a network: the EWMA carried across chunks
odd -e "load $S/series.csv; split train=0.5 order=time; scale zscore; detect lstm window=16 hidden=8 epochs=2 smooth=5 as ls; save model ls to=$tmp/ls.oddm; export scores ls to=$tmp/ls.csv" > "$tmp/ls.log" 2>&1
check $? "workbench: lstm smooth=5"
for c in 1 7 100000; do
  sc -q --model "$tmp/ls.oddm" --chunk=$c $S/series.csv > "$tmp/out.csv"
  r=$?; same "$tmp/ls.csv" 4 "$tmp/out.csv"; check $((r + $?)) "lstm smooth=5, --chunk=$c: scores equal the workbench's bit for bit"
done
same "$tmp/l.csv" 4 "$tmp/out.csv"; check $(( $? == 0 )) "... and differ from the unsmoothed model's"

# ---- --no-header: the model's input columns by position
tail -n +2 $S/blobs.csv | cut -d, -f1-6 > "$tmp/nohead.csv"
sc -q --model "$tmp/km.oddm" --no-header --chunk=1 "$tmp/nohead.csv" > "$tmp/out.csv"
r=$?; same "$tmp/km.csv" 3 "$tmp/out.csv"; check $((r + $?)) "--no-header: fields by position, the same scores and row numbers (--chunk=1)"
cat "$tmp/nohead.csv" | sc -q --model "$tmp/km.oddm" --no-header --keep > "$tmp/out.csv"
r=$?; [ "$(wc -l < "$tmp/out.csv")" = 3000 ] && head -1 "$tmp/out.csv" | cut -d, -f1-6 | cmp -s - "$(head -1 "$tmp/nohead.csv" > "$tmp/l1"; echo "$tmp/l1")"
check $((r + $?)) "--no-header --keep: no header line, the input line then its score"
sc -q --model "$tmp/km.oddm" --no-header $S/blobs.csv > /dev/null 2> "$tmp/err"
[ $? = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "blobs.csv:1: 7 fields, but the model .*km.oddm reads 6 columns by position with --no-header (x1,x2,x3,x4,x5,x6)" "$tmp/err"
check $? "--no-header with a field count other than the model's: one line naming FILE:LINE and the columns"
sc -q --model "$tmp/km.oddm" "$tmp/nohead.csv" > /dev/null 2> "$tmp/err"
[ $? = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "no column 'x1' .*; the first line looks like data: --no-header reads the columns by position" "$tmp/err"
check $? "a headerless file without --no-header: one line saying the first line looks like data"

# ---- a missing column, stale models
cut -d, -f1,2,4-7 $S/blobs.csv > "$tmp/nox3.csv"
sc --model "$tmp/km.oddm" "$tmp/nox3.csv" > /dev/null 2> "$tmp/err"
[ $? = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "nox3.csv: no column 'x3' (the model .*km.oddm reads x1,x2,x3,x4,x5,x6)" "$tmp/err"
check $? "a missing input column: one line naming the column and the file"
# a version-1 file: the version 2 one without its pipeline block
la=$(od -An -tu4 -j12 -N4 "$tmp/f.oddm" | tr -d ' ')
lp=$(od -An -tu4 -j$((16 + la)) -N4 "$tmp/f.oddm" | tr -d ' ')
lq=$(od -An -tu4 -j$((20 + la + lp)) -N4 "$tmp/f.oddm" | tr -d ' ')
{ head -c 8 "$tmp/f.oddm"; printf '\001\000\000\000'; tail -c +13 "$tmp/f.oddm" | head -c $((8 + la + lp)); tail -c +$((25 + la + lp + lq)) "$tmp/f.oddm"; } > "$tmp/v1.oddm"
odd -e "load $S/blobs.csv; load model $tmp/v1.oddm as f1; export scores f1 to=$tmp/f1.csv" > "$tmp/v1.log" 2>&1
r=$?; grep -q 'none recorded (model format 1)' "$tmp/v1.log" && cmp -s "$tmp/f1.csv" "$(sed 's/,f$/,f1/' "$tmp/f.csv" > "$tmp/f1ref.csv"; echo "$tmp/f1ref.csv")"
check $((r + $?)) "a version-1 model file still loads (no pipeline) and scores as before"
sc --model "$tmp/v1.oddm" $S/blobs.csv > /dev/null 2> "$tmp/err"
[ $? = 1 ] && grep -q 'format version 1 has no pipeline' "$tmp/err"; check $? "oddity score refuses a version-1 file, saying why"
odd -e "load $S/blobs.csv; clean duplicates; detect iforest as c; save model c to=$tmp/c.oddm" > /dev/null 2>&1
sc --model "$tmp/c.oddm" $S/blobs.csv > /dev/null 2> "$tmp/err"
[ $? = 1 ] && grep -q "step 'clean duplicates' is not replayed" "$tmp/err"; check $? "a pipeline step it cannot replay is named"

# ---- clean steps carried by the model: fill values, clip bounds, row drops
# blobs with missing cells (x3 in every 37th row, x5 in every 53rd, both in row 1961)
awk -F, -v OFS=, 'NR > 1 && (NR - 1) % 37 == 0 { $3 = "" } NR > 1 && (NR - 1) % 53 == 0 { $5 = "NA" } { print }' $S/blobs.csv > "$tmp/holes.csv"
for spec in "mean:clean missing=mean" "median:clean missing=median" "drop:clean missing=drop" \
            "sd:clean missing=mean clip=2" "q:clean missing=median clip=0.05,0.95" "cols:clean missing=drop columns=x3" \
            "split:split train=0.5; clean missing=median clip=1.5; scale zscore" "late:scale robust; clean missing=mean clip=1"; do
  v=${spec%%:*}; steps=${spec#*:}
  data=$tmp/holes.csv; [ $v = cols ] && data=$tmp/holes3.csv
  [ $v = cols ] && awk -F, -v OFS=, 'NR > 1 && (NR - 1) % 53 == 0 { $5 = "0.5" } { print }' "$tmp/holes.csv" > "$data"
  odd -e "load $data; $steps; detect kmeans k=3 as c$v; save model c$v to=$tmp/c$v.oddm; export scores c$v to=$tmp/c$v.csv; load model $tmp/c$v.oddm as r$v" > "$tmp/c$v.log" 2>&1
  r=$?
  sc -q --model "$tmp/c$v.oddm" --chunk=100 "$data" > "$tmp/out.csv"
  r=$((r + $?))
  tail -n +2 "$tmp/c$v.csv" | cut -d, -f3 > "$tmp/a"; tail -n +2 "$tmp/out.csv" | cut -d, -f2 > "$tmp/b"
  [ -s "$tmp/a" ] && cmp -s "$tmp/a" "$tmp/b"; check $((r + $?)) "$steps: oddity score's scores equal the workbench's bit for bit"
done
# the drops: no output line; the other rows keep the input's numbering (row 37 missing, 38 present)
sc --model "$tmp/cdrop.oddm" "$tmp/holes.csv" > "$tmp/out.csv" 2> "$tmp/err"
r=$?; [ "$(wc -l < "$tmp/out.csv")" = $((3000 - 81 + 1 - 56 + 1)) ] && ! grep -q '^37,' "$tmp/out.csv" && grep -q '^38,' "$tmp/out.csv" &&
  grep -q '^36,' "$tmp/out.csv" && grep -q '3000 rows read, 2864 written .* 136 dropped' "$tmp/err"
check $((r + $?)) "missing=drop: a dropped row writes no line, the others keep their input row numbers, the summary counts them"
grep -q "clean missing=mean clip=2: x1 fill .* clip \[" "$tmp/csd.log" && grep -q "clean missing=drop: rows missing a value dropped; x1" "$tmp/cdrop.log"
check $? "load model shows the carried clean steps: fill values, clip bounds, drops"
sc -q --model "$tmp/ccols.oddm" "$tmp/holes.csv" > /dev/null 2> "$tmp/err"
[ $? = 1 ] && grep -q "holes.csv:54:[0-9]*: missing value in column 'x5' (the model needs a number)" "$tmp/err"
check $? "a missing value in a column no clean step covers: a bad row naming FILE:LINE:COL and the column"

odd -e "load $S/blobs.csv; embed ae dim=2 epochs=1 as e; detect kmeans k=2 as ke; save model ke to=$tmp/ke.oddm" > /dev/null 2>&1
sc --model "$tmp/ke.oddm" $S/blobs.csv > /dev/null 2> "$tmp/err"
[ $? = 1 ] && grep -q "the data was made by 'embed ae dim=2 epochs=1 as e" "$tmp/err"; check $? "a model fitted on an embedding is refused, naming the embed step"

# ---- the reader thread (lines read and cut in place while the chunk before
# is scored) on a regular file and on a pipe, whose reads end at other
# places: the same lines, the same output, the same bad rows in the same order
awk 'BEGIN { srand(7); print "x1,x2,x3,x4,x5,x6,label\r" }
  { } END { for (i = 0; i < 20000; i++) { r = rand()
      if (r < 0.001) printf "\r\n"
      else if (r < 0.002) printf "1,2,3\r\n"
      else if (r < 0.003) printf "1,x,3,4,5,6,0\r\n"
      else if (r < 0.004) { s = ""; for (k = 0; k < 5000; k++) s = s " "; printf "%s1,2,3,4,5,6,0\r\n", s }
      else printf "%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,0\r\n", rand(), rand(), rand(), rand(), rand(), rand() }
    printf "1,2,3,4,5,6,0" }' < /dev/null > "$tmp/rp.csv"
r=0
for c in 1 7 4096 65536; do
  sc --chunk=$c --keep --on-error=skip --model "$tmp/km.oddm" "$tmp/rp.csv" > "$tmp/rp1.out" 2> "$tmp/rp1.err"
  cat "$tmp/rp.csv" | sc --chunk=$c --keep --on-error=skip --model "$tmp/km.oddm" > "$tmp/rp2.out" 2> "$tmp/rp2.err"
  sed "s|(stdin)|$tmp/rp.csv|" "$tmp/rp2.err" | cmp -s - "$tmp/rp1.err" && cmp -s "$tmp/rp1.out" "$tmp/rp2.out" && grep -q 'bad rows skipped' "$tmp/rp1.err" || r=1
  sc --chunk=$c --model "$tmp/km.oddm" "$tmp/rp.csv" > "$tmp/rp1.out" 2> "$tmp/rp1.err"; s1=$?
  sc --chunk=$c --model "$tmp/km.oddm" < "$tmp/rp.csv" > /dev/null 2>&1   # a regular file on stdin: the reader thread too
  cat "$tmp/rp.csv" | sc --chunk=$c --model "$tmp/km.oddm" > "$tmp/rp2.out" 2> "$tmp/rp2.err"; s2=$?
  [ $s1 = 1 ] && [ $s2 = 1 ] && sed "s|(stdin)|$tmp/rp.csv|" "$tmp/rp2.err" | cmp -s - "$tmp/rp1.err" && cmp -s "$tmp/rp1.out" "$tmp/rp2.out" || r=1
done
check $r "a file and a pipe: the same output and bad-row reports, --on-error=skip and stop, --chunk=1..65536"

# ---- usage
sc --help | grep -q 'N-th data record'; check $? "--help says how rows are numbered"
for bad in "--chunk=0" "--chunk=x" "--on-error=maybe" "--threshold=abc" "--threads=0" "--bogus"; do
  sc --model "$tmp/km.oddm" $bad $S/blobs.csv > /dev/null 2>&1; check $(( $? != 2 )) "usage error $bad: status 2"
done
sc $S/blobs.csv > /dev/null 2>&1; check $(( $? != 2 )) "no --model: status 2"
sc --model "$tmp/km.oddm" $S/blobs.csv $S/blobs.csv > /dev/null 2>&1; check $(( $? != 2 )) "two inputs: status 2"
sc --model "$tmp/none.oddm" $S/blobs.csv > /dev/null 2>&1; check $(( $? != 1 )) "a missing model file: status 1"
sc --model "$tmp/km.oddm" "$tmp/none.csv" > /dev/null 2>&1; check $(( $? != 1 )) "a missing input file: status 1"
sc --model "$tmp/km.oddm" --quiet $S/blobs.csv 2>&1 >/dev/null | grep -q . ; check $(( $? == 0 )) "--quiet: nothing on stderr"
# scripts/score-bench runs (a smoke test: 3000 rows of its awk data)
sh scripts/score-bench --n 3000 --out "$tmp/bench" --oddity "$bin" --shared "$tmp/none" > "$tmp/bench.log" 2>&1
r=$?; [ "$(grep -c 'MB/s' "$tmp/bench.log")" = 7 ] && grep -q '^score lstm ' "$tmp/bench.log"
check $((r + $?)) "scripts/score-bench runs and reports MB/s for cat, load and 5 models"
echo "1..$n"
