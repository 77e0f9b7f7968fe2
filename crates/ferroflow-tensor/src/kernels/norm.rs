//! Per-channel affine kernels over the last axis: `tf.nn.bias_add` and
//! `tf.compat.v1.nn.fused_batch_norm` (`FusedBatchNormV3`), with their
//! gradients.
//!
//! A tensor of shape `[..., c]` is seen as `rows x c`; statistics are taken
//! over the rows (every axis but the last). Sums are accumulated in f64.

use super::conv::{float_error, same_dtype};
use super::window::par_sum;
use crate::{
    with_float_type, with_numeric_type, Element, FloatElement, NumElement, Result, Shape, Tensor,
    TensorError,
};
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Rows handed to one worker at a time.
const ROWS_PER_TASK: usize = 1024;

/// Adds `bias` (`[c]`) to every row of `x` (`[..., c]`), like
/// `tf.nn.bias_add(x, bias)` with `data_format="NHWC"`.
///
/// ```
/// use ferroflow_tensor::{kernels::norm::bias_add, Tensor};
/// let x = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
/// let y = bias_add("BiasAdd", &x, &Tensor::from([10.0f32, 20.0])).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![11.0, 22.0, 13.0, 24.0]);
/// ```
pub fn bias_add(op: &str, x: &Tensor, bias: &Tensor) -> Result<Tensor> {
    let c = channels(op, x.shape(), 2)?;
    check_vector(op, "bias", bias.shape(), c)?;
    same_dtype(op, x, bias)?;
    with_numeric_type!(x.dtype(),
        T => Tensor::from_vec(add_rows::<T>(x.as_slice()?, bias.as_slice()?), x.shape().clone()),
        _ => Err(TensorError::DType {
            op: op.into(),
            expected: "a numeric dtype".into(),
            got: x.dtype(),
        })
    )
}

/// The gradient of [`bias_add`] with respect to the bias, like
/// `tf.raw_ops.BiasAddGrad`: `dy` summed over every axis but the last.
///
/// ```
/// use ferroflow_tensor::{kernels::norm::bias_add_grad, Tensor};
/// let dy = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(bias_add_grad("BiasAddGrad", &dy).unwrap().to_vec::<f32>().unwrap(), vec![4.0, 6.0]);
/// ```
pub fn bias_add_grad(op: &str, dy: &Tensor) -> Result<Tensor> {
    let c = channels(op, dy.shape(), 2)?;
    with_numeric_type!(dy.dtype(),
        T => {
            let dy = dy.as_slice::<T>()?;
            let sum = par_sum(dy.par_chunks(task_len(c)), c, || (), |_, rows, acc: &mut [T]| {
                for row in rows.chunks_exact(c) {
                    acc.iter_mut().zip(row).for_each(|(a, &v)| *a += v);
                }
            });
            Tensor::from_vec(sum, [c])
        },
        _ => Err(TensorError::DType {
            op: op.into(),
            expected: "a numeric dtype".into(),
            got: dy.dtype(),
        })
    )
}

/// The outputs of [`fused_batch_norm`], named as `FusedBatchNormV3`'s.
#[derive(Debug, Clone)]
pub struct BatchNormOutput {
    /// The normalized, scaled and shifted input.
    pub y: Tensor,
    /// The mean used (the batch mean when training, else the given mean).
    pub batch_mean: Tensor,
    /// The variance to feed a moving average: when training, the batch
    /// variance with Bessel's correction (`n / (n - 1)`), else the given one.
    pub batch_variance: Tensor,
    /// The variance `y` was normalized with (biased when training), which
    /// [`fused_batch_norm_grad`] takes as `saved_var`.
    pub saved_variance: Tensor,
}

/// Batch normalization over every axis but the last, like
/// `tf.compat.v1.nn.fused_batch_norm(x, scale, offset, mean, variance,
/// epsilon, is_training=training)`.
///
/// Training normalizes with the batch mean and biased batch variance
/// (`mean` and `variance` may be `None`); inference uses the given `mean`
/// and `variance`, which are then required.
///
/// ```
/// use ferroflow_tensor::{kernels::norm::fused_batch_norm, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 3.0], [2, 1]).unwrap();
/// let one = Tensor::from([1.0f32]);
/// let zero = Tensor::from([0.0f32]);
/// let out = fused_batch_norm("FusedBatchNormV3", &x, &one, &zero, None, None, 0.0, true).unwrap();
/// assert_eq!(out.y.to_vec::<f32>().unwrap(), vec![-1.0, 1.0]);
/// assert_eq!(out.batch_variance.to_vec::<f32>().unwrap(), vec![2.0]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn fused_batch_norm(
    op: &str,
    x: &Tensor,
    scale: &Tensor,
    offset: &Tensor,
    mean: Option<&Tensor>,
    variance: Option<&Tensor>,
    epsilon: f64,
    training: bool,
) -> Result<BatchNormOutput> {
    let c = channels(op, x.shape(), 1)?;
    let mut params = vec![("scale", scale), ("offset", offset)];
    if !training {
        let missing = || TensorError::invalid(op, "inference needs a mean and a variance");
        params.push(("mean", mean.ok_or_else(missing)?));
        params.push(("variance", variance.ok_or_else(missing)?));
    }
    for (what, t) in &params {
        check_vector(op, what, t.shape(), c)?;
        same_dtype(op, x, t)?;
    }
    let given = match (training, mean, variance) {
        (false, Some(mean), Some(var)) => Some(Stats {
            mean: mean.to_f64_vec()?,
            var: var.to_f64_vec()?,
        }),
        _ => None,
    };
    let (scale, offset) = (scale.to_f64_vec()?, offset.to_f64_vec()?);
    with_float_type!(x.dtype(),
        T => normalize::<T>(x, &scale, &offset, given, epsilon),
        _ => Err(float_error(op, x))
    )
}

/// The typed body of [`fused_batch_norm`]: batch statistics unless `given`.
fn normalize<T: FloatElement>(
    x: &Tensor,
    scale: &[f64],
    offset: &[f64],
    given: Option<Stats>,
    epsilon: f64,
) -> Result<BatchNormOutput> {
    let (xs, c) = (x.as_slice::<T>()?, scale.len());
    let training = given.is_none();
    let stats = given.unwrap_or_else(|| batch_stats(xs, c));
    let y = apply_affine(xs, &stats.affine(scale, offset, epsilon), c);
    let n = (xs.len() / c.max(1)) as f64;
    let correction = if training && n > 1.0 {
        n / (n - 1.0)
    } else {
        1.0
    };
    let corrected: Vec<f64> = stats.var.iter().map(|v| v * correction).collect();
    Ok(BatchNormOutput {
        y: Tensor::from_vec(y, x.shape().clone())?,
        batch_mean: channel_tensor::<T>(&stats.mean)?,
        batch_variance: channel_tensor::<T>(&corrected)?,
        saved_variance: channel_tensor::<T>(&stats.var)?,
    })
}

/// The gradients of [`fused_batch_norm`] with respect to `x`, `scale` and
/// `offset`, like `tf.raw_ops.FusedBatchNormGradV3(y_backprop, x, scale,
/// reserve_space_1=saved_mean, reserve_space_2=saved_var, ...)`.
///
/// When training, `saved_mean` and `saved_var` are the batch statistics the
/// forward pass used (its `batch_mean` and `saved_variance`) and the
/// gradient flows through them; otherwise they are constants.
///
/// ```
/// use ferroflow_tensor::{kernels::norm::fused_batch_norm_grad, Tensor};
/// let x = Tensor::from_vec(vec![1.0f64, 3.0], [2, 1]).unwrap();
/// let dy = Tensor::from_vec(vec![1.0f64, 1.0], [2, 1]).unwrap();
/// let (scale, mean, var) = (Tensor::from([1.0f64]), Tensor::from([2.0f64]), Tensor::from([1.0f64]));
/// let (dx, dscale, doffset) =
///     fused_batch_norm_grad("FusedBatchNormGradV3", &dy, &x, &scale, &mean, &var, 0.0, true)
///         .unwrap();
/// assert_eq!(dx.to_vec::<f64>().unwrap(), vec![0.0, 0.0]); // a shift changes nothing
/// assert_eq!(dscale.to_vec::<f64>().unwrap(), vec![0.0]);
/// assert_eq!(doffset.to_vec::<f64>().unwrap(), vec![2.0]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn fused_batch_norm_grad(
    op: &str,
    dy: &Tensor,
    x: &Tensor,
    scale: &Tensor,
    saved_mean: &Tensor,
    saved_var: &Tensor,
    epsilon: f64,
    training: bool,
) -> Result<(Tensor, Tensor, Tensor)> {
    let c = channels(op, x.shape(), 1)?;
    if dy.shape() != x.shape() {
        crate::bail!(
            op,
            "y_backprop must have the shape of x {}, got {}",
            x.shape(),
            dy.shape()
        );
    }
    for (what, t) in [
        ("scale", scale),
        ("saved_mean", saved_mean),
        ("saved_var", saved_var),
    ] {
        check_vector(op, what, t.shape(), c)?;
        same_dtype(op, x, t)?;
    }
    same_dtype(op, x, dy)?;
    let stats = Stats {
        mean: saved_mean.to_f64_vec()?,
        var: saved_var.to_f64_vec()?,
    };
    let scale = scale.to_f64_vec()?;
    with_float_type!(x.dtype(),
        T => normalize_grad::<T>(dy, x, &scale, &stats, epsilon, training),
        _ => Err(float_error(op, x))
    )
}

/// The typed body of [`fused_batch_norm_grad`].
fn normalize_grad<T: FloatElement>(
    dy: &Tensor,
    x: &Tensor,
    scale: &[f64],
    stats: &Stats,
    epsilon: f64,
    training: bool,
) -> Result<(Tensor, Tensor, Tensor)> {
    let (xs, dys, c) = (x.as_slice::<T>()?, dy.as_slice::<T>()?, scale.len());
    let rstd: Vec<f64> = stats
        .var
        .iter()
        .map(|v| 1.0 / (v + epsilon).sqrt())
        .collect();
    let rows = || xs.par_chunks(task_len(c)).zip(dys.par_chunks(task_len(c)));
    // sums[ch] = Σ dy, sums[c + ch] = Σ dy * x̂
    let sums = par_sum(
        rows(),
        2 * c,
        || (),
        |_, (xr, dyr), acc: &mut [f64]| {
            for (xrow, dyrow) in xr.chunks_exact(c).zip(dyr.chunks_exact(c)) {
                for ch in 0..c {
                    let d = dyrow[ch].to_f64();
                    acc[ch] += d;
                    acc[c + ch] += d * (xrow[ch].to_f64() - stats.mean[ch]) * rstd[ch];
                }
            }
        },
    );
    let (sum_dy, sum_dy_xhat) = sums.split_at(c);
    let n = (xs.len() / c.max(1)) as f64;
    // dx = a * dy + b * x + k per channel.
    let coefficients: Vec<[f64; 3]> = (0..c)
        .map(|ch| {
            let g = scale[ch] * rstd[ch];
            if training {
                let b = -g * rstd[ch] * sum_dy_xhat[ch] / n;
                [g, b, -g * sum_dy[ch] / n - b * stats.mean[ch]]
            } else {
                [g, 0.0, 0.0]
            }
        })
        .collect();
    // SAFETY: each chunk of `out` is as long as its rows, and every slot is written.
    let dx = unsafe {
        map_rows(rows(), c, xs.len(), |(xr, dyr), out| {
            let coefs = coefficients.iter().cycle();
            for (((o, &x), &d), [a, b, k]) in out.iter_mut().zip(xr).zip(dyr).zip(coefs) {
                o.write(T::from_f64(a * d.to_f64() + b * x.to_f64() + k));
            }
        })
    };
    Ok((
        Tensor::from_vec(dx, x.shape().clone())?,
        channel_tensor::<T>(sum_dy_xhat)?,
        channel_tensor::<T>(sum_dy)?,
    ))
}

/// A `[c]` tensor of `T` from per-channel f64 values.
fn channel_tensor<T: Element>(values: &[f64]) -> Result<Tensor> {
    let data: Vec<T> = values.iter().map(|&v| T::from_f64(v)).collect();
    Tensor::from_vec(data, [values.len()])
}

/// Per-channel mean and variance.
struct Stats {
    mean: Vec<f64>,
    var: Vec<f64>,
}

impl Stats {
    /// `(a, b)` per channel such that `y = a * x + b` normalizes, scales and
    /// shifts.
    fn affine(&self, scale: &[f64], offset: &[f64], epsilon: f64) -> Vec<(f64, f64)> {
        (0..self.mean.len())
            .map(|ch| {
                let a = scale[ch] / (self.var[ch] + epsilon).sqrt();
                (a, offset[ch] - a * self.mean[ch])
            })
            .collect()
    }
}

/// The mean and biased variance of each channel of `x` (`rows x c`), in
/// two passes for accuracy.
fn batch_stats<T: FloatElement>(x: &[T], c: usize) -> Stats {
    let n = (x.len() / c.max(1)).max(1) as f64;
    let chunks = || x.par_chunks(task_len(c));
    let sum = par_sum(
        chunks(),
        c,
        || (),
        |_, rows, acc: &mut [f64]| {
            for row in rows.chunks_exact(c) {
                acc.iter_mut().zip(row).for_each(|(a, &v)| *a += v.to_f64());
            }
        },
    );
    let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
    let sq = par_sum(
        chunks(),
        c,
        || (),
        |_, rows, acc: &mut [f64]| {
            for row in rows.chunks_exact(c) {
                for ((a, &v), m) in acc.iter_mut().zip(row).zip(&mean) {
                    let d = v.to_f64() - m;
                    *a += d * d;
                }
            }
        },
    );
    Stats {
        mean,
        var: sq.iter().map(|s| s / n).collect(),
    }
}

/// `y = a * x + b` per channel.
fn apply_affine<T: FloatElement>(x: &[T], affine: &[(f64, f64)], c: usize) -> Vec<T> {
    // SAFETY: each chunk of `out` is as long as its rows, and every slot is written.
    unsafe {
        map_rows(x.par_chunks(task_len(c)), c, x.len(), |rows, out| {
            for (o, (&v, &(a, b))) in out.iter_mut().zip(rows.iter().zip(affine.iter().cycle())) {
                o.write(T::from_f64(a * v.to_f64() + b));
            }
        })
    }
}

/// `x + bias` on every row.
fn add_rows<T: NumElement>(x: &[T], bias: &[T]) -> Vec<T> {
    let c = bias.len();
    // SAFETY: each chunk of `out` is as long as its rows, and every slot is written.
    unsafe {
        map_rows(x.par_chunks(task_len(c)), c, x.len(), |rows, out| {
            for (o, (&v, &b)) in out.iter_mut().zip(rows.iter().zip(bias.iter().cycle())) {
                o.write(v + b);
            }
        })
    }
}

/// A `len`-element output computed by `f(item, out)` for each item of
/// `items`, which covers `ROWS_PER_TASK` rows of `c` elements each; `f`
/// writes every slot of `out` (the same length as the item's rows), so
/// the output is never zero-filled first.
///
/// # Safety
///
/// `f` must write every slot of each `out` it is given.
unsafe fn map_rows<T: Element, I>(
    items: I,
    c: usize,
    len: usize,
    f: impl Fn(I::Item, &mut [MaybeUninit<T>]) + Sync + Send,
) -> Vec<T>
where
    I: IndexedParallelIterator,
{
    if c == 0 {
        return vec![T::zero(); len];
    }
    let mut out = Vec::with_capacity(len);
    out.spare_capacity_mut()[..len]
        .par_chunks_mut(task_len(c))
        .zip(items)
        .for_each(|(o, item)| f(item, o));
    // SAFETY: the chunks cover all `len` slots and `f` writes each slot of
    // its chunk.
    unsafe { out.set_len(len) };
    out
}

/// Elements of the rows one worker takes at a time (never 0).
fn task_len(c: usize) -> usize {
    (c * ROWS_PER_TASK).max(1)
}

/// The channel count (last dimension) of `shape`, which needs `min_rank`.
fn channels(op: &str, shape: &Shape, min_rank: usize) -> Result<usize> {
    match shape.dims().last() {
        Some(&c) if shape.rank() >= min_rank => Ok(c),
        _ => crate::bail!(op, "input must be at least {min_rank}-D, got shape {shape}"),
    }
}

/// Errors unless `shape` is `[c]`.
fn check_vector(op: &str, what: &str, shape: &Shape, c: usize) -> Result<()> {
    if shape.dims() != [c] {
        crate::bail!(
            op,
            "{what} must be a vector of the {c} channels, got shape {shape}"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_add_and_its_gradient_work_on_integers_over_any_rank() {
        let x = Tensor::from_vec((0..12).collect::<Vec<i32>>(), [2, 2, 3]).unwrap();
        let y = bias_add("BiasAdd", &x, &Tensor::from([100i32, 200, 300])).unwrap();
        assert_eq!(y.dims(), &[2, 2, 3]);
        assert_eq!(
            y.as_slice::<i32>().unwrap()[..6],
            [100, 201, 302, 103, 204, 305]
        );
        let db = bias_add_grad("BiasAddGrad", &x).unwrap();
        // Column sums of 0..12 viewed as [4, 3]: 0+3+6+9, 1+4+7+10, 2+5+8+11.
        assert_eq!(db.to_vec::<i32>().unwrap(), vec![18, 22, 26]);
    }

    #[test]
    fn batch_statistics_of_a_constant_channel() {
        // Channel 0 is constant (variance 0); channel 1 alternates 0, 2.
        let x = Tensor::from_vec(vec![5.0f64, 0.0, 5.0, 2.0, 5.0, 0.0, 5.0, 2.0], [4, 2]).unwrap();
        let (one, zero) = (Tensor::from([1.0f64, 1.0]), Tensor::from([0.0f64, 0.0]));
        let out = fused_batch_norm("BN", &x, &one, &zero, None, None, 1e-3, true).unwrap();
        assert_eq!(out.batch_mean.to_vec::<f64>().unwrap(), vec![5.0, 1.0]);
        assert_eq!(out.saved_variance.to_vec::<f64>().unwrap(), vec![0.0, 1.0]);
        // Bessel's correction: 4 / 3.
        let var = out.batch_variance.to_vec::<f64>().unwrap();
        assert!((var[1] - 4.0 / 3.0).abs() < 1e-15);
        let y = out.y.to_vec::<f64>().unwrap();
        let unit = 1.0 / (1.0f64 + 1e-3).sqrt();
        assert_eq!(y[..4], [0.0, -unit, 0.0, unit]);
    }
}
