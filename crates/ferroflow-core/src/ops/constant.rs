//! Graph sources and markers: `Const`, `Placeholder`, `NoOp`.

use super::check_arity;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::{DType, Tensor};

/// A constant value baked into the graph, like `tf.constant`.
#[derive(Debug, Clone)]
pub struct Const {
    pub value: Tensor,
}

impl OpDef for Const {
    fn op_type(&self) -> &'static str {
        "Const"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("dtype", AttrValue::Type(self.value.dtype())),
            ("value", AttrValue::Tensor(self.value.clone())),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Const", inputs, 0)?;
        Ok(vec![TensorSpec::of(&self.value)])
    }
    fn compute(&self, _ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![self.value.clone()])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![])
    }
}

/// A value that must be fed when the graph runs, like `tf.placeholder`.
#[derive(Debug, Clone)]
pub struct Placeholder {
    pub dtype: DType,
    pub shape: PartialShape,
}

/// TensorFlow's C++ name of a dtype, used in its feed error messages.
fn cpp_dtype_name(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "float",
        DType::F64 => "double",
        other => other.name(),
    }
}

impl OpDef for Placeholder {
    fn op_type(&self) -> &'static str {
        "Placeholder"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("dtype", AttrValue::Type(self.dtype)),
            ("shape", AttrValue::Shape(self.shape.clone())),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Placeholder", inputs, 0)?;
        Ok(vec![TensorSpec::new(self.dtype, self.shape.clone())])
    }
    fn compute(&self, ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let shape = match self.shape.dims() {
            Some(_) => format!(" and shape {}", self.shape.bracketed()),
            None => String::new(),
        };
        fail!(
            ctx.name,
            "You must feed a value for placeholder tensor '{}' with dtype {}{shape}",
            ctx.name,
            cpp_dtype_name(self.dtype)
        )
    }
    fn is_stateful(&self) -> bool {
        true
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![])
    }
}

/// Does nothing; its control inputs make it a synchronization point
/// (`tf.no_op`, `tf.group`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOp;

impl OpDef for NoOp {
    fn op_type(&self) -> &'static str {
        "NoOp"
    }
    fn infer(&self, _inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        Ok(vec![])
    }
    fn compute(&self, _ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![])
    }
}
