#!/usr/bin/python3
"""Data with a planted anomaly for the explain tests (tests/sessions/explain.odd,
tests/unit/test_explain.c):
  planted.csv  300 rows x 5 Gaussian features x1..x5 (seed 16) driven by two
               latent factors plus independent noise (sd 0.3), so the rows lie
               near a plane (what the pca detector models); row 151 (1-based)
               has x3 = mean + 8 sd of x3, its other features as drawn.
  spike.csv    400 points of sin(2 pi t / 20) + N(0, 0.05) noise (seed 16),
               with point 301 (1-based) raised by 4."""
import numpy as np

rng = np.random.default_rng(16)
A = np.array([[1.0, 0.8, 0.5, -0.3, 0.6], [0.2, -0.5, 0.7, 0.9, -0.4]])
X = rng.normal(0, 1, (300, 2)) @ A + rng.normal(0, 0.3, (300, 5))
X[150, 2] = X[:, 2].mean() + 8 * X[:, 2].std()
with open("planted.csv", "w") as f:
    f.write("x1,x2,x3,x4,x5\n")
    for r in X:
        f.write(",".join("%.6f" % v for v in r) + "\n")
t = np.arange(400)
y = np.sin(2 * np.pi * t / 20) + rng.normal(0, 0.05, 400)
y[300] += 4.0
with open("spike.csv", "w") as f:
    f.write("y\n")
    for v in y:
        f.write("%.6f\n" % v)
