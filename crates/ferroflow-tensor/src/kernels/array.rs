//! Data movement kernels: `transpose`, `concat`, `split`, `tile`, `pad` and
//! `reverse`, with the pieces shared by the indexing and cast kernels: the
//! `Item` trait (an element of any dtype, strings included), the
//! `with_any_type!` dispatch macro, and the strided copy that slicing,
//! reversing and transposing all reduce to.

use crate::{DType, Element, Result, Shape, Storage, Tensor, TensorError};
use rayon::prelude::*;

/// Below this many output elements a kernel stays on one thread.
pub(crate) const PARALLEL_MIN: usize = 1 << 15;

/// An element of any dtype that data movement copies: the fixed-size types
/// and byte strings (`Vec<u8>`). `Default` is the dtype's zero.
pub(crate) trait Item: Clone + Default + Send + Sync + 'static {
    /// Borrows the storage's data if it holds this type.
    fn slice(storage: &Storage) -> Option<&[Self]>;
    /// Wraps a vector into storage.
    fn wrap(data: Vec<Self>) -> Storage;
    /// A number as this type with TensorFlow's cast rules; strings only
    /// stand for 0 (the empty string).
    fn from_constant(v: f64) -> Option<Self>;
}

macro_rules! impl_item {
    ($($t:ty => $variant:ident, $from:expr);*) => {$(
        impl Item for $t {
            fn slice(storage: &Storage) -> Option<&[Self]> {
                match storage {
                    Storage::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn wrap(data: Vec<Self>) -> Storage {
                Storage::$variant(data)
            }
            #[allow(clippy::redundant_closure_call)]
            fn from_constant(v: f64) -> Option<Self> {
                ($from)(v)
            }
        }
    )*};
}
impl_item!(
    f32 => F32, |v| Some(f32::from_f64(v));
    f64 => F64, Some;
    i32 => I32, |v| Some(i32::from_f64(v));
    i64 => I64, |v| Some(i64::from_f64(v));
    u8 => U8, |v| Some(u8::from_f64(v));
    bool => Bool, |v| Some(bool::from_f64(v));
    Vec<u8> => String, |v| (v == 0.0).then(Vec::new)
);

/// Runs `$body` with `$T` bound to the [`Item`] type of any dtype (strings
/// are `Vec<u8>`).
macro_rules! with_any_type {
    ($dtype:expr, $T:ident => $body:expr) => {
        $crate::with_element_type!($dtype, $T => $body, _ => {
            type $T = Vec<u8>;
            $body
        })
    };
}
pub(crate) use with_any_type;

/// The elements of `t` as `T`, or a dtype error naming `op`.
pub(crate) fn items<'a, T: Item>(op: &str, t: &'a Tensor, expected: DType) -> Result<&'a [T]> {
    T::slice(t.storage()).ok_or_else(|| TensorError::DType {
        op: op.into(),
        expected: expected.name().into(),
        got: t.dtype(),
    })
}

/// The value of the one-element tensor `t` as `T`.
pub(crate) fn scalar_item<T: Item>(op: &str, t: &Tensor, expected: DType) -> Result<T> {
    match items::<T>(op, t, expected)? {
        [v] => Ok(v.clone()),
        _ => crate::bail!(op, "expected a scalar, got shape {}", t.shape()),
    }
}

/// Checks that `axis` is a dimension of a rank-`rank` tensor.
pub(crate) fn check_axis(op: &str, axis: usize, rank: usize) -> Result<()> {
    crate::normalize_axis(op, i64::try_from(axis).unwrap_or(i64::MAX), rank).map(|_| ())
}

/// A tensor of `shape` over `data`.
pub(crate) fn tensor_from<T: Item>(data: Vec<T>, shape: impl Into<Shape>) -> Result<Tensor> {
    Tensor::new(T::wrap(data), shape)
}

/// An empty vector with room for `n` elements, or an error naming `op`
/// when the memory cannot be had (sizes often come from user input).
pub(crate) fn with_room<T>(op: &str, n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        TensorError::invalid(op, format!("cannot allocate an output of {n} elements"))
    })?;
    Ok(v)
}

/// `n` copies of `value`, or an error naming `op` when the memory cannot be
/// had.
pub(crate) fn filled<T: Clone>(op: &str, n: usize, value: T) -> Result<Vec<T>> {
    let mut v = with_room(op, n)?;
    v.resize(n, value);
    Ok(v)
}

/// Calls `f(index, chunk)` on each `chunk`-long piece of `out` (the last may
/// be shorter), on the thread pool when `out` is large.
pub(crate) fn for_chunks<T: Send>(out: &mut [T], chunk: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    if out.is_empty() || chunk == 0 {
        return;
    }
    if out.len() >= PARALLEL_MIN {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    } else {
        out.chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c));
    }
}

/// Row-major multi-index over `dims`, advanced one step at a time.
pub(crate) struct Odometer<'a> {
    dims: &'a [usize],
    index: Vec<usize>,
}

impl<'a> Odometer<'a> {
    /// The multi-index of linear position `at` in `dims`.
    pub(crate) fn at(dims: &'a [usize], mut at: usize) -> Self {
        let mut index = vec![0; dims.len()];
        for (i, &d) in index.iter_mut().zip(dims).rev() {
            if d > 0 {
                *i = at % d;
                at /= d;
            }
        }
        Odometer { dims, index }
    }

    /// The current multi-index.
    pub(crate) fn index(&self) -> &[usize] {
        &self.index
    }

    /// Steps to the next multi-index (wrapping to zeros after the last).
    pub(crate) fn advance(&mut self) {
        for (i, &d) in self.index.iter_mut().zip(self.dims).rev() {
            *i += 1;
            if *i < d {
                return;
            }
            *i = 0;
        }
    }
}

/// Where each element of a strided copy comes from: the output dimensions,
/// the signed input stride of each, and the input offset of the first
/// element. Slices, strided slices, reversals and transposes are all views.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StridedView {
    pub offset: usize,
    pub dims: Vec<usize>,
    pub strides: Vec<isize>,
}

impl StridedView {
    /// The view of dims `dims` with input strides `strides`, starting at
    /// `offset`, with size-1 axes dropped and axes that walk memory as one
    /// merged (the copy then moves longer runs). Always keeps one axis.
    pub(crate) fn new(offset: usize, dims: &[usize], strides: &[isize]) -> Self {
        let mut view = StridedView {
            offset,
            dims: Vec::with_capacity(dims.len()),
            strides: Vec::with_capacity(dims.len()),
        };
        for (&d, &s) in dims.iter().zip(strides) {
            if d == 1 {
                continue;
            }
            match (view.dims.last_mut(), view.strides.last_mut()) {
                (Some(pd), Some(ps)) if *ps == s * d as isize => {
                    *pd *= d;
                    *ps = s;
                }
                _ => {
                    view.dims.push(d);
                    view.strides.push(s);
                }
            }
        }
        if view.dims.is_empty() {
            view.dims.push(1);
            view.strides.push(1);
        }
        view
    }

    /// Number of elements the view selects.
    pub(crate) fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// Length and input stride of the innermost axis (one row).
    fn row(&self) -> (usize, isize) {
        let last = self.dims.len() - 1;
        (self.dims[last], self.strides[last])
    }

    /// Calls `f` with the input offset of each row, `count` rows from row
    /// `first`, in output order.
    fn for_each_row(&self, first: usize, count: usize, mut f: impl FnMut(usize)) {
        let outer = &self.dims[..self.dims.len() - 1];
        let mut odo = Odometer::at(outer, first);
        for _ in 0..count {
            f((self.offset as isize + dot(odo.index(), &self.strides)) as usize);
            odo.advance();
        }
    }
}

/// The offset of multi-index `index` under `strides`.
fn dot(index: &[usize], strides: &[isize]) -> isize {
    index
        .iter()
        .zip(strides)
        .map(|(&i, &s)| i as isize * s)
        .sum()
}

/// Copies the elements `view` selects from `src`, in output order.
fn gather_strided<T: Item>(src: &[T], view: &StridedView) -> Vec<T> {
    let mut out = vec![T::default(); view.len()];
    let (n, step) = view.row();
    let rows_per_chunk = (PARALLEL_MIN / n.max(1)).max(1);
    for_chunks(&mut out, rows_per_chunk * n, |c, chunk| {
        let count = chunk.len() / n;
        let mut rows = chunk.chunks_mut(n);
        view.for_each_row(c * rows_per_chunk, count, |off| {
            let Some(dst) = rows.next() else { return };
            if step == 1 {
                dst.clone_from_slice(&src[off..off + n]);
            } else if step == -1 {
                dst.clone_from_slice(&src[off + 1 - n..=off]);
                dst.reverse();
            } else {
                for (j, d) in dst.iter_mut().enumerate() {
                    *d = src[(off as isize + j as isize * step) as usize].clone();
                }
            }
        });
    });
    out
}

/// The elements of `x` that `view` selects, as a tensor of `shape`: the
/// same buffer (no copy) when the view is all of `x` in order, as for
/// `x[:, None]` or a transpose that only moves size-1 axes. With `tiled`,
/// the view's axis `q` reads `x` contiguously and the copy goes by tiles
/// ([`transpose_tiled`]).
pub(crate) fn take_view(
    op: &str,
    x: &Tensor,
    view: &StridedView,
    tiled: Option<usize>,
    shape: impl Into<Shape>,
) -> Result<Tensor> {
    if view.offset == 0 && view.strides == [1] && view.dims == [x.num_elements()] {
        return x.view(shape);
    }
    with_any_type!(x.dtype(), T => {
        let src = items::<T>(op, x, x.dtype())?;
        let data = match tiled {
            Some(q) => transpose_tiled(src, view, q),
            None => gather_strided(src, view),
        };
        tensor_from(data, shape)
    })
}

/// Writes `src` (in output order of `view`) into the places of `dst` the
/// view selects: the inverse of [`gather_strided`].
pub(crate) fn scatter_strided<T: Item>(dst: &mut [T], view: &StridedView, src: &[T]) {
    let (n, step) = view.row();
    if n == 0 || src.is_empty() {
        return;
    }
    let mut rows = src.chunks(n);
    view.for_each_row(0, src.len() / n, |off| {
        let Some(row) = rows.next() else { return };
        if step == 1 {
            dst[off..off + n].clone_from_slice(row);
        } else {
            for (j, v) in row.iter().enumerate() {
                dst[(off as isize + j as isize * step) as usize] = v.clone();
            }
        }
    });
}

/// Row-major strides of `dims` as signed offsets.
pub(crate) fn signed_strides(shape: &Shape) -> Vec<isize> {
    shape.strides().into_iter().map(|s| s as isize).collect()
}

/// Permutes the dimensions of `x`, like `tf.transpose(x, perm)`: output
/// dimension `i` is input dimension `perm[i]`.
///
/// ```
/// use ferroflow_tensor::{kernels::array::transpose, Tensor};
/// let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
/// let y = transpose("Transpose", &x, &[1, 0]).unwrap();
/// assert_eq!(y, Tensor::from([[1, 4], [2, 5], [3, 6]]));
/// ```
pub fn transpose(op: &str, x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    let rank = x.rank();
    if perm.len() != rank {
        crate::bail!(
            op,
            "transpose expects a vector of size {rank}. But input(1) is a vector of size {}",
            perm.len()
        );
    }
    if let Some(p) = perm.iter().find(|&&p| p >= rank) {
        crate::bail!(op, "{p} is out of range [0 .. {rank})");
    }
    if let Some(missing) = (0..rank).find(|i| !perm.contains(i)) {
        let listed: Vec<String> = perm.iter().map(usize::to_string).collect();
        crate::bail!(op, "{missing} is missing from {{{}}}.", listed.join(","));
    }
    let dims: Vec<usize> = perm.iter().map(|&p| x.dims()[p]).collect();
    let strides_in = signed_strides(x.shape());
    let strides: Vec<isize> = perm.iter().map(|&p| strides_in[p]).collect();
    let view = StridedView::new(0, &dims, &strides);
    let last = view.dims.len() - 1;
    // The output axis that walks the input contiguously, when it is not the
    // innermost one: then copy in tiles.
    let unit = (0..last).find(|&a| view.strides[a] == 1 && view.strides[last] != 1);
    take_view(op, x, &view, unit, dims)
}

/// Tiles of [`transpose_tiled`]: rows along the axis read contiguously, by
/// columns along the innermost output axis. Narrow columns keep the strided
/// reads to a few cache lines, which matters for power-of-two strides
/// (measured on 4096x4096 and NHWC <-> NCHW).
const TILE_ROWS: usize = 64;
const TILE_COLS: usize = 8;

/// [`gather_strided`] for a view whose axis `q` has input stride 1 and whose
/// innermost axis does not: the output is copied in `TILE_ROWS x TILE_COLS` tiles over
/// axes `q` and innermost, so both the reads and the writes stay in cache.
/// This is the batched 2-D transpose (`[.., a, b] -> [.., b, a]`, NHWC <->
/// NCHW after merging axes).
fn transpose_tiled<T: Item>(src: &[T], view: &StridedView, q: usize) -> Vec<T> {
    let last = view.dims.len() - 1;
    let (n, step) = view.row();
    // Offsets of the axes between q and the innermost one.
    let mid_dims = &view.dims[q + 1..last];
    let mid_count: usize = mid_dims.iter().product();
    let mut odo = Odometer::at(mid_dims, 0);
    let mid: Vec<isize> = (0..mid_count)
        .map(|_| {
            let off = dot(odo.index(), &view.strides[q + 1..last]);
            odo.advance();
            off
        })
        .collect();
    let row = mid_count * n;
    let plane = view.dims[q] * row;
    let mut out = vec![T::default(); view.len()];
    for_chunks(&mut out, plane, |o, plane_out| {
        let outer = Odometer::at(&view.dims[..q], o);
        let base = view.offset as isize + dot(outer.index(), &view.strides[..q]);
        for_chunks(plane_out, TILE_ROWS * row, |b, block| {
            let first = (b * TILE_ROWS) as isize;
            for (m, &moff) in mid.iter().enumerate() {
                for l0 in (0..n).step_by(TILE_COLS) {
                    let l1 = (l0 + TILE_COLS).min(n);
                    for (qi, dst_row) in block.chunks_mut(row).enumerate() {
                        let from = base + moff + first + qi as isize;
                        let dst = &mut dst_row[m * n + l0..m * n + l1];
                        for (j, d) in dst.iter_mut().enumerate() {
                            *d = src[(from + (l0 + j) as isize * step) as usize].clone();
                        }
                    }
                }
            }
        });
    });
    out
}

/// Joins tensors along `axis`, like `tf.concat(xs, axis)`. All inputs must
/// have the same dtype and rank, and equal dimensions except along `axis`.
///
/// ```
/// use ferroflow_tensor::{kernels::array::concat, Tensor};
/// let a = Tensor::from([[1, 2], [3, 4]]);
/// let b = Tensor::from([[5], [6]]);
/// let y = concat("ConcatV2", &[&a, &b], 1).unwrap();
/// assert_eq!(y, Tensor::from([[1, 2, 5], [3, 4, 6]]));
/// ```
pub fn concat(op: &str, xs: &[&Tensor], axis: usize) -> Result<Tensor> {
    let Some(first) = xs.first() else {
        crate::bail!(op, "expects at least one input tensor");
    };
    let rank = first.rank();
    if rank == 0 {
        crate::bail!(op, "Can't concatenate scalars (use tf.stack instead)");
    }
    check_axis(op, axis, rank)?;
    let mut dims = first.dims().to_vec();
    dims[axis] = 0;
    for (i, x) in xs.iter().enumerate() {
        if x.dtype() != first.dtype() {
            return Err(TensorError::DType {
                op: op.into(),
                expected: first.dtype().name().into(),
                got: x.dtype(),
            });
        }
        if x.rank() != rank {
            crate::bail!(
                op,
                "Ranks of all input tensors should match: shape[0] = {} vs. shape[{i}] = {}",
                first.shape(),
                x.shape()
            );
        }
        if let Some(d) = (0..rank).find(|&d| d != axis && x.dims()[d] != first.dims()[d]) {
            crate::bail!(
                op,
                "Dimension {d} in both shapes must be equal: shape[0] = {} vs. shape[{i}] = {}",
                first.shape(),
                x.shape()
            );
        }
        dims[axis] += x.dims()[axis];
    }
    let inner: usize = dims[axis + 1..].iter().product();
    with_any_type!(first.dtype(), T => {
        let parts = xs
            .iter()
            .map(|x| Ok((items::<T>(op, x, first.dtype())?, x.dims()[axis] * inner)))
            .collect::<Result<Vec<_>>>()?;
        let row: usize = parts.iter().map(|p| p.1).sum();
        let mut out = vec![T::default(); Shape::from(dims.clone()).num_elements()];
        for_chunks(&mut out, row, |o, chunk| {
            let mut at = 0;
            for (src, w) in &parts {
                chunk[at..at + w].clone_from_slice(&src[o * w..(o + 1) * w]);
                at += w;
            }
        });
        tensor_from(out, dims)
    })
}

/// Splits `x` along `axis` into pieces of the given sizes, like
/// `tf.split(x, sizes, axis)`; the sizes must add up to the dimension.
///
/// ```
/// use ferroflow_tensor::{kernels::array::split, Tensor};
/// let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
/// let parts = split("SplitV", &x, &[1, 2], 1).unwrap();
/// assert_eq!(parts[0], Tensor::from([[1], [4]]));
/// assert_eq!(parts[1], Tensor::from([[2, 3], [5, 6]]));
/// ```
pub fn split(op: &str, x: &Tensor, sizes: &[usize], axis: usize) -> Result<Vec<Tensor>> {
    let dims = x.dims();
    check_axis(op, axis, dims.len())?;
    let total = sizes
        .iter()
        .try_fold(0usize, |acc, &s| acc.checked_add(s))
        .filter(|&t| t == dims[axis]);
    if total.is_none() {
        crate::bail!(
            op,
            "Determined shape must either match input shape along split_dim exactly if fully specified, \
             or be less than the size of the input along split_dim if not fully specified. \
             Got sizes {sizes:?} for dimension {axis} of shape {}",
            x.shape()
        );
    }
    let strides = signed_strides(x.shape());
    let mut start = 0;
    sizes
        .iter()
        .map(|&size| {
            let mut piece = dims.to_vec();
            piece[axis] = size;
            let view = StridedView::new(start * strides[axis] as usize, &piece, &strides);
            start += size;
            take_view(op, x, &view, None, piece)
        })
        .collect()
}

/// Repeats `x` `multiples[i]` times along each dimension `i`, like
/// `tf.tile(x, multiples)`.
///
/// ```
/// use ferroflow_tensor::{kernels::array::tile, Tensor};
/// let x = Tensor::from([[1, 2]]);
/// let y = tile("Tile", &x, &[2, 2]).unwrap();
/// assert_eq!(y, Tensor::from([[1, 2, 1, 2], [1, 2, 1, 2]]));
/// ```
pub fn tile(op: &str, x: &Tensor, multiples: &[usize]) -> Result<Tensor> {
    if multiples.len() != x.rank() {
        crate::bail!(
            op,
            "Expected multiples argument to be a vector of length {} but got length {}",
            x.rank(),
            multiples.len()
        );
    }
    let out_dims = x
        .dims()
        .iter()
        .zip(multiples)
        .map(|(&d, &m)| d.checked_mul(m))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| {
            TensorError::invalid(op, format!("multiples {multiples:?} are too large"))
        })?;
    Shape::from(out_dims.clone()).checked_num_elements(op)?;
    with_any_type!(x.dtype(), T => {
        let mut data = items::<T>(op, x, x.dtype())?.to_vec();
        let mut dims = x.dims().to_vec();
        // Innermost axis first: each pass repeats whole blocks, so the later
        // (outer) passes copy long runs.
        for axis in (0..dims.len()).rev() {
            let m = multiples[axis];
            if m == 1 {
                continue;
            }
            let block: usize = dims[axis..].iter().product();
            dims[axis] *= m;
            let mut next = with_room(op, data.len() * m)?;
            if block > 0 {
                for chunk in data.chunks(block) {
                    for _ in 0..m {
                        next.extend_from_slice(chunk);
                    }
                }
            }
            data = next;
        }
        tensor_from(data, out_dims)
    })
}

/// How [`pad`] fills the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadMode {
    /// A constant value (`tf.pad(..., mode="CONSTANT")`).
    Constant,
    /// Mirror without repeating the edge: `[1,2,3]` padded by 2 is
    /// `[3,2,1,2,3,2,1]` (`mode="REFLECT"`, paddings < dimension).
    Reflect,
    /// Mirror repeating the edge: `[1,2,3]` padded by 2 is `[2,1,1,2,3,3,2]`
    /// (`mode="SYMMETRIC"`, paddings <= dimension).
    Symmetric,
}

/// Pads `x` with `paddings[i] = (before, after)` elements along dimension
/// `i`, like `tf.pad(x, paddings, mode, constant_values)`. String tensors pad
/// with empty strings in constant mode, so `constant` must then be 0.
///
/// ```
/// use ferroflow_tensor::{kernels::array::{pad, PadMode}, Tensor};
/// let x = Tensor::from([1, 2, 3]);
/// let y = pad("MirrorPad", &x, &[(2, 1)], PadMode::Reflect, 0.0).unwrap();
/// assert_eq!(y, Tensor::from([3, 2, 1, 2, 3, 2]));
/// ```
pub fn pad(
    op: &str,
    x: &Tensor,
    paddings: &[(usize, usize)],
    mode: PadMode,
    constant: f64,
) -> Result<Tensor> {
    if paddings.len() != x.rank() {
        crate::bail!(
            op,
            "The first dimension of paddings must be the rank of inputs [{},2], got [{},2]",
            x.rank(),
            paddings.len()
        );
    }
    // For every axis, the input index each output index reads (None: fill).
    let mut maps = Vec::with_capacity(paddings.len());
    for (&d, &(before, after)) in x.dims().iter().zip(paddings) {
        let limit = match mode {
            PadMode::Constant => usize::MAX,
            PadMode::Reflect => d.saturating_sub(1),
            PadMode::Symmetric => d,
        };
        if before > limit || after > limit {
            let (rule, fails) = if mode == PadMode::Reflect {
                ("less than", "not less than")
            } else {
                ("no greater than", "greater than")
            };
            crate::bail!(
                op,
                "paddings must be {rule} the dimension size: {before}, {after} {fails} {d}"
            );
        }
        let out = before
            .checked_add(d)
            .and_then(|n| n.checked_add(after))
            .ok_or_else(|| TensorError::invalid(op, "paddings are too large"))?;
        let map: Vec<Option<usize>> = (0..out)
            .map(|o| match (mode, o.checked_sub(before)) {
                (_, Some(i)) if i < d => Some(i),
                (PadMode::Constant, _) => None,
                (PadMode::Reflect, None) => Some(before - o),
                (PadMode::Symmetric, None) => Some(before - 1 - o),
                (PadMode::Reflect, Some(i)) => Some(2 * d - 2 - i),
                (PadMode::Symmetric, Some(i)) => Some(2 * d - 1 - i),
            })
            .collect();
        maps.push(map);
    }
    let out_dims: Vec<usize> = maps.iter().map(Vec::len).collect();
    Shape::from(out_dims.clone()).checked_num_elements(op)?;
    if x.rank() == 0 {
        return x.view(Shape::scalar());
    }
    with_any_type!(x.dtype(), T => {
        let Some(fill) = T::from_constant(constant) else {
            crate::bail!(op, "a string tensor pads with empty strings, not {constant}");
        };
        let src = items::<T>(op, x, x.dtype())?;
        let strides = x.shape().strides();
        tensor_from(pad_rows(op, src, &strides, &maps, fill)?, out_dims)
    })
}

/// The padded copy of `src` (of row-major `strides`): output element
/// `[i0, i1, ..]` reads input `[maps[0][i0], maps[1][i1], ..]`, or is `fill`
/// where any map says `None`.
fn pad_rows<T: Item>(
    op: &str,
    src: &[T],
    strides: &[usize],
    maps: &[Vec<Option<usize>>],
    fill: T,
) -> Result<Vec<T>> {
    let out_dims: Vec<usize> = maps.iter().map(Vec::len).collect();
    let rank = out_dims.len();
    let mut out = filled(op, out_dims.iter().product(), fill)?;
    let (inner_map, n) = (&maps[rank - 1], out_dims[rank - 1]);
    let rows_per_chunk = (PARALLEL_MIN / n.max(1)).max(1);
    for_chunks(&mut out, rows_per_chunk * n, |c, chunk| {
        let mut odo = Odometer::at(&out_dims[..rank - 1], c * rows_per_chunk);
        for row in chunk.chunks_mut(n) {
            let base = odo
                .index()
                .iter()
                .zip(maps)
                .zip(strides)
                .try_fold(0, |acc, ((&i, map), &s)| map[i].map(|j| acc + j * s));
            odo.advance();
            let Some(base) = base else { continue };
            for (dst, j) in row.iter_mut().zip(inner_map) {
                if let Some(j) = j {
                    *dst = src[base + j].clone();
                }
            }
        }
    });
    Ok(out)
}

/// Reverses `x` along each of `axes`, like `tf.reverse(x, axes)`.
///
/// ```
/// use ferroflow_tensor::{kernels::array::reverse, Tensor};
/// let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
/// let y = reverse("ReverseV2", &x, &[1]).unwrap();
/// assert_eq!(y, Tensor::from([[3, 2, 1], [6, 5, 4]]));
/// ```
pub fn reverse(op: &str, x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    let rank = x.rank();
    let mut strides = signed_strides(x.shape());
    let mut offset = 0;
    let mut seen = vec![false; rank];
    for &a in axes {
        check_axis(op, a, rank)?;
        if std::mem::replace(&mut seen[a], true) {
            crate::bail!(op, "axis {a} specified more than once.");
        }
        offset += x.dims()[a].saturating_sub(1) * strides[a] as usize;
        strides[a] = -strides[a];
    }
    let view = StridedView::new(offset, x.dims(), &strides);
    take_view(op, x, &view, None, x.shape().clone())
}
