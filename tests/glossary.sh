#!/bin/sh
# The glossary cannot fall behind the tables: every metric key of the metric
# table, every rule of the threshold-rule table, every registered detector
# and every detector family has an entry (`help glossary TERM`), read from
# the binary's own help so a new row without a glossary entry fails here.
# `help glossary` lists the terms, `help TERM` reaches one, the man page has
# them all.
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
"$bin" --no-journal -e 'help metrics' > "$tmp/metrics" || exit 1
"$bin" --no-journal -e 'help threshold' > "$tmp/thr" || exit 1
"$bin" --no-journal -e 'help detect' > "$tmp/det" || exit 1
"$bin" --no-journal -e 'help glossary' > "$tmp/list" || exit 1
"$bin" --man > "$tmp/man" || exit 1
keys=$(sed -n '/^metrics (key/,$p' "$tmp/metrics" | sed -n 's/^  \([a-z_0-9]*\) .*/\1/p')
rules=$(sed -n '/^rules (method=)/,$p' "$tmp/thr" | sed -n 's/^  \([a-z0-9-]*\) .*/\1/p')
dets=$(sed -n '/^detectors:/,$p' "$tmp/det" | sed -n 's/^  \([a-z0-9]*\) .*/\1/p')
fams=$(sed -n '/^detectors:/,$p' "$tmp/det" | awk 'NF >= 2 && /^  / { print $2 }' | sort -u)
[ "$(echo $keys | wc -w)" -ge 20 ] && [ "$(echo $rules | wc -w)" -ge 9 ] && [ "$(echo $dets | wc -w)" -ge 17 ] && [ "$(echo $fams | wc -w)" -ge 5 ]
ok $? "the tables were read from help (metrics $(echo $keys | wc -w), rules $(echo $rules | wc -w), detectors $(echo $dets | wc -w), families $(echo $fams | wc -w))"
check() {   # check KIND TERM
  out=$("$bin" --no-journal -e "help glossary $2" 2>&1)
  lines=$(printf '%s\n' "$out" | wc -l)
  if [ $? -ne 0 ] || ! printf '%s\n' "$out" | head -1 | grep -q ' — ' || [ "$lines" -lt 3 ]; then
    echo "# $1 '$2' has no glossary entry of 2 lines or more"; return 1
  fi
  printf '%s\n' "$out" | grep -q 'shows it\|help \|detect \|metrics \|threshold \|compare' || { echo "# $1 '$2': no command that shows it"; return 1; }
}
for kind in metric rule detector family; do
  case $kind in metric) list=$keys ;; rule) list=$rules ;; detector) list=$dets ;; family) list=$fams ;; esac
  bad=0
  for t in $list; do check $kind "$t" || bad=1; done
  ok $bad "every $kind has a glossary entry with a command that shows it"
done
for w in contamination oracle train-on-normal pseudo-labels stratified-split leakage window stride; do
  check "method word" "$w" || fail=1
done
ok $fail "the method words (contamination, oracle, train-on-normal, pseudo-labels, stratified split, leakage, window, stride)"
terms=$(sed -n 's/^  \([a-z0-9_-]*\) .*/\1/p' "$tmp/list")
bad=0
for t in $terms; do grep -q "^\\\\fB$(printf '%s' "$t" | sed 's/-/\\\\-/g')\\\\fR" "$tmp/man" || { echo "# man page lacks $t"; bad=1; }; done
[ "$(echo $terms | wc -w)" -ge 60 ]; ok $? "help glossary lists the terms ($(echo $terms | wc -w))"
ok $bad "the man page's GLOSSARY has every term"
"$bin" --no-journal -e 'help ap' | head -1 | grep -q '^ap — average precision'; ok $? "help TERM shows a term that is not a command"
"$bin" --no-journal -e 'help PA-F1' | head -1 | grep -q '^pa_f1 — '; ok $? "aliases and case: help PA-F1 is pa_f1"
"$bin" --no-journal -e 'help early stopping' | head -1 | grep -q '^early-stopping — '; ok $? "help TWO WORDS finds a two-word term"
"$bin" --no-journal -e 'help glossary pca' | head -1 | grep -q '^pca — '; ok $? "help glossary TERM reaches a term that is also a command"
"$bin" --no-journal -e 'help kmeans' | grep -q 'SSE (inertia)'; ok $? "help ALGO includes the detector's glossary entry"
"$bin" --no-journal -e 'help glossary nosuchterm' 2>&1 | grep -q "help glossary: no term 'nosuchterm'"; ok $? "an unknown term is an error naming it"
! "$bin" --no-journal -e 'help nosuchterm' 2>/dev/null; ok $? "... with exit status 1"
echo "1..$n"
