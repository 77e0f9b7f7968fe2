//! `MetaGraphDef`s: a graph with its collections, as `.meta` files.

use crate::graph::{CollectionItem, Graph, GLOBAL_VARIABLES, TRAINABLE_VARIABLES};
use crate::saver::{Saver, VarList};
use crate::{Error, GraphVariable, Result};
use ferroflow_io::proto::collection_def::{Kind, NodeList};
use ferroflow_io::proto::{CollectionDef, MetaGraphDef, MetaInfoDef};
use prost::Message;
use std::path::Path;

/// The `MetaGraphDef` of `graph`: its GraphDef and its collections as node
/// lists (`w:0` for tensors and variables, op names for operations). The
/// saver's settings are not written as a `SaverDef`, which would name save
/// and restore nodes ferroflow's graphs do not have; TensorFlow's
/// `import_meta_graph` then makes a new `Saver` of the variables.
pub fn meta_graph_def(graph: &Graph) -> MetaGraphDef {
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
    MetaGraphDef {
        meta_info_def: Some(MetaInfoDef {
            meta_graph_version: String::new(),
            tensorflow_version: "2.21.0".into(),
            ..Default::default()
        }),
        graph_def: Some(graph.to_graph_def()),
        collection_def,
        ..Default::default()
    }
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
    std::fs::write(path, meta_graph_def(graph).encode_to_vec())
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
    let graph = Graph::new();
    graph.import_graph_def(&meta.graph_def.clone().unwrap_or_default())?;
    let trainable: Vec<String> = node_list(&meta, TRAINABLE_VARIABLES);
    let mut keys: Vec<&String> = meta.collection_def.keys().collect();
    keys.sort();
    for key in keys {
        for name in node_list(&meta, key) {
            let item = if key == GLOBAL_VARIABLES || key == TRAINABLE_VARIABLES {
                CollectionItem::Variable(variable(&graph, &name, trainable.contains(&name))?)
            } else if name.contains(':') {
                CollectionItem::Tensor(graph.get_tensor_by_name(&name)?)
            } else {
                CollectionItem::Operation(graph.get_operation_by_name(&name)?)
            };
            graph.add_to_collection(key, item);
        }
    }
    let saver = Saver::new(
        &graph,
        Some(VarList::List(graph.global_variables())),
        5,
        10000.0,
    )
    .map_err(|e| Error::invalid("import_meta_graph", e.to_string()))?;
    Ok((graph, saver))
}

/// The names in collection `key` of `meta` (empty unless a node list).
fn node_list(meta: &MetaGraphDef, key: &str) -> Vec<String> {
    match meta.collection_def.get(key).and_then(|c| c.kind.as_ref()) {
        Some(Kind::NodeList(list)) => list.value.clone(),
        _ => Vec::new(),
    }
}

/// The variable `name` (`w:0`) of an imported graph: its node, `w/read`
/// and `w/Assign`.
fn variable(graph: &Graph, name: &str, trainable: bool) -> Result<GraphVariable> {
    let var = graph.get_tensor_by_name(name)?;
    let op = var.op().name();
    let read = graph.get_tensor_by_name(&format!("{op}/read:0"))?;
    let init = graph.get_operation_by_name(&format!("{op}/Assign"))?;
    Ok(GraphVariable::from_parts(var, read, init, trainable))
}
