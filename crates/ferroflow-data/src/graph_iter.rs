//! Graph-mode iterators: `dataset.make_one_shot_iterator()` and
//! `make_initializable_iterator()`, whose `get_next()` node pulls the next
//! element each time a session runs it. At the end of the data it raises
//! [`Error::OutOfRange`], which a session returns unchanged, so an epoch
//! loop matches it like TF1's `except tf.errors.OutOfRangeError:`.

use crate::{DataError, Dataset, ElementIter};
use ferroflow_core::graph::{Graph, Operation, Output};
use ferroflow_core::random::Resource;
use ferroflow_core::{Error, OpContext, OpDef, Result, TensorSpec};
use ferroflow_tensor::Tensor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Where an iterator stands. The get-next and initializer nodes find it in
/// the running session under the iterator's key, so each session has its
/// own position, as in TensorFlow.
enum State {
    Uninitialized,
    Running(ElementIter),
    Done,
}

type Shared = Arc<Mutex<State>>;

/// A process-unique key naming one iterator's state in each session.
fn new_key() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("iterator:{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// This iterator's state in the running session.
fn session_state(ctx: &OpContext, key: &str) -> Result<Shared> {
    let fresh = || -> Resource { Arc::new(Mutex::new(State::Uninitialized)) };
    ctx.state
        .resource(key, &mut { fresh })
        .downcast::<Mutex<State>>()
        .map_err(|_| Error::invalid(ctx.name, "the iterator's state has an unexpected type"))
}

/// A graph iterator over a dataset (`tf.compat.v1.data.Iterator`).
///
/// ```
/// use ferroflow_core::graph::Graph;
/// use ferroflow_core::session::Session;
/// use ferroflow_core::Error;
/// use ferroflow_data::{Dataset, GraphIterator};
/// let g = Graph::new();
/// let it = GraphIterator::one_shot(&g, &Dataset::range(0, 2, 1).unwrap()).unwrap();
/// let sess = Session::new(&g);
/// let next = &it.get_next()[0];
/// assert_eq!(sess.run(&[next], &[]).unwrap()[0].to_scalar::<i64>().unwrap(), 0);
/// assert_eq!(sess.run(&[next], &[]).unwrap()[0].to_scalar::<i64>().unwrap(), 1);
/// let end = sess.run(&[next], &[]).unwrap_err();
/// assert!(matches!(end, Error::OutOfRange(_)), "{end}");
/// ```
pub struct GraphIterator {
    get_next: Vec<Output>,
    initializer: Option<Operation>,
}

impl GraphIterator {
    /// `dataset.make_one_shot_iterator()`: starts at its first run.
    pub fn one_shot(graph: &Graph, dataset: &Dataset) -> Result<GraphIterator> {
        Ok(GraphIterator {
            get_next: get_next(graph, dataset, &new_key(), true)?,
            initializer: None,
        })
    }

    /// `dataset.make_initializable_iterator()`: each run of
    /// [`GraphIterator::initializer`] starts a new epoch; `get_next()`
    /// before it is an error.
    pub fn initializable(graph: &Graph, dataset: &Dataset) -> Result<GraphIterator> {
        let key = new_key();
        let get_next = get_next(graph, dataset, &key, false)?;
        let init = MakeIterator {
            dataset: dataset.clone(),
            key,
        };
        let initializer = Some(graph.add_operation(Arc::new(init), &[], "make_iterator")?);
        Ok(GraphIterator {
            get_next,
            initializer,
        })
    }

    /// One output per component of the element.
    pub fn get_next(&self) -> &[Output] {
        &self.get_next
    }

    /// The initializer of an initializable iterator (`iterator.initializer`).
    pub fn initializer(&self) -> Option<&Operation> {
        self.initializer.as_ref()
    }
}

fn get_next(graph: &Graph, dataset: &Dataset, key: &str, one_shot: bool) -> Result<Vec<Output>> {
    let op = IteratorGetNext {
        dataset: dataset.clone(),
        key: key.to_string(),
        one_shot,
    };
    graph.add_op(Arc::new(op), &[], Some("IteratorGetNext"))
}

fn lock<'a>(state: &'a Shared, op: &str) -> Result<std::sync::MutexGuard<'a, State>> {
    state
        .lock()
        .map_err(|_| Error::invalid(op, "the iterator's state was poisoned by a panic"))
}

fn to_core(op: &str, e: DataError) -> Error {
    match e {
        DataError::Core(e) => e,
        DataError::OutOfRange => Error::end_of_sequence(op),
        other => Error::invalid(op, other.to_string()),
    }
}

/// The `IteratorGetNext` node: the next element of the dataset.
struct IteratorGetNext {
    dataset: Dataset,
    key: String,
    one_shot: bool,
}

impl std::fmt::Debug for IteratorGetNext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IteratorGetNext({:?})", self.dataset)
    }
}

impl OpDef for IteratorGetNext {
    fn op_type(&self) -> &'static str {
        "IteratorGetNext"
    }

    fn infer(&self, _inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        Ok(self.dataset.element_spec().specs().to_vec())
    }

    fn compute(&self, ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let shared = session_state(ctx, &self.key)?;
        let mut state = lock(&shared, ctx.name)?;
        if matches!(*state, State::Uninitialized) {
            if !self.one_shot {
                return Err(Error::FailedPrecondition(format!("{}: GetNext() failed because the iterator has not been initialized. Ensure that you have run the initializer operation for this iterator before getting the next element.", ctx.name)));
            }
            *state = State::Running(self.dataset.epoch().map_err(|e| to_core(ctx.name, e))?);
        }
        let next = match &mut *state {
            State::Running(it) => it.next(),
            _ => None,
        };
        match next {
            Some(Ok(e)) => Ok(e.into_tensors()),
            Some(Err(e)) => Err(to_core(ctx.name, e)),
            None => {
                *state = State::Done;
                Err(Error::end_of_sequence(ctx.name))
            }
        }
    }

    fn is_stateful(&self) -> bool {
        true
    }
}

/// The `MakeIterator` node: restarts the iterator at a new epoch.
struct MakeIterator {
    dataset: Dataset,
    key: String,
}

impl std::fmt::Debug for MakeIterator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MakeIterator({:?})", self.dataset)
    }
}

impl OpDef for MakeIterator {
    fn op_type(&self) -> &'static str {
        "MakeIterator"
    }

    fn infer(&self, _inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        Ok(Vec::new())
    }

    fn compute(&self, ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let it = self.dataset.epoch().map_err(|e| to_core(ctx.name, e))?;
        *lock(&session_state(ctx, &self.key)?, ctx.name)? = State::Running(it);
        Ok(Vec::new())
    }

    fn is_stateful(&self) -> bool {
        true
    }
}
