//! Whole-model saving: `save_model` / `load_model`. A saved model is a
//! directory holding
//!
//! - `config.json`: the architecture in the layout of `model.to_json()`
//!   and, when the model is compiled, Keras's `compile_config`: the
//!   optimizer's and the loss's serialized configs (every
//!   hyper-parameter, Huber's `delta`) and the metrics' names;
//! - `weights.ckpt.index`, `weights.ckpt.data-00000-of-00001` and
//!   `checkpoint`: the weights as `model.save_weights` writes them (a TF2
//!   checkpoint tf-keras reads) and, when compiled, the optimizer's state
//!   (its step count and slots, under tf-keras's `optimizer/...` keys),
//!
//! so a model comes back in a new process without its building code, like
//! Keras's `model.save(path)` / `tf.keras.models.load_model(path)`, and
//! training resumed after loading continues exactly as if it had never
//! stopped.

use super::optimizer::restore_optimizer;
use super::{deserialize_model, ModelWeights, OptimizerWeights};
use crate::optimizers::KerasOptimizer;
use crate::{losses, metrics, Compiled, Model};
use ferroflow_core::{Error, Result};
use serde_json::{json, Value};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The architecture's file in a saved model's directory.
pub const CONFIG_FILE: &str = "config.json";
/// The weights' checkpoint prefix in a saved model's directory.
pub const WEIGHTS_PREFIX: &str = "weights.ckpt";

/// An I/O error of `op` on `path`.
fn io_error(op: &'static str, path: &Path) -> impl Fn(std::io::Error) -> Error {
    let path = path.display().to_string();
    move |e| Error::invalid(op, format!("{path}: {e}"))
}

/// Saves `model` (a `Sequential` or functional model) to the directory
/// `path`, like `model.save(path)`: its architecture and compile settings
/// in `config.json`, its weights and optimizer state as a checkpoint. The save is crash-safe:
/// everything is written and synced in a temporary sibling directory that
/// then replaces `path`, so an interrupted save leaves the previous model
/// loadable. An existing `path` that is not a saved model is left alone
/// (an error).
///
/// ```
/// use ferroflow_keras::layers::Dense;
/// use ferroflow_keras::saving::{load_model, save_model};
/// use ferroflow_keras::{Compiled, Model, Sequential};
/// use ferroflow_core::prelude::*;
/// let dir = std::env::temp_dir().join(format!("ff_save_model_doc_{}", std::process::id()));
/// let mut model = Sequential::new(vec![Box::new(Dense::new(2).activation("softmax"))]);
/// model.build(&[None, Some(3)]).unwrap();
/// model.compile(Compiled::from_names("adam", "sparse_categorical_crossentropy", &["accuracy"]).unwrap());
/// save_model(&mut model, &dir).unwrap();
/// let mut loaded = load_model(&dir).unwrap();
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [1, 3]).unwrap();
/// assert_eq!(loaded.predict(&x, 1).unwrap(), model.predict(&x, 1).unwrap());
/// assert!(loaded.compiled().is_some());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn save_model(model: &mut dyn Model, path: impl AsRef<Path>) -> Result<()> {
    let compiled = model.compiled().take();
    let mut weights = ModelWeights::of(&*model);
    let config = model_config(&*model, compiled.as_ref()).and_then(|config| {
        if let Some(c) = &compiled {
            let optimizer = OptimizerWeights::of(c.optimizer(), &model.trainable_variables())?;
            weights.optimizer = Some(optimizer);
        }
        Ok(config)
    });
    *model.compiled() = compiled;
    write_model(path.as_ref(), &config?, &weights)
}

/// What [`save_model`] writes to `config.json`: the architecture and, when
/// compiled, the `compile_config`.
pub(crate) fn model_config<M: Model + ?Sized>(
    model: &M,
    compiled: Option<&Compiled>,
) -> Result<Value> {
    let mut config = model.serialize()?;
    if let Some(compiled) = compiled {
        config["compile_config"] = compile_config(compiled)?;
    }
    Ok(config)
}

/// Writes a saved model's directory from its config and weights,
/// crash-safe (see [`save_model`]). The optimizer's learning rate is
/// written as it is now (callbacks may have changed it since `config`
/// was made).
pub(crate) fn write_model(dir: &Path, config: &Value, weights: &ModelWeights) -> Result<()> {
    let mut config = config.clone();
    let lr = config.pointer_mut("/compile_config/optimizer/config/learning_rate");
    if let (Some(lr), Some(optimizer)) = (lr, &weights.optimizer) {
        *lr = json!(optimizer.learning_rate.get());
    }
    if dir.exists() && !dir.join(CONFIG_FILE).is_file() && !is_empty_dir(dir) {
        return Err(Error::invalid(
            "save_model",
            format!(
                "{} exists and is not a saved model (no {CONFIG_FILE}); not overwriting it",
                dir.display()
            ),
        ));
    }
    let tmp = sibling(dir, &format!("tmp-{}", std::process::id()))?;
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io_error("save_model", &tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io_error("save_model", &tmp))?;
    let written = write_synced(&tmp.join(CONFIG_FILE), config.to_string().as_bytes())
        .and_then(|()| weights.save(tmp.join(WEIGHTS_PREFIX)))
        .and_then(|()| sync_dir(&tmp))
        .and_then(|()| replace_dir(dir, &tmp));
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written
}

/// Loads a model saved by [`save_model`], like
/// `tf.keras.models.load_model(path)`: rebuilds it from `config.json`,
/// restores its weights and, when it was compiled, compiles it with the
/// saved optimizer (with its step count and slots), loss and metrics.
pub fn load_model(path: impl AsRef<Path>) -> Result<Box<dyn Model>> {
    let mut dir = path.as_ref().to_path_buf();
    if !dir.join(CONFIG_FILE).is_file() {
        // A save interrupted between its two renames left the model here.
        let previous = sibling(&dir, "previous")?;
        if previous.join(CONFIG_FILE).is_file() {
            dir = previous;
        }
    }
    let file = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&file).map_err(io_error("load_model", &file))?;
    let config: Value = serde_json::from_str(&text)
        .map_err(|e| Error::invalid("load_model", format!("{}: {e}", file.display())))?;
    let mut model = deserialize_model(&config)?;
    let prefix = dir.join(WEIGHTS_PREFIX);
    ModelWeights::of(&*model).load(&prefix)?;
    match config.get("compile_config") {
        Some(Value::Object(c)) if !c.is_empty() => {
            let mut compiled = compiled_from(&config["compile_config"])
                .map_err(|e| Error::invalid("load_model", format!("{}: {e}", file.display())))?;
            let var_list = model.trainable_variables();
            restore_optimizer(&prefix, compiled.optimizer_mut(), &var_list)?;
            model.compile(compiled);
        }
        _ => {}
    }
    Ok(model)
}

/// What `compile` was given, in the layout of Keras's `compile_config`.
fn compile_config(compiled: &Compiled) -> Result<Value> {
    let metrics: Vec<&str> = compiled.metrics().iter().map(|m| m.name()).collect();
    Ok(json!({
        "optimizer": compiled.optimizer().get_config()?,
        "loss": losses::serialize(compiled.loss()),
        "metrics": metrics,
    }))
}

/// The `Compiled` a [`compile_config`] (or tf-keras's) describes.
fn compiled_from(config: &Value) -> Result<Compiled> {
    let optimizer = KerasOptimizer::from_config(&config["optimizer"])?;
    let loss = losses::deserialize(&config["loss"])?;
    let metrics = match &config["metrics"] {
        Value::Null => Vec::new(),
        Value::Array(names) => names
            .iter()
            .map(|m| match m.as_str() {
                Some(m) => metrics::get(m, loss.name()),
                None => Err(Error::invalid(
                    "compile_config",
                    format!("metrics are given by name; got {m}"),
                )),
            })
            .collect::<Result<_>>()?,
        other => {
            return Err(Error::invalid(
                "compile_config",
                format!("metrics must be a list of names; got {other}"),
            ))
        }
    };
    Ok(Compiled::new(optimizer, loss, metrics))
}

/// `dir` with `.suffix` appended to its last component.
fn sibling(dir: &Path, suffix: &str) -> Result<PathBuf> {
    let name = dir.file_name().ok_or_else(|| {
        Error::invalid(
            "save_model",
            format!("{} does not name a directory", dir.display()),
        )
    })?;
    let mut name = name.to_os_string();
    name.push(format!(".{suffix}"));
    Ok(dir.with_file_name(name))
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Writes `bytes` to `path` and syncs them to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = File::create(path).map_err(io_error("save_model", path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io_error("save_model", path))
}

/// Syncs a directory's entries to disk.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("save_model", dir))
}

/// Puts the complete directory `tmp` in place of `dir`: the old `dir`
/// moves to `<dir>.previous` (which `load_model` falls back on), `tmp`
/// is renamed to `dir`, then the old one is deleted.
fn replace_dir(dir: &Path, tmp: &Path) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let previous = sibling(dir, "previous")?;
    if previous.exists() {
        std::fs::remove_dir_all(&previous).map_err(io_error("save_model", &previous))?;
    }
    if dir.exists() {
        std::fs::rename(dir, &previous).map_err(io_error("save_model", dir))?;
    }
    std::fs::rename(tmp, dir).map_err(io_error("save_model", dir))?;
    sync_dir(&parent)?;
    if previous.exists() {
        std::fs::remove_dir_all(&previous).map_err(io_error("save_model", &previous))?;
    }
    Ok(())
}
