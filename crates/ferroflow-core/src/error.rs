//! The error type of the core crate.

use ferroflow_tensor::TensorError;

/// Errors raised while building or running ops, computing gradients, or
/// using variables. Messages name the op (its graph name where it has one).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A kernel or tensor error, already naming its op.
    #[error(transparent)]
    Tensor(#[from] TensorError),
    /// An invalid argument to an op or API, in TensorFlow's words.
    #[error("{op}: {msg}")]
    InvalidArgument { op: String, msg: String },
    /// An op has no gradient rule.
    #[error("No gradient defined for operation '{op}' (op type: {op_type})")]
    NoGradient { op: String, op_type: String },
    /// A handle was used after it could no longer be (a used-up tape, …).
    #[error("{0}")]
    FailedPrecondition(String),
    /// An iterator's `get_next()` ran past the end of its data
    /// (TensorFlow's `OutOfRangeError`); the message names the node, as in
    /// `IteratorGetNext: End of sequence`. An epoch loop ends on it.
    #[error("{0}")]
    OutOfRange(String),
}

/// Result alias of the core crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An [`Error::InvalidArgument`] for `op`.
    pub fn invalid(op: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::InvalidArgument {
            op: op.into(),
            msg: msg.into(),
        }
    }

    /// The [`Error::OutOfRange`] of node `op` at the end of its data.
    ///
    /// ```
    /// use ferroflow_core::Error;
    /// let e = Error::end_of_sequence("IteratorGetNext");
    /// assert!(matches!(e, Error::OutOfRange(_)));
    /// assert_eq!(e.to_string(), "IteratorGetNext: End of sequence");
    /// ```
    pub fn end_of_sequence(op: &str) -> Self {
        Error::OutOfRange(format!("{op}: End of sequence"))
    }
}

/// Returns early with an [`Error::InvalidArgument`] naming `op`.
#[macro_export]
macro_rules! fail {
    ($op:expr, $($fmt:tt)+) => {
        return Err($crate::Error::invalid($op, format!($($fmt)+)))
    };
}
