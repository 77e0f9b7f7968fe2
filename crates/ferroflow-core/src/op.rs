//! How an op is defined: once, in one place (see `docs/ARCHITECTURE.md`).
//!
//! An op author implements [`OpDef`]: the TensorFlow op type and attributes,
//! the dtype/shape rule, the kernel call, and the gradient rule written with
//! ops against the generic handle trait [`TensorOps`]. A blanket impl turns
//! every `OpDef` into the object-safe [`Op`] that handles store and apply, so
//! the same gradient rule runs eagerly on a tape (on `Tensor`s) and, in graph
//! mode, adds nodes (on graph outputs).

use crate::graph::Output;
use crate::random::KernelState;
use crate::{Error, PartialShape, Result, TensorOps, TensorSpec};
use ferroflow_tensor::{DType, Tensor};
use std::fmt;

/// An attribute value, as a `NodeDef` carries it in a GraphDef.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Int(i64),
    Float(f32),
    Bool(bool),
    Str(String),
    Type(DType),
    Shape(PartialShape),
    Tensor(Tensor),
    Ints(Vec<i64>),
    Floats(Vec<f32>),
    Types(Vec<DType>),
    Strs(Vec<String>),
}

/// What a kernel may need beyond its inputs: the node's name (for error
/// messages) and the state of the runtime it runs in.
pub struct OpContext<'a> {
    /// The op's name in its graph, or its type when eager.
    pub name: &'a str,
    /// The runtime's state for stateful kernels (random streams).
    pub state: &'a dyn KernelState,
}

/// The values a gradient rule sees: the op's inputs and outputs and the
/// gradient flowing into each output (zeros where none flows).
pub struct GradArgs<'a, H> {
    pub inputs: &'a [H],
    pub outputs: &'a [H],
    pub grads: &'a [H],
}

/// The one definition of an op. Implement this; [`Op`] follows.
pub trait OpDef: Send + Sync + fmt::Debug + 'static {
    /// The TensorFlow op type written to GraphDefs (`"MatMul"`, `"AddV2"`).
    fn op_type(&self) -> &'static str;

    /// The default node name, which follows TensorFlow's Python entry point
    /// (`tf.add` names its `AddV2` node `Add`). Defaults to the op type.
    fn default_name(&self) -> &'static str {
        self.op_type()
    }

    /// Attributes for GraphDef export (`T` is added from the inputs' dtype).
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        Vec::new()
    }

    /// Constant inputs of the op's TensorFlow form that ferroflow keeps as
    /// attributes (`Sum`'s `reduction_indices`), appended after the data
    /// inputs on GraphDef export, given the data inputs' specs.
    fn tf_inputs(&self, inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let _ = inputs;
        Vec::new()
    }

    /// The ref-variable node the op's TensorFlow form takes as its first
    /// input (`Assign` writes its `VariableV2`), on GraphDef export.
    fn tf_ref_input(&self) -> Option<&str> {
        None
    }

    /// The dtype and static shape of each output, checking the inputs.
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>>;

    /// Runs the kernel.
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>>;

    /// True for ops whose result is not a pure function of their inputs
    /// (random ops, variable reads): never constant-folded or deduplicated.
    fn is_stateful(&self) -> bool {
        false
    }

    /// True for ops whose output is a reference read when each consumer
    /// runs, not when the op itself runs (TF1 ref variables), so control
    /// dependencies order reads after writes.
    fn reads_at_use(&self) -> bool {
        false
    }

    /// The gradient of each input given the gradients of the outputs,
    /// written with ops so it serves every handle type. `None` for inputs
    /// that have no gradient (integer indices, shapes).
    fn gradient<H: TensorOps>(&self, args: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let _ = args;
        Err(Error::NoGradient {
            op: self.default_name().into(),
            op_type: self.op_type().into(),
        })
    }

    /// [`OpDef::gradient`] when only the inputs flagged in `needed` need a
    /// gradient (TensorFlow's `skip_input_indices`): ops whose gradient is
    /// costly per input (`MatMul`) skip the others and may return `None` for
    /// them. Defaults to `gradient`.
    fn gradient_for<H: TensorOps>(
        &self,
        args: GradArgs<'_, H>,
        needed: &[bool],
    ) -> Result<Vec<Option<H>>> {
        let _ = needed;
        self.gradient(args)
    }
}

/// An int32 vector, the form of TF's shape, perm and multiples inputs (for
/// [`OpDef::tf_inputs`]).
pub(crate) fn int32_vector(values: impl IntoIterator<Item = i64>) -> Tensor {
    let values: Vec<i32> = values.into_iter().map(|v| v as i32).collect();
    let n = values.len();
    Tensor::from_vec(values, [n]).expect("n values make a [n] tensor")
}

/// A shape as TF's int32 `shape`/`dims` input (for [`OpDef::tf_inputs`]).
pub(crate) fn shape_vector(shape: &ferroflow_tensor::Shape) -> Tensor {
    int32_vector(shape.dims().iter().map(|&d| d as i64))
}

/// The object-safe face of an [`OpDef`], stored by tapes and graph nodes.
pub trait Op: Send + Sync + fmt::Debug + 'static {
    fn op_type(&self) -> &'static str;
    fn default_name(&self) -> &'static str;
    fn attrs(&self) -> Vec<(&'static str, AttrValue)>;
    fn tf_inputs(&self, inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)>;
    fn tf_ref_input(&self) -> Option<&str>;
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>>;
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>>;
    fn is_stateful(&self) -> bool;
    fn reads_at_use(&self) -> bool;
    /// The gradient rule applied to eager tensors.
    fn gradient_eager(&self, args: GradArgs<'_, Tensor>) -> Result<Vec<Option<Tensor>>>;
    /// The gradient rule applied to eager tensors, for the inputs flagged
    /// in `needed` only (see [`OpDef::gradient_for`]).
    fn gradient_eager_for(
        &self,
        args: GradArgs<'_, Tensor>,
        needed: &[bool],
    ) -> Result<Vec<Option<Tensor>>>;
    /// The gradient rule adding nodes to a graph.
    fn gradient_graph(&self, args: GradArgs<'_, Output>) -> Result<Vec<Option<Output>>>;
    /// The op as `Any`, so code that knows an op type (GraphDef export of
    /// control flow) can reach its fields.
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: OpDef> Op for T {
    fn op_type(&self) -> &'static str {
        OpDef::op_type(self)
    }
    fn default_name(&self) -> &'static str {
        OpDef::default_name(self)
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        OpDef::attrs(self)
    }
    fn tf_inputs(&self, inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        OpDef::tf_inputs(self, inputs)
    }
    fn tf_ref_input(&self) -> Option<&str> {
        OpDef::tf_ref_input(self)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        OpDef::infer(self, inputs)
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        OpDef::compute(self, ctx, inputs)
    }
    fn is_stateful(&self) -> bool {
        OpDef::is_stateful(self)
    }
    fn reads_at_use(&self) -> bool {
        OpDef::reads_at_use(self)
    }
    fn gradient_eager(&self, args: GradArgs<'_, Tensor>) -> Result<Vec<Option<Tensor>>> {
        OpDef::gradient(self, args)
    }
    fn gradient_eager_for(
        &self,
        args: GradArgs<'_, Tensor>,
        needed: &[bool],
    ) -> Result<Vec<Option<Tensor>>> {
        OpDef::gradient_for(self, args, needed)
    }
    fn gradient_graph(&self, args: GradArgs<'_, Output>) -> Result<Vec<Option<Output>>> {
        OpDef::gradient(self, args)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
