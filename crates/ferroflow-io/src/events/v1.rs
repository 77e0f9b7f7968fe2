//! Summary values as TF1's `tf.compat.v1.summary.*` writes them
//! (FORMATS.md 3.6): `simple_value` scalars, `HistogramProto` histograms and
//! `Summary.Image` images, without plugin metadata.

use super::histogram::histogram_proto;
use super::image_batch::ImageBatch;
use crate::proto::{SummaryImage, SummaryValue, ValueKind};
use crate::{IoError, Result};
use ferroflow_tensor::Tensor;

/// A scalar, like `tf.compat.v1.summary.scalar`: `simple_value`.
///
/// ```
/// use ferroflow_io::events::v1;
/// assert_eq!(v1::scalar("loss", 0.5).tag, "loss");
/// ```
pub fn scalar(tag: &str, value: f32) -> SummaryValue {
    SummaryValue::simple(tag, value)
}

/// A histogram, like `tf.compat.v1.summary.histogram`: a `HistogramProto`
/// over TF's default exponential bucket limits.
///
/// ```
/// use ferroflow_io::events::v1;
/// use ferroflow_tensor::Tensor;
/// let v = v1::histogram("w", &Tensor::from_vec(vec![1.0f32; 6], [6]).unwrap()).unwrap();
/// assert!(v.metadata.is_none());
/// ```
pub fn histogram(tag: &str, values: &Tensor) -> Result<SummaryValue> {
    let values = values.to_f64_vec().map_err(|_| {
        IoError::invalid(
            tag,
            format!("expected numeric histogram data, got {}", values.dtype()),
        )
    })?;
    Ok(SummaryValue::new(
        tag,
        ValueKind::Histo(histogram_proto(&values)),
    ))
}

/// Images, like `tf.compat.v1.summary.image(name, images, max_outputs)`:
/// one PNG `Summary.Image` per image of a `[k, h, w, c]` batch, tagged
/// `name/image/i` (or `name/image` when `max_outputs` is 1).
///
/// Float images are converted as TF2 does (× 255.5, clamped), not with
/// TF1's per-image rescaling.
///
/// ```
/// use ferroflow_io::events::v1;
/// use ferroflow_tensor::Tensor;
/// let batch = Tensor::from_vec(vec![7u8; 2 * 2 * 2], [2, 2, 2, 1]).unwrap();
/// let values = v1::image("digits", &batch, 3).unwrap();
/// assert_eq!(values[1].tag, "digits/image/1");
/// ```
pub fn image(name: &str, images: &Tensor, max_outputs: usize) -> Result<Vec<SummaryValue>> {
    let batch = ImageBatch::from_tensor(images, name)?;
    let dim = |d: usize| {
        i32::try_from(d)
            .map_err(|_| IoError::invalid(name, format!("image dimension {d} is too large")))
    };
    (0..batch.n.min(max_outputs))
        .map(|i| {
            let tag = if max_outputs > 1 {
                format!("{name}/image/{i}")
            } else {
                format!("{name}/image")
            };
            let image = SummaryImage {
                height: dim(batch.height)?,
                width: dim(batch.width)?,
                colorspace: dim(batch.channels)?,
                encoded_image_string: batch.png(i)?,
            };
            Ok(SummaryValue::new(tag, ValueKind::Image(image)))
        })
        .collect()
}
