//! Element-wise layers: `Activation`, `ReLU`, `LeakyReLU`, `Softmax`,
//! `Dropout`.

use super::config::layer_config;
use super::{core_accessors, forward_calls};
use crate::activations;
use crate::layer::{Layer, LayerCore};
use crate::LayerTensor;
use ferroflow_core::prelude::*;
use ferroflow_core::Result;
use serde_json::json;

/// Applies an activation by name, like `tf.keras.layers.Activation("relu")`.
///
/// ```
/// use ferroflow_keras::layers::Activation;
/// use ferroflow_keras::Layer;
/// use ferroflow_core::prelude::*;
/// let mut a = Activation::new("relu");
/// let y = a.apply(&Tensor::from_vec(vec![-1.0f32, 1.0], [1, 2]).unwrap(), false).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 1.0]);
/// ```
pub struct Activation {
    core: LayerCore,
    name: String,
    act: activations::Activation,
}

impl Activation {
    /// The layer for activation `name` (checked at build).
    pub fn new(name: &str) -> Self {
        Activation {
            core: LayerCore::new("activation"),
            name: name.into(),
            act: activations::Activation::Linear,
        }
    }

    /// The forward pass, eager or in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 0..=usize::MAX)?;
        self.act.apply(x)
    }
}

impl Layer for Activation {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Activation"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(&self.core, json!({ "activation": self.name })))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.act = activations::Activation::get(&self.name).map_err(|e| self.core.error(e))?;
        Ok(input_shape.to_vec())
    }
    forward_calls!();
}

/// `max(x, 0)`, like `tf.keras.layers.ReLU()`.
pub struct ReLU {
    core: LayerCore,
}

impl ReLU {
    /// A ReLU layer.
    pub fn new() -> Self {
        ReLU {
            core: LayerCore::new("re_lu"),
        }
    }

    /// The forward pass, eager or in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 0..=usize::MAX)?;
        x.relu()
    }
}

impl Default for ReLU {
    fn default() -> Self {
        ReLU::new()
    }
}

impl Layer for ReLU {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "ReLU"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(
            &self.core,
            json!({ "max_value": null, "negative_slope": 0.0, "threshold": 0.0 }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        Ok(input_shape.to_vec())
    }
    forward_calls!();
}

/// `x` where positive, `alpha * x` elsewhere, like
/// `tf.keras.layers.LeakyReLU(alpha=0.3)`.
pub struct LeakyReLU {
    core: LayerCore,
    alpha: f64,
}

impl LeakyReLU {
    /// A leaky ReLU with slope `alpha` below zero (Keras's default is 0.3).
    pub fn new(alpha: f64) -> Self {
        LeakyReLU {
            core: LayerCore::new("leaky_re_lu"),
            alpha,
        }
    }

    /// The forward pass, eager or in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 0..=usize::MAX)?;
        x.leaky_relu(self.alpha)
    }
}

impl Layer for LeakyReLU {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "LeakyReLU"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(&self.core, json!({ "alpha": self.alpha })))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        Ok(input_shape.to_vec())
    }
    forward_calls!();
}

/// Softmax over the last axis, like `tf.keras.layers.Softmax()`.
pub struct Softmax {
    core: LayerCore,
}

impl Softmax {
    /// A softmax layer.
    pub fn new() -> Self {
        Softmax {
            core: LayerCore::new("softmax"),
        }
    }

    /// The forward pass, eager or in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 1..=usize::MAX)?;
        x.softmax()
    }
}

impl Default for Softmax {
    fn default() -> Self {
        Softmax::new()
    }
}

impl Layer for Softmax {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Softmax"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(&self.core, json!({ "axis": -1 })))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.core.check_rank(input_shape.len(), 1..=usize::MAX)?;
        Ok(input_shape.to_vec())
    }
    forward_calls!();
}

/// Zeroes a fraction `rate` of the inputs while training and scales the
/// rest by `1 / (1 - rate)`; the identity at inference, like
/// `tf.keras.layers.Dropout(rate, seed=seed)`.
///
/// ```
/// use ferroflow_keras::layers::Dropout;
/// use ferroflow_keras::Layer;
/// use ferroflow_core::prelude::*;
/// let mut d = Dropout::new(0.5).seed(1);
/// let x = Tensor::from_vec(vec![1.0f32; 8], [2, 4]).unwrap();
/// assert_eq!(d.apply(&x, false).unwrap().to_vec::<f32>().unwrap(), vec![1.0; 8]);
/// let y = d.apply(&x, true).unwrap().to_vec::<f32>().unwrap();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// ```
pub struct Dropout {
    core: LayerCore,
    rate: f64,
    seed: Option<i64>,
}

impl Dropout {
    /// Dropout of `rate` (in [0, 1)).
    pub fn new(rate: f64) -> Self {
        Dropout {
            core: LayerCore::new("dropout"),
            rate,
            seed: None,
        }
    }
    /// A fixed op seed.
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The forward pass, eager or in a graph (a graph's dropout draws from
    /// its session's stream).
    fn forward<H: LayerTensor>(&self, x: &H, training: bool) -> Result<H> {
        self.core.check_input(x, 0..=usize::MAX)?;
        if !training || self.rate == 0.0 {
            return Ok(x.clone());
        }
        x.dropout(self.rate, None, self.seed, true)
    }
}

impl Layer for Dropout {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Dropout"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(
            &self.core,
            json!({ "rate": self.rate, "noise_shape": null, "seed": self.seed }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        if !(0.0..1.0).contains(&self.rate) {
            return Err(self.core.error(format!(
                "Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={}",
                self.rate
            )));
        }
        Ok(input_shape.to_vec())
    }
    forward_calls!();
}
