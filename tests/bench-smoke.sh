#!/bin/sh
# The benchmarks run (a smoke test; the timings themselves are scripts/bench's,
# never asserted here): each of oddity's benchmark programs (built for `make
# check`) once on tiny inputs, checking what it computed rather than how fast;
# bench/fair.py's start-up group through the command line; and, where the
# Python anchors are installed (scripts/setup --bench), bench/anchor_detect.py
# on 2000 rows, whose check rounds compare oddity with scikit-learn.  A
# benchmark program given no data says which directory and exits 1.
top=${top_srcdir:-.}
build=${top_builddir:-.}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
bin=$build/oddity
B=$build/bench
cd "$top" || exit 1
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/#   /' "$tmp/out" | tail -15; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
py=/usr/bin/python3
[ -x $py ] || py=python3

"$B/bench_eval" --n 20000 --moves-n 20000 --repeats 1 --threads 2 > "$tmp/out" 2>&1
r=$?; grep -q '"roc_auc": 0\.9' "$tmp/out" && grep -q '"move_us"' "$tmp/out"
ok $((r + $?)) "bench_eval runs on 20000 scores (ROC-AUC of its data 0.9..., a threshold move timed)"

"$B/bench_prep" --n 2000 --d 8 --k 2 --series 5000 --window 16 --repeats 1 --threads 2 > "$tmp/out" 2>&1
r=$?; grep -q '"window_copy_bytes": 638080' "$tmp/out"
ok $((r + $?)) "bench_prep runs on 2000 x 8 and a 5000-step series (windows of 16: 638080 bytes copied)"

"$B/bench_nn" 2 1 > "$tmp/out" 2>&1
r=$?; [ "$(grep -c '"train_windows_per_s"' "$tmp/out")" -ge 6 ]
ok $((r + $?)) "bench_nn runs two training steps of each of its six models"

"$B/bench_csv" "$top/sample-data/blobs.csv" 1 1 > "$tmp/out" 2>&1
r=$?; grep -q '3000' "$tmp/out"
ok $((r + $?)) "bench_csv reads sample-data/blobs.csv (3000 rows)"

# tiny stand-ins for the blobs .npy files of ../shared/bench/gen_data.py (the
# Python standard library writes the format: no numpy needed)
mkdir -p "$tmp/data"
$py - "$tmp/data" <<'EOF' > "$tmp/out" 2>&1
import random, struct, sys
def npy(path, rows, d, seed):
    rnd = random.Random(seed)
    centres = [[rnd.uniform(-10, 10) for _ in range(d)] for _ in range(8)]
    h = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, d)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode())
        for i in range(rows):
            c = centres[i % 8]
            f.write(struct.pack("<%dd" % d, *[x + rnd.gauss(0, 1) for x in c]))
npy(sys.argv[1] + "/blobs_n1000000_d8.npy", 4000, 8, 1)
npy(sys.argv[1] + "/blobs_n100000_d8.npy", 2000, 8, 2)
EOF
"$B/bench_cluster" --data "$tmp/data" --repeats 1 --threads 2 >> "$tmp/out" 2>&1
r=$?; grep -q '^kmeans  4000 x 8' "$tmp/out" && grep -q '^gmm     2000 x 8' "$tmp/out" &&
    grep -q '^dbscan  2000 x 8' "$tmp/out" && grep -q '^hclust  ward, first 2000 rows' "$tmp/out" &&
    grep -q '^kde .*\[bandwidth=scott: h = ' "$tmp/out" && grep -q '^mcd .*rows kept' "$tmp/out"
ok $((r + $?)) "bench_cluster runs kmeans, gmm, dbscan, hclust, kde and mcd on 4000 and 2000 rows of blobs (each line names its real size)"

"$B/bench_cluster" --data "$tmp/nowhere" --repeats 1 > "$tmp/out" 2>&1
r=$?; [ $r = 1 ] && grep -q "$tmp/nowhere" "$tmp/out"
ok $? "bench_cluster without its data: status 1, one line naming the directory"

mkdir -p "$tmp/odds" && cp "$top/sample-data/blobs.csv" "$tmp/odds/"
"$B/odds_bench" --odds "$tmp/odds" --seeds 1 --det kmeans,iforest,lof > "$tmp/out" 2>&1
r=$?; awk '$1 == "blobs" { for (i = 5; i <= NF; i++) if ($i ~ /\/$/) { m++; if ($i + 0 < 0.9) low++ } }
     END { exit !(m == 3 && !low) }' "$tmp/out"
ok $((r + $?)) "odds_bench scores sample-data/blobs.csv with kmeans, iforest, lof (each ROC-AUC >= 0.9)"

$py "$top/bench/fair.py" --oddity "$bin" --cases startup --rounds 1 --threads 2 \
  --json "$tmp/fair.json" --md "$tmp/fair.md" > "$tmp/out" 2>&1
r=$?; grep -q '^| startup | oddity -e help | 2 |.*| ok: ' "$tmp/fair.md" && [ -s "$tmp/fair.json" ]
ok $((r + $?)) "bench/fair.py's start-up group times the binary and writes its table and JSON"

if $py -c 'import numpy, sklearn, threadpoolctl' 2>/dev/null; then
  $py - "$tmp/data" <<'EOF' > "$tmp/out" 2>&1
import sys, numpy as np
rng = np.random.default_rng(3)
n, d = 2000, 8
C = rng.uniform(-10, 10, (8, d))
X = C[np.arange(n) % 8] + rng.normal(0, 1, (n, d))
y = np.zeros(n, dtype=int)
X[:40] = rng.uniform(-20, 20, (40, d)); y[:40] = 1
p = sys.argv[1] + "/blobs_n100000_d8"
np.save(p + ".npy", X); np.save(p + "_label.npy", y)
with open(p + ".csv", "w") as f:
    f.write(",".join(f"x{j}" for j in range(d)) + ",label\n")
    for i in range(n):
        f.write(",".join(repr(float(v)) for v in X[i]) + f",{y[i]}\n")
EOF
  $py "$top/bench/anchor_detect.py" --oddity "$bin" --data "$tmp/data" --threads 1 --rounds 1 \
    --cases lof,knn,hclust >> "$tmp/out" 2>&1
  r=$?; [ "$(grep -c ': check ok' "$tmp/out")" = 3 ] && grep -q '^hclust .*x .*ok$' "$tmp/out"
  ok $((r + $?)) "bench/anchor_detect.py: lof, knn and hclust checked against scikit-learn on 2000 rows, ratios printed"
else
  skip "bench/anchor_detect.py: numpy, scikit-learn or threadpoolctl not installed (scripts/setup --bench)"
fi
echo "1..$n"
