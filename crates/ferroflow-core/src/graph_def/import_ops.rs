//! TensorFlow ops that reach ferroflow mostly through import: `IdentityN`
//! and `AddN`, which TF's own graphs use (`tf.custom_gradient`,
//! `tf.identity_n`, gradient accumulation) and ferroflow builds otherwise
//! (its `CustomGradient` exports as `IdentityN`; its gradients add
//! contributions pairwise). `AddN` is also `get_regularization_loss`'s sum.
//!
//! An imported `IdentityN` passes gradients through: the user's gradient
//! function of a `custom_gradient` is code no GraphDef holds, so the
//! gradient is TF's `IdentityN` one without an override.

use super::import::Ctx;
use crate::ops::{add_lists, check_arity, MathOps};
use crate::{fail, GradArgs, OpContext, OpDef, Result, TensorOps, TensorSpec};
use ferroflow_tensor::{DType, Tensor};

/// Returns its inputs, like `tf.identity_n`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdentityN;

impl OpDef for IdentityN {
    fn op_type(&self) -> &'static str {
        "IdentityN"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        Ok(inputs.to_vec())
    }
    fn compute(&self, _ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        inputs
            .iter()
            .map(|x| Ok(x.view(x.shape().clone())?))
            .collect()
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(a.grads.iter().cloned().map(Some).collect())
    }
}

/// The sum of `n` tensors of one dtype and shape, like `tf.add_n`; of
/// tensor lists, their element-wise sum.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AddN {
    n: usize,
}

impl AddN {
    /// The sum of `n` inputs.
    pub(crate) fn new(n: usize) -> AddN {
        AddN { n }
    }

    /// The `AddN` of an imported node (attr `N`).
    pub(super) fn import(cx: &Ctx, n: usize) -> Result<AddN> {
        if cx.int_or("N", n as i64)? != n as i64 {
            return Err(cx.error(format!("attr N does not match its {n} inputs")));
        }
        Ok(AddN { n })
    }
}

impl OpDef for AddN {
    fn op_type(&self) -> &'static str {
        "AddN"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("AddN", inputs, self.n)?;
        let Some(first) = inputs.first() else {
            fail!("AddN", "expected at least 1 input");
        };
        let mut shape = first.shape.clone();
        for s in &inputs[1..] {
            if s.dtype != first.dtype {
                fail!(
                    "AddN",
                    "inputs must have one dtype, got {} and {}",
                    first.dtype,
                    s.dtype
                );
            }
            shape = shape.merge_with(&s.shape)?;
        }
        Ok(vec![TensorSpec::new(first.dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let mut sum = inputs[0].clone();
        for x in &inputs[1..] {
            if x.shape() != sum.shape() {
                fail!(
                    ctx.name,
                    "Inputs to operation {} of type AddN must have the same size and shape.  Input 0: {} != input: {}",
                    ctx.name,
                    sum.shape(),
                    x.shape()
                );
            }
            sum = if sum.dtype() == DType::String {
                add_lists(ctx.name, &sum, x)?
            } else {
                sum.add(x)?
            };
        }
        Ok(vec![sum])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![Some(a.grads[0].clone()); self.n])
    }
}
