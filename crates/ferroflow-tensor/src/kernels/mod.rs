//! CPU kernels, one file per family. Kernels work on tensors or slices and
//! return typed errors; they never see graphs or gradients.

pub mod arith;
pub mod array;
pub(crate) mod buffer;
pub mod cast;
pub mod conv;
pub mod depthwise;
pub mod elementwise;
pub mod image;
pub mod index;
pub mod linalg;
pub mod matmul;
pub mod norm;
pub mod pool;
pub mod random;
pub mod reduce;
pub mod strided;
pub mod window;
