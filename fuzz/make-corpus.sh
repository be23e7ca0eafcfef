#!/bin/sh
# fuzz/make-corpus.sh ODDITY - regenerate the generated part of the seed
# corpus: one saved model of each detector kind (fuzz/corpus/model/*.oddm,
# fitted on a few rows so the files stay small).  The other seeds are
# hand-made or copied from tests/data and are edited by hand.
set -eu
bin=${1:?usage: fuzz/make-corpus.sh path/to/oddity}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$top/fuzz/corpus/model
mkdir -p "$out"
head -41 "$top/sample-data/blobs.csv" > "$tmp/tab.csv"
head -81 "$top/sample-data/series.csv" > "$tmp/ser.csv"
cd "$tmp"
tab="kmeans gmm hclust dbscan kde gauss iforest knn lof pca hbos ecod"
script=""
for d in $tab; do
  opts=""
  case $d in
  kmeans|gmm|hclust) opts="k=2" ;;
  knn|lof) opts="k=3" ;;
  iforest) opts="trees=3 samples=16" ;;
  esac
  script="$script detect $d $opts as m_$d; save model m_$d to=$out/$d.oddm force=yes;"
done
# a bag: its members' payloads inside the bag's
script="$script bag kmeans k=2 n=2 rows=0.5 norm=zscore as m_bag; save model m_bag to=$out/bag.oddm force=yes;"
"$bin" --no-journal -e "load tab.csv; $script" >/dev/null
script=""
for d in tsn cnn lstm gru attn; do
  script="$script detect $d window=8 epochs=1 as m_$d; save model m_$d to=$out/$d.oddm force=yes;"
done
"$bin" --no-journal -e "load ser.csv; $script" >/dev/null
ls -l "$out"
