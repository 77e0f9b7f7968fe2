//! `Graph::import_graph_def`: rebuilding ops from `NodeDef`s, through a
//! registry from TensorFlow op type to constructor.

use super::functions;
use super::identity_n::IdentityN;
use crate::graph::{Graph, NodeName, Output};
use crate::ops::*;
use crate::summary_ops::{MergeSummary, SummaryKind, SummaryOp};
use crate::{fail, Error, Op, PartialShape, Result};
use ferroflow_io::proto::{
    attr_value::Value, DataType, FunctionDefLibrary, GraphDef, NodeDef, TensorShapeProto,
};
use ferroflow_tensor::kernels::index::StridedSliceSpec;
use ferroflow_tensor::kernels::reduce::ReduceKind;
use ferroflow_tensor::{DType, Shape, Tensor};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A node being imported: its `NodeDef` and the graph's nodes by name.
struct Ctx<'a> {
    def: &'a NodeDef,
    by_name: &'a HashMap<&'a str, &'a NodeDef>,
}

/// The op of a node and which of its inputs are data inputs (the others
/// are constants the op keeps as attributes, or a ref variable).
type Built = (Arc<dyn Op>, Vec<usize>);

impl<'a> Ctx<'a> {
    fn attr(&self, key: &str) -> Result<&Value> {
        self.def
            .attr
            .get(key)
            .and_then(|a| a.value.as_ref())
            .ok_or_else(|| self.error(format!("NodeDef missing attr '{key}'")))
    }

    fn error(&self, msg: String) -> Error {
        Error::invalid(
            "import_graph_def",
            format!("{msg} (node '{}', op {})", self.def.name, self.def.op),
        )
    }

    fn dtype(&self, key: &str) -> Result<DType> {
        match self.attr(key)? {
            Value::Type(t) => DataType::dtype_of(*t, key).map_err(|e| self.error(e.to_string())),
            _ => Err(self.error(format!("attr '{key}' is not a type"))),
        }
    }

    fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.def.attr.get(key).and_then(|a| a.value.as_ref()) {
            None => Ok(default),
            Some(Value::B(b)) => Ok(*b),
            Some(_) => Err(self.error(format!("attr '{key}' is not a bool"))),
        }
    }

    fn int_or(&self, key: &str, default: i64) -> Result<i64> {
        match self.def.attr.get(key).and_then(|a| a.value.as_ref()) {
            None => Ok(default),
            Some(Value::I(i)) => Ok(*i),
            Some(_) => Err(self.error(format!("attr '{key}' is not an int"))),
        }
    }

    fn float(&self, key: &str) -> Result<f32> {
        match self.attr(key)? {
            Value::F(f) => Ok(*f),
            _ => Err(self.error(format!("attr '{key}' is not a float"))),
        }
    }

    /// The static shape of output `k` (`_output_shapes`), unknown when the
    /// NodeDef does not carry it.
    fn output_shape(&self, k: usize) -> PartialShape {
        match self.attr("_output_shapes") {
            Ok(Value::List(l)) => l
                .shape
                .get(k)
                .map_or_else(PartialShape::unknown, partial_shape),
            _ => PartialShape::unknown(),
        }
    }

    /// `align_corners` and `half_pixel_centers` of a resize node.
    fn corners(&self) -> Result<(bool, bool)> {
        Ok((
            self.bool_or("align_corners", false)?,
            self.bool_or("half_pixel_centers", false)?,
        ))
    }

    /// The `[height, width]` held by input `i`, a `Const` node.
    fn const_size2(&self, i: usize) -> Result<[usize; 2]> {
        match self.const_sizes(i)?.as_slice() {
            &[h, w] => Ok([h, w]),
            other => Err(self.error(format!("input #{i} must hold 2 sizes, got {other:?}"))),
        }
    }

    /// The window of a pooling node (`ksize`, `strides`, `padding`).
    fn pool_window(&self) -> Result<Pool2d> {
        let w = self.window()?;
        Ok(Pool2d {
            ksize: self.spatial("ksize")?,
            strides: w.strides,
            padding: w.padding,
        })
    }

    /// The slice of a `StridedSlice(Grad)` node: `begin`, `end`, `strides`
    /// (inputs 1–3, `Const` nodes) and the masks.
    fn strided_slice_spec(&self) -> Result<StridedSliceSpec> {
        Ok(StridedSliceSpec {
            begin: self.const_ints(1)?,
            end: self.const_ints(2)?,
            strides: self.const_ints(3)?,
            begin_mask: self.int_or("begin_mask", 0)?,
            end_mask: self.int_or("end_mask", 0)?,
            ellipsis_mask: self.int_or("ellipsis_mask", 0)?,
            new_axis_mask: self.int_or("new_axis_mask", 0)?,
            shrink_axis_mask: self.int_or("shrink_axis_mask", 0)?,
        })
    }

    /// The tensor whose shape input `i` is: input `i` must be a `Shape`
    /// node (as TF's gradient and ferroflow's export write
    /// `StridedSliceGrad`'s `shape`).
    fn shaped_input(&self, i: usize) -> Result<&'a str> {
        let def: &'a NodeDef = self.def;
        def.input
            .get(i)
            .and_then(|n| self.by_name.get(node_name(n)))
            .filter(|n| n.op == "Shape")
            .and_then(|n| n.input.first())
            .map(String::as_str)
            .ok_or_else(|| {
                self.error(format!(
                    "input #{i} must be a Shape node to import this op (ferroflow's op takes the shaped tensor)"
                ))
            })
    }

    fn shape(&self, key: &str) -> Result<PartialShape> {
        match self.attr(key)? {
            Value::Shape(s) => Ok(partial_shape(s)),
            _ => Err(self.error(format!("attr '{key}' is not a shape"))),
        }
    }

    fn tensor(&self, key: &str) -> Result<Tensor> {
        match self.attr(key)? {
            Value::Tensor(t) => t.to_tensor(key).map_err(|e| self.error(e.to_string())),
            _ => Err(self.error(format!("attr '{key}' is not a tensor"))),
        }
    }

    fn ints(&self, key: &str) -> Result<Vec<i64>> {
        match self.attr(key)? {
            Value::List(l) => Ok(l.i.clone()),
            _ => Err(self.error(format!("attr '{key}' is not a list of ints"))),
        }
    }

    /// Fails unless `data_format` is NHWC (the default).
    fn nhwc(&self) -> Result<()> {
        match self
            .def
            .attr
            .get("data_format")
            .and_then(|a| a.value.as_ref())
        {
            None => Ok(()),
            Some(Value::S(f)) if f == b"NHWC" => Ok(()),
            Some(_) => Err(self.error("only data_format NHWC imports".into())),
        }
    }

    /// The height and width entries of a 4-int NHWC attribute (`strides`).
    fn spatial(&self, key: &str) -> Result<[usize; 2]> {
        if !self.def.attr.contains_key(key) && key == "dilations" {
            return Ok([1, 1]);
        }
        match self.ints(key)?.as_slice() {
            &[_, h, w, _] => Ok([h as usize, w as usize]),
            other => Err(self.error(format!("attr '{key}' must have 4 ints, got {other:?}"))),
        }
    }

    /// The strides and padding of a convolution or pooling node.
    fn window(&self) -> Result<Window2d> {
        self.nhwc()?;
        let padding = match self.attr("padding")? {
            Value::S(p) if p == b"SAME" => Padding::Same,
            Value::S(p) if p == b"VALID" => Padding::Valid,
            Value::S(p) if p == b"EXPLICIT" => {
                let pads = self.ints("explicit_paddings")?;
                let pairs = pads.chunks_exact(2).map(|p| (p[0] as usize, p[1] as usize));
                Padding::Explicit(pairs.skip(1).take(2).collect())
            }
            _ => return Err(self.error("attr 'padding' must be SAME, VALID or EXPLICIT".into())),
        };
        Ok(Window2d::new(self.spatial("strides")?, padding))
    }

    /// The integer scalar value of input `i`, a `Const` node.
    fn const_scalar(&self, i: usize) -> Result<i64> {
        match self.const_input(i)?.to_f64_vec()?.as_slice() {
            [v] => Ok(*v as i64),
            _ => Err(self.error(format!("input #{i} must be a scalar"))),
        }
    }

    /// The integers held by input `i`, a `Const` node.
    fn const_ints(&self, i: usize) -> Result<Vec<i64>> {
        let values = self.const_input(i)?.to_f64_vec()?;
        Ok(values.into_iter().map(|v| v as i64).collect())
    }

    /// The sizes held by input `i`, a `Const` node (negative sizes are an
    /// error).
    fn const_sizes(&self, i: usize) -> Result<Vec<usize>> {
        self.const_ints(i)?
            .into_iter()
            .map(|v| {
                usize::try_from(v)
                    .map_err(|_| self.error(format!("input #{i} holds a negative size {v}")))
            })
            .collect()
    }

    /// The shape held by input `i`, a `Const` node of sizes.
    fn const_dims(&self, i: usize) -> Result<Shape> {
        Ok(self.const_sizes(i)?.into())
    }

    /// The variable node (`VariableV2` or `VarHandleOp`) of input #0.
    fn variable_input(&self) -> Result<&NodeDef> {
        self.def
            .input
            .first()
            .and_then(|i| self.by_name.get(node_name(i)).copied())
            .filter(|v| v.op == "VariableV2" || v.op == "VarHandleOp")
            .ok_or_else(|| self.error("input #0 must be a VariableV2 or VarHandleOp node".into()))
    }

    /// True if input `i` is a `Const` node.
    fn input_is_const(&self, i: usize) -> bool {
        let node = self
            .def
            .input
            .get(i)
            .and_then(|n| self.by_name.get(node_name(n)));
        node.is_some_and(|n| n.op == "Const")
    }

    /// The value of input `i`, which must be a `Const` node.
    fn const_input(&self, i: usize) -> Result<Tensor> {
        let name = self
            .def
            .input
            .get(i)
            .ok_or_else(|| self.error(format!("expected an input #{i}")))?;
        let node = self
            .by_name
            .get(node_name(name))
            .filter(|n| n.op == "Const");
        let node = node.ok_or_else(|| {
            self.error(format!(
                "input #{i} ({name}) must be a Const node to import this op"
            ))
        })?;
        Ctx {
            def: node,
            by_name: self.by_name,
        }
        .tensor("value")
    }
}

/// A `TensorShapeProto` as a partial shape (`-1`: unknown size).
fn partial_shape(s: &TensorShapeProto) -> PartialShape {
    if s.unknown_rank {
        return PartialShape::unknown();
    }
    let dims: Vec<Option<usize>> = s.dim.iter().map(|d| usize::try_from(d.size).ok()).collect();
    PartialShape::from_dims(&dims)
}

/// `node` of an input `node:1` or `^node`.
fn node_name(input: &str) -> &str {
    let input = input.trim_start_matches('^');
    input.rsplit_once(':').map_or(input, |(n, _)| n)
}

/// Ops with no attributes, by TF op type.
fn plain_ops() -> Vec<Arc<dyn Op>> {
    vec![
        Arc::new(Identity),
        Arc::new(StopGradient),
        Arc::new(ZerosLike),
        Arc::new(OnesLike),
        Arc::new(Equal),
        Arc::new(NotEqual),
        Arc::new(Less),
        Arc::new(LessEqual),
        Arc::new(Greater),
        Arc::new(GreaterEqual),
        Arc::new(Neg),
        Arc::new(Abs),
        Arc::new(Sign),
        Arc::new(Square),
        Arc::new(Sqrt),
        Arc::new(Rsqrt),
        Arc::new(Exp),
        Arc::new(Log),
        Arc::new(Log1p),
        Arc::new(Sigmoid),
        Arc::new(Tanh),
        Arc::new(Relu),
        Arc::new(Relu6),
        Arc::new(Elu),
        Arc::new(Selu),
        Arc::new(Softplus),
        Arc::new(Sin),
        Arc::new(Cos),
        Arc::new(Reciprocal),
        Arc::new(Round),
        Arc::new(Floor),
        Arc::new(Ceil),
        Arc::new(Add),
        Arc::new(Sub),
        Arc::new(Mul),
        Arc::new(RealDiv),
        Arc::new(FloorDiv),
        Arc::new(FloorMod),
        Arc::new(Pow),
        Arc::new(Maximum),
        Arc::new(Minimum),
        Arc::new(SquaredDifference),
        Arc::new(ReluGrad),
        Arc::new(NoOp),
        Arc::new(GatherNd),
        Arc::new(SelectV2),
        Arc::new(LogicalNot),
        Arc::new(BroadcastGradientArgs),
        Arc::new(LogicalBinary::AND),
        Arc::new(LogicalBinary::OR),
        Arc::new(IdentityN),
    ]
}

/// The distribution a TF random op draws from.
fn distribution(op_type: &str) -> Distribution {
    match op_type {
        "RandomUniform" | "StatelessRandomUniform" => Distribution::Uniform,
        "RandomStandardNormal" | "StatelessRandomNormal" => Distribution::Normal,
        _ => Distribution::TruncatedNormal,
    }
}

fn summary(kind: SummaryKind, inputs: Vec<usize>) -> Built {
    (Arc::new(SummaryOp { kind }), inputs)
}

/// The op a `NodeDef` describes; `None` for an op type ferroflow does not
/// import.
fn build(cx: &Ctx, plain: &HashMap<&'static str, Arc<dyn Op>>) -> Result<Option<Built>> {
    let n = cx.def.input.iter().filter(|i| !i.starts_with('^')).count();
    let all: Vec<usize> = (0..n).collect();
    let op_type = match cx.def.op.as_str() {
        "Add" => "AddV2",
        "Div" => "RealDiv",
        other => other,
    };
    if let Some(op) = plain.get(op_type) {
        return Ok(Some((op.clone(), all)));
    }
    let reduce = |kind| -> Result<Built> {
        if kind == ReduceKind::Sum && !cx.input_is_const(1) && !cx.bool_or("keep_dims", false)? {
            // Axes computed when the graph runs (gradients of broadcasts).
            return Ok((Arc::new(SumAlong), all.clone()));
        }
        let op = Reduce {
            kind,
            axes: Axes::List(cx.const_ints(1)?),
            keep_dims: cx.bool_or("keep_dims", false)?,
        };
        Ok((Arc::new(op), vec![0]))
    };
    let built: Built = match op_type {
        "Const" => (
            Arc::new(Const {
                value: cx.tensor("value")?,
            }),
            all,
        ),
        "Placeholder" => (
            Arc::new(Placeholder {
                dtype: cx.dtype("dtype")?,
                shape: cx
                    .shape("shape")
                    .unwrap_or_else(|_| PartialShape::unknown()),
            }),
            all,
        ),
        // A resource variable imports as a session-held variable, read
        // where TF reads its handle.
        "VariableV2" | "VarHandleOp" => {
            let shape = cx
                .shape("shape")?
                .to_shape()
                .ok_or_else(|| cx.error("a variable's shape must be fully defined".into()))?;
            let op = VariableV2 {
                dtype: cx.dtype("dtype")?,
                shape,
            };
            (Arc::new(op), all)
        }
        "ReadVariableOp" => (Arc::new(Identity), all),
        "IsVariableInitialized" | "VarIsInitializedOp" => {
            let var = cx.variable_input()?;
            let op = IsVariableInitialized {
                variable: var.name.clone(),
                dtype: Ctx {
                    def: var,
                    by_name: cx.by_name,
                }
                .dtype("dtype")?,
            };
            (Arc::new(op), Vec::new())
        }
        "Assign"
        | "AssignAdd"
        | "AssignSub"
        | "AssignVariableOp"
        | "AssignAddVariableOp"
        | "AssignSubVariableOp" => {
            let var = cx.variable_input()?;
            let var_cx = Ctx {
                def: var,
                by_name: cx.by_name,
            };
            let kind = match op_type {
                "Assign" | "AssignVariableOp" => AssignKind::Set,
                "AssignAdd" | "AssignAddVariableOp" => AssignKind::Add,
                _ => AssignKind::Sub,
            };
            let shape = var_cx.shape("shape")?.to_shape().unwrap_or_default();
            let op = Assign {
                variable: var.name.clone(),
                kind,
                dtype: var_cx.dtype("dtype")?,
                shape,
            };
            (Arc::new(op), vec![1])
        }
        "RandomUniform" | "RandomStandardNormal" | "TruncatedNormal" => {
            let op = RandomStandard {
                distribution: distribution(op_type),
                dtype: cx.dtype("dtype")?,
                shape: cx.const_dims(0)?,
                seed: cx.int_or("seed", 0)?,
                seed2: cx.int_or("seed2", 0)?,
            };
            (Arc::new(op), Vec::new())
        }
        "RandomUniformInt" => {
            let op = RandomUniformInt {
                dtype: cx.dtype("Tout")?,
                shape: cx.const_dims(0)?,
                minval: cx.const_scalar(1)?,
                maxval: cx.const_scalar(2)?,
                seed: cx.int_or("seed", 0)?,
                seed2: cx.int_or("seed2", 0)?,
            };
            (Arc::new(op), Vec::new())
        }
        "StatelessRandomUniform" | "StatelessRandomNormal" | "StatelessTruncatedNormal" => {
            let seed = cx.const_ints(1)?;
            let &[s0, s1] = seed.as_slice() else {
                return Err(cx.error("seed must hold 2 values".into()));
            };
            let op = StatelessRandom {
                distribution: distribution(op_type),
                dtype: cx.dtype("dtype")?,
                shape: cx.const_dims(0)?,
                seed: [s0, s1],
            };
            (Arc::new(op), Vec::new())
        }
        "Reshape" if !cx.input_is_const(1) => (Arc::new(ReshapeTo), all),
        "Reshape" => {
            let shape = cx.const_ints(1)?;
            (Arc::new(Reshape { shape }), vec![0])
        }
        "Shape" | "Size" => {
            if cx.dtype("out_type")? != DType::I32 {
                return Err(cx.error("only out_type int32 imports".into()));
            }
            let op = match op_type {
                "Shape" => ShapeOf::Shape,
                _ => ShapeOf::Size,
            };
            (Arc::new(op), all)
        }
        "Rank" => (Arc::new(ShapeOf::Rank), all),
        "Fill" => (
            Arc::new(Fill {
                shape: cx.const_dims(0)?,
            }),
            vec![1],
        ),
        "OneHot" => {
            let depth = usize::try_from(cx.const_scalar(1)?)
                .map_err(|_| cx.error("depth must not be negative".into()))?;
            let op = OneHot {
                depth,
                axis: cx.int_or("axis", -1)?,
            };
            (Arc::new(op), vec![0, 2, 3])
        }
        "ScatterNd" => (
            Arc::new(ScatterNd {
                shape: cx.const_dims(2)?,
            }),
            vec![0, 1],
        ),
        "UnsortedSegmentSum" => {
            let num_segments = usize::try_from(cx.const_scalar(2)?)
                .map_err(|_| cx.error("num_segments must not be negative".into()))?;
            (Arc::new(UnsortedSegmentSum { num_segments }), vec![0, 1])
        }
        "ReverseV2" => {
            let axes = cx.const_ints(1)?;
            (Arc::new(ReverseV2 { axes }), vec![0])
        }
        "Split" => {
            let op = Split {
                sizes: SplitSizes::Count(cx.int_or("num_split", 1)?),
                axis: cx.const_scalar(0)?,
            };
            (Arc::new(op), vec![1])
        }
        "SplitV" => {
            let op = Split {
                sizes: SplitSizes::Sizes(cx.const_ints(1)?),
                axis: cx.const_scalar(2)?,
            };
            (Arc::new(op), vec![0])
        }
        "Transpose" => {
            let perm = cx.const_sizes(1)?;
            (Arc::new(Transpose { perm }), vec![0])
        }
        "Tile" => {
            let multiples = cx.const_sizes(1)?;
            (Arc::new(Tile { multiples }), vec![0])
        }
        "BroadcastTo" => (
            Arc::new(BroadcastTo {
                shape: cx.const_dims(1)?,
            }),
            vec![0],
        ),
        "ExpandDims" => {
            let axis = cx.const_scalar(1)?;
            (Arc::new(ExpandDims { axis }), vec![0])
        }
        "ConcatV2" => {
            let axis = cx.const_scalar(n.saturating_sub(1))?;
            (
                Arc::new(ConcatV2 { axis }),
                (0..n.saturating_sub(1)).collect(),
            )
        }
        "GatherV2" => {
            let op = GatherV2 {
                axis: cx.const_scalar(2)?,
                batch_dims: cx.int_or("batch_dims", 0)?,
            };
            (Arc::new(op), vec![0, 1])
        }
        "ArgMax" | "ArgMin" => {
            let op = ArgReduce {
                max: op_type == "ArgMax",
                axis: cx.const_scalar(1)?,
            };
            (Arc::new(op), vec![0])
        }
        "Cast" => (
            Arc::new(Cast {
                dtype: cx.dtype("DstT")?,
            }),
            all,
        ),
        "Pad" | "PadV2" | "MirrorPad" => {
            let flat = cx.const_input(1)?.to_f64_vec()?;
            let paddings = flat
                .chunks_exact(2)
                .map(|p| (p[0] as usize, p[1] as usize))
                .collect();
            let mode = match (op_type, cx.attr("mode")) {
                ("MirrorPad", Ok(Value::S(m))) if m == b"SYMMETRIC" => PadMode::Symmetric,
                ("MirrorPad", _) => PadMode::Reflect,
                _ => PadMode::Constant,
            };
            let constant = match op_type {
                "PadV2" => cx
                    .const_input(2)?
                    .to_f64_vec()?
                    .first()
                    .copied()
                    .unwrap_or(0.0),
                _ => 0.0,
            };
            let op = Pad {
                paddings,
                mode,
                constant,
            };
            (Arc::new(op), vec![0])
        }
        "Slice" => {
            let op = Slice {
                begin: cx.const_sizes(1)?,
                size: cx.const_ints(2)?,
            };
            (Arc::new(op), vec![0])
        }
        "Range" => {
            let value = |i| -> Result<f64> {
                let v = cx.const_input(i)?.to_f64_vec()?;
                v.first()
                    .copied()
                    .ok_or_else(|| cx.error(format!("input #{i} is empty")))
            };
            let op = Range {
                start: value(0)?,
                limit: value(1)?,
                delta: value(2)?,
                dtype: cx.dtype("Tidx")?,
            };
            (Arc::new(op), Vec::new())
        }
        "StridedSlice" => {
            let spec = cx.strided_slice_spec()?;
            (Arc::new(StridedSlice { spec }), vec![0])
        }
        "BiasAdd" => {
            cx.nhwc()?;
            (Arc::new(BiasAdd), all)
        }
        "Softmax" | "LogSoftmax" => (
            Arc::new(Softmax {
                log: op_type == "LogSoftmax",
            }),
            all,
        ),
        "Conv2D" | "DepthwiseConv2dNative" => {
            let kind = match op_type {
                "Conv2D" => ConvKind::Dense,
                _ => ConvKind::Depthwise,
            };
            let window = cx.window()?.dilated(cx.spatial("dilations")?);
            (Arc::new(Conv { kind, window }), all)
        }
        "MaxPool" | "AvgPool" => {
            let kind = match op_type {
                "MaxPool" => PoolKind::Max,
                _ => PoolKind::Avg,
            };
            let window = cx.pool_window()?;
            (Arc::new(Pool { kind, window }), all)
        }
        "MaxPoolGrad" => {
            let window = cx.pool_window()?;
            (Arc::new(MaxPoolGrad { window }), all)
        }
        "AvgPoolGrad" => {
            let op = AvgPoolGrad {
                input_shape: cx.output_shape(0),
                window: cx.pool_window()?,
            };
            (Arc::new(op), all)
        }
        "Conv2DBackpropInput"
        | "DepthwiseConv2dNativeBackpropInput"
        | "Conv2DBackpropFilter"
        | "DepthwiseConv2dNativeBackpropFilter" => {
            let kind = match op_type.starts_with("Conv2D") {
                true => ConvKind::Dense,
                false => ConvKind::Depthwise,
            };
            let window = cx.window()?.dilated(cx.spatial("dilations")?);
            let conv = Conv { kind, window };
            let shape = cx.output_shape(0);
            let op: Arc<dyn Op> = if op_type.ends_with("Input") {
                Arc::new(ConvBackpropInput {
                    conv,
                    input_shape: shape,
                })
            } else {
                Arc::new(ConvBackpropFilter {
                    conv,
                    filter_shape: shape,
                })
            };
            (op, all)
        }
        "BiasAddGrad" => {
            cx.nhwc()?;
            (Arc::new(BiasAddGrad), all)
        }
        "ResizeBilinear" | "ResizeNearestNeighbor" => {
            let method = match op_type {
                "ResizeBilinear" => ResizeMethod::Bilinear,
                _ => ResizeMethod::NearestNeighbor,
            };
            let (align_corners, half_pixel_centers) = cx.corners()?;
            let op = Resize {
                method,
                size: cx.const_size2(1)?,
                align_corners,
                half_pixel_centers,
            };
            (Arc::new(op), vec![0])
        }
        "ResizeBilinearGrad" => {
            let (align_corners, half_pixel_centers) = cx.corners()?;
            let op = ResizeBilinearGrad {
                align_corners,
                half_pixel_centers,
            };
            (Arc::new(op), all)
        }
        "ResizeNearestNeighborGrad" => {
            let (align_corners, half_pixel_centers) = cx.corners()?;
            let op = ResizeNearestNeighborGrad {
                size: cx.const_size2(1)?,
                align_corners,
                half_pixel_centers,
            };
            (Arc::new(op), vec![0])
        }
        "FusedBatchNormV3" | "FusedBatchNorm" => {
            cx.nhwc()?;
            let op = FusedBatchNorm {
                epsilon: cx.float("epsilon")?,
                training: cx.bool_or("is_training", true)?,
            };
            (Arc::new(op), all)
        }
        "FusedBatchNormGradV3" => {
            cx.nhwc()?;
            let op = FusedBatchNormGrad {
                epsilon: cx.float("epsilon")?,
                training: cx.bool_or("is_training", true)?,
            };
            // `reserve_space_3` (input #5) is not used.
            (Arc::new(op), (0..5).collect())
        }
        "SoftmaxCrossEntropyWithLogits" => {
            let op = SoftmaxCrossEntropy {
                sparse_labels: None,
            };
            (Arc::new(op), all)
        }
        "SparseSoftmaxCrossEntropyWithLogits" => {
            let op = SoftmaxCrossEntropy {
                sparse_labels: Some(cx.dtype("Tlabels")?),
            };
            (Arc::new(op), all)
        }
        "Pack" => (
            Arc::new(Pack {
                axis: cx.int_or("axis", 0)?,
            }),
            all,
        ),
        "Unpack" => {
            let num = usize::try_from(cx.int_or("num", 0)?)
                .map_err(|_| cx.error("num must not be negative".into()))?;
            let op = Unpack {
                num,
                axis: cx.int_or("axis", 0)?,
            };
            (Arc::new(op), all)
        }
        "Squeeze" => {
            let axes = cx.ints("squeeze_dims").unwrap_or_default();
            (Arc::new(Squeeze { axes }), all)
        }
        "RandomShuffle" => {
            let op = RandomShuffle {
                seed: cx.int_or("seed", 0)?,
                seed2: cx.int_or("seed2", 0)?,
            };
            (Arc::new(op), all)
        }
        "Qr" => {
            if cx.bool_or("full_matrices", false)? {
                return Err(cx.error("only full_matrices=false imports".into()));
            }
            (Arc::new(Qr), all)
        }
        // TF's form takes the sliced tensor's shape; ferroflow's op takes
        // the tensor (see `import_nodes`).
        "StridedSliceGrad" => {
            let spec = cx.strided_slice_spec()?;
            (Arc::new(StridedSliceGrad { spec }), vec![0, 4])
        }
        "MatMul" => {
            let op = MatMul {
                transpose_a: cx.bool_or("transpose_a", false)?,
                transpose_b: cx.bool_or("transpose_b", false)?,
                batched: false,
            };
            (Arc::new(op), all)
        }
        "BatchMatMulV2" | "BatchMatMulV3" => {
            let op = MatMul {
                transpose_a: cx.bool_or("adj_x", false)?,
                transpose_b: cx.bool_or("adj_y", false)?,
                batched: true,
            };
            (Arc::new(op), all)
        }
        "Sum" => reduce(ReduceKind::Sum)?,
        "Mean" => reduce(ReduceKind::Mean)?,
        "Max" => reduce(ReduceKind::Max)?,
        "Min" => reduce(ReduceKind::Min)?,
        "Prod" => reduce(ReduceKind::Prod)?,
        "All" => reduce(ReduceKind::All)?,
        "Any" => reduce(ReduceKind::Any)?,
        "ScalarSummary" => summary(SummaryKind::Scalar, all),
        "HistogramSummary" => summary(SummaryKind::Histogram, all),
        "TensorSummaryV2" => summary(SummaryKind::Text, all),
        "ImageSummary" => {
            let max_images = match cx.attr("max_images") {
                Ok(Value::I(n)) => usize::try_from(*n).unwrap_or(0),
                _ => 3,
            };
            summary(SummaryKind::Image { max_images }, all)
        }
        "MergeSummary" => (Arc::new(MergeSummary { n }), all),
        "EmptyTensorList" => {
            let element_dtype = cx.dtype("element_dtype")?;
            (Arc::new(EmptyTensorList { element_dtype }), all)
        }
        "TensorListPushBack" => {
            let element_dtype = cx.dtype("element_dtype")?;
            (Arc::new(TensorListPushBack { element_dtype }), all)
        }
        "TensorListPopBack" => {
            let element_dtype = cx.dtype("element_dtype")?;
            (Arc::new(TensorListPopBack { element_dtype }), all)
        }
        _ => return Ok(None),
    };
    Ok(Some(built))
}

impl Graph {
    /// Adds the nodes of `graph_def` to this graph under their own names,
    /// like `tf.import_graph_def(graph_def, name="")`, for the ops
    /// ferroflow has (all it exports; TF's `Const`, `Placeholder`,
    /// `VariableV2`, `Assign*`, `Identity`, math, `MatMul`, reductions…).
    /// An unknown op type, a missing input or a name already in the graph
    /// is an error.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::session::Session;
    /// use ferroflow_core::prelude::*;
    /// let g = Graph::new();
    /// let x = g.constant(Tensor::from([1.0f32, 2.0]), "x").unwrap();
    /// let _ = x.mul(&x).unwrap().reduce_sum(0, false).unwrap();
    /// let copy = Graph::new();
    /// copy.import_graph_def(&g.to_graph_def().unwrap()).unwrap();
    /// let y = copy.get_tensor_by_name("Sum:0").unwrap();
    /// let out = Session::new(&copy).run(&[&y], &[]).unwrap();
    /// assert_eq!(out[0].to_scalar::<f32>().unwrap(), 5.0);
    /// ```
    pub fn import_graph_def(&self, graph_def: &GraphDef) -> Result<()> {
        self.import_nodes(&graph_def.node, graph_def.library.as_ref())
    }

    /// Adds `nodes` (in an order where inputs come first), whose `If` and
    /// `While` nodes name functions of `library`.
    pub(super) fn import_nodes(
        &self,
        nodes: &[NodeDef],
        library: Option<&FunctionDefLibrary>,
    ) -> Result<()> {
        let by_name: HashMap<&str, &NodeDef> = nodes.iter().map(|n| (n.name.as_str(), n)).collect();
        let plain: HashMap<&'static str, Arc<dyn Op>> = plain_ops()
            .into_iter()
            .map(|op| (op.op_type(), op))
            .collect();
        let mut built = Vec::with_capacity(nodes.len());
        let mut data_used: HashSet<&str> = HashSet::new();
        let mut unknown = Vec::new();
        for def in nodes {
            let cx = Ctx {
                def,
                by_name: &by_name,
            };
            let (op, data) = if functions::is_function_op(&def.op, library) {
                let n = def.input.iter().filter(|i| !i.starts_with('^')).count();
                (functions::import_op(self, def, library)?, (0..n).collect())
            } else if let Some(built) = build(&cx, &plain)? {
                built
            } else {
                if !unknown.iter().any(|(op, _)| *op == def.op) {
                    unknown.push((def.op.as_str(), def.name.as_str()));
                }
                continue;
            };
            let mut data_inputs: Vec<&str> = data.iter().map(|&i| def.input[i].as_str()).collect();
            if def.op == "StridedSliceGrad" {
                data_inputs[0] = cx.shaped_input(0)?;
            }
            data_used.extend(data_inputs.iter().map(|i| node_name(i)));
            data_used.extend(
                def.input
                    .iter()
                    .filter(|i| i.starts_with('^'))
                    .map(|i| node_name(i)),
            );
            built.push((def, op, data_inputs));
        }
        if !unknown.is_empty() {
            fail!(
                "import_graph_def",
                "Op type not registered in ferroflow's import_graph_def: {}",
                unknown
                    .iter()
                    .map(|(op, node)| format!("'{op}' (node '{node}')"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        // Constants a node keeps as attributes, and shapes it reads from
        // the shaped tensor, are not imported.
        for (def, op, data_inputs) in built {
            if (def.op == "Const" || def.op == "Shape")
                && !data_used.contains(def.name.as_str())
                && consumed(nodes, &def.name)
            {
                continue;
            }
            let inputs = data_inputs
                .iter()
                .map(|i| self.input_tensor(i, &def.name))
                .collect::<Result<Vec<Output>>>()?;
            let controls = def
                .input
                .iter()
                .filter(|i| i.starts_with('^'))
                .map(|i| self.get_operation_by_name(node_name(i)))
                .collect::<Result<Vec<_>>>()?;
            let control_refs: Vec<_> = controls.iter().collect();
            let _deps = self.control_dependencies(&control_refs);
            let _device = self.device(&def.device);
            let refs: Vec<&Output> = inputs.iter().collect();
            self.add_node(op, &refs, NodeName::Exact(&def.name))?;
        }
        Ok(())
    }

    /// The tensor an input string (`name`, `name:1`) names.
    fn input_tensor(&self, input: &str, node: &str) -> Result<Output> {
        let name = if input.contains(':') {
            input.to_string()
        } else {
            format!("{input}:0")
        };
        self.get_tensor_by_name(&name).map_err(|_| {
            Error::invalid(
                "import_graph_def",
                format!(
                    "Node '{node}': input '{input}' not found (nodes must come after their inputs)"
                ),
            )
        })
    }
}

/// True if some node of `nodes` takes `name` as an input.
fn consumed(nodes: &[NodeDef], name: &str) -> bool {
    nodes
        .iter()
        .any(|n| n.input.iter().any(|i| node_name(i) == name))
}
