#!/bin/sh
# The workbench (tui, oddity --tui) driven through tmux as a user would: the
# panes at 80x24 and 200x50 and after a resize, a threshold move recounting
# the metrics, the ? overlay, the plot kinds, a mouse click selecting a run,
# Enter applying the threshold, a typed command, and the journal of the
# session replaying with oddity -f to the numbers the screen showed.  Also:
# tui at the prompt and back, --plain and a pipe keep the REPL, SIGTERM and
# Ctrl-Z / fg restore the terminal.
sock_name=oddity-wb
. "$(dirname "$0")/lib.sh"
echo "1..35"
cd "$top" || exit 1
printf '%s\n' 'load sample-data/blobs.csv' 'split train=0.6 test=0.4 stratify=yes' 'scale zscore' \
  'detect kmeans k=4 as km' 'detect gmm k=4 as g' > "$tmp/setup.odd"
setup="-f $tmp/setup.odd"
# run CMD (no single quotes in it) in a W x H pane, its pid in $tmp/pid, the
# pane saying EXITED when it ends
starts=0
startwh() {
  # a new session first, then the old one goes: the server never empties
  # (a server shutting down refuses the next client: "server exited unexpectedly")
  starts=$((starts+1))
  tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s "n$starts" -x "$1" -y "$2" \
    "cd '$top' && LANG=C.UTF-8 XDG_STATE_HOME='$tmp/state' sh -c 'echo \$\$ > $tmp/pid; exec $3'; echo EXITED; sleep 30"
  tmux -L $sock kill-session -t t 2>/dev/null
  tmux -L $sock rename-session -t "n$starts" t
}
braille=$(printf '\342[\240-\243]')   # the UTF-8 lead bytes of U+2800..U+28FF
alt() { tmux -L $sock display -p -t t '#{alternate_on}'; }
# the value after LABEL on the threshold pane ("F1 0.8636" -> 0.8636)
val() { sed -n "s/.*[ (]$1 \([-0-9.]*\).*/\1/p" "$tmp/screen" | head -1; }

startwh 80 24 "$bin --tui -i $setup"
wait_for 'Runs (2)'; ok $? "oddity --tui opens the workbench at 80x24"
grep -q 'dataset blobs' "$tmp/screen" && grep -q 'seed 42' "$tmp/screen" && grep -q '2.00% anomalies' "$tmp/screen"
ok $? "the header names the dataset, the anomaly share and the seed"
grep -q '^ run .*detector.*ROC-AUC.*AP.*best F1' "$tmp/screen" && grep -q '^ km  *kmeans  *blobs  *0\.9518' "$tmp/screen"
ok $? "the runs pane lists the runs with ROC-AUC, AP and best F1"
grep -q 'Threshold of g' "$tmp/screen" && grep -q 'Plot: density of g' "$tmp/screen" && grep -q '─ Log ─' "$tmp/screen"
ok $? "the threshold, plot and log panes are there (the newest run selected)"
grep -q 'score >= ' "$tmp/screen" && grep -q 'MCC ' "$tmp/screen" && grep -q '^ anomalous  *[0-9]' "$tmp/screen" && grep -q '^ total  *[0-9]' "$tmp/screen"
ok $? "the threshold pane shows the value, the metrics and the confusion matrix with totals"
LC_ALL=C grep -q "$braille" "$tmp/screen" && grep -q '~normal ~anomalous :threshold' "$tmp/screen"
ok $? "the plot is drawn in braille with a legend naming the curves"
keys Up
wait_for 'Threshold of km'; ok $? "Up selects the other run"
f0=$(sed -n 's/.*flags \([0-9]*\)\/.*/\1/p' "$tmp/screen" | head -1)
s0=$(sed -n 's/.*score >= \([^ ]*\) .*/\1/p' "$tmp/screen" | head -1)
keys Left Left Left Left Left
i=0; while [ $i -lt 300 ]; do screen; f1=$(sed -n 's/.*flags \([0-9]*\)\/.*/\1/p' "$tmp/screen" | head -1); [ "$f1" = $((f0 + 5)) ] && break; sleep 0.1; i=$((i+1)); done
s1=$(sed -n 's/.*score >= \([^ ]*\) .*/\1/p' "$tmp/screen" | head -1)
[ "$f1" = $((f0 + 5)) ] && [ "$s1" != "$s0" ]; ok $? "five Lefts flag five more rows ($f0 -> $f1, score >= $s0 -> $s1)"
keys b
wait_for '  F1 0\.8636 '; ok $? "b goes to the best F1 and P/R/F1/MCC follow"
P=$(val P); R=$(val R); F=$(val F1); M=$(val MCC)
keys '?'
wait_for 'Keys (any key closes'; ok $? "? shows the key table"
grep -q 'Enter  *apply: runs `threshold RUN value=V`' "$tmp/screen" && grep -q 'Tab  *next pane' "$tmp/screen"
ok $? "the overlay lists Enter and Tab"
keys Space
i=0; while [ $i -lt 100 ] && { screen; grep -q 'Keys (any key' "$tmp/screen"; }; do sleep 0.1; i=$((i+1)); done
! grep -q 'Keys (any key' "$tmp/screen"; ok $? "any key closes the overlay"
keys p
wait_for 'Plot: roc of km' && wait_for '+at FPR 0\.[0-9]* TPR 0\.'; ok $? "p: ROC with the operating point"
keys p
wait_for 'Plot: pr of km' && wait_for '+at R 0\.[0-9]* P 0\.'; ok $? "p: PR with the operating point"
keys p
wait_for 'Plot: series of km' && wait_for '[0-9] rows: x1 .*above; scor'; ok $? "p: the series plot (the data above, the scores below)"
keys p
tmux -L $sock resize-window -t t -x 200 -y 50
wait_for 'stratify=yes order=random'; ok $? "resized to 200x50: the header shows the whole split"
# the header can be drawn a frame before the plot: poll the whole layout
laid_out() {
  lines=$(LC_ALL=C grep -c "$braille" "$tmp/screen")
  grep -q 'Plot: density of km' "$tmp/screen" && grep -q 'Threshold of km' "$tmp/screen" && [ "$lines" -gt 20 ]
}
i=0; while [ $i -lt 300 ] && { screen; ! laid_out; }; do sleep 0.1; i=$((i+1)); done
laid_out
ok $? "at 200x50 the panes are laid out again (plot $lines rows)"
tmux -L $sock resize-window -t t -x 80 -y 24
i=0; while [ $i -lt 300 ] && { screen; grep -q 'stratify=yes order=random' "$tmp/screen"; }; do sleep 0.1; i=$((i+1)); done
wait_for 'Threshold of km' && ! grep -q 'stratify=yes order=random' "$tmp/screen" && grep -q '  F1 0\.8636 ' "$tmp/screen"
ok $? "back to 80x24: laid out again, the threshold where it was"
# a click on the first run's row (X10 mouse, TERM=screen: column 3, row 4, 1-based, as 32+N) selects it
keys Up; wait_for 'Threshold of km'
keys Down; wait_for 'Threshold of g'
printf '\033[M #$\033[M##$' > "$tmp/click"
tmux -L $sock load-buffer "$tmp/click" && tmux -L $sock paste-buffer -t t
wait_for 'Threshold of km'; ok $? "a mouse click on a run selects it"
keys Enter
wait_for 'on test vs truth: precision'; ok $? "Enter runs the threshold line; its output is in the log"
grep -q 'oddity> threshold km value=' "$tmp/screen"; ok $? "the log shows the threshold line that ran"
keys : 'metrics km' Enter
wait_for '^  best-F1(oracle)  '; ok $? "a typed command runs and prints into the log"
keys q
wait_for EXITED
[ "$(alt)" = 0 ]; ok $? "q leaves: the terminal is out of the alternate screen"
journal=$(ls "$tmp"/state/oddity/sessions/*.odd 2>/dev/null | head -1)
[ -n "$journal" ] && grep -q '^threshold km value=' "$journal" && grep -q '^metrics km$' "$journal" && ! grep -q '^tui' "$journal"
ok $? "the journal holds the threshold and metrics lines, not tui"
"$bin" --no-journal --no-times -f "$journal" > "$tmp/replay" 2>&1
rp=$(sed -n 's/^  precision  *\([0-9.]*\)$/\1/p' "$tmp/replay" | tail -1)
rr=$(sed -n 's/^  recall  *\([0-9.]*\)$/\1/p' "$tmp/replay" | tail -1)
rf=$(sed -n 's/^  F1  *\([0-9.]*\)$/\1/p' "$tmp/replay" | tail -1)
rm_=$(sed -n 's/^  MCC  *\([-0-9.]*\)$/\1/p' "$tmp/replay" | tail -1)
[ -n "$rf" ] && [ "$(printf '%.4f %.4f %.4f %.4f' "$rp" "$rr" "$rf" "$rm_")" = "$P $R $F $M" ]
ok $? "the journal replays to the numbers the screen showed (P R F1 MCC: $P $R $F $M)"

# tui at the prompt, and back; --plain and a pipe keep the REPL
startwh 100 30 "$bin --plain -i $setup"
wait_for 'oddity> *$'; ok $? "--plain keeps the prompt"
keys 'tui' Enter
wait_for 'Threshold of g' && keys q && wait_for 'oddity> *$'
ok $? "tui at the prompt opens the workbench; q comes back to the prompt"
echo tui | "$bin" --tui --no-journal > "$tmp/pipe" 2>&1
grep -q 'tui: needs an interactive terminal' "$tmp/pipe"; ok $? "with a pipe on stdin, --tui reads the commands and tui is refused"
printf '%s\n' 'runs; tui' 'tui x=1' | "$bin" --no-journal -k > "$tmp/pipe" 2>&1
grep -q 'tui: put tui on a line of its own' "$tmp/pipe" && grep -q "tui: unknown option 'x' (options: none)" "$tmp/pipe"
ok $? "tui next to another command, and tui with an option, are refused"
"$bin" --help | grep -q -- '--tui  *open the full-screen workbench' && "$bin" --help | grep -q -- '--plain'
ok $? "--help describes --tui and --plain"

# SIGTERM restores the terminal
startwh 80 24 "$bin --tui --no-journal -i $setup"
wait_for 'Threshold of g' && kill -TERM "$(cat "$tmp/pid")"
wait_for EXITED && [ "$(alt)" = 0 ] && grep -q 'tui: terminated' "$tmp/screen"
ok $? "SIGTERM: the workbench ends with the terminal restored"

# Ctrl-Z stops the workbench with the terminal restored; fg brings it back
startwh 80 24 "env PS1=shell.. sh -i"
wait_for 'shell\.\. *$' && keys "$bin --tui --no-journal -i $setup" Enter
wait_for 'Threshold of g' && [ "$(alt)" = 1 ]; ok $? "the workbench runs from an interactive shell"
keys C-z
wait_for 'shell\.\. *$' && [ "$(alt)" = 0 ]; ok $? "Ctrl-Z: stopped, the shell's terminal restored"
keys fg Enter
wait_for 'Threshold of g' && [ "$(alt)" = 1 ]; ok $? "fg: the workbench is back, redrawn"
keys q
wait_for 'shell\.\. *$' && [ "$(alt)" = 0 ]; ok $? "q after fg leaves cleanly"
