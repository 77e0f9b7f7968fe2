//! Tracing eager code into a [`Graph`], so eager programs (Keras models)
//! can show their graph in TensorBoard, like the graph `tf.function`
//! traces for `tf.summary.trace_on`/`trace_export`.
//!
//! While [`trace_graph`] runs a function eagerly, every op applied is also
//! added to a fresh graph with its type, attributes and a name in the
//! current [`name_scope`]. Tensors made outside the trace enter it as
//! `Placeholder`s (named inputs, and any large tensor) or `Const`s (small
//! ones); a [`Variable`] read during the trace becomes a `VarHandleOp`
//! named after the variable and a `ReadVariableOp`. When nothing is being
//! traced, the hooks cost one thread-local read per op.
//!
//! ```
//! use ferroflow_core::prelude::*;
//! use ferroflow_core::trace::{name_scope, trace_graph};
//! let w = Variable::with_options(Tensor::from([[2.0f32], [3.0]]), "dense/kernel", true);
//! let x = Tensor::from([[1.0f32, 1.0]]);
//! let (y, graph) = trace_graph(&[("x", &x)], || {
//!     let _model = name_scope("sequential");
//!     let _layer = name_scope("dense");
//!     x.matmul(&w.value())?.relu()
//! })
//! .unwrap();
//! assert_eq!(y.to_vec::<f32>().unwrap(), vec![5.0]);
//! let names: Vec<String> = graph.nodes().into_iter().map(|n| n.name).collect();
//! assert_eq!(
//!     names,
//!     ["x", "dense/kernel", "sequential/dense/ReadVariableOp",
//!      "sequential/dense/MatMul", "sequential/dense/Relu"]
//! );
//! ```

use crate::graph::{Graph, NameScope, Output};
use crate::ops::Placeholder;
use crate::{
    fail, AttrValue, Error, Op, OpContext, OpDef, PartialShape, Result, TensorSpec, Variable,
};
use ferroflow_tensor::{DType, Tensor, TensorId};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

/// Tensors of at most this many elements made outside a trace enter it as
/// `Const` nodes; larger ones as `Placeholder`s.
const MAX_CONST_ELEMENTS: usize = 16;

thread_local! {
    /// Whether a trace is running on this thread: the hooks' fast path.
    static TRACING: Cell<bool> = const { Cell::new(false) };
    static STATE: RefCell<Option<TraceState>> = const { RefCell::new(None) };
}

struct TraceState {
    graph: Graph,
    /// The graph tensor standing for each eager tensor seen so far.
    tensors: HashMap<TensorId, Output>,
    /// The `VarHandleOp` of each variable read so far.
    handles: HashMap<TensorId, Output>,
    /// The first op that could not be added to the graph.
    error: Option<Error>,
}

impl TraceState {
    /// The graph tensor for an eager one, adding a `Const` or `Placeholder`
    /// the first time a tensor from outside the trace is used.
    fn tensor(&mut self, t: &Tensor) -> Result<Output> {
        if let Some(o) = self.tensors.get(&t.id()) {
            return Ok(o.clone());
        }
        let o = if t.num_elements() <= MAX_CONST_ELEMENTS {
            self.graph.constant(t.clone(), "Const")?
        } else {
            placeholder(&self.graph, t, "input")?
        };
        self.tensors.insert(t.id(), o.clone());
        Ok(o)
    }

    fn record(&mut self, op: &Arc<dyn Op>, inputs: &[&Tensor], outputs: &[Tensor]) -> Result<()> {
        let inputs = inputs
            .iter()
            .map(|t| self.tensor(t))
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Output> = inputs.iter().collect();
        let nodes = self.graph.add_op(op.clone(), &refs, None)?;
        for (t, o) in outputs.iter().zip(nodes) {
            self.tensors.insert(t.id(), o);
        }
        Ok(())
    }

    fn read_variable(&mut self, var: &Variable, value: &Tensor) -> Result<()> {
        let handle = match self.handles.get(&value.id()) {
            Some(h) => h.clone(),
            None => {
                // The handle is named after the variable, outside any scope.
                let _top = self.graph.name_scope("");
                let op = VarHandleOp {
                    variable: var.clone(),
                };
                let h = self.graph.add_op1(op, &[], Some(var.name()))?;
                self.handles.insert(value.id(), h.clone());
                h
            }
        };
        let op = ReadVariableOp {
            variable: var.clone(),
        };
        let read = self.graph.add_op1(op, &[&handle], None)?;
        self.tensors.insert(value.id(), read);
        Ok(())
    }
}

fn placeholder(graph: &Graph, t: &Tensor, name: &str) -> Result<Output> {
    let op = Placeholder {
        dtype: t.dtype(),
        shape: PartialShape::known(t.shape()),
    };
    graph.add_op1(op, &[], Some(name))
}

/// Runs `f` eagerly and also records the ops it applies into a new graph,
/// returning `f`'s result and the graph. `inputs` become `Placeholder`s
/// with the given names; other tensors made before the trace become
/// `Const`s when small (at most 16 elements) and `Placeholder`s named
/// `input` otherwise. Export the graph with `Graph::to_graph_def` or
/// `FileWriter::add_graph` to see it in TensorBoard.
///
/// An op that cannot be added to a graph, or a trace started inside
/// another on the same thread, is an error; `f`'s own error is returned
/// as is.
///
/// ```
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::trace::trace_graph;
/// let x = Tensor::from([1.0f32, -2.0]);
/// let (_, g) = trace_graph(&[("x", &x)], || x.square()?.reduce_sum(0, false)).unwrap();
/// let ops: Vec<&str> = g.nodes().iter().map(|n| n.op.op_type()).collect();
/// assert_eq!(ops, ["Placeholder", "Square", "Sum"]);
/// ```
pub fn trace_graph<T>(
    inputs: &[(&str, &Tensor)],
    f: impl FnOnce() -> Result<T>,
) -> Result<(T, Graph)> {
    if TRACING.with(Cell::get) {
        fail!("trace_graph", "a trace is already running on this thread");
    }
    let graph = Graph::new();
    let mut state = TraceState {
        graph: graph.clone(),
        tensors: HashMap::new(),
        handles: HashMap::new(),
        error: None,
    };
    for (name, t) in inputs {
        let o = placeholder(&graph, t, name)?;
        state.tensors.insert(t.id(), o);
    }
    STATE.with(|s| *s.borrow_mut() = Some(state));
    TRACING.with(|t| t.set(true));
    // Ends the trace even if `f` panics.
    struct End;
    impl Drop for End {
        fn drop(&mut self) {
            TRACING.with(|t| t.set(false));
        }
    }
    let end = End;
    let result = f();
    drop(end);
    let state = STATE.with(|s| s.borrow_mut().take());
    let value = result?;
    match state.and_then(|s| s.error) {
        Some(e) => Err(e),
        None => Ok((value, graph)),
    }
}

/// Applies `step` to the running trace, keeping its first error.
fn with_trace(step: impl FnOnce(&mut TraceState) -> Result<()>) {
    STATE.with(|s| {
        if let Some(state) = s.borrow_mut().as_mut() {
            if state.error.is_none() {
                state.error = step(state).err();
            }
        }
    });
}

/// Records an eager op on the running trace (called by eager `apply`).
pub(crate) fn record(op: &Arc<dyn Op>, inputs: &[&Tensor], outputs: &[Tensor]) {
    if TRACING.with(Cell::get) {
        with_trace(|s| s.record(op, inputs, outputs));
    }
}

/// Records a variable read on the running trace (called by
/// [`Variable::value`]); `value` carries the variable's id.
pub(crate) fn read_variable(var: &Variable, value: &Tensor) {
    if TRACING.with(Cell::get) {
        with_trace(|s| s.read_variable(var, value));
    }
}

/// Guard of [`name_scope`]: the scope ends when it is dropped.
pub struct TraceScope {
    _scope: Option<NameScope>,
}

/// Opens a name scope on the running trace, like `tf.name_scope(name)`
/// inside a traced function: ops recorded while the guard lives are named
/// `name/Op` (nested: `sequential/dense/MatMul`), so TensorBoard groups
/// them. Entering the same name again opens `name_1`. A no-op when no
/// trace is running, so layers may call it unconditionally.
///
/// ```
/// use ferroflow_core::trace::name_scope;
/// let _scope = name_scope("dense"); // not tracing: does nothing
/// ```
pub fn name_scope(name: &str) -> TraceScope {
    let scope = if TRACING.with(Cell::get) {
        STATE.with(|s| s.borrow().as_ref().map(|s| s.graph.name_scope(name)))
    } else {
        None
    };
    TraceScope { _scope: scope }
}

/// A resource variable's handle, like TensorFlow's `VarHandleOp`, standing
/// for an eager [`Variable`] in a traced graph. ferroflow has no resource
/// dtype: the handle is a string scalar holding the variable's name (a
/// scalar, as TensorFlow's `_output_shapes` requires).
#[derive(Debug, Clone)]
pub struct VarHandleOp {
    variable: Variable,
}

impl OpDef for VarHandleOp {
    fn op_type(&self) -> &'static str {
        "VarHandleOp"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("dtype", AttrValue::Type(self.variable.dtype())),
            (
                "shape",
                AttrValue::Shape(PartialShape::known(&self.variable.shape())),
            ),
            ("container", AttrValue::Str(String::new())),
            ("shared_name", AttrValue::Str(self.variable.name().into())),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        if !inputs.is_empty() {
            fail!("VarHandleOp", "takes no inputs, got {}", inputs.len());
        }
        Ok(vec![TensorSpec::new(
            DType::String,
            PartialShape::from_dims(&[]),
        )])
    }
    fn compute(&self, _ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![Tensor::from(self.variable.name())])
    }
}

/// Reads a resource variable through its handle, like TensorFlow's
/// `ReadVariableOp`: the variable's value when the op runs.
#[derive(Debug, Clone)]
pub struct ReadVariableOp {
    variable: Variable,
}

impl OpDef for ReadVariableOp {
    fn op_type(&self) -> &'static str {
        "ReadVariableOp"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("dtype", AttrValue::Type(self.variable.dtype()))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        if inputs.len() != 1 {
            fail!("ReadVariableOp", "takes 1 input, got {}", inputs.len());
        }
        let shape = PartialShape::known(&self.variable.shape());
        Ok(vec![TensorSpec::new(self.variable.dtype(), shape)])
    }
    fn compute(&self, _ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![self.variable.read_value()])
    }
    fn is_stateful(&self) -> bool {
        true
    }
}
