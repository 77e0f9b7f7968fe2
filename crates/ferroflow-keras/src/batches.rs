//! Where `fit` and `evaluate` take their batches from: in-memory tensors
//! (sliced, shuffled per epoch) or a `Dataset` of `(x, y)` batches.

use ferroflow_core::prelude::*;
use ferroflow_core::{Error, Result};
use ferroflow_data::{Dataset, ElementIter};

/// A source of `(x, y)` batches, one epoch at a time.
pub(crate) trait Batches {
    /// Batches per epoch, when known.
    fn steps(&self) -> Option<usize>;
    /// Starts epoch `epoch`.
    fn start_epoch(&mut self, epoch: usize) -> Result<()>;
    /// The epoch's next batch; `None` at its end.
    fn next_batch(&mut self) -> Option<Result<(Tensor, Tensor)>>;
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

/// The number of examples, checked equal for `x` and `y`.
pub(crate) fn examples(op: &str, x: &Tensor, y: &Tensor) -> Result<usize> {
    match (x.dims().first(), y.dims().first()) {
        (Some(&n), Some(&m)) if n == m && n > 0 => Ok(n),
        _ => Err(Error::invalid(
            op,
            format!(
                "Data cardinality is ambiguous: x sizes: {} y sizes: {}; x and y must hold the same number (> 0) of examples",
                x.shape().to_tuple_string(),
                y.shape().to_tuple_string()
            ),
        )),
    }
}

/// The first `n` rows of tensors `x`, `y` in batches, shuffled per epoch.
pub(crate) struct TensorBatches<'a> {
    x: &'a Tensor,
    y: &'a Tensor,
    n: usize,
    batch_size: usize,
    shuffle: Option<u64>,
    order: Vec<i64>,
    pos: usize,
}

impl<'a> TensorBatches<'a> {
    /// Batches of `batch_size` of the first `n` examples; `shuffle`: the seed.
    pub(crate) fn new(
        x: &'a Tensor,
        y: &'a Tensor,
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
    fn next_batch(&mut self) -> Option<Result<(Tensor, Tensor)>> {
        let index = self.order.get(self.pos..)?.chunks(self.batch_size).next()?;
        self.pos += index.len();
        Some(rows(self.x, index).and_then(|x| Ok((x, rows(self.y, index)?))))
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
    fn next_batch(&mut self) -> Option<Result<(Tensor, Tensor)>> {
        if self.steps_per_epoch.is_some_and(|s| self.taken >= s) {
            return None;
        }
        let element = self.iter.as_mut()?.next()?;
        self.taken += 1;
        Some(element.map_err(data_error).and_then(|e| match e.tensors() {
            [x, y] => Ok((x.clone(), y.clone())),
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
