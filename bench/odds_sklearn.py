#!/usr/bin/python3
"""scikit-learn side of scripts/odds-bench: the same ODDS splits (read from the
.split files bench/odds_bench writes), the same z-scoring, the same metrics, and
a table of oddity's numbers (its TSV) beside scikit-learn's.

    odds_sklearn.py --odds DIR --splits DIR --ours ours.tsv [--det kmeans,gmm,kde,gauss,dbscan]

scikit-learn counterparts (sklearn 1.2):
  kmeans  KMeans(8, n_init=1, k-means++, random_state=seed); score = distance to the nearest centroid
  gmm     GaussianMixture(4, 'full', random_state=seed); score = -score_samples
  kde     KernelDensity(bandwidth='scott', rtol=1e-4); score = -score_samples
  gauss   EmpiricalCovariance().mahalanobis (pinvh for a singular covariance)
  mcd     MinCovDet(random_state=seed).mahalanobis
  dbscan  DBSCAN(eps = oddity's eps=auto for that split, min_samples=5); score = oddity's
          documented reachability computed from sklearn's core samples:
          min over core p of max(core_distance(p), |x - p|)
  iforest IsolationForest(100, max_samples=256, random_state=seed); score = -score_samples
  knn     NearestNeighbors(5).fit(train).kneighbors(test): distance to the 5th (PyOD KNN)
  lof     LocalOutlierFactor(20, novelty=True); score = -score_samples (PyOD LOF)
  pca     PCA(n_components=0.9): squared reconstruction error (oddity's default form)
Columns without a scikit-learn counterpart (cblof, hclust, hbos, ecod, and --case
columns) show nan on the scikit-learn side.
Metrics: roc_auc_score; precision@n as PyOD's precision_n_scores.
"""
import argparse
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def prec_n(y, s):
    n = int(y.sum())
    thr = np.percentile(s, 100 * (1 - n / len(y)))
    pred = s >= thr
    return (y[pred] == 1).sum() / max(1, pred.sum())


def reach_score(Xtr, Xte, eps, minpts):
    from scipy.spatial.distance import cdist
    from sklearn.cluster import DBSCAN
    from sklearn.neighbors import NearestNeighbors
    db = DBSCAN(eps=eps, min_samples=minpts).fit(Xtr)
    core = db.core_sample_indices_
    if len(core) == 0:
        return np.full(len(Xte), np.inf)
    k = min(minpts, len(Xtr))
    cd = NearestNeighbors(n_neighbors=k).fit(Xtr).kneighbors(Xtr[core])[0][:, -1]
    out = np.empty(len(Xte))
    for a in range(0, len(Xte), 2048):
        D = cdist(Xte[a:a + 2048], Xtr[core])
        out[a:a + 2048] = np.maximum(D, cd[None, :]).min(axis=1)
    return out


def sk_scores(det, Xtr, Xte, seed, eps):
    if det == "kmeans":
        from sklearn.cluster import KMeans
        return KMeans(n_clusters=8, n_init=1, random_state=seed).fit(Xtr).transform(Xte).min(axis=1)
    if det == "gmm":
        from sklearn.mixture import GaussianMixture
        return -GaussianMixture(4, covariance_type="full", random_state=seed).fit(Xtr).score_samples(Xte)
    if det == "kde":
        from sklearn.neighbors import KernelDensity
        return -KernelDensity(bandwidth="scott", rtol=1e-4).fit(Xtr).score_samples(Xte)
    if det == "gauss":
        from sklearn.covariance import EmpiricalCovariance
        return EmpiricalCovariance().fit(Xtr).mahalanobis(Xte)
    if det == "mcd":
        from sklearn.covariance import MinCovDet
        return MinCovDet(random_state=seed).fit(Xtr).mahalanobis(Xte)
    if det == "dbscan":
        return reach_score(Xtr, Xte, eps, 5)
    if det == "iforest":
        from sklearn.ensemble import IsolationForest
        return -IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(Xtr).score_samples(Xte)
    if det == "knn":
        from sklearn.neighbors import NearestNeighbors
        return NearestNeighbors(n_neighbors=5).fit(Xtr).kneighbors(Xte)[0][:, -1]
    if det == "lof":
        from sklearn.neighbors import LocalOutlierFactor
        return -LocalOutlierFactor(n_neighbors=20, novelty=True).fit(Xtr).score_samples(Xte)
    if det == "pca":
        from sklearn.decomposition import PCA
        p = PCA(n_components=0.9, svd_solver="full").fit(Xtr)
        R = p.inverse_transform(p.transform(Xte))
        return ((Xte - R) ** 2).sum(axis=1)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--odds", required=True)
    ap.add_argument("--splits", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--det", default=None, help="columns (default: all in ours.tsv, in its order)")
    a = ap.parse_args()
    import pandas as pd
    from sklearn.metrics import roc_auc_score
    if a.det:
        dets = a.det.split(",")
    else:
        dets = list(dict.fromkeys(pd.read_csv(a.ours, sep="\t")["detector"]))
    names = sorted(f[:-6] for f in os.listdir(a.splits) if f.endswith(".split"))
    rows = []
    for name in names:
        df = pd.read_csv(os.path.join(a.odds, name + ".csv"))
        y = df.iloc[:, -1].to_numpy().astype(int)
        X = df.iloc[:, :-1].to_numpy(dtype=np.float64)
        lines = open(os.path.join(a.splits, name + ".split")).read().split("\n")
        eps_file = os.path.join(a.splits, name + ".eps")
        eps = {}
        if os.path.exists(eps_file):
            for ln in open(eps_file):
                s, e = ln.split()
                eps[int(s)] = float(e)
        seeds = len([ln for ln in lines if ln.startswith("train")])
        res = {d: ([], []) for d in dets}
        for s in range(seeds):
            tr = np.array(lines[2 * s].split()[1:], dtype=int)
            te = np.array(lines[2 * s + 1].split()[1:], dtype=int)
            mu, sd = X[tr].mean(0), X[tr].std(0)
            sd[sd == 0] = 1
            Xtr, Xte = (X[tr] - mu) / sd, (X[te] - mu) / sd
            if y[te].min() == y[te].max():
                continue          # no anomaly in the test part: no ROC-AUC (oddity skips it too)
            for d in dets:
                try:
                    sc = sk_scores(d, Xtr, Xte, s, eps.get(s))
                except Exception as e:  # noqa: BLE001 - report and go on
                    if s == 0:
                        print(f"# sklearn {name} {d}: {type(e).__name__}: {e}", file=sys.stderr)
                    continue
                if sc is None:
                    continue      # no scikit-learn counterpart: nan in the table
                sc = np.where(np.isfinite(sc), sc, 1e308)
                res[d][0].append(roc_auc_score(y[te], sc))
                res[d][1].append(prec_n(y[te], sc))
        ours = pd.read_csv(a.ours, sep="\t")   # read late: oddity's side may be re-run meanwhile
        o = ours[ours["dataset"] == name]
        row = dict(dataset=name, n=len(X), d=X.shape[1], anom=100 * y.mean())
        for d in dets:
            od = o[o["detector"] == d]
            row[d] = (od["roc_auc"].mean(), od["prec_n"].mean(),
                      np.mean(res[d][0]) if res[d][0] else np.nan,
                      np.mean(res[d][1]) if res[d][1] else np.nan)
        rows.append(row)
        print(f"# {name} done", file=sys.stderr, flush=True)
    for mi, metric in ((0, "ROC-AUC"), (1, "precision@n")):
        print(f"\n{metric} (mean over seeds): oddity | scikit-learn")
        print(f"{'dataset':12s} {'n':>6s} {'d':>4s} {'anom%':>6s}" + "".join(f"  {d:>15s}" for d in dets))
        sums = {d: [0.0, 0, 0.0, 0] for d in dets}   # oddity sum, count; sklearn sum, count
        for r in rows:
            cells = []
            for d in dets:
                ov, sv = r[d][mi], r[d][2 + mi]
                cells.append(f"  {ov:6.3f} | {sv:6.3f}")
                if np.isfinite(ov):
                    sums[d][0] += ov
                    sums[d][1] += 1
                if np.isfinite(sv):
                    sums[d][2] += sv
                    sums[d][3] += 1
            print(f"{r['dataset']:12s} {r['n']:6d} {r['d']:4d} {r['anom']:6.2f}" + "".join(cells))
        print(f"{'mean':12s} {'':6s} {'':4s} {'':6s}" + "".join(
            f"  {sums[d][0] / sums[d][1] if sums[d][1] else np.nan:6.3f} | "
            f"{sums[d][2] / sums[d][3] if sums[d][3] else np.nan:6.3f}" for d in dets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
