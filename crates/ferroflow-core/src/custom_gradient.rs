//! `custom_gradient`: gives a computation built from other ops its own
//! gradient, like `@tf.custom_gradient`, eagerly and in graphs.

use crate::{fail, GradArgs, OpContext, OpDef, Result, TensorOps, TensorSpec};
use ferroflow_tensor::Tensor;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A user gradient: given the inputs, the forward outputs and the
/// gradient of each output, the gradient of each input (`None`: none).
pub type GradFn<H> = Arc<dyn Fn(GradArgs<'_, H>) -> Result<Vec<Option<H>>> + Send + Sync>;

/// Computes `forward(inputs)` and makes `grad_fn` its gradient, like
/// `@tf.custom_gradient`: gradients reach `inputs` only through `grad_fn`,
/// never through the ops `forward` used. `grad_fn` gets [`GradArgs`] with
/// `inputs`, the forward `outputs` and the output `grads`, and returns one
/// gradient per input.
///
/// ```
/// use ferroflow_core::custom_gradient::custom_gradient;
/// use ferroflow_core::prelude::*;
/// // A sigmoid whose gradient is y * (1 - y) * dy.
/// let sigmoid = |x: &Tensor| {
///     custom_gradient(
///         &[x.clone()],
///         |v| Ok(vec![v[0].neg()?.exp()?.add(&Tensor::scalar(1.0f32))?.reciprocal()?]),
///         |a| {
///             let y = &a.outputs[0];
///             Ok(vec![Some(a.grads[0].mul(&y.mul(&y.neg()?.add(&Tensor::scalar(1.0f32))?)?)?)])
///         },
///     )
///     .map(|mut y| y.remove(0))
/// };
/// let dy = grad(sigmoid)(&Tensor::scalar(0.0f32)).unwrap();
/// assert_eq!(dy.to_scalar::<f32>().unwrap(), 0.25);
/// ```
pub fn custom_gradient<H, F, G>(inputs: &[H], forward: F, grad_fn: G) -> Result<Vec<H>>
where
    H: TensorOps,
    F: FnOnce(&[H]) -> Result<Vec<H>>,
    G: Fn(GradArgs<'_, H>) -> Result<Vec<Option<H>>> + Send + Sync + 'static,
{
    let outputs = forward(inputs)?;
    if outputs.is_empty() {
        fail!(
            "custom_gradient",
            "the forward function returned no tensors"
        );
    }
    let grad_fn: GradFn<H> = Arc::new(grad_fn);
    let op = CustomGradient {
        num_outputs: outputs.len(),
        grad_fn: Arc::new(grad_fn),
    };
    let args: Vec<&H> = outputs.iter().chain(inputs).collect();
    H::apply(Arc::new(op), &args)
}

/// Passes the forward outputs through (TensorFlow's `IdentityN` with a
/// gradient override). Inputs: the forward outputs, then the user's
/// inputs; its gradient gives the forward outputs none and the user's
/// inputs what the stored [`GradFn`] returns.
#[derive(Clone)]
pub struct CustomGradient {
    num_outputs: usize,
    /// A `GradFn<H>` for the handle type the op was made with.
    grad_fn: Arc<dyn Any + Send + Sync>,
}

impl fmt::Debug for CustomGradient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomGradient({} outputs)", self.num_outputs)
    }
}

impl OpDef for CustomGradient {
    fn op_type(&self) -> &'static str {
        "IdentityN"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        if inputs.len() < self.num_outputs {
            fail!(
                "IdentityN",
                "expected at least {} inputs, got {}",
                self.num_outputs,
                inputs.len()
            );
        }
        Ok(inputs[..self.num_outputs].to_vec())
    }
    fn compute(&self, _ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        inputs[..self.num_outputs]
            .iter()
            .map(|x| Ok(x.view(x.shape().clone())?))
            .collect()
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let Some(grad_fn) = self.grad_fn.downcast_ref::<GradFn<H>>() else {
            fail!(
                "IdentityN",
                "a custom gradient made for one kind of tensor was asked for another"
            );
        };
        let inputs = &a.inputs[self.num_outputs..];
        let grads = grad_fn(GradArgs {
            inputs,
            outputs: a.outputs,
            grads: a.grads,
        })?;
        if grads.len() != inputs.len() {
            fail!(
                "custom_gradient",
                "the gradient function returned {} gradients for {} inputs",
                grads.len(),
                inputs.len()
            );
        }
        Ok(std::iter::repeat_n(None, self.num_outputs)
            .chain(grads)
            .collect())
    }
}
