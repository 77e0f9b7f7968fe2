//! Loss objects, like `tf.keras.losses`: each computes a per-example loss
//! and reduces it (by default, the mean over the batch).

use ferroflow_core::prelude::*;
use ferroflow_core::{Error, Result};
use serde_json::{json, Value};

/// How a loss object reduces per-example losses, like
/// `tf.keras.losses.Reduction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LossReduction {
    /// The mean over the batch (Keras's default).
    #[default]
    SumOverBatchSize,
    /// The sum.
    Sum,
    /// The per-example losses, unreduced.
    None,
}

impl LossReduction {
    /// Keras's name: `sum_over_batch_size`, `sum`, `none`.
    pub fn name(self) -> &'static str {
        match self {
            LossReduction::SumOverBatchSize => "sum_over_batch_size",
            LossReduction::Sum => "sum",
            LossReduction::None => "none",
        }
    }

    /// The reduction Keras calls `name` (tf-keras's `auto` is the mean).
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "sum_over_batch_size" | "auto" => LossReduction::SumOverBatchSize,
            "sum" => LossReduction::Sum,
            "none" => LossReduction::None,
            other => {
                return Err(Error::invalid(
                    "losses.deserialize",
                    format!("Invalid Reduction Key: {other}"),
                ))
            }
        })
    }
}

/// The Keras epsilon probabilities are clipped to.
pub const EPSILON: f64 = 1e-7;

/// A Keras loss: `loss(y_true, y_pred)`.
///
/// ```
/// use ferroflow_keras::losses::{Loss, MeanSquaredError};
/// use ferroflow_core::prelude::*;
/// let y_true = Tensor::from_vec(vec![0.0f32, 1.0, 0.0, 0.0], [2, 2]).unwrap();
/// let y_pred = Tensor::from_vec(vec![1.0f32, 1.0, 1.0, 0.0], [2, 2]).unwrap();
/// let l = MeanSquaredError::default().call(&y_true, &y_pred).unwrap();
/// assert_eq!(l.to_scalar::<f32>().unwrap(), 0.5);
/// ```
pub trait Loss {
    /// The name Keras logs it under (`sparse_categorical_crossentropy`).
    fn name(&self) -> &'static str;
    /// The Keras class (`SparseCategoricalCrossentropy`).
    fn class_name(&self) -> &'static str;
    /// The constructor arguments, like `loss.get_config()`: `name`,
    /// `reduction`, `from_logits` (for the cross-entropies, which take
    /// it) and the loss's own (Huber's `delta`).
    fn get_config(&self) -> Value;
    /// The reduction.
    fn reduction(&self) -> LossReduction;
    /// One loss per example (the last axis reduced where it is a class axis).
    fn per_example(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor>;

    /// The reduced loss.
    fn call(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let losses = self.per_example(y_true, y_pred)?;
        match self.reduction() {
            LossReduction::None => Ok(losses),
            LossReduction::Sum => losses.reduce_sum(None::<&[i64]>, false),
            LossReduction::SumOverBatchSize => losses.reduce_mean(None::<&[i64]>, false),
        }
    }
}

/// `y_true` cast to `y_pred`'s dtype, checked to have its shape.
fn same_shape(op: &str, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    if y_true.dims() != y_pred.dims() {
        return Err(Error::invalid(
            op,
            format!(
                "y_true and y_pred must have the same shape, got {} and {}",
                y_true.shape().to_tuple_string(),
                y_pred.shape().to_tuple_string()
            ),
        ));
    }
    y_true.cast(y_pred.dtype())
}

/// The mean over the last axis.
fn mean_last(x: &Tensor) -> Result<Tensor> {
    x.reduce_mean([-1], false)
}

/// `p` clipped to [ε, 1 − ε], then its log.
fn clipped_log(p: &Tensor) -> Result<Tensor> {
    p.clip_by_value(&p.scalar_like(EPSILON)?, &p.scalar_like(1.0 - EPSILON)?)?
        .log()
}

/// Declares a loss struct with `from_logits`/`reduction` builders.
macro_rules! loss_struct {
    ($(#[$doc:meta])* $Name:ident, $name:literal $(, $field:ident: $ty:ty = $default:expr)*) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $Name {
            /// Whether `y_pred` holds logits rather than probabilities.
            pub from_logits: bool,
            /// How the per-example losses are reduced.
            pub reduction: LossReduction,
            $(pub $field: $ty,)*
        }
        impl Default for $Name {
            fn default() -> Self {
                $Name { from_logits: false, reduction: LossReduction::default() $(, $field: $default)* }
            }
        }
        impl $Name {
            /// The loss on logits (`from_logits=True`) or probabilities.
            pub fn from_logits(from_logits: bool) -> Self {
                $Name { from_logits, ..Self::default() }
            }
            /// The same loss with `reduction`.
            pub fn with_reduction(mut self, reduction: LossReduction) -> Self {
                self.reduction = reduction;
                self
            }
        }
        impl $Name {
            const NAME: &'static str = $name;

            /// The loss a config from [`Loss::get_config`] (or tf-keras)
            /// describes; keys left out take their defaults.
            pub fn from_config(config: &Value) -> Result<Self> {
                let bad = |key: &str| Error::invalid(
                    "losses.deserialize",
                    format!("{}: bad config value {key}={}", stringify!($Name), config[key]),
                );
                let mut loss = Self::default();
                if let Some(v) = config.get("from_logits") {
                    loss.from_logits = v.as_bool().ok_or_else(|| bad("from_logits"))?;
                }
                if let Some(v) = config.get("reduction") {
                    loss.reduction = LossReduction::from_name(v.as_str().ok_or_else(|| bad("reduction"))?)?;
                }
                $(
                    if let Some(v) = config.get(stringify!($field)) {
                        loss.$field = serde_json::from_value(v.clone()).map_err(|_| bad(stringify!($field)))?;
                    }
                )*
                Ok(loss)
            }

            /// The loss's own config entries besides `name`, `reduction`
            /// and `from_logits`.
            fn own_config(&self) -> Vec<(&'static str, Value)> {
                vec![$((stringify!($field), json!(self.$field))),*]
            }
        }
    };
}

/// Implements `Loss` for a struct made by `loss_struct!`.
macro_rules! impl_loss {
    ($Name:ident, |$s:ident, $t:ident, $p:ident| $body:expr) => {
        impl Loss for $Name {
            fn name(&self) -> &'static str {
                Self::NAME
            }
            fn class_name(&self) -> &'static str {
                stringify!($Name)
            }
            fn get_config(&self) -> Value {
                let mut config = json!({
                    "name": self.name(),
                    "reduction": self.reduction.name(),
                });
                // Keras's cross-entropies take `from_logits`; the others
                // take no such argument.
                if self.from_logits || Self::NAME.ends_with("crossentropy") {
                    config["from_logits"] = json!(self.from_logits);
                }
                for (key, value) in self.own_config() {
                    config[key] = value;
                }
                config
            }
            fn reduction(&self) -> LossReduction {
                self.reduction
            }
            fn per_example(&self, $t: &Tensor, $p: &Tensor) -> Result<Tensor> {
                let $s = self;
                $body
            }
        }
    };
}

loss_struct!(
    /// `mean((y_true - y_pred)²)` over the last axis.
    MeanSquaredError, "mean_squared_error"
);
impl_loss!(MeanSquaredError, |_s, t, p| {
    mean_last(&p.squared_difference(&same_shape(MeanSquaredError::NAME, t, p)?)?)
});

loss_struct!(
    /// `mean(|y_true - y_pred|)` over the last axis.
    MeanAbsoluteError, "mean_absolute_error"
);
impl_loss!(MeanAbsoluteError, |_s, t, p| {
    mean_last(&p.sub(&same_shape(MeanAbsoluteError::NAME, t, p)?)?.abs()?)
});

loss_struct!(
    /// Quadratic within `delta` of the target, linear beyond, averaged over
    /// the last axis.
    Huber, "huber_loss", delta: f64 = 1.0
);
impl_loss!(Huber, |s, t, p| {
    let t = same_shape(Huber::NAME, t, p)?;
    mean_last(&huber_loss(&t, p, None, s.delta, Reduction::None)?)
});

loss_struct!(
    /// Binary cross-entropy, averaged over the last axis.
    BinaryCrossentropy, "binary_crossentropy"
);
impl_loss!(BinaryCrossentropy, |s, t, p| {
    let t = same_shape(BinaryCrossentropy::NAME, t, p)?;
    if s.from_logits {
        return mean_last(&sigmoid_cross_entropy_with_logits(&t, p)?);
    }
    let one = p.scalar_like(1.0)?;
    let pos = t.mul(&clipped_log(p)?)?;
    let neg = one.sub(&t)?.mul(&clipped_log(&one.sub(p)?)?)?;
    mean_last(&pos.add(&neg)?.neg()?)
});

loss_struct!(
    /// Cross-entropy of one-hot (or soft) labels over the last axis.
    CategoricalCrossentropy, "categorical_crossentropy"
);
impl_loss!(CategoricalCrossentropy, |s, t, p| {
    let t = same_shape(CategoricalCrossentropy::NAME, t, p)?;
    if s.from_logits {
        return softmax_cross_entropy_with_logits(&t, p);
    }
    // Keras renormalizes probabilities before taking the log.
    let p = p.div(&p.reduce_sum([-1], true)?)?;
    t.mul(&clipped_log(&p)?)?.reduce_sum([-1], false)?.neg()
});

loss_struct!(
    /// Cross-entropy of integer class labels (`[batch]` or `[batch, 1]`).
    SparseCategoricalCrossentropy, "sparse_categorical_crossentropy"
);
impl_loss!(SparseCategoricalCrossentropy, |s, t, p| {
    let op = SparseCategoricalCrossentropy::NAME;
    if p.rank() < 1 || t.num_elements() * p.dims()[p.rank() - 1] != p.num_elements() {
        return Err(Error::invalid(
            op,
            format!(
                "labels of shape {} do not match predictions of shape {}",
                t.shape().to_tuple_string(),
                p.shape().to_tuple_string()
            ),
        ));
    }
    let classes = p.dims()[p.rank() - 1] as i64;
    let logits = p.reshape(&[-1, classes])?;
    let labels = t.reshape(&[-1])?.cast(DType::I64)?;
    let logits = if s.from_logits {
        logits
    } else {
        clipped_log(&logits)?
    };
    let batch: Vec<i64> = p.dims()[..p.rank() - 1].iter().map(|&d| d as i64).collect();
    sparse_softmax_cross_entropy_with_logits(&labels, &logits)?.reshape(&batch)
});

loss_struct!(
    /// `sum(y_true * log(y_true / y_pred))` over the last axis, both clipped
    /// to [ε, 1].
    KLDivergence, "kl_divergence"
);
impl_loss!(KLDivergence, |_s, t, p| {
    let t = same_shape(KLDivergence::NAME, t, p)?;
    let (eps, one) = (p.scalar_like(EPSILON)?, p.scalar_like(1.0)?);
    let t = t.clip_by_value(&eps, &one)?;
    let p = p.clip_by_value(&eps, &one)?;
    t.mul(&t.div(&p)?.log()?)?.reduce_sum([-1], false)
});

/// The loss called `name` (`"mse"`, `"sparse_categorical_crossentropy"`, …),
/// on probabilities, as `tf.keras.losses.get(name)`.
///
/// ```
/// let loss = ferroflow_keras::losses::get("mse").unwrap();
/// assert_eq!(loss.name(), "mean_squared_error");
/// ```
pub fn get(name: &str) -> Result<Box<dyn Loss>> {
    Ok(match name {
        "mse" | "mean_squared_error" => Box::<MeanSquaredError>::default(),
        "mae" | "mean_absolute_error" => Box::<MeanAbsoluteError>::default(),
        "huber" | "huber_loss" => Box::<Huber>::default(),
        "binary_crossentropy" => Box::<BinaryCrossentropy>::default(),
        "categorical_crossentropy" => Box::<CategoricalCrossentropy>::default(),
        "sparse_categorical_crossentropy" => Box::<SparseCategoricalCrossentropy>::default(),
        "kld" | "kl_divergence" => Box::<KLDivergence>::default(),
        other => {
            return Err(Error::invalid(
                "losses.get",
                format!("Could not interpret loss identifier: {other}"),
            ))
        }
    })
}

/// A loss as Keras serializes it, like `tf.keras.losses.serialize`:
/// `{"module": "keras.losses", "class_name": "Huber", "config": {...}}`.
///
/// ```
/// use ferroflow_keras::losses::{deserialize, serialize, Huber, Loss};
/// let loss = Huber { delta: 2.5, ..Huber::default() };
/// let config = serialize(&loss);
/// assert_eq!(config["config"]["delta"], 2.5);
/// assert_eq!(deserialize(&config).unwrap().get_config(), loss.get_config());
/// ```
pub fn serialize(loss: &dyn Loss) -> Value {
    json!({
        "module": "keras.losses",
        "class_name": loss.class_name(),
        "config": loss.get_config(),
        "registered_name": null,
    })
}

/// The loss a [`serialize`]d config describes (or a name such as
/// `"mse"`, as tf-keras's `compile_config` may hold), like
/// `tf.keras.losses.deserialize`.
pub fn deserialize(value: &Value) -> Result<Box<dyn Loss>> {
    if let Some(name) = value.as_str() {
        return get(name);
    }
    let config = &value["config"];
    macro_rules! by_class {
        ($($T:ident),*) => {
            match value["class_name"].as_str() {
                $(Some(stringify!($T)) => Ok(Box::new($T::from_config(config)?)),)*
                _ => Err(Error::invalid(
                    "losses.deserialize",
                    format!("Could not interpret loss: {value}"),
                )),
            }
        };
    }
    by_class!(
        MeanSquaredError,
        MeanAbsoluteError,
        Huber,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        KLDivergence
    )
}
