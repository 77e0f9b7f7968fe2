//! `Session`: runs the part of a graph that fetches need, holding its own
//! variable values and random streams.

use crate::graph::{Graph, Node, NodeId, Operation, Output};
use crate::random::{KernelState, Resource};
use crate::{fail, Error, OpContext, Result, TensorOps};
use ferroflow_tensor::kernels::random::PhiloxStream;
use ferroflow_tensor::Tensor;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

/// Options of a session, like TF1's `ConfigProto`.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Threads a single kernel may use (0: all cores).
    pub intra_op_threads: usize,
    /// Independent nodes run at once, up to this many (1: one at a time).
    pub inter_op_threads: usize,
    /// Print each node's device when it is first placed.
    pub log_device_placement: bool,
    /// Place nodes asking for an absent device (a GPU) on the CPU instead of failing.
    pub allow_soft_placement: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            intra_op_threads: 0,
            inter_op_threads: 2,
            log_device_placement: false,
            allow_soft_placement: false,
        }
    }
}

/// The values a session owns.
#[derive(Default)]
struct SessionState {
    variables: RwLock<HashMap<String, Tensor>>,
    streams: Mutex<HashMap<StreamKey, Arc<Mutex<PhiloxStream>>>>,
    resources: Mutex<HashMap<String, Resource>>,
}

/// A random stream's key: the node's name and its two seeds.
type StreamKey = (String, i64, i64);

impl KernelState for SessionState {
    fn random_stream(&self, node: &str, seed: i64, seed2: i64) -> Arc<Mutex<PhiloxStream>> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams
            .entry((node.to_string(), seed, seed2))
            .or_insert_with(|| Arc::new(Mutex::new(PhiloxStream::new(seed as u64, seed2 as u64))))
            .clone()
    }

    fn read_variable(&self, name: &str) -> Option<Tensor> {
        self.variables
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    fn write_variable(&self, name: &str, value: Tensor) -> Result<()> {
        self.variables
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), value);
        Ok(())
    }

    fn resource(&self, key: &str, make: &mut dyn FnMut() -> Resource) -> Resource {
        let mut resources = self.resources.lock().unwrap_or_else(|e| e.into_inner());
        resources
            .entry(key.to_string())
            .or_insert_with(make)
            .clone()
    }
}

/// Where a node input comes from when a plan runs.
#[derive(Debug, Clone, Copy)]
enum Source {
    Feed(usize),
    Slot(usize),
    /// A reference (a ref variable) read when the consumer runs.
    Live(NodeId),
}

/// The pruned, ordered work for one (fetches, feeds, targets) signature.
struct Plan {
    /// Nodes to run, grouped in levels: a level's nodes do not depend on
    /// each other, so they may run at once.
    levels: Vec<Vec<NodeId>>,
    /// Per node to run: its input sources and its first output slot.
    inputs: HashMap<NodeId, Vec<Source>>,
    first_slot: HashMap<NodeId, usize>,
    num_slots: usize,
    /// How many reads each slot has before it can be freed (fetches are
    /// never freed: they count one extra read).
    reads: Vec<usize>,
    fetches: Vec<Source>,
    /// The graph's nodes when the plan was made (nodes never change once
    /// added), so a run needs no lock and no copy of the graph.
    nodes: Vec<Node>,
}

type PlanKey = (Vec<(NodeId, usize)>, Vec<(NodeId, usize)>, Vec<NodeId>);

/// Runs a graph, like TF1's `tf.Session`. Each session holds its own
/// variable values: two sessions on one graph do not share them.
pub struct Session {
    exec: Executor,
    state: SessionState,
    config: SessionConfig,
    placed: Mutex<HashSet<NodeId>>,
    pool: Option<rayon::ThreadPool>,
}

/// Runs the nodes of one graph that fetches need, caching a plan per
/// (fetches, feeds, targets) signature. A [`Session`] owns one over its
/// graph; control-flow kernels own one per branch or loop body and run it
/// over their caller's [`KernelState`].
pub(crate) struct Executor {
    graph: Graph,
    plans: Mutex<HashMap<PlanKey, Arc<Plan>>>,
    parallel: bool,
}

impl Session {
    /// A session with default options.
    pub fn new(graph: &Graph) -> Session {
        Session::with_config(graph, SessionConfig::default())
    }

    /// A session with `config`.
    pub fn with_config(graph: &Graph, config: SessionConfig) -> Session {
        let threads = config.intra_op_threads.max(config.inter_op_threads);
        let pool = (config.intra_op_threads > 0)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .ok()
            })
            .flatten();
        Session {
            exec: Executor::new(graph, config.inter_op_threads > 1),
            state: SessionState::default(),
            config,
            placed: Mutex::new(HashSet::new()),
            pool,
        }
    }

    /// The graph it runs.
    pub fn graph(&self) -> &Graph {
        &self.exec.graph
    }

    /// The value this session holds for the variable whose op is `name`
    /// (`layer_1/W`), or `None` before it is initialized.
    pub fn variable_value(&self, name: &str) -> Option<Tensor> {
        self.state.read_variable(name)
    }

    /// Sets the value of the variable whose op is `name`, as running an
    /// `Assign` to it would (a `Saver` restoring a checkpoint).
    pub fn set_variable_value(&self, name: &str, value: Tensor) -> Result<()> {
        self.state.write_variable(name, value)
    }

    /// Computes `fetches` given `feeds`, like `sess.run(fetches, feed_dict)`.
    /// Only the nodes the fetches need run. Any tensor may be fed.
    pub fn run(&self, fetches: &[&Output], feeds: &[(&Output, Tensor)]) -> Result<Vec<Tensor>> {
        self.run_targets(&[], fetches, feeds)
    }

    /// Like [`Session::run`], also running `targets` (ops such as an
    /// initializer or a training step) whose outputs are not returned.
    pub fn run_targets(
        &self,
        targets: &[&Operation],
        fetches: &[&Output],
        feeds: &[(&Output, Tensor)],
    ) -> Result<Vec<Tensor>> {
        for t in fetches
            .iter()
            .map(|f| f.graph())
            .chain(feeds.iter().map(|f| f.0.graph()))
        {
            if !t.same_as(self.graph()) {
                fail!(
                    "Session.run",
                    "a fetched or fed tensor is not an element of this graph"
                );
            }
        }
        for t in targets {
            if !t.graph().same_as(self.graph()) {
                fail!(
                    "Session.run",
                    "Operation {} is not an element of this graph",
                    t.name()
                );
            }
        }
        for (x, value) in feeds {
            check_feed(x, value)?;
        }
        let key: PlanKey = (
            fetches.iter().map(|f| f.id()).collect(),
            feeds.iter().map(|f| f.0.id()).collect(),
            targets.iter().map(|t| t.id()).collect(),
        );
        let plan = self
            .exec
            .plan(key, |order, nodes| self.place(order, nodes))?;
        let feed_values: Vec<&Tensor> = feeds.iter().map(|f| &f.1).collect();
        match &self.pool {
            Some(pool) => pool.install(|| self.exec.execute(&plan, &feed_values, &self.state)),
            None => self.exec.execute(&plan, &feed_values, &self.state),
        }
    }

    /// Checks device requests and logs placements, once per node.
    fn place(&self, order: &[NodeId], nodes: &[Node]) -> Result<()> {
        let mut placed = self.placed.lock().unwrap_or_else(|e| e.into_inner());
        for &n in order {
            if !placed.insert(n) {
                continue;
            }
            let node = &nodes[n];
            if node.device.contains("GPU") && !self.config.allow_soft_placement {
                placed.remove(&n);
                fail!(
                    node.name.as_str(),
                    "Cannot assign a device for operation {}: Could not satisfy explicit device specification '{}' because no supported kernel for GPU devices is available.",
                    node.name,
                    node.device
                );
            }
            if self.config.log_device_placement {
                eprintln!(
                    "{}: ({}): /job:localhost/replica:0/task:0/device:CPU:0",
                    node.name,
                    node.op.op_type()
                );
            }
        }
        Ok(())
    }
}

impl Executor {
    pub(crate) fn new(graph: &Graph, parallel: bool) -> Executor {
        Executor {
            graph: graph.clone(),
            plans: Mutex::new(HashMap::new()),
            parallel,
        }
    }

    /// The graph it runs.
    pub(crate) fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Computes `fetches` from `feeds` (tensors of this executor's graph)
    /// with the stateful kernels drawing on `state`.
    pub(crate) fn run(
        &self,
        fetches: &[Output],
        feeds: &[(&Output, &Tensor)],
        state: &dyn KernelState,
    ) -> Result<Vec<Tensor>> {
        let key: PlanKey = (
            fetches.iter().map(|f| f.id()).collect(),
            feeds.iter().map(|f| f.0.id()).collect(),
            Vec::new(),
        );
        let plan = self.plan(key, |_, _| Ok(()))?;
        let values: Vec<&Tensor> = feeds.iter().map(|f| f.1).collect();
        self.execute(&plan, &values, state)
    }

    /// The cached plan for `key`, or a new one; `on_build` sees a new
    /// plan's nodes (in order) before it is cached.
    fn plan(
        &self,
        key: PlanKey,
        on_build: impl FnOnce(&[NodeId], &[Node]) -> Result<()>,
    ) -> Result<Arc<Plan>> {
        if let Some(p) = self
            .plans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(p.clone());
        }
        let plan = Arc::new(self.build_plan(&key, on_build)?);
        self.plans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, plan.clone());
        Ok(plan)
    }

    fn build_plan(
        &self,
        (fetches, feeds, targets): &PlanKey,
        on_build: impl FnOnce(&[NodeId], &[Node]) -> Result<()>,
    ) -> Result<Plan> {
        let nodes = self.graph.nodes();
        let fed: HashMap<(NodeId, usize), usize> =
            feeds.iter().enumerate().map(|(i, &f)| (f, i)).collect();
        // Prune: walk back from what is asked for, stopping at fed tensors.
        let mut needed = HashSet::new();
        let mut stack: Vec<NodeId> = fetches
            .iter()
            .filter(|f| !fed.contains_key(f))
            .map(|f| f.0)
            .chain(targets.iter().copied())
            .collect();
        while let Some(n) = stack.pop() {
            if !needed.insert(n) {
                continue;
            }
            let node = &nodes[n];
            stack.extend(
                node.inputs
                    .iter()
                    .filter(|i| !fed.contains_key(i))
                    .map(|i| i.0),
            );
            stack.extend(node.control_inputs.iter().copied());
        }
        let mut order: Vec<NodeId> = needed.into_iter().collect();
        order.sort_unstable();
        on_build(&order, &nodes)?;

        let mut first_slot = HashMap::new();
        let mut num_slots = 0;
        for &n in &order {
            first_slot.insert(n, num_slots);
            num_slots += nodes[n].outputs.len();
        }
        let source = |t: &(NodeId, usize)| match fed.get(t) {
            Some(&i) => Source::Feed(i),
            None if nodes[t.0].op.reads_at_use() => Source::Live(t.0),
            None => Source::Slot(first_slot[&t.0] + t.1),
        };
        let mut reads = vec![0; num_slots];
        let mut inputs = HashMap::new();
        let mut level_of: HashMap<NodeId, usize> = HashMap::new();
        let mut levels: Vec<Vec<NodeId>> = Vec::new();
        for &n in &order {
            let node = &nodes[n];
            let srcs: Vec<Source> = node.inputs.iter().map(source).collect();
            for s in &srcs {
                if let Source::Slot(k) = s {
                    reads[*k] += 1;
                }
            }
            let level = node
                .inputs
                .iter()
                .filter(|i| !fed.contains_key(i))
                .map(|i| i.0)
                .chain(node.control_inputs.iter().copied())
                .filter_map(|d| level_of.get(&d).map(|l| l + 1))
                .max()
                .unwrap_or(0);
            level_of.insert(n, level);
            if levels.len() <= level {
                levels.resize(level + 1, Vec::new());
            }
            levels[level].push(n);
            inputs.insert(n, srcs);
        }
        let fetches: Vec<Source> = fetches.iter().map(source).collect();
        for f in &fetches {
            if let Source::Slot(k) = f {
                reads[*k] += 1;
            }
        }
        Ok(Plan {
            levels,
            inputs,
            first_slot,
            num_slots,
            reads,
            fetches,
            nodes,
        })
    }

    fn compute(state: &dyn KernelState, node: &Node, args: &[&Tensor]) -> Result<Vec<Tensor>> {
        let ctx = OpContext {
            name: &node.name,
            state,
        };
        node.op.compute(&ctx, args)
    }

    fn execute(
        &self,
        plan: &Plan,
        feeds: &[&Tensor],
        state: &dyn KernelState,
    ) -> Result<Vec<Tensor>> {
        let nodes = &plan.nodes;
        let mut slots: Vec<Option<Tensor>> = vec![None; plan.num_slots];
        let mut reads = plan.reads.clone();
        let parallel = self.parallel;
        for level in &plan.levels {
            let run = |n: &NodeId| -> Result<Vec<Tensor>> {
                let node = &nodes[*n];
                if node.op.reads_at_use() {
                    // Read by each consumer instead (see `Source::Live`).
                    return Ok(Vec::new());
                }
                let live = plan.inputs[n]
                    .iter()
                    .map(|s| match *s {
                        Source::Live(p) => {
                            Self::compute(state, &nodes[p], &[]).map(|mut v| Some(v.swap_remove(0)))
                        }
                        _ => Ok(None),
                    })
                    .collect::<Result<Vec<Option<Tensor>>>>()?;
                let args = plan.inputs[n]
                    .iter()
                    .zip(&live)
                    .map(|(s, l)| match (*s, l) {
                        (Source::Feed(i), _) => Ok(feeds[i]),
                        (_, Some(t)) => Ok(t),
                        (Source::Slot(k), _) => slots[k]
                            .as_ref()
                            .ok_or_else(|| Error::invalid(&node.name, "an input was not computed")),
                        (Source::Live(_), None) => {
                            Err(Error::invalid(&node.name, "a reference input was not read"))
                        }
                    })
                    .collect::<Result<Vec<&Tensor>>>()?;
                Self::compute(state, node, &args)
            };
            let results: Vec<Result<Vec<Tensor>>> = if parallel && level.len() > 1 {
                use rayon::prelude::*;
                level.par_iter().map(run).collect()
            } else {
                level.iter().map(run).collect()
            };
            for (n, outs) in level.iter().zip(results) {
                let outs = outs?;
                let first = plan.first_slot[n];
                for (i, t) in outs.into_iter().enumerate() {
                    slots[first + i] = Some(t);
                }
            }
            // Free every input whose last consumer has run.
            for n in level {
                for s in &plan.inputs[n] {
                    if let Source::Slot(k) = *s {
                        reads[k] -= 1;
                        if reads[k] == 0 {
                            slots[k] = None;
                        }
                    }
                }
            }
        }
        plan.fetches
            .iter()
            .map(|s| match *s {
                Source::Feed(i) => Ok(feeds[i].clone()),
                Source::Live(p) => Ok(Self::compute(state, &nodes[p], &[])?.swap_remove(0)),
                Source::Slot(k) => slots[k]
                    .clone()
                    .ok_or_else(|| Error::invalid("Session.run", "a fetch was not computed")),
            })
            .collect()
    }
}

/// A fed value must match the tensor's dtype and static shape.
fn check_feed(x: &Output, value: &Tensor) -> Result<()> {
    let spec = x.spec();
    if value.dtype() != spec.dtype {
        fail!(
            "Session.run",
            "Cannot feed value of dtype {} for Tensor {}, which has dtype {}",
            value.dtype(),
            x.name(),
            spec.dtype
        );
    }
    if !spec
        .shape
        .is_compatible_with(&crate::PartialShape::known(value.shape()))
    {
        fail!(
            "Session.run",
            "Cannot feed value of shape {} for Tensor {}, which has shape {}",
            value.shape().to_tuple_string(),
            x.name(),
            spec.shape
        );
    }
    Ok(())
}
