//! Dropout, like `tf.nn.dropout`: zero elements with probability `rate` and
//! scale the kept ones by `1 / (1 - rate)`, drawing the mask from the seeded
//! random ops of the handle's context (eager or graph).

use super::{ArrayOps, CompareOps, MathOps, RandomSource};
use crate::{fail, Result};

/// Dropout on any handle that can draw random values; in a graph, `x`'s
/// shape may be partly known (the mask then takes its run-time shape).
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from([1.0f32; 8]);
/// let y = x.dropout(0.5, None, Some(1), true).unwrap();
/// assert!(y.to_vec::<f32>().unwrap().iter().all(|&v| v == 0.0 || v == 2.0));
/// assert_eq!(x.dropout(0.5, None, Some(1), false).unwrap().to_vec::<f32>().unwrap(), vec![1.0; 8]);
/// ```
pub trait DropoutOps: RandomSource {
    /// Like `tf.nn.dropout(x, rate, noise_shape, seed)` when `training`,
    /// else `x` unchanged (as Keras' `Dropout` at inference). A
    /// `noise_shape` broadcastable to `x`'s shape shares one draw across
    /// the broadcast dimensions; by default each element draws its own.
    fn dropout(
        &self,
        rate: f64,
        noise_shape: Option<&[usize]>,
        seed: Option<i64>,
        training: bool,
    ) -> Result<Self> {
        if !(0.0..1.0).contains(&rate) {
            fail!(
                "dropout",
                "`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}"
            );
        }
        if !training || rate == 0.0 {
            return Ok(self.clone());
        }
        if !self.dtype().is_float() {
            fail!(
                "dropout",
                "x has to be a floating point tensor since it's going to be scaled. Received: x_dtype={}",
                self.dtype()
            );
        }
        let scaled = self.mul(&self.scalar_like(1.0 / (1.0 - rate))?)?;
        let draw = match noise_shape {
            Some(shape) => self.random_uniform_like(shape, 0.0, 1.0, self.dtype(), seed)?,
            // In a graph with a partly known shape (an unknown batch), the
            // mask takes `x`'s run-time shape, as TensorFlow's `tf.shape(x)`.
            None => self.random_uniform_same_shape(seed)?,
        };
        let keep = draw.greater_equal(&draw.scalar_like(rate)?)?;
        keep.where_(&scaled, &scaled.zeros_like()?)
    }
}

impl<H: RandomSource> DropoutOps for H {}
