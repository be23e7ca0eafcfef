#!/bin/sh
# Session tests: each tests/sessions/NAME.odd runs through `oddity -f` (from the
# top source directory, so sample-data/ paths work) and its output (stdout and
# stderr, in order) must equal NAME.out byte for byte.  Error cases pin the
# exact error text.  OD_UPDATE_GOLDEN=1 rewrites the .out files.
top=${top_srcdir:-.}
bin=${top_builddir:-.}/oddity
# OpenBLAS picks its float32 kernels by CPU, and the networks' last bits follow
# them: the goldens are pinned to the AVX2 (Haswell) kernels where the CPU has them.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  OPENBLAS_CORETYPE=Haswell; export OPENBLAS_CORETYPE
fi
n=0; fail=0
cd "$top" || exit 1
for odd in tests/sessions/*.odd; do
  [ -f "$odd" ] || continue
  name=${odd%.odd}
  n=$((n+1))
  out=$("$bin" --no-journal --no-times --keep-going -f "$odd" 2>&1; echo "exit $?")
  if [ -n "$OD_UPDATE_GOLDEN" ]; then printf '%s\n' "$out" > "$name.out"; fi
  if [ -f "$name.out" ] && [ "$out" = "$(cat "$name.out")" ]; then
    echo "ok $n - session $name"
  else
    echo "not ok $n - session $name"
    printf '%s\n' "$out" > "${TMPDIR:-/tmp}/oddity-session-$$.out"
    diff "$name.out" "${TMPDIR:-/tmp}/oddity-session-$$.out" | head -40 | sed 's/^/#   /'
    rm -f "${TMPDIR:-/tmp}/oddity-session-$$.out"
  fi
done
# Replay: every golden session, saved with `save session`, replays to the
# same output (standard output; the sessions that pin errors run with
# --keep-going, and a line that failed is not journaled, so its message
# on standard error is not replayed).  replay*.odd compare both streams.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for odd in tests/sessions/*.odd; do
  [ -f "$odd" ] || continue
  n=$((n+1))
  rm -f "$tmp/saved.odd"
  case $odd in
  */replay*)
    first=$("$bin" --no-journal --no-times -f "$odd" -e "save session $tmp/saved.odd" 2>&1 | grep -v '^saved ')
    second=$("$bin" --no-journal --no-times -f "$tmp/saved.odd" 2>&1) ;;
  *)
    first=$("$bin" --no-journal --no-times -k -f "$odd" -e "save session $tmp/saved.odd" 2>/dev/null | grep -v '^saved ')
    second=$("$bin" --no-journal --no-times -f "$tmp/saved.odd" 2>/dev/null) ;;
  esac
  if [ -n "$first" ] && [ "$first" = "$second" ]; then echo "ok $n - replay of $odd is byte-identical"
  else echo "not ok $n - replay of $odd is byte-identical"; fi
done
# A saved session carries the seed and thread count the session started with,
# so it replays to the same numbers whatever flags start the replay.
check() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
rand='load sample-data/blobs.csv; split train=0.6 test=0.4; detect kmeans k=3 init=k-means++ as km; metrics km'
seeded=$("$bin" --seed=7 --no-times --no-journal -e "$rand" -e "save session $tmp/s7.odd" 2>&1 | grep -v '^saved ')
replayed=$("$bin" --no-times --no-journal -f "$tmp/s7.odd" 2>&1)
other=$("$bin" --seed=42 --no-times --no-journal -e "$rand" 2>&1)
[ -n "$seeded" ] && [ "$seeded" = "$replayed" ]
check $? "save session under --seed=7 replays byte-identically without --seed"
[ "$seeded" != "$other" ]
check $? "... and seed 42 gives other numbers (the case can fail)"
sed -n 2p "$tmp/s7.odd" | grep -qx 'set seed=7 threads=[1-9][0-9]*'
check $? "save session's header sets the start seed and the effective thread count"
# The journal of an interactive session and `save session` share one header:
# the journal is the saved session plus the `save session` line itself.
mkdir "$tmp/state"
XDG_STATE_HOME="$tmp/state" OD_SEED=9 "$bin" -i --no-times --threads=1 >"$tmp/i.out" 2>&1 <<EOF
load sample-data/blobs.csv
# a comment is not journaled
set terminal=dumb
save session $tmp/i.odd
EOF
journal=$(ls "$tmp"/state/oddity/sessions/*.odd 2>/dev/null | head -1)
[ -n "$journal" ] && [ "$(sed '$d' "$journal")" = "$(cat "$tmp/i.odd")" ] &&
  [ "$(tail -n 1 "$journal")" = "save session $tmp/i.odd" ] &&
  sed -n 2p "$journal" | grep -qx 'set seed=9 threads=1'
check $? "the interactive journal starts with save session's header (set seed=9 threads=1)"
# A line whose second command fails is journaled as the command that ran.
"$bin" --no-times --no-journal -k -e 'set seed=3; nosuchcommand' -e "save session $tmp/p.odd" >/dev/null 2>&1
[ "$(sed -n '3,$p' "$tmp/p.odd")" = "set seed=3" ]
check $? "a line that fails part-way journals the commands that ran"
echo "1..$n"
