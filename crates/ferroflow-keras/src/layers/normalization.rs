//! `BatchNormalization`.

use super::config::layer_config;
use super::{core_accessors, forward_calls};
use crate::layer::{known_dim, Layer, LayerCore};
use crate::LayerTensor;
use ferroflow_core::initializers::Initializer;
use ferroflow_core::prelude::*;
use ferroflow_core::{Result, Variable};
use serde_json::json;

/// Normalizes the last axis, like `tf.keras.layers.BatchNormalization()`:
/// with the batch's statistics while training (updating the moving mean
/// and variance by `momentum`), with the moving ones at inference — and
/// always at inference when the layer is frozen, as Keras does for
/// transfer learning. Weights: `gamma`, `beta` (trainable),
/// `moving_mean`, `moving_variance` (not).
///
/// ```
/// use ferroflow_keras::layers::BatchNormalization;
/// use ferroflow_keras::Layer;
/// use ferroflow_core::prelude::*;
/// let mut bn = BatchNormalization::new();
/// let x = Tensor::from_vec(vec![1.0f32, 3.0], [2, 1]).unwrap();
/// let y = bn.apply(&x, true).unwrap().to_vec::<f32>().unwrap();
/// assert!((y[0] + 0.9995).abs() < 1e-3 && (y[1] - 0.9995).abs() < 1e-3);
/// assert_eq!(bn.count_params(), 4);
/// assert_eq!(bn.core().trainable_weights().len(), 2);
/// ```
pub struct BatchNormalization {
    core: LayerCore,
    momentum: f64,
    epsilon: f64,
    weights: Option<[Variable; 4]>,
}

impl BatchNormalization {
    /// Keras's defaults: momentum 0.99, epsilon 0.001.
    pub fn new() -> Self {
        BatchNormalization {
            core: LayerCore::new("batch_normalization"),
            momentum: 0.99,
            epsilon: 1e-3,
            weights: None,
        }
    }
    /// The moving averages' momentum.
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
    /// The variance epsilon.
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// The forward pass, eager or in a graph. Training (unless frozen)
    /// normalizes with the batch's moments and moves the moving averages
    /// towards them: at once eagerly, by ops in `UPDATE_OPS` in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, training: bool) -> Result<H> {
        self.core.check_input(x, 2..=usize::MAX)?;
        let weights = H::weights_of(&self.core, x)?;
        let ([gamma, beta, moving_mean, moving_variance], Some(built)) =
            (weights.as_slice(), &self.weights)
        else {
            return Err(self.core.error("not built"));
        };
        let c = built[0].shape().num_elements();
        let dims = self.core.static_dims(x)?;
        if dims.last().copied().flatten().is_some_and(|d| d != c) {
            return Err(self.core.error(format!(
                "expected {c} channels on the last axis, got input of shape {}",
                x.static_shape()
            )));
        }
        if !(training && self.core.trainable()) {
            return x.batch_normalization(
                moving_mean,
                moving_variance,
                Some(beta),
                Some(gamma),
                self.epsilon,
            );
        }
        let axes: Vec<i64> = (0..dims.len() as i64 - 1).collect();
        let (mean, variance) = x.moments(axes, false)?;
        let decay = mean.scalar_like(1.0 - self.momentum)?;
        for (index, old, batch) in [(2, moving_mean, &mean), (3, moving_variance, &variance)] {
            let new = old.sub(&old.sub(&batch.stop_gradient()?)?.mul(&decay)?)?;
            H::assign_weight(&self.core, index, &new)?;
        }
        x.batch_normalization(&mean, &variance, Some(beta), Some(gamma), self.epsilon)
    }
}

impl Default for BatchNormalization {
    fn default() -> Self {
        BatchNormalization::new()
    }
}

impl Layer for BatchNormalization {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "BatchNormalization"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        let init = |i: Initializer| i.get_config();
        Ok(layer_config(
            &self.core,
            json!({
                "axis": -1,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": true,
                "scale": true,
                "beta_initializer": init(Initializer::Zeros),
                "gamma_initializer": init(Initializer::Ones),
                "moving_mean_initializer": init(Initializer::Zeros),
                "moving_variance_initializer": init(Initializer::Ones),
                "beta_regularizer": null,
                "gamma_regularizer": null,
                "beta_constraint": null,
                "gamma_constraint": null,
            }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.core.check_rank(input_shape.len(), 2..=usize::MAX)?;
        let c = known_dim(&self.core, input_shape, input_shape.len() - 1)?;
        let mut add =
            |name, init, trainable| self.core.add_weight(name, &[c], &init, trainable, None);
        self.weights = Some([
            add("gamma", Initializer::Ones, true)?,
            add("beta", Initializer::Zeros, true)?,
            add("moving_mean", Initializer::Zeros, false)?,
            add("moving_variance", Initializer::Ones, false)?,
        ]);
        Ok(input_shape.to_vec())
    }
    forward_calls!();
}
