//! The `Model` trait: a network with `compile`, `fit`, `evaluate`,
//! `predict`, `train_on_batch` and `test_on_batch`, for `Sequential` and
//! user structs alike.

use crate::batches::{examples, rows_of, Batch, Batches, DatasetBatches, TensorBatches};
use crate::callbacks::{Callback, History, Logs, ProgressBar};
use crate::inputs::ToInputs;
use crate::layer::Layer;
use crate::losses::{self, Loss};
use crate::metrics::{self, Mean, Metric};
use crate::optimizers::{self, KerasOptimizer};
use crate::saving::{ModelWeights, OptimizerWeights};
use ferroflow_core::graph::{Graph, Output};
use ferroflow_core::prelude::*;
use ferroflow_core::trace::trace_graph;
use ferroflow_core::{Error, Result};
use ferroflow_data::Dataset;
use ferroflow_io::proto::GraphDef;
use std::path::Path;

/// What `compile` sets: the optimizer, the loss, the metrics, and the
/// running means `fit` logs.
pub struct Compiled {
    optimizer: KerasOptimizer,
    loss: Box<dyn Loss>,
    metrics: Vec<Box<dyn Metric>>,
    loss_tracker: Mean,
    added: Vec<Mean>,
}

impl Compiled {
    /// A configuration from values.
    pub fn new(
        optimizer: KerasOptimizer,
        loss: Box<dyn Loss>,
        metrics: Vec<Box<dyn Metric>>,
    ) -> Self {
        Compiled {
            optimizer,
            loss,
            metrics,
            loss_tracker: Mean::new("loss"),
            added: Vec::new(),
        }
    }

    /// A configuration from Keras's names: `("adam",
    /// "sparse_categorical_crossentropy", &["accuracy"])`.
    pub fn from_names(optimizer: &str, loss: &str, metric_names: &[&str]) -> Result<Self> {
        let metrics = metric_names
            .iter()
            .map(|m| metrics::get(m, loss))
            .collect::<Result<_>>()?;
        Ok(Compiled::new(
            optimizers::get(optimizer)?,
            losses::get(loss)?,
            metrics,
        ))
    }

    /// The loss.
    pub fn loss(&self) -> &dyn Loss {
        self.loss.as_ref()
    }

    /// The metrics given to `compile`.
    pub fn metrics(&self) -> &[Box<dyn Metric>] {
        &self.metrics
    }

    /// The optimizer (its `learning_rate()` is what LR callbacks adjust).
    pub fn optimizer(&self) -> &KerasOptimizer {
        &self.optimizer
    }

    /// The optimizer, to restore its state.
    pub fn optimizer_mut(&mut self) -> &mut KerasOptimizer {
        &mut self.optimizer
    }

    fn reset(&mut self) {
        self.loss_tracker.reset_state();
        self.metrics.iter_mut().for_each(|m| m.reset_state());
        self.added.iter_mut().for_each(Mean::reset_state);
    }

    /// Accumulates a batch's loss, metrics and layer-added metrics (with
    /// several outputs, the per-output losses are among the added).
    fn update(
        &mut self,
        loss: f64,
        y: &[Tensor],
        y_pred: &[Tensor],
        added: Vec<(String, Tensor)>,
    ) -> Result<()> {
        let n = y_pred[0].dims().first().copied().unwrap_or(1) as f64;
        self.loss_tracker.add(loss * n, n);
        if let ([y], [y_pred]) = (y, y_pred) {
            for m in &mut self.metrics {
                m.update_state(y, y_pred)?;
            }
        } else if let Some(m) = self.metrics.first() {
            return Err(Error::invalid(
                "compile",
                format!(
                    "metric '{}': compile's metrics apply to a model with one output; this one has {}",
                    m.name(),
                    y_pred.len()
                ),
            ));
        }
        for (name, value) in added {
            let index = match self.added.iter().position(|m| m.name() == name) {
                Some(i) => i,
                None => {
                    self.added.push(Mean::new(&name));
                    self.added.len() - 1
                }
            };
            self.added[index].update_state(&value)?;
        }
        Ok(())
    }

    /// `loss`, the metrics and the added metrics, prefixed (`val_`).
    fn logs(&self, prefix: &str) -> Logs {
        let mut logs = Logs::default();
        logs.set(&format!("{prefix}loss"), self.loss_tracker.result());
        for m in &self.metrics {
            logs.set(&format!("{prefix}{}", m.name()), m.result());
        }
        for m in &self.added {
            logs.set(&format!("{prefix}{}", m.name()), m.result());
        }
        logs
    }
}

/// The arguments of `fit` besides the data, with Keras's defaults
/// (1 epoch, batch 32, shuffled, `verbose=1`).
pub struct FitOptions<'a> {
    pub epochs: usize,
    pub batch_size: usize,
    /// The fraction of the data (taken from the end, before shuffling)
    /// held out for validation.
    pub validation_split: f64,
    pub validation_data: Option<(Tensor, Tensor)>,
    pub shuffle: bool,
    /// Batches per epoch from a dataset (needed for one that repeats forever).
    pub steps_per_epoch: Option<usize>,
    /// The seed of the shuffles; by default drawn like a random op's, so
    /// that runs differ unless `random::set_random_seed` fixed the global
    /// seed (as Keras shuffles after `tf.random.set_seed`).
    pub seed: Option<u64>,
    pub callbacks: Vec<&'a mut dyn Callback>,
    /// 0: silent; 1: the progress bar.
    pub verbose: u8,
}

impl Default for FitOptions<'_> {
    fn default() -> Self {
        FitOptions {
            epochs: 1,
            batch_size: 32,
            validation_split: 0.0,
            validation_data: None,
            shuffle: true,
            steps_per_epoch: None,
            seed: None,
            callbacks: Vec::new(),
            verbose: 1,
        }
    }
}

/// A Keras model: something callable on a batch, made of layers, that can
/// be compiled and trained. A custom model is a struct implementing
/// `call`, `layers` and `compiled` (the seeds' subclassed models).
pub trait Model {
    /// The forward pass, building layers on first use.
    fn call(&mut self, x: &Tensor, training: bool) -> Result<Tensor>;
    /// The layers, in order (for weights, losses and `summary()`).
    fn layers(&self) -> Vec<&dyn Layer>;
    /// The model's name (`sequential`).
    fn name(&self) -> &str;
    /// Where `compile` keeps its configuration.
    fn compiled(&mut self) -> &mut Option<Compiled>;

    /// The names of the model's inputs, in order, like `model.input_names`
    /// (the keys of data given by name); empty for a model with one
    /// unnamed input.
    fn input_names(&self) -> Vec<String> {
        Vec::new()
    }
    /// The names of the model's outputs, in order, like
    /// `model.output_names`; empty for a model with one unnamed output.
    fn output_names(&self) -> Vec<String> {
        Vec::new()
    }
    /// The forward pass on one tensor per input; one tensor per output.
    /// A model with one input and output calls [`Model::call`].
    fn call_inputs(&mut self, inputs: &[Tensor], training: bool) -> Result<Vec<Tensor>> {
        match inputs {
            [x] => Ok(vec![self.call(x, training)?]),
            _ => Err(Error::invalid(
                self.name().to_string(),
                format!(
                    "the model expects 1 input(s), but it received {} input tensors",
                    inputs.len()
                ),
            )),
        }
    }

    /// The weights the optimizer updates.
    fn trainable_variables(&self) -> Vec<Variable> {
        self.layers()
            .iter()
            .flat_map(|l| l.core().trainable_weights())
            .collect()
    }
    /// The weights it does not.
    fn non_trainable_variables(&self) -> Vec<Variable> {
        self.layers()
            .iter()
            .flat_map(|l| l.core().non_trainable_weights())
            .collect()
    }
    /// The regularization penalties and the losses layers added in the last call.
    fn losses(&self) -> Result<Vec<Tensor>> {
        let mut all = Vec::new();
        for layer in self.layers() {
            all.extend(layer.core().losses()?);
        }
        Ok(all)
    }
    /// The model's losses in graph `g` after a graph call, like
    /// `model.losses` of a model called in a TF1 graph: each layer's
    /// [`LayerCore::graph_losses`](crate::LayerCore::graph_losses). Add
    /// them to the training loss, as `loss + tf.add_n(model.losses)`.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_keras::layers::Dense;
    /// use ferroflow_keras::{Model, Regularizer, Sequential};
    /// let g = Graph::new();
    /// let x = g.placeholder(DType::F32, [None, Some(4)], "x").unwrap();
    /// let mut model = Sequential::new(vec![
    ///     Box::new(Dense::new(3).kernel_regularizer(Regularizer::l2(0.01))),
    ///     Box::new(Dense::new(1).bias_regularizer(Regularizer::l1(0.1))),
    /// ]);
    /// let y = model.call_graph(&x, true).unwrap();
    /// let losses = model.graph_losses(&g).unwrap();
    /// assert_eq!(losses.len(), 2);
    /// let mut total = y.square().unwrap().reduce_mean(Axes::All, false).unwrap();
    /// for penalty in &losses {
    ///     total = total.add(penalty).unwrap();
    /// }
    /// ```
    fn graph_losses(&self, g: &Graph) -> Result<Vec<Output>> {
        let mut all = Vec::new();
        for layer in self.layers() {
            all.extend(layer.core().graph_losses(g)?);
        }
        Ok(all)
    }
    /// The metrics layers added in graph `g` (each layer's
    /// [`LayerCore::graph_metrics`](crate::LayerCore::graph_metrics)),
    /// as `(name, tensor)` to fetch beside the training op.
    fn graph_metrics(&self, g: &Graph) -> Vec<(String, Output)> {
        let layers = self.layers();
        layers
            .iter()
            .flat_map(|l| l.core().graph_metrics(g))
            .collect()
    }
    /// The number of weight elements.
    fn count_params(&self) -> usize {
        self.layers().iter().map(|l| l.count_params()).sum()
    }
    /// Keras's summary table (see [`crate::summary`]).
    fn summary(&self) -> String {
        crate::summary::summary(self.name(), &self.layers())
    }

    /// Saves every layer's weights as a TensorFlow checkpoint at `path`
    /// (`path.index`, `path.data-00000-of-00001`) with tf-keras's keys,
    /// like `model.save_weights(path)`; see [`ModelWeights::save`].
    ///
    /// ```
    /// use ferroflow_keras::layers::Dense;
    /// use ferroflow_keras::{Model, Sequential};
    /// let dir = std::env::temp_dir().join(format!("ff_save_weights_doc_{}", std::process::id()));
    /// let mut a = Sequential::new(vec![Box::new(Dense::new(2))]);
    /// a.build(&[None, Some(3)]).unwrap();
    /// a.save_weights(dir.join("weights.ckpt")).unwrap();
    /// let mut b = Sequential::new(vec![Box::new(Dense::new(2))]);
    /// b.build(&[None, Some(3)]).unwrap();
    /// b.load_weights(dir.join("weights.ckpt")).unwrap();
    /// assert_eq!(a.trainable_variables()[0].value(), b.trainable_variables()[0].value());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    fn save_weights(&self, path: impl AsRef<Path>) -> Result<()>
    where
        Self: Sized,
    {
        ModelWeights::of(self).save(path)
    }

    /// Loads weights saved by [`Model::save_weights`] or tf-keras into this
    /// built model, like `model.load_weights(path)`; see [`ModelWeights::load`].
    fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()>
    where
        Self: Sized,
    {
        if let Some(layer) = self.layers().iter().find(|l| !l.core().built()) {
            return Err(Error::FailedPrecondition(format!(
                "Unable to load weights into model '{}': layer '{}' has not created its weights yet. Build or call the model first, then load the weights.",
                self.name(),
                layer.core().name()
            )));
        }
        ModelWeights::of(self).load(path)
    }

    /// The model as Keras serializes it, `{"class_name": "Sequential",
    /// "config": {...}}`: the layout of `model.to_json()`, which
    /// [`crate::models::model_from_json`] rebuilds. A custom model has no
    /// config and returns an error.
    fn serialize(&self) -> Result<serde_json::Value> {
        Err(Error::invalid(
            "Model.to_json",
            format!(
                "model '{}' is a custom model: only Sequential and functional models can be serialized",
                self.name()
            ),
        ))
    }

    /// The architecture as JSON, like `model.to_json()`: tf-keras 2.x's
    /// layout, which Keras 3 reads too.
    fn to_json(&self) -> Result<String> {
        Ok(self.serialize()?.to_string())
    }

    /// Sets the optimizer, loss and metrics, like `model.compile(...)`.
    fn compile(&mut self, compiled: Compiled) {
        *self.compiled() = Some(compiled);
    }

    /// One gradient step on a batch; the batch's loss and metrics
    /// (metrics accumulate until the next `reset`), like `train_on_batch`.
    /// `x` and `y` as [`Model::fit`] takes them.
    fn train_on_batch(&mut self, x: &dyn ToInputs, y: &dyn ToInputs) -> Result<Logs> {
        let (x, y) = data(self, "train_on_batch", x, y)?;
        let mut c = take_compiled(self)?;
        c.reset();
        let result = train_step(self, &mut c, &x, &y).map(|_| c.logs(""));
        *self.compiled() = Some(c);
        result
    }

    /// The loss and metrics on a batch without training, like `test_on_batch`.
    fn test_on_batch(&mut self, x: &dyn ToInputs, y: &dyn ToInputs) -> Result<Logs> {
        let (x, y) = data(self, "test_on_batch", x, y)?;
        let mut c = take_compiled(self)?;
        c.reset();
        let result = test_step(self, &mut c, &x, &y).map(|_| c.logs(""));
        *self.compiled() = Some(c);
        result
    }

    /// Trains for `options.epochs` epochs of mini-batches, like
    /// `model.fit(x, y, ...)`; returns the per-epoch logs. `x` is a
    /// tensor, a list with one tensor per input (`&[x1, x2]`), or
    /// `(input name, tensor)` pairs; `y` likewise for the outputs. All
    /// arrays are batched and shuffled together.
    ///
    /// ```
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_keras::layers::{Concatenate, Dense};
    /// use ferroflow_keras::{Compiled, FitOptions, Functional, Model};
    /// let mut m = Functional::new();
    /// let a = m.named_input(&[Some(2)], "a");
    /// let b = m.named_input(&[Some(1)], "b");
    /// let ab = m.apply(Box::new(Concatenate::new(-1)), &[&a, &b]).unwrap();
    /// let y = m.apply(Box::new(Dense::new(1)), &[&ab]).unwrap();
    /// m.set_outputs(&[&y]).unwrap();
    /// m.compile(Compiled::from_names("sgd", "mse", &[]).unwrap());
    /// let (xa, xb) = (Tensor::from_vec(vec![1.0f32; 8], [4, 2]).unwrap(), Tensor::from_vec(vec![0.5f32; 4], [4, 1]).unwrap());
    /// let y = Tensor::from_vec(vec![1.0f32; 4], [4, 1]).unwrap();
    /// let quiet = || FitOptions { verbose: 0, ..Default::default() };
    /// m.fit(&[xa.clone(), xb.clone()], &y, quiet()).unwrap();
    /// m.fit(&[("b", xb.clone()), ("a", xa.clone())], &y, quiet()).unwrap();
    /// let short = Tensor::from_vec(vec![0.5f32; 3], [3, 1]).unwrap();
    /// let err = m.fit(&[xa, short], &y, quiet()).unwrap_err();
    /// assert!(err.to_string().contains("Data cardinality is ambiguous"));
    /// ```
    fn fit(
        &mut self,
        x: &dyn ToInputs,
        y: &dyn ToInputs,
        mut options: FitOptions<'_>,
    ) -> Result<History> {
        let (x, y) = data(self, "fit", x, y)?;
        let total = examples("fit", &x, &y)?;
        if !(0.0..1.0).contains(&options.validation_split) {
            return Err(Error::invalid(
                "fit",
                format!(
                    "validation_split must be in [0, 1); got {}",
                    options.validation_split
                ),
            ));
        }
        let n = total - (total as f64 * options.validation_split) as usize;
        let mut validation = validation_data(&mut options);
        if validation.is_none() && n < total {
            let held: Vec<i64> = (n as i64..total as i64).collect();
            validation = Some((rows_of(&x, &held)?, rows_of(&y, &held)?));
        }
        let seed = match (options.shuffle, options.seed) {
            (false, _) => None,
            (true, Some(seed)) => Some(seed),
            (true, None) => Some(shuffle_seed()?),
        };
        let mut batches = TensorBatches::new(&x, &y, n, options.batch_size, seed)?;
        let mut c = take_compiled(self)?;
        let result = fit_loop(self, &mut c, &mut batches, validation, options);
        *self.compiled() = Some(c);
        result
    }

    /// Trains on a dataset of `(x, y)` batches, like `model.fit(dataset,
    /// epochs, steps_per_epoch, validation_data)`; `batch_size`,
    /// `shuffle` and `validation_split` belong to the dataset here.
    fn fit_dataset(&mut self, data: &Dataset, mut options: FitOptions<'_>) -> Result<History> {
        let mut batches = DatasetBatches::new(data, options.steps_per_epoch);
        let validation = validation_data(&mut options);
        let mut c = take_compiled(self)?;
        let result = fit_loop(self, &mut c, &mut batches, validation, options);
        *self.compiled() = Some(c);
        result
    }

    /// The loss and metrics over a dataset of `(x, y)` batches.
    fn evaluate_dataset(&mut self, data: &Dataset) -> Result<Logs> {
        let mut c = take_compiled(self)?;
        let result = evaluate_loop(self, &mut c, &mut DatasetBatches::new(data, None), "");
        *self.compiled() = Some(c);
        result
    }

    /// The loss and metrics over `x`, `y` in batches, like
    /// `model.evaluate`; `x` and `y` as [`Model::fit`] takes them.
    fn evaluate(&mut self, x: &dyn ToInputs, y: &dyn ToInputs, batch_size: usize) -> Result<Logs> {
        let (x, y) = data(self, "evaluate", x, y)?;
        let mut c = take_compiled(self)?;
        let result = examples("evaluate", &x, &y)
            .and_then(|n| TensorBatches::new(&x, &y, n, batch_size, None))
            .and_then(|mut batches| evaluate_loop(self, &mut c, &mut batches, ""));
        *self.compiled() = Some(c);
        result
    }

    /// The output on `x` in batches, in inference mode, like
    /// `model.predict`; `x` as [`Model::fit`] takes it. A model with
    /// several outputs: [`Model::predict_outputs`].
    fn predict(&mut self, x: &dyn ToInputs, batch_size: usize) -> Result<Tensor> {
        let mut outputs = self.predict_outputs(x, batch_size)?;
        match outputs.len() {
            1 => Ok(outputs.swap_remove(0)),
            n => Err(Error::invalid(
                "predict",
                format!(
                    "model '{}' has {n} outputs; use predict_outputs",
                    self.name()
                ),
            )),
        }
    }

    /// Each output on `x` in batches, in inference mode, like
    /// `model.predict` on a model with several outputs.
    fn predict_outputs(&mut self, x: &dyn ToInputs, batch_size: usize) -> Result<Vec<Tensor>> {
        let x = x
            .to_inputs()
            .resolve("predict", "input", &self.input_names())?;
        let n = examples("predict", &x, &[])?;
        let mut batches: Vec<Vec<Tensor>> = Vec::new();
        for start in (0..n).step_by(batch_size.max(1)) {
            let index: Vec<i64> = (start as i64..(start + batch_size).min(n) as i64).collect();
            let outputs = self.call_inputs(&rows_of(&x, &index)?, false)?;
            for (i, output) in outputs.into_iter().enumerate() {
                match batches.get_mut(i) {
                    Some(b) => b.push(output),
                    None => batches.push(vec![output]),
                }
            }
        }
        batches.into_iter().map(join_batches).collect()
    }

    /// The outputs on every batch of a dataset, in inference mode, like
    /// `model.predict(dataset)`: its elements are batches of `x`, or
    /// `(x, y)` / `(x, y, sample_weight)` tuples whose `x` is used.
    ///
    /// ```
    /// use ferroflow_core::prelude::*;
    /// use ferroflow_data::Dataset;
    /// use ferroflow_keras::layers::Dense;
    /// use ferroflow_keras::{Model, Sequential};
    /// let mut model = Sequential::new(vec![Box::new(Dense::new(3))]);
    /// let x = Tensor::from_vec(vec![1.0f32; 10], [5, 2]).unwrap();
    /// let data = Dataset::from_tensor_slices(x).unwrap().batch(2, false).unwrap();
    /// assert_eq!(model.predict_dataset(&data).unwrap().dims(), [5, 3]);
    /// ```
    fn predict_dataset(&mut self, data: &Dataset) -> Result<Tensor> {
        let mut outputs = Vec::new();
        for element in data {
            let element = element.map_err(|e| match e {
                ferroflow_data::DataError::Core(e) => e,
                other => Error::invalid("predict", other.to_string()),
            })?;
            let x = match (element.names(), element.tensors()) {
                (None, [x] | [x, _] | [x, _, _]) => x,
                _ => {
                    return Err(Error::invalid(
                        "predict",
                        format!(
                            "a dataset for predict yields x or (x, y[, sample_weight]) tuples; got elements {}",
                            element.spec()
                        ),
                    ))
                }
            };
            outputs.push(self.call(x, false)?);
        }
        join_batches(outputs)
    }
}

/// The outputs of `predict`'s batches, joined along the batch axis.
fn join_batches(mut outputs: Vec<Tensor>) -> Result<Tensor> {
    let refs: Vec<&Tensor> = outputs.iter().collect();
    match refs.len() {
        0 => Err(Error::invalid("predict", "x holds no examples")),
        1 => Ok(outputs.swap_remove(0)),
        _ => concat(&refs, 0),
    }
}

/// `x` and `y` in the order of the model's inputs and outputs.
fn data<M: Model + ?Sized>(
    model: &M,
    op: &str,
    x: &dyn ToInputs,
    y: &dyn ToInputs,
) -> Result<Batch> {
    let x = x.to_inputs().resolve(op, "input", &model.input_names())?;
    let y = y.to_inputs().resolve(op, "output", &model.output_names())?;
    Ok((x, y))
}

/// `options.validation_data`, taken, as a batch.
fn validation_data(options: &mut FitOptions<'_>) -> Option<Batch> {
    options
        .validation_data
        .take()
        .map(|(x, y)| (vec![x], vec![y]))
}

fn take_compiled<M: Model + ?Sized>(model: &mut M) -> Result<Compiled> {
    model.compiled().take().ok_or_else(|| {
        Error::FailedPrecondition("You must call `compile()` before using the model.".to_string())
    })
}

/// The loss of a batch (the sum of each output's loss) plus the model's
/// added losses; with several outputs, also each output's loss, named
/// `<output>_loss` as Keras logs it.
fn total_loss<M: Model + ?Sized>(
    model: &M,
    c: &Compiled,
    y: &[Tensor],
    y_pred: &[Tensor],
) -> Result<(Tensor, Vec<(String, Tensor)>)> {
    if y.len() != y_pred.len() {
        return Err(Error::invalid(
            "fit",
            format!(
                "the model has {} outputs but {} targets were given",
                y_pred.len(),
                y.len()
            ),
        ));
    }
    let names = model.output_names();
    let mut loss: Option<Tensor> = None;
    let mut per_output = Vec::new();
    for (i, (t, p)) in y.iter().zip(y_pred).enumerate() {
        let output_loss = c.loss.call(t, p)?;
        if y.len() > 1 {
            let name = names.get(i).cloned().unwrap_or(format!("output_{}", i + 1));
            per_output.push((format!("{name}_loss"), output_loss.clone()));
        }
        loss = Some(match loss {
            Some(loss) => loss.add(&output_loss)?,
            None => output_loss,
        });
    }
    let mut loss = loss.ok_or_else(|| Error::invalid("fit", "the model has no outputs"))?;
    for extra in model.losses()? {
        loss = loss.add(&extra)?;
    }
    Ok((loss, per_output))
}

/// The metrics layers added, after `per_output` losses.
fn added_metrics<M: Model + ?Sized>(
    model: &M,
    per_output: Vec<(String, Tensor)>,
) -> Vec<(String, Tensor)> {
    let layers = model.layers();
    let added = layers.iter().flat_map(|l| l.core().metrics());
    per_output.into_iter().chain(added).collect()
}

/// A seed for `fit`'s shuffles from the random ops' seeds (reproducible
/// after `set_random_seed`, fresh each run otherwise).
fn shuffle_seed() -> Result<u64> {
    let draw = random_uniform(&[], 0.0, i64::MAX as f64, DType::I64, None)?;
    Ok(draw.to_scalar::<i64>()? as u64)
}

/// Forward under a tape, loss, gradients, one optimizer step.
fn train_step<M: Model + ?Sized>(
    model: &mut M,
    c: &mut Compiled,
    x: &[Tensor],
    y: &[Tensor],
) -> Result<()> {
    let tape = GradientTape::new();
    let y_pred = model.call_inputs(x, true)?;
    let (loss, per_output) = total_loss(model, c, y, &y_pred)?;
    let vars = model.trainable_variables();
    let sources: Vec<&Variable> = vars.iter().collect();
    let grads = tape.gradient(&loss, &sources)?;
    drop(tape);
    let pairs: Vec<(Tensor, &Variable)> = grads
        .into_iter()
        .zip(&vars)
        .filter_map(|(g, v)| g.map(|g| (g, v)))
        .collect();
    if !pairs.is_empty() {
        c.optimizer.apply_gradients(&pairs)?;
    }
    let value = loss.cast(DType::F64)?.to_scalar::<f64>()?;
    c.update(value, y, &y_pred, added_metrics(model, per_output))
}

fn test_step<M: Model + ?Sized>(
    model: &mut M,
    c: &mut Compiled,
    x: &[Tensor],
    y: &[Tensor],
) -> Result<()> {
    let y_pred = model.call_inputs(x, false)?;
    let (loss, per_output) = total_loss(model, c, y, &y_pred)?;
    let value = loss.cast(DType::F64)?.to_scalar::<f64>()?;
    c.update(value, y, &y_pred, added_metrics(model, per_output))
}

fn evaluate_loop<M: Model + ?Sized>(
    model: &mut M,
    c: &mut Compiled,
    batches: &mut dyn Batches,
    prefix: &str,
) -> Result<Logs> {
    c.reset();
    batches.start_epoch(0)?;
    while let Some(batch) = batches.next_batch() {
        let (x, y) = batch?;
        test_step(model, c, &x, &y)?;
    }
    Ok(c.logs(prefix))
}

/// `train_step` traced into a graph, for callbacks that draw it; the
/// graph is `None` when an op of the step cannot be traced.
fn traced_train_step<M: Model + ?Sized>(
    model: &mut M,
    c: &mut Compiled,
    x: &[Tensor],
    y: &[Tensor],
) -> Result<Option<GraphDef>> {
    let names = |prefix: &str, n: usize| match n {
        1 => vec![prefix.to_string()],
        n => (0..n).map(|i| format!("{prefix}_{i}")).collect::<Vec<_>>(),
    };
    let (x_names, y_names) = (names("x", x.len()), names("y", y.len()));
    let feeds: Vec<(&str, &Tensor)> = x_names
        .iter()
        .chain(&y_names)
        .map(String::as_str)
        .zip(x.iter().chain(y))
        .collect();
    let mut stepped = Ok(());
    let traced = trace_graph(&feeds, || {
        stepped = train_step(model, c, x, y);
        Ok(())
    });
    stepped?;
    Ok(traced
        .ok()
        .and_then(|((), graph)| graph.to_graph_def().ok()))
}

/// Gives every callback the model's weights and optimizer step counter.
fn set_model<M: Model + ?Sized>(callbacks: &mut [&mut dyn Callback], model: &M, c: &Compiled) {
    let mut weights = ModelWeights::of(model);
    weights.iterations = Some(c.optimizer().iterations_variable().clone());
    weights.optimizer = OptimizerWeights::of(c.optimizer(), &model.trainable_variables()).ok();
    weights.config = crate::saving::model_config(model, Some(c))
        .or_else(|_| crate::saving::model_config(model, None))
        .ok();
    for cb in callbacks.iter_mut() {
        cb.set_model(&weights);
    }
}

fn fit_loop<M: Model + ?Sized>(
    model: &mut M,
    c: &mut Compiled,
    batches: &mut dyn Batches,
    validation: Option<Batch>,
    mut options: FitOptions<'_>,
) -> Result<History> {
    let steps = batches.steps().unwrap_or(0);
    let mut history = History::default();
    let mut bar = ProgressBar::new();
    let mut callbacks: Vec<&mut dyn Callback> = vec![&mut history];
    if options.verbose > 0 {
        callbacks.push(&mut bar);
    }
    callbacks.extend(
        options
            .callbacks
            .iter_mut()
            .map(|cb| &mut **cb as &mut dyn Callback),
    );
    set_model(&mut callbacks, model, c);
    for cb in callbacks.iter_mut() {
        cb.on_train_begin(options.epochs, steps)?;
    }
    let mut logs = Logs::default();
    for epoch in 0..options.epochs {
        for cb in callbacks.iter_mut() {
            cb.on_epoch_begin(epoch)?;
        }
        c.reset();
        batches.start_epoch(epoch)?;
        let mut step = 0;
        while let Some(batch) = batches.next_batch() {
            let (x, y) = batch?;
            for cb in callbacks.iter_mut() {
                cb.on_batch_begin(step)?;
            }
            if epoch == 0 && step == 0 {
                let graph = match callbacks.iter().any(|cb| cb.wants_graph()) {
                    true => traced_train_step(model, c, &x, &y)?,
                    false => train_step(model, c, &x, &y).map(|()| None)?,
                };
                // The first call built a lazily built model's weights.
                set_model(&mut callbacks, model, c);
                if let Some(graph) = graph {
                    for cb in callbacks.iter_mut().filter(|cb| cb.wants_graph()) {
                        cb.on_graph(&graph)?;
                    }
                }
            } else {
                train_step(model, c, &x, &y)?;
            }
            let batch_logs = c.logs("");
            for cb in callbacks.iter_mut() {
                cb.on_batch_end(step, &batch_logs)?;
            }
            step += 1;
        }
        logs = c.logs("");
        if let Some((vx, vy)) = &validation {
            let n = examples("fit", vx, vy)?;
            let mut val = TensorBatches::new(vx, vy, n, options.batch_size, None)?;
            logs.0.extend(evaluate_loop(model, c, &mut val, "val_")?.0);
        }
        for cb in callbacks.iter_mut() {
            cb.on_epoch_end(epoch, &logs)?;
        }
        if callbacks.iter().any(|cb| cb.stop_training()) {
            break;
        }
    }
    for cb in callbacks.iter_mut() {
        cb.on_train_end(&logs)?;
    }
    drop(callbacks);
    Ok(history)
}
