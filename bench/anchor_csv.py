#!/usr/bin/python3
"""Speed anchor for bench/bench_csv: pandas.read_csv and numpy.loadtxt on one CSV.

    /usr/bin/python3 bench/anchor_csv.py [FILE] [--repeats 3] [--no-loadtxt]

FILE defaults to /tmp/odd-bench/blobs_n1000000_d8.csv (written by
/usr/bin/python3 ../shared/bench/gen_data.py --out /tmp/odd-bench).  Each call
runs --repeats times (after one untimed warm-up that also fills the page cache);
prints one JSON object with the median, min and MB/s per reader, the same calls
as shared/bench/anchors_sklearn.py's csv group, and ru_maxrss of this process
(which includes the interpreter, so it is an upper bound on what the reader holds).
Run it right after bench/bench_csv on the same file and quote the ratio.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd


def timed(fn, repeats):
    fn()  # warm-up: page cache, imports inside the readers
    ts = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return ts, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", nargs="?", default="/tmp/odd-bench/blobs_n1000000_d8.csv")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-loadtxt", action="store_true", help="skip numpy.loadtxt")
    a = ap.parse_args()
    if not os.path.exists(a.file):
        print(f"anchor_csv: {a.file}: not found (run gen_data.py --out /tmp/odd-bench)", file=sys.stderr)
        return 1
    mb = os.path.getsize(a.file) / 1e6
    res = {"bench": "csv-anchor", "file": a.file, "mbytes": round(mb, 2), "repeats": a.repeats,
           "pandas": pd.__version__, "numpy": np.__version__}
    ts, df = timed(lambda: pd.read_csv(a.file), a.repeats)
    med = statistics.median(ts)
    res["pandas_read_csv"] = {"median_s": round(med, 5), "min_s": round(min(ts), 5),
                              "mb_per_s": round(mb / med, 1), "shape": list(df.shape)}
    del df
    if not a.no_loadtxt:
        ts, arr = timed(lambda: np.loadtxt(a.file, delimiter=",", skiprows=1), a.repeats)
        med = statistics.median(ts)
        res["numpy_loadtxt"] = {"median_s": round(med, 5), "min_s": round(min(ts), 5),
                                "mb_per_s": round(mb / med, 1), "shape": list(arr.shape)}
        del arr
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
