//! Feature specs (`tf.io.FixedLenFeature`, `VarLenFeature`,
//! `FixedLenSequenceFeature`) and parse results.

use crate::{IoError, Result};
use ferroflow_tensor::{DType, Tensor};
use std::collections::BTreeMap;

/// How one key of an Example is parsed.
///
/// ```
/// use ferroflow_io::example::FeatureSpec;
/// use ferroflow_tensor::DType;
/// // {"image_raw": tf.io.FixedLenFeature([], tf.string),
/// //  "tags": tf.io.VarLenFeature(tf.int64)}
/// let spec = [
///     ("image_raw", FeatureSpec::fixed_len(&[], DType::String)),
///     ("tags", FeatureSpec::var_len(DType::I64)),
/// ];
/// # let _ = spec;
/// ```
#[derive(Debug, Clone)]
pub enum FeatureSpec {
    /// `tf.io.FixedLenFeature(shape, dtype, default_value)`: exactly
    /// `product(shape)` values, returned dense with `shape`.
    FixedLen {
        shape: Vec<usize>,
        dtype: DType,
        default: Option<Tensor>,
    },
    /// `tf.io.VarLenFeature(dtype)`: any number of values, returned sparse.
    VarLen { dtype: DType },
    /// `tf.io.FixedLenSequenceFeature(shape, dtype, allow_missing, default_value)`:
    /// values reshaped to `[-1] + shape`; in a batch, shorter rows are padded
    /// with `default` (a one-element tensor) or zeros.
    FixedLenSequence {
        shape: Vec<usize>,
        dtype: DType,
        allow_missing: bool,
        default: Option<Tensor>,
    },
}

impl FeatureSpec {
    /// `tf.io.FixedLenFeature(shape, dtype)`: the key is required.
    pub fn fixed_len(shape: &[usize], dtype: DType) -> FeatureSpec {
        FeatureSpec::FixedLen {
            shape: shape.to_vec(),
            dtype,
            default: None,
        }
    }

    /// `tf.io.FixedLenFeature(shape, default.dtype, default_value=default)`:
    /// `default` (reshaped to `shape`) is used when the key is absent.
    pub fn fixed_len_with_default(shape: &[usize], default: Tensor) -> FeatureSpec {
        FeatureSpec::FixedLen {
            shape: shape.to_vec(),
            dtype: default.dtype(),
            default: Some(default),
        }
    }

    /// `tf.io.VarLenFeature(dtype)`.
    pub fn var_len(dtype: DType) -> FeatureSpec {
        FeatureSpec::VarLen { dtype }
    }

    /// `tf.io.FixedLenSequenceFeature(shape, dtype, allow_missing)`.
    pub fn fixed_len_sequence(shape: &[usize], dtype: DType, allow_missing: bool) -> FeatureSpec {
        FeatureSpec::FixedLenSequence {
            shape: shape.to_vec(),
            dtype,
            allow_missing,
            default: None,
        }
    }

    /// The dtype of the parsed values.
    pub fn dtype(&self) -> DType {
        match self {
            FeatureSpec::FixedLen { dtype, .. }
            | FeatureSpec::VarLen { dtype }
            | FeatureSpec::FixedLenSequence { dtype, .. } => *dtype,
        }
    }

    /// Checks what TensorFlow checks when the spec is built: the dtype is
    /// float32, int64 or string, and a default matches dtype and shape.
    pub(crate) fn validate(&self, op: &str, key: &str) -> Result<()> {
        let dtype = self.dtype();
        if !matches!(dtype, DType::F32 | DType::I64 | DType::String) {
            return Err(IoError::invalid(
                op,
                format!("Key: {key}. dtype {dtype} is not in the list of allowed values: float, int64, string"),
            ));
        }
        let (default, wanted) = match self {
            FeatureSpec::FixedLen { shape, default, .. } => {
                (default, checked_product(op, key, shape)?)
            }
            FeatureSpec::FixedLenSequence { shape, default, .. } => {
                checked_product(op, key, shape)?;
                (default, 1)
            }
            FeatureSpec::VarLen { .. } => return Ok(()),
        };
        match default {
            Some(d) if d.dtype() != dtype || d.num_elements() != wanted => Err(IoError::invalid(
                op,
                format!(
                    "Key: {key}. default_value must be a {dtype} tensor of {wanted} element(s), got {} of shape {}",
                    d.dtype(),
                    d.shape()
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// Number of values a row of `shape` holds, refusing overflow.
pub(crate) fn checked_product(op: &str, key: &str, shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| IoError::invalid(op, format!("Key: {key}. shape {shape:?} is too large")))
}

/// `tf.sparse.SparseTensor`: `indices` int64 `[n, rank]`, `values` `[n]`,
/// `dense_shape` int64 `[rank]`.
#[derive(Debug, Clone)]
pub struct SparseTensor {
    pub indices: Tensor,
    pub values: Tensor,
    pub dense_shape: Tensor,
}

/// One parsed feature: dense for fixed-length specs, sparse for `VarLen`.
#[derive(Debug, Clone)]
pub enum Parsed {
    Dense(Tensor),
    Sparse(SparseTensor),
}

impl Parsed {
    /// The dense tensor, if this feature was parsed dense.
    pub fn dense(&self) -> Option<&Tensor> {
        match self {
            Parsed::Dense(t) => Some(t),
            Parsed::Sparse(_) => None,
        }
    }

    /// The sparse tensor, if this feature was parsed sparse.
    pub fn sparse(&self) -> Option<&SparseTensor> {
        match self {
            Parsed::Sparse(s) => Some(s),
            Parsed::Dense(_) => None,
        }
    }
}

/// Parse results by key (`dict` of `tf.io.parse_example`).
pub type ParsedFeatures = BTreeMap<String, Parsed>;
