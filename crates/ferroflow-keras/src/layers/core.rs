//! `Dense`, `Flatten`, `Reshape`, `Permute`.

use super::config::{kernel_config, layer_config};
use super::{bias_and_activation, core_accessors, forward_calls, kernel_builders};
use crate::activations;
use crate::layer::{known_dim, Layer, LayerCore, Regularizer};
use crate::LayerTensor;
use ferroflow_core::initializers::Initializer;
use ferroflow_core::prelude::*;
use ferroflow_core::{Result, Variable};
use serde_json::json;

/// A densely-connected layer: `activation(x · kernel + bias)`, like
/// `tf.keras.layers.Dense(units, activation)`. Kernels start
/// glorot-uniform, biases zero; inputs of rank > 2 apply to the last axis.
///
/// ```
/// use ferroflow_keras::layers::Dense;
/// use ferroflow_keras::{Layer, Regularizer};
/// let mut d = Dense::new(10).activation("relu").kernel_regularizer(Regularizer::l2(0.01));
/// d.build_once(&[None, Some(300)]).unwrap();
/// assert_eq!(d.count_params(), 3010);
/// ```
pub struct Dense {
    core: LayerCore,
    units: usize,
    activation: String,
    use_bias: bool,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    kernel_regularizer: Option<Regularizer>,
    bias_regularizer: Option<Regularizer>,
    kernel: Option<Variable>,
    bias: Option<Variable>,
    act: activations::Activation,
}

impl Dense {
    /// A layer of `units` outputs, linear, with a bias.
    pub fn new(units: usize) -> Self {
        Dense {
            core: LayerCore::new("dense"),
            units,
            activation: "linear".into(),
            use_bias: true,
            kernel_initializer: Initializer::glorot_uniform(None),
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            kernel: None,
            bias: None,
            act: activations::Activation::Linear,
        }
    }
    kernel_builders!();
    /// Names the layer.
    pub fn name(mut self, name: &str) -> Self {
        self.core.set_name(name);
        self
    }
    /// The kernel, once built.
    pub fn kernel(&self) -> Option<&Variable> {
        self.kernel.as_ref()
    }

    /// The forward pass, eager or in a graph: `activation(x · kernel +
    /// bias)`, on the last axis.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 2..=usize::MAX)?;
        let weights = H::weights_of(&self.core, x)?;
        let (Some(kernel), Some(k)) = (&self.kernel, weights.first()) else {
            return Err(self.core.error("not built"));
        };
        let in_dim = kernel.shape().dims()[0];
        let dims = self.core.static_dims(x)?;
        if dims.last().copied().flatten().is_some_and(|d| d != in_dim) {
            return Err(self.core.error(format!(
                "Input 0 of layer \"{}\" is incompatible with the layer: expected axis -1 of input shape to have value {in_dim}, but received input with shape {}",
                self.core.name(),
                x.static_shape()
            )));
        }
        let y = if dims.len() == 2 {
            x.matmul(k)?
        } else {
            let mut out: Vec<i64> = dims.iter().map(|d| d.map_or(-1, |d| d as i64)).collect();
            if out.iter().filter(|&&d| d == -1).count() > 1 {
                return Err(self.core.error(format!(
                    "inputs of rank > 2 may have one unknown dimension, got shape {}",
                    x.static_shape()
                )));
            }
            *out.last_mut().expect("rank >= 2") = self.units as i64;
            x.reshape(&[-1, in_dim as i64])?.matmul(k)?.reshape(&out)?
        };
        bias_and_activation(y, weights.get(1), self.act)
    }
}

impl Layer for Dense {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Dense"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        let mut fields = kernel_config!(self, "kernel");
        fields.insert("units".into(), json!(self.units));
        Ok(layer_config(&self.core, fields.into()))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.core.check_rank(input_shape.len(), 2..=usize::MAX)?;
        self.act = activations::Activation::get(&self.activation)?;
        let last = known_dim(&self.core, input_shape, input_shape.len() - 1)?;
        self.kernel = Some(self.core.add_weight(
            "kernel",
            &[last, self.units],
            &self.kernel_initializer,
            true,
            self.kernel_regularizer,
        )?);
        if self.use_bias {
            self.bias = Some(self.core.add_weight(
                "bias",
                &[self.units],
                &self.bias_initializer,
                true,
                self.bias_regularizer,
            )?);
        }
        let mut out = input_shape.to_vec();
        *out.last_mut().expect("rank checked") = Some(self.units);
        Ok(out)
    }
    forward_calls!();
}

/// Flattens each example to one dimension, like `tf.keras.layers.Flatten()`.
pub struct Flatten {
    core: LayerCore,
}

impl Flatten {
    /// A flatten layer.
    pub fn new() -> Self {
        Flatten {
            core: LayerCore::new("flatten"),
        }
    }

    /// The forward pass, eager or in a graph: `[batch, -1]`.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        let dims = self.core.static_dims(x)?;
        self.core.check_rank(dims.len(), 1..=usize::MAX)?;
        let rest = dims[1..]
            .iter()
            .try_fold(1usize, |acc, d| d.map(|d| acc * d));
        let shape = match (dims[0], rest) {
            (Some(batch), _) => [batch as i64, -1],
            (None, Some(rest)) => [-1, rest as i64],
            (None, None) => {
                return Err(self.core.error(format!(
                    "the batch or the other dimensions must be known, got shape {}",
                    x.static_shape()
                )))
            }
        };
        x.reshape(&shape)
    }
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten::new()
    }
}

impl Layer for Flatten {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Flatten"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(
            &self.core,
            json!({ "data_format": "channels_last" }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.core.check_rank(input_shape.len(), 1..=usize::MAX)?;
        let size = input_shape[1..]
            .iter()
            .try_fold(1usize, |acc, d| d.map(|d| acc * d));
        Ok(vec![input_shape[0], size])
    }
    forward_calls!();
}

/// Reshapes each example to `target_shape`, like
/// `tf.keras.layers.Reshape(target_shape)` (one entry may be -1).
pub struct Reshape {
    core: LayerCore,
    target: Vec<i64>,
}

impl Reshape {
    /// A reshape to `target_shape` (without the batch).
    pub fn new(target_shape: &[i64]) -> Self {
        Reshape {
            core: LayerCore::new("reshape"),
            target: target_shape.to_vec(),
        }
    }

    /// The forward pass, eager or in a graph: `[batch, ..target]`.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        let dims = self.core.static_dims(x)?;
        self.core.check_rank(dims.len(), 1..=usize::MAX)?;
        let batch = match dims[0] {
            Some(batch) => batch as i64,
            None if !self.target.contains(&-1) => -1,
            None => {
                return Err(self.core.error(format!(
                    "a target shape with -1 needs a known batch size, got input shape {}",
                    x.static_shape()
                )))
            }
        };
        let mut shape = vec![batch];
        shape.extend(&self.target);
        x.reshape(&shape).map_err(|e| self.core.error(e))
    }
}

impl Layer for Reshape {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Reshape"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(
            &self.core,
            json!({ "target_shape": self.target }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.core.check_rank(input_shape.len(), 1..=usize::MAX)?;
        let size = input_shape[1..]
            .iter()
            .try_fold(1usize, |acc, d| d.map(|d| acc * d));
        let known: i64 = self.target.iter().filter(|&&d| d != -1).product();
        let mut out = vec![input_shape[0]];
        for &d in &self.target {
            out.push(match d {
                -1 => size.map(|s| s / known.max(1) as usize),
                d => Some(d as usize),
            });
        }
        if let (Some(size), false) = (size, self.target.contains(&-1)) {
            if size as i64 != known {
                return Err(self.core.error(format!(
                    "total size of new array must be unchanged, input_shape = {:?}, output_shape = {:?}",
                    &input_shape[1..],
                    self.target
                )));
            }
        }
        Ok(out)
    }
    forward_calls!();
}

/// Permutes the non-batch axes, like `tf.keras.layers.Permute(dims)`
/// (`dims` count from 1).
pub struct Permute {
    core: LayerCore,
    dims: Vec<usize>,
}

impl Permute {
    /// A permutation of axes 1..=n.
    pub fn new(dims: &[usize]) -> Self {
        Permute {
            core: LayerCore::new("permute"),
            dims: dims.to_vec(),
        }
    }

    /// The forward pass, eager or in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        let n = self.dims.len();
        self.core
            .check_rank(self.core.static_dims(x)?.len(), n + 1..=n + 1)?;
        let mut perm = vec![0];
        perm.extend(&self.dims);
        x.transpose(&perm)
    }
}

impl Layer for Permute {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Permute"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(&self.core, json!({ "dims": self.dims })))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        let n = self.dims.len();
        self.core.check_rank(input_shape.len(), n + 1..=n + 1)?;
        let mut sorted = self.dims.clone();
        sorted.sort_unstable();
        if sorted != (1..=n).collect::<Vec<_>>() {
            return Err(self.core.error(format!(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims={:?}",
                self.dims
            )));
        }
        let mut out = vec![input_shape[0]];
        out.extend(self.dims.iter().map(|&d| input_shape[d]));
        Ok(out)
    }
    forward_calls!();
}
