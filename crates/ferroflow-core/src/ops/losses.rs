//! Losses: the fused softmax cross entropies (`SoftmaxCrossEntropyWithLogits`,
//! `SparseSoftmaxCrossEntropyWithLogits`), the sigmoid cross entropies,
//! `l2_loss`, and `tf.compat.v1.losses`' weighted losses with reductions.

use super::{check_arity, check_dtype, Accepts, ArrayOps, CompareOps, MathOps, NnOps, ReduceOps};
use crate::{
    fail, AttrValue, Error, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::reduce::log_softmax;
use ferroflow_tensor::{with_float_type, DType, Element, Tensor};
use std::sync::Arc;

/// Softmax cross entropy of 2-D `logits` `[batch, classes]` against dense
/// `labels` (a distribution per row, `SoftmaxCrossEntropyWithLogits`) or
/// sparse integer `labels` `[batch]` (`SparseSoftmaxCrossEntropyWithLogits`).
///
/// Outputs the per-row `loss` `[batch]` and the fused `backprop`
/// `softmax(logits) - labels` `[batch, classes]`, as TensorFlow's kernels.
#[derive(Debug, Clone, Copy)]
pub struct SoftmaxCrossEntropy {
    /// `None` for dense labels; the integer dtype of sparse labels.
    pub sparse_labels: Option<DType>,
}

impl SoftmaxCrossEntropy {
    fn is_sparse(&self) -> bool {
        self.sparse_labels.is_some()
    }
}

impl OpDef for SoftmaxCrossEntropy {
    fn op_type(&self) -> &'static str {
        if self.is_sparse() {
            "SparseSoftmaxCrossEntropyWithLogits"
        } else {
            "SoftmaxCrossEntropyWithLogits"
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.sparse_labels
            .map(|t| vec![("Tlabels", AttrValue::Type(t))])
            .unwrap_or_default()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 2)?;
        check_dtype(op, inputs, 0, Accepts::Float)?;
        let (logits, labels) = (&inputs[0], &inputs[1]);
        let dims = |what: &str, s: &PartialShape, rank: usize| -> Result<Vec<Option<usize>>> {
            match s.dims() {
                Some(d) if d.len() != rank => fail!(
                    op,
                    "{what} must be {rank}-D, but got shape {}",
                    s.bracketed()
                ),
                Some(d) => Ok(d.to_vec()),
                None => Ok(vec![None; rank]),
            }
        };
        let l = dims("logits", &logits.shape, 2)?;
        let (batch, classes) = if self.is_sparse() {
            if !matches!(labels.dtype, DType::I32 | DType::I64) {
                fail!(
                    op,
                    "Value passed to parameter 'labels' has DataType {} not in list of \
                     allowed values: int32, int64",
                    labels.dtype
                );
            }
            if let Some(want) = self.sparse_labels.filter(|&t| t != labels.dtype) {
                fail!(
                    op,
                    "labels must be a {want} tensor, got a {} tensor",
                    labels.dtype
                );
            }
            let y = dims("labels", &labels.shape, 1)?;
            if let (Some(a), Some(b)) = (l[0], y[0]) {
                if a != b {
                    fail!(
                        op,
                        "logits and labels must have the same first dimension, got logits \
                         shape {} and labels shape {}",
                        logits.shape.bracketed(),
                        labels.shape.bracketed()
                    );
                }
            }
            (l[0].or(y[0]), l[1])
        } else {
            if labels.dtype != logits.dtype {
                fail!(
                    op,
                    "input #1(zero-based) was expected to be a {} tensor but is a {} tensor",
                    logits.dtype,
                    labels.dtype
                );
            }
            let y = dims("labels", &labels.shape, 2)?;
            if !logits.shape.is_compatible_with(&labels.shape) {
                fail!(
                    op,
                    "logits and labels must be same size: logits_size={} labels_size={}",
                    logits.shape.bracketed(),
                    labels.shape.bracketed()
                );
            }
            (l[0].or(y[0]), l[1].or(y[1]))
        };
        Ok(vec![
            TensorSpec::new(logits.dtype, PartialShape::from_dims(&[batch])),
            TensorSpec::new(logits.dtype, PartialShape::from_dims(&[batch, classes])),
        ])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (logits, labels) = (inputs[0], inputs[1]);
        let specs: Vec<TensorSpec> = inputs.iter().map(|t| TensorSpec::of(t)).collect();
        self.infer(&specs)?;
        let [batch, classes] = [logits.dims()[0], logits.dims()[1]];
        let log_p = log_softmax(ctx.name, logits)?;
        // Dense labels as one row of weights per example.
        let dense: Vec<f64> = if self.is_sparse() {
            let mut d = vec![0.0; batch * classes];
            for (row, label) in labels.to_f64_vec()?.into_iter().enumerate() {
                if !(0.0..classes as f64).contains(&label) {
                    fail!(
                        ctx.name,
                        "Received a label value of {label} which is outside the valid range \
                         of [0, {classes})."
                    );
                }
                d[row * classes + label as usize] = 1.0;
            }
            d
        } else {
            labels.to_f64_vec()?
        };
        with_float_type!(logits.dtype(),
            T => {
                let log_p = log_p.as_slice::<T>()?;
                let mut loss = vec![T::zero(); batch];
                let mut backprop = vec![T::zero(); batch * classes];
                for (r, l) in loss.iter_mut().enumerate() {
                    let span = r * classes..(r + 1) * classes;
                    for k in span {
                        let y = T::from_f64(dense[k]);
                        if dense[k] != 0.0 {
                            *l -= y * log_p[k];
                        }
                        backprop[k] = log_p[k].exp() - y;
                    }
                }
                Ok(vec![
                    Tensor::from_vec(loss, [batch])?,
                    Tensor::from_vec(backprop, [batch, classes])?,
                ])
            },
            _ => Err(Error::invalid(ctx.name, format!("logits must be float, got {}", logits.dtype())))
        )
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (logits, backprop) = (&a.inputs[0], &a.outputs[1]);
        let (d_loss, d_backprop) = (a.grads[0].expand_dims(-1)?, &a.grads[1]);
        // Through `loss`, then through `backprop = softmax(logits) - labels`.
        let p = logits.softmax()?;
        let through_backprop = d_backprop
            .sub(&d_backprop.mul(&p)?.reduce_sum(-1, true)?)?
            .mul(&p)?;
        let d_logits = d_loss.mul(backprop)?.add(&through_backprop)?;
        let d_labels = match self.is_sparse() {
            true => None,
            false => Some(d_loss.mul(&logits.log_softmax()?)?.add(d_backprop)?.neg()?),
        };
        Ok(vec![Some(d_logits), d_labels])
    }
}

/// Runs a [`SoftmaxCrossEntropy`] on `logits` flattened to 2-D, returning
/// the loss in the shape of `logits` without its last axis.
fn softmax_cross_entropy<H: TensorOps>(sparse: bool, labels: &H, logits: &H) -> Result<H> {
    let op = SoftmaxCrossEntropy {
        sparse_labels: sparse.then(|| labels.dtype()),
    };
    let name = OpDef::op_type(&op);
    let dims = logits.static_shape().dims().map(<[_]>::to_vec);
    let Some(dims) = dims.filter(|d| !d.is_empty()) else {
        fail!(
            name,
            "logits must have rank >= 1 and a known rank, got {}",
            logits.static_shape().bracketed()
        );
    };
    if dims.len() == 2 {
        let out = H::apply(Arc::new(op), &[logits, labels])?;
        return Ok(out[0].clone());
    }
    let Some(classes) = dims[dims.len() - 1] else {
        fail!(
            name,
            "the class dimension of logits {} must be known",
            logits.static_shape().bracketed()
        );
    };
    let outer: Vec<i64> = dims[..dims.len() - 1]
        .iter()
        .map(|d| d.map_or(-1, |d| d as i64))
        .collect();
    let flat_labels = match sparse {
        true => labels.reshape(&[-1])?,
        false => labels.reshape(&[-1, classes as i64])?,
    };
    let out = H::apply(
        Arc::new(op),
        &[&logits.reshape(&[-1, classes as i64])?, &flat_labels],
    )?;
    out[0].reshape(&outer)
}

/// Softmax cross entropy between `logits` and a distribution `labels` of
/// the same shape, over the last axis, like
/// `tf.nn.softmax_cross_entropy_with_logits(labels, logits)`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let logits = Tensor::from([[0.0f32, 0.0]]);
/// let loss = softmax_cross_entropy_with_logits(&Tensor::from([[1.0f32, 0.0]]), &logits).unwrap();
/// assert!((loss.to_vec::<f32>().unwrap()[0] - 2f32.ln()).abs() < 1e-6);
/// ```
pub fn softmax_cross_entropy_with_logits<H: TensorOps>(labels: &H, logits: &H) -> Result<H> {
    softmax_cross_entropy(false, labels, logits)
}

/// Softmax cross entropy of `logits` against integer class `labels` (the
/// shape of `logits` without its last axis), like
/// `tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let logits = Tensor::from([[0.0f32, 0.0]]);
/// let loss = sparse_softmax_cross_entropy_with_logits(&Tensor::from([1i32]), &logits).unwrap();
/// assert!((loss.to_vec::<f32>().unwrap()[0] - 2f32.ln()).abs() < 1e-6);
/// ```
pub fn sparse_softmax_cross_entropy_with_logits<H: TensorOps>(labels: &H, logits: &H) -> Result<H> {
    softmax_cross_entropy(true, labels, logits)
}

/// Checks `labels` and `logits` have compatible shapes, in TF's words.
fn same_shape<H: TensorOps>(op: &str, labels: &H, logits: &H) -> Result<()> {
    let (a, b) = (logits.static_shape(), labels.static_shape());
    if !a.is_compatible_with(&b) {
        fail!(
            op,
            "logits and labels must have the same shape ({a} vs {b})"
        );
    }
    Ok(())
}

/// `log(1 + exp(-|x|))`, the stable tail shared by the sigmoid losses.
fn log1p_exp_neg_abs<H: TensorOps>(x: &H) -> Result<H> {
    x.abs()?.neg()?.exp()?.log1p()
}

/// Sigmoid cross entropy, like `tf.nn.sigmoid_cross_entropy_with_logits(labels,
/// logits)`, with TensorFlow's stable formula
/// `max(x, 0) - x * z + log(1 + exp(-|x|))`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let loss = sigmoid_cross_entropy_with_logits(&Tensor::from([1.0f64]), &Tensor::from([0.0f64])).unwrap();
/// assert!((loss.to_vec::<f64>().unwrap()[0] - 2f64.ln()).abs() < 1e-12);
/// ```
pub fn sigmoid_cross_entropy_with_logits<H: TensorOps>(labels: &H, logits: &H) -> Result<H> {
    same_shape("sigmoid_cross_entropy_with_logits", labels, logits)?;
    // Selected, not relu/abs, so the gradient at 0 is TensorFlow's.
    let zeros = logits.zeros_like()?;
    let positive = logits.greater_equal(&zeros)?;
    let relu_logits = positive.where_(logits, &zeros)?;
    let neg_abs_logits = positive.where_(&logits.neg()?, logits)?;
    relu_logits
        .sub(&logits.mul(labels)?)?
        .add(&neg_abs_logits.exp()?.log1p()?)
}

/// Sigmoid cross entropy with positive examples weighted by `pos_weight`,
/// like `tf.nn.weighted_cross_entropy_with_logits(labels, logits,
/// pos_weight)`: `(1 - z) * x + (1 + (q - 1) * z) * (log(1 + exp(-|x|)) +
/// max(-x, 0))`.
pub fn weighted_cross_entropy_with_logits<H: TensorOps>(
    labels: &H,
    logits: &H,
    pos_weight: f64,
) -> Result<H> {
    same_shape("weighted_cross_entropy_with_logits", labels, logits)?;
    let one = labels.scalar_like(1.0)?;
    let log_weight = one.add(&labels.mul(&labels.scalar_like(pos_weight - 1.0)?)?)?;
    let tail = log1p_exp_neg_abs(logits)?.add(&logits.neg()?.relu()?)?;
    one.sub(labels)?.mul(logits)?.add(&log_weight.mul(&tail)?)
}

/// Half the sum of squares, like `tf.nn.l2_loss`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// assert_eq!(l2_loss(&Tensor::from([1.0f32, 2.0])).unwrap().to_scalar::<f32>().unwrap(), 2.5);
/// ```
pub fn l2_loss<H: TensorOps>(x: &H) -> Result<H> {
    x.square()?
        .reduce_sum(None::<&[i64]>, false)?
        .mul(&x.scalar_like(0.5)?)
}

/// How a weighted loss is reduced, like `tf.compat.v1.losses.Reduction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The weighted losses, unreduced.
    None,
    /// Their sum.
    Sum,
    /// Their sum divided by the sum of the (broadcast) weights.
    Mean,
    /// Their sum divided by the number of losses.
    SumOverBatchSize,
    /// Their sum divided by the number of non-zero weights (the default).
    #[default]
    SumByNonzeroWeights,
}

/// `num / den`, 0 where `den` is 0 (TensorFlow's `div_no_nan`).
fn div_no_nan<H: TensorOps>(num: &H, den: &H) -> Result<H> {
    let zero = den.scalar_like(0.0)?;
    let nonzero = den.not_equal(&zero)?;
    let safe = nonzero.where_(den, &den.scalar_like(1.0)?)?;
    nonzero.where_(&num.div(&safe)?, &zero)
}

/// Weights `losses` and reduces them, like
/// `tf.compat.v1.losses.compute_weighted_loss(losses, weights, reduction)`;
/// `weights` (default 1) broadcast to the losses' shape.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let losses = Tensor::from([1.0f32, 2.0, 3.0]);
/// let w = Tensor::from([1.0f32, 0.0, 1.0]);
/// let l = compute_weighted_loss(&losses, Some(&w), Reduction::SumByNonzeroWeights).unwrap();
/// assert_eq!(l.to_scalar::<f32>().unwrap(), 2.0);
/// ```
pub fn compute_weighted_loss<H: TensorOps>(
    losses: &H,
    weights: Option<&H>,
    reduction: Reduction,
) -> Result<H> {
    let ones = losses.ones_like()?;
    let weights = match weights {
        Some(w) => ones.mul(w)?,
        None => ones,
    };
    let weighted = losses.mul(&weights)?;
    let all = None::<&[i64]>;
    let total = weighted.reduce_sum(all, false)?;
    let count = match reduction {
        Reduction::None => return Ok(weighted),
        Reduction::Sum => return Ok(total),
        Reduction::Mean => weights.reduce_sum(all, false)?,
        Reduction::SumOverBatchSize => losses.ones_like()?.reduce_sum(all, false)?,
        Reduction::SumByNonzeroWeights => weights
            .not_equal(&weights.scalar_like(0.0)?)?
            .cast(losses.dtype())?
            .reduce_sum(all, false)?,
    };
    div_no_nan(&total, &count)
}

/// Weighted squared error, like `tf.compat.v1.losses.mean_squared_error(labels,
/// predictions, weights, reduction=reduction)`.
pub fn mean_squared_error<H: TensorOps>(
    labels: &H,
    predictions: &H,
    weights: Option<&H>,
    reduction: Reduction,
) -> Result<H> {
    same_shape("mean_squared_error", labels, predictions)?;
    compute_weighted_loss(&predictions.squared_difference(labels)?, weights, reduction)
}

/// Weighted Huber loss, like `tf.compat.v1.losses.huber_loss(labels,
/// predictions, weights, delta, reduction=reduction)`: quadratic within
/// `delta` of the label, linear beyond.
pub fn huber_loss<H: TensorOps>(
    labels: &H,
    predictions: &H,
    weights: Option<&H>,
    delta: f64,
    reduction: Reduction,
) -> Result<H> {
    same_shape("huber_loss", labels, predictions)?;
    let error = predictions.sub(labels)?.abs()?;
    let delta = error.scalar_like(delta)?;
    let quadratic = error.minimum(&delta)?;
    let linear = error.sub(&quadratic)?;
    let losses = quadratic
        .square()?
        .mul(&error.scalar_like(0.5)?)?
        .add(&linear.mul(&delta)?)?;
    compute_weighted_loss(&losses, weights, reduction)
}

/// Weighted log loss of probabilities, like
/// `tf.compat.v1.losses.log_loss(labels, predictions, weights, epsilon,
/// reduction=reduction)`.
pub fn log_loss<H: TensorOps>(
    labels: &H,
    predictions: &H,
    weights: Option<&H>,
    epsilon: f64,
    reduction: Reduction,
) -> Result<H> {
    same_shape("log_loss", labels, predictions)?;
    let (one, eps) = (labels.scalar_like(1.0)?, labels.scalar_like(epsilon)?);
    let positive = labels.mul(&predictions.add(&eps)?.log()?)?;
    let negative = one
        .sub(labels)?
        .mul(&one.sub(predictions)?.add(&eps)?.log()?)?;
    compute_weighted_loss(&positive.add(&negative)?.neg()?, weights, reduction)
}
