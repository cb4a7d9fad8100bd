"""flowhound on Apache Spark: the work split into parts that Spark's executors compute
side by side, with the result of one run on one machine.

:func:`analyze` runs flowhound's detectors in parts (those of ``analyze
--partition-window``: parts of time, of accounts and of account pairs). The driver
reads the dump and builds each part's job: its transfers and what it reads of the whole
dump, cut to it. ``mapInArrow`` runs the jobs on the executors, which are handed once
what every part shares (accounts, holders, links, the dump's counts, the
configuration) as a broadcast. What they found comes back to the driver, which puts
the leads together as one run does. The driver holds the dump; the executors each hold
a part.

:func:`features` splits the work by time alone:

Each part owns ``[start, start + partition)`` of time and receives, besides its own
transfers, what they read (the `features` command prints this as its lookback): one
window before them, back to the start of the window-long block of time before that, and
one window after. Rows are copied into every part that reads them with one
``explode``; ``groupBy(part).applyInArrow`` runs flowhound on each part in an executor's
Python worker; each part keeps the rows it owns. It is what ``flowhound features
--partition-window`` does on one machine, and gives the same numbers.

The executors need this package (and its native library) in their Python: pack the
venv that has it (``venv-pack -o flowhound-venv.tar.gz``) and pass it with
``--archives flowhound-venv.tar.gz#environment``, ``PYSPARK_PYTHON=./environment/bin/python``,
as Spark documents for native dependencies.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence, Union

import pyarrow as pa

from . import (
    ConfigLike,
    _config_toml,
    _flowhound,
    _seconds,
    _tables,
    features as _features,
    features_with_rejects as _features_with_rejects,
)

#: Input order of the rows, so that transfers with equal timestamps keep the order they
#: had in the input (features count "no later than" by time, then input order).
ORDER = "_flowhound_order"
#: Unix seconds of each transfer.
TIME = "_flowhound_time"
#: The part a copy of a row goes to.
PART = "_flowhound_part"


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`: the CLI's output files as Spark DataFrames."""

    #: Ranked leads (leads.csv).
    leads: Any
    #: Accounts of every lead with their roles (lead_accounts.csv).
    lead_accounts: Any
    #: Proving transfers of every lead (lead_transfers.csv).
    lead_transfers: Any
    #: The proving transfers in full (lead_evidence.csv).
    lead_evidence: Any
    #: Every reason of every lead (lead_hits.csv).
    lead_hits: Any
    #: Rows that failed validation: file (table), line (row), field, reason, value.
    rejects: Any
    #: The run record (run.json): counts, the dump's scale, derived floors, detectors,
    #: and how each detector ran in parts; under ``spark``, per round of parts, how
    #: many jobs went to the executors and their bytes, and the bytes and pieces of
    #: what came back.
    summary: Dict[str, Any] = field(repr=False)


def analyze(
    transfers: Any,
    accounts: Any = None,
    entities: Any = None,
    entity_links: Any = None,
    fx_rates: Any = None,
    window: Union[int, str] = "30d",
    config: ConfigLike = None,
    threads: Optional[int] = None,
    strict: bool = False,
    max_reject_ratio: float = 0.01,
) -> Analysis:
    """Ranked leads of :func:`flowhound.analyze`, with the detectors run on Spark's
    executors in parts of ``window`` (seconds, or ``"30d"`` / ``"12h"``, an hour or more,
    as ``--partition-window`` takes it): the leads of
    ``flowhound analyze --partition-window`` and of one run over the whole dump.

    ``transfers`` (and any other table) is a Spark DataFrame, or any table
    :func:`flowhound.analyze` takes, in flowhound's native layout with every column as
    text. ``threads`` is each task's thread count (default: its ``spark.task.cpus``), and
    the driver's while it reads the dump and builds the parts. Returns
    the output tables as Spark DataFrames, ready to ``write.parquet`` to any
    Hadoop-compatible filesystem; rows that failed validation are in ``rejects``."""
    spark = _session(transfers, accounts, entities, entity_links, fx_rates)
    w = _flowhound.part_window_seconds(str(window), "window")
    local = _tables(
        _local(transfers),
        accounts=_local(accounts),
        entities=_local(entities),
        entity_links=_local(entity_links),
        fx_rates=_local(fx_rates),
    )
    runner = _SparkParts(spark, threads)
    try:
        outputs, record = _flowhound.analyze(
            local, _config_toml(config), threads, strict, max_reject_ratio, w, runner
        )
    finally:
        runner.close()
    frames = {name: _spark_frame(spark, table) for name, table in outputs}
    summary = json.loads(record)
    # What went to the executors, once and per round of parts: for sizing a cluster.
    summary["spark"] = {"reference_bytes": runner.reference_bytes, "rounds": runner.rounds}
    return Analysis(summary=summary, **frames)


#: A part's result comes back from an executor in pieces of at most this many bytes. A
#: single cell of tens of MB is copied several times over in the executor's heap (the
#: Arrow batch, the row, the task's result), each copy one object larger than the
#: heap's regions, and an executor of a few GiB holding a large job ran out of heap.
_PIECE = 512 << 10


class _SparkParts:
    """Runs the jobs of a partitioned analyze on the executors, one task a job. The run
    hands over the dump's reference (``begin``, once for each configuration), then each round's jobs one at a
    time as it builds them (``hand``), and asks for what they found (``run``). The
    reference and each job become a broadcast: a task fetches only its own job, and a
    worker process reads the reference once for every round. Jobs run in waves of as
    many as the executors have cores, and a wave's broadcasts go when it is done, so the
    driver holds about one wave of jobs at a time."""

    def __init__(self, spark: Any, threads: Optional[int]) -> None:
        self.spark = spark
        self.threads = threads
        self.wave = max(2, spark.sparkContext.defaultParallelism)
        self.shared: Any = None
        self.reference_bytes = 0
        self.pending: "list[Any]" = []
        self.found: "list[bytes]" = []
        #: Per round of parts: jobs, waves, job and result bytes, for sizing a cluster.
        self.rounds: "list[Dict[str, int]]" = []
        self.open = False

    def begin(self, reference: bytes) -> None:
        # Again, under another configuration, for a detector run again with wider chance
        # budgets: the last reference is done with (its round has run).
        if self.shared is not None:
            self.shared.destroy()
        self.key = uuid.uuid4().hex
        self.shared = self.spark.sparkContext.broadcast(reference)
        self.reference_bytes = len(reference)

    def hand(self, job: bytes) -> None:
        self._round()
        self.pending.append(self.spark.sparkContext.broadcast(job))
        r = self.rounds[-1]
        r["jobs"] += 1
        r["job_bytes"] += len(job)
        r["largest_job_bytes"] = max(r["largest_job_bytes"], len(job))
        if len(self.pending) >= self.wave:
            self._run_wave()

    def run(self) -> "list[bytes]":
        self._round()
        self._run_wave()
        found, self.found, self.open = self.found, [], False
        return found

    def close(self) -> None:
        """Lets go of the reference and of any job not run (after a failure)."""
        for b in [self.shared, *self.pending]:
            if b is not None:
                b.destroy()
        self.shared, self.pending = None, []

    def _round(self) -> None:
        """Opens a round of parts, unless one is open."""
        if not self.open:
            self.open = True
            self.rounds.append(
                {"jobs": 0, "waves": 0, "largest_job_bytes": 0, "job_bytes": 0, "result_bytes": 0, "result_pieces": 0}
            )

    def _run_wave(self) -> None:
        """Runs the pending jobs and keeps what they found, in order."""
        key, shared, handed, threads, piece = self.key, self.shared, self.pending, self.threads, _PIECE
        self.pending = []
        if not handed:
            return
        try:

            def run(batches: Any) -> Any:
                from pyspark import TaskContext

                from flowhound import _flowhound as native

                # As many threads as the task has cores (spark.task.cpus), unless told:
                # an executor runs as many tasks at once as it has cores.
                task = TaskContext.get()
                workers = threads or (task.cpus() if task is not None else None)
                for batch in batches:
                    ids, pieces, found = [], [], []
                    for part in batch.column("id").to_pylist():
                        reference = None if native.has_part_reference(key) else shared.value
                        result = native.run_part(key, reference, handed[part].value, workers)
                        for k, at in enumerate(range(0, max(len(result), 1), piece)):
                            ids.append(part)
                            pieces.append(k)
                            found.append(result[at : at + piece])
                    yield pa.RecordBatch.from_arrays(
                        [pa.array(ids, pa.int64()), pa.array(pieces, pa.int32()), pa.array(found, pa.binary())],
                        names=["id", "piece", "found"],
                    )

            parts = self.spark.range(len(handed), numPartitions=len(handed))
            rows = parts.mapInArrow(run, "id long, piece int, found binary").collect()
        finally:
            for b in handed:
                b.destroy()
        rows.sort(key=lambda r: (r["id"], r["piece"]))
        by_part: "list[list[Any]]" = [[] for _ in handed]
        for r in rows:
            if not 0 <= r["id"] < len(handed) or r["piece"] != len(by_part[r["id"]]):
                raise RuntimeError(f"part {r['id']}: piece {r['piece']} came back out of place")
            by_part[r["id"]].append(r["found"])
        if not all(by_part):
            missing = [k for k, p in enumerate(by_part) if not p]
            raise RuntimeError(f"{len(handed)} parts handed to Spark, none came back for {missing}")
        results = [b"".join(p) for p in by_part]
        self.found.extend(results)
        this = self.rounds[-1]
        this["waves"] += 1
        this["result_pieces"] += len(rows)
        this["result_bytes"] += sum(map(len, results))


def _session(*tables: Any) -> Any:
    """The Spark session of the first Spark DataFrame among ``tables`` (or the active
    one), with its time zone checked."""
    from pyspark.sql import SparkSession

    spark = next((t.sparkSession for t in tables if hasattr(t, "sparkSession")), None)
    spark = spark or SparkSession.getActiveSession()
    if spark is None:
        raise ValueError("no Spark session: pass Spark DataFrames or start a session")
    if spark.conf.get("spark.sql.session.timeZone") != "UTC":
        raise ValueError("set spark.sql.session.timeZone to UTC: timestamps are read as UTC")
    return spark


def _local(table: Any) -> Any:
    """A Spark DataFrame collected to the driver as Arrow; any other table as it is."""
    if table is not None and hasattr(table, "sparkSession"):
        return table.toArrow()
    return table


def _spark_frame(spark: Any, table: Any) -> Any:
    """An output table of the run as a Spark DataFrame, with its columns and types."""
    import polars as pl

    frame = pl.DataFrame(table)
    return spark.createDataFrame(frame.to_arrow(), schema=_spark_schema(frame))


def _spark_schema(frame: Any) -> str:
    import polars as pl

    kinds = {pl.Int64: "long", pl.Int32: "int", pl.UInt32: "long", pl.Float64: "double", pl.Boolean: "boolean"}
    return ", ".join(f"`{n}` {kinds.get(t.base_type(), 'string')}" for n, t in frame.schema.items())


def features(
    transfers: Any,
    window: Union[int, str] = "1d",
    partition: Union[int, str] = "7d",
    fx_rates: Any = None,
    max_cycle: int = 10,
    budget: int = 1_000_000,
    families: Optional[Sequence[str]] = None,
) -> Any:
    """The per-transfer feature matrix of :func:`flowhound.features`, computed on the
    executors one time part at a time. ``transfers`` is a Spark DataFrame in flowhound's
    native layout (``transfer_id``, ``timestamp``, ``src_account``, ``dst_account``,
    ``amount``, ``currency``, optional ``channel`` and ``memo``), with ``timestamp`` as
    text that Spark reads as a UTC timestamp; ``fx_rates`` (small, any table
    :func:`flowhound.features` takes) goes to every part. Returns a Spark DataFrame:
    ``transfer_id``, the feature columns, ``timestamp_seconds`` and ``input_order``
    (sorted by the last two, the command's row order). :func:`features_with_rejects`
    also returns the rows that were not accepted."""
    matrix, _ = features_with_rejects(transfers, window, partition, fx_rates, max_cycle, budget, families)
    return matrix


def features_with_rejects(
    transfers: Any,
    window: Union[int, str] = "1d",
    partition: Union[int, str] = "7d",
    fx_rates: Any = None,
    max_cycle: int = 10,
    budget: int = 1_000_000,
    families: Optional[Sequence[str]] = None,
) -> "tuple[Any, Any]":
    """:func:`features`, and the rows that were not accepted, so that none is lost:
    ``transfer_id``, ``input_order``, ``field``, ``reason`` and ``value``, for rows whose
    timestamp Spark cannot read and rows flowhound's validation rejected in their part.
    As on one machine, a part with more than 1% of its rows rejected fails the job with
    an error naming the first."""
    from pyspark.sql import functions as F

    w, p = _seconds(window), _flowhound.part_window_seconds(str(partition), "partition")
    if w <= 0:
        raise ValueError("window must be a positive duration")
    spark = transfers.sparkSession
    if spark.conf.get("spark.sql.session.timeZone") != "UTC":
        raise ValueError("set spark.sql.session.timeZone to UTC: timestamps are read as UTC")
    columns = transfers.columns
    rows = transfers.withColumn(ORDER, F.monotonically_increasing_id()).withColumn(
        TIME, F.unix_timestamp(F.try_to_timestamp(F.col("timestamp")))
    )
    unreadable = rows.where(F.col(TIME).isNull()).select(
        F.col("transfer_id"),
        F.col(ORDER).alias("input_order"),
        F.lit("timestamp").alias("field"),
        F.lit("not a time Spark reads (set the column to ISO 8601, UTC)").alias("reason"),
        F.col("timestamp").cast("string").alias("value"),
    )
    rows = rows.where(F.col(TIME).isNotNull())
    bounds = rows.agg(F.min(TIME).alias("first"), F.max(TIME).alias("last")).collect()[0]
    if bounds["first"] is None:
        raise ValueError("no transfer has a timestamp Spark can read")
    first, last = int(bounds["first"]), int(bounds["last"])
    parts = (last - first) // p
    # The parts whose loaded range holds t: part k loads
    # [floor((first + k p) / w) w - w, first + k p + p + w].
    k = F.col(PART)
    start = F.lit(first) + k * F.lit(p)
    loads_from = F.floor(start / F.lit(w)).cast("long") * F.lit(w) - F.lit(w)
    copies = rows.withColumn(
        PART,
        F.explode(
            F.sequence(
                F.greatest(F.lit(0), F.ceil((F.col(TIME) - F.lit(first + p + w)) / F.lit(p)).cast("long")),
                F.least(F.lit(parts), F.floor((F.col(TIME) - F.lit(first) + F.lit(2 * w)) / F.lit(p)).cast("long")),
            )
        ),
    ).where((F.col(TIME) >= loads_from) & (F.col(TIME) <= start + F.lit(p + w)))
    fx = None if fx_rates is None else _arrow(fx_rates)
    names = list(_features(_empty(columns), fx_rates=fx, window=w).columns)
    extra = [("timestamp_seconds", "long"), ("input_order", "long")]
    rejected = [("field", "string"), ("reason", "string"), ("value", "string")]
    schema = ", ".join(
        [f"`{n}` string" if n == "transfer_id" else f"`{n}` double" for n in names]
        + [f"{n} {t}" for n, t in extra + rejected]
    )
    arrow_type = {"long": pa.int64(), "string": pa.string()}
    arrow_schema = pa.schema(
        [(n, pa.string() if n == "transfer_id" else pa.float64()) for n in names]
        + [(n, arrow_type[t]) for n, t in extra + rejected]
    )

    def part(table: pa.Table) -> pa.Table:
        import polars as pl

        k = table.column(PART)[0].as_py()
        own_from = first + k * p
        table = table.sort_by(ORDER)
        meta = pl.from_arrow(table.select(["transfer_id", TIME, ORDER])).with_row_index("line")
        # A repeated id is accepted once, the first time (later ones are rejects).
        first_of_id = meta.drop("line").unique("transfer_id", keep="first", maintain_order=True)
        matrix, rejects = _features_with_rejects(
            table.select(columns),
            fx_rates=fx,
            window=w,
            max_cycle=max_cycle,
            budget=budget,
            families=families,
        )
        owned = (pl.col(TIME) >= own_from) & (pl.col(TIME) < own_from + p)
        accepted = (
            matrix.with_columns(pl.col(c).cast(pl.Float64) for c in matrix.columns if c != "transfer_id")
            .join(first_of_id, on="transfer_id", how="left", maintain_order="left")
            .filter(owned)
        )
        refused = (
            rejects.select(pl.col("line").cast(pl.UInt32), "field", "reason", "value")
            .join(meta, on="line", how="left", maintain_order="left")
            .filter(owned)
            .drop("line")
        )
        both = pl.concat([accepted, refused], how="diagonal_relaxed")
        both = both.rename({TIME: "timestamp_seconds", ORDER: "input_order"}).select(arrow_schema.names)
        return both.to_arrow().cast(arrow_schema)

    out = copies.groupBy(PART).applyInArrow(part, schema)
    matrix = out.where(F.col("reason").isNull()).drop("field", "reason", "value")
    refused = out.where(F.col("reason").isNotNull()).select("transfer_id", "input_order", "field", "reason", "value")
    return matrix, refused.unionByName(unreadable)


def _arrow(table: Any) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    if hasattr(table, "to_arrow"):
        return table.to_arrow()
    return pa.Table.from_pandas(table, preserve_index=False)


def _empty(columns: Sequence[str]) -> pa.Table:
    """A transfers table with no rows: the feature columns' names, without a Spark job."""
    return pa.table({c: pa.array([], pa.string()) for c in columns})
