//! TF1's `tf.train.Saver`: checkpoints (tensor bundles) of graph variables,
//! the `checkpoint` state file, `.meta` graphs and `max_to_keep`.
//!
//! ```
//! use ferroflow_core::graph::Graph;
//! use ferroflow_core::saver::{latest_checkpoint, Saver};
//! use ferroflow_core::session::Session;
//! use ferroflow_core::prelude::*;
//! let dir = std::env::temp_dir().join(format!("ff_saver_doc_{}", std::process::id()));
//! let g = Graph::new();
//! let w = g.variable(Tensor::from([1.5f32, 2.0]), "w", true).unwrap();
//! let sess = Session::new(&g);
//! sess.run_targets(&[w.initializer()], &[], &[]).unwrap();
//! let saver = Saver::new(&g, None, 5, 10000.0).unwrap();
//! let path = saver.save(&sess, dir.join("model.ckpt"), Some(7)).unwrap();
//! assert!(path.ends_with("model.ckpt-7"));
//! assert_eq!(latest_checkpoint(&dir).unwrap(), Some(path.clone()));
//! let fresh = Session::new(&g);
//! saver.restore(&fresh, &path).unwrap();
//! assert_eq!(fresh.run(&[w.value()], &[]).unwrap()[0].to_vec::<f32>().unwrap(), vec![1.5, 2.0]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::graph::Graph;
use crate::session::Session;
use crate::{Error, GraphVariable, Result};
use ferroflow_io::bundle::{BundleReader, BundleWriter, CheckpointState};
use ferroflow_io::proto::DataType;
use ferroflow_io::IoError;
use ferroflow_tensor::{DType, Tensor};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The variables a [`Saver`] saves, like `var_list` of `tf.train.Saver`: a
/// list (saved under their op names) or a map from checkpoint key to
/// variable.
#[derive(Debug, Clone)]
pub enum VarList {
    List(Vec<GraphVariable>),
    Map(Vec<(String, GraphVariable)>),
}

/// Saves and restores graph variables, like TF1's `tf.train.Saver`.
#[derive(Debug)]
pub struct Saver {
    graph: Graph,
    /// Checkpoint key → variable, sorted by key.
    vars: BTreeMap<String, GraphVariable>,
    max_to_keep: usize,
    keep_checkpoint_every_n_hours: f32,
    write_meta_graph: bool,
    history: Mutex<History>,
}

/// The checkpoints this saver wrote and still keeps, oldest first.
#[derive(Debug)]
struct History {
    kept: Vec<(PathBuf, f64)>,
    /// Unix time after which the next deleted checkpoint is preserved.
    next_preserved: f64,
}

/// An [`Error`] for an I/O failure of `op`.
pub(crate) fn io_error(op: &str) -> impl Fn(IoError) -> Error + '_ {
    move |e| Error::invalid(op, e.to_string())
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Saver {
    /// A saver of `var_list` (every global variable when `None`) keeping
    /// the `max_to_keep` most recent checkpoints (0 or less: all), and one
    /// every `keep_checkpoint_every_n_hours` besides, like
    /// `tf.train.Saver(var_list, max_to_keep, keep_checkpoint_every_n_hours)`.
    /// Two variables under one key are an error.
    pub fn new(
        graph: &Graph,
        var_list: Option<VarList>,
        max_to_keep: usize,
        keep_checkpoint_every_n_hours: f32,
    ) -> Result<Saver> {
        let pairs = match var_list {
            None => named(graph.global_variables()),
            Some(VarList::List(vars)) => named(vars),
            Some(VarList::Map(pairs)) => pairs,
        };
        if pairs.is_empty() {
            return Err(Error::invalid("Saver", "No variables to save"));
        }
        let mut vars = BTreeMap::new();
        for (key, var) in pairs {
            if vars.insert(key.clone(), var).is_some() {
                return Err(Error::invalid(
                    "Saver",
                    format!("At least two variables have the same name: {key}"),
                ));
            }
        }
        Ok(Saver {
            graph: graph.clone(),
            vars,
            max_to_keep,
            keep_checkpoint_every_n_hours,
            write_meta_graph: true,
            history: Mutex::new(History {
                kept: Vec::new(),
                next_preserved: now() + f64::from(keep_checkpoint_every_n_hours) * 3600.0,
            }),
        })
    }

    /// Whether [`Saver::save`] writes `prefix.meta` (default true), like its
    /// `write_meta_graph` argument.
    pub fn with_write_meta_graph(mut self, write: bool) -> Saver {
        self.write_meta_graph = write;
        self
    }

    /// The graph whose variables it saves.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The variables it saves, by checkpoint key.
    pub fn var_list(&self) -> &BTreeMap<String, GraphVariable> {
        &self.vars
    }

    /// The `max_to_keep` it was made with.
    pub fn max_to_keep(&self) -> usize {
        self.max_to_keep
    }

    /// The `keep_checkpoint_every_n_hours` it was made with.
    pub fn keep_checkpoint_every_n_hours(&self) -> f32 {
        self.keep_checkpoint_every_n_hours
    }

    /// Writes the variables' values in `sess` to `prefix` (`prefix-N` with a
    /// global step), updates the directory's `checkpoint` file, writes the
    /// meta graph, deletes checkpoints beyond `max_to_keep`, and returns the
    /// checkpoint prefix, like `saver.save(sess, prefix, global_step)`.
    pub fn save(
        &self,
        sess: &Session,
        prefix: impl AsRef<Path>,
        global_step: Option<i64>,
    ) -> Result<PathBuf> {
        let prefix = prefix.as_ref();
        let path = match global_step {
            Some(step) => {
                let mut name = prefix.as_os_str().to_owned();
                name.push(format!("-{step}"));
                PathBuf::from(name)
            }
            None => prefix.to_path_buf(),
        };
        let path = std::path::absolute(&path)
            .map_err(|e| Error::invalid("Saver", format!("{}: {e}", path.display())))?;
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| {
            Error::invalid(
                "Saver",
                format!("Parent directory of {} doesn't exist: {e}", path.display()),
            )
        })?;
        let mut writer = BundleWriter::new(&path);
        for (key, var) in &self.vars {
            let Some(value) = sess.variable_value(&var.op_name()) else {
                return Err(Error::FailedPrecondition(format!(
                    "Attempting to use uninitialized value {}",
                    var.op_name()
                )));
            };
            writer.add(key, &value).map_err(io_error("Saver"))?;
        }
        writer.finish().map_err(io_error("Saver"))?;
        if self.write_meta_graph {
            crate::graph_def::export_meta_graph(meta_path(&path), &self.graph, Some(self))?;
        }
        self.record(&dir, &path)?;
        Ok(path)
    }

    /// Remembers `path` as the latest checkpoint, deletes the oldest ones
    /// beyond `max_to_keep` and writes the `checkpoint` state file.
    fn record(&self, dir: &Path, path: &Path) -> Result<()> {
        let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        history.kept.retain(|(p, _)| p != path);
        history.kept.push((path.to_path_buf(), now()));
        while self.max_to_keep > 0 && history.kept.len() > self.max_to_keep {
            let (oldest, time) = history.kept.remove(0);
            // As TF: every n hours one checkpoint is kept (n > 0).
            if self.keep_checkpoint_every_n_hours > 0.0 && time >= history.next_preserved {
                history.next_preserved += f64::from(self.keep_checkpoint_every_n_hours) * 3600.0;
            } else {
                delete_checkpoint(&oldest)?;
            }
        }
        let state = CheckpointState {
            model_checkpoint_path: path.display().to_string(),
            all_model_checkpoint_paths: history
                .kept
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect(),
            ..Default::default()
        };
        state.write(dir).map_err(io_error("Saver"))
    }

    /// Assigns the values saved under `prefix` to the variables in `sess`,
    /// like `saver.restore(sess, prefix)`. A key missing from the
    /// checkpoint, or a value of another dtype or shape, is an error.
    pub fn restore(&self, sess: &Session, prefix: impl AsRef<Path>) -> Result<()> {
        let reader = load_checkpoint(prefix)?;
        let mut values = Vec::with_capacity(self.vars.len());
        for (key, var) in &self.vars {
            let value = reader.get_tensor(key)?;
            if value.dtype() != var.dtype() {
                return Err(Error::invalid(
                    "Saver",
                    format!(
                        "tensor_name = {key}; expected dtype {} does not equal original dtype {}",
                        var.dtype(),
                        value.dtype()
                    ),
                ));
            }
            if value.dims() != var.shape().dims() {
                return Err(Error::invalid(
                    "Saver",
                    format!(
                        "Assign requires shapes of both tensors to match. lhs shape= {:?} rhs shape= {:?} (variable {}, checkpoint key {key})",
                        var.shape().dims(),
                        value.dims(),
                        var.op_name()
                    ),
                ));
            }
            values.push((var.op_name(), value));
        }
        for (name, value) in values {
            sess.set_variable_value(&name, value)?;
        }
        Ok(())
    }
}

/// Variables keyed by their op names.
fn named(vars: Vec<GraphVariable>) -> Vec<(String, GraphVariable)> {
    vars.into_iter().map(|v| (v.op_name(), v)).collect()
}

/// `prefix.meta`.
pub(crate) fn meta_path(prefix: &Path) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".meta");
    PathBuf::from(name)
}

/// Removes a checkpoint's `.index`, data shards and `.meta`.
fn delete_checkpoint(prefix: &Path) -> Result<()> {
    let (Some(dir), Some(base)) = (prefix.parent(), prefix.file_name()) else {
        return Ok(());
    };
    let base = base.to_string_lossy();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::invalid("Saver", format!("{}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(base.as_ref()) else {
            continue;
        };
        if rest == ".index" || rest == ".meta" || rest.starts_with(".data-") {
            std::fs::remove_file(entry.path())
                .map_err(|e| Error::invalid("Saver", format!("{name}: {e}")))?;
        }
    }
    Ok(())
}

/// The prefix of the latest checkpoint in `dir`, like
/// `tf.train.latest_checkpoint` (`None` when there is none).
pub fn latest_checkpoint(dir: impl AsRef<Path>) -> Result<Option<PathBuf>> {
    ferroflow_io::bundle::latest_checkpoint(dir).map_err(io_error("latest_checkpoint"))
}

/// The `checkpoint` state file of `dir`, like `tf.train.get_checkpoint_state`.
pub fn get_checkpoint_state(dir: impl AsRef<Path>) -> Result<Option<CheckpointState>> {
    CheckpointState::read(dir).map_err(io_error("get_checkpoint_state"))
}

/// Reads the tensors of a checkpoint, like `tf.train.load_checkpoint`.
#[derive(Debug)]
pub struct CheckpointReader {
    reader: BundleReader,
}

/// Opens the checkpoint `path`: a prefix, or a directory whose latest
/// checkpoint is read, like `tf.train.load_checkpoint`.
pub fn load_checkpoint(path: impl AsRef<Path>) -> Result<CheckpointReader> {
    let path = path.as_ref();
    let prefix = if path.is_dir() {
        latest_checkpoint(path)?.ok_or_else(|| {
            Error::invalid(
                "load_checkpoint",
                format!(
                    "Couldn't find 'checkpoint' file or checkpoints in given directory {}",
                    path.display()
                ),
            )
        })?
    } else {
        path.to_path_buf()
    };
    let reader = BundleReader::open(&prefix).map_err(|e| {
        Error::invalid(
            "load_checkpoint",
            format!("Unable to open table file {}: {e}", prefix.display()),
        )
    })?;
    Ok(CheckpointReader { reader })
}

impl CheckpointReader {
    /// Each tensor's shape by key, like `get_variable_to_shape_map`.
    pub fn get_variable_to_shape_map(&self) -> BTreeMap<String, Vec<usize>> {
        self.reader
            .list()
            .into_iter()
            .map(|v| (v.name, v.shape.dims().to_vec()))
            .collect()
    }

    /// Each tensor's dtype by key (`None` where ferroflow has no such
    /// dtype), like `get_variable_to_dtype_map`.
    pub fn get_variable_to_dtype_map(&self) -> BTreeMap<String, Option<DType>> {
        self.reader
            .list()
            .into_iter()
            .map(|v| (v.name, DataType::to_dtype(v.dtype)))
            .collect()
    }

    /// True if the checkpoint holds `key`.
    pub fn has_tensor(&self, key: &str) -> bool {
        self.reader.contains(key)
    }

    /// The tensor saved under `key`; a missing key is TF's NotFoundError.
    pub fn get_tensor(&self, key: &str) -> Result<Tensor> {
        if !self.reader.contains(key) {
            return Err(Error::invalid(
                "Saver",
                format!("Key {key} not found in checkpoint"),
            ));
        }
        self.reader.get_tensor(key).map_err(io_error("Saver"))
    }
}
