//! Symbolic differentiation in graphs, like TF1's `tf.gradients`: the same
//! gradient rules the tape uses, applied to graph outputs, add nodes.

use crate::graph::{NodeId, Output};
use crate::ops::{ArrayOps, MathOps};
use crate::{fail, GradArgs, Result, TensorOps};
use std::collections::{HashMap, HashSet};

/// The symbolic derivative of `sum(ys)` with respect to each of `xs`, like
/// `tf.gradients(ys, xs, grad_ys)`. `grad_ys` weights each y (ones when
/// `None`). An x that the ys do not depend on gets `None`. New nodes go
/// under the name scope `gradients/`.
///
/// ```
/// use ferroflow_core::graph::Graph;
/// use ferroflow_core::gradients::gradients;
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::session::Session;
/// let g = Graph::new();
/// let x = g.placeholder(DType::F32, [Some(2)], "x").unwrap();
/// let y = x.mul(&x).unwrap().reduce_sum(Axes::All, false).unwrap();
/// let dx = gradients(&[&y], &[&x], None).unwrap().remove(0).unwrap();
/// let out = Session::new(&g).run(&[&dx], &[(&x, Tensor::from([1.0f32, 3.0]))]).unwrap();
/// assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![2.0, 6.0]);
/// ```
pub fn gradients(
    ys: &[&Output],
    xs: &[&Output],
    grad_ys: Option<&[&Output]>,
) -> Result<Vec<Option<Output>>> {
    let Some(first) = ys.first() else {
        fail!("gradients", "ys must not be empty");
    };
    let graph = first.graph().clone();
    if ys.iter().chain(xs).any(|t| !t.graph().same_as(&graph)) {
        fail!("gradients", "ys and xs must be from the same graph");
    }
    if let Some(gy) = grad_ys {
        if gy.len() != ys.len() {
            fail!(
                "gradients",
                "grad_ys has {} tensors but ys has {}",
                gy.len(),
                ys.len()
            );
        }
    }
    let nodes = graph.nodes();
    let between = nodes_between(&nodes, ys, xs);

    let _scope = graph.name_scope("gradients");
    let mut pending: HashMap<(NodeId, usize), Vec<Output>> = HashMap::new();
    for (k, y) in ys.iter().enumerate() {
        if !y.dtype().is_float() {
            continue;
        }
        let g = match grad_ys {
            Some(gy) => gy[k].clone(),
            None => y.ones_like()?,
        };
        pending.entry(y.id()).or_default().push(g);
    }
    let keep: HashSet<(NodeId, usize)> = xs.iter().map(|x| x.id()).collect();
    let last = ys.iter().map(|y| y.id().0).max().unwrap_or(0);
    for n in (0..=last).rev() {
        if !between.contains(&n) {
            continue;
        }
        let node = &nodes[n];
        let outputs: Vec<Output> = (0..node.outputs.len())
            .map(|i| output(first, n, i))
            .collect();
        let mut out_grads = Vec::with_capacity(outputs.len());
        let mut any = false;
        for (i, o) in outputs.iter().enumerate() {
            let parts = if keep.contains(&(n, i)) {
                pending.get(&(n, i)).cloned()
            } else {
                pending.remove(&(n, i))
            };
            let g = parts.map(|p| sum_all(&p)).transpose()?;
            any |= g.is_some();
            out_grads.push((g, o));
        }
        if !any {
            continue;
        }
        let grads = out_grads
            .into_iter()
            .map(|(g, o)| match g {
                Some(g) => Ok(g),
                None => o.zeros_like(),
            })
            .collect::<Result<Vec<Output>>>()?;
        let inputs: Vec<Output> = node
            .inputs
            .iter()
            .map(|&(m, j)| output(first, m, j))
            .collect();
        let in_grads = {
            let _op_scope = graph.name_scope(&format!("{}_grad", node.name));
            node.op.gradient_graph(GradArgs {
                inputs: &inputs,
                outputs: &outputs,
                grads: &grads,
            })?
        };
        for (input, g) in inputs.iter().zip(in_grads) {
            if let Some(g) = g {
                if input.dtype().is_float() && between.contains(&input.id().0) {
                    pending.entry(input.id()).or_default().push(g);
                }
            }
        }
    }
    xs.iter()
        .map(|x| pending.get(&x.id()).map(|p| sum_all(p)).transpose())
        .collect()
}

fn output(like: &Output, node: NodeId, index: usize) -> Output {
    Output {
        graph: like.graph().clone(),
        node,
        index,
    }
}

/// Adds up gradient contributions (`AddN` in TensorFlow).
fn sum_all(parts: &[Output]) -> Result<Output> {
    let mut total = parts[0].clone();
    for p in &parts[1..] {
        total = total.add(p)?;
    }
    Ok(total)
}

/// Nodes on some path from an x to a y (xs' own nodes included).
fn nodes_between(nodes: &[crate::graph::Node], ys: &[&Output], xs: &[&Output]) -> HashSet<NodeId> {
    let mut consumers: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
    for (id, node) in nodes.iter().enumerate() {
        for &(m, _) in &node.inputs {
            consumers.entry(m).or_default().push(id);
        }
    }
    let mut from_x = HashSet::new();
    let mut stack: Vec<NodeId> = xs.iter().map(|x| x.id().0).collect();
    while let Some(n) = stack.pop() {
        if from_x.insert(n) {
            stack.extend(consumers.get(&n).into_iter().flatten().copied());
        }
    }
    let mut to_y = HashSet::new();
    let mut stack: Vec<NodeId> = ys.iter().map(|y| y.id().0).collect();
    while let Some(n) = stack.pop() {
        if to_y.insert(n) {
            stack.extend(nodes[n].inputs.iter().map(|i| i.0));
        }
    }
    from_x.intersection(&to_y).copied().collect()
}
