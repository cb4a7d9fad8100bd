#!/usr/bin/env python3
"""Times `flowhound.spark.features` on a local Spark cluster against the single-machine
command on the same dump, in one run, and checks that both give the same features.

Usage: benches/spark_features.py DUMP [--executors 2] [--executor-memory 4g]
         [--window 1d] [--partition 7d]
Needs the package built in release mode in this Python (maturin develop --release) and
pyspark; FLOWHOUND_BIN (or flowhound on PATH) is the command it compares with.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dump", type=Path)
    ap.add_argument("--executors", type=int, default=2)
    ap.add_argument("--executor-memory", default="4g")
    ap.add_argument("--window", default="1d")
    ap.add_argument("--partition", default="7d")
    args = ap.parse_args()
    binary = os.environ.get("FLOWHOUND_BIN") or shutil.which("flowhound")
    if not binary:
        sys.exit("set FLOWHOUND_BIN to the flowhound binary")
    work = Path(tempfile.mkdtemp())
    single = work / "single.parquet"
    began = time.time()
    subprocess.run(
        [binary, "-q", "--threads", str(args.executors), "features", str(args.dump), "--out-file", str(single),
         "--window", args.window],
        check=True,
    )
    single_s = time.time() - began

    os.environ["PYSPARK_PYTHON"] = sys.executable
    memory_mb = int(args.executor_memory.rstrip("g")) * 1024
    spark = (
        SparkSession.builder.master(f"local-cluster[{args.executors},1,{memory_mb}]")
        .config("spark.executor.memory", args.executor_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    began = time.time()
    transfers = spark.read.csv(str(args.dump / "transfers.csv"), header=True)
    fx = pl.read_csv(args.dump / "fx_rates.csv", infer_schema_length=0)
    out = work / "spark.parquet"
    flowhound.spark.features(transfers, window=args.window, partition=args.partition, fx_rates=fx).write.parquet(
        str(out)
    )
    spark_s = time.time() - began
    spark.stop()
    print(f"single machine, {args.executors} threads: {single_s:.1f} s (flowhound features, end to end)", flush=True)
    print(f"local Spark cluster, {args.executors} executors x 1 core x {args.executor_memory}: "
          f"{spark_s:.1f} s (read CSV, split into {args.partition} parts, compute, write Parquet)", flush=True)

    got = pl.read_parquet(str(out / "*.parquet")).sort(["timestamp_seconds", "input_order"])
    want = pl.read_parquet(single)
    same = got["transfer_id"].equals(want["transfer_id"]) and all(
        got[c].equals(want[c].cast(pl.Float64)) for c in want.columns[1:]
    )
    print(f"transfers: {want.height}")
    print(f"ratio Spark / single: {spark_s / single_s:.2f}; same features: {same}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
