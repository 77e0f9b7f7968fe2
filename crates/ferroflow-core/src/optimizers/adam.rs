//! Adam, like `tf.compat.v1.train.AdamOptimizer`.

use super::{LearningRate, Optimizer, Updated};
use crate::ops::MathOps;
use crate::{fail, Result, TensorOps};
use ferroflow_tensor::kernels::elementwise::update_many;
use ferroflow_tensor::{DType, FloatElement, Tensor};

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

    fn hyper_parameters(&self) -> Vec<(&'static str, f64)> {
        vec![
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
        let (m, v) = adam_moments(grad, &slots[0], &slots[1], self.beta1, self.beta2)?;
        let step = adam_step(&m, &v, lr, &powers[0], &powers[1], self.epsilon)?;
        Ok((var.sub(&step)?, vec![m, v]))
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
            weight_decay: None,
        };
        adam.apply(var, slots, grad, lr, powers)
    }
}

/// Adam's step for eager tensors in one pass (`ApplyAdam`): the element
/// arithmetic of [`adam_moments`] and [`adam_step`] in the same order, so
/// the results match theirs bit for bit; with `weight_decay`, AdamW's
/// decoupled decay `var - var * weight_decay * lr` first.
pub(super) struct FusedAdam {
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) epsilon: f64,
    pub(super) weight_decay: Option<f64>,
}

impl FusedAdam {
    /// Updates the variable and its slots (`m`, `v`) in place; `false` for
    /// a dtype other than float32 and float64.
    pub(super) fn apply(
        &self,
        var: &mut Tensor,
        slots: &mut [&mut Tensor],
        grad: &Tensor,
        lr: &Tensor,
        powers: &[Tensor],
    ) -> Result<bool> {
        let [m, v] = slots else {
            fail!(
                "ApplyAdam",
                "expected the slots m and v, got {}",
                slots.len()
            );
        };
        match var.dtype() {
            DType::F32 => self.typed::<f32>([var, m, v], grad, lr, powers)?,
            DType::F64 => self.typed::<f64>([var, m, v], grad, lr, powers)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn typed<T: FloatElement>(
        &self,
        state: [&mut Tensor; 3],
        grad: &Tensor,
        lr: &Tensor,
        powers: &[Tensor],
    ) -> Result<()> {
        let (c1, c2) = (T::from_f64(1.0 - self.beta1), T::from_f64(1.0 - self.beta2));
        let epsilon = T::from_f64(self.epsilon);
        let (lr, one) = (lr.to_scalar::<T>()?, T::one());
        let (beta1_power, beta2_power) = (powers[0].to_scalar::<T>()?, powers[1].to_scalar::<T>()?);
        let lr_t = lr * (one - beta2_power).sqrt() / (one - beta1_power);
        let adam = move |x: T, m: T, v: T, g: T| {
            let m = m + (g - m) * c1;
            let v = v + (g * g - v) * c2;
            [x - m * lr_t / (v.sqrt() + epsilon), m, v]
        };
        // One closure per case: a branch inside would keep the loop scalar.
        match self.weight_decay.map(T::from_f64) {
            Some(wd) => update_many("ApplyAdamW", state, [grad], |[x, m, v], [g]| {
                adam(x - x * wd * lr, m, v, g)
            })?,
            None => update_many("ApplyAdam", state, [grad], |[x, m, v], [g]| {
                adam(x, m, v, g)
            })?,
        }
        Ok(())
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
