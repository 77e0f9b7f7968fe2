//! The error type of the I/O crate.

use ferroflow_tensor::TensorError;
use std::path::PathBuf;

/// Errors from reading or writing TensorFlow's file formats. Each names the
/// file (and offset, where it helps) and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The operating system refused a read or write.
    #[error("{path}: {source}")]
    Os {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes do not follow the format (bad CRC, truncated record, bad magic, …).
    #[error("{file}: corrupt data at offset {offset}: {msg}")]
    Corrupt {
        file: String,
        offset: u64,
        msg: String,
    },
    /// A protobuf message failed to decode.
    #[error("{what}: cannot decode protobuf: {source}")]
    Decode {
        what: String,
        #[source]
        source: prost::DecodeError,
    },
    /// Valid bytes that do not match what the caller asked for (a feature of
    /// the wrong type, a missing key, an unsupported dtype, …).
    #[error("{what}: {msg}")]
    Invalid { what: String, msg: String },
    /// A tensor could not be built from the decoded values.
    #[error(transparent)]
    Tensor(#[from] TensorError),
}

/// Result alias of the I/O crate.
pub type Result<T> = std::result::Result<T, IoError>;

impl IoError {
    /// An [`IoError::Os`] for `path`.
    pub fn os(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IoError::Os {
            path: path.into(),
            source,
        }
    }

    /// An [`IoError::Invalid`].
    pub fn invalid(what: impl Into<String>, msg: impl Into<String>) -> Self {
        IoError::Invalid {
            what: what.into(),
            msg: msg.into(),
        }
    }
}
