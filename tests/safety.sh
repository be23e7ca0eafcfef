#!/bin/sh
# The trust model (help scripts): output commands never replace a file
# unless force=yes or this session wrote it; files are written whole or not
# at all; a --safe script writes only in its output directory, replaces
# nothing, reads only beside itself; `source` resolves relative paths against
# the sourced script's directory; a failed journal write is reported once and
# the session goes on; text from data never reaches the terminal raw.
# Cases for commands whose files are wired separately (load, export, save
# model, plot to=, head) run once their handler calls the policy (cmd_in_path,
# cmd_out_path, cmd_escape), and are skipped before that, saying so.
top=$(cd "${top_srcdir:-.}" && pwd)
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
tmp=$(mktemp -d)
small=
trap 'if [ -n "$small" ]; then umount "$small" 2>/dev/null; fi; rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then printf 'ok %s - %s\n' $n "$2"; else printf 'not ok %s - %s\n' $n "$2"; [ -f "$tmp/err" ] && sed 's/^/#   /' "$tmp/err" | head -8; fi; }
skip() { n=$((n+1)); echo "ok $n # SKIP $1"; }
odd() { "$bin" --no-journal --no-times "$@" >"$tmp/out" 2>"$tmp/err"; }
wired() { grep -q "$1" "$top/app/cmd/$2"; }   # does handler file $2 call policy function $1?
esc=$(printf '\033')
cd "$tmp" || exit 1

# ---- the overwrite rule -------------------------------------------------
echo "precious" > keep.odd
odd -e "save session keep.odd"; rc=$?
[ $rc != 0 ] && [ "$(cat keep.odd)" = precious ] &&
  grep -qx 'error: save session: refusing to replace existing file keep.odd (give force=yes)' "$tmp/err"
ok $? "save session refuses to replace an existing file, naming the rule and force=yes"
grep -qx '               \^' "$tmp/err"
ok $? "... with the caret under the file name"
chmod 640 keep.odd
odd -e "set seed=3" -e "save session keep.odd force=yes"
[ $? = 0 ] && grep -qx 'set seed=3' keep.odd && [ "$(stat -c %a keep.odd)" = 640 ]
ok $? "force=yes replaces it (keeping the file's mode)"
odd -e "set seed=4" -e "save session fresh.odd" -e "set seed=5" -e "save session fresh.odd"
[ $? = 0 ] && grep -qx 'set seed=5' fresh.odd
ok $? "a file this session wrote may be replaced without force=yes"
if [ "$(id -u)" != 0 ]; then
  echo "read only" > ro.odd; chmod 444 ro.odd
  odd -e "save session ro.odd force=yes"; [ $? != 0 ] && [ "$(cat ro.odd)" = "read only" ] && grep -q 'the file is read-only' "$tmp/err"
  ok $? "force=yes does not replace a read-only file"
else skip "root may write any file: the read-only case needs another user"; fi
odd -e "save session ."; [ $? != 0 ] && grep -q 'names a directory' "$tmp/err"
ok $? "a directory is never a file to write"
[ -z "$(ls -A | grep '^\.')" ]
ok $? "no temporary file is left behind"

# ---- files are written whole or not at all -----------------------------
# RLIMIT_FSIZE with SIGXFSZ ignored makes write() fail with EFBIG: a write
# error for any user, no root needed.
i=0; while [ $i -lt 300 ]; do echo "set seed=$i"; i=$((i+1)); done > many.odd
echo "old session" > big.odd
( trap '' XFSZ; ulimit -f 2; "$bin" --no-journal --no-times -f many.odd -e "save session big.odd force=yes" >"$tmp/out" 2>"$tmp/err" ); rc=$?
[ $rc != 0 ] && [ "$(cat big.odd)" = "old session" ] &&
  grep -q 'error: save session: cannot write .*big.odd: File too large (the old file is left as it was)' "$tmp/err"
ok $? "a write error (file size limit) leaves the old file intact and names the file and the reason"
[ -z "$(ls -A | grep '^\.big')" ]
ok $? "... and removes the temporary file"
if [ "$(id -u)" = 0 ] && mkdir small && mount -t tmpfs -o size=16k tmpfs small 2>/dev/null; then
  small=$tmp/small
  echo "old session" > small/s.odd
  head -c 1048576 /dev/zero > small/filler 2>/dev/null   # fill it up
  odd -f many.odd -e "save session small/s.odd force=yes"; rc=$?
  [ $rc != 0 ] && [ "$(cat small/s.odd)" = "old session" ] && grep -q 'No space left on device' "$tmp/err" &&
    [ -z "$(ls -A small | grep '^\.')" ]
  ok $? "a full disk (16 KiB tmpfs) leaves the old file intact, names the reason, leaves no temporary file"
else
  skip "a full filesystem needs root to mount a small tmpfs"
fi
# The journal: a failed write is reported once and the session goes on.
mkdir state
lines=$(i=0; while [ $i -lt 300 ]; do echo "set seed=$i"; i=$((i+1)); done)
( trap '' XFSZ; ulimit -f 2; printf '%s\nset\n' "$lines" |
  XDG_STATE_HOME="$tmp/state" "$bin" -i --no-times >"$tmp/out" 2>"$tmp/err" ); rc=$?
[ $rc = 0 ] && [ "$(grep -c '^journal: cannot write .*session-.*\.odd: File too large; the session goes on without a journal$' "$tmp/err")" = 1 ] &&
  grep -q '^seed=299 ' "$tmp/out"
ok $? "a failed journal write is reported once and the session goes on"

# ---- source resolves against the sourced script's directory -------------
mkdir -p lesson elsewhere
printf 'source inner.odd\n' > lesson/run.odd
printf 'set seed=11\nsave session saved.odd\n' > lesson/inner.odd
(cd elsewhere && odd -e "source ../lesson/run.odd")
[ $? = 0 ] && [ -f lesson/saved.odd ] && [ ! -f elsewhere/saved.odd ]
ok $? "paths in a sourced script resolve against its directory, from anywhere"
cp "$top/sample-data/blobs.csv" lesson/data.csv
printf 'load data.csv\n' > lesson/load.odd
if wired cmd_in_path cmd_data.c; then
  (cd elsewhere && odd -e "source ../lesson/load.odd"); rc=$?
  [ $rc = 0 ] && grep -q '^loaded data' "$tmp/out"
  ok $? "a sourced script loads the data.csv beside it when run from elsewhere"
else skip "load does not call cmd_in_path yet (app/cmd/cmd_data.c)"; fi

# ---- --safe ---------------------------------------------------------------
mkdir -p s/sub outside
echo "secret" > s/up.odd
echo "victim" > victim.odd
safe_run() { script=$1; shift; printf '%s\n' "$@" > "$script"; odd --safe -f "$script"; }
safe_run s/w1.odd "save session ../escape.odd"; rc=$?
[ $rc != 0 ] && [ ! -e s/escape.odd ] && grep -q -- '--safe: refusing to write outside the output directory .*/s/w1-out' "$tmp/err"
ok $? "--safe: ../ out of the output directory is refused, naming the rule"
safe_run s/w2.odd "save session $tmp/abs.odd"; rc=$?
[ $rc != 0 ] && [ ! -e abs.odd ] && grep -q -- '--safe: refusing to write outside the output directory' "$tmp/err"
ok $? "--safe: an absolute path outside the output directory is refused"
safe_run s/w3.odd "set seed=1" "save session ok.odd" "save session ok.odd"; rc=$?
[ $rc = 0 ] && [ -f s/w3-out/ok.odd ] && [ "$(stat -c %a s/w3-out)" = 700 ] && grep -qx 'output directory: s/w3-out (new)' "$tmp/out"
ok $? "--safe: relative paths go to a new 0700 directory beside the script (rewrites of its own file are fine)"
odd --safe -f s/w3.odd; [ $? = 0 ] && [ -f s/w3-out-2/ok.odd ] && grep -qx 'output directory: s/w3-out-2 (new)' "$tmp/out"
ok $? "--safe: a second run gets a new output directory (w3-out-2) instead of replacing the first run's files"
mkdir od; echo "theirs" > od/exists.odd
ln -s "$tmp/outside" od/link; ln -s "$tmp/victim.odd" od/victim.odd
printf 'save session exists.odd force=yes\n' > s/w4.odd
odd --safe --out-dir=od -f s/w4.odd; rc=$?
[ $rc != 0 ] && [ "$(cat od/exists.odd)" = theirs ] && grep -q -- '--safe: refusing to replace existing file exists.odd' "$tmp/err"
ok $? "--safe: an existing file in the output directory is not replaced, even with force=yes"
printf 'save session link/x.odd\n' > s/w5.odd
odd --safe --out-dir=od -f s/w5.odd; rc=$?
[ $rc != 0 ] && [ ! -e outside/x.odd ] && grep -q -- '--safe: refusing to write outside the output directory' "$tmp/err"
ok $? "--safe: a symbolic link to a directory outside is refused"
printf 'save session victim.odd\n' > s/w6.odd
odd --safe --out-dir=od -f s/w6.odd; rc=$?
[ $rc != 0 ] && [ "$(cat victim.odd)" = victim ] && grep -q -- '--safe: refusing to write through the symbolic link victim.odd' "$tmp/err"
ok $? "--safe: a symbolic link to a file outside is refused"
printf 'source ../up.odd\n' > s/sub/r1.odd
odd --safe -f s/sub/r1.odd; rc=$?
[ $rc != 0 ] && grep -q -- "--safe: refusing to read ../up.odd: it is outside the script's directory .*/s/sub" "$tmp/err"
ok $? "--safe: reading above the script's directory is refused, naming the rule"
printf 'source %s/s/up.odd\n' "$tmp" > s/sub/r2.odd
odd --safe -f s/sub/r2.odd; [ $? != 0 ] && grep -q -- '--safe: refusing to read' "$tmp/err"
ok $? "--safe: an absolute path outside the script's directory is refused"
ln -s "$tmp/s/up.odd" s/sub/up-link.odd
printf 'source up-link.odd\n' > s/sub/r3.odd
odd --safe -f s/sub/r3.odd; [ $? != 0 ] && grep -q -- '--safe: refusing to read up-link.odd' "$tmp/err"
ok $? "--safe: a symbolic link leading out of the script's directory is refused"
printf 'save session %s/sticky.odd\n' "$tmp" > s/inner.odd
printf 'source inner.odd\n' > s/outer.odd
odd --safe -f s/outer.odd; [ $? != 0 ] && [ ! -e sticky.odd ] && grep -q -- '--safe: refusing to write outside' "$tmp/err"
ok $? "--safe is sticky: a script sourced by a safe script is safe too"
printf 'source inner.odd safe=no\n' > s/outer2.odd
odd --safe -f s/outer2.odd; [ $? != 0 ] && grep -q -- '--safe: a safe script cannot run a script in unsafe mode' "$tmp/err"
ok $? "--safe: source safe=no is refused inside a safe script"
printf 'set safe=no\n' > s/outer3.odd
odd --safe -f s/outer3.odd; [ $? != 0 ] && grep -q "set: unknown option 'safe'" "$tmp/err"
ok $? "--safe: set cannot turn it off"
odd -e "source s/inner.odd safe=yes" -e "save session after.odd"; rc=$?
[ $rc != 0 ] && [ ! -e sticky.odd ] && grep -q -- '--safe: refusing to write outside' "$tmp/err"
ok $? "source FILE safe=yes runs FILE in safe mode"
odd -k -e "source s/inner.odd safe=yes" -e "save session after.odd"
[ -f after.odd ]
ok $? "... and the session that sourced it is not safe afterwards"
# found by fuzz/fuzz_session.c: a script sourcing itself twice ran 2^17 copies
printf 'set seed=1\nsource self.odd\nsource self.odd\nset seed=2\n' > s/self.odd
odd --safe -k -f s/self.odd; [ $? != 0 ] && [ "$(grep -c 'error: source: .*self.odd is already running' "$tmp/err")" = 2 ]
ok $? "a script that sources itself is refused at once (no exponential replay)"
printf 'source self2.odd\n' > s/self1.odd; printf 'source self1.odd\n' > s/self2.odd
odd -e "source s/self1.odd"; [ $? != 0 ] && grep -q 'error: source: .*self1.odd is already running' "$tmp/err"
ok $? "... also through another script"
"$bin" --out-dir=od -e "set" >/dev/null 2>"$tmp/err"; [ $? = 2 ] && grep -q -- '--out-dir is the output directory of --safe scripts' "$tmp/err"
ok $? "--out-dir without --safe is a usage error"
# the call sites of other handlers, once wired
if wired cmd_in_path cmd_data.c; then
  printf 'load ../../sample-data/blobs.csv\n' > s/sub/l1.odd; cp "$top/sample-data/blobs.csv" s/blobs.csv
  printf 'load ../blobs.csv\n' > s/sub/l1.odd
  odd --safe -f s/sub/l1.odd; [ $? != 0 ] && grep -q -- '--safe: refusing to read ../blobs.csv' "$tmp/err"
  ok $? "--safe: load above the script's directory is refused"
  # issue 14 (fuzzing): `load model FILE` read any file; now read like data
  odd -e "load s/blobs.csv" -e "detect gauss as g" -e "save model g to=s/g.oddm"
  printf 'load blobs.csv\nload model g.oddm as g2\n' > s/m0.odd
  cp s/blobs.csv s/sub/blobs.csv
  printf 'load blobs.csv\nload model ../g.oddm as g2\n' > s/sub/m1.odd
  odd --safe -f s/m0.odd && grep -q '^loaded model g2 (gauss)' "$tmp/out"
  ok $? "--safe: load model inside the script's directory works (relative to the script)"
  odd --safe -k -f s/sub/m1.odd; [ $? != 0 ] && grep -q -- 'load model: --safe: refusing to read ../g.oddm' "$tmp/err"
  ok $? "--safe: load model above the script's directory is refused"
else skip "load does not call cmd_in_path yet (app/cmd/cmd_data.c)"; fi
if wired cmd_out_path cmd_export.c; then
  printf 'load data.csv\nexport data to=../x.csv\n' > lesson/e1.odd
  odd --safe -f lesson/e1.odd; [ $? != 0 ] && [ ! -e x.csv ] && grep -q -- '--safe: refusing to write outside' "$tmp/err"
  ok $? "--safe: export data outside the output directory is refused"
  echo "mine" > mine.csv
  odd -e "load lesson/data.csv" -e "export data to=mine.csv"; [ $? != 0 ] && [ "$(cat mine.csv)" = mine ]
  ok $? "export data refuses to replace an existing file without force=yes"
else skip "export data does not call cmd_out_path yet (app/cmd/cmd_export.c)"; skip "export data overwrite rule not wired yet"; fi
if wired cmd_out_path cmd_detect.c; then
  echo "mine" > m.odm
  odd -e "load lesson/data.csv" -e "detect gauss as g" -e "save model g to=m.odm"; [ $? != 0 ] && [ "$(cat m.odm)" = mine ] &&
    grep -q 'refusing to replace existing file m.odm (give force=yes)' "$tmp/err"
  ok $? "save model refuses to replace an existing file without force=yes"
  echo "mine" > mine.csv
  odd -e "load lesson/data.csv" -e "detect gauss as g" -e "export scores g to=mine.csv"; [ $? != 0 ] && [ "$(cat mine.csv)" = mine ]
  ok $? "export scores refuses to replace an existing file without force=yes"
else skip "save model does not call cmd_out_path yet (app/cmd/cmd_detect.c)"; skip "export scores not wired yet"; fi
if wired cmd_out_path cmd_eval.c; then
  echo "mine" > mine.csv
  odd -e "load lesson/data.csv" -e "detect gauss as g" -e "export leaderboard to=mine.csv"; [ $? != 0 ] && [ "$(cat mine.csv)" = mine ]
  ok $? "export leaderboard refuses to replace an existing file without force=yes"
else skip "export leaderboard does not call cmd_out_path yet (app/cmd/cmd_eval.c)"; fi
if wired cmd_out_path cmd_plot.c && command -v gnuplot >/dev/null 2>&1; then
  printf 'load data.csv\ndetect gauss as g\nplot roc g to=../p.png\n' > lesson/p1.odd
  odd --safe -f lesson/p1.odd; [ $? != 0 ] && [ ! -e p.png ] && grep -q -- '--safe: refusing to write outside' "$tmp/err"
  ok $? "--safe: plot to= outside the output directory is refused"
else skip "plot to= does not call cmd_out_path yet (app/cmd/cmd_plot.c) or no gnuplot"; fi

# "starts no program but gnuplot": the plot module is the only code that
# starts a process (help scripts says so); a new one must be looked at.
# Looked at and allowed: `oddity score` (not reachable from a script) runs
# itself once more (the path readlink gives for /proc/self/exe) with
# OMP_WAIT_POLICY=passive (app/main.c).
spawners=$(cd "$top" && grep -rnE '(^|[^A-Za-z0-9_.>])(system|popen|fork|vfork|execl|execlp|execle|execv|execvp|execvpe|posix_spawnp?|wordexp)[[:space:]]*\(' \
  app engine --include=*.c --include=*.h | grep -v '^engine/plot/gnuplot.c:' |
  grep -v '^app/main\.c:[0-9]*: *execv(self, argv);$')
[ -z "$spawners" ] && grep -q 'posix_spawn(' "$top/engine/plot/gnuplot.c"
ok $? "only engine/plot/gnuplot.c starts a process${spawners:+ (also: $(printf '%s' "$spawners" | head -3 | tr '\n' ' '))}"

# ---- text from data is escaped -----------------------------------------
printf 'a\033]0;pwned\007,\033[2Jb,label\n1,2,0\n3,4,1\n5,6,0\n' > evil.csv
odd -e "load evil.csv as evil" -e "describe" -e "datasets"
[ $? = 0 ] && [ "$(cat "$tmp/out" "$tmp/err" | grep -c "$esc")" = 0 ] && grep -q 'a\\e\]0;pwned\\x07' "$tmp/out" &&
  grep -q '\\e\[2Jb' "$tmp/out"
ok $? "describe prints ESC sequences in column names as \\e and \\xNN, never raw"
if wired cmd_escape cmd_data.c; then
  odd -e "load evil.csv as evil" -e "head 2"; [ $? = 0 ] && [ "$(cat "$tmp/out" "$tmp/err" | grep -c "$esc")" = 0 ]
  ok $? "head prints no raw ESC"
else skip "head does not call cmd_escape yet (app/cmd/cmd_data.c)"; fi
printf 'set seed=1\nset seed=2 \033[2J\033[31mred\007\n' > evil.odd
odd -f evil.odd; [ $? != 0 ] && [ "$(grep -c "$esc" "$tmp/err")" = 0 ] && grep -qF "unexpected word '\e[2J\e[31mred\x07'" "$tmp/err" &&
  grep -qxF '  set seed=2 \e[2J\e[31mred\x07' "$tmp/err" && grep -qx '             \^' "$tmp/err"
ok $? "an error quoting a script line with control characters escapes them (the caret still points at the word)"
printf 'set seed=1 x\302\233y\n' > c1.odd
odd -f c1.odd; [ $? != 0 ] && ! grep -q "$(printf '\302\233')" "$tmp/err" && grep -q 'x\\u009by' "$tmp/err"
ok $? "C1 controls (U+009B CSI) are escaped as \\u009b"

echo "1..$n"
