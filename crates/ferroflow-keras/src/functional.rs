//! The functional API: a model as a DAG of layer calls on symbolic
//! inputs, with several inputs and outputs (residual blocks, merges).

use crate::layer::{unique_name, Layer};
use crate::layers::{self, input_batch_shape, Input};
use crate::model::{Compiled, Model};
use ferroflow_core::graph::Output;
use ferroflow_core::{Error, Result};
use ferroflow_tensor::Tensor;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A symbolic tensor: the output of an `Input` or a layer call while a
/// [`Functional`] model is being defined. It knows its static shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerasTensor {
    node: usize,
    shape: Vec<Option<usize>>,
}

impl KerasTensor {
    /// The static shape, batch first.
    pub fn shape(&self) -> &[Option<usize>] {
        &self.shape
    }
}

/// One layer call: the layer (index) and the nodes it reads.
struct Node {
    layer: usize,
    inputs: Vec<usize>,
}

/// A model defined by calling layers on symbolic tensors, like
/// `tf.keras.Model(inputs, outputs)`.
///
/// ```
/// use ferroflow_keras::layers::{Dense, Merge};
/// use ferroflow_keras::{Functional, Model};
/// use ferroflow_core::prelude::*;
/// let mut m = Functional::new();
/// let x = m.input(&[Some(4)]);
/// let h = m.apply(Box::new(Dense::new(4).activation("relu")), &[&x]).unwrap();
/// let y = m.apply(Box::new(Merge::add()), &[&x, &h]).unwrap(); // a residual block
/// m.set_outputs(&[&y]).unwrap();
/// assert_eq!(m.count_params(), 20);
/// let out = m.predict(&Tensor::from_vec(vec![1.0f32; 8], [2, 4]).unwrap(), 32).unwrap();
/// assert_eq!(out.dims(), &[2, 4]);
/// ```
pub struct Functional {
    name: String,
    layers: Vec<Box<dyn Layer>>,
    nodes: Vec<Node>,
    inputs: Vec<usize>,
    outputs: Vec<usize>,
    compiled: Option<Compiled>,
}

impl Functional {
    /// An empty model; add inputs, call layers, then set the outputs.
    pub fn new() -> Self {
        Functional {
            name: unique_name("model"),
            layers: Vec::new(),
            nodes: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            compiled: None,
        }
    }

    /// A new model input with per-example `shape`, like `tf.keras.Input(shape)`.
    pub fn input(&mut self, shape: &[Option<usize>]) -> KerasTensor {
        let input = Input::new(shape);
        let batch_shape = input.batch_shape();
        self.layers.push(Box::new(input));
        self.nodes.push(Node {
            layer: self.layers.len() - 1,
            inputs: Vec::new(),
        });
        let node = self.nodes.len() - 1;
        self.inputs.push(node);
        KerasTensor {
            node,
            shape: batch_shape,
        }
    }

    /// A new model input named `name`, like `tf.keras.Input(shape, name=name)`.
    pub fn named_input(&mut self, shape: &[Option<usize>], name: &str) -> KerasTensor {
        let tensor = self.input(shape);
        let input = self.layers.last_mut().expect("input() adds a layer");
        input.core_mut().set_name(name);
        tensor
    }

    /// Renames the model (`tf.keras.Model(inputs, outputs, name=name)`).
    pub fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    /// Calls `layer` on `inputs` (one, or several for merge layers),
    /// building it from their shapes, like `layer(x)` on Keras tensors.
    pub fn apply(
        &mut self,
        mut layer: Box<dyn Layer>,
        inputs: &[&KerasTensor],
    ) -> Result<KerasTensor> {
        if let Some(bad) = inputs.iter().find(|t| t.node >= self.nodes.len()) {
            return Err(Error::invalid(
                "Functional",
                format!(
                    "tensor of node {} does not belong to model '{}'",
                    bad.node, self.name
                ),
            ));
        }
        let shapes: Vec<Vec<Option<usize>>> = inputs.iter().map(|t| t.shape.clone()).collect();
        let shape = layer.build_once_multi(&shapes)?;
        self.layers.push(layer);
        self.nodes.push(Node {
            layer: self.layers.len() - 1,
            inputs: inputs.iter().map(|t| t.node).collect(),
        });
        Ok(KerasTensor {
            node: self.nodes.len() - 1,
            shape,
        })
    }

    /// Sets the model's outputs.
    pub fn set_outputs(&mut self, outputs: &[&KerasTensor]) -> Result<()> {
        if outputs.is_empty() || outputs.iter().any(|t| t.node >= self.nodes.len()) {
            return Err(Error::invalid(
                "Functional",
                format!("model '{}' needs outputs among its own tensors", self.name),
            ));
        }
        self.outputs = outputs.iter().map(|t| t.node).collect();
        Ok(())
    }

    /// The names of the layers of `nodes`.
    fn layer_names(&self, nodes: &[usize]) -> Vec<String> {
        nodes
            .iter()
            .map(|&n| self.layers[self.nodes[n].layer].core().name().to_string())
            .collect()
    }

    /// Runs the DAG on one tensor per input; one tensor per output.
    pub fn call_multi(&mut self, inputs: &[&Tensor], training: bool) -> Result<Vec<Tensor>> {
        self.run(inputs, |layer, args| layer.call_recorded(args, training))
    }

    /// Runs the DAG on graph tensors, one per input, like calling a Keras
    /// functional model on placeholders in a TF1 graph: each layer's ops go
    /// under its name scope and its weights become variables of the graph,
    /// starting from their eager values (see [`crate::Sequential::call_graph`]).
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_keras::layers::{Dense, Merge};
    /// use ferroflow_keras::Functional;
    /// let mut m = Functional::new();
    /// let x = m.input(&[Some(4)]);
    /// let h = m.apply(Box::new(Dense::new(4).activation("relu")), &[&x]).unwrap();
    /// let y = m.apply(Box::new(Merge::add()), &[&x, &h]).unwrap();
    /// m.set_outputs(&[&y]).unwrap();
    /// let g = Graph::new();
    /// let px = g.placeholder(DType::F32, [None, Some(4)], "x").unwrap();
    /// let out = m.call_graph(&[&px], true).unwrap();
    /// assert_eq!(out[0].static_shape().to_string(), "(?, 4)");
    /// assert_eq!(g.trainable_variables().len(), 2);
    /// ```
    pub fn call_graph(&mut self, inputs: &[&Output], training: bool) -> Result<Vec<Output>> {
        self.run(inputs, |layer, args| {
            layer.apply_graph_multi(args, training)
        })
    }

    /// Runs the DAG on one handle per input with `call` (a layer and its
    /// arguments); one handle per output.
    fn run<H: Clone>(
        &mut self,
        inputs: &[&H],
        mut call: impl FnMut(&mut dyn Layer, &[&H]) -> Result<H>,
    ) -> Result<Vec<H>> {
        if inputs.len() != self.inputs.len() || self.outputs.is_empty() {
            return Err(Error::invalid(
                "Functional",
                format!(
                    "model '{}' expects {} inputs (and set outputs), but it received {} input tensors",
                    self.name,
                    self.inputs.len(),
                    inputs.len()
                ),
            ));
        }
        let mut values: Vec<Option<H>> = vec![None; self.nodes.len()];
        for (&node, &x) in self.inputs.iter().zip(inputs) {
            let layer = self.layers[self.nodes[node].layer].as_mut();
            values[node] = Some(call(layer, &[x])?);
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if node.inputs.is_empty() {
                continue;
            }
            let args: Vec<&H> = node
                .inputs
                .iter()
                .map(|&j| values[j].as_ref().expect("nodes are stored in call order"))
                .collect();
            let value = call(self.layers[node.layer].as_mut(), &args)?;
            values[i] = Some(value);
        }
        Ok(self
            .outputs
            .iter()
            .map(|&o| values[o].clone().expect("every node was computed"))
            .collect())
    }
}

impl Default for Functional {
    fn default() -> Self {
        Functional::new()
    }
}

impl Model for Functional {
    /// The first output on the single input (several inputs: [`Functional::call_multi`]).
    fn call(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        Ok(self.call_multi(&[x], training)?.swap_remove(0))
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
    /// The `Input` layers' names.
    fn input_names(&self) -> Vec<String> {
        self.layer_names(&self.inputs)
    }
    /// The names of the layers whose outputs are the model's outputs.
    fn output_names(&self) -> Vec<String> {
        self.layer_names(&self.outputs)
    }
    fn call_inputs(&mut self, inputs: &[Tensor], training: bool) -> Result<Vec<Tensor>> {
        let refs: Vec<&Tensor> = inputs.iter().collect();
        self.call_multi(&refs, training)
    }
    fn serialize(&self) -> Result<Value> {
        Ok(json!({
            "module": "keras.src.models.functional",
            "class_name": "Functional",
            "config": self.get_config()?,
            "registered_name": "Functional",
            "backend": "tensorflow",
        }))
    }
}

/// The errors of [`Functional::from_config`].
fn config_error(msg: impl std::fmt::Display) -> Error {
    Error::invalid("Functional.from_config", msg.to_string())
}

/// `[layer_name, node_index, tensor_index]` lists, in tf-keras's layout.
fn history(names: &[&str]) -> Value {
    json!(names.iter().map(|n| json!([n, 0, 0])).collect::<Vec<_>>())
}

/// The layer names a `[name, node_index, tensor_index, ...]` history
/// (tf-keras) or a `__keras_tensor__` (Keras 3) points at; only the first
/// call of single-output layers exists here.
fn source(value: &Value) -> Result<String> {
    let history = match value.get("config") {
        Some(config) => config.get("keras_history").unwrap_or(&Value::Null),
        None => value,
    };
    match history.as_array().map(Vec::as_slice) {
        Some([Value::String(name), node, tensor, ..]) => {
            if node.as_u64() != Some(0) || tensor.as_u64() != Some(0) {
                return Err(config_error(format!(
                    "{history}: shared layers and layers with several outputs are not supported"
                )));
            }
            Ok(name.clone())
        }
        _ => Err(config_error(format!(
            "expected a [layer_name, node_index, tensor_index] reference, got {value}"
        ))),
    }
}

/// The names of the layers a serialized layer reads (`inbound_nodes`).
fn inbound(entry: &Value) -> Result<Vec<String>> {
    let nodes = match entry.get("inbound_nodes") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(nodes)) => nodes,
        Some(other) => return Err(config_error(format!("bad inbound_nodes {other}"))),
    };
    let node = match nodes.as_slice() {
        [] => return Ok(Vec::new()),
        [node] => node,
        _ => {
            return Err(config_error(format!(
                "layer {} is called {} times: shared layers are not supported",
                entry.get("name").unwrap_or(&Value::Null),
                nodes.len()
            )))
        }
    };
    // Keras 3: {"args": [tensor or [tensors]], "kwargs": {}}; tf-keras: [[name, 0, 0, {}], ...].
    let refs: Vec<&Value> = match node.get("args").and_then(Value::as_array) {
        Some(args) => match args.as_slice() {
            [Value::Array(list)] => list.iter().collect(),
            args => args.iter().collect(),
        },
        None => node
            .as_array()
            .ok_or_else(|| config_error(format!("bad inbound node {node}")))?
            .iter()
            .collect(),
    };
    refs.into_iter().map(source).collect()
}

/// `input_layers`/`output_layers`: one `[name, 0, 0]` (Keras 3 with one
/// tensor) or a list of them.
fn endpoints(config: &Value, key: &str) -> Result<Vec<String>> {
    match config.get(key).and_then(Value::as_array) {
        Some(list) if list.first().is_some_and(Value::is_string) => Ok(vec![source(&json!(list))?]),
        Some(list) => list.iter().map(source).collect(),
        None => Err(config_error(format!("the config lacks `{key}`"))),
    }
}

impl Functional {
    /// The model's config in Keras's layout, like `model.get_config()`:
    /// `layers` (each with its `name` and the `inbound_nodes` it reads),
    /// `input_layers` and `output_layers`.
    ///
    /// ```
    /// use ferroflow_keras::layers::{Dense, Merge};
    /// use ferroflow_keras::{Functional, Model};
    /// let mut m = Functional::new();
    /// let x = m.input(&[Some(4)]);
    /// let h = m.apply(Box::new(Dense::new(4).name("hidden")), &[&x]).unwrap();
    /// let y = m.apply(Box::new(Merge::add()), &[&x, &h]).unwrap();
    /// m.set_outputs(&[&y]).unwrap();
    /// let config = m.get_config().unwrap();
    /// assert_eq!(config["layers"][2]["inbound_nodes"][0][1][0], "hidden");
    /// let copy = Functional::from_config(&config).unwrap();
    /// assert_eq!(copy.count_params(), 20);
    /// ```
    pub fn get_config(&self) -> Result<Value> {
        let name = |node: usize| self.layers[self.nodes[node].layer].core().name();
        let mut entries = Vec::new();
        for node in &self.nodes {
            let layer = self.layers[node.layer].as_ref();
            let mut entry = layers::serialize(layer)?;
            let inbound: Vec<Value> = node
                .inputs
                .iter()
                .map(|&i| json!([name(i), 0, 0, {}]))
                .collect();
            entry["name"] = json!(layer.core().name());
            entry["inbound_nodes"] = match inbound.is_empty() {
                true => json!([]),
                false => json!([inbound]),
            };
            entries.push(entry);
        }
        let names = |nodes: &[usize]| nodes.iter().map(|&n| name(n)).collect::<Vec<_>>();
        Ok(json!({
            "name": self.name,
            "trainable": true,
            "layers": entries,
            "input_layers": history(&names(&self.inputs)),
            "output_layers": history(&names(&self.outputs)),
        }))
    }

    /// The model a functional config describes (written here, by tf-keras
    /// 2.x or by Keras 3), built, like `tf.keras.Model.from_config(config)`.
    /// Layers may come in any order that respects their inputs.
    pub fn from_config(config: &Value) -> Result<Self> {
        let entries = config
            .get("layers")
            .and_then(Value::as_array)
            .ok_or_else(|| config_error("the config lacks a `layers` list"))?;
        let layer_name = |entry: &Value| {
            entry
                .get("name")
                .or_else(|| entry.get("config")?.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| config_error(format!("a layer without a name: {entry}")))
        };
        let mut model = Functional::new();
        if let Some(name) = config.get("name").and_then(Value::as_str) {
            model.set_name(name);
        }
        // Layers are made in the config's order, each once its inputs exist,
        // so `layers` lists them as Keras does.
        let mut pending = entries
            .iter()
            .map(|entry| Ok((layer_name(entry)?, entry, inbound(entry)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut tensors: HashMap<String, KerasTensor> = HashMap::new();
        while !pending.is_empty() {
            let ready = pending
                .iter()
                .position(|(_, _, inputs)| inputs.iter().all(|i| tensors.contains_key(i)))
                .ok_or_else(|| {
                    config_error(format!(
                        "layer '{}' reads tensors no layer produces",
                        pending[0].0
                    ))
                })?;
            let (name, entry, inputs) = pending.remove(ready);
            let tensor = if entry.get("class_name").and_then(Value::as_str) == Some("InputLayer") {
                let shape = input_batch_shape(entry)?;
                model.named_input(shape.get(1..).unwrap_or_default(), &name)
            } else {
                let args: Vec<&KerasTensor> = inputs.iter().map(|i| &tensors[i]).collect();
                model.apply(layers::deserialize(entry)?, &args)?
            };
            tensors.insert(name, tensor);
        }
        let tensor = |name: &String, role: &str| {
            tensors.get(name).ok_or_else(|| {
                config_error(format!("{role} layer '{name}' is not among the layers"))
            })
        };
        model.inputs = endpoints(config, "input_layers")?
            .iter()
            .map(|name| tensor(name, "input").map(|t| t.node))
            .collect::<Result<_>>()?;
        let outputs = endpoints(config, "output_layers")?
            .iter()
            .map(|name| tensor(name, "output"))
            .collect::<Result<Vec<_>>>()?;
        model.set_outputs(&outputs)?;
        Ok(model)
    }
}
