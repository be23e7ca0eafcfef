#!/bin/sh
# Session tests: each tests/sessions/NAME.odd runs through `oddity -f` (from the
# top source directory, so sample-data/ paths work) and its output (stdout and
# stderr, in order) must equal NAME.out byte for byte.  Error cases pin the
# exact error text.  OD_UPDATE_GOLDEN=1 rewrites the .out files.
top=${top_srcdir:-.}
bin=${top_builddir:-.}/oddity
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
# Replay: a session saved with `save session` replays to the same output.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for odd in tests/sessions/replay*.odd; do
  [ -f "$odd" ] || continue
  n=$((n+1))
  first=$("$bin" --no-journal --no-times -f "$odd" -e "save session $tmp/saved.odd" 2>&1 | grep -v '^saved ')
  second=$("$bin" --no-journal --no-times -f "$tmp/saved.odd" 2>&1)
  if [ -n "$first" ] && [ "$first" = "$second" ]; then echo "ok $n - replay of $odd is byte-identical"
  else echo "not ok $n - replay of $odd is byte-identical"; fi
done
echo "1..$n"
