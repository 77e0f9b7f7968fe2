//! Learning-rate schedules: functions of the step, usable eagerly and in
//! graphs, like `tf.compat.v1.train.exponential_decay` and friends.

use crate::ops::{ArrayOps, CompareOps, MathOps};
use crate::{fail, Result, TensorOps};
use ferroflow_tensor::{DType, Tensor};

/// An optimizer's learning rate: a number, or a schedule of the step
/// (the optimizer's iteration count eagerly, `global_step` in graphs).
///
/// ```
/// use ferroflow_core::optimizers::LearningRate;
/// use ferroflow_core::prelude::*;
/// let lr = LearningRate::PiecewiseConstant { boundaries: vec![10.0], values: vec![1.0, 0.1] };
/// let at = |s: i64| lr.at(&Tensor::scalar(s)).unwrap().to_scalar::<f32>().unwrap();
/// assert_eq!((at(10), at(11)), (1.0, 0.1));
/// assert_eq!(LearningRate::from(0.5).at(&Tensor::scalar(3i64)).unwrap().to_scalar::<f32>().unwrap(), 0.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum LearningRate {
    /// A fixed rate.
    Constant(f64),
    /// See [`exponential_decay`].
    ExponentialDecay {
        learning_rate: f64,
        decay_steps: f64,
        decay_rate: f64,
        staircase: bool,
    },
    /// See [`piecewise_constant`].
    PiecewiseConstant {
        boundaries: Vec<f64>,
        values: Vec<f64>,
    },
    /// See [`cosine_decay`].
    CosineDecay {
        learning_rate: f64,
        decay_steps: f64,
        alpha: f64,
    },
}

impl From<f64> for LearningRate {
    fn from(lr: f64) -> Self {
        LearningRate::Constant(lr)
    }
}

impl LearningRate {
    /// The rate at `step` (any numeric scalar), a float32 scalar in
    /// `step`'s context.
    pub fn at<H: TensorOps>(&self, step: &H) -> Result<H> {
        match self {
            LearningRate::Constant(lr) => step.constant_like(Tensor::scalar(*lr as f32)),
            LearningRate::ExponentialDecay {
                learning_rate,
                decay_steps,
                decay_rate,
                staircase,
            } => exponential_decay(*learning_rate, step, *decay_steps, *decay_rate, *staircase),
            LearningRate::PiecewiseConstant { boundaries, values } => {
                piecewise_constant(step, boundaries, values)
            }
            LearningRate::CosineDecay {
                learning_rate,
                decay_steps,
                alpha,
            } => cosine_decay(*learning_rate, step, *decay_steps, *alpha),
        }
    }

    /// The rate for a variable like `like`: the constant in `like`'s
    /// dtype, or the schedule at `step` cast to it. A schedule needs a step.
    pub(super) fn for_variable<H: TensorOps>(&self, step: Option<&H>, like: &H) -> Result<H> {
        match (self, step) {
            (LearningRate::Constant(lr), _) => like.scalar_like(*lr),
            (_, Some(step)) => self.at(step)?.cast(like.dtype()),
            (_, None) => fail!(
                "apply_gradients",
                "global_step is required for a learning-rate schedule"
            ),
        }
    }
}

fn check_decay_steps(op: &str, decay_steps: f64) -> Result<()> {
    if decay_steps <= 0.0 || decay_steps.is_nan() {
        fail!(op, "decay_steps must be positive, got {decay_steps}");
    }
    Ok(())
}

/// `learning_rate * decay_rate ^ (global_step / decay_steps)`, with the
/// exponent floored when `staircase`, like
/// `tf.compat.v1.train.exponential_decay`; a float32 scalar.
///
/// ```
/// use ferroflow_core::optimizers::exponential_decay;
/// use ferroflow_core::prelude::*;
/// let lr = exponential_decay(0.1, &Tensor::scalar(20i64), 10.0, 0.5, false).unwrap();
/// assert!((lr.to_scalar::<f32>().unwrap() - 0.025).abs() < 1e-8);
/// ```
pub fn exponential_decay<H: TensorOps>(
    learning_rate: f64,
    global_step: &H,
    decay_steps: f64,
    decay_rate: f64,
    staircase: bool,
) -> Result<H> {
    check_decay_steps("exponential_decay", decay_steps)?;
    let step = global_step.cast(DType::F32)?;
    let mut p = step.div(&step.scalar_like(decay_steps)?)?;
    if staircase {
        p = p.floor()?;
    }
    step.scalar_like(learning_rate)?
        .mul(&step.scalar_like(decay_rate)?.pow(&p)?)
}

/// `values[0]` while `step <= boundaries[0]`, `values[i]` while
/// `boundaries[i-1] < step <= boundaries[i]`, and the last value after the
/// last boundary, like `tf.compat.v1.train.piecewise_constant`; a float32
/// scalar.
///
/// ```
/// use ferroflow_core::optimizers::piecewise_constant;
/// use ferroflow_core::prelude::*;
/// let lr = piecewise_constant(&Tensor::scalar(15i64), &[10.0, 20.0], &[1.0, 0.5, 0.1]).unwrap();
/// assert_eq!(lr.to_scalar::<f32>().unwrap(), 0.5);
/// ```
pub fn piecewise_constant<H: TensorOps>(step: &H, boundaries: &[f64], values: &[f64]) -> Result<H> {
    if values.len() != boundaries.len() + 1 {
        fail!(
            "piecewise_constant",
            "The length of boundaries should be 1 less than the length of values (got {} boundaries and {} values)",
            boundaries.len(),
            values.len()
        );
    }
    if boundaries.windows(2).any(|w| w[0] >= w[1]) {
        fail!(
            "piecewise_constant",
            "boundaries must be increasing, got {boundaries:?}"
        );
    }
    let x = step.cast(DType::F64)?;
    let value = |v: f64| step.constant_like(Tensor::scalar(v as f32));
    let mut rate = value(values[boundaries.len()])?;
    for (b, v) in boundaries.iter().zip(values).rev() {
        rate = x
            .less_equal(&x.scalar_like(*b)?)?
            .where_(&value(*v)?, &rate)?;
    }
    Ok(rate)
}

/// Cosine decay from `learning_rate` to `alpha * learning_rate` over
/// `decay_steps`, then constant, like `tf.compat.v1.train.cosine_decay`:
/// `lr * ((1 - alpha) * 0.5 * (1 + cos(π * min(step, decay_steps) / decay_steps)) + alpha)`;
/// a float32 scalar.
///
/// ```
/// use ferroflow_core::optimizers::cosine_decay;
/// use ferroflow_core::prelude::*;
/// let lr = cosine_decay(0.1, &Tensor::scalar(10i64), 20.0, 0.0).unwrap();
/// assert!((lr.to_scalar::<f32>().unwrap() - 0.05).abs() < 1e-7);
/// ```
pub fn cosine_decay<H: TensorOps>(
    learning_rate: f64,
    global_step: &H,
    decay_steps: f64,
    alpha: f64,
) -> Result<H> {
    check_decay_steps("cosine_decay", decay_steps)?;
    let step = global_step.cast(DType::F32)?;
    let c = |v: f64| step.scalar_like(v);
    let fraction = step.minimum(&c(decay_steps)?)?.div(&c(decay_steps)?)?;
    let cosine = c(0.5)?.mul(&c(1.0)?.add(&c(std::f64::consts::PI)?.mul(&fraction)?.cos()?)?)?;
    let decayed = c(1.0 - alpha)?.mul(&cosine)?.add(&c(alpha)?)?;
    c(learning_rate)?.mul(&decayed)
}
