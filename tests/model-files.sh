#!/bin/sh
# A damaged model file gets one error naming the file and what is wrong in it,
# before anything is allocated for the counts it declares (issue 14: the
# loaders of knn, lof, pca, iforest, hbos and the networks trusted huge counts).
# And a missing gnuplot names the program and the Debian package.
top=$(cd "${top_srcdir:-.}" && pwd)
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/#   /' err | head -5; fi; }
odd() { "$bin" --no-journal --no-times "$@" >out 2>err; }
head -201 "$top/sample-data/blobs.csv" > d.csv
odd -e "load d.csv" -e "detect knn k=3 as k" -e "save model k to=k.oddm" -e "detect iforest trees=4 as f" \
  -e "save model f to=f.oddm" -e "detect pca as p" -e "save model p to=p.oddm"
ok $? "models saved"
# offset of the detector payload: magic 8, version 4, name (4 + len), params (4 + len),
# pipeline (4 + len; format 2)
payload() {
  od -An -tu4 -j12 -N4 "$1" | tr -d ' ' > la
  la=$(cat la); lp=$(od -An -tu4 -j$((16 + la)) -N4 "$1" | tr -d ' ')
  lq=$(od -An -tu4 -j$((20 + la + lp)) -N4 "$1" | tr -d ' ')
  echo $((24 + la + lp + lq))
}
# a u64 at byte offset $2 of file $1 set to 2^39 (poke39) or 2^36 (poke36), little-endian
poke39() { printf '\000\000\000\000\200\000\000\000' | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
poke16() { printf '\000\000\001\000\000\000\000\000' | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
poke36() { printf '\000\000\000\000\020\000\000\000' | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# knn: cluster header (28 bytes), k, method, then the neighbour index's n
cp k.oddm k-big.oddm; poke36 k-big.oddm $(( $(payload k.oddm) + 28 + 16 ))
odd -e "load d.csv" -e "load model k-big.oddm as k2"
[ $? != 0 ] && grep -q "^error: k-big.oddm: knn model file is truncated or damaged: it declares [0-9]* numbers (8 bytes each) but only [0-9]* bytes follow" err
ok $? "knn: a huge row count is refused naming the file and the counts"
# iforest: cluster header, then trees
cp f.oddm f-big.oddm; poke39 f-big.oddm $(( $(payload f.oddm) + 28 ))
odd -e "load d.csv" -e "load model f-big.oddm as f2"
[ $? != 0 ] && grep -q "^error: f-big.oddm: iforest model file is corrupt (a count of 549755813888 exceeds 100000)" err
ok $? "iforest: a tree count over the limit is refused naming the file"
head -c 300 f.oddm > f-cut.oddm
odd -e "load d.csv" -e "load model f-cut.oddm as f3"
[ $? != 0 ] && grep -q "^error: f-cut.oddm: iforest model file is truncated or damaged: it declares [0-9]* trees" err
ok $? "iforest: a truncated file is refused before allocating its trees"
cp p.oddm p-big.oddm; poke39 p-big.oddm $(( $(payload p.oddm) + 28 ))
odd -e "load d.csv" -e "load model p-big.oddm as p2"
[ $? != 0 ] && grep -q "^error: p-big.oddm: pca model file is corrupt (a count of 549755813888 exceeds 65536)" err
ok $? "pca: an impossible count is refused naming the file"
cp p.oddm p-wide.oddm; o=$(payload p.oddm); poke16 p-wide.oddm $((o + 28)); poke16 p-wide.oddm $((o + 36))
odd -e "load d.csv" -e "load model p-wide.oddm as p3"
[ $? != 0 ] && grep -q "^error: p-wide.oddm: pca model file is truncated or damaged: it declares 4295163904 numbers (8 bytes each) but only [0-9]* bytes follow" err
ok $? "pca: 65536 x 65536 components in a small file are refused before allocating 34 GB"
echo "not a model" > junk.oddm
odd -e "load d.csv" -e "load model junk.oddm as j"
[ $? != 0 ] && grep -q "^error: junk.oddm: not an oddity model file (bad magic number)" err
ok $? "a file that is not a model says so, naming it"
PATH=/nonexistent "$bin" --no-journal --no-times -e "load d.csv" -e "detect gauss as g" -e "plot roc g" >out 2>err
[ $? != 0 ] && grep -q "^error: gnuplot is not installed: apt-get install gnuplot-nox" err
ok $? "a missing gnuplot names the program and the Debian package"
echo "1..$n"
