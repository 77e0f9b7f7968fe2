//! `RandomShuffle`: a random permutation of a tensor's first dimension, as
//! TensorFlow's `random_shuffle_op.cc`.

use super::philox::SingleSample;
use super::PhiloxStream;
use crate::{with_element_type, Result, Storage, Tensor, TensorError};

/// The tensor with its rows (slices along the first dimension) shuffled
/// (`tf.random.shuffle`).
///
/// As TensorFlow: a tensor with at most one element or one row is returned
/// unchanged without touching the stream; otherwise `n - 1` words are
/// reserved and a forward Fisher–Yates shuffle swaps row `i` with row
/// `i + word % (n - i)`.
///
/// ```
/// use ferroflow_tensor::kernels::random::{random_shuffle, PhiloxStream};
/// use ferroflow_tensor::Tensor;
/// let x = Tensor::from([[1i32, 2], [3, 4], [5, 6]]);
/// let y = random_shuffle(&mut PhiloxStream::new(1, 2), &x).unwrap();
/// let mut rows: Vec<Vec<i32>> = y.to_vec::<i32>().unwrap().chunks(2).map(|r| r.to_vec()).collect();
/// rows.sort();
/// assert_eq!(rows, vec![vec![1, 2], vec![3, 4], vec![5, 6]]);
/// ```
pub fn random_shuffle(stream: &mut PhiloxStream, x: &Tensor) -> Result<Tensor> {
    let rows = x.dims().first().copied().unwrap_or(1);
    if x.num_elements() <= 1 || rows <= 1 {
        return Ok(x.clone());
    }
    let Ok(rows32) = u32::try_from(rows) else {
        crate::bail!(
            "RandomShuffle",
            "first dimension {rows} is larger than {}",
            u32::MAX
        );
    };
    let mut gen = stream.reserve_words(u64::from(rows32) - 1);
    let mut words = SingleSample::new(&mut gen);
    let mut perm: Vec<usize> = (0..rows).collect();
    for i in 0..rows - 1 {
        let j = i + (words.next_u32() % (rows32 - i as u32)) as usize;
        perm.swap(i, j);
    }
    let row_len = x.num_elements() / rows;
    let shape = x.shape().clone();
    with_element_type!(x.dtype(),
        T => Tensor::from_vec(gather_rows(x.as_slice::<T>()?, row_len, &perm), shape),
        _ => match &**x.storage() {
            Storage::String(s) => Tensor::new(Storage::String(gather_rows(s, row_len, &perm)), shape),
            _ => Err(TensorError::invalid("RandomShuffle", "unsupported storage")),
        }
    )
}

/// Rows `perm[0], perm[1], …` of `data`, each `row_len` long.
fn gather_rows<T: Clone>(data: &[T], row_len: usize, perm: &[usize]) -> Vec<T> {
    perm.iter()
        .flat_map(|&p| data[p * row_len..(p + 1) * row_len].iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_are_returned_without_reserving() {
        let mut stream = PhiloxStream::new(1, 2);
        let before = stream.clone();
        for x in [
            Tensor::scalar(3.0f32),
            Tensor::from([[1i64, 2, 3]]),
            Tensor::from(vec![7u8]),
        ] {
            assert_eq!(random_shuffle(&mut stream, &x).unwrap(), x);
        }
        assert_eq!(stream, before);
    }

    #[test]
    fn strings_move_with_their_rows() {
        let x = Tensor::from(vec!["a", "b", "c", "d"]);
        let y = random_shuffle(&mut PhiloxStream::new(4, 5), &x).unwrap();
        let mut got = y.as_strings().unwrap().to_vec();
        got.sort();
        assert_eq!(got, x.as_strings().unwrap());
        assert_eq!(y.dims(), &[4]);
    }
}
