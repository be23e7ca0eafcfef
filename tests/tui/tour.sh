#!/bin/sh
# The README tour in the workbench with keys only, plus `load` typed once:
# a (actions menu) split and scale, d (detector picker) kmeans and gmm, t (a
# threshold rule), a mouse drag of the slider (release does not apply, Enter
# does), Space marks, e (ensemble of the marked), c (compare).  Then the
# session's journal replays with oddity -f to the numbers the screen showed:
# ROC-AUC and best F1 of every run, F1 at the applied threshold.
# The drag is X10 mouse sequences pasted into the pane (TERM=screen, the
# workbench turns on button-event mode 1002): press, motion, release, each
# pasted alone once the screen shows the previous one took effect.
sock_name=oddity-tour
. "$(dirname "$0")/lib.sh"
echo "1..17"
cd "$top" || exit 1
tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s t -x 100 -y 30 \
  "cd '$top' && LANG=C.UTF-8 XDG_STATE_HOME='$tmp/state' $bin --tui; echo EXITED; sleep 30"
wait_for 'no dataset'; ok $? "the workbench opens without data"
keys : 'load sample-data/blobs.csv' Enter
wait_for 'dataset blobs'; ok $? "load typed on the command line"
keys a; wait_for 'Actions (Enter runs'
keys s; wait_for 'runs: split train=0.6 test=0.4 stratify=yes'
keys Enter; wait_for 'test        1200 rows'; ok $? "a, s, Enter: the split"
keys a; wait_for 'Actions (Enter runs'
keys s s; wait_for 'runs: scale zscore'
keys Enter; wait_for 'dataset blobs v3'; ok $? "a, s s, Enter: scale zscore"
keys d; wait_for 'runs: detect kmeans k=8 '
keys Enter; wait_for 'Threshold of kmeans1'; ok $? "d, Enter: kmeans with its defaults written out"
keys d; wait_for 'Detect (Enter runs'
keys g; wait_for 'runs: detect gmm k='
keys Enter; wait_for 'Threshold of gmm1'; ok $? "d, g, Enter: gmm"
keys t; wait_for 'Threshold by a rule'
keys p; wait_for 'runs: threshold gmm1 method=percentile q=98'
keys Enter; wait_for 'oddity> threshold gmm1 method=percentile q=98'; ok $? "t, p, Enter: the percentile rule"
keys Up; wait_for 'Threshold of kmeans1'
# the drag: the slider is the row under the threshold pane's title
row=$(grep -n 'Threshold of kmeans1' "$tmp/screen" | head -1 | cut -d: -f1)
flags() { sed -n 's/.*flags \([0-9]*\)\/.*/\1/p' "$tmp/screen" | head -1; }
f0=$(flags)
ch() { printf "\\$(printf %o $((32 + $1)))"; }
Y=$(ch $((row + 1)))
mouse() { printf '\033[M%s%s%s' "$(ch "$1")" "$(ch "$2")" "$Y" > "$tmp/m"; tmux -L $sock load-buffer "$tmp/m"; tmux -L $sock paste-buffer -t t; }
marker() { sed -n "$((row + 2))p" "$tmp/screen" | sed 's/─/-/g' | awk '{ print index($0, "^") }'; }
mouse 0 3
i=0; while [ $i -lt 300 ]; do screen; [ "$(marker)" = 3 ] && break; sleep 0.1; i=$((i+1)); done
m1=$(marker); f1=$(flags)
[ "$m1" = 3 ] && [ "$f1" -gt "$f0" ]; ok $? "a press on the slider moves the threshold there (flags $f0 -> $f1)"
mouse 32 21
i=0; while [ $i -lt 300 ]; do screen; [ "$(marker)" -ge 21 ] && break; sleep 0.1; i=$((i+1)); done
m2=$(marker); f2=$(flags)
[ "$m2" -ge 21 ] && [ "$f2" -lt "$f1" ]; ok $? "dragging moves it and every metric follows (marker at $m2, flags $f2)"
F=$(sed -n 's/.*  F1 \([0-9.]*\).*/\1/p' "$tmp/screen" | head -1)
mouse 3 21
keys Right Left
i=0; while [ $i -lt 300 ]; do screen; [ "$(flags)" = "$f2" ] && break; sleep 0.1; i=$((i+1)); done
! grep -q 'oddity> threshold kmeans1 value=' "$tmp/screen" && [ "$(flags)" = "$f2" ]
ok $? "releasing leaves it there and applies nothing"
keys Enter; wait_for 'oddity> threshold kmeans1 value='; ok $? "Enter applies the dragged threshold (F1 $F)"
keys Space; wait_for 'kmeans1 .*marked'
keys Down Space; wait_for 'gmm1 .*marked'
keys e; wait_for 'Runs (3)'; ok $? "Space marks two runs, e makes their ensemble"
keys c; wait_for '(sorted by'; ok $? "c compares the runs in the log"
grep -q 'ens1  *ensemble' "$tmp/screen"; ok $? "the ensemble is named ens1"
screen; cp "$tmp/screen" "$tmp/final"
keys q; wait_for EXITED
journal=$(ls "$tmp"/state/oddity/sessions/*.odd 2>/dev/null | head -1)
grep -v '^#' "$journal" | grep -v '^set seed' | sed 's/value=.*/value=V/; s/ensemble .* as/ensemble .. as/; s/detect \([a-z]*\) .*/detect \1/' > "$tmp/lines"
printf '%s\n' 'load sample-data/blobs.csv' 'split train=0.6 test=0.4 stratify=yes' 'scale zscore' 'detect kmeans' 'detect gmm' \
  'threshold gmm1 method=percentile q=98' 'threshold kmeans1 value=V' 'ensemble .. as ens1' 'compare' > "$tmp/want"
cmp -s "$tmp/lines" "$tmp/want"; ok $? "the journal holds the lines the keys built, and no other"
"$bin" --no-journal --no-times -f "$journal" > "$tmp/replay" 2>&1
# runs pane: name detector dataset ROC-AUC AP best-F1; compare: run data v on rows ROC-AUC AP best-F1 F1@thr
same=0
for r in kmeans1 gmm1 ens1; do
  s=$(awk -v r=$r '$1 == r && $2 != "blobs" { print $4, $6; exit }' "$tmp/final")
  p=$(awk -v r=$r '$1 == r && $2 == "blobs" { x = sprintf("%.4f %.4f", $6, $8) } END { print x }' "$tmp/replay")
  echo "# $r: screen $s, replay $p"
  [ -n "$s" ] && [ "$s" = "$p" ] || same=1
done
ok $same "the journal replays to the ROC-AUC and best F1 the screen showed, for every run"
rf=$(awk '$1 == "kmeans1" && $2 == "blobs" { x = sprintf("%.4f", $9) } END { print x }' "$tmp/replay")
[ -n "$F" ] && [ "$rf" = "$F" ]; ok $? "and to the F1 at the dragged threshold ($F, replay $rf)"
