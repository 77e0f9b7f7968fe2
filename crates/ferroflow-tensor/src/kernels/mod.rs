//! CPU kernels, one file per family. Kernels work on tensors or slices and
//! return typed errors; they never see graphs or gradients.

pub mod array;
pub mod conv;
pub mod elementwise;
pub mod matmul;
pub mod pool;
pub mod random;
pub mod reduce;
