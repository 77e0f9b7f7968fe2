//! Depthwise 2-D convolution over NHWC images and its two gradients:
//! `tf.nn.depthwise_conv2d`, `DepthwiseConv2dNativeBackpropInput` and
//! `DepthwiseConv2dNativeBackpropFilter`.
//!
//! The filter is `[kh, kw, in, multiplier]`; output channel
//! `c * multiplier + m` sees only input channel `c`. Each image runs on its
//! own worker; the inner loops run over contiguous channels.

use super::conv::{
    filter_geometry, run_backprop_filter, run_backprop_input, run_forward, ConvKernels,
};
use super::window::{par_chunks, par_sum, Conv2dGeometry, Padding};
use crate::{FloatElement, Result, Shape, Tensor};

/// Computes a depthwise convolution, like `tf.nn.depthwise_conv2d(input,
/// filter, strides=[1, sh, sw, 1], padding, dilations=...)`: `input`
/// `[n, h, w, in]` by `filter` `[kh, kw, in, multiplier]` gives
/// `[n, out_h, out_w, in * multiplier]`.
///
/// ```
/// use ferroflow_tensor::{kernels::{depthwise::depthwise_conv2d, window::Padding}, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 10.0, 2.0, 20.0], [1, 1, 2, 2]).unwrap();
/// let w = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [1, 2, 2, 1]).unwrap();
/// let y = depthwise_conv2d("DepthwiseConv2dNative", &x, &w, [1, 1], [1, 1], &Padding::Valid).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0 * 1.0 + 2.0 * 3.0, 10.0 * 2.0 + 20.0 * 4.0]);
/// ```
pub fn depthwise_conv2d(
    op: &str,
    input: &Tensor,
    filter: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    run_forward::<Depthwise>(op, input, filter, strides, dilations, padding)
}

/// The gradient of [`depthwise_conv2d`] with respect to its input, like
/// `tf.raw_ops.DepthwiseConv2dNativeBackpropInput`.
pub fn depthwise_conv2d_backprop_input(
    op: &str,
    input_shape: &Shape,
    filter: &Tensor,
    dy: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    run_backprop_input::<Depthwise>(op, input_shape, filter, dy, strides, dilations, padding)
}

/// The gradient of [`depthwise_conv2d`] with respect to its filter, like
/// `tf.raw_ops.DepthwiseConv2dNativeBackpropFilter`.
pub fn depthwise_conv2d_backprop_filter(
    op: &str,
    input: &Tensor,
    filter_shape: &Shape,
    dy: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    run_backprop_filter::<Depthwise>(op, input, filter_shape, dy, strides, dilations, padding)
}

/// The resolved sizes of a depthwise convolution; `out_c` is
/// `in * multiplier`.
pub fn depthwise_geometry(
    op: &str,
    input: &Shape,
    filter: &Shape,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Conv2dGeometry> {
    filter_geometry::<Depthwise>(op, input, filter, strides, dilations, padding)
}

/// The multiplier, at least 1 so chunking never sees 0.
fn multiplier(g: &Conv2dGeometry) -> usize {
    (g.out_c / g.in_c.max(1)).max(1)
}

/// The depthwise family: per-tap loops over channels.
struct Depthwise;

impl ConvKernels for Depthwise {
    fn out_channels(filter_in: usize, multiplier: usize) -> Option<usize> {
        filter_in.checked_mul(multiplier)
    }

    fn forward<T: FloatElement>(g: &Conv2dGeometry, x: &[T], w: &[T]) -> Vec<T> {
        let (c, oc, m) = (g.in_c, g.out_c, multiplier(g));
        let in_img = g.in_pixels() * c;
        let mut y = vec![T::zero(); g.batch * g.out_pixels() * oc];
        par_chunks(&mut y, g.out_pixels() * oc, |n, y| {
            let x = &x[n * in_img..(n + 1) * in_img];
            g.for_each_tap(|o, i, t| {
                let yo = y[o * oc..(o + 1) * oc].chunks_exact_mut(m);
                let wt = w[t * oc..(t + 1) * oc].chunks_exact(m);
                for ((yo, wt), &xv) in yo.zip(wt).zip(&x[i * c..(i + 1) * c]) {
                    for (y, &w) in yo.iter_mut().zip(wt) {
                        *y += xv * w;
                    }
                }
            });
        });
        y
    }

    fn backprop_input<T: FloatElement>(g: &Conv2dGeometry, w: &[T], dy: &[T]) -> Vec<T> {
        let (c, oc, m) = (g.in_c, g.out_c, multiplier(g));
        let out_img = g.out_pixels() * oc;
        let mut dx = vec![T::zero(); g.batch * g.in_pixels() * c];
        par_chunks(&mut dx, g.in_pixels() * c, |n, dx| {
            let dy = &dy[n * out_img..(n + 1) * out_img];
            g.for_each_tap(|o, i, t| {
                let dyo = dy[o * oc..(o + 1) * oc].chunks_exact(m);
                let wt = w[t * oc..(t + 1) * oc].chunks_exact(m);
                for ((dyo, wt), dx) in dyo.zip(wt).zip(&mut dx[i * c..(i + 1) * c]) {
                    for (&d, &w) in dyo.iter().zip(wt) {
                        *dx += d * w;
                    }
                }
            });
        });
        dx
    }

    fn backprop_filter<T: FloatElement>(g: &Conv2dGeometry, x: &[T], dy: &[T]) -> Vec<T> {
        let (c, oc, m) = (g.in_c, g.out_c, multiplier(g));
        let (in_img, out_img) = (g.in_pixels() * c, g.out_pixels() * oc);
        let taps = g.kernel[0] * g.kernel[1];
        par_sum(
            0..g.batch,
            taps * oc,
            || (),
            |_, n, dw| {
                let x = &x[n * in_img..(n + 1) * in_img];
                let dy = &dy[n * out_img..(n + 1) * out_img];
                g.for_each_tap(|o, i, t| {
                    let dyo = dy[o * oc..(o + 1) * oc].chunks_exact(m);
                    let dwt = dw[t * oc..(t + 1) * oc].chunks_exact_mut(m);
                    for ((dyo, dwt), &xv) in dyo.zip(dwt).zip(&x[i * c..(i + 1) * c]) {
                        for (dw, &d) in dwt.iter_mut().zip(dyo) {
                            *dw += xv * d;
                        }
                    }
                });
            },
        )
    }
}
