//! Growing one output column from Feature value lists, with TensorFlow's
//! type checks.

use super::wire::{FeatureRef, ListKind, Value};
use crate::{IoError, Result};
use ferroflow_tensor::Storage;

/// TensorFlow's name of a column dtype in parse errors.
fn column_name(col: &Storage) -> &'static str {
    match col {
        Storage::F32(_) => "float",
        Storage::I64(_) => "int64",
        Storage::String(_) => "string",
        _ => "unsupported",
    }
}

/// Appends the values of `feature` to `col`; errors (naming `key`) when the
/// list kind does not match the column's dtype. Returns the count appended.
pub(crate) fn append(
    op: &str,
    key: &str,
    col: &mut Storage,
    feature: &FeatureRef,
) -> Result<usize> {
    let before = col.len();
    match (&mut *col, feature.kind) {
        (Storage::F32(v), ListKind::Float) => feature.for_each_value(|x| {
            if let Value::Float(x) = x {
                v.push(x)
            }
        })?,
        (Storage::I64(v), ListKind::Int64) => feature.for_each_value(|x| {
            if let Value::Int64(x) = x {
                v.push(x)
            }
        })?,
        (Storage::String(v), ListKind::Bytes) => feature.for_each_value(|x| {
            if let Value::Bytes(x) = x {
                v.push(x.to_vec())
            }
        })?,
        _ => {
            return Err(IoError::invalid(
                op,
                format!(
                    "Key: {key}. Data types don't match. Data type: {} but expected type: {}",
                    feature.kind.name(),
                    column_name(col)
                ),
            ))
        }
    }
    Ok(col.len() - before)
}

/// Appends all of `src` to `col`, `times` times (defaults and padding).
pub(crate) fn extend_repeated(
    op: &str,
    col: &mut Storage,
    src: &Storage,
    times: usize,
) -> Result<()> {
    fn repeat<T: Clone>(dst: &mut Vec<T>, src: &[T], times: usize) {
        for _ in 0..times {
            dst.extend_from_slice(src);
        }
    }
    match (&mut *col, src) {
        (Storage::F32(d), Storage::F32(s)) => repeat(d, s, times),
        (Storage::F64(d), Storage::F64(s)) => repeat(d, s, times),
        (Storage::I32(d), Storage::I32(s)) => repeat(d, s, times),
        (Storage::I64(d), Storage::I64(s)) => repeat(d, s, times),
        (Storage::U8(d), Storage::U8(s)) => repeat(d, s, times),
        (Storage::Bool(d), Storage::Bool(s)) => repeat(d, s, times),
        (Storage::String(d), Storage::String(s)) => repeat(d, s, times),
        _ => {
            return Err(IoError::invalid(
                op,
                format!(
                    "cannot fill a {} column with {} values",
                    col.dtype(),
                    src.dtype()
                ),
            ))
        }
    }
    Ok(())
}
