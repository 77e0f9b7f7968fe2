//! Reductions over axes (`reduce_sum`, `reduce_mean`, …) and arg-reductions.

use super::{check_arity, check_dtype, Accepts, ArrayOps, CompareOps, MathOps};
use crate::handle::apply1;
use crate::{
    AttrValue, Error, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::reduce::{arg_reduce, reduce, ArgKind, ReduceKind};
use ferroflow_tensor::{normalize_axis, DType, Tensor};

/// Which axes a reduction runs over: all of them (TensorFlow's `axis=None`)
/// or a list (negative values count from the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Axes {
    All,
    List(Vec<i64>),
}

impl Axes {
    /// The axes as indices in `0..rank`, sorted and deduplicated.
    pub fn resolve(&self, op: &str, rank: usize) -> Result<Vec<usize>> {
        let mut out = match self {
            Axes::All => (0..rank).collect(),
            Axes::List(v) => v
                .iter()
                .map(|&a| normalize_axis(op, a, rank))
                .collect::<std::result::Result<Vec<_>, _>>()?,
        };
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

impl From<i64> for Axes {
    fn from(a: i64) -> Self {
        Axes::List(vec![a])
    }
}
impl From<&[i64]> for Axes {
    fn from(a: &[i64]) -> Self {
        Axes::List(a.to_vec())
    }
}
impl From<&Vec<i64>> for Axes {
    fn from(a: &Vec<i64>) -> Self {
        Axes::List(a.clone())
    }
}
impl From<Vec<i64>> for Axes {
    fn from(a: Vec<i64>) -> Self {
        Axes::List(a)
    }
}
impl<const N: usize> From<[i64; N]> for Axes {
    fn from(a: [i64; N]) -> Self {
        Axes::List(a.to_vec())
    }
}
impl From<Option<&[i64]>> for Axes {
    fn from(a: Option<&[i64]>) -> Self {
        a.map_or(Axes::All, Axes::from)
    }
}

/// The static shape left after reducing `axes` of `input`.
fn reduced_shape(
    op: &str,
    input: &PartialShape,
    axes: &Axes,
    keep_dims: bool,
) -> Result<PartialShape> {
    let Some(dims) = input.dims() else {
        return Ok(PartialShape::unknown());
    };
    let axes = axes.resolve(op, dims.len())?;
    let out: Vec<Option<usize>> = dims
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keep_dims) {
            (false, _) => Some(d),
            (true, true) => Some(Some(1)),
            (true, false) => None,
        })
        .collect();
    Ok(PartialShape::from_dims(&out))
}

/// A reduction: `Sum`, `Mean`, `Max`, `Min`, `Prod`, `All` or `Any`.
#[derive(Debug, Clone)]
pub struct Reduce {
    pub kind: ReduceKind,
    pub axes: Axes,
    pub keep_dims: bool,
}

impl OpDef for Reduce {
    fn op_type(&self) -> &'static str {
        match self.kind {
            ReduceKind::Sum => "Sum",
            ReduceKind::Mean => "Mean",
            ReduceKind::Max => "Max",
            ReduceKind::Min => "Min",
            ReduceKind::Prod => "Prod",
            ReduceKind::All => "All",
            ReduceKind::Any => "Any",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("keep_dims", AttrValue::Bool(self.keep_dims))]
    }
    fn tf_inputs(&self, inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let axes = match &self.axes {
            Axes::All => (0..inputs[0].shape.rank().unwrap_or(0) as i64).collect(),
            Axes::List(v) => v.clone(),
        };
        vec![("reduction_indices", crate::op::int32_vector(axes))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 1)?;
        let accepts = match self.kind {
            ReduceKind::All | ReduceKind::Any => Accepts::Bool,
            _ => Accepts::Numeric,
        };
        check_dtype(op, inputs, 0, accepts)?;
        let shape = reduced_shape(op, &inputs[0].shape, &self.axes, self.keep_dims)?;
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        let axes = self.axes.resolve(ctx.name, x.rank())?;
        Ok(vec![reduce(ctx.name, x, &axes, self.keep_dims, self.kind)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (x, y, dy) = (&a.inputs[0], &a.outputs[0], &a.grads[0]);
        let Some(rank) = x.static_shape().rank() else {
            return self.gradient_unknown_rank(x, y, dy);
        };
        let axes = self.axes.resolve(self.op_type(), rank)?;
        let keep = |t: &H| -> Result<H> {
            if self.keep_dims {
                return Ok(t.clone());
            }
            axes.iter()
                .try_fold(t.clone(), |acc, &ax| acc.expand_dims(ax as i64))
        };
        let listed = Axes::List(axes.iter().map(|&v| v as i64).collect());
        self.gradient_with(x, &keep(y)?, &keep(dy)?, listed, || reduced_count(x, &axes))
    }
}

impl Reduce {
    /// The gradient given the output and its gradient already shaped to
    /// broadcast against `x` (reduced axes kept as size 1).
    fn gradient_with<H: TensorOps>(
        &self,
        x: &H,
        y: &H,
        dy: &H,
        axes: Axes,
        count: impl FnOnce() -> Result<H>,
    ) -> Result<Vec<Option<H>>> {
        let grad = match self.kind {
            ReduceKind::Sum => dy.broadcast_like(x)?,
            ReduceKind::Mean => dy.broadcast_like(x)?.div(&count()?)?,
            ReduceKind::Max | ReduceKind::Min => {
                let hits = x.equal(y)?.cast(x.dtype())?;
                let n = hits.reduce_sum(axes, true)?;
                hits.div(&n)?.mul(dy)?
            }
            ReduceKind::Prod => dy.mul(&prod_gradient(x, axes)?)?,
            ReduceKind::All | ReduceKind::Any => return Ok(vec![None]),
        };
        Ok(vec![Some(grad)])
    }

    /// Inputs of unknown rank: only a reduction over every axis (to a
    /// scalar, or to all-ones dims) can be differentiated, since its
    /// output broadcasts against the input as it is.
    fn gradient_unknown_rank<H: TensorOps>(&self, x: &H, y: &H, dy: &H) -> Result<Vec<Option<H>>> {
        if self.axes != Axes::All {
            return Err(Error::invalid(
                self.op_type(),
                "the gradient of a reduction over listed axes needs the input's rank",
            ));
        }
        let count = || -> Result<H> {
            let total = x.size_tensor()?.cast(x.dtype())?;
            let kept = y.size_tensor()?.cast(x.dtype())?;
            total.div(&kept)
        };
        self.gradient_with(x, y, dy, Axes::All, count)
    }
}

/// d prod(x) / dx_i = the product of the other elements, computed without
/// dividing by zero: with no zero in a reduced group it is prod / x_i; with
/// one zero, the product of the non-zeros at the zero and 0 elsewhere; with
/// more, 0 everywhere (TensorFlow reaches the same values with cumprods).
fn prod_gradient<H: TensorOps>(x: &H, axes: Axes) -> Result<H> {
    let zero = x.zeros_like()?;
    let is_zero = x.equal(&zero)?;
    let non_zero = is_zero.where_(&x.ones_like()?, x)?;
    let prod = non_zero.reduce_prod(axes.clone(), true)?;
    let zeros = is_zero.cast(x.dtype())?.reduce_sum(axes, true)?;
    let no_zero = zeros.equal(&zeros.zeros_like()?)?;
    let one_zero = zeros.equal(&zeros.ones_like()?)?;
    let at_zero = is_zero.where_(&prod.broadcast_like(x)?, &zero)?;
    let others = one_zero.where_(&at_zero, &zero)?;
    no_zero.where_(&prod.div(&non_zero)?, &others)
}

/// How many elements were averaged into each output, as a scalar of
/// `x`'s dtype (static when the reduced dimensions are known).
fn reduced_count<H: TensorOps>(x: &H, axes: &[usize]) -> Result<H> {
    let shape = x.static_shape();
    let dims = shape.dims().unwrap_or(&[]);
    let known: Option<usize> = axes
        .iter()
        .map(|&a| dims.get(a).copied().flatten())
        .product();
    match known {
        Some(n) => x.scalar_like(n as f64),
        None => {
            let total = x.size_tensor()?.cast(x.dtype())?;
            let kept = x
                .reduce_sum(Axes::List(axes.iter().map(|&v| v as i64).collect()), false)?
                .size_tensor()?
                .cast(x.dtype())?;
            total.div(&kept)
        }
    }
}

/// The index of the largest or smallest value along an axis (int64).
#[derive(Debug, Clone, Copy)]
pub struct ArgReduce {
    pub max: bool,
    pub axis: i64,
}

impl OpDef for ArgReduce {
    fn op_type(&self) -> &'static str {
        if self.max {
            "ArgMax"
        } else {
            "ArgMin"
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("output_type", AttrValue::Type(DType::I64))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("dimension", Tensor::scalar(self.axis as i32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 1)?;
        check_dtype(op, inputs, 0, Accepts::Numeric)?;
        let shape = reduced_shape(op, &inputs[0].shape, &Axes::from(self.axis), false)?;
        Ok(vec![TensorSpec::new(DType::I64, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        let axis = normalize_axis(ctx.name, self.axis, x.rank())?;
        let kind = if self.max { ArgKind::Max } else { ArgKind::Min };
        Ok(vec![arg_reduce(ctx.name, x, axis, kind)?])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None])
    }
}

/// Reductions on any handle, like `tf.reduce_*`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(x.reduce_sum(Axes::All, false).unwrap().to_scalar::<f32>().unwrap(), 10.0);
/// assert_eq!(x.reduce_mean(0, false).unwrap().to_vec::<f32>().unwrap(), vec![2.0, 3.0]);
/// assert_eq!(x.argmax(1).unwrap().to_vec::<i64>().unwrap(), vec![1, 1]);
/// ```
pub trait ReduceOps: TensorOps {
    fn reduce_sum(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<Self> {
        reduce_op(self, ReduceKind::Sum, axes, keep_dims)
    }
    fn reduce_mean(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<Self> {
        reduce_op(self, ReduceKind::Mean, axes, keep_dims)
    }
    fn reduce_max(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<Self> {
        reduce_op(self, ReduceKind::Max, axes, keep_dims)
    }
    fn reduce_min(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<Self> {
        reduce_op(self, ReduceKind::Min, axes, keep_dims)
    }
    fn reduce_prod(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<Self> {
        reduce_op(self, ReduceKind::Prod, axes, keep_dims)
    }
    fn reduce_all(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<Self> {
        reduce_op(self, ReduceKind::All, axes, keep_dims)
    }
    fn reduce_any(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<Self> {
        reduce_op(self, ReduceKind::Any, axes, keep_dims)
    }
    /// log(sum(exp(x))) computed stably, like `tf.reduce_logsumexp`.
    fn reduce_logsumexp(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<Self> {
        let axes = axes.into();
        let max = self.reduce_max(axes.clone(), true)?.stop_gradient()?;
        // An infinite maximum would give inf - inf; TensorFlow zeroes it.
        let finite = max.abs()?.less(&max.scalar_like(f64::INFINITY)?)?;
        let max = finite.where_(&max, &max.zeros_like()?)?;
        let sum = self.sub(&max)?.exp()?.reduce_sum(axes.clone(), true)?;
        let out = sum.log()?.add(&max)?;
        if keep_dims {
            Ok(out)
        } else {
            let rank = self.static_shape().rank().unwrap_or(0);
            let resolved = axes.resolve("ReduceLogSumExp", rank)?;
            out.squeeze(&resolved.iter().map(|&a| a as i64).collect::<Vec<_>>())
        }
    }
    fn argmax(&self, axis: i64) -> Result<Self> {
        apply1(ArgReduce { max: true, axis }, &[self])
    }
    fn argmin(&self, axis: i64) -> Result<Self> {
        apply1(ArgReduce { max: false, axis }, &[self])
    }
}

impl<H: TensorOps> ReduceOps for H {}

fn reduce_op<H: TensorOps>(
    x: &H,
    kind: ReduceKind,
    axes: impl Into<Axes>,
    keep_dims: bool,
) -> Result<H> {
    apply1(
        Reduce {
            kind,
            axes: axes.into(),
            keep_dims,
        },
        &[x],
    )
}
