"""Loads a Parquet dump with polars, runs flowhound and shows the top leads.

    python python/examples/top_leads.py dump/transfers.parquet
"""

import sys
from pathlib import Path

import polars as pl

import flowhound

transfers_file = Path(sys.argv[1] if len(sys.argv) > 1 else "dump/transfers.parquet")
transfers = pl.read_parquet(transfers_file)
# The reference tables are optional; use those that sit beside the transfers.
others = {
    name: pl.read_parquet(transfers_file.with_name(f"{name}.parquet"))
    for name in ("accounts", "entities", "entity_links", "fx_rates")
    if transfers_file.with_name(f"{name}.parquet").exists()
}
run = flowhound.analyze(transfers, **others)
print(f"{run.summary['leads']} leads from {run.summary['transfers']} transfers; {run.rejects.height} rows rejected")
with pl.Config(tbl_rows=10, fmt_str_lengths=80, tbl_width_chars=160):
    print(run.leads.select("rank", "lead_id", "score", "patterns", "total_amount_base", "summary").head(10))
