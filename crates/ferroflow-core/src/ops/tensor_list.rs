//! TensorFlow's tensor lists: the stacks a TF2 `while_loop` gradient keeps
//! each iteration's values on (`EmptyTensorList`, `TensorListPushBack`,
//! `TensorListPopBack`, also what ferroflow's own exported loop gradients
//! use, `graph_def/while_grad.rs`) and what `tf.TensorArray` and
//! `tf.map_fn` build (`TensorListReserve`, `TensorListSetItem`,
//! `TensorListGetItem`, `TensorListStack`, `TensorListFromTensor`,
//! `TensorListLength`, `TensorListElementShape`), so such graphs import and
//! run.
//!
//! TensorFlow's list is a `DT_VARIANT` scalar; ferroflow has no variant
//! dtype, so a list is a 1-D `string` tensor with one serialized
//! `TensorProto` per element (an empty string for an element not yet set).
//! Lists are values: each op copies the element strings (O(length)), where
//! TF may reuse the buffer in place.
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

use super::{check_arity, stack, ManipOps, MathOps};
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

fn encode(tensor: &Tensor) -> Vec<u8> {
    TensorProto::from_tensor(tensor).encode_to_vec()
}

/// A list element of `dtype`; one not yet set reads as zeros of
/// `element_shape` (an int32 input), which must then be fully defined.
fn element(op: &str, bytes: &[u8], dtype: DType, element_shape: &Tensor) -> Result<Tensor> {
    if bytes.is_empty() {
        return zeros(op, dtype, element_shape);
    }
    let tensor = decode(op, bytes)?;
    if tensor.dtype() != dtype {
        fail!(
            op,
            "Invalid data types; op elements {} but list elements {}",
            dtype,
            tensor.dtype()
        );
    }
    Ok(tensor)
}

/// A set list element.
fn decode(op: &str, bytes: &[u8]) -> Result<Tensor> {
    let proto = TensorProto::decode(bytes)
        .map_err(|e| crate::Error::invalid(op, format!("bad list element: {e}")))?;
    proto
        .to_tensor(op)
        .map_err(|e| crate::Error::invalid(op, e.to_string()))
}

/// The element-wise sum of two lists of one length (an element not set
/// counts as zeros), as TF adds lists when it accumulates the gradients of
/// a `tf.TensorArray` (`AddN` of `DT_VARIANT`s).
pub(crate) fn add_lists(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (a, b) = (elements(op, a)?, elements(op, b)?);
    if a.len() != b.len() {
        fail!(
            op,
            "Trying to add two lists of tensors with different lengths. One is {} and the other is {}",
            a.len(),
            b.len()
        );
    }
    let sum = a
        .iter()
        .zip(b)
        .map(|(x, y)| match (x.is_empty(), y.is_empty()) {
            (true, _) => Ok(y.clone()),
            (_, true) => Ok(x.clone()),
            _ => Ok(encode(&decode(op, x)?.add(&decode(op, y)?)?)),
        })
        .collect::<Result<Vec<_>>>()?;
    list_value(&sum)
}

/// Zeros of `dtype` at `element_shape`, which must be fully defined.
fn zeros(op: &str, dtype: DType, element_shape: &Tensor) -> Result<Tensor> {
    let dims: Vec<i64> = element_shape
        .to_f64_vec()?
        .iter()
        .map(|&d| d as i64)
        .collect();
    let sizes: Option<Vec<usize>> = (element_shape.shape().rank() == 1)
        .then(|| dims.iter().map(|&d| usize::try_from(d).ok()).collect())
        .flatten();
    match sizes {
        Some(sizes) => Ok(Tensor::zeros(dtype, sizes)?),
        None => fail!(
            op,
            "Trying to read an uninitialized tensor but element_shape {dims:?} is not fully defined"
        ),
    }
}

/// The int32 scalar value of `t` as an index into a list of `n`.
fn index(op: &str, t: &Tensor, n: usize) -> Result<usize> {
    let i = t.to_scalar::<i32>()?;
    match usize::try_from(i) {
        Ok(i) if i < n => Ok(i),
        _ => fail!(
            op,
            "Trying to access element {i} in a list with {n} elements."
        ),
    }
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
        let tensor = element(ctx.name, last, self.element_dtype, inputs[1])?;
        Ok(vec![list_value(rest)?, tensor])
    }
}

/// A list of `num_elements` elements not yet set, like TF's
/// `TensorListReserve` (`tf.TensorArray(size=n)`). Inputs:
/// `element_shape`, `num_elements` (int32).
#[derive(Debug, Clone, Copy)]
pub struct TensorListReserve {
    pub element_dtype: DType,
}

impl OpDef for TensorListReserve {
    fn op_type(&self) -> &'static str {
        "TensorListReserve"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        EmptyTensorList {
            element_dtype: self.element_dtype,
        }
        .attrs()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListReserve", inputs, 2)?;
        check_int32("TensorListReserve", inputs, 0)?;
        check_int32("TensorListReserve", inputs, 1)?;
        Ok(vec![list_spec()])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let n = inputs[1].to_scalar::<i32>()?;
        let Ok(n) = usize::try_from(n) else {
            fail!(ctx.name, "num_elements must be non-negative, got {n}");
        };
        Ok(vec![list_value(&vec![Vec::new(); n])?])
    }
}

/// The list with element `index` replaced by `item`, like TF's
/// `TensorListSetItem` (`TensorArray.write`). Inputs: `input_handle`,
/// `index` (int32), `item`.
#[derive(Debug, Clone, Copy)]
pub struct TensorListSetItem {
    pub element_dtype: DType,
}

impl OpDef for TensorListSetItem {
    fn op_type(&self) -> &'static str {
        "TensorListSetItem"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("element_dtype", AttrValue::Type(self.element_dtype))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListSetItem", inputs, 3)?;
        check_list("TensorListSetItem", inputs, 0)?;
        check_int32("TensorListSetItem", inputs, 1)?;
        TensorListPushBack {
            element_dtype: self.element_dtype,
        }
        .infer(&[inputs[0].clone(), inputs[2].clone()])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let mut items = elements(ctx.name, inputs[0])?.to_vec();
        let i = index(ctx.name, inputs[1], items.len())?;
        items[i] = encode(inputs[2]);
        Ok(vec![list_value(&items)?])
    }
}

/// Element `index` of the list, like TF's `TensorListGetItem`
/// (`TensorArray.read`). Inputs: `input_handle`, `index`, `element_shape`
/// (int32: the shape of an element not yet set, read as zeros).
#[derive(Debug, Clone, Copy)]
pub struct TensorListGetItem {
    pub element_dtype: DType,
}

impl OpDef for TensorListGetItem {
    fn op_type(&self) -> &'static str {
        "TensorListGetItem"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("element_dtype", AttrValue::Type(self.element_dtype))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListGetItem", inputs, 3)?;
        check_list("TensorListGetItem", inputs, 0)?;
        check_int32("TensorListGetItem", inputs, 1)?;
        check_int32("TensorListGetItem", inputs, 2)?;
        let spec = TensorSpec::new(self.element_dtype, PartialShape::unknown());
        Ok(vec![spec])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let items = elements(ctx.name, inputs[0])?;
        let i = index(ctx.name, inputs[1], items.len())?;
        let item = element(ctx.name, &items[i], self.element_dtype, inputs[2])?;
        Ok(vec![item])
    }
}

/// The elements stacked along a new first axis, like TF's
/// `TensorListStack` (`TensorArray.stack`). Inputs: `input_handle`,
/// `element_shape` (int32: the shape of elements not yet set, and of an
/// empty list's).
#[derive(Debug, Clone, Copy)]
pub struct TensorListStack {
    pub element_dtype: DType,
}

impl OpDef for TensorListStack {
    fn op_type(&self) -> &'static str {
        "TensorListStack"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("element_dtype", AttrValue::Type(self.element_dtype)),
            ("num_elements", AttrValue::Int(-1)),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListStack", inputs, 2)?;
        check_list("TensorListStack", inputs, 0)?;
        check_int32("TensorListStack", inputs, 1)?;
        let spec = TensorSpec::new(self.element_dtype, PartialShape::unknown());
        Ok(vec![spec])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let items = elements(ctx.name, inputs[0])?;
        if items.is_empty() {
            let empty = zeros(ctx.name, self.element_dtype, inputs[1])?;
            let mut dims = vec![0];
            dims.extend(empty.shape().dims());
            return Ok(vec![Tensor::zeros(self.element_dtype, dims)?]);
        }
        let values = items
            .iter()
            .map(|b| element(ctx.name, b, self.element_dtype, inputs[1]))
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Tensor> = values.iter().collect();
        Ok(vec![stack(&refs, 0)?])
    }
}

/// The list of a tensor's slices along its first axis, like TF's
/// `TensorListFromTensor` (`TensorArray.unstack`). Inputs: `tensor`,
/// `element_shape` (int32, not constrained).
#[derive(Debug, Clone, Copy)]
pub struct TensorListFromTensor {
    pub element_dtype: DType,
}

impl OpDef for TensorListFromTensor {
    fn op_type(&self) -> &'static str {
        "TensorListFromTensor"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        EmptyTensorList {
            element_dtype: self.element_dtype,
        }
        .attrs()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListFromTensor", inputs, 2)?;
        check_int32("TensorListFromTensor", inputs, 1)?;
        if inputs[0].dtype != self.element_dtype || inputs[0].shape.rank() == Some(0) {
            fail!(
                "TensorListFromTensor",
                "tensor must be a {} tensor of rank >= 1, got a {} tensor of shape {}",
                self.element_dtype,
                inputs[0].dtype,
                inputs[0].shape
            );
        }
        Ok(vec![list_spec()])
    }
    fn compute(&self, _ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let items: Vec<Vec<u8>> = inputs[0].unstack(None, 0)?.iter().map(encode).collect();
        Ok(vec![list_value(&items)?])
    }
}

/// The number of elements of a list (int32 scalar), like TF's
/// `TensorListLength` (`TensorArray.size`).
#[derive(Debug, Clone, Copy)]
pub struct TensorListLength;

impl OpDef for TensorListLength {
    fn op_type(&self) -> &'static str {
        "TensorListLength"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListLength", inputs, 1)?;
        check_list("TensorListLength", inputs, 0)?;
        Ok(vec![TensorSpec::new(
            DType::I32,
            PartialShape::from_dims(&[]),
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let n = elements(ctx.name, inputs[0])?.len();
        Ok(vec![Tensor::scalar(n as i32)])
    }
}

/// The shape of a list's elements (int32), like TF's
/// `TensorListElementShape`: that of its first element set, or `-1`
/// (unknown) when none is.
#[derive(Debug, Clone, Copy)]
pub struct TensorListElementShape;

impl OpDef for TensorListElementShape {
    fn op_type(&self) -> &'static str {
        "TensorListElementShape"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("shape_type", AttrValue::Type(DType::I32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("TensorListElementShape", inputs, 1)?;
        check_list("TensorListElementShape", inputs, 0)?;
        Ok(vec![TensorSpec::new(DType::I32, PartialShape::unknown())])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let items = elements(ctx.name, inputs[0])?;
        let unknown = Tensor::scalar(-1i32);
        let Some(first) = items.iter().find(|b| !b.is_empty()) else {
            return Ok(vec![unknown]);
        };
        let proto = TensorProto::decode(first.as_slice())
            .map_err(|e| crate::Error::invalid(ctx.name, format!("bad list element: {e}")))?;
        let dims: Vec<i32> = proto
            .tensor_shape
            .unwrap_or_default()
            .dim
            .iter()
            .map(|d| d.size as i32)
            .collect();
        let n = dims.len();
        Ok(vec![Tensor::from_vec(dims, [n])?])
    }
}
