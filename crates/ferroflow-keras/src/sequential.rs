//! `Sequential`: a plain stack of layers.

use crate::layer::{unique_name, Layer};
use crate::layers::{self, input_batch_shape, input_layer_config, shape_of};
use crate::model::{Compiled, Model};
use ferroflow_core::graph::Output;
use ferroflow_core::{Error, Result};
use ferroflow_tensor::Tensor;
use serde_json::{json, Value};

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
    /// The batch-first input shape it was built for (what `to_json` writes
    /// as the `InputLayer`).
    input_shape: Option<Vec<Option<usize>>>,
    compiled: Option<Compiled>,
}

impl Sequential {
    /// A model of `layers`, applied in order.
    pub fn new(layers: Vec<Box<dyn Layer>>) -> Self {
        Sequential {
            name: unique_name("sequential"),
            layers,
            input_shape: None,
            compiled: None,
        }
    }

    /// Renames the model (`tf.keras.Sequential(layers, name=name)`).
    pub fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    /// Appends a layer, like `model.add(layer)`.
    pub fn add(&mut self, layer: Box<dyn Layer>) {
        self.layers.push(layer);
    }

    /// Builds every layer for inputs of `input_shape` (batch first, `None`
    /// unknown), like `model.build(input_shape)`; returns the output shape.
    pub fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.input_shape = Some(input_shape.to_vec());
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

impl Sequential {
    /// Calls the layers in order on a graph tensor, building them on first
    /// use, like calling a Keras model on a placeholder in a TF1 graph:
    /// each layer's ops go under its name scope and its weights become
    /// variables of the graph (`dense/kernel`), starting from their eager
    /// values.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_keras::layers::{Dense, Flatten};
    /// use ferroflow_keras::Sequential;
    /// let mut model = Sequential::new(vec![Box::new(Flatten::new()), Box::new(Dense::new(10))]);
    /// let g = Graph::new();
    /// let x = g.placeholder(DType::F32, [None, Some(28), Some(28)], "x").unwrap();
    /// let logits = model.call_graph(&x, true).unwrap();
    /// assert_eq!(logits.static_shape().to_string(), "(?, 10)");
    /// assert_eq!(g.trainable_variables().len(), 2);
    /// ```
    pub fn call_graph(&mut self, x: &Output, training: bool) -> Result<Output> {
        self.layers
            .iter_mut()
            .try_fold(x.clone(), |y, layer| layer.apply_graph(&y, training))
    }
}

impl Model for Sequential {
    fn call(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        if self.input_shape.is_none() {
            let mut shape: Vec<Option<usize>> = x.dims().iter().map(|&d| Some(d)).collect();
            if let Some(batch) = shape.first_mut() {
                *batch = None;
            }
            self.input_shape = Some(shape);
        }
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
    fn serialize(&self) -> Result<Value> {
        Ok(json!({
            "module": "keras",
            "class_name": "Sequential",
            "config": self.get_config()?,
            "registered_name": null,
            "backend": "tensorflow",
        }))
    }
}

impl Sequential {
    /// The model's config in Keras's layout, like `model.get_config()`:
    /// its `name` and its `layers`, led by an `InputLayer` holding the
    /// input shape once the model is built.
    ///
    /// ```
    /// use ferroflow_keras::layers::{Dense, Flatten};
    /// use ferroflow_keras::{Model, Sequential};
    /// let mut model = Sequential::new(vec![Box::new(Flatten::new()), Box::new(Dense::new(10))]);
    /// model.build(&[None, Some(28), Some(28)]).unwrap();
    /// let config = model.get_config().unwrap();
    /// assert_eq!(config["layers"][0]["class_name"], "InputLayer");
    /// assert_eq!(config["layers"][0]["config"]["batch_input_shape"], serde_json::json!([null, 28, 28]));
    /// let copy = Sequential::from_config(&config).unwrap();
    /// assert_eq!(copy.count_params(), 7850);
    /// ```
    pub fn get_config(&self) -> Result<Value> {
        let mut entries = Vec::new();
        // An `Input` leading the layers is written as itself.
        let first = self
            .layers
            .first()
            .filter(|l| l.class_name() != "InputLayer");
        if let (Some(shape), Some(first)) = (&self.input_shape, first) {
            let name = format!("{}_input", first.core().name());
            entries.push(json!({
                "module": "keras.layers",
                "class_name": "InputLayer",
                "config": input_layer_config(&name, shape),
                "registered_name": null,
            }));
        }
        for layer in &self.layers {
            entries.push(layers::serialize(layer.as_ref())?);
        }
        Ok(json!({ "name": self.name, "layers": entries }))
    }

    /// The model a [`Sequential::get_config`] config describes, built when
    /// the config gives the input shape (an `InputLayer` entry, tf-keras's
    /// `batch_input_shape` on the first layer, or `build_input_shape`), like
    /// `tf.keras.Sequential.from_config(config)`.
    pub fn from_config(config: &Value) -> Result<Self> {
        let entries = config
            .get("layers")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                Error::invalid("Sequential.from_config", "the config lacks a `layers` list")
            })?;
        let mut input_shape = config.get("build_input_shape").and_then(shape_of);
        let mut layers = Vec::new();
        for entry in entries {
            if entry.get("class_name").and_then(Value::as_str) == Some("InputLayer") {
                input_shape = Some(input_batch_shape(entry)?);
                continue;
            }
            if layers.is_empty() && input_shape.is_none() {
                input_shape = entry
                    .get("config")
                    .and_then(|c| c.get("batch_input_shape"))
                    .and_then(shape_of);
            }
            layers.push(layers::deserialize(entry)?);
        }
        let mut model = Sequential::new(layers);
        if let Some(name) = config.get("name").and_then(Value::as_str) {
            model.set_name(name);
        }
        if let Some(shape) = input_shape {
            model.build(&shape)?;
        }
        Ok(model)
    }
}
