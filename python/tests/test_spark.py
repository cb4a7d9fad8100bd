"""flowhound on a real Spark cluster on loopback: two executors, the work split by time
into parts, the same features as the single-machine command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polars as pl
import pytest
from pyspark.sql import SparkSession

import flowhound
import flowhound.spark

from test_flowhound import cli


@pytest.fixture(scope="module")
def spark():
    # Executors are separate processes: they run this interpreter, which has the package.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local-cluster[2,1,1024]")
        .appName("flowhound-test")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_two_executors_give_the_single_machine_features(spark, tmp_path: Path) -> None:
    dump = tmp_path / "world"
    cli("generate", "--out", dump, "--transfers", "20000", "--days", "60", "--seed", "23")
    cli("features", dump, "--out-file", tmp_path / "cli.parquet", "--window", "2d")
    expected = pl.read_parquet(tmp_path / "cli.parquet")
    transfers = spark.read.csv(str(dump / "transfers.csv"), header=True)
    # Two rows that cannot be accepted: nothing is lost, each comes back with its reason.
    bad = spark.createDataFrame(
        [
            ("BAD-TIME", "last tuesday", "A00000001", "A00000002", "10", "USD", "wire", None),
            ("BAD-AMOUNT", "2024-02-01T12:00:00Z", "A00000001", "A00000002", "-5", "USD", "wire", None),
        ],
        transfers.schema,
    )
    fx = pl.read_csv(dump / "fx_rates.csv", infer_schema_length=0)
    result, rejects = flowhound.spark.features_with_rejects(
        transfers.unionByName(bad), window="2d", partition="10d", fx_rates=fx
    )
    refused = {r["transfer_id"]: r["field"] for r in rejects.collect()}
    assert refused == {"BAD-TIME": "timestamp", "BAD-AMOUNT": "amount"}
    got = pl.from_pandas(result.toPandas()).sort(["timestamp_seconds", "input_order"])
    # Two executors besides the driver, and at least four ten-day parts with transfers.
    assert spark.sparkContext._jsc.sc().getExecutorIds().size() == 2
    first = got["timestamp_seconds"].min()
    assert got.select((pl.col("timestamp_seconds") - first) // (10 * 86400)).n_unique() >= 4
    assert got["transfer_id"].to_list() == expected["transfer_id"].to_list()
    for column in expected.columns[1:]:
        assert got[column].to_list() == expected[column].cast(pl.Float64).to_list(), column


def test_a_session_outside_utc_is_refused(spark) -> None:
    spark.conf.set("spark.sql.session.timeZone", "Europe/Paris")
    try:
        frame = spark.createDataFrame([("T1", "2024-01-01T00:00:00Z", "A", "B", "1", "USD")],
                                      ["transfer_id", "timestamp", "src_account", "dst_account", "amount", "currency"])
        with pytest.raises(ValueError, match="UTC"):
            flowhound.spark.features(frame)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
