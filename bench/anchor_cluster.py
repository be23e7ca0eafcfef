#!/usr/bin/python3
"""scikit-learn anchors for the cluster/density cases of bench/bench_cluster.c that
../shared/bench/anchors_sklearn.py (beside the repository) does not time (KDE, MinCovDet), plus the DBSCAN
eps its rule picks, so that bench_cluster can be given the same eps.

    /usr/bin/python3 bench/anchor_cluster.py [--data /tmp/odd-bench] [--threads 2]
        [--repeats 3] [--groups kde,mcd,eps]

kde  KernelDensity(kernel='gaussian', bandwidth=h, rtol=1e-4) fitted on blobs_n100000_d8,
     score_samples on its first 10k rows; h = n^(-1/(d+4)) * sqrt(mean column variance)
     (oddity's bandwidth=scott)
mcd  MinCovDet(random_state=0) on blobs_n100000_d8
eps  anchors_sklearn.py's DBSCAN eps rule (0.98-quantile of the 10-NN distance over
     4000 random rows, seed 0) -> pass it as bench_cluster --eps
Each case: one warm-up, then the median of --repeats runs.
"""
import argparse
import os
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/odd-bench")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--groups", default="kde,mcd,eps")
    a = ap.parse_args()
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(a.threads)
    import numpy as np
    from threadpoolctl import threadpool_limits

    X = np.load(os.path.join(a.data, "blobs_n100000_d8.npy"))

    def measure(fn):
        res = fn()
        ts = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            res = fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts), res

    with threadpool_limits(limits=a.threads):
        groups = a.groups.split(",")
        if "eps" in groups:
            from sklearn.neighbors import NearestNeighbors
            rng = np.random.default_rng(0)
            idx = rng.choice(X.shape[0], size=4000, replace=False)
            nn = NearestNeighbors(n_neighbors=10, n_jobs=a.threads).fit(X)
            dist, _ = nn.kneighbors(X[idx])
            print(f"eps  {float(np.quantile(dist[:, 9], 0.98)):.17g}", flush=True)
        if "kde" in groups:
            from sklearn.neighbors import KernelDensity
            n, d = X.shape
            h = n ** (-1.0 / (d + 4)) * np.sqrt(X.var(axis=0).mean())

            def run():
                return KernelDensity(kernel="gaussian", bandwidth=h, rtol=1e-4).fit(X).score_samples(X[:10000])
            t, s = measure(run)
            print(f"kde  fit 100k x 8 + score 10k, h={h:.6g}, rtol=1e-4: {t:.3f} s  score[0]={-s[0]:.10g}",
                  flush=True)
        if "mcd" in groups:
            from sklearn.covariance import MinCovDet
            t, m = measure(lambda: MinCovDet(random_state=0).fit(X))
            raw = np.linalg.slogdet(m.raw_covariance_)[1]
            print(f"mcd  MinCovDet 100k x 8: {t:.3f} s (raw log det {raw:.10g}, {int(m.support_.sum())} rows kept)",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
