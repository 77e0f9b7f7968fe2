//! Summary values as TF2's `tf.summary.*` writes them: a tensor plus plugin
//! metadata on every value (FORMATS.md 3.5).

use super::histogram::histogram_rows;
use super::image_batch::ImageBatch;
use crate::proto::summary::{PLUGIN_HISTOGRAMS, PLUGIN_IMAGES, PLUGIN_SCALARS, PLUGIN_TEXT};
use crate::proto::{SummaryMetadata, SummaryValue, TensorProto, ValueKind};
use crate::{IoError, Result};
use ferroflow_tensor::{DType, Tensor};

/// Default bucket count of [`histogram`], as in `tf.summary.histogram`.
pub const DEFAULT_BUCKETS: usize = 30;

/// A tensor value tagged `tag` for the TensorBoard plugin `plugin`.
fn plugin_value(tag: &str, plugin: &str, tensor: &Tensor) -> SummaryValue {
    let mut value = SummaryValue::new(tag, ValueKind::Tensor(TensorProto::from_tensor(tensor)));
    value.metadata = Some(SummaryMetadata::plugin(plugin));
    value
}

/// A scalar, like `tf.summary.scalar(tag, value)`: a rank-0 float32 tensor
/// (TensorBoard's fast loader ignores float64 scalars).
///
/// ```
/// use ferroflow_io::events::scalar;
/// let v = scalar("loss", 0.25);
/// assert_eq!(v.metadata.unwrap().plugin_name(), "scalars");
/// ```
pub fn scalar(tag: &str, value: f64) -> SummaryValue {
    plugin_value(tag, PLUGIN_SCALARS, &Tensor::scalar(value as f32))
}

/// A histogram of the values of a numeric tensor, like
/// `tf.summary.histogram(tag, data, buckets=buckets)`: a float64 `[k, 3]`
/// tensor of `[left, right, count]` rows.
///
/// ```
/// use ferroflow_io::events::histogram;
/// use ferroflow_tensor::Tensor;
/// let data = Tensor::from_vec(vec![1.0f32, 2.0, 2.0, 4.0], [4]).unwrap();
/// let v = histogram("weights", &data, 30).unwrap();
/// assert_eq!(v.metadata.unwrap().plugin_name(), "histograms");
/// ```
pub fn histogram(tag: &str, data: &Tensor, buckets: usize) -> Result<SummaryValue> {
    if buckets == 0 {
        return Err(IoError::invalid(tag, "histogram needs at least one bucket"));
    }
    let values = data.to_f64_vec().map_err(|_| {
        IoError::invalid(
            tag,
            format!("expected numeric histogram data, got {}", data.dtype()),
        )
    })?;
    let rows = Tensor::from_vec(histogram_rows(&values, buckets), [buckets, 3])?;
    Ok(plugin_value(tag, PLUGIN_HISTOGRAMS, &rows))
}

/// Images, like `tf.summary.image(tag, images, max_outputs=max_outputs)`:
/// a string tensor `[width, height, png...]` of the first `max_outputs`
/// images of a `[k, h, w, c]` batch (uint8, or floats in [0, 1]).
///
/// ```
/// use ferroflow_io::events::image;
/// use ferroflow_tensor::Tensor;
/// let batch = Tensor::from_vec(vec![0u8; 2 * 2 * 3 * 3], [2, 2, 3, 3]).unwrap();
/// let v = image("samples", &batch, 3).unwrap();
/// assert_eq!(v.metadata.unwrap().plugin_name(), "images");
/// ```
pub fn image(tag: &str, images: &Tensor, max_outputs: usize) -> Result<SummaryValue> {
    let batch = ImageBatch::from_tensor(images, tag)?;
    let mut strings = vec![
        batch.width.to_string().into_bytes(),
        batch.height.to_string().into_bytes(),
    ];
    for i in 0..batch.n.min(max_outputs) {
        strings.push(batch.png(i)?);
    }
    let len = strings.len();
    let tensor = Tensor::from_strings(&strings, [len])?;
    Ok(plugin_value(tag, PLUGIN_IMAGES, &tensor))
}

/// Markdown text, like `tf.summary.text(tag, data)`: a string tensor of any
/// rank (rank 0 is one block, ranks 1–2 a table).
///
/// ```
/// use ferroflow_io::events::text;
/// use ferroflow_tensor::Tensor;
/// let v = text("notes", &Tensor::from_strings(&["**hello**"], []).unwrap()).unwrap();
/// assert_eq!(v.metadata.unwrap().plugin_name(), "text");
/// ```
pub fn text(tag: &str, data: &Tensor) -> Result<SummaryValue> {
    if data.dtype() != DType::String {
        return Err(IoError::invalid(
            tag,
            format!("expected a string tensor for text, got {}", data.dtype()),
        ));
    }
    Ok(plugin_value(tag, PLUGIN_TEXT, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Summary;
    use prost::Message;

    fn tensor_of(v: &SummaryValue) -> Tensor {
        match &v.value {
            Some(ValueKind::Tensor(t)) => t.to_tensor("t").unwrap(),
            other => panic!("expected a tensor, got {other:?}"),
        }
    }

    #[test]
    fn scalar_matches_the_spec_bytes() {
        let v = scalar("loss", 0.5);
        let bytes = Summary { value: vec![v] }.encode_to_vec();
        let expected: Vec<u8> = [
            &[0x0a, 0x1f, 0x0a, 0x04][..],
            b"loss",
            &[
                0x42, 0x0a, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0, 0, 0, 0x3f,
            ],
            &[0x4a, 0x0b, 0x0a, 0x09, 0x0a, 0x07],
            b"scalars",
        ]
        .concat();
        assert_eq!(bytes, expected);
    }

    #[test]
    fn histogram_is_k_by_3_doubles() {
        let data = Tensor::from_vec(vec![0i32, 1, 1, 2], [2, 2]).unwrap();
        let t = tensor_of(&histogram("h", &data, 2).unwrap());
        assert_eq!(t.dims(), &[2, 3]);
        assert_eq!(t.to_vec::<f64>().unwrap(), [0.0, 1.0, 1.0, 1.0, 2.0, 3.0]);
        assert!(histogram("h", &data, 0).is_err());
        let s = Tensor::from_strings(&["a"], [1]).unwrap();
        assert!(histogram("h", &s, 3).is_err());
    }

    #[test]
    fn image_lists_width_height_then_pngs() {
        let batch = Tensor::from_vec(vec![0.5f32; 4 * 2 * 3], [4, 2, 3, 1]).unwrap();
        let t = tensor_of(&image("img", &batch, 3).unwrap());
        let strings = t.as_strings().unwrap();
        assert_eq!(t.dims(), &[5]);
        assert_eq!((&strings[0][..], &strings[1][..]), (&b"3"[..], &b"2"[..]));
        assert!(strings[2..].iter().all(|png| png.starts_with(b"\x89PNG")));
    }

    #[test]
    fn text_keeps_the_shape_and_rejects_numbers() {
        let table = Tensor::from_strings(&["a", "b", "c", "d"], [2, 2]).unwrap();
        assert_eq!(tensor_of(&text("t", &table).unwrap()).dims(), &[2, 2]);
        assert!(text("t", &Tensor::scalar(1.0f32)).is_err());
    }
}
