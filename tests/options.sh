#!/bin/sh
# Options reach the engine (issue 13), through the command line.
#
# Detectors: for every detector `help detect` lists and every parameter its
# `help detect ALGO` table shows:
#   * enumerated (a|b|c, yes|no): `detect ALGO PARAM=VALUE` for every value;
#     the run's describe() output, which prints what the fitted model holds,
#     must name PARAM=VALUE, and the values must give different scores
#     (`export scores`) unless the table below says why they may coincide;
#   * numeric (int/real LO..HI): LO and HI are accepted, values just outside
#     are refused with an error naming the option.
# Commands: every enumerated option value (KEY=a|b|c in `help CMD`, and the
# positional word lists of the usage lines) must have a row in the effect
# table below: a line to run and a text only that value puts in the output.
# A value with no row fails the test, so a new value needs a check.
# Tabular detectors run on 300 rows of sample-data/blobs.csv, sequence
# detectors (those with window=) on 400 points of sample-data/series.csv with
# tiny networks; bounds are checked on a 2-row file, where any fit that would
# be slow fails fast after the options were validated.
top=${top_srcdir:-.}
bin=${top_builddir:-.}/oddity
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2"; fi; }
odd() { "$bin" --no-journal --no-times --seed=1 -j 1 "$@"; }

head -n 301 sample-data/blobs.csv > "$tmp/blobs.csv"
head -n 401 sample-data/series.csv > "$tmp/series.csv"
printf 'x1,x2\n1,2\n3,5\n' > "$tmp/two.csv"
# small networks so that every value trains in a fraction of a second
seqfast='window=8 hidden=4 epochs=4 batch=32 patience=0'
seqextra_cnn='kernel=3'
seqextra_attn='heads=1 ff=8'

# Values that may give the same scores, and why (ALGO.PARAM).
may_coincide='
kmeans.init   k-means++ and the first k rows can converge to the same clusters
kmeans.algorithm the Hamerly bounds only skip distances: every value gives the Lloyd result bit for bit
knn.algorithm every search is exact: the kd-tree and the brute-force scan find the same neighbours
lof.algorithm every search is exact: the kd-tree and the brute-force scan find the same neighbours
'

algos=$(odd -e 'help detect' | awk '/^detectors:/{d=1;next} d&&NF>=2{print $1}')
[ -n "$algos" ] || { notok "help detect lists the detectors"; echo "1..$n"; exit 1; }

for a in $algos; do
  odd -e "help detect $a" > "$tmp/help.$a" 2>&1
  # name kind lo hi values   (kind: choice|int|real; values: a|b|c or -)
  awk '/^parameters:/{p=1;next} /^$/{p=0} p&&$1!="name"{
         if ($3=="int"||$3=="real") { split($4,r,"\\.\\."); print $1, $3, r[1], (r[2]==""?"-":r[2]), ($5=="or"?$6:"-") }
         else print $1, "choice", "-", "-", $3 }' "$tmp/help.$a" > "$tmp/params.$a"
  seq=no; grep -q '^window int' "$tmp/params.$a" && seq=yes
  if [ $seq = yes ]; then
    eval "extra=\${seqextra_$a:-}"
    data=$tmp/series.csv; base="$seqfast $extra"
  else
    data=$tmp/blobs.csv; base=''
    [ $a = kmeans ] || [ $a = gmm ] || [ $a = hclust ] && base='k=3'
  fi
  # ---- enumerated values: one script, one run per value
  script=$tmp/enum.$a.odd; : > "$script"
  echo "load $data as d" >> "$script"
  : > "$tmp/runs.$a"
  i=0
  while read -r name kind lo hi vals; do
    [ "$kind" = choice ] || continue
    for v in $(echo "$vals" | tr '|' ' '); do
      i=$((i+1))
      # drop the base option the value itself sets (mode=, k=...)
      b=$(echo " $base " | sed "s/ $name=[^ ]*//")
      echo "detect $a $b $name=$v as r$i" >> "$script"
      echo "r$i $name $v" >> "$tmp/runs.$a"
    done
  done < "$tmp/params.$a"
  [ $i -gt 0 ] || continue
  echo "export scores $(awk '{printf "%s ", $1}' "$tmp/runs.$a")to=$tmp/scores.$a.csv" >> "$script"
  odd -k -f "$script" > "$tmp/out.$a" 2>&1
  rc=$?
  check $((rc >= 128)) "$a: $i enumerated values run without a crash (exit $rc)"
  if grep -q 'Sanitizer\|runtime error' "$tmp/out.$a"; then notok "$a: sanitizer report"; sed 's/^/#   /' "$tmp/out.$a" | head -20; fi
  while read -r r name v; do
    # the run's summary block: its headline and the indented describe lines
    awk -v r="$r" 'index($0, r ": ")==1{on=1;print;next} on&&/^  /{print;next} {on=0}' "$tmp/out.$a" > "$tmp/blk"
    want="$name=$v"
    case $v in true|on|1) want="$name=yes" ;; false|off|0) want="$name=no" ;; esac
    if grep -q -- "$want" "$tmp/blk"; then ok "$a $name=$v reaches the engine (describe: $want)"
    else notok "$a $name=$v reaches the engine (describe should name $want)"; sed 's/^/#   /' "$tmp/blk" | head -8
         grep "enum.$a.odd" "$tmp/out.$a" | head -3 | sed 's/^/#   /'; fi
  done < "$tmp/runs.$a"
  # different values, different scores
  for name in $(awk '{print $2}' "$tmp/runs.$a" | uniq); do
    cols=$(awk -v p="$name" '$2==p{printf "%s ", $1}' "$tmp/runs.$a")
    dup=$(awk -F, -v cols="$cols" '
      NR==1 { nc=split(cols, want, " "); for (j=1;j<=NF;j++) for (k=1;k<=nc;k++) if ($j==want[k]) idx[k]=j; next }
      { for (k=1;k<=nc;k++) s[k]=s[k] "," $(idx[k]) }
      END { for (k=1;k<=nc;k++) for (l=k+1;l<=nc;l++) if (!(k in idx) || !(l in idx) || s[k]==s[l]) printf "%s=%s ", want[k], want[l] }' "$tmp/scores.$a.csv")
    if [ -z "$dup" ]; then ok "$a $name: every value gives different scores"
    elif echo "$may_coincide" | grep -q "^$a\.$name "; then ok "$a $name: runs $dup coincide (allowed: $(echo "$may_coincide" | grep "^$a\.$name " | sed 's/^[^ ]* *//'))"
    else notok "$a $name: every value gives different scores (same: $dup)"; fi
  done
done

# ---- numeric bounds, on the 2-row file
for a in $algos; do
  script=$tmp/num.$a.odd
  echo "load $tmp/two.csv as t" > "$script"
  : > "$tmp/nchk.$a"
  line=1
  while read -r name kind lo hi vals; do
    [ "$kind" = int ] || [ "$kind" = real ] || continue
    for case in lo hi below above; do
      v=$(awk -v k="$kind" -v lo="$lo" -v hi="$hi" -v c="$case" 'BEGIN{
            if ((c=="hi"||c=="above") && hi=="-") exit
            x = (c=="lo"||c=="below") ? lo+0 : hi+0
            m = (x<0?-x:x); if (m<1) m=1
            if (c=="below") x -= (k=="int") ? 1 : 1e-6*m
            if (c=="above") x += (k=="int") ? 1 : 1e-6*m
            if (c=="lo") { print lo; exit } if (c=="hi") { print hi; exit }
            if (k=="int") printf "%.0f\n", x; else printf "%.17g\n", x }')
      [ -n "$v" ] || continue
      line=$((line+1))
      echo "detect $a $name=$v" >> "$script"
      echo "$line $name $v $case" >> "$tmp/nchk.$a"
    done
  done < "$tmp/params.$a"
  [ $line -gt 1 ] || continue
  odd -k -f "$script" > "$tmp/nout.$a" 2>&1
  rc=$?
  check $((rc >= 128)) "$a: numeric bounds run without a crash (exit $rc)"
  bad=0
  while read -r l name v case; do
    err=$(grep "^$script:$l[:]" "$tmp/nout.$a" | head -1)
    case $case in
      lo|hi) if echo "$err" | grep -q "option $name="; then bad=1; echo "# $a $name=$v ($case bound) refused: $err"; fi ;;
      *) if ! echo "$err" | grep -q "option $name=$v: must be"; then bad=1; echo "# $a $name=$v ($case the range) not refused naming the option: $err"; fi ;;
    esac
  done < "$tmp/nchk.$a"
  check $bad "$a: every numeric parameter accepts its bounds and refuses values just outside ($(wc -l < "$tmp/nchk.$a") cases)"
done

# ---- commands: every enumerated option value has an effect only it has.
# KEY|LINES|REGEX[|FILE]: run LINES (T/ = the test's directory), then REGEX
# (grep -E) must match their output, or FILE when one is given.
S='load T/blobs.csv; split train=0.5 val=0.2 test=0.3; detect gauss as g; detect kmeans k=3 as k'
P='load T/blobs.csv; split train=0.5 val=0.2 test=0.3; pseudolabel mean k=3; detect gauss as g'
Q='load sample-data/series.csv; detect gauss as g; threshold g method=percentile q=98'
cat > "$tmp/effects" <<EOT
load.header=yes|load T/hdr.csv header=yes as h|: 2 rows x 2 columns
load.header=no|load T/num.csv header=no as h|: 3 rows x 2 columns
load.header=auto|load T/hdr.csv header=auto as h|: 2 rows x 2 columns
load.series=yes|load T/blobs.csv series=yes; detect gauss as g; compare|VUS-PR
load.series=no|load T/blobs.csv series=no; detect gauss as g; compare|R@thr +fit s
threshold.method=value|$S; threshold g method=value value=3|\[value
threshold.method=contamination|$S; threshold g method=contamination c=0.05|\[contamination
threshold.method=percentile|$S; threshold g method=percentile q=98|\[percentile
threshold.method=sigma|$S; threshold g method=sigma|\[sigma
threshold.method=iqr|$S; threshold g method=iqr|\[iqr
threshold.method=mad|$S; threshold g method=mad|\[mad
threshold.method=sse|$S; threshold g method=sse|\[sse low=[0-9]+,high=[0-9]+,sse=
threshold.method=auto|$S; threshold g method=auto|\[auto chose [a-z]+, the median of sse
threshold.method=best-f1|$S; threshold g method=best-f1|\[best-f1
threshold.method=spot|$S; threshold g method=spot q=1e-3|\[spot
threshold.method=dspot|$S; threshold g method=dspot q=1e-3|\[dspot
export.data|$S; export data to=T/x.csv|wrote 300 rows x 7 columns
export.scores|$S; export scores g k to=T/x.csv|wrote 300 rows x 2 runs
export.metrics|$S; export metrics g to=T/x.csv|wrote 4 rows \(run x part\)
export.leaderboard|$S; export leaderboard to=T/x.csv|wrote 8 rows \(run x part\)
export.on=train|$S; export metrics g on=train to=T/x.csv|^g,gauss,train,150,|T/x.csv
export.on=val|$S; export metrics g on=val to=T/x.csv|^g,gauss,val,60,|T/x.csv
export.on=test|$S; export metrics g on=test to=T/x.csv|^g,gauss,test,90,|T/x.csv
export.on=all|$S; export metrics g on=all to=T/x.csv|^g,gauss,all,300,|T/x.csv
export.force=yes|load T/blobs.csv; export data to=T/exists.csv force=yes|^wrote 300 rows
export.force=no|load T/blobs.csv; export data to=T/exists.csv force=no|exists
clean.missing=drop|load T/miss.csv; clean missing=drop|missing \(drop\): dropped 2 rows
clean.missing=mean|load T/miss.csv; clean missing=mean|x1: 1 filled with 4.33333
clean.missing=median|load T/miss.csv; clean missing=median|x1: 1 filled with 5$
clean.missing=interpolate|load T/miss.csv; clean missing=interpolate; head|^  3 +5 +5.5$
clean.missing=ffill|load T/miss.csv; clean missing=ffill; head|^  2 +1 +3$
scale.zscore|load T/blobs.csv; scale zscore|column +mean +sd
scale.minmax|load T/blobs.csv; scale minmax|column +min +max-min
scale.robust|load T/blobs.csv; scale robust|column +median +IQR
pca.whiten=yes|load T/blobs.csv; pca k=2 whiten=yes|whiten=yes
pca.whiten=no|load T/blobs.csv; pca k=2 whiten=no|whiten=no$
window.agg=max|load T/blobs.csv; window size=4 agg=max|score is the max(imum)? of the windows
window.agg=mean|load T/blobs.csv; window size=4 agg=mean|score is the mean of the windows
split.order=time|load T/blobs.csv; split train=0.5 test=0.5 order=time|in row order: train first
split.order=random|load T/blobs.csv; split train=0.5 test=0.5 order=random|^split order=random:
split.stratify=yes|load T/blobs.csv; split train=0.5 test=0.5 order=random stratify=yes|stratify=yes:
split.stratify=no|load T/blobs.csv; split train=0.5 test=0.5 order=random stratify=no|^split order=random:
folds.order=time|load T/blobs.csv; folds k=3 order=time|rolling origin
folds.order=random|load T/blobs.csv; folds k=3 order=random|folds k=3 random
folds.stratify=yes|load T/blobs.csv; folds k=3 order=random stratify=yes|random stratified
folds.stratify=no|load T/blobs.csv; folds k=3 order=random stratify=no|folds k=3 random over
threshold.rule=>=|$S; threshold g method=value value=5 rule=>=|flag score >= 5
threshold.rule=>|$S; threshold g method=value value=5 rule=>|flag score > 5
threshold.on=train|$S; threshold g method=best-f1 on=train|from 150 labelled scores
threshold.on=val|$S; threshold g method=best-f1 on=val|from 60 labelled scores
threshold.on=test|$S; threshold g method=best-f1 on=test|from 90 labelled scores
threshold.on=all|$S; threshold g method=best-f1 on=all|from 300 labelled scores
threshold.labels=truth|$P; threshold g method=best-f1 labels=truth|oracle: uses the labels
threshold.labels=pseudo|$P; threshold g method=best-f1 labels=pseudo|vs=pseudo-labels
top.part=train|$S; top g n=2 part=train|of 150 scored rows \(train rows\)
top.part=val|$S; top g n=2 part=val|of 60 scored rows \(val rows\)
top.part=test|$S; top g n=2 part=test|of 90 scored rows \(test rows\)
top.part=all|$S; top g n=2 part=all|of 300 scored rows \(all rows\)
metrics.on=train|$S; metrics g on=train|^g on train vs truth: 150 rows
metrics.on=val|$S; metrics g on=val|^g on val vs truth: 60 rows
metrics.on=test|$S; metrics g on=test|^g on test vs truth: 90 rows
metrics.on=all|$S; metrics g on=all|^g on all vs truth: 300 rows
metrics.labels=truth|$P; metrics g labels=truth|^g on test vs truth
metrics.labels=pseudo|$P; metrics g labels=pseudo|^g on test vs pseudo-labels
metrics.cardinality=one|$Q; metrics g cardinality=one|range-F1\(a=0,gamma=one,
metrics.cardinality=reciprocal|$Q; metrics g cardinality=reciprocal|range-F1\(a=0,gamma=reciprocal,
metrics.bias=flat|$Q; metrics g bias=flat|range-F1\(.*bias=flat\)
metrics.bias=front|$Q; metrics g bias=front|range-F1\(.*bias=front\)
metrics.bias=back|$Q; metrics g bias=back|range-F1\(.*bias=back\)
metrics.bias=middle|$Q; metrics g bias=middle|range-F1\(.*bias=middle\)
compare.on=train|$S; compare on=train|^g .* train +150 
compare.on=val|$S; compare on=val|^g .* val +60 
compare.on=test|$S; compare on=test|^g .* test +90 
compare.on=all|$S; compare on=all|^g .* all +300 
compare.labels=truth|$P; compare labels=truth|measured against the truth
compare.labels=pseudo|$P; compare labels=pseudo|measured against the pseudo-labels
compare.cardinality=one|$Q; compare g cardinality=one|range-F1\(a=0,gamma=one,
compare.cardinality=reciprocal|$Q; compare g cardinality=reciprocal|range-F1\(a=0,gamma=reciprocal,
compare.bias=flat|$Q; compare g bias=flat|range-F1\(.*bias=flat\)
compare.bias=front|$Q; compare g bias=front|range-F1\(.*bias=front\)
compare.bias=back|$Q; compare g bias=back|range-F1\(.*bias=back\)
compare.bias=middle|$Q; compare g bias=middle|range-F1\(.*bias=middle\)
ensemble.norm=zscore|$S; ensemble g k norm=zscore as e; runs|members=g,k norm=zscore
ensemble.norm=minmax|$S; ensemble g k norm=minmax as e; runs|members=g,k norm=minmax
ensemble.norm=rank|$S; ensemble g k norm=rank as e; runs|members=g,k norm=rank
ensemble.norm=none|$S; ensemble g k norm=none as e; runs|members=g,k norm=none
ensemble.combine=mean|$S; ensemble g k combine=mean as e; runs|members=g,k .*combine=mean
ensemble.combine=max|$S; ensemble g k combine=max as e; runs|members=g,k .*combine=max
ensemble.combine=median|$S; ensemble g k combine=median as e; runs|members=g,k .*combine=median
ensemble.combine=weighted|$S; ensemble g k combine=weighted weights=1,2 as e; runs|members=g,k .*combine=weighted
embed.ae|load T/blobs.csv; embed ae dim=2 epochs=2|^embed ae: 6 columns -> 2 \(e1..e2\), dense autoencoder
embed.lstm|load T/series.csv; embed lstm dim=2 window=8 hidden=4 epochs=1|^embed lstm: 1 column -> 2 \(e1..e2\), sequence autoencoder trained on 393 windows
embed.activation=tanh|load T/blobs.csv; embed ae epochs=1 activation=tanh|hidden=32 activation=tanh,
embed.activation=relu|load T/blobs.csv; embed ae epochs=1 activation=relu|hidden=32 activation=relu,
embed.activation=sigmoid|load T/blobs.csv; embed ae epochs=1 activation=sigmoid|hidden=32 activation=sigmoid,
embed.activation=gelu|load T/blobs.csv; embed ae epochs=1 activation=gelu|hidden=32 activation=gelu,
bag.norm=none|$S; bag gauss n=2 norm=none as b; runs|rows=150 of 150 norm=none combine=mean
bag.norm=zscore|$S; bag gauss n=2 norm=zscore as b; runs|rows=150 of 150 norm=zscore combine=mean
bag.norm=minmax|$S; bag gauss n=2 norm=minmax as b; runs|rows=150 of 150 norm=minmax combine=mean
bag.norm=rank|$S; bag gauss n=2 norm=rank as b; runs|rows=150 of 150 norm=rank combine=mean
bag.combine=mean|$S; bag gauss n=2 combine=mean as b; runs|norm=rank combine=mean$
bag.combine=max|$S; bag gauss n=2 combine=max as b; runs|norm=rank combine=max$
bag.combine=median|$S; bag gauss n=2 combine=median as b; runs|norm=rank combine=median$
bag.combine=weighted|$S; bag gauss n=2 combine=weighted weights=1,3 as b; runs|combine=weighted weights=1,3$
bag.keep=yes|$S; bag gauss n=2 keep=yes as b; runs|^b\.2 +gauss .*member 2 of bag b
bag.keep=no|$S; bag gauss n=2 keep=no as b; info b.1|no run named 'b\.1'
bag.fit=train|$S; bag gauss n=2 fit=train as b|^b: bag on blobs, fit on train \(150 rows\), 2 members
bag.fit=normal|$S; bag gauss n=2 fit=normal as b|^b: bag on blobs, fit on normal \(14[0-9] rows\), 2 members
bag.fit=all|$S; bag gauss n=2 fit=all as b|^b: bag on blobs, fit on all \(300 rows\), 2 members
set.terminal=dumb|set terminal=png; set terminal=dumb; set|terminal=dumb
set.terminal=png|set terminal=png; set|terminal=png
set.terminal=svg|set terminal=svg; set|terminal=svg
set.terminal=pdf|set terminal=pdf; set|terminal=pdf
set.terminal=qt|set terminal=qt; set|terminal=qt
set.terminal=wxt|set terminal=wxt; set|terminal=wxt
set.terminal=x11|set terminal=x11; set|terminal=x11
set.terminal=sixel|set plot terminal=sixel; set|terminal=sixel
set.times=on|set times=on; set|times=on
set.times=off|set times=on; set times=off; set|times=off
source.safe=yes|source T/sub/sub.odd safe=yes|--safe: refusing to read
source.safe=no|source T/sub/sub.odd safe=no|^loaded blobs: 300 rows
expect.on=train|$S; threshold k method=percentile q=90; expect threshold k flags 0..1000 rows on=train|flags [0-9]+ rows on train
expect.on=val|$S; threshold k method=percentile q=90; expect threshold k flags 0..1000 rows on=val|flags [0-9]+ rows on val
expect.on=test|$S; threshold k method=percentile q=90; expect threshold k flags 0..1000 rows on=test|flags [0-9]+ rows on test
expect.on=all|$S; threshold k method=percentile q=90; expect threshold k flags 0..1000 rows on=all|flags [0-9]+ rows on all
expect.labels=truth|$S; expect metric roc_auc k 0..1 labels=truth|^expect: ok: roc_auc of k on test
expect.labels=pseudo|load T/blobs.csv; pseudolabel mean k=2; detect kmeans k=3 as k; expect metric roc_auc k 0..1 labels=pseudo|^expect: ok: roc_auc of k on all
lesson.solve=yes|lesson T/les.odd solve=yes|^lesson .*: every step ran and all 1 exercises are solved
lesson.solve=no|lesson T/les.odd solve=no|lesson: steps through a lesson at the prompt
EOT
# Not checked here, and why (KEY prefix):
not_here='
tune.on=   tune is the full-screen tuner: tests/tui/tune.sh drives it
plot.      plot kinds and options make gnuplot scripts: engine/plot unit tests and tests/plot-injection.sh
'
cmds=$(odd -e help | awk '/^detectors \(help/{exit} /^  [a-z]/{print $1}')
: > "$tmp/wanted"
for c in $cmds; do
  odd -e "help $c" 2>&1 | awk -v c="$c" '
    /^usage:/ { if ($3 ~ /\|/ && $3 !~ /[][=]/) { n=split($3, v, "|"); for (i=1;i<=n;i++) print c "." v[i] } }
    /^options:/ { o=1; next }
    o && match($0, /\(([^()]*\|[^()]*)\)$/) { n=split(substr($0, RSTART+1, RLENGTH-2), v, "|"); for (i=1;i<=n;i++) print c "." $1 "=" v[i] }' >> "$tmp/wanted"
done
printf 'a,b\n1,2\n3,4\n' > "$tmp/hdr.csv"
printf '1,2\n3,4\n5,6\n' > "$tmp/num.csv"
printf 'x1,x2\n1,2\nNA,3\n5,NA\n7,8\n' > "$tmp/miss.csv"
mkdir "$tmp/sub" && printf 'load %s/blobs.csv\n' "$tmp" > "$tmp/sub/sub.odd"
printf '# a lesson\nload %s/blobs.csv\n#? q\n#solution detect kmeans k=2 as km\nexpect run km\n' "$tmp" > "$tmp/les.odd"
missing=
while read -r key; do
  row=$(grep -F "$key|" "$tmp/effects" | head -1)
  if [ "${row%%|*}" != "$key" ]; then
    skip=no
    for pre in $(echo "$not_here" | awk 'NF{print $1}'); do
      case $key in "$pre"*) skip=yes ;; esac
    done
    [ $skip = yes ] || missing="$missing $key"
    continue
  fi
  lines=$(echo "$row" | cut -d'|' -f2 | sed "s#T/#$tmp/#g")
  re=$(echo "$row" | cut -d'|' -f3)
  file=$(echo "$row" | cut -d'|' -f4 | sed "s#T/#$tmp/#g")
  rm -f "$tmp/x.csv"
  head -n 3 "$tmp/blobs.csv" > "$tmp/exists.csv"
  out=$(odd -e "$lines" 2>&1)
  [ -n "$file" ] && out=$(cat "$file" 2>/dev/null)
  if printf '%s\n' "$out" | grep -qE -- "$re"; then ok "$key: /$re/"
  else notok "$key: expected /$re/"; printf '%s\n' "$out" | tail -5 | sed 's/^/#   /'; fi
done < "$tmp/wanted"
# ---- search and plot elbow (issue 16): every option and value through the
# command line, each checked by a text only it puts in the output.
B="load $tmp/blobs.csv"
Q="load $tmp/series.csv; split train=0.6 test=0.4 order=time"
while IFS='|' read -r what lines re; do
  [ -n "$what" ] || continue
  out=$(odd -e "$lines" 2>&1)
  if printf '%s\n' "$out" | grep -qE -- "$re"; then ok "search/elbow $what: /$re/"
  else notok "search/elbow $what: expected /$re/"; printf '%s\n' "$out" | tail -5 | sed 's/^/#   /'; fi
done <<EOT
search grid a,b,c|$B; search kmeans k=2,5,3 folds=2|^ +[0-9] +5 
search grid LO..HI|$B; search kmeans k=2..4 folds=2|^search kmeans: 3 configurations
search grid LO..HI:STEP|$B; search kmeans k=2..8:3 folds=2|^search kmeans: 3 configurations .*$
search grid log(LO..HI)|$B; search iforest samples=log(16..256) trees=10 folds=2|^search iforest: 5 configurations
search grid log(LO..HI):N|$B; search iforest samples=log(16..256):3 trees=10 folds=2|^ +[0-9] +64 +10 
search grid words|$B; search kmeans k=3 init=random,first folds=2|^ +[0-9] +3 +first 
search folds=K|$B; search kmeans k=2 folds=4|x 4-fold stratified over 300 rows
search folds (default 5)|$B; search kmeans k=2|x 5-fold stratified
search folds on a series (default 3, rolling)|$Q; search kmeans k=2|x 3-fold rolling origin \(time order\) over 240 training rows
search metric (default ap)|$B; search kmeans k=2 folds=2|; ap \(vs truth\)
search metric=ap|$B; search kmeans k=2 folds=2 metric=ap|ap mean
search metric=roc|$B; search kmeans k=2 folds=2 metric=roc|roc_auc mean
search metric=roc_auc|$B; search kmeans k=2 folds=2 metric=roc_auc|roc_auc mean
search metric=best-f1|$B; search kmeans k=2 folds=2 metric=best-f1|best_f1 mean
search metric=best_f1|$B; search kmeans k=2 folds=2 metric=best_f1|best_f1 mean
search metric=pr_auc_trapz|$B; search kmeans k=2 folds=2 metric=pr_auc_trapz|pr_auc_trapz mean
search metric=p_at_n|$B; search kmeans k=2 folds=2 metric=p_at_n|p_at_n mean
search metric=vus-pr|$Q; search kmeans k=2 metric=vus-pr|vus_pr mean
search metric=vus_roc|$Q; search kmeans k=2 metric=vus_roc|vus_roc mean
search metric=silhouette|$B; search kmeans k=2 folds=2 metric=silhouette|silhouette \(no labels used\)
search metric=sse|$B; search kmeans k=2 folds=2 metric=sse|sse \(no labels used\)
search metric=bic|$B; search gmm k=2 folds=2 metric=bic|bic \(no labels used\)
search metric=aic|$B; search gmm k=2 folds=2 metric=aic|aic \(no labels used\)
search metric=val-loss|$Q; search tsn window=8 hidden=4 epochs=2 metric=val-loss|val-loss \(no labels used\)
search metric=f1 (default rule=sse)|$B; search kmeans k=2 folds=2 metric=f1|f1 \(vs truth, at threshold method=sse set on each fold's training scores\)
search metric=mcc rule=mad|$B; search kmeans k=2 folds=2 metric=mcc rule=mad|mcc \(vs truth, at threshold method=mad set on each
search metric=precision rule=sigma:3|$B; search kmeans k=2 folds=2 metric=precision rule=sigma:3|at threshold method=sigma k=3 set
search metric=recall rule=iqr:1.5|$B; search kmeans k=2 folds=2 metric=recall rule=iqr:1.5|at threshold method=iqr k=1.5 set
search metric=accuracy rule=contamination:C|$B; search kmeans k=2 folds=2 metric=accuracy rule=contamination:0.05|at threshold method=contamination c=0.05 set
search metric=specificity rule=percentile:Q|$B; search kmeans k=2 folds=2 metric=specificity rule=percentile:95|at threshold method=percentile q=95 set
search metric=f1 rule=value:V|$B; search kmeans k=2 folds=2 metric=f1 rule=value:2|at threshold method=value value=2 set
search metric=pa-f1 rule=sse|$Q; search kmeans k=2 metric=pa-f1 rule=sse|pa_f1 \(vs truth, at threshold method=sse
search rule=best-f1 refused (oracle)|$B; search kmeans k=2 metric=f1 rule=best-f1|rule=best-f1: an oracle
search rule= refused without a threshold metric|$B; search kmeans k=2 metric=ap rule=mad|rule=mad: only for a metric measured at a threshold
search rule=contamination needs a value|$B; search kmeans k=2 metric=f1 rule=contamination|needs a value: rule=contamination:c
search rule=sse:3 takes none|$B; search kmeans k=2 metric=f1 rule=sse:3|method=sse takes no value
search rule=nosuch|$B; search kmeans k=2 metric=f1 rule=nosuch|rule=nosuch: expected a threshold rule
search n=N|$B; search kmeans k=2..9 n=3 folds=2|^search kmeans: 3 configurations of 8 
search first=M|$B; search kmeans k=2..9 first=2 folds=2|^search kmeans: 2 configurations of 8 
search as NAME|$B; search kmeans k=2 folds=2 as mybest; runs|refitted on the training rows as mybest
search as=NAME|$B; search kmeans k=2 folds=2 as=mybest2|refitted on the training rows as mybest2
search default name|$B; search kmeans k=2 folds=2|as kmeans_best$
search refits scale per fold|$B; split train=0.7 test=0.3; scale robust; search kmeans k=2 folds=2|inside every fold on its training rows: scale robust
search refits pca per fold|$B; pca k=2; search kmeans k=2 folds=2|inside every fold on its training rows: pca k=2
search refits clean per fold|$B; clean clip=3; search kmeans k=2 folds=2|inside every fold on its training rows: clean clip=3
search refuses pseudolabel after scale|$B; scale zscore; pseudolabel mean k=3; search kmeans k=2|'scale zscore' was fitted on rows that include
search without labels: refused for iforest|load $tmp/two.csv; search iforest trees=10|the data has no labels
plot elbow kmeans|$B; plot elbow kmeans k=2..5 width=60 height=15|^kmeans elbow on 300 training rows; chosen k=.* by kneedle
plot elbow gmm|$B; plot elbow gmm k=1..4 width=60 height=15|^  k=[0-9] +BIC [0-9.]+  AIC
plot elbow silhouette=yes|$B; plot elbow kmeans k=2..5 silhouette=yes width=60 height=15|silhouette [0-9.]+
plot elbow silhouette=no|$B; plot elbow kmeans k=2..5 silhouette=no width=60 height=15|^  k=5 +SSE [0-9.]+$
plot elbow k=LO..HI:STEP|$B; plot elbow kmeans k=2..8:3 commands|^8 
plot elbow k=a,b,c|$B; plot elbow gmm k=1,3 commands|set label 'chosen k=[13]'
plot elbow to=FILE|$B; plot elbow kmeans k=2..4 to=$tmp/elbow.svg|^wrote $tmp/elbow.svg
plot search|$B; search kmeans k=2..4 init=random,first folds=2 as s; plot search s commands|set multiplot layout 1,2
plot search to=FILE|$B; search kmeans k=2..4 folds=2 as s; plot search s to=$tmp/search.svg|^wrote $tmp/search.svg
EOT
[ -z "$missing" ]; check $? "every enumerated command option value has a check${missing:+ (missing:$missing)}"

# kmeans algorithm=: the same seed, each value in its own session, the same scores,
# clusters and fit (Hamerly's bounds only skip distance computations)
for v in auto lloyd hamerly; do
  odd -e "load sample-data/blobs.csv; detect kmeans k=5 algorithm=$v as km; export scores km to=$tmp/km.$v.csv force=yes" \
    2>&1 | grep -E 'inertia|iterations' > "$tmp/kmfit.$v"
done
cmp -s "$tmp/km.lloyd.csv" "$tmp/km.hamerly.csv" && cmp -s "$tmp/km.lloyd.csv" "$tmp/km.auto.csv" &&
  cmp -s "$tmp/kmfit.lloyd" "$tmp/kmfit.hamerly" && [ -s "$tmp/kmfit.lloyd" ]
check $? "kmeans algorithm=auto, lloyd and hamerly: the same scores, clusters, inertia and iterations"
echo "1..$n"
