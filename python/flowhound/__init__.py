"""flowhound for Python: hunt illicit cross-border money flows in transfer tables.

Tables go in as any Arrow-compatible table (pyarrow, polars, pandas, DuckDB results)
in flowhound's native layout (see the README: ``transfers`` with ``transfer_id``,
``timestamp``, ``src_account``, ``dst_account``, ``amount``, ``currency``, ...).
Results come back as polars DataFrames holding exactly what the CLI writes to its
files. Rows that fail validation are not lost: they are in ``.rejects`` with the table,
the row (0-based, as the table you passed counts them), the field and the reason.

    import polars as pl, flowhound
    run = flowhound.analyze(pl.read_parquet("transfers.parquet"))
    print(run.leads.head(10))
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Union

import polars as pl

from . import _flowhound
from ._flowhound import FlowhoundError

__all__ = [
    "analyze",
    "features",
    "generate",
    "features_with_rejects",
    "read_dump",
    "trace",
    "spill_to",
    "Analysis",
    "Trace",
    "Dump",
    "FlowhoundError",
]
__version__ = _flowhound.__version__

#: What ``config`` may be: a path to a TOML file, TOML text, or a dict of the same keys.
ConfigLike = Union[str, "os.PathLike[str]", Mapping[str, Any], None]

_TABLES = ("transfers", "accounts", "entities", "entity_links", "fx_rates")


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`: the CLI's output files as DataFrames."""

    #: Ranked leads (leads.csv).
    leads: pl.DataFrame
    #: Accounts of every lead with their roles (lead_accounts.csv).
    lead_accounts: pl.DataFrame
    #: Proving transfers of every lead (lead_transfers.csv).
    lead_transfers: pl.DataFrame
    #: The proving transfers in full (lead_evidence.csv).
    lead_evidence: pl.DataFrame
    #: Every reason of every lead (lead_hits.csv).
    lead_hits: pl.DataFrame
    #: Rows that failed validation: file (table), line (row), field, reason, value.
    rejects: pl.DataFrame
    #: The run record (run.json): counts, the dump's scale, derived floors, detectors.
    summary: Dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Trace:
    """The result of :func:`trace`: the CLI's trace files as DataFrames."""

    #: One row per case and direction: seed value = held + sunk + dropped, to the cent.
    summary: pl.DataFrame
    #: Every account holding traced value, largest first.
    holdings: pl.DataFrame
    #: The strongest chains into the largest holdings.
    paths: pl.DataFrame
    #: Traced value per pair of accounts.
    flows: pl.DataFrame
    #: Held value per jurisdiction.
    jurisdictions: pl.DataFrame
    #: Rows that failed validation.
    rejects: pl.DataFrame


@dataclass(frozen=True)
class Dump:
    """Tables of a dump read by :func:`read_dump`, in the native layout, as text."""

    transfers: pl.DataFrame
    accounts: Optional[pl.DataFrame] = None
    entities: Optional[pl.DataFrame] = None
    entity_links: Optional[pl.DataFrame] = None
    fx_rates: Optional[pl.DataFrame] = None
    #: Rows the file readers could not read (ragged rows, broken quotes, bad UTF-8).
    rejects: Optional[pl.DataFrame] = None

    def tables(self) -> Dict[str, pl.DataFrame]:
        """The present tables by name, as :func:`analyze` takes them."""
        return {t: getattr(self, t) for t in _TABLES if getattr(self, t) is not None}


def _frame(table: Any) -> pl.DataFrame:
    return pl.DataFrame(table)


def _arrow(name: str, table: Any) -> Any:
    """An object speaking the Arrow PyCapsule stream protocol."""
    if table is None or hasattr(table, "__arrow_c_stream__"):
        return table
    try:  # pandas before 2.2 has no __arrow_c_stream__; polars converts it.
        import pandas as pd

        if isinstance(table, pd.DataFrame):
            return pl.from_pandas(table)
    except ImportError:
        pass
    raise TypeError(
        f"{name}: expected an Arrow table (pyarrow, polars, pandas, DuckDB, ...), "
        f"got {type(table).__name__}"
    )


def _config_toml(config: ConfigLike) -> Optional[str]:
    if config is None:
        return None
    if isinstance(config, Mapping):
        return _flowhound.toml_of_json(json.dumps(config))
    if isinstance(config, os.PathLike) or (
        isinstance(config, str) and "\n" not in config and config.endswith(".toml")
    ):
        return Path(config).read_text(encoding="utf-8")
    if isinstance(config, str):
        return config
    raise TypeError(f"config: expected a path, TOML text or a dict, got {type(config).__name__}")


def _tables(transfers: Any, **others: Any) -> Dict[str, Any]:
    if isinstance(transfers, Dump):
        given = {k: v for k, v in others.items() if v is not None}
        return {**transfers.tables(), **{k: _arrow(k, v) for k, v in given.items()}}
    tables = {"transfers": _arrow("transfers", transfers)}
    tables.update({k: _arrow(k, v) for k, v in others.items() if v is not None})
    return tables


def analyze(
    transfers: Any,
    accounts: Any = None,
    entities: Any = None,
    entity_links: Any = None,
    fx_rates: Any = None,
    config: ConfigLike = None,
    threads: Optional[int] = None,
    strict: bool = False,
    max_reject_ratio: float = 0.01,
    partition_window: Union[int, str, None] = None,
) -> Analysis:
    """Runs flowhound's detectors over transfer tables and returns ranked leads.

    Args:
        transfers: the transfers table (any Arrow-compatible table), or a :class:`Dump`.
        accounts, entities, entity_links, fx_rates: the optional reference tables.
        config: a path to a TOML file, TOML text, or a dict, over the defaults.
        threads: worker threads (default, and at most: the cores); results are identical
            for any value.
        strict: raise on any rejected row.
        max_reject_ratio: raise when more than this share of a table's rows is rejected.
        partition_window: run the detectors that can be split in parts of this length
            (seconds, or "30d" / "12h"; an hour or more, so a bare ``9`` is refused as a
            unit slip), as the CLI's ``--partition-window``: the same leads, found the
            way a run spread over machines finds them.

    Raises:
        FlowhoundError: bad input (naming table, row and field) or a failed run.
        TypeError: a table that is not Arrow-compatible.
    """
    tables = _tables(
        transfers, accounts=accounts, entities=entities, entity_links=entity_links, fx_rates=fx_rates
    )
    partition = (
        None
        if partition_window is None
        else _flowhound.part_window_seconds(str(partition_window), "partition_window")
    )
    outputs, record = _flowhound.analyze(
        tables, _config_toml(config), threads, strict, max_reject_ratio, partition
    )
    frames = {name: _frame(t) for name, t in outputs}
    if isinstance(transfers, Dump) and transfers.rejects is not None and transfers.rejects.height:
        frames["rejects"] = pl.concat([transfers.rejects, frames["rejects"]], how="vertical_relaxed")
    return Analysis(summary=json.loads(record), **frames)


def features(
    transfers: Any,
    accounts: Any = None,
    entities: Any = None,
    entity_links: Any = None,
    fx_rates: Any = None,
    window: Union[int, str] = "1d",
    max_cycle: int = 10,
    budget: int = 1_000_000,
    families: Optional[Sequence[str]] = None,
    config: ConfigLike = None,
    threads: Optional[int] = None,
    layout: str = "flowhound",
) -> pl.DataFrame:
    """The per-transfer graph feature matrix (the CLI's ``features``), one row per
    accepted transfer. The tables are those of :func:`analyze`; ``families`` picks
    among ``fan``, ``vertex-stats``, ``scatter-gather`` and ``temp-cycle`` (and
    ``lc-cycle`` with ``layout="gfp"``; all by default), ``max_cycle`` and ``budget``
    bound the cycle searches, as on the CLI. ``window`` is seconds or ``30m`` /
    ``12h`` / ``1d``. ``layout="gfp"`` gives IBM GFP's columns one to one (the CLI's
    ``--layout gfp``). :func:`features_with_rejects` also returns the rows that failed
    validation."""
    matrix, _ = features_with_rejects(
        transfers,
        accounts,
        entities,
        entity_links,
        fx_rates,
        window,
        max_cycle,
        budget,
        families,
        config,
        threads,
        layout,
    )
    return matrix


def features_with_rejects(
    transfers: Any,
    accounts: Any = None,
    entities: Any = None,
    entity_links: Any = None,
    fx_rates: Any = None,
    window: Union[int, str] = "1d",
    max_cycle: int = 10,
    budget: int = 1_000_000,
    families: Optional[Sequence[str]] = None,
    config: ConfigLike = None,
    threads: Optional[int] = None,
    layout: str = "flowhound",
) -> "tuple[pl.DataFrame, pl.DataFrame]":
    """:func:`features` and the rows that failed validation."""
    tables = _tables(
        transfers, accounts=accounts, entities=entities, entity_links=entity_links, fx_rates=fx_rates
    )
    matrix, rejects = _flowhound.features(
        tables,
        _seconds(window),
        max_cycle,
        budget,
        None if families is None else list(families),
        _config_toml(config),
        threads,
        layout,
    )
    return _frame(matrix), _frame(rejects)


def _seconds(window: Union[int, str]) -> int:
    if isinstance(window, int):
        return window
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = window.strip()
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def trace(
    transfers: Any,
    seeds: Any,
    accounts: Any = None,
    entities: Any = None,
    entity_links: Any = None,
    fx_rates: Any = None,
    direction: str = "forward",
    rule: str = "proportional",
    max_hops: Optional[int] = None,
    start: Optional[str] = None,
    end: Optional[str] = None,
    config: ConfigLike = None,
    threads: Optional[int] = None,
) -> Trace:
    """Follows money from seed accounts or holders to where it sits now (``forward``),
    back to where it came from (``backward``), or ``both`` (the CLI's ``trace``).

    ``seeds`` is a table with ``account_id`` or ``holder_id`` and optionally ``case_id``,
    ``start`` and ``amount`` (as SEEDS.csv). ``rule`` is ``proportional``, ``fifo`` or
    ``lifo``; ``start`` and ``end`` bound the transfers followed (timestamps or dates).
    """
    tables = _tables(
        transfers, accounts=accounts, entities=entities, entity_links=entity_links, fx_rates=fx_rates
    )
    outputs = _flowhound.trace(
        tables,
        _arrow("seeds", seeds),
        direction,
        rule,
        max_hops,
        start,
        end,
        _config_toml(config),
        threads,
    )
    frames = {name.removeprefix("trace_"): _frame(t) for name, t in outputs}
    return Trace(**frames)


def spill_to(folder: Union[str, "os.PathLike[str]"]) -> None:
    """Keeps every block of 1 MiB or more that flowhound allocates in this process from
    now on (the dump's columns, its graph, each part) in an unnamed file in ``folder``,
    which the kernel may write out and drop when memory runs short: the CLI's
    ``--spill``. Call it once, before any other flowhound call; ``folder`` must be on a
    disk (not tmpfs) with room for the run's peak, and nothing is left in it. Tables
    handed in from Python stay where Python put them. Linux only."""
    _flowhound.spill_to(os.fspath(folder))


def read_dump(path: Union[str, "os.PathLike[str]"], preset: Optional[str] = None) -> Dump:
    """Reads a dump folder (or a single transfers file) in the native, ``amlsim`` or
    ``amlworld`` layout (detected when ``preset`` is None) into native tables of text.
    Pass the result to :func:`analyze` to get what ``flowhound analyze`` gives."""
    tables, rejects = _flowhound.read_dump(os.fspath(path), preset)
    return Dump(rejects=_frame(rejects), **{name: _frame(t) for name, t in tables})


def generate(
    out: Union[str, "os.PathLike[str]"],
    seed: int = 1,
    transfers: int = 50_000,
    days: int = 180,
    start: str = "2024-01-01",
    parquet: bool = False,
    amount_scale: float = 1.0,
    cases_per_pattern: Optional[int] = None,
    layout: str = "native",
    threads: Optional[int] = None,
    accounts_scale: float = 1.0,
) -> Dict[str, Any]:
    """Writes a synthetic dump with injected cases, look-alikes and truth files into
    ``out`` (the CLI's ``generate``) and returns its counts. ``accounts_scale`` below 1
    makes fewer and busier accounts, above 1 more and quieter ones."""
    return json.loads(
        _flowhound.generate(
            os.fspath(out),
            seed,
            transfers,
            days,
            start,
            parquet,
            amount_scale,
            cases_per_pattern,
            layout,
            threads,
            accounts_scale,
        )
    )
