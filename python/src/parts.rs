//! A partitioned analyze whose parts run elsewhere: the jobs go, as bytes, to a Python
//! object (`flowhound.spark` hands them to Spark's executors), and each executor runs
//! one with [`run_part`].

use std::sync::{Arc, Mutex, PoisonError};

use flowhound::detect::parts::{run_job, DumpReference, PartBytesError, PartFound, PartJob, PartRunner};
use flowhound::detect::{registry, Context, Detector};
use flowhound::progress::Progress;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::{fail, on_threads};

/// Hands a partitioned run's jobs, one at a time as they are built, to a Python object
/// with three methods: `begin(reference)` with the dump's reference, before the first
/// round of parts and again when a round reads it under another configuration (a
/// detector run again with wider chance budgets); `hand(job)` for each job; and `run()`, which runs the round's jobs
/// and returns what each found (the bytes of [`run_part`]) in the order they were
/// handed. No more than one job is held here at a time.
pub struct PythonRunner {
    target: Py<PyAny>,
    /// The configuration (its hash) of the reference last handed over, if one was.
    begun: Mutex<Option<String>>,
}

impl PythonRunner {
    /// A runner handing its jobs to `target`.
    pub fn new(target: Py<PyAny>) -> Self {
        PythonRunner { target, begun: Mutex::new(None) }
    }

    /// Calls `target.begin(reference)`.
    fn begin(&self, reference: &[u8]) -> Result<(), PartBytesError> {
        Python::attach(|py| self.target.call_method1(py, "begin", (PyBytes::new(py, reference),)).map(drop))
            .map_err(|e| PartBytesError::Runner(format!("begin: {e}")))
    }

    /// Calls `target.hand(bytes)` with `job`'s bytes, written straight into the Python
    /// `bytes` and the job let go before the call: the driver holds a large part once,
    /// not as a job, its bytes and their copy at the same time.
    fn hand(&self, job: PartJob) -> Result<(), PartBytesError> {
        let len = job.byte_len()?;
        Python::attach(|py| {
            let bytes = PyBytes::new_with(py, len, |out| job.write_bytes(out).map_err(fail));
            drop(job);
            self.target.call_method1(py, "hand", (bytes?,)).map(drop)
        })
        .map_err(|e| PartBytesError::Runner(format!("hand: {e}")))
    }

    /// Calls `target.run()`: what the round's jobs found, read from the Python `bytes`
    /// themselves rather than from copies of them all.
    fn run(&self) -> Result<Vec<PartFound>, PartBytesError> {
        Python::attach(|py| {
            let runner = |e: PyErr| PartBytesError::Runner(format!("run: {e}"));
            let found = self.target.call_method0(py, "run").map_err(runner)?;
            let found: Vec<Bound<'_, PyBytes>> = found.extract(py).map_err(runner)?;
            found.iter().map(|bytes| PartFound::from_bytes(bytes.as_bytes())).collect()
        })
    }
}

impl PartRunner for PythonRunner {
    fn run_parts(
        &self,
        whole: &Context<'_>,
        _detectors: &[&dyn Detector],
        jobs: &mut dyn Iterator<Item = PartJob>,
        progress: &dyn Progress,
    ) -> Result<Vec<PartFound>, PartBytesError> {
        let stage = progress.stage("detect in parts: jobs handed away", None);
        let config = whole.config.hash();
        let mut begun = self.begun.lock().unwrap_or_else(PoisonError::into_inner);
        if begun.as_ref() != Some(&config) {
            self.begin(&DumpReference::bytes_of(whole)?)?;
            *begun = Some(config);
        }
        drop(begun);
        let mut handed = 0;
        for job in jobs {
            self.hand(job.handed_away(&whole.dump.transfers))?;
            handed += 1;
        }
        stage.finish();
        let stage = progress.stage(&format!("detect in parts: {handed} run elsewhere"), None);
        let found = self.run()?;
        stage.finish();
        if found.len() != handed {
            return Err(PartBytesError::Runner(format!("{handed} jobs, {} results", found.len())));
        }
        Ok(found)
    }
}

/// The reference last read in this process, by its key: every job of a run reads the
/// same one, and a worker process runs many of them.
static REFERENCE: Mutex<Option<(String, Arc<DumpReference>)>> = Mutex::new(None);

/// True when this process holds the reference `key` (so a job of it needs no bytes).
#[pyfunction]
pub fn has_part_reference(key: &str) -> bool {
    REFERENCE.lock().unwrap_or_else(PoisonError::into_inner).as_ref().is_some_and(|(k, _)| k == key)
}

/// Runs one job of a partitioned analyze (bytes a `run_parts` callable was handed) on
/// the dump's reference `reference` (read once per process and kept under `key`; `None`
/// when [`has_part_reference`] says it is held). Returns what the part found, as bytes.
#[pyfunction]
#[pyo3(signature = (key, reference, job, threads=None))]
pub fn run_part<'py>(
    py: Python<'py>,
    key: &str,
    reference: Option<&[u8]>,
    job: &[u8],
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    let held = {
        let mut slot = REFERENCE.lock().unwrap_or_else(PoisonError::into_inner);
        match (slot.as_ref(), reference) {
            (Some((k, r)), _) if k == key => Arc::clone(r),
            (_, Some(bytes)) => {
                let read = Arc::new(DumpReference::from_bytes(bytes).map_err(fail)?);
                *slot = Some((key.to_owned(), Arc::clone(&read)));
                read
            }
            (_, None) => return Err(fail(format!("part reference {key}: not held here and not given"))),
        }
    };
    let job = PartJob::from_bytes(job).map_err(fail)?;
    let found = py.detach(|| {
        on_threads(threads, || {
            let detectors = registry();
            let list: Vec<&dyn Detector> = detectors.iter().map(|d| d.as_ref()).collect();
            run_job(job, held.as_ref(), &list).and_then(|f| f.to_bytes())
        })
    })?;
    Ok(PyBytes::new(py, &found.map_err(fail)?))
}
