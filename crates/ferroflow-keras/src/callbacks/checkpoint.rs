//! `ModelCheckpoint`: saves the model's weights during training, after
//! every epoch or every N batches, optionally only when a monitored value
//! improves, with Keras's file-name templates (`weights.{epoch:02d}`).

use super::{Callback, Logs};
use crate::saving::ModelWeights;
use ferroflow_core::{Error, Result};

/// How often [`ModelCheckpoint`] saves, like its `save_freq` argument:
/// `"epoch"` or an integer number of batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveFreq {
    Epoch,
    Batches(usize),
}

/// Whether a smaller or larger monitored value is better, like `mode`:
/// `Auto` takes larger for names holding `acc` (or starting with
/// `fmeasure`) and smaller otherwise, as Keras does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Min,
    Max,
}

/// Saves the model's weights during `fit`, like
/// `tf.keras.callbacks.ModelCheckpoint(filepath, monitor="val_loss",
/// save_best_only=False, save_weights_only=False, mode="auto",
/// save_freq="epoch")`. `filepath` may hold `{epoch}` (counted from 1),
/// `{batch}` and log values (`{val_loss:.2f}`), see [`format_filepath`].
/// With `save_weights_only`, each save is a TF checkpoint
/// ([`ModelWeights::save`]); otherwise the whole model, a directory as
/// [`crate::saving::save_model`] writes it (a custom model, which has no
/// config, needs `save_weights_only`). Both are crash-safe.
///
/// ```
/// use ferroflow_keras::callbacks::{Callback, Logs, ModelCheckpoint};
/// use ferroflow_keras::layers::Dense;
/// use ferroflow_keras::saving::ModelWeights;
/// use ferroflow_keras::Sequential;
/// let dir = std::env::temp_dir().join(format!("ff_model_checkpoint_doc_{}", std::process::id()));
/// let mut model = Sequential::new(vec![Box::new(Dense::new(1))]);
/// model.build(&[None, Some(2)]).unwrap();
/// let template = dir.join("weights.{epoch:02d}-{val_loss:.2f}");
/// let mut cb = ModelCheckpoint::new(template.to_str().unwrap())
///     .save_best_only(true)
///     .save_weights_only(true);
/// cb.set_model(&ModelWeights::of(&model));
/// for (epoch, val_loss) in [0.5, 0.7, 0.25].into_iter().enumerate() {
///     cb.on_epoch_end(epoch, &Logs(vec![("val_loss".into(), val_loss)])).unwrap();
/// }
/// assert!(dir.join("weights.01-0.50.index").exists());
/// assert!(!dir.join("weights.02-0.70.index").exists());
/// assert!(dir.join("weights.03-0.25.index").exists());
/// assert_eq!(cb.best, 0.25);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct ModelCheckpoint {
    pub filepath: String,
    pub monitor: String,
    pub save_best_only: bool,
    pub save_weights_only: bool,
    pub save_freq: SaveFreq,
    /// 1: a line per save decision, Keras's messages.
    pub verbose: u8,
    /// The best monitored value so far (`inf` or `-inf` before any).
    pub best: f64,
    maximize: bool,
    model: Option<ModelWeights>,
    epoch: usize,
    batches_since_save: usize,
}

impl ModelCheckpoint {
    /// Saves to `filepath` after every epoch, watching `val_loss`.
    pub fn new(filepath: &str) -> Self {
        ModelCheckpoint {
            filepath: filepath.into(),
            monitor: "val_loss".into(),
            save_best_only: false,
            save_weights_only: false,
            save_freq: SaveFreq::Epoch,
            verbose: 0,
            best: f64::INFINITY,
            maximize: false,
            model: None,
            epoch: 0,
            batches_since_save: 0,
        }
        .mode(Mode::Auto)
    }

    /// The log value `save_best_only` compares (`val_loss`, `accuracy`);
    /// resets the mode to `Auto`.
    pub fn monitor(mut self, monitor: &str) -> Self {
        self.monitor = monitor.into();
        self.mode(Mode::Auto)
    }

    /// Whether larger or smaller values of `monitor` are better.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.maximize = match mode {
            Mode::Max => true,
            Mode::Min => false,
            Mode::Auto => self.monitor.contains("acc") || self.monitor.starts_with("fmeasure"),
        };
        self.best = if self.maximize {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        self
    }

    /// Saves only when `monitor` improves on the best value so far.
    pub fn save_best_only(mut self, on: bool) -> Self {
        self.save_best_only = on;
        self
    }

    /// Saves the weights only (a checkpoint), not the whole model.
    pub fn save_weights_only(mut self, on: bool) -> Self {
        self.save_weights_only = on;
        self
    }

    /// Saves after every epoch or every `n` batches.
    pub fn save_freq(mut self, freq: SaveFreq) -> Self {
        self.save_freq = freq;
        self
    }

    /// Prints Keras's message for each save decision when `verbose > 0`.
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// Saves if due, as Keras's `_save_model(epoch, batch, logs)`.
    fn save_model(&mut self, batch: Option<usize>, logs: &Logs) -> Result<()> {
        let epoch = self.epoch + 1;
        let path = format_filepath(&self.filepath, epoch, batch.map(|b| b + 1), logs)?;
        if !self.save_best_only {
            self.say(format!("Epoch {epoch}: saving model to {path}"));
            return self.save(&path);
        }
        let Some(current) = logs.get(&self.monitor) else {
            self.say(format!(
                "Can save best model only with {} available, skipping.",
                self.monitor
            ));
            return Ok(());
        };
        let improved = match self.maximize {
            true => current > self.best,
            false => current < self.best,
        };
        if improved {
            self.say(format!(
                "Epoch {epoch}: {} improved from {:.5} to {current:.5}, saving model to {path}",
                self.monitor, self.best
            ));
            self.best = current;
            self.save(&path)
        } else {
            self.say(format!(
                "Epoch {epoch}: {} did not improve from {:.5}",
                self.monitor, self.best
            ));
            Ok(())
        }
    }

    fn save(&self, path: &str) -> Result<()> {
        let model = self.model.as_ref().ok_or_else(|| {
            Error::FailedPrecondition(
                "ModelCheckpoint has no model to save: `fit` gives it one with `set_model`".into(),
            )
        })?;
        match self.save_weights_only {
            true => model.save(path),
            false => model.save_model(path),
        }
    }

    fn say(&self, message: String) {
        if self.verbose > 0 {
            println!("\n{message}");
        }
    }
}

impl Callback for ModelCheckpoint {
    fn set_model(&mut self, model: &ModelWeights) {
        self.model = Some(model.clone());
    }
    fn on_train_begin(&mut self, _epochs: usize, _steps: usize) -> Result<()> {
        self.batches_since_save = 0;
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize) -> Result<()> {
        self.epoch = epoch;
        Ok(())
    }
    fn on_batch_end(&mut self, batch: usize, logs: &Logs) -> Result<()> {
        let SaveFreq::Batches(n) = self.save_freq else {
            return Ok(());
        };
        self.batches_since_save += 1;
        if self.batches_since_save < n {
            return Ok(());
        }
        self.batches_since_save = 0;
        self.save_model(Some(batch), logs)
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs) -> Result<()> {
        self.epoch = epoch;
        match self.save_freq {
            SaveFreq::Epoch => self.save_model(None, logs),
            SaveFreq::Batches(_) => Ok(()),
        }
    }
}

/// A value a file-name template can hold.
#[derive(Clone, Copy)]
enum Field {
    Int(usize),
    Float(f64),
}

/// Fills Keras's file-name template like Python's `str.format(epoch=...,
/// batch=..., **logs)`: `{name}` or `{name:spec}` with the specs Keras
/// users write, `d`, `0Nd`, `Nd`, `.Nf`, `0N.Nf`; `{{` and `}}` are braces.
/// `epoch` and `batch` are given counted from 1, as Keras does.
///
/// ```
/// use ferroflow_keras::callbacks::{format_filepath, Logs};
/// let logs = Logs(vec![("val_loss".into(), 0.123456), ("accuracy".into(), 0.5)]);
/// let path = format_filepath("w.{epoch:02d}-{val_loss:.2f}-{accuracy}", 3, None, &logs).unwrap();
/// assert_eq!(path, "w.03-0.12-0.5");
/// assert!(format_filepath("w.{val_acc:.2f}", 1, None, &logs).is_err());
/// ```
pub fn format_filepath(
    template: &str,
    epoch: usize,
    batch: Option<usize>,
    logs: &Logs,
) -> Result<String> {
    let error = |reason: String| {
        Error::invalid(
            "ModelCheckpoint",
            format!("Failed to format this callback filepath: \"{template}\". Reason: {reason}"),
        )
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let (brace, after) = (&rest[i..i + 1], &rest[i + 1..]);
        if let Some(after) = after.strip_prefix(brace) {
            out.push_str(brace);
            rest = after;
            continue;
        }
        if brace == "}" {
            return Err(error("Single '}' encountered in format string".into()));
        }
        let Some(end) = after.find('}') else {
            return Err(error("Single '{' encountered in format string".into()));
        };
        let (name, spec) = after[..end].split_once(':').unwrap_or((&after[..end], ""));
        let field = match (name, batch) {
            ("epoch", _) => Field::Int(epoch),
            ("batch", Some(b)) => Field::Int(b),
            _ => Field::Float(logs.get(name).ok_or_else(|| error(format!("'{name}'")))?),
        };
        out.push_str(&format_field(field, spec).map_err(error)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// One field by a Python format spec `[0][width][.precision][d|f]`.
fn format_field(field: Field, spec: &str) -> std::result::Result<String, String> {
    let bad = || format!("Invalid format specifier '{spec}'");
    let (zero, spec_rest) = match spec.strip_prefix('0') {
        Some(rest) => (true, rest),
        None => (false, spec),
    };
    let (body, ty) = match spec_rest.chars().last() {
        Some(c @ ('d' | 'f')) => (&spec_rest[..spec_rest.len() - 1], Some(c)),
        _ => (spec_rest, None),
    };
    let (width, precision) = match body.split_once('.') {
        Some((w, p)) => (w, Some(p.parse::<usize>().map_err(|_| bad())?)),
        None => (body, None),
    };
    let width = match width {
        "" => 0,
        w => w.parse::<usize>().map_err(|_| bad())?,
    };
    let text = match (ty, field, precision) {
        (Some('d'), Field::Int(v), None) => v.to_string(),
        (Some('d'), Field::Float(_), _) => {
            return Err("Unknown format code 'd' for object of type 'float'".into())
        }
        (Some('f'), _, p) => format!("{:.*}", p.unwrap_or(6), as_f64(field)),
        (None, Field::Int(v), None) => v.to_string(),
        (None, Field::Float(v), None) => python_float(v),
        _ => return Err(bad()),
    };
    let pad = width.saturating_sub(text.len());
    Ok(match (zero, text.strip_prefix('-')) {
        (true, Some(digits)) => format!("-{}{digits}", "0".repeat(pad)),
        (true, None) => format!("{}{text}", "0".repeat(pad)),
        (false, _) => format!("{}{text}", " ".repeat(pad)),
    })
}

fn as_f64(field: Field) -> f64 {
    match field {
        Field::Int(v) => v as f64,
        Field::Float(v) => v,
    }
}

/// A float as Python's `str(float)` writes it: `1.0`, `0.25`, `1e-05`.
fn python_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{v:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(template: &str, logs: &[(&str, f64)]) -> Result<String> {
        let logs = Logs(logs.iter().map(|(k, v)| (k.to_string(), *v)).collect());
        format_filepath(template, 7, Some(12), &logs)
    }

    #[test]
    fn templates_format_like_python() {
        let logs = [("loss", 0.123456789), ("val_acc", 1.0), ("tiny", 1.5e-5)];
        let cases = [
            ("e{epoch}", "e7"),
            ("e{epoch:03d}", "e007"),
            ("e{epoch:3d}", "e  7"),
            ("b{batch:02d}", "b12"),
            ("{loss:.2f}", "0.12"),
            ("{loss:07.3f}", "000.123"),
            ("{loss:f}", "0.123457"),
            ("{loss}", "0.123456789"),
            ("{val_acc}", "1.0"),
            ("{tiny}", "1.5e-05"),
            ("{{epoch}}", "{epoch}"),
        ];
        for (template, want) in cases {
            assert_eq!(fmt(template, &logs).unwrap(), want, "{template}");
        }
    }

    #[test]
    fn bad_templates_are_errors_naming_the_filepath() {
        for (template, reason) in [
            ("w{val_loss}", "'val_loss'"),
            ("w{loss:d}", "Unknown format code 'd'"),
            ("w{epoch:.2d}", "Invalid format specifier"),
            ("w{epoch", "Single '{'"),
            ("w}", "Single '}'"),
        ] {
            let err = fmt(template, &[("loss", 1.0)]).unwrap_err().to_string();
            assert!(
                err.contains(&format!("\"{template}\"")) && err.contains(reason),
                "{err}"
            );
        }
    }
}
