//! Tensors made from attributes alone: `tf.fill`, `tf.zeros` and
//! `tf.range`. The free functions run eagerly (they have no input to take
//! a graph from); in a graph, add the op itself:
//!
//! ```
//! use ferroflow_core::{graph::Graph, ops::Range, prelude::*, session::Session};
//! let g = Graph::new();
//! let r = g.add_op1(Range { start: 0.0, limit: 3.0, delta: 1.0, dtype: DType::I64 }, &[], None).unwrap();
//! assert_eq!(Session::new(&g).run(&[&r], &[]).unwrap()[0], Tensor::from([0i64, 1, 2]));
//! ```

use super::{check_arity, Axes, ReduceOps};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::cast;
use ferroflow_tensor::{DType, Shape, Tensor};

/// A tensor of a shape filled with a scalar, like `tf.fill(dims, value)`.
#[derive(Debug, Clone)]
pub struct Fill {
    pub shape: Shape,
}

impl OpDef for Fill {
    fn op_type(&self) -> &'static str {
        "Fill"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("index_type", AttrValue::Type(DType::I32))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("dims", crate::op::shape_vector(&self.shape))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Fill", inputs, 1)?;
        if inputs[0].shape.rank().is_some_and(|r| r != 0) {
            fail!(
                "Fill",
                "value must be a scalar, got shape {}",
                inputs[0].shape.bracketed()
            );
        }
        let shape = PartialShape::known(&self.shape);
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![cast::fill(ctx.name, &self.shape, inputs[0])?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        // Every output element is the value: its gradient is the sum.
        Ok(vec![Some(a.grads[0].reduce_sum(Axes::All, false)?)])
    }
}

/// `start, start + delta, …` up to (excluding) `limit`, like
/// `tf.range(start, limit, delta, dtype)`.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub start: f64,
    pub limit: f64,
    pub delta: f64,
    pub dtype: DType,
}

impl OpDef for Range {
    fn op_type(&self) -> &'static str {
        "Range"
    }
    fn default_name(&self) -> &'static str {
        "range"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("Tidx", AttrValue::Type(self.dtype))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        [
            ("start", self.start),
            ("limit", self.limit),
            ("delta", self.delta),
        ]
        .into_iter()
        .map(|(name, v)| {
            let v = Tensor::scalar(v);
            (name, cast::cast("Range", &v, self.dtype).unwrap_or(v))
        })
        .collect()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Range", inputs, 0)?;
        if !self.dtype.is_numeric() {
            fail!("Range", "expected a numeric dtype, got {}", self.dtype);
        }
        Ok(vec![TensorSpec::new(
            self.dtype,
            PartialShape::unknown_dims(1),
        )])
    }
    fn compute(&self, ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let y = cast::range(ctx.name, self.start, self.limit, self.delta, self.dtype)?;
        Ok(vec![y])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(Vec::new())
    }
}

/// An eager tensor of shape `dims` filled with `value`, like
/// `tf.fill(dims, value)` (in a graph, add a [`Fill`] node).
///
/// ```
/// use ferroflow_core::prelude::*;
/// assert_eq!(fill(&[2, 2], 7i64).unwrap(), Tensor::from([[7i64, 7], [7, 7]]));
/// ```
pub fn fill(dims: &[usize], value: impl Into<Tensor>) -> Result<Tensor> {
    let shape = Shape::new(dims.to_vec());
    apply1(Fill { shape }, &[&value.into()])
}

/// An eager tensor of zeros, like `tf.zeros(shape, dtype)` (strings are
/// empty); `ops::ones(dtype, shape)` gives ones.
///
/// ```
/// use ferroflow_core::prelude::*;
/// assert_eq!(zeros(&[2], DType::F32).unwrap(), Tensor::from([0.0f32, 0.0]));
/// ```
pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
    fill(shape, Tensor::zeros(dtype, Shape::scalar())?)
}

/// An eager 1-D tensor `start, start + delta, …` up to (excluding)
/// `limit`, like `tf.range(start, limit, delta, dtype)` (in a graph, add a
/// [`Range`] node).
///
/// ```
/// use ferroflow_core::prelude::*;
/// assert_eq!(range(0.0, 5.0, 2.0, DType::I32).unwrap(), Tensor::from([0, 2, 4]));
/// ```
pub fn range(start: f64, limit: f64, delta: f64, dtype: DType) -> Result<Tensor> {
    let op = Range {
        start,
        limit,
        delta,
        dtype,
    };
    let no_inputs: &[&Tensor] = &[];
    apply1(op, no_inputs)
}
