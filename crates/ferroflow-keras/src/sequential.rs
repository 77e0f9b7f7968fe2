//! `Sequential`: a plain stack of layers.

use crate::layer::{unique_name, Layer};
use crate::model::{Compiled, Model};
use ferroflow_core::{Error, Result};
use ferroflow_tensor::Tensor;

/// A linear stack of layers, like `tf.keras.Sequential([...])`.
///
/// ```
/// use ferroflow_keras::layers::Dense;
/// use ferroflow_keras::{Compiled, FitOptions, Model, Sequential};
/// use ferroflow_core::prelude::*;
/// let mut model = Sequential::new(vec![Box::new(Dense::new(1))]);
/// model.compile(Compiled::from_names("sgd", "mse", &[]).unwrap());
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4, 1]).unwrap();
/// let y = Tensor::from_vec(vec![2.0f32, 4.0, 6.0, 8.0], [4, 1]).unwrap();
/// let history = model.fit(&x, &y, FitOptions { epochs: 2, verbose: 0, ..Default::default() }).unwrap();
/// assert_eq!(history.get("loss").unwrap().len(), 2);
/// ```
pub struct Sequential {
    name: String,
    layers: Vec<Box<dyn Layer>>,
    compiled: Option<Compiled>,
}

impl Sequential {
    /// A model of `layers`, applied in order.
    pub fn new(layers: Vec<Box<dyn Layer>>) -> Self {
        Sequential {
            name: unique_name("sequential"),
            layers,
            compiled: None,
        }
    }

    /// Appends a layer, like `model.add(layer)`.
    pub fn add(&mut self, layer: Box<dyn Layer>) {
        self.layers.push(layer);
    }

    /// Builds every layer for inputs of `input_shape` (batch first, `None`
    /// unknown), like `model.build(input_shape)`; returns the output shape.
    pub fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.layers
            .iter_mut()
            .try_fold(input_shape.to_vec(), |shape, layer| {
                layer.build_once(&shape)
            })
    }

    /// Layer `index`, mutably (to freeze it: `layer_mut(0)?.core_mut().set_trainable(false)`).
    pub fn layer_mut(&mut self, index: usize) -> Result<&mut (dyn Layer + 'static)> {
        let count = self.layers.len();
        self.layers
            .get_mut(index)
            .map(|l| l.as_mut())
            .ok_or_else(|| {
                Error::invalid(
                    "Sequential.get_layer",
                    format!("Was asked to retrieve layer at index {index} but model only has {count} layers."),
                )
            })
    }
}

impl Model for Sequential {
    fn call(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        let mut y = x.clone();
        for layer in &mut self.layers {
            y = layer.apply(&y, training)?;
        }
        Ok(y)
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        self.layers.iter().map(|l| l.as_ref()).collect()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn compiled(&mut self) -> &mut Option<Compiled> {
        &mut self.compiled
    }
}
