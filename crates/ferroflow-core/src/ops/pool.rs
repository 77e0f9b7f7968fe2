//! 2-D pooling: `MaxPool` and `AvgPool` over NHWC images, with their
//! gradient ops `MaxPoolGrad` and `AvgPoolGrad`.

use super::{
    check_arity, check_dtype, read_sizes, same_dtypes, sizes_of, Accepts, ArrayOps, CompareOps,
    ConvOps, DataFormat, IndexingOps, MathOps, Padding, ReduceOps, Window2d,
};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::pool::{avg_pool, avg_pool_grad, max_pool, max_pool_grad};
use ferroflow_tensor::kernels::window::Conv2dGeometry;
use ferroflow_tensor::{Shape, Tensor};

/// Window size, strides and padding of a 2-D pooling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool2d {
    /// Window height and width.
    pub ksize: [usize; 2],
    /// Step between windows along height and width.
    pub strides: [usize; 2],
    /// SAME or VALID (explicit pairs are accepted too).
    pub padding: Padding,
}

impl Pool2d {
    /// A `ksize` window moved by `strides`.
    pub fn new(ksize: [usize; 2], strides: [usize; 2], padding: Padding) -> Self {
        Pool2d {
            ksize,
            strides,
            padding,
        }
    }

    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        let k = self.ksize.map(|v| v as i64);
        let mut attrs = vec![("ksize", AttrValue::Ints(vec![1, k[0], k[1], 1]))];
        attrs.extend(Window2d::new(self.strides, self.padding.clone()).attrs());
        attrs
    }

    /// The pooled spec of `x` (rank 4, NHWC), exact when its shape is known.
    fn output_spec(&self, op: &str, x: &TensorSpec) -> Result<TensorSpec> {
        let dims = match x.shape.dims() {
            Some(d) if d.len() != 4 => fail!(
                op,
                "input must be 4-dimensional, got shape {}",
                x.shape.bracketed()
            ),
            Some(d) => d,
            None => return Ok(TensorSpec::new(x.dtype, PartialShape::unknown_dims(4))),
        };
        // The window geometry does not depend on the batch: probe with one
        // image so an unknown batch keeps the spatial sizes.
        let shape = match *dims {
            [n, Some(h), Some(w), Some(c)] => {
                let out = self
                    .geometry(op, &Shape::from([1, h, w, c]))?
                    .output_shape();
                PartialShape::from_dims(&[n, Some(out.dims()[1]), Some(out.dims()[2]), Some(c)])
            }
            _ => PartialShape::from_dims(&[dims[0], None, None, dims[3]]),
        };
        Ok(TensorSpec::new(x.dtype, shape))
    }

    /// For each window of `x`, the value of `g` where `x` has its first
    /// maximum, built from ops: window patches are a depthwise convolution
    /// by one-hot filters, padded taps are masked below every real value.
    fn at_first_max<H: TensorOps>(&self, x: &H, g: &H) -> Result<H> {
        let op = "MaxPoolGradGrad";
        let (dims, dtype) = (x.static_shape(), x.dtype());
        let Some(&[_, _, _, Some(c)]) = dims.dims() else {
            fail!(
                op,
                "the channels of the input must be known, got {}",
                dims.bracketed()
            );
        };
        let k = self.ksize[0] * self.ksize[1];
        let taps: Vec<f64> = (0..self.ksize[0] * self.ksize[1] * c * k)
            .map(|i| f64::from(u8::from(i % k == i / (c * k))))
            .collect();
        let taps = Tensor::from_vec(taps, [self.ksize[0], self.ksize[1], c, k])?;
        let taps = x.constant_like(taps)?.cast(dtype)?;
        let window = Window2d::new(self.strides, self.padding.clone());
        let patches = |t: &H| -> Result<H> {
            let p = t.depthwise_conv2d(&taps, &window, DataFormat::Nhwc)?;
            let d = p.static_shape();
            let (Some(h), Some(w)) = (d.dims().and_then(|d| d[1]), d.dims().and_then(|d| d[2]))
            else {
                fail!(op, "the image size must be known, got {}", dims.bracketed());
            };
            p.reshape(&[-1, h as i64, w as i64, c as i64, k as i64])
        };
        let xs = patches(x)?;
        let real = patches(&x.ones_like()?)?.greater(&xs.scalar_like(0.5)?)?;
        let low = xs
            .reduce_min(None::<&[i64]>, false)?
            .sub(&xs.scalar_like(1.0)?)?;
        let keyed = real.where_(&xs, &low)?;
        let first = keyed
            .argmax(-1)?
            .one_hot(k, 1.0f32, 0.0f32, -1)?
            .cast(dtype)?;
        first.mul(&patches(g)?)?.reduce_sum(-1, false)
    }

    fn geometry(&self, op: &str, x: &Shape) -> Result<Conv2dGeometry> {
        let c = x.dims().get(3).copied().unwrap_or(0);
        Ok(Conv2dGeometry::new(
            op,
            x,
            self.ksize,
            c,
            self.strides,
            [1, 1],
            &self.padding,
        )?)
    }
}

/// Which pooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// The window's maximum (`MaxPool`).
    Max,
    /// The mean of the window's real (unpadded) elements (`AvgPool`).
    Avg,
}

/// Max or average pooling of an NHWC batch.
#[derive(Debug, Clone)]
pub struct Pool {
    pub kind: PoolKind,
    pub window: Pool2d,
}

impl OpDef for Pool {
    fn op_type(&self) -> &'static str {
        match self.kind {
            PoolKind::Max => "MaxPool",
            PoolKind::Avg => "AvgPool",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.window.attrs()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 1)?;
        check_dtype(op, inputs, 0, Accepts::Float)?;
        Ok(vec![self.window.output_spec(op, &inputs[0])?])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.kind {
            PoolKind::Max => max_pool,
            PoolKind::Avg => avg_pool,
        };
        let w = &self.window;
        Ok(vec![f(
            ctx.name, inputs[0], w.ksize, w.strides, &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (x, y, dy) = (&a.inputs[0], &a.outputs[0], &a.grads[0]);
        let dx = match self.kind {
            PoolKind::Max => apply1(
                MaxPoolGrad {
                    window: self.window.clone(),
                },
                &[x, y, dy],
            )?,
            PoolKind::Avg => {
                let op = AvgPoolGrad {
                    input_shape: x.static_shape(),
                    window: self.window.clone(),
                };
                apply1(op, &[&sizes_of(x)?, dy])?
            }
        };
        Ok(vec![Some(dx)])
    }
}

/// The gradient of max pooling from `(orig_input, orig_output, grad)`, like
/// `tf.raw_ops.MaxPoolGrad`: each gradient goes to its window's first maximum.
#[derive(Debug, Clone)]
pub struct MaxPoolGrad {
    pub window: Pool2d,
}

impl OpDef for MaxPoolGrad {
    fn op_type(&self) -> &'static str {
        "MaxPoolGrad"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.window.attrs()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("MaxPoolGrad", inputs, 3)?;
        check_dtype("MaxPoolGrad", inputs, 0, Accepts::Float)?;
        same_dtypes("MaxPoolGrad", inputs)?;
        let out = self.window.output_spec("MaxPoolGrad", &inputs[0])?;
        for (what, spec) in [("orig_output", &inputs[1]), ("grad", &inputs[2])] {
            if !spec.shape.is_compatible_with(&out.shape) {
                fail!(
                    "MaxPoolGrad",
                    "{what} must have shape {}, got {}",
                    out.shape.bracketed(),
                    spec.shape.bracketed()
                );
            }
        }
        Ok(vec![inputs[0].clone()])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let w = &self.window;
        Ok(vec![max_pool_grad(
            ctx.name, inputs[0], inputs[1], inputs[2], w.ksize, w.strides, &w.padding,
        )?])
    }
    /// TensorFlow's `MaxPoolGradGrad`: each window's gradient `g` at the
    /// window's first maximum (nothing flows to `orig_input`/`orig_output`).
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (x, g) = (&a.inputs[0], &a.grads[0]);
        Ok(vec![None, None, Some(self.window.at_first_max(x, g)?)])
    }
}

/// The gradient of average pooling from `(orig_input_shape, grad)`, like
/// `tf.raw_ops.AvgPoolGrad`; `input_shape` is what is statically known of
/// the result.
#[derive(Debug, Clone)]
pub struct AvgPoolGrad {
    pub input_shape: PartialShape,
    pub window: Pool2d,
}

impl OpDef for AvgPoolGrad {
    fn op_type(&self) -> &'static str {
        "AvgPoolGrad"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.window.attrs()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("AvgPoolGrad", inputs, 2)?;
        check_dtype("AvgPoolGrad", inputs, 1, Accepts::Float)?;
        let input = TensorSpec::new(inputs[1].dtype, self.input_shape.clone());
        let out = self.window.output_spec("AvgPoolGrad", &input)?;
        if !inputs[1].shape.is_compatible_with(&out.shape) {
            fail!(
                "AvgPoolGrad",
                "grad must have shape {}, got {}",
                out.shape.bracketed(),
                inputs[1].shape.bracketed()
            );
        }
        Ok(vec![TensorSpec::new(
            input.dtype,
            PartialShape::unknown_dims(4).merge_with(&input.shape)?,
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let shape = read_sizes(ctx.name, "orig_input_shape", inputs[0], 4)?;
        let w = &self.window;
        Ok(vec![avg_pool_grad(
            ctx.name, &shape, inputs[1], w.ksize, w.strides, &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let pool = Pool {
            kind: PoolKind::Avg,
            window: self.window.clone(),
        };
        Ok(vec![None, Some(apply1(pool, &[&a.grads[0]])?)])
    }
}

/// Pooling on any handle, like `tf.nn.max_pool2d` and `tf.nn.avg_pool2d`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from_vec(vec![1.0f32, 5.0, 3.0, 2.0], [1, 2, 2, 1]).unwrap();
/// let pool = Pool2d::new([2, 2], [2, 2], Padding::Valid);
/// assert_eq!(x.max_pool2d(&pool, DataFormat::Nhwc).unwrap().to_vec::<f32>().unwrap(), vec![5.0]);
/// assert_eq!(x.avg_pool2d(&pool, DataFormat::Nhwc).unwrap().to_vec::<f32>().unwrap(), vec![2.75]);
/// ```
pub trait PoolOps: TensorOps {
    /// Max pooling, like `tf.nn.max_pool2d(input, ksize, strides, padding, data_format)`.
    fn max_pool2d(&self, window: &Pool2d, format: DataFormat) -> Result<Self> {
        pool(PoolKind::Max, self, window, format)
    }

    /// Average pooling, like `tf.nn.avg_pool2d(input, ksize, strides, padding, data_format)`.
    fn avg_pool2d(&self, window: &Pool2d, format: DataFormat) -> Result<Self> {
        pool(PoolKind::Avg, self, window, format)
    }
}

impl<H: TensorOps> PoolOps for H {}

fn pool<H: TensorOps>(kind: PoolKind, x: &H, window: &Pool2d, format: DataFormat) -> Result<H> {
    let op = Pool {
        kind,
        window: window.clone(),
    };
    format.nhwc_to_format(&apply1(op, &[&format.to_nhwc(x)?])?)
}
