//! TensorFlow's tensor lists (`EmptyTensorList`, `TensorListPushBack`,
//! `TensorListPopBack`): the stacks a TF2 `while_loop` gradient keeps each
//! iteration's values on, and what ferroflow's own exported loop gradients
//! use (`graph_def/while_grad.rs`), so such graphs import and run.
//!
//! TensorFlow's list is a `DT_VARIANT` scalar; ferroflow has no variant
//! dtype, so a list is a 1-D `string` tensor with one serialized
//! `TensorProto` per element. Lists are values: a push or pop copies the
//! element strings (O(length)), where TF may reuse the buffer in place.
//!
//! ```
//! use ferroflow_core::graph::Graph;
//! use ferroflow_core::ops::{EmptyTensorList, TensorListPopBack, TensorListPushBack};
//! use ferroflow_core::prelude::*;
//! use ferroflow_core::session::Session;
//! let g = Graph::new();
//! let any = g.constant(Tensor::scalar(-1i32), "any").unwrap();
//! let list = g.add_op1(EmptyTensorList { element_dtype: DType::F32 }, &[&any, &any], None).unwrap();
//! let x = g.constant(Tensor::from([1.0f32, 2.0]), "x").unwrap();
//! let list = g.add_op1(TensorListPushBack { element_dtype: DType::F32 }, &[&list, &x], None).unwrap();
//! let pop = TensorListPopBack { element_dtype: DType::F32 };
//! let popped = g.add_op(std::sync::Arc::new(pop), &[&list, &any], None).unwrap();
//! let out = Session::new(&g).run(&[&popped[1]], &[]).unwrap();
//! assert_eq!(out[0], Tensor::from([1.0f32, 2.0]));
//! ```

use super::check_arity;
use crate::{fail, AttrValue, OpContext, OpDef, PartialShape, Result, TensorSpec};
use ferroflow_io::proto::TensorProto;
use ferroflow_tensor::{DType, Tensor};
use prost::Message;

/// The spec of a list value: a `string` vector of any length.
fn list_spec() -> TensorSpec {
    TensorSpec::new(DType::String, PartialShape::unknown_dims(1))
}

/// Fails unless input `i` of `op` is a list (a `string` tensor).
fn check_list(op: &str, inputs: &[TensorSpec], i: usize) -> Result<()> {
    let s = &inputs[i];
    if s.dtype != DType::String || s.shape.rank().is_some_and(|r| r != 1) {
        fail!(
            op,
            "input #{i} must be a tensor list, got a {} tensor of shape {}",
            s.dtype,
            s.shape
        );
    }
    Ok(())
}

/// Fails unless input `i` of `op` is an int32 tensor (`element_shape`,
/// `max_num_elements`, which ferroflow accepts and does not constrain).
fn check_int32(op: &str, inputs: &[TensorSpec], i: usize) -> Result<()> {
    if inputs[i].dtype != DType::I32 {
        fail!(op, "input #{i} must be int32, got {}", inputs[i].dtype);
    }
    Ok(())
}

/// The elements of a list value.
fn elements<'a>(op: &str, list: &'a Tensor) -> Result<&'a [Vec<u8>]> {
    if list.shape().rank() != 1 {
        fail!(op, "expected a tensor list, got shape {}", list.shape());
    }
    Ok(list.as_strings()?)
}

fn list_value(elements: &[Vec<u8>]) -> Result<Tensor> {
    Ok(Tensor::from_strings(elements, [elements.len()])?)
}

/// An empty list of `element_dtype` tensors, like TF's `EmptyTensorList`.
/// Inputs: `element_shape` and `max_num_elements` (int32; ferroflow
/// accepts any shape and length).
#[derive(Debug, Clone, Copy)]
pub struct EmptyTensorList {
    pub element_dtype: DType,
}

impl OpDef for EmptyTensorList {
    fn op_type(&self) -> &'static str {
        "EmptyTensorList"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("element_dtype", AttrValue::Type(self.element_dtype)),
            ("shape_type", AttrValue::Type(DType::I32)),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("EmptyTensorList", inputs, 2)?;
        check_int32("EmptyTensorList", inputs, 0)?;
        check_int32("EmptyTensorList", inputs, 1)?;
        Ok(vec![list_spec()])
    }
    fn compute(&self, _ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![list_value(&[])?])
    }
}

/// The list with `tensor` appended, like TF's `TensorListPushBack`.
/// Inputs: `input_handle` (the list), `tensor`.
#[derive(Debug, Clone, Copy)]
pub struct TensorListPushBack {
    pub element_dtype: DType,
}

impl OpDef for TensorListPushBack {
    fn op_type(&self) -> &'static str {
        "TensorListPushBack"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("element_dtype", AttrValue::Type(self.element_dtype))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListPushBack", inputs, 2)?;
        check_list("TensorListPushBack", inputs, 0)?;
        if inputs[1].dtype != self.element_dtype {
            fail!(
                "TensorListPushBack",
                "Invalid data types; list elements {} but tried to append {}",
                self.element_dtype,
                inputs[1].dtype
            );
        }
        Ok(vec![list_spec()])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let mut items = elements(ctx.name, inputs[0])?.to_vec();
        items.push(TensorProto::from_tensor(inputs[1]).encode_to_vec());
        Ok(vec![list_value(&items)?])
    }
}

/// The list without its last element, and that element, like TF's
/// `TensorListPopBack`. Inputs: `input_handle` (the list),
/// `element_shape` (int32, not constrained).
#[derive(Debug, Clone, Copy)]
pub struct TensorListPopBack {
    pub element_dtype: DType,
}

impl OpDef for TensorListPopBack {
    fn op_type(&self) -> &'static str {
        "TensorListPopBack"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("element_dtype", AttrValue::Type(self.element_dtype))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListPopBack", inputs, 2)?;
        check_list("TensorListPopBack", inputs, 0)?;
        check_int32("TensorListPopBack", inputs, 1)?;
        let element = TensorSpec::new(self.element_dtype, PartialShape::unknown());
        Ok(vec![list_spec(), element])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let items = elements(ctx.name, inputs[0])?;
        let Some((last, rest)) = items.split_last() else {
            fail!(ctx.name, "Trying to pop from an empty list.");
        };
        let proto = TensorProto::decode(last.as_slice())
            .map_err(|e| crate::Error::invalid(ctx.name, format!("bad list element: {e}")))?;
        let tensor = proto
            .to_tensor(ctx.name)
            .map_err(|e| crate::Error::invalid(ctx.name, e.to_string()))?;
        if tensor.dtype() != self.element_dtype {
            fail!(
                ctx.name,
                "Invalid data types; op elements {} but list elements {}",
                self.element_dtype,
                tensor.dtype()
            );
        }
        Ok(vec![list_value(rest)?, tensor])
    }
}
