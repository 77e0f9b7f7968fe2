//! Merge layers: `Add`, `Multiply`, `Concatenate`, called on several
//! inputs, eagerly or in a graph.

use super::config::layer_config;
use super::core_accessors;
use crate::layer::{Layer, LayerCore};
use ferroflow_core::graph::Output;
use ferroflow_core::prelude::*;
use ferroflow_core::Result;
use serde_json::json;

/// Keras's error for a merge layer given one tensor.
fn needs_list(core: &LayerCore) -> ferroflow_core::Error {
    core.error("A merge layer should be called on a list of inputs.")
}

/// `fn call_multi` and `fn call_multi_graph` of a merge layer whose
/// forward pass is one generic `fn forward<H: TensorOps>(&self, inputs: &[&H])`.
macro_rules! merge_calls {
    () => {
        fn call_multi(&self, inputs: &[&Tensor], _training: bool) -> Result<Tensor> {
            self.forward(inputs)
        }
        fn call_multi_graph(&self, inputs: &[&Output], _training: bool) -> Result<Output> {
            self.forward(inputs)
        }
    };
}

/// Which element-wise merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elementwise {
    Add,
    Multiply,
}

/// The element-wise sum or product of inputs of one shape, like
/// `tf.keras.layers.Add()` and `Multiply()`.
///
/// ```
/// use ferroflow_keras::layers::Merge;
/// use ferroflow_keras::Layer;
/// use ferroflow_core::prelude::*;
/// let mut add = Merge::add();
/// let (a, b) = (Tensor::from_vec(vec![1.0f32, 2.0], [1, 2]).unwrap(), Tensor::from_vec(vec![3.0f32, 4.0], [1, 2]).unwrap());
/// add.build_once_multi(&[vec![None, Some(2)], vec![None, Some(2)]]).unwrap();
/// assert_eq!(add.call_multi(&[&a, &b], false).unwrap().to_vec::<f32>().unwrap(), vec![4.0, 6.0]);
/// ```
pub struct Merge {
    core: LayerCore,
    op: Elementwise,
}

impl Merge {
    /// `Add()`.
    pub fn add() -> Self {
        Merge {
            core: LayerCore::new("add"),
            op: Elementwise::Add,
        }
    }
    /// `Multiply()`.
    pub fn multiply() -> Self {
        Merge {
            core: LayerCore::new("multiply"),
            op: Elementwise::Multiply,
        }
    }
}

impl Layer for Merge {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        match self.op {
            Elementwise::Add => "Add",
            Elementwise::Multiply => "Multiply",
        }
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(&self.core, json!({})))
    }
    fn build(&mut self, _input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        Err(needs_list(&self.core))
    }
    fn call(&self, _x: &Tensor, _training: bool) -> Result<Tensor> {
        Err(needs_list(&self.core))
    }
    fn build_multi(&mut self, shapes: &[Vec<Option<usize>>]) -> Result<Vec<Option<usize>>> {
        let Some(first) = shapes.first().filter(|_| shapes.len() >= 2) else {
            return Err(needs_list(&self.core));
        };
        if let Some(other) = shapes.iter().find(|s| *s != first) {
            return Err(self.core.error(format!(
                "Inputs must have the same shape; got {first:?} and {other:?}"
            )));
        }
        Ok(first.clone())
    }
    merge_calls!();
}

impl Merge {
    /// The forward pass, eager or in a graph: the running sum or product
    /// (shapes must agree where known).
    fn forward<H: TensorOps>(&self, inputs: &[&H]) -> Result<H> {
        let [first, rest @ ..] = inputs else {
            return Err(needs_list(&self.core));
        };
        rest.iter().try_fold((*first).clone(), |acc, x| {
            let (a, b) = (acc.static_shape(), x.static_shape());
            if !a.is_compatible_with(&b) {
                return Err(self
                    .core
                    .error(format!("Inputs must have the same shape; got {a} and {b}")));
            }
            match self.op {
                Elementwise::Add => acc.add(x),
                Elementwise::Multiply => acc.mul(x),
            }
        })
    }
}

/// Joins inputs along `axis` (default -1), like
/// `tf.keras.layers.Concatenate(axis)`.
pub struct Concatenate {
    core: LayerCore,
    axis: i64,
}

impl Concatenate {
    /// Concatenation along `axis` (negative counts from the end).
    pub fn new(axis: i64) -> Self {
        Concatenate {
            core: LayerCore::new("concatenate"),
            axis,
        }
    }

    fn axis(&self, rank: usize) -> Result<usize> {
        let axis = if self.axis < 0 {
            self.axis + rank as i64
        } else {
            self.axis
        };
        if axis <= 0 || axis >= rank as i64 {
            return Err(self.core.error(format!(
                "axis {} is out of range for inputs of rank {rank} (the batch axis cannot be joined)",
                self.axis
            )));
        }
        Ok(axis as usize)
    }
}

impl Layer for Concatenate {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Concatenate"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(&self.core, json!({ "axis": self.axis })))
    }
    fn build(&mut self, _input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        Err(needs_list(&self.core))
    }
    fn call(&self, _x: &Tensor, _training: bool) -> Result<Tensor> {
        Err(needs_list(&self.core))
    }
    fn build_multi(&mut self, shapes: &[Vec<Option<usize>>]) -> Result<Vec<Option<usize>>> {
        let Some(first) = shapes.first().filter(|_| shapes.len() >= 2) else {
            return Err(needs_list(&self.core));
        };
        let axis = self.axis(first.len())?;
        let mut out = first.clone();
        for s in &shapes[1..] {
            let same_elsewhere = s.len() == first.len()
                && s.iter()
                    .zip(first)
                    .enumerate()
                    .all(|(i, (a, b))| i == axis || a == b);
            if !same_elsewhere {
                return Err(self.core.error(format!(
                    "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape={shapes:?}"
                )));
            }
            out[axis] = out[axis].zip(s[axis]).map(|(a, b)| a + b);
        }
        Ok(out)
    }
    merge_calls!();
}

impl Concatenate {
    /// The forward pass, eager or in a graph: `concat` along the axis.
    fn forward<H: TensorOps>(&self, inputs: &[&H]) -> Result<H> {
        let Some(first) = inputs.first().filter(|_| inputs.len() >= 2) else {
            return Err(needs_list(&self.core));
        };
        let axis = self.axis(self.core.static_dims(*first)?.len())?;
        concat(inputs, axis as i64).map_err(|e| self.core.error(e))
    }
}
