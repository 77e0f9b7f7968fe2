//! `model.save_weights(path)` / `model.load_weights(path)` in TF2's
//! object-based checkpoint format, with the keys tf-keras writes
//! (`layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`) and the
//! object graph under `_CHECKPOINTABLE_OBJECT_GRAPH`, so tf-keras's
//! `load_weights` reads these files and tf-keras's files load here.
//!
//! `save_weights` saves the layers' weights; a whole-model save adds the
//! optimizer's state (tf-keras's `optimizer/...` keys, see
//! [`OptimizerWeights`]), which `load_weights` ignores.

use super::OptimizerWeights;
use crate::layer::Layer;
use ferroflow_core::{Error, Result, Variable};
use ferroflow_io::bundle::{latest_checkpoint, BundleReader, BundleWriter, CheckpointState};
use ferroflow_io::proto::trackable::{
    BoolValue, ObjectReference, SerializedTensor, TrackableObject, TrackableObjectGraph,
    OBJECT_GRAPH_KEY,
};
use ferroflow_io::IoError;
use ferroflow_tensor::Tensor;
use prost::Message;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The attribute name of a variable's value in the object graph.
pub(crate) const VARIABLE_VALUE: &str = "VARIABLE_VALUE";

/// One layer's weights, each with the attribute name a checkpoint gives
/// it (`kernel`, `moving_mean`).
#[derive(Clone)]
pub struct LayerWeights {
    /// The layer's name (`dense_1`).
    pub name: String,
    /// `(attribute, variable)`, trainable weights first as `layer.weights`.
    pub weights: Vec<(String, Variable)>,
}

/// A model's weights by layer in `model.layers` order, and its optimizer's
/// step counter when compiled: what `save_weights`, `load_weights` and
/// callbacks need of a model. The variables are shared handles, so a
/// `ModelWeights` taken from a model saves and loads that model.
///
/// ```
/// use ferroflow_keras::layers::Dense;
/// use ferroflow_keras::saving::ModelWeights;
/// use ferroflow_keras::{Model, Sequential};
/// let mut model = Sequential::new(vec![Box::new(Dense::new(2))]);
/// model.build(&[None, Some(3)]).unwrap();
/// let weights = ModelWeights::of(&model);
/// let keys: Vec<String> = weights.checkpoint_keys().into_iter().map(|(k, _)| k).collect();
/// assert_eq!(keys[0], "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
/// ```
#[derive(Clone, Default)]
pub struct ModelWeights {
    /// The model's name.
    pub name: String,
    /// Every layer, with or without weights.
    pub layers: Vec<LayerWeights>,
    /// `optimizer.iterations`, the number of training steps taken.
    pub iterations: Option<Variable>,
    /// What [`crate::saving::save_model`] writes to `config.json` (the
    /// architecture as `model.to_json()`, and the `compile_config` unless
    /// the optimizer cannot be named in one); `None` for a custom model,
    /// which has no config. `fit` fills it for callbacks.
    pub config: Option<serde_json::Value>,
    /// The optimizer's state, saved with the weights when present (a
    /// whole-model save); `fit` fills it for callbacks.
    pub optimizer: Option<OptimizerWeights>,
}

impl ModelWeights {
    /// The weights of `model`'s layers (no optimizer counter: `fit` adds it).
    pub fn of<M: crate::Model + ?Sized>(model: &M) -> Self {
        ModelWeights::from_layers(model.name(), &model.layers())
    }

    /// The weights of `layers`, for a model called `name`.
    pub fn from_layers(name: &str, layers: &[&dyn Layer]) -> Self {
        let layers = layers
            .iter()
            .map(|layer| {
                let name = layer.core().name().to_string();
                let weights = layer
                    .core()
                    .weights()
                    .into_iter()
                    .map(|v| (attribute_name(&name, &v), v))
                    .collect();
                LayerWeights { name, weights }
            })
            .collect();
        ModelWeights {
            name: name.to_string(),
            layers,
            iterations: None,
            config: None,
            optimizer: None,
        }
    }

    /// The layers that have weights, numbered as tf-keras's
    /// `layer_with_weights-N`.
    fn weighted(&self) -> impl Iterator<Item = &LayerWeights> {
        self.layers.iter().filter(|l| !l.weights.is_empty())
    }

    /// Each weight's checkpoint key, in layer order.
    pub fn checkpoint_keys(&self) -> Vec<(String, &Variable)> {
        self.weighted()
            .enumerate()
            .flat_map(|(k, layer)| {
                layer
                    .weights
                    .iter()
                    .map(move |(attr, v)| (layer_key(k, attr), v))
            })
            .collect()
    }

    /// Writes the weights to the checkpoint `path` (`path.index`,
    /// `path.data-00000-of-00001`, crash-safe) and points the directory's
    /// `checkpoint` file at it, like tf-keras's `model.save_weights(path)`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let prefix = path.as_ref();
        check_not_h5("save_weights", prefix)?;
        let dir = match prefix.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::invalid(
                "save_weights",
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let mut writer = BundleWriter::new(prefix);
        for (key, var) in self.checkpoint_keys() {
            writer
                .add(&key, &var.value())
                .map_err(io_error("save_weights"))?;
        }
        for (key, value) in self.optimizer.iter().flat_map(OptimizerWeights::entries) {
            writer.add(&key, &value).map_err(io_error("save_weights"))?;
        }
        let graph = Tensor::from_strings(&[self.object_graph().encode_to_vec()], [])?;
        writer
            .add(OBJECT_GRAPH_KEY, &graph)
            .map_err(io_error("save_weights"))?;
        writer.finish().map_err(io_error("save_weights"))?;
        let file = prefix
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        CheckpointState {
            model_checkpoint_path: file.clone(),
            all_model_checkpoint_paths: vec![file],
            ..Default::default()
        }
        .write(dir)
        .map_err(io_error("save_weights"))
    }

    /// The object graph tf-keras writes for a model: the root's children
    /// `layer_with_weights-K` and `layer-I`, each layer's children its
    /// weights, each weight's `VARIABLE_VALUE` attribute naming its key.
    /// Nodes are numbered breadth first, as TensorFlow does.
    fn object_graph(&self) -> TrackableObjectGraph {
        let saved = |value| Some(BoolValue { value });
        let mut root = TrackableObject {
            has_checkpoint_values: saved(true),
            ..Default::default()
        };
        let mut layer_nodes = Vec::with_capacity(self.layers.len());
        let mut weight_nodes = Vec::new();
        let first_weight_id = self.layers.len() + 1;
        let mut weighted = 0;
        for (i, layer) in self.layers.iter().enumerate() {
            let node_id = i as i32 + 1;
            if !layer.weights.is_empty() {
                root.children.push(ObjectReference {
                    node_id,
                    local_name: format!("layer_with_weights-{weighted}"),
                });
            }
            root.children.push(ObjectReference {
                node_id,
                local_name: format!("layer-{i}"),
            });
            let mut node = TrackableObject {
                has_checkpoint_values: saved(!layer.weights.is_empty()),
                ..Default::default()
            };
            for (attr, var) in &layer.weights {
                node.children.push(ObjectReference {
                    node_id: (first_weight_id + weight_nodes.len()) as i32,
                    local_name: attr.clone(),
                });
                weight_nodes.push(TrackableObject {
                    attributes: vec![SerializedTensor {
                        name: VARIABLE_VALUE.into(),
                        full_name: var_name(var).to_string(),
                        checkpoint_key: layer_key(weighted, attr),
                    }],
                    has_checkpoint_values: saved(true),
                    ..Default::default()
                });
            }
            weighted += usize::from(!layer.weights.is_empty());
            layer_nodes.push(node);
        }
        let mut nodes: Vec<_> = std::iter::once(root)
            .chain(layer_nodes)
            .chain(weight_nodes)
            .collect();
        if let Some(optimizer) = &self.optimizer {
            optimizer.add_to_graph(&mut nodes);
        }
        TrackableObjectGraph { nodes }
    }

    /// Saves the whole model to the directory `path` from its `config`,
    /// like [`crate::saving::save_model`]; an error for a custom model.
    pub fn save_model(&self, path: impl AsRef<Path>) -> Result<()> {
        let config = self.config.as_ref().ok_or_else(|| {
            Error::invalid(
                "save_model",
                format!(
                    "model '{}' is a custom model without a config: save its weights instead",
                    self.name
                ),
            )
        })?;
        super::model::write_model(path.as_ref(), config, self)
    }

    /// Assigns the weights saved at `path` (a prefix, or a directory whose
    /// latest checkpoint is read), like tf-keras's `model.load_weights`.
    /// Weights are matched by layer order (`layer_with_weights-N`) and
    /// attribute name; a missing or extra weight, or one of another shape
    /// or dtype, is an error naming the layer and weight, and then no
    /// weight is changed. Optimizer values in the file are ignored.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<()> {
        let prefix = checkpoint_prefix(path.as_ref())?;
        let file = prefix.display().to_string();
        let reader = BundleReader::open(&prefix).map_err(io_error("load_weights"))?;
        let mut saved = saved_keys(&reader)?;
        let mut values = Vec::new();
        for (k, layer) in self.weighted().enumerate() {
            for (attr, var) in &layer.weights {
                let Some(key) = saved.remove(&(k, attr.clone())) else {
                    return Err(self.error(format!(
                        "layer '{}' has weight '{attr}' ({}), but checkpoint {file} has no {}",
                        layer.name,
                        var.name(),
                        layer_key(k, attr)
                    )));
                };
                let value = reader.get_tensor(&key).map_err(io_error("load_weights"))?;
                if value.dims() != var.shape().dims() || value.dtype() != var.dtype() {
                    return Err(self.error(format!(
                        "layer '{}': Received incompatible tensor with shape {:?} and dtype {} when attempting to restore variable with shape {:?} and dtype {} and name {} (checkpoint key {key})",
                        layer.name,
                        value.dims(),
                        value.dtype(),
                        var.shape().dims(),
                        var.dtype(),
                        var.name()
                    )));
                }
                values.push((var, value));
            }
        }
        if let Some(((k, attr), key)) = saved.into_iter().next() {
            let which = match self.weighted().nth(k) {
                Some(layer) => format!("layer '{}' has no weight '{attr}'", layer.name),
                None => format!(
                    "the model has {} layers with weights",
                    self.weighted().count()
                ),
            };
            return Err(self.error(format!("checkpoint {file} holds {key}, but {which}")));
        }
        for (var, value) in values {
            var.assign(&value)?;
        }
        Ok(())
    }

    /// An error about this model, from `load_weights`.
    fn error(&self, msg: String) -> Error {
        Error::invalid(format!("load_weights of model '{}'", self.name), msg)
    }
}

/// `layer_with_weights-K/<attr>/.ATTRIBUTES/VARIABLE_VALUE`.
fn layer_key(k: usize, attr: &str) -> String {
    format!("layer_with_weights-{k}/{attr}/.ATTRIBUTES/{VARIABLE_VALUE}")
}

/// A variable's name without its output index: `dense/kernel`.
fn var_name(var: &Variable) -> &str {
    let name = var.name();
    name.strip_suffix(":0").unwrap_or(name)
}

/// The attribute a layer keeps a weight under (`kernel` of `dense/kernel:0`).
fn attribute_name(layer: &str, var: &Variable) -> String {
    let name = var_name(var);
    let attr = name
        .strip_prefix(layer)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or_else(|| name.rsplit('/').next().unwrap_or(name));
    attr.to_string()
}

/// An error for a `.h5` path: Keras writes HDF5 there, which ferroflow
/// does not; weights go to a TF checkpoint prefix (`weights.ckpt`).
fn check_not_h5(op: &str, path: &Path) -> Result<()> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("h5" | "hdf5" | "keras") => Err(Error::invalid(
            op,
            format!(
                "{}: HDF5 and .keras weight files are not supported; give a TensorFlow checkpoint prefix such as \"weights.ckpt\"",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// `path` itself, or the latest checkpoint of the directory `path`.
fn checkpoint_prefix(path: &Path) -> Result<PathBuf> {
    check_not_h5("load_weights", path)?;
    if !path.is_dir() {
        return Ok(path.to_path_buf());
    }
    latest_checkpoint(path)
        .map_err(io_error("load_weights"))?
        .ok_or_else(|| {
            Error::invalid(
                "load_weights",
                format!(
                    "Couldn't find 'checkpoint' file or checkpoints in given directory {}",
                    path.display()
                ),
            )
        })
}

/// The checkpoint key of each saved layer weight, by `(K, attribute)` of
/// `layer_with_weights-K`: found through the object graph when the file
/// has one (as TensorFlow restores), else from the keys' paths.
fn saved_keys(reader: &BundleReader) -> Result<BTreeMap<(usize, String), String>> {
    let mut keys = BTreeMap::new();
    if !reader.contains(OBJECT_GRAPH_KEY) {
        for var in reader.list() {
            if let Some(path) = var.name.strip_suffix("/.ATTRIBUTES/VARIABLE_VALUE") {
                if let Some((k, attr)) = path
                    .split_once('/')
                    .and_then(|(l, a)| Some((weighted_index(l)?, a)))
                {
                    keys.insert((k, attr.to_string()), var.name.clone());
                }
            }
        }
        return Ok(keys);
    }
    let bytes = reader
        .get_tensor(OBJECT_GRAPH_KEY)
        .map_err(io_error("load_weights"))?;
    let graph = bytes
        .as_strings()
        .ok()
        .and_then(|s| s.first())
        .and_then(|b| TrackableObjectGraph::decode(b.as_slice()).ok())
        .ok_or_else(|| {
            Error::invalid(
                "load_weights",
                format!("{OBJECT_GRAPH_KEY} does not hold a TrackableObjectGraph"),
            )
        })?;
    let node = |id: i32| {
        graph.nodes.get(id as usize).ok_or_else(|| {
            Error::invalid(
                "load_weights",
                format!(
                    "the object graph refers to node {id} of {}",
                    graph.nodes.len()
                ),
            )
        })
    };
    for layer in &node(0)?.children {
        let Some(k) = weighted_index(&layer.local_name) else {
            continue;
        };
        for weight in &node(layer.node_id)?.children {
            let value = node(weight.node_id)?
                .attributes
                .iter()
                .find(|a| a.name == VARIABLE_VALUE);
            if let Some(value) = value {
                keys.insert((k, weight.local_name.clone()), value.checkpoint_key.clone());
            }
        }
    }
    Ok(keys)
}

/// `K` of `layer_with_weights-K`.
fn weighted_index(local_name: &str) -> Option<usize> {
    local_name.strip_prefix("layer_with_weights-")?.parse().ok()
}

/// An [`Error`] for an I/O failure of `op`.
pub(crate) fn io_error(op: &str) -> impl Fn(IoError) -> Error + '_ {
    move |e| Error::invalid(op, e.to_string())
}
