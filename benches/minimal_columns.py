#!/usr/bin/env python3
"""Writes a generated dump as the poorer exports investigators are handed, for
benches/minimal_columns.sh:

- ``bare``: transfers.csv as generated (channel, currency, memo) and fx_rates.csv, no
  accounts, entities or links: no holders, kinds, countries or licences;
- ``five``: transfer_id, timestamp, src_account, dst_account and amount alone, every
  amount converted to the base currency with the dump's own fx_rates.csv (the run reads
  them with ``[ingest] currency``): no channel, currency or memo either.

The truth files are copied beside each, so that ``flowhound eval`` scores them.

Usage: minimal_columns.py DUMP OUT_DIR BASE_CURRENCY
"""

import csv
import os
import shutil
import sys


def copy_truth(dump, out):
    for name in ["truth.csv", "truth_accounts.csv"]:
        shutil.copy(os.path.join(dump, name), os.path.join(out, name))


def bare(dump, out):
    os.makedirs(out, exist_ok=True)
    for name in ["transfers.csv", "fx_rates.csv"]:
        shutil.copy(os.path.join(dump, name), os.path.join(out, name))
    copy_truth(dump, out)


def five(dump, out, base):
    os.makedirs(out, exist_ok=True)
    rates = {}
    with open(os.path.join(dump, "fx_rates.csv"), newline="") as f:
        for row in csv.DictReader(f):
            rates[(row["date"], row["currency"])] = float(row["rate_to_base"])
    with open(os.path.join(dump, "transfers.csv"), newline="") as f, open(
        os.path.join(out, "transfers.csv"), "w", newline=""
    ) as o:
        w = csv.writer(o)
        w.writerow(["transfer_id", "timestamp", "src_account", "dst_account", "amount"])
        for row in csv.DictReader(f):
            currency = row["currency"]
            rate = 1.0 if currency == base else rates[(row["timestamp"][:10], currency)]
            amount = float(row["amount"]) * rate
            w.writerow([row["transfer_id"], row["timestamp"], row["src_account"], row["dst_account"], f"{amount:.2f}"])
    copy_truth(dump, out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    dump, out, base = sys.argv[1:]
    bare(dump, os.path.join(out, "bare"))
    five(dump, os.path.join(out, "five"), base)


if __name__ == "__main__":
    main()
