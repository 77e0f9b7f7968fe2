//! AdamW, like `tf.keras.optimizers.AdamW`.

use super::adam::{adam_moments, adam_step, FusedAdam};
use super::{LearningRate, Optimizer, Updated};
use crate::ops::MathOps;
use crate::{Result, TensorOps};
use ferroflow_tensor::Tensor;

/// Adam with decoupled weight decay (Loshchilov & Hutter), Keras's
/// formulation: first `var -= lr * weight_decay * var`, then Adam's step
/// (see [`super::Adam`]). Slots `<var>/AdamW` (m) and `<var>/AdamW_1` (v).
///
/// ```
/// use ferroflow_core::optimizers::{AdamW, Optimizer};
/// use ferroflow_core::prelude::*;
/// let w = Variable::new(Tensor::from([1.0f32]));
/// // With a zero gradient only the decay acts: 1 - 0.1 * 0.5 * 1.
/// AdamW::new(0.1, 0.5).eager().apply_gradients(&[(Tensor::from([0.0f32]), &w)]).unwrap();
/// assert!((w.value().to_vec::<f32>().unwrap()[0] - 0.95).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct AdamW {
    learning_rate: LearningRate,
    weight_decay: f64,
    beta1: f64,
    beta2: f64,
    epsilon: f64,
}

impl AdamW {
    /// AdamW with `learning_rate`, `weight_decay` and Keras's defaults
    /// β1 = 0.9, β2 = 0.999, ε = 1e-7.
    pub fn new(learning_rate: impl Into<LearningRate>, weight_decay: f64) -> Self {
        AdamW {
            learning_rate: learning_rate.into(),
            weight_decay,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        }
    }

    /// Sets β1, β2 and ε.
    pub fn with_betas(mut self, beta1: f64, beta2: f64, epsilon: f64) -> Self {
        (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon);
        self
    }
}

impl Optimizer for AdamW {
    fn name(&self) -> &'static str {
        "AdamW"
    }

    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }

    fn hyper_parameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("weight_decay", self.weight_decay),
            ("beta1", self.beta1),
            ("beta2", self.beta2),
            ("epsilon", self.epsilon),
        ]
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
        let decay = var.mul(&var.scalar_like(self.weight_decay)?)?.mul(lr)?;
        let decayed = var.sub(&decay)?;
        let (m, v) = adam_moments(grad, &slots[0], &slots[1], self.beta1, self.beta2)?;
        let step = adam_step(&m, &v, lr, &powers[0], &powers[1], self.epsilon)?;
        Ok((decayed.sub(&step)?, vec![m, v]))
    }

    fn fused_update(
        &self,
        var: &mut Tensor,
        slots: &mut [&mut Tensor],
        grad: &Tensor,
        lr: &Tensor,
        powers: &[Tensor],
    ) -> Result<bool> {
        let adam = FusedAdam {
            beta1: self.beta1,
            beta2: self.beta2,
            epsilon: self.epsilon,
            weight_decay: Some(self.weight_decay),
        };
        adam.apply(var, slots, grad, lr, powers)
    }
}
