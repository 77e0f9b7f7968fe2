//! Protobuf messages of TensorFlow and TensorBoard, declared with prost's
//! derive macros (field numbers from the upstream `.proto` files).
