//! Indexing: `tf.slice`, `tf.strided_slice` (Python's `x[1:, ::-1, None,
//! ..., 0]`, built here with [`Idx`]), `tf.gather`, `tf.gather_nd`,
//! `tf.one_hot`, and `tf.scatter_nd` / `tf.math.unsorted_segment_sum`, the
//! gradients of the gathers.

use super::manip::{known_dims, known_rank};
use super::{check_arity, ArrayOps, CompareOps, ManipOps, MathOps};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::cast::cast;
pub use ferroflow_tensor::kernels::index::StridedSliceSpec;
use ferroflow_tensor::kernels::index::{self as kernel, strided_slice_plan};
use ferroflow_tensor::{normalize_axis, DType, Shape, Tensor};
use std::ops::{Range, RangeFrom, RangeFull, RangeTo};

/// Checks that input `i` holds indices (int32 or int64, or uint8 when
/// `uint8` is allowed).
fn check_index_dtype(op: &str, inputs: &[TensorSpec], i: usize, uint8: bool) -> Result<()> {
    let dtype = inputs[i].dtype;
    if !(matches!(dtype, DType::I32 | DType::I64) || (uint8 && dtype == DType::U8)) {
        fail!(
            op,
            "input #{i}(zero-based) was expected to be an int32 or int64 tensor but is a {dtype} tensor"
        );
    }
    Ok(())
}

/// Extracts a block, like `tf.slice(input, begin, size)`; a size of `-1`
/// takes the rest of the dimension.
#[derive(Debug, Clone)]
pub struct Slice {
    pub begin: Vec<usize>,
    pub size: Vec<i64>,
}

impl Slice {
    /// The size taken along each dimension of an input of `shape`.
    fn resolve(&self, shape: &PartialShape, dims: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        let rank = dims.len();
        if self.begin.len() != rank || self.size.len() != rank {
            fail!(
                "Slice",
                "Expected begin and size arguments to be 1-D tensors of size {rank}, but got shapes [{}] and [{}] instead (input shape {})",
                self.begin.len(),
                self.size.len(),
                shape.bracketed()
            );
        }
        let mut out = Vec::with_capacity(rank);
        for (i, ((&b, &s), &d)) in self.begin.iter().zip(&self.size).zip(dims).enumerate() {
            if let Some(d) = d.filter(|&d| b > d) {
                fail!(
                    "Slice",
                    "Expected begin[{i}] in [0, {d}], but got {b} for input of shape {}",
                    shape.bracketed()
                );
            }
            let rest = d.map(|d| d - b);
            out.push(match s {
                -1 => rest,
                s if s < 0 => fail!("Slice", "Expected size[{i}] to be -1 or >= 0, got {s}"),
                s => {
                    if let Some(rest) = rest.filter(|&r| s as u64 > r as u64) {
                        fail!(
                            "Slice",
                            "Expected size[{i}] in [0, {rest}], but got {s} for input of shape {}",
                            shape.bracketed()
                        );
                    }
                    Some(s as usize)
                }
            });
        }
        Ok(out)
    }
}

impl OpDef for Slice {
    fn op_type(&self) -> &'static str {
        "Slice"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("Index", AttrValue::Type(DType::I32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Slice", inputs, 1)?;
        let input = &inputs[0].shape;
        let shape = match input.dims() {
            Some(d) => PartialShape::from_dims(&self.resolve(input, d)?),
            None => PartialShape::unknown_dims(self.begin.len()),
        };
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        let shape = PartialShape::known(x.shape());
        let size: Vec<usize> = self
            .resolve(&shape, shape.dims().unwrap_or(&[]))?
            .into_iter()
            .flatten()
            .collect();
        Ok(vec![kernel::slice(ctx.name, x, &self.begin, &size)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let dims = known_dims("Slice", &a.inputs[0])?;
        let known: Vec<Option<usize>> = dims.iter().map(|&d| Some(d)).collect();
        let size = self.resolve(&PartialShape::from_dims(&known), &known)?;
        let paddings: Vec<(usize, usize)> = self
            .begin
            .iter()
            .zip(size.iter().flatten())
            .zip(&dims)
            .map(|((&b, &s), &d)| (b, d - b - s))
            .collect();
        let grad = a.grads[0].pad(&paddings, super::PadMode::Constant, 0.0)?;
        Ok(vec![Some(grad)])
    }
}

/// The attributes `StridedSlice` and `StridedSliceGrad` carry.
fn spec_attrs(spec: &StridedSliceSpec) -> Vec<(&'static str, AttrValue)> {
    vec![
        ("Index", AttrValue::Type(DType::I32)),
        ("begin_mask", AttrValue::Int(spec.begin_mask)),
        ("end_mask", AttrValue::Int(spec.end_mask)),
        ("ellipsis_mask", AttrValue::Int(spec.ellipsis_mask)),
        ("new_axis_mask", AttrValue::Int(spec.new_axis_mask)),
        ("shrink_axis_mask", AttrValue::Int(spec.shrink_axis_mask)),
    ]
}

/// For each output dimension of `spec` on a rank-`rank` input, the input
/// dimension it comes from (`None`: a new axis), expanding the ellipsis as
/// TensorFlow's `BuildDenseSpec` does. Assumes the spec is valid.
fn output_sources(spec: &StridedSliceSpec, rank: usize) -> Vec<Option<usize>> {
    let n = spec.begin.len();
    let bit = |mask: i64, i: usize| i < 64 && (mask >> i) & 1 == 1;
    let ellipsis = (0..n).find(|&i| bit(spec.ellipsis_mask, i));
    // Without an ellipsis, one is implied after the last entry.
    let entries = n + usize::from(ellipsis.is_none());
    let new_after = ellipsis.map_or(0, |e| {
        (e + 1..n).filter(|&i| bit(spec.new_axis_mask, i)).count()
    });
    let mut out = Vec::new();
    let mut dim = 0;
    for i in 0..entries {
        if i == n || Some(i) == ellipsis {
            let next = (rank + 1 + new_after).saturating_sub(entries - i).min(rank);
            out.extend((dim..next).map(Some));
            dim = dim.max(next);
        } else if bit(spec.new_axis_mask, i) {
            out.push(None);
        } else {
            if !bit(spec.shrink_axis_mask, i) {
                out.push(Some(dim));
            }
            dim += 1;
        }
    }
    out
}

/// Stands in for unknown dimensions when planning a slice statically: large
/// enough that any index into it is in range.
const UNKNOWN_DIM: usize = 1 << 40;

/// Extracts a strided slice, like `tf.strided_slice` (what Python's
/// `x[1:, ::-1, None, ..., 0]` builds; see [`IndexingOps::index`]).
#[derive(Debug, Clone)]
pub struct StridedSlice {
    pub spec: StridedSliceSpec,
}

impl OpDef for StridedSlice {
    fn op_type(&self) -> &'static str {
        "StridedSlice"
    }
    fn default_name(&self) -> &'static str {
        "strided_slice"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        spec_attrs(&self.spec)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("StridedSlice", inputs, 1)?;
        let Some(dims) = inputs[0].shape.dims() else {
            let unknown = TensorSpec::new(inputs[0].dtype, PartialShape::unknown());
            return Ok(vec![unknown]);
        };
        let probe: Vec<usize> = dims.iter().map(|d| d.unwrap_or(UNKNOWN_DIM)).collect();
        let plan = strided_slice_plan("StridedSlice", &Shape::new(probe), &self.spec)?;
        // A dimension taken from an unknown input dimension is unknown.
        let out: Vec<Option<usize>> = plan
            .final_shape
            .dims()
            .iter()
            .zip(output_sources(&self.spec, dims.len()))
            .map(|(&n, src)| match src {
                Some(i) if dims[i].is_none() => None,
                _ => Some(n),
            })
            .collect();
        Ok(vec![TensorSpec::new(
            inputs[0].dtype,
            PartialShape::from_dims(&out),
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        let plan = strided_slice_plan(ctx.name, x.shape(), &self.spec)?;
        Ok(vec![kernel::strided_slice(ctx.name, x, &plan)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let op = StridedSliceGrad {
            input_shape: Shape::new(known_dims("StridedSlice", &a.inputs[0])?),
            spec: self.spec.clone(),
        };
        Ok(vec![Some(apply1(op, &[&a.grads[0]])?)])
    }
}

/// The gradient of [`StridedSlice`]: scatters `dy` into zeros of the input
/// shape, like TensorFlow's `StridedSliceGrad`.
#[derive(Debug, Clone)]
pub struct StridedSliceGrad {
    pub input_shape: Shape,
    pub spec: StridedSliceSpec,
}

impl OpDef for StridedSliceGrad {
    fn op_type(&self) -> &'static str {
        "StridedSliceGrad"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        spec_attrs(&self.spec)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("StridedSliceGrad", inputs, 1)?;
        let plan = strided_slice_plan("StridedSliceGrad", &self.input_shape, &self.spec)?;
        let expected = PartialShape::known(&plan.final_shape);
        if !inputs[0].shape.is_compatible_with(&expected) {
            fail!(
                "StridedSliceGrad",
                "shape of dy was {} instead of {}",
                inputs[0].shape.bracketed(),
                expected.bracketed()
            );
        }
        let shape = PartialShape::known(&self.input_shape);
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let plan = strided_slice_plan(ctx.name, &self.input_shape, &self.spec)?;
        let dx = kernel::strided_slice_grad(ctx.name, &self.input_shape, &plan, inputs[0])?;
        Ok(vec![dx])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![Some(a.grads[0].strided_slice(&self.spec)?)])
    }
}

/// One entry of a Python-style index `x[...]`, turned into a
/// [`StridedSliceSpec`] by [`slice_spec`]. Integers and Rust ranges convert
/// with `Idx::from` (and the [`s!`](crate::s) macro).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idx {
    /// `x[i]`: one element, dropping the dimension (negative counts from the end).
    At(i64),
    /// `x[start:stop:step]`; `None` bounds run to the edge.
    Slice {
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    },
    /// `x[None]` / `tf.newaxis`: a new dimension of size 1.
    NewAxis,
    /// `x[...]`: as many whole dimensions as needed.
    Ellipsis,
}

impl Idx {
    /// `x[:]`: the whole dimension.
    pub const ALL: Idx = Idx::Slice {
        start: None,
        stop: None,
        step: 1,
    };

    /// `x[start:stop:step]`.
    pub fn slice(start: Option<i64>, stop: Option<i64>, step: i64) -> Idx {
        Idx::Slice { start, stop, step }
    }
}

impl From<i64> for Idx {
    fn from(i: i64) -> Idx {
        Idx::At(i)
    }
}
impl From<Range<i64>> for Idx {
    fn from(r: Range<i64>) -> Idx {
        Idx::slice(Some(r.start), Some(r.end), 1)
    }
}
impl From<RangeFrom<i64>> for Idx {
    fn from(r: RangeFrom<i64>) -> Idx {
        Idx::slice(Some(r.start), None, 1)
    }
}
impl From<RangeTo<i64>> for Idx {
    fn from(r: RangeTo<i64>) -> Idx {
        Idx::slice(None, Some(r.end), 1)
    }
}
impl From<RangeFull> for Idx {
    fn from(_: RangeFull) -> Idx {
        Idx::ALL
    }
}

/// Builds a Python-style index from comma-separated entries: integers,
/// Rust ranges and [`Idx`] values, like `x[.., 1]` or `x[1.., None]`.
///
/// ```
/// use ferroflow_core::{prelude::*, s};
/// let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
/// assert_eq!(x.index(&s![.., 1]).unwrap(), Tensor::from([2, 5]));
/// assert_eq!(x.index(&s![1.., Idx::NewAxis, ..2]).unwrap(), Tensor::from([[[4, 5]]]));
/// ```
#[macro_export]
macro_rules! s {
    ($($e:expr),* $(,)?) => {
        [$($crate::ops::Idx::from($e)),*]
    };
}

/// The [`StridedSliceSpec`] Python builds for `x[idx...]` (TensorFlow's
/// `_slice_helper`).
///
/// ```
/// use ferroflow_core::ops::{slice_spec, Idx};
/// // x[..., 0]
/// let spec = slice_spec(&[Idx::Ellipsis, Idx::At(0)]);
/// assert_eq!((spec.begin, spec.end), (vec![0, 0], vec![0, 1]));
/// assert_eq!((spec.ellipsis_mask, spec.shrink_axis_mask), (1, 2));
/// ```
pub fn slice_spec(idx: &[Idx]) -> StridedSliceSpec {
    let mut spec = StridedSliceSpec::default();
    for (i, entry) in idx.iter().enumerate() {
        // Entries past 64 cannot be masked; the kernel rejects such specs.
        let bit = 1i64.checked_shl(i as u32).unwrap_or(0);
        let (begin, end, stride) = match *entry {
            Idx::At(k) => {
                spec.shrink_axis_mask |= bit;
                (k, k.wrapping_add(1), 1)
            }
            Idx::Slice { start, stop, step } => {
                if start.is_none() {
                    spec.begin_mask |= bit;
                }
                if stop.is_none() {
                    spec.end_mask |= bit;
                }
                (start.unwrap_or(0), stop.unwrap_or(0), step)
            }
            Idx::NewAxis => {
                spec.new_axis_mask |= bit;
                (0, 0, 1)
            }
            Idx::Ellipsis => {
                spec.ellipsis_mask |= bit;
                (0, 0, 1)
            }
        };
        spec.begin.push(begin);
        spec.end.push(end);
        spec.strides.push(stride);
    }
    spec
}

/// Gathers slices along an axis, like `tf.gather(params, indices, axis,
/// batch_dims)`. Inputs: params, indices.
#[derive(Debug, Clone, Copy)]
pub struct GatherV2 {
    pub axis: i64,
    pub batch_dims: i64,
}

impl GatherV2 {
    /// The axis and batch dimensions for params and indices of these ranks.
    fn resolve(&self, params_rank: usize, indices_rank: usize) -> Result<(usize, usize)> {
        let axis = normalize_axis("GatherV2", self.axis, params_rank)?;
        let ir = indices_rank as i64;
        let batch = if self.batch_dims < 0 {
            self.batch_dims + ir
        } else {
            self.batch_dims
        };
        if !(0..=ir).contains(&batch) {
            fail!(
                "GatherV2",
                "Expected batch_dims in the range [{}, {ir}], but got {}",
                -ir,
                self.batch_dims
            );
        }
        let batch = batch as usize;
        if batch > axis {
            fail!(
                "GatherV2",
                "batch_dims ({batch}) must be less than or equal to axis ({axis})"
            );
        }
        Ok((axis, batch))
    }
}

impl OpDef for GatherV2 {
    fn op_type(&self) -> &'static str {
        "GatherV2"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("batch_dims", AttrValue::Int(self.batch_dims)),
            ("Taxis", AttrValue::Type(DType::I32)),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("GatherV2", inputs, 2)?;
        check_index_dtype("GatherV2", inputs, 1, false)?;
        let dtype = inputs[0].dtype;
        let (Some(pd), Some(id)) = (inputs[0].shape.dims(), inputs[1].shape.dims()) else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        let (axis, batch) = self.resolve(pd.len(), id.len())?;
        for i in 0..batch {
            if let (Some(p), Some(q)) = (pd[i], id[i]) {
                if p != q {
                    fail!(
                        "GatherV2",
                        "params.shape[{i}]: {p} should be equal to indices.shape[{i}]: {q} (params {}, indices {})",
                        inputs[0].shape.bracketed(),
                        inputs[1].shape.bracketed()
                    );
                }
            }
        }
        let out: Vec<Option<usize>> = pd[..axis]
            .iter()
            .chain(&id[batch..])
            .chain(&pd[axis + 1..])
            .copied()
            .collect();
        Ok(vec![TensorSpec::new(dtype, PartialShape::from_dims(&out))])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (params, indices) = (inputs[0], inputs[1]);
        let (axis, batch) = self.resolve(params.rank(), indices.rank())?;
        Ok(vec![kernel::gather(
            ctx.name, params, indices, axis, batch,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (params, indices) = (&a.inputs[0], &a.inputs[1]);
        let pd = known_dims("GatherV2", params)?;
        let id = known_dims("GatherV2", indices)?;
        let (axis, batch) = self.resolve(pd.len(), id.len())?;
        let grad = gather_grad(&a.grads[0], indices, &pd, &id, axis, batch)?;
        Ok(vec![Some(grad), None])
    }
}

/// The dense gradient of a gather from params of dims `pd` at indices of
/// dims `id`: `dy` viewed as `[B, O, I, N]` (batch, before the axis,
/// indices, after the axis) is summed into `[B*P, O, N]` rows by
/// `UnsortedSegmentSum` — batch `b`'s indices shifted by `b*P` — and
/// reshaped back to `pd`.
fn gather_grad<H: TensorOps>(
    dy: &H,
    indices: &H,
    pd: &[usize],
    id: &[usize],
    axis: usize,
    batch: usize,
) -> Result<H> {
    let b: usize = pd[..batch].iter().product();
    let o: usize = pd[batch..axis].iter().product();
    let p = pd[axis];
    let i: usize = id[batch..].iter().product();
    let n: usize = pd[axis + 1..].iter().product();
    let dims = |d: &[usize]| d.iter().map(|&v| v as i64).collect::<Vec<i64>>();
    // Bring the indexed axis in front of the `O` axis when there is one.
    let swap = |x: H, from: [usize; 4]| -> Result<H> {
        let x = x.reshape(&dims(&from))?;
        if o > 1 {
            x.transpose(&[0, 2, 1, 3])
        } else {
            Ok(x)
        }
    };
    let values = swap(dy.clone(), [b, o, i, n])?.reshape(&dims(&[b * i, o, n]))?;
    let mut ids = indices.reshape(&dims(&[b, i]))?;
    if b > 1 {
        let offsets: Vec<i64> = (0..b).map(|k| (k * p) as i64).collect();
        let offsets = cast(
            "GatherV2",
            &Tensor::from_vec(offsets, [b, 1])?,
            indices.dtype(),
        )?;
        ids = ids.add(&indices.constant_like(offsets)?)?;
    }
    let ids = ids.reshape(&[-1])?;
    let summed = values.unsorted_segment_sum(&ids, b * p)?;
    swap(summed, [b, p, o, n])?.reshape(&dims(pd))
}

/// Gathers slices named by index tuples, like `tf.gather_nd(params,
/// indices)`. Inputs: params, indices.
#[derive(Debug, Clone, Copy, Default)]
pub struct GatherNd;

impl OpDef for GatherNd {
    fn op_type(&self) -> &'static str {
        "GatherNd"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("GatherNd", inputs, 2)?;
        check_index_dtype("GatherNd", inputs, 1, false)?;
        let dtype = inputs[0].dtype;
        let (params, indices) = (&inputs[0].shape, &inputs[1].shape);
        let (Some(pd), Some(id)) = (params.dims(), indices.dims()) else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        let Some(&last) = id.last() else {
            fail!(
                "GatherNd",
                "indices must be at least a vector, got shape []"
            );
        };
        let Some(k) = last else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        if k > pd.len() {
            fail!(
                "GatherNd",
                "index innermost dimension length must be <= params rank; saw: {k} vs. {} (params {}, indices {})",
                pd.len(),
                params.bracketed(),
                indices.bracketed()
            );
        }
        let out: Vec<Option<usize>> = id[..id.len() - 1].iter().chain(&pd[k..]).copied().collect();
        Ok(vec![TensorSpec::new(dtype, PartialShape::from_dims(&out))])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![kernel::gather_nd(ctx.name, inputs[0], inputs[1])?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let shape = Shape::new(known_dims("GatherNd", &a.inputs[0])?);
        let grad = scatter_nd(&a.inputs[1], &a.grads[0], &shape)?;
        Ok(vec![Some(grad), None])
    }
}

/// Scatters updates into zeros of a shape at index tuples, adding
/// duplicates, like `tf.scatter_nd(indices, updates, shape)`. Inputs:
/// indices, updates.
#[derive(Debug, Clone)]
pub struct ScatterNd {
    pub shape: Shape,
}

impl OpDef for ScatterNd {
    fn op_type(&self) -> &'static str {
        "ScatterNd"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("ScatterNd", inputs, 2)?;
        check_index_dtype("ScatterNd", inputs, 0, false)?;
        let shape = PartialShape::known(&self.shape);
        Ok(vec![TensorSpec::new(inputs[1].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let y = kernel::scatter_nd(ctx.name, inputs[0], inputs[1], &self.shape)?;
        Ok(vec![y])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None, Some(a.grads[0].gather_nd(&a.inputs[0])?)])
    }
}

/// Sums rows of data into segments, like `tf.math.unsorted_segment_sum(data,
/// segment_ids, num_segments)`. Inputs: data, segment_ids.
#[derive(Debug, Clone, Copy)]
pub struct UnsortedSegmentSum {
    pub num_segments: usize,
}

impl OpDef for UnsortedSegmentSum {
    fn op_type(&self) -> &'static str {
        "UnsortedSegmentSum"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("Tnumsegments", AttrValue::Type(DType::I32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("UnsortedSegmentSum", inputs, 2)?;
        check_index_dtype("UnsortedSegmentSum", inputs, 1, false)?;
        let (data, ids) = (&inputs[0].shape, &inputs[1].shape);
        let dtype = inputs[0].dtype;
        let (Some(dd), Some(sd)) = (data.dims(), ids.dims()) else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        let prefix = PartialShape::from_dims(dd.get(..sd.len()).unwrap_or(dd));
        if !prefix.is_compatible_with(ids) {
            fail!(
                "UnsortedSegmentSum",
                "data.shape = {} does not start with segment_ids.shape = {}",
                data.bracketed(),
                ids.bracketed()
            );
        }
        let out: Vec<Option<usize>> = std::iter::once(Some(self.num_segments))
            .chain(dd[sd.len()..].iter().copied())
            .collect();
        Ok(vec![TensorSpec::new(dtype, PartialShape::from_dims(&out))])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let y = kernel::unsorted_segment_sum(ctx.name, inputs[0], inputs[1], self.num_segments)?;
        Ok(vec![y])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        // Each row gets its segment's gradient; rows with a negative
        // (dropped) id get zero.
        let (data, ids, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
        let zero = ids.scalar_like(0.0)?;
        let picked = dy.gather(&ids.maximum(&zero)?, 0, 0)?;
        let mut kept = ids.greater_equal(&zero)?.cast(dy.dtype())?;
        let extra =
            known_rank("UnsortedSegmentSum", data)? - known_rank("UnsortedSegmentSum", ids)?;
        for _ in 0..extra {
            kept = kept.expand_dims(-1)?;
        }
        Ok(vec![Some(picked.mul(&kept)?), None])
    }
}

/// A one-hot encoding, like `tf.one_hot(indices, depth, on_value,
/// off_value, axis)`. Inputs: indices, on_value, off_value (scalars).
#[derive(Debug, Clone, Copy)]
pub struct OneHot {
    pub depth: usize,
    pub axis: i64,
}

impl OpDef for OneHot {
    fn op_type(&self) -> &'static str {
        "OneHot"
    }
    fn default_name(&self) -> &'static str {
        "one_hot"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("axis", AttrValue::Int(self.axis))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("OneHot", inputs, 3)?;
        check_index_dtype("OneHot", inputs, 0, true)?;
        let dtype = inputs[1].dtype;
        if inputs[2].dtype != dtype {
            fail!(
                "OneHot",
                "on_value is a {dtype} tensor but off_value is a {} tensor",
                inputs[2].dtype
            );
        }
        let shape = match inputs[0].shape.dims() {
            Some(d) => {
                let axis = match self.axis {
                    -1 => d.len(),
                    a if a >= 0 && a as usize <= d.len() => a as usize,
                    a => fail!(
                        "OneHot",
                        "Expected axis to be -1 or between [0, {}).  But received: {a}",
                        d.len() + 1
                    ),
                };
                let mut out = d.to_vec();
                out.insert(axis, Some(self.depth));
                PartialShape::from_dims(&out)
            }
            None => PartialShape::unknown(),
        };
        Ok(vec![TensorSpec::new(dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (indices, on, off) = (inputs[0], inputs[1], inputs[2]);
        let y = kernel::one_hot(ctx.name, indices, self.depth, on, off, self.axis)?;
        Ok(vec![y])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None, None, None])
    }
}

/// Scatters `updates` into zeros of `shape` at the index tuples of
/// `indices`, adding duplicates, like `tf.scatter_nd(indices, updates,
/// shape)`.
///
/// ```
/// use ferroflow_core::{ops::scatter_nd, prelude::*};
/// let indices = Tensor::from([[1i64], [3]]);
/// let y = scatter_nd(&indices, &Tensor::from([5.0f32, 6.0]), &Shape::from([4])).unwrap();
/// assert_eq!(y, Tensor::from([0.0f32, 5.0, 0.0, 6.0]));
/// ```
pub fn scatter_nd<H: TensorOps>(indices: &H, updates: &H, shape: &Shape) -> Result<H> {
    apply1(
        ScatterNd {
            shape: shape.clone(),
        },
        &[indices, updates],
    )
}

/// Slicing and gathering on any handle.
///
/// ```
/// use ferroflow_core::{prelude::*, s};
/// let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
/// assert_eq!(x.slice(&[0, 1], &[-1, 2]).unwrap(), Tensor::from([[2, 3], [5, 6]]));
/// assert_eq!(x.index(&s![.., Idx::slice(None, None, -1)]).unwrap(), Tensor::from([[3, 2, 1], [6, 5, 4]]));
/// assert_eq!(x.gather(&Tensor::from([2i64, 0]), 1, 0).unwrap(), Tensor::from([[3, 1], [6, 4]]));
/// ```
pub trait IndexingOps: TensorOps {
    /// The block starting at `begin` with `size[i]` elements along
    /// dimension `i` (`-1`: to the end), like `tf.slice(x, begin, size)`.
    fn slice(&self, begin: &[usize], size: &[i64]) -> Result<Self> {
        apply1(
            Slice {
                begin: begin.to_vec(),
                size: size.to_vec(),
            },
            &[self],
        )
    }
    /// A strided slice, like `tf.strided_slice` with its masks.
    fn strided_slice(&self, spec: &StridedSliceSpec) -> Result<Self> {
        apply1(StridedSlice { spec: spec.clone() }, &[self])
    }
    /// Python-style indexing: `x.index(&[Idx::Ellipsis, Idx::At(0)])` is
    /// `x[..., 0]` (see also the [`s!`](crate::s) macro).
    fn index(&self, idx: &[Idx]) -> Result<Self> {
        self.strided_slice(&slice_spec(idx))
    }
    /// Slices of `self` along `axis` at `indices`, like `tf.gather(params,
    /// indices, axis=axis, batch_dims=batch_dims)`.
    fn gather(&self, indices: &Self, axis: i64, batch_dims: i64) -> Result<Self> {
        apply1(GatherV2 { axis, batch_dims }, &[self, indices])
    }
    /// Slices of `self` named by the index tuples in the last dimension of
    /// `indices`, like `tf.gather_nd(params, indices)`.
    fn gather_nd(&self, indices: &Self) -> Result<Self> {
        apply1(GatherNd, &[self, indices])
    }
    /// `self` holds indices: a new dimension of size `depth` at `axis`
    /// (`-1`: last) holds `on` at the index and `off` elsewhere, like
    /// `tf.one_hot(indices, depth, on_value, off_value, axis)`.
    fn one_hot(
        &self,
        depth: usize,
        on: impl Into<Tensor>,
        off: impl Into<Tensor>,
        axis: i64,
    ) -> Result<Self> {
        let on = self.constant_like(on.into())?;
        let off = self.constant_like(off.into())?;
        apply1(OneHot { depth, axis }, &[self, &on, &off])
    }
    /// Sums the rows of `self` into `num_segments` segments named by
    /// `segment_ids`, like `tf.math.unsorted_segment_sum`.
    fn unsorted_segment_sum(&self, segment_ids: &Self, num_segments: usize) -> Result<Self> {
        apply1(UnsortedSegmentSum { num_segments }, &[self, segment_ids])
    }
}

impl<H: TensorOps> IndexingOps for H {}
