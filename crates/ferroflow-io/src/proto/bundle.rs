//! The messages of a tensor bundle's `.index` file
//! (`tensorflow/core/protobuf/tensor_bundle.proto`).

use super::graph::VersionDef;
use super::tensor::{DataType, TensorShapeProto};

/// The value of the bundle's first key `""`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BundleHeaderProto {
    /// Number of data files.
    #[prost(int32, tag = "1")]
    pub num_shards: i32,
    /// Byte order of the tensor data: 0 little-endian, 1 big-endian.
    #[prost(enumeration = "Endianness", tag = "2")]
    pub endianness: i32,
    #[prost(message, optional, tag = "3")]
    pub version: Option<VersionDef>,
}

/// `BundleHeaderProto.Endianness`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Endianness {
    Little = 0,
    Big = 1,
}

/// Where and how one tensor is stored.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BundleEntryProto {
    #[prost(enumeration = "DataType", tag = "1")]
    pub dtype: i32,
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
    /// `N` of the data file `data-N-of-…`.
    #[prost(int32, tag = "3")]
    pub shard_id: i32,
    #[prost(int64, tag = "4")]
    pub offset: i64,
    #[prost(int64, tag = "5")]
    pub size: i64,
    /// Masked CRC32C of the stored bytes.
    #[prost(fixed32, tag = "6")]
    pub crc32c: u32,
    /// Pieces of a partitioned tensor (unsupported by ferroflow's reader).
    #[prost(message, repeated, tag = "7")]
    pub slices: Vec<TensorSliceProto>,
}

/// A slice of a partitioned tensor: one extent per dimension.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorSliceProto {
    #[prost(message, repeated, tag = "1")]
    pub extent: Vec<Extent>,
}

/// The `[start, start + length)` range of one dimension; no length means
/// the whole dimension.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Extent {
    #[prost(int64, tag = "1")]
    pub start: i64,
    #[prost(int64, optional, tag = "2")]
    pub length: Option<i64>,
}
