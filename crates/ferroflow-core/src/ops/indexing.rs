//! Slicing: `tf.slice` and `tf.strided_slice` (Python's `x[1:, ::-1, None,
//! ..., 0]`, built here with [`Idx`] and [`s!`](crate::s)), and the
//! `IndexingOps` trait, which also reaches the gathers of `gather.rs`.

use super::manip::known_dims;
use super::{check_arity, GatherNd, GatherV2, ManipOps, OneHot, UnsortedSegmentSum};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
pub use ferroflow_tensor::kernels::index::StridedSliceSpec;
use ferroflow_tensor::kernels::index::{self as kernel, strided_slice_plan};
use ferroflow_tensor::{DType, Shape, Tensor};
use std::ops::{Range, RangeFrom, RangeFull, RangeTo};

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
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let begin = self.begin.iter().map(|&b| b as i64);
        vec![
            ("begin", crate::op::int32_vector(begin)),
            ("size", crate::op::int32_vector(self.size.iter().copied())),
        ]
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
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let spec = &self.spec;
        vec![
            ("begin", crate::op::int32_vector(spec.begin.iter().copied())),
            ("end", crate::op::int32_vector(spec.end.iter().copied())),
            (
                "strides",
                crate::op::int32_vector(spec.strides.iter().copied()),
            ),
        ]
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
            .zip(&plan.final_sources)
            .map(|(&n, src)| match *src {
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
            spec: self.spec.clone(),
        };
        Ok(vec![Some(apply1(op, &[&a.inputs[0], &a.grads[0]])?)])
    }
}

/// The gradient of [`StridedSlice`]: scatters `dy` into zeros of the
/// sliced input's shape, like TensorFlow's `StridedSliceGrad`. Inputs: the
/// sliced tensor (only its shape is read, so unknown dimensions resolve when
/// it runs; TensorFlow passes the shape as a tensor) and `dy`.
#[derive(Debug, Clone)]
pub struct StridedSliceGrad {
    pub spec: StridedSliceSpec,
}

impl OpDef for StridedSliceGrad {
    fn op_type(&self) -> &'static str {
        "StridedSliceGrad"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        spec_attrs(&self.spec)
    }
    /// `begin`, `end` and `strides`; GraphDef export passes the sliced
    /// tensor's `Shape`, as TensorFlow's form takes the shape.
    fn tf_inputs(&self, inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let slice = StridedSlice {
            spec: self.spec.clone(),
        };
        slice.tf_inputs(inputs)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("StridedSliceGrad", inputs, 2)?;
        let (x, dy) = (&inputs[0], &inputs[1]);
        let slice = StridedSlice {
            spec: self.spec.clone(),
        };
        let expected = slice.infer(std::slice::from_ref(x))?.remove(0).shape;
        if !dy.shape.is_compatible_with(&expected) {
            fail!(
                "StridedSliceGrad",
                "shape of dy was {} instead of {}",
                dy.shape.bracketed(),
                expected.bracketed()
            );
        }
        Ok(vec![TensorSpec::new(dy.dtype, x.shape.clone())])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (x, dy) = (inputs[0], inputs[1]);
        let plan = strided_slice_plan(ctx.name, x.shape(), &self.spec)?;
        Ok(vec![kernel::strided_slice_grad(
            ctx.name,
            x.shape(),
            &plan,
            dy,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None, Some(a.grads[0].strided_slice(&self.spec)?)])
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
