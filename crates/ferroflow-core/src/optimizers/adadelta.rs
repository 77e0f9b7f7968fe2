//! Adadelta, like `tf.compat.v1.train.AdadeltaOptimizer`.

use super::{LearningRate, Optimizer, Updated};
use crate::ops::MathOps;
use crate::{Result, TensorOps};

/// Adadelta (Zeiler): `accum = ρ·accum + (1-ρ)·g²`,
/// `update = sqrt(accum_update + ε) / sqrt(accum + ε) · g`,
/// `var -= lr · update`, `accum_update = ρ·accum_update + (1-ρ)·update²`.
/// Slots `<var>/Adadelta` (accum) and `<var>/Adadelta_1` (accum_update).
///
/// ```
/// use ferroflow_core::optimizers::{Adadelta, Optimizer};
/// use ferroflow_core::prelude::*;
/// let w = Variable::new(Tensor::from([1.0f32]));
/// Adadelta::new(1.0).eager().apply_gradients(&[(Tensor::from([1.0f32]), &w)]).unwrap();
/// assert!(w.value().to_vec::<f32>().unwrap()[0] < 1.0);
/// ```
#[derive(Debug, Clone)]
pub struct Adadelta {
    learning_rate: LearningRate,
    rho: f64,
    epsilon: f64,
}

impl Adadelta {
    /// Adadelta with `learning_rate` and TF1's defaults ρ = 0.95, ε = 1e-8.
    pub fn new(learning_rate: impl Into<LearningRate>) -> Self {
        Adadelta {
            learning_rate: learning_rate.into(),
            rho: 0.95,
            epsilon: 1e-8,
        }
    }

    /// Sets ρ and ε.
    pub fn with_params(mut self, rho: f64, epsilon: f64) -> Self {
        (self.rho, self.epsilon) = (rho, epsilon);
        self
    }
}

impl Optimizer for Adadelta {
    fn name(&self) -> &'static str {
        "Adadelta"
    }

    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }

    fn hyper_parameters(&self) -> Vec<(&'static str, f64)> {
        vec![("rho", self.rho), ("epsilon", self.epsilon)]
    }

    fn slot_initial_values(&self) -> Vec<f64> {
        vec![0.0, 0.0]
    }

    fn update<H: TensorOps>(
        &self,
        var: &H,
        grad: &H,
        slots: &[H],
        lr: &H,
        _powers: &[H],
    ) -> Result<Updated<H>> {
        let rho = var.scalar_like(self.rho)?;
        let one_minus_rho = var.scalar_like(1.0 - self.rho)?;
        let epsilon = var.scalar_like(self.epsilon)?;
        let (accum, accum_update) = (&slots[0], &slots[1]);
        let accum = accum.mul(&rho)?.add(&grad.square()?.mul(&one_minus_rho)?)?;
        let update = accum_update
            .add(&epsilon)?
            .sqrt()?
            .mul(&accum.add(&epsilon)?.rsqrt()?)?
            .mul(grad)?;
        let accum_update = accum_update
            .mul(&rho)?
            .add(&update.square()?.mul(&one_minus_rho)?)?;
        Ok((var.sub(&update.mul(lr)?)?, vec![accum, accum_update]))
    }
}
