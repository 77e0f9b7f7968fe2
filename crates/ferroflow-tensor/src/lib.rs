//! Tensor values and CPU kernels for ferroflow.
//!
//! This crate knows nothing of graphs or gradients: it holds the [`Tensor`]
//! value (dtype, shape, shared row-major buffer), NumPy broadcasting, and the
//! kernels, grouped by family under [`kernels`]. The op catalogue in
//! `ferroflow-core` calls these kernels.

mod display;
mod dtype;
mod error;
pub mod kernels;
pub mod memory;
mod shape;
mod storage;
mod tensor;

pub use display::format_array;
pub use dtype::{DType, Element, FloatElement, NumElement};
pub use error::{Result, TensorError};
pub use shape::{broadcast_shapes, normalize_axis, Shape};
pub use storage::Storage;
pub use tensor::{resolve_reshape, Tensor, TensorId};
