//! Where `fit` and `evaluate` take their batches from: in-memory tensors
//! (one per model input and output, sliced and shuffled together per
//! epoch) or a `Dataset` of `(x, y)` batches.

use ferroflow_core::prelude::*;
use ferroflow_core::{Error, Result};
use ferroflow_data::{Dataset, ElementIter};

/// A batch: the tensors of the model's inputs and of its targets.
pub(crate) type Batch = (Vec<Tensor>, Vec<Tensor>);

/// A source of `(x, y)` batches, one epoch at a time.
pub(crate) trait Batches {
    /// Batches per epoch, when known.
    fn steps(&self) -> Option<usize>;
    /// Starts epoch `epoch`.
    fn start_epoch(&mut self, epoch: usize) -> Result<()>;
    /// The epoch's next batch; `None` at its end.
    fn next_batch(&mut self) -> Option<Result<Batch>>;
}

/// A permutation of `0..n` from SplitMix64 with `seed`.
fn permutation(n: usize, seed: u64) -> Vec<i64> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut p: Vec<i64> = (0..n as i64).collect();
    for i in (1..n).rev() {
        p.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    p
}

/// Rows `index` of `x`.
pub(crate) fn rows(x: &Tensor, index: &[i64]) -> Result<Tensor> {
    x.gather(&Tensor::from_vec(index.to_vec(), [index.len()])?, 0, 0)
}

/// Rows `index` of each tensor.
pub(crate) fn rows_of(tensors: &[Tensor], index: &[i64]) -> Result<Vec<Tensor>> {
    tensors.iter().map(|t| rows(t, index)).collect()
}

/// The number of examples, checked equal (and > 0) for every array of
/// `x` and `y`, with Keras's message.
pub(crate) fn examples(op: &str, x: &[Tensor], y: &[Tensor]) -> Result<usize> {
    let first = |t: &Tensor| t.dims().first().copied();
    let counts: Vec<Option<usize>> = x.iter().chain(y).map(first).collect();
    match counts.first() {
        Some(&Some(n)) if n > 0 && counts.iter().all(|&c| c == Some(n)) => Ok(n),
        _ => {
            let sizes = |ts: &[Tensor]| {
                let sizes: Vec<String> = ts
                    .iter()
                    .map(|t| first(t).map_or("()".into(), |n| n.to_string()))
                    .collect();
                sizes.join(", ")
            };
            Err(Error::invalid(
                op,
                format!(
                    "Data cardinality is ambiguous:\n  x sizes: {}\n  y sizes: {}\nMake sure all arrays contain the same number (> 0) of samples.",
                    sizes(x),
                    sizes(y)
                ),
            ))
        }
    }
}

/// The first `n` rows of the tensors `x`, `y` in batches, shuffled (all
/// arrays alike) per epoch.
pub(crate) struct TensorBatches<'a> {
    x: &'a [Tensor],
    y: &'a [Tensor],
    n: usize,
    batch_size: usize,
    shuffle: Option<u64>,
    order: Vec<i64>,
    pos: usize,
}

impl<'a> TensorBatches<'a> {
    /// Batches of `batch_size` of the first `n` examples; `shuffle`: the seed.
    pub(crate) fn new(
        x: &'a [Tensor],
        y: &'a [Tensor],
        n: usize,
        batch_size: usize,
        shuffle: Option<u64>,
    ) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::invalid("fit", "batch_size must be positive"));
        }
        Ok(TensorBatches {
            x,
            y,
            n,
            batch_size,
            shuffle,
            order: (0..n as i64).collect(),
            pos: 0,
        })
    }
}

impl Batches for TensorBatches<'_> {
    fn steps(&self) -> Option<usize> {
        Some(self.n.div_ceil(self.batch_size))
    }
    fn start_epoch(&mut self, epoch: usize) -> Result<()> {
        if let Some(seed) = self.shuffle {
            self.order = permutation(self.n, seed.wrapping_add(epoch as u64));
        }
        self.pos = 0;
        Ok(())
    }
    fn next_batch(&mut self) -> Option<Result<Batch>> {
        let index = self.order.get(self.pos..)?.chunks(self.batch_size).next()?;
        self.pos += index.len();
        Some(rows_of(self.x, index).and_then(|x| Ok((x, rows_of(self.y, index)?))))
    }
}

/// `(x, y)` batches of a dataset: a new pass each epoch, or — with
/// `steps_per_epoch` — `steps_per_epoch` batches per epoch from one pass
/// that continues across epochs (for datasets that repeat forever).
pub(crate) struct DatasetBatches<'a> {
    dataset: &'a Dataset,
    steps_per_epoch: Option<usize>,
    iter: Option<ElementIter>,
    taken: usize,
}

impl<'a> DatasetBatches<'a> {
    pub(crate) fn new(dataset: &'a Dataset, steps_per_epoch: Option<usize>) -> Self {
        DatasetBatches {
            dataset,
            steps_per_epoch,
            iter: None,
            taken: 0,
        }
    }
}

fn data_error(e: ferroflow_data::DataError) -> Error {
    Error::invalid("fit", e.to_string())
}

impl Batches for DatasetBatches<'_> {
    fn steps(&self) -> Option<usize> {
        self.steps_per_epoch
    }
    fn start_epoch(&mut self, _epoch: usize) -> Result<()> {
        self.taken = 0;
        if self.steps_per_epoch.is_none() || self.iter.is_none() {
            self.iter = Some(self.dataset.into_iter());
        }
        Ok(())
    }
    fn next_batch(&mut self) -> Option<Result<Batch>> {
        if self.steps_per_epoch.is_some_and(|s| self.taken >= s) {
            return None;
        }
        let element = self.iter.as_mut()?.next()?;
        self.taken += 1;
        Some(element.map_err(data_error).and_then(|e| match e.tensors() {
            [x, y] => Ok((vec![x.clone()], vec![y.clone()])),
            other => Err(Error::invalid(
                "fit",
                format!(
                    "a dataset for fit yields (x, y) pairs; got elements of {} tensors",
                    other.len()
                ),
            )),
        }))
    }
}
