//! Graph collections: named lists of tensors, operations and variables,
//! like `tf.add_to_collection` / `tf.get_collection`.

use super::{Graph, Operation, Output};
use crate::graph_variable::GraphVariable;

/// The collection every variable joins (`tf.GraphKeys.GLOBAL_VARIABLES`).
pub const GLOBAL_VARIABLES: &str = "variables";
/// The collection trainable variables join (`tf.GraphKeys.TRAINABLE_VARIABLES`).
pub const TRAINABLE_VARIABLES: &str = "trainable_variables";
/// The collection of weight penalties that
/// [`get_regularization_loss`](super::losses::get_regularization_loss) adds
/// up (`tf.GraphKeys.REGULARIZATION_LOSSES`).
pub const REGULARIZATION_LOSSES: &str = "regularization_losses";

/// Something kept in a collection.
#[derive(Debug, Clone)]
pub enum CollectionItem {
    Tensor(Output),
    Operation(Operation),
    Variable(GraphVariable),
}

impl CollectionItem {
    /// The name scope filters match: `scope/v:0` for tensors and
    /// variables, the op name for operations.
    pub fn name(&self) -> String {
        match self {
            CollectionItem::Tensor(t) => t.name(),
            CollectionItem::Operation(o) => o.name(),
            CollectionItem::Variable(v) => v.name(),
        }
    }
}

impl From<Output> for CollectionItem {
    fn from(t: Output) -> Self {
        CollectionItem::Tensor(t)
    }
}
impl From<Operation> for CollectionItem {
    fn from(o: Operation) -> Self {
        CollectionItem::Operation(o)
    }
}
impl From<GraphVariable> for CollectionItem {
    fn from(v: GraphVariable) -> Self {
        CollectionItem::Variable(v)
    }
}

impl Graph {
    /// Appends `item` to the collection `key`.
    pub fn add_to_collection(&self, key: &str, item: impl Into<CollectionItem>) {
        self.lock()
            .collections
            .entry(key.to_string())
            .or_default()
            .push(item.into());
    }

    /// A copy of collection `key` in insertion order (`[]` when missing),
    /// keeping items whose name starts with `scope` — a regular expression
    /// matched at the start of the name, as TensorFlow does (`conv2d` also
    /// matches `conv2d_1/…`). An invalid pattern matches nothing.
    pub fn get_collection(&self, key: &str, scope: Option<&str>) -> Vec<CollectionItem> {
        let items = self
            .lock()
            .collections
            .get(key)
            .cloned()
            .unwrap_or_default();
        match scope {
            None => items,
            Some(pattern) => {
                let Ok(re) = regex_lite::Regex::new(&format!("^(?:{pattern})")) else {
                    return Vec::new();
                };
                items
                    .into_iter()
                    .filter(|i| re.is_match(&i.name()))
                    .collect()
            }
        }
    }

    /// The names of all collections.
    pub fn get_all_collection_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.lock().collections.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// Variables of collection `key` (other items are skipped).
    pub fn get_variables(&self, key: &str, scope: Option<&str>) -> Vec<GraphVariable> {
        self.get_collection(key, scope)
            .into_iter()
            .filter_map(|i| match i {
                CollectionItem::Variable(v) => Some(v),
                _ => None,
            })
            .collect()
    }
}
