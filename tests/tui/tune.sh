#!/bin/sh
# The threshold tuner driven through tmux, as a user would: keys move the
# threshold, 'b' goes to the best F1, Enter applies; what the screen showed
# must equal what `metrics` then reports, `history` and the journal must hold
# the `threshold RUN value=V` line (never `tune`), and the journal must
# replay to the same F1.  Also: q cancels without a trace, tune refuses to
# run from a sourced script or next to other commands on a line.
top=$(cd "${top_srcdir:-.}" && pwd)
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
if ! command -v tmux >/dev/null 2>&1; then echo "1..0 # SKIP tmux not installed"; exit 0; fi
tmp=$(mktemp -d)
sock=oddity-test-$$
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
echo "set -g default-terminal screen" > "$tmp/tmux.conf"
n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/#   /' "$tmp/screen" | tail -15; fi; }
screen() { tmux -L $sock capture-pane -t t -p > "$tmp/screen"; }
# wait_for PATTERN: until the pane shows it (up to 60 s: sanitizer builds are slow)
wait_for() {
  i=0
  while [ $i -lt 600 ]; do screen; grep -q -- "$1" "$tmp/screen" && return 0; sleep 0.1; i=$((i+1)); done
  return 1
}
keys() { tmux -L $sock send-keys -t t "$@"; }
echo "1..14"
setup='set seed=42; load sample-data/blobs.csv; split train=0.6 test=0.4 stratify=yes; scale zscore; detect kmeans k=4 as km'
cd "$top" || exit 1
tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s t -x 100 -y 30 \
  "cd '$top' && XDG_STATE_HOME='$tmp/state' '$bin' -i -e '$setup'; echo EXITED; sleep 30"
wait_for 'oddity> *$'; ok $? "the REPL starts"
keys 'tune km' Enter
wait_for 'predicted anomaly'; ok $? "tune km opens the screen"
grep -q 'position' "$tmp/screen" && grep -q 'best F1' "$tmp/screen" && grep -q '\^' "$tmp/screen"
ok $? "the screen shows the threshold, the best F1 and the histogram marker"
keys b
# until the screen's F1 is the best F1 (a fixed sleep raced slow builds)
i=0
while [ $i -lt 600 ]; do
  screen
  f1=$(sed -n 's/.* F1  \([0-9.]*\) .*/\1/p' "$tmp/screen" | head -1)
  best=$(sed -n 's/^best F1 \([0-9.]*\) at.*/\1/p' "$tmp/screen" | head -1)
  [ -n "$f1" ] && [ "$f1" = "$best" ] && break
  sleep 0.1; i=$((i+1))
done
thr=$(sed -n 's/^threshold  score >= \([^ ]*\) .*/\1/p' "$tmp/screen" | head -1)
[ -n "$f1" ] && [ "$f1" = "$best" ]; ok $? "b moves to the best F1 (screen F1 '$f1', best '$best', threshold '$thr')"
keys Enter
wait_for 'on test vs truth: precision'; ok $? "Enter applies the threshold and reports its effect"
keys 'history' Enter
wait_for '[0-9]  threshold km value='; ok $? "history holds the threshold line"
! grep -q '[0-9]  tune' "$tmp/screen"; ok $? "history does not hold 'tune'"
keys 'metrics km' Enter
# the last line metrics prints, at the start of a line: the detect summary
# above holds "best-F1(oracle)" mid-line, so waiting for the bare word read
# the screen before metrics had printed its F1
wait_for '^  best-F1(oracle)  '
mf1=$(sed -n 's/^  F1  *\([0-9.]*\)$/\1/p' "$tmp/screen" | tail -1)
[ -n "$mf1" ] && [ "$(printf '%.4f' "$mf1")" = "$f1" ]; ok $? "metrics reports the F1 the screen showed ($mf1 vs $f1)"
keys 'tune km' Enter
wait_for 'predicted anomaly' && keys Left Left q
wait_for 'tune: km unchanged'; ok $? "q leaves the threshold unchanged"
keys 'runs; tune km' Enter
wait_for 'tune: put tune on a line of its own'; ok $? "tune next to another command is refused"
echo 'tune km' > "$tmp/t.odd"
keys "source $tmp/t.odd" Enter
wait_for 'tune: needs an interactive terminal'; ok $? "tune inside a sourced script is refused"
keys 'quit' Enter
wait_for EXITED
journal=$(ls "$tmp"/state/oddity/sessions/*.odd 2>/dev/null | head -1)
[ -n "$journal" ] && grep -q '^threshold km value=' "$journal" && ! grep -q '^tune' "$journal"
ok $? "the journal holds the threshold line and no tune"
sed -n 1p "$journal" | grep -q '^# oddity .* session started ' && sed -n 2p "$journal" | grep -qx 'set seed=[0-9][0-9]* threads=[1-9][0-9]*'
ok $? "the journal starts with the session header (version; start seed and threads)"
rf1=$("$bin" --no-journal --no-times -f "$journal" -e 'metrics km' 2>&1 | sed -n 's/^  F1  *\([0-9.]*\)$/\1/p' | tail -1)
[ -n "$rf1" ] && [ "$rf1" = "$mf1" ]; ok $? "the journal replays unattended to the same F1 ($rf1)"
