//! 2-D convolution over NHWC images with HWIO filters, and its two
//! gradients: `tf.nn.conv2d`, `Conv2DBackpropInput` (= `conv2d_transpose`)
//! and `Conv2DBackpropFilter`.
//!
//! The convolution is an im2col product: the patches of a block of output
//! pixels are packed into a `[rows, kh*kw*in]` matrix and multiplied by the
//! filter seen as `[kh*kw*in, out]` with the `gemm` crate. Blocks are whole
//! images (or slices of one large image) sized to stay in cache, and run in
//! parallel; 1x1 convolutions with stride 1 use the input as the matrix.

use super::window::{par_sum, rank4, tap_range};
pub use super::window::{Conv2dGeometry, Padding};
use crate::{with_float_type, FloatElement, Result, Shape, Tensor, TensorError};
use gemm::Parallelism;
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::ops::Range;

/// Bytes of im2col matrix one block may use (fits in L2/L3 with the filter).
const BLOCK_BYTES: usize = 1 << 20;

/// Computes a 2-D convolution, like `tf.nn.conv2d(input, filters, strides,
/// padding, dilations=...)` with `data_format="NHWC"`.
///
/// `input` is `[batch, height, width, in]`, `filter` is
/// `[kh, kw, in, out]`; the result is `[batch, out_h, out_w, out]`.
///
/// ```
/// use ferroflow_tensor::{kernels::conv::{conv2d, Padding}, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [1, 2, 2, 1]).unwrap();
/// let w = Tensor::from_vec(vec![1.0f32; 4], [2, 2, 1, 1]).unwrap();
/// let y = conv2d("Conv2D", &x, &w, [1, 1], [1, 1], &Padding::Valid).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![10.0]);
/// ```
pub fn conv2d(
    op: &str,
    input: &Tensor,
    filter: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    run_forward::<Dense>(op, input, filter, strides, dilations, padding)
}

/// A convolution with its bias added and, if `relu`, ReLU applied, in one
/// pass: `tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(input, filter, ...),
/// bias))`, what TensorFlow's graph optimizer rewrites into `_FusedConv2D`
/// with `fused_ops = ["BiasAdd", "Relu"]`. Each block of output rows gets
/// its bias and ReLU right after its product, while still in cache, instead
/// of two more passes over the whole output.
///
/// ```
/// use ferroflow_tensor::{kernels::conv::{conv2d_bias_activation, Padding}, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [1, 2, 2, 1]).unwrap();
/// let w = Tensor::from_vec(vec![1.0f32, -1.0], [1, 1, 1, 2]).unwrap();
/// let b = Tensor::from([0.5f32, 1.0]);
/// let y = conv2d_bias_activation("_FusedConv2D", &x, &w, &b, true, [1, 1], [1, 1], &Padding::Valid)
///     .unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.5, 0.0, 2.5, 0.0, 3.5, 0.0, 4.5, 0.0]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn conv2d_bias_activation(
    op: &str,
    input: &Tensor,
    filter: &Tensor,
    bias: &Tensor,
    relu: bool,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    let g = filter_geometry::<Dense>(
        op,
        input.shape(),
        filter.shape(),
        strides,
        dilations,
        padding,
    )?;
    same_dtype(op, input, filter)?;
    same_dtype(op, input, bias)?;
    if bias.dims() != [g.out_c] {
        crate::bail!(
            op,
            "bias must be a vector of the {} output channels, got shape {}",
            g.out_c,
            bias.shape()
        );
    }
    with_float_type!(input.dtype(),
        T => {
            let epilogue = Epilogue { bias: Some(bias.as_slice::<T>()?), relu };
            let y = Dense::forward_with::<T>(&g, input.as_slice()?, filter.as_slice()?, &epilogue);
            Tensor::from_vec(y, g.output_shape())
        },
        _ => Err(float_error(op, input))
    )
}

/// The resolved sizes of a convolution of `input` `[n, h, w, in]` by
/// `filter` `[kh, kw, in, out]`, checking ranks, channels, strides and
/// dilations.
pub fn conv2d_geometry(
    op: &str,
    input: &Shape,
    filter: &Shape,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Conv2dGeometry> {
    filter_geometry::<Dense>(op, input, filter, strides, dilations, padding)
}

/// The gradient of [`conv2d`] with respect to its input, like
/// `tf.raw_ops.Conv2DBackpropInput`; also the forward pass of
/// `tf.nn.conv2d_transpose` (with `input_shape` as its `output_shape`).
///
/// ```
/// use ferroflow_tensor::{kernels::conv::{conv2d_backprop_input, Padding}, Shape, Tensor};
/// let w = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2, 1, 1]).unwrap();
/// let dy = Tensor::from_vec(vec![1.0f32], [1, 1, 1, 1]).unwrap();
/// let dx = conv2d_backprop_input("Conv2DBackpropInput", &Shape::from([1, 2, 2, 1]), &w, &dy,
///     [1, 1], [1, 1], &Padding::Valid).unwrap();
/// assert_eq!(dx.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
/// ```
pub fn conv2d_backprop_input(
    op: &str,
    input_shape: &Shape,
    filter: &Tensor,
    dy: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    run_backprop_input::<Dense>(op, input_shape, filter, dy, strides, dilations, padding)
}

/// The gradient of [`conv2d`] with respect to its filter, like
/// `tf.raw_ops.Conv2DBackpropFilter`: a `filter_shape` tensor.
///
/// ```
/// use ferroflow_tensor::{kernels::conv::{conv2d_backprop_filter, Padding}, Shape, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [1, 2, 2, 1]).unwrap();
/// let dy = Tensor::from_vec(vec![2.0f32], [1, 1, 1, 1]).unwrap();
/// let dw = conv2d_backprop_filter("Conv2DBackpropFilter", &x, &Shape::from([2, 2, 1, 1]), &dy,
///     [1, 1], [1, 1], &Padding::Valid).unwrap();
/// assert_eq!(dw.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 6.0, 8.0]);
/// ```
pub fn conv2d_backprop_filter(
    op: &str,
    input: &Tensor,
    filter_shape: &Shape,
    dy: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    run_backprop_filter::<Dense>(op, input, filter_shape, dy, strides, dilations, padding)
}

/// A convolution family (dense here, depthwise in `depthwise.rs`): how its
/// filter's shape gives the output channels, and its three slice kernels.
/// Both families share the checked tensor-level entry points below.
pub(crate) trait ConvKernels {
    /// Output channels of a `[kh, kw, in, last]` filter (None on overflow).
    fn out_channels(filter_in: usize, last: usize) -> Option<usize>;
    fn forward<T: FloatElement>(g: &Conv2dGeometry, x: &[T], w: &[T]) -> Vec<T>;
    fn backprop_input<T: FloatElement>(g: &Conv2dGeometry, w: &[T], dy: &[T]) -> Vec<T>;
    fn backprop_filter<T: FloatElement>(g: &Conv2dGeometry, x: &[T], dy: &[T]) -> Vec<T>;
}

/// The geometry of `K` for `input` and a `[kh, kw, in, _]` filter.
pub(crate) fn filter_geometry<K: ConvKernels>(
    op: &str,
    input: &Shape,
    filter: &Shape,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Conv2dGeometry> {
    let [kh, kw, fin, last] = rank4(op, "filter", filter)?;
    let out_c = K::out_channels(fin, last)
        .ok_or_else(|| TensorError::invalid(op, format!("filter {filter} is too large")))?;
    let g = Conv2dGeometry::new(op, input, [kh, kw], out_c, strides, dilations, padding)?;
    if fin != g.in_c {
        crate::bail!(
            op,
            "input depth {} does not match filter in-depth {fin} (input {input}, filter {filter})",
            g.in_c
        );
    }
    Ok(g)
}

/// Checks and runs `K`'s forward kernel.
pub(crate) fn run_forward<K: ConvKernels>(
    op: &str,
    input: &Tensor,
    filter: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    let (x, w) = (input.shape(), filter.shape());
    let g = filter_geometry::<K>(op, x, w, strides, dilations, padding)?;
    same_dtype(op, input, filter)?;
    with_float_type!(input.dtype(),
        T => {
            let y = K::forward::<T>(&g, input.as_slice()?, filter.as_slice()?);
            Tensor::from_vec(y, g.output_shape())
        },
        _ => Err(float_error(op, input))
    )
}

/// Checks and runs `K`'s input-gradient kernel.
pub(crate) fn run_backprop_input<K: ConvKernels>(
    op: &str,
    input_shape: &Shape,
    filter: &Tensor,
    dy: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    let g = filter_geometry::<K>(op, input_shape, filter.shape(), strides, dilations, padding)?;
    g.check_output(op, "out_backprop", dy.shape())?;
    same_dtype(op, dy, filter)?;
    input_shape.checked_num_elements(op)?;
    with_float_type!(dy.dtype(),
        T => {
            let dx = K::backprop_input::<T>(&g, filter.as_slice()?, dy.as_slice()?);
            Tensor::from_vec(dx, g.input_shape())
        },
        _ => Err(float_error(op, dy))
    )
}

/// Checks and runs `K`'s filter-gradient kernel.
pub(crate) fn run_backprop_filter<K: ConvKernels>(
    op: &str,
    input: &Tensor,
    filter_shape: &Shape,
    dy: &Tensor,
    strides: [usize; 2],
    dilations: [usize; 2],
    padding: &Padding,
) -> Result<Tensor> {
    let g = filter_geometry::<K>(op, input.shape(), filter_shape, strides, dilations, padding)?;
    g.check_output(op, "out_backprop", dy.shape())?;
    same_dtype(op, input, dy)?;
    filter_shape.checked_num_elements(op)?;
    with_float_type!(input.dtype(),
        T => {
            let dw = K::backprop_filter::<T>(&g, input.as_slice()?, dy.as_slice()?);
            Tensor::from_vec(dw, filter_shape.clone())
        },
        _ => Err(float_error(op, input))
    )
}

/// Errors unless `a` and `b` have the same dtype.
pub(crate) fn same_dtype(op: &str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.dtype() != b.dtype() {
        return Err(TensorError::DType {
            op: op.into(),
            expected: a.dtype().name().into(),
            got: b.dtype(),
        });
    }
    Ok(())
}

/// The error for a tensor that is not f32 or f64.
pub(crate) fn float_error(op: &str, t: &Tensor) -> TensorError {
    TensorError::DType {
        op: op.into(),
        expected: "float32 or float64".into(),
        got: t.dtype(),
    }
}

/// A unit of parallel work: a run of whole images, split into row blocks
/// (output pixels) whose im2col matrix fits in [`BLOCK_BYTES`].
struct Group {
    images: Range<usize>,
    /// Output-pixel rows, counted from the group's first image.
    blocks: Vec<Range<usize>>,
}

/// Splits the batch into groups: several small images per group, or one
/// large image cut into several row blocks.
#[allow(clippy::single_range_in_vec_init)] // one block of all the group's rows
fn plan(g: &Conv2dGeometry, elem_bytes: usize) -> Vec<Group> {
    let pixels = g.out_pixels();
    let row_bytes = (g.patch_len() * elem_bytes).max(1);
    let max_rows = (BLOCK_BYTES / row_bytes).max(1);
    let threads = rayon::current_num_threads();
    if pixels <= max_rows {
        // Whole images per group, with at least ~4 groups per thread.
        let per = (max_rows / pixels.max(1))
            .min(g.batch.div_ceil(4 * threads))
            .max(1);
        (0..g.batch)
            .step_by(per)
            .map(|s| {
                let e = (s + per).min(g.batch);
                Group {
                    images: s..e,
                    blocks: vec![0..(e - s) * pixels],
                }
            })
            .collect()
    } else {
        (0..g.batch)
            .map(|n| Group {
                images: n..n + 1,
                blocks: (0..pixels)
                    .step_by(max_rows)
                    .map(|s| s..(s + max_rows).min(pixels))
                    .collect(),
            })
            .collect()
    }
}

/// One gemm thread per group when there are several groups, else let gemm
/// use the pool itself.
fn gemm_parallelism(groups: &[Group]) -> Parallelism {
    if groups.len() > 1 {
        Parallelism::None
    } else {
        Parallelism::Rayon(0)
    }
}

/// The dense convolution: im2col + gemm.
struct Dense;

impl ConvKernels for Dense {
    fn out_channels(_filter_in: usize, last: usize) -> Option<usize> {
        Some(last)
    }

    fn forward<T: FloatElement>(g: &Conv2dGeometry, x: &[T], w: &[T]) -> Vec<T> {
        Dense::forward_with(g, x, w, &Epilogue::default())
    }

    fn backprop_input<T: FloatElement>(g: &Conv2dGeometry, w: &[T], dy: &[T]) -> Vec<T> {
        let (in_img, out_img) = (g.in_pixels() * g.in_c, g.out_pixels() * g.out_c);
        let mut dx = vec![T::zero(); g.batch * in_img];
        let groups = plan(g, std::mem::size_of::<T>());
        let par = gemm_parallelism(&groups);
        let k = g.patch_len();
        let mut dxs = split_by_images(&mut dx, &groups, in_img);
        dxs.par_iter_mut()
            .zip(&groups)
            .for_each_init(Vec::new, |buf: &mut Vec<T>, (dxg, grp)| {
                let dyg = &dy[grp.images.start * out_img..grp.images.end * out_img];
                for rows in &grp.blocks {
                    let src = &dyg[rows.start * g.out_c..rows.end * g.out_c];
                    let lhs = MatRef::row_major(src, g.out_c);
                    // Wᵀ: element (o, k) of the transpose sits at w[k * out_c + o].
                    let rhs = MatRef {
                        data: w,
                        rs: 1,
                        cs: g.out_c,
                    };
                    if g.is_pointwise() {
                        let dst = &mut dxg[rows.start * k..rows.end * k];
                        // SAFETY: matmul writes only products.
                        let dst = unsafe { as_uninit(dst) };
                        matmul(dst, rows.len(), k, g.out_c, lhs, rhs, false, par);
                    } else {
                        // The product overwrites the whole buffer.
                        buf.resize(rows.len() * k, T::zero());
                        // SAFETY: matmul writes only products.
                        let dst = unsafe { as_uninit(buf) };
                        matmul(dst, rows.len(), k, g.out_c, lhs, rhs, false, par);
                        g.add_patches(buf, rows.clone(), dxg);
                    }
                }
            });
        dx
    }

    fn backprop_filter<T: FloatElement>(g: &Conv2dGeometry, x: &[T], dy: &[T]) -> Vec<T> {
        let (in_img, out_img) = (g.in_pixels() * g.in_c, g.out_pixels() * g.out_c);
        let k = g.patch_len();
        let groups = plan(g, std::mem::size_of::<T>());
        let par = gemm_parallelism(&groups);
        par_sum(&groups, k * g.out_c, Vec::new, |buf, grp, dw| {
            let xg = &x[grp.images.start * in_img..grp.images.end * in_img];
            let dyg = &dy[grp.images.start * out_img..grp.images.end * out_img];
            for rows in &grp.blocks {
                let cols = g.patches(xg, rows.clone(), buf);
                // colsᵀ: element (j, r) sits at cols[r * k + j].
                let lhs = MatRef {
                    data: cols,
                    rs: 1,
                    cs: k,
                };
                let src = &dyg[rows.start * g.out_c..rows.end * g.out_c];
                let rhs = MatRef::row_major(src, g.out_c);
                // SAFETY: matmul writes only sums of products.
                let dw = unsafe { as_uninit(dw) };
                matmul(dw, k, g.out_c, rows.len(), lhs, rhs, true, par);
            }
        })
    }
}

impl Dense {
    /// The convolution, finishing each block of output rows with `epilogue`
    /// while the block is still in cache.
    fn forward_with<T: FloatElement>(
        g: &Conv2dGeometry,
        x: &[T],
        w: &[T],
        epilogue: &Epilogue<T>,
    ) -> Vec<T> {
        let (in_img, out_img) = (g.in_pixels() * g.in_c, g.out_pixels() * g.out_c);
        let len = g.batch * out_img;
        let mut y = Vec::with_capacity(len);
        let groups = plan(g, std::mem::size_of::<T>());
        let par = gemm_parallelism(&groups);
        let k = g.patch_len();
        let mut outs = split_by_images(&mut y.spare_capacity_mut()[..len], &groups, out_img);
        outs.par_iter_mut()
            .zip(&groups)
            .for_each_init(Vec::new, |buf, (out, grp)| {
                let xg = &x[grp.images.start * in_img..grp.images.end * in_img];
                for rows in &grp.blocks {
                    let cols = g.patches(xg, rows.clone(), buf);
                    let dst = &mut out[rows.start * g.out_c..rows.end * g.out_c];
                    let lhs = MatRef::row_major(cols, k);
                    let rhs = MatRef::row_major(w, g.out_c);
                    matmul(dst, rows.len(), g.out_c, k, lhs, rhs, false, par);
                    // SAFETY: the product just overwrote the whole block.
                    let block = unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) };
                    epilogue.apply(block);
                }
            });
        // SAFETY: the groups cover every image and their blocks every output
        // pixel, and each product overwrites its block (`accumulate` false).
        unsafe { y.set_len(len) };
        y
    }
}

/// What a convolution does to each finished block of output rows (rows of
/// `out` channels): add a per-channel bias, then clamp at zero (ReLU).
struct Epilogue<'a, T> {
    bias: Option<&'a [T]>,
    relu: bool,
}

impl<T> Default for Epilogue<'_, T> {
    fn default() -> Self {
        Epilogue {
            bias: None,
            relu: false,
        }
    }
}

impl<T: FloatElement> Epilogue<'_, T> {
    fn apply(&self, block: &mut [T]) {
        let Some(bias) = self.bias.filter(|b| !b.is_empty()) else {
            return;
        };
        for row in block.chunks_exact_mut(bias.len()) {
            for (v, &b) in row.iter_mut().zip(bias) {
                let z = *v + b;
                // ReLU as the `Relu` op computes it: NaN becomes 0 too.
                *v = if !self.relu || z > T::zero() {
                    z
                } else {
                    T::zero()
                };
            }
        }
    }
}

/// Cuts `data` (whole images of `per_image` elements) into one mutable slice
/// per group.
fn split_by_images<'a, T>(
    mut data: &'a mut [T],
    groups: &[Group],
    per_image: usize,
) -> Vec<&'a mut [T]> {
    groups
        .iter()
        .map(|grp| {
            let (head, tail) = std::mem::take(&mut data).split_at_mut(grp.images.len() * per_image);
            data = tail;
            head
        })
        .collect()
}

/// A read-only matrix: element `(i, j)` is `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
struct MatRef<'a, T> {
    data: &'a [T],
    rs: usize,
    cs: usize,
}

impl<'a, T> MatRef<'a, T> {
    fn row_major(data: &'a [T], cols: usize) -> Self {
        MatRef {
            data,
            rs: cols,
            cs: 1,
        }
    }

    /// True if every element of an `m x n` view lies inside `data`.
    fn covers(&self, m: usize, n: usize) -> bool {
        m == 0 || n == 0 || (m - 1) * self.rs + (n - 1) * self.cs < self.data.len()
    }
}

/// `dst[m x n] (+)= lhs[m x k] · rhs[k x n]` with `dst` row-major; adds to
/// `dst` when `accumulate` (which needs `dst` initialized), else overwrites
/// it without reading it.
#[allow(clippy::too_many_arguments)]
fn matmul<T: FloatElement>(
    dst: &mut [MaybeUninit<T>],
    m: usize,
    n: usize,
    k: usize,
    lhs: MatRef<T>,
    rhs: MatRef<T>,
    accumulate: bool,
    par: Parallelism,
) {
    assert!(dst.len() >= m * n && lhs.covers(m, k) && rhs.covers(k, n));
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(MaybeUninit::new(T::zero()));
        }
        return;
    }
    // SAFETY: the assertion above proves every index gemm touches lies inside
    // the slices; `dst` is borrowed mutably so nothing aliases it, and gemm
    // reads it only when `accumulate`, whose callers pass initialized values. `T` is f32
    // or f64 (FloatElement), both of which gemm supports.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr().cast::<T>(),
            1,
            n as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr(),
            rhs.cs as isize,
            rhs.rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            par,
        )
    }
}

/// An initialized slice seen as possibly-uninitialized slots, for
/// [`matmul`]'s destination.
///
/// # Safety
///
/// Only initialized values may be written through the result.
unsafe fn as_uninit<T>(s: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: `MaybeUninit<T>` has `T`'s layout; the caller writes only
    // initialized values.
    unsafe { &mut *(s as *mut [T] as *mut [MaybeUninit<T>]) }
}

impl Conv2dGeometry {
    /// True for a 1x1, stride-1, unpadded convolution, whose patches are the
    /// input pixels themselves.
    fn is_pointwise(&self) -> bool {
        self.kernel == [1, 1] && self.stride == [1, 1] && self.pads == [(0, 0); 2]
    }

    /// The im2col rows `rows` of the images in `x` (output pixels counted
    /// from the first image), borrowed from `x` for pointwise convolutions
    /// and packed into `buf` otherwise.
    fn patches<'a, T: FloatElement>(
        &self,
        x: &'a [T],
        rows: Range<usize>,
        buf: &'a mut Vec<T>,
    ) -> &'a [T] {
        let k = self.patch_len();
        if self.is_pointwise() {
            return &x[rows.start * k..rows.end * k];
        }
        let n = rows.len() * k;
        // Every element is written below: copied runs, and zeros for the
        // padding between them, so the buffer's old contents need no clearing.
        buf.resize(n, T::zero());
        let mut filled = 0;
        self.walk_patches(rows, |col, src, len| {
            buf[filled..col].fill(T::zero());
            buf[col..col + len].copy_from_slice(&x[src..src + len]);
            filled = col + len;
        });
        buf[filled..].fill(T::zero());
        buf
    }

    /// col2im: adds the patch rows `cols` (rows `rows`) back onto the images
    /// in `dx`.
    fn add_patches<T: FloatElement>(&self, cols: &[T], rows: Range<usize>, dx: &mut [T]) {
        self.walk_patches(rows, |col, src, len| {
            for (d, &c) in dx[src..src + len].iter_mut().zip(&cols[col..col + len]) {
                *d += c;
            }
        });
    }

    /// Pairs the im2col rows `rows` with the input: calls `f(col, src, len)`
    /// for each run of `len` elements of the block's matrix starting at `col`
    /// that come from the contiguous input elements starting at `src`, in
    /// increasing order of `col`. Padding is skipped.
    fn walk_patches(&self, rows: Range<usize>, mut f: impl FnMut(usize, usize, usize)) {
        let (k, c, pixels) = (self.patch_len(), self.in_c, self.out_pixels());
        let [ih, iw] = self.input;
        let [kh, kw] = self.kernel;
        let [dh, dw] = self.dilation;
        for (i, r) in rows.enumerate() {
            let (n, p) = (r / pixels, r % pixels);
            let (oy, ox) = (p / self.output[1], p % self.output[1]);
            let y0 = (oy * self.stride[0]) as isize - self.pads[0].0 as isize;
            let x0 = (ox * self.stride[1]) as isize - self.pads[1].0 as isize;
            let (lo, hi) = tap_range(x0, dw, kw, iw);
            for ky in 0..kh {
                let iy = y0 + (ky * dh) as isize;
                if iy < 0 || iy as usize >= ih || lo >= hi {
                    continue;
                }
                let col = i * k + ky * kw * c;
                let src = (n * ih + iy as usize) * iw * c;
                let ix = |kx: usize| (x0 + (kx * dw) as isize) as usize * c;
                if dw == 1 {
                    f(col + lo * c, src + ix(lo), (hi - lo) * c);
                } else {
                    for kx in lo..hi {
                        f(col + kx * c, src + ix(kx), c);
                    }
                }
            }
        }
    }
}
