#!/bin/sh
# issue 17: a golden dumb-terminal rendering of every plot kind (the kind
# table of app/cmd/cmd_plot.c), compared byte for byte with
# tests/plots/KIND.txt.  These are gnuplot's dumb terminal (not normalised):
# the goldens were made with the gnuplot named in tests/plots/GNUPLOT; with
# another gnuplot version the comparison is skipped (the version is printed)
# rather than failed.  OD_UPDATE_GOLDEN=1 rewrites the goldens (review the
# diff).  A kind missing from here fails the last check.
top=${top_srcdir:-.}
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
command -v gnuplot >/dev/null 2>&1 || { echo "1..0 # SKIP gnuplot is not installed"; exit 0; }
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  OPENBLAS_CORETYPE=Haswell; export OPENBLAS_CORETYPE
fi
cd "$top" || exit 1
dir=tests/plots
ver=$(gnuplot --version)
if [ -n "$OD_UPDATE_GOLDEN" ]; then printf '%s\n' "$ver" > "$dir/GNUPLOT"; fi
if [ "$ver" != "$(cat "$dir/GNUPLOT")" ]; then
  echo "1..0 # SKIP goldens made with $(cat "$dir/GNUPLOT"), this is $ver"; exit 0
fi
n=0; kinds=
# golden KIND SETUP-LINES... -- PLOT-LINE: the plot's text after a `set` marker line
golden() {
  kind=$1; shift
  n=$((n+1)); kinds="$kinds $kind"
  out=$("$bin" --no-journal --no-times --threads=1 --seed=3 "$@" 2>&1 | sed -n '/^seed=3 threads=1 terminal=dumb times=off$/,$p' | sed 1d)
  if [ -n "$OD_UPDATE_GOLDEN" ]; then printf '%s\n' "$out" > "$dir/$kind.txt"; fi
  if [ -s "$dir/$kind.txt" ] && [ "$out" = "$(cat "$dir/$kind.txt")" ] && [ "$(printf '%s\n' "$out" | wc -l)" -gt 5 ]; then
    echo "ok $n - plot $kind: dumb rendering equals $dir/$kind.txt"
  else
    echo "not ok $n - plot $kind: dumb rendering equals $dir/$kind.txt"
    printf '%s\n' "$out" | diff "$dir/$kind.txt" - | head -20 | sed 's/^/#   /'
  fi
}
set -- -e 'load sample-data/blobs.csv' -e 'split train=0.6 test=0.4 stratify=yes' -e 'detect kmeans k=4 as km' \
  -e 'detect gmm k=4 as g' -e 'threshold km method=contamination c=0.02'
S="-e set"
golden roc "$@" $S -e 'plot roc km g width=70 height=20'
golden pr "$@" $S -e 'plot pr km g width=70 height=20'
golden pdf "$@" $S -e 'plot pdf km width=70 height=20'
golden pdf-logx "$@" $S -e 'plot pdf km log=x width=70 height=20'
golden metrics "$@" $S -e 'plot metrics km width=70 height=20'
golden scatter "$@" $S -e 'plot scatter km by=cluster width=70 height=20'
golden explain "$@" $S -e 'plot explain km 7 width=70 height=20'
golden elbow "$@" $S -e 'plot elbow kmeans k=2..6 width=70 height=20'
golden search "$@" -e 'search kmeans k=2..5 metric=ap folds=2 as kb' $S -e 'plot search kb width=70 height=20'
set -- -e 'load sample-data/series.csv' -e 'detect kmeans k=3 as a' -e 'detect gmm k=2 as b' \
  -e 'threshold a method=percentile q=99'
golden series "$@" $S -e 'plot series a width=79 height=20'
golden series-stacked "$@" $S -e 'plot series a b width=79 height=32'
golden loss -e 'load sample-data/series.csv' -e 'split train=0.5 test=0.5' \
  -e 'detect tsn window=24 epochs=3 hidden=8 as t' $S -e 'plot loss t width=70 height=20'
# every kind of the table has a golden
n=$((n+1))
table=$(sed -n '/^static const plot_kind kinds\[\] = {/,/^};/p' app/cmd/cmd_plot.c | sed -n 's/^    { "\([a-z]*\)",.*/\1/p')
missing=
for k in $table; do case " $kinds " in *" $k "*) ;; *) missing="$missing $k" ;; esac; done
if [ -n "$table" ] && [ -z "$missing" ]; then echo "ok $n - every plot kind has a golden ($(echo $table))"
else echo "not ok $n - every plot kind has a golden (missing:$missing)"; fi
echo "1..$n"
