//! `while_loop` in graphs: the `While` op, which holds the condition and
//! the body as function graphs and iterates in its kernel, and its
//! gradient op.

use super::cond::pred_value;
use super::function_graph::{link, FuncGraph, Traced};
use crate::graph::{innermost_graph, Output};
use crate::ops::{ArrayOps, MathOps};
use crate::{fail, GradArgs, OpContext, OpDef, Result, TensorOps, TensorSpec};
use ferroflow_tensor::{DType, Tensor};
use std::sync::Arc;

/// Repeats `body` on the loop variables while `cond` holds, like
/// TensorFlow's `While` op (what TF2's `tf.while_loop` builds in a graph).
/// Inputs: the loop variables, then the tensors the functions capture;
/// outputs: the final loop variables.
#[derive(Debug, Clone)]
pub struct While {
    pub(crate) cond: FuncGraph,
    pub(crate) body: FuncGraph,
    pub(crate) vars: Vec<TensorSpec>,
}

impl While {
    /// A loop over `vars` (the specs of the loop variables) whose
    /// condition and body take the variables, then the captured tensors.
    pub(crate) fn new(cond: FuncGraph, body: FuncGraph, vars: Vec<TensorSpec>) -> While {
        While { cond, body, vars }
    }
}

/// Runs the loop on `inputs` (variables, then captures); with `keep`, also
/// returns the variables each body iteration started from.
fn run_loop(
    cond: &FuncGraph,
    body: &FuncGraph,
    n_vars: usize,
    ctx: &OpContext,
    inputs: &[&Tensor],
    keep: bool,
) -> Result<(Vec<Tensor>, Vec<Vec<Tensor>>)> {
    let mut vars: Vec<Tensor> = inputs[..n_vars].iter().map(|&t| t.clone()).collect();
    let captured = &inputs[n_vars..];
    let mut states = Vec::new();
    loop {
        let args: Vec<&Tensor> = vars.iter().chain(captured.iter().copied()).collect();
        let go = cond.call(&args, ctx.state)?;
        if !pred_value(ctx.name, &go[0])? {
            break;
        }
        let next = body.call(&args, ctx.state)?;
        if keep {
            states.push(vars);
        }
        vars = next;
    }
    Ok((vars, states))
}

impl OpDef for While {
    fn op_type(&self) -> &'static str {
        "While"
    }
    fn default_name(&self) -> &'static str {
        "while"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        if inputs.len() != self.body.inputs.len() {
            fail!(
                "while",
                "While takes {} inputs, got {}",
                self.body.inputs.len(),
                inputs.len()
            );
        }
        Ok(self.vars.clone())
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(run_loop(&self.cond, &self.body, self.vars.len(), ctx, inputs, false)?.0)
    }
    fn is_stateful(&self) -> bool {
        true
    }
    /// A [`WhileGrad`] op on the loop's inputs and the output gradients.
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let op = WhileGrad {
            cond: self.cond.clone(),
            body: self.body.clone(),
            body_grad: self.body.gradient()?,
            vars: self.vars.clone(),
            outputs: a
                .inputs
                .iter()
                .map(|x| x.spec())
                .filter(|s| s.dtype.is_float())
                .collect(),
        };
        let args: Vec<&H> = a.inputs.iter().chain(a.grads).collect();
        let mut grads = H::apply(Arc::new(op), &args)?.into_iter();
        Ok(a.inputs
            .iter()
            .map(|x| {
                if x.dtype().is_float() {
                    grads.next()
                } else {
                    None
                }
            })
            .collect())
    }
}

/// The gradient of a [`While`]: runs the loop again, keeping the variables
/// of every iteration, then runs the body's gradient function over them
/// in reverse. Correct for any loop, at twice the forward cost; its own
/// gradient (second derivatives of loops) is not defined.
///
/// Inputs: the `While`'s inputs, then one gradient per loop variable;
/// outputs: the gradient of each floating-point input, in input order.
#[derive(Debug, Clone)]
pub struct WhileGrad {
    pub(crate) cond: FuncGraph,
    pub(crate) body: FuncGraph,
    pub(crate) body_grad: FuncGraph,
    pub(crate) vars: Vec<TensorSpec>,
    outputs: Vec<TensorSpec>,
}

impl OpDef for WhileGrad {
    fn op_type(&self) -> &'static str {
        "WhileGrad"
    }
    fn default_name(&self) -> &'static str {
        "while_grad"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        if inputs.len() != self.body_grad.inputs.len() {
            fail!(
                "while_grad",
                "WhileGrad takes {} inputs, got {}",
                self.body_grad.inputs.len(),
                inputs.len()
            );
        }
        Ok(self.outputs.clone())
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let n_vars = self.vars.len();
        let n_in = self.body.inputs.len();
        let (_, states) = run_loop(&self.cond, &self.body, n_vars, ctx, &inputs[..n_in], true)?;
        let captured = &inputs[n_vars..n_in];
        let float_vars: Vec<usize> = (0..n_vars)
            .filter(|&i| self.vars[i].dtype.is_float())
            .collect();
        // The gradient flowing into each loop variable, and the gradient
        // of each floating-point capture summed over iterations.
        let mut d_vars: Vec<Tensor> = inputs[n_in..].iter().map(|&t| t.clone()).collect();
        let mut d_captured: Vec<Tensor> = captured
            .iter()
            .filter(|t| t.dtype().is_float())
            .map(|t| t.zeros_like())
            .collect::<Result<_>>()?;
        for state in states.iter().rev() {
            let args: Vec<&Tensor> = state
                .iter()
                .chain(captured.iter().copied())
                .chain(&d_vars)
                .collect();
            let mut grads = self.body_grad.call(&args, ctx.state)?.into_iter();
            for &i in &float_vars {
                d_vars[i] = next_grad(&mut grads)?;
            }
            for d in &mut d_captured {
                *d = d.add(&next_grad(&mut grads)?)?;
            }
        }
        Ok(float_vars
            .into_iter()
            .map(|i| d_vars[i].clone())
            .chain(d_captured)
            .collect())
    }
}

fn next_grad(grads: &mut impl Iterator<Item = Tensor>) -> Result<Tensor> {
    match grads.next() {
        Some(g) => Ok(g),
        None => fail!("while_grad", "the body's gradient returned too few values"),
    }
}

/// `while_loop` on graph outputs: traces the condition and the body and
/// adds a `While` node.
pub(crate) fn graph_while<C, B>(cond: C, body: B, loop_vars: &[Output]) -> Result<Vec<Output>>
where
    C: FnOnce(&[Output]) -> Result<Output>,
    B: FnOnce(&[Output]) -> Result<Vec<Output>>,
{
    let all: Vec<&Output> = loop_vars.iter().collect();
    let Some(graph) = innermost_graph(&all) else {
        fail!("while", "loop_vars must not be empty");
    };
    let vars: Vec<TensorSpec> = loop_vars.iter().map(|x| x.spec()).collect();
    let cond_traced = Traced::new(&graph, &vars, |x| Ok(vec![cond(x)?]))?;
    let c = &cond_traced.output_specs()[0];
    if c.dtype != DType::Bool || c.shape.rank().is_some_and(|r| r != 0) {
        fail!(
            "while",
            "cond must return a bool scalar, got dtype {} and shape {}",
            c.dtype,
            c.shape
        );
    }
    let body_traced = Traced::new(&graph, &vars, body)?;
    let outs = body_traced.output_specs();
    if outs.len() != vars.len() {
        fail!(
            "while",
            "body returned {} values for {} loop variables",
            outs.len(),
            vars.len()
        );
    }
    for ((x, v), o) in loop_vars.iter().zip(&vars).zip(&outs) {
        if o.dtype != v.dtype || !o.shape.is_compatible_with(&v.shape) {
            fail!(
                "while",
                "Input tensor '{}' enters the loop with shape {} and dtype {}, but has shape {} and dtype {} after one iteration.",
                x.name(),
                v.shape,
                v.dtype,
                o.shape,
                o.dtype
            );
        }
    }
    let (mut funcs, captured) = link(vec![cond_traced, body_traced])?;
    let body = funcs.pop().expect("link returns one function per trace");
    let cond = funcs.pop().expect("link returns one function per trace");
    let op = While::new(cond, body, vars);
    let args: Vec<&Output> = loop_vars.iter().chain(&captured).collect();
    graph.add_op(Arc::new(op), &args, None)
}
