//! `tf.io.decode_raw`: reinterpret the bytes of strings as numbers.

use crate::{IoError, Result};
use ferroflow_tensor::{with_numeric_type, DType, Element, Tensor};

/// Element types that can be read from raw bytes of either endianness.
pub(crate) trait FromRawBytes: Element {
    /// Appends the elements of `bytes` (a whole number of them) to `out`.
    fn extend_from_raw(bytes: &[u8], little_endian: bool, out: &mut Vec<Self>);
}

impl FromRawBytes for u8 {
    fn extend_from_raw(bytes: &[u8], _: bool, out: &mut Vec<u8>) {
        out.extend_from_slice(bytes);
    }
}

macro_rules! impl_from_raw {
    ($($t:ty),*) => {$(
        impl FromRawBytes for $t {
            fn extend_from_raw(bytes: &[u8], little_endian: bool, out: &mut Vec<$t>) {
                const SIZE: usize = std::mem::size_of::<$t>();
                out.extend(bytes.chunks_exact(SIZE).map(|c| {
                    let mut raw = [0u8; SIZE];
                    raw.copy_from_slice(c);
                    if little_endian {
                        <$t>::from_le_bytes(raw)
                    } else {
                        <$t>::from_be_bytes(raw)
                    }
                }));
            }
        }
    )*};
}
impl_from_raw!(f32, f64, i32, i64);

/// The concatenated `parts` (each a whole number of `dtype` elements) as a
/// tensor of shape `dims` (also used by IDX files, which are big-endian).
pub(crate) fn raw_tensor<B: AsRef<[u8]>>(
    op: &str,
    parts: &[B],
    dtype: DType,
    little_endian: bool,
    dims: Vec<usize>,
) -> Result<Tensor> {
    with_numeric_type!(dtype, T => {
        let size = std::mem::size_of::<T>();
        let total: usize = parts.iter().map(|p| p.as_ref().len()).sum();
        if let Some(p) = parts.iter().find(|p| p.as_ref().len() % size != 0) {
            return Err(IoError::invalid(op, format!("{} bytes are not a whole number of {dtype} elements", p.as_ref().len())));
        }
        let mut values: Vec<T> = Vec::with_capacity(total / size);
        for p in parts {
            T::extend_from_raw(p.as_ref(), little_endian, &mut values);
        }
        Ok(Tensor::from_vec(values, dims)?)
    }, _ => Err(IoError::invalid(op, format!("expected a numeric dtype, got {dtype}"))))
}

/// Reinterprets every string of `bytes` as a vector of `dtype` elements
/// (`tf.io.decode_raw(bytes, out_type, little_endian)`). All strings must
/// have the same length, a multiple of the element size; the result has
/// shape `bytes.shape + [len / size]`.
///
/// ```
/// use ferroflow_io::example::decode_raw;
/// use ferroflow_tensor::{DType, Tensor};
/// let s = Tensor::from_strings(&[[1u8, 0, 2, 0], [3, 0, 4, 0]], [2]).unwrap();
/// // tf.io.decode_raw(s, tf.int16) would give [[1, 2], [3, 4]]; with int32:
/// let t = decode_raw(&s, DType::I32, true).unwrap();
/// assert_eq!(t.dims(), [2, 1]);
/// assert_eq!(t.to_vec::<i32>().unwrap(), [0x0002_0001, 0x0004_0003]);
/// ```
pub fn decode_raw(bytes: &Tensor, dtype: DType, little_endian: bool) -> Result<Tensor> {
    const OP: &str = "DecodeRaw";
    let strings = bytes.as_strings()?;
    let size = dtype.size_of();
    let width = strings.first().map_or(0, Vec::len);
    if size == 0 || width % size != 0 {
        return Err(IoError::invalid(
            OP,
            format!("Input to DecodeRaw has length {width} that is not a multiple of the size of {dtype}"),
        ));
    }
    if let Some((i, s)) = strings.iter().enumerate().find(|(_, s)| s.len() != width) {
        return Err(IoError::invalid(
            OP,
            format!("DecodeRaw requires input strings to all be the same size, but element {i} has size {} != {width}", s.len()),
        ));
    }
    let dims = [bytes.dims(), &[width / size]].concat();
    raw_tensor(OP, strings, dtype, little_endian, dims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_and_little_endian_floats() {
        let s = Tensor::from_strings(&[[0x3f, 0x80, 0, 0]], []).unwrap();
        let be = decode_raw(&s, DType::F32, false).unwrap();
        assert_eq!(
            (be.dims(), be.to_vec::<f32>().unwrap()),
            (&[1][..], vec![1.0])
        );
        let le = decode_raw(&s, DType::F32, true).unwrap();
        assert_eq!(
            le.to_vec::<f32>().unwrap(),
            [f32::from_le_bytes([0x3f, 0x80, 0, 0])]
        );
    }

    #[test]
    fn uint8_images_keep_batch_shape() {
        let s = Tensor::from_strings(&[vec![1u8; 6], vec![2u8; 6]], [2]).unwrap();
        let t = decode_raw(&s, DType::U8, true).unwrap();
        assert_eq!(t.dims(), [2, 6]);
        assert_eq!(t.to_vec::<u8>().unwrap()[5..7], [1, 2]);
    }

    #[test]
    fn ragged_or_misaligned_strings_are_errors() {
        let ragged = Tensor::from_strings(&[vec![0u8; 4], vec![0u8; 8]], [2]).unwrap();
        let err = decode_raw(&ragged, DType::I32, true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("element 1 has size 8 != 4"), "{err}");
        let odd = Tensor::from_strings(&[vec![0u8; 3]], [1]).unwrap();
        assert!(decode_raw(&odd, DType::F32, true).is_err());
        assert!(decode_raw(&odd, DType::String, true).is_err());
        assert!(decode_raw(&Tensor::scalar(1.0f32), DType::U8, true).is_err());
    }
}
