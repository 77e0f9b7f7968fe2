//! Metrics with `update_state`, `result` and `reset_state`, like
//! `tf.keras.metrics`. State is kept on the host in f64.

use ferroflow_core::{Error, Result};
use ferroflow_tensor::Tensor;

/// The weighted mean of every value seen, like `tf.keras.metrics.Mean()`.
///
/// ```
/// use ferroflow_keras::metrics::Mean;
/// use ferroflow_core::prelude::*;
/// let mut m = Mean::new("mean");
/// m.update_state(&Tensor::from([1.0f32, 2.0, 3.0, 4.0, 5.0])).unwrap();
/// assert_eq!(m.result(), 3.0);
/// m.reset_state();
/// assert_eq!(m.result(), 0.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mean {
    name: String,
    total: f64,
    count: f64,
}

impl Mean {
    /// An empty mean called `name`.
    pub fn new(name: &str) -> Self {
        Mean {
            name: name.into(),
            total: 0.0,
            count: 0.0,
        }
    }
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Adds every element of `values`.
    pub fn update_state(&mut self, values: &Tensor) -> Result<()> {
        let v = values.to_f64_vec()?;
        self.add(v.iter().sum(), v.len() as f64);
        Ok(())
    }
    /// Adds `total` over `count` values.
    pub fn add(&mut self, total: f64, count: f64) {
        self.total += total;
        self.count += count;
    }
    /// The mean so far (0 before any value).
    pub fn result(&self) -> f64 {
        if self.count == 0.0 {
            0.0
        } else {
            self.total / self.count
        }
    }
    /// Forgets every value.
    pub fn reset_state(&mut self) {
        self.total = 0.0;
        self.count = 0.0;
    }
}

/// The sum of every value seen, like `tf.keras.metrics.Sum()`.
///
/// ```
/// use ferroflow_keras::metrics::Sum;
/// use ferroflow_core::prelude::*;
/// let mut s = Sum::default();
/// s.update_state(&Tensor::from([1.0f32, 2.0])).unwrap();
/// assert_eq!(s.result(), 3.0);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sum {
    total: f64,
}

impl Sum {
    /// Adds every element of `values`.
    pub fn update_state(&mut self, values: &Tensor) -> Result<()> {
        self.total += values.to_f64_vec()?.iter().sum::<f64>();
        Ok(())
    }
    /// The sum so far.
    pub fn result(&self) -> f64 {
        self.total
    }
    /// Back to 0.
    pub fn reset_state(&mut self) {
        self.total = 0.0;
    }
}

/// A metric of labels and predictions, as `compile(metrics=…)` takes.
pub trait Metric {
    /// The name `fit` logs it under (`accuracy`).
    fn name(&self) -> &str;
    /// Accumulates a batch.
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()>;
    /// The value so far.
    fn result(&self) -> f64;
    /// Forgets every batch.
    fn reset_state(&mut self);
}

/// Host copies of labels and predictions, and the class count (the last
/// axis of `y_pred`).
fn host(op: &str, y_true: &Tensor, y_pred: &Tensor) -> Result<(Vec<f64>, Vec<f64>, usize)> {
    let classes = y_pred.dims().last().copied().unwrap_or(1).max(1);
    let fail = |e: ferroflow_tensor::TensorError| Error::invalid(op, e.to_string());
    Ok((
        y_true.to_f64_vec().map_err(fail)?,
        y_pred.to_f64_vec().map_err(fail)?,
        classes,
    ))
}

/// Checks that labels and predictions have as many elements.
fn same_len(op: &str, t: &[f64], p: &[f64]) -> Result<()> {
    if t.len() != p.len() {
        return Err(Error::invalid(
            op,
            format!("y_true has {} elements but y_pred has {}", t.len(), p.len()),
        ));
    }
    Ok(())
}

/// The index of the largest value (the first on ties, as `argmax`).
fn argmax(row: &[f64]) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
        .0
}

/// Declares a metric that averages a per-example score.
macro_rules! mean_metric {
    ($(#[$doc:meta])* $Name:ident, $name:literal $(, $field:ident: $ty:ty = $default:expr)*;
     |$s:ident, $t:ident, $p:ident, $classes:ident| $score:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $Name {
            mean: Mean,
            $(pub $field: $ty,)*
        }
        impl Default for $Name {
            fn default() -> Self {
                $Name { mean: Mean::new($name) $(, $field: $default)* }
            }
        }
        impl Metric for $Name {
            fn name(&self) -> &str {
                self.mean.name()
            }
            fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
                let ($t, $p, $classes) = host($name, y_true, y_pred)?;
                let $s = &*self;
                let scores: Vec<f64> = $score?;
                self.mean.add(scores.iter().sum(), scores.len() as f64);
                Ok(())
            }
            fn result(&self) -> f64 {
                self.mean.result()
            }
            fn reset_state(&mut self) {
                self.mean.reset_state()
            }
        }
    };
}

mean_metric!(
    /// How often predictions equal labels exactly, like `Accuracy()`.
    ///
    /// ```
    /// use ferroflow_keras::metrics::{Accuracy, Metric};
    /// use ferroflow_core::prelude::*;
    /// let mut m = Accuracy::default();
    /// m.update_state(&Tensor::from([1.0f32, 2.0, 3.0, 4.0]), &Tensor::from([0.0f32, 2.0, 3.0, 4.0])).unwrap();
    /// assert_eq!(m.result(), 0.75);
    /// ```
    Accuracy, "accuracy";
    |_s, t, p, _c| same_len("accuracy", &t, &p).map(|_| t.iter().zip(&p).map(|(a, b)| f64::from(u8::from(a == b))).collect())
);

mean_metric!(
    /// How often `y_pred > threshold` matches a 0/1 label, like `BinaryAccuracy()`.
    BinaryAccuracy, "binary_accuracy", threshold: f64 = 0.5;
    |s, t, p, _c| same_len("binary_accuracy", &t, &p).map(|_| {
        t.iter().zip(&p).map(|(a, b)| f64::from(u8::from((*b > s.threshold) == (*a > 0.5)))).collect()
    })
);

mean_metric!(
    /// How often the arg-max of predictions matches that of one-hot labels,
    /// like `CategoricalAccuracy()`.
    CategoricalAccuracy, "categorical_accuracy";
    |_s, t, p, c| same_len("categorical_accuracy", &t, &p).map(|_| {
        t.chunks(c).zip(p.chunks(c)).map(|(a, b)| f64::from(u8::from(argmax(a) == argmax(b)))).collect()
    })
);

mean_metric!(
    /// How often the arg-max of predictions equals an integer label, like
    /// `SparseCategoricalAccuracy()`.
    ///
    /// ```
    /// use ferroflow_keras::metrics::{Metric, SparseCategoricalAccuracy};
    /// use ferroflow_core::prelude::*;
    /// let mut m = SparseCategoricalAccuracy::default();
    /// let p = Tensor::from_vec(vec![0.1f32, 0.6, 0.3, 0.05, 0.95, 0.0], [2, 3]).unwrap();
    /// m.update_state(&Tensor::from([2i64, 1]), &p).unwrap();
    /// assert_eq!(m.result(), 0.5);
    /// ```
    SparseCategoricalAccuracy, "sparse_categorical_accuracy";
    |_s, t, p, c| if t.len() * c == p.len() {
        Ok(t.iter().zip(p.chunks(c)).map(|(a, b)| f64::from(u8::from(argmax(b) as f64 == *a))).collect())
    } else {
        Err(Error::invalid("sparse_categorical_accuracy", format!("{} labels for {} predictions of {c} classes", t.len(), p.len() / c)))
    }
);

mean_metric!(
    /// How often a one-hot label's class is among the `k` largest
    /// predictions, like `TopKCategoricalAccuracy(k=5)`.
    TopKCategoricalAccuracy, "top_k_categorical_accuracy", k: usize = 5;
    |s, t, p, c| same_len("top_k_categorical_accuracy", &t, &p).map(|_| {
        t.chunks(c).zip(p.chunks(c)).map(|(a, b)| {
            let target = b[argmax(a)];
            let above = b.iter().filter(|&&v| v > target).count();
            f64::from(u8::from(above < s.k))
        }).collect()
    })
);

mean_metric!(
    /// The mean of squared errors, like `tf.keras.metrics.MeanSquaredError()`.
    MeanSquaredError, "mean_squared_error";
    |_s, t, p, _c| same_len("mean_squared_error", &t, &p).map(|_| t.iter().zip(&p).map(|(a, b)| (a - b) * (a - b)).collect())
);

/// True/false positive counts at `threshold`, for Precision and Recall.
#[derive(Debug, Clone, Default, PartialEq)]
struct Confusion {
    tp: f64,
    fp: f64,
    fn_: f64,
}

impl Confusion {
    fn update(&mut self, op: &str, y_true: &Tensor, y_pred: &Tensor, threshold: f64) -> Result<()> {
        let (t, p, _) = host(op, y_true, y_pred)?;
        same_len(op, &t, &p)?;
        for (a, b) in t.iter().zip(&p) {
            match (*a > 0.5, *b > threshold) {
                (true, true) => self.tp += 1.0,
                (false, true) => self.fp += 1.0,
                (true, false) => self.fn_ += 1.0,
                (false, false) => {}
            }
        }
        Ok(())
    }
}

/// `tp / (tp + fp)` at `threshold` (0.5), like `tf.keras.metrics.Precision()`.
///
/// ```
/// use ferroflow_keras::metrics::{Metric, Precision};
/// use ferroflow_core::prelude::*;
/// let mut m = Precision::default();
/// m.update_state(&Tensor::from([0.0f32, 1.0, 1.0, 1.0]), &Tensor::from([1.0f32, 0.0, 1.0, 1.0])).unwrap();
/// assert!((m.result() - 2.0 / 3.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Precision {
    pub threshold: f64,
    counts: Confusion,
}

/// `tp / (tp + fn)` at `threshold` (0.5), like `tf.keras.metrics.Recall()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Recall {
    pub threshold: f64,
    counts: Confusion,
}

/// `num / den`, 0 where `den` is 0.
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

macro_rules! confusion_metric {
    ($Name:ident, $name:literal, |$c:ident| $result:expr) => {
        impl Default for $Name {
            fn default() -> Self {
                $Name {
                    threshold: 0.5,
                    counts: Confusion::default(),
                }
            }
        }
        impl Metric for $Name {
            fn name(&self) -> &str {
                $name
            }
            fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
                self.counts.update($name, y_true, y_pred, self.threshold)
            }
            fn result(&self) -> f64 {
                let $c = &self.counts;
                $result
            }
            fn reset_state(&mut self) {
                self.counts = Confusion::default();
            }
        }
    };
}
confusion_metric!(Precision, "precision", |c| ratio(c.tp, c.tp + c.fp));
confusion_metric!(Recall, "recall", |c| ratio(c.tp, c.tp + c.fn_));

/// The area under the ROC curve from confusion counts at
/// `num_thresholds` (200) evenly spaced thresholds, trapezoid rule, like
/// `tf.keras.metrics.AUC()`.
///
/// ```
/// use ferroflow_keras::metrics::{Metric, AUC};
/// use ferroflow_core::prelude::*;
/// let mut m = AUC::new(3);
/// m.update_state(&Tensor::from([0.0f32, 0.0, 1.0, 1.0]), &Tensor::from([0.0f32, 0.5, 0.3, 0.9])).unwrap();
/// assert!((m.result() - 0.75).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AUC {
    thresholds: Vec<f64>,
    /// Per threshold: tp, fp, tn, fn.
    counts: Vec<[f64; 4]>,
}

impl AUC {
    /// An AUC over `num_thresholds` (≥ 2) thresholds from 0 to 1, the
    /// ends nudged by 1e-7 as Keras does.
    pub fn new(num_thresholds: usize) -> Self {
        let n = num_thresholds.max(2);
        let thresholds = (0..n)
            .map(|i| match i {
                0 => -1e-7,
                i if i == n - 1 => 1.0 + 1e-7,
                i => i as f64 / (n - 1) as f64,
            })
            .collect();
        AUC {
            thresholds,
            counts: vec![[0.0; 4]; n],
        }
    }
}

impl Default for AUC {
    fn default() -> Self {
        AUC::new(200)
    }
}

impl Metric for AUC {
    fn name(&self) -> &str {
        "auc"
    }
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        let (t, p, _) = host("auc", y_true, y_pred)?;
        same_len("auc", &t, &p)?;
        for (th, c) in self.thresholds.iter().zip(&mut self.counts) {
            for (a, b) in t.iter().zip(&p) {
                let slot = match (*a > 0.5, *b > *th) {
                    (true, true) => 0,
                    (false, true) => 1,
                    (false, false) => 2,
                    (true, false) => 3,
                };
                c[slot] += 1.0;
            }
        }
        Ok(())
    }
    fn result(&self) -> f64 {
        let rates: Vec<(f64, f64)> = self
            .counts
            .iter()
            .map(|[tp, fp, tn, fn_]| (ratio(*fp, fp + tn), ratio(*tp, tp + fn_)))
            .collect();
        rates
            .windows(2)
            .map(|w| (w[0].0 - w[1].0) * (w[0].1 + w[1].1) / 2.0)
            .sum()
    }
    fn reset_state(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = [0.0; 4]);
    }
}

/// The metric called `name`, as `compile(metrics=[name])` resolves it;
/// `"accuracy"`/`"acc"` picks the accuracy that fits `loss` (the loss's name).
///
/// ```
/// let m = ferroflow_keras::metrics::get("accuracy", "sparse_categorical_crossentropy").unwrap();
/// assert_eq!(m.name(), "accuracy");
/// ```
pub fn get(name: &str, loss: &str) -> Result<Box<dyn Metric>> {
    let renamed = |mut m: Mean| {
        m.name = name.to_string();
        m
    };
    Ok(match name {
        "accuracy" | "acc" => match loss {
            "sparse_categorical_crossentropy" => Box::new(SparseCategoricalAccuracy {
                mean: renamed(Mean::new(name)),
            }),
            "categorical_crossentropy" => Box::new(CategoricalAccuracy {
                mean: renamed(Mean::new(name)),
            }),
            "binary_crossentropy" => Box::new(BinaryAccuracy {
                mean: renamed(Mean::new(name)),
                threshold: 0.5,
            }),
            _ => Box::new(Accuracy {
                mean: renamed(Mean::new(name)),
            }),
        },
        "sparse_categorical_accuracy" => Box::<SparseCategoricalAccuracy>::default(),
        "categorical_accuracy" => Box::<CategoricalAccuracy>::default(),
        "binary_accuracy" => Box::<BinaryAccuracy>::default(),
        "top_k_categorical_accuracy" => Box::<TopKCategoricalAccuracy>::default(),
        "mse" | "mean_squared_error" => Box::<MeanSquaredError>::default(),
        "precision" => Box::<Precision>::default(),
        "recall" => Box::<Recall>::default(),
        "auc" => Box::<AUC>::default(),
        other => {
            return Err(Error::invalid(
                "metrics.get",
                format!("Could not interpret metric identifier: {other}"),
            ))
        }
    })
}
