#!/bin/sh
# `expect` (every check, met and not met, every option), `lesson` and the
# --lesson/--solve/--echo flags through the command line; the lesson file's
# syntax errors; a lesson's safe mode; the runner reading its pauses from a
# pipe (s, b, ?, solution, q) and the progress file it writes.
top=$(cd "${top_srcdir:-.}" && pwd)
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp/state"
n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/#   /' "$tmp/out" | tail -5; fi; }
od() { "$bin" --no-journal --no-times "$@" > "$tmp/out" 2>&1; }
setup='load sample-data/blobs.csv; split train=0.6 test=0.4 stratify=yes seed=1; scale zscore; pseudolabel mean k=3; detect kmeans k=4 as km; threshold km method=percentile q=98'
met() {   # met CHECK TEXT: the check holds, printed as ok
  od -e "$setup; expect $1"; r=$?
  [ $r = 0 ] && grep -q '^expect: ok: ' "$tmp/out"; ok $? "expect $1 holds"
}
unmet() {   # unmet CHECK: an error 'not met', exit 1
  od -e "$setup; expect $1"; r=$?
  [ $r = 1 ] && grep -q 'error: expect: not met: ' "$tmp/out"; ok $? "expect $1 is not met (exit 1)"
}
bad() {   # bad CHECK MESSAGE: a wrong expect line, the message names what
  od -e "$setup; expect $1"; r=$?
  [ $r = 1 ] && grep -q -- "$2" "$tmp/out"; ok $? "expect $1: error '$2'"
}
met 'run km'; met 'run km exists'; met 'run km algo=kmeans'; unmet 'run nosuch'; unmet 'run km algo=gmm'
met 'dataset blobs exists'; unmet 'dataset nosuch'
met 'metric ap km 0.5..'; met 'metric roc_auc km 0.9..1'; unmet 'metric roc_auc km ..0.5'
met 'metric ap km 0.5.. on=train'; met 'metric ap km 0..1 on=all'; met 'metric ap km 0..1 labels=pseudo'; met 'metric ap km 0..1 labels=truth'
unmet 'metric ap nosuch 0..1'; unmet 'metric pa_f1 km 0..1'
met 'threshold km'; met 'threshold km set'; met 'threshold km method=percentile'; unmet 'threshold km method=mad'
met 'threshold km flags 10..40 rows'; met 'threshold km flags 20..80 rows on=train'; unmet 'threshold km flags 0..5 rows'
met 'step "scale z"'; unmet 'step "scale robust"'
met 'rows 3000'; unmet 'rows ..100'; met 'features 6'; met 'missing 0'; met 'window 0'; unmet 'window 24'
met 'split'; met 'split stratified'; unmet 'split time'
bad 'metric ap km' 'expect metric KEY RUN RANGE'; bad 'metric nosuch km 0..1' "no metric named 'nosuch'"
bad 'metric ap km 1..x' 'RANGE'; bad 'frobnicate' "unknown check 'frobnicate'"; bad 'run km when=now' "unknown option 'when'"
bad 'metric ap km 0..1 on=nowhere' 'nowhere'
od -e "expect run km"; [ $? = 1 ] && grep -q 'no run named km' "$tmp/out"; ok $? "expect before any run: not met, says why"
# lesson command and flags
od -e 'lesson scripts/lessons/01-loading.odd'; [ $? = 1 ] && grep -q 'lesson: steps through a lesson at the prompt' "$tmp/out"
ok $? "lesson FILE in a script without solve=yes is refused"
od -e 'lesson scripts/lessons/01-loading.odd solve=yes'; [ $? = 0 ] && grep -q 'all 2 exercises are solved' "$tmp/out"; ok $? "lesson FILE solve=yes runs it solved"
od -e 'lesson scripts/lessons/01-loading.odd solve=yes; history'
grep -q '^ *[0-9]*  clean missing=median' "$tmp/out" && ! grep -q '^ *[0-9]*  lesson ' "$tmp/out"; ok $? "the lesson's lines are in history, the lesson line is not (a replay runs it once)"
od -e 'lesson scripts/lessons/01-loading.odd solve=no'; [ $? = 1 ]; ok $? "lesson FILE solve=no in a script is refused"
od --solve; [ $? = 2 ] && grep -q -- '--solve runs a lesson' "$tmp/out"; ok $? "--solve without --lesson: exit 2"
od --lesson scripts/lessons/01-loading.odd -e describe; [ $? = 2 ]; ok $? "--lesson with -e: exit 2"
od --lesson "$tmp/nosuch.odd" --solve; [ $? = 1 ] && grep -q 'lesson: cannot open' "$tmp/out"; ok $? "--lesson of a missing file: an error"
# lesson syntax
printf '#hint too early\nset seed=1\n' > "$tmp/l1.odd"
od --lesson "$tmp/l1.odd" --solve; [ $? = 1 ] && grep -q 'l1.odd:1: error: lesson: #hint outside an exercise' "$tmp/out"; ok $? "a #hint outside an exercise names file:line"
printf '#? a question\n#solution set seed=2\nset seed=3\n' > "$tmp/l2.odd"
od --lesson "$tmp/l2.odd" --solve; [ $? = 1 ] && grep -q 'l2.odd:3: error: lesson: an exercise needs an expect line' "$tmp/out"; ok $? "an exercise without expect names file:line"
printf '#? q\n#solution\nexpect rows 1\n' > "$tmp/l3.odd"
od --lesson "$tmp/l3.odd" --solve; [ $? = 1 ] && grep -q '#solution needs a command' "$tmp/out"; ok $? "an empty #solution is an error"
# safe mode: writes go to the output directory, reads stay in the lesson's directory or the current one
mkdir -p "$tmp/les"
printf '# prose\nload sample-data/blobs.csv\n#? save it\n#solution save session s.odd\nexpect rows 3000\nsave session t.odd\n' > "$tmp/les/w.odd"
od --lesson "$tmp/les/w.odd" --solve; [ $? = 0 ] && [ -f "$tmp/les/w-out/s.odd" ] && [ -f "$tmp/les/w-out/t.odd" ] && [ ! -e s.odd ]
ok $? "a lesson's files go to FILE-out beside it"
od --lesson "$tmp/les/w.odd" --solve --out-dir="$tmp/outdir"; [ $? = 0 ] && [ -f "$tmp/outdir/t.odd" ]; ok $? "--out-dir=DIR with --lesson"
printf 'load /etc/passwd\n' > "$tmp/les/r.odd"
od --lesson "$tmp/les/r.odd" --solve; [ $? = 1 ] && grep -q 'a lesson reads only inside its own directory' "$tmp/out"; ok $? "a lesson cannot read outside its directory and the current one"
printf 'save session /tmp/oddity-lesson-escape-%s.odd\n' $$ > "$tmp/les/e.odd"
od --lesson "$tmp/les/e.odd" --solve; [ $? = 1 ] && [ ! -e /tmp/oddity-lesson-escape-$$.odd ] && grep -q 'refusing to write outside' "$tmp/out"; ok $? "a lesson cannot write outside its output directory"
# the runner from a pipe: Enter, s, ?, solution, b, q; progress
cat > "$tmp/les/p.odd" <<'L'
# A tiny lesson.
load sample-data/blobs.csv
scale zscore
#? Make a run named km.
#hint detect kmeans k=4 as km
#solution detect kmeans k=4 as km
expect run km
#? Make a run named g.
#solution detect gauss as g
expect run g
describe
L
printf '\n\ndescribe\n\nb\n\n?\nsolution\ns\nq\n' | "$bin" --no-journal --no-times --lesson "$tmp/les/p.odd" > "$tmp/out" 2>&1
ok $? "the runner reads its pauses from a pipe"
grep -q 'Not yet: there is no run named km' "$tmp/out" && grep -q 'Hint: detect kmeans k=4 as km' "$tmp/out"; ok $? "Enter on an unsolved exercise: Not yet, and the hint"
grep -q 'undid: scale zscore' "$tmp/out"; ok $? "b undoes the scale step"
grep -q '^    detect kmeans k=4 as km' "$tmp/out" && grep -q 'Solved by the solution' "$tmp/out"; ok $? "? shows the solution, solution runs it"
grep -q 'skipped (the exercise stays open' "$tmp/out" && grep -q 'Left the lesson at step 5 of 5' "$tmp/out"; ok $? "s skips an exercise, q leaves"
p=$XDG_STATE_HOME/oddity/lessons/p.progress
grep -q '^exercise 1 shown' "$p" && grep -q '^exercise 2 open' "$p" && grep -q '^finished no' "$p" && [ -z "$(ls -A "$XDG_STATE_HOME/oddity/lessons" | grep '^\.')" ]
ok $? "progress: solved by the shown solution, open, not finished; no temporary file left"
printf '\n\n\ndetect kmeans k=4 as km\ndetect gauss as g\n\n' | "$bin" --no-journal --no-times --lesson "$tmp/les/p.odd" > "$tmp/out" 2>&1
grep -q 'Right: run km exists' "$tmp/out" && grep -q 'Right: run g exists' "$tmp/out" && grep -q 'End of the lesson: 2 of 2' "$tmp/out"
ok $? "answers typed at the pauses solve the exercises; the end says so"
grep -q '^exercise 1 solved' "$p" && grep -q '^exercise 2 solved' "$p" && grep -q '^finished yes' "$p"; ok $? "progress: both solved, finished"
printf 'q\n' | "$bin" --no-journal --no-times --lesson "$tmp/les/p.odd" > "$tmp/out" 2>&1
grep -q 'Your progress: 2 of 2 exercises solved; you finished it before' "$tmp/out"; ok $? "the progress is shown when the lesson opens again"
echo "1..$n"
