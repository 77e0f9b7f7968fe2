//! Element-wise kernels: unary maps, binary maps with NumPy broadcasting,
//! `tf.where` and `tf.broadcast_to`.
//!
//! Outputs are written uninitialised in contiguous chunks, in parallel
//! for large outputs. Inputs are read through a [`BroadcastPlan`], so
//! same-shape operands are one contiguous run, a scalar operand is a repeated
//! value, and other broadcasts are runs over the innermost contiguous
//! dimensions; each run is a plain loop the compiler vectorizes.

use super::buffer::{build_vec, PAR_THRESHOLD};
use super::strided::BroadcastPlan;
use crate::{broadcast_shapes, Element, Result, Shape, Storage, Tensor, TensorError};
use std::mem::MaybeUninit;

/// The elements of `x` as `T`, or a dtype error naming `op`.
pub(crate) fn typed<'a, T: Element>(op: &str, x: &'a Tensor) -> Result<&'a [T]> {
    T::slice(x.storage()).ok_or_else(|| TensorError::DType {
        op: op.to_string(),
        expected: T::DTYPE.name().into(),
        got: x.dtype(),
    })
}

/// Applies `f` to every element, like a unary TensorFlow op (`tf.math.exp`, …).
/// The output has `x`'s shape and dtype `U`; errors if `x` is not of dtype `T`.
///
/// ```
/// use ferroflow_tensor::{kernels::elementwise::map, Tensor};
/// let x = Tensor::from([[-1.0f32, 2.0], [3.0, -4.0]]);
/// let y = map(&x, |v: f32| v.max(0.0)).unwrap(); // tf.nn.relu
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 2.0, 3.0, 0.0]);
/// ```
pub fn map<T: Element, U: Element>(x: &Tensor, f: impl Fn(T) -> U + Sync + Send) -> Result<Tensor> {
    let src = typed::<T>("map", x)?;
    // SAFETY: `src` has one element per output slot; the zip writes each.
    let out = unsafe {
        build_vec(src.len(), |start, chunk| {
            for (o, &v) in chunk.iter_mut().zip(&src[start..]) {
                o.write(f(v));
            }
        })
    };
    Tensor::from_vec(out, x.shape().clone())
}

/// Applies `f` pairwise with NumPy broadcasting, like a binary TensorFlow op
/// (`tf.add`, `tf.maximum`, `tf.equal`, …). Both operands must have dtype `T`;
/// the output has the broadcast shape and dtype `U`.
///
/// ```
/// use ferroflow_tensor::{kernels::elementwise::zip_map, Tensor};
/// let a = Tensor::from([[1.0f32], [2.0]]); // shape [2,1]
/// let b = Tensor::from([10.0f32, 20.0, 30.0]); // shape [3]
/// let c = zip_map("Add", &a, &b, |x: f32, y| x + y).unwrap();
/// assert_eq!(c.dims(), &[2, 3]);
/// assert_eq!(c.to_vec::<f32>().unwrap(), vec![11.0, 21.0, 31.0, 12.0, 22.0, 32.0]);
/// let err = zip_map("Add", &c, &Tensor::from([1.0f32, 2.0]), |x: f32, y| x + y).unwrap_err();
/// assert_eq!(err.to_string(), "Add: Incompatible shapes: [2,3] vs. [2]");
/// ```
pub fn zip_map<T: Element, U: Element>(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    f: impl Fn(T, T) -> U + Sync + Send,
) -> Result<Tensor> {
    let (xa, xb) = (typed::<T>(op, a)?, typed::<T>(op, b)?);
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    let plan = BroadcastPlan::new(&shape, [a.shape(), b.shape()]);
    let [sa, sb] = plan.inner_strides();
    // SAFETY: `for_each_run` partitions each chunk into runs and `zip_run`
    // writes every slot of a run.
    let out = unsafe {
        build_vec(shape.num_elements(), |start, chunk| {
            plan.for_each_run(start, start + chunk.len(), |pos, [oa, ob], len| {
                let o = &mut chunk[pos - start..][..len];
                zip_run(o, &xa[oa..], sa, &xb[ob..], sb, &f);
            });
        })
    };
    Tensor::from_vec(out, shape)
}

/// One run of [`zip_map`]: each operand is contiguous (stride 1) or a
/// repeated value (stride 0). One loop per case so each vectorizes; every
/// slot of `out` is written (operands are sliced to the run's length first,
/// so a short operand panics rather than leaving slots unwritten).
#[inline(always)]
fn zip_run<T: Copy, U>(
    out: &mut [MaybeUninit<U>],
    a: &[T],
    sa: usize,
    b: &[T],
    sb: usize,
    f: &impl Fn(T, T) -> U,
) {
    let len = |stride: usize| if stride == 0 { 1 } else { out.len() };
    let (a, b) = (&a[..len(sa)], &b[..len(sb)]);
    match (sa, sb) {
        (0, 0) => out.iter_mut().for_each(|o| {
            o.write(f(a[0], b[0]));
        }),
        (0, _) => {
            let x = a[0];
            for (o, &y) in out.iter_mut().zip(b) {
                o.write(f(x, y));
            }
        }
        (_, 0) => {
            let y = b[0];
            for (o, &x) in out.iter_mut().zip(a) {
                o.write(f(x, y));
            }
        }
        _ => {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                o.write(f(x, y));
            }
        }
    }
}

/// Updates `O` same-shape tensors in place from their own elements and
/// those of `I` more inputs at each position, in one pass over memory: a
/// fused kernel such as an optimizer's step (`ApplyAdam` reads the variable,
/// both moments and the gradient, and writes the first three). Every tensor
/// must have dtype `T` and the first one's shape; nothing is written unless
/// all do. A state whose buffer another tensor shares is copied first
/// (copy-on-write, [`Tensor::make_mut`]), so that one keeps the old values.
///
/// ```
/// use ferroflow_tensor::{kernels::elementwise::update_many, Tensor};
/// let mut x = Tensor::from([1.0f32, 2.0]);
/// let before = x.clone();
/// let step = |[x]: [f32; 1], [d]: [f32; 1]| [x + d];
/// update_many("AssignAdd", [&mut x], [&Tensor::from([10.0f32, 20.0])], step).unwrap();
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![11.0, 22.0]);
/// assert_eq!(before.to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
/// let err = update_many("AssignAdd", [&mut x], [&Tensor::from([1.0f32])], step);
/// assert_eq!(err.unwrap_err().to_string(), "AssignAdd: Incompatible shapes: [2] vs. [1]");
/// ```
pub fn update_many<T: Element, const O: usize, const I: usize>(
    op: &str,
    states: [&mut Tensor; O],
    inputs: [&Tensor; I],
    f: impl Fn([T; O], [T; I]) -> [T; O] + Sync + Send,
) -> Result<()> {
    let Some(first) = states.first() else {
        crate::bail!(op, "needs at least one tensor to update");
    };
    let shape = first.shape().clone();
    let all = states.iter().map(|s| &**s).chain(inputs);
    for x in all {
        if x.shape() != &shape {
            crate::bail!(op, "Incompatible shapes: {} vs. {}", shape, x.shape());
        }
        typed::<T>(op, x)?;
    }
    let mut srcs: [&[T]; I] = [&[]; I];
    for (src, x) in srcs.iter_mut().zip(inputs) {
        *src = typed::<T>(op, x)?;
    }
    let mut outs: [&mut [T]; O] = std::array::from_fn(|_| Default::default());
    for (out, state) in outs.iter_mut().zip(states) {
        *out = state.make_mut::<T>()?;
    }
    update_blocks(outs, srcs, &f);
    Ok(())
}

/// Replaces each position of `outs` (all of `srcs`' length) by `f` of it
/// and of `srcs`, splitting large ranges over rayon's threads.
fn update_blocks<T: Element, const O: usize, const I: usize>(
    mut outs: [&mut [T]; O],
    srcs: [&[T]; I],
    f: &(impl Fn([T; O], [T; I]) -> [T; O] + Sync),
) {
    let n = outs.first().map_or(0, |o| o.len());
    if n >= PAR_THRESHOLD {
        let mid = n / 2;
        let mut right: [&mut [T]; O] = std::array::from_fn(|_| Default::default());
        for (l, r) in outs.iter_mut().zip(&mut right) {
            (*l, *r) = std::mem::take(l).split_at_mut(mid);
        }
        let (ls, rs) = (srcs.map(|s| &s[..mid]), srcs.map(|s| &s[mid..]));
        rayon::join(
            || update_blocks(outs, ls, f),
            || update_blocks(right, rs, f),
        );
        return;
    }
    // Results go to small local blocks first: the compiler cannot tell that
    // `O` slices held in an array do not alias each other, and would not
    // vectorize `f`; a local block provably does not alias them.
    let mut block = [[T::zero(); BLOCK]; O];
    for start in (0..n).step_by(BLOCK) {
        let len = BLOCK.min(n - start);
        let ins = srcs.map(|s| &s[start..start + len]);
        let olds = outs.each_ref().map(|o| &o[start..start + len]);
        for j in 0..len {
            let values = f(olds.map(|s| s[j]), ins.map(|s| s[j]));
            for (b, v) in block.iter_mut().zip(values) {
                b[j] = v;
            }
        }
        for (o, b) in outs.iter_mut().zip(&block) {
            o[start..start + len].copy_from_slice(&b[..len]);
        }
    }
}

/// Elements per local block of [`update_blocks`].
const BLOCK: usize = 64;

/// Picks from `a` where `cond` is true and from `b` elsewhere, broadcasting
/// all three, like `tf.where(cond, a, b)`. `cond` is bool; `a` and `b` share
/// any dtype, strings included.
///
/// ```
/// use ferroflow_tensor::{kernels::elementwise::select, Tensor};
/// let cond = Tensor::from([true, false, true]);
/// let y = select("SelectV2", &cond, &Tensor::from([1i32, 2, 3]), &Tensor::from(0i32)).unwrap();
/// assert_eq!(y.to_vec::<i32>().unwrap(), vec![1, 0, 3]);
/// ```
pub fn select(op: &str, cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let c = typed::<bool>(op, cond)?;
    if a.dtype() != b.dtype() {
        return Err(TensorError::DType {
            op: op.to_string(),
            expected: format!("{} (the dtype of then)", a.dtype()),
            got: b.dtype(),
        });
    }
    let shape = broadcast_shapes(op, cond.shape(), a.shape())
        .and_then(|s| broadcast_shapes(op, &s, b.shape()))
        .map_err(|_| {
            TensorError::invalid(
                op,
                format!(
                    "condition {}, then {}, and else {} must be broadcastable",
                    cond.shape(),
                    a.shape(),
                    b.shape()
                ),
            )
        })?;
    let plan = BroadcastPlan::new(&shape, [cond.shape(), a.shape(), b.shape()]);
    let storage = crate::with_element_type!(a.dtype(),
        T => T::into_storage(select_typed(&plan, c, typed::<T>(op, a)?, typed::<T>(op, b)?, shape.num_elements())),
        _ => Storage::String(select_typed(&plan, c, a.as_strings()?, b.as_strings()?, shape.num_elements()))
    );
    Tensor::new(storage, shape)
}

fn select_typed<T: Clone + Send + Sync>(
    plan: &BroadcastPlan<3>,
    c: &[bool],
    a: &[T],
    b: &[T],
    n: usize,
) -> Vec<T> {
    let [sc, sa, sb] = plan.inner_strides();
    // SAFETY: `for_each_run` partitions each chunk into runs, and the loop
    // writes every slot of a run.
    unsafe {
        build_vec(n, |start, chunk| {
            plan.for_each_run(start, start + chunk.len(), |pos, [oc, oa, ob], len| {
                for (i, o) in chunk[pos - start..][..len].iter_mut().enumerate() {
                    o.write(if c[oc + i * sc] {
                        a[oa + i * sa].clone()
                    } else {
                        b[ob + i * sb].clone()
                    });
                }
            });
        })
    }
}

/// Repeats `x` along broadcast dimensions to fill `shape`, like
/// `tf.broadcast_to` (any dtype, strings included).
///
/// ```
/// use ferroflow_tensor::{kernels::elementwise::broadcast_to, Shape, Tensor};
/// let y = broadcast_to("BroadcastTo", &Tensor::from([1i64, 2]), &Shape::from([2, 2])).unwrap();
/// assert_eq!(y.to_vec::<i64>().unwrap(), vec![1, 2, 1, 2]);
/// assert!(broadcast_to("BroadcastTo", &Tensor::from([1i64, 2]), &Shape::from([3])).is_err());
/// ```
pub fn broadcast_to(op: &str, x: &Tensor, shape: &Shape) -> Result<Tensor> {
    if x.rank() > shape.rank() {
        crate::bail!(
            op,
            "Rank of input ({}) must be no greater than rank of output shape ({}).",
            x.rank(),
            shape.rank()
        );
    }
    match broadcast_shapes(op, x.shape(), shape) {
        Ok(s) if &s == shape => {}
        _ => crate::bail!(
            op,
            "Unable to broadcast tensor of shape {} to tensor of shape {shape}",
            x.shape()
        ),
    }
    let n = shape.checked_num_elements(op)?;
    let plan = BroadcastPlan::new(shape, [x.shape()]);
    let storage = crate::with_element_type!(x.dtype(),
        T => T::into_storage(broadcast_typed(&plan, typed::<T>(op, x)?, n)),
        _ => Storage::String(broadcast_typed(&plan, x.as_strings()?, n))
    );
    Tensor::new(storage, shape.clone())
}

fn broadcast_typed<T: Clone + Send + Sync>(plan: &BroadcastPlan<1>, x: &[T], n: usize) -> Vec<T> {
    let [s] = plan.inner_strides();
    // SAFETY: `for_each_run` partitions each chunk into runs, and the loop
    // writes every slot of a run.
    unsafe {
        build_vec(n, |start, chunk| {
            plan.for_each_run(start, start + chunk.len(), |pos, [ox], len| {
                for (i, o) in chunk[pos - start..][..len].iter_mut().enumerate() {
                    o.write(x[ox + i * s].clone());
                }
            });
        })
    }
}
