//! Optimizers for `compile`, by value or by name: the core's optimizers
//! (`ferroflow_core::optimizers`) with a learning rate that callbacks can
//! change between steps (`LearningRateScheduler`, `ReduceLROnPlateau`),
//! their Keras configs (`get_config` / `from_config`) and their state
//! (`iterations` and the slots) for saving and restoring.

use ferroflow_core::optimizers::{
    Adadelta, Adagrad, Adam, AdamW, EagerOptimizer, GradientDescent, LearningRate, Momentum,
    Optimizer, RMSProp, Updated,
};
use ferroflow_core::{Error, Result, TensorOps, Variable};
use ferroflow_tensor::Tensor;
use serde_json::{json, Value};
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
    fn hyper_parameters(&self) -> Vec<(&'static str, f64)> {
        self.inner.hyper_parameters()
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
    fn fused_update(
        &self,
        var: &mut Tensor,
        slots: &mut [&mut Tensor],
        grad: &Tensor,
        _lr: &Tensor,
        powers: &[Tensor],
    ) -> Result<bool> {
        let lr = var.scalar_like(self.lr.get())?;
        self.inner.fused_update(var, slots, grad, &lr, powers)
    }
}

/// The eager driver behind a [`KerasOptimizer`], its optimizer type erased.
trait Driver {
    fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, &Variable)]) -> Result<()>;
    /// The slots of `var` in slot order, once it has them.
    fn slots(&self, var: &Variable) -> Option<Vec<Variable>>;
    fn restore(&mut self, iterations: i64, slots: &[(&Variable, Vec<Tensor>)]) -> Result<()>;
}

impl<O: Optimizer> Driver for EagerOptimizer<O> {
    fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, &Variable)]) -> Result<()> {
        EagerOptimizer::apply_gradients(self, grads_and_vars)
    }
    fn slots(&self, var: &Variable) -> Option<Vec<Variable>> {
        let names = self.optimizer().slot_names();
        names
            .iter()
            .map(|n| self.get_slot(var, n).cloned())
            .collect()
    }
    fn restore(&mut self, iterations: i64, slots: &[(&Variable, Vec<Tensor>)]) -> Result<()> {
        EagerOptimizer::restore(self, iterations, slots)
    }
}

/// How an optimizer appears in Keras: its class, its config besides the
/// learning rate, and the names of its slots in `optimizer.variables`
/// (listed slot by slot for every variable when `slot_major`, as
/// RMSprop does, else variable by variable).
#[derive(Debug, Clone)]
struct KerasClass {
    class_name: &'static str,
    config: Value,
    slots: &'static [&'static str],
    slot_major: bool,
}

impl KerasClass {
    /// The Keras class of a core optimizer, from its name and
    /// hyper-parameters; `None` for one Keras has no class for.
    ///
    /// The update rules are TF1's, so two slots hold other quantities
    /// than Keras's do under the same name: SGD's `m` is the momentum
    /// accumulator of `var -= lr * m` (Keras's is `-lr` times it), and
    /// RMSprop's `velocity` starts at ones with ε under the square root.
    fn of(name: &str, hyper: &[(&'static str, f64)]) -> Option<KerasClass> {
        let get = |key: &str| hyper.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let class = |class_name, config, slots, slot_major| KerasClass {
            class_name,
            config,
            slots,
            slot_major,
        };
        Some(match name {
            "Adam" => class(
                "Adam",
                json!({"beta_1": get("beta1")?, "beta_2": get("beta2")?, "epsilon": get("epsilon")?, "amsgrad": false}),
                &["m", "v"],
                false,
            ),
            "AdamW" => class(
                "AdamW",
                json!({"weight_decay": get("weight_decay")?, "beta_1": get("beta1")?, "beta_2": get("beta2")?, "epsilon": get("epsilon")?, "amsgrad": false}),
                &["m", "v"],
                false,
            ),
            "GradientDescent" => class(
                "SGD",
                json!({"momentum": 0.0, "nesterov": false}),
                &[],
                false,
            ),
            "Momentum" => class(
                "SGD",
                json!({"momentum": get("momentum")?, "nesterov": get("use_nesterov")? != 0.0}),
                &["m"],
                false,
            ),
            "RMSProp" => class(
                "RMSprop",
                json!({"rho": get("decay")?, "momentum": get("momentum")?, "epsilon": get("epsilon")?, "centered": false}),
                &["velocity", "momentum"],
                true,
            ),
            "Adagrad" => class(
                "Adagrad",
                json!({"initial_accumulator_value": get("initial_accumulator_value")?, "epsilon": 0.0}),
                &["accumulator"],
                false,
            ),
            "Adadelta" => class(
                "Adadelta",
                json!({"rho": get("rho")?, "epsilon": get("epsilon")?}),
                &["accumulated_grad", "accumulated_delta_var"],
                false,
            ),
            _ => return None,
        })
    }
}

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
    driver: Box<dyn Driver>,
    iterations: Variable,
    lr: LearningRateCell,
    keras: Option<KerasClass>,
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
        let keras = KerasClass::of(name, &optimizer.hyper_parameters());
        let driver = Adjustable {
            inner: optimizer,
            lr: lr.clone(),
        }
        .eager();
        let iterations = driver.iterations().clone();
        Ok(KerasOptimizer {
            name,
            driver: Box::new(driver),
            iterations,
            lr,
            keras,
        })
    }

    /// The optimizer a Keras config describes, like
    /// `tf.keras.optimizers.deserialize(config)`: `{"class_name": "Adam",
    /// "config": {"learning_rate": ..., "beta_1": ..., ...}}` as
    /// [`KerasOptimizer::get_config`] writes it (or tf-keras does; keys
    /// left out take Keras's defaults), or a name for [`get`].
    ///
    /// ```
    /// use ferroflow_keras::optimizers::KerasOptimizer;
    /// let config = serde_json::json!({"class_name": "SGD", "config": {"learning_rate": 0.1, "momentum": 0.9}});
    /// let opt = KerasOptimizer::from_config(&config).unwrap();
    /// assert_eq!(opt.name(), "Momentum");
    /// assert_eq!(opt.get_config().unwrap()["config"]["momentum"], 0.9);
    /// ```
    pub fn from_config(config: &Value) -> Result<Self> {
        if let Some(name) = config.as_str() {
            return get(name);
        }
        let class_name = config["class_name"].as_str().unwrap_or_default();
        let c = &config["config"];
        let bad = |key: &str| {
            Error::invalid(
                "optimizers.deserialize",
                format!(
                    "{class_name}: config key '{key}' must be a number, got {}",
                    c[key]
                ),
            )
        };
        let num = |key: &str, default: f64| match &c[key] {
            Value::Null => Ok(default),
            v => v.as_f64().ok_or_else(|| bad(key)),
        };
        let lr = num("learning_rate", 0.001)?;
        match class_name {
            "Adam" => KerasOptimizer::new(Adam::new(lr).with_betas(
                num("beta_1", 0.9)?,
                num("beta_2", 0.999)?,
                num("epsilon", 1e-7)?,
            )),
            "AdamW" => KerasOptimizer::new(
                AdamW::new(lr, num("weight_decay", 0.004)?).with_betas(
                    num("beta_1", 0.9)?,
                    num("beta_2", 0.999)?,
                    num("epsilon", 1e-7)?,
                ),
            ),
            "SGD" => {
                let lr = num("learning_rate", 0.01)?;
                match num("momentum", 0.0)? {
                    0.0 => KerasOptimizer::new(GradientDescent::new(lr)),
                    m => KerasOptimizer::new(
                        Momentum::new(lr, m).nesterov(c["nesterov"].as_bool().unwrap_or(false)),
                    ),
                }
            }
            "RMSprop" => KerasOptimizer::new(RMSProp::new(lr).with_params(
                num("rho", 0.9)?,
                num("momentum", 0.0)?,
                num("epsilon", 1e-7)?,
            )),
            "Adagrad" => KerasOptimizer::new(
                Adagrad::new(lr).initial_accumulator_value(num("initial_accumulator_value", 0.1)?),
            ),
            "Adadelta" => KerasOptimizer::new(
                Adadelta::new(lr).with_params(num("rho", 0.95)?, num("epsilon", 1e-7)?),
            ),
            other => Err(Error::invalid(
                "optimizers.deserialize",
                format!("Could not interpret optimizer class name: {other:?} (Adam, AdamW, SGD, RMSprop, Adagrad and Adadelta can be)"),
            )),
        }
    }

    /// The optimizer's Keras config, like `tf.keras.optimizers.serialize`:
    /// `{"module": "keras.optimizers", "class_name": "Adam", "config":
    /// {"name": "Adam", "learning_rate": 0.001, "beta_1": 0.9, ...}}`; an
    /// error for an optimizer Keras has no class for.
    pub fn get_config(&self) -> Result<Value> {
        let keras = self.keras_class("get_config")?;
        let mut config = keras.config.clone();
        config["name"] = json!(keras.class_name);
        config["learning_rate"] = json!(self.lr.get());
        config["is_legacy_optimizer"] = json!(false);
        Ok(json!({
            "module": "keras.optimizers",
            "class_name": keras.class_name,
            "config": config,
            "registered_name": null,
        }))
    }

    fn keras_class(&self, op: &str) -> Result<&KerasClass> {
        self.keras.as_ref().ok_or_else(|| {
            Error::invalid(
                op,
                format!(
                    "optimizer {} has no Keras class (Adam, AdamW, GradientDescent, Momentum, RMSProp, Adagrad and Adadelta have)",
                    self.name
                ),
            )
        })
    }

    /// The slot variables of `var_list` in the order of Keras's
    /// `optimizer.variables[1:]` (after `iterations`), each with Keras's
    /// name (`Adam/m/dense/kernel`); empty before the first step, which
    /// makes them. A variable that has no slots yet is left out.
    pub fn slot_variables(&self, var_list: &[Variable]) -> Result<Vec<(String, Variable)>> {
        let keras = self.keras_class("optimizer.variables")?;
        let slots: Vec<(&Variable, Vec<Variable>)> = var_list
            .iter()
            .filter_map(|v| Some((v, self.driver.slots(v)?)))
            .collect();
        let named = |(var, slots): &(&Variable, Vec<Variable>), i: usize| {
            let var_name = var.name().strip_suffix(":0").unwrap_or(var.name());
            let name = format!("{}/{}/{var_name}", keras.class_name, keras.slots[i]);
            (name, slots[i].clone())
        };
        let n = keras.slots.len();
        Ok(match keras.slot_major {
            true => (0..n)
                .flat_map(|i| slots.iter().map(move |s| (s, i)))
                .map(|(s, i)| named(s, i))
                .collect(),
            false => slots
                .iter()
                .flat_map(|s| (0..n).map(move |i| (s, i)))
                .map(|(s, i)| named(s, i))
                .collect(),
        })
    }

    /// Restores a saved state: `iterations` steps taken, and the slot
    /// values of `var_list`, in the order of
    /// [`KerasOptimizer::slot_variables`] (empty: no slots yet). The
    /// slots are made now with these values, as Keras restores slot
    /// variables it has not created yet, so the next step continues
    /// exactly where the saved optimizer stopped.
    pub fn restore(
        &mut self,
        var_list: &[Variable],
        iterations: i64,
        values: Vec<Tensor>,
    ) -> Result<()> {
        let keras = self.keras_class("optimizer restore")?;
        let n = keras.slots.len();
        if !values.is_empty() && values.len() != n * var_list.len() {
            return Err(Error::invalid(
                "optimizer restore",
                format!(
                    "{} keeps {n} slots for each of {} variables; the saved state has {} values",
                    keras.class_name,
                    var_list.len(),
                    values.len()
                ),
            ));
        }
        let mut per_var =
            vec![Vec::with_capacity(n); if values.is_empty() { 0 } else { var_list.len() }];
        for (k, value) in values.into_iter().enumerate() {
            let var = match keras.slot_major {
                true => k % var_list.len(),
                false => k / n,
            };
            per_var[var].push(value);
        }
        let slots: Vec<(&Variable, Vec<Tensor>)> = var_list.iter().zip(per_var).collect();
        self.driver.restore(iterations, &slots)
    }

    /// Updates each variable with its gradient, like
    /// `optimizer.apply_gradients(zip(grads, vars))`.
    pub fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, &Variable)]) -> Result<()> {
        self.driver.apply_gradients(grads_and_vars)
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
