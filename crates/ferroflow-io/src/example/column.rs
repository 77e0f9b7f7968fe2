//! Growing one output column from Feature value lists, with TensorFlow's
//! type checks.

use crate::proto::example::Kind;
use crate::{IoError, Result};
use ferroflow_tensor::Storage;

/// TensorFlow's name of a value-list kind in parse errors.
fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::BytesList(_) => "string",
        Kind::FloatList(_) => "float",
        Kind::Int64List(_) => "int64",
    }
}

/// TensorFlow's name of a column dtype in parse errors.
fn column_name(col: &Storage) -> &'static str {
    match col {
        Storage::F32(_) => "float",
        Storage::I64(_) => "int64",
        Storage::String(_) => "string",
        _ => "unsupported",
    }
}

/// Number of values in a list of any kind.
pub(crate) fn kind_len(kind: &Kind) -> usize {
    match kind {
        Kind::BytesList(l) => l.value.len(),
        Kind::FloatList(l) => l.value.len(),
        Kind::Int64List(l) => l.value.len(),
    }
}

/// Appends the values of `kind` to `col`; errors (naming `key`) when the
/// list kind does not match the column's dtype. Returns the count appended.
pub(crate) fn append(op: &str, key: &str, col: &mut Storage, kind: &Kind) -> Result<usize> {
    match (&mut *col, kind) {
        (Storage::F32(v), Kind::FloatList(l)) => v.extend_from_slice(&l.value),
        (Storage::I64(v), Kind::Int64List(l)) => v.extend_from_slice(&l.value),
        (Storage::String(v), Kind::BytesList(l)) => v.extend(l.value.iter().cloned()),
        _ => {
            return Err(IoError::invalid(
                op,
                format!(
                    "Key: {key}. Data types don't match. Data type: {} but expected type: {}",
                    kind_name(kind),
                    column_name(col)
                ),
            ))
        }
    }
    Ok(kind_len(kind))
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
