//! Callbacks that `fit` calls around training, epochs and batches, like
//! `tf.keras.callbacks`: the progress bar, `History`, `EarlyStopping`,
//! `TerminateOnNaN`, `CSVLogger`, `LearningRateScheduler`,
//! `ReduceLROnPlateau`, `ModelCheckpoint` and `TensorBoard`.

mod checkpoint;
mod tensorboard;

pub use checkpoint::{format_filepath, ModelCheckpoint, SaveFreq};
pub use tensorboard::{TensorBoard, UpdateFreq};

use crate::optimizers::LearningRateCell;
use crate::saving::ModelWeights;
use ferroflow_core::{Error, Result};
use ferroflow_io::proto::GraphDef;
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Named values a callback sees: `loss`, metrics, then `val_…` ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Logs(pub Vec<(String, f64)>);

impl Logs {
    /// The value named `key`.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
    /// Sets `key`, keeping its place if present.
    pub fn set(&mut self, key: &str, value: f64) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }
    /// ` - loss: 0.5000 - accuracy: 0.8000`, Keras's format.
    pub fn progress_string(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!(" - {k}: {v:.4}"))
            .collect()
    }
}

/// Hooks `fit` calls; every hook defaults to nothing. A hook returning an
/// error stops training with it; `stop_training` asks for a clean stop
/// after the current epoch.
pub trait Callback {
    /// Gives the callback the model being trained, like Keras's
    /// `callback.set_model(model)`: its weights by layer (shared handles,
    /// so they stay current), its optimizer's step counter and its config
    /// (what whole-model saving writes). `fit` calls
    /// it before `on_train_begin`, and again after the first batch, once a
    /// model built by its first call has its weights.
    fn set_model(&mut self, _model: &ModelWeights) {}
    /// Whether the callback wants [`Callback::on_graph`]; `fit` traces its
    /// first training step only when one does.
    fn wants_graph(&self) -> bool {
        false
    }
    /// The first training step as a graph (forward pass with ops named in
    /// each layer's name scope, loss, gradients), after the first batch,
    /// like the train-function graph Keras's TensorBoard writes. Not
    /// called when an op of the step cannot be traced.
    fn on_graph(&mut self, _graph: &GraphDef) -> Result<()> {
        Ok(())
    }
    /// Before the first epoch; `steps` is the number of batches per epoch.
    fn on_train_begin(&mut self, _epochs: usize, _steps: usize) -> Result<()> {
        Ok(())
    }
    /// After the last epoch.
    fn on_train_end(&mut self, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    /// Before each epoch (counting from 0).
    fn on_epoch_begin(&mut self, _epoch: usize) -> Result<()> {
        Ok(())
    }
    /// After each epoch, with the epoch's averages and validation values.
    fn on_epoch_end(&mut self, _epoch: usize, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    /// Before each batch (counting from 0 in the epoch).
    fn on_batch_begin(&mut self, _batch: usize) -> Result<()> {
        Ok(())
    }
    /// After each batch, with the running averages.
    fn on_batch_end(&mut self, _batch: usize, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    /// Whether training should stop after this epoch.
    fn stop_training(&self) -> bool {
        false
    }
}

/// Every epoch's logs, as `model.fit` returns them (`history.history["loss"]`).
///
/// ```
/// use ferroflow_keras::callbacks::{Callback, History, Logs};
/// let mut h = History::default();
/// h.on_epoch_end(0, &Logs(vec![("loss".into(), 0.5)])).unwrap();
/// assert_eq!(h.get("loss"), Some(vec![0.5]));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub epochs: Vec<Logs>,
}

impl History {
    /// The values of `key` per epoch.
    pub fn get(&self, key: &str) -> Option<Vec<f64>> {
        self.epochs.iter().map(|l| l.get(key)).collect()
    }
}

impl Callback for History {
    fn on_train_begin(&mut self, _epochs: usize, _steps: usize) -> Result<()> {
        self.epochs.clear();
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs) -> Result<()> {
        self.epochs.push(logs.clone());
        Ok(())
    }
}

/// Keras's progress bar (`verbose=1`): `Epoch 1/5`, then
/// `120/469 [=====>......] - ETA: 3s - loss: 0.5123` redrawn on a
/// terminal; when stdout is not a terminal, one line per epoch
/// (`469/469 - 4s - loss: … - val_loss: …`), as `verbose=2`.
pub struct ProgressBar {
    epochs: usize,
    /// Steps per epoch; 0 when unknown (a dataset without `steps_per_epoch`).
    steps: usize,
    seen: usize,
    start: Instant,
    tty: bool,
}

impl ProgressBar {
    /// A bar that draws on a terminal and prints a line per epoch otherwise.
    pub fn new() -> Self {
        ProgressBar::with_tty(std::io::stdout().is_terminal())
    }
    /// A bar that redraws (`tty`) or prints a line per epoch.
    pub fn with_tty(tty: bool) -> Self {
        ProgressBar {
            epochs: 0,
            steps: 0,
            seen: 0,
            start: Instant::now(),
            tty,
        }
    }
    /// The bar for `done` of the epoch's steps, with the ETA or the time taken.
    pub fn line(&self, done: usize, logs: &Logs) -> String {
        let elapsed = self.start.elapsed().as_secs_f64();
        let width = self.steps.to_string().len();
        if !self.tty || done == self.steps || self.steps == 0 {
            let per_step = elapsed / done.max(1) as f64;
            let total = match self.steps {
                0 => "Unknown".to_string(),
                n => n.to_string(),
            };
            return format!(
                "{done:>width$}/{total} - {:.0}s {:.0}ms/step{}",
                elapsed,
                per_step * 1e3,
                logs.progress_string()
            );
        }
        let filled = 30 * done / self.steps.max(1);
        let bar: String = (0..30)
            .map(|i| match i.cmp(&filled) {
                std::cmp::Ordering::Less => '=',
                std::cmp::Ordering::Equal => '>',
                std::cmp::Ordering::Greater => '.',
            })
            .collect();
        let eta = elapsed / done.max(1) as f64 * (self.steps - done) as f64;
        format!(
            "{done:>width$}/{} [{bar}] - ETA: {eta:.0}s{}",
            self.steps,
            logs.progress_string()
        )
    }
}

impl Default for ProgressBar {
    fn default() -> Self {
        ProgressBar::new()
    }
}

impl Callback for ProgressBar {
    fn on_train_begin(&mut self, epochs: usize, steps: usize) -> Result<()> {
        (self.epochs, self.steps) = (epochs, steps);
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize) -> Result<()> {
        println!("Epoch {}/{}", epoch + 1, self.epochs);
        self.start = Instant::now();
        Ok(())
    }
    fn on_batch_end(&mut self, batch: usize, logs: &Logs) -> Result<()> {
        self.seen = batch + 1;
        if self.tty {
            print!("\r{}", self.line(batch + 1, logs));
            std::io::stdout()
                .flush()
                .map_err(|e| Error::FailedPrecondition(e.to_string()))?;
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs) -> Result<()> {
        let lead = if self.tty { "\r" } else { "" };
        println!("{lead}{}", self.line(self.seen, logs));
        Ok(())
    }
}

/// Stops training when `monitor` (`val_loss`) has not improved by more
/// than `min_delta` for `patience` epochs, like
/// `tf.keras.callbacks.EarlyStopping`.
///
/// ```
/// use ferroflow_keras::callbacks::{Callback, EarlyStopping, Logs};
/// let mut es = EarlyStopping::new("loss", 1);
/// for (epoch, loss) in [1.0, 0.5, 0.6, 0.7].into_iter().enumerate() {
///     es.on_epoch_end(epoch, &Logs(vec![("loss".into(), loss)])).unwrap();
/// }
/// assert!(es.stop_training());
/// assert_eq!(es.stopped_epoch, Some(3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyStopping {
    pub monitor: String,
    pub patience: usize,
    pub min_delta: f64,
    /// Whether larger is better (`mode="max"`); Keras infers it from names
    /// holding `acc`/`auc`.
    pub maximize: bool,
    best: Option<f64>,
    wait: usize,
    /// The epoch training stopped at.
    pub stopped_epoch: Option<usize>,
}

impl EarlyStopping {
    /// Watches `monitor` with `patience` epochs of grace.
    pub fn new(monitor: &str, patience: usize) -> Self {
        EarlyStopping {
            monitor: monitor.into(),
            patience,
            min_delta: 0.0,
            maximize: monitor.contains("acc") || monitor.contains("auc"),
            best: None,
            wait: 0,
            stopped_epoch: None,
        }
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _epochs: usize, _steps: usize) -> Result<()> {
        (self.best, self.wait, self.stopped_epoch) = (None, 0, None);
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs) -> Result<()> {
        let Some(current) = logs.get(&self.monitor) else {
            return Ok(());
        };
        let sign = if self.maximize { 1.0 } else { -1.0 };
        let improved = match self.best {
            None => true,
            Some(best) => sign * (current - best) > self.min_delta,
        };
        if improved {
            (self.best, self.wait) = (Some(current), 0);
        } else {
            self.wait += 1;
            if self.wait >= self.patience {
                self.stopped_epoch = Some(epoch);
            }
        }
        Ok(())
    }
    fn stop_training(&self) -> bool {
        self.stopped_epoch.is_some()
    }
}

/// Stops training with an error at the first batch whose loss is NaN or
/// infinite, like `tf.keras.callbacks.TerminateOnNaN` (and TF1's
/// `NanTensorHook`: "Model diverged with loss = NaN").
///
/// ```
/// use ferroflow_keras::callbacks::{Callback, Logs, TerminateOnNaN};
/// let err = TerminateOnNaN.on_batch_end(6, &Logs(vec![("loss".into(), f64::NAN)])).unwrap_err();
/// assert_eq!(err.to_string(), "Model diverged with loss = NaN at batch 6");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TerminateOnNaN;

impl Callback for TerminateOnNaN {
    fn on_batch_end(&mut self, batch: usize, logs: &Logs) -> Result<()> {
        match logs.get("loss") {
            Some(loss) if !loss.is_finite() => Err(Error::FailedPrecondition(format!(
                "Model diverged with loss = {} at batch {batch}",
                if loss.is_nan() {
                    "NaN".to_string()
                } else {
                    loss.to_string()
                }
            ))),
            _ => Ok(()),
        }
    }
}

/// Writes one CSV row per epoch (`epoch,loss,…`), like
/// `tf.keras.callbacks.CSVLogger(filename)`.
pub struct CSVLogger {
    path: std::path::PathBuf,
    rows: Vec<String>,
    header: Option<String>,
}

impl CSVLogger {
    /// A logger writing `path` after every epoch.
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        CSVLogger {
            path: path.into(),
            rows: Vec::new(),
            header: None,
        }
    }
}

impl Callback for CSVLogger {
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs) -> Result<()> {
        let mut keys: Vec<&str> = logs.0.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        let header = self
            .header
            .get_or_insert_with(|| format!("epoch,{}", keys.join(",")));
        let values: Vec<String> = keys
            .iter()
            .map(|k| logs.get(k).map_or(String::new(), |v| v.to_string()))
            .collect();
        self.rows.push(format!("{epoch},{}", values.join(",")));
        let text = format!("{header}\n{}\n", self.rows.join("\n"));
        std::fs::write(&self.path, text).map_err(|e| {
            Error::FailedPrecondition(format!(
                "CSVLogger: cannot write {}: {e}",
                self.path.display()
            ))
        })
    }
}

/// Sets the learning rate at the start of each epoch from
/// `schedule(epoch, current_rate)`, like
/// `tf.keras.callbacks.LearningRateScheduler(schedule)`.
///
/// ```
/// use ferroflow_keras::callbacks::{Callback, LearningRateScheduler};
/// use ferroflow_keras::optimizers::LearningRateCell;
/// let lr = LearningRateCell::new(0.1);
/// let mut s = LearningRateScheduler::new(lr.clone(), |epoch, lr| if epoch < 2 { lr } else { lr * 0.5 });
/// for epoch in 0..4 {
///     s.on_epoch_begin(epoch).unwrap();
/// }
/// assert_eq!(lr.get(), 0.025);
/// ```
pub struct LearningRateScheduler {
    lr: LearningRateCell,
    schedule: Box<dyn FnMut(usize, f64) -> f64>,
}

impl LearningRateScheduler {
    /// Drives `lr` (from `Compiled::optimizer().learning_rate()`) by `schedule`.
    pub fn new(lr: LearningRateCell, schedule: impl FnMut(usize, f64) -> f64 + 'static) -> Self {
        LearningRateScheduler {
            lr,
            schedule: Box::new(schedule),
        }
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, epoch: usize) -> Result<()> {
        let next = (self.schedule)(epoch, self.lr.get());
        if !next.is_finite() {
            return Err(Error::invalid(
                "LearningRateScheduler",
                format!("The output of the `schedule` function should be a float. Got: {next}"),
            ));
        }
        self.lr.set(next);
        Ok(())
    }
}

/// Multiplies the learning rate by `factor` (0.1) when `monitor`
/// (`val_loss`) has not improved by `min_delta` (1e-4) for `patience`
/// (10) epochs, not below `min_lr`, like
/// `tf.keras.callbacks.ReduceLROnPlateau`.
///
/// ```
/// use ferroflow_keras::callbacks::{Callback, Logs, ReduceLROnPlateau};
/// use ferroflow_keras::optimizers::LearningRateCell;
/// let lr = LearningRateCell::new(1.0);
/// let mut r = ReduceLROnPlateau::new(lr.clone(), "loss", 0.5, 1);
/// for (epoch, loss) in [1.0, 1.0, 1.0].into_iter().enumerate() {
///     r.on_epoch_end(epoch, &Logs(vec![("loss".into(), loss)])).unwrap();
/// }
/// assert_eq!(lr.get(), 0.25);
/// ```
pub struct ReduceLROnPlateau {
    lr: LearningRateCell,
    pub monitor: String,
    pub factor: f64,
    pub patience: usize,
    pub min_delta: f64,
    pub min_lr: f64,
    best: Option<f64>,
    wait: usize,
}

impl ReduceLROnPlateau {
    /// Watches `monitor` (smaller is better), cutting `lr` by `factor`
    /// after `patience` epochs without improvement.
    pub fn new(lr: LearningRateCell, monitor: &str, factor: f64, patience: usize) -> Self {
        ReduceLROnPlateau {
            lr,
            monitor: monitor.into(),
            factor,
            patience,
            min_delta: 1e-4,
            min_lr: 0.0,
            best: None,
            wait: 0,
        }
    }
}

impl Callback for ReduceLROnPlateau {
    fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs) -> Result<()> {
        let Some(current) = logs.get(&self.monitor) else {
            return Ok(());
        };
        match self.best {
            Some(best) if current >= best - self.min_delta => {
                self.wait += 1;
                if self.wait >= self.patience {
                    self.lr.set((self.lr.get() * self.factor).max(self.min_lr));
                    self.wait = 0;
                }
            }
            _ => (self.best, self.wait) = (Some(current), 0),
        }
        Ok(())
    }
}
