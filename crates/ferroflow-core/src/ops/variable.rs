//! Graph variable ops: `VariableV2` (reads the session's value) and
//! `Assign`, `AssignAdd`, `AssignSub` (write it).

use super::{check_arity, Accepts};
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::elementwise::zip_map;
use ferroflow_tensor::{with_numeric_type, DType, Shape, Tensor};

/// A variable's value in the running session (a TF1 ref variable).
#[derive(Debug, Clone)]
pub struct VariableV2 {
    pub dtype: DType,
    pub shape: Shape,
}

impl OpDef for VariableV2 {
    fn op_type(&self) -> &'static str {
        "VariableV2"
    }
    fn default_name(&self) -> &'static str {
        "Variable"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("dtype", AttrValue::Type(self.dtype)),
            ("shape", AttrValue::Shape(PartialShape::known(&self.shape))),
            ("container", AttrValue::Str(String::new())),
            ("shared_name", AttrValue::Str(String::new())),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("VariableV2", inputs, 0)?;
        Ok(vec![TensorSpec::new(
            self.dtype,
            PartialShape::known(&self.shape),
        )])
    }
    fn compute(&self, ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        match ctx.state.read_variable(ctx.name) {
            Some(v) => Ok(vec![v]),
            None => fail!(
                ctx.name,
                "Attempting to use uninitialized value {}",
                ctx.name
            ),
        }
    }
    fn is_stateful(&self) -> bool {
        true
    }
    fn reads_at_use(&self) -> bool {
        true
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![])
    }
}

/// How an assignment combines the new value with the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignKind {
    Set,
    Add,
    Sub,
}

/// Writes a variable in the running session and outputs the new value
/// (`Assign`, `AssignAdd`, `AssignSub`). `variable` is the `VariableV2`
/// node's name; the variable is not a data input, so assigning does not
/// read it first.
#[derive(Debug, Clone)]
pub struct Assign {
    pub variable: String,
    pub kind: AssignKind,
    pub dtype: DType,
    pub shape: Shape,
}

impl OpDef for Assign {
    fn op_type(&self) -> &'static str {
        match self.kind {
            AssignKind::Set => "Assign",
            AssignKind::Add => "AssignAdd",
            AssignKind::Sub => "AssignSub",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        match self.kind {
            AssignKind::Set => vec![
                ("validate_shape", AttrValue::Bool(true)),
                ("use_locking", AttrValue::Bool(true)),
            ],
            _ => vec![("use_locking", AttrValue::Bool(false))],
        }
    }
    fn tf_ref_input(&self) -> Option<&str> {
        Some(&self.variable)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 1)?;
        if self.kind != AssignKind::Set && !Accepts::Numeric.allows(inputs[0].dtype) {
            fail!(
                op,
                "cannot update a {} variable arithmetically",
                inputs[0].dtype
            );
        }
        if inputs[0].dtype != self.dtype {
            fail!(
                op,
                "variable {} has dtype {}, the value has dtype {}",
                self.variable,
                self.dtype,
                inputs[0].dtype
            );
        }
        if !inputs[0]
            .shape
            .is_compatible_with(&PartialShape::known(&self.shape))
        {
            fail!(
                op,
                "Shapes must be equal: variable {} has shape {}, the value has shape {}",
                self.variable,
                self.shape,
                inputs[0].shape.bracketed()
            );
        }
        Ok(vec![TensorSpec::new(
            self.dtype,
            PartialShape::known(&self.shape),
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let value = inputs[0];
        if value.shape() != &self.shape {
            fail!(
                ctx.name,
                "Assign requires shapes of both tensors to match. lhs shape= {} rhs shape= {}",
                self.shape,
                value.shape()
            );
        }
        let next = match self.kind {
            AssignKind::Set => value.clone(),
            kind => {
                let Some(old) = ctx.state.read_variable(&self.variable) else {
                    fail!(
                        ctx.name,
                        "Attempting to use uninitialized value {}",
                        self.variable
                    );
                };
                with_numeric_type!(old.dtype(),
                    T => if kind == AssignKind::Add {
                        zip_map::<T, T>(ctx.name, &old, value, |a, b| a + b)?
                    } else {
                        zip_map::<T, T>(ctx.name, &old, value, |a, b| a - b)?
                    },
                    _ => fail!(ctx.name, "cannot update a {} variable arithmetically", old.dtype())
                )
            }
        };
        ctx.state.write_variable(&self.variable, next.clone())?;
        Ok(vec![next])
    }
    fn is_stateful(&self) -> bool {
        true
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None])
    }
}

/// Whether a variable holds a value in the running session, like
/// `tf.compat.v1.is_variable_initialized` (TensorFlow's
/// `IsVariableInitialized`; a resource variable's `VarIsInitializedOp`
/// imports as this). `variable` is the `VariableV2` node's name: the
/// variable is not a data input, so asking never reads it.
#[derive(Debug, Clone)]
pub struct IsVariableInitialized {
    pub variable: String,
    pub dtype: DType,
}

impl OpDef for IsVariableInitialized {
    fn op_type(&self) -> &'static str {
        "IsVariableInitialized"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("dtype", AttrValue::Type(self.dtype))]
    }
    fn tf_ref_input(&self) -> Option<&str> {
        Some(&self.variable)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("IsVariableInitialized", inputs, 0)?;
        Ok(vec![TensorSpec::new(
            DType::Bool,
            PartialShape::from_dims(&[]),
        )])
    }
    fn compute(&self, ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let set = ctx.state.read_variable(&self.variable).is_some();
        Ok(vec![Tensor::scalar(set)])
    }
    fn is_stateful(&self) -> bool {
        true
    }
}
