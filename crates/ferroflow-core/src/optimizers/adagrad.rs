//! Adagrad, like `tf.compat.v1.train.AdagradOptimizer`.

use super::{LearningRate, Optimizer, Updated};
use crate::ops::MathOps;
use crate::{Result, TensorOps};

/// Adagrad: `accum += g²`, `var -= lr * g / sqrt(accum)`. One slot,
/// `<var>/Adagrad`, starting at `initial_accumulator_value` (0.1).
///
/// ```
/// use ferroflow_core::optimizers::{Adagrad, Optimizer};
/// use ferroflow_core::prelude::*;
/// let w = Variable::new(Tensor::from([1.0f32]));
/// Adagrad::new(0.5).initial_accumulator_value(1.0).eager()
///     .apply_gradients(&[(Tensor::from([1.0f32]), &w)]).unwrap();
/// // accum = 2: 1 - 0.5 / √2
/// assert!((w.value().to_vec::<f32>().unwrap()[0] - 0.646_446_6).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct Adagrad {
    learning_rate: LearningRate,
    initial_accumulator_value: f64,
}

impl Adagrad {
    /// Adagrad with `learning_rate`; accumulators start at 0.1.
    pub fn new(learning_rate: impl Into<LearningRate>) -> Self {
        Adagrad {
            learning_rate: learning_rate.into(),
            initial_accumulator_value: 0.1,
        }
    }

    /// Sets the accumulators' starting value.
    pub fn initial_accumulator_value(mut self, value: f64) -> Self {
        self.initial_accumulator_value = value;
        self
    }
}

impl Optimizer for Adagrad {
    fn name(&self) -> &'static str {
        "Adagrad"
    }

    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }

    fn hyper_parameters(&self) -> Vec<(&'static str, f64)> {
        vec![("initial_accumulator_value", self.initial_accumulator_value)]
    }

    fn slot_initial_values(&self) -> Vec<f64> {
        vec![self.initial_accumulator_value]
    }

    fn update<H: TensorOps>(
        &self,
        var: &H,
        grad: &H,
        slots: &[H],
        lr: &H,
        _powers: &[H],
    ) -> Result<Updated<H>> {
        let accum = slots[0].add(&grad.square()?)?;
        let step = grad.mul(lr)?.mul(&accum.rsqrt()?)?;
        Ok((var.sub(&step)?, vec![accum]))
    }
}
