//! The functional API: a model as a DAG of layer calls on symbolic
//! inputs, with several inputs and outputs (residual blocks, merges).

use crate::layer::{unique_name, Layer};
use crate::layers::Input;
use crate::model::{Compiled, Model};
use ferroflow_core::{Error, Result};
use ferroflow_tensor::Tensor;

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

    /// Runs the DAG on one tensor per input; one tensor per output.
    pub fn call_multi(&mut self, inputs: &[&Tensor], training: bool) -> Result<Vec<Tensor>> {
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
        let mut values: Vec<Option<Tensor>> = vec![None; self.nodes.len()];
        for (&node, x) in self.inputs.iter().zip(inputs) {
            let layer = &mut self.layers[self.nodes[node].layer];
            layer.core().clear_added();
            values[node] = Some(layer.call(x, training)?);
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if node.inputs.is_empty() {
                continue;
            }
            let args: Vec<&Tensor> = node
                .inputs
                .iter()
                .map(|&j| values[j].as_ref().expect("nodes are stored in call order"))
                .collect();
            let layer = &self.layers[node.layer];
            layer.core().clear_added();
            let _scope = ferroflow_core::trace::name_scope(layer.core().name());
            values[i] = Some(layer.call_multi(&args, training)?);
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
}
