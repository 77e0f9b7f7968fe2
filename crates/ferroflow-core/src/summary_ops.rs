//! TF1 summary ops in graphs (`tf.compat.v1.summary.scalar`, `histogram`,
//! `image`, `text`, `merge_all`): each produces a serialized `Summary`
//! protocol buffer as a string scalar when run.
//!
//! ```
//! use ferroflow_core::graph::Graph;
//! use ferroflow_core::session::Session;
//! use ferroflow_core::summary_ops as summary;
//! use ferroflow_core::prelude::*;
//! use ferroflow_io::proto::Summary;
//! use prost::Message;
//! let g = Graph::new();
//! let loss = g.constant(Tensor::scalar(0.25f32), "mse").unwrap();
//! let s = summary::scalar("MSE", &loss).unwrap();
//! let merged = summary::merge_all(&g).unwrap().unwrap();
//! let out = Session::new(&g).run(&[&merged], &[]).unwrap();
//! let bytes = &out[0].as_strings().unwrap()[0];
//! let decoded = Summary::decode(bytes.as_slice()).unwrap();
//! // The tag is the op's unique name: "MSE" clashes with "mse".
//! assert_eq!(decoded.value[0].tag, "MSE_1");
//! # let _ = s;
//! ```

use crate::graph::{Graph, NodeName, Output};
use crate::op::OpDef;
use crate::{fail, AttrValue, Error, OpContext, PartialShape, Result, TensorSpec};
use ferroflow_io::events::{text as text_value, v1};
use ferroflow_io::proto::{Summary, SummaryMetadata, SummaryValue};
use ferroflow_tensor::{DType, Tensor};
use prost::Message;
use std::sync::Arc;

/// The collection summary ops join (`tf.GraphKeys.SUMMARIES`).
pub const SUMMARIES: &str = "summaries";

/// What a summary op records.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SummaryKind {
    /// `ScalarSummary`: a `simple_value`.
    Scalar,
    /// `HistogramSummary`: a `HistogramProto`.
    Histogram,
    /// `ImageSummary` of at most `max_images` images.
    Image { max_images: usize },
    /// `TensorSummaryV2` of strings with the text plugin's metadata.
    Text,
}

/// A summary op: inputs `(tag, values)` (and, for text, the serialized
/// metadata), output a serialized `Summary`.
#[derive(Debug, Clone)]
pub struct SummaryOp {
    pub kind: SummaryKind,
}

/// `MergeSummary`: the values of several serialized summaries in one.
#[derive(Debug, Clone, Copy)]
pub struct MergeSummary {
    /// The number of inputs.
    pub n: usize,
}

fn string_scalar() -> Vec<TensorSpec> {
    vec![TensorSpec::new(DType::String, PartialShape::from_dims(&[]))]
}

fn encode(values: Vec<SummaryValue>) -> Result<Vec<Tensor>> {
    let bytes = Summary { value: values }.encode_to_vec();
    Ok(vec![Tensor::from_strings(&[bytes], [])?])
}

impl OpDef for SummaryOp {
    fn op_type(&self) -> &'static str {
        match self.kind {
            SummaryKind::Scalar => "ScalarSummary",
            SummaryKind::Histogram => "HistogramSummary",
            SummaryKind::Image { .. } => "ImageSummary",
            SummaryKind::Text => "TensorSummaryV2",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        match self.kind {
            SummaryKind::Image { max_images } => {
                vec![("max_images", AttrValue::Int(max_images as i64))]
            }
            _ => Vec::new(),
        }
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let arity = if self.kind == SummaryKind::Text { 3 } else { 2 };
        if inputs.len() != arity || inputs[0].dtype != DType::String {
            fail!(
                self.op_type(),
                "expected a string tag and {} more inputs, got {} inputs",
                arity - 1,
                inputs.len()
            );
        }
        let values = &inputs[1];
        match self.kind {
            SummaryKind::Scalar if values.shape.rank().is_some_and(|r| r != 0) => fail!(
                self.op_type(),
                "tags and values are not the same shape: [] != {}",
                values.shape.bracketed()
            ),
            SummaryKind::Text if values.dtype != DType::String => fail!(
                self.op_type(),
                "text summary data must be strings, got {}",
                values.dtype
            ),
            _ => Ok(string_scalar()),
        }
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let tag = match inputs[0].as_strings()?.first() {
            Some(t) => String::from_utf8_lossy(t).into_owned(),
            None => fail!(ctx.name, "tags must be a string scalar"),
        };
        let io = |e: ferroflow_io::IoError| Error::invalid(ctx.name, e.to_string());
        let values = inputs[1];
        let out = match self.kind {
            SummaryKind::Scalar => {
                let v = values.to_f64_vec()?;
                vec![v1::scalar(&tag, v[0] as f32)]
            }
            SummaryKind::Histogram => vec![v1::histogram(&tag, values).map_err(io)?],
            SummaryKind::Image { max_images } => v1::image(&tag, values, max_images).map_err(io)?,
            SummaryKind::Text => vec![text_value(&tag, values).map_err(io)?],
        };
        encode(out)
    }
}

impl OpDef for MergeSummary {
    fn op_type(&self) -> &'static str {
        "MergeSummary"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        if let Some(bad) = inputs.iter().find(|s| s.dtype != DType::String) {
            fail!("MergeSummary", "inputs must be strings, got {}", bad.dtype);
        }
        Ok(string_scalar())
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("N", AttrValue::Int(self.n as i64))]
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let mut values = Vec::new();
        for input in inputs {
            for bytes in input.as_strings()? {
                let s = Summary::decode(bytes.as_slice()).map_err(|e| {
                    Error::invalid(
                        ctx.name,
                        format!("Could not parse one of the summary inputs: {e}"),
                    )
                })?;
                values.extend(s.value);
            }
        }
        encode(values)
    }
}

/// A tag TensorBoard accepts: characters other than letters, digits, `_`,
/// `-`, `.` and `/` become `_`; a leading `/` is dropped.
fn clean_tag(name: &str) -> String {
    name.trim_start_matches('/')
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "_-./".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Adds a summary node named after `name` in the current scope, made
/// unique; its tag is that unique name.
fn summary(name: &str, kind: SummaryKind, values: &Output) -> Result<Output> {
    let graph = values.graph().clone();
    let scope = graph.name_scope(&clean_tag(name));
    let op_name = scope.name.trim_end_matches('/').to_string();
    let tag = graph.constant(Tensor::from_strings(&[op_name.as_str()], [])?, "tag")?;
    let mut inputs = vec![&tag, values];
    let metadata;
    if kind == SummaryKind::Text {
        let bytes = SummaryMetadata::plugin("text").encode_to_vec();
        metadata = graph.constant(
            Tensor::from_strings(&[bytes], [])?,
            "serialized_summary_metadata",
        )?;
        inputs.push(&metadata);
    }
    let (_, out) = graph.add_node(
        Arc::new(SummaryOp { kind }),
        &inputs,
        NodeName::Exact(&op_name),
    )?;
    drop(scope);
    let out = out[0].clone();
    graph.add_to_collection(SUMMARIES, out.clone());
    Ok(out)
}

/// A scalar summary, like `tf.compat.v1.summary.scalar(name, tensor)`.
pub fn scalar(name: &str, tensor: &Output) -> Result<Output> {
    summary(name, SummaryKind::Scalar, tensor)
}

/// A histogram summary, like `tf.compat.v1.summary.histogram(name, values)`.
pub fn histogram(name: &str, values: &Output) -> Result<Output> {
    summary(name, SummaryKind::Histogram, values)
}

/// An image summary of up to `max_outputs` images of a `[batch, height,
/// width, channels]` tensor, like `tf.compat.v1.summary.image`.
pub fn image(name: &str, tensor: &Output, max_outputs: usize) -> Result<Output> {
    let max_images = max_outputs;
    summary(name, SummaryKind::Image { max_images }, tensor)
}

/// A text summary of a string tensor, like `tf.compat.v1.summary.text`.
pub fn text(name: &str, tensor: &Output) -> Result<Output> {
    summary(name, SummaryKind::Text, tensor)
}

/// One op merging `inputs` (serialized summaries), like
/// `tf.compat.v1.summary.merge`.
pub fn merge(inputs: &[&Output]) -> Result<Output> {
    let Some(first) = inputs.first() else {
        fail!("MergeSummary", "merge needs at least one summary");
    };
    let graph = first.graph().clone();
    let _scope = graph.name_scope("Merge");
    graph.add_op1(MergeSummary { n: inputs.len() }, inputs, None)
}

/// Merges every summary of the `summaries` collection, like
/// `tf.compat.v1.summary.merge_all()`; `None` when there is none.
pub fn merge_all(graph: &Graph) -> Result<Option<Output>> {
    let tensors: Vec<Output> = graph
        .get_collection(SUMMARIES, None)
        .into_iter()
        .filter_map(|item| match item {
            crate::graph::CollectionItem::Tensor(t) => Some(t),
            _ => None,
        })
        .collect();
    if tensors.is_empty() {
        return Ok(None);
    }
    let refs: Vec<&Output> = tensors.iter().collect();
    merge(&refs).map(Some)
}
