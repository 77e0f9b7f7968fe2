//! Fashion-MNIST (and MNIST, which uses the same file names and layout):
//! `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]` in one directory.
//!
//! ```
//! use ferroflow_io::datasets::fashion_mnist;
//! // (x_test, y_test) of tf.keras.datasets.fashion_mnist.load_data(), shipped in the binary:
//! let test = fashion_mnist::embedded_test().unwrap();
//! assert_eq!(test.images.dims(), [10000, 28, 28]);
//! assert_eq!(test.labels.to_vec::<u8>().unwrap()[..3], [9, 2, 1]);
//! ```

use super::LabeledImages;
use crate::idx::{parse_idx, read_idx};
use crate::{IoError, Result};
use ferroflow_tensor::{DType, Tensor};
use std::path::{Path, PathBuf};

/// Class names of Fashion-MNIST, by label.
pub const CLASS_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// How many of the embedded test split's examples [`load_or_embedded`] puts
/// in its training part when the full data set is not available.
pub const EMBEDDED_TRAIN_LEN: usize = 8000;

/// Pixels per image (28 x 28).
const PIXELS: usize = 28 * 28;

const EMBEDDED_IMAGES: &[u8] =
    include_bytes!("../../../../data/fashion-mnist/t10k-images-idx3-ubyte.gz");
const EMBEDDED_LABELS: &[u8] =
    include_bytes!("../../../../data/fashion-mnist/t10k-labels-idx1-ubyte.gz");

/// Which half of the distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// 60 000 examples (`train-*`).
    Train,
    /// 10 000 examples (`t10k-*`).
    Test,
}

impl Split {
    fn prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

/// Where [`load_or_embedded`] found its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The full 60k/10k data set from a directory.
    Directory,
    /// The embedded 10k test split, cut into 8k train / 2k test.
    Embedded,
}

/// Training and test examples, as `tf.keras.datasets.fashion_mnist.load_data()`.
#[derive(Debug, Clone)]
pub struct FashionMnist {
    pub train: LabeledImages,
    pub test: LabeledImages,
    pub source: Source,
}

/// Reads one split from `dir`; each file may be gzip-compressed (`.gz`) or not.
pub fn load_split(dir: impl AsRef<Path>, split: Split) -> Result<LabeledImages> {
    let dir = dir.as_ref();
    let images = read_idx(find(dir, split, "images-idx3")?)?;
    let labels = read_idx(find(dir, split, "labels-idx1")?)?;
    checked(images, labels, &dir.display().to_string())
}

/// Reads both splits from `dir` (`load_data()`).
pub fn load_dir(dir: impl AsRef<Path>) -> Result<FashionMnist> {
    let dir = dir.as_ref();
    Ok(FashionMnist {
        train: load_split(dir, Split::Train)?,
        test: load_split(dir, Split::Test)?,
        source: Source::Directory,
    })
}

/// The Fashion-MNIST test split shipped inside ferroflow (10 000 examples).
pub fn embedded_test() -> Result<LabeledImages> {
    let images = parse_idx(EMBEDDED_IMAGES, "embedded t10k-images-idx3-ubyte.gz")?;
    let labels = parse_idx(EMBEDDED_LABELS, "embedded t10k-labels-idx1-ubyte.gz")?;
    checked(images, labels, "embedded Fashion-MNIST")
}

/// The full data set from `dir` when it holds the train files, else the
/// embedded test split cut into [`EMBEDDED_TRAIN_LEN`] training and 2 000
/// test examples (check [`FashionMnist::source`]).
pub fn load_or_embedded(dir: Option<&Path>) -> Result<FashionMnist> {
    if let Some(dir) = dir.filter(|d| find(d, Split::Train, "images-idx3").is_ok()) {
        return load_dir(dir);
    }
    let all = embedded_test()?;
    let n = all.len();
    let cut = |lo: usize, hi: usize| -> Result<LabeledImages> {
        let images = all.images.as_slice::<u8>()?[lo * PIXELS..hi * PIXELS].to_vec();
        let labels = all.labels.as_slice::<u8>()?[lo..hi].to_vec();
        Ok(LabeledImages {
            images: Tensor::from_vec(images, [hi - lo, 28, 28])?,
            labels: Tensor::from_vec(labels, [hi - lo])?,
        })
    };
    Ok(FashionMnist {
        train: cut(0, EMBEDDED_TRAIN_LEN)?,
        test: cut(EMBEDDED_TRAIN_LEN, n)?,
        source: Source::Embedded,
    })
}

/// `dir/{prefix}-{kind}-ubyte.gz` or, failing that, without `.gz`.
fn find(dir: &Path, split: Split, kind: &str) -> Result<PathBuf> {
    let base = format!("{}-{kind}-ubyte", split.prefix());
    [format!("{base}.gz"), base.clone()]
        .into_iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            IoError::invalid(
                dir.display().to_string(),
                format!("neither {base}.gz nor {base} found"),
            )
        })
}

/// Checks that images are uint8 `[n, 28, 28]` and labels uint8 `[n]` in 0..10.
fn checked(images: Tensor, labels: Tensor, what: &str) -> Result<LabeledImages> {
    let n = labels.dims().first().copied().unwrap_or(0);
    let shapes_ok = images.dims() == [n, 28, 28] && labels.rank() == 1;
    if !shapes_ok || images.dtype() != DType::U8 {
        return Err(IoError::invalid(
            what,
            format!(
                "expected uint8 images [n, 28, 28] and labels [n], got {} {} and {} {}",
                images.dtype(),
                images.shape(),
                labels.dtype(),
                labels.shape()
            ),
        ));
    }
    if let Some(bad) = labels.as_slice::<u8>()?.iter().find(|&&l| l > 9) {
        return Err(IoError::invalid(
            what,
            format!("label {bad} is outside 0..=9"),
        ));
    }
    Ok(LabeledImages { images, labels })
}
