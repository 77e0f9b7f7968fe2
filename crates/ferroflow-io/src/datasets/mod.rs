//! Image-classification data sets read from their distribution files
//! (Fashion-MNIST/MNIST IDX, CIFAR-10 binary batches), an embedded
//! Fashion-MNIST test split, and a converter to TFRecord files of Examples.

pub mod cifar10;
pub mod convert;
pub mod fashion_mnist;

use crate::Result;
use ferroflow_tensor::Tensor;

/// Images and their labels, like one `(x, y)` pair of
/// `keras.datasets.*.load_data()`: `images` uint8 `[n, h, w]` (grayscale) or
/// `[n, h, w, c]`, `labels` uint8 `[n]`.
#[derive(Debug, Clone)]
pub struct LabeledImages {
    pub images: Tensor,
    pub labels: Tensor,
}

impl LabeledImages {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.num_elements()
    }

    /// True when there is no example.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The labels as int64 (`tf.cast(y, tf.int64)`), the dtype sparse
    /// categorical losses and `tf.train.Example` use.
    pub fn labels_i64(&self) -> Result<Tensor> {
        let labels = self.labels.as_slice::<u8>()?;
        Ok(Tensor::from_vec(
            labels.iter().map(|&l| i64::from(l)).collect(),
            [labels.len()],
        )?)
    }
}
