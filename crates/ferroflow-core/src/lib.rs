//! The heart of ferroflow: the op catalogue, the handle trait shared by
//! eager tensors and graph outputs, eager execution with `GradientTape`,
//! and variables.
//!
//! ```
//! use ferroflow_core::prelude::*;
//! let x = Tensor::scalar(3.0f32);
//! let dy_dx = grad(|x: &Tensor| x.mul(x)?.mul(x))(&x).unwrap();
//! assert_eq!(dy_dx.to_scalar::<f32>().unwrap(), 27.0);
//! ```

pub mod control_flow;
pub mod custom_gradient;
mod eager;
mod error;
mod file_writer;
mod grad;
pub mod gradients;
pub mod graph;
pub mod graph_def;
mod graph_variable;
mod handle;
pub mod initializers;
mod op;
pub mod ops;
pub mod optimizers;
pub mod projector;
pub mod random;
pub mod saver;
pub mod session;
mod spec;
pub mod summary_ops;
pub mod summary_writer;
mod tape;
pub mod testing;
pub mod trace;
mod variable;

pub use error::{Error, Result};
pub use file_writer::FileWriter;
pub use grad::{grad, value_and_grad};
pub use graph_variable::{GraphVariable, InitialValue};
pub use handle::{apply1, TensorOps};
pub use op::{AttrValue, GradArgs, Op, OpContext, OpDef};
pub use spec::{PartialShape, TensorSpec};
pub use tape::{GradientTape, RecordingPause, Watchable};
pub use variable::Variable;

/// Everything a user of eager ops needs in scope.
pub mod prelude {
    pub use crate::ops::{
        compute_weighted_loss, huber_loss, l2_loss, log_loss, mean_squared_error,
        sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits,
        sparse_softmax_cross_entropy_with_logits, weighted_cross_entropy_with_logits, ConvOps,
        DataFormat, DropoutOps, ImageOps, NormalizationOps, Padding, Pool2d, PoolOps, RandomSource,
        Reduction, ResizeMethod, Window2d,
    };
    pub use crate::ops::{
        concat, fill, range, stack, zeros, Idx, IndexingOps, ManipOps, PadMode, SplitSizes,
    };
    pub use crate::ops::{
        random_normal, random_shuffle, random_uniform, truncated_normal, ArrayOps, Axes,
        CompareOps, LinalgOps, MathOps, NnOps, ReduceOps,
    };
    pub use crate::{grad, value_and_grad, GradientTape, TensorOps, Variable, Watchable};
    pub use ferroflow_tensor::{DType, Shape, Tensor};
}
