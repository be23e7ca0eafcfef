#!/usr/bin/python3
"""The 10M-row table for the interactive-command timings (issue 19), made by the
shared generator's own recipe (../shared/bench/gen_data.py make_blobs, the same
seeds rule, the same CSV format):

    /usr/bin/python3 bench/gen_big.py --shared ../shared/bench --out /tmp/odd-bench [--n 10000000]

writes blobs_n{N}_d8.csv (about 0.9 GB for 10M rows) and its .npy/_label.npy.
Big data stays outside the repository."""
import argparse
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--shared", required=True, help="the directory holding gen_data.py")
ap.add_argument("--out", required=True)
ap.add_argument("--n", type=int, default=10_000_000)
ap.add_argument("--d", type=int, default=8)
a = ap.parse_args()
sys.path.insert(0, os.path.abspath(a.shared))
import numpy as np  # noqa: E402
import gen_data  # noqa: E402

os.makedirs(a.out, exist_ok=True)
name = f"blobs_n{a.n}_d{a.d}"
X, y, _ = gen_data.make_blobs(a.n, a.d)
X = np.round(X, 6)
np.save(os.path.join(a.out, name + ".npy"), np.ascontiguousarray(X))
np.save(os.path.join(a.out, name + "_label.npy"), y)
gen_data.write_csv(os.path.join(a.out, name + ".csv"), [f"x{i}" for i in range(a.d)], X, y)
print(os.path.join(a.out, name + ".csv"))
