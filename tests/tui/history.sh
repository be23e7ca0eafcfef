#!/bin/sh
# The readline history, driven through tmux as a user would: it lives in
# $XDG_STATE_HOME/oddity/history (the directory 0700, the file 0600), holds
# the lines typed, is written whole at exit (no temporary file left), and is
# capped at 1000 lines however long it was.
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
if ! command -v tmux >/dev/null 2>&1; then echo "1..0 # SKIP tmux not installed"; exit 0; fi
tmp=$(mktemp -d)
sock=oddity-hist-$$
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
echo "set -g default-terminal screen" > "$tmp/tmux.conf"
n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/#   /' "$tmp/screen" | tail -8; fi; }
screen() { tmux -L $sock capture-pane -t t -p > "$tmp/screen"; }
wait_for() {
  i=0
  while [ $i -lt 600 ]; do screen; grep -q -- "$1" "$tmp/screen" && return 0; sleep 0.1; i=$((i+1)); done
  return 1
}
keys() { tmux -L $sock send-keys -t t "$@"; }
state=$tmp/state
hist=$state/oddity/history
# start_oddity: a prompt in a fresh tmux session; the pane says EXITED after it quits
start_oddity() {
  tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s t -x 100 -y 30 \
    "XDG_STATE_HOME='$state' '$bin' --no-journal; echo EXITED; sleep 30"
  wait_for 'oddity> *$'
}
echo "1..7"
[ ! -e "$hist" ]; ok $? "no history before the first session"
start_oddity; ok $? "the prompt opens"
keys 'set seed=5' Enter 'set threads=1' Enter
wait_for 'oddity> *$'
keys 'quit' Enter
wait_for EXITED
tmux -L $sock kill-server 2>/dev/null
[ -f "$hist" ] && grep -qx 'set seed=5' "$hist" && grep -qx 'set threads=1' "$hist" && grep -qx quit "$hist"
ok $? "the lines typed are in \$XDG_STATE_HOME/oddity/history after quit"
[ "$(stat -c %a "$state/oddity")" = 700 ] && [ "$(stat -c %a "$hist")" = 600 ]
ok $? "the state directory is 0700 and the history file 0600"
[ -z "$(ls -A "$state/oddity" | grep '^\.')" ]
ok $? "no temporary file is left beside it"
i=0; while [ $i -lt 1500 ]; do echo "set seed=$i"; i=$((i+1)); done > "$hist"
start_oddity
keys 'set seed=77777' Enter
wait_for 'oddity> *$'
keys C-d
wait_for EXITED
tmux -L $sock kill-server 2>/dev/null
[ "$(wc -l < "$hist")" -le 1000 ] && [ "$(wc -l < "$hist")" -ge 990 ]
ok $? "a 1500-line history is capped at 1000 lines (has $(wc -l < "$hist"))"
[ "$(tail -n 1 "$hist")" = 'set seed=77777' ] && grep -qx 'set seed=1499' "$hist" && ! grep -qx 'set seed=0' "$hist"
ok $? "the newest lines are kept, the oldest dropped"
