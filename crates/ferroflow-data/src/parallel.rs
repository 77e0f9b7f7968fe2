//! Transformations that run user functions or background threads: `map`
//! (sequential or on worker threads with an ordered reorder buffer),
//! `prefetch` and `interleave`.

use crate::{DataError, Dataset, Element, ElementIter, ElementSpec, Result};
use ferroflow_core::{PartialShape, TensorSpec};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, SendError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `tf.data.AUTOTUNE`: let the pipeline pick a parallelism or buffer size
/// (the number of cores for `num_parallel_calls`, [`AUTOTUNE_BUFFER`] for
/// `prefetch`).
pub const AUTOTUNE: usize = usize::MAX;

/// The buffer size `prefetch(AUTOTUNE)` uses. TensorFlow tunes it while
/// running; a fixed small size keeps memory bounded and hides latency.
pub const AUTOTUNE_BUFFER: usize = 4;

/// A map function: one element in, one element (or an error) out.
type MapFn = Arc<dyn Fn(Element) -> Result<Element> + Send + Sync>;

impl Dataset {
    /// Applies `f` to every element (`map`). The element spec is taken from
    /// `f`'s output on the first input element it accepts (among the first
    /// few; TensorFlow traces the function once instead): dtypes and ranks
    /// are static, dimensions unknown. Without such an element (an empty
    /// input, or `f` failing on all of them) the input's spec is kept.
    ///
    /// ```
    /// use ferroflow_data::{Dataset, Element};
    /// use ferroflow_tensor::Tensor;
    /// let ds = Dataset::range(0, 3, 1).unwrap()
    ///     .map(|e| Ok(Element::from(Tensor::from(e.at(0)?.to_scalar::<i64>()? as f32 * 0.5))))
    ///     .unwrap();
    /// let v: Vec<f32> = ds.iter().unwrap().map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap()).collect();
    /// assert_eq!(v, [0.0, 0.5, 1.0]);
    /// ```
    pub fn map<F>(&self, f: F) -> Result<Dataset>
    where
        F: Fn(Element) -> Result<Element> + Send + Sync + 'static,
    {
        self.map_parallel(f, 1, true)
    }

    /// `map(f, num_parallel_calls=n, deterministic=d)`: `f` runs on `n`
    /// worker threads ([`AUTOTUNE`]: one per core). With `deterministic`
    /// the output keeps the input order (a reorder buffer holds finished
    /// elements until their turn); without, elements come as they finish.
    /// Workers take chunks of elements, grown while the map is cheap, so
    /// the hand-off between threads stays a small part of the work.
    pub fn map_parallel<F>(
        &self,
        f: F,
        num_parallel_calls: usize,
        deterministic: bool,
    ) -> Result<Dataset>
    where
        F: Fn(Element) -> Result<Element> + Send + Sync + 'static,
    {
        let f: MapFn = Arc::new(f);
        let spec = self
            .epoch()?
            .take(TRACE_ELEMENTS)
            .find_map(|e| call(&f, e.ok()?).ok())
            .map_or_else(|| self.element_spec().clone(), |out| relaxed(&out.spec()));
        let workers = resolve(num_parallel_calls, cores());
        let input = self.clone();
        Ok(Dataset::from_fn(spec, move || {
            let it = input.epoch()?;
            let f = f.clone();
            Ok(if workers <= 1 {
                Box::new(it.map(move |e| e.and_then(|e| call(&f, e))))
            } else {
                Box::new(ParallelMap::new(it, f, workers, deterministic))
            })
        }))
    }

    /// Prepares up to `buffer_size` elements ahead on a background thread
    /// ([`AUTOTUNE`]: [`AUTOTUNE_BUFFER`]). Dropping the iterator stops the
    /// thread and waits for it, so it waits for the input element being
    /// produced at that moment.
    ///
    /// ```
    /// use ferroflow_data::{Dataset, AUTOTUNE};
    /// let ds = Dataset::range(0, 100, 1).unwrap().prefetch(AUTOTUNE);
    /// assert_eq!(ds.iter().unwrap().count(), 100);
    /// ```
    pub fn prefetch(&self, buffer_size: usize) -> Dataset {
        let size = resolve(buffer_size, AUTOTUNE_BUFFER);
        let input = self.clone();
        Dataset::from_fn(self.element_spec().clone(), move || {
            Ok(prefetch_iter(input.epoch()?, size))
        })
    }

    /// Maps every element to a dataset and interleaves their elements:
    /// `block_length` from each of `cycle_length` open datasets in turn
    /// (`interleave`). With `parallel`, each open dataset is read ahead on
    /// its own thread; the order stays the sequential one.
    ///
    /// ```
    /// use ferroflow_data::{Dataset, Element};
    /// // Dataset.range(1, 4).interleave(lambda x: Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2)
    /// let ds = Dataset::range(1, 4, 1).unwrap()
    ///     .interleave(|e| Ok(Dataset::from_tensors(e).repeat(Some(3))), 2, 2, false)
    ///     .unwrap();
    /// let v: Vec<i64> = ds.iter().unwrap().map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap()).collect();
    /// assert_eq!(v, [1, 1, 2, 2, 1, 2, 3, 3, 3]);
    /// ```
    pub fn interleave<F>(
        &self,
        f: F,
        cycle_length: usize,
        block_length: usize,
        parallel: bool,
    ) -> Result<Dataset>
    where
        F: Fn(Element) -> Result<Dataset> + Send + Sync + 'static,
    {
        const OP: &str = "InterleaveDataset";
        if cycle_length == 0 || block_length == 0 {
            return Err(DataError::invalid(OP, format!("cycle_length ({cycle_length}) and block_length ({block_length}) must be positive")));
        }
        let spec = match self.epoch()?.next() {
            Some(Ok(first)) => f(first)?.element_spec().clone(),
            _ => self.element_spec().clone(),
        };
        let f = Arc::new(f);
        let input = self.clone();
        Ok(Dataset::from_fn(spec, move || {
            let f = f.clone();
            let open: OpenFn = Box::new(move |e| {
                let it = f(e)?.epoch()?;
                Ok(if parallel {
                    prefetch_iter(it, block_length)
                } else {
                    it
                })
            });
            Ok(Box::new(Interleave {
                input: Some(input.epoch()?),
                open,
                slots: (0..cycle_length).map(|_| None).collect(),
                cycle: 0,
                block: 0,
                block_length,
            }))
        }))
    }
}

/// Input elements `map` tries, to find one its function accepts, when it
/// takes its element spec from an output.
const TRACE_ELEMENTS: usize = 8;

/// `spec` with every dimension unknown (ranks kept).
fn relaxed(spec: &ElementSpec) -> ElementSpec {
    let specs = spec
        .specs()
        .iter()
        .map(|s| {
            let shape = s
                .shape
                .rank()
                .map_or_else(PartialShape::unknown, PartialShape::unknown_dims);
            TensorSpec::new(s.dtype, shape)
        })
        .collect();
    spec.with_specs(specs)
}

/// `value`, or `auto` for [`AUTOTUNE`]; at least 1.
fn resolve(value: usize, auto: usize) -> usize {
    if value == AUTOTUNE { auto } else { value }.max(1)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Calls `f`, turning a panic into an error at this element.
fn call(f: &MapFn, e: Element) -> Result<Element> {
    catch_unwind(AssertUnwindSafe(|| f(e))).unwrap_or_else(|_| {
        Err(DataError::invalid(
            "MapDataset",
            "the map function panicked",
        ))
    })
}

/// Reads `it` ahead on a background thread through a channel of `size`.
pub(crate) fn prefetch_iter(it: ElementIter, size: usize) -> ElementIter {
    let (tx, rx) = sync_channel(size);
    let handle = std::thread::spawn(move || {
        for e in it {
            if tx.send(e).is_err() {
                break;
            }
        }
    });
    Box::new(Prefetch {
        rx: Some(rx),
        handle: Some(handle),
    })
}

struct Prefetch {
    rx: Option<Receiver<Result<Element>>>,
    handle: Option<JoinHandle<()>>,
}

impl Iterator for Prefetch {
    type Item = Result<Element>;

    fn next(&mut self) -> Option<Result<Element>> {
        self.rx.as_ref()?.recv().ok()
    }
}

impl Drop for Prefetch {
    /// Closes the channel, so the producer's next send fails, and waits for it.
    fn drop(&mut self) {
        self.rx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Elements handed to a worker at once, with their input positions' chunk
/// number; input errors ride along untouched.
type Chunk = (u64, Vec<Result<Element>>);

/// Largest chunk of elements a worker takes at once.
const MAX_CHUNK: usize = 64;

/// Chunks of cheap maps grow until one takes about this long, so the
/// hand-off between threads costs little next to the work.
const CHUNK_TARGET: Duration = Duration::from_micros(200);

/// The iterator of a parallel `map`: the consumer hands chunks of input
/// elements to the workers and reorders the finished chunks. A chunk starts
/// as one element and doubles while a chunk's map takes under
/// [`CHUNK_TARGET`].
struct ParallelMap {
    input: ElementIter,
    input_done: bool,
    jobs: Option<SyncSender<Chunk>>,
    results: Receiver<Chunk>,
    workers: Vec<JoinHandle<()>>,
    chunk: Arc<AtomicUsize>,
    /// Finished chunks not yet returned, by chunk number.
    ready: BTreeMap<u64, Vec<Result<Element>>>,
    current: std::vec::IntoIter<Result<Element>>,
    sent: u64,
    delivered: u64,
    capacity: u64,
    deterministic: bool,
}

impl ParallelMap {
    fn new(input: ElementIter, f: MapFn, workers: usize, deterministic: bool) -> Self {
        let (job_tx, job_rx) = sync_channel::<Chunk>(workers);
        let (res_tx, results) = channel::<Chunk>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let chunk = Arc::new(AtomicUsize::new(1));
        let workers = (0..workers)
            .map(|_| {
                let (f, job_rx, res_tx, chunk) =
                    (f.clone(), job_rx.clone(), res_tx.clone(), chunk.clone());
                std::thread::spawn(move || work(&f, &job_rx, &res_tx, &chunk))
            })
            .collect::<Vec<_>>();
        let capacity = 2 * workers.len() as u64;
        ParallelMap {
            input,
            input_done: false,
            jobs: Some(job_tx),
            results,
            workers,
            chunk,
            ready: BTreeMap::new(),
            current: Vec::new().into_iter(),
            sent: 0,
            delivered: 0,
            capacity,
            deterministic,
        }
    }

    /// Hands chunks of input elements to the workers until `capacity`
    /// chunks are in flight.
    fn fill(&mut self) {
        while !self.input_done && self.sent - self.delivered < self.capacity {
            let size = self.chunk.load(Ordering::Relaxed);
            let items: Vec<_> = self.input.by_ref().take(size).collect();
            self.input_done = items.len() < size;
            if items.is_empty() {
                break;
            }
            let sent = match &self.jobs {
                Some(jobs) => jobs.send((self.sent, items)),
                None => Err(SendError((self.sent, items))),
            };
            // The workers are gone only if one of them panicked outside `f`.
            if let Err(SendError((_, items))) = sent {
                let stopped = |_| {
                    Err(DataError::invalid(
                        "ParallelMapDataset",
                        "worker threads stopped",
                    ))
                };
                self.ready
                    .insert(self.sent, items.iter().map(stopped).collect());
            }
            self.sent += 1;
        }
    }
}

/// A worker: maps the elements of each chunk it receives and adapts the
/// chunk size to the time a chunk takes.
fn work(f: &MapFn, jobs: &Mutex<Receiver<Chunk>>, results: &Sender<Chunk>, chunk: &AtomicUsize) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((i, items)) = job else { return };
        let start = Instant::now();
        let n = items.len();
        let out = items
            .into_iter()
            .map(|e| e.and_then(|e| call(f, e)))
            .collect();
        if n == chunk.load(Ordering::Relaxed) && n < MAX_CHUNK && start.elapsed() < CHUNK_TARGET {
            chunk.store(n * 2, Ordering::Relaxed);
        }
        if results.send((i, out)).is_err() {
            return;
        }
    }
}

impl Iterator for ParallelMap {
    type Item = Result<Element>;

    fn next(&mut self) -> Option<Result<Element>> {
        loop {
            if let Some(e) = self.current.next() {
                return Some(e);
            }
            self.fill();
            let out = if self.deterministic {
                self.ready.remove(&self.delivered)
            } else {
                self.ready.pop_first().map(|(_, r)| r)
            };
            if let Some(chunk) = out {
                self.delivered += 1;
                self.current = chunk.into_iter();
                continue;
            }
            if self.delivered == self.sent {
                return None;
            }
            let (i, r) = self.results.recv().ok()?;
            self.ready.insert(i, r);
        }
    }
}

impl Drop for ParallelMap {
    /// Closes the job queue and waits for the workers to finish.
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// Opens the dataset of one input element of `interleave`.
type OpenFn = Box<dyn Fn(Element) -> Result<ElementIter> + Send>;

/// The iterator of `interleave` (TensorFlow's `InterleaveDatasetOp` order).
struct Interleave {
    input: Option<ElementIter>,
    open: OpenFn,
    slots: Vec<Option<ElementIter>>,
    cycle: usize,
    block: usize,
    block_length: usize,
}

impl Interleave {
    fn advance(&mut self) {
        self.block = 0;
        self.cycle = (self.cycle + 1) % self.slots.len();
    }
}

impl Iterator for Interleave {
    type Item = Result<Element>;

    fn next(&mut self) -> Option<Result<Element>> {
        loop {
            if let Some(it) = &mut self.slots[self.cycle] {
                match it.next() {
                    Some(e) => {
                        self.block += 1;
                        if self.block == self.block_length {
                            self.advance();
                        }
                        return Some(e);
                    }
                    None => {
                        self.slots[self.cycle] = None;
                        self.advance();
                    }
                }
            } else if let Some(input) = &mut self.input {
                match input.next() {
                    Some(Ok(e)) => match (self.open)(e) {
                        Ok(it) => self.slots[self.cycle] = Some(it),
                        Err(err) => return Some(Err(err)),
                    },
                    Some(Err(err)) => return Some(Err(err)),
                    None => self.input = None,
                }
            } else if self.slots.iter().all(Option::is_none) {
                return None;
            } else {
                self.advance();
            }
        }
    }
}
