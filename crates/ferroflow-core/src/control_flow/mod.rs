//! Control flow for both handles: [`cond`] and [`while_loop`], like TF2's
//! `tf.cond` and `tf.while_loop`.
//!
//! Eagerly they are plain Rust: `cond` reads the predicate and calls one
//! function, `while_loop` loops, and the tape records the ops the functions
//! run. In a graph, each function is traced into a *function graph* (a
//! child graph whose placeholders stand for its arguments and for the outer
//! tensors it uses) held by an `If` or `While` node, whose kernel runs it;
//! gradients are `If`/`WhileGrad` nodes over the functions' gradient graphs.
//!
//! ```
//! use ferroflow_core::control_flow::cond;
//! use ferroflow_core::prelude::*;
//! let x = Tensor::scalar(3.0f32);
//! let pred = x.less(&Tensor::scalar(5.0f32)).unwrap();
//! let y = cond(&pred, &[x], |v| Ok(vec![v[0].square()?]), |v| Ok(vec![v[0].neg()?])).unwrap();
//! assert_eq!(y[0].to_scalar::<f32>().unwrap(), 9.0);
//! ```

mod cond;
mod function_graph;
mod while_loop;

pub use cond::If;
pub(crate) use function_graph::FuncGraph;
pub use while_loop::{While, WhileGrad};

use crate::graph::Output;
use crate::{Result, TensorOps};
use ferroflow_tensor::Tensor;

/// A handle that control flow can branch and loop on: eager [`Tensor`]s
/// and graph [`Output`]s. Code written against `H: ControlFlow` runs
/// either way; [`cond`] and [`while_loop`] call these.
pub trait ControlFlow: TensorOps {
    /// `true_fn(inputs)` if `pred` (a bool scalar) holds, else
    /// `false_fn(inputs)`; only the taken function runs. In a graph both
    /// are traced and must return the same number and dtypes of tensors.
    fn cond<T, F>(pred: &Self, inputs: &[Self], true_fn: T, false_fn: F) -> Result<Vec<Self>>
    where
        T: FnOnce(&[Self]) -> Result<Vec<Self>>,
        F: FnOnce(&[Self]) -> Result<Vec<Self>>;

    /// Repeats `loop_vars = body(loop_vars)` while `cond(loop_vars)` (a
    /// bool scalar) holds, and returns the final loop variables. In a
    /// graph the body must keep each variable's dtype and a compatible
    /// shape.
    fn while_loop<C, B>(cond: C, body: B, loop_vars: &[Self]) -> Result<Vec<Self>>
    where
        C: Fn(&[Self]) -> Result<Self>,
        B: Fn(&[Self]) -> Result<Vec<Self>>;
}

/// Runs `true_fn(inputs)` if `pred` holds, else `false_fn(inputs)`, like
/// `tf.cond(pred, true_fn, false_fn)`; differentiable through the taken
/// branch. Pass the tensors the branches compute from as `inputs` so their
/// ops run inside the branch (a branch may also use outer tensors).
/// A predicate that is not a bool scalar is an error.
///
/// ```
/// use ferroflow_core::control_flow::cond;
/// use ferroflow_core::graph::Graph;
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::session::Session;
/// let g = Graph::new();
/// let x = g.placeholder(DType::F32, [], "x").unwrap();
/// let pred = x.less(&g.constant(0.0f32, "zero").unwrap()).unwrap();
/// let y = cond(&pred, &[x.clone()], |v| Ok(vec![v[0].neg()?]), |v| Ok(vec![v[0].clone()])).unwrap();
/// let out = Session::new(&g).run(&[&y[0]], &[(&x, Tensor::scalar(-2.0f32))]).unwrap();
/// assert_eq!(out[0].to_scalar::<f32>().unwrap(), 2.0);
/// ```
pub fn cond<H, T, F>(pred: &H, inputs: &[H], true_fn: T, false_fn: F) -> Result<Vec<H>>
where
    H: ControlFlow,
    T: FnOnce(&[H]) -> Result<Vec<H>>,
    F: FnOnce(&[H]) -> Result<Vec<H>>,
{
    H::cond(pred, inputs, true_fn, false_fn)
}

/// Repeats `body` on `loop_vars` while `cond` holds, like
/// `tf.while_loop(cond, body, loop_vars)`; differentiable with respect to
/// the initial loop variables and the outer tensors the functions use.
///
/// ```
/// use ferroflow_core::control_flow::while_loop;
/// use ferroflow_core::prelude::*;
/// let out = while_loop(
///     |v: &[Tensor]| v[0].less(&Tensor::scalar(10i32)),
///     |v: &[Tensor]| Ok(vec![v[0].add(&Tensor::scalar(1i32))?, v[1].mul(&Tensor::scalar(2.0f32))?]),
///     &[Tensor::scalar(0i32), Tensor::scalar(1.0f32)],
/// ).unwrap();
/// assert_eq!(out[1].to_scalar::<f32>().unwrap(), 1024.0);
/// ```
pub fn while_loop<H, C, B>(cond: C, body: B, loop_vars: &[H]) -> Result<Vec<H>>
where
    H: ControlFlow,
    C: Fn(&[H]) -> Result<H>,
    B: Fn(&[H]) -> Result<Vec<H>>,
{
    H::while_loop(cond, body, loop_vars)
}

/// A branch function of [`case`].
pub type Branch<'a, H> = Box<dyn FnOnce(&[H]) -> Result<Vec<H>> + 'a>;

/// Runs the function paired with the first predicate that holds, else
/// `default`, on `inputs`, like `tf.case(pred_fn_pairs, default)` (not
/// exclusive): a chain of [`cond`]s, so only the chosen function runs.
///
/// ```
/// use ferroflow_core::control_flow::{case, Branch};
/// use ferroflow_core::prelude::*;
/// let x = Tensor::scalar(2.0f32);
/// let double: Branch<Tensor> = Box::new(|v| Ok(vec![v[0].add(&v[0])?]));
/// let negate: Branch<Tensor> = Box::new(|v| Ok(vec![v[0].neg()?]));
/// let pairs = vec![(Tensor::scalar(false), double), (Tensor::scalar(true), negate)];
/// let y = case(pairs, Box::new(|v| Ok(v.to_vec())), &[x]).unwrap();
/// assert_eq!(y[0].to_scalar::<f32>().unwrap(), -2.0);
/// ```
pub fn case<'a, H: ControlFlow>(
    pairs: Vec<(H, Branch<'a, H>)>,
    default: Branch<'a, H>,
    inputs: &[H],
) -> Result<Vec<H>> {
    let mut pairs = pairs.into_iter();
    match pairs.next() {
        None => default(inputs),
        Some((pred, f)) => {
            let rest: Vec<_> = pairs.collect();
            cond(&pred, inputs, f, |x| case(rest, default, x))
        }
    }
}

impl ControlFlow for Tensor {
    fn cond<T, F>(pred: &Tensor, inputs: &[Tensor], true_fn: T, false_fn: F) -> Result<Vec<Tensor>>
    where
        T: FnOnce(&[Tensor]) -> Result<Vec<Tensor>>,
        F: FnOnce(&[Tensor]) -> Result<Vec<Tensor>>,
    {
        if cond::pred_value("cond", pred)? {
            true_fn(inputs)
        } else {
            false_fn(inputs)
        }
    }

    fn while_loop<C, B>(cond: C, body: B, loop_vars: &[Tensor]) -> Result<Vec<Tensor>>
    where
        C: Fn(&[Tensor]) -> Result<Tensor>,
        B: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
    {
        let mut vars = loop_vars.to_vec();
        while cond::pred_value("while", &cond(&vars)?)? {
            let next = body(&vars)?;
            if next.len() != vars.len() {
                crate::fail!(
                    "while",
                    "body returned {} values for {} loop variables",
                    next.len(),
                    vars.len()
                );
            }
            vars = next;
        }
        Ok(vars)
    }
}

impl ControlFlow for Output {
    fn cond<T, F>(pred: &Output, inputs: &[Output], true_fn: T, false_fn: F) -> Result<Vec<Output>>
    where
        T: FnOnce(&[Output]) -> Result<Vec<Output>>,
        F: FnOnce(&[Output]) -> Result<Vec<Output>>,
    {
        cond::graph_cond(pred, inputs, true_fn, false_fn)
    }

    fn while_loop<C, B>(cond: C, body: B, loop_vars: &[Output]) -> Result<Vec<Output>>
    where
        C: Fn(&[Output]) -> Result<Output>,
        B: Fn(&[Output]) -> Result<Vec<Output>>,
    {
        while_loop::graph_while(cond, body, loop_vars)
    }
}
