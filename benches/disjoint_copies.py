#!/usr/bin/env python3
"""Writes a run of a simulator in AMLSim's layout (transactions.csv[.gz], accounts.csv,
and either AMLSim's alert_transactions.csv or flowhound's truth.csv and
truth_accounts.csv, as IBM AMLSim and AMLGentex runs ship) as COPIES disjoint copies of
itself in one dump, for benches/disjoint_copies.sh: a bank or an FIU many times the
size of the run, made of the same kind of customers and cases.

Copy ``k`` renames every account ``k-<id>`` and every transfer ``k-<id>``, so that no
two copies share an account; its transfers keep their times, and all copies are written
in time order. The label columns are left out (real data has none); truth.csv and
truth_accounts.csv are written beside the dump, from alert_transactions.csv (case
``alert-<id>-<k>``, the two ends of each alert transfer) or from the run's own truth
files (case ``<id>-<k>``), as flowhound's eval reads them.

Usage: disjoint_copies.py RUN_DIR OUT_DIR COPIES
"""

import csv
import gzip
import os
import sys


def open_text(path):
    if os.path.exists(path):
        return open(path, newline="")
    return gzip.open(path + ".gz", "rt", newline="")


def main(src, out, copies):
    os.makedirs(out, exist_ok=True)
    with open_text(os.path.join(src, "transactions.csv")) as f:
        rows = list(csv.DictReader(f))
    fields = [c for c in rows[0].keys() if c not in ("is_sar", "alert_id")]
    ends = {r["tran_id"]: (r["orig_acct"], r["bene_acct"]) for r in rows}
    # Each copy's transfers are in time order already: merged by (time, copy, order in
    # the run), the dump stays in time order and the copies interleave.
    merged = sorted(
        ((r["tran_timestamp"], k, i) for k in range(copies) for i, r in enumerate(rows)),
    )
    with open(os.path.join(out, "transactions.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for _, k, i in merged:
            r = rows[i]
            w.writerow(
                [
                    f"{k}-{r[c]}" if c in ("tran_id", "orig_acct", "bene_acct") else r[c]
                    for c in fields
                ]
            )
    with open_text(os.path.join(src, "accounts.csv")) as f, open(
        os.path.join(out, "accounts.csv"), "w", newline=""
    ) as g:
        accounts = list(csv.DictReader(f))
        w = csv.DictWriter(g, fieldnames=list(accounts[0].keys()))
        w.writeheader()
        for k in range(copies):
            for a in accounts:
                w.writerow({**a, "acct_id": f"{k}-{a['acct_id']}"})
    alerts_file = os.path.join(src, "alert_transactions.csv")
    with open(os.path.join(out, "truth.csv"), "w", newline="") as t, open(
        os.path.join(out, "truth_accounts.csv"), "w", newline=""
    ) as a:
        tw, aw = csv.writer(t), csv.writer(a)
        tw.writerow(["transfer_id", "case_id", "pattern"])
        aw.writerow(["account_id", "case_id", "pattern", "role"])
        if os.path.exists(alerts_file):
            copy_alerts(alerts_file, ends, copies, tw, aw)
        else:
            copy_truth(src, copies, tw, aw)


def copy_alerts(alerts_file, ends, copies, tw, aw):
    """AMLSim's alert transfers, per copy, as truth: each alert transfer and its ends."""
    with open(alerts_file, newline="") as f:
        alerts = list(csv.DictReader(f))
    for k in range(copies):
        members = set()
        for r in alerts:
            case = f"alert-{r['alert_id']}-{k}"
            tw.writerow([f"{k}-{r['tran_id']}", case, r["alert_type"]])
            orig, bene = ends[r["tran_id"]]
            members.add((f"{k}-{orig}", case, r["alert_type"], "sender"))
            members.add((f"{k}-{bene}", case, r["alert_type"], "receiver"))
        for m in sorted(members):
            aw.writerow(m)


def copy_truth(src, copies, tw, aw):
    """A run that ships flowhound's truth files (truth.csv, truth_accounts.csv, as
    amlgentex-dev does), renamed per copy."""
    with open(os.path.join(src, "truth.csv"), newline="") as f:
        transfers = list(csv.DictReader(f))
    with open(os.path.join(src, "truth_accounts.csv"), newline="") as f:
        accounts = list(csv.DictReader(f))
    for k in range(copies):
        for r in transfers:
            tw.writerow([f"{k}-{r['transfer_id']}", f"{r['case_id']}-{k}", r["pattern"]])
        for r in accounts:
            aw.writerow([f"{k}-{r['account_id']}", f"{r['case_id']}-{k}", r["pattern"], r["role"]])


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
