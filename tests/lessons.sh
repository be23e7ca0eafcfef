#!/bin/sh
# Practice scripts and lessons.  The demo must run to the end; every lesson
# must run to the end with its exercises solved by their #solution lines and
# every expect met (oddity --lesson FILE --solve), hold at least two
# exercises, and replay with `oddity -f --echo` too (the #solution lines run
# there, every comment is echoed).  So the scripts teachers use cannot rot.
top=${top_srcdir:-.}
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp/state"
n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; grep -E 'error' "$tmp/out" | head -5 | sed 's/^/#   /'; fi; }
NO_COLOR=1 "$bin" --no-journal --no-times -f scripts/demo.odd > "$tmp/out" 2>&1
ok $? "scripts/demo.odd runs to the end"
for f in scripts/lessons/[0-9]*.odd; do
  NO_COLOR=1 "$bin" --no-journal --no-times --lesson "$f" --solve > "$tmp/out" 2>&1
  ok $? "$f: every step runs and every exercise is solved by its solution"
  grep -q '^lesson .*: every step ran and all [0-9]* exercises are solved' "$tmp/out"
  ok $? "$f: ... and says so"
  # exercises: blocks of #? lines
  ex=$(awk '/^#\?/ { if (!inq) k++; inq = 1; next } { inq = 0 } END { print k + 0 }' "$f")
  [ "$ex" -ge 2 ]; ok $? "$f: has at least two exercises ($ex)"
  ! grep -q 'expect: not met' "$tmp/out"; ok $? "$f: no expect failed"
done
[ ! -d "$XDG_STATE_HOME/oddity/lessons" ] || [ -z "$(ls -A "$XDG_STATE_HOME/oddity/lessons")" ]
ok $? "--solve writes no progress"
! ls scripts/lessons | grep -q -- '-out'; ok $? "no lesson wrote an output directory beside itself"
# -f --echo: a lesson replays as a script; its #solution lines run
f=scripts/lessons/01-loading.odd
NO_COLOR=1 "$bin" --no-journal --no-times --echo -f "$f" > "$tmp/out" 2>&1
ok $? "oddity -f --echo $f replays to the end (its #solution lines run)"
grep -q '^oddity> clean missing=median   # the exercise.s solution' "$tmp/out" && grep -q '^expect: ok: sensors has missing 0' "$tmp/out"
ok $? "... the solution runs before its expect, which passes"
grep -q '^# Lesson 1: loading and looking' "$tmp/out" && grep -q '^oddity> describe$' "$tmp/out"
ok $? "... and --echo prints the comments and the commands"
NO_COLOR=1 "$bin" --no-journal --no-times -f "$f" > "$tmp/out" 2>&1
! grep -q '^# Lesson 1' "$tmp/out" && ! grep -q '^oddity> ' "$tmp/out"; ok $? "without --echo, -f prints neither"
echo "1..$n"
