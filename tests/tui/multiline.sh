#!/bin/sh
# A quoted value continued over two lines at the prompt is journaled as ONE
# line (the newline written as the \n escape the lexer reads back), and the
# saved session replays to the same output.
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
top=$(cd "${top_srcdir:-.}" && pwd)
if ! command -v tmux >/dev/null 2>&1; then echo "1..0 # SKIP tmux not installed"; exit 0; fi
tmp=$(mktemp -d)
sock=oddity-ml-$$
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
echo "set -g default-terminal screen" > "$tmp/tmux.conf"
n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/#   /' "$tmp/screen" | tail -8; fi; }
screen() { tmux -L $sock capture-pane -t t -p > "$tmp/screen"; }
wait_for() {
  i=0
  while [ $i -lt 300 ]; do screen; grep -q -- "$1" "$tmp/screen" && return 0; sleep 0.1; i=$((i+1)); done
  return 1
}
keys() { tmux -L $sock send-keys -t t "$@"; }
echo "1..3"
tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s t -x 120 -y 40 \
  "cd '$top' && XDG_STATE_HOME='$tmp/state' '$bin' --no-times sample-data/blobs.csv; echo EXITED; sleep 30"
wait_for 'oddity> *$'
keys 'detect gauss as g; plot pdf g title="two' Enter
wait_for '\.\.\.> *$'
keys 'lines" commands' Enter
wait_for 'set title'
keys "save session $tmp/s.odd" Enter
wait_for 'saved'
keys 'quit' Enter
wait_for EXITED
lines=$(grep -c 'title=' "$tmp/s.odd" 2>/dev/null)
grep -q 'plot pdf g title="two\\nlines" commands' "$tmp/s.odd"; ok $? "the two-line command is one journal line with a backslash-n escape"
[ "$lines" = 1 ]; ok $? "... and only one line of the saved session holds it"
cd "$top" && "$bin" --no-journal --no-times -f "$tmp/s.odd" > "$tmp/replay" 2>&1
grep -q 'two' "$tmp/replay" && grep -q 'lines' "$tmp/replay" && ! grep -q error "$tmp/replay"; ok $? "the saved session replays without an error, the title intact"
