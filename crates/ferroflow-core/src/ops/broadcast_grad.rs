//! Reducing gradients of broadcasting ops when shapes are only known at
//! run time: `BroadcastGradientArgs`, then `Sum` over axes given as a tensor
//! and `Reshape` to a shape given as a tensor, as TensorFlow's gradients do.

use super::{check_arity, check_dtype, Accepts, ArrayOps};
use crate::handle::apply1;
use crate::{fail, AttrValue, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec};
use ferroflow_tensor::kernels::reduce::{reduce, ReduceKind};
use ferroflow_tensor::{normalize_axis, DType, Shape, Tensor};
use std::sync::Arc;

/// The values of an int32 or int64 vector (a shape or axes input).
pub(super) fn int_vector(op: &str, t: &Tensor) -> Result<Vec<i64>> {
    match t.dtype() {
        DType::I32 => Ok(t.as_slice::<i32>()?.iter().map(|&v| v as i64).collect()),
        DType::I64 => Ok(t.as_slice::<i64>()?.to_vec()),
        other => fail!(op, "expected an int32 or int64 vector, got {other}"),
    }
}

/// The axes each operand of a broadcasting op was broadcast along, from the
/// two operands' shapes (`r0`, `r1`, int32), like TensorFlow's op.
#[derive(Debug, Clone, Copy, Default)]
pub struct BroadcastGradientArgs;

impl OpDef for BroadcastGradientArgs {
    fn op_type(&self) -> &'static str {
        "BroadcastGradientArgs"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("BroadcastGradientArgs", inputs, 2)?;
        let vector = TensorSpec::new(DType::I32, PartialShape::from_dims(&[None]));
        Ok(vec![vector.clone(), vector])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let s0 = int_vector(ctx.name, inputs[0])?;
        let s1 = int_vector(ctx.name, inputs[1])?;
        let rank = s0.len().max(s1.len());
        let pad = |s: &[i64]| -> Vec<i64> {
            std::iter::repeat_n(1, rank - s.len())
                .chain(s.iter().copied())
                .collect()
        };
        let (p0, p1) = (pad(&s0), pad(&s1));
        let mut r0 = Vec::new();
        let mut r1 = Vec::new();
        for i in 0..rank {
            let (a, b) = (p0[i], p1[i]);
            if a != b && a != 1 && b != 1 {
                fail!(ctx.name, "Incompatible shapes: {s0:?} vs. {s1:?}");
            }
            if a == 1 && (b != 1 || i < rank - s0.len()) {
                r0.push(i as i32);
            }
            if b == 1 && (a != 1 || i < rank - s1.len()) {
                r1.push(i as i32);
            }
        }
        Ok(vec![Tensor::from(r0), Tensor::from(r1)])
    }
}

/// `Sum` whose axes come from a tensor input.
#[derive(Debug, Clone, Copy, Default)]
pub struct SumAlong;

impl OpDef for SumAlong {
    fn op_type(&self) -> &'static str {
        "Sum"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("keep_dims", AttrValue::Bool(false))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Sum", inputs, 2)?;
        check_dtype("Sum", inputs, 0, Accepts::Numeric)?;
        Ok(vec![TensorSpec::new(
            inputs[0].dtype,
            PartialShape::unknown(),
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        let mut axes = int_vector(ctx.name, inputs[1])?
            .into_iter()
            .map(|a| normalize_axis(ctx.name, a, x.rank()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        axes.sort_unstable();
        axes.dedup();
        Ok(vec![reduce(ctx.name, x, &axes, false, ReduceKind::Sum)?])
    }
}

/// `Reshape` to a shape given as a tensor input.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReshapeTo;

impl OpDef for ReshapeTo {
    fn op_type(&self) -> &'static str {
        "Reshape"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Reshape", inputs, 2)?;
        let rank = inputs[1]
            .shape
            .dims()
            .and_then(|d| d.first().copied().flatten());
        let shape = rank.map_or(PartialShape::unknown(), PartialShape::unknown_dims);
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let dims = int_vector(ctx.name, inputs[1])?;
        let shape = ferroflow_tensor::resolve_reshape(inputs[0].shape(), &dims)?;
        Ok(vec![inputs[0].view(Shape::from(shape.dims()))?])
    }
}

/// Sums `grad` to `x`'s run-time shape (the dynamic half of `unbroadcast`).
pub(crate) fn unbroadcast_dynamic<H: TensorOps>(grad: &H, x: &H) -> Result<H> {
    let sx = x.shape_tensor()?;
    let sg = grad.shape_tensor()?;
    let axes = H::apply(Arc::new(BroadcastGradientArgs), &[&sx, &sg])?.swap_remove(0);
    let summed = apply1(SumAlong, &[grad, &axes])?;
    apply1(ReshapeTo, &[&summed, &sx])
}
