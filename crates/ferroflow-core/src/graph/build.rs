//! Adding nodes to a graph and finding them by name.

use super::{Graph, Node, Operation, Output};
use crate::ops::{Const, NoOp, Placeholder};
use crate::{fail, Error, Op, PartialShape, Result, TensorOps, TensorSpec};
use ferroflow_tensor::{DType, Tensor};
use std::sync::Arc;

impl Graph {
    /// Adds a node running `op` on `inputs`, named `name` (or the op's
    /// default name) inside the current name scope, made unique; the
    /// current control dependencies and device apply. Returns its outputs.
    pub fn add_op(
        &self,
        op: Arc<dyn Op>,
        inputs: &[&Output],
        name: Option<&str>,
    ) -> Result<Vec<Output>> {
        let name = name.map_or(NodeName::Default, NodeName::Scoped);
        Ok(self.add_node(op, inputs, name)?.1)
    }

    /// Like [`Graph::add_op`], also returning the new node's id.
    pub(crate) fn add_node(
        &self,
        op: Arc<dyn Op>,
        inputs: &[&Output],
        name: NodeName<'_>,
    ) -> Result<(usize, Vec<Output>)> {
        let mut local = Vec::with_capacity(inputs.len());
        for (i, x) in inputs.iter().enumerate() {
            match self.capture(x)? {
                Some(x) => local.push(x),
                None => fail!(
                    op.default_name(),
                    "input #{i} ({}) must be from the same graph as the op",
                    x.name()
                ),
            }
        }
        let inputs: Vec<&Output> = local.iter().collect();
        let mut g = self.lock();
        let specs: Vec<TensorSpec> = inputs
            .iter()
            .map(|x| g.nodes[x.node].outputs[x.index].clone())
            .collect();
        let (full, exact) = match name {
            NodeName::Exact(n) => (n.to_string(), true),
            NodeName::Scoped(n) => (format!("{}{n}", g.name_stack), false),
            NodeName::Default => (format!("{}{}", g.name_stack, op.default_name()), false),
        };
        let outputs = op.infer(&specs).map_err(|e| rename_error(e, &full))?;
        let unique = if exact {
            if g.by_name.contains_key(&full) {
                fail!(
                    op.default_name(),
                    "an operation named '{full}' already exists"
                );
            }
            if !g.names.is_used(&full) {
                g.names.unique(&full);
            }
            full
        } else {
            g.names.unique(&full)
        };
        let mut control_inputs: Vec<usize> = g.control_stack.iter().flatten().copied().collect();
        control_inputs.sort_unstable();
        control_inputs.dedup();
        let device = g.device_stack.last().cloned().unwrap_or_default();
        let id = g.nodes.len();
        let n_out = outputs.len();
        g.by_name.insert(unique.clone(), id);
        g.nodes.push(Node {
            name: unique,
            op,
            inputs: inputs.iter().map(|x| (x.node, x.index)).collect(),
            control_inputs,
            outputs,
            device,
        });
        drop(g);
        let outputs = (0..n_out)
            .map(|index| Output {
                graph: self.clone(),
                node: id,
                index,
            })
            .collect();
        Ok((id, outputs))
    }

    /// `x` as a tensor of this graph: itself, or, when it belongs to an
    /// enclosing graph, the placeholder capturing it (made on first use).
    /// `None` if `x` is from an unrelated graph.
    pub(crate) fn capture(&self, x: &Output) -> Result<Option<Output>> {
        if x.graph.same_as(self) {
            return Ok(Some(x.clone()));
        }
        let Some(parent) = self.parent() else {
            return Ok(None);
        };
        let Some(outer) = parent.capture(x)? else {
            return Ok(None);
        };
        let key = (outer.node, outer.index);
        let found = self
            .lock()
            .captures
            .iter()
            .find(|c| c.0 == key)
            .map(|c| c.1);
        let node = match found {
            Some(node) => node,
            None => {
                let spec = outer.spec();
                let placeholder = Placeholder {
                    dtype: spec.dtype,
                    shape: spec.shape,
                };
                let (node, _) = self.add_node(Arc::new(placeholder), &[], NodeName::Default)?;
                self.lock().captures.push((key, node));
                node
            }
        };
        Ok(Some(Output {
            graph: self.clone(),
            node,
            index: 0,
        }))
    }

    /// Adds a node and returns it as an operation (for ops with no outputs,
    /// such as initializers).
    pub fn add_operation(
        &self,
        op: Arc<dyn Op>,
        inputs: &[&Output],
        name: &str,
    ) -> Result<Operation> {
        let (node, _) = self.add_node(op, inputs, NodeName::Scoped(name))?;
        Ok(Operation {
            graph: self.clone(),
            node,
        })
    }

    /// Adds a single-output op.
    pub fn add_op1(&self, op: impl Op, inputs: &[&Output], name: Option<&str>) -> Result<Output> {
        Ok(self.add_op(Arc::new(op), inputs, name)?.swap_remove(0))
    }

    /// A constant node, like `tf.constant(value, name=name)`.
    pub fn constant(&self, value: impl Into<Tensor>, name: &str) -> Result<Output> {
        self.add_op1(
            Const {
                value: value.into(),
            },
            &[],
            Some(name),
        )
    }

    /// A placeholder, like `tf.placeholder(dtype, shape, name)`; `shape`
    /// may have unknown dimensions (`&[None, Some(784)]`) or be
    /// `PartialShape::unknown()`.
    pub fn placeholder(
        &self,
        dtype: DType,
        shape: impl Into<PartialShape>,
        name: &str,
    ) -> Result<Output> {
        self.add_op1(
            Placeholder {
                dtype,
                shape: shape.into(),
            },
            &[],
            Some(name),
        )
    }

    /// A node that does nothing but wait for `deps`, like `tf.group`.
    pub fn group(&self, deps: &[&Operation], name: &str) -> Result<Operation> {
        let _deps = self.control_dependencies(deps);
        self.add_operation(Arc::new(NoOp), &[], name)
    }

    /// The tensor named `op_name:index`, like `get_tensor_by_name`.
    pub fn get_tensor_by_name(&self, name: &str) -> Result<Output> {
        let Some((op_name, index)) = name.rsplit_once(':') else {
            fail!(
                "get_tensor_by_name",
                "The name '{name}' refers to an Operation, not a Tensor. Tensor names must be of the form \"<op_name>:<output_index>\"."
            );
        };
        let index: usize = index.parse().map_err(|_| {
            Error::invalid("get_tensor_by_name", format!("The name '{name}' looks like a Tensor name, but '{index}' is not a valid output index"))
        })?;
        self.get_operation_by_name(op_name)?.output(index)
    }

    /// The operation named `name`, like `get_operation_by_name`.
    pub fn get_operation_by_name(&self, name: &str) -> Result<Operation> {
        let g = self.lock();
        match g.by_name.get(name) {
            Some(&node) => Ok(Operation {
                graph: self.clone(),
                node,
            }),
            None => fail!(
                "get_operation_by_name",
                "The name '{name}' refers to an Operation not in the graph."
            ),
        }
    }

    /// All operations, in creation order.
    pub fn get_operations(&self) -> Vec<Operation> {
        (0..self.num_nodes())
            .map(|node| Operation {
                graph: self.clone(),
                node,
            })
            .collect()
    }
}

/// How a new node is named.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NodeName<'a> {
    /// The op's default name in the current scope, made unique.
    Default,
    /// This name in the current scope, made unique.
    Scoped(&'a str),
    /// Exactly this name, with no scope (variables name their node so).
    Exact(&'a str),
}

/// Re-labels a shape-rule error with the node's name.
fn rename_error(e: Error, node: &str) -> Error {
    match e {
        Error::InvalidArgument { msg, .. } => Error::InvalidArgument {
            op: node.to_string(),
            msg,
        },
        Error::Tensor(t) => Error::Tensor(t.with_op(node)),
        other => other,
    }
}
