//! The import registry: the ferroflow op a TensorFlow `NodeDef` describes,
//! by op type, reading its attributes and constant inputs.

use super::import::Ctx;
use super::import_ops::{AddN, IdentityN};
use crate::ops::*;
use crate::summary_ops::{MergeSummary, SummaryKind, SummaryOp};
use crate::{Op, PartialShape, Result};
use ferroflow_io::proto::attr_value::Value;
use ferroflow_tensor::kernels::reduce::ReduceKind;
use ferroflow_tensor::DType;
use std::collections::HashMap;
use std::sync::Arc;

/// The op of a node and which of its inputs are data inputs (the others
/// are constants the op keeps as attributes, or a ref variable).
pub(super) type Built = (Arc<dyn Op>, Vec<usize>);

/// Ops with no attributes, by TF op type.
pub(super) fn plain_ops() -> Vec<Arc<dyn Op>> {
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
pub(super) fn build(cx: &Ctx, plain: &HashMap<&'static str, Arc<dyn Op>>) -> Result<Option<Built>> {
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
                dtype: cx.other(var).dtype("dtype")?,
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
            let var_cx = cx.other(var);
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
        // A shape computed when the graph runs (`tf.shape(x)`).
        "RandomUniform" | "RandomStandardNormal" | "TruncatedNormal" if !cx.input_is_const(0) => {
            let op = RandomStandardDynamic {
                distribution: distribution(op_type),
                dtype: cx.dtype("dtype")?,
                shape: cx.output_shape(0),
                seed: cx.int_or("seed", 0)?,
                seed2: cx.int_or("seed2", 0)?,
            };
            (Arc::new(op), all)
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
        "_FusedConv2D" => {
            let relu = match cx.strings("fused_ops")?.as_slice() {
                [b] if b == "BiasAdd" => false,
                [b, r] if b == "BiasAdd" && r == "Relu" => true,
                other => {
                    return Err(cx.error(format!(
                        "fused_ops {other:?} do not import (BiasAdd, or BiasAdd and Relu, do)"
                    )))
                }
            };
            let window = cx.window()?.dilated(cx.spatial("dilations")?);
            let dtype = cx.dtype("T")?;
            (
                Arc::new(FusedConv2D {
                    window,
                    relu,
                    dtype,
                }),
                all,
            )
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
        "AddN" => (Arc::new(AddN::import(cx, n)?), all),
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
        "TensorListReserve" => {
            let element_dtype = cx.dtype("element_dtype")?;
            (Arc::new(TensorListReserve { element_dtype }), all)
        }
        "TensorListSetItem" => {
            if cx.bool_or("resize_if_index_out_of_bounds", false)? {
                return Err(cx.error("resize_if_index_out_of_bounds=true does not import".into()));
            }
            let element_dtype = cx.dtype("element_dtype")?;
            (Arc::new(TensorListSetItem { element_dtype }), all)
        }
        "TensorListGetItem" => {
            let element_dtype = cx.dtype("element_dtype")?;
            (Arc::new(TensorListGetItem { element_dtype }), all)
        }
        "TensorListStack" => {
            let element_dtype = cx.dtype("element_dtype")?;
            (Arc::new(TensorListStack { element_dtype }), all)
        }
        "TensorListFromTensor" => {
            let element_dtype = cx.dtype("element_dtype")?;
            (Arc::new(TensorListFromTensor { element_dtype }), all)
        }
        "TensorListLength" => (Arc::new(TensorListLength), all),
        "TensorListElementShape" => {
            if cx.dtype("shape_type")? != DType::I32 {
                return Err(cx.error("only shape_type int32 imports".into()));
            }
            (Arc::new(TensorListElementShape), all)
        }
        _ => return Ok(None),
    };
    Ok(Some(built))
}
