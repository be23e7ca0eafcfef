#!/bin/sh
# Practice scripts (no asserted output): the demo and every lesson must run to
# the end without an error, so the scripts teachers use cannot rot.
top=${top_srcdir:-.}
bin=${top_builddir:-.}/oddity
cd "$top" || exit 1
n=0
for f in scripts/demo.odd scripts/lessons/*.odd; do
  n=$((n+1))
  if out=$(NO_COLOR=1 "$bin" --no-journal --no-times -f "$f" 2>&1); then
    echo "ok $n - $f runs to the end"
  else
    echo "not ok $n - $f runs to the end"
    printf '%s\n' "$out" | grep -E 'error' | head -5 | sed 's/^/#   /'
  fi
done
echo "1..$n"
