//! Image resizing over NHWC batches: `ResizeBilinear` and
//! `ResizeNearestNeighbor` and their gradients (`ResizeBilinearGrad`,
//! `ResizeNearestNeighborGrad`), with TensorFlow's `align_corners` and
//! `half_pixel_centers` coordinate rules. `tf.image.resize` (TF2) uses
//! `half_pixel_centers=true, align_corners=false`.
//!
//! Source coordinates are computed in f32, exactly as TensorFlow's CPU
//! kernels do, so nearest-neighbour picks the same pixels.

use super::conv::float_error;
use super::window::{par_chunks, rank4};
use crate::{with_float_type, Element, FloatElement, Result, Tensor};

/// Resizes `images` (`[n, h, w, c]`) to `size` (`[out_h, out_w]`) with
/// bilinear interpolation, like `tf.raw_ops.ResizeBilinear(images, size,
/// align_corners, half_pixel_centers)` (the result keeps the input's float
/// dtype).
///
/// ```
/// use ferroflow_tensor::{kernels::image::resize_bilinear, Tensor};
/// let x = Tensor::from_vec(vec![0.0f32, 4.0], [1, 1, 2, 1]).unwrap();
/// let y = resize_bilinear("ResizeBilinear", &x, [1, 4], false, true).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 3.0, 4.0]);
/// ```
pub fn resize_bilinear(
    op: &str,
    images: &Tensor,
    size: [usize; 2],
    align_corners: bool,
    half_pixel_centers: bool,
) -> Result<Tensor> {
    let dims = rank4(op, "images", images.shape())?;
    let r = Resize::new(op, dims, size, align_corners, half_pixel_centers)?;
    if let Some(empty) = r.empty(images) {
        return empty;
    }
    let ys: Vec<Lerp> = (0..size[0]).map(|i| r.lerp(0, i)).collect();
    let xs: Vec<Lerp> = (0..size[1]).map(|i| r.lerp(1, i)).collect();
    with_float_type!(images.dtype(),
        T => r.run::<T>(images.as_slice()?, |img, out_row, oy| {
            let y = ys[oy];
            let (top, bottom) = (r.row(img, y.lower), r.row(img, y.upper));
            let c = r.c;
            for (out, x) in out_row.chunks_exact_mut(c.max(1)).zip(&xs) {
                let (xl, yl) = (T::from_f64(x.lerp as f64), T::from_f64(y.lerp as f64));
                for ch in 0..c {
                    let (tl, tr) = (top[x.lower * c + ch], top[x.upper * c + ch]);
                    let (bl, br) = (bottom[x.lower * c + ch], bottom[x.upper * c + ch]);
                    let t = tl + (tr - tl) * xl;
                    let b = bl + (br - bl) * xl;
                    out[ch] = t + (b - t) * yl;
                }
            }
        }),
        _ => Err(float_error(op, images))
    )
}

/// Resizes `images` (`[n, h, w, c]`) to `size` by picking the nearest
/// pixel, like `tf.raw_ops.ResizeNearestNeighbor(images, size,
/// align_corners, half_pixel_centers)`.
///
/// ```
/// use ferroflow_tensor::{kernels::image::resize_nearest, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 2.0], [1, 1, 2, 1]).unwrap();
/// let y = resize_nearest("ResizeNearestNeighbor", &x, [1, 4], false, true).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 1.0, 2.0, 2.0]);
/// ```
pub fn resize_nearest(
    op: &str,
    images: &Tensor,
    size: [usize; 2],
    align_corners: bool,
    half_pixel_centers: bool,
) -> Result<Tensor> {
    let dims = rank4(op, "images", images.shape())?;
    let r = Resize::new(op, dims, size, align_corners, half_pixel_centers)?;
    if let Some(empty) = r.empty(images) {
        return empty;
    }
    let ys: Vec<usize> = (0..size[0]).map(|i| r.nearest(0, i)).collect();
    let xs: Vec<usize> = (0..size[1]).map(|i| r.nearest(1, i)).collect();
    with_float_type!(images.dtype(),
        T => r.run::<T>(images.as_slice()?, |img, out_row, oy| {
            let row = r.row(img, ys[oy]);
            let c = r.c;
            for (out, &x) in out_row.chunks_exact_mut(c.max(1)).zip(&xs) {
                out.copy_from_slice(&row[x * c..(x + 1) * c]);
            }
        }),
        _ => Err(float_error(op, images))
    )
}

/// The gradient of [`resize_bilinear`]: spreads each of `grads` (`[n,
/// out_h, out_w, c]`) over the four source pixels it was interpolated
/// from, giving `[n, original[0], original[1], c]`, like
/// `tf.raw_ops.ResizeBilinearGrad(grads, original_image, align_corners,
/// half_pixel_centers)` (here `grads` has the image's float dtype).
///
/// ```
/// use ferroflow_tensor::{kernels::image::resize_bilinear_grad, Tensor};
/// let dy = Tensor::from_vec(vec![1.0f32, 1.0, 1.0, 1.0], [1, 1, 4, 1]).unwrap();
/// let dx = resize_bilinear_grad("ResizeBilinearGrad", &dy, [1, 2], false, true).unwrap();
/// assert_eq!(dx.to_vec::<f32>().unwrap(), vec![2.0, 2.0]);
/// ```
pub fn resize_bilinear_grad(
    op: &str,
    grads: &Tensor,
    original: [usize; 2],
    align_corners: bool,
    half_pixel_centers: bool,
) -> Result<Tensor> {
    let r = Resize::of_grads(op, grads, original, align_corners, half_pixel_centers)?;
    let ([h, w], c) = (r.size, r.c);
    let ys: Vec<Lerp> = (0..h).map(|i| r.lerp(0, i)).collect();
    let xs: Vec<Lerp> = (0..w).map(|i| r.lerp(1, i)).collect();
    let width = original[1];
    with_float_type!(grads.dtype(),
        T => r.scatter::<T>(grads.as_slice()?, |dy_row, image, oy| {
            let y = ys[oy];
            let (top, bottom) = (y.lower * width, y.upper * width);
            let yl = T::from_f64(y.lerp as f64);
            for (dy, x) in dy_row.chunks_exact(c.max(1)).zip(&xs) {
                let xl = T::from_f64(x.lerp as f64);
                for (ch, &g) in dy.iter().enumerate() {
                    let (gt, gb) = (g * (T::one() - yl), g * yl);
                    image[(top + x.lower) * c + ch] += gt * (T::one() - xl);
                    image[(top + x.upper) * c + ch] += gt * xl;
                    image[(bottom + x.lower) * c + ch] += gb * (T::one() - xl);
                    image[(bottom + x.upper) * c + ch] += gb * xl;
                }
            }
        }),
        _ => Err(float_error(op, grads))
    )
}

/// The gradient of [`resize_nearest`]: adds each of `grads` (`[n, out_h,
/// out_w, c]`) into the pixel it was copied from, giving `[n, original[0],
/// original[1], c]`, like `tf.raw_ops.ResizeNearestNeighborGrad(grads,
/// size, align_corners, half_pixel_centers)`.
///
/// ```
/// use ferroflow_tensor::{kernels::image::resize_nearest_grad, Tensor};
/// let dy = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [1, 1, 4, 1]).unwrap();
/// let dx = resize_nearest_grad("ResizeNearestNeighborGrad", &dy, [1, 2], false, true).unwrap();
/// assert_eq!(dx.to_vec::<f32>().unwrap(), vec![3.0, 7.0]);
/// ```
pub fn resize_nearest_grad(
    op: &str,
    grads: &Tensor,
    original: [usize; 2],
    align_corners: bool,
    half_pixel_centers: bool,
) -> Result<Tensor> {
    let r = Resize::of_grads(op, grads, original, align_corners, half_pixel_centers)?;
    let ([h, w], c) = (r.size, r.c);
    let ys: Vec<usize> = (0..h).map(|i| r.nearest(0, i)).collect();
    let xs: Vec<usize> = (0..w).map(|i| r.nearest(1, i)).collect();
    let width = original[1];
    with_float_type!(grads.dtype(),
        T => r.scatter::<T>(grads.as_slice()?, |dy_row, image, oy| {
            let row = ys[oy] * width;
            for (dy, &x) in dy_row.chunks_exact(c.max(1)).zip(&xs) {
                for (to, &g) in image[(row + x) * c..(row + x + 1) * c].iter_mut().zip(dy) {
                    *to += g;
                }
            }
        }),
        _ => Err(float_error(op, grads))
    )
}

/// The two source pixels of an output coordinate and the weight of the
/// upper one.
#[derive(Clone, Copy)]
struct Lerp {
    lower: usize,
    upper: usize,
    lerp: f32,
}

/// A checked resize of `[n, h, w, c]` images to `size`.
struct Resize {
    n: usize,
    c: usize,
    input: [usize; 2],
    size: [usize; 2],
    scale: [f32; 2],
    align_corners: bool,
    half_pixel_centers: bool,
}

impl Resize {
    /// Checks a resize of `[n, h, w, c]` images to `size`.
    fn new(
        op: &str,
        [n, h, w, c]: [usize; 4],
        size: [usize; 2],
        align_corners: bool,
        half_pixel_centers: bool,
    ) -> Result<Resize> {
        if align_corners && half_pixel_centers {
            crate::bail!(
                op,
                "If half_pixel_centers is True, align_corners must be False."
            );
        }
        if size.contains(&0) {
            crate::bail!(op, "output dimensions must be positive, got {size:?}");
        }
        if h == 0 || w == 0 {
            crate::bail!(
                op,
                "input image must be of non-zero size, got shape {}",
                crate::Shape::from([n, h, w, c])
            );
        }
        crate::Shape::from([n, h, w, c]).checked_num_elements(op)?;
        crate::Shape::from([n, size[0], size[1], c]).checked_num_elements(op)?;
        let scale = |input: usize, out: usize| {
            if align_corners && out > 1 {
                (input - 1) as f32 / (out - 1) as f32
            } else {
                input as f32 / out as f32
            }
        };
        Ok(Resize {
            n,
            c,
            input: [h, w],
            size,
            scale: [scale(h, size[0]), scale(w, size[1])],
            align_corners,
            half_pixel_centers,
        })
    }

    /// The resize whose output gradients are `grads` (`[n, out_h, out_w,
    /// c]`) and whose input images are `original` (`[h, w]`) in size.
    fn of_grads(
        op: &str,
        grads: &Tensor,
        original: [usize; 2],
        align_corners: bool,
        half_pixel_centers: bool,
    ) -> Result<Resize> {
        let [n, h, w, c] = rank4(op, "grads", grads.shape())?;
        let images = [n, original[0], original[1], c];
        Resize::new(op, images, [h, w], align_corners, half_pixel_centers)
    }

    /// The (empty) result when there is nothing to compute, so that no
    /// coordinate table is sized from a huge `size` of an empty batch.
    fn empty(&self, images: &Tensor) -> Option<Result<Tensor>> {
        let shape = [self.n, self.size[0], self.size[1], self.c];
        (self.n == 0 || self.c == 0).then(|| Tensor::zeros(images.dtype(), shape))
    }

    /// The bilinear taps of output coordinate `i` along `axis`.
    fn lerp(&self, axis: usize, i: usize) -> Lerp {
        let s = self.scale[axis];
        let at = if self.half_pixel_centers {
            (i as f32 + 0.5) * s - 0.5
        } else {
            i as f32 * s
        };
        let floor = at.floor();
        let last = self.input[axis] - 1;
        Lerp {
            lower: (floor.max(0.0) as usize).min(last),
            upper: (at.ceil().max(0.0) as usize).min(last),
            lerp: at - floor,
        }
    }

    /// The nearest source coordinate of output coordinate `i` along `axis`.
    fn nearest(&self, axis: usize, i: usize) -> usize {
        let s = self.scale[axis];
        let at = if self.half_pixel_centers {
            (i as f32 + 0.5) * s
        } else {
            i as f32 * s
        };
        let at = if self.align_corners {
            at.round()
        } else {
            at.floor()
        };
        (at.max(0.0) as usize).min(self.input[axis] - 1)
    }

    /// Row `iy` of one image.
    fn row<'a, T>(&self, image: &'a [T], iy: usize) -> &'a [T] {
        let len = self.input[1] * self.c;
        &image[iy * len..(iy + 1) * len]
    }

    /// Builds the output row by row: `fill(image, out_row, oy)` with the
    /// source image of the row.
    fn run<T: FloatElement>(
        &self,
        x: &[T],
        fill: impl Fn(&[T], &mut [T], usize) + Sync,
    ) -> Result<Tensor> {
        let in_img = self.input[0] * self.input[1] * self.c;
        let out_row = self.size[1] * self.c;
        let mut out = vec![T::zero(); self.n * self.size[0] * out_row];
        par_chunks(&mut out, out_row, |r, row| {
            let (n, oy) = (r / self.size[0], r % self.size[0]);
            fill(&x[n * in_img..(n + 1) * in_img], row, oy);
        });
        Tensor::from_vec(out, [self.n, self.size[0], self.size[1], self.c])
    }

    /// Builds the gradient image by image (in parallel): `add(dy_row,
    /// image, oy)` adds output row `oy`'s gradients into its source image.
    fn scatter<T: FloatElement>(
        &self,
        dy: &[T],
        add: impl Fn(&[T], &mut [T], usize) + Sync,
    ) -> Result<Tensor> {
        let [h, w] = self.input;
        let dy_row = self.size[1] * self.c;
        let mut out = vec![T::zero(); self.n * h * w * self.c];
        par_chunks(&mut out, h * w * self.c, |n, image| {
            for oy in 0..self.size[0] {
                let at = (n * self.size[0] + oy) * dy_row;
                add(&dy[at..at + dy_row], image, oy);
            }
        });
        Tensor::from_vec(out, [self.n, h, w, self.c])
    }
}
