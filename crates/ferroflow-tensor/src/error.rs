//! The error type of the tensor crate.

use crate::{DType, Shape};

/// Errors raised by tensor construction, conversion and kernels.
///
/// Every variant names the operation that failed and what it received, in
/// TensorFlow's wording where there is one (`Incompatible shapes: [2,3] vs. [4]`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TensorError {
    /// Two shapes cannot be broadcast together.
    #[error("{op}: Incompatible shapes: {lhs} vs. {rhs}")]
    IncompatibleShapes { op: String, lhs: Shape, rhs: Shape },
    /// A tensor has a dtype the operation does not accept.
    #[error("{op}: expected dtype {expected}, got {got}")]
    DType {
        op: String,
        expected: String,
        got: DType,
    },
    /// A value count does not match a shape.
    #[error("{op}: {len} values cannot fill a tensor of shape {shape} ({expected} elements)")]
    ElementCount {
        op: String,
        len: usize,
        shape: Shape,
        expected: usize,
    },
    /// An axis or index is outside its valid range.
    #[error("{op}: {what} {index} is out of range [{lo}, {hi})")]
    OutOfRange {
        op: String,
        what: String,
        index: i64,
        lo: i64,
        hi: i64,
    },
    /// Any other invalid argument, with a message that says what was expected.
    #[error("{op}: {msg}")]
    InvalidArgument { op: String, msg: String },
}

/// Result alias of the tensor crate.
pub type Result<T> = std::result::Result<T, TensorError>;

impl TensorError {
    /// An [`TensorError::InvalidArgument`] for `op`.
    pub fn invalid(op: impl Into<String>, msg: impl Into<String>) -> Self {
        TensorError::InvalidArgument {
            op: op.into(),
            msg: msg.into(),
        }
    }

    /// The message with its op name replaced by `op` (used when a kernel error
    /// surfaces through a named graph node).
    pub fn with_op(self, op: &str) -> Self {
        use TensorError::*;
        match self {
            IncompatibleShapes { lhs, rhs, .. } => IncompatibleShapes {
                op: op.into(),
                lhs,
                rhs,
            },
            DType { expected, got, .. } => DType {
                op: op.into(),
                expected,
                got,
            },
            ElementCount {
                len,
                shape,
                expected,
                ..
            } => ElementCount {
                op: op.into(),
                len,
                shape,
                expected,
            },
            OutOfRange {
                what,
                index,
                lo,
                hi,
                ..
            } => OutOfRange {
                op: op.into(),
                what,
                index,
                lo,
                hi,
            },
            InvalidArgument { msg, .. } => InvalidArgument { op: op.into(), msg },
        }
    }
}

/// Returns early with an [`TensorError::InvalidArgument`].
///
/// ```ignore
/// bail!("Reshape", "only one dimension may be -1, got {dims:?}");
/// ```
#[macro_export]
macro_rules! bail {
    ($op:expr, $($fmt:tt)+) => {
        return Err($crate::TensorError::invalid($op, format!($($fmt)+)).into())
    };
}
