//! Protobuf messages of TensorFlow and TensorBoard, declared with prost's
//! derive macros (field numbers from the upstream `.proto` files).

pub mod tensor;
pub use tensor::{DataType, Dim, TensorProto, TensorShapeProto};
