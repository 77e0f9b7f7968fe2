//! `MetaGraphDef`s: a graph with its collections, as `.meta` files.

use crate::graph::{CollectionItem, Graph, GLOBAL_VARIABLES, TRAINABLE_VARIABLES};
use crate::saver::{Saver, VarList};
use crate::{Error, GraphVariable, Result};
use ferroflow_io::proto::collection_def::{Kind, NodeList};
use ferroflow_io::proto::{CollectionDef, MetaGraphDef, MetaInfoDef, SaverDef};
use prost::Message;
use std::path::Path;

/// The `MetaGraphDef` of `graph`: its GraphDef and its collections as node
/// lists (`w:0` for tensors and variables, op names for operations). The
/// saver's settings are not written as a `SaverDef`, which would name save
/// and restore nodes ferroflow's graphs do not have; TensorFlow's
/// `import_meta_graph` then makes a new `Saver` of the variables.
pub fn meta_graph_def(graph: &Graph) -> Result<MetaGraphDef> {
    let mut collection_def = std::collections::HashMap::new();
    for key in graph.get_all_collection_keys() {
        let value = graph
            .get_collection(&key, None)
            .iter()
            .map(CollectionItem::name)
            .collect();
        let kind = Kind::NodeList(NodeList { value });
        collection_def.insert(key, CollectionDef { kind: Some(kind) });
    }
    Ok(MetaGraphDef {
        meta_info_def: Some(MetaInfoDef {
            meta_graph_version: String::new(),
            tensorflow_version: "2.21.0".into(),
            ..Default::default()
        }),
        graph_def: Some(graph.to_graph_def()?),
        collection_def,
        ..Default::default()
    })
}

/// Writes the `MetaGraphDef` of `graph` to `path`, like
/// `tf.train.export_meta_graph(filename)`. The saver, when given, is the
/// one whose checkpoints go with it.
pub fn export_meta_graph(
    path: impl AsRef<Path>,
    graph: &Graph,
    saver: Option<&Saver>,
) -> Result<()> {
    let path = path.as_ref();
    if let Some(saver) = saver {
        if !saver.graph().same_as(graph) {
            return Err(Error::invalid(
                "export_meta_graph",
                "the saver belongs to another graph",
            ));
        }
    }
    std::fs::write(path, meta_graph_def(graph)?.encode_to_vec())
        .map_err(|e| Error::invalid("export_meta_graph", format!("{}: {e}", path.display())))
}

/// Reads a `.meta` file into a new graph with its collections and a
/// `Saver` of its global variables, like `tf.train.import_meta_graph`.
///
/// ```no_run
/// use ferroflow_core::graph_def::import_meta_graph;
/// use ferroflow_core::session::Session;
/// let (graph, saver) = import_meta_graph("/tmp/model.ckpt-1.meta").unwrap();
/// let sess = Session::new(&graph);
/// saver.restore(&sess, "/tmp/model.ckpt-1").unwrap();
/// let w = graph.get_collection("weights", None);
/// ```
pub fn import_meta_graph(path: impl AsRef<Path>) -> Result<(Graph, Saver)> {
    let path = path.as_ref();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::invalid("import_meta_graph", format!("{}: {e}", path.display())))?;
    let meta = MetaGraphDef::decode(bytes.as_slice())
        .map_err(|e| Error::invalid("import_meta_graph", format!("{}: {e}", path.display())))?;
    let mut graph_def = meta.graph_def.clone().unwrap_or_default();
    // A TF Saver's own nodes (`save/…`) are not imported: the returned
    // `Saver` saves and restores without graph nodes.
    if let Some(scope) = meta.saver_def.as_ref().and_then(saver_scope) {
        graph_def.node.retain(|n| !n.name.starts_with(&scope));
    }
    let graph = Graph::new();
    graph.import_graph_def(&graph_def)?;
    let trainable: Vec<String> = variable_defs(&meta, TRAINABLE_VARIABLES)
        .into_iter()
        .map(|v| v.variable_name)
        .collect();
    let mut keys: Vec<&String> = meta.collection_def.keys().collect();
    keys.sort();
    for key in keys {
        for def in variable_defs(&meta, key) {
            let trainable = def.trainable || trainable.contains(&def.variable_name);
            let item = if key == GLOBAL_VARIABLES || key == TRAINABLE_VARIABLES {
                CollectionItem::Variable(variable(&graph, &def, trainable)?)
            } else if def.variable_name.contains(':') {
                CollectionItem::Tensor(graph.get_tensor_by_name(&def.variable_name)?)
            } else {
                CollectionItem::Operation(graph.get_operation_by_name(&def.variable_name)?)
            };
            graph.add_to_collection(key, item);
        }
    }
    let (max_to_keep, hours) = meta.saver_def.as_ref().map_or((5, 10000.0), |s| {
        (
            s.max_to_keep.max(0) as usize,
            s.keep_checkpoint_every_n_hours,
        )
    });
    let vars = VarList::List(graph.global_variables());
    let saver = Saver::new(&graph, Some(vars), max_to_keep, hours)
        .map_err(|e| Error::invalid("import_meta_graph", e.to_string()))?;
    Ok((graph, saver))
}

/// `save/` for a saver whose filename tensor is `save/Const:0`.
fn saver_scope(def: &SaverDef) -> Option<String> {
    let (scope, _) = def.filename_tensor_name.split_once('/')?;
    Some(format!("{scope}/"))
}

/// TF's `VariableDef` (`variable.proto`), as `variables` collections of
/// TensorFlow-written meta graphs hold them.
#[derive(Clone, PartialEq, prost::Message)]
struct VariableDef {
    #[prost(string, tag = "1")]
    variable_name: String,
    #[prost(string, tag = "2")]
    initializer_name: String,
    #[prost(string, tag = "3")]
    snapshot_name: String,
    #[prost(bool, tag = "7")]
    trainable: bool,
}

/// The items of collection `key`: node names (`trainable` false), or
/// serialized `VariableDef`s; other kinds are skipped.
fn variable_defs(meta: &MetaGraphDef, key: &str) -> Vec<VariableDef> {
    match meta.collection_def.get(key).and_then(|c| c.kind.as_ref()) {
        Some(Kind::NodeList(list)) => list
            .value
            .iter()
            .map(|name| VariableDef {
                variable_name: name.clone(),
                ..Default::default()
            })
            .collect(),
        Some(Kind::BytesList(list)) => list
            .value
            .iter()
            .filter_map(|b| VariableDef::decode(b.as_slice()).ok())
            .collect(),
        _ => Vec::new(),
    }
}

/// The variable of an imported graph: its node (`w:0`), snapshot
/// (`w/read:0`) and initializer (`w/Assign`).
fn variable(graph: &Graph, def: &VariableDef, trainable: bool) -> Result<GraphVariable> {
    let var = graph.get_tensor_by_name(&def.variable_name)?;
    let op = var.op().name();
    let or = |name: &str, default: String| {
        if name.is_empty() {
            default
        } else {
            name.to_string()
        }
    };
    let read = graph.get_tensor_by_name(&or(&def.snapshot_name, format!("{op}/read:0")))?;
    let init = graph.get_operation_by_name(&or(&def.initializer_name, format!("{op}/Assign")))?;
    Ok(GraphVariable::from_parts(var, read, init, trainable))
}
