//! Normalization: `FusedBatchNormV3` (training and inference) with its
//! gradient op, the composite `batch_normalization`, and `moments`.

use super::{check_arity, check_dtype, same_dtypes, Accepts, ArrayOps, Axes, MathOps, ReduceOps};
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::norm::{fused_batch_norm, fused_batch_norm_grad};
use ferroflow_tensor::Tensor;
use std::sync::Arc;

/// Batch normalization over every axis but the last, like
/// `tf.raw_ops.FusedBatchNormV3(x, scale, offset, mean, variance, epsilon,
/// is_training)` with NHWC data.
///
/// Outputs: `y`, `batch_mean`, `batch_variance` (Bessel-corrected when
/// training, for moving averages), `reserve_space_1` (the mean used) and
/// `reserve_space_2` (the variance used), which [`FusedBatchNormGrad`]
/// takes. When training, `mean` and `variance` are not read (TensorFlow
/// passes empty tensors).
#[derive(Debug, Clone, Copy)]
pub struct FusedBatchNorm {
    pub epsilon: f32,
    pub training: bool,
}

impl FusedBatchNorm {
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("epsilon", AttrValue::Float(self.epsilon)),
            ("is_training", AttrValue::Bool(self.training)),
            ("data_format", AttrValue::Str("NHWC".into())),
        ]
    }

    /// The channel count of `x` and the `[c]` spec of its statistics,
    /// checking the per-channel inputs `params` named `names`.
    fn channels(
        &self,
        op: &str,
        x: &TensorSpec,
        params: &[(&str, &TensorSpec)],
    ) -> Result<TensorSpec> {
        let mut c = match x.shape.dims() {
            Some([]) => fail!(op, "x must have rank >= 1, got a scalar"),
            Some(d) => d[d.len() - 1],
            None => None,
        };
        for (what, p) in params {
            match p.shape.dims() {
                Some(d) if d.len() != 1 => fail!(
                    op,
                    "{what} must be 1-dimensional, got shape {}",
                    p.shape.bracketed()
                ),
                Some(&[Some(n)]) if c.is_some_and(|c| c != n) => fail!(
                    op,
                    "{what} must have as many elements as x has channels: {} vs. x {}",
                    p.shape.bracketed(),
                    x.shape.bracketed()
                ),
                Some(&[n]) => c = c.or(n),
                _ => {}
            }
        }
        Ok(TensorSpec::new(x.dtype, PartialShape::from_dims(&[c])))
    }
}

impl OpDef for FusedBatchNorm {
    fn op_type(&self) -> &'static str {
        "FusedBatchNormV3"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        FusedBatchNorm::attrs(self)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = "FusedBatchNormV3";
        check_arity(op, inputs, 5)?;
        check_dtype(op, inputs, 0, Accepts::Float)?;
        same_dtypes(op, inputs)?;
        let mut params = vec![("scale", &inputs[1]), ("offset", &inputs[2])];
        if !self.training {
            params.extend([("mean", &inputs[3]), ("variance", &inputs[4])]);
        }
        let stat = self.channels(op, &inputs[0], &params)?;
        Ok(vec![
            inputs[0].clone(),
            stat.clone(),
            stat.clone(),
            stat.clone(),
            stat,
        ])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (mean, variance) = match self.training {
            true => (None, None),
            false => (Some(inputs[3]), Some(inputs[4])),
        };
        let out = fused_batch_norm(
            ctx.name,
            inputs[0],
            inputs[1],
            inputs[2],
            mean,
            variance,
            self.epsilon as f64,
            self.training,
        )?;
        let mean = out.batch_mean;
        Ok(vec![
            out.y,
            mean.clone(),
            out.batch_variance,
            mean,
            out.saved_variance,
        ])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (x, scale) = (&a.inputs[0], &a.inputs[1]);
        let (saved_mean, saved_var) = (&a.outputs[3], &a.outputs[4]);
        let op = FusedBatchNormGrad {
            epsilon: self.epsilon,
            training: self.training,
        };
        let mut g = H::apply(
            Arc::new(op),
            &[&a.grads[0], x, scale, saved_mean, saved_var],
        )?;
        let doffset = g.pop();
        let dscale = g.pop();
        let dx = g.pop();
        Ok(vec![dx, dscale, doffset, None, None])
    }
}

/// The gradient of [`FusedBatchNorm`] from `(y_backprop, x, scale,
/// reserve_space_1, reserve_space_2)`, like `tf.raw_ops.FusedBatchNormGradV3`:
/// outputs `x_backprop`, `scale_backprop`, `offset_backprop`.
#[derive(Debug, Clone, Copy)]
pub struct FusedBatchNormGrad {
    pub epsilon: f32,
    pub training: bool,
}

impl OpDef for FusedBatchNormGrad {
    fn op_type(&self) -> &'static str {
        "FusedBatchNormGradV3"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        FusedBatchNorm {
            epsilon: self.epsilon,
            training: self.training,
        }
        .attrs()
    }
    /// TF's `reserve_space_3` input, which its CPU kernel does not read.
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let empty = Tensor::from_vec(Vec::<f32>::new(), [0]).expect("no values make a [0] tensor");
        vec![("reserve_space_3", empty)]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = "FusedBatchNormGradV3";
        check_arity(op, inputs, 5)?;
        check_dtype(op, inputs, 0, Accepts::Float)?;
        same_dtypes(op, inputs)?;
        if !inputs[0].shape.is_compatible_with(&inputs[1].shape) {
            fail!(
                op,
                "y_backprop must have the shape of x {}, got {}",
                inputs[1].shape.bracketed(),
                inputs[0].shape.bracketed()
            );
        }
        let norm = FusedBatchNorm {
            epsilon: self.epsilon,
            training: self.training,
        };
        let params = [
            ("scale", &inputs[2]),
            ("reserve_space_1", &inputs[3]),
            ("reserve_space_2", &inputs[4]),
        ];
        let stat = norm.channels(op, &inputs[1], &params)?;
        Ok(vec![inputs[1].clone(), stat.clone(), stat])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (dx, dscale, doffset) = fused_batch_norm_grad(
            ctx.name,
            inputs[0],
            inputs[1],
            inputs[2],
            inputs[3],
            inputs[4],
            self.epsilon as f64,
            self.training,
        )?;
        Ok(vec![dx, dscale, doffset])
    }
    /// Second derivatives of batch normalization, written out (TensorFlow's
    /// `_FusedBatchNormGradGrad`). With `xhat = (x - mean) * r`,
    /// `r = rsqrt(variance + epsilon)` and `P(u) = u - E[u] - xhat E[u xhat]`
    /// (E: the mean over every axis but the last), the outputs paired with
    /// their gradients `(a, b, c)` are `L = <dy, T>` where
    /// `T = scale r P(a) + b xhat + c` when training (the statistics depend
    /// on `x`, and are differentiated here) and `T = scale r a + b xhat + c`
    /// for inference. Nothing flows to the saved statistics.
    fn gradient<H: TensorOps>(&self, g: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let [dy, x, scale, mean, var] = [0, 1, 2, 3, 4].map(|i| &g.inputs[i]);
        let (a, b, c) = (&g.grads[0], &g.grads[1], &g.grads[2]);
        let Some(rank) = x.static_shape().rank() else {
            fail!("FusedBatchNormGradV3", "the rank of x must be known");
        };
        let axes: Vec<i64> = (0..rank as i64 - 1).collect();
        let sum = |t: &H| t.reduce_sum(axes.clone(), true);
        let r = var.add(&var.scalar_like(self.epsilon as f64)?)?.rsqrt()?;
        let xhat = x.sub(mean)?.mul(&r)?;
        let sr = scale.mul(&r)?;
        if !self.training {
            let d_dy = a.mul(&sr)?.add(&xhat.mul(b)?)?.add(c)?;
            let d_x = dy.mul(&b.mul(&r)?)?;
            let d_scale = sum(&dy.mul(a)?)?.reshape(&[-1])?.mul(&r)?;
            return Ok(vec![Some(d_dy), Some(d_x), Some(d_scale), None, None]);
        }
        let n = sum(&x.ones_like()?)?;
        let project = |u: &H| -> Result<H> {
            let centered = u.sub(&sum(u)?.div(&n)?)?;
            centered.sub(&xhat.mul(&sum(&u.mul(&xhat)?)?.div(&n)?)?)
        };
        let (p_a, p_dy) = (project(a)?, project(dy)?);
        let d_dy = sr.mul(&p_a)?.add(&xhat.mul(b)?)?.add(c)?;
        let (s_dx, s_ax) = (sum(&dy.mul(&xhat)?)?, sum(&a.mul(&xhat)?)?);
        let q = sum(&dy.mul(a)?)?
            .sub(&sum(dy)?.mul(&sum(a)?)?.div(&n)?)?
            .sub(&s_dx.mul(&s_ax)?.div(&n)?)?;
        let inner = q
            .mul(&xhat)?
            .add(&s_ax.mul(&p_dy)?)?
            .add(&s_dx.mul(&p_a)?)?;
        let d_x = b
            .mul(&r)?
            .mul(&p_dy)?
            .sub(&sr.mul(&r)?.mul(&inner)?.div(&n)?)?;
        let d_scale = r.mul(&q.reshape(&[-1])?)?;
        Ok(vec![Some(d_dy), Some(d_x), Some(d_scale), None, None])
    }
}

/// The outputs of [`NormalizationOps::fused_batch_norm`].
#[derive(Debug, Clone)]
pub struct BatchNorm<H> {
    /// The normalized, scaled and shifted input.
    pub y: H,
    /// The mean used (the batch mean when training).
    pub mean: H,
    /// The variance for moving averages (Bessel-corrected when training).
    pub variance: H,
}

/// Normalization on any handle, like `tf.nn.batch_normalization`,
/// `tf.nn.moments` and `tf.compat.v1.nn.fused_batch_norm`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from([[1.0f32], [3.0]]);
/// let (mean, var) = x.moments(0, false).unwrap();
/// assert_eq!((mean.to_vec::<f32>().unwrap(), var.to_vec::<f32>().unwrap()), (vec![2.0], vec![1.0]));
/// let y = x.batch_normalization(&mean, &var, None, None, 0.0).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![-1.0, 1.0]);
/// ```
pub trait NormalizationOps: TensorOps {
    /// The mean and variance over `axes`, like `tf.nn.moments(x, axes,
    /// keepdims)`.
    fn moments(&self, axes: impl Into<Axes>, keep_dims: bool) -> Result<(Self, Self)> {
        let axes = axes.into();
        let mean = self.reduce_mean(axes.clone(), true)?;
        let variance = self
            .squared_difference(&mean.stop_gradient()?)?
            .reduce_mean(axes.clone(), true)?;
        if keep_dims {
            return Ok((mean, variance));
        }
        let squeeze = |t: &Self| match &axes {
            Axes::All => t.reshape(&[]),
            Axes::List(a) => t.squeeze(a.as_slice()),
        };
        Ok((squeeze(&mean)?, squeeze(&variance)?))
    }

    /// `(x - mean) / sqrt(variance + epsilon) * scale + offset`, like
    /// `tf.nn.batch_normalization(x, mean, variance, offset, scale,
    /// variance_epsilon)`; the statistics broadcast against `self`.
    fn batch_normalization(
        &self,
        mean: &Self,
        variance: &Self,
        offset: Option<&Self>,
        scale: Option<&Self>,
        epsilon: f64,
    ) -> Result<Self> {
        let mut inv = variance.add(&variance.scalar_like(epsilon)?)?.rsqrt()?;
        if let Some(scale) = scale {
            inv = inv.mul(scale)?;
        }
        let shift = match offset {
            Some(offset) => offset.sub(&mean.mul(&inv)?)?,
            None => mean.mul(&inv)?.neg()?,
        };
        self.mul(&inv)?.add(&shift)
    }

    /// Fused batch normalization over every axis but the last, like
    /// `tf.compat.v1.nn.fused_batch_norm(x, scale, offset, mean, variance,
    /// epsilon, is_training)`. `mean` and `variance` are required for
    /// inference and ignored when training.
    fn fused_batch_norm(
        &self,
        scale: &Self,
        offset: &Self,
        mean_variance: Option<(&Self, &Self)>,
        epsilon: f32,
        training: bool,
    ) -> Result<BatchNorm<Self>> {
        let op = FusedBatchNorm { epsilon, training };
        let (mean, variance) = match (mean_variance, training) {
            (Some(mv), _) => (mv.0.clone(), mv.1.clone()),
            (None, true) => {
                let empty = self.constant_like(Tensor::zeros(self.dtype(), [0])?)?;
                (empty.clone(), empty)
            }
            (None, false) => fail!(
                "FusedBatchNormV3",
                "inference (is_training=False) needs a mean and a variance"
            ),
        };
        let out = Self::apply(Arc::new(op), &[self, scale, offset, &mean, &variance])?;
        let [y, mean, variance, ..] = <[Self; 5]>::try_from(out)
            .map_err(|_| crate::Error::invalid("FusedBatchNormV3", "expected 5 outputs"))?;
        Ok(BatchNorm { y, mean, variance })
    }
}

impl<H: TensorOps> NormalizationOps for H {}
