//! Function graphs: a `cond` branch or a loop body traced into a child
//! graph, run by its control-flow op's kernel.
//!
//! A function graph's ops may use tensors of the graphs around it; each
//! such tensor is *captured*: a placeholder stands for it inside, and the
//! outer tensor becomes an extra input of the control-flow op.

use crate::gradients::gradients;
use crate::graph::{Graph, Output};
use crate::ops::{ArrayOps, Placeholder};
use crate::random::KernelState;
use crate::session::Executor;
use crate::{fail, Result, TensorOps, TensorSpec};
use ferroflow_tensor::Tensor;
use std::fmt;
use std::sync::Arc;

/// A traced function: placeholders fed from its op's inputs, in order, and
/// the outputs it computes from them.
#[derive(Clone)]
pub(crate) struct FuncGraph {
    pub(crate) inputs: Vec<Output>,
    pub(crate) outputs: Vec<Output>,
    exec: Arc<Executor>,
}

/// A function traced on placeholders for its arguments, before its
/// captures are known to the op.
pub(crate) struct Traced {
    graph: Graph,
    args: Vec<Output>,
    outputs: Vec<Output>,
}

impl Traced {
    /// Traces `f` into a new child graph of `parent`, on placeholders of
    /// `args`' specs.
    pub(crate) fn new(
        parent: &Graph,
        args: &[TensorSpec],
        f: impl FnOnce(&[Output]) -> Result<Vec<Output>>,
    ) -> Result<Traced> {
        let graph = parent.new_child();
        let args = args
            .iter()
            .map(|s| placeholder(&graph, s))
            .collect::<Result<Vec<_>>>()?;
        let outputs = f(&args)?
            .iter()
            .map(|o| match graph.capture(o)? {
                Some(o) => Ok(o),
                None => fail!(
                    "control flow",
                    "a function output ({}) is from an unrelated graph",
                    o.name()
                ),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Traced {
            graph,
            args,
            outputs,
        })
    }

    /// The static specs of the outputs.
    pub(crate) fn output_specs(&self) -> Vec<TensorSpec> {
        self.outputs.iter().map(|o| o.spec()).collect()
    }
}

/// Turns traced functions that share arguments into function graphs that
/// take the same inputs: the arguments, then every function's captures in
/// turn (a function gets unused placeholders for the others' captures).
/// Returns them with the outer tensors to pass after the arguments.
pub(crate) fn link(traced: Vec<Traced>) -> Result<(Vec<FuncGraph>, Vec<Output>)> {
    let captures: Vec<Vec<(Output, Output)>> = traced.iter().map(|t| t.graph.captures()).collect();
    let outer: Vec<Output> = captures.iter().flatten().map(|c| c.0.clone()).collect();
    let mut funcs = Vec::with_capacity(traced.len());
    for (k, t) in traced.into_iter().enumerate() {
        let mut inputs = t.args;
        for (j, caps) in captures.iter().enumerate() {
            for (o, inner) in caps {
                inputs.push(if j == k {
                    inner.clone()
                } else {
                    placeholder(&t.graph, &o.spec())?
                });
            }
        }
        funcs.push(FuncGraph::new(&t.graph, inputs, t.outputs));
    }
    Ok((funcs, outer))
}

fn placeholder(graph: &Graph, spec: &TensorSpec) -> Result<Output> {
    graph.add_op1(
        Placeholder {
            dtype: spec.dtype,
            shape: spec.shape.clone(),
        },
        &[],
        None,
    )
}

impl FuncGraph {
    pub(crate) fn new(graph: &Graph, inputs: Vec<Output>, outputs: Vec<Output>) -> FuncGraph {
        FuncGraph {
            inputs,
            outputs,
            exec: Arc::new(Executor::new(graph, false)),
        }
    }

    pub(crate) fn graph(&self) -> &Graph {
        self.exec.graph()
    }

    /// A number identifying this function (shared by its clones), so a
    /// GraphDef's library holds each function once.
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.exec) as usize
    }

    /// The static specs of the outputs.
    pub(crate) fn output_specs(&self) -> Vec<TensorSpec> {
        self.outputs.iter().map(|o| o.spec()).collect()
    }

    /// Runs the function on `args` (one per input) over `state`.
    pub(crate) fn call(&self, args: &[&Tensor], state: &dyn KernelState) -> Result<Vec<Tensor>> {
        if args.len() != self.inputs.len() {
            fail!(
                "control flow",
                "a function of {} inputs got {} values",
                self.inputs.len(),
                args.len()
            );
        }
        let feeds: Vec<(&Output, &Tensor)> = self.inputs.iter().zip(args.iter().copied()).collect();
        self.exec.run(&self.outputs, &feeds, state)
    }

    /// The gradient function: it takes this function's inputs followed by
    /// one gradient per output, and returns the gradient of each
    /// floating-point input (zeros where none flows), in input order. It
    /// extends the same graph, so it recomputes the forward values it needs.
    pub(crate) fn gradient(&self) -> Result<FuncGraph> {
        let graph = self.graph();
        let grad_ys = self
            .outputs
            .iter()
            .map(|o| placeholder(graph, &o.spec()))
            .collect::<Result<Vec<_>>>()?;
        let xs: Vec<&Output> = self
            .inputs
            .iter()
            .filter(|x| x.dtype().is_float())
            .collect();
        let ys: Vec<&Output> = self.outputs.iter().collect();
        let grads = if ys.is_empty() {
            vec![None; xs.len()]
        } else {
            gradients(&ys, &xs, Some(&grad_ys.iter().collect::<Vec<_>>()))?
        };
        let outputs = xs
            .iter()
            .zip(grads)
            .map(|(x, g)| match g {
                Some(g) => Ok(g),
                None => x.zeros_like(),
            })
            .collect::<Result<Vec<_>>>()?;
        let inputs = self.inputs.iter().cloned().chain(grad_ys).collect();
        Ok(FuncGraph::new(graph, inputs, outputs))
    }
}

impl fmt::Debug for FuncGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FuncGraph({:?}, {} inputs, {} outputs)",
            self.graph(),
            self.inputs.len(),
            self.outputs.len()
        )
    }
}
