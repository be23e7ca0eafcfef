#!/bin/sh
# Issue 21: a bag's model file.  `save model BAG to=FILE` writes the bag's
# parameters, every member's column and row subsets, the normalisation
# (each member's shift and scale from the training scores) and combine rule,
# and every member's own detector payload; `load model FILE as NAME` scores
# with it.  Checked through the command line:
#  - for bags of kmeans, lof and iforest, combine=mean and max, norm=zscore,
#    minmax, rank and none (with a split, so zscore/minmax use the training
#    rows only), and combine=weighted/median, keep=yes, no split: the loaded
#    model scores every row bit for bit as the bag did;
#  - the loaded model scores the same for threads=1 and 2, lists the members
#    like the bag, and refuses data with another number of columns;
#  - damaged files (truncated, an impossible count, an unknown member
#    detector, a damaged member payload) get one error naming the file;
#  - every allocation of `load model` failing in turn (ODDITY_FAIL_ALLOC):
#    no crash, an out-of-memory error, the session goes on.
top=$(cd "${top_srcdir:-.}" && pwd)
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
n=0
check() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/#   /' err 2>/dev/null | head -5; fi; }
odd() { "$bin" --no-journal --no-times --seed=5 "$@" >out 2>err; }
# same FILE: columns 3.. of the export (the runs' scores) equal pairwise: a b a b ...
same() { awk -F, -v k="$2" 'NR > 1 { r++; for (j = 0; j < k; j++) if ($(3 + 2 * j) != $(4 + 2 * j)) d++ }
  END { exit !(r > 0 && d == 0) }' "$1"; }
ln -s "$top/sample-data" sample-data
L="load sample-data/blobs.csv; split train=0.6 test=0.4 stratify=yes seed=2"

# ---- round trips: every detector x combine x norm
for det in "kmeans k=4" "lof k=10" "iforest trees=25 samples=128"; do
  a=${det%% *}; lines=$L; cols=
  for comb in mean max; do
    for norm in zscore minmax rank none; do
      b=$a-$comb-$norm
      lines="$lines; bag $det n=3 rows=0.7 combine=$comb norm=$norm as $b; save model $b to=$b.oddm; load model $b.oddm as L$b"
      cols="$cols $b L$b"
    done
  done
  odd -j 2 -e "$lines; export scores$cols to=$a.csv"
  [ $? = 0 ] && same $a.csv 8
  check $? "bag $a: save and load reproduce the scores bit for bit (combine=mean,max x norm=zscore,minmax,rank,none)"
done
grep -q "^saved model kmeans-max-zscore (bag) to kmeans-max-zscore.oddm" out || grep -q "^saved model iforest-max-zscore (bag) to iforest-max-zscore.oddm" out
check $? "save model says it saved a bag"

# weighted and median, keep=yes (the bag and its kept members each own a copy), no split
W="load sample-data/blobs.csv; bag kmeans k=3 n=4 features=1.0 rows=0.5 combine=weighted weights=1,2,0.5,3 norm=zscore keep=yes as w"
odd -j 2 -e "$W; bag lof k=12 n=5 combine=median norm=minmax as m; save model w to=w.oddm; save model m to=m.oddm; save model w.2 to=w2.oddm" \
  -e "load model w.oddm as Lw; load model m.oddm as Lm; load model w2.oddm as Lw2; info Lw" \
  -e "export scores w Lw m Lm to=wm.csv; export scores w.2 Lw2 to=w2.csv"
[ $? = 0 ] && same wm.csv 2 && awk -F, 'NR > 1 { r++; if ($3 != $5) d++ } END { exit !(r == 3000 && d == 0) }' w2.csv
check $? "combine=weighted and median, keep=yes, no split: bit for bit (the bag, its kept member)"
grep -q '^  member 4: on=.*, 1500 of 3000 training rows$' out && grep -q '^  parameters: kmeans k=3 .* combine=weighted weights=1,2,0.5,3$' out
check $? "info of a loaded bag lists its members and parameters"

# threads: the loaded model scores the same
odd -j 1 -e "load sample-data/blobs.csv; load model m.oddm as Lm; export scores Lm to=j1.csv"
odd -j 2 -e "load sample-data/blobs.csv; load model m.oddm as Lm; export scores Lm to=j2.csv"
cmp -s j1.csv j2.csv
check $? "a loaded bag scores the same for threads=1 and 2"

# other data: the columns are checked
head -101 sample-data/blobs.csv | cut -d, -f1-3,7 > narrow.csv
odd -e "load narrow.csv; load model m.oddm as x"
[ $? != 0 ] && grep -q '^error: the bag was fitted on 6 columns (x1,x2,x3,x4,x5,x6) but the data has 3$' err
check $? "data with other columns is refused, naming the bag's columns"

# ---- damaged files: one error naming the file
size=$(wc -c < m.oddm)
head -c $((size - 100)) m.oddm > cut.oddm
odd -e "load sample-data/blobs.csv; load model cut.oddm as x"
[ $? != 0 ] && grep -q '^error: cut.oddm: bag member 5: lof model file is truncated' err
check $? "a truncated bag model names the file and the member"
head -c 700 m.oddm > cut2.oddm
odd -e "load sample-data/blobs.csv; load model cut2.oddm as x"
[ $? != 0 ] && grep -q '^error: cut2.oddm: .*truncated' err
check $? "a bag model cut in its member table names the file"
# the bag's payload: magic ODDCLST, 16-byte name "bag", version; then the column count
at=$(grep -boa 'ODDCLST' m.oddm | head -1 | cut -d: -f1)
cp m.oddm big.oddm; printf '\000\000\000\000\020\000\000\000' | dd of=big.oddm bs=1 seek=$((at + 28)) conv=notrunc 2>/dev/null
odd -e "load sample-data/blobs.csv; load model big.oddm as x"
[ $? != 0 ] && grep -q '^error: big.oddm: bag model file is corrupt (a count of 68719476736 exceeds 1048576)' err
check $? "an impossible column count is refused naming the file"
cp m.oddm many.oddm; printf '\000\000\020\000\000\000\000\000' | dd of=many.oddm bs=1 seek=$((at + 28)) conv=notrunc 2>/dev/null
odd -e "load sample-data/blobs.csv; load model many.oddm as x"
[ $? != 0 ] && grep -q '^error: many.oddm: bag model file is truncated or damaged: it declares 1048576 column names' err
check $? "a column count larger than the file is refused before allocating"
# the members' detector name: the second "lof" after the magic
off=$(grep -boa 'lof' m.oddm | awk -F: -v a="$at" '$1 > a { print $1; exit }')
cp m.oddm unk.oddm; printf 'z' | dd of=unk.oddm bs=1 seek=$((off + 2)) conv=notrunc 2>/dev/null
odd -e "load sample-data/blobs.csv; load model unk.oddm as x"
[ $? != 0 ] && grep -q "^error: unk.oddm: bag model file is damaged (members of an unknown detector 'loz')" err
check $? "an unknown member detector is refused naming the file"
# the first member's own payload: its magic (the second ODDCLST)
at2=$(grep -boa 'ODDCLST' m.oddm | sed -n 2p | cut -d: -f1)
cp m.oddm mem.oddm; printf 'X' | dd of=mem.oddm bs=1 seek="$at2" conv=notrunc 2>/dev/null
odd -e "load sample-data/blobs.csv; load model mem.oddm as x"
[ $? != 0 ] && grep -q '^error: mem.oddm: bag member 1: lof: not an oddity cluster/density model file' err
check $? "a damaged member payload names the file and the member"

# ---- failing allocations while loading a bag model
head -101 sample-data/blobs.csv > d.csv
"$bin" --no-journal --no-times -j1 -e "load d.csv; bag kmeans k=2 n=3 rows=0.5 norm=zscore as s; save model s to=s.oddm" >/dev/null 2>&1
c0=$(ODDITY_FAIL_ALLOC_COUNT=1 "$bin" --no-journal -j1 -e "load d.csv" 2>&1 >/dev/null | sed -n 's/^oddity: \([0-9]*\) allocations$/\1/p')
c1=$(ODDITY_FAIL_ALLOC_COUNT=1 "$bin" --no-journal -j1 -e "load d.csv; load model s.oddm as t" 2>&1 >/dev/null | sed -n 's/^oddity: \([0-9]*\) allocations$/\1/p')
"$bin" --no-journal --no-times -j1 -k -e "load d.csv; load model s.oddm as t" -e "help quit" >fo0 2>/dev/null
bad=0; tried=0
if [ -n "$c0" ] && [ -n "$c1" ] && [ "$c1" -gt "$c0" ]; then
  i=$((c0 + 1))
  while [ $i -le "$c1" ]; do
    ODDITY_FAIL_ALLOC=$i "$bin" --no-journal --no-times -j1 -k -e "load d.csv; load model s.oddm as t" -e "help quit" >fo 2>fe
    rc=$?; tried=$((tried + 1))
    if [ $rc -gt 1 ] || ! grep -q 'out of memory' fe || [ "$(tail -1 fo)" != "$(tail -1 fo0)" ]; then
      bad=$((bad + 1)); echo "# N=$i: exit $rc: $(head -2 fe)"
    fi
    i=$((i + 1))
  done
else bad=1
fi
[ $bad = 0 ] && [ $tried -gt 20 ]
check $? "each of the $tried allocations of loading a bag model failing: an out-of-memory error, the session goes on"
echo "1..$n"
