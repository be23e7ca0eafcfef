#!/usr/bin/python3
# make_sensors.py - writes sensors.csv, the small data set of lesson 1: a
# machine's four sensors, once a minute, with gaps (empty cells) and 12
# labelled faults.  Standard library only; seeded, so it writes the same
# bytes every run:  python3 make_sensors.py > sensors.csv
import math
import random

rng = random.Random(20261205)
N = 600
faults = set(rng.sample(range(30, N - 30), 12))
print("minute,temperature,pressure,vibration,current,label")
for i in range(N):
    load = 0.5 + 0.4 * math.sin(2 * math.pi * i / 120)
    temp = 60 + 10 * load + rng.gauss(0, 0.8)
    pres = 2.0 + 0.5 * load + rng.gauss(0, 0.05)
    vib = 0.3 + 0.2 * load + abs(rng.gauss(0, 0.05))
    cur = 8 + 6 * load + rng.gauss(0, 0.3)
    lab = 0
    if i in faults:
        lab = 1
        kind = rng.randrange(3)
        if kind == 0:
            vib += rng.uniform(0.6, 1.2)      # a bearing knocks
        elif kind == 1:
            temp += rng.uniform(8, 14)        # overheating at normal load
        else:
            cur -= rng.uniform(4, 6)          # current drops, pressure holds
    vals = [temp, pres, vib, cur]
    cells = []
    for v, d in zip(vals, (2, 3, 3, 2)):
        # about 2% of the cells are missing (a sensor did not report); a
        # machine in trouble misses readings more often (25%)
        cells.append("" if rng.random() < (0.25 if lab else 0.02) else f"{v:.{d}f}")
    print(f"{i},{','.join(cells)},{lab}")
