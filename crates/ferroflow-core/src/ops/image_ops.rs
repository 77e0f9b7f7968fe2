//! Image ops, like `tf.image`: resizing (`ResizeBilinear`,
//! `ResizeNearestNeighbor`), `central_crop`, the random augmentations
//! (flips, crop, brightness, contrast) seeded as TensorFlow's, and
//! `per_image_standardization`. Images are `[h, w, c]` or `[n, h, w, c]`.

use super::{
    check_arity, check_dtype, Accepts, ArrayOps, CompareOps, IndexingOps, ManipOps, MathOps,
    RandomSource, ReduceOps,
};
use crate::{
    fail, AttrValue, Error, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::image::{resize_bilinear, resize_nearest};
use ferroflow_tensor::{DType, Tensor};

/// How `resize` computes new pixels, like `tf.image.ResizeMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeMethod {
    /// Bilinear interpolation (`ResizeBilinear`).
    Bilinear,
    /// The nearest pixel (`ResizeNearestNeighbor`).
    NearestNeighbor,
}

/// Resizes NHWC `images` to `size` with TensorFlow 2's pixel centers
/// (`half_pixel_centers=True`, `align_corners=False`).
#[derive(Debug, Clone)]
pub struct Resize {
    pub method: ResizeMethod,
    pub size: [usize; 2],
}

impl OpDef for Resize {
    fn op_type(&self) -> &'static str {
        match self.method {
            ResizeMethod::Bilinear => "ResizeBilinear",
            ResizeMethod::NearestNeighbor => "ResizeNearestNeighbor",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("align_corners", AttrValue::Bool(false)),
            ("half_pixel_centers", AttrValue::Bool(true)),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 1)?;
        check_dtype(op, inputs, 0, Accepts::Float)?;
        let x = &inputs[0];
        let (n, c) = match x.shape.dims() {
            Some(d) if d.len() != 4 => fail!(
                op,
                "input must be 4-dimensional, got shape {}",
                x.shape.bracketed()
            ),
            Some(d) => (d[0], d[3]),
            None => (None, None),
        };
        let [h, w] = self.size.map(Some);
        Ok(vec![TensorSpec::new(
            x.dtype,
            PartialShape::from_dims(&[n, h, w, c]),
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.method {
            ResizeMethod::Bilinear => resize_bilinear,
            ResizeMethod::NearestNeighbor => resize_nearest,
        };
        Ok(vec![f(ctx.name, inputs[0], self.size, false, true)?])
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
        let op = Resize {
            method,
            size: *size,
        };
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
/// seed)`: each offset is an int32 draw modulo the room left.
///
/// ```
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::ops::random_crop;
/// let x = Tensor::from_vec((0..16).map(|v| v as f32).collect::<Vec<_>>(), [4, 4]).unwrap();
/// assert_eq!(random_crop(&x, &[2, 3], Some(1)).unwrap().dims(), &[2, 3]);
/// ```
pub fn random_crop(value: &Tensor, size: &[usize], seed: Option<i64>) -> Result<Tensor> {
    let dims = value.dims();
    if size.len() != dims.len() || size.iter().zip(dims).any(|(s, d)| s > d) {
        return Err(Error::invalid(
            "random_crop",
            format!("Need value.shape >= size, got {:?} {size:?}", dims),
        ));
    }
    let draws = value.random_uniform_like(&[dims.len()], 0.0, i32::MAX as f64, DType::I32, seed)?;
    let begin: Vec<usize> = draws
        .to_vec::<i32>()?
        .iter()
        .zip(dims.iter().zip(size))
        .map(|(&r, (&d, &s))| r as usize % (d - s + 1))
        .collect();
    let size: Vec<i64> = size.iter().map(|&s| s as i64).collect();
    value.slice(&begin, &size)
}
