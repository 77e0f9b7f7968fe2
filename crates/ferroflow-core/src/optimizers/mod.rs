//! Optimizers, learning-rate schedules and gradient clipping, like
//! `tf.compat.v1.train` and `tf.keras.optimizers`.
//!
//! Each optimizer writes its update math once, generic over
//! [`TensorOps`]: [`Optimizer::update`] takes a variable's value, its
//! gradient and its slots and returns their new values. Two thin drivers
//! apply it: [`EagerOptimizer`] assigns eager [`crate::Variable`]s at once,
//! and [`GraphOptimizer`] adds slot variables and assign nodes to a graph
//! (`minimize(loss, var_list, global_step)`, as TF1's optimizers).
//!
//! ```
//! use ferroflow_core::optimizers::{GradientDescent, Optimizer};
//! use ferroflow_core::prelude::*;
//! let w = Variable::new(Tensor::from([1.0f32, 2.0]));
//! let mut opt = GradientDescent::new(0.5).eager();
//! opt.apply_gradients(&[(Tensor::from([1.0f32, -2.0]), &w)]).unwrap();
//! assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![0.5, 3.0]);
//! ```

mod adadelta;
mod adagrad;
mod adam;
mod adamw;
mod clip;
mod eager;
mod gradient_descent;
mod graph;
mod momentum;
mod rmsprop;
mod schedules;

pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamw::AdamW;
pub use clip::{clip_by_global_norm, clip_by_norm, global_norm};
pub use eager::EagerOptimizer;
pub use gradient_descent::GradientDescent;
pub use graph::{GraphOptimizer, GLOBAL_STEP};
pub use momentum::Momentum;
pub use rmsprop::RMSProp;
pub use schedules::{cosine_decay, exponential_decay, piecewise_constant, LearningRate};

use crate::{fail, PartialShape, Result, TensorOps, TensorSpec};
use ferroflow_tensor::{DType, Shape, Tensor};

/// The values one update step produces for a variable: its new value and
/// the new value of each slot, in slot order.
pub type Updated<H> = (H, Vec<H>);

/// An optimizer's update rule, shared by eager and graph mode.
///
/// Slots are per-variable state (Adam's `m` and `v`); powers are
/// per-optimizer scalars that start at a factor and are multiplied by it
/// after every step (Adam's `beta1_power`, `beta2_power`, which hold βᵗ).
pub trait Optimizer: Sized {
    /// The name: slot variables are `<var>/<name>`, `<var>/<name>_1`, …
    fn name(&self) -> &'static str;

    /// The learning rate, constant or a schedule of the step.
    fn learning_rate(&self) -> &LearningRate;

    /// The hyper-parameters besides the learning rate, by the names of
    /// their fields (`beta1`, `epsilon`; a flag as 0 or 1), like the
    /// values of `get_config()`.
    fn hyper_parameters(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }

    /// The initial value of each slot, in slot order (empty: no slots).
    fn slot_initial_values(&self) -> Vec<f64> {
        Vec::new()
    }

    /// The slot names, in slot order (`Adam`, `Adam_1`), like
    /// `get_slot_names()`.
    fn slot_names(&self) -> Vec<String> {
        (0..self.slot_initial_values().len())
            .map(|i| match i {
                0 => self.name().to_string(),
                i => format!("{}_{i}", self.name()),
            })
            .collect()
    }

    /// The power variables: names and factors.
    fn powers(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }

    /// The new value of `var` and of its `slots` after one step with
    /// gradient `grad`, learning rate `lr` (a scalar of `var`'s dtype) and
    /// the current `powers` (βᵗ for step t, counting from 1).
    fn update<H: TensorOps>(
        &self,
        var: &H,
        grad: &H,
        slots: &[H],
        lr: &H,
        powers: &[H],
    ) -> Result<Updated<H>>;

    /// The same step as [`Optimizer::update`] on eager tensors as one fused
    /// kernel that updates `var` and its `slots` in place, a single pass over
    /// them and the gradient (TensorFlow's `ResourceApplyAdam`, PyTorch's
    /// fused optimizers), equal to `update`'s result bit for bit. A buffer
    /// shared with another tensor is copied first (copy-on-write), so a tape
    /// or a caller holding the old value keeps it. `false` (nothing written)
    /// where the optimizer has no such kernel for the dtype, and the eager
    /// driver falls back to `update`.
    fn fused_update(
        &self,
        var: &mut Tensor,
        slots: &mut [&mut Tensor],
        grad: &Tensor,
        lr: &Tensor,
        powers: &[Tensor],
    ) -> Result<bool> {
        let _ = (var, slots, grad, lr, powers);
        Ok(false)
    }

    /// This optimizer for eager [`crate::Variable`]s.
    fn eager(self) -> EagerOptimizer<Self> {
        EagerOptimizer::new(self)
    }

    /// This optimizer for graph variables.
    fn graph(self) -> GraphOptimizer<Self> {
        GraphOptimizer::new(self)
    }
}

/// Checks that a gradient fits its variable and that the variable is a
/// floating-point one.
fn check_gradient(grad: &TensorSpec, var_name: &str, dtype: DType, shape: &Shape) -> Result<()> {
    if !dtype.is_float() {
        fail!(
            "apply_gradients",
            "variable '{var_name}' has dtype {dtype}; optimizers update floating-point variables"
        );
    }
    if grad.dtype != dtype || !grad.shape.is_compatible_with(&PartialShape::known(shape)) {
        fail!(
            "apply_gradients",
            "gradient of dtype {} and shape {} does not match variable '{var_name}' of dtype {dtype} and shape {shape}",
            grad.dtype,
            grad.shape.bracketed()
        );
    }
    Ok(())
}
