//! CPU kernels, one file per family. Kernels work on tensors or slices and
//! return typed errors; they never see graphs or gradients.
