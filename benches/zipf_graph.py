"""Writes the graph the speed comparison with IBM's GFP runs on (issue: speed and scale).

ACCOUNTS accounts over 30 days, TRANSFERS_PER_ACCOUNT transfers per account on average,
senders and receivers each drawn with Zipf-like activity (a few very busy accounts, a
long tail of quiet ones; the two sides ranked independently), amounts log-normal, plus
injected cycles, fans and scatter-gathers so that every feature family has work. The
output is a flowhound dump folder (transfers.csv in the native schema) that both
`flowhound features` and benches/gfp.py read.

Usage: python3 benches/zipf_graph.py OUT_DIR [--accounts 100000] [--per-account 10] [--seed 7]
"""
import argparse
import datetime
import os

import numpy as np

DAYS = 30
START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc).timestamp()


def zipf_choice(rng, n, size, exponent):
    """Indices 0..n-1 drawn with probability proportional to 1 / rank^exponent, the ranks
    a random permutation of the accounts."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    weights /= weights.sum()
    ranks = rng.choice(n, size=size, p=weights)
    return rng.permutation(n)[ranks]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--accounts", type=int, default=100_000)
    p.add_argument("--per-account", type=int, default=10)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--exponent", type=float, default=1.0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    n = a.accounts
    m = n * a.per_account
    src = zipf_choice(rng, n, m, a.exponent)
    dst = zipf_choice(rng, n, m, a.exponent)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    t = START + rng.uniform(0, DAYS * 86400, size=len(src))
    amount = np.round(rng.lognormal(5.5, 1.2, size=len(src)), 2)
    rows = [src, dst, t, amount]
    # Injected motifs, a hundredth of the accounts each: cycles of 3 to 6 hops within a
    # day, fans of 5 to 10 counterparties within a day, scatter-gathers through 2 to 4.
    extra = []
    k = max(1, n // 100)
    for _ in range(k):
        members = rng.choice(n, size=rng.integers(3, 7), replace=False)
        t0 = START + rng.uniform(0, (DAYS - 1) * 86400)
        for i, s in enumerate(members):
            extra.append((s, members[(i + 1) % len(members)], t0 + i * 3600, 5_000.0 - 10 * i))
    for _ in range(k):
        hub = rng.integers(n)
        t0 = START + rng.uniform(0, (DAYS - 1) * 86400)
        for i, other in enumerate(rng.choice(n, size=rng.integers(5, 11), replace=False)):
            if other != hub:
                pair = (hub, other) if i % 2 else (other, hub)
                extra.append((pair[0], pair[1], t0 + i * 1800, 900.0))
    for _ in range(k):
        u, v = rng.choice(n, size=2, replace=False)
        t0 = START + rng.uniform(0, (DAYS - 1) * 86400)
        for i, w in enumerate(rng.choice(n, size=rng.integers(2, 5), replace=False)):
            if w not in (u, v):
                extra.append((u, w, t0 + i * 600, 2_000.0))
                extra.append((w, v, t0 + 7200 + i * 600, 1_950.0))
    e = np.array(extra, dtype="float64")
    src = np.concatenate([src, e[:, 0].astype(np.int64)])
    dst = np.concatenate([dst, e[:, 1].astype(np.int64)])
    t = np.concatenate([t, e[:, 2]])
    amount = np.concatenate([amount, e[:, 3]])
    order = np.argsort(t, kind="stable")
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "transfers.csv"), "w") as f:
        f.write("transfer_id,timestamp,src_account,dst_account,amount,currency\n")
        for i, j in enumerate(order):
            ts = datetime.datetime.fromtimestamp(int(t[j]), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(f"T{i:09d},{ts},A{src[j]:07d},A{dst[j]:07d},{amount[j]:.2f},USD\n")
    print(f"wrote {len(order)} transfers over {n} accounts to {a.out}/transfers.csv")


if __name__ == "__main__":
    main()
