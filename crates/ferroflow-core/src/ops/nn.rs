//! Neural-network functions: softmax and log-softmax.

use super::{same_as_input, Accepts, MathOps, ReduceOps};
use crate::handle::apply1;
use crate::{fail, GradArgs, OpContext, OpDef, Result, TensorOps, TensorSpec};
use ferroflow_tensor::kernels::reduce::{log_softmax, softmax};
use ferroflow_tensor::Tensor;

/// Softmax or log-softmax over the last axis.
#[derive(Debug, Clone, Copy)]
pub struct Softmax {
    pub log: bool,
}

impl OpDef for Softmax {
    fn op_type(&self) -> &'static str {
        if self.log {
            "LogSoftmax"
        } else {
            "Softmax"
        }
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let spec = same_as_input(self.op_type(), inputs, Accepts::Float)?;
        if spec[0].shape.rank() == Some(0) {
            fail!(self.op_type(), "logits must have rank >= 1, got a scalar");
        }
        Ok(spec)
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        if x.rank() == 0 {
            fail!(ctx.name, "logits must have rank >= 1, got a scalar");
        }
        Ok(vec![if self.log {
            log_softmax(ctx.name, x)?
        } else {
            softmax(ctx.name, x)?
        }])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (y, dy) = (&a.outputs[0], &a.grads[0]);
        let dx = if self.log {
            dy.sub(&y.exp()?.mul(&dy.reduce_sum(-1, true)?)?)?
        } else {
            dy.sub(&dy.mul(y)?.reduce_sum(-1, true)?)?.mul(y)?
        };
        Ok(vec![Some(dx)])
    }
}

/// Neural-network functions on any handle, like `tf.nn`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let p = Tensor::from([0.0f32, 0.0]).softmax().unwrap();
/// assert_eq!(p.to_vec::<f32>().unwrap(), vec![0.5, 0.5]);
/// ```
pub trait NnOps: TensorOps {
    /// Softmax over the last axis, like `tf.nn.softmax`.
    fn softmax(&self) -> Result<Self> {
        apply1(Softmax { log: false }, &[self])
    }
    /// Log-softmax over the last axis, like `tf.nn.log_softmax`.
    fn log_softmax(&self) -> Result<Self> {
        apply1(Softmax { log: true }, &[self])
    }
}

impl<H: TensorOps> NnOps for H {}
