//! Comparisons, logical ops and `where` (select).

use super::{
    broadcast_binary, check_arity, check_dtype, same_as_input, unbroadcast, Accepts, ArrayOps,
};
use crate::handle::apply1;
use crate::ops::math::dtype_error;
use crate::{GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec};
use ferroflow_tensor::kernels::elementwise::{map, select, zip_map};
use ferroflow_tensor::{with_element_type, DType, Tensor};

/// Defines comparison ops: inputs of one dtype, a bool output, no gradient.
macro_rules! comparison_ops {
    ($( $(#[$doc:meta])* $Op:ident = $tf:literal, |$x:ident, $y:ident| $kernel:expr; )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $Op;
        impl OpDef for $Op {
            fn op_type(&self) -> &'static str {
                $tf
            }
            fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
                broadcast_binary($tf, inputs, Accepts::Any, Some(DType::Bool))
            }
            // Bool tensors compare too (false < true), as TensorFlow's do.
            #[allow(clippy::bool_comparison)]
            fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
                let (a, b) = (inputs[0], inputs[1]);
                Ok(vec![with_element_type!(a.dtype(),
                    T => zip_map::<T, bool>(ctx.name, a, b, |$x: T, $y: T| $kernel)?,
                    _ => return Err(dtype_error(ctx.name, "a numeric or bool", a.dtype()))
                )])
            }
            fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
                Ok(vec![None, None])
            }
        }
    )*};
}

comparison_ops! {
    /// Returns x == y element-wise, like `tf.equal`.
    Equal = "Equal", |x, y| x == y;
    /// Returns x != y element-wise, like `tf.not_equal`.
    NotEqual = "NotEqual", |x, y| x != y;
    /// Returns x < y element-wise, like `tf.less`.
    Less = "Less", |x, y| x < y;
    /// Returns x <= y element-wise, like `tf.less_equal`.
    LessEqual = "LessEqual", |x, y| x <= y;
    /// Returns x > y element-wise, like `tf.greater`.
    Greater = "Greater", |x, y| x > y;
    /// Returns x >= y element-wise, like `tf.greater_equal`.
    GreaterEqual = "GreaterEqual", |x, y| x >= y;
}

/// Logical and/or of two bool tensors with broadcasting.
#[derive(Debug, Clone, Copy)]
pub struct LogicalBinary {
    or: bool,
}

impl LogicalBinary {
    /// `tf.logical_and` (TF's `LogicalAnd`).
    pub const AND: LogicalBinary = LogicalBinary { or: false };
    /// `tf.logical_or` (TF's `LogicalOr`).
    pub const OR: LogicalBinary = LogicalBinary { or: true };
}

impl OpDef for LogicalBinary {
    fn op_type(&self) -> &'static str {
        if self.or {
            "LogicalOr"
        } else {
            "LogicalAnd"
        }
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        broadcast_binary(self.op_type(), inputs, Accepts::Bool, None)
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let out = if self.or {
            zip_map::<bool, bool>(ctx.name, inputs[0], inputs[1], |x, y| x || y)
        } else {
            zip_map::<bool, bool>(ctx.name, inputs[0], inputs[1], |x, y| x && y)
        };
        Ok(vec![out?])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None, None])
    }
}

/// Logical not of a bool tensor, like `tf.logical_not`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogicalNot;

impl OpDef for LogicalNot {
    fn op_type(&self) -> &'static str {
        "LogicalNot"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        same_as_input("LogicalNot", inputs, Accepts::Bool)
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        if inputs[0].dtype() != DType::Bool {
            return Err(dtype_error(ctx.name, "a bool", inputs[0].dtype()));
        }
        Ok(vec![map::<bool, bool>(inputs[0], |x| !x)?])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None])
    }
}

/// Picks from `x` where `condition` is true and from `y` elsewhere, with
/// broadcasting over all three, like `tf.where(condition, x, y)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SelectV2;

impl OpDef for SelectV2 {
    fn op_type(&self) -> &'static str {
        "SelectV2"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("SelectV2", inputs, 3)?;
        check_dtype("SelectV2", inputs, 0, Accepts::Bool)?;
        let values = broadcast_binary("SelectV2", &inputs[1..], Accepts::Any, None)?;
        let shape = PartialShape::broadcast("SelectV2", &inputs[0].shape, &values[0].shape)?;
        Ok(vec![TensorSpec::new(values[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![select(ctx.name, inputs[0], inputs[1], inputs[2])?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (cond, dy) = (&a.inputs[0], &a.grads[0]);
        let zeros = dy.zeros_like()?;
        let gx = unbroadcast(cond.where_(dy, &zeros)?, &a.inputs[1])?;
        let gy = unbroadcast(cond.where_(&zeros, dy)?, &a.inputs[2])?;
        Ok(vec![None, Some(gx), Some(gy)])
    }
}

/// Comparisons, logic and selection on any handle.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from([1, 5, 3]);
/// let big = x.greater(&Tensor::scalar(2)).unwrap();
/// assert_eq!(big.to_vec::<bool>().unwrap(), vec![false, true, true]);
/// let y = big.where_(&x, &Tensor::scalar(0)).unwrap();
/// assert_eq!(y.to_vec::<i32>().unwrap(), vec![0, 5, 3]);
/// ```
pub trait CompareOps: TensorOps {
    fn equal(&self, y: &Self) -> Result<Self> {
        apply1(Equal, &[self, y])
    }
    fn not_equal(&self, y: &Self) -> Result<Self> {
        apply1(NotEqual, &[self, y])
    }
    fn less(&self, y: &Self) -> Result<Self> {
        apply1(Less, &[self, y])
    }
    fn less_equal(&self, y: &Self) -> Result<Self> {
        apply1(LessEqual, &[self, y])
    }
    fn greater(&self, y: &Self) -> Result<Self> {
        apply1(Greater, &[self, y])
    }
    fn greater_equal(&self, y: &Self) -> Result<Self> {
        apply1(GreaterEqual, &[self, y])
    }
    fn logical_and(&self, y: &Self) -> Result<Self> {
        apply1(LogicalBinary { or: false }, &[self, y])
    }
    fn logical_or(&self, y: &Self) -> Result<Self> {
        apply1(LogicalBinary { or: true }, &[self, y])
    }
    fn logical_not(&self) -> Result<Self> {
        apply1(LogicalNot, &[self])
    }
    /// `self` is the bool condition: picks `x` where true, `y` where false.
    fn where_(&self, x: &Self, y: &Self) -> Result<Self> {
        apply1(SelectV2, &[self, x, y])
    }
}

impl<H: TensorOps> CompareOps for H {}
