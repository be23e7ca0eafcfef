#!/bin/sh
# The lesson runner driven through tmux as a student would: Enter runs each
# step, an exercise answered wrong gets "Not yet" and the hint, answered right
# gets "Right" and the progress file; b undoes a step that made a dataset
# version, r reruns, ? shows the solution, completion offers glossary terms,
# q leaves with the progress saved; the journal holds the lesson's and the
# student's lines.
sock_name=oddity-lesson
. "$(dirname "$0")/lib.sh"
state=$tmp/state
prog=$state/oddity/lessons/01-loading.progress
echo "1..13"
cd "$top" || exit 1
start "cd '$top' && XDG_STATE_HOME='$state' '$bin' --no-times --lesson scripts/lessons/01-loading.odd"
wait_for 'lesson \[Enter runs it\]> *$'; ok $? "the lesson opens at its first step"
grep -q 'Lesson 1: loading and looking' "$tmp/screen"; ok $? "its first comment block is shown as prose"
# Enter through the steps until the first exercise
i=0
while [ $i -lt 12 ]; do
  screen
  grep -q 'Exercise 1 of 2' "$tmp/screen" && break
  keys Enter; sleep 0.5; i=$((i+1))
done
wait_for 'answer> *$' && grep -q 'Exercise 1 of 2' "$tmp/screen"; ok $? "Enter runs the steps up to the first exercise"
keys 'detect kmeans k=2' Enter
wait_for 'Hint: The command is `clean`'; ok $? "a wrong answer: the error, then 'Not yet' and the first hint"
grep -q 'Not yet: sensors has missing' "$tmp/screen"; ok $? "... saying what the check found"
[ ! -e "$prog" ] || ! grep -q 'exercise 1 solved' "$prog"; ok $? "no progress is recorded for a wrong answer"
keys 'clean missing=median' Enter
wait_for 'Right: '; ok $? "the right answer: 'Right'"
grep -q '^exercise 1 solved' "$prog" && grep -q '^finished no' "$prog"; ok $? "progress saved: exercise 1 solved"
# lineage, undo, clean missing=interpolate run; then b undoes the clean step
keys Enter; sleep 0.5; keys Enter; sleep 0.5; keys Enter
wait_for 'oddity> describe'
keys b Enter
wait_for 'undid: clean missing=interpolate'; ok $? "b takes back the step that made a dataset version (undo)"
keys Enter
wait_for 'interpolate, linear'
keys r Enter
wait_for 'oddity> clean missing=interpolate$' ; ok $? "r runs the last step again"
keys 'help glossa' Tab
wait_for 'help glossary'; ok $? "completion offers the glossary at a pause"
keys C-u 'q' Enter
wait_for EXITED
grep -q 'Left the lesson at step' "$tmp/screen"; ok $? "q leaves the lesson and says where"
j=$(ls "$state"/oddity/sessions/*.odd 2>/dev/null | head -1)
[ -n "$j" ] && grep -qx 'load sample-data/blobs.csv' "$j" && grep -qx 'clean missing=median' "$j"
ok $? "the journal holds the lesson's lines and the student's answer"
