//! What the Keras benchmarks share: the command-line count, the
//! Fashion-MNIST train images scaled to [0, 1], and the peak RSS.

use ferroflow_core::prelude::*;
use ferroflow_io::datasets::fashion_mnist::load_or_embedded;
use std::path::Path;

/// The first numeric command-line argument (after `--`), or `default`.
pub fn count_arg(default: usize) -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The 60k train images as float32 in [0, 1] (the embedded split when the
/// Debian data set is absent) and their labels.
pub fn train_images() -> Result<(Tensor, Tensor), Box<dyn std::error::Error>> {
    let data = load_or_embedded(Some(Path::new("/usr/share/datasets/fashion-mnist/")))?;
    let x = data
        .train
        .images
        .cast(DType::F32)?
        .div(&Tensor::scalar(255.0f32))?;
    Ok((x, data.train.labels))
}

/// The process's peak resident memory in MiB (Linux's `VmHWM`).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
