//! The QR decomposition, like `tf.linalg.qr`.

use super::{check_arity, check_dtype, Accepts};
use crate::{fail, AttrValue, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec};
use ferroflow_tensor::kernels::linalg;
use ferroflow_tensor::Tensor;
use std::sync::Arc;

/// The reduced QR factorization of the innermost matrices (`Qr` with
/// `full_matrices=False`). Outputs: `q` (`[..., m, k]`, orthonormal
/// columns) and `r` (`[..., k, n]`, upper triangular), `k = min(m, n)`.
/// It has no gradient yet.
#[derive(Debug, Clone, Copy)]
pub struct Qr;

impl OpDef for Qr {
    fn op_type(&self) -> &'static str {
        "Qr"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("full_matrices", AttrValue::Bool(false))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Qr", inputs, 1)?;
        check_dtype("Qr", inputs, 0, Accepts::Float)?;
        let x = &inputs[0];
        let Some(dims) = x.shape.dims() else {
            let unknown = TensorSpec::new(x.dtype, PartialShape::unknown());
            return Ok(vec![unknown.clone(), unknown]);
        };
        if dims.len() < 2 {
            fail!(
                "Qr",
                "input must have rank >= 2, got shape {}",
                x.shape.bracketed()
            );
        }
        let (batch, m, n) = (
            &dims[..dims.len() - 2],
            dims[dims.len() - 2],
            dims[dims.len() - 1],
        );
        let k = match (m, n) {
            (Some(m), Some(n)) => Some(m.min(n)),
            (Some(0), _) | (_, Some(0)) => Some(0),
            _ => None,
        };
        let spec = |rows, cols| {
            let mut d = batch.to_vec();
            d.extend([rows, cols]);
            TensorSpec::new(x.dtype, PartialShape::from_dims(&d))
        };
        Ok(vec![spec(m, k), spec(k, n)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (q, r) = linalg::qr(ctx.name, inputs[0])?;
        Ok(vec![q, r])
    }
}

/// `(q, r)` with `q · r = x`, like `tf.linalg.qr(x)` (reduced).
///
/// ```
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::ops::qr;
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [3, 2]).unwrap();
/// let (q, r) = qr(&x).unwrap();
/// assert_eq!((q.dims(), r.dims()), (&[3, 2][..], &[2, 2][..]));
/// assert!(q.matmul(&r).unwrap().allclose(&x, 1e-5, 1e-5));
/// ```
pub fn qr<H: TensorOps>(x: &H) -> Result<(H, H)> {
    let mut outs = H::apply(Arc::new(Qr), &[x])?.into_iter();
    match (outs.next(), outs.next()) {
        (Some(q), Some(r)) => Ok((q, r)),
        _ => fail!("Qr", "expected two outputs"),
    }
}
