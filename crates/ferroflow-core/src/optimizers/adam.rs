//! Adam, like `tf.compat.v1.train.AdamOptimizer`.

use super::{LearningRate, Optimizer, Updated};
use crate::ops::MathOps;
use crate::{Result, TensorOps};

/// Adam (Kingma & Ba), TF1's formulation: with t the step,
/// `lr_t = lr * sqrt(1 - β2ᵗ) / (1 - β1ᵗ)`,
/// `m = m + (g - m) * (1 - β1)`, `v = v + (g² - v) * (1 - β2)`,
/// `var -= lr_t * m / (sqrt(v) + ε)` (ε "hat", outside the square root).
/// Slots `<var>/Adam` (m) and `<var>/Adam_1` (v); the powers
/// `beta1_power` and `beta2_power` hold β1ᵗ and β2ᵗ.
///
/// ```
/// use ferroflow_core::optimizers::{Adam, Optimizer};
/// use ferroflow_core::prelude::*;
/// let w = Variable::new(Tensor::from([1.0f32]));
/// Adam::new(0.1).eager().apply_gradients(&[(Tensor::from([3.0f32]), &w)]).unwrap();
/// // The first step moves each weight by about lr.
/// assert!((w.value().to_vec::<f32>().unwrap()[0] - 0.9).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct Adam {
    learning_rate: LearningRate,
    beta1: f64,
    beta2: f64,
    epsilon: f64,
}

impl Adam {
    /// Adam with `learning_rate` and TF's defaults β1 = 0.9, β2 = 0.999,
    /// ε = 1e-8.
    pub fn new(learning_rate: impl Into<LearningRate>) -> Self {
        Adam {
            learning_rate: learning_rate.into(),
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    /// Sets β1, β2 and ε.
    pub fn with_betas(mut self, beta1: f64, beta2: f64, epsilon: f64) -> Self {
        (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon);
        self
    }
}

impl Optimizer for Adam {
    fn name(&self) -> &'static str {
        "Adam"
    }

    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }

    fn slot_initial_values(&self) -> Vec<f64> {
        vec![0.0, 0.0]
    }

    fn powers(&self) -> Vec<(&'static str, f64)> {
        vec![("beta1_power", self.beta1), ("beta2_power", self.beta2)]
    }

    fn update<H: TensorOps>(
        &self,
        var: &H,
        grad: &H,
        slots: &[H],
        lr: &H,
        powers: &[H],
    ) -> Result<Updated<H>> {
        let (m, v) = adam_moments(grad, &slots[0], &slots[1], self.beta1, self.beta2)?;
        let step = adam_step(&m, &v, lr, &powers[0], &powers[1], self.epsilon)?;
        Ok((var.sub(&step)?, vec![m, v]))
    }
}

/// Adam's moment updates: `m + (g - m)(1 - β1)` and `v + (g² - v)(1 - β2)`.
pub(super) fn adam_moments<H: TensorOps>(
    grad: &H,
    m: &H,
    v: &H,
    beta1: f64,
    beta2: f64,
) -> Result<(H, H)> {
    let m = m.add(&grad.sub(m)?.mul(&grad.scalar_like(1.0 - beta1)?)?)?;
    let v = v.add(
        &grad
            .square()?
            .sub(v)?
            .mul(&grad.scalar_like(1.0 - beta2)?)?,
    )?;
    Ok((m, v))
}

/// Adam's bias-corrected step `lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε)`.
pub(super) fn adam_step<H: TensorOps>(
    m: &H,
    v: &H,
    lr: &H,
    beta1_power: &H,
    beta2_power: &H,
    epsilon: f64,
) -> Result<H> {
    let one = lr.scalar_like(1.0)?;
    let lr_t = lr
        .mul(&one.sub(beta2_power)?.sqrt()?)?
        .div(&one.sub(beta1_power)?)?;
    m.mul(&lr_t)?.div(&v.sqrt()?.add(&v.scalar_like(epsilon)?)?)
}
