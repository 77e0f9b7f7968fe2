//! Indexing kernels: `slice`, `strided_slice` (and its gradient), `gather`,
//! `gather_nd`, `scatter_nd`, `unsorted_segment_sum` and `one_hot`.

use super::array::{
    check_axis, filled, for_chunks, items, scalar_item, scatter_strided, signed_strides, take_view,
    tensor_from, with_any_type, Item, Odometer, StridedView, PARALLEL_MIN,
};
use crate::{with_numeric_type, DType, NumElement, Result, Shape, Tensor, TensorError};

/// Extracts the block of `x` starting at `begin` with `size` elements per
/// dimension, like `tf.slice(x, begin, size)` once `-1` sizes are resolved.
///
/// ```
/// use ferroflow_tensor::{kernels::index::slice, Tensor};
/// let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
/// let y = slice("Slice", &x, &[0, 1], &[2, 2]).unwrap();
/// assert_eq!(y, Tensor::from([[2, 3], [5, 6]]));
/// ```
pub fn slice(op: &str, x: &Tensor, begin: &[usize], size: &[usize]) -> Result<Tensor> {
    let rank = x.rank();
    if begin.len() != rank || size.len() != rank {
        crate::bail!(
            op,
            "Expected begin and size arguments to be 1-D tensors of size {rank}, but got shapes [{}] and [{}] instead",
            begin.len(),
            size.len()
        );
    }
    for (i, ((&b, &s), &d)) in begin.iter().zip(size).zip(x.dims()).enumerate() {
        if b > d {
            crate::bail!(op, "Expected begin[{i}] in [0, {d}], but got {b}");
        }
        if s > d - b {
            crate::bail!(op, "Expected size[{i}] in [0, {}], but got {s}", d - b);
        }
    }
    let strides = signed_strides(x.shape());
    let offset = begin
        .iter()
        .zip(&strides)
        .map(|(&b, &s)| b * s as usize)
        .sum();
    let view = StridedView::new(offset, size, &strides);
    take_view(op, x, &view, None, size)
}

/// The arguments of `tf.strided_slice` (what Python's `x[...]` builds):
/// sparse `begin`/`end`/`strides` and the masks whose bit `i` applies to
/// entry `i`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StridedSliceSpec {
    pub begin: Vec<i64>,
    pub end: Vec<i64>,
    pub strides: Vec<i64>,
    /// Ignore `begin[i]`: start from the first (last, for a negative stride) element.
    pub begin_mask: i64,
    /// Ignore `end[i]`: run to the end of the dimension.
    pub end_mask: i64,
    /// Entry `i` is `...`: as many full dimensions as needed.
    pub ellipsis_mask: i64,
    /// Entry `i` is `None` (`tf.newaxis`): insert a dimension of size 1.
    pub new_axis_mask: i64,
    /// Entry `i` is an index: take `begin[i]` and drop the dimension.
    pub shrink_axis_mask: i64,
}

/// A [`StridedSliceSpec`] resolved against an input shape: per input
/// dimension, the canonical first index, end and stride, the size taken, and
/// the final output shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StridedSlicePlan {
    /// The input shape the plan was resolved against.
    pub input_shape: Shape,
    /// Per input dimension: the first index taken.
    pub begin: Vec<i64>,
    /// Per input dimension: the canonical (exclusive) end.
    pub end: Vec<i64>,
    /// Per input dimension: the step.
    pub strides: Vec<i64>,
    /// Per input dimension: how many elements are taken.
    pub processing_shape: Shape,
    /// The output shape: `processing_shape` with new axes inserted and
    /// shrunk axes removed.
    pub final_shape: Shape,
    /// For each output dimension, the input dimension it comes from (`None`
    /// for a new axis): what shape inference needs when input dimensions
    /// are unknown.
    pub final_sources: Vec<Option<usize>>,
}

/// The spec with its ellipsis expanded: one entry per input dimension.
struct DenseSpec {
    begin: Vec<i64>,
    end: Vec<i64>,
    strides: Vec<i64>,
    begin_mask: Vec<bool>,
    end_mask: Vec<bool>,
    shrink: Vec<bool>,
    /// Per output dimension, its input dimension (`None`: a new axis).
    final_sources: Vec<Option<usize>>,
}

fn bit(mask: i64, i: usize) -> bool {
    i < 64 && mask & (1 << i) != 0
}

/// Expands the ellipsis of `spec` (or an implicit one at the end) into full
/// dimensions, as TensorFlow's `BuildDenseSpec`.
fn dense_spec(op: &str, rank: usize, spec: &StridedSliceSpec) -> Result<DenseSpec> {
    let n = spec.begin.len();
    if spec.end.len() != n || spec.strides.len() != n {
        crate::bail!(
            op,
            "Expected begin, end, and strides to be 1D equal size tensors, but got shapes [{n}], [{}], and [{}] instead.",
            spec.end.len(),
            spec.strides.len()
        );
    }
    if n > 64 {
        crate::bail!(op, "a slice spec has at most 64 entries, got {n}");
    }
    let em = spec.ellipsis_mask;
    if em & em.wrapping_sub(1) != 0 {
        crate::bail!(op, "Multiple ellipses in slice spec not allowed");
    }
    let ellipsis = (0..n).find(|&i| bit(em, i));
    let new_after_ellipsis = ellipsis.map_or(0, |e| {
        (e + 1..n).filter(|&i| bit(spec.new_axis_mask, i)).count()
    });
    // Without an ellipsis, one is implied after the last entry.
    let entries = if ellipsis.is_some() { n } else { n + 1 };
    let mut d = DenseSpec {
        begin: vec![0; rank],
        end: vec![0; rank],
        strides: vec![1; rank],
        begin_mask: vec![false; rank],
        end_mask: vec![false; rank],
        shrink: vec![false; rank],
        final_sources: Vec::new(),
    };
    let mut full = 0;
    for i in 0..entries {
        if i == n || bit(em, i) {
            let next = (rank + 1 + new_after_ellipsis)
                .saturating_sub(entries - i)
                .min(rank);
            while full < next {
                d.begin_mask[full] = true;
                d.end_mask[full] = true;
                d.final_sources.push(Some(full));
                full += 1;
            }
        } else if bit(spec.new_axis_mask, i) {
            d.final_sources.push(None);
        } else {
            if full == rank {
                crate::bail!(
                    op,
                    "Index out of range using input dim {full}; input has only {rank} dims"
                );
            }
            d.begin[full] = spec.begin[i];
            d.end[full] = spec.end[i];
            d.strides[full] = spec.strides[i];
            d.begin_mask[full] = bit(spec.begin_mask, i);
            d.end_mask[full] = bit(spec.end_mask, i);
            if bit(spec.shrink_axis_mask, i) {
                d.shrink[full] = true;
            } else {
                d.final_sources.push(Some(full));
            }
            full += 1;
        }
    }
    Ok(d)
}

/// Resolves a spec against an input shape exactly as TensorFlow's
/// `ValidateStridedSliceOp`: per-dimension canonical (begin, end, stride),
/// the sizes taken, and the final shape; errors on a zero stride, a shrunk
/// index out of range, or more indices than dimensions.
///
/// ```
/// use ferroflow_tensor::{kernels::index::{strided_slice_plan, StridedSliceSpec}, Shape};
/// // x[..., 1] on a [2, 3] tensor
/// let spec = StridedSliceSpec {
///     begin: vec![0, 1], end: vec![0, 2], strides: vec![1, 1],
///     ellipsis_mask: 1, shrink_axis_mask: 2, ..Default::default()
/// };
/// let plan = strided_slice_plan("StridedSlice", &Shape::from([2, 3]), &spec).unwrap();
/// assert_eq!(plan.final_shape, Shape::from([2]));
/// ```
pub fn strided_slice_plan(
    op: &str,
    input: &Shape,
    spec: &StridedSliceSpec,
) -> Result<StridedSlicePlan> {
    let d = dense_spec(op, input.rank(), spec)?;
    let mut plan = StridedSlicePlan {
        input_shape: input.clone(),
        begin: d.begin,
        end: d.end,
        strides: d.strides,
        processing_shape: Shape::scalar(),
        final_shape: Shape::scalar(),
        final_sources: d.final_sources,
    };
    let mut sizes = Vec::with_capacity(input.rank());
    for (i, &dim) in input.dims().iter().enumerate() {
        let dim = dim as i64;
        let stride = plan.strides[i];
        if stride == 0 {
            crate::bail!(op, "strides[{i}] must be non-zero");
        }
        let (begin, end) = (&mut plan.begin[i], &mut plan.end[i]);
        if d.shrink[i] {
            if stride <= 0 {
                crate::bail!(op, "only stride 1 allowed on non-range indexing.");
            }
            let fwd = if *begin < 0 { dim + *begin } else { *begin };
            if fwd < 0 || fwd >= dim {
                crate::bail!(op, "slice index {fwd} of dimension {i} out of bounds.");
            }
            *begin = fwd;
            *end = fwd + 1;
        } else {
            // Valid positions are [0, dim] going forward, [-1, dim-1] going back.
            let (lo, hi) = if stride > 0 { (0, dim) } else { (-1, dim - 1) };
            let canonical = |x: i64, masked: bool, is_end: bool| {
                if masked {
                    if (stride > 0) != is_end {
                        lo
                    } else {
                        hi
                    }
                } else {
                    let fwd = if x < 0 { dim + x } else { x };
                    fwd.clamp(lo, hi)
                }
            };
            *begin = canonical(*begin, d.begin_mask[i], false);
            *end = canonical(*end, d.end_mask[i], true);
        }
        let interval = *end - *begin;
        let size = if interval == 0 || (interval < 0) != (stride < 0) {
            0
        } else {
            interval / stride + i64::from(interval % stride != 0)
        };
        sizes.push(size as usize);
    }
    let final_dims = plan
        .final_sources
        .iter()
        .map(|src| src.map_or(1, |i| sizes[i]))
        .collect();
    plan.processing_shape = Shape::new(sizes);
    plan.final_shape = Shape::new(final_dims);
    Ok(plan)
}

/// The input elements a plan selects, as a strided view of the input.
fn plan_view(op: &str, shape: &Shape, plan: &StridedSlicePlan) -> Result<StridedView> {
    if *shape != plan.input_shape {
        crate::bail!(
            op,
            "the slice was planned for shape {} but the input has shape {shape}",
            plan.input_shape
        );
    }
    let strides_in = signed_strides(shape);
    let empty = plan.processing_shape.num_elements() == 0;
    let offset = if empty {
        0
    } else {
        plan.begin
            .iter()
            .zip(&strides_in)
            .map(|(&b, &s)| b as isize * s)
            .sum::<isize>() as usize
    };
    // A step only matters on axes that take two or more elements (and then
    // it is smaller than the dimension, so the product cannot overflow).
    let strides: Vec<isize> = plan
        .strides
        .iter()
        .zip(&strides_in)
        .zip(plan.processing_shape.dims())
        .map(|((&st, &s), &size)| if size > 1 { st as isize * s } else { 0 })
        .collect();
    Ok(StridedView::new(
        offset,
        plan.processing_shape.dims(),
        &strides,
    ))
}

/// Extracts the elements a [`StridedSlicePlan`] selects, like
/// `tf.strided_slice` (Python's `x[1:, ::-1, None, ..., 0]`).
///
/// ```
/// use ferroflow_tensor::{kernels::index::*, Tensor};
/// let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
/// // x[:, ::-1]
/// let spec = StridedSliceSpec {
///     begin: vec![0, 0], end: vec![0, 0], strides: vec![1, -1],
///     begin_mask: 3, end_mask: 3, ..Default::default()
/// };
/// let plan = strided_slice_plan("StridedSlice", x.shape(), &spec).unwrap();
/// let y = strided_slice("StridedSlice", &x, &plan).unwrap();
/// assert_eq!(y, Tensor::from([[3, 2, 1], [6, 5, 4]]));
/// ```
pub fn strided_slice(op: &str, x: &Tensor, plan: &StridedSlicePlan) -> Result<Tensor> {
    let view = plan_view(op, x.shape(), plan)?;
    take_view(op, x, &view, None, plan.final_shape.clone())
}

/// The gradient of [`strided_slice`]: scatters `dy` (of the plan's final
/// shape) into zeros of the input shape, like `StridedSliceGrad`.
///
/// ```
/// use ferroflow_tensor::{kernels::index::*, Shape, Tensor};
/// // the gradient of x[1] for x of shape [3]
/// let spec = StridedSliceSpec {
///     begin: vec![1], end: vec![2], strides: vec![1], shrink_axis_mask: 1, ..Default::default()
/// };
/// let plan = strided_slice_plan("StridedSlice", &Shape::from([3]), &spec).unwrap();
/// let dx = strided_slice_grad("StridedSliceGrad", &Shape::from([3]), &plan, &Tensor::from(5.0f32)).unwrap();
/// assert_eq!(dx, Tensor::from([0.0f32, 5.0, 0.0]));
/// ```
pub fn strided_slice_grad(
    op: &str,
    input_shape: &Shape,
    plan: &StridedSlicePlan,
    dy: &Tensor,
) -> Result<Tensor> {
    if *dy.shape() != plan.final_shape {
        crate::bail!(
            op,
            "shape of dy was {} instead of {}",
            dy.shape(),
            plan.final_shape
        );
    }
    let view = plan_view(op, input_shape, plan)?;
    let n = input_shape.checked_num_elements(op)?;
    with_any_type!(dy.dtype(), T => {
        let src = items::<T>(op, dy, dy.dtype())?;
        let mut out = filled(op, n, T::default())?;
        scatter_strided(&mut out, &view, src);
        tensor_from(out, input_shape.clone())
    })
}

/// The values of an index tensor (int32 or int64) as i64.
fn index_values(op: &str, t: &Tensor) -> Result<Vec<i64>> {
    match t.dtype() {
        DType::I32 => Ok(t.as_slice::<i32>()?.iter().map(|&i| i64::from(i)).collect()),
        DType::I64 => Ok(t.to_vec::<i64>()?),
        got => Err(TensorError::DType {
            op: op.into(),
            expected: "int32 or int64".into(),
            got,
        }),
    }
}

/// TensorFlow's way of naming element `flat` of a tensor of `dims`: `1,2`.
fn position(dims: &[usize], flat: usize) -> String {
    let parts: Vec<String> = Odometer::at(dims, flat)
        .index()
        .iter()
        .map(usize::to_string)
        .collect();
    parts.join(",")
}

/// Copies row `rows[r]` (of length `n`) of `src` into row `r` of a new
/// vector of `rows.len() * n` elements, in parallel when large.
fn gather_rows<T: Item>(op: &str, src: &[T], rows: &[usize], n: usize) -> Result<Vec<T>> {
    let mut out = filled(op, rows.len() * n, T::default())?;
    let rows_per_chunk = (PARALLEL_MIN / n.max(1)).max(1);
    for_chunks(&mut out, rows_per_chunk * n, |c, chunk| {
        let first = c * rows_per_chunk;
        for (dst, &r) in chunk.chunks_mut(n).zip(&rows[first..]) {
            dst.clone_from_slice(&src[r * n..(r + 1) * n]);
        }
    });
    Ok(out)
}

/// Gathers slices of `params` along `axis` at `indices`, like
/// `tf.gather(params, indices, axis=axis, batch_dims=batch_dims)`. The
/// output shape is `params.shape[:axis] + indices.shape[batch_dims:] +
/// params.shape[axis+1:]`; an index outside `[0, params.shape[axis])` is an
/// error naming it.
///
/// ```
/// use ferroflow_tensor::{kernels::index::gather, Tensor};
/// let params = Tensor::from([[1, 2], [3, 4], [5, 6]]);
/// let y = gather("GatherV2", &params, &Tensor::from([2i64, 0]), 0, 0).unwrap();
/// assert_eq!(y, Tensor::from([[5, 6], [1, 2]]));
/// assert!(gather("GatherV2", &params, &Tensor::from([3i64]), 0, 0).is_err());
/// ```
pub fn gather(
    op: &str,
    params: &Tensor,
    indices: &Tensor,
    axis: usize,
    batch_dims: usize,
) -> Result<Tensor> {
    let (pd, id) = (params.dims(), indices.dims());
    check_axis(op, axis, pd.len())?;
    if batch_dims > id.len() {
        crate::bail!(
            op,
            "batch_dims ({batch_dims}) must be less than or equal to rank(indices) ({})",
            id.len()
        );
    }
    if batch_dims > axis {
        crate::bail!(
            op,
            "batch_dims ({batch_dims}) must be less than or equal to axis ({axis})"
        );
    }
    if let Some(i) = (0..batch_dims).find(|&i| pd[i] != id[i]) {
        crate::bail!(
            op,
            "params.shape[{i}]: {} should be equal to indices.shape[{i}]: {}",
            pd[i],
            id[i]
        );
    }
    let idx = index_values(op, indices)?;
    let limit = pd[axis];
    if let Some(bad) = idx.iter().position(|&i| i < 0 || i as u64 >= limit as u64) {
        return Err(TensorError::OutOfRange {
            op: op.into(),
            what: format!("indices[{}] =", position(id, bad)),
            index: idx[bad],
            lo: 0,
            hi: limit as i64,
        });
    }
    let outer: usize = pd[batch_dims..axis].iter().product();
    let inner: usize = pd[axis + 1..].iter().product();
    let per_batch: usize = id[batch_dims..].iter().product();
    let batches: usize = pd[..batch_dims].iter().product();
    let mut rows = Vec::with_capacity(batches * outer * per_batch);
    for b in 0..batches {
        for o in 0..outer {
            let base = (b * outer + o) * limit;
            let batch_idx = &idx[b * per_batch..(b + 1) * per_batch];
            rows.extend(batch_idx.iter().map(|&i| base + i as usize));
        }
    }
    let dims: Vec<usize> = pd[..axis]
        .iter()
        .chain(&id[batch_dims..])
        .chain(&pd[axis + 1..])
        .copied()
        .collect();
    Shape::from(dims.clone()).checked_num_elements(op)?;
    with_any_type!(params.dtype(), T => {
        let src = items::<T>(op, params, params.dtype())?;
        tensor_from(gather_rows(op, src, &rows, inner)?, dims)
    })
}

/// Rows, row length and output dimensions of an n-d gather or scatter.
type NdRows = (Vec<usize>, usize, Vec<usize>);

/// For each index tuple (the last dimension of `indices`, of length `k`),
/// the row of the `shape[k:]`-sized slices of a tensor of `shape` it names;
/// also the row length and the shape of the gathered rows,
/// `indices.shape[:-1] + shape[k:]`. Errors like TensorFlow on a tuple
/// outside the shape.
fn nd_rows(op: &str, indices: &Tensor, shape: &Shape, what: &str) -> Result<NdRows> {
    let id = indices.dims();
    let Some(&k) = id.last() else {
        crate::bail!(
            op,
            "indices must be at least a vector, got shape {}",
            indices.shape()
        );
    };
    if k > shape.rank() {
        crate::bail!(
            op,
            "index innermost dimension length must be <= {what} rank; saw: {k} vs. {}",
            shape.rank()
        );
    }
    let idx = index_values(op, indices)?;
    let dims = &shape.dims()[..k];
    let tuples: usize = id[..id.len() - 1].iter().product();
    let out_dims: Vec<usize> = id[..id.len() - 1]
        .iter()
        .chain(&shape.dims()[k..])
        .copied()
        .collect();
    if k == 0 {
        // Every (empty) tuple names the whole tensor.
        return Ok((vec![0; tuples], shape.num_elements(), out_dims));
    }
    let rows = idx
        .chunks(k)
        .enumerate()
        .map(|(n, tuple)| {
            if tuple
                .iter()
                .zip(dims)
                .any(|(&i, &d)| i < 0 || i as u64 >= d as u64)
            {
                let coords: Vec<String> = tuple.iter().map(i64::to_string).collect();
                crate::bail!(
                    op,
                    "indices[{}] = [{}] does not index into {what} shape {shape}",
                    position(&id[..id.len() - 1], n),
                    coords.join(", ")
                );
            }
            Ok(tuple
                .iter()
                .zip(dims)
                .fold(0, |acc, (&i, &d)| acc * d + i as usize))
        })
        .collect::<Result<Vec<usize>>>()?;
    Ok((rows, shape.dims()[k..].iter().product(), out_dims))
}

/// Gathers slices of `params` named by the index tuples in the last
/// dimension of `indices`, like `tf.gather_nd(params, indices)`. The output
/// shape is `indices.shape[:-1] + params.shape[k:]`.
///
/// ```
/// use ferroflow_tensor::{kernels::index::gather_nd, Tensor};
/// let params = Tensor::from([[1, 2], [3, 4]]);
/// let y = gather_nd("GatherNd", &params, &Tensor::from([[1i64, 0], [0, 1]])).unwrap();
/// assert_eq!(y, Tensor::from([3, 2]));
/// ```
pub fn gather_nd(op: &str, params: &Tensor, indices: &Tensor) -> Result<Tensor> {
    let (rows, inner, dims) = nd_rows(op, indices, params.shape(), "param")?;
    Shape::from(dims.clone()).checked_num_elements(op)?;
    with_any_type!(params.dtype(), T => {
        let src = items::<T>(op, params, params.dtype())?;
        tensor_from(gather_rows(op, src, &rows, inner)?, dims)
    })
}

/// A numeric-dtype error for `op`.
fn not_numeric(op: &str, got: DType) -> TensorError {
    TensorError::DType {
        op: op.into(),
        expected: "a numeric dtype".into(),
        got,
    }
}

/// Zeros of `len` elements with, for each `(from, to)` pair, row `from` of
/// `src` added into row `to` (rows of length `n`).
fn scatter_add_rows<T: NumElement>(
    op: &str,
    src: &[T],
    pairs: impl Iterator<Item = (usize, usize)>,
    n: usize,
    len: usize,
) -> Result<Vec<T>> {
    let mut out = filled(op, len, T::zero())?;
    if n > 0 {
        for (from, to) in pairs {
            let row = &src[from * n..(from + 1) * n];
            for (o, &v) in out[to * n..(to + 1) * n].iter_mut().zip(row) {
                *o += v;
            }
        }
    }
    Ok(out)
}

/// Scatters `updates` into zeros of `shape` at the index tuples in the last
/// dimension of `indices`, adding duplicates, like
/// `tf.scatter_nd(indices, updates, shape)` (the gradient of `gather_nd`).
/// `updates` must have shape `indices.shape[:-1] + shape[k:]`.
///
/// ```
/// use ferroflow_tensor::{kernels::index::scatter_nd, Shape, Tensor};
/// let indices = Tensor::from_vec(vec![1i32, 3, 1], [3, 1]).unwrap();
/// let y = scatter_nd("ScatterNd", &indices, &Tensor::from([1.0f32, 2.0, 3.0]), &Shape::from([5])).unwrap();
/// assert_eq!(y, Tensor::from([0.0f32, 4.0, 0.0, 2.0, 0.0]));
/// ```
pub fn scatter_nd(op: &str, indices: &Tensor, updates: &Tensor, shape: &Shape) -> Result<Tensor> {
    let (rows, inner, expected) = nd_rows(op, indices, shape, "output")?;
    if updates.dims() != expected.as_slice() {
        crate::bail!(
            op,
            "Must have updates.shape = indices.shape[:batch_dim] + shape[slice_dim:], got updates.shape: {}, indices.shape: {}, shape: {shape}",
            updates.shape(),
            indices.shape()
        );
    }
    let len = shape.checked_num_elements(op)?;
    with_numeric_type!(updates.dtype(),
        T => {
            let src = updates.as_slice::<T>()?;
            let out = scatter_add_rows(op, src, rows.iter().copied().enumerate(), inner, len)?;
            tensor_from(out, shape.clone())
        },
        _ => Err(not_numeric(op, updates.dtype()))
    )
}

/// Sums the rows of `data` into `num_segments` segments named by
/// `segment_ids`, like `tf.math.unsorted_segment_sum` (the gradient of
/// `gather`). `segment_ids.shape` must be a prefix of `data.shape`; negative
/// ids are dropped, ids `>= num_segments` are errors.
///
/// ```
/// use ferroflow_tensor::{kernels::index::unsorted_segment_sum, Tensor};
/// let data = Tensor::from([[1, 2], [3, 4], [5, 6]]);
/// let y = unsorted_segment_sum("UnsortedSegmentSum", &data, &Tensor::from([1i32, 0, 1]), 2).unwrap();
/// assert_eq!(y, Tensor::from([[3, 4], [6, 8]]));
/// ```
pub fn unsorted_segment_sum(
    op: &str,
    data: &Tensor,
    segment_ids: &Tensor,
    num_segments: usize,
) -> Result<Tensor> {
    let (dd, sd) = (data.dims(), segment_ids.dims());
    if !dd.starts_with(sd) {
        crate::bail!(
            op,
            "data.shape = {} does not start with segment_ids.shape = {}",
            data.shape(),
            segment_ids.shape()
        );
    }
    let ids = index_values(op, segment_ids)?;
    // (data row, segment) for every id that is not dropped.
    let mut pairs = Vec::with_capacity(ids.len());
    for (n, &j) in ids.iter().enumerate() {
        if j < 0 {
            continue;
        }
        if j as u64 >= num_segments as u64 {
            return Err(TensorError::OutOfRange {
                op: op.into(),
                what: format!("segment_ids[{}] =", position(sd, n)),
                index: j,
                lo: 0,
                hi: num_segments as i64,
            });
        }
        pairs.push((n, j as usize));
    }
    let inner: usize = dd[sd.len()..].iter().product();
    let dims: Vec<usize> = std::iter::once(num_segments)
        .chain(dd[sd.len()..].iter().copied())
        .collect();
    let len = Shape::from(dims.clone()).checked_num_elements(op)?;
    with_numeric_type!(data.dtype(),
        T => {
            let src = data.as_slice::<T>()?;
            let out = scatter_add_rows(op, src, pairs.iter().copied(), inner, len)?;
            tensor_from(out, dims)
        },
        _ => Err(not_numeric(op, data.dtype()))
    )
}

/// A one-hot encoding of `indices`, like `tf.one_hot(indices, depth,
/// on_value, off_value, axis)`: a new dimension of size `depth` at `axis`
/// (`-1`: last) holds `on` at the index and `off` elsewhere. Indices outside
/// `[0, depth)` give all-`off` rows. `on` and `off` are scalars of the output
/// dtype; indices are uint8, int32 or int64.
///
/// ```
/// use ferroflow_tensor::{kernels::index::one_hot, Tensor};
/// let y = one_hot("OneHot", &Tensor::from([0i64, 2, 5]), 3, &Tensor::from(1.0f32), &Tensor::from(0.0f32), -1).unwrap();
/// assert_eq!(y, Tensor::from([[1.0f32, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]));
/// ```
pub fn one_hot(
    op: &str,
    indices: &Tensor,
    depth: usize,
    on: &Tensor,
    off: &Tensor,
    axis: i64,
) -> Result<Tensor> {
    let rank = indices.rank();
    let axis = match axis {
        -1 => rank,
        a if a >= 0 && a as usize <= rank => a as usize,
        a => crate::bail!(
            op,
            "Expected axis to be -1 or between [0, {}).  But received: {a}",
            rank + 1
        ),
    };
    if on.rank() != 0 || off.rank() != 0 {
        crate::bail!(
            op,
            "on_value and off_value must be scalars, got shapes {} and {}",
            on.shape(),
            off.shape()
        );
    }
    if on.dtype() != off.dtype() {
        return Err(TensorError::DType {
            op: op.into(),
            expected: on.dtype().name().into(),
            got: off.dtype(),
        });
    }
    let idx = match indices.dtype() {
        DType::U8 => indices
            .as_slice::<u8>()?
            .iter()
            .map(|&i| i64::from(i))
            .collect(),
        _ => index_values(op, indices)?,
    };
    let mut dims = indices.dims().to_vec();
    dims.insert(axis, depth);
    Shape::from(dims.clone()).checked_num_elements(op)?;
    let on_dtype = on.dtype();
    let suffix: usize = indices.dims()[axis..].iter().product();
    with_any_type!(on.dtype(), T => {
        let on = scalar_item::<T>(op, on, on.dtype())?;
        let off = scalar_item::<T>(op, off, on_dtype)?;
        tensor_from(one_hot_rows(op, &idx, depth, suffix, on, off)?, dims)
    })
}

/// The one-hot values for `idx` with the depth axis before the last
/// `suffix` elements of each index row.
fn one_hot_rows<T: Item>(
    op: &str,
    idx: &[i64],
    depth: usize,
    suffix: usize,
    on: T,
    off: T,
) -> Result<Vec<T>> {
    let mut out = filled(op, idx.len() * depth, off)?;
    for (n, &i) in idx.iter().enumerate() {
        if i >= 0 && (i as u64) < depth as u64 {
            let (p, s) = (n / suffix, n % suffix);
            out[(p * depth + i as usize) * suffix + s] = on.clone();
        }
    }
    Ok(out)
}
