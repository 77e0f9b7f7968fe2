//! CIFAR-10 binary batches (`cifar-10-batches-bin/data_batch_{1..5}.bin`,
//! `test_batch.bin`): records of one label byte then 3072 pixel bytes,
//! channel-major (1024 red, 1024 green, 1024 blue, each 32 x 32 row-major).
//!
//! ```
//! use ferroflow_io::datasets::cifar10::{parse_batch, RECORD_LEN};
//! let mut rec = vec![0u8; RECORD_LEN];
//! rec[0] = 7; // label
//! rec[1 + 1024] = 200; // green channel of pixel (0, 0)
//! let batch = parse_batch(&rec, "one.bin").unwrap();
//! assert_eq!(batch.images.dims(), [1, 32, 32, 3]); // NHWC
//! assert_eq!(batch.images.to_vec::<u8>().unwrap()[..3], [0, 200, 0]);
//! assert_eq!(batch.labels.to_vec::<u8>().unwrap(), [7]);
//! ```

use super::LabeledImages;
use crate::{IoError, Result};
use ferroflow_tensor::Tensor;
use std::path::Path;

/// Image side in pixels.
pub const SIDE: usize = 32;
/// Bytes of one record: the label and 3 x 32 x 32 pixels.
pub const RECORD_LEN: usize = 1 + 3 * SIDE * SIDE;
/// Number of classes; labels are below it.
pub const NUM_CLASSES: u8 = 10;

/// Parses the bytes of one batch file into NHWC uint8 images `[n, 32, 32, 3]`
/// and uint8 labels `[n]`; `name` labels errors.
pub fn parse_batch(bytes: &[u8], name: &str) -> Result<LabeledImages> {
    let tail = bytes.len() % RECORD_LEN;
    if tail > 0 {
        return Err(IoError::Corrupt {
            file: name.into(),
            offset: (bytes.len() - tail) as u64,
            msg: format!(
                "{} bytes are not a whole number of {RECORD_LEN}-byte records",
                bytes.len()
            ),
        });
    }
    let n = bytes.len() / RECORD_LEN;
    let plane = SIDE * SIDE;
    let mut images = Vec::with_capacity(n * 3 * plane);
    let mut labels = Vec::with_capacity(n);
    for (i, rec) in bytes.chunks_exact(RECORD_LEN).enumerate() {
        if rec[0] >= NUM_CLASSES {
            return Err(IoError::Corrupt {
                file: name.into(),
                offset: (i * RECORD_LEN) as u64,
                msg: format!("label {} is not below {NUM_CLASSES}", rec[0]),
            });
        }
        labels.push(rec[0]);
        let (r, gb) = rec[1..].split_at(plane);
        let (g, b) = gb.split_at(plane);
        for p in 0..plane {
            images.extend([r[p], g[p], b[p]]);
        }
    }
    Ok(LabeledImages {
        images: Tensor::from_vec(images, [n, SIDE, SIDE, 3])?,
        labels: Tensor::from_vec(labels, [n])?,
    })
}

/// Reads one batch file (`data_batch_1.bin`: 10 000 records).
pub fn read_batch(path: impl AsRef<Path>) -> Result<LabeledImages> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| IoError::os(path, e))?;
    parse_batch(&bytes, &path.display().to_string())
}

/// Reads `cifar-10-batches-bin`: the five training batches concatenated and
/// the test batch (`tf.keras.datasets.cifar10.load_data()`, but NHWC from
/// the binary files).
pub fn load_dir(dir: impl AsRef<Path>) -> Result<(LabeledImages, LabeledImages)> {
    let dir = dir.as_ref();
    let mut bytes = Vec::new();
    for i in 1..=5 {
        let path = dir.join(format!("data_batch_{i}.bin"));
        bytes.extend(std::fs::read(&path).map_err(|e| IoError::os(&path, e))?);
    }
    let train = parse_batch(&bytes, &dir.join("data_batch_*.bin").display().to_string())?;
    Ok((train, read_batch(dir.join("test_batch.bin"))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_planes_become_nhwc() {
        let mut bytes = Vec::new();
        for label in [3u8, 9] {
            bytes.push(label);
            for c in 0..3u8 {
                bytes.extend((0..SIDE * SIDE).map(|p| (p as u8).wrapping_add(c * 50 + label)));
            }
        }
        let b = parse_batch(&bytes, "two.bin").unwrap();
        let px = b.images.to_vec::<u8>().unwrap();
        // image 1, row 0, column 5: channels 5+9, 55+9, 105+9.
        let at = (SIDE * SIDE + 5) * 3;
        assert_eq!(px[at..at + 3], [14, 64, 114]);
        assert_eq!(b.labels.to_vec::<u8>().unwrap(), [3, 9]);
    }

    #[test]
    fn truncated_batches_and_bad_labels_are_errors() {
        let err = parse_batch(&[0u8; RECORD_LEN + 5], "cut.bin").unwrap_err();
        assert!(err.to_string().contains("cut.bin"), "{err}");
        let mut bad = vec![0u8; RECORD_LEN];
        bad[0] = 10;
        assert!(parse_batch(&bad, "bad.bin").is_err());
        assert!(read_batch("/nonexistent/data_batch_1.bin").is_err());
    }
}
