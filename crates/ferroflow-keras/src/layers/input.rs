//! `Input`: the entry of a model, with the shape of one example.

use super::config::input_layer_config;
use super::{core_accessors, forward_calls};
use crate::layer::{Layer, LayerCore};
use crate::LayerTensor;
use ferroflow_core::Result;

/// A model's input of a given per-example shape, like
/// `tf.keras.Input(shape)` (shown as `InputLayer` by `summary()`). It
/// checks the rank and the known dimensions of what it is given.
///
/// ```
/// use ferroflow_keras::layers::Input;
/// use ferroflow_keras::Layer;
/// use ferroflow_core::prelude::*;
/// let mut input = Input::new(&[Some(3)]);
/// assert!(input.apply(&Tensor::from_vec(vec![0.0f32; 6], [2, 3]).unwrap(), false).is_ok());
/// assert!(input.apply(&Tensor::from_vec(vec![0.0f32; 4], [2, 2]).unwrap(), false).is_err());
/// ```
pub struct Input {
    core: LayerCore,
    shape: Vec<Option<usize>>,
}

impl Input {
    /// An input whose examples have `shape` (`None`: any size).
    pub fn new(shape: &[Option<usize>]) -> Self {
        let mut input = Input {
            core: LayerCore::new("input"),
            shape: shape.to_vec(),
        };
        let mut full = vec![None];
        full.extend_from_slice(shape);
        input.core.set_output_shape(full);
        input
    }

    /// The batch shape `[None, …]`.
    pub fn batch_shape(&self) -> Vec<Option<usize>> {
        self.core.output_shape().unwrap_or_default().to_vec()
    }

    /// `x` itself once its shape fits, eager or in a graph (an unknown
    /// dimension of a graph tensor fits).
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        let dims = self.core.static_dims(x)?;
        let fits = dims.len() == self.shape.len() + 1
            && self
                .shape
                .iter()
                .zip(&dims[1..])
                .all(|(want, got)| want.is_none() || got.is_none() || want == got);
        if !fits {
            return Err(self.core.error(format!(
                "expected examples of shape {:?} (batch first), got {}",
                self.shape,
                x.static_shape()
            )));
        }
        Ok(x.clone())
    }
}

impl Layer for Input {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "InputLayer"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(input_layer_config(self.core.name(), &self.batch_shape()))
    }
    fn build(&mut self, _input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        Ok(self.batch_shape())
    }
    forward_calls!();
}
