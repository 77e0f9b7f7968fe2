//! Shape and dtype rules shared by many ops.

use crate::{fail, PartialShape, Result, TensorSpec};
use ferroflow_tensor::DType;

/// Which dtypes an op accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    /// f32, f64.
    Float,
    /// f32, f64, i32, i64, u8.
    Numeric,
    /// bool only.
    Bool,
    /// Every dtype.
    Any,
}

impl Accepts {
    /// True if `dtype` is accepted.
    pub fn allows(self, dtype: DType) -> bool {
        match self {
            Accepts::Float => dtype.is_float(),
            Accepts::Numeric => dtype.is_numeric(),
            Accepts::Bool => dtype == DType::Bool,
            Accepts::Any => true,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Accepts::Float => "a float",
            Accepts::Numeric => "a numeric",
            Accepts::Bool => "a bool",
            Accepts::Any => "any",
        }
    }
}

/// Checks `op` got `n` inputs.
pub fn check_arity(op: &str, inputs: &[TensorSpec], n: usize) -> Result<()> {
    if inputs.len() != n {
        fail!(op, "expected {n} inputs, got {}", inputs.len());
    }
    Ok(())
}

/// Checks input `i`'s dtype, in TensorFlow's words.
pub fn check_dtype(op: &str, inputs: &[TensorSpec], i: usize, accepts: Accepts) -> Result<()> {
    let dtype = inputs[i].dtype;
    if !accepts.allows(dtype) {
        fail!(
            op,
            "input #{i}(zero-based) was expected to be {} tensor but is a {dtype} tensor",
            accepts.describe()
        );
    }
    Ok(())
}

/// One input, output of the same dtype and shape.
pub fn same_as_input(op: &str, inputs: &[TensorSpec], accepts: Accepts) -> Result<Vec<TensorSpec>> {
    check_arity(op, inputs, 1)?;
    check_dtype(op, inputs, 0, accepts)?;
    Ok(vec![inputs[0].clone()])
}

/// Two inputs of one dtype, broadcast together; the output has `out` dtype
/// (or the inputs' dtype when `None`).
pub fn broadcast_binary(
    op: &str,
    inputs: &[TensorSpec],
    accepts: Accepts,
    out: Option<DType>,
) -> Result<Vec<TensorSpec>> {
    check_arity(op, inputs, 2)?;
    check_dtype(op, inputs, 0, accepts)?;
    if inputs[1].dtype != inputs[0].dtype {
        fail!(
            op,
            "cannot compute {op} as input #1(zero-based) was expected to be a {} tensor but is a {} tensor",
            inputs[0].dtype,
            inputs[1].dtype
        );
    }
    let shape = PartialShape::broadcast(op, &inputs[0].shape, &inputs[1].shape)?;
    Ok(vec![TensorSpec::new(out.unwrap_or(inputs[0].dtype), shape)])
}
