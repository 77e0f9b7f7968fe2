//! The typed, contiguous buffer behind a tensor.

use crate::DType;

/// A contiguous row-major buffer of one dtype. Tensors share it through an
/// `Arc`, so reshapes and copies of a handle never copy data.
#[derive(Debug, Clone, PartialEq)]
pub enum Storage {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    Bool(Vec<bool>),
    String(Vec<Vec<u8>>),
}

impl Storage {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match self {
            Storage::F32(_) => DType::F32,
            Storage::F64(_) => DType::F64,
            Storage::I32(_) => DType::I32,
            Storage::I64(_) => DType::I64,
            Storage::U8(_) => DType::U8,
            Storage::Bool(_) => DType::Bool,
            Storage::String(_) => DType::String,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Storage::F32(v) => v.len(),
            Storage::F64(v) => v.len(),
            Storage::I32(v) => v.len(),
            Storage::I64(v) => v.len(),
            Storage::U8(v) => v.len(),
            Storage::Bool(v) => v.len(),
            Storage::String(v) => v.len(),
        }
    }

    /// True when the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A buffer of `len` zeros (false, empty strings) of `dtype`.
    pub fn zeros(dtype: DType, len: usize) -> Storage {
        match dtype {
            DType::F32 => Storage::F32(vec![0.0; len]),
            DType::F64 => Storage::F64(vec![0.0; len]),
            DType::I32 => Storage::I32(vec![0; len]),
            DType::I64 => Storage::I64(vec![0; len]),
            DType::U8 => Storage::U8(vec![0; len]),
            DType::Bool => Storage::Bool(vec![false; len]),
            DType::String => Storage::String(vec![Vec::new(); len]),
        }
    }
}
