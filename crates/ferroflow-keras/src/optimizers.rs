//! Optimizers for `compile`, by value or by name: the core's optimizers
//! (`ferroflow_core::optimizers`) with a learning rate that callbacks can
//! change between steps (`LearningRateScheduler`, `ReduceLROnPlateau`).

use ferroflow_core::optimizers::{
    Adagrad, Adam, GradientDescent, LearningRate, Optimizer, RMSProp, Updated,
};
use ferroflow_core::{Error, Result, TensorOps, Variable};
use ferroflow_tensor::Tensor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A shared learning rate, like `model.optimizer.learning_rate`: the
/// optimizer reads it at every step; callbacks hold clones and set it.
#[derive(Debug, Clone)]
pub struct LearningRateCell(Arc<AtomicU64>);

impl LearningRateCell {
    /// A cell holding `lr`.
    pub fn new(lr: f64) -> Self {
        LearningRateCell(Arc::new(AtomicU64::new(lr.to_bits())))
    }
    /// The current rate.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
    /// Sets the rate for the next steps.
    pub fn set(&self, lr: f64) {
        self.0.store(lr.to_bits(), Ordering::Relaxed)
    }
}

/// A core optimizer whose update uses the rate in a [`LearningRateCell`].
struct Adjustable<O> {
    inner: O,
    lr: LearningRateCell,
}

impl<O: Optimizer> Optimizer for Adjustable<O> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn learning_rate(&self) -> &LearningRate {
        self.inner.learning_rate()
    }
    fn slot_initial_values(&self) -> Vec<f64> {
        self.inner.slot_initial_values()
    }
    fn slot_names(&self) -> Vec<String> {
        self.inner.slot_names()
    }
    fn powers(&self) -> Vec<(&'static str, f64)> {
        self.inner.powers()
    }
    fn update<H: TensorOps>(
        &self,
        var: &H,
        grad: &H,
        slots: &[H],
        _lr: &H,
        powers: &[H],
    ) -> Result<Updated<H>> {
        let lr = var.scalar_like(self.lr.get())?;
        self.inner.update(var, grad, slots, &lr, powers)
    }
}

/// One update step over `(gradient, variable)` pairs.
type Step = Box<dyn FnMut(&[(Tensor, &Variable)]) -> Result<()>>;

/// An eager optimizer as `compile` takes it.
///
/// ```
/// use ferroflow_core::optimizers::GradientDescent;
/// use ferroflow_core::prelude::*;
/// use ferroflow_keras::optimizers::KerasOptimizer;
/// let mut opt = KerasOptimizer::new(GradientDescent::new(0.5)).unwrap();
/// let w = Variable::new(Tensor::from([1.0f32]));
/// opt.learning_rate().set(0.25);
/// opt.apply_gradients(&[(Tensor::from([1.0f32]), &w)]).unwrap();
/// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![0.75]);
/// assert_eq!(opt.iterations(), 1);
/// ```
pub struct KerasOptimizer {
    name: &'static str,
    step: Step,
    iterations: Variable,
    lr: LearningRateCell,
}

impl KerasOptimizer {
    /// Wraps `optimizer`, which must have a constant learning rate (the
    /// rate callbacks adjust).
    pub fn new<O: Optimizer + 'static>(optimizer: O) -> Result<Self> {
        let LearningRate::Constant(rate) = optimizer.learning_rate() else {
            return Err(Error::invalid(
                "KerasOptimizer",
                format!(
                    "optimizer '{}' needs a constant learning rate; a schedule belongs in a LearningRateScheduler callback",
                    optimizer.name()
                ),
            ));
        };
        let lr = LearningRateCell::new(*rate);
        let name = optimizer.name();
        let mut eager = Adjustable {
            inner: optimizer,
            lr: lr.clone(),
        }
        .eager();
        let iterations = eager.iterations().clone();
        Ok(KerasOptimizer {
            name,
            step: Box::new(move |pairs| eager.apply_gradients(pairs)),
            iterations,
            lr,
        })
    }

    /// Updates each variable with its gradient, like
    /// `optimizer.apply_gradients(zip(grads, vars))`.
    pub fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, &Variable)]) -> Result<()> {
        (self.step)(grads_and_vars)
    }

    /// The number of steps taken.
    pub fn iterations(&self) -> i64 {
        self.iterations.value().to_scalar::<i64>().unwrap_or(0)
    }

    /// The step counter, `optimizer.iterations` (a shared handle).
    pub fn iterations_variable(&self) -> &Variable {
        &self.iterations
    }

    /// The wrapped optimizer's name (`"Adam"`, `"GradientDescent"`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The learning rate, shared with callbacks.
    pub fn learning_rate(&self) -> &LearningRateCell {
        &self.lr
    }
}

/// The optimizer called `name` with Keras's defaults, as
/// `tf.keras.optimizers.get(name)`: `"adam"` (lr 0.001, ε 1e-7), `"sgd"`
/// (0.01), `"rmsprop"` (0.001), `"adagrad"` (0.001).
///
/// ```
/// let opt = ferroflow_keras::optimizers::get("adam").unwrap();
/// assert_eq!(opt.learning_rate().get(), 0.001);
/// assert!(ferroflow_keras::optimizers::get("adamm").is_err());
/// ```
pub fn get(name: &str) -> Result<KerasOptimizer> {
    match name.to_lowercase().as_str() {
        "adam" => KerasOptimizer::new(Adam::new(0.001).with_betas(0.9, 0.999, 1e-7)),
        "sgd" => KerasOptimizer::new(GradientDescent::new(0.01)),
        "rmsprop" => KerasOptimizer::new(RMSProp::new(0.001)),
        "adagrad" => KerasOptimizer::new(Adagrad::new(0.001)),
        _ => Err(Error::invalid(
            "optimizers.get",
            format!("Could not interpret optimizer identifier: {name}"),
        )),
    }
}
