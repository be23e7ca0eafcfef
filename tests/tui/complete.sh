#!/bin/sh
# Tab completion, the same code at the prompt (readline) and on the
# workbench's command line: after `plot KIND ` the workspace's run names,
# after `detect ALGO ` that detector's option names (and no detectors), after
# `detect ALGO opt=` the values of a choice; a command option's values
# (plot pdf RUN log=) come from its option table.
sock_name=oddity-compl
. "$(dirname "$0")/lib.sh"
echo "1..9"
cd "$top" || exit 1
printf '%s\n' 'load sample-data/blobs.csv' 'detect kmeans k=4 as km' 'detect gmm k=4 as gmix' > "$tmp/setup.odd"
start "cd '$top' && XDG_STATE_HOME='$tmp/state' $bin --plain --no-journal -i -f $tmp/setup.odd"
wait_for 'oddity> *$'
keys 'plot roc g' Tab
wait_for 'oddity> plot roc gmix *$'; ok $? "prompt: plot roc g<Tab> completes the run gmix"
keys ' ' Tab Tab
wait_for 'silhouette='
grep -qw km "$tmp/screen" && grep -q 'gmix  ' "$tmp/screen"; ok $? "prompt: plot roc gmix <Tab><Tab> lists the runs (and plot's options)"
keys C-u 'detect kmeans ' Tab Tab
wait_for 'n_init='
sed -n '/^oddity> detect kmeans/,$p' "$tmp/screen" > "$tmp/list"
grep -q 'max_iter=' "$tmp/list" && grep -q 'fit=' "$tmp/list" && ! grep -q 'iforest' "$tmp/list" && ! grep -q 'covariance=' "$tmp/list"
ok $? "prompt: detect kmeans <Tab><Tab> lists kmeans's options, not detectors or gmm's options"
keys C-u 'detect kmeans sco' Tab
wait_for 'oddity> detect kmeans score= *$'; ok $? "prompt: detect kmeans sco<Tab> completes score="
keys Tab Tab
wait_for 'score=cblof  *score=distance'; ok $? "prompt: detect kmeans score=<Tab><Tab> lists its choices"
keys C-u 'plot pdf km log=' Tab Tab
wait_for 'log=none  *log=x'; ok $? "prompt: plot pdf km log=<Tab><Tab> lists x and none"
keys C-u 'quit' Enter
wait_for EXITED
# a new session first, then the old one goes: the server never empties
tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s n2 -x 100 -y 30 \
  "cd '$top' && LANG=C.UTF-8 XDG_STATE_HOME='$tmp/state' $bin --tui --no-journal -i -f $tmp/setup.odd; echo EXITED; sleep 30"
tmux -L $sock kill-session -t t
tmux -L $sock rename-session -t n2 t
wait_for 'Threshold of gmix'
keys : 'plot pr gm' Tab
wait_for 'oddity> plot pr gmix *$'; ok $? "workbench: plot pr gm<Tab> completes the run gmix"
keys C-u 'detect gmm cov' Tab
wait_for 'oddity> detect gmm covariance= *$'; ok $? "workbench: detect gmm cov<Tab> completes covariance="
keys Tab
wait_for 'covariance=full covariance=tied'; ok $? "workbench: a second Tab lists covariance's choices in the log"
keys Escape q
wait_for EXITED
