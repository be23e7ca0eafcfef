#!/usr/bin/python3
"""Speed anchor for bench/bench_prep: scikit-learn 1.2 / numpy on the same data.

    /usr/bin/python3 bench/anchor_prep.py --bench BUILD/bench/bench_prep \
        [--n 1000000] [--d 32] [--k 8] [--series 1000000] [--window 64]
        [--repeats 3] [--threads 2] [--data /tmp/odd-prep] [--out FILE.json]

Steps, in one run so that the ratios compare like with like on a shared,
noisy machine:
  1. `bench_prep --dump PREFIX` writes the deterministic table and series
     (GSL mt19937; see bench_prep.c) as raw little-endian float64;
  2. oddity: `bench_prep` (JSON on stdout);
  3. the anchors, median of R runs each (time.perf_counter), on the very same
     arrays (the table as a C-contiguous N x D float64 array):
       StandardScaler().fit_transform(X)
       PCA(k).fit_transform(X)                  (svd_solver='auto' -> randomized here)
       PCA(k, svd_solver='full').fit_transform(X)
       window view: sliding_window_view(x, W) (numpy view, no copy) and the
         per-point scores (np.full(n, nan); p[W-1:] = window scores)
       window copy: sliding_window_view(x, W).copy() (the W-fold matrix)
  4. oddity again; the lower of the two oddity medians is kept next to the
     anchor, to damp the drift of a shared machine.
Prints one JSON object with both timings and the ratios anchor/oddity
(> 1: oddity is faster).  BLAS / OpenMP threads are set to --threads before
numpy is imported.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--bench", help="path to the bench_prep program")
ap.add_argument("--n", type=int, default=1_000_000)
ap.add_argument("--d", type=int, default=32)
ap.add_argument("--k", type=int, default=8)
ap.add_argument("--series", type=int, default=1_000_000)
ap.add_argument("--window", type=int, default=64)
ap.add_argument("--repeats", type=int, default=3)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--data", default="/tmp/odd-prep")
ap.add_argument("--out")
ap.add_argument("--skip-full", action="store_true", help="skip PCA svd_solver='full' (slow)")
args = ap.parse_args()

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def median_time(fn, repeats):
    ts, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
        del out
        out = None
    return float(np.median(ts))


def bench_cmd(extra=()):
    return [args.bench, "--n", str(args.n), "--d", str(args.d), "--k", str(args.k),
            "--series", str(args.series), "--window", str(args.window),
            "--repeats", str(args.repeats), "--threads", str(args.threads), *extra]


def run_oddity():
    res = subprocess.run(bench_cmd(), check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def load():
    with open(args.data + ".table", "rb") as fp:
        n, d = (int(v) for v in np.frombuffer(fp.read(16), dtype="<i8"))
        X = np.frombuffer(fp.read(8 * n * d), dtype="<f8").reshape(n, d).copy()
    with open(args.data + ".series", "rb") as fp:
        m = int(np.frombuffer(fp.read(8), dtype="<i8")[0])
        s = np.frombuffer(fp.read(8 * m), dtype="<f8").copy()
    return X, s


def main():
    odd1 = None
    if args.bench:
        subprocess.run(bench_cmd(["--dump", args.data]), check=True)
        odd1 = run_oddity()
    X, s = load()
    W, R = args.window, args.repeats
    wscores = (np.arange(len(s) - W + 1) % 997).astype(float)

    def win_view():
        v = sliding_window_view(s, W)
        return v

    def to_points():
        p = np.full(len(s), np.nan)
        p[W - 1:] = wscores
        return p

    sk = {
        "zscore_s": median_time(lambda: StandardScaler().fit_transform(X), R),
        "pca_auto_s": median_time(lambda: PCA(args.k).fit_transform(X), R),
        "window_view_s": median_time(win_view, max(R, 5)),
        "to_points_s": median_time(to_points, max(R, 5)),
        "window_copy_s": median_time(lambda: sliding_window_view(s, W).copy(), R),
    }
    if not args.skip_full:
        sk["pca_full_s"] = median_time(lambda: PCA(args.k, svd_solver="full").fit_transform(X), R)
    p = PCA(args.k, svd_solver="full" if not args.skip_full else "auto").fit(X)
    sk["pca_explained_variance_0"] = float(p.explained_variance_[0])
    sk["pca_evr_sum"] = float(p.explained_variance_ratio_.sum())
    sk["window_copy_bytes"] = int(sliding_window_view(s, W).nbytes)
    sk["zscore_pca_auto_s"] = sk["zscore_s"] + sk["pca_auto_s"]
    if "pca_full_s" in sk:
        sk["zscore_pca_full_s"] = sk["zscore_s"] + sk["pca_full_s"]

    res = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
           "n": args.n, "d": args.d, "k": args.k, "series": args.series, "window": W,
           "threads": args.threads, "repeats": R, "anchor": sk}
    if args.bench:
        odd2 = run_oddity()
        odd = {key: (min(odd1[key], odd2[key]) if key.endswith("_s") else odd1[key]) for key in odd1}
        res["oddity"] = odd
        res["oddity_runs"] = [odd1, odd2]
        ratios = {
            "zscore": sk["zscore_s"] / odd["zscore_s"],
            "pca_vs_auto": sk["pca_auto_s"] / odd["pca_s"],
            "zscore_pca_vs_auto": sk["zscore_pca_auto_s"] / odd["zscore_pca_s"],
            "window_copy_vs_view": sk["window_copy_s"] / odd["window_view_s"],
            "window_view_numpy_vs_view": sk["window_view_s"] / odd["window_view_s"],
            "to_points": sk["to_points_s"] / odd["to_points_s"],
        }
        if "pca_full_s" in sk:
            ratios["pca_vs_full"] = sk["pca_full_s"] / odd["pca_s"]
            ratios["zscore_pca_vs_full"] = sk["zscore_pca_full_s"] / odd["zscore_pca_s"]
        res["ratio_anchor_over_oddity"] = ratios
        res["explained_variance_0_relerr"] = abs(odd["pca_explained_variance_0"] - sk["pca_explained_variance_0"]) / \
            sk["pca_explained_variance_0"]
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as fp:
            fp.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
