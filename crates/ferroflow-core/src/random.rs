//! Random seeds as TensorFlow derives them, and the stream state random
//! kernels draw from.
//!
//! A stateful random op carries `(seed, seed2)` derived when it is created
//! from the global seed and its own op seed (`../shared/spec/SEMANTICS.md`):
//!
//! | global seed | op seed | `(seed, seed2)` |
//! | --- | --- | --- |
//! | G | none | eager: `(G, k)` with k from `random.Random(G).randint(0, 2³¹-1)`; graphs: `(G, counter)` |
//! | none | S | `(87654321, S)` |
//! | G | S | `(G, S)` |
//! | none | none | `(0, 0)`: fresh random seeds, nondeterministic |

use ferroflow_tensor::kernels::random::{PhiloxStream, PythonRandom};
use ferroflow_tensor::Tensor;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// TensorFlow's default graph-level seed, used with an op seed alone.
pub const DEFAULT_GRAPH_SEED: i64 = 87654321;

/// The `(seed, seed2)` pair of a new random op (the four cases above);
/// `next_k` supplies the per-op number when only the global seed is set.
pub fn derive_seeds(
    global: Option<i64>,
    op: Option<i64>,
    next_k: impl FnOnce() -> i64,
) -> (i64, i64) {
    let pair = match (global, op) {
        (Some(g), Some(s)) => (g, s),
        (Some(g), None) => (g, next_k()),
        (None, Some(s)) => (DEFAULT_GRAPH_SEED, s),
        (None, None) => return (0, 0),
    };
    // Real seeds must not read as "unseeded".
    if pair == (0, 0) {
        (0, i32::MAX as i64)
    } else {
        pair
    }
}

/// Gives stateful kernels their state: random streams and graph variable
/// values. Each runtime keeps its own (the eager context, each graph
/// session), so streams continue from call to call there and restart in a
/// new session, and two sessions hold separate variable values.
pub trait KernelState: Send + Sync {
    /// The stream of op `node` with seeds `(seed, seed2)`.
    fn random_stream(&self, node: &str, seed: i64, seed2: i64) -> Arc<Mutex<PhiloxStream>>;
    /// The value of graph variable `name`, if initialized.
    fn read_variable(&self, name: &str) -> Option<Tensor>;
    /// Stores the value of graph variable `name`.
    fn write_variable(&self, name: &str, value: Tensor) -> crate::Result<()>;
    /// The runtime's object under `key` (an iterator's position, …), made
    /// by `make` on first use. Sessions keep one per key, so each session
    /// has its own; the eager runtime keeps none and makes a fresh one.
    fn resource(&self, key: &str, make: &mut dyn FnMut() -> Resource) -> Resource {
        let _ = key;
        make()
    }
}

/// A kernel's state object kept by a runtime (see [`KernelState::resource`]).
pub type Resource = Arc<dyn std::any::Any + Send + Sync>;

/// The eager runtime's random state: the global seed, the Python-style
/// generator of per-op seeds, and one cached stream per op type and seed
/// pair (TF2 caches one kernel per op and attributes, so repeated calls
/// continue its stream).
#[derive(Default)]
pub struct EagerRandom {
    global_seed: Option<i64>,
    op_seeds: Option<PythonRandom>,
    streams: HashMap<(String, i64, i64), Arc<Mutex<PhiloxStream>>>,
}

static EAGER: Mutex<Option<EagerRandom>> = Mutex::new(None);

fn eager() -> MutexGuard<'static, Option<EagerRandom>> {
    // The state stays consistent even if a holder panicked: recover it.
    EAGER.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sets the global random seed, like `tf.random.set_seed`: later eager
/// random ops become reproducible, and setting it again restarts them.
///
/// ```
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::random::set_random_seed;
/// set_random_seed(Some(1234));
/// let a = random_uniform(&[2], 0.0, 1.0, DType::F32, Some(1)).unwrap();
/// let b = random_uniform(&[2], 0.0, 1.0, DType::F32, Some(1)).unwrap();
/// set_random_seed(Some(1234));
/// let a2 = random_uniform(&[2], 0.0, 1.0, DType::F32, Some(1)).unwrap();
/// assert!(a != b && a == a2);
/// ```
pub fn set_random_seed(seed: Option<i64>) {
    *eager() = Some(EagerRandom {
        global_seed: seed,
        op_seeds: seed.map(|s| PythonRandom::new(s as u64)),
        streams: HashMap::new(),
    });
}

/// The seeds of a new eager random op with op seed `op`.
pub fn eager_op_seeds(op: Option<i64>) -> (i64, i64) {
    let mut guard = eager();
    let state = guard.get_or_insert_with(EagerRandom::default);
    let global = state.global_seed;
    let draws = &mut state.op_seeds;
    derive_seeds(global, op, || {
        draws
            .as_mut()
            .and_then(|r| r.randint(0, i32::MAX as i64).ok())
            .unwrap_or(0)
    })
}

/// The eager runtime's [`KernelState`].
pub struct EagerKernelState;

impl KernelState for EagerKernelState {
    fn random_stream(&self, node: &str, seed: i64, seed2: i64) -> Arc<Mutex<PhiloxStream>> {
        if (seed, seed2) == (0, 0) {
            // Unseeded: a fresh nondeterministic stream each call.
            return Arc::new(Mutex::new(PhiloxStream::new(0, 0)));
        }
        let mut guard = eager();
        let state = guard.get_or_insert_with(EagerRandom::default);
        state
            .streams
            .entry((node.to_string(), seed, seed2))
            .or_insert_with(|| Arc::new(Mutex::new(PhiloxStream::new(seed as u64, seed2 as u64))))
            .clone()
    }

    fn read_variable(&self, _name: &str) -> Option<Tensor> {
        None
    }

    fn write_variable(&self, name: &str, _value: Tensor) -> crate::Result<()> {
        crate::fail!(
            name,
            "graph variables live in a Session; eager code uses Variable"
        )
    }
}
