"""Type stubs of the native module; the documented API is in flowhound/__init__.py."""

from typing import Any, Dict, List, Optional, Tuple

__version__: str

class FlowhoundError(ValueError):
    """Bad input or a failed run: the message names the table, row and field."""

class ArrowTable:
    """A result table; ``polars.DataFrame(table)`` imports it without a copy."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def __len__(self) -> int: ...

def analyze(
    tables: Dict[str, Any],
    config_toml: Optional[str] = None,
    threads: Optional[int] = None,
    strict: bool = False,
    max_reject_ratio: float = 0.01,
    partition_seconds: Optional[int] = None,
    run_parts: Optional[Any] = None,
) -> Tuple[List[Tuple[str, ArrowTable]], str]:
    """With ``run_parts`` (an object with ``begin(reference)``, ``hand(job)`` and
    ``run() -> list[bytes]``), the parts run elsewhere, and ``tables`` is emptied once
    read."""

def part_window_seconds(value: str, name: str) -> int:
    """The length of a part of time in seconds, from seconds or ``"30d"`` / ``"12h"``:
    an hour or more (the CLI's ``--partition-window``); raises FlowhoundError naming
    ``name`` otherwise."""

def run_part(key: str, reference: Optional[bytes], job: bytes, threads: Optional[int] = None) -> bytes:
    """Runs one handed-away job on the reference kept under ``key`` (read from
    ``reference`` the first time); returns what the part found, as bytes."""

def has_part_reference(key: str) -> bool:
    """True when this process holds the reference ``key``."""

def features(
    tables: Dict[str, Any],
    window_seconds: int,
    max_cycle: int,
    budget: int,
    families: Optional[List[str]] = None,
    config_toml: Optional[str] = None,
    threads: Optional[int] = None,
    layout: Optional[str] = None,
) -> Tuple[ArrowTable, ArrowTable]: ...
def trace(
    tables: Dict[str, Any],
    seeds: Any,
    direction: str = "forward",
    rule: str = "proportional",
    max_hops: Optional[int] = None,
    start: Optional[str] = None,
    end: Optional[str] = None,
    config_toml: Optional[str] = None,
    threads: Optional[int] = None,
) -> List[Tuple[str, ArrowTable]]: ...
def read_dump(path: str, preset: Optional[str] = None) -> Tuple[List[Tuple[str, ArrowTable]], ArrowTable]: ...
def generate(
    out: str,
    seed: int = 1,
    transfers: int = 50000,
    days: int = 180,
    start: str = "2024-01-01",
    parquet: bool = False,
    amount_scale: float = 1.0,
    cases_per_pattern: Optional[int] = None,
    layout: str = "native",
    threads: Optional[int] = None,
    accounts_scale: float = 1.0,
) -> str: ...
def toml_of_json(json: str) -> str: ...
def spill_to(folder: str) -> None: ...
def peak_spilled_bytes() -> int: ...
