//! The error type of the data crate.

use ferroflow_io::IoError;
use ferroflow_tensor::TensorError;

/// Errors raised while building or iterating a [`crate::Dataset`].
///
/// An iterator yields an error at the element where it occurs (a corrupt
/// record, a failing map function), so
/// [`ignore_errors`](crate::Dataset::ignore_errors) can drop that element.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// `get_next()` was called on an exhausted iterator (TensorFlow's
    /// `OutOfRangeError: End of sequence`).
    #[error("End of sequence")]
    OutOfRange,
    /// An invalid argument to a dataset op or element, in TensorFlow's words.
    #[error("{op}: {msg}")]
    InvalidArgument { op: String, msg: String },
    /// A file could not be read or holds corrupt data.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A tensor operation failed.
    #[error(transparent)]
    Tensor(#[from] TensorError),
    /// An op of the core crate (inside a map function, …) failed.
    #[error(transparent)]
    Core(#[from] ferroflow_core::Error),
}

/// Result alias of the data crate.
pub type Result<T> = std::result::Result<T, DataError>;

impl DataError {
    /// A [`DataError::InvalidArgument`] for `op`.
    pub fn invalid(op: impl Into<String>, msg: impl Into<String>) -> Self {
        DataError::InvalidArgument {
            op: op.into(),
            msg: msg.into(),
        }
    }
}
