//! TensorFlow's file formats, with no knowledge of graphs: protobuf messages
//! (prost derive, no protoc), TFRecord, `tf.train.Example`, event files,
//! tensor bundles (checkpoints V2), IDX data sets and image codecs.
//!
//! Byte layouts follow `shared/spec/FORMATS.md`; fixtures written by real
//! TensorFlow under `tests/fixtures/` prove compatibility.

pub mod bundle;
pub mod crc;
pub mod datasets;
pub mod error;
pub mod events;
pub mod example;
pub mod idx;
pub mod image;
pub mod proto;
pub mod tfrecord;

pub use error::{IoError, Result};
