#!/bin/sh
# The rest of the README tour from the workbench's actions menu (`a`), with
# no typing but `load`: explain the top-scoring row, search (and plot
# search), plot elbow, pseudolabel and metrics against the pseudo-labels,
# bag lof, embed ae and plot scatter, save model; on a series: window, the
# stacked plot series of the marked runs, compare sort=aff_f1.  Every entry
# is picked by moving down the menu until its footer shows the line it
# runs; the journal then holds exactly those lines and replays in the REPL
# without an error, to the same numbers.
sock_name=oddity-actions
. "$(dirname "$0")/lib.sh"
echo "1..17"
mkdir -p "$tmp/work"
tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s t -x 110 -y 40 \
  "cd '$tmp/work' && LANG=C.UTF-8 XDG_STATE_HOME='$tmp/state' $bin --tui --threads=1; echo EXITED; sleep 30"
# pick PATTERN: open the actions menu, go down to the entry whose line
# matches PATTERN (grep) and run it
# idle: until no command is running (the status line says so while one does)
idle() {
  i=0
  while [ $i -lt 600 ]; do screen; grep -q 'running  (Esc' "$tmp/screen" || return 0; sleep 0.1; i=$((i+1)); done
  return 1
}
# jlines: lines in the session's journal (a line is journaled once it ran)
jlines() { cat "$tmp"/state/oddity/sessions/*.odd 2>/dev/null | wc -l; }
# ran LINE: the journal holds LINE (the echo of a command in the log pane can
# scroll away under its own output before the screen is read)
ran() {
  j=$(ls "$tmp"/state/oddity/sessions/*.odd 2>/dev/null | head -1)
  [ -n "$j" ] && grep -q "^$1" "$j"
}
pick() {
  idle; keys a; wait_for 'Actions (Enter runs' || return 1
  j=0
  while [ $j -lt 40 ]; do
    if screen; grep -q -- "runs: $1" "$tmp/screen"; then
      # Enter, then wait until the line ran: the journal grows, nothing runs
      before=$(jlines); keys Enter
      i=0; while [ $i -lt 600 ] && [ "$(jlines)" -le "$before" ]; do sleep 0.1; i=$((i+1)); done
      idle; return 0
    fi
    keys Down; sleep 0.05; j=$((j+1))
  done
  keys Escape; return 1
}
wait_for 'no dataset'
keys : "load $top/sample-data/blobs.csv" Enter
wait_for 'dataset blobs'
pick 'split train=0.6' && wait_for 'test        1200 rows'
keys d; wait_for 'runs: detect kmeans k=8 '; keys Enter; wait_for 'Threshold of kmeans1'
pick 'explain kmeans1 [0-9]' && idle && grep -q 'contributions sum to' "$tmp/screen"; ok $? "a: explain the top-scoring row of the selected run"
pick 'search gmm k=2..6 covariance=full,diag metric=ap as gbest1' && wait_for 'Threshold of gbest1'
ok $? "a: search gmm by AP, the best becomes run gbest1"
wait_for 'Threshold of gbest1'
pick 'plot search gbest1' && idle && grep -q 'covariance' "$tmp/screen"; ok $? "a: plot search of the selected search run"
pick 'plot elbow kmeans k=2..12 silhouette=yes' && ran 'plot elbow kmeans k=2..12'; ok $? "a: plot elbow"
pick 'pseudolabel mean k=3' && wait_for 'pseudo_label holds the pseudo-labels'; ok $? "a: pseudolabel mean k=3"
keys d; wait_for 'runs: detect kmeans k=8 '; keys Enter; wait_for 'Threshold of kmeans2'
pick 'metrics kmeans2 labels=pseudo' && wait_for 'kmeans2 on .* vs pseudo-labels'; ok $? "a: metrics against the pseudo-labels (offered once the run has them)"
pick 'bag lof n=10 features=0.5..1.0 as bag1' && wait_for 'member 10: on='; ok $? "a: bag lof, ten members"
pick 'save model bag1 to=bag1.oddm' && ran 'save model bag1'
[ -s "$tmp/work/bag1.oddm" ]; ok $? "a: save model of the selected run writes RUN.oddm"
pick 'embed ae dim=2 epochs=30 as emb1' && wait_for 'new dataset emb1'; ok $? "a: embed ae makes dataset emb1"
pick 'plot scatter' && idle && grep -q 'normal    .   anomalous    X' "$tmp/screen"; ok $? "a: plot scatter of the embedding"
pick 'save session session.odd' && ran 'save session session.odd'
[ -s "$tmp/work/session.odd" ]; ok $? "a: save session writes session.odd"
# a series
keys : "load $top/sample-data/series.csv" Enter
wait_for 'dataset series'
pick 'split train=0.5 test=0.5 order=time' && wait_for 'order=time'
keys d; wait_for 'runs: detect kmeans k=8 '; keys Enter; wait_for 'Threshold of kmeans3'
pick 'window size=24 stride=4 agg=max' && ran 'window size=24 stride=4 agg=max'; ok $? "a: window (a series)"
keys d; wait_for 'runs: detect kmeans k=8 '; keys Enter; wait_for 'Threshold of kmeans4'
keys Space; wait_for 'kmeans4 .*marked'
keys Up Space; wait_for 'kmeans3 .*marked'
pick 'plot series kmeans3 kmeans4' && ran 'plot series kmeans3 kmeans4' && grep -q 'time (UTC)' "$tmp/screen"; ok $? "a: plot series of the two marked runs"
pick 'compare sort=aff_f1' && wait_for '(sorted by aff_f1'; ok $? "a: compare sorted by affiliation F1"
screen; cp "$tmp/screen" "$tmp/final"
keys q; wait_for EXITED
journal=$(ls "$tmp"/state/oddity/sessions/*.odd 2>/dev/null | head -1)
for l in 'explain kmeans1 ' 'search gmm k=2..6' 'plot search gbest1' 'plot elbow' 'pseudolabel mean k=3' 'metrics kmeans2 labels=pseudo' \
  'bag lof' 'save model bag1' 'embed ae' 'plot scatter' 'save session' 'window size=24' 'plot series kmeans3 kmeans4' 'compare sort=aff_f1'; do
  grep -q "^$l" "$journal" || { echo "# not journaled: $l"; miss=1; }
done
[ -z "$miss" ]; ok $? "every line the menu ran is in the journal"
cd "$tmp/work" && rm -f bag1.oddm session.odd
"$bin" --no-journal --no-times --threads=1 -f "$journal" > "$tmp/replay" 2>&1; rc=$?
[ $rc = 0 ] && ! grep -q '^error' "$tmp/replay"; ok $? "the journal replays in the REPL without an error (rc $rc)"
s=$(awk '$1 == "gbest1" && $2 == "gmm" { print $4; exit }' "$tmp/final")
p=$(awk '/^gbest1: gmm/ { on = 1 } on && /ROC-AUC/ { sub(/.*ROC-AUC /, ""); print $1; exit }' "$tmp/replay")
echo "# gbest1 ROC-AUC: screen $s, replay $p"
[ -n "$s" ] && [ -n "$p" ] && awk -v a="$s" -v b="$p" 'BEGIN { exit !(sprintf("%.4f", a) == sprintf("%.4f", b)) }'
ok $? "the search's best run replays to the ROC-AUC the screen showed"
