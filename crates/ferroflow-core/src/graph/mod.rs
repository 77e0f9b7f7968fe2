//! Graph mode: a `Graph` of named nodes built with the same op methods as
//! eager code (the [`Output`] handle implements [`crate::TensorOps`]), run
//! later by a [`crate::Session`].
//!
//! ```
//! use ferroflow_core::prelude::*;
//! use ferroflow_core::graph::Graph;
//! use ferroflow_core::session::Session;
//! let g = Graph::new();
//! let x = g.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
//! let y = x.mul(&x).unwrap().reduce_sum(1, false).unwrap();
//! assert_eq!(y.name(), "Sum:0");
//! let sess = Session::new(&g);
//! let out = sess.run(&[&y], &[(&x, Tensor::from([[1.0f32, 2.0]]))]).unwrap();
//! assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![5.0]);
//! ```

mod build;
mod collections;
pub mod losses;
mod naming;
mod output;
mod scopes;

pub(crate) use build::NodeName;
pub use collections::{
    CollectionItem, GLOBAL_VARIABLES, REGULARIZATION_LOSSES, TRAINABLE_VARIABLES,
};
pub(crate) use output::innermost_graph;
pub use output::{Operation, Output};
pub use scopes::{ControlDependencies, DeviceScope, NameScope, Reuse, VariableScope};

use crate::{Op, TensorSpec};
use naming::NameRegistry;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// The index of a node in its graph. Nodes are numbered in creation order,
/// which is a topological order (a node's inputs exist before it).
pub type NodeId = usize;

/// One operation in a graph.
#[derive(Debug, Clone)]
pub struct Node {
    /// Unique name, scopes included (`layer_1/MatMul`).
    pub name: String,
    /// The op's definition.
    pub op: Arc<dyn Op>,
    /// Data inputs: (node, output index).
    pub inputs: Vec<(NodeId, usize)>,
    /// Nodes that must run first.
    pub control_inputs: Vec<NodeId>,
    /// The static spec of each output.
    pub outputs: Vec<TensorSpec>,
    /// The requested device, canonical (`/device:CPU:0`), or empty.
    pub device: String,
}

pub(crate) struct GraphInner {
    pub(crate) nodes: Vec<Node>,
    pub(crate) names: NameRegistry,
    pub(crate) by_name: HashMap<String, NodeId>,
    pub(crate) name_stack: String,
    pub(crate) var_scopes: Vec<scopes::VarScopeFrame>,
    /// The variable scopes (full names) opened since their parent was last
    /// left; default scope names skip them.
    pub(crate) opened_var_scopes: HashSet<String>,
    pub(crate) control_stack: Vec<Vec<NodeId>>,
    pub(crate) device_stack: Vec<String>,
    pub(crate) collections: HashMap<String, Vec<CollectionItem>>,
    /// Variables made by `get_variable`, by full name.
    pub(crate) variables: HashMap<String, crate::GraphVariable>,
    pub(crate) seed: Option<i64>,
    pub(crate) seeded_ops: i64,
    /// The enclosing graph of a function graph (a `cond` branch, a loop
    /// body), held weakly: the parent owns its function graphs.
    pub(crate) parent: Option<(Weak<Mutex<GraphInner>>, u64)>,
    /// Tensors of enclosing graphs used here, in first-use order: the
    /// outer tensor (as seen from the parent) and its placeholder here.
    pub(crate) captures: Vec<((NodeId, usize), NodeId)>,
}

/// A TensorFlow graph: named operations, scopes, collections and a seed.
/// Cloning gives another handle to the same graph; several graphs coexist.
#[derive(Clone)]
pub struct Graph {
    pub(crate) inner: Arc<Mutex<GraphInner>>,
    id: u64,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Graph {
            inner: Arc::new(Mutex::new(GraphInner {
                nodes: Vec::new(),
                names: NameRegistry::default(),
                by_name: HashMap::new(),
                name_stack: String::new(),
                var_scopes: Vec::new(),
                opened_var_scopes: HashSet::new(),
                control_stack: Vec::new(),
                device_stack: Vec::new(),
                collections: HashMap::new(),
                variables: HashMap::new(),
                seed: None,
                seeded_ops: 0,
                parent: None,
                captures: Vec::new(),
            })),
            id: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// A process-unique number identifying this graph.
    pub fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, GraphInner> {
        // Graph edits are whole before the lock is released; a panic while
        // holding it leaves a usable graph, so recover it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.lock().nodes.len()
    }

    /// A copy of node `id`.
    pub fn node(&self, id: NodeId) -> Option<Node> {
        self.lock().nodes.get(id).cloned()
    }

    /// Copies of all nodes, in creation (topological) order.
    pub fn nodes(&self) -> Vec<Node> {
        self.lock().nodes.clone()
    }

    /// Sets the graph-level random seed, like `tf.set_random_seed` in a graph.
    pub fn set_random_seed(&self, seed: Option<i64>) {
        self.lock().seed = seed;
    }

    /// The `(seed, seed2)` of a new random op with op seed `op_seed`
    /// (TensorFlow's four rules; the counter counts this graph's seeded ops).
    pub fn op_seeds(&self, op_seed: Option<i64>) -> (i64, i64) {
        let mut g = self.lock();
        let global = g.seed;
        let counter = &mut g.seeded_ops;
        crate::random::derive_seeds(global, op_seed, || {
            let k = *counter;
            *counter += 1;
            k
        })
    }

    /// A function graph inside `self` (a `cond` branch, a loop body): its
    /// ops may use tensors of `self` and its ancestors, which are captured
    /// as placeholders (see [`Graph::captures`]). It inherits the seed.
    pub fn new_child(&self) -> Graph {
        let child = Graph::new();
        {
            let mut c = child.lock();
            c.parent = Some((Arc::downgrade(&self.inner), self.id));
            c.seed = self.lock().seed;
        }
        child
    }

    /// The enclosing graph of a function graph.
    pub fn parent(&self) -> Option<Graph> {
        let (weak, id) = self.lock().parent.clone()?;
        Some(Graph {
            inner: weak.upgrade()?,
            id,
        })
    }

    /// The tensors of the parent graph this function graph uses, each with
    /// the placeholder standing for it here, in first-use order.
    pub fn captures(&self) -> Vec<(Output, Output)> {
        let Some(parent) = self.parent() else {
            return Vec::new();
        };
        let captures = self.lock().captures.clone();
        captures
            .into_iter()
            .map(|((node, index), ph)| {
                let outer = Output {
                    graph: parent.clone(),
                    node,
                    index,
                };
                let inner = Output {
                    graph: self.clone(),
                    node: ph,
                    index: 0,
                };
                (outer, inner)
            })
            .collect()
    }

    /// True if `self` is `other` or a function graph nested in it.
    pub fn is_within(&self, other: &Graph) -> bool {
        let mut g = Some(self.clone());
        while let Some(cur) = g {
            if cur.same_as(other) {
                return true;
            }
            g = cur.parent();
        }
        false
    }

    /// True if both handles refer to the same graph.
    pub fn same_as(&self, other: &Graph) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Default for Graph {
    fn default() -> Self {
        Graph::new()
    }
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Graph {} with {} nodes>", self.id, self.num_nodes())
    }
}
