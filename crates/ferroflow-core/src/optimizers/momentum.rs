//! Momentum, like `tf.compat.v1.train.MomentumOptimizer`.

use super::{LearningRate, Optimizer, Updated};
use crate::ops::MathOps;
use crate::{Result, TensorOps};

/// Momentum: `accum = accum * momentum + grad`, then `var -= lr * accum`,
/// or with Nesterov `var -= lr * grad + lr * momentum * accum`. One slot,
/// `<var>/Momentum`, starting at zeros.
///
/// ```
/// use ferroflow_core::optimizers::{Momentum, Optimizer};
/// use ferroflow_core::prelude::*;
/// let w = Variable::new(Tensor::from([1.0f32]));
/// let mut opt = Momentum::new(0.5, 0.5).eager();
/// for _ in 0..2 {
///     opt.apply_gradients(&[(Tensor::from([1.0f32]), &w)]).unwrap();
/// }
/// // accum 1 then 1.5: 1 - 0.5 - 0.75
/// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![-0.25]);
/// ```
#[derive(Debug, Clone)]
pub struct Momentum {
    learning_rate: LearningRate,
    momentum: f64,
    use_nesterov: bool,
}

impl Momentum {
    /// Momentum with `learning_rate` and `momentum`.
    pub fn new(learning_rate: impl Into<LearningRate>, momentum: f64) -> Self {
        Momentum {
            learning_rate: learning_rate.into(),
            momentum,
            use_nesterov: false,
        }
    }

    /// Uses Nesterov momentum (`use_nesterov=True`).
    pub fn nesterov(mut self, use_nesterov: bool) -> Self {
        self.use_nesterov = use_nesterov;
        self
    }
}

impl Optimizer for Momentum {
    fn name(&self) -> &'static str {
        "Momentum"
    }

    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }

    fn hyper_parameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("momentum", self.momentum),
            ("use_nesterov", f64::from(u8::from(self.use_nesterov))),
        ]
    }

    fn slot_initial_values(&self) -> Vec<f64> {
        vec![0.0]
    }

    fn update<H: TensorOps>(
        &self,
        var: &H,
        grad: &H,
        slots: &[H],
        lr: &H,
        _powers: &[H],
    ) -> Result<Updated<H>> {
        let momentum = var.scalar_like(self.momentum)?;
        let accum = slots[0].mul(&momentum)?.add(grad)?;
        let step = if self.use_nesterov {
            grad.mul(lr)?.add(&accum.mul(&momentum)?.mul(lr)?)?
        } else {
            lr.mul(&accum)?
        };
        Ok((var.sub(&step)?, vec![accum]))
    }
}
