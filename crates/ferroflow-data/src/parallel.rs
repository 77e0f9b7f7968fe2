//! Transformations that run user functions or background threads: `map`
//! (sequential or on worker threads with an ordered reorder buffer),
//! `prefetch` and `interleave`.

use crate::{DataError, Dataset, Element, ElementIter, Result};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

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
    /// `f`'s output on the first input element (as TensorFlow traces the
    /// function once): dtypes and ranks are static, dimensions unknown.
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
        let spec = match self.epoch()?.next() {
            Some(Ok(first)) => {
                let out = f(first)?.spec();
                let relaxed = out
                    .specs()
                    .iter()
                    .map(|s| {
                        ferroflow_core::TensorSpec::new(
                            s.dtype,
                            s.shape.rank().map_or_else(
                                ferroflow_core::PartialShape::unknown,
                                ferroflow_core::PartialShape::unknown_dims,
                            ),
                        )
                    })
                    .collect();
                out.with_specs(relaxed)
            }
            _ => self.element_spec().clone(),
        };
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
    /// ([`AUTOTUNE`]: [`AUTOTUNE_BUFFER`]). The thread stops when the
    /// iterator is dropped.
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

/// The iterator of a parallel `map`.
struct ParallelMap {
    input: ElementIter,
    input_done: bool,
    jobs: Option<SyncSender<(u64, Element)>>,
    results: Receiver<(u64, Result<Element>)>,
    workers: Vec<JoinHandle<()>>,
    /// Finished elements not yet returned, by input index.
    ready: BTreeMap<u64, Result<Element>>,
    sent: u64,
    delivered: u64,
    capacity: u64,
    deterministic: bool,
}

impl ParallelMap {
    fn new(input: ElementIter, f: MapFn, workers: usize, deterministic: bool) -> Self {
        let (job_tx, job_rx) = sync_channel::<(u64, Element)>(workers);
        let (res_tx, results) = channel();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let workers = (0..workers)
            .map(|_| {
                let (f, job_rx, res_tx): (MapFn, _, Sender<_>) =
                    (f.clone(), job_rx.clone(), res_tx.clone());
                std::thread::spawn(move || loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((i, e)) = job else { break };
                    if res_tx.send((i, call(&f, e))).is_err() {
                        break;
                    }
                })
            })
            .collect::<Vec<_>>();
        let capacity = 2 * workers.len() as u64;
        ParallelMap {
            input,
            input_done: false,
            jobs: Some(job_tx),
            results,
            workers,
            ready: BTreeMap::new(),
            sent: 0,
            delivered: 0,
            capacity,
            deterministic,
        }
    }

    /// Hands input elements to the workers until `capacity` are in flight.
    fn fill(&mut self) {
        while !self.input_done && self.sent - self.delivered < self.capacity {
            match self.input.next() {
                None => self.input_done = true,
                Some(Err(e)) => {
                    self.ready.insert(self.sent, Err(e));
                }
                Some(Ok(e)) => {
                    let sent = self
                        .jobs
                        .as_ref()
                        .is_some_and(|j| j.send((self.sent, e)).is_ok());
                    if !sent {
                        self.ready.insert(
                            self.sent,
                            Err(DataError::invalid(
                                "ParallelMapDataset",
                                "worker threads stopped",
                            )),
                        );
                    }
                }
            }
            if !self.input_done {
                self.sent += 1;
            }
        }
    }
}

impl Iterator for ParallelMap {
    type Item = Result<Element>;

    fn next(&mut self) -> Option<Result<Element>> {
        loop {
            self.fill();
            let out = if self.deterministic {
                self.ready.remove(&self.delivered)
            } else {
                self.ready.pop_first().map(|(_, r)| r)
            };
            if let Some(r) = out {
                self.delivered += 1;
                return Some(r);
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
