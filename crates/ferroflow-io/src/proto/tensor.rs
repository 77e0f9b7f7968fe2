//! `DataType`, `TensorShapeProto` and `TensorProto` (`tensorflow/core/framework/
//! {types,tensor_shape,tensor}.proto`) and their conversions to [`Tensor`].
//!
//! ```
//! use ferroflow_io::proto::TensorProto;
//! use ferroflow_tensor::Tensor;
//! // Like tf.make_tensor_proto(np.float32([1, 2, 3])) and tf.make_ndarray.
//! let proto = TensorProto::from_tensor(&Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap());
//! assert_eq!(proto.tensor_content.len(), 12);
//! assert_eq!(proto.to_tensor("const").unwrap().to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
//! ```

use crate::{IoError, Result};
use ferroflow_tensor::{with_element_type, DType, Element, Shape, Storage, Tensor};

/// TensorFlow's `DataType` enum (`types.proto`), with TF's numbering.
/// Reference (`_REF`) types are the base value + 100 and are not listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum DataType {
    DtInvalid = 0,
    DtFloat = 1,
    DtDouble = 2,
    DtInt32 = 3,
    DtUint8 = 4,
    DtInt16 = 5,
    DtInt8 = 6,
    DtString = 7,
    DtComplex64 = 8,
    DtInt64 = 9,
    DtBool = 10,
    DtQint8 = 11,
    DtQuint8 = 12,
    DtQint32 = 13,
    DtBfloat16 = 14,
    DtQint16 = 15,
    DtQuint16 = 16,
    DtUint16 = 17,
    DtComplex128 = 18,
    DtHalf = 19,
    DtResource = 20,
    DtVariant = 21,
    DtUint32 = 22,
    DtUint64 = 23,
    DtFloat8E5m2 = 24,
    DtFloat8E4m3fn = 25,
    DtFloat8E4m3fnuz = 26,
    DtFloat8E4m3b11fnuz = 27,
    DtFloat8E5m2fnuz = 28,
    DtInt4 = 29,
    DtUint4 = 30,
    DtInt2 = 31,
    DtUint2 = 32,
    DtFloat4E2m1fn = 33,
}

impl From<DType> for DataType {
    fn from(dtype: DType) -> Self {
        match dtype {
            DType::F32 => DataType::DtFloat,
            DType::F64 => DataType::DtDouble,
            DType::I32 => DataType::DtInt32,
            DType::I64 => DataType::DtInt64,
            DType::U8 => DataType::DtUint8,
            DType::Bool => DataType::DtBool,
            DType::String => DataType::DtString,
        }
    }
}

impl DataType {
    /// The ferroflow dtype of this TF type, if ferroflow has one.
    ///
    /// ```
    /// use ferroflow_io::proto::DataType;
    /// use ferroflow_tensor::DType;
    /// assert_eq!(DataType::DtInt64.to_dtype(), Some(DType::I64));
    /// assert_eq!(DataType::DtHalf.to_dtype(), None);
    /// ```
    pub fn to_dtype(self) -> Option<DType> {
        Some(match self {
            DataType::DtFloat => DType::F32,
            DataType::DtDouble => DType::F64,
            DataType::DtInt32 => DType::I32,
            DataType::DtInt64 => DType::I64,
            DataType::DtUint8 => DType::U8,
            DataType::DtBool => DType::Bool,
            DataType::DtString => DType::String,
            _ => return None,
        })
    }

    /// The ferroflow dtype of a wire value, or an error naming `what`.
    pub fn dtype_of(value: i32, what: &str) -> Result<DType> {
        let dt = DataType::try_from(value)
            .map_err(|_| IoError::invalid(what, format!("unknown DataType {value}")))?;
        dt.to_dtype().ok_or_else(|| {
            IoError::invalid(what, format!("dtype {dt:?} is not supported by ferroflow"))
        })
    }
}

/// A tensor shape (`TensorShapeProto`); a dim of −1 is unknown.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    #[prost(message, repeated, tag = "2")]
    pub dim: Vec<Dim>,
    /// True when even the rank is unknown (then `dim` is empty).
    #[prost(bool, tag = "3")]
    pub unknown_rank: bool,
}

/// One dimension of a [`TensorShapeProto`].
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dim {
    #[prost(int64, tag = "1")]
    pub size: i64,
    #[prost(string, tag = "2")]
    pub name: String,
}

impl TensorShapeProto {
    /// A shape with the given dims (−1 for unknown ones), like `tf.TensorShape([None, 8])`.
    pub fn new(dims: &[i64]) -> Self {
        TensorShapeProto {
            dim: dims
                .iter()
                .map(|&size| Dim {
                    size,
                    name: String::new(),
                })
                .collect(),
            unknown_rank: false,
        }
    }

    /// The fully known shape of a tensor.
    pub fn from_shape(shape: &Shape) -> Self {
        let dims: Vec<i64> = shape.dims().iter().map(|&d| d as i64).collect();
        TensorShapeProto::new(&dims)
    }

    /// A shape of unknown rank (`tf.TensorShape(None)`).
    pub fn unknown() -> Self {
        TensorShapeProto {
            dim: Vec::new(),
            unknown_rank: true,
        }
    }

    /// The fully known shape, or an error naming `what` when the rank or a
    /// dim is unknown or negative.
    pub fn to_shape(&self, what: &str) -> Result<Shape> {
        if self.unknown_rank {
            return Err(IoError::invalid(
                what,
                "expected a known shape, got unknown rank",
            ));
        }
        let dims = self
            .dim
            .iter()
            .map(|d| {
                usize::try_from(d.size).map_err(|_| {
                    IoError::invalid(what, format!("expected dims >= 0, got {}", d.size))
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        Ok(Shape::new(dims))
    }
}

/// A serialized tensor value (`TensorProto`). Only the value fields of the
/// dtypes ferroflow supports are declared; others are skipped when decoding.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    #[prost(enumeration = "DataType", tag = "1")]
    pub dtype: i32,
    #[prost(message, optional, tag = "2")]
    pub tensor_shape: Option<TensorShapeProto>,
    #[prost(int32, tag = "3")]
    pub version_number: i32,
    /// All elements, row-major, raw little-endian bytes (numeric and bool).
    #[prost(bytes = "vec", tag = "4")]
    pub tensor_content: Vec<u8>,
    #[prost(float, repeated, tag = "5")]
    pub float_val: Vec<f32>,
    #[prost(double, repeated, tag = "6")]
    pub double_val: Vec<f64>,
    /// int32, int16, int8, uint8, uint16 values.
    #[prost(int32, repeated, tag = "7")]
    pub int_val: Vec<i32>,
    #[prost(bytes = "vec", repeated, tag = "8")]
    pub string_val: Vec<Vec<u8>>,
    #[prost(float, repeated, tag = "9")]
    pub scomplex_val: Vec<f32>,
    #[prost(int64, repeated, tag = "10")]
    pub int64_val: Vec<i64>,
    #[prost(bool, repeated, tag = "11")]
    pub bool_val: Vec<bool>,
    #[prost(double, repeated, tag = "12")]
    pub dcomplex_val: Vec<f64>,
    /// 16-bit patterns of half and bfloat16 values.
    #[prost(int32, repeated, tag = "13")]
    pub half_val: Vec<i32>,
    #[prost(uint32, repeated, tag = "16")]
    pub uint32_val: Vec<u32>,
    #[prost(uint64, repeated, tag = "17")]
    pub uint64_val: Vec<u64>,
}

/// Largest tensor, in bytes, that a `*_val` field may be broadcast to; the
/// protobuf format itself cannot exceed 2 GiB.
const MAX_BROADCAST_BYTES: usize = 1 << 31;

impl TensorProto {
    /// The proto TensorFlow's C++ writes for `tensor`: numeric and bool values
    /// in `tensor_content`, strings in `string_val`.
    pub fn from_tensor(tensor: &Tensor) -> Self {
        let mut proto = TensorProto {
            dtype: DataType::from(tensor.dtype()) as i32,
            tensor_shape: Some(TensorShapeProto::from_shape(tensor.shape())),
            ..Default::default()
        };
        match tensor.as_strings() {
            Ok(strings) => proto.string_val = strings.to_vec(),
            Err(_) => proto.tensor_content = tensor_to_le_bytes(tensor),
        }
        proto
    }

    /// The tensor this proto holds, like `tf.make_ndarray`. Accepts
    /// `tensor_content` and the typed `*_val` fields; fewer typed values than
    /// the shape needs repeat the last one (none at all means zeros).
    /// Errors name `what`.
    pub fn to_tensor(&self, what: &str) -> Result<Tensor> {
        let dtype = DataType::dtype_of(self.dtype, what)?;
        let shape = self
            .tensor_shape
            .as_ref()
            .map_or(Ok(Shape::scalar()), |s| s.to_shape(what))?;
        let n = shape.checked_num_elements(what)?;
        if !self.tensor_content.is_empty() && dtype != DType::String {
            return tensor_from_le_bytes(dtype, shape, &self.tensor_content, what);
        }
        let storage = match dtype {
            DType::F32 => Storage::F32(broadcast(&self.float_val, n, what)?),
            DType::F64 => Storage::F64(broadcast(&self.double_val, n, what)?),
            DType::I32 => Storage::I32(broadcast(&self.int_val, n, what)?),
            DType::I64 => Storage::I64(broadcast(&self.int64_val, n, what)?),
            // TF stores uint8 in int_val and casts each value down.
            DType::U8 => Storage::U8(
                broadcast(&self.int_val, n, what)?
                    .into_iter()
                    .map(|v| v as u8)
                    .collect(),
            ),
            DType::Bool => Storage::Bool(broadcast(&self.bool_val, n, what)?),
            DType::String => Storage::String(broadcast(&self.string_val, n, what)?),
        };
        Ok(Tensor::new(storage, shape)?)
    }
}

/// `values` stretched to `n` by repeating the last one (zeros when empty).
fn broadcast<T: Clone + Default>(values: &[T], n: usize, what: &str) -> Result<Vec<T>> {
    if values.len() > n {
        return Err(IoError::invalid(
            what,
            format!(
                "{} values do not fit a tensor of {n} elements",
                values.len()
            ),
        ));
    }
    if n.saturating_mul(std::mem::size_of::<T>()) > MAX_BROADCAST_BYTES {
        return Err(IoError::invalid(
            what,
            format!("a tensor of {n} elements is too large for a TensorProto"),
        ));
    }
    let fill = values.last().cloned().unwrap_or_default();
    let mut out = values.to_vec();
    out.resize(n, fill);
    Ok(out)
}

/// An element's raw little-endian encoding, as in `tensor_content` and
/// tensor bundle data files.
pub(crate) trait LeBytes: Element {
    /// Bytes of one element.
    const SIZE: usize;
    /// Appends the element's bytes.
    fn put(self, out: &mut Vec<u8>);
    /// Reads one element from exactly `SIZE` bytes.
    fn get(bytes: &[u8]) -> Self;
}

macro_rules! impl_le_bytes {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Self {
                let mut raw = [0u8; std::mem::size_of::<$t>()];
                raw.copy_from_slice(bytes);
                <$t>::from_le_bytes(raw)
            }
        }
    )*};
}
impl_le_bytes!(f32, f64, i32, i64, u8);

impl LeBytes for bool {
    const SIZE: usize = 1;
    fn put(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
    fn get(bytes: &[u8]) -> Self {
        bytes[0] != 0
    }
}

/// The raw little-endian element bytes of a numeric or bool tensor (empty
/// for strings).
pub(crate) fn tensor_to_le_bytes(tensor: &Tensor) -> Vec<u8> {
    fn encode<T: LeBytes>(tensor: &Tensor) -> Vec<u8> {
        let values = tensor.as_slice::<T>().unwrap_or_default();
        let mut out = Vec::with_capacity(values.len() * T::SIZE);
        values.iter().for_each(|v| v.put(&mut out));
        out
    }
    with_element_type!(tensor.dtype(), T => encode::<T>(tensor), _ => Vec::new())
}

/// A numeric or bool tensor of `shape` from raw little-endian bytes, whose
/// length is checked against the shape before anything is allocated.
pub(crate) fn tensor_from_le_bytes(
    dtype: DType,
    shape: Shape,
    bytes: &[u8],
    what: &str,
) -> Result<Tensor> {
    fn decode<T: LeBytes>(shape: Shape, bytes: &[u8], what: &str) -> Result<Tensor> {
        let n = shape.checked_num_elements(what)?;
        if n.checked_mul(T::SIZE) != Some(bytes.len()) {
            return Err(IoError::invalid(
                what,
                format!(
                    "expected {n} elements of {} bytes for shape {shape}, got {} bytes",
                    T::SIZE,
                    bytes.len()
                ),
            ));
        }
        let values = bytes.chunks_exact(T::SIZE).map(T::get).collect();
        Ok(Tensor::from_vec::<T>(values, shape)?)
    }
    with_element_type!(dtype, T => decode::<T>(shape, bytes, what), _ => Err(IoError::invalid(
        what,
        "string tensors have no raw byte encoding",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn float_vector_matches_tf_serialize_tensor() {
        let t = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
        let bytes = TensorProto::from_tensor(&t).encode_to_vec();
        let mut expected = vec![0x08, 0x01, 0x12, 0x04, 0x12, 0x02, 0x08, 0x03, 0x22, 0x0c];
        expected.extend_from_slice(&[0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40]);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn scalar_keeps_an_empty_shape_message() {
        let bytes = TensorProto::from_tensor(&Tensor::scalar(5.0f32)).encode_to_vec();
        assert_eq!(
            bytes,
            [0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0, 0, 0xa0, 0x40]
        );
    }

    #[test]
    fn bool_and_string_match_tf() {
        let b = Tensor::from_vec(vec![true, false], [2]).unwrap();
        let bytes = TensorProto::from_tensor(&b).encode_to_vec();
        assert_eq!(
            bytes,
            [0x08, 0x0a, 0x12, 0x04, 0x12, 0x02, 0x08, 0x02, 0x22, 0x02, 1, 0]
        );
        let s = Tensor::from_strings(&["a", "bc"], [2]).unwrap();
        let bytes = TensorProto::from_tensor(&s).encode_to_vec();
        let expected = [
            0x08, 0x07, 0x12, 0x04, 0x12, 0x02, 0x08, 0x02, 0x42, 0x01, b'a', 0x42, 0x02, b'b',
            b'c',
        ];
        assert_eq!(bytes, expected);
    }

    #[test]
    fn every_dtype_round_trips() {
        let tensors = [
            Tensor::from_vec(vec![1.5f32, -2.0], [2, 1]).unwrap(),
            Tensor::from_vec(vec![1e300f64], [1]).unwrap(),
            Tensor::from_vec(vec![i32::MIN, 7], [2]).unwrap(),
            Tensor::from_vec(vec![i64::MAX], []).unwrap(),
            Tensor::from_vec(vec![0u8, 255], [2]).unwrap(),
            Tensor::from_vec(vec![true, false, true], [3]).unwrap(),
            Tensor::from_strings(&["x", ""], [2]).unwrap(),
            Tensor::from_vec(Vec::<f32>::new(), [0, 3]).unwrap(),
        ];
        for t in tensors {
            let bytes = TensorProto::from_tensor(&t).encode_to_vec();
            let back = TensorProto::decode(bytes.as_slice())
                .unwrap()
                .to_tensor("t")
                .unwrap();
            assert_eq!(back.dtype(), t.dtype());
            assert_eq!(back.dims(), t.dims());
            assert_eq!(back.storage(), t.storage());
        }
    }

    #[test]
    fn typed_values_repeat_the_last_one() {
        let proto = TensorProto {
            dtype: DataType::DtFloat as i32,
            tensor_shape: Some(TensorShapeProto::new(&[4])),
            float_val: vec![1.0, 2.0],
            ..Default::default()
        };
        let t = proto.to_tensor("c").unwrap();
        assert_eq!(t.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 2.0, 2.0]);
        let zeros = TensorProto {
            dtype: DataType::DtUint8 as i32,
            tensor_shape: Some(TensorShapeProto::new(&[2])),
            ..Default::default()
        };
        assert_eq!(
            zeros.to_tensor("z").unwrap().to_vec::<u8>().unwrap(),
            vec![0, 0]
        );
        let ints = TensorProto {
            dtype: DataType::DtUint8 as i32,
            tensor_shape: Some(TensorShapeProto::new(&[2])),
            int_val: vec![200, 3],
            ..Default::default()
        };
        assert_eq!(
            ints.to_tensor("u").unwrap().to_vec::<u8>().unwrap(),
            vec![200, 3]
        );
    }

    #[test]
    fn bad_protos_are_errors() {
        let base = TensorProto {
            dtype: DataType::DtFloat as i32,
            tensor_shape: Some(TensorShapeProto::new(&[3])),
            ..Default::default()
        };
        let short = TensorProto {
            tensor_content: vec![0; 8],
            ..base.clone()
        };
        assert!(short
            .to_tensor("w")
            .unwrap_err()
            .to_string()
            .contains("w: expected 3 elements"));
        let too_many = TensorProto {
            float_val: vec![1.0; 4],
            ..base.clone()
        };
        assert!(too_many.to_tensor("w").is_err());
        let huge = TensorProto {
            tensor_shape: Some(TensorShapeProto::new(&[1 << 40, 1 << 30])),
            float_val: vec![1.0],
            ..base.clone()
        };
        assert!(huge.to_tensor("w").is_err());
        let negative = TensorProto {
            tensor_shape: Some(TensorShapeProto::new(&[-1])),
            ..base.clone()
        };
        assert!(negative
            .to_tensor("w")
            .unwrap_err()
            .to_string()
            .contains("dims >= 0"));
        let half = TensorProto {
            dtype: DataType::DtHalf as i32,
            ..base.clone()
        };
        assert!(half
            .to_tensor("w")
            .unwrap_err()
            .to_string()
            .contains("DtHalf"));
        let unknown = TensorProto { dtype: 77, ..base };
        assert!(unknown.to_tensor("w").is_err());
    }
}
