//! Optimizers for `compile`, by value or by name: the core's optimizers
//! (`ferroflow_core::optimizers`) behind one object-safe trait.

use ferroflow_core::optimizers::{
    Adagrad, Adam, EagerOptimizer, GradientDescent, Optimizer, RMSProp,
};
use ferroflow_core::{Error, Result, Variable};
use ferroflow_tensor::Tensor;

/// What `fit` needs of an optimizer: one update step.
pub trait KerasOptimizer {
    /// Updates each variable with its gradient, like
    /// `optimizer.apply_gradients(zip(grads, vars))`.
    fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, &Variable)]) -> Result<()>;
    /// The number of steps taken.
    fn iterations(&self) -> i64;
}

impl<O: Optimizer> KerasOptimizer for EagerOptimizer<O> {
    fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, &Variable)]) -> Result<()> {
        EagerOptimizer::apply_gradients(self, grads_and_vars)
    }
    fn iterations(&self) -> i64 {
        EagerOptimizer::iterations(self)
            .value()
            .to_scalar::<i64>()
            .unwrap_or(0)
    }
}

/// The optimizer called `name` with Keras's defaults, as
/// `tf.keras.optimizers.get(name)`: `"adam"` (lr 0.001, ε 1e-7), `"sgd"`
/// (0.01), `"rmsprop"` (0.001), `"adagrad"` (0.001).
///
/// ```
/// let opt = ferroflow_keras::optimizers::get("adam").unwrap();
/// assert_eq!(opt.iterations(), 0);
/// assert!(ferroflow_keras::optimizers::get("adamm").is_err());
/// ```
pub fn get(name: &str) -> Result<Box<dyn KerasOptimizer>> {
    Ok(match name.to_lowercase().as_str() {
        "adam" => Box::new(Adam::new(0.001).with_betas(0.9, 0.999, 1e-7).eager()),
        "sgd" => Box::new(GradientDescent::new(0.01).eager()),
        "rmsprop" => Box::new(RMSProp::new(0.001).eager()),
        "adagrad" => Box::new(Adagrad::new(0.001).eager()),
        _ => {
            return Err(Error::invalid(
                "optimizers.get",
                format!("Could not interpret optimizer identifier: {name}"),
            ))
        }
    })
}
