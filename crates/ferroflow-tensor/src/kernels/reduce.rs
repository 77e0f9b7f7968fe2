//! Reductions (`tf.reduce_sum`, `reduce_mean`, `reduce_max`, …), `tf.argmax`
//! and `tf.argmin`, and softmax / log-softmax over the last axis.
//!
//! A reduction views the input as `[outer, r, inner]` for each run of reduced
//! dimensions, innermost first: with `inner == 1` it folds contiguous rows
//! (in SIMD-friendly lanes, over fixed blocks so results do not depend on the
//! thread count); otherwise it accumulates whole rows of `inner` elements.
//! Independent outputs are computed in parallel.

use super::arith::Arith;
use super::buffer::PAR_THRESHOLD;
use super::elementwise::typed;
use crate::{
    with_float_type, with_numeric_type, FloatElement, NumElement, Result, Tensor, TensorError,
};
use rayon::prelude::*;

/// What a [`reduce`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceKind {
    /// `tf.reduce_sum` (wraps on integer overflow).
    Sum,
    /// `tf.reduce_mean` (integer division for integer dtypes).
    Mean,
    /// `tf.reduce_max` (NaN propagates; empty gives the dtype's lowest value).
    Max,
    /// `tf.reduce_min` (NaN propagates; empty gives the dtype's highest value).
    Min,
    /// `tf.reduce_prod`.
    Prod,
    /// `tf.reduce_all` (bool).
    All,
    /// `tf.reduce_any` (bool).
    Any,
}

/// Reduces `x` over `axes`, like `tf.reduce_sum(x, axes, keepdims)` and its
/// siblings. `axes` are already normalised (`0..rank`), in any order,
/// duplicates allowed; no axes returns `x` unchanged. With `keep_dims` the
/// reduced dimensions stay as 1.
///
/// ```
/// use ferroflow_tensor::{kernels::reduce::{reduce, ReduceKind}, Tensor};
/// let x = Tensor::from([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
/// let rows = reduce("Sum", &x, &[1], false, ReduceKind::Sum).unwrap();
/// assert_eq!(rows.to_vec::<f32>().unwrap(), vec![6.0, 15.0]);
/// let cols = reduce("Max", &x, &[0], true, ReduceKind::Max).unwrap();
/// assert_eq!((cols.dims(), cols.to_vec::<f32>().unwrap()), (&[1, 3][..], vec![4.0, 5.0, 6.0]));
/// ```
pub fn reduce(
    op: &str,
    x: &Tensor,
    axes: &[usize],
    keep_dims: bool,
    kind: ReduceKind,
) -> Result<Tensor> {
    let dims = x.dims();
    let mut reduced = vec![false; dims.len()];
    for &a in axes {
        check_axis(op, "reduction axis", a, dims.len())?;
        reduced[a] = true;
    }
    let out_dims: Vec<usize> = dims
        .iter()
        .zip(&reduced)
        .filter_map(|(&d, &r)| match (r, keep_dims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    let count: usize = dims
        .iter()
        .zip(&reduced)
        .filter(|(_, &r)| r)
        .map(|(&d, _)| d)
        .product();
    let groups = Groups::new(dims, &reduced);
    let out = match kind {
        ReduceKind::All | ReduceKind::Any => {
            let data = typed::<bool>(op, x)?;
            let out = match kind {
                ReduceKind::All => groups.fold(data, true, |a, b| a & b),
                _ => groups.fold(data, false, |a, b| a | b),
            };
            Tensor::from_vec(out, out_dims)?
        }
        _ => with_numeric_type!(x.dtype(),
            T => Tensor::from_vec(reduce_numeric::<T>(&groups, typed::<T>(op, x)?, kind, count), out_dims)?,
            _ => return Err(TensorError::DType {
                op: op.to_string(),
                expected: "a numeric dtype".into(),
                got: x.dtype(),
            })
        ),
    };
    Ok(out)
}

/// Errors unless `axis` indexes one of `rank` dimensions.
fn check_axis(op: &str, what: &str, axis: usize, rank: usize) -> Result<()> {
    if axis >= rank {
        return Err(TensorError::OutOfRange {
            op: op.to_string(),
            what: what.into(),
            index: axis as i64,
            lo: 0,
            hi: rank as i64,
        });
    }
    Ok(())
}

fn reduce_numeric<T: Arith>(groups: &Groups, x: &[T], kind: ReduceKind, count: usize) -> Vec<T> {
    match kind {
        ReduceKind::Sum => groups.fold(x, T::zero(), T::wrapping_add),
        ReduceKind::Mean => {
            let mut sums = groups.fold(x, T::zero(), T::wrapping_add);
            sums.iter_mut().for_each(|s| *s = s.div_count(count));
            sums
        }
        ReduceKind::Prod => groups.fold(x, T::one(), T::wrapping_mul),
        ReduceKind::Max => groups.fold(x, T::MIN, |a, b| if (b > a) | is_nan(b) { b } else { a }),
        ReduceKind::Min => groups.fold(x, T::MAX, |a, b| if (b < a) | is_nan(b) { b } else { a }),
        ReduceKind::All | ReduceKind::Any => unreachable!("bool reductions are handled by reduce"),
    }
}

/// True for NaN (the only value unequal to itself); false for integers.
#[inline(always)]
#[allow(clippy::eq_op)]
fn is_nan<T: PartialEq>(v: T) -> bool {
    v != v
}

/// The input's dimensions with 1s dropped and neighbours of the same kind
/// (reduced or kept) merged: `(size, reduced)` pairs, outermost first.
struct Groups(Vec<(usize, bool)>);

impl Groups {
    fn new(dims: &[usize], reduced: &[bool]) -> Groups {
        let mut groups: Vec<(usize, bool)> = Vec::new();
        for (&d, &r) in dims.iter().zip(reduced) {
            match groups.last_mut() {
                _ if d == 1 => {}
                Some((size, kind)) if *kind == r => *size *= d,
                _ => groups.push((d, r)),
            }
        }
        Groups(groups)
    }

    /// Folds every reduced group with `f` from `init`, innermost group first,
    /// returning the kept elements in row-major order.
    fn fold<T: Copy + Send + Sync>(
        &self,
        x: &[T],
        init: T,
        f: impl Fn(T, T) -> T + Sync,
    ) -> Vec<T> {
        let kept: usize = self.0.iter().filter(|g| !g.1).map(|g| g.0).product();
        if x.is_empty() {
            return vec![init; kept];
        }
        let mut groups = self.0.clone();
        let mut data: Option<Vec<T>> = None;
        while let Some(g) = groups.iter().rposition(|g| g.1) {
            let outer = groups[..g].iter().map(|g| g.0).product();
            let inner = groups[g + 1..].iter().map(|g| g.0).product();
            let src = data.as_deref().unwrap_or(x);
            data = Some(fold_axis(src, outer, groups[g].0, inner, init, &f));
            groups.remove(g);
        }
        data.unwrap_or_else(|| x.to_vec())
    }
}

/// Elements per block of a row fold; blocks are folded in order, so the
/// result is the same whether blocks run in parallel or not.
const BLOCK: usize = 1 << 14;
/// Elements per block of rows when accumulating rows: few blocks, so few
/// synchronisations between threads.
const ROW_BLOCK: usize = 1 << 16;
/// Most columns per task when accumulating rows (an accumulator that stays in L1).
const COLS: usize = 1 << 12;
/// Row blocks computed together (in parallel when outputs are few) before
/// their partial results are folded.
const GROUP: usize = 64;

/// Folds `x` viewed as `[outer, r, inner]` over its middle axis.
fn fold_axis<T: Copy + Send + Sync>(
    x: &[T],
    outer: usize,
    r: usize,
    inner: usize,
    init: T,
    f: &(impl Fn(T, T) -> T + Sync),
) -> Vec<T> {
    let mut out = vec![init; outer * inner];
    let parallel = x.len() >= PAR_THRESHOLD;
    if inner == 1 {
        let split_rows = parallel && outer < 4;
        for_each_row(&mut out, 1, x, r, |o, row| {
            o[0] = fold_row(row, init, f, split_rows)
        });
        return out;
    }
    // Each (outer index, column chunk) accumulates blocks of whole rows; the
    // blocks' partial results are folded in order, so the result does not
    // depend on whether blocks ran in parallel.
    let width = inner.min(COLS);
    let rows_per_block = (ROW_BLOCK / width).max(1);
    let split_rows = parallel && outer * inner.div_ceil(width) < 4;
    let column = |o: usize, c: usize, acc: &mut [T]| {
        let w = acc.len();
        let block = |j0: usize| {
            let mut part = vec![init; w];
            for j in j0..(j0 + rows_per_block).min(r) {
                let src = &x[(o * r + j) * inner + c..][..w];
                for (p, &v) in part.iter_mut().zip(src) {
                    *p = f(*p, v);
                }
            }
            part
        };
        let starts: Vec<usize> = (0..r).step_by(rows_per_block).collect();
        for group in starts.chunks(GROUP) {
            let parts: Vec<Vec<T>> = if split_rows {
                group.par_iter().map(|&j| block(j)).collect()
            } else {
                group.iter().map(|&j| block(j)).collect()
            };
            for part in parts {
                for (a, p) in acc.iter_mut().zip(part) {
                    *a = f(*a, p);
                }
            }
        }
    };
    if parallel && !split_rows {
        out.par_chunks_mut(inner).enumerate().for_each(|(o, row)| {
            row.par_chunks_mut(width)
                .enumerate()
                .for_each(|(c, acc)| column(o, c * width, acc))
        });
    } else {
        for (o, row) in out.chunks_mut(inner).enumerate() {
            for (c, acc) in row.chunks_mut(width).enumerate() {
                column(o, c * width, acc);
            }
        }
    }
    out
}

/// Calls `f(out_row, in_row)` on matching rows of `out` (rows of `out_len`)
/// and `x` (rows of `in_len`), in parallel when `x` is large.
fn for_each_row<T: Sync, U: Send>(
    out: &mut [U],
    out_len: usize,
    x: &[T],
    in_len: usize,
    f: impl Fn(&mut [U], &[T]) + Sync,
) {
    if out_len == 0 || in_len == 0 {
        return;
    }
    if x.len() >= PAR_THRESHOLD && out.len() / out_len >= 4 {
        // Tasks of at least PAR_THRESHOLD / 4 input elements: few joins.
        out.par_chunks_mut(out_len)
            .zip(x.par_chunks(in_len))
            .with_min_len((PAR_THRESHOLD / 4 / in_len).max(1))
            .for_each(|(o, row)| f(o, row));
    } else {
        out.chunks_mut(out_len)
            .zip(x.chunks(in_len))
            .for_each(|(o, row)| f(o, row));
    }
}

/// Folds a contiguous row: blocks of [`BLOCK`] elements (in parallel if asked),
/// each in [`LANES`] independent accumulators the compiler keeps in SIMD registers.
fn fold_row<T: Copy + Send + Sync>(
    row: &[T],
    init: T,
    f: &(impl Fn(T, T) -> T + Sync),
    parallel: bool,
) -> T {
    let block = |b: &[T]| fold_lanes(b, init, f);
    if parallel && row.len() > BLOCK {
        let partials: Vec<T> = row.par_chunks(BLOCK).map(block).collect();
        partials.into_iter().fold(init, f)
    } else {
        row.chunks(BLOCK).map(block).fold(init, f)
    }
}

const LANES: usize = 16;

#[inline(always)]
fn fold_lanes<T: Copy>(x: &[T], init: T, f: &impl Fn(T, T) -> T) -> T {
    let mut acc = [init; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder().iter().fold(init, |a, &v| f(a, v));
    for c in chunks {
        for i in 0..LANES {
            acc[i] = f(acc[i], c[i]);
        }
    }
    // Combine lanes pairwise, then the tail.
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            acc[i] = f(acc[i], acc[i + width]);
        }
    }
    f(acc[0], tail)
}

/// Which extreme [`arg_reduce`] looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// `tf.argmax`.
    Max,
    /// `tf.argmin`.
    Min,
}

/// The index of the largest (smallest) value along `axis`, like
/// `tf.argmax(x, axis)` (`tf.argmin`): the first index on ties, NaN is skipped,
/// output int64 with `axis` removed. Errors on an empty axis.
///
/// ```
/// use ferroflow_tensor::{kernels::reduce::{arg_reduce, ArgKind}, Tensor};
/// let x = Tensor::from([[1i32, 7, 7], [9, 0, 2]]);
/// let i = arg_reduce("ArgMax", &x, 1, ArgKind::Max).unwrap();
/// assert_eq!(i.to_vec::<i64>().unwrap(), vec![1, 0]);
/// ```
pub fn arg_reduce(op: &str, x: &Tensor, axis: usize, kind: ArgKind) -> Result<Tensor> {
    let dims = x.dims();
    check_axis(op, "axis", axis, dims.len())?;
    let r = dims[axis];
    if r == 0 {
        crate::bail!(op, "Reduction axis {axis} is empty in shape {}", x.shape());
    }
    let (outer, inner) = (
        dims[..axis].iter().product(),
        dims[axis + 1..].iter().product(),
    );
    let mut out_dims = dims.to_vec();
    out_dims.remove(axis);
    let out = with_numeric_type!(x.dtype(),
        T => {
            let data = typed::<T>(op, x)?;
            match kind {
                ArgKind::Max => arg_typed(data, outer, r, inner, <T as NumElement>::MIN, |v, best| v > best),
                ArgKind::Min => arg_typed(data, outer, r, inner, <T as NumElement>::MAX, |v, best| v < best),
            }
        },
        _ => return Err(TensorError::DType {
            op: op.to_string(),
            expected: "a numeric dtype".into(),
            got: x.dtype(),
        })
    );
    Tensor::from_vec(out, out_dims)
}

/// Per `[r, inner]` slab, the first row index whose value is `better` than
/// all before it, for each of the `inner` columns.
fn arg_typed<T: NumElement>(
    x: &[T],
    outer: usize,
    r: usize,
    inner: usize,
    init: T,
    better: impl Fn(T, T) -> bool + Sync,
) -> Vec<i64> {
    let mut out = vec![0i64; outer * inner];
    for_each_row(&mut out, inner, x, r * inner, |idx, slab| {
        let mut best = vec![init; inner];
        for (j, row) in slab.chunks_exact(inner).enumerate() {
            for ((b, i), &v) in best.iter_mut().zip(idx.iter_mut()).zip(row) {
                if better(v, *b) {
                    *b = v;
                    *i = j as i64;
                }
            }
        }
    });
    out
}

/// Softmax over the last axis, like `tf.nn.softmax`: `exp(x - max) / sum`,
/// so large logits do not overflow (f32, f64).
///
/// ```
/// use ferroflow_tensor::{kernels::reduce::softmax, Tensor};
/// let y = softmax("Softmax", &Tensor::from([1000.0f32, 1000.0])).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.5, 0.5]);
/// ```
pub fn softmax(op: &str, x: &Tensor) -> Result<Tensor> {
    softmax_rows(op, x, false)
}

/// Log-softmax over the last axis, like `tf.nn.log_softmax`:
/// `x - max - log(sum(exp(x - max)))` (f32, f64).
///
/// ```
/// use ferroflow_tensor::{kernels::reduce::log_softmax, Tensor};
/// let y = log_softmax("LogSoftmax", &Tensor::from([1000.0f64, 0.0])).unwrap();
/// assert_eq!(y.to_vec::<f64>().unwrap(), vec![0.0, -1000.0]);
/// ```
pub fn log_softmax(op: &str, x: &Tensor) -> Result<Tensor> {
    softmax_rows(op, x, true)
}

fn softmax_rows(op: &str, x: &Tensor, log: bool) -> Result<Tensor> {
    let Some(&n) = x.dims().last() else {
        crate::bail!(op, "logits must have >= 1 dimension, got {}", x.shape());
    };
    with_float_type!(x.dtype(),
        T => Tensor::from_vec(softmax_typed(typed::<T>(op, x)?, n, log), x.shape().clone()),
        _ => Err(TensorError::DType {
            op: op.to_string(),
            expected: "float32 or float64".into(),
            got: x.dtype(),
        })
    )
}

fn softmax_typed<T: FloatElement>(x: &[T], n: usize, log: bool) -> Vec<T> {
    let mut out = vec![T::zero(); x.len()];
    let max = |a: T, b: T| if (b > a) | b.is_nan() { b } else { a };
    let add = |a: T, b: T| a + b;
    for_each_row(&mut out, n, x, n, |o, row| {
        let m = fold_lanes(row, T::MIN, &max);
        for (o, &v) in o.iter_mut().zip(row) {
            *o = v - m;
        }
        if log {
            let lse = o.iter().map(|&v| v.exp()).fold(T::zero(), add).ln();
            o.iter_mut().for_each(|v| *v = *v - lse);
        } else {
            o.iter_mut().for_each(|v| *v = v.exp());
            let inv = T::one() / fold_lanes(o, T::zero(), &add);
            o.iter_mut().for_each(|v| *v = *v * inv);
        }
    });
    out
}
