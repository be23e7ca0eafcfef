#!/usr/bin/python3
"""Speed anchor for bench/bench_eval: scikit-learn 1.2 on the same scores.

    /usr/bin/python3 bench/anchor_eval.py --bench BUILD/bench/bench_eval \
        [--n 10000000] [--repeats 3] [--data /tmp/odd-eval.bin] [--out FILE.json]

Steps, all in one run so that the ratios compare like with like on a shared,
noisy machine:
  1. `bench_eval --n N --dump FILE` writes the deterministic scores and labels
     (GSL mt19937 seed 7: labels Bernoulli(0.01), scores N(0,1) + 2*label);
  2. R rounds, alternating: oddity (`bench_eval --n N --repeats 3`: the median
     of 3 calls in one process, so that its buffers are recycled like numpy's
     in the long-lived Python process; on this kind of VM the first touch of
     fresh memory costs about 3.5 ms/MB and would otherwise be charged to
     oddity alone), then scikit-learn once each: roc_auc_score, average_precision_score,
     precision_recall_curve, roc_curve on the same arrays (time.perf_counter),
     and 200 threshold moves in numpy ((s >= t) & y summed, the naive O(n) way)
     on the first 1M scores;
  3. medians over the rounds on both sides, ratios sklearn/oddity of the medians.
Prints one JSON object with both sets of timings and the ratios.
Without --bench only the sklearn side runs on an existing --data file.
"""
import argparse
import json
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
    ap.add_argument("--repeats", type=int, default=3, help="alternating rounds")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--odd-repeats", type=int, default=3, help="bench_eval --repeats per round")
    ap.add_argument("--data", default="/tmp/odd-eval-scores.bin")
    ap.add_argument("--out")
    a = ap.parse_args()

    from sklearn import __version__ as skv
    from sklearn.metrics import (average_precision_score, precision_recall_curve,
                                 roc_auc_score, roc_curve)

    if a.bench:
        subprocess.run([a.bench, "--n", str(a.n), "--dump", a.data], check=True)
    s, y = load(a.data)
    sm, ym = s[:1_000_000], y[:1_000_000]
    rng = np.random.default_rng(11)
    ts = rng.standard_normal(200) * 1.5

    def sk_round():
        r = {}
        for key, f in (("roc_auc_s", roc_auc_score), ("ap_s", average_precision_score),
                       ("pr_curve_s", precision_recall_curve), ("roc_curve_s", roc_curve)):
            t0 = time.perf_counter()
            v = f(y, s)
            r[key] = time.perf_counter() - t0
            if key == "roc_auc_s":
                r["roc_auc"] = float(v)
            elif key == "ap_s":
                r["ap"] = float(v)
            elif key == "pr_curve_s":
                r["pr_points"] = int(len(v[0]))
            del v
        moves = []
        for t in ts:
            t0 = time.perf_counter()
            f = sm >= t
            _ = (int((f & (ym == 1)).sum()), int(f.sum()))
            moves.append(time.perf_counter() - t0)
        r["move_numpy_us"] = float(np.median(moves)) * 1e6
        r["all_three_s"] = r["roc_auc_s"] + r["ap_s"] + r["pr_curve_s"]
        return r

    odd_runs, sk_runs = [], []
    for _ in range(a.repeats):
        if a.bench:
            odd_runs.append(run_oddity(a.bench, a.n, a.odd_repeats, a.threads))
        sk_runs.append(sk_round())

    def med(runs, key):
        return float(np.median([r[key] for r in runs]))

    sk = {k: med(sk_runs, k) for k in sk_runs[0] if k.endswith("_s") or k.endswith("_us")}
    sk.update(roc_auc=sk_runs[0]["roc_auc"], ap=sk_runs[0]["ap"], pr_points=sk_runs[0]["pr_points"])
    out = {"n": a.n, "rounds": a.repeats, "sklearn_version": skv, "numpy_version": np.__version__,
           "sklearn": sk, "sklearn_runs": sk_runs}
    if a.bench:
        odd = {k: (med(odd_runs, k) if k.endswith("_s") or k.endswith("_us") else odd_runs[0][k])
               for k in odd_runs[0]}
        out["oddity_runs"] = odd_runs
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
