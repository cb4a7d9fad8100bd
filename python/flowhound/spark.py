"""flowhound on Apache Spark: the work split by time into parts that Spark's executors
compute side by side, with the result of one run on one machine.

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

from typing import Any, Optional, Sequence, Union

import pyarrow as pa

from . import _seconds, features as _features, features_with_rejects as _features_with_rejects

#: Input order of the rows, so that transfers with equal timestamps keep the order they
#: had in the input (features count "no later than" by time, then input order).
ORDER = "_flowhound_order"
#: Unix seconds of each transfer.
TIME = "_flowhound_time"
#: The part a copy of a row goes to.
PART = "_flowhound_part"


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

    w, p = _seconds(window), _seconds(partition)
    if w <= 0 or p <= 0:
        raise ValueError("window and partition must be positive durations")
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
