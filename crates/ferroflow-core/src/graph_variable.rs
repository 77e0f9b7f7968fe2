//! Variables in graphs: `Graph::variable` (TF1's `tf.Variable`),
//! `get_variable` with variable scopes, reuse and regularizers, and
//! initializer ops.

use crate::graph::{
    Graph, NodeName, Operation, Output, Reuse, GLOBAL_VARIABLES, REGULARIZATION_LOSSES,
    TRAINABLE_VARIABLES,
};
use crate::initializers::{filled, orthogonalize, InitPlan, Initializer};
use crate::ops::{
    Add, Assign, AssignKind, Distribution, Identity, MathOps, RandomStandard, VariableV2,
};
use crate::{fail, Result, TensorOps};
use ferroflow_tensor::{DType, Shape, Tensor};
use std::sync::Arc;

/// A variable of a graph: its `VariableV2` node, the `read` snapshot ops
/// use, and its initializer. Values live in each `Session`.
#[derive(Debug, Clone)]
pub struct GraphVariable {
    variable: Output,
    read: Output,
    initializer: Operation,
    trainable: bool,
}

impl GraphVariable {
    /// The variable of existing nodes (an imported graph's).
    pub(crate) fn from_parts(
        variable: Output,
        read: Output,
        initializer: Operation,
        trainable: bool,
    ) -> GraphVariable {
        GraphVariable {
            variable,
            read,
            initializer,
            trainable,
        }
    }

    /// `name:0`, like a TF1 variable's `name`.
    pub fn name(&self) -> String {
        self.variable.name()
    }

    /// The variable node's name (`layer_1/W`).
    pub fn op_name(&self) -> String {
        self.variable.op().name()
    }

    /// The value to compute with (`W/read:0`).
    pub fn value(&self) -> &Output {
        &self.read
    }

    /// The `VariableV2` output itself (`W:0`).
    pub fn variable(&self) -> &Output {
        &self.variable
    }

    /// The op that assigns the initial value (`W/Assign`).
    pub fn initializer(&self) -> &Operation {
        &self.initializer
    }

    /// Whether optimizers update it by default.
    pub fn trainable(&self) -> bool {
        self.trainable
    }

    /// The dtype.
    pub fn dtype(&self) -> DType {
        self.variable.dtype()
    }

    /// The (fully known) shape.
    pub fn shape(&self) -> Shape {
        self.variable.static_shape().to_shape().unwrap_or_default()
    }

    /// An op assigning `value`, like `tf.assign(v, value)`.
    pub fn assign(&self, value: &Output) -> Result<Output> {
        self.update(value, AssignKind::Set)
    }

    /// An op adding `delta`, like `tf.assign_add`.
    pub fn assign_add(&self, delta: &Output) -> Result<Output> {
        self.update(delta, AssignKind::Add)
    }

    /// An op subtracting `delta`, like `tf.assign_sub`.
    pub fn assign_sub(&self, delta: &Output) -> Result<Output> {
        self.update(delta, AssignKind::Sub)
    }

    fn update(&self, value: &Output, kind: AssignKind) -> Result<Output> {
        let op = Assign {
            variable: self.op_name(),
            kind,
            dtype: self.dtype(),
            shape: self.shape(),
        };
        let name = crate::OpDef::op_type(&op);
        self.variable.graph().add_op1(op, &[value], Some(name))
    }
}

/// The initial value of a new graph variable: a constant or a tensor.
pub enum InitialValue {
    Value(Tensor),
    Tensor(Output),
}

impl From<Tensor> for InitialValue {
    fn from(t: Tensor) -> Self {
        InitialValue::Value(t)
    }
}
impl From<Output> for InitialValue {
    fn from(t: Output) -> Self {
        InitialValue::Tensor(t)
    }
}
impl From<&Output> for InitialValue {
    fn from(t: &Output) -> Self {
        InitialValue::Tensor(t.clone())
    }
}

impl Graph {
    /// A new variable, like TF1's `tf.Variable(initial_value, name=name)`:
    /// nodes `name` (VariableV2), `name/initial_value`, `name/Assign` and
    /// `name/read`; it joins GLOBAL_VARIABLES (and TRAINABLE_VARIABLES).
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::prelude::*;
    /// let g = Graph::new();
    /// let w = g.variable(Tensor::from([0.3f32]), "W", true).unwrap();
    /// assert_eq!(w.name(), "W:0");
    /// assert_eq!(w.value().name(), "W/read:0");
    /// ```
    pub fn variable(
        &self,
        initial: impl Into<InitialValue>,
        name: &str,
        trainable: bool,
    ) -> Result<GraphVariable> {
        let scope = self.name_scope(name);
        let op_name = scope.name.trim_end_matches('/').to_string();
        let initial = match initial.into() {
            InitialValue::Value(t) => self.constant(t, "initial_value")?,
            InitialValue::Tensor(t) => t,
        };
        let var = self.create_variable(&op_name, &initial, trainable)?;
        drop(scope);
        Ok(var)
    }

    fn create_variable(
        &self,
        op_name: &str,
        initial: &Output,
        trainable: bool,
    ) -> Result<GraphVariable> {
        let spec = initial.spec();
        let Some(shape) = spec.shape.to_shape() else {
            fail!(
                op_name,
                "initial value must have a fully known shape, got {}",
                spec.shape
            );
        };
        let op = VariableV2 {
            dtype: spec.dtype,
            shape: shape.clone(),
        };
        let (_, outs) = self.add_node(Arc::new(op), &[], NodeName::Exact(op_name))?;
        let variable = outs[0].clone();
        let assign = Assign {
            variable: op_name.to_string(),
            kind: AssignKind::Set,
            dtype: spec.dtype,
            shape,
        };
        let initializer = self.add_op1(assign, &[initial], Some("Assign"))?.op();
        let read = self.add_op1(Identity, &[&variable], Some("read"))?;
        let v = GraphVariable {
            variable,
            read,
            initializer,
            trainable,
        };
        self.add_to_collection(GLOBAL_VARIABLES, v.clone());
        if trainable {
            self.add_to_collection(TRAINABLE_VARIABLES, v.clone());
        }
        Ok(v)
    }

    /// Gets or creates the variable `name` in the current variable scope,
    /// like `tf.get_variable` (name scopes are ignored; reuse rules and
    /// messages follow TensorFlow). The default initializer is
    /// `glorot_uniform`, as TensorFlow's.
    pub fn get_variable(
        &self,
        name: &str,
        shape: &[usize],
        dtype: DType,
        initializer: Option<Initializer>,
        trainable: bool,
    ) -> Result<GraphVariable> {
        self.get_or_create_variable(name, shape, dtype, initializer, trainable)
            .map(|(v, _)| v)
    }

    /// [`Graph::get_variable`] with a penalty, like `tf.get_variable(...,
    /// regularizer=fn)`: when the variable is created (not reused),
    /// `regularizer` of its value — ops under `<variable>/Regularizer/`,
    /// whatever the current name scope — joins `REGULARIZATION_LOSSES`.
    ///
    /// ```
    /// use ferroflow_core::graph::{Graph, REGULARIZATION_LOSSES};
    /// use ferroflow_core::initializers::Initializer;
    /// use ferroflow_core::prelude::*;
    /// let g = Graph::new();
    /// let l1 = |w: &ferroflow_core::graph::Output| w.abs()?.reduce_sum(Axes::All, false);
    /// g.get_variable_regularized("b", &[3], DType::F32, Some(Initializer::Zeros), true, l1)
    ///     .unwrap();
    /// let losses = g.get_collection(REGULARIZATION_LOSSES, None);
    /// assert!(losses[0].name().starts_with("b/Regularizer/"));
    /// ```
    pub fn get_variable_regularized(
        &self,
        name: &str,
        shape: &[usize],
        dtype: DType,
        initializer: Option<Initializer>,
        trainable: bool,
        regularizer: impl FnOnce(&Output) -> Result<Output>,
    ) -> Result<GraphVariable> {
        let (v, created) =
            self.get_or_create_variable(name, shape, dtype, initializer, trainable)?;
        if created {
            let _scope = self.name_scope(&format!("{}/Regularizer/", v.op_name()));
            let penalty = regularizer(v.value())?;
            self.add_to_collection(REGULARIZATION_LOSSES, penalty);
        }
        Ok(v)
    }

    /// [`Graph::get_variable`], and whether it created the variable.
    fn get_or_create_variable(
        &self,
        name: &str,
        shape: &[usize],
        dtype: DType,
        initializer: Option<Initializer>,
        trainable: bool,
    ) -> Result<(GraphVariable, bool)> {
        let (scope, reuse) = self.current_variable_scope();
        let full = if scope.is_empty() {
            name.to_string()
        } else {
            format!("{scope}/{name}")
        };
        let existing = self.lock().variables.get(&full).cloned();
        match (existing, reuse) {
            (Some(v), Reuse::Reuse | Reuse::AutoReuse) => {
                let found = v.shape();
                if found.dims() != shape {
                    fail!(
                        "get_variable",
                        "Trying to share variable {full}, but specified shape {} and found shape {}.",
                        Shape::from(shape).to_tuple_string(),
                        found.to_tuple_string()
                    );
                }
                Ok((v, false))
            }
            (Some(_), Reuse::Inherit) => fail!(
                "get_variable",
                "Variable {full} already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?"
            ),
            (None, Reuse::Reuse) => fail!(
                "get_variable",
                "Variable {full} does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
            ),
            (None, _) => {
                let init = initializer.unwrap_or_else(|| Initializer::glorot_uniform(None));
                // Its ops live under "full/", whatever the current name scope.
                let scope = self.name_scope(&format!("{full}/"));
                let initial = {
                    let _init_scope = self.name_scope("Initializer");
                    self.initial_value(&init, shape, dtype)?
                };
                let v = self.create_variable(&full, &initial, trainable)?;
                drop(scope);
                self.lock().variables.insert(full, v.clone());
                Ok((v, true))
            }
        }
    }

    /// Initializer ops producing `shape` values of `dtype`.
    pub fn initial_value(
        &self,
        init: &Initializer,
        shape: &[usize],
        dtype: DType,
    ) -> Result<Output> {
        match init.plan(shape)? {
            InitPlan::Fill(v) => self.constant(filled(shape, dtype, v)?, "Const"),
            InitPlan::Random {
                distribution,
                scale,
                shift,
                seed,
            } => self.random(distribution, shape, dtype, scale, shift, seed),
            InitPlan::Orthogonal { flat, gain, seed } => {
                let normal = self.random(Distribution::Normal, &flat, dtype, 1.0, 0.0, seed)?;
                orthogonalize(&normal, shape, gain)
            }
        }
    }

    /// A stateful random node scaled and shifted (`standard * scale +
    /// shift`), seeded by the graph's rules, like `tf.random_uniform`,
    /// `tf.random_normal`, `tf.truncated_normal` in a graph.
    pub fn random(
        &self,
        distribution: Distribution,
        shape: &[usize],
        dtype: DType,
        scale: f64,
        shift: f64,
        seed: Option<i64>,
    ) -> Result<Output> {
        let scope_name = match distribution {
            Distribution::Uniform => "random_uniform",
            Distribution::Normal => "random_normal",
            Distribution::TruncatedNormal => "truncated_normal",
        };
        let scope = self.name_scope(scope_name);
        let (seed, seed2) = self.op_seeds(seed);
        let op = RandomStandard {
            distribution,
            dtype,
            shape: Shape::from(shape),
            seed,
            seed2,
        };
        let standard = self.add_op1(op, &[], None)?;
        if scale == 1.0 && shift == 0.0 {
            return Ok(standard);
        }
        let scaled = standard.mul(&standard.scalar_like(scale)?)?;
        let shift = standard.scalar_like(shift)?;
        // The result is named after the scope, as TensorFlow's `random_uniform:0`.
        let name = scope.name.trim_end_matches('/').to_string();
        let (_, out) = self.add_node(Arc::new(Add), &[&scaled, &shift], NodeName::Exact(&name))?;
        Ok(out[0].clone())
    }

    /// Variables in GLOBAL_VARIABLES.
    pub fn global_variables(&self) -> Vec<GraphVariable> {
        self.get_variables(GLOBAL_VARIABLES, None)
    }

    /// Variables in TRAINABLE_VARIABLES.
    pub fn trainable_variables(&self) -> Vec<GraphVariable> {
        self.get_variables(TRAINABLE_VARIABLES, None)
    }

    /// One op running the initializers of `vars`, like
    /// `tf.variables_initializer`.
    pub fn variables_initializer(&self, vars: &[GraphVariable], name: &str) -> Result<Operation> {
        let ops: Vec<&Operation> = vars.iter().map(|v| v.initializer()).collect();
        self.group(&ops, name)
    }

    /// One op initializing every global variable, like
    /// `tf.global_variables_initializer()` (named `init`).
    pub fn global_variables_initializer(&self) -> Result<Operation> {
        self.variables_initializer(&self.global_variables(), "init")
    }
}
