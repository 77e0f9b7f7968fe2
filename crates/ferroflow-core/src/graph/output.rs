//! Handles to graph nodes: `Output` (a node's output, `name:index`) and
//! `Operation` (a node).

use super::{Graph, Node, NodeId};
use crate::{fail, Error, Op, Result, TensorOps, TensorSpec};
use ferroflow_tensor::Tensor;
use std::sync::Arc;

/// A symbolic tensor: output `index` of a node, like a TF1 `tf.Tensor`.
/// Op methods on it add nodes to its graph.
#[derive(Clone)]
pub struct Output {
    pub(crate) graph: Graph,
    pub(crate) node: NodeId,
    pub(crate) index: usize,
}

/// A node of a graph, like a TF1 `tf.Operation`.
#[derive(Clone)]
pub struct Operation {
    pub(crate) graph: Graph,
    pub(crate) node: NodeId,
}

impl Output {
    /// The graph it belongs to.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The producing node.
    pub fn op(&self) -> Operation {
        Operation {
            graph: self.graph.clone(),
            node: self.node,
        }
    }

    /// The node id and output index.
    pub fn id(&self) -> (NodeId, usize) {
        (self.node, self.index)
    }

    /// `op_name:index`, e.g. `layer_1/MatMul:0`.
    pub fn name(&self) -> String {
        format!("{}:{}", self.op().name(), self.index)
    }

    /// The static shape, like TF1's `get_shape()`: `(?, 10)`.
    pub fn get_shape(&self) -> crate::PartialShape {
        self.spec().shape
    }

    /// Refines the static shape with more specific information, like TF1's
    /// `set_shape`; an incompatible shape is an error.
    pub fn set_shape(&self, shape: &crate::PartialShape) -> Result<()> {
        let mut g = self.graph.lock();
        let spec = &mut g.nodes[self.node].outputs[self.index];
        let merged = spec.shape.merge_with(shape).map_err(|_| {
            Error::invalid(
                "set_shape",
                format!("Shapes {} and {} are incompatible", spec.shape, shape),
            )
        })?;
        spec.shape = merged;
        Ok(())
    }
}

impl Operation {
    fn with_node<R>(&self, f: impl FnOnce(&Node) -> R) -> R {
        f(&self.graph.lock().nodes[self.node])
    }

    /// The node's unique name.
    pub fn name(&self) -> String {
        self.with_node(|n| n.name.clone())
    }

    /// The TensorFlow op type (`MatMul`).
    pub fn op_type(&self) -> &'static str {
        self.with_node(|n| n.op.op_type())
    }

    /// The op definition.
    pub fn op_def(&self) -> Arc<dyn Op> {
        self.with_node(|n| n.op.clone())
    }

    /// The requested device (canonical form), or empty.
    pub fn device(&self) -> String {
        self.with_node(|n| n.device.clone())
    }

    /// The node id.
    pub fn id(&self) -> NodeId {
        self.node
    }

    /// The graph it belongs to.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Number of outputs.
    pub fn num_outputs(&self) -> usize {
        self.with_node(|n| n.outputs.len())
    }

    /// Output `index`, or an error saying how many outputs there are.
    pub fn output(&self, index: usize) -> Result<Output> {
        let n = self.num_outputs();
        if index >= n {
            fail!(
                "Operation.output",
                "The operation '{}' has {n} outputs; output {index} does not exist",
                self.name()
            );
        }
        Ok(Output {
            graph: self.graph.clone(),
            node: self.node,
            index,
        })
    }

    /// The data inputs.
    pub fn inputs(&self) -> Vec<Output> {
        self.with_node(|n| n.inputs.clone())
            .into_iter()
            .map(|(node, index)| Output {
                graph: self.graph.clone(),
                node,
                index,
            })
            .collect()
    }

    /// The control inputs.
    pub fn control_inputs(&self) -> Vec<Operation> {
        self.with_node(|n| n.control_inputs.clone())
            .into_iter()
            .map(|node| Operation {
                graph: self.graph.clone(),
                node,
            })
            .collect()
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let spec = self.spec();
        write!(
            f,
            "Tensor(\"{}\", shape={}, dtype={})",
            self.name(),
            spec.shape,
            spec.dtype
        )
    }
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<tf.Operation '{}' type={}>",
            self.name(),
            self.op_type()
        )
    }
}

impl PartialEq for Output {
    fn eq(&self, other: &Output) -> bool {
        self.graph.same_as(&other.graph) && self.node == other.node && self.index == other.index
    }
}

impl PartialEq for Operation {
    fn eq(&self, other: &Operation) -> bool {
        self.graph.same_as(&other.graph) && self.node == other.node
    }
}

impl TensorOps for Output {
    fn apply(op: Arc<dyn Op>, inputs: &[&Output]) -> Result<Vec<Output>> {
        let Some(graph) = innermost_graph(inputs) else {
            fail!(
                op.default_name(),
                "a graph op without inputs needs a graph: use Graph::add_op"
            );
        };
        graph.add_op(op, inputs, None)
    }

    fn spec(&self) -> TensorSpec {
        self.graph.lock().nodes[self.node].outputs[self.index].clone()
    }

    fn constant_like(&self, value: Tensor) -> Result<Output> {
        self.graph.constant(value, "Const")
    }
}

/// The innermost graph of `outputs`' graphs, where an op on them goes: ops
/// in a function graph may use tensors of the graphs around it.
pub(crate) fn innermost_graph(outputs: &[&Output]) -> Option<Graph> {
    let mut graph = &outputs.first()?.graph;
    for x in outputs {
        if x.graph.is_within(graph) {
            graph = &x.graph;
        }
    }
    Some(graph.clone())
}
