# tests/tui/lib.sh - tmux helpers shared by the tests that drive oddity as a
# user would.  Source it after setting `sock_name`; it sets top, bin and tmp,
# removes the tmux server and tmp at exit, and skips the test without tmux.
#   ok STATUS TEXT     one TAP line (on failure the end of the screen follows)
#   screen             capture the pane into $tmp/screen
#   wait_for PATTERN   until the pane shows PATTERN (grep); 60 s at most,
#                      as sanitizer builds are slow; returns 1 on timeout
#   keys KEYS..        tmux send-keys to the pane
#   start CMD          a fresh tmux session running CMD in a 100x30 pane; the
#                      pane says EXITED when CMD ends
top=$(cd "${top_srcdir:-.}" && pwd)
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
if ! command -v tmux >/dev/null 2>&1; then echo "1..0 # SKIP tmux not installed"; exit 0; fi
tmp=$(mktemp -d)
sock=${sock_name:-oddity-tui}-$$
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
echo "set -g default-terminal screen" > "$tmp/tmux.conf"
n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/#   /' "$tmp/screen" | tail -15; fi; }
screen() { tmux -L $sock capture-pane -t t -p -S -200 > "$tmp/screen"; }
wait_for() {
  i=0
  while [ $i -lt 600 ]; do screen; grep -q -- "$1" "$tmp/screen" && return 0; sleep 0.1; i=$((i+1)); done
  return 1
}
keys() { tmux -L $sock send-keys -t t "$@"; }
start() {
  tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s t -x 100 -y 30 "$1; echo EXITED; sleep 30"
}
