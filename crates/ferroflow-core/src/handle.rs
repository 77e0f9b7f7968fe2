//! The handle trait: one op vocabulary for eager tensors and graph outputs.

use crate::{Op, PartialShape, Result, TensorSpec};
use ferroflow_tensor::{with_element_type, DType, Element, Tensor};
use std::sync::Arc;

/// A handle to a tensor that ops can be applied to: an eager [`Tensor`]
/// (ops run at once) or a symbolic graph output (ops add nodes).
///
/// [`TensorOps::apply`] is the one way an op reaches a handle; every op
/// method (`add`, `matmul`, `reduce_sum`, …) is a provided method of an
/// extension trait built on it (`MathOps`, `ArrayOps`, …), so code written
/// against `H: TensorOps` — gradient rules, layers, losses, optimizers —
/// runs eagerly or builds a graph unchanged.
pub trait TensorOps: Clone + Send + Sync + Sized + 'static {
    /// Applies `op` to `inputs`, returning its outputs.
    fn apply(op: Arc<dyn Op>, inputs: &[&Self]) -> Result<Vec<Self>>;

    /// The dtype and (possibly partial) static shape.
    fn spec(&self) -> TensorSpec;

    /// A constant in the same context as `self` (the same graph, or eager).
    fn constant_like(&self, value: Tensor) -> Result<Self>;

    /// The element type.
    fn dtype(&self) -> DType {
        self.spec().dtype
    }

    /// The static shape (fully known for eager tensors).
    fn static_shape(&self) -> PartialShape {
        self.spec().shape
    }

    /// A scalar constant of `self`'s dtype with value `v`.
    fn scalar_like(&self, v: f64) -> Result<Self> {
        let t = with_element_type!(self.dtype(),
            T => Tensor::scalar(<T as Element>::from_f64(v)),
            _ => return Err(crate::Error::invalid("scalar_like", format!("no numeric scalar of dtype {}", self.dtype())))
        );
        self.constant_like(t)
    }
}

/// Applies a single-output op.
pub fn apply1<H: TensorOps>(op: impl Op, inputs: &[&H]) -> Result<H> {
    let mut outs = H::apply(Arc::new(op), inputs)?;
    Ok(outs.swap_remove(0))
}
