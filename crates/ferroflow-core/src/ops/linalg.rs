//! Matrix multiplication, like `tf.matmul`.

use super::{check_arity, check_dtype, unbroadcast, Accepts};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::matmul::matmul;
use ferroflow_tensor::Tensor;

/// `MatMul` (rank 2) or `BatchMatMulV2` (batched, broadcasting batch dims).
#[derive(Debug, Clone, Copy)]
pub struct MatMul {
    pub transpose_a: bool,
    pub transpose_b: bool,
    pub batched: bool,
}

impl OpDef for MatMul {
    fn op_type(&self) -> &'static str {
        if self.batched {
            "BatchMatMulV2"
        } else {
            "MatMul"
        }
    }
    fn default_name(&self) -> &'static str {
        "MatMul"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        if self.batched {
            vec![
                ("adj_x", AttrValue::Bool(self.transpose_a)),
                ("adj_y", AttrValue::Bool(self.transpose_b)),
            ]
        } else {
            vec![
                ("transpose_a", AttrValue::Bool(self.transpose_a)),
                ("transpose_b", AttrValue::Bool(self.transpose_b)),
            ]
        }
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 2)?;
        check_dtype(op, inputs, 0, Accepts::Numeric)?;
        if inputs[1].dtype != inputs[0].dtype {
            fail!(
                op,
                "cannot multiply a {} tensor by a {} tensor",
                inputs[0].dtype,
                inputs[1].dtype
            );
        }
        let (Some(a), Some(b)) = (inputs[0].shape.dims(), inputs[1].shape.dims()) else {
            return Ok(vec![TensorSpec::new(
                inputs[0].dtype,
                PartialShape::unknown(),
            )]);
        };
        if a.len() < 2 || b.len() < 2 {
            fail!(
                op,
                "In[0] and In[1] must have rank >= 2, got shapes {} and {}",
                inputs[0].shape.bracketed(),
                inputs[1].shape.bracketed()
            );
        }
        let (m, ka) = matrix_dims(a, self.transpose_a);
        let (kb, n) = matrix_dims(b, self.transpose_b);
        if let (Some(x), Some(y)) = (ka, kb) {
            if x != y {
                fail!(
                    op,
                    "Matrix size-incompatible: In[0]: {}, In[1]: {}",
                    inputs[0].shape.bracketed(),
                    inputs[1].shape.bracketed()
                );
            }
        }
        let batch_a = PartialShape::from_dims(&a[..a.len() - 2]);
        let batch_b = PartialShape::from_dims(&b[..b.len() - 2]);
        let batch = PartialShape::broadcast(op, &batch_a, &batch_b)?;
        let mut dims = batch.dims().unwrap_or(&[]).to_vec();
        dims.extend([m, n]);
        Ok(vec![TensorSpec::new(
            inputs[0].dtype,
            PartialShape::from_dims(&dims),
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![matmul(
            ctx.name,
            inputs[0],
            inputs[1],
            self.transpose_a,
            self.transpose_b,
        )?])
    }
    fn gradient<H: TensorOps>(&self, g: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        self.gradient_for(g, &[true, true])
    }
    fn gradient_for<H: TensorOps>(
        &self,
        g: GradArgs<'_, H>,
        needed: &[bool],
    ) -> Result<Vec<Option<H>>> {
        let (a, b, dy) = (&g.inputs[0], &g.inputs[1], &g.grads[0]);
        let (ta, tb) = (self.transpose_a, self.transpose_b);
        let need = |i: usize| needed.get(i).copied().unwrap_or(true);
        let ga = need(0)
            .then(|| {
                let ga = match (ta, tb) {
                    (false, false) => dy.matmul_t(b, false, true)?,
                    (false, true) => dy.matmul_t(b, false, false)?,
                    (true, false) => b.matmul_t(dy, false, true)?,
                    (true, true) => b.matmul_t(dy, true, true)?,
                };
                unbroadcast(ga, a)
            })
            .transpose()?;
        let gb = need(1)
            .then(|| {
                let gb = match (ta, tb) {
                    (false, false) => a.matmul_t(dy, true, false)?,
                    (false, true) => dy.matmul_t(a, true, false)?,
                    (true, false) => a.matmul_t(dy, false, false)?,
                    (true, true) => dy.matmul_t(a, true, true)?,
                };
                unbroadcast(gb, b)
            })
            .transpose()?;
        Ok(vec![ga, gb])
    }
}

/// (rows, cols) of the last two dims, swapped when `transposed`.
fn matrix_dims(d: &[Option<usize>], transposed: bool) -> (Option<usize>, Option<usize>) {
    let (r, c) = (d[d.len() - 2], d[d.len() - 1]);
    if transposed {
        (c, r)
    } else {
        (r, c)
    }
}

/// Matrix products on any handle.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let a = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
/// let b = Tensor::from([[1.0f32], [1.0]]);
/// assert_eq!(a.matmul(&b).unwrap().to_vec::<f32>().unwrap(), vec![3.0, 7.0]);
/// ```
pub trait LinalgOps: TensorOps {
    /// `self · b`, like `tf.matmul(a, b)`.
    fn matmul(&self, b: &Self) -> Result<Self> {
        self.matmul_t(b, false, false)
    }
    /// `op(self) · op(b)` with optional transposes of the last two axes.
    fn matmul_t(&self, b: &Self, transpose_a: bool, transpose_b: bool) -> Result<Self> {
        let batched = self.static_shape().rank() != Some(2) || b.static_shape().rank() != Some(2);
        apply1(
            MatMul {
                transpose_a,
                transpose_b,
                batched,
            },
            &[self, b],
        )
    }
}

impl<H: TensorOps> LinalgOps for H {}
