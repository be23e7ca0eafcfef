#!/usr/bin/python3
"""Fair benchmarks of the shipped oddity binary (issue 19), through its command line.

    /usr/bin/python3 bench/fair.py --oddity _build/release/oddity --data /tmp/odd-bench
        [--threads 1,2] [--rounds 3] [--cases kmeans,kmeans-long,threshold,interactive,startup]
        [--big /tmp/odd-bench/blobs_n10000000_d8.csv] [--label shipped]
        [--json bench-fair.json] [--md docs/bench.md]

Rules (every case):
  * the binary is the one scripts/run builds (pass another with --oddity and name
    it with --label, e.g. a -march=native build, to show it beside, labelled);
  * interleaved rounds: oddity, anchor, oddity, anchor, ... (--rounds, at least 3),
    the median and the range (min-max) of each side are reported;
  * the same thread count on both sides (OMP/OpenBLAS/threadpoolctl for Python,
    `set threads=T` for oddity); each thread count is its own row;
  * a check round first: both sides must have computed the same thing, or the
    row says FAILED and no ratio is trusted;
  * every ratio is printed, also where oddity is slower (ratio < 1);
  * wall time is the figure; the CPU time of all threads is shown beside it
    because the machines these run on are shared (a loaded machine stretches
    wall time, not CPU time).

Cases:
  kmeans       blobs_n1000000_d8, KMeans(k=8, init = the first 8 rows, n_init=1,
               max_iter=100, tol=0, algorithm=A).fit vs `detect kmeans k=8
               init=first max_iter=100 tol=0 algorithm=B` (its printed fit time), three
               rows per thread count: B=auto (= lloyd) against A='lloyd', B=hamerly against
               A='elkan' (bounds against bounds), B=hamerly against A='lloyd'.  Check: the same
               n_iter, inertia equal to 1e-9 relative (oddity's from its exported
               distances), labels equal.  Per Lloyd iteration on each side: (the fit to
               convergence - the same fit with max_iter=1) / (n_iter - 1), so set-up
               and the final assignment cancel; CPU time the same way (oddity: the CPU
               time of the two detect lines).
  kmeans-long  the same on 1M x 8 uniform random data (numpy seed 1, written to the work
               directory), where neither side converges: exactly 30 iterations each, so
               the per-iteration difference spans 29 iterations (the steadier figure).
  threshold    moving a threshold on 10M scores: `threshold h value=V` against what a
               Python user would write, np.searchsorted on the already sorted scores
               plus the confusion-matrix counts from a cumulative label sum.  Check:
               the same flagged count.
  interactive  each interactive command on --big (10M x 8) by itself, timed inside one
               session (ODDITY_TIME_LINES): describe, head, metrics, compare,
               threshold, plot pdf; target < 1 s each (no anchor: the ratio column
               holds the target's ratio, 1 s / time).
  startup      `oddity -e help` and `oddity -e ''` (start-up to the point a prompt
               would show) against /bin/true (the cost of starting any process here):
               median of 20 runs each, target <= 20 ms.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def med_range(v):
    return statistics.median(v), min(v), max(v)


def run_timed(cmd, env=None, cwd=None):
    """wall seconds, CPU seconds (children, all threads), CompletedProcess"""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, p


class Bench:
    def __init__(self, a):
        self.a = a
        self.oddity = os.path.abspath(a.oddity)
        self.work = tempfile.mkdtemp(prefix="odd-fair-")
        self.rows = []

    def env(self, threads):
        e = dict(os.environ)
        for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            e[v] = str(threads)
        e["ODDITY_TIME_LINES"] = "1"
        return e

    def odd(self, lines, threads):
        cmd = [self.oddity, "--no-journal", "-e", f"set threads={threads}"]
        for ln in lines:
            cmd += ["-e", ln]
        wall, cpu, p = run_timed(cmd, env=self.env(threads), cwd=self.work)
        if p.returncode:
            sys.exit(f"oddity failed ({' '.join(cmd)}):\n{p.stdout}{p.stderr}")
        times = {}
        for m in re.finditer(r"^time: ([0-9.]+) s cpu ([0-9.]+) s: (.*)$", p.stderr, re.M):
            times[m.group(3)] = (float(m.group(1)), float(m.group(2)))
        return p.stdout, times

    def add(self, group, case, threads, odd_t, odd_cpu, anc_t, anc_cpu, anchor, check_ok, check, target=None):
        row = dict(group=group, case=case, threads=threads, build=self.a.label,
                   oddity_s=med_range(odd_t), oddity_cpu_s=statistics.median(odd_cpu) if odd_cpu else None,
                   anchor=anchor, anchor_s=med_range(anc_t) if anc_t else None,
                   anchor_cpu_s=statistics.median(anc_cpu) if anc_cpu else None,
                   rounds=len(odd_t), check_ok=bool(check_ok), check=check)
        if anc_t:
            # ODDITY_TIME_LINES resolves 1 us: a zero is below it, and the ratio a lower bound
            row["ratio"] = row["anchor_s"][0] / max(row["oddity_s"][0], 1e-6)
        elif target:
            row["target_s"] = target
            row["ratio"] = target / max(row["oddity_s"][0], 1e-6)
        self.rows.append(row)
        r = row.get("ratio")
        print(f"  -> {case} ({threads} thr): oddity {fmt_mr(row['oddity_s'])}"
              + (f", {anchor} {fmt_mr(row['anchor_s'])}" if anc_t else f", target {target} s")
              + f", ratio {r:.2f}x, check {'ok' if check_ok else 'FAILED'}: {check}", flush=True)

    # ------------------------------------------------------------------ kmeans
    def kmeans(self):
        self.kmeans_case(os.path.join(self.a.data, "blobs_n1000000_d8"), 100,
                         "kmeans Lloyd per iteration, 1M x 8, k=8")

    def kmeans_long(self):
        """the same on data without clusters (uniform in the unit cube, numpy seed 1), where
        Lloyd does not converge within 30 iterations: both sides run exactly 30, and the
        per-iteration figure is a difference over 29 iterations instead of 4"""
        import numpy as np
        base = os.path.join(self.work, "uniform_n1000000_d8")
        X = np.random.default_rng(1).random((1000000, 8))
        np.save(base + ".npy", X)
        np.savetxt(base + ".csv", X, delimiter=",", fmt="%.17g", header=",".join(f"x{j}" for j in range(8)),
                   comments="")
        self.kmeans_case(base, 30, "kmeans Lloyd per iteration, 1M x 8 uniform, k=8, 30 iterations")

    # (oddity algorithm=, sklearn algorithm=): oddity's default (auto = plain Lloyd) against
    # sklearn's Lloyd, oddity's Hamerly bounds against sklearn's Elkan (bounds against
    # bounds) and against sklearn's Lloyd
    KMEANS_PAIRS = (("auto", "lloyd"), ("hamerly", "elkan"), ("hamerly", "lloyd"))

    def kmeans_case(self, base, iters, name):
        for alg_o, alg_s in self.KMEANS_PAIRS:
            self.kmeans_pair(base, iters, name, alg_o, alg_s)

    def kmeans_pair(self, base, iters, name, alg_o, alg_s):
        import numpy as np
        from threadpoolctl import threadpool_limits
        X = np.load(base + ".npy")
        csv = base + ".csv"
        det = f"detect kmeans k=8 init=first max_iter={iters} tol=0 algorithm={alg_o} as km"
        name = f"{name}, oddity algorithm={alg_o}"
        for T in self.a.threads:
            os.environ["OMP_NUM_THREADS"] = str(T)
            with threadpool_limits(limits=T):
                from sklearn.cluster import KMeans

                import warnings
                warnings.simplefilter("ignore")

                def sk_fit(iters):
                    t0 = time.perf_counter()
                    c0 = time.process_time()
                    m = KMeans(n_clusters=8, n_init=1, max_iter=iters, tol=0, init=X[:8].copy(),
                               algorithm=alg_s).fit(X)
                    return time.perf_counter() - t0, time.process_time() - c0, m

                def sk():
                    """per Lloyd iteration: (fit to convergence - fit of 1 iteration) / (n_iter - 1);
                    the fixed cost of a fit is the fastest of three 1-iteration fits (a single one,
                    slowed by the machine, could exceed the whole fit on 5-iteration data and
                    make the difference negative)"""
                    one = [sk_fit(1) for _ in range(3)]
                    t1, c1 = min(o[0] for o in one), min(o[1] for o in one)
                    tn, cn, m = sk_fit(iters)
                    k = m.n_iter_ - 1
                    return (tn - t1) / k, (cn - c1) / k, m

                det1 = [f"detect kmeans k=8 init=first max_iter=1 tol=0 algorithm={alg_o} as k{i}" for i in (1, 2, 3)]

                def od(export):
                    """the same difference through the command line: one session, three 1-iteration
                    detect lines (the fastest is the fixed cost, as on scikit-learn's side) and the
                    full one; oddity's printed fit times and the CPU time of each line"""
                    lines = [f"load {csv}"] + det1 + [det]
                    if export:
                        lines.append("export scores km to=km.csv force=yes")
                    out, times = self.odd(lines, T)
                    f1 = min(float(re.search(rf"^k{i}: .*fit on .* in ([0-9.e+-]+) s;", out, re.M).group(1))
                             for i in (1, 2, 3))
                    c1 = min(times[x][1] for x in det1)
                    fn = float(re.search(r"^km: .*fit on .* in ([0-9.e+-]+) s;", out, re.M).group(1))
                    nit = int(re.findall(r"iterations: (\d+)", out)[-1])
                    k = max(1, nit - 1)
                    return (fn - f1) / k, (times[det][1] - c1) / k, nit

                # check round
                _, _, nit_o = od(True)
                kmcsv = os.path.join(self.work, "km.csv")
                with open(kmcsv) as f:
                    hdr = f.readline().strip().split(",")
                S = np.loadtxt(kmcsv, delimiter=",", skiprows=1, usecols=(hdr.index("km"), hdr.index("km_cluster")))
                in_o = float((S[:, 0] ** 2).sum())
                _, _, m = sk_fit(iters)
                lab_eq = bool((S[:, 1].astype(int) == m.labels_).all())
                rel = abs(in_o - m.inertia_) / m.inertia_
                ok = nit_o == m.n_iter_ and rel <= 1e-9 and lab_eq
                check = (f"n_iter {nit_o}/{m.n_iter_}, inertia rel diff {rel:.1e} (<= 1e-9), "
                         f"labels {'equal' if lab_eq else 'DIFFER'}")
                ot, oc, at, ac = [], [], [], []
                for r in range(self.a.rounds):
                    f, c, n = od(False)
                    ot.append(f), oc.append(c)
                    t, c2, mm = sk()
                    at.append(t), ac.append(c2)
                    print(f"  round {r + 1}: oddity per iteration {ot[-1] * 1e3:.1f} ms (cpu {oc[-1] * 1e3:.1f}), "
                          f"sklearn {at[-1] * 1e3:.1f} ms (cpu {ac[-1] * 1e3:.1f})", flush=True)
                self.add("cluster", name, T, ot, oc, at, ac,
                         f"sklearn KMeans({alg_s})", ok, check)

    # --------------------------------------------------------------- threshold
    def threshold(self):
        import numpy as np
        big = self.a.big
        for T in self.a.threads:
            lines = [f"load {big}", "detect hbos as h", "export scores h to=h.csv force=yes"]
            out, _ = self.odd(lines, T)
            hcsv = os.path.join(self.work, "h.csv")
            with open(hcsv) as f:
                hdr = f.readline().strip().split(",")
            S = np.loadtxt(hcsv, delimiter=",", skiprows=1, usecols=hdr.index("h"))
            y = np.load(big[:-4] + "_label.npy")
            v = float(np.quantile(S, 0.99))
            order = np.argsort(S, kind="stable")
            s_sorted = S[order]
            pos_cum = np.concatenate([[0], np.cumsum(y[order])])

            def py_move(value):
                t0 = time.perf_counter()
                i = np.searchsorted(s_sorted, value, side="left")     # flag score >= value
                flagged = len(s_sorted) - i
                tp = int(pos_cum[-1] - pos_cum[i])
                fp = flagged - tp
                return time.perf_counter() - t0, flagged, tp, fp

            vals = [v, float(np.quantile(S, 0.95)), float(np.quantile(S, 0.999))]
            ot, oc, at = [], [], []
            lines = [f"load {big}", "detect hbos as h"] + [f"threshold h value={x!r}" for x in vals] + ["metrics h"]
            out, times = self.odd(lines, T)
            fl_o = [int(x) for x in re.findall(r"^  flags (\d+) of", out, re.M)]
            fl_p = [py_move(x)[1] for x in vals]
            for r in range(self.a.rounds):
                out, times = self.odd(lines, T)
                tt = [times[f"threshold h value={x!r}"] for x in vals]
                ot.append(statistics.median(t[0] for t in tt)), oc.append(statistics.median(t[1] for t in tt))
                at.append(statistics.median(py_move(x)[0] for x in vals))
            ok = fl_o == fl_p
            self.add("eval", "threshold move on 10M scores (median of 3 moves; the first builds the sorted counts)", T,
                     ot, oc, at, [], "np.searchsorted on sorted scores", ok, f"flagged {fl_o}/{fl_p}")

    # -------------------------------------------------------------- interactive
    def interactive(self):
        big = self.a.big
        # the 10M-row session: `detect gauss` gives the run that metrics, compare,
        # threshold and plot work on
        cmds = ["describe", "head", "metrics h", "compare", "threshold h method=percentile q=99",
                "threshold h value=3", "plot pdf h to=pdf.png force=yes", "plot pdf h"]
        for T in [int(t) for t in self.a.interactive_threads.split(",")]:
            res = {c: ([], []) for c in cmds}
            for r in range(self.a.rounds):
                out, times = self.odd(["set terminal=dumb", f"load {big}", "detect gauss as h"] + cmds, T)
                for c in cmds:
                    res[c][0].append(times[c][0]), res[c][1].append(times[c][1])
                print(f"  round {r + 1}: " + ", ".join(f"{c.split()[0] if not c.startswith('plot') else c[:8]} "
                                                         f"{times[c][0]:.3f}" for c in cmds), flush=True)
            for c in cmds:
                self.add("interactive", f"`{c}` on 10M x 8", T, res[c][0], res[c][1], [], [], "-",
                         max(res[c][0]) < 1.0 or statistics.median(res[c][0]) < 1.0, "wall < 1 s", target=1.0)

    # ------------------------------------------------------------------ startup
    def startup(self):
        cases = [("oddity -e help", [self.oddity, "--no-journal", "-e", "help"]),
                 ("oddity -e '' (start-up to the prompt)", [self.oddity, "--no-journal", "-e", ""]),
                 ("/bin/true (any process)", ["/bin/true"])]
        res = {n: ([], []) for n, _ in cases}
        for r in range(20):
            for n, cmd in cases:
                w, c, p = run_timed(cmd, env=self.env(2), cwd=self.work)
                res[n][0].append(w), res[n][1].append(c)
        for n, _ in cases:
            self.add("startup", n, 2, res[n][0], res[n][1], [], [], "-", True, "20 runs", target=0.020)

    def report(self):
        a = self.a
        with open(a.json, "w") as f:
            json.dump(dict(build=a.label, oddity=a.oddity, rounds=a.rounds, threads=a.threads,
                           machine=os.uname().nodename, date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                           loadavg=os.getloadavg(), rows=self.rows), f, indent=1)
        lines = [f"| group | case | threads | oddity s (median, range) | oddity CPU s | anchor | anchor s (median, range) "
                 f"| ratio | check |", "|---|---|---|---|---|---|---|---|---|"]
        for r in self.rows:
            anc = fmt_mr(r["anchor_s"]) if r.get("anchor_s") else f"target {r.get('target_s')}"
            rat = f"{r['ratio']:.2f}x" if "ratio" in r else "-"
            lines.append(f"| {r['group']} | {r['case']} | {r['threads']} | {fmt_mr(r['oddity_s'])} | "
                         f"{r['oddity_cpu_s']:.4g} | {r['anchor']} | {anc} | {rat} | "
                         f"{'ok' if r['check_ok'] else 'FAILED'}: {r['check']} |")
        table = "\n".join(lines)
        print()
        print(table)
        if a.md:
            # the table replaces the part of the file above MD_END; what follows it
            # (other measurements, written by hand) is kept
            load = os.getloadavg()
            rest = ""
            if os.path.exists(a.md):
                with open(a.md) as f:
                    old = f.read()
                if MD_END in old:
                    rest = old[old.index(MD_END) + len(MD_END):]
            tmp = a.md + ".tmp"
            with open(tmp, "w") as f:
                f.write(MD_HEAD.format(label=a.label, rounds=a.rounds, date=time.strftime("%Y-%m-%d", time.gmtime()),
                                       load=f"{load[0]:.1f}", cmd=CMD))
                f.write(table + "\n\n" + MD_END + rest)
            os.replace(tmp, a.md)


CMD = "scripts/bench fair"
MD_END = "<!-- end of the table scripts/bench fair writes; the rest is kept -->"
MD_HEAD = """# Benchmarks

Produced by `{cmd}` ({date}, build: {label}, {rounds} interleaved rounds, load average
{load} when it finished: the machine is shared, so compare ratios of the same run, and
read the CPU column beside the wall times).  `bench/fair.py` explains each case: the
binary is the one `scripts/run` builds, timed through its command line; oddity and its
anchor alternate round by round with the same thread count; a check round compares
what both computed before any ratio is printed; ratio = anchor time / oddity time
(above 1: oddity is faster; below 1: slower, printed all the same).  Interactive
commands have no anchor: their ratio is the 1 s target over the time (above 1: under
the target); start-up's target is 20 ms.  The JSON beside this file holds every round.

"""


def fmt_mr(t):
    m, lo, hi = t
    return f"{m:.4g} ({lo:.3g}-{hi:.3g})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oddity", required=True)
    ap.add_argument("--data", default="/tmp/odd-bench")
    ap.add_argument("--big")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--interactive-threads", default="2", help="thread counts for the 10M-row commands")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="kmeans,kmeans-long,threshold,interactive,startup")
    ap.add_argument("--label", default="shipped (scripts/run: _build/release, -O2, runtime CPU dispatch)")
    ap.add_argument("--json", default="bench-fair.json")
    ap.add_argument("--md")
    a = ap.parse_args()
    a.threads = [int(t) for t in a.threads.split(",")]
    a.rounds = max(3, a.rounds)
    if not a.big:
        a.big = os.path.join(a.data, "blobs_n10000000_d8.csv")
    b = Bench(a)
    for c in a.cases.split(","):
        print(f"== {c}", flush=True)
        if c in ("threshold", "interactive") and not os.path.exists(a.big):
            print(f"  skipped: {a.big} not found (bench/gen_big.py writes it)")
            continue
        getattr(b, c.replace("-", "_"))()
        b.report()   # after every case, so an interrupted run keeps what it measured
    return 0 if all(r["check_ok"] for r in b.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
