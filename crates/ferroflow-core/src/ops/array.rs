//! Shape-only array ops: reshape, expand_dims, squeeze, broadcast_to,
//! identity, stop_gradient, zeros_like/ones_like, cast, and shape/size/rank
//! as tensors.

use super::{check_arity, check_dtype, same_as_input, unbroadcast, Accepts};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::cast::cast;
use ferroflow_tensor::kernels::elementwise::broadcast_to;
use ferroflow_tensor::{normalize_axis, resolve_reshape, DType, Shape, Tensor};

/// Gives a tensor a new shape with the same elements, like `tf.reshape`
/// (one dimension may be `-1`).
#[derive(Debug, Clone)]
pub struct Reshape {
    pub shape: Vec<i64>,
}

impl OpDef for Reshape {
    fn op_type(&self) -> &'static str {
        "Reshape"
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("shape", crate::op::int32_vector(self.shape.iter().copied()))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Reshape", inputs, 1)?;
        let input = &inputs[0].shape;
        let shape = match input.to_shape() {
            Some(s) => PartialShape::known(&resolve_reshape(&s, &self.shape)?),
            None => {
                if self.shape.iter().filter(|&&d| d == -1).count() > 1 {
                    fail!(
                        "Reshape",
                        "only one input size may be -1, got {:?}",
                        self.shape
                    );
                }
                let dims: Vec<Option<usize>> = self
                    .shape
                    .iter()
                    .map(|&d| (d >= 0).then_some(d as usize))
                    .collect();
                PartialShape::from_dims(&dims)
            }
        };
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, _ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let shape = resolve_reshape(inputs[0].shape(), &self.shape)?;
        Ok(vec![inputs[0].view(shape)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![Some(a.grads[0].reshape_like(&a.inputs[0])?)])
    }
}

/// Inserts a dimension of size 1 at `axis`, like `tf.expand_dims`.
#[derive(Debug, Clone, Copy)]
pub struct ExpandDims {
    pub axis: i64,
}

impl ExpandDims {
    fn out_dims<D: Clone>(&self, dims: &[D], one: D) -> Result<Vec<D>> {
        let axis = normalize_axis("ExpandDims", self.axis, dims.len() + 1)?;
        let mut out = dims.to_vec();
        out.insert(axis, one);
        Ok(out)
    }
}

impl OpDef for ExpandDims {
    fn op_type(&self) -> &'static str {
        "ExpandDims"
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("dim", Tensor::scalar(self.axis as i32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("ExpandDims", inputs, 1)?;
        let shape = match inputs[0].shape.dims() {
            Some(d) => PartialShape::from_dims(&self.out_dims(d, Some(1))?),
            None => PartialShape::unknown(),
        };
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, _ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![inputs[0].view(self.out_dims(inputs[0].dims(), 1)?)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![Some(a.grads[0].reshape_like(&a.inputs[0])?)])
    }
}

/// Removes dimensions of size 1 (all of them when `axes` is empty), like
/// `tf.squeeze`.
#[derive(Debug, Clone)]
pub struct Squeeze {
    pub axes: Vec<i64>,
}

impl Squeeze {
    fn out_dims(&self, dims: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        let axes = self
            .axes
            .iter()
            .map(|&a| normalize_axis("Squeeze", a, dims.len()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut out = Vec::new();
        for (i, &d) in dims.iter().enumerate() {
            let listed = axes.contains(&i);
            if listed && d.is_some_and(|d| d != 1) {
                fail!(
                    "Squeeze",
                    "Can not squeeze dim[{i}], expected a dimension of 1, got {}",
                    d.unwrap_or(0)
                );
            }
            let drop = if axes.is_empty() {
                d == Some(1)
            } else {
                listed
            };
            if !drop {
                out.push(d);
            }
        }
        Ok(out)
    }
}

impl OpDef for Squeeze {
    fn op_type(&self) -> &'static str {
        "Squeeze"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("squeeze_dims", AttrValue::Ints(self.axes.clone()))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Squeeze", inputs, 1)?;
        let shape = match inputs[0].shape.dims() {
            Some(d) => PartialShape::from_dims(&self.out_dims(d)?),
            None => PartialShape::unknown(),
        };
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, _ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let dims: Vec<Option<usize>> = inputs[0].dims().iter().map(|&d| Some(d)).collect();
        let out: Vec<usize> = self.out_dims(&dims)?.into_iter().flatten().collect();
        Ok(vec![inputs[0].view(out)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![Some(a.grads[0].reshape_like(&a.inputs[0])?)])
    }
}

/// Broadcasts a tensor to a shape, like `tf.broadcast_to`.
#[derive(Debug, Clone)]
pub struct BroadcastTo {
    pub shape: Shape,
}

impl OpDef for BroadcastTo {
    fn op_type(&self) -> &'static str {
        "BroadcastTo"
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let dims = self.shape.dims().iter().map(|&d| d as i64);
        vec![("shape", crate::op::int32_vector(dims))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("BroadcastTo", inputs, 1)?;
        let target = PartialShape::known(&self.shape);
        let out = PartialShape::broadcast("BroadcastTo", &inputs[0].shape, &target)?;
        if out != target {
            fail!(
                "BroadcastTo",
                "cannot broadcast {} to {}",
                inputs[0].shape.bracketed(),
                self.shape
            );
        }
        Ok(vec![TensorSpec::new(inputs[0].dtype, target)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![broadcast_to(ctx.name, inputs[0], &self.shape)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![Some(unbroadcast(a.grads[0].clone(), &a.inputs[0])?)])
    }
}

/// Defines ops with one input whose output has the input's spec.
macro_rules! pass_through_ops {
    ($( $(#[$doc:meta])* $Op:ident = $tf:literal, |$x:ident| $kernel:expr, grad |$a:ident| $grad:expr; )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $Op;
        impl OpDef for $Op {
            fn op_type(&self) -> &'static str {
                $tf
            }
            fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
                same_as_input($tf, inputs, Accepts::Any)
            }
            fn compute(&self, _ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
                let $x = inputs[0];
                Ok(vec![$kernel])
            }
            #[allow(unused_variables)]
            fn gradient<H: TensorOps>(&self, $a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
                $grad
            }
        }
    )*};
}

pass_through_ops! {
    /// Returns its input, like `tf.identity`.
    Identity = "Identity", |x| x.view(x.shape().clone())?,
        grad |a| Ok(vec![Some(a.grads[0].clone())]);
    /// Returns its input but stops gradients, like `tf.stop_gradient`.
    StopGradient = "StopGradient", |x| x.view(x.shape().clone())?,
        grad |a| Ok(vec![None]);
    /// A tensor of zeros with the input's dtype and shape, like `tf.zeros_like`.
    ZerosLike = "ZerosLike", |x| Tensor::zeros(x.dtype(), x.shape().clone())?,
        grad |a| Ok(vec![None]);
    /// A tensor of ones with the input's dtype and shape, like `tf.ones_like`.
    OnesLike = "OnesLike", |x| ones(x.dtype(), x.shape())?,
        grad |a| Ok(vec![None]);
}

/// A tensor of ones of any numeric or bool dtype.
pub fn ones(dtype: DType, shape: &Shape) -> Result<Tensor> {
    crate::initializers::filled(shape.dims(), dtype, 1.0)
}

/// Converts to another dtype with TensorFlow's rules, like `tf.cast`.
#[derive(Debug, Clone, Copy)]
pub struct Cast {
    pub dtype: DType,
}

impl OpDef for Cast {
    fn op_type(&self) -> &'static str {
        "Cast"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("DstT", AttrValue::Type(self.dtype)),
            ("Truncate", AttrValue::Bool(false)),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Cast", inputs, 1)?;
        let from = inputs[0].dtype;
        if (from == DType::String) != (self.dtype == DType::String) {
            fail!("Cast", "Cast {from} to {} is not supported", self.dtype);
        }
        Ok(vec![TensorSpec::new(self.dtype, inputs[0].shape.clone())])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![cast(ctx.name, inputs[0], self.dtype)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let from = a.inputs[0].dtype();
        if from.is_float() && self.dtype.is_float() {
            Ok(vec![Some(a.grads[0].cast(from)?)])
        } else {
            Ok(vec![None])
        }
    }
}

/// `Shape`, `Size` or `Rank` of a tensor, as an int32 tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeOf {
    Shape,
    Size,
    Rank,
}

impl OpDef for ShapeOf {
    fn op_type(&self) -> &'static str {
        match self {
            ShapeOf::Shape => "Shape",
            ShapeOf::Size => "Size",
            ShapeOf::Rank => "Rank",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        match self {
            ShapeOf::Rank => Vec::new(),
            _ => vec![("out_type", AttrValue::Type(DType::I32))],
        }
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity(self.op_type(), inputs, 1)?;
        check_dtype(self.op_type(), inputs, 0, Accepts::Any)?;
        let shape = match self {
            ShapeOf::Shape => PartialShape::from_dims(&[inputs[0].shape.rank()]),
            _ => PartialShape::from_dims(&[]),
        };
        Ok(vec![TensorSpec::new(DType::I32, shape)])
    }
    fn compute(&self, _ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        Ok(vec![match self {
            ShapeOf::Shape => {
                Tensor::from(x.dims().iter().map(|&d| d as i32).collect::<Vec<i32>>())
            }
            ShapeOf::Size => Tensor::scalar(x.num_elements() as i32),
            ShapeOf::Rank => Tensor::scalar(x.rank() as i32),
        }])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None])
    }
}

/// Shape manipulation on any handle.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from([1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let y = x.reshape(&[2, -1]).unwrap();
/// assert_eq!(y.dims(), &[2, 3]);
/// assert_eq!(y.expand_dims(0).unwrap().dims(), &[1, 2, 3]);
/// assert_eq!(y.shape_tensor().unwrap().to_vec::<i32>().unwrap(), vec![2, 3]);
/// ```
pub trait ArrayOps: TensorOps {
    fn reshape(&self, shape: &[i64]) -> Result<Self> {
        apply1(
            Reshape {
                shape: shape.to_vec(),
            },
            &[self],
        )
    }
    /// Reshapes to `other`'s static shape (at most one unknown dimension).
    fn reshape_like(&self, other: &Self) -> Result<Self> {
        let shape = other.static_shape();
        let dims = shape
            .dims()
            .ok_or_else(|| crate::Error::invalid("Reshape", "target rank is unknown"))?;
        let target: Vec<i64> = dims.iter().map(|d| d.map_or(-1, |v| v as i64)).collect();
        self.reshape(&target)
    }
    fn expand_dims(&self, axis: i64) -> Result<Self> {
        apply1(ExpandDims { axis }, &[self])
    }
    /// Removes the listed size-1 axes, or every size-1 axis when empty.
    fn squeeze(&self, axes: &[i64]) -> Result<Self> {
        apply1(
            Squeeze {
                axes: axes.to_vec(),
            },
            &[self],
        )
    }
    fn broadcast_to(&self, shape: &Shape) -> Result<Self> {
        apply1(
            BroadcastTo {
                shape: shape.clone(),
            },
            &[self],
        )
    }
    /// Broadcasts to `other`'s shape.
    fn broadcast_like(&self, other: &Self) -> Result<Self> {
        match other.static_shape().to_shape() {
            Some(shape) => self.broadcast_to(&shape),
            None => crate::ops::MathOps::mul(self, &other.ones_like()?),
        }
    }
    fn identity(&self) -> Result<Self> {
        apply1(Identity, &[self])
    }
    fn stop_gradient(&self) -> Result<Self> {
        apply1(StopGradient, &[self])
    }
    fn zeros_like(&self) -> Result<Self> {
        apply1(ZerosLike, &[self])
    }
    fn ones_like(&self) -> Result<Self> {
        apply1(OnesLike, &[self])
    }
    fn cast(&self, dtype: DType) -> Result<Self> {
        if self.dtype() == dtype {
            return Ok(self.clone());
        }
        apply1(Cast { dtype }, &[self])
    }
    /// The dynamic shape as an int32 vector, like `tf.shape`.
    fn shape_tensor(&self) -> Result<Self> {
        apply1(ShapeOf::Shape, &[self])
    }
    /// The number of elements as an int32 scalar, like `tf.size`.
    fn size_tensor(&self) -> Result<Self> {
        apply1(ShapeOf::Size, &[self])
    }
    /// The rank as an int32 scalar, like `tf.rank`.
    fn rank_tensor(&self) -> Result<Self> {
        apply1(ShapeOf::Rank, &[self])
    }
}

impl<H: TensorOps> ArrayOps for H {}
