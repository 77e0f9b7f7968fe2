//! Image ops, like `tf.image`: resizing (`ResizeBilinear`,
//! `ResizeNearestNeighbor`, with their gradients), `central_crop`, the random augmentations
//! (flips, crop, brightness, contrast) seeded as TensorFlow's, and
//! `per_image_standardization`. Images are `[h, w, c]` or `[n, h, w, c]`.

use super::conv::same_dtypes;
use super::manip::known_dims as known_shape;
use super::{
    check_arity, check_dtype, Accepts, ArrayOps, CompareOps, Idx, IndexingOps, ManipOps, MathOps,
    RandomSource, ReduceOps,
};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::image::{
    resize_bilinear, resize_bilinear_grad, resize_nearest, resize_nearest_grad,
};
use ferroflow_tensor::{DType, Tensor};

/// How `resize` computes new pixels, like `tf.image.ResizeMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeMethod {
    /// Bilinear interpolation (`ResizeBilinear`).
    Bilinear,
    /// The nearest pixel (`ResizeNearestNeighbor`).
    NearestNeighbor,
}

/// Resizes NHWC `images` to `size`, like `tf.raw_ops.ResizeBilinear` and
/// `ResizeNearestNeighbor` (the result keeps the images' float dtype).
/// [`Resize::new`] takes TensorFlow 2's pixel centers
/// (`half_pixel_centers=True`, `align_corners=False`); TF1's
/// `tf.compat.v1.image.resize_*` defaults are both `false`.
#[derive(Debug, Clone)]
pub struct Resize {
    pub method: ResizeMethod,
    pub size: [usize; 2],
    /// Map the corner pixels of input and output onto each other.
    pub align_corners: bool,
    /// Sample at pixel centers (`(i + 0.5) * scale`).
    pub half_pixel_centers: bool,
}

impl Resize {
    /// A resize with TensorFlow 2's pixel centers, as `tf.image.resize`.
    pub fn new(method: ResizeMethod, size: [usize; 2]) -> Resize {
        Resize {
            method,
            size,
            align_corners: false,
            half_pixel_centers: true,
        }
    }
}

/// The `align_corners` and `half_pixel_centers` attributes.
fn coordinate_attrs(
    align_corners: bool,
    half_pixel_centers: bool,
) -> Vec<(&'static str, AttrValue)> {
    vec![
        ("align_corners", AttrValue::Bool(align_corners)),
        ("half_pixel_centers", AttrValue::Bool(half_pixel_centers)),
    ]
}

/// The `size` input TensorFlow's resize ops take, for GraphDefs.
fn size_input(size: [usize; 2]) -> Vec<(&'static str, Tensor)> {
    vec![("size", crate::op::int32_vector(size.map(|d| d as i64)))]
}

/// The shape rule of a resize of one 4-D float input (`what`) to `size`:
/// `[n, size[0], size[1], c]`.
fn resized_spec(
    op: &str,
    inputs: &[TensorSpec],
    what: &str,
    size: [usize; 2],
) -> Result<Vec<TensorSpec>> {
    check_arity(op, inputs, 1)?;
    check_dtype(op, inputs, 0, Accepts::Float)?;
    let x = &inputs[0];
    let (n, c) = match x.shape.dims() {
        Some(d) if d.len() != 4 => fail!(
            op,
            "{what} must be 4-dimensional, got shape {}",
            x.shape.bracketed()
        ),
        Some(d) => (d[0], d[3]),
        None => (None, None),
    };
    let [h, w] = size.map(Some);
    Ok(vec![TensorSpec::new(
        x.dtype,
        PartialShape::from_dims(&[n, h, w, c]),
    )])
}

impl OpDef for Resize {
    fn op_type(&self) -> &'static str {
        match self.method {
            ResizeMethod::Bilinear => "ResizeBilinear",
            ResizeMethod::NearestNeighbor => "ResizeNearestNeighbor",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        coordinate_attrs(self.align_corners, self.half_pixel_centers)
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        size_input(self.size)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        resized_spec(self.op_type(), inputs, "input", self.size)
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.method {
            ResizeMethod::Bilinear => resize_bilinear,
            ResizeMethod::NearestNeighbor => resize_nearest,
        };
        let (align, half) = (self.align_corners, self.half_pixel_centers);
        Ok(vec![f(ctx.name, inputs[0], self.size, align, half)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (align_corners, half_pixel_centers) = (self.align_corners, self.half_pixel_centers);
        let (images, dy) = (&a.inputs[0], &a.grads[0]);
        let dx = match self.method {
            ResizeMethod::Bilinear => apply1(
                ResizeBilinearGrad {
                    align_corners,
                    half_pixel_centers,
                },
                &[dy, images],
            )?,
            ResizeMethod::NearestNeighbor => {
                let op = "ResizeNearestNeighborGrad";
                let dims = known_shape(op, images)?;
                let size = [dims[1], dims[2]];
                let grad = ResizeNearestNeighborGrad {
                    size,
                    align_corners,
                    half_pixel_centers,
                };
                apply1(grad, &[dy])?
            }
        };
        Ok(vec![Some(dx)])
    }
}

/// The gradient of a bilinear [`Resize`]: each output gradient spread over
/// its four source pixels, like `tf.raw_ops.ResizeBilinearGrad`. Inputs:
/// the output gradients, the original images (for their shape).
#[derive(Debug, Clone, Copy)]
pub struct ResizeBilinearGrad {
    pub align_corners: bool,
    pub half_pixel_centers: bool,
}

impl OpDef for ResizeBilinearGrad {
    fn op_type(&self) -> &'static str {
        "ResizeBilinearGrad"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        coordinate_attrs(self.align_corners, self.half_pixel_centers)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 2)?;
        check_dtype(op, inputs, 0, Accepts::Float)?;
        same_dtypes(op, inputs)?;
        for (spec, what) in inputs.iter().zip(["grads", "original_image"]) {
            if spec.shape.rank().is_some_and(|r| r != 4) {
                fail!(
                    op,
                    "{what} must be 4-dimensional, got shape {}",
                    spec.shape.bracketed()
                );
            }
        }
        Ok(vec![inputs[1].clone()])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (dy, original) = (inputs[0], inputs[1]);
        let [_, h, w, _] = rank4_dims(ctx.name, "original_image", original)?;
        let (align, half) = (self.align_corners, self.half_pixel_centers);
        let dx = resize_bilinear_grad(ctx.name, dy, [h, w], align, half)?;
        if dx.dims() != original.dims() {
            fail!(
                ctx.name,
                "grads {} do not match original_image {}",
                dy.shape(),
                original.shape()
            );
        }
        Ok(vec![dx])
    }
}

/// The gradient of a nearest-neighbour [`Resize`] of `size` images: each
/// output gradient added into its source pixel, like
/// `tf.raw_ops.ResizeNearestNeighborGrad`. Input: the output gradients.
#[derive(Debug, Clone, Copy)]
pub struct ResizeNearestNeighborGrad {
    /// The original images' `[height, width]`.
    pub size: [usize; 2],
    pub align_corners: bool,
    pub half_pixel_centers: bool,
}

impl OpDef for ResizeNearestNeighborGrad {
    fn op_type(&self) -> &'static str {
        "ResizeNearestNeighborGrad"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        coordinate_attrs(self.align_corners, self.half_pixel_centers)
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        size_input(self.size)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        resized_spec(self.op_type(), inputs, "grads", self.size)
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (align, half) = (self.align_corners, self.half_pixel_centers);
        Ok(vec![resize_nearest_grad(
            ctx.name, inputs[0], self.size, align, half,
        )?])
    }
}

/// The four dims of a 4-D tensor, else an error naming `op` and `what`.
fn rank4_dims(op: &str, what: &str, t: &Tensor) -> Result<[usize; 4]> {
    match t.dims() {
        &[n, h, w, c] => Ok([n, h, w, c]),
        _ => fail!(op, "{what} must be 4-dimensional, got shape {}", t.shape()),
    }
}

/// The rank of an image (3) or batch of images (4), else an error.
fn image_rank<H: TensorOps>(op: &str, image: &H) -> Result<usize> {
    match image.static_shape().rank() {
        Some(r @ (3 | 4)) => Ok(r),
        _ => fail!(
            op,
            "'image' (shape {}) must have either 3 or 4 dimensions.",
            image.static_shape()
        ),
    }
}

/// The fully known shape of `image`.
fn known_dims<H: TensorOps>(op: &str, image: &H) -> Result<Vec<usize>> {
    let shape = image.static_shape();
    match shape.to_shape() {
        Some(s) => Ok(s.dims().to_vec()),
        None => fail!(op, "the shape of 'image' must be fully known, got {shape}"),
    }
}

/// Image functions on any handle, like `tf.image`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from_vec(vec![0.0f32, 4.0], [1, 2, 1]).unwrap();
/// let y = x.resize(&[1, 4], ResizeMethod::Bilinear).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 3.0, 4.0]);
/// ```
pub trait ImageOps: RandomSource {
    /// Resizes to `size` (`[height, width]`), like `tf.image.resize(images,
    /// size, method)` (antialias off).
    fn resize(&self, size: &[usize; 2], method: ResizeMethod) -> Result<Self> {
        let op = Resize::new(method, *size);
        if image_rank("resize", self)? == 4 {
            return crate::apply1(op, &[self]);
        }
        crate::apply1::<Self>(op, &[&self.expand_dims(0)?])?.squeeze(&[0])
    }

    /// The central `fraction` of each image's height and width, like
    /// `tf.image.central_crop(image, central_fraction)`.
    fn central_crop(&self, fraction: f64) -> Result<Self> {
        if !(fraction > 0.0 && fraction <= 1.0) {
            fail!("central_crop", "central_fraction must be within (0, 1]");
        }
        let rank = image_rank("central_crop", self)?;
        if fraction == 1.0 {
            return Ok(self.clone());
        }
        let dims = known_dims("central_crop", self)?;
        let mut begin = vec![0; rank];
        let mut size: Vec<i64> = vec![-1; rank];
        for axis in [rank - 3, rank - 2] {
            let d = dims[axis] as f64;
            let start = ((d - d * fraction) / 2.0) as usize;
            begin[axis] = start;
            size[axis] = (dims[axis] - 2 * start) as i64;
        }
        self.slice(&begin, &size)
    }

    /// Reverses each image's width with probability 1/2, like
    /// `tf.image.random_flip_left_right(image, seed)`.
    fn random_flip_left_right(&self, seed: Option<i64>) -> Result<Self> {
        random_flip(self, 2, seed)
    }

    /// Reverses each image's height with probability 1/2, like
    /// `tf.image.random_flip_up_down(image, seed)`.
    fn random_flip_up_down(&self, seed: Option<i64>) -> Result<Self> {
        random_flip(self, 3, seed)
    }

    /// Adds one delta uniform in `[-max_delta, max_delta)`, like
    /// `tf.image.random_brightness(image, max_delta, seed)`.
    fn random_brightness(&self, max_delta: f64, seed: Option<i64>) -> Result<Self> {
        if max_delta < 0.0 {
            fail!("random_brightness", "max_delta must be non-negative.");
        }
        // TensorFlow draws in float32 whatever the image's dtype.
        let delta = self
            .random_uniform_like(&[], -max_delta, max_delta, DType::F32, seed)?
            .cast(self.dtype())?;
        self.add(&delta)
    }

    /// Scales each channel's deviation from its per-image mean by one factor
    /// uniform in `[lower, upper)`, like `tf.image.random_contrast(image,
    /// lower, upper, seed)`.
    fn random_contrast(&self, lower: f64, upper: f64, seed: Option<i64>) -> Result<Self> {
        if upper <= lower {
            fail!("random_contrast", "upper must be > lower.");
        }
        if lower < 0.0 {
            fail!("random_contrast", "lower must be non-negative.");
        }
        image_rank("random_contrast", self)?;
        let factor = self
            .random_uniform_like(&[], lower, upper, DType::F32, seed)?
            .cast(self.dtype())?;
        let mean = self.reduce_mean(vec![-3, -2], true)?;
        self.sub(&mean)?.mul(&factor)?.add(&mean)
    }

    /// Scales each image to zero mean and unit variance, like
    /// `tf.image.per_image_standardization(image)`: `(x - mean) /
    /// max(stddev, 1 / sqrt(pixels))`.
    fn per_image_standardization(&self) -> Result<Self> {
        let rank = image_rank("per_image_standardization", self)?;
        let dims = known_dims("per_image_standardization", self)?;
        let image = match self.dtype() {
            DType::F32 | DType::F64 => self.clone(),
            _ => self.cast(DType::F32)?,
        };
        let pixels: usize = dims[rank - 3..].iter().product();
        let axes = vec![-1, -2, -3];
        let mean = image.reduce_mean(axes.clone(), true)?;
        let centered = image.sub(&mean)?;
        let stddev = centered.square()?.reduce_mean(axes, true)?.sqrt()?;
        let floor = image.scalar_like(1.0 / (pixels as f64).sqrt())?;
        centered.div(&stddev.maximum(&floor)?)
    }
}

impl<H: RandomSource> ImageOps for H {}

/// Flips `image` along `axis_from_end` (2: width, 3: height) with
/// probability 1/2 per image, drawing as TensorFlow does.
fn random_flip<H: RandomSource>(image: &H, axis_from_end: usize, seed: Option<i64>) -> Result<H> {
    let rank = image_rank("random_flip", image)?;
    let axis = (rank - axis_from_end) as i64;
    let flipped = image.reverse(&[axis])?;
    let dtype = image.dtype();
    if rank == 3 {
        let u = image.random_uniform_like(&[], 0.0, 1.0, DType::F32, seed)?;
        return u.less(&u.scalar_like(0.5)?)?.where_(&flipped, image);
    }
    let batch = known_dims("random_flip", image)?[0];
    let u = image.random_uniform_like(&[batch], 0.0, 1.0, DType::F32, seed)?;
    let flips = u.reshape(&[batch as i64, 1, 1, 1])?.round()?.cast(dtype)?;
    let keep = flips.scalar_like(1.0)?.sub(&flips)?;
    flips.mul(&flipped)?.add(&keep.mul(image)?)
}

/// A random `size` slice of `value`, like `tf.image.random_crop(value, size,
/// seed)`, eagerly or in a graph: one int32 draw per dimension, modulo the
/// room left, gives the offsets (TensorFlow's `random_uniform` + `%`).
///
/// ```
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::ops::random_crop;
/// let x = Tensor::from_vec((0..16).map(|v| v as f32).collect::<Vec<_>>(), [4, 4]).unwrap();
/// assert_eq!(random_crop(&x, &[2, 3], Some(1)).unwrap().dims(), &[2, 3]);
/// ```
pub fn random_crop<H: RandomSource>(value: &H, size: &[usize], seed: Option<i64>) -> Result<H> {
    let dims = known_shape("random_crop", value)?;
    if size.len() != dims.len() || size.iter().zip(&dims).any(|(s, d)| s > d) {
        fail!(
            "random_crop",
            "Need value.shape >= size, got {:?} {size:?}",
            dims
        );
    }
    let rank = dims.len();
    let draws = value.random_uniform_like(&[rank], 0.0, i32::MAX as f64, DType::I32, seed)?;
    let limit: Vec<i32> = dims
        .iter()
        .zip(size)
        .map(|(d, s)| (d - s + 1) as i32)
        .collect();
    let offsets = draws.floor_mod(&value.constant_like(Tensor::from_vec(limit, [rank])?)?)?;
    // Gathering a run of indices per cropped axis is `tf.slice` at a
    // run-time offset.
    let mut crop = value.clone();
    for (axis, (&d, &s)) in dims.iter().zip(size).enumerate() {
        if s == d {
            continue;
        }
        let run = value.constant_like(Tensor::from_vec((0..s as i32).collect::<Vec<_>>(), [s])?)?;
        let offset = offsets.index(&[Idx::At(axis as i64)])?;
        crop = crop.gather(&run.add(&offset)?, axis as i64, 0)?;
    }
    Ok(crop)
}
