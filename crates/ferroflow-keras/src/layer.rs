//! The `Layer` trait and the state every layer shares: its name, weights
//! (eager, and as variables of each graph the layer is called in),
//! `trainable` flag, regularizers and added losses and metrics.

use crate::LayerTensor;
use ferroflow_core::graph::{Graph, Output};
use ferroflow_core::initializers::Initializer;
use ferroflow_core::prelude::*;
use ferroflow_core::{Error, GraphVariable, PartialShape, Result};
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    static NAME_UIDS: RefCell<HashMap<String, usize>> = RefCell::new(HashMap::new());
}

/// A fresh layer name from `base`, as Keras numbers them: `dense`,
/// `dense_1`, `dense_2`, …
///
/// ```
/// use ferroflow_keras::unique_name;
/// let a = unique_name("my_block");
/// let b = unique_name("my_block");
/// assert_eq!((a.as_str(), b.as_str()), ("my_block", "my_block_1"));
/// ```
pub fn unique_name(base: &str) -> String {
    NAME_UIDS.with(|uids| {
        let mut uids = uids.borrow_mut();
        let n = uids.entry(base.to_string()).or_insert(0);
        let name = match *n {
            0 => base.to_string(),
            k => format!("{base}_{k}"),
        };
        *n += 1;
        name
    })
}

/// A weight penalty added to the model's losses, like
/// `tf.keras.regularizers.l1`, `l2`, `l1_l2`, computed with Keras's
/// formulas: `l1 * sum(|w|)`, `2 * l2 * l2_loss(w)`, and their sum starting
/// from `0` when both are set.
///
/// ```
/// use ferroflow_keras::Regularizer;
/// use ferroflow_core::prelude::*;
/// let w = Tensor::from([1.0f32, -2.0]);
/// let p = Regularizer::l1_l2(0.1, 0.01).penalty(&w).unwrap();
/// assert!((p.to_scalar::<f32>().unwrap() - 0.35).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regularizer {
    pub l1: f64,
    pub l2: f64,
}

impl Regularizer {
    /// `l1 * sum(|w|)`.
    pub fn l1(l1: f64) -> Self {
        Regularizer { l1, l2: 0.0 }
    }
    /// `l2 * sum(w²)`.
    pub fn l2(l2: f64) -> Self {
        Regularizer { l1: 0.0, l2 }
    }
    /// Both penalties.
    pub fn l1_l2(l1: f64, l2: f64) -> Self {
        Regularizer { l1, l2 }
    }
    /// The penalty of weight `w`, a scalar of its dtype: eager, or ops in
    /// `w`'s graph.
    pub fn penalty<H: TensorOps>(&self, w: &H) -> Result<H> {
        let l1 = || {
            w.scalar_like(self.l1)?
                .mul(&w.abs()?.reduce_sum(Axes::All, false)?)
        };
        let l2 = || w.scalar_like(2.0 * self.l2)?.mul(&l2_loss(w)?);
        match (self.l1 != 0.0, self.l2 != 0.0) {
            (true, false) => l1(),
            (false, true) => l2(),
            (with_l1, with_l2) => {
                let mut total = w.scalar_like(0.0)?;
                if with_l1 {
                    total = total.add(&l1()?)?;
                }
                if with_l2 {
                    total = total.add(&l2()?)?;
                }
                Ok(total)
            }
        }
    }
}

/// What every layer holds: name, weights, `trainable`, regularizers, and
/// the losses and metrics its calls added.
#[derive(Debug)]
pub struct LayerCore {
    name: String,
    /// The name the layer was numbered after (`dense`), and whether
    /// `set_name` gave it its name instead.
    base_name: String,
    named: bool,
    trainable: bool,
    weights: Vec<Variable>,
    /// Each weight's initializer, in `weights`' order.
    initializers: Vec<Initializer>,
    /// Whether the weights live only in graphs (`v1_layers`): the eager
    /// weights are zeros, never initialized nor read.
    graph_only: bool,
    /// The regularized weights: index in `weights`, and penalty.
    regularized: Vec<(usize, Regularizer)>,
    /// The penalty on each call's output, per example.
    activity_regularizer: Option<Regularizer>,
    output_shape: Option<Vec<Option<usize>>>,
    /// The losses the last eager call added.
    pub(crate) added_losses: RefCell<Vec<Tensor>>,
    /// The losses graph calls added, in any graph.
    pub(crate) added_graph_losses: RefCell<Vec<Output>>,
    /// The metrics the last eager call added.
    pub(crate) added_metrics: RefCell<Vec<(String, Tensor)>>,
    /// The metrics graph calls added, in any graph.
    pub(crate) added_graph_metrics: RefCell<Vec<(String, Output)>>,
    /// The layer's state in each graph it was called in.
    graphs: RefCell<Vec<InGraph>>,
}

/// A layer's weights as variables of one graph, and their penalties there.
#[derive(Debug)]
struct InGraph {
    graph: u64,
    variables: Vec<GraphVariable>,
    /// Made on the first [`LayerCore::graph_losses`] in this graph.
    penalties: Option<Vec<Output>>,
}

impl LayerCore {
    /// The state of a new layer named uniquely after `base` (`dense`, `dense_1`, …).
    pub fn new(base: &str) -> Self {
        LayerCore {
            name: unique_name(base),
            base_name: base.to_string(),
            named: false,
            trainable: true,
            weights: Vec::new(),
            initializers: Vec::new(),
            graph_only: false,
            regularized: Vec::new(),
            activity_regularizer: None,
            output_shape: None,
            added_losses: RefCell::new(Vec::new()),
            added_graph_losses: RefCell::new(Vec::new()),
            added_metrics: RefCell::new(Vec::new()),
            added_graph_metrics: RefCell::new(Vec::new()),
            graphs: RefCell::new(Vec::new()),
        }
    }

    /// The layer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames the layer (before it is built).
    pub fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
        self.named = true;
    }

    /// The name the layer was numbered after (`dense` for `dense_3`).
    pub fn base_name(&self) -> &str {
        &self.base_name
    }

    /// Whether the layer was given its name (rather than numbered).
    pub fn named(&self) -> bool {
        self.named
    }

    /// Whether the optimizer updates this layer's weights.
    pub fn trainable(&self) -> bool {
        self.trainable
    }

    /// Freezes (`false`) or unfreezes the layer, like `layer.trainable = False`.
    pub fn set_trainable(&mut self, trainable: bool) {
        self.trainable = trainable;
    }

    /// The penalty added on each call's output, if any.
    pub fn activity_regularizer(&self) -> Option<Regularizer> {
        self.activity_regularizer
    }

    /// Sets (or with `None` removes) the activity regularizer; see
    /// [`Layer::activity_regularizer`].
    pub fn set_activity_regularizer(&mut self, r: Option<Regularizer>) {
        self.activity_regularizer = r;
    }

    /// Adds the activity penalty of output `y` as a loss, as Keras does
    /// after each call: the regularizer of `y` divided by the batch size
    /// (`y`'s first dimension, at run time in a graph).
    pub(crate) fn regularize_activity<H: LayerTensor>(&self, y: &H) -> Result<()> {
        let Some(r) = self.activity_regularizer else {
            return Ok(());
        };
        if y.static_shape().rank() == Some(0) {
            return Err(self.error("activity_regularizer needs an output with a batch dimension"));
        }
        let batch = y
            .shape_tensor()?
            .slice(&[0], &[1])?
            .reshape(&[])?
            .cast(y.dtype())?;
        self.add_loss(r.penalty(y)?.div(&batch)?);
        Ok(())
    }

    /// Whether `build` has run.
    pub fn built(&self) -> bool {
        self.output_shape.is_some()
    }

    /// The output shape `build` found (`None` is the batch or an unknown dim).
    pub fn output_shape(&self) -> Option<&[Option<usize>]> {
        self.output_shape.as_deref()
    }

    /// Records the output shape; called by [`Layer::build_once`].
    pub(crate) fn set_output_shape(&mut self, shape: Vec<Option<usize>>) {
        self.output_shape = Some(shape);
    }

    /// Creates weight `<layer>/<name>:0` of `shape` filled by `init`, like
    /// Keras's `add_weight`. A non-trainable weight (a moving mean) is
    /// never trained, even when the layer is.
    pub fn add_weight(
        &mut self,
        name: &str,
        shape: &[usize],
        init: &Initializer,
        trainable: bool,
        regularizer: Option<Regularizer>,
    ) -> Result<Variable> {
        let value = if self.graph_only {
            Tensor::zeros(DType::F32, shape)?
        } else {
            init.eager(shape, DType::F32)?
        };
        let var = Variable::with_options(value, &format!("{}/{name}:0", self.name), trainable);
        if let Some(r) = regularizer {
            self.regularized.push((self.weights.len(), r));
        }
        self.weights.push(var.clone());
        self.initializers.push(init.clone());
        Ok(var)
    }

    /// All weights, trainable first in creation order as Keras lists them.
    pub fn weights(&self) -> Vec<Variable> {
        let mut w = self.trainable_weights();
        w.extend(self.non_trainable_weights());
        w
    }

    /// The weights as variables of graph `g`, in creation order, like a
    /// Keras layer called in a TF1 graph: made on the first call in `g`,
    /// named as the eager weights (`dense/kernel:0` under no name scope),
    /// starting from the eager weights' current values, and trainable
    /// when the weight and the layer are.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_keras::layers::Dense;
    /// use ferroflow_keras::Layer;
    /// let mut dense = Dense::new(2).name("d");
    /// dense.build_once(&[None, Some(3)]).unwrap();
    /// let g = Graph::new();
    /// let vars = dense.core().graph_variables(&g).unwrap();
    /// assert_eq!(vars[0].name(), "d/kernel:0");
    /// assert_eq!(g.trainable_variables().len(), 2);
    /// ```
    pub fn graph_variables(&self, g: &Graph) -> Result<Vec<GraphVariable>> {
        let mut graphs = self.graphs.borrow_mut();
        if let Some(state) = graphs.iter().find(|s| s.graph == g.id()) {
            return Ok(state.variables.clone());
        }
        let vars = self
            .weights
            .iter()
            .map(|w| {
                let name = w.name().trim_end_matches(":0");
                g.variable(w.read_value(), name, self.trainable && w.trainable())
            })
            .collect::<Result<Vec<_>>>()?;
        graphs.push(InGraph {
            graph: g.id(),
            variables: vars.clone(),
            penalties: None,
        });
        Ok(vars)
    }

    /// Makes the layer's weights live only in graphs (before it is built).
    pub(crate) fn set_graph_only(&mut self) {
        self.graph_only = true;
    }

    /// The weights as variables of graph `g` made by `get_variable` in the
    /// current variable scope, with the weights' initializers as graph ops,
    /// the way `tf.compat.v1.layers` make them: created (a regularized
    /// weight's penalty then joins `REGULARIZATION_LOSSES`), or reused as
    /// the scope's `reuse` says. The layer's calls in `g` use them.
    pub(crate) fn get_graph_variables(&self, g: &Graph) -> Result<()> {
        let variables = self
            .weights
            .iter()
            .zip(&self.initializers)
            .enumerate()
            .map(|(i, (w, init))| {
                let full = w.name().trim_end_matches(":0");
                let short = full.rsplit('/').next().unwrap_or(full);
                let (shape, dtype) = (w.shape(), w.dtype());
                let init = Some(init.clone());
                let trainable = self.trainable && w.trainable();
                match self.regularized.iter().find(|(j, _)| *j == i) {
                    Some(&(_, r)) => g.get_variable_regularized(
                        short,
                        shape.dims(),
                        dtype,
                        init,
                        trainable,
                        |v| r.penalty(v),
                    ),
                    None => g.get_variable(short, shape.dims(), dtype, init, trainable),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let mut graphs = self.graphs.borrow_mut();
        graphs.retain(|s| s.graph != g.id());
        graphs.push(InGraph {
            graph: g.id(),
            variables,
            penalties: None,
        });
        Ok(())
    }

    /// The eager weights in creation order (what a forward pass reads).
    pub(crate) fn weights_in_order(&self) -> &[Variable] {
        &self.weights
    }

    /// The weights the optimizer updates (none when frozen).
    pub fn trainable_weights(&self) -> Vec<Variable> {
        let on = self.trainable;
        self.weights
            .iter()
            .filter(|v| on && v.trainable())
            .cloned()
            .collect()
    }

    /// The weights the optimizer leaves alone (all of them when frozen).
    pub fn non_trainable_weights(&self) -> Vec<Variable> {
        let on = self.trainable;
        self.weights
            .iter()
            .filter(|v| !(on && v.trainable()))
            .cloned()
            .collect()
    }

    /// Adds a loss from inside `call` or `call_graph`, like
    /// `self.add_loss(x)`. An eager loss counts in [`LayerCore::losses`]
    /// until the next call; a graph tensor counts in
    /// [`LayerCore::graph_losses`] of its graph from then on.
    pub fn add_loss<H: LayerTensor>(&self, loss: H) {
        H::keep_loss(self, loss);
    }

    /// Reports a value from inside `call` or `call_graph`, like
    /// `self.add_metric(x, name)`. `fit` averages an eager value over the
    /// epoch (it counts in [`LayerCore::metrics`] until the next call); a
    /// graph tensor counts in [`LayerCore::graph_metrics`] of its graph
    /// from then on, to be fetched with the training op.
    pub fn add_metric<H: LayerTensor>(&self, name: &str, value: H) {
        H::keep_metric(self, name, value);
    }

    /// Clears what the previous call added; run at the start of each call.
    pub fn clear_added(&self) {
        self.added_losses.borrow_mut().clear();
        self.added_metrics.borrow_mut().clear();
    }

    /// The regularization penalties of the weights, then the losses the
    /// last call added.
    pub fn losses(&self) -> Result<Vec<Tensor>> {
        let mut losses = self
            .regularized
            .iter()
            .map(|&(i, r)| r.penalty(&self.weights[i].value()))
            .collect::<Result<Vec<_>>>()?;
        losses.extend(self.added_losses.borrow().iter().cloned());
        Ok(losses)
    }

    /// [`LayerCore::losses`] in graph `g`, like Keras's `layer.losses` for
    /// a layer called in a TF1 graph: the penalties of the layer's graph
    /// variables (ops under `<layer>/<weight>/Regularizer/`, made on the
    /// first request and the same tensors after), then the losses graph
    /// calls in `g` added. Empty when the layer was never called in `g`.
    /// As in TensorFlow, the penalties do not join `g`'s
    /// `REGULARIZATION_LOSSES` collection: add them to the training loss.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_keras::layers::Dense;
    /// use ferroflow_keras::{Layer, Regularizer};
    /// let g = Graph::new();
    /// let x = g.placeholder(DType::F32, [None, Some(3)], "x").unwrap();
    /// let mut dense = Dense::new(2).name("d").kernel_regularizer(Regularizer::l2(0.01));
    /// dense.apply_graph(&x, true).unwrap();
    /// let losses = dense.core().graph_losses(&g).unwrap();
    /// assert_eq!(losses.len(), 1);
    /// assert!(losses[0].name().starts_with("d/kernel/Regularizer/"));
    /// ```
    pub fn graph_losses(&self, g: &Graph) -> Result<Vec<Output>> {
        let mut losses = self.graph_penalties(g)?;
        let added = self.added_graph_losses.borrow();
        losses.extend(added.iter().filter(|l| l.graph().id() == g.id()).cloned());
        Ok(losses)
    }

    /// The penalties of the regularized weights' variables in `g`, each
    /// under `<variable>/Regularizer/` at the top level.
    fn graph_penalties(&self, g: &Graph) -> Result<Vec<Output>> {
        let mut graphs = self.graphs.borrow_mut();
        let Some(state) = graphs.iter_mut().find(|s| s.graph == g.id()) else {
            return Ok(Vec::new());
        };
        if let Some(penalties) = &state.penalties {
            return Ok(penalties.clone());
        }
        let _top = g.name_scope("");
        let penalties = self
            .regularized
            .iter()
            .map(|&(i, r)| {
                let var = &state.variables[i];
                let _scope = g.name_scope(&format!("{}/Regularizer", var.op_name()));
                r.penalty(var.value())
            })
            .collect::<Result<Vec<_>>>()?;
        state.penalties = Some(penalties.clone());
        Ok(penalties)
    }

    /// The metrics the last eager call added.
    pub fn metrics(&self) -> Vec<(String, Tensor)> {
        self.added_metrics.borrow().clone()
    }

    /// The metrics graph calls in `g` added, as `(name, tensor)`.
    pub fn graph_metrics(&self, g: &Graph) -> Vec<(String, Output)> {
        let added = self.added_graph_metrics.borrow();
        added
            .iter()
            .filter(|(_, m)| m.graph().id() == g.id())
            .cloned()
            .collect()
    }

    /// An error naming this layer, in Keras's words.
    pub fn error(&self, msg: impl std::fmt::Display) -> Error {
        Error::invalid(format!("layer '{}'", self.name), msg.to_string())
    }

    /// Checks that `x` is floating point with a rank in `ranks` (when its
    /// rank is known).
    pub fn check_input<H: TensorOps>(
        &self,
        x: &H,
        ranks: std::ops::RangeInclusive<usize>,
    ) -> Result<()> {
        if !x.dtype().is_float() {
            return Err(self.error(format!(
                "expected a floating-point input, got dtype {}",
                x.dtype()
            )));
        }
        match x.static_shape().rank() {
            Some(rank) => self.check_rank(rank, ranks),
            None => Ok(()),
        }
    }

    /// The static dims of `x` (`None` unknown); an unknown rank is an error.
    pub fn static_dims<H: TensorOps>(&self, x: &H) -> Result<Vec<Option<usize>>> {
        x.static_shape()
            .dims()
            .map(|d| d.to_vec())
            .ok_or_else(|| self.error("the input's rank must be known"))
    }

    /// Checks a rank against the layer's expectation, with Keras's message.
    pub fn check_rank(&self, rank: usize, ranks: std::ops::RangeInclusive<usize>) -> Result<()> {
        if !ranks.contains(&rank) {
            let expected = if ranks.start() == ranks.end() {
                format!("ndim={}", ranks.start())
            } else if *ranks.end() == usize::MAX {
                format!("min_ndim={}", ranks.start())
            } else {
                format!("ndim in {}..={}", ranks.start(), ranks.end())
            };
            return Err(self.error(format!(
                "Input 0 of layer \"{}\" is incompatible with the layer: expected {expected}, found ndim={rank}",
                self.name
            )));
        }
        Ok(())
    }
}

/// A Keras layer: built once from its input shape, then called on eager
/// tensors with a `training` flag.
///
/// ```
/// use ferroflow_keras::layers::Dense;
/// use ferroflow_keras::Layer;
/// use ferroflow_core::prelude::*;
/// let mut dense = Dense::new(3);
/// let x = Tensor::from_vec(vec![1.0f32; 8], [2, 4]).unwrap();
/// let y = dense.apply(&x, false).unwrap();
/// assert_eq!(y.dims(), &[2, 3]);
/// assert!(dense.core().name().starts_with("dense"));
/// assert!(dense.core().weights()[0].name().ends_with("/kernel:0"));
/// ```
pub trait Layer {
    /// The shared state.
    fn core(&self) -> &LayerCore;
    /// The shared state, mutably.
    fn core_mut(&mut self) -> &mut LayerCore;
    /// The Keras class name shown by `summary()` (`Dense`).
    fn class_name(&self) -> &'static str;
    /// Creates the weights for inputs of `input_shape` (batch first,
    /// `None` unknown) and returns the output shape.
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>>;
    /// The forward pass on a built layer.
    fn call(&self, x: &Tensor, training: bool) -> Result<Tensor>;
    /// The forward pass on a graph tensor: the same ops, added to `x`'s
    /// graph, with the weights as that graph's variables
    /// ([`LayerCore::graph_variables`]). Layers that so far run only
    /// eagerly return an error saying so.
    fn call_graph(&self, x: &Output, training: bool) -> Result<Output> {
        let _ = (x, training);
        Err(self.core().error(format!(
            "{} layers cannot be called on graph tensors yet",
            self.class_name()
        )))
    }

    /// Builds for several inputs (merge layers override this); a
    /// single-input layer takes exactly one.
    fn build_multi(&mut self, input_shapes: &[Vec<Option<usize>>]) -> Result<Vec<Option<usize>>> {
        match input_shapes {
            [one] => self.build(one),
            _ => Err(self.core().error(format!(
                "expects 1 input, but it received {} input tensors",
                input_shapes.len()
            ))),
        }
    }
    /// Calls on several inputs (merge layers override this).
    fn call_multi(&self, inputs: &[&Tensor], training: bool) -> Result<Tensor> {
        self.call(single_input(self.core(), inputs)?, training)
    }
    /// Calls on several graph tensors (merge layers override this).
    fn call_multi_graph(&self, inputs: &[&Output], training: bool) -> Result<Output> {
        self.call_graph(single_input(self.core(), inputs)?, training)
    }

    /// Builds the layer unless built, returning its output shape.
    fn build_once(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.build_once_multi(&[input_shape.to_vec()])
    }

    /// Builds the layer for several inputs unless built.
    fn build_once_multi(
        &mut self,
        input_shapes: &[Vec<Option<usize>>],
    ) -> Result<Vec<Option<usize>>> {
        if let Some(shape) = self.core().output_shape() {
            return Ok(shape.to_vec());
        }
        let shape = self.build_multi(input_shapes)?;
        self.core_mut().set_output_shape(shape.clone());
        Ok(shape)
    }

    /// A penalty on the layer's output added to the model's losses after
    /// each call, like Keras's `activity_regularizer=`: the regularizer of
    /// the output divided by the batch size.
    ///
    /// ```
    /// use ferroflow_core::initializers::Initializer;
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_keras::layers::Dense;
    /// use ferroflow_keras::{Layer, Regularizer};
    /// let mut dense = Dense::new(2)
    ///     .kernel_initializer(Initializer::Ones)
    ///     .activity_regularizer(Regularizer::l1(0.5));
    /// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
    /// dense.apply(&x, false).unwrap(); // [[3, 3], [7, 7]]
    /// let loss = dense.core().losses().unwrap()[0].to_scalar::<f32>().unwrap();
    /// assert_eq!(loss, 0.5 * 20.0 / 2.0);
    /// ```
    fn activity_regularizer(mut self, r: Regularizer) -> Self
    where
        Self: Sized,
    {
        self.core_mut().set_activity_regularizer(Some(r));
        self
    }

    /// Builds on first use from `x`'s shape, then calls, like `layer(x)`.
    fn apply(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        self.build_for(&x.static_shape())?;
        self.call_recorded(&[x], training)
    }

    /// Calls the built layer under its name scope, replacing the losses
    /// and metrics of its previous call with this call's (its activity
    /// penalty included).
    fn call_recorded(&self, inputs: &[&Tensor], training: bool) -> Result<Tensor> {
        let core = self.core();
        core.clear_added();
        let _scope = ferroflow_core::trace::name_scope(core.name());
        let y = self.call_multi(inputs, training)?;
        core.regularize_activity(&y)?;
        Ok(y)
    }

    /// Builds on first use from `x`'s static shape, then calls in `x`'s
    /// graph under the layer's name scope, like `layer(x)` in a TF1 graph.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_keras::layers::Dense;
    /// use ferroflow_keras::Layer;
    /// let g = Graph::new();
    /// let x = g.placeholder(DType::F32, [None, Some(4)], "x").unwrap();
    /// let y = Dense::new(3).name("out").apply_graph(&x, false).unwrap();
    /// assert_eq!(y.static_shape().to_string(), "(?, 3)");
    /// assert_eq!(y.name(), "out/BiasAdd:0");
    /// ```
    fn apply_graph(&mut self, x: &Output, training: bool) -> Result<Output> {
        self.apply_graph_multi(&[x], training)
    }

    /// [`Layer::apply_graph`] on several graph tensors of one graph (merge
    /// layers), like `layer([a, b])` in a TF1 graph.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_keras::layers::Concatenate;
    /// use ferroflow_keras::Layer;
    /// let g = Graph::new();
    /// let a = g.placeholder(DType::F32, [None, Some(2)], "a").unwrap();
    /// let b = g.placeholder(DType::F32, [None, Some(3)], "b").unwrap();
    /// let y = Concatenate::new(-1).apply_graph_multi(&[&a, &b], false).unwrap();
    /// assert_eq!(y.static_shape().to_string(), "(?, 5)");
    /// ```
    fn apply_graph_multi(&mut self, inputs: &[&Output], training: bool) -> Result<Output> {
        let Some(first) = inputs.first() else {
            return Err(self.core().error("was called on no input tensors"));
        };
        if !self.core().built() {
            let shapes = inputs
                .iter()
                .map(|x| batchless_dims(self.core(), &x.static_shape()))
                .collect::<Result<Vec<_>>>()?;
            self.build_once_multi(&shapes)?;
        }
        // The variables first, so that the call's scope does not prefix them.
        self.core().graph_variables(first.graph())?;
        let _scope = first.graph().name_scope(self.core().name());
        let y = self.call_multi_graph(inputs, training)?;
        self.core().regularize_activity(&y)?;
        Ok(y)
    }

    /// Builds unless built, for inputs of `shape` (any batch size).
    fn build_for(&mut self, shape: &PartialShape) -> Result<()> {
        if self.core().built() {
            return Ok(());
        }
        let dims = batchless_dims(self.core(), shape)?;
        self.build_once(&dims).map(|_| ())
    }

    /// The layer's configuration in Keras's JSON layout, like
    /// `layer.get_config()`: `name`, `trainable`, `dtype` and the
    /// constructor's arguments, from which [`crate::layers::deserialize`]
    /// rebuilds it. Layers of one's own must implement it to be saved.
    fn get_config(&self) -> Result<serde_json::Value> {
        Err(self.core().error(format!(
            "Layer {} does not implement `get_config()`, so it cannot be serialized",
            self.class_name()
        )))
    }

    /// The number of weights' elements, as `count_params()`.
    fn count_params(&self) -> usize {
        self.core()
            .weights()
            .iter()
            .map(|w| w.shape().num_elements())
            .sum()
    }
}

/// `shape`'s dims with the batch unknown (what a layer is built for); an
/// unknown rank is an error naming `core`'s layer.
fn batchless_dims(core: &LayerCore, shape: &PartialShape) -> Result<Vec<Option<usize>>> {
    let Some(dims) = shape.dims() else {
        return Err(core.error("the input's rank must be known to build the layer"));
    };
    let mut dims = dims.to_vec();
    if let Some(batch) = dims.first_mut() {
        *batch = None;
    }
    Ok(dims)
}

/// The one input of a single-input layer called on a list.
fn single_input<'a, H>(core: &LayerCore, inputs: &[&'a H]) -> Result<&'a H> {
    match inputs {
        [one] => Ok(one),
        _ => Err(core.error(format!(
            "expects 1 input, but it received {} input tensors",
            inputs.len()
        ))),
    }
}

/// The known size of dim `i` of `shape`, or an error naming `core`'s layer.
pub(crate) fn known_dim(core: &LayerCore, shape: &[Option<usize>], i: usize) -> Result<usize> {
    shape.get(i).copied().flatten().ok_or_else(|| {
        core.error(format!(
            "the input's dimension {i} must be known to build the layer; got shape {shape:?}"
        ))
    })
}
