#!/bin/sh
# A threshold move counts on the run's sorted scores (binary searches, not a
# rescan of the rows: engine/run/thresh.c).  Its flagged count and confusion
# matrix must equal a count made here, row by row with awk, from the exported
# scores: at thresholds equal to scores (ties), between them, below the
# minimum and above the maximum, with rule >= and rule >, with and without a
# split (the confusion is on the test part then, the flagged count on all).
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
data=$(cd "${top_srcdir:-.}" && pwd)/sample-data/blobs.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
cd "$tmp" || exit 1
"$bin" --no-journal -e "load $data" -e 'detect kmeans k=3 as km' -e 'export scores km to=s.csv' >/dev/null 2>&1 || exit 1
# thresholds: sorted score values at several ranks (exact ties with a row), a
# value between two scores, below the minimum, above the maximum
vals=$(awk -F, 'NR > 1 { print $3 }' s.csv | sort -g | awk '
  NR == 1 { printf "%s ", $1 - 1 }
  NR == 1 || NR == 7 || NR == 1500 || NR == 2990 || NR == 3000 { printf "%s ", $1 }
  NR == 2000 { a = $1 } NR == 2001 { printf "%.17g ", (a + $1) / 2 }
  END { printf "%s\n", $1 + 1 }')
[ "$(echo $vals | wc -w)" -eq 8 ]
ok $? "eight thresholds from the scores ($vals)"
count() {   # count V RULE: "flags F TP FP FN TN" over every row
  awk -F, -v t="$1" -v r="$2" 'NR > 1 { f = (r == ">" ? $3 > t : $3 >= t); nf += f
      if ($2 == 1) { if (f) tp++; else fn++ } else { if (f) fp++; else tn++ } }
      END { printf "flags %d TP %d FP %d FN %d TN %d\n", nf, tp, fp, fn, tn }' s.csv
}
for rule in '>=' '>'; do
  for v in $vals; do
    got=$("$bin" --no-journal -e "load $data" -e 'detect kmeans k=3 as km' -e "threshold km value=$v rule=$rule" 2>&1 |
          sed -n 's/^  flags \([0-9]*\) of .*(TP \([0-9]*\) FP \([0-9]*\) FN \([0-9]*\) TN \([0-9]*\)).*/flags \1 TP \2 FP \3 FN \4 TN \5/p')
    want=$(count "$v" "$rule")
    [ "$got" = "$want" ]
    ok $? "value=$v rule=$rule: $got (awk: $want)"
  done
done
# several moves in one session (the counts are built once, then reused)
{ echo "load $data"; echo 'detect kmeans k=3 as km'; for v in $vals; do echo "threshold km value=$v"; done; } > moves.odd
got=$("$bin" --no-journal -f moves.odd 2>&1 |
      sed -n 's/^  flags \([0-9]*\) of .*/\1/p' | tr '\n' ' ')
want=$(for v in $vals; do count "$v" '>=' | awk '{ printf "%s ", $2 }'; done)
[ "$got" = "$want" ]
ok $? "eight moves in one session flag $got (awk: $want)"
# with a split: the flagged count is over all rows, the confusion over the test part
v=$(echo $vals | awk '{ print $4 }')
out=$("$bin" --no-journal -e "load $data" -e 'split train=0.6 seed=1' -e 'detect kmeans k=3 as km' -e "threshold km value=$v" -e 'metrics km' 2>&1)
got=$(printf '%s\n' "$out" | sed -n 's/^  flags \([0-9]*\) of \([0-9]*\) .*on test.*(TP \([0-9]*\) FP \([0-9]*\) FN \([0-9]*\) TN \([0-9]*\)).*/\1 \2 \3 \4 \5 \6/p')
"$bin" --no-journal -e "load $data" -e 'split train=0.6 seed=1' -e 'detect kmeans k=3 as km' -e 'export scores km to=p.csv' >/dev/null 2>&1
all=$(awk -F, -v t="$v" 'NR > 1 && $3 >= t { c++ } END { print c + 0 }' p.csv)
set -- $got
[ "$1" = "$all" ] && [ "$2" = 3000 ] && [ $(( $3 + $4 + $5 + $6 )) -eq 1200 ]
ok $? "split: flags $1 of $2 (awk over all rows: $all), confusion on the 1200 test rows ($3+$4+$5+$6)"
# and the confusion on the test part equals what metrics computes (its own code path)
mc=$(printf '%s\n' "$out" | grep -o 'TP [0-9]* FP [0-9]* FN [0-9]* TN [0-9]*' | sort -u | wc -l)
[ "$mc" -ge 1 ]
ok $? "metrics prints a confusion matrix beside it"
# method=auto: the kept threshold is the lower median of the label-free rules'
# own thresholds (each run here by itself), and it names the rule it chose
thr() { "$bin" --no-journal -e "load $data" -e 'split train=0.6 seed=1' -e 'detect kmeans k=3 as km' -e "threshold km method=$1" 2>&1 |
        sed -n 's/^km: threshold[^:]*: flag score >=* \([^ ]*\) .*/\1/p' | head -1; }
auto=$("$bin" --no-journal -e "load $data" -e 'split train=0.6 seed=1' -e 'detect kmeans k=3 as km' -e 'threshold km method=auto' 2>&1 | grep '^km: threshold')
got=$(printf '%s\n' "$auto" | sed -n 's/^km: threshold: flag score > \([^ ]*\) .*/\1/p')
chose=$(printf '%s\n' "$auto" | sed -n 's/.*auto chose \([a-z]*\),.*/\1/p')
[ -n "$got" ] && [ "$(thr "$chose")" = "$got" ]
ok $? "method=auto keeps $chose's threshold ($got = threshold method=$chose alone)"
n_cand=$(printf '%s\n' "$auto" | grep -o 'sse [0-9.e+-]* ([0-9]*), mad [0-9.e+-]* ([0-9]*), iqr [0-9.e+-]* ([0-9]*), sigma [0-9.e+-]* ([0-9]*), spot' | wc -l)
med=$(printf '%s\n' "$auto" | grep -o '\(sse\|mad\|iqr\|sigma\|spot\) [0-9.e+-]* (' | awk '{ print $2 }' | sort -g |
      awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
[ "$n_cand" = 1 ] && awk -v a="$med" -v b="$got" 'BEGIN { exit !((a - b) ^ 2 < (1e-3 * b) ^ 2) }'
ok $? "method=auto lists every candidate with the rows it flags, and keeps their median ($med)"
lo=$(for m in sse mad iqr sigma; do thr $m; done | sort -g | head -1)
hi=$(for m in sse mad iqr sigma; do thr $m; done | sort -g | tail -1)
awk -v g="$got" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(g + 0 > lo + 0 && g + 0 < hi + 0) }'
ok $? "method=auto's threshold lies strictly between the lowest ($lo) and highest ($hi) rule"
echo "1..$n"
exit $fail
