//! Data sets to TFRecord files of `tf.train.Example`, in the layout of the
//! classic `generate_cifar10_tfrecords.py` conversion scripts: `image_raw`
//! (the image's bytes, HWC row-major), `label`, `height`, `width`, `depth`
//! (int64).
//!
//! ```
//! use ferroflow_io::datasets::convert::{read_tfrecord, write_tfrecord};
//! use ferroflow_io::datasets::LabeledImages;
//! use ferroflow_io::tfrecord::Compression;
//! use ferroflow_tensor::Tensor;
//! let data = LabeledImages {
//!     images: Tensor::from_vec((0..24u8).collect(), [2, 2, 2, 3]).unwrap(),
//!     labels: Tensor::from_vec(vec![4u8, 1], [2]).unwrap(),
//! };
//! let path = std::env::temp_dir().join(format!("ff_doc_convert_{}.tfrecord", std::process::id()));
//! assert_eq!(write_tfrecord(&data, &path, Compression::None).unwrap(), 2);
//! let back = read_tfrecord(&path, Compression::None).unwrap();
//! assert_eq!(back.images.to_vec::<u8>().unwrap(), (0..24u8).collect::<Vec<_>>());
//! assert_eq!(back.labels.to_vec::<u8>().unwrap(), [4, 1]);
//! # std::fs::remove_file(&path).unwrap();
//! ```

use super::LabeledImages;
use crate::example::{decode_raw, parse_example, FeatureSpec};
use crate::proto::example::{Example, Feature};
use crate::tfrecord::{Compression, TfRecordReader, TfRecordWriter};
use crate::{IoError, Result};
use ferroflow_tensor::{DType, Tensor};
use prost::Message;
use std::path::Path;

/// Examples parsed per `parse_example` call when reading back.
const BATCH: usize = 256;

/// One Example of the layout: `image_raw`, `label`, `height`, `width`, `depth`.
pub fn image_example(
    image: &[u8],
    label: i64,
    height: usize,
    width: usize,
    depth: usize,
) -> Example {
    Example::from_features([
        ("image_raw", Feature::bytes(image)),
        ("label", Feature::int64(label)),
        ("height", Feature::int64(height as i64)),
        ("width", Feature::int64(width as i64)),
        ("depth", Feature::int64(depth as i64)),
    ])
}

/// Writes every image of `data` (uint8 `[n, h, w]` or `[n, h, w, c]`) as
/// one Example; returns the number of records.
pub fn write_tfrecord(
    data: &LabeledImages,
    path: impl AsRef<Path>,
    compression: Compression,
) -> Result<usize> {
    const OP: &str = "write_tfrecord";
    let (h, w, d) = match *data.images.dims() {
        [_, h, w] => (h, w, 1),
        [_, h, w, d] => (h, w, d),
        _ => {
            return Err(IoError::invalid(
                OP,
                format!(
                    "images must be [n, h, w] or [n, h, w, c], got {}",
                    data.images.shape()
                ),
            ))
        }
    };
    let n = data.len();
    if data.images.dims()[0] != n {
        return Err(IoError::invalid(
            OP,
            format!("{} images but {n} labels", data.images.dims()[0]),
        ));
    }
    let pixels = data.images.as_slice::<u8>()?;
    let labels = data.labels_i64()?;
    let mut writer = TfRecordWriter::create(path, compression)?;
    let mut buf = Vec::new();
    let size = h * w * d;
    for (i, &label) in labels.as_slice::<i64>()?.iter().enumerate() {
        buf.clear();
        image_example(&pixels[i * size..(i + 1) * size], label, h, w, d)
            .encode(&mut buf)
            .map_err(|e| IoError::invalid(OP, e.to_string()))?;
        writer.write(&buf)?;
    }
    writer.finish()?;
    Ok(n)
}

/// Reads a file written by [`write_tfrecord`] (or TensorFlow scripts with the
/// same layout): images uint8 `[n, h, w, depth]`, labels uint8 `[n]`. All
/// images must share one size.
pub fn read_tfrecord(path: impl AsRef<Path>, compression: Compression) -> Result<LabeledImages> {
    const OP: &str = "read_tfrecord";
    let spec = [
        ("image_raw", FeatureSpec::fixed_len(&[], DType::String)),
        ("label", FeatureSpec::fixed_len(&[], DType::I64)),
        ("height", FeatureSpec::fixed_len(&[], DType::I64)),
        ("width", FeatureSpec::fixed_len(&[], DType::I64)),
        ("depth", FeatureSpec::fixed_len(&[], DType::I64)),
    ];
    let mut reader = TfRecordReader::open(path, compression)?;
    let (mut pixels, mut labels): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    let mut size: Option<[usize; 3]> = None;
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    loop {
        let rec = reader.read_next()?;
        if let Some(rec) = rec {
            batch.push(rec.to_vec());
            if batch.len() < BATCH {
                continue;
            }
        }
        if batch.is_empty() {
            break;
        }
        let parsed = parse_example(&batch, &spec)?;
        let col = |k: &str| -> Result<Vec<i64>> {
            let t = parsed[k]
                .dense()
                .ok_or_else(|| IoError::invalid(OP, format!("{k} is not dense")))?;
            Ok(t.to_vec::<i64>()?)
        };
        let (hs, ws, ds) = (col("height")?, col("width")?, col("depth")?);
        for ((&h, &w), &d) in hs.iter().zip(&ws).zip(&ds) {
            let dims = [h, w, d].map(|v| usize::try_from(v).unwrap_or(usize::MAX));
            if *size.get_or_insert(dims) != dims {
                return Err(IoError::invalid(
                    OP,
                    format!("image of size {dims:?} after images of {size:?}"),
                ));
            }
        }
        for l in col("label")? {
            labels.push(
                u8::try_from(l)
                    .map_err(|_| IoError::invalid(OP, format!("label {l} does not fit uint8")))?,
            );
        }
        if let Some(t) = parsed["image_raw"].dense() {
            pixels.extend(decode_raw(t, DType::U8, true)?.as_slice::<u8>()?);
        }
        batch.clear();
    }
    let [h, w, d] = size.unwrap_or([0, 0, 1]);
    let n = labels.len();
    Ok(LabeledImages {
        images: Tensor::from_vec(pixels, [n, h, w, d])?,
        labels: Tensor::from_vec(labels, [n])?,
    })
}
