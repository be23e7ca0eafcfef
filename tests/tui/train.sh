#!/bin/sh
# Training from the workbench does not freeze the screen: an lstm trained
# from its command line reports every epoch with an ETA in the log pane while
# it runs, the layout follows a resize during training, Esc stops the
# training (the log says so, the workbench goes on and the run keeps the best
# weights), Ctrl-C does the same, and q while training asks first (n goes
# on; y stops the training and leaves).
sock_name=oddity-train
. "$(dirname "$0")/lib.sh"
echo "1..10"
cd "$top" || exit 1
printf '%s\n' 'load sample-data/series.csv' 'split train=0.5 test=0.5 order=time' > "$tmp/setup.odd"
start_tui() {
  tmux -L $sock kill-session -t t 2>/dev/null
  tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s t -x 80 -y 24 \
    "cd '$top' && LANG=C.UTF-8 '$bin' --tui --no-journal -i -f '$tmp/setup.odd'; echo EXITED; sleep 30"
}
long='detect lstm window=48 epochs=100000 as lstm'

start_tui
wait_for 'Runs (0)' && keys : "$long" Enter
wait_for 'epoch 2/100000  train [0-9.e-]*  .*ETA '; ok $? "the log pane shows each epoch with its ETA while the lstm trains"
grep -q 'running  (Esc or Ctrl-C stops it): detect lstm' "$tmp/screen"; ok $? "the bottom line names what runs and how to stop it"
tmux -L $sock resize-window -t t -x 120 -y 40
wait_for 'split train=0.5 test=0.5 order=time' && [ "$(wc -l < "$tmp/screen")" -ge 40 ] && grep -q '─ Log ─' "$tmp/screen"
ok $? "resized to 120x40 while training: the header and panes are laid out again"
e1=$(sed -n 's/.*epoch \([0-9]*\)\/100000.*/\1/p' "$tmp/screen" | tail -1)
i=0; while [ $i -lt 300 ]; do screen; e2=$(sed -n 's/.*epoch \([0-9]*\)\/100000.*/\1/p' "$tmp/screen" | tail -1); [ "$e2" -gt "$e1" ] && break; sleep 0.1; i=$((i+1)); done
[ "$e2" -gt "$e1" ]; ok $? "the epochs go on after the resize ($e1 -> $e2)"
keys Escape
wait_for 'stopped: the command was interrupted'; ok $? "Esc stops the training; the log says so"
grep -q 'training interrupted at epoch [0-9]*; keeping the best weights' "$tmp/screen" && grep -q 'Runs (1)' "$tmp/screen"
ok $? "the run is kept with the best weights"
keys : runs Enter
wait_for 'oddity> runs' && ! grep -q EXITED "$tmp/screen"; ok $? "the workbench goes on after the stop"
# each later training has its own epoch count, so that no wait below can see
# the text of an earlier one (a q read while nothing runs quits at once)
keys : "detect lstm window=48 epochs=100001 as lstm2" Enter
wait_for 'epoch 1/100001' && keys C-c
both() { grep -q 'journaled as trained: detect lstm .* as lstm2' "$tmp/screen" && grep -q 'stopped: the command was interrupted' "$tmp/screen"; }
i=0; while [ $i -lt 600 ] && { screen; ! both; }; do sleep 0.1; i=$((i+1)); done
both; ok $? "Ctrl-C stops the training too"
keys : "detect lstm window=48 epochs=100002 as lstm3" Enter
wait_for 'epoch 1/100002' && keys q
wait_for 'stop it and quit? (y/n)' && keys n && wait_for 'running  (Esc or Ctrl-C stops it)'
ok $? "q while training asks; n goes on training"
# the first question must be gone before the second q, or the wait below
# would see the old one and send y before the new one is asked
i=0; while [ $i -lt 600 ] && { screen; grep -q 'stop it and quit? (y/n)' "$tmp/screen"; }; do sleep 0.1; i=$((i+1)); done
keys q
wait_for 'stop it and quit? (y/n)' && keys y
wait_for EXITED; ok $? "q then y stops the training and leaves"
