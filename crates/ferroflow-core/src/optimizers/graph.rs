//! The graph driver: adds an [`Optimizer`]'s slot variables and update
//! nodes to a graph, like TF1's `optimizer.minimize` and
//! `apply_gradients`; and the global step.

use super::{check_gradient, Optimizer};
use crate::gradients::gradients;
use crate::graph::{Graph, NodeName, Operation, Output};
use crate::initializers::filled;
use crate::ops::{ArrayOps, MathOps, NoOp};
use crate::{fail, GraphVariable, Result, TensorOps};
use ferroflow_tensor::{DType, Tensor};
use std::collections::HashMap;
use std::sync::Arc;

/// The collection holding the global step (`tf.GraphKeys.GLOBAL_STEP`).
pub const GLOBAL_STEP: &str = "global_step";

/// An optimizer for graph variables, like a TF1 `tf.train.Optimizer`.
/// Slots are non-trainable graph variables named `<var op name>/<slot>`
/// (`W/Adam`, `W/Adam_1`), powers are `beta1_power`, `beta2_power`; both
/// join GLOBAL_VARIABLES, so `global_variables_initializer` covers them
/// when it is made after `minimize`.
///
/// ```
/// use ferroflow_core::graph::Graph;
/// use ferroflow_core::optimizers::{GradientDescent, Optimizer};
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::session::Session;
/// let g = Graph::new();
/// let w = g.variable(Tensor::from([1.0f32]), "W", true).unwrap();
/// let loss = w.value().square().unwrap().reduce_sum(Axes::All, false).unwrap();
/// let step = g.get_or_create_global_step().unwrap();
/// let train = GradientDescent::new(0.25).graph().minimize(&loss, None, Some(&step)).unwrap();
/// assert_eq!(train.name(), "GradientDescent");
/// let sess = Session::new(&g);
/// sess.run_targets(&[&g.global_variables_initializer().unwrap()], &[], &[]).unwrap();
/// sess.run_targets(&[&train], &[], &[]).unwrap();
/// let out = sess.run(&[w.value(), step.value()], &[]).unwrap();
/// assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![0.5]);
/// assert_eq!(out[1].to_scalar::<i64>().unwrap(), 1);
/// ```
pub struct GraphOptimizer<O> {
    optimizer: O,
    /// Slots by (graph id, variable op name).
    slots: HashMap<(u64, String), Vec<GraphVariable>>,
    /// Powers by graph id.
    powers: HashMap<u64, Vec<GraphVariable>>,
}

impl<O: Optimizer> GraphOptimizer<O> {
    /// Drives `optimizer` in graphs; slots are made on first use.
    pub fn new(optimizer: O) -> Self {
        GraphOptimizer {
            optimizer,
            slots: HashMap::new(),
            powers: HashMap::new(),
        }
    }

    /// The update rule.
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }

    /// Slot `name` (`Adam`, `Adam_1`, …) of `var`, once it has one, like
    /// `optimizer.get_slot(var, name)`.
    pub fn get_slot(&self, var: &GraphVariable, name: &str) -> Option<&GraphVariable> {
        let key = (var.value().graph().id(), var.op_name());
        let slots = self.slots.get(&key)?;
        let index = self.optimizer.slot_names().iter().position(|n| n == name)?;
        Some(&slots[index])
    }

    /// Adds gradients of `loss` with respect to `var_list` (the trainable
    /// variables by default) and the op applying them, like
    /// `optimizer.minimize(loss, global_step, var_list)`.
    pub fn minimize(
        &mut self,
        loss: &Output,
        var_list: Option<&[GraphVariable]>,
        global_step: Option<&GraphVariable>,
    ) -> Result<Operation> {
        let vars = match var_list {
            Some(vars) => vars.to_vec(),
            None => loss.graph().trainable_variables(),
        };
        if vars.is_empty() {
            fail!("minimize", "No variables to optimize.");
        }
        let xs: Vec<&Output> = vars.iter().map(|v| v.value()).collect();
        let grads = gradients(&[loss], &xs, None)?;
        let grads_and_vars: Vec<(Output, &GraphVariable)> = grads
            .into_iter()
            .zip(&vars)
            .filter_map(|(g, v)| Some((g?, v)))
            .collect();
        if grads_and_vars.is_empty() {
            let names: Vec<String> = vars.iter().map(|v| v.name()).collect();
            fail!(
                "minimize",
                "No gradients provided for any variable, check your graph for ops that do not support gradients, between variables {names:?} and loss {}.",
                loss.name()
            );
        }
        self.apply_gradients(&grads_and_vars, global_step)
    }

    /// Adds the op that updates each variable with its gradient, then the
    /// powers, then adds 1 to `global_step` when given; the op is named
    /// after the optimizer (`Adam`), its nodes go under that scope
    /// (`Adam/update_W/…`). Learning-rate schedules read `global_step`.
    pub fn apply_gradients(
        &mut self,
        grads_and_vars: &[(Output, &GraphVariable)],
        global_step: Option<&GraphVariable>,
    ) -> Result<Operation> {
        let Some((_, first)) = grads_and_vars.first() else {
            fail!("apply_gradients", "No gradients provided for any variable.");
        };
        let graph = first.value().graph().clone();
        for (grad, var) in grads_and_vars {
            if !grad.graph().same_as(&graph) || !var.value().graph().same_as(&graph) {
                fail!(
                    "apply_gradients",
                    "gradients and variables must be from the same graph"
                );
            }
            check_gradient(&grad.spec(), &var.name(), var.dtype(), &var.shape())?;
        }
        let powers = {
            let _top = graph.name_scope("");
            for (_, var) in grads_and_vars {
                self.slots_of(var)?;
            }
            self.powers_of(&graph, first.dtype())?
        };
        let scope = graph.name_scope(self.optimizer.name());
        let step = global_step.map(|s| s.value());
        let mut updates = Vec::new();
        for (grad, var) in grads_and_vars {
            let _s = graph.name_scope(&format!("update_{}", var.op_name()));
            let slots = self.slots_of(var)?;
            let value = var.value();
            let lr = self.optimizer.learning_rate().for_variable(step, value)?;
            let slot_values: Vec<Output> = slots.iter().map(|s| s.value().clone()).collect();
            let power_values = powers
                .iter()
                .map(|p| p.value().cast(value.dtype()))
                .collect::<Result<Vec<_>>>()?;
            let (new_value, new_slots) =
                self.optimizer
                    .update(value, grad, &slot_values, &lr, &power_values)?;
            for (slot, new) in slots.iter().zip(&new_slots) {
                updates.push(slot.assign(new)?.op());
            }
            updates.push(var.assign(&new_value)?.op());
        }
        let mut done = {
            let _after = graph.control_dependencies(&updates.iter().collect::<Vec<_>>());
            let mut done = updates.clone();
            for (power, (_, factor)) in powers.iter().zip(self.optimizer.powers()) {
                let value = power.value();
                done.push(power.assign(&value.mul(&value.scalar_like(factor)?)?)?.op());
            }
            done
        };
        if let Some(step) = global_step {
            let _after = graph.control_dependencies(&done.iter().collect::<Vec<_>>());
            done = vec![step.assign_add(&step.value().scalar_like(1.0)?)?.op()];
        }
        let name = scope.name.trim_end_matches('/').to_string();
        drop(scope);
        let _after = graph.control_dependencies(&done.iter().collect::<Vec<_>>());
        let (node, _) = graph.add_node(Arc::new(NoOp), &[], NodeName::Exact(&name))?;
        Ok(Operation { graph, node })
    }

    /// The slots of `var`, made on first use at the top level of the graph.
    fn slots_of(&mut self, var: &GraphVariable) -> Result<Vec<GraphVariable>> {
        let graph = var.value().graph();
        let key = (graph.id(), var.op_name());
        if let Some(slots) = self.slots.get(&key) {
            return Ok(slots.clone());
        }
        let (shape, dtype) = (var.shape(), var.dtype());
        let slots = self
            .optimizer
            .slot_names()
            .into_iter()
            .zip(self.optimizer.slot_initial_values())
            .map(|(slot, init)| {
                let name = format!("{}/{}", var.op_name(), slot);
                graph.variable(filled(shape.dims(), dtype, init)?, &name, false)
            })
            .collect::<Result<Vec<_>>>()?;
        self.slots.insert(key, slots.clone());
        Ok(slots)
    }

    /// The power variables of `graph`, made on first use with `dtype`.
    fn powers_of(&mut self, graph: &Graph, dtype: DType) -> Result<Vec<GraphVariable>> {
        if let Some(powers) = self.powers.get(&graph.id()) {
            return Ok(powers.clone());
        }
        let powers = self
            .optimizer
            .powers()
            .into_iter()
            .map(|(name, factor)| graph.variable(filled(&[], dtype, factor)?, name, false))
            .collect::<Result<Vec<_>>>()?;
        self.powers.insert(graph.id(), powers.clone());
        Ok(powers)
    }
}

impl Graph {
    /// The global step variable, if the graph has one (`tf.train.get_global_step`).
    pub fn global_step(&self) -> Option<GraphVariable> {
        self.get_variables(GLOBAL_STEP, None).into_iter().next()
    }

    /// The global step, made on first use, like
    /// `tf.train.get_or_create_global_step()`: a non-trainable int64 scalar
    /// variable `global_step`, starting at 0, in GLOBAL_VARIABLES and the
    /// `global_step` collection.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// let g = Graph::new();
    /// let step = g.get_or_create_global_step().unwrap();
    /// assert_eq!(step.name(), "global_step:0");
    /// assert_eq!(g.get_or_create_global_step().unwrap().name(), "global_step:0");
    /// ```
    pub fn get_or_create_global_step(&self) -> Result<GraphVariable> {
        if let Some(step) = self.global_step() {
            return Ok(step);
        }
        let _top = self.name_scope("");
        let step = self.variable(Tensor::scalar(0i64), GLOBAL_STEP, false)?;
        self.add_to_collection(GLOBAL_STEP, step.clone());
        Ok(step)
    }
}
