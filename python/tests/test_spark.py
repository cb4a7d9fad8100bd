"""flowhound on a real Spark cluster on loopback: two executors, the work split into
parts, the same leads and features as the single-machine command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polars as pl
import pytest
from pyspark.sql import SparkSession

import flowhound
import flowhound.spark

from test_flowhound import OUTPUTS, as_text, cli


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


def test_two_executors_give_the_single_machine_leads(spark, tmp_path: Path, monkeypatch) -> None:
    # Results come back in pieces of 4 KiB here (512 KiB by default), so that most
    # parts' results are put together from several.
    monkeypatch.setattr(flowhound.spark, "_PIECE", 4096)
    dump = tmp_path / "world"
    cli("generate", "--out", dump, "--transfers", "20000", "--days", "60", "--seed", "23")
    cli("analyze", dump, "--out", tmp_path / "cli")
    read = lambda name: spark.read.csv(str(dump / f"{name}.csv"), header=True)
    transfers = read("transfers")
    # A row that cannot be accepted: it comes back among the rejects.
    bad = spark.createDataFrame(
        [("BAD-AMOUNT", "2024-02-01T12:00:00Z", "A00000001", "A00000002", "-5", "USD", "wire", None)],
        transfers.schema,
    )
    run = flowhound.spark.analyze(
        transfers.unionByName(bad),
        accounts=read("accounts"),
        entities=read("entities"),
        entity_links=read("entity_links"),
        fx_rates=pl.read_csv(dump / "fx_rates.csv", infer_schema_length=0),
        window="10d",
    )
    assert spark.sparkContext._jsc.sc().getExecutorIds().size() == 2
    # Every detector ran on the executors, in at least four parts.
    for detector in run.summary["detectors"]:
        assert detector["parts"]["ran"] == "in_parts", detector["code"]
        assert detector["parts"]["parts"] >= 4, detector["code"]
    # Two rounds went to the executors: parts of time and of accounts, then of pairs.
    rounds = run.summary["spark"]["rounds"]
    assert [r["jobs"] > 0 for r in rounds] == [True, True]
    assert rounds[0]["result_pieces"] > rounds[0]["jobs"], rounds[0]
    assert rounds[0]["result_bytes"] > 4096 * rounds[0]["jobs"], rounds[0]
    for name in OUTPUTS[:-1]:
        theirs = pl.read_csv(tmp_path / "cli" / f"{name}.csv", infer_schema_length=0)
        mine = pl.from_arrow(getattr(run, name).toArrow())
        assert mine.columns == theirs.columns, name
        assert mine.height == theirs.height > 0, name
        assert as_text(mine, theirs).equals(theirs), f"{name} differs from the CLI's {name}.csv"
    refused = {r["value"]: r["field"] for r in run.rejects.collect()}
    assert refused == {"-5": "amount"}


def test_detectors_run_again_under_wider_chance_budgets_give_the_single_machine_leads(
    spark, tmp_path: Path
) -> None:
    dump = tmp_path / "world"
    cli("generate", "--out", dump, "--transfers", "20000", "--days", "60", "--seed", "23")
    # Coincidences allowed up to every hit found: each detector that finds more than its
    # budget runs again, its parts on the executors under a configuration of its own.
    wide = tmp_path / "wide.toml"
    wide.write_text("false_discovery_share = 1.0\n")
    cli("analyze", dump, "--config", wide, "--out", tmp_path / "cli")
    read = lambda name: spark.read.csv(str(dump / f"{name}.csv"), header=True)
    run = flowhound.spark.analyze(
        read("transfers"),
        accounts=read("accounts"),
        entities=read("entities"),
        entity_links=read("entity_links"),
        fx_rates=pl.read_csv(dump / "fx_rates.csv", infer_schema_length=0),
        window="10d",
        config=wide,
    )
    widened = [d for d in run.summary["detectors"] if d.get("chance_budget", {}).get("widened", 1) > 1]
    assert len(widened) >= 3, widened
    assert all(d["parts"]["ran"] == "in_parts" for d in widened), widened
    # More rounds than the two of a run that widens nothing, one for each detector again.
    assert len(run.summary["spark"]["rounds"]) > 2
    for name in OUTPUTS[:-1]:
        theirs = pl.read_csv(tmp_path / "cli" / f"{name}.csv", infer_schema_length=0)
        mine = pl.from_arrow(getattr(run, name).toArrow())
        assert mine.height == theirs.height > 0, name
        assert as_text(mine, theirs).equals(theirs), f"{name} differs from the CLI's {name}.csv"


def test_a_session_outside_utc_is_refused(spark) -> None:
    spark.conf.set("spark.sql.session.timeZone", "Europe/Paris")
    try:
        frame = spark.createDataFrame([("T1", "2024-01-01T00:00:00Z", "A", "B", "1", "USD")],
                                      ["transfer_id", "timestamp", "src_account", "dst_account", "amount", "currency"])
        with pytest.raises(ValueError, match="UTC"):
            flowhound.spark.features(frame)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
