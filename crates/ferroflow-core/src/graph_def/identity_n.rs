//! TF's `IdentityN` on import: ferroflow writes its `custom_gradient` op
//! (`CustomGradient`) as `IdentityN`, and TF's own graphs use it for
//! `tf.custom_gradient` and `tf.identity_n`. The user's gradient function
//! is Python or Rust code that no GraphDef holds, so the imported op passes
//! gradients through, as TF's `IdentityN` does without an override.

use crate::{GradArgs, OpContext, OpDef, Result, TensorOps, TensorSpec};
use ferroflow_tensor::Tensor;

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
