//! Tables across the boundary through the Arrow PyCapsule interface: anything that
//! exports `__arrow_c_stream__` (pyarrow, polars, pandas >= 2.2, DuckDB) comes in as a
//! polars DataFrame; results go out as [`ArrowTable`], which polars (or pyarrow) imports
//! without a copy.

use polars::prelude::*;
use polars_arrow::array::{Array, StructArray};
use polars_arrow::datatypes::{ArrowDataType, Field as ArrowField};
use polars_arrow::ffi;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::FlowhoundError;

const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// Reads `obj`, the table named `table` (for messages), into a DataFrame.
pub fn import(obj: &Bound<'_, PyAny>, table: &str) -> PyResult<DataFrame> {
    if !obj.hasattr("__arrow_c_stream__")? {
        return Err(PyTypeError::new_err(format!(
            "{table}: expected an Arrow table (pyarrow, polars, pandas >= 2.2, DuckDB, ...), got {}",
            obj.get_type().name()?
        )));
    }
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        PyTypeError::new_err(format!("{table}: __arrow_c_stream__ did not return a PyCapsule"))
    })?;
    let pointer = capsule.pointer_checked(Some(STREAM))?.cast::<ffi::ArrowArrayStream>();
    // SAFETY: the capsule holds a valid ArrowArrayStream (checked by its name). Moving
    // it out and leaving a released one behind is how the protocol hands over
    // ownership: the capsule's destructor then finds nothing to release.
    let stream = unsafe { std::ptr::replace(pointer.as_ptr(), ffi::ArrowArrayStream::empty()) };
    let bad = |what: String| FlowhoundError::new_err(format!("{table}: {what}"));
    // SAFETY: `stream` is a valid, owned C stream.
    let mut reader = unsafe { ffi::ArrowArrayStreamReader::try_new(Box::new(stream)) }
        .map_err(|e| bad(format!("cannot read the Arrow stream: {e}")))?;
    let ArrowDataType::Struct(fields) = reader.field().dtype().clone() else {
        return Err(bad("the Arrow stream is not a table (its type is not a struct)".into()));
    };
    let mut chunks: Vec<Vec<Box<dyn Array>>> = vec![Vec::new(); fields.len()];
    let mut height = 0;
    // SAFETY: the reader owns the stream it reads.
    while let Some(batch) = unsafe { reader.next() } {
        let batch = batch.map_err(|e| bad(format!("cannot read the Arrow stream: {e}")))?;
        let Some(batch) = batch.as_any().downcast_ref::<StructArray>() else {
            return Err(bad("an Arrow batch is not a table".into()));
        };
        height += batch.len();
        for (k, values) in batch.values().iter().enumerate() {
            chunks[k].push(values.clone());
        }
    }
    let mut columns = Vec::with_capacity(fields.len());
    for (field, arrays) in fields.iter().zip(chunks) {
        let series = if arrays.is_empty() {
            Series::new_empty(field.name.clone(), &DataType::String)
        } else {
            Series::try_from((field.name.clone(), arrays))
                .map_err(|e| bad(format!("column `{}` cannot be read: {e}", field.name)))?
        };
        columns.push(series.into_column());
    }
    DataFrame::new(height, columns).map_err(|e| bad(format!("cannot build the table: {e}")))
}

/// A result table: polars reads it with `polars.DataFrame(table)`, without a copy.
#[pyclass(module = "flowhound._flowhound", frozen)]
pub struct ArrowTable {
    frame: DataFrame,
}

impl ArrowTable {
    /// Wraps `frame`.
    pub fn new(mut frame: DataFrame) -> ArrowTable {
        frame.rechunk_mut_par();
        ArrowTable { frame }
    }
}

#[pymethods]
impl ArrowTable {
    /// The table as an Arrow C stream (the Arrow PyCapsule interface). The requested
    /// schema is not honoured: the columns come as they are.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let level = CompatLevel::newest();
        let fields: Vec<ArrowField> =
            self.frame.columns().iter().map(|c| c.field().to_arrow(level)).collect();
        let dtype = ArrowDataType::Struct(fields);
        let batches: Vec<PolarsResult<Box<dyn Array>>> = self
            .frame
            .iter_chunks(level, false)
            .map(|batch| {
                let height = batch.height();
                let array = StructArray::new(dtype.clone(), height, batch.into_arrays(), None);
                Ok(Box::new(array) as Box<dyn Array>)
            })
            .collect();
        let stream =
            ffi::export_iterator(Box::new(batches.into_iter()), ArrowField::new("".into(), dtype, false));
        PyCapsule::new_with_value(py, stream, STREAM)
    }

    /// Rows.
    fn __len__(&self) -> usize {
        self.frame.height()
    }
}
