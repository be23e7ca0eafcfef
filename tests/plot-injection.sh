#!/bin/sh
# Names from a data file reach gnuplot only as quoted strings: a CSV whose
# column names try to run commands (system(), backquotes, a pipe as output
# file) is loaded and plotted in every kind, and nothing may run.
top=${top_srcdir:-.}
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
n=0
if ! command -v gnuplot >/dev/null 2>&1; then echo "1..0 # SKIP gnuplot not installed"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
printf '%s\n' \
 "\"x\"\"; system(\"\"touch pwned1\"\"); \"\"\",\`touch pwned2\`,@GPVAL_TERM{}^_,label" \
 > evil.csv
i=0
while [ $i -lt 200 ]; do
  echo "$((i % 7)).5,$((i % 5)).25,$((i % 3)),$((i % 50 == 0))" >> evil.csv
  i=$((i+1))
done
out=$("$bin" --no-journal --no-times -k -e "load evil.csv as evil" -e "detect gauss as g" \
  -e "threshold g method=percentile q=95" -e "plot series g to=s.png" -e "plot scatter g to=sc.svg" \
  -e "plot roc g to=r.png" -e "plot pr g to=p.pdf" -e "plot pdf g to=d.png" -e "plot metrics g to=m.png" \
  -e "plot scatter x=\"\`touch pwned2\`\" y=@GPVAL_TERM{}^_ to=x.png" \
  -e "plot series g title=\"'; system('touch pwned4'); '\"" \
  -e "plot roc g to=\"|touch pwned5.png\"" 2>&1)
n=$((n+1))
if ls pwned* >/dev/null 2>&1; then echo "not ok $n - no command ran"; ls pwned* | sed 's/^/#   created /'
else echo "ok $n - no command ran"; fi
for f in s.png r.png d.png m.png; do
  n=$((n+1))
  if [ -s "$f" ] && [ "$(head -c 4 "$f" | tail -c 3)" = "PNG" ]; then echo "ok $n - $f is a PNG"; else echo "not ok $n - $f is a PNG"; fi
done
n=$((n+1))
if grep -q '<svg' sc.svg 2>/dev/null; then echo "ok $n - sc.svg is an SVG"; else echo "not ok $n - sc.svg is an SVG"; fi
n=$((n+1))
if [ "$(head -c 4 p.pdf 2>/dev/null)" = "%PDF" ]; then echo "ok $n - p.pdf is a PDF"; else echo "not ok $n - p.pdf is a PDF"; fi
n=$((n+1))
if [ -s x.png ] && [ -s "|touch pwned5.png" ]; then echo "ok $n - hostile column names plot, a hostile file name is just a file name"
else echo "not ok $n - hostile column names plot, a hostile file name is just a file name"; ls | sed 's/^/#   /'; fi
n=$((n+1))
if [ "$(printf '%s\n' "$out" | grep -c error)" = 0 ]; then echo "ok $n - every plot succeeded"
else echo "not ok $n - every plot succeeded"; printf '%s\n' "$out" | grep error | sed 's/^/#   /'; fi
echo "1..$n"
