//! `shuffle(buffer_size, seed, reshuffle_each_iteration)`.

use crate::{DataError, Dataset, Element, ElementIter, Result};
use ferroflow_tensor::kernels::random::{Philox, PhiloxStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

impl Dataset {
    /// Shuffles with a buffer of `buffer_size` elements, like TensorFlow:
    /// the buffer is filled, then each output is a uniformly chosen buffer
    /// element, replaced by the next input element.
    ///
    /// The order is deterministic given `seed` (a Philox stream keyed by the
    /// seed and, with `reshuffle_each_iteration`, the epoch number), but it
    /// is not TensorFlow's order for the same seed. Without a seed, one is
    /// drawn when the dataset is built. With `reshuffle_each_iteration`
    /// false, every epoch has the same order.
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let ds = Dataset::range(0, 10, 1).unwrap().shuffle(10, Some(42), false).unwrap();
    /// let order = |d: &Dataset| -> Vec<i64> {
    ///     d.iter().unwrap().map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap()).collect()
    /// };
    /// let a = order(&ds);
    /// assert_eq!(a, order(&ds));
    /// let mut sorted = a.clone();
    /// sorted.sort();
    /// assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    /// ```
    pub fn shuffle(
        &self,
        buffer_size: usize,
        seed: Option<u64>,
        reshuffle_each_iteration: bool,
    ) -> Result<Dataset> {
        if buffer_size == 0 {
            return Err(DataError::invalid(
                "ShuffleDataset",
                "buffer_size must be greater than zero.",
            ));
        }
        let seed = seed.unwrap_or_else(|| {
            let [a, b, ..] = PhiloxStream::new(0, 0).reserve(1).next_block();
            (u64::from(a) << 32) | u64::from(b)
        });
        let epochs = Arc::new(AtomicU64::new(0));
        let input = self.clone();
        Ok(Dataset::from_fn(self.element_spec().clone(), move || {
            let epoch = if reshuffle_each_iteration {
                epochs.fetch_add(1, Ordering::Relaxed)
            } else {
                0
            };
            Ok(Box::new(Shuffle {
                input: Some(input.epoch()?),
                buffer: Vec::with_capacity(buffer_size.min(1 << 16)),
                size: buffer_size,
                rng: Philox::from_seeds(seed, epoch.wrapping_add(0x5eed)),
                words: Vec::new(),
            }))
        }))
    }
}

struct Shuffle {
    input: Option<ElementIter>,
    buffer: Vec<Element>,
    size: usize,
    rng: Philox,
    words: Vec<u32>,
}

impl Shuffle {
    /// A uniform index below `n` (64-bit draw, modulo; the bias is below 2^-32
    /// for any realistic buffer).
    fn index(&mut self, n: usize) -> usize {
        if self.words.len() < 2 {
            self.words.extend(self.rng.next_block());
        }
        let (a, b) = (self.words.pop().unwrap_or(0), self.words.pop().unwrap_or(0));
        (((u64::from(a) << 32) | u64::from(b)) % n as u64) as usize
    }

    /// The next input element, or `None` at the end of the input.
    fn pull(&mut self) -> Option<Result<Element>> {
        let e = self.input.as_mut()?.next();
        if e.is_none() {
            self.input = None;
        }
        e
    }
}

impl Iterator for Shuffle {
    type Item = Result<Element>;

    fn next(&mut self) -> Option<Result<Element>> {
        while self.buffer.len() < self.size {
            match self.pull() {
                Some(Ok(e)) => self.buffer.push(e),
                Some(Err(e)) => return Some(Err(e)),
                None => break,
            }
        }
        if self.buffer.is_empty() {
            return None;
        }
        let i = self.index(self.buffer.len());
        Some(Ok(self.buffer.swap_remove(i)))
    }
}
