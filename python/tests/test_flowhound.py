"""The Python package against the CLI: same outputs, any Arrow input, clear errors.

FLOWHOUND_BIN names the CLI binary to compare with (tests/python_package.rs sets it to
the one cargo just built).
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import flowhound

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample"
TABLES = ["transfers", "accounts", "entities", "entity_links", "fx_rates"]
OUTPUTS = ["leads", "lead_accounts", "lead_transfers", "lead_evidence", "lead_hits", "rejects"]


def cli(*args: str) -> None:
    binary = os.environ.get("FLOWHOUND_BIN")
    assert binary, "set FLOWHOUND_BIN to the flowhound binary (cargo test does)"
    subprocess.run([binary, "-q", *map(str, args)], check=True)


def cli_analyze(dump: Path, out: Path) -> dict[str, pl.DataFrame]:
    cli("analyze", dump, "--out", out)
    return {name: pl.read_csv(out / f"{name}.csv", infer_schema_length=0) for name in OUTPUTS}


def as_text(frame: pl.DataFrame, like: pl.DataFrame) -> pl.DataFrame:
    """`frame` (typed) with the CLI file's text cells: numbers as the CLI wrote them."""
    cols = []
    for name in like.columns:
        col = frame[name]
        if col.dtype == pl.Float64:
            # The CLI writes a fixed number of decimals per column; take them from its file.
            decimals = like[name].str.split(".").list.get(1, null_on_oob=True).str.len_chars()
            col = pl.Series(
                name,
                [
                    None if v is None else f"{v:.{d or 0}f}"
                    for v, d in zip(col.to_list(), decimals.to_list())
                ],
                dtype=pl.String,
            )
        else:
            col = col.cast(pl.String)
        cols.append(col)
    return pl.DataFrame(cols)


def assert_same_as_cli(run: flowhound.Analysis, files: dict[str, pl.DataFrame]) -> None:
    for name in OUTPUTS:
        mine = getattr(run, name)
        theirs = files[name]
        assert mine.columns == theirs.columns, name
        assert mine.height == theirs.height, name
        assert as_text(mine, theirs).equals(theirs), f"{name} differs from the CLI's {name}.csv"


def read_tables(folder: Path, reader) -> dict[str, object]:
    return {t: reader(folder / f"{t}.csv") for t in TABLES if (folder / f"{t}.csv").exists()}


@pytest.fixture(scope="module")
def sample_cli(tmp_path_factory) -> dict[str, pl.DataFrame]:
    return cli_analyze(SAMPLE, tmp_path_factory.mktemp("cli") / "out")


def test_sample_equals_the_cli_output_files(sample_cli):
    run = flowhound.analyze(flowhound.read_dump(SAMPLE))
    assert run.leads.height > 10
    assert run.summary["status"] == "ok"
    assert run.summary["transfers"] == 6000
    assert_same_as_cli(run, sample_cli)


@pytest.mark.parametrize(
    "reader",
    [
        pytest.param(lambda p: pl.read_csv(p, infer_schema_length=0), id="polars-text"),
        pytest.param(lambda p: pl.read_csv(p, try_parse_dates=True), id="polars-typed"),
        pytest.param(pacsv.read_csv, id="pyarrow"),
        pytest.param(lambda p: pd.read_csv(p, dtype=str, keep_default_na=False), id="pandas-text"),
        pytest.param(pd.read_csv, id="pandas-typed"),
    ],
)
def test_every_arrow_table_gives_the_cli_leads(sample_cli, reader):
    run = flowhound.analyze(**read_tables(SAMPLE, reader))
    assert_same_as_cli(run, sample_cli)


def with_decimal_money(table: pa.Table) -> pa.Table:
    """`table` with its money columns as decimal128, as Spark, Databricks and pandas'
    `Decimal` store money."""
    for name in ("amount", "rate_to_base"):
        if name in table.column_names:
            decimal = pc.cast(table[name], pa.decimal128(18, 6))
            table = table.set_column(table.column_names.index(name), name, decimal)
    return table


def test_decimal_money_gives_the_cli_leads(sample_cli, tmp_path):
    tables = read_tables(SAMPLE, lambda p: with_decimal_money(pacsv.read_csv(p)))
    assert pa.types.is_decimal(tables["transfers"].schema.field("amount").type)
    assert_same_as_cli(flowhound.analyze(**tables), sample_cli)
    # The same tables as a Parquet dump, read by the CLI.
    dump = tmp_path / "dump"
    dump.mkdir()
    for name, table in tables.items():
        pq.write_table(table, dump / f"{name}.parquet")
    files = cli_analyze(dump, tmp_path / "out")
    for name in OUTPUTS:
        assert files[name].equals(sample_cli[name]), f"{name} of the decimal Parquet dump differs"


def test_a_generated_dump_equals_the_cli_output_files(tmp_path):
    counts = flowhound.generate(tmp_path / "dump", seed=11, transfers=30_000, days=60)
    assert counts["transfers"] >= 30_000 and counts["injected"] > 0
    files = cli_analyze(tmp_path / "dump", tmp_path / "out")
    tables = read_tables(tmp_path / "dump", lambda p: pl.read_csv(p, infer_schema_length=0))
    run = flowhound.analyze(**tables)
    assert run.leads.height > 0
    assert_same_as_cli(run, files)


def test_threads_do_not_change_the_result():
    one = flowhound.analyze(flowhound.read_dump(SAMPLE), threads=1)
    two = flowhound.analyze(flowhound.read_dump(SAMPLE), threads=2)
    for name in OUTPUTS:
        assert getattr(one, name).equals(getattr(two, name)), name
    assert one.summary["leads"] == two.summary["leads"]


def test_a_partitioned_run_gives_the_whole_run_leads(tmp_path):
    flowhound.generate(tmp_path / "dump", seed=13, transfers=30_000, days=90)
    dump = flowhound.read_dump(tmp_path / "dump")
    whole = flowhound.analyze(dump)
    parts = flowhound.analyze(dump, partition_window="9d")
    assert whole.leads.height > 0
    for name in OUTPUTS:
        assert getattr(parts, name).equals(getattr(whole, name)), name
    ran = {d["code"]: d["parts"]["ran"] for d in parts.summary["detectors"]}
    assert set(ran.values()) == {"in_parts"}, ran
    with pytest.raises(flowhound.FlowhoundError, match="partition_window"):
        flowhound.analyze(dump, partition_window=0)
    # Nine seconds, as the CLI reads a bare `9`, is a unit slip there too.
    with pytest.raises(flowhound.FlowhoundError, match="partition_window 9: 9 s is shorter than an hour.*9d"):
        flowhound.analyze(dump, partition_window=9)


_SPILLED_RUN = """
import sys
import flowhound
from flowhound import _flowhound as native

flowhound.spill_to(sys.argv[2])
try:
    flowhound.spill_to(sys.argv[2])
except flowhound.FlowhoundError:
    pass
else:
    raise SystemExit("spilling was switched on twice")
run = flowhound.analyze(flowhound.read_dump(sys.argv[1]), partition_window="9d")
for name in sys.argv[4:]:
    getattr(run, name).write_parquet(f"{sys.argv[3]}/{name}.parquet")
print(native.peak_spilled_bytes())
"""


def test_a_spilled_run_gives_the_leads_of_one_in_memory(tmp_path):
    flowhound.generate(tmp_path / "dump", seed=19, transfers=30_000, days=90)
    whole = flowhound.analyze(flowhound.read_dump(tmp_path / "dump"))
    spill, out = tmp_path / "spill", tmp_path / "out"
    spill.mkdir()
    out.mkdir()
    # Spilling is one switch for a process, for good: a process of its own.
    done = subprocess.run(
        [sys.executable, "-c", _SPILLED_RUN, str(tmp_path / "dump"), str(spill), str(out), *OUTPUTS],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 0, "large blocks went to files"
    assert list(spill.iterdir()) == [], "nothing is left in the folder"
    for name in OUTPUTS:
        assert pl.read_parquet(out / f"{name}.parquet").equals(getattr(whole, name)), name
    with pytest.raises(flowhound.FlowhoundError, match="nonexistent"):
        flowhound.spill_to(tmp_path / "nonexistent")


class _PartsHere:
    """A runner of handed-away parts without Spark: each job runs in this process
    through its bytes, the way an executor runs it."""

    def __init__(self) -> None:
        self.key, self.reference, self.jobs, self.rounds, self.begun = "", b"", [], 0, 0

    def begin(self, reference: bytes) -> None:
        # A key of its own for each reference, as flowhound.spark gives it.
        self.begun += 1
        self.key, self.reference = f"test-{id(self)}-{self.begun}", reference

    def hand(self, job: bytes) -> None:
        self.jobs.append(job)

    def run(self) -> "list[bytes]":
        from flowhound import _flowhound as native

        jobs, self.jobs = self.jobs, []
        self.rounds += 1
        return [
            native.run_part(self.key, None if native.has_part_reference(self.key) else self.reference, job, 1)
            for job in jobs
        ]


def test_parts_handed_away_give_the_whole_run_and_let_the_tables_go(tmp_path):
    from flowhound import _flowhound as native

    flowhound.generate(tmp_path / "dump", seed=17, transfers=20_000, days=60)
    dump = flowhound.read_dump(tmp_path / "dump")
    whole = flowhound.analyze(dump)
    tables = dump.tables()
    runner = _PartsHere()
    outputs, _ = native.analyze(tables, None, None, False, 0.01, 10 * 86_400, runner)
    # Emptied once read: the caller's Arrow tables need not live beside the run's dump.
    assert tables == {}
    assert runner.rounds == 2
    parts = {name: pl.DataFrame(table) for name, table in outputs}
    assert whole.leads.height > 0
    for name in OUTPUTS:
        assert parts[name].equals(getattr(whole, name)), name


def test_parts_run_again_under_wider_chance_budgets_give_the_whole_run(tmp_path):
    from flowhound import _flowhound as native

    flowhound.generate(tmp_path / "dump", seed=17, transfers=20_000, days=60)
    dump = flowhound.read_dump(tmp_path / "dump")
    # Coincidences allowed up to every hit found: each detector that finds more than its
    # budget runs again, in parts, under a configuration of its own.
    wide = "false_discovery_share = 1.0\n"
    whole = flowhound.analyze(dump, config=wide)
    runner = _PartsHere()
    outputs, record = native.analyze(dump.tables(), wide, None, False, 0.01, 10 * 86_400, runner)
    widened = [d for d in json.loads(record)["detectors"] if d.get("chance_budget", {}).get("widened", 1) > 1]
    assert len(widened) >= 3, widened
    # The reference went again with each configuration a round of parts read.
    assert runner.begun > 1
    parts = {name: pl.DataFrame(table) for name, table in outputs}
    for name in OUTPUTS:
        assert parts[name].equals(getattr(whole, name)), name


def test_config_as_dict_text_or_path_is_the_same(tmp_path):
    text = "[cycle]\nmin_hops = 4\n"
    path = tmp_path / "my.toml"
    path.write_text(text)
    dump = flowhound.read_dump(SAMPLE)
    runs = [
        flowhound.analyze(dump, config={"cycle": {"min_hops": 4}}),
        flowhound.analyze(dump, config=text),
        flowhound.analyze(dump, config=path),
        flowhound.analyze(dump, config=str(path)),
    ]
    for run in runs[1:]:
        assert run.leads.equals(runs[0].leads)
    assert runs[0].summary["config_sha256"] != flowhound.analyze(dump).summary["config_sha256"]


def test_a_bad_config_names_the_key():
    with pytest.raises(flowhound.FlowhoundError, match=r"cycle.*min_hops"):
        flowhound.analyze(flowhound.read_dump(SAMPLE), config={"cycle": {"min_hops": 1}})


def small_transfers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "transfer_id": ["t0", "t1", "t2", "t3"],
            "timestamp": ["2024-01-01T00:00:00Z"] * 4,
            "src_account": ["a", "b", "c", "d"],
            "dst_account": ["b", "c", "d", "a"],
            "amount": ["10.00", "20.00", "abc", "5.00"],
            "currency": ["USD"] * 4,
        }
    )


def test_a_bad_row_raises_naming_table_row_and_field():
    with pytest.raises(flowhound.FlowhoundError) as e:
        flowhound.analyze(small_transfers(), strict=True)
    message = str(e.value)
    assert "transfers row 2" in message and "`amount`" in message and "abc" in message, message
    assert "strict=True" in message and "--" not in message, message


def test_a_bad_row_is_a_reject_not_a_loss():
    run = flowhound.analyze(small_transfers(), max_reject_ratio=0.5)
    assert run.rejects.select("file", "line", "field", "value").rows() == [("transfers", 2, "amount", "abc")]
    assert run.summary["transfers"] == 3


def test_columns_named_otherwise_read_through_the_configuration():
    # A bank's own header names, said once in the configuration as for files.
    export = small_transfers().rename({"src_account": "Debtor", "amount": "Betrag"})
    run = flowhound.analyze(
        export,
        max_reject_ratio=0.5,
        config={"columns": {"transfers": {"src_account": "Debtor", "amount": "Betrag"}}},
    )
    assert run.summary["transfers"] == 3
    assert run.rejects.select("file", "line", "field", "value").rows() == [
        ("transfers", 2, "amount (Betrag)", "abc")
    ]
    with pytest.raises(flowhound.FlowhoundError, match=r"\[columns.transfers\] src_account"):
        flowhound.analyze(export, max_reject_ratio=0.5)


def test_a_missing_column_names_it():
    with pytest.raises(flowhound.FlowhoundError, match="src_account"):
        flowhound.analyze(small_transfers().drop("src_account"))


def test_what_is_not_a_table_is_a_type_error():
    with pytest.raises(TypeError, match="transfers: expected an Arrow table"):
        flowhound.analyze([{"transfer_id": "t0"}])
    with pytest.raises(TypeError, match="accounts"):
        flowhound.analyze(small_transfers(), accounts="accounts.csv")


def test_an_unreadable_column_type_is_an_error_not_a_crash():
    table = pa.table(
        {
            "transfer_id": ["t0"],
            "timestamp": ["2024-01-01T00:00:00Z"],
            "src_account": ["a"],
            "dst_account": ["b"],
            "amount": pa.array([pa.scalar({"x": 1})]),
            "currency": ["USD"],
        }
    )
    with pytest.raises(flowhound.FlowhoundError, match="amount"):
        flowhound.analyze(table, strict=True)


def test_features_equal_the_cli_feature_matrix(tmp_path):
    cli("features", SAMPLE, "--out-file", tmp_path / "features.csv", "--window", "1d")
    theirs = pl.read_csv(tmp_path / "features.csv", infer_schema_length=0)
    mine, rejects = flowhound.features_with_rejects(**read_tables(SAMPLE, pacsv.read_csv), window="1d")
    assert rejects.height == 0
    assert mine.columns == theirs.columns
    assert mine.height == theirs.height == 6000
    for name in theirs.columns:
        if mine[name].dtype == pl.Float64:
            assert (mine[name] - theirs[name].cast(pl.Float64)).abs().max() < 1e-9, name
        else:
            assert mine[name].equals(theirs[name]), name


def test_gfp_layout_equals_the_cli_gfp_layout(tmp_path):
    cli("features", SAMPLE, "--out-file", tmp_path / "gfp.csv", "--window", "1d", "--layout", "gfp")
    theirs = pl.read_csv(tmp_path / "gfp.csv", infer_schema_length=0)
    mine = flowhound.features(**read_tables(SAMPLE, pacsv.read_csv), window="1d", layout="gfp")
    assert mine.columns == theirs.columns
    assert mine.columns[1:3] == ["fan_in_bins_2-3", "fan_in_bins_3-4"]
    assert mine.height == theirs.height == 6000
    for name in theirs.columns[1:]:
        assert (mine[name].cast(pl.Float64) - theirs[name].cast(pl.Float64)).abs().max() < 1e-9, name
    with pytest.raises(flowhound.FlowhoundError, match="lc-cycle"):
        flowhound.features(**read_tables(SAMPLE, pacsv.read_csv), families=["lc-cycle"])


def test_trace_equals_the_cli_trace_files(tmp_path):
    cli("trace", SAMPLE, "--seeds", SAMPLE / "seeds.csv", "--out", tmp_path / "trace", "--direction", "both")
    seeds = pl.read_csv(SAMPLE / "seeds.csv", infer_schema_length=0)
    mine = flowhound.trace(flowhound.read_dump(SAMPLE), seeds, direction="both")
    for name in ["summary", "holdings", "paths", "flows", "jurisdictions", "rejects"]:
        theirs = pl.read_csv(tmp_path / "trace" / f"trace_{name}.csv", infer_schema_length=0)
        frame = getattr(mine, name)
        assert frame.columns == theirs.columns, name
        assert as_text(frame, theirs).equals(theirs), f"trace_{name} differs from the CLI's"
    assert mine.summary["conserved"].to_list() == ["yes"] * mine.summary.height


def test_trace_names_a_bad_seed():
    seeds = pl.DataFrame({"account_id": ["no-such-account"]})
    with pytest.raises(flowhound.FlowhoundError, match="no-such-account"):
        flowhound.trace(flowhound.read_dump(SAMPLE), seeds)


def test_the_readme_snippet_runs(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python"):]
    snippet = section[section.index("```python\n") + len("```python\n"):]
    snippet = snippet[: snippet.index("```")]
    flowhound.generate(tmp_path / "dump", seed=5, transfers=20_000, days=60, parquet=True)
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert " leads; " in out and "lead_id" in out, out


def test_the_readme_example_runs(tmp_path, capsys):
    flowhound.generate(tmp_path / "dump", seed=3, transfers=20_000, days=60, parquet=True)
    argv = sys.argv
    sys.argv = ["top_leads.py", str(tmp_path / "dump" / "transfers.parquet")]
    try:
        runpy.run_path(str(ROOT / "python" / "examples" / "top_leads.py"), run_name="__main__")
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    assert "lead_id" in out and "score" in out, out
