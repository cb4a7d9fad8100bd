#!/usr/bin/env python3
"""Times `flowhound.spark.analyze` on a local Spark cluster against the single-machine
command on the same dump, in one run, and checks that both give the same lead files.

Usage: benches/spark_analyze.py DUMP [--executors 2] [--executor-memory 4g]
         [--driver-memory 8g] [--window 30d]
Needs the package built in release mode in this Python (maturin develop --release) and
pyspark; FLOWHOUND_BIN (or flowhound on PATH) is the command it compares with. DUMP is
a native-layout folder (transfers.csv, and accounts, entities, entity_links, fx_rates
when present).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from pyspark.sql import SparkSession

import flowhound.spark

LEADS = ["leads", "lead_accounts", "lead_transfers", "lead_evidence", "lead_hits"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dump", type=Path)
    ap.add_argument("--executors", type=int, default=2)
    ap.add_argument("--executor-memory", default="4g")
    ap.add_argument("--driver-memory", default="8g")
    ap.add_argument("--window", default="30d")
    args = ap.parse_args()
    binary = os.environ.get("FLOWHOUND_BIN") or shutil.which("flowhound")
    if not binary:
        sys.exit("set FLOWHOUND_BIN to the flowhound binary")
    work = Path(tempfile.mkdtemp())
    began = time.time()
    subprocess.run(
        [binary, "-q", "--threads", str(args.executors), "analyze", str(args.dump), "--out", str(work / "single"),
         "--partition-window", args.window],
        check=True,
    )
    single_s = time.time() - began

    os.environ["PYSPARK_PYTHON"] = sys.executable
    memory_mb = int(args.executor_memory.rstrip("g")) * 1024
    spark = (
        SparkSession.builder.master(f"local-cluster[{args.executors},1,{memory_mb}]")
        .config("spark.executor.memory", args.executor_memory)
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.driver.maxResultSize", "0")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    began = time.time()
    tables = {}
    for name in ["transfers", "accounts", "entities", "entity_links"]:
        if (args.dump / f"{name}.csv").exists():
            tables[name] = spark.read.csv(str(args.dump / f"{name}.csv"), header=True)
    fx = args.dump / "fx_rates.csv"
    run = flowhound.spark.analyze(
        tables.pop("transfers"),
        fx_rates=pl.read_csv(fx, infer_schema_length=0) if fx.exists() else None,
        window=args.window,
        threads=1,
        **tables,
    )
    for name in LEADS:
        getattr(run, name).write.parquet(str(work / "spark" / name))
    spark_s = time.time() - began
    spark.stop()
    print(f"single machine, {args.executors} threads: {single_s:.1f} s "
          f"(flowhound analyze --partition-window {args.window}, end to end)", flush=True)
    print(f"local Spark cluster, {args.executors} executors x 1 core x {args.executor_memory}: {spark_s:.1f} s "
          f"(read CSV, collect to the driver, parts on the executors, leads written as Parquet)", flush=True)
    same = True
    for name in LEADS:
        want = pl.read_csv(work / "single" / f"{name}.csv", infer_schema_length=0)
        got = pl.read_parquet(str(work / "spark" / name / "*.parquet"))
        same &= got.height == want.height and got.columns == want.columns
        same &= got[got.columns[0]].cast(pl.String).to_list() == want[want.columns[0]].to_list()
    parts = {d["code"]: d["parts"].get("parts") for d in run.summary["detectors"]}
    print(f"transfers in the graph: {run.summary['transfers']}; parts per detector: {parts}")
    spark_sent = run.summary["spark"]
    print(f"reference: {spark_sent['reference_bytes'] / 2**20:.0f} MiB, once")
    for r in spark_sent["rounds"]:
        print(f"round: {r['jobs']} jobs in {r['waves']} waves, {r['job_bytes'] / 2**20:.0f} MiB "
              f"(largest {r['largest_job_bytes'] / 2**20:.0f} MiB); results {r['result_bytes'] / 2**20:.0f} MiB "
              f"in {r['result_pieces']} pieces")
    print(f"ratio Spark / single: {spark_s / single_s:.2f}; same lead files (rows, columns): {same}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
