//! RMSProp, like `tf.compat.v1.train.RMSPropOptimizer` (not centered).

use super::{LearningRate, Optimizer, Updated};
use crate::ops::MathOps;
use crate::{Result, TensorOps};

/// RMSProp: `ms = ms + (g² - ms)(1 - decay)`,
/// `mom = mom * momentum + lr * g / sqrt(ms + ε)`, `var -= mom`.
/// Slots `<var>/RMSProp` (ms, starting at ones) and `<var>/RMSProp_1`
/// (mom, starting at zeros).
///
/// ```
/// use ferroflow_core::optimizers::{Optimizer, RMSProp};
/// use ferroflow_core::prelude::*;
/// let w = Variable::new(Tensor::from([1.0f32]));
/// RMSProp::new(0.1).eager().apply_gradients(&[(Tensor::from([1.0f32]), &w)]).unwrap();
/// // ms stays 1, so the step is lr * g.
/// assert!((w.value().to_vec::<f32>().unwrap()[0] - 0.9).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct RMSProp {
    learning_rate: LearningRate,
    decay: f64,
    momentum: f64,
    epsilon: f64,
}

impl RMSProp {
    /// RMSProp with `learning_rate` and TF1's defaults decay = 0.9,
    /// momentum = 0, ε = 1e-10.
    pub fn new(learning_rate: impl Into<LearningRate>) -> Self {
        RMSProp {
            learning_rate: learning_rate.into(),
            decay: 0.9,
            momentum: 0.0,
            epsilon: 1e-10,
        }
    }

    /// Sets the decay, momentum and ε.
    pub fn with_params(mut self, decay: f64, momentum: f64, epsilon: f64) -> Self {
        (self.decay, self.momentum, self.epsilon) = (decay, momentum, epsilon);
        self
    }
}

impl Optimizer for RMSProp {
    fn name(&self) -> &'static str {
        "RMSProp"
    }

    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }

    fn hyper_parameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("decay", self.decay),
            ("momentum", self.momentum),
            ("epsilon", self.epsilon),
        ]
    }

    fn slot_initial_values(&self) -> Vec<f64> {
        vec![1.0, 0.0]
    }

    fn update<H: TensorOps>(
        &self,
        var: &H,
        grad: &H,
        slots: &[H],
        lr: &H,
        _powers: &[H],
    ) -> Result<Updated<H>> {
        let (ms, mom) = (&slots[0], &slots[1]);
        let ms = ms.add(
            &grad
                .square()?
                .sub(ms)?
                .mul(&var.scalar_like(1.0 - self.decay)?)?,
        )?;
        let scaled = grad
            .mul(lr)?
            .div(&ms.add(&var.scalar_like(self.epsilon)?)?.sqrt()?)?;
        let mom = mom.mul(&var.scalar_like(self.momentum)?)?.add(&scaled)?;
        Ok((var.sub(&mom)?, vec![ms, mom]))
    }
}
