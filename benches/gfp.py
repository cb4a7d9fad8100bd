"""Runs IBM's Graph Feature Preprocessor (snapml) on a flowhound dump, for comparison.

Every GFP pattern is enabled (fan, degree, scatter-gather, temporal cycle,
length-constrained cycle, vertex statistics) with one time window for all, and the
transform time (the feature computation, not the CSV parsing) is printed.

With --batch N the transfers stream through GFP in time-ordered batches of N (each
batch inserted into GFP's graph and its features computed, the output discarded), as a
streaming deployment runs it; without it, one transform over everything.

Usage: python3 benches/gfp.py DUMP/transfers.csv [--threads 2] [--window 86400] [--batch 10000] [--no-lc-cycle] [--all-stats]
"""
import argparse
import csv
import datetime
import time

import numpy as np
from snapml import GraphFeaturePreprocessor


def load(path):
    ids, rows = {}, []
    with open(path, newline="") as f:
        for i, r in enumerate(csv.DictReader(f)):
            src = ids.setdefault(r["src_account"], len(ids))
            dst = ids.setdefault(r["dst_account"], len(ids))
            ts = datetime.datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")).timestamp()
            rows.append((i, src, dst, ts, float(r["amount"])))
    return np.array(rows, dtype="float64")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("transfers")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--window", type=int, default=86400)
    p.add_argument("--no-lc-cycle", action="store_true",
                   help="skip length-constrained (non-temporal) cycles, which flowhound does not compute")
    p.add_argument("--no-cycles", action="store_true", help="skip both cycle patterns (a lower bound on GFP's time)")
    p.add_argument("--batch", type=int, default=0, help="stream in time-ordered batches of this many transfers")
    p.add_argument("--all-stats", action="store_true",
                   help="all eleven vertex statistics (min, max and median too), as flowhound's --layout gfp writes")
    a = p.parse_args()
    t0 = time.time()
    x = load(a.transfers)
    x = x[np.argsort(x[:, 3], kind="stable")]
    t1 = time.time()
    w = a.window
    gfp = GraphFeaturePreprocessor()
    gfp.set_params({
        "num_threads": a.threads, "time_window": w,
        "vertex_stats": True, "vertex_stats_tw": w, "vertex_stats_cols": [4],
        **({"vertex_stats_feats": list(range(11))} if a.all_stats else {}),
        "fan": True, "fan_tw": w, "degree": True, "degree_tw": w,
        "scatter-gather": True, "scatter-gather_tw": w,
        "temp-cycle": not a.no_cycles, "temp-cycle_tw": w,
        "lc-cycle": not (a.no_lc_cycle or a.no_cycles), "lc-cycle_tw": w, "lc-cycle_len": 10,
    })
    t2 = time.time()
    if a.batch > 0:
        columns = 0
        for lo in range(0, len(x), a.batch):
            columns = gfp.transform(x[lo:lo + a.batch]).shape[1]
    else:
        columns = gfp.transform(x).shape[1]
    t3 = time.time()
    n = len(x)
    print(f"gfp: load {t1 - t0:.1f} s, transform {t3 - t2:.2f} s for {n} transfers "
          f"({n / (t3 - t2):.0f} transfers/s), {columns} columns")


if __name__ == "__main__":
    main()
