//! The eager driver: applies an [`Optimizer`]'s update to [`Variable`]s
//! at once.

use super::{check_gradient, Optimizer};
use crate::initializers::filled;
use crate::ops::{ArrayOps, MathOps};
use crate::{fail, Result, TensorOps, Variable, Watchable};
use ferroflow_tensor::{Tensor, TensorId};
use std::collections::HashMap;

/// An optimizer for eager variables, like a Keras optimizer: it keeps the
/// slots of each variable (`<var name>/<slot>`, non-trainable), the powers,
/// and `iterations`, the number of steps taken (the step learning-rate
/// schedules see).
///
/// ```
/// use ferroflow_core::optimizers::{Adam, Optimizer};
/// use ferroflow_core::prelude::*;
/// let w = Variable::with_options(Tensor::from([1.0f32]), "W", true);
/// let mut opt = Adam::new(0.1).eager();
/// opt.apply_gradients(&[(Tensor::from([1.0f32]), &w)]).unwrap();
/// assert_eq!(opt.get_slot(&w, "Adam_1").unwrap().name(), "W/Adam_1");
/// assert_eq!(opt.iterations().value().to_scalar::<i64>().unwrap(), 1);
/// ```
pub struct EagerOptimizer<O> {
    optimizer: O,
    slots: HashMap<TensorId, Vec<Variable>>,
    powers: Vec<Variable>,
    iterations: Variable,
}

impl<O: Optimizer> EagerOptimizer<O> {
    /// Drives `optimizer` eagerly; slots are made on first use.
    pub fn new(optimizer: O) -> Self {
        EagerOptimizer {
            optimizer,
            slots: HashMap::new(),
            powers: Vec::new(),
            iterations: Variable::with_options(Tensor::scalar(0i64), "iterations", false),
        }
    }

    /// The update rule.
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }

    /// The number of steps taken, an int64 scalar variable.
    pub fn iterations(&self) -> &Variable {
        &self.iterations
    }

    /// Slot `name` (`Adam`, `Adam_1`, …) of `var`, once it has one.
    pub fn get_slot(&self, var: &Variable, name: &str) -> Option<&Variable> {
        let slots = self.slots.get(&var.watch_id())?;
        let index = self.optimizer.slot_names().iter().position(|n| n == name)?;
        Some(&slots[index])
    }

    /// One step: updates each variable with its gradient, then the powers
    /// and `iterations`, like `optimizer.apply_gradients(zip(grads, vars))`.
    /// Learning rates and powers are computed and gradients checked before
    /// anything is written, so nothing is assigned unless every update
    /// succeeds. Fused steps ([`Optimizer::fused_update`]) write into the
    /// variables' and slots' buffers; a value read before keeps its numbers.
    pub fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, &Variable)]) -> Result<()> {
        let Some((_, first)) = grads_and_vars.first() else {
            fail!("apply_gradients", "No gradients provided for any variable.");
        };
        for (grad, var) in grads_and_vars {
            check_gradient(&grad.spec(), var.name(), var.dtype(), &var.shape())?;
        }
        if self.powers.is_empty() {
            self.powers = self
                .optimizer
                .powers()
                .into_iter()
                .map(|(name, factor)| {
                    Ok(Variable::with_options(
                        filled(&[], first.dtype(), factor)?,
                        name,
                        false,
                    ))
                })
                .collect::<Result<_>>()?;
        }
        let step = self.iterations.read_value();
        let powers: Vec<Tensor> = self.powers.iter().map(Variable::read_value).collect();
        let mut steps = Vec::with_capacity(grads_and_vars.len());
        for (grad, var) in grads_and_vars {
            let slots = self.slots_of(var)?;
            let lr = self
                .optimizer
                .learning_rate()
                .for_variable(Some(&step), &var.read_value())?;
            let powers = powers
                .iter()
                .map(|p| p.cast(var.dtype()))
                .collect::<Result<Vec<_>>>()?;
            steps.push((grad, *var, slots, lr, powers));
        }
        let mut assignments = Vec::new();
        for (grad, var, slots, lr, powers) in steps {
            if self.fused_update(var, &slots, grad, &lr, &powers)? {
                continue;
            }
            let value = var.read_value();
            let slot_values: Vec<Tensor> = slots.iter().map(Variable::read_value).collect();
            let (new_value, new_slots) =
                self.optimizer
                    .update(&value, grad, &slot_values, &lr, &powers)?;
            assignments.push((var.clone(), new_value));
            assignments.extend(slots.into_iter().zip(new_slots));
        }
        for (power, (_, factor)) in self.powers.iter().zip(self.optimizer.powers()) {
            let value = power.read_value();
            assignments.push((power.clone(), value.mul(&value.scalar_like(factor)?)?));
        }
        for (var, value) in &assignments {
            var.assign(value)?;
        }
        self.iterations.assign_add(&Tensor::scalar(1i64))
    }

    /// The optimizer's fused step on `var` and its `slots` in their own
    /// buffers (copied only where a value read before still shares them);
    /// `false` where the optimizer has none.
    fn fused_update(
        &self,
        var: &Variable,
        slots: &[Variable],
        grad: &Tensor,
        lr: &Tensor,
        powers: &[Tensor],
    ) -> Result<bool> {
        let mut value = var.value_mut();
        let mut slot_guards: Vec<_> = slots.iter().map(Variable::value_mut).collect();
        let mut slot_values: Vec<&mut Tensor> = slot_guards.iter_mut().map(|g| &mut **g).collect();
        self.optimizer
            .fused_update(&mut value, &mut slot_values, grad, lr, powers)
    }

    /// Restores a saved state, as Keras restores an optimizer from a
    /// checkpoint: `iterations` steps taken, and for each variable the
    /// values of its slots (in slot order), which become its slots now
    /// rather than on its first update (Keras's deferred restoration).
    /// The powers are recomputed from the step count as the steps
    /// accumulated them, in the first variable's dtype, so training
    /// continues exactly where it stopped.
    ///
    /// ```
    /// use ferroflow_core::optimizers::{Adam, Optimizer};
    /// use ferroflow_core::prelude::*;
    /// let w = Variable::with_options(Tensor::from([1.0f32]), "W", true);
    /// let mut opt = Adam::new(0.1).eager();
    /// let (m, v) = (Tensor::from([0.5f32]), Tensor::from([0.25f32]));
    /// opt.restore(3, &[(&w, vec![m.clone(), v])]).unwrap();
    /// assert_eq!(opt.get_slot(&w, "Adam").unwrap().value(), m);
    /// assert_eq!(opt.iterations().value().to_scalar::<i64>().unwrap(), 3);
    /// ```
    pub fn restore(&mut self, iterations: i64, slots: &[(&Variable, Vec<Tensor>)]) -> Result<()> {
        let names = self.optimizer.slot_names();
        let mut restored = Vec::with_capacity(slots.len());
        for (var, values) in slots {
            if values.len() != names.len() {
                fail!(
                    "restore",
                    "optimizer {} keeps {} slots per variable; got {} for '{}'",
                    self.optimizer.name(),
                    names.len(),
                    values.len(),
                    var.name()
                );
            }
            for (name, value) in names.iter().zip(values) {
                if value.dims() != var.shape().dims() || value.dtype() != var.dtype() {
                    fail!(
                        "restore",
                        "slot '{name}' of variable '{}' ({} {}) cannot take a value of dtype {} and shape {}",
                        var.name(),
                        var.dtype(),
                        var.shape(),
                        value.dtype(),
                        value.shape()
                    );
                }
            }
            let made = names
                .iter()
                .zip(values)
                .map(|(name, value)| {
                    let name = format!("{}/{}", var.name(), name);
                    Variable::with_options(value.clone(), &name, false)
                })
                .collect();
            restored.push((var.watch_id(), made));
        }
        let powers = self.optimizer.powers();
        let Some((first, _)) = slots.first() else {
            if iterations > 0 && !powers.is_empty() {
                fail!(
                    "restore",
                    "optimizer {} needs a variable's slots to restore its state after {iterations} steps",
                    self.optimizer.name()
                );
            }
            return self.iterations.assign(&Tensor::scalar(iterations));
        };
        self.powers = powers
            .into_iter()
            .map(|(name, factor)| {
                let mut power = filled(&[], first.dtype(), factor)?;
                for _ in 0..iterations {
                    power = power.mul(&power.scalar_like(factor)?)?;
                }
                Ok(Variable::with_options(power, name, false))
            })
            .collect::<Result<_>>()?;
        self.slots.extend(restored);
        self.iterations.assign(&Tensor::scalar(iterations))
    }

    /// The slots of `var`, made (filled with their initial values) on first use.
    fn slots_of(&mut self, var: &Variable) -> Result<Vec<Variable>> {
        if let Some(slots) = self.slots.get(&var.watch_id()) {
            return Ok(slots.clone());
        }
        let (shape, dtype) = (var.shape(), var.dtype());
        let slots = self
            .optimizer
            .slot_names()
            .into_iter()
            .zip(self.optimizer.slot_initial_values())
            .map(|(slot, init)| {
                let name = format!("{}/{}", var.name(), slot);
                Ok(Variable::with_options(
                    filled(shape.dims(), dtype, init)?,
                    &name,
                    false,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        self.slots.insert(var.watch_id(), slots.clone());
        Ok(slots)
    }
}
