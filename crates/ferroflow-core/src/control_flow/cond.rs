//! `cond` in graphs: the `If` op, which holds both branches as function
//! graphs and runs only the taken one.

use super::function_graph::{link, FuncGraph, Traced};
use crate::graph::{innermost_graph, Output};
use crate::{fail, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec};
use ferroflow_tensor::{DType, Tensor};
use std::sync::Arc;

/// Runs one of two function graphs on its inputs after the predicate,
/// like TensorFlow's `If` op (what TF2's `tf.cond` builds in a graph).
#[derive(Debug, Clone)]
pub struct If {
    pub(crate) then_branch: FuncGraph,
    pub(crate) else_branch: FuncGraph,
    outputs: Vec<TensorSpec>,
}

impl If {
    pub(crate) fn new(then_branch: FuncGraph, else_branch: FuncGraph) -> Result<If> {
        let outputs = merge_specs(&then_branch.output_specs(), &else_branch.output_specs())?;
        Ok(If {
            then_branch,
            else_branch,
            outputs,
        })
    }
}

impl OpDef for If {
    fn op_type(&self) -> &'static str {
        "If"
    }
    fn default_name(&self) -> &'static str {
        "cond"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let Some(pred) = inputs.first() else {
            fail!("cond", "If needs a predicate input");
        };
        check_pred_spec(pred)?;
        if inputs.len() != self.then_branch.inputs.len() + 1 {
            fail!(
                "cond",
                "If takes {} inputs after the predicate, got {}",
                self.then_branch.inputs.len(),
                inputs.len() - 1
            );
        }
        Ok(self.outputs.clone())
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let pred = pred_value(ctx.name, inputs[0])?;
        let branch = if pred {
            &self.then_branch
        } else {
            &self.else_branch
        };
        branch.call(&inputs[1..], ctx.state)
    }
    fn is_stateful(&self) -> bool {
        true
    }
    /// An `If` over the branches' gradient functions, on the same
    /// predicate: only the taken branch's gradient runs.
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let grad_if = If::new(self.then_branch.gradient()?, self.else_branch.gradient()?)?;
        let args: Vec<&H> = a.inputs.iter().chain(a.grads).collect();
        let mut grads = H::apply(Arc::new(grad_if), &args)?.into_iter();
        let mut out = vec![None];
        for x in &a.inputs[1..] {
            out.push(if x.dtype().is_float() {
                grads.next()
            } else {
                None
            });
        }
        Ok(out)
    }
}

/// The predicate must be a bool scalar (or of unknown shape, checked when
/// the op runs).
fn check_pred_spec(pred: &TensorSpec) -> Result<()> {
    if pred.dtype != DType::Bool {
        fail!(
            "cond",
            "pred must be a bool tensor, got dtype {}",
            pred.dtype
        );
    }
    if pred.shape.rank().is_some_and(|r| r != 0) {
        fail!("cond", "pred must be a scalar, got shape {}", pred.shape);
    }
    Ok(())
}

/// The value of a predicate tensor, which must be a bool scalar.
pub(crate) fn pred_value(op: &str, pred: &Tensor) -> Result<bool> {
    if pred.dtype() != DType::Bool || pred.shape().rank() != 0 {
        fail!(
            op,
            "The predicate must be a bool scalar, got a {} tensor of shape {}",
            pred.dtype(),
            pred.shape().to_tuple_string()
        );
    }
    Ok(pred.to_scalar::<bool>()?)
}

/// The output specs of two branches: the same number and dtypes, each
/// shape the most specific one compatible with both.
fn merge_specs(a: &[TensorSpec], b: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
    let mismatch = a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.dtype != y.dtype);
    if mismatch {
        let show = |s: &[TensorSpec]| {
            s.iter()
                .map(|t| t.dtype.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        fail!(
            "cond",
            "true_fn and false_fn arguments to tf.cond must have the same number, type, and overall structure of return values. true_fn returns [{}], false_fn returns [{}]",
            show(a),
            show(b)
        );
    }
    Ok(a.iter()
        .zip(b)
        .map(|(x, y)| TensorSpec::new(x.dtype, most_specific_compatible(&x.shape, &y.shape)))
        .collect())
}

/// The most specific shape compatible with both: known dimensions where
/// they agree, unknown elsewhere, unknown rank if the ranks differ.
pub(crate) fn most_specific_compatible(a: &PartialShape, b: &PartialShape) -> PartialShape {
    match (a.dims(), b.dims()) {
        (Some(x), Some(y)) if x.len() == y.len() => {
            let dims: Vec<Option<usize>> = x
                .iter()
                .zip(y)
                .map(|(p, q)| if p == q { *p } else { None })
                .collect();
            PartialShape::from_dims(&dims)
        }
        _ => PartialShape::unknown(),
    }
}

/// `cond` on graph outputs: traces both branches and adds an `If` node.
pub(crate) fn graph_cond<T, F>(
    pred: &Output,
    inputs: &[Output],
    true_fn: T,
    false_fn: F,
) -> Result<Vec<Output>>
where
    T: FnOnce(&[Output]) -> Result<Vec<Output>>,
    F: FnOnce(&[Output]) -> Result<Vec<Output>>,
{
    check_pred_spec(&pred.spec())?;
    let mut all = vec![pred];
    all.extend(inputs);
    let graph = innermost_graph(&all).unwrap_or_else(|| pred.graph().clone());
    let specs: Vec<TensorSpec> = inputs.iter().map(|x| x.spec()).collect();
    let then_traced = Traced::new(&graph, &specs, true_fn)?;
    let else_traced = Traced::new(&graph, &specs, false_fn)?;
    merge_specs(&then_traced.output_specs(), &else_traced.output_specs())?;
    let (mut funcs, captured) = link(vec![then_traced, else_traced])?;
    let else_branch = funcs.pop().expect("link returns one function per trace");
    let then_branch = funcs.pop().expect("link returns one function per trace");
    let op = If::new(then_branch, else_branch)?;
    let args: Vec<&Output> = std::iter::once(pred)
        .chain(inputs)
        .chain(&captured)
        .collect();
    graph.add_op(Arc::new(op), &args, None)
}
