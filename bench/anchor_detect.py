#!/usr/bin/python3
"""Speed of oddity's iforest, lof and knn detectors through the command line against
scikit-learn in the same run, on ../shared/bench's blobs data (issue 15's targets).

    /usr/bin/python3 bench/anchor_detect.py --oddity _build/release/oddity
        [--data /tmp/odd-bench] [--threads 2] [--rounds 3] [--cases iforest,lof,knn,hclust,lof32,knn32]

Cases (both sides get the same rows; oddity reads the CSV, scikit-learn the .npy
written from it):
  iforest  blobs_n1000000_d8: oddity `detect iforest` (trees=100 samples=256) vs
           IsolationForest(n_estimators=100, max_samples=256).fit(X).score_samples(X)
  lof      blobs_n100000_d8: `detect lof k=20` vs LocalOutlierFactor(n_neighbors=20).fit(X)
  knn      blobs_n100000_d8: `detect knn k=5` vs NearestNeighbors(n_neighbors=5).fit(X)
           .kneighbors() and the distance to the 5th neighbour
  hclust   the first 20000 rows of blobs_n100000_d8 (issue 19's case): `detect hclust
           linkage=ward k=8` vs AgglomerativeClustering(n_clusters=8, linkage='ward')
           .fit(X) (scikit-learn has no score; its fit is the whole work)
  lof32, knn32  lof and knn on blobs_n100000_d32: above 15 columns both sides search by
           brute force (oddity's algorithm=auto, scikit-learn's 'auto')
Check round first (not timed): oddity exports its scores; lof and knn must equal
scikit-learn's to 1e-9 (relative), iforest's ROC-AUC must be within 0.01, hclust's
k=8 cut must have the same cluster sizes as scikit-learn's labels.  Then
--rounds interleaved rounds: oddity as a whole process (`oddity -e 'load F; detect ..'`,
wall time, CSV parsing included) and its own fit + score seconds as it prints them,
next to scikit-learn's fit + score (n_jobs=threads).  Medians; ratio = sklearn /
oddity (> 1: oddity is faster); also each round's own ratio (median and range): on a
shared machine whose speed drifts over minutes, the two sides of one round ran closest
in time.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oddity", required=True)
    ap.add_argument("--data", default="/tmp/odd-bench")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="iforest,lof,knn")
    a = ap.parse_args()
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(a.threads)
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    oddity = os.path.abspath(a.oddity)
    work = tempfile.mkdtemp(prefix="odd-detect-")

    def run_oddity(csv, det, export):
        out = os.path.join(work, "scores.csv")
        if os.path.exists(out):
            os.remove(out)
        line = f"set threads={a.threads}; load {csv}; detect {det} as r"
        if export:
            line += "; export scores r to=scores.csv"
        t0 = time.perf_counter()
        p = subprocess.run([oddity, "-e", line], cwd=work, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode:
            sys.exit(f"oddity failed: {p.stdout}{p.stderr}")
        m = re.search(r"in ([0-9.e+-]+) s; scored .* in ([0-9.e+-]+) s", p.stdout)
        auc = re.search(r"ROC-AUC ([0-9.]+)", p.stdout)
        fit_score = float(m.group(1)) + float(m.group(2)) if m else float("nan")
        s = np.loadtxt(out, delimiter=",", skiprows=1, usecols=2) if export else None
        if det.startswith("hclust"):   # the cut's cluster sizes, as describe prints them
            s = sorted(int(v) for v in re.findall(r"cluster \d+: (\d+) rows", p.stdout))
        return wall, fit_score, float(auc.group(1)) if auc else float("nan"), s

    cases = {
        "iforest": ("blobs_n1000000_d8", "iforest trees=100 samples=256"),
        "lof": ("blobs_n100000_d8", "lof k=20"),
        "knn": ("blobs_n100000_d8", "knn k=5"),
        "hclust": ("blobs_n100000_d8", "hclust linkage=ward k=8"),
        "lof32": ("blobs_n100000_d32", "lof k=20"),
        "knn32": ("blobs_n100000_d32", "knn k=5"),
    }
    first = {"hclust": 20000}   # rows used, where not all
    rows = []
    with threadpool_limits(limits=a.threads):
        for name in a.cases.split(","):
            base, det = cases[name]
            kind = name[:-2] if name.endswith("32") else name   # lof32, knn32: the same with 32 columns
            csv = os.path.join(a.data, base + ".csv")
            X = np.load(os.path.join(a.data, base + ".npy"))
            y = np.load(os.path.join(a.data, base + "_label.npy"))
            if name in first:
                n = first[name]
                X, y = X[:n], y[:n]
                csv = os.path.join(work, f"{base}_first{n}.csv")
                with open(os.path.join(a.data, base + ".csv")) as src, open(csv, "w") as dst:
                    for i, line in enumerate(src):
                        if i > n:
                            break
                        dst.write(line)

            def sk():
                if kind == "iforest":
                    from sklearn.ensemble import IsolationForest
                    return -IsolationForest(n_estimators=100, max_samples=256, random_state=0,
                                            n_jobs=a.threads).fit(X).score_samples(X)
                if kind == "lof":
                    from sklearn.neighbors import LocalOutlierFactor
                    return -LocalOutlierFactor(n_neighbors=20, n_jobs=a.threads).fit(X).negative_outlier_factor_
                if kind == "hclust":
                    from sklearn.cluster import AgglomerativeClustering
                    lab = AgglomerativeClustering(n_clusters=8, linkage="ward").fit(X).labels_
                    return sorted(np.bincount(lab).tolist())
                from sklearn.neighbors import NearestNeighbors
                return NearestNeighbors(n_neighbors=5, n_jobs=a.threads).fit(X).kneighbors()[0][:, -1]

            # check round
            _, _, auc_o, s_o = run_oddity(csv, det, True)
            s_k = sk()
            if kind == "hclust":
                ok = s_o == s_k
                check = f"cluster sizes oddity {s_o} sklearn {s_k}"
            elif kind == "iforest":
                auc_k = roc_auc_score(y, s_k)
                ok = abs(auc_o - auc_k) <= 0.01
                check = f"ROC-AUC oddity {auc_o:.4f} sklearn {auc_k:.4f}"
            else:
                auc_k = roc_auc_score(y, s_k)
                err = float(np.max(np.abs(s_o - s_k) / np.maximum(1, np.abs(s_k))))
                ok = err <= 1e-9
                check = f"max rel score diff {err:.2g}, ROC-AUC {auc_o:.4f} / {auc_k:.4f}"
            print(f"{name}: check {'ok' if ok else 'FAILED'}: {check}", flush=True)
            wo, fo, tk = [], [], []
            for r in range(a.rounds):
                w, f, _, _ = run_oddity(csv, det, False)
                t0 = time.perf_counter()
                sk()
                t = time.perf_counter() - t0
                wo.append(w), fo.append(f), tk.append(t)
                print(f"  round {r + 1}: oddity process {w:.3f} s (fit+score {f:.3f} s), sklearn fit+score {t:.3f} s",
                      flush=True)
            W, F, T = statistics.median(wo), statistics.median(fo), statistics.median(tk)
            rr = [t / f for t, f in zip(tk, fo)]   # each round's own ratio: the machine's drift cancels within a round
            rows.append((name, base, W, F, T, ok, min(rr), statistics.median(rr), max(rr)))
    print()
    print(f"{'case':8} {'data':18} {'oddity proc s':>13} {'oddity fit+score s':>18} {'sklearn s':>10} "
          f"{'ratio (fit+score)':>17} {'ratio (process)':>15} {'per-round ratios (fit+score)':>28}  check")
    for name, base, W, F, T, ok, r0, rm, r1 in rows:
        print(f"{name:8} {base:18} {W:13.3f} {F:18.3f} {T:10.3f} {T / F:16.1f}x {T / W:14.1f}x "
              f"{f'median {rm:.1f}x ({r0:.1f}-{r1:.1f})':>28}  {'ok' if ok else 'FAILED'}")
    return 0 if all(r[5] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
