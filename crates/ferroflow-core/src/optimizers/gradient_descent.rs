//! Plain gradient descent, like `tf.compat.v1.train.GradientDescentOptimizer`.

use super::{LearningRate, Optimizer, Updated};
use crate::ops::MathOps;
use crate::{Result, TensorOps};

/// Gradient descent: `var -= lr * grad`.
///
/// ```
/// use ferroflow_core::optimizers::{GradientDescent, Optimizer};
/// use ferroflow_core::prelude::*;
/// let w = Variable::new(Tensor::from([1.0f32]));
/// GradientDescent::new(0.1).eager().apply_gradients(&[(Tensor::from([2.0f32]), &w)]).unwrap();
/// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![0.8]);
/// ```
#[derive(Debug, Clone)]
pub struct GradientDescent {
    learning_rate: LearningRate,
}

impl GradientDescent {
    /// Gradient descent with `learning_rate` (a number or a schedule).
    pub fn new(learning_rate: impl Into<LearningRate>) -> Self {
        GradientDescent {
            learning_rate: learning_rate.into(),
        }
    }
}

impl Optimizer for GradientDescent {
    fn name(&self) -> &'static str {
        "GradientDescent"
    }

    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }

    fn update<H: TensorOps>(
        &self,
        var: &H,
        grad: &H,
        _slots: &[H],
        lr: &H,
        _powers: &[H],
    ) -> Result<Updated<H>> {
        Ok((var.sub(&grad.mul(lr)?)?, Vec::new()))
    }
}
