//! 2-D max and average pooling over NHWC images and their gradients:
//! `tf.nn.max_pool2d`, `tf.nn.avg_pool2d`, `MaxPoolGrad`, `AvgPoolGrad`.
//!
//! Padded positions never take part: a SAME max ignores them and a SAME
//! average divides by the number of real elements in the window, as
//! TensorFlow does.
//!
//! Every kernel walks the windows of an image one output pixel at a time and
//! works on a tap's `c` contiguous channels at once, with branch-free folds
//! the compiler vectorizes.

use super::conv::float_error;
use super::window::{par_build, Conv2dGeometry, Padding, Window};
use crate::{with_float_type, Element, FloatElement, NumElement, Result, Shape, Tensor};
use std::mem::MaybeUninit;

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
/// NHWC `x`. As in TensorFlow's CPU kernel, a window's maximum starts at the
/// lowest finite value and takes a tap only when it is strictly greater: NaN
/// inputs are skipped and a window of −∞ gives the lowest finite value.
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
            let y = fold_windows(&g, x.as_slice::<T>()?, T::MIN, greater, |_, _| {});
            Tensor::from_vec(y, g.output_shape())
        },
        _ => Err(float_error(op, x))
    )
}

/// The gradient of [`max_pool`], like `tf.raw_ops.MaxPoolGrad(orig_input,
/// orig_output, grad, ...)`: each output gradient goes to the first maximum
/// of its window (in row-major order), as TensorFlow's CPU kernel does.
/// Like that kernel, the maxima are recomputed from `orig_input` (the first
/// tap starts a window's maximum, later taps replace it only when strictly
/// greater, so a window starting with NaN sends its gradient there);
/// `orig_output` is only checked for its shape.
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
            let (in_img, out_img) = (g.in_pixels() * g.in_c, g.out_pixels() * g.in_c);
            let image = |n: usize, dx: &mut Scatter<T>| {
                let x = &x[n * in_img..(n + 1) * in_img];
                max_pool_grad_image(&g, x, &dy[n * out_img..(n + 1) * out_img], dx);
            };
            // SAFETY: `image` puts every tap of every window.
            let dx = unsafe { input_gradient(&g, image) };
            Tensor::from_vec(dx, g.input_shape())
        },
        _ => Err(float_error(op, x))
    )
}

/// Puts each output gradient of one image (`dy`) at the first maximum of
/// its window in `x`, zeros at the window's other taps.
fn max_pool_grad_image<T: NumElement>(g: &Conv2dGeometry, x: &[T], dy: &[T], dx: &mut Scatter<T>) {
    let c = g.in_c;
    let (mut best, mut rest, mut row) = (vec![T::MIN; c], vec![T::zero(); c], vec![T::zero(); c]);
    g.for_each_window(|w| {
        // The maximum from −∞ (`NumElement::MIN`) has the value of the first
        // maximum; only a NaN first tap differs, and that tap, not being
        // below the maximum, still takes the gradient.
        best.fill(T::MIN);
        w.for_each_tap(|i, _| fold(&mut best, pixel(x, i, c), greater));
        rest.copy_from_slice(pixel(dy, w.out, c));
        let mut first = true;
        w.for_each_tap(|i, _| {
            let x = pixel(x, i, c);
            if first {
                take(&mut row, &mut rest, x, &best, |v, b| v < b);
            } else {
                take(&mut row, &mut rest, x, &best, |v, b| v != b);
            }
            dx.put(i * c, &row);
            first = false;
        });
    });
}

/// `v` when strictly greater than `m`, else `m`: the max-pooling fold,
/// which compiles to a vector max.
fn greater<T: NumElement>(m: T, v: T) -> T {
    if v > m {
        v
    } else {
        m
    }
}

/// Moves the window's not yet placed gradients `rest` into `row` where the
/// tap's values `x` are not a `miss` against the window's maximum `best`,
/// and zeros elsewhere.
fn take<T: NumElement>(
    row: &mut [T],
    rest: &mut [T],
    x: &[T],
    best: &[T],
    miss: impl Fn(T, T) -> bool,
) {
    for ((out, r), (&v, &b)) in row.iter_mut().zip(rest).zip(x.iter().zip(best)) {
        let hit = !miss(v, b);
        *out = if hit { *r } else { T::zero() };
        *r = if hit { T::zero() } else { *r };
    }
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
            let y = fold_windows(&g, x.as_slice::<T>()?, T::zero(), |s, v| s + v, |row, w| {
                let s = inverse_count::<T>(w);
                row.iter_mut().for_each(|v| *v *= s);
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
            let (c, out_img) = (g.in_c, g.out_pixels() * g.in_c);
            let image = |n: usize, dx: &mut Scatter<T>| {
                let dy = &dy[n * out_img..(n + 1) * out_img];
                let mut row = vec![T::zero(); c];
                g.for_each_window(|w| {
                    let s = inverse_count::<T>(w);
                    row.iter_mut().zip(pixel(dy, w.out, c)).for_each(|(r, &d)| *r = d * s);
                    w.for_each_tap(|i, _| dx.put(i * c, &row));
                });
            };
            // SAFETY: `image` puts every tap of every window.
            let dx = unsafe { input_gradient(&g, image) };
            Tensor::from_vec(dx, g.input_shape())
        },
        _ => Err(float_error(op, dy))
    )
}

/// One over the number of real (unpadded) elements of window `w`.
fn inverse_count<T: FloatElement>(w: &Window) -> T {
    T::one() / T::from_f64(w.len().max(1) as f64)
}

/// The channels of pixel `i` of an image `data` with `c` channels.
fn pixel<T>(data: &[T], i: usize, c: usize) -> &[T] {
    &data[i * c..(i + 1) * c]
}

/// `acc = f(acc, x)`, channel by channel.
fn fold<T: Copy>(acc: &mut [T], x: &[T], f: impl Fn(T, T) -> T) {
    acc.iter_mut().zip(x).for_each(|(a, &v)| *a = f(*a, v));
}

/// The pooled images of `x`: each window's channels start at `init`, take
/// every tap inside the input by `f(acc, value)` in `(ky, kx)` order, and
/// are completed by `finish(acc, window)`.
fn fold_windows<T: NumElement>(
    g: &Conv2dGeometry,
    x: &[T],
    init: T,
    f: impl Fn(T, T) -> T + Sync,
    finish: impl Fn(&mut [T], &Window) + Sync,
) -> Vec<T> {
    let (c, in_img) = (g.in_c, g.in_pixels() * g.in_c);
    let build = |n: usize, y: &mut [MaybeUninit<T>]| {
        let x = &x[n * in_img..(n + 1) * in_img];
        let mut acc = vec![init; c];
        g.for_each_window(|w| {
            acc.fill(init);
            w.for_each_tap(|i, _| fold(&mut acc, pixel(x, i, c), &f));
            finish(&mut acc, w);
            let out = &mut y[w.out * c..(w.out + 1) * c];
            out.iter_mut().zip(&acc).for_each(|(o, &a)| {
                o.write(a);
            });
        });
    };
    // SAFETY: the windows of an image cover every output pixel, and each
    // writes all channels of its own.
    unsafe { par_build(g.batch, g.out_pixels() * c, build) }
}

/// The input gradient of a pooling with geometry `g`, each image `n`
/// written by `image(n, dx)` putting the gradients of every window's taps.
/// Puts add onto zeros, or are stored when the windows tile the input.
///
/// # Safety
///
/// `image` must put every channel of every tap inside the input of every
/// window of `g` (when the windows tile the input, that writes each
/// element).
unsafe fn input_gradient<T: NumElement>(
    g: &Conv2dGeometry,
    image: impl Fn(usize, &mut Scatter<T>) + Sync,
) -> Vec<T> {
    // Each input pixel lies in exactly one window when the strides are the
    // window sizes and the windows reach past the input's end.
    let tiles = (0..2).all(|d| {
        g.stride[d] == g.kernel[d] && g.output[d] * g.stride[d] >= g.input[d] + g.pads[d].0
    });
    let build = |n: usize, dx: &mut [MaybeUninit<T>]| image(n, &mut Scatter::new(dx, tiles));
    // SAFETY: `Scatter` zero-fills each image unless the windows tile it;
    // then the caller promises that `image` puts every element.
    unsafe { par_build(g.batch, g.in_pixels() * g.in_c, build) }
}

/// One image's input gradient as windows put their taps' rows: stored into
/// fresh memory when each element is put once, else added onto zeros.
enum Scatter<'a, T> {
    Store(&'a mut [MaybeUninit<T>]),
    Add(&'a mut [T]),
}

impl<'a, T: NumElement> Scatter<'a, T> {
    fn new(dx: &'a mut [MaybeUninit<T>], once: bool) -> Self {
        if once {
            return Scatter::Store(dx);
        }
        dx.fill(MaybeUninit::new(T::zero()));
        // SAFETY: every element was just written, and `MaybeUninit<T>` has
        // `T`'s layout.
        Scatter::Add(unsafe { &mut *(dx as *mut [MaybeUninit<T>] as *mut [T]) })
    }

    /// Puts `row` at elements `at..at + row.len()`.
    fn put(&mut self, at: usize, row: &[T]) {
        match self {
            // `0 + v` stores what adding onto zero gives (−0 becomes +0).
            Scatter::Store(dx) => dx[at..at + row.len()]
                .iter_mut()
                .zip(row)
                .for_each(|(d, &v)| {
                    d.write(T::zero() + v);
                }),
            Scatter::Add(dx) => dx[at..at + row.len()]
                .iter_mut()
                .zip(row)
                .for_each(|(d, &v)| *d += v),
        }
    }
}
