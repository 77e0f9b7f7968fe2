//! `TensorBoard`: event files of a `fit` under `log_dir/train` and
//! `log_dir/validation`, with the tags tf-keras writes.

use super::{Callback, Logs};
use crate::saving::{io_error, ModelWeights};
use ferroflow_core::Result;
use ferroflow_io::events::{
    histogram, scalar, EventFileWriter, EventWriterOptions, DEFAULT_BUCKETS,
};
use ferroflow_io::proto::{
    GraphDef, Summary, SummaryMetadata, SummaryValue, TensorProto, ValueKind,
};
use ferroflow_tensor::Tensor;
use std::path::{Path, PathBuf};

/// How often [`TensorBoard`] writes the running loss and metrics, like its
/// `update_freq` argument: `"epoch"` (only the epoch values), `"batch"`
/// (`Batches(1)`) or every N batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateFreq {
    Epoch,
    Batches(usize),
}

/// Writes TensorBoard logs during `fit`, like
/// `tf.keras.callbacks.TensorBoard(log_dir, histogram_freq=0,
/// update_freq="epoch")`, with tf-keras's tags:
///
/// - `log_dir/train`: `epoch_loss`, `epoch_<metric>` at step = epoch
///   (from 0); with `update_freq` in batches, `batch_loss`,
///   `batch_<metric>` (running averages) at step = the optimizer's
///   iteration count; every `histogram_freq` epochs, a histogram of each
///   weight tagged `dense/kernel_0/histogram`.
/// - `log_dir/validation`: the `val_` values as `epoch_loss`, … and
///   `evaluation_loss_vs_iterations`, … at step = iterations.
/// - with `write_graph` (default), in `train`: the graph of the first
///   training step, its ops in name scopes of the layers (`dense/MatMul`),
///   and the model's JSON config tagged `keras` (the conceptual graph).
///
/// ```
/// use ferroflow_keras::callbacks::TensorBoard;
/// use ferroflow_keras::layers::Dense;
/// use ferroflow_keras::{Compiled, FitOptions, Model, Sequential};
/// use ferroflow_core::prelude::*;
/// let dir = std::env::temp_dir().join(format!("ff_tensorboard_doc_{}", std::process::id()));
/// let mut model = Sequential::new(vec![Box::new(Dense::new(1))]);
/// model.compile(Compiled::from_names("sgd", "mse", &[]).unwrap());
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4, 1]).unwrap();
/// let mut tensorboard = TensorBoard::new(&dir).histogram_freq(1);
/// let options = FitOptions { epochs: 2, verbose: 0, callbacks: vec![&mut tensorboard], ..Default::default() };
/// model.fit(&x, &x, options).unwrap();
/// assert_eq!(ferroflow_io::events::event_files(dir.join("train")).unwrap().len(), 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct TensorBoard {
    pub log_dir: PathBuf,
    /// Epochs between weight histograms; 0: none.
    pub histogram_freq: usize,
    /// Whether to write the graph of the first training step (default true).
    pub write_graph: bool,
    pub update_freq: UpdateFreq,
    model: Option<ModelWeights>,
    train: Option<EventFileWriter>,
    validation: Option<EventFileWriter>,
}

impl TensorBoard {
    /// Logs to `log_dir` once per epoch, without histograms.
    pub fn new(log_dir: impl AsRef<Path>) -> Self {
        TensorBoard {
            log_dir: log_dir.as_ref().to_path_buf(),
            histogram_freq: 0,
            write_graph: true,
            update_freq: UpdateFreq::Epoch,
            model: None,
            train: None,
            validation: None,
        }
    }

    /// Writes weight histograms every `freq` epochs (0: never).
    pub fn histogram_freq(mut self, freq: usize) -> Self {
        self.histogram_freq = freq;
        self
    }

    /// Whether to write the traced graph of the first training step.
    pub fn write_graph(mut self, on: bool) -> Self {
        self.write_graph = on;
        self
    }

    /// Writes batch-level values too (`UpdateFreq::Batches(n)`).
    pub fn update_freq(mut self, freq: UpdateFreq) -> Self {
        self.update_freq = freq;
        self
    }

    /// The optimizer's step count, the step of batch-level values.
    fn iterations(&self) -> i64 {
        self.model
            .as_ref()
            .and_then(|m| m.iterations.as_ref())
            .and_then(|v| v.value().to_scalar::<i64>().ok())
            .unwrap_or(0)
    }

    /// The writer of run `name` (`train`, `validation`), opened on first use
    /// with TF2's `.v2` file suffix.
    fn writer<'a>(
        slot: &'a mut Option<EventFileWriter>,
        log_dir: &Path,
        name: &str,
    ) -> Result<&'a EventFileWriter> {
        if slot.is_none() {
            let options = EventWriterOptions {
                filename_suffix: ".v2".into(),
                ..Default::default()
            };
            let writer = EventFileWriter::with_options(log_dir.join(name), options)
                .map_err(io_error("TensorBoard"))?;
            *slot = Some(writer);
        }
        Ok(slot.as_ref().expect("the writer was just opened"))
    }

    /// Writes `values` as scalars `<prefix><name>` at `step` to run `run`.
    fn scalars(&mut self, validation: bool, values: &[(String, f64)], step: i64) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let (slot, run) = match validation {
            true => (&mut self.validation, "validation"),
            false => (&mut self.train, "train"),
        };
        let summary = Summary {
            value: values.iter().map(|(tag, v)| scalar(tag, *v)).collect(),
        };
        TensorBoard::writer(slot, &self.log_dir, run)?
            .add_summary(summary, step)
            .map_err(io_error("TensorBoard"))
    }

    /// The model's architecture JSON tagged `keras` (plugin
    /// `graph_keras_model`), TensorBoard's conceptual graph, as tf-keras's
    /// `keras_model_summary`; nothing for a model without a config.
    fn log_model_config(&mut self) -> Result<()> {
        let Some(mut config) = self.model.as_ref().and_then(|m| m.config.clone()) else {
            return Ok(());
        };
        if let Some(fields) = config.as_object_mut() {
            fields.remove("compile_config");
        }
        let json = Tensor::from_strings(&[config.to_string()], [])?;
        let mut value =
            SummaryValue::new("keras", ValueKind::Tensor(TensorProto::from_tensor(&json)));
        let mut metadata = SummaryMetadata::plugin("graph_keras_model");
        if let Some(plugin) = metadata.plugin_data.as_mut() {
            plugin.content = b"1".to_vec();
        }
        value.metadata = Some(metadata);
        TensorBoard::writer(&mut self.train, &self.log_dir, "train")?
            .add_summary(Summary { value: vec![value] }, 0)
            .map_err(io_error("TensorBoard"))
    }

    /// A histogram of every weight, tagged as tf-keras's `_log_weights`.
    fn log_weights(&mut self, epoch: usize) -> Result<()> {
        let Some(model) = &self.model else {
            return Ok(());
        };
        let mut value = Vec::new();
        for (_, var) in model.layers.iter().flat_map(|l| &l.weights) {
            let tag = format!("{}/histogram", var.name().replace(':', "_"));
            value.push(
                histogram(&tag, &var.value(), DEFAULT_BUCKETS).map_err(io_error("TensorBoard"))?,
            );
        }
        let writer = TensorBoard::writer(&mut self.train, &self.log_dir, "train")?;
        writer
            .add_summary(Summary { value }, epoch as i64)
            .map_err(io_error("TensorBoard"))
    }
}

impl Callback for TensorBoard {
    fn set_model(&mut self, model: &ModelWeights) {
        self.model = Some(model.clone());
    }
    fn on_train_begin(&mut self, _epochs: usize, _steps: usize) -> Result<()> {
        TensorBoard::writer(&mut self.train, &self.log_dir, "train").map(|_| ())
    }
    fn wants_graph(&self) -> bool {
        self.write_graph
    }
    fn on_graph(&mut self, graph: &GraphDef) -> Result<()> {
        self.log_model_config()?;
        TensorBoard::writer(&mut self.train, &self.log_dir, "train")?
            .add_graph(graph)
            .map_err(io_error("TensorBoard"))
    }
    fn on_batch_end(&mut self, _batch: usize, logs: &Logs) -> Result<()> {
        let UpdateFreq::Batches(n) = self.update_freq else {
            return Ok(());
        };
        let step = self.iterations();
        if n == 0 || step % n as i64 != 0 {
            return Ok(());
        }
        let values: Vec<(String, f64)> = logs
            .0
            .iter()
            .map(|(k, v)| (format!("batch_{k}"), *v))
            .collect();
        self.scalars(false, &values, step)
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs) -> Result<()> {
        let (mut train, mut validation, mut evaluation) = (Vec::new(), Vec::new(), Vec::new());
        for (k, v) in &logs.0 {
            match k.strip_prefix("val_") {
                Some(name) => {
                    validation.push((format!("epoch_{name}"), *v));
                    evaluation.push((format!("evaluation_{name}_vs_iterations"), *v));
                }
                None => train.push((format!("epoch_{k}"), *v)),
            }
        }
        let iterations = self.iterations();
        self.scalars(true, &evaluation, iterations)?;
        self.scalars(false, &train, epoch as i64)?;
        self.scalars(true, &validation, epoch as i64)?;
        if self.histogram_freq > 0 && epoch.is_multiple_of(self.histogram_freq) {
            self.log_weights(epoch)?;
        }
        for writer in self.train.iter().chain(&self.validation) {
            writer.flush().map_err(io_error("TensorBoard"))?;
        }
        Ok(())
    }
    fn on_train_end(&mut self, _logs: &Logs) -> Result<()> {
        for writer in [self.train.take(), self.validation.take()]
            .into_iter()
            .flatten()
        {
            writer.close().map_err(io_error("TensorBoard"))?;
        }
        Ok(())
    }
}
