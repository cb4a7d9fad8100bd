//! flowhound for Python: the native module `flowhound._flowhound`, which the Python
//! package `flowhound` wraps (python/flowhound/__init__.py).
//!
//! Tables come in through the Arrow PyCapsule interface and go through the same
//! validation, detection and writers as the CLI: a run writes the CLI's own files into a
//! private folder, and those files come back as tables. What a user gets from Python is
//! therefore what the CLI would have written, cell for cell. The GIL is released while
//! the engine works; errors become `FlowhoundError` with the CLI's message (file or
//! table, line or row, field).

mod arrow;
mod outputs;
mod parts;

use std::path::{Path, PathBuf};

use flowhound::analyze::{Input, Options};
use flowhound::ingest::schema::Table;
use flowhound::ingest::source::RawTable;
use flowhound::progress::Silent;
use flowhound::Config;
use pyo3::prelude::*;
use pyo3::types::PyDict;

pub use arrow::ArrowTable;

/// The CLI's allocator: large blocks on huge pages, or in spill files once
/// [`spill_to`] is called.
#[global_allocator]
static ALLOCATOR: flowhound::allocator::RunAllocator = flowhound::allocator::RunAllocator;

pyo3::create_exception!(
    _flowhound,
    FlowhoundError,
    pyo3::exceptions::PyValueError,
    "Bad input or a failed run: the message names the table (or file), row (or line) and field."
);

fn fail(e: impl std::fmt::Display) -> PyErr {
    FlowhoundError::new_err(e.to_string())
}

/// The configuration: defaults, overridden by TOML text.
fn config(toml_text: Option<&str>) -> PyResult<Config> {
    match toml_text {
        Some(text) => Config::with_overrides(text, "config").map_err(fail),
        None => Config::default_config().map_err(fail),
    }
}

/// Runs `work` on a pool of `threads` workers (at most the cores, as the CLI).
fn on_threads<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let n = threads.unwrap_or(cores).clamp(1, cores);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().map_err(fail)?;
    Ok(pool.install(work))
}

/// The in-memory tables given by name, in the native layout.
fn tables(py_tables: &Bound<'_, PyDict>) -> PyResult<Vec<(Table, RawTable)>> {
    let mut out = Vec::new();
    for table in Table::READ_ORDER {
        let Some(obj) = py_tables.get_item(table.name())? else { continue };
        if obj.is_none() {
            continue;
        }
        let frame = arrow::import(&obj, table.name())?;
        out.push((table, RawTable::from_frame(table.name(), frame).map_err(fail)?));
    }
    if !out.iter().any(|(t, _)| *t == Table::Transfers) {
        return Err(FlowhoundError::new_err("transfers: a transfers table is required"));
    }
    Ok(out)
}

fn options(
    label: &str,
    out: &Path,
    strict: bool,
    max_reject_ratio: f64,
    rejects_file: &'static str,
) -> Options {
    Options {
        dump: PathBuf::from(label),
        out: out.to_owned(),
        strict,
        max_reject_ratio,
        preset: None,
        report: false,
        excel: false,
        goaml: None,
        rejects_file,
        partition_window: None,
        part_runner: None,
    }
}

/// Runs analyze on in-memory tables (`tables`: table name -> Arrow table). Returns the
/// output tables by file stem and the run record (run.json) as text. With
/// `partition_seconds`, the detectors run in parts of that length; with `run_parts` too,
/// the parts run elsewhere: that object is handed them as bytes and returns what each
/// found ([`parts::PythonRunner`], [`parts::run_part`]), and `tables` is emptied once
/// read, so that the caller's copies can go.
#[pyfunction]
#[pyo3(signature = (tables, config_toml=None, threads=None, strict=false, max_reject_ratio=0.01, partition_seconds=None, run_parts=None))]
#[allow(clippy::too_many_arguments)]
fn analyze(
    py: Python<'_>,
    tables: &Bound<'_, PyDict>,
    config_toml: Option<&str>,
    threads: Option<usize>,
    strict: bool,
    max_reject_ratio: f64,
    partition_seconds: Option<i64>,
    run_parts: Option<Py<PyAny>>,
) -> PyResult<(Vec<(String, ArrowTable)>, String)> {
    if !(0.0..=1.0).contains(&max_reject_ratio) {
        return Err(FlowhoundError::new_err(format!("max_reject_ratio {max_reject_ratio}: must be in 0..1")));
    }
    if let Some(p) = partition_seconds {
        part_window_seconds(&p.to_string(), "partition_window")?;
    }
    let config = config(config_toml)?;
    if run_parts.is_some() && partition_seconds.is_none() {
        return Err(FlowhoundError::new_err("run_parts: needs a partition window"));
    }
    let raws = self::tables(tables)?;
    if run_parts.is_some() {
        // The run holds the tables' columns until it has read them, and the caller's
        // Arrow tables share them: emptied here, they go as soon as the run lets go,
        // rather than staying beside the dump's graph and parts for the whole run.
        tables.clear();
    }
    let dir = tempfile::tempdir().map_err(fail)?;
    let out = dir.path().join("out");
    let opts = Options {
        partition_window: partition_seconds,
        part_runner: run_parts.map(|f| {
            flowhound::detect::parts::SharedRunner(std::sync::Arc::new(parts::PythonRunner::new(f)))
        }),
        ..options("(in-memory tables)", &out, strict, max_reject_ratio, "rejects.csv")
    };
    let result = py.detach(|| {
        on_threads(threads, || flowhound::analyze::run_with(&opts, Input::Tables(raws), &config, &Silent))
            .and_then(|r| {
                r.map_err(|e| outputs::failure(e, &out, "rejects.csv"))?;
                outputs::read_all(&out, outputs::ANALYZE_TABLES)
            })
    })?;
    let record = std::fs::read_to_string(out.join("run.json")).map_err(fail)?;
    Ok((result.into_iter().map(|(name, frame)| (name, ArrowTable::new(frame))).collect(), record))
}

/// Computes the per-transfer feature matrix (the CLI's `features`) of in-memory tables.
#[pyfunction]
#[pyo3(signature = (tables, window_seconds, max_cycle, budget, families=None, config_toml=None, threads=None, layout=None))]
#[allow(clippy::too_many_arguments)]
fn features(
    py: Python<'_>,
    tables: &Bound<'_, PyDict>,
    window_seconds: i64,
    max_cycle: usize,
    budget: u64,
    families: Option<Vec<String>>,
    config_toml: Option<&str>,
    threads: Option<usize>,
    layout: Option<&str>,
) -> PyResult<(ArrowTable, ArrowTable)> {
    if window_seconds <= 0 {
        return Err(FlowhoundError::new_err(format!("window {window_seconds} s: must be > 0")));
    }
    use flowhound::features::{Family, Layout};
    let name = layout.unwrap_or("flowhound");
    let layout = Layout::parse(name)
        .ok_or_else(|| FlowhoundError::new_err(format!("layout: {name:?} is neither flowhound nor gfp")))?;
    let asked = families
        .unwrap_or_default()
        .iter()
        .map(|n| {
            Family::parse(n).ok_or_else(|| {
                let known: Vec<String> = layout.families().into_iter().map(Family::name).collect();
                FlowhoundError::new_err(format!("families: {n:?} is none of {}", known.join(", ")))
            })
        })
        .collect::<PyResult<Vec<Family>>>()?;
    let families =
        layout.select(&asked).map_err(|why| FlowhoundError::new_err(format!("families: {why}")))?;
    let config = config(config_toml)?;
    let raws = self::tables(tables)?;
    let dir = tempfile::tempdir().map_err(fail)?;
    let out = dir.path().to_owned();
    let opts = options("(in-memory tables)", &out, false, 0.01, "features_rejects.csv");
    let file = out.join("features.csv");
    let (matrix, rejects) = py.detach(|| {
        on_threads(threads, || -> PyResult<_> {
            let loaded = flowhound::analyze::load_input(&opts, Input::Tables(raws), &out, &config, &Silent)
                .map_err(|e| outputs::failure(e, &out, "features_rejects.csv"))?;
            let fopts =
                flowhound::features::Options { window: window_seconds, max_cycle, families, budget, layout };
            flowhound::export::features_out::compute_and_write(&file, &loaded.graph, &fopts, &loaded.dump)
                .map_err(fail)?;
            Ok((outputs::read_csv(&file)?, outputs::read_csv(&out.join("features_rejects.csv"))?))
        })?
    })?;
    Ok((ArrowTable::new(matrix), ArrowTable::new(rejects)))
}

/// Follows money from seeds (the CLI's `trace`) through in-memory tables. `seeds` is an
/// Arrow table with the columns of SEEDS.csv. Returns the trace tables by file stem.
#[pyfunction]
#[pyo3(signature = (tables, seeds, direction="forward", rule="proportional", max_hops=None, start=None, end=None, config_toml=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn trace(
    py: Python<'_>,
    tables: &Bound<'_, PyDict>,
    seeds: &Bound<'_, PyAny>,
    direction: &str,
    rule: &str,
    max_hops: Option<u32>,
    start: Option<&str>,
    end: Option<&str>,
    config_toml: Option<&str>,
    threads: Option<usize>,
) -> PyResult<Vec<(String, ArrowTable)>> {
    use flowhound::trace::{self as tracing, Direction, Rule};
    let direction = match direction {
        "forward" => Direction::Forward,
        "backward" => Direction::Backward,
        "both" => Direction::Both,
        other => {
            return Err(FlowhoundError::new_err(format!(
                "direction {other:?}: expected forward, backward or both"
            )))
        }
    };
    let rule = match rule {
        "proportional" => Rule::Proportional,
        "fifo" => Rule::Fifo,
        "lifo" => Rule::Lifo,
        other => {
            return Err(FlowhoundError::new_err(format!(
                "rule {other:?}: expected proportional, fifo or lifo"
            )))
        }
    };
    let time = |what: &str, t: Option<&str>| {
        t.map(|t| {
            flowhound::ingest::parse::timestamp(t)
                .map_err(|why| FlowhoundError::new_err(format!("{what} {t:?}: {why}")))
        })
        .transpose()
    };
    let (from, to) = (time("start", start)?, time("end", end)?);
    let config = config(config_toml)?;
    let raws = self::tables(tables)?;
    let seeds = RawTable::from_frame("seeds", arrow::import(seeds, "seeds")?).map_err(fail)?;
    let dir = tempfile::tempdir().map_err(fail)?;
    let out = dir.path().join("out");
    let seeds_file = dir.path().join("seeds.csv");
    outputs::write_text_csv(&seeds, &seeds_file)?;
    let opts = options("(in-memory tables)", &out, false, 0.01, "trace_rejects.csv");
    let result = py.detach(|| {
        on_threads(threads, || -> PyResult<_> {
            let loaded = flowhound::analyze::load_input(&opts, Input::Tables(raws), &out, &config, &Silent)
                .map_err(|e| outputs::failure(e, &out, "trace_rejects.csv"))?;
            let groups = tracing::seeds::read(&seeds_file, &loaded.dump, &loaded.graph).map_err(fail)?;
            let mut sinks: Vec<u32> = config
                .trace
                .sink_accounts
                .iter()
                .filter_map(|id| loaded.dump.accounts.index.get(id.as_str()).copied())
                .collect();
            sinks.sort_unstable();
            let topts = tracing::Options { rule, direction, max_hops, from, to };
            let traces = tracing::run(&loaded.graph, &groups, &topts, &config, &sinks);
            flowhound::export::trace_csv::write(&out, &traces, rule, &loaded.graph, &loaded.dump)
                .map_err(fail)?;
            outputs::read_all(&out, outputs::TRACE_TABLES)
        })?
    })?;
    Ok(result.into_iter().map(|(name, frame)| (name, ArrowTable::new(frame))).collect())
}

/// Reads a dump folder (or file) in any layout flowhound knows into native-layout tables
/// of text, plus the rows the readers rejected.
#[pyfunction]
#[pyo3(signature = (path, preset=None))]
fn read_dump(
    py: Python<'_>,
    path: PathBuf,
    preset: Option<&str>,
) -> PyResult<(Vec<(String, ArrowTable)>, ArrowTable)> {
    use flowhound::ingest::presets::Preset;
    let preset = match preset {
        None => None,
        Some("native") => Some(Preset::Native),
        Some("amlsim") => Some(Preset::Amlsim),
        Some("amlworld") => Some(Preset::Amlworld),
        Some(other) => {
            return Err(FlowhoundError::new_err(format!(
                "preset {other:?}: expected native, amlsim or amlworld"
            )))
        }
    };
    let config = config(None)?;
    let (tables, rejects) = py.detach(|| outputs::read_dump(&path, preset, &config))?;
    Ok((tables.into_iter().map(|(t, f)| (t, ArrowTable::new(f))).collect(), ArrowTable::new(rejects)))
}

/// Generates a synthetic dump with injected cases and look-alikes into `out` (the CLI's
/// `generate`). Returns counts as text (JSON).
#[pyfunction]
#[pyo3(signature = (out, seed=1, transfers=50_000, days=180, start="2024-01-01", parquet=false, amount_scale=1.0, cases_per_pattern=None, layout="native", threads=None, accounts_scale=1.0))]
#[allow(clippy::too_many_arguments)]
fn generate(
    py: Python<'_>,
    out: PathBuf,
    seed: u64,
    transfers: usize,
    days: i64,
    start: &str,
    parquet: bool,
    amount_scale: f64,
    cases_per_pattern: Option<usize>,
    layout: &str,
    threads: Option<usize>,
    accounts_scale: f64,
) -> PyResult<String> {
    use flowhound::generate::{self as generator, Layout, OutFormat};
    if days < 30 {
        return Err(FlowhoundError::new_err("days must be at least 30"));
    }
    if !(amount_scale.is_finite() && amount_scale > 0.0) {
        return Err(FlowhoundError::new_err(format!("amount_scale {amount_scale}: must be > 0")));
    }
    if !(accounts_scale.is_finite() && accounts_scale > 0.0) {
        return Err(FlowhoundError::new_err(format!("accounts_scale {accounts_scale}: must be > 0")));
    }
    let start = flowhound::ingest::parse::date(start)
        .map_err(|why| FlowhoundError::new_err(format!("start {start:?}: {why}")))?;
    let layout = match layout {
        "native" => Layout::Native,
        "amlsim" => Layout::Amlsim,
        "amlworld" => Layout::Amlworld,
        other => {
            return Err(FlowhoundError::new_err(format!(
                "layout {other:?}: expected native, amlsim or amlworld"
            )))
        }
    };
    let opts = generator::Options {
        out,
        transfers,
        seed,
        format: if parquet { OutFormat::Parquet } else { OutFormat::Csv },
        start,
        days,
        cases_per_pattern,
        layout,
        amount_scale,
        accounts_scale,
    };
    let summary = py.detach(|| on_threads(threads, || generator::generate(&opts, &Silent)))?.map_err(fail)?;
    let cases: serde_json::Map<String, serde_json::Value> =
        summary.cases.iter().map(|(p, n)| (p.to_string(), serde_json::json!(n))).collect();
    Ok(serde_json::json!({
        "transfers": summary.transfers,
        "injected": summary.injected,
        "lookalikes": summary.lookalikes,
        "accounts": summary.accounts,
        "entities": summary.entities,
        "cases": cases,
    })
    .to_string())
}

/// TOML text of a configuration given as JSON text (the Python package's dicts).
#[pyfunction]
fn toml_of_json(json: &str) -> PyResult<String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(fail)?;
    let value = toml::Value::try_from(value).map_err(|e| FlowhoundError::new_err(format!("config: {e}")))?;
    toml::to_string(&value).map_err(fail)
}

/// Keeps every block of 1 MiB or more this process's flowhound allocates from now on in
/// an unnamed file in `folder`, which the kernel may page out (the CLI's `--spill`).
#[pyfunction]
fn spill_to(folder: PathBuf) -> PyResult<()> {
    flowhound::spill::spill_to(&folder).map_err(fail)
}

/// The most bytes this process's flowhound held in spill files at once.
#[pyfunction]
fn peak_spilled_bytes() -> usize {
    flowhound::spill::peak_spilled_bytes()
}

/// The native module.
/// The length of a part of time, in seconds, from `value` (seconds, or `30m` / `12h` /
/// `7d`): an hour or more, as the CLI's `--partition-window` takes it; an error naming
/// the option `name` otherwise.
#[pyfunction]
fn part_window_seconds(value: &str, name: &str) -> PyResult<i64> {
    flowhound::units::PartWindow::parse(value)
        .map(flowhound::units::PartWindow::seconds)
        .map_err(|why| FlowhoundError::new_err(format!("{name} {value}: {why}")))
}

#[pymodule]
fn _flowhound(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("FlowhoundError", m.py().get_type::<FlowhoundError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<ArrowTable>()?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(features, m)?)?;
    m.add_function(wrap_pyfunction!(trace, m)?)?;
    m.add_function(wrap_pyfunction!(read_dump, m)?)?;
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(toml_of_json, m)?)?;
    m.add_function(wrap_pyfunction!(part_window_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(parts::run_part, m)?)?;
    m.add_function(wrap_pyfunction!(parts::has_part_reference, m)?)?;
    m.add_function(wrap_pyfunction!(spill_to, m)?)?;
    m.add_function(wrap_pyfunction!(peak_spilled_bytes, m)?)?;
    Ok(())
}
