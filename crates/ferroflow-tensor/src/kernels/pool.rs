//! 2-D max and average pooling over NHWC images and their gradients:
//! `tf.nn.max_pool2d`, `tf.nn.avg_pool2d`, `MaxPoolGrad`, `AvgPoolGrad`.
//!
//! Padded positions never take part: a SAME max ignores them and a SAME
//! average divides by the number of real elements in the window, as
//! TensorFlow does.

use super::conv::float_error;
use super::window::{par_chunks, Conv2dGeometry, Padding};
use crate::{with_float_type, Element, FloatElement, NumElement, Result, Shape, Tensor};

/// The pooling geometry of `ksize` windows over `input` (`[n, h, w, c]`).
fn pool_geometry(
    op: &str,
    input: &Shape,
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: &Padding,
) -> Result<Conv2dGeometry> {
    let channels = input.dims().get(3).copied().unwrap_or(0);
    Conv2dGeometry::new(op, input, ksize, channels, strides, [1, 1], padding)
}

/// Max pooling, like `tf.nn.max_pool2d(x, ksize, strides, padding)` on
/// NHWC `x`.
///
/// ```
/// use ferroflow_tensor::{kernels::{pool::max_pool, window::Padding}, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 5.0, 3.0, 2.0], [1, 2, 2, 1]).unwrap();
/// let y = max_pool("MaxPool", &x, [2, 2], [2, 2], &Padding::Valid).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![5.0]);
/// ```
pub fn max_pool(
    op: &str,
    x: &Tensor,
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    let g = pool_geometry(op, x.shape(), ksize, strides, padding)?;
    with_float_type!(x.dtype(),
        T => {
            let x = x.as_slice::<T>()?;
            let (in_img, out_img) = (g.in_pixels() * g.in_c, g.out_pixels() * g.out_c);
            let mut y = vec![T::MIN; g.batch * out_img];
            par_chunks(&mut y, out_img, |n, y| {
                fold_taps(&g, &x[n * in_img..(n + 1) * in_img], y, |m, v| {
                    if v > *m {
                        *m = v
                    }
                });
            });
            Tensor::from_vec(y, g.output_shape())
        },
        _ => Err(float_error(op, x))
    )
}

/// The gradient of [`max_pool`], like `tf.raw_ops.MaxPoolGrad(orig_input,
/// orig_output, grad, ...)`: each output gradient goes to the first maximum
/// of its window (in row-major order), as TensorFlow's CPU kernel does.
///
/// ```
/// use ferroflow_tensor::{kernels::{pool::{max_pool, max_pool_grad}, window::Padding}, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 5.0, 5.0, 2.0], [1, 2, 2, 1]).unwrap();
/// let y = max_pool("MaxPool", &x, [2, 2], [2, 2], &Padding::Valid).unwrap();
/// let dy = Tensor::from_vec(vec![1.0f32], [1, 1, 1, 1]).unwrap();
/// let dx = max_pool_grad("MaxPoolGrad", &x, &y, &dy, [2, 2], [2, 2], &Padding::Valid).unwrap();
/// assert_eq!(dx.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 0.0, 0.0]);
/// ```
pub fn max_pool_grad(
    op: &str,
    x: &Tensor,
    y: &Tensor,
    dy: &Tensor,
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    let g = pool_geometry(op, x.shape(), ksize, strides, padding)?;
    g.check_output(op, "orig_output", y.shape())?;
    g.check_output(op, "grad", dy.shape())?;
    super::conv::same_dtype(op, x, dy)?;
    with_float_type!(x.dtype(),
        T => {
            let (x, dy) = (x.as_slice::<T>()?, dy.as_slice::<T>()?);
            let (in_img, out_img) = (g.in_pixels() * g.in_c, g.out_pixels() * g.out_c);
            let mut dx = vec![T::zero(); g.batch * in_img];
            par_chunks(&mut dx, in_img, |n, dx| {
                let x = &x[n * in_img..(n + 1) * in_img];
                add_at_first_max(&g, x, &dy[n * out_img..(n + 1) * out_img], dx);
            });
            Tensor::from_vec(dx, g.input_shape())
        },
        _ => Err(float_error(op, x))
    )
}

/// Adds each output gradient of one image (`dy`) to `dx` at the index of
/// its window's first maximum in `x`. Taps arrive window by window: a
/// window's first tap starts the running maximum, later taps replace it only
/// when strictly greater, and the window's gradients are added when the
/// next window starts.
fn add_at_first_max<T: NumElement>(g: &Conv2dGeometry, x: &[T], dy: &[T], dx: &mut [T]) {
    let c = g.in_c;
    let (mut best, mut arg) = (vec![T::zero(); c], vec![0usize; c]);
    let add = |o: usize, arg: &[usize], dx: &mut [T]| {
        for (&a, &d) in arg.iter().zip(&dy[o * c..(o + 1) * c]) {
            dx[a] += d;
        }
    };
    let mut window = None;
    g.for_each_tap(|o, i, _| {
        let x = &x[i * c..(i + 1) * c];
        if window != Some(o) {
            if let Some(done) = window {
                add(done, &arg, dx);
            }
            window = Some(o);
            best.copy_from_slice(x);
            arg.iter_mut().zip(i * c..).for_each(|(a, j)| *a = j);
            return;
        }
        for ((b, a), (j, &v)) in best.iter_mut().zip(&mut arg).zip((i * c..).zip(x)) {
            if v > *b {
                *b = v;
                *a = j;
            }
        }
    });
    if let Some(done) = window {
        add(done, &arg, dx);
    }
}

/// Folds each window tap of one image `x` into its output pixel's row of
/// `out` with `f(acc, value)`, channel by channel.
fn fold_taps<T: Copy>(g: &Conv2dGeometry, x: &[T], out: &mut [T], f: impl Fn(&mut T, T)) {
    let c = g.in_c;
    g.for_each_tap(|o, i, _| {
        for (acc, &v) in out[o * c..(o + 1) * c]
            .iter_mut()
            .zip(&x[i * c..(i + 1) * c])
        {
            f(acc, v);
        }
    });
}

/// Average pooling, like `tf.nn.avg_pool2d(x, ksize, strides, padding)`;
/// windows cut by SAME padding average their real elements only.
///
/// ```
/// use ferroflow_tensor::{kernels::{pool::avg_pool, window::Padding}, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [1, 1, 3, 1]).unwrap();
/// let y = avg_pool("AvgPool", &x, [1, 2], [1, 2], &Padding::Same).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.5, 3.0]);
/// ```
pub fn avg_pool(
    op: &str,
    x: &Tensor,
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    let g = pool_geometry(op, x.shape(), ksize, strides, padding)?;
    with_float_type!(x.dtype(),
        T => {
            let x = x.as_slice::<T>()?;
            let scale = inverse_counts::<T>(&g);
            let (c, in_img) = (g.in_c, g.in_pixels() * g.in_c);
            let mut y = vec![T::zero(); g.batch * g.out_pixels() * c];
            par_chunks(&mut y, g.out_pixels() * c, |n, y| {
                fold_taps(&g, &x[n * in_img..(n + 1) * in_img], y, |s, v| *s += v);
                for (row, &s) in y.chunks_exact_mut(c.max(1)).zip(&scale) {
                    row.iter_mut().for_each(|v| *v *= s);
                }
            });
            Tensor::from_vec(y, g.output_shape())
        },
        _ => Err(float_error(op, x))
    )
}

/// The gradient of [`avg_pool`], like `tf.raw_ops.AvgPoolGrad(orig_input_shape,
/// grad, ...)`: each output gradient is shared equally by the real elements
/// of its window.
///
/// ```
/// use ferroflow_tensor::{kernels::{pool::avg_pool_grad, window::Padding}, Shape, Tensor};
/// let dy = Tensor::from_vec(vec![1.0f32, 1.0], [1, 1, 2, 1]).unwrap();
/// let dx = avg_pool_grad("AvgPoolGrad", &Shape::from([1, 1, 3, 1]), &dy, [1, 2], [1, 2],
///     &Padding::Same).unwrap();
/// assert_eq!(dx.to_vec::<f32>().unwrap(), vec![0.5, 0.5, 1.0]);
/// ```
pub fn avg_pool_grad(
    op: &str,
    input_shape: &Shape,
    dy: &Tensor,
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    let g = pool_geometry(op, input_shape, ksize, strides, padding)?;
    g.check_output(op, "grad", dy.shape())?;
    input_shape.checked_num_elements(op)?;
    with_float_type!(dy.dtype(),
        T => {
            let dy = dy.as_slice::<T>()?;
            let scale = inverse_counts::<T>(&g);
            let (c, out_img) = (g.in_c, g.out_pixels() * g.in_c);
            let mut dx = vec![T::zero(); g.batch * g.in_pixels() * c];
            par_chunks(&mut dx, g.in_pixels() * c, |n, dx| {
                let dy = &dy[n * out_img..(n + 1) * out_img];
                g.for_each_tap(|o, i, _| {
                    let s = scale[o];
                    for (dx, &d) in dx[i * c..(i + 1) * c].iter_mut().zip(&dy[o * c..(o + 1) * c]) {
                        *dx += d * s;
                    }
                });
            });
            Tensor::from_vec(dx, g.input_shape())
        },
        _ => Err(float_error(op, dy))
    )
}

/// One over the number of real (unpadded) elements of each output pixel's
/// window; the same for every image.
fn inverse_counts<T: FloatElement>(g: &Conv2dGeometry) -> Vec<T> {
    if g.output_shape().num_elements() == 0 {
        return Vec::new(); // no image reads it (and the window may be huge)
    }
    let mut counts = vec![0usize; g.out_pixels()];
    g.for_each_tap(|o, _, _| counts[o] += 1);
    counts
        .into_iter()
        .map(|n| T::one() / T::from_f64(n.max(1) as f64))
        .collect()
}
