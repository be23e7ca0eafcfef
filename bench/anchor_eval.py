#!/usr/bin/python3
"""Speed anchor for bench/bench_eval: scikit-learn 1.2 on the same scores.

    /usr/bin/python3 bench/anchor_eval.py --bench BUILD/bench/bench_eval \
        [--n 10000000] [--repeats 3] [--data /tmp/odd-eval.bin] [--out FILE.json]

Steps, all in one run so that the ratios compare like with like on a shared,
noisy machine:
  1. `bench_eval --n N --dump FILE` writes the deterministic scores and labels
     (GSL mt19937 seed 7: labels Bernoulli(0.01), scores N(0,1) + 2*label);
  2. oddity: `bench_eval --n N --repeats R` (JSON on stdout);
  3. scikit-learn: roc_auc_score, average_precision_score, precision_recall_curve
     and roc_curve on the same arrays, median of R runs each (time.perf_counter);
     a threshold move in numpy ((s >= t) & y summed, the naive O(n) way) on the
     first 1M scores, median over 200 moves;
  4. oddity again, and the better (lower) of the two oddity medians is kept
     next to sklearn's, to damp the drift of a shared machine.
Prints one JSON object with both sets of timings and the ratios sklearn/oddity.
Without --bench only the sklearn side runs on an existing --data file.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def load(path):
    with open(path, "rb") as fp:
        n = int(np.frombuffer(fp.read(8), dtype="<i8")[0])
        s = np.frombuffer(fp.read(8 * n), dtype="<f8")
        y = np.frombuffer(fp.read(n), dtype="i1").astype(np.int8)
    return s, y


def median_time(fn, repeats):
    ts, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), out


def run_oddity(bench, n, repeats, threads):
    cmd = [bench, "--n", str(n), "--repeats", str(repeats), "--threads", str(threads)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", help="path to the bench_eval program")
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default="/tmp/odd-eval-scores.bin")
    ap.add_argument("--out")
    a = ap.parse_args()

    from sklearn import __version__ as skv
    from sklearn.metrics import (average_precision_score, precision_recall_curve,
                                 roc_auc_score, roc_curve)

    if a.bench:
        subprocess.run([a.bench, "--n", str(a.n), "--dump", a.data], check=True)
        odd1 = run_oddity(a.bench, a.n, a.repeats, a.threads)
    s, y = load(a.data)

    sk = {}
    sk["roc_auc_s"], auc = median_time(lambda: roc_auc_score(y, s), a.repeats)
    sk["ap_s"], apv = median_time(lambda: average_precision_score(y, s), a.repeats)
    sk["pr_curve_s"], prc = median_time(lambda: precision_recall_curve(y, s), a.repeats)
    sk["roc_curve_s"], _ = median_time(lambda: roc_curve(y, s), a.repeats)
    sk["all_three_s"] = sk["roc_auc_s"] + sk["ap_s"] + sk["pr_curve_s"]
    sk["roc_auc"] = float(auc)
    sk["ap"] = float(apv)
    sk["pr_points"] = int(len(prc[0]))
    sm, ym = s[:1_000_000], y[:1_000_000]
    rng = np.random.default_rng(11)
    ts = rng.standard_normal(200) * 1.5
    moves = []
    for t in ts:
        t0 = time.perf_counter()
        f = sm >= t
        _ = (int((f & (ym == 1)).sum()), int(f.sum()))
        moves.append(time.perf_counter() - t0)
    sk["move_numpy_us"] = float(np.median(moves)) * 1e6

    out = {"n": a.n, "repeats": a.repeats, "sklearn_version": skv, "numpy_version": np.__version__,
           "sklearn": sk}
    if a.bench:
        odd2 = run_oddity(a.bench, a.n, a.repeats, a.threads)
        odd = {k: (min(odd1[k], odd2[k]) if k.endswith("_s") or k.endswith("_us") else odd1[k])
               for k in odd1}
        out["oddity_runs"] = [odd1, odd2]
        out["oddity"] = odd
        out["same_values"] = {"roc_auc_abs_diff": abs(odd["roc_auc"] - sk["roc_auc"]),
                              "ap_abs_diff": abs(odd["ap"] - sk["ap"])}
        out["ratio_sklearn_over_oddity"] = {
            "roc_auc": sk["roc_auc_s"] / odd["roc_auc_s"],
            "ap": sk["ap_s"] / odd["ap_s"],
            "pr_curve": sk["pr_curve_s"] / odd["pr_curve_s"],
            "all_three": sk["all_three_s"] / odd["all_three_s"],
            "threshold_move_numpy_over_oddity": sk["move_numpy_us"] / odd["move_us"],
        }
    text = json.dumps(out, indent=1)
    print(text)
    if a.out:
        with open(a.out, "w") as fp:
            fp.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
