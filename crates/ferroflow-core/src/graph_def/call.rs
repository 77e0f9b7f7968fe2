//! Calls of library functions: TensorFlow's `PartitionedCall` and
//! `StatefulPartitionedCall` (what `tf.function` calls write), and a node
//! whose op type is a function's name (how exported `WhileGrad` loops call
//! the body and its gradient). All import as one op, [`FunctionCall`],
//! which exports as `StatefulPartitionedCall`.

use crate::control_flow::FuncGraph;
use crate::{fail, GradArgs, OpContext, OpDef, Result, TensorOps, TensorSpec};
use ferroflow_tensor::Tensor;
use std::sync::Arc;

/// Runs a function graph on its inputs, like TF's `StatefulPartitionedCall`.
#[derive(Debug, Clone)]
pub(crate) struct FunctionCall {
    pub(crate) f: FuncGraph,
}

impl OpDef for FunctionCall {
    fn op_type(&self) -> &'static str {
        "StatefulPartitionedCall"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        if inputs.len() != self.f.inputs.len() {
            fail!(
                "StatefulPartitionedCall",
                "the function takes {} inputs, got {}",
                self.f.inputs.len(),
                inputs.len()
            );
        }
        Ok(self.f.output_specs())
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        self.f.call(inputs, ctx.state)
    }
    fn is_stateful(&self) -> bool {
        true
    }
    /// A call of the function's gradient function on the inputs and the
    /// output gradients.
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let call = FunctionCall {
            f: self.f.gradient()?,
        };
        let args: Vec<&H> = a.inputs.iter().chain(a.grads).collect();
        let mut grads = H::apply(Arc::new(call), &args)?.into_iter();
        Ok(a.inputs
            .iter()
            .map(|x| x.dtype().is_float().then(|| grads.next()).flatten())
            .collect())
    }
}

/// True for TF's call ops, which name their function in attr `f`.
pub(super) fn is_call(op_type: &str) -> bool {
    matches!(op_type, "PartitionedCall" | "StatefulPartitionedCall")
}
