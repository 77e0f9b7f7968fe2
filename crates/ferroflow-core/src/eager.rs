//! Eager execution: an op applied to `Tensor`s runs its kernel at once and,
//! when a gradient tape is recording, is recorded on it.

use crate::random::EagerKernelState;
use crate::{tape, trace, Op, OpContext, Result, TensorOps, TensorSpec};
use ferroflow_tensor::Tensor;
use std::sync::Arc;

impl TensorOps for Tensor {
    fn apply(op: Arc<dyn Op>, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let ctx = OpContext {
            name: op.default_name(),
            state: &EagerKernelState,
        };
        let outputs = op.compute(&ctx, inputs)?;
        tape::record(&op, inputs, &outputs);
        trace::record(&op, inputs, &outputs);
        Ok(outputs)
    }

    fn spec(&self) -> TensorSpec {
        TensorSpec::of(self)
    }

    fn constant_like(&self, value: Tensor) -> Result<Tensor> {
        Ok(value)
    }

    fn dtype(&self) -> ferroflow_tensor::DType {
        Tensor::dtype(self)
    }
}
