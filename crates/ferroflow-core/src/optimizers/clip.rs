//! Gradient clipping by norm, like `tf.clip_by_norm` and
//! `tf.clip_by_global_norm`.

use crate::ops::{ArrayOps, Axes, CompareOps, MathOps, ReduceOps};
use crate::{fail, Result, TensorOps};

/// Rescales `t` so that its L2 norm over `axes` is at most `clip_norm`:
/// `t * clip_norm / max(norm, clip_norm)`, like `tf.clip_by_norm` (a zero
/// norm leaves `t` as is, with a finite gradient).
///
/// ```
/// use ferroflow_core::optimizers::clip_by_norm;
/// use ferroflow_core::prelude::*;
/// let t = clip_by_norm(&Tensor::from([3.0f32, 4.0]), 1.0, Axes::All).unwrap();
/// assert_eq!(t.to_vec::<f32>().unwrap(), vec![0.6, 0.8]);
/// ```
pub fn clip_by_norm<H: TensorOps>(t: &H, clip_norm: f64, axes: impl Into<Axes>) -> Result<H> {
    let l2sum = t.mul(t)?.reduce_sum(axes, true)?;
    let positive = l2sum.greater(&l2sum.zeros_like()?)?;
    let safe = positive.where_(&l2sum, &l2sum.ones_like()?)?;
    let l2norm = positive.where_(&safe.sqrt()?, &l2sum)?;
    let clip = t.scalar_like(clip_norm)?;
    t.mul(&clip)?.div(&l2norm.maximum(&clip)?)
}

/// The L2 norm of all of `tensors` together, `sqrt(Σ sum(t²))`, like
/// `tf.linalg.global_norm`.
///
/// ```
/// use ferroflow_core::optimizers::global_norm;
/// use ferroflow_core::prelude::*;
/// let n = global_norm(&[Tensor::from([3.0f32]), Tensor::from([[4.0f32]])]).unwrap();
/// assert_eq!(n.to_scalar::<f32>().unwrap(), 5.0);
/// ```
pub fn global_norm<H: TensorOps>(tensors: &[H]) -> Result<H> {
    let Some((first, rest)) = tensors.split_first() else {
        fail!("global_norm", "t_list must not be empty");
    };
    let sum_sq = |t: &H| t.square()?.reduce_sum(Axes::All, false);
    let mut total = sum_sq(first)?;
    for t in rest {
        total = total.add(&sum_sq(t)?)?;
    }
    total.sqrt()
}

/// Scales every tensor by `clip_norm / max(global_norm, clip_norm)` and
/// returns the clipped tensors and the global norm, like
/// `tf.clip_by_global_norm`. An infinite or NaN norm gives NaN tensors.
///
/// ```
/// use ferroflow_core::optimizers::clip_by_global_norm;
/// use ferroflow_core::prelude::*;
/// let (clipped, norm) = clip_by_global_norm(&[Tensor::from([3.0f32]), Tensor::from([4.0f32])], 2.5).unwrap();
/// assert_eq!(norm.to_scalar::<f32>().unwrap(), 5.0);
/// assert_eq!(clipped[1].to_vec::<f32>().unwrap(), vec![2.0]);
/// ```
pub fn clip_by_global_norm<H: TensorOps>(tensors: &[H], clip_norm: f64) -> Result<(Vec<H>, H)> {
    let norm = global_norm(tensors)?;
    let clip = norm.scalar_like(clip_norm)?;
    let one = norm.scalar_like(1.0)?;
    let finite_scale = clip.mul(&one.div(&norm)?.minimum(&one.div(&clip)?)?)?;
    // `norm - norm` is 0, or NaN when the norm is not finite.
    let scale = finite_scale.add(&norm.sub(&norm)?)?;
    let clipped = tensors
        .iter()
        .map(|t| t.mul(&scale))
        .collect::<Result<Vec<H>>>()?;
    Ok((clipped, norm))
}
