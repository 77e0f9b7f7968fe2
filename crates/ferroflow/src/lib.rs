//! ferroflow: TensorFlow's system, rebuilt in Rust.
//!
//! Write `use ferroflow as tf;` and translate a TensorFlow tutorial line by
//! line. Op methods come from the extension traits in [`prelude`].
//!
//! ```
//! use ferroflow as tf;
//! use tf::prelude::*;
//!
//! let z = tf::constant((0..10).collect::<Vec<i64>>());
//! let z10 = z.mul(&tf::constant(10i64)).unwrap();
//! assert_eq!(z10.to_string(), "tf.Tensor([ 0 10 20 30 40 50 60 70 80 90], shape=(10,), dtype=int64)");
//! ```

pub use ferroflow_core::{grad, value_and_grad, GradientTape, TensorOps, Variable};
pub use ferroflow_core::{Error, PartialShape, Result, TensorSpec};
pub use ferroflow_tensor::{DType, Shape, Tensor};

/// Everything needed in scope to call ops as methods.
pub mod prelude {
    pub use ferroflow_core::prelude::*;
}

/// A constant tensor from a Rust value, like `tf.constant`.
pub fn constant(value: impl Into<Tensor>) -> Tensor {
    value.into()
}

/// Control flow: `cond`, `case`, `while_loop`, for eager tensors and graphs.
pub use ferroflow_core::control_flow::{case, cond, while_loop, Branch, ControlFlow};
/// A computation with its own gradient, like `@tf.custom_gradient`.
pub use ferroflow_core::custom_gradient::custom_gradient;
/// Symbolic differentiation: `gradients(ys, xs, grad_ys)`.
pub use ferroflow_core::gradients::gradients;
/// Graph mode: graphs, placeholders, variables, scopes, collections.
pub use ferroflow_core::graph;
/// GraphDef and MetaGraphDef export/import (`export_meta_graph`, `import_meta_graph`).
pub use ferroflow_core::graph_def;
/// Variable initializers (`glorot_uniform`, `VarianceScaling`, …).
pub use ferroflow_core::initializers;
/// Optimizers, learning-rate schedules, clipping (`tf.train`, `tf.keras.optimizers`).
pub use ferroflow_core::optimizers as train;
/// The embedding projector's files and PCA (`tensorboard.plugins.projector`).
pub use ferroflow_core::projector;
/// Seeds and random streams (`set_random_seed`).
pub use ferroflow_core::random;
/// TF1 checkpoints of graph variables: `Saver`, `latest_checkpoint`, `load_checkpoint`.
pub use ferroflow_core::saver;
/// Running graphs: `Session` and its options.
pub use ferroflow_core::session;

/// TF2 summaries for TensorBoard (`tf.summary`): `create_file_writer`, a
/// thread's default writer, `scalar`, `histogram`, `image`, `text`.
///
/// ```
/// use ferroflow as tf;
/// let dir = std::env::temp_dir().join(format!("ff_facade_summary_{}", std::process::id()));
/// let writer = tf::summary::create_file_writer(&dir)?;
/// {
///     let _default = writer.as_default();
///     tf::summary::experimental::set_step(Some(1));
///     assert!(tf::summary::scalar("loss", 0.25, None)?);
/// }
/// writer.close()?;
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), tf::Error>(())
/// ```
pub mod summary {
    pub use ferroflow_core::summary_writer::{
        create_file_writer, histogram, image, scalar, text, DefaultWriter, SummaryWriter,
    };

    /// `tf.summary.experimental`: the default step of summaries.
    pub mod experimental {
        pub use ferroflow_core::summary_writer::{get_step, set_step};
    }
}

/// TensorFlow 1 APIs kept for compatibility (`tf.compat`).
pub mod compat {
    /// `tf.compat.v1`.
    pub mod v1 {
        /// TF1 summary ops in graphs, `merge_all`, and the `FileWriter` that
        /// writes what they evaluate to for TensorBoard.
        pub mod summary {
            pub use ferroflow_core::summary_ops::*;
            pub use ferroflow_core::FileWriter;
        }

        /// TF1 losses: the weighted losses with their reductions, and the
        /// regularization losses a graph collects.
        pub mod losses {
            pub use ferroflow_core::graph::losses::*;
            pub use ferroflow_core::ops::{
                compute_weighted_loss, huber_loss, log_loss, mean_squared_error, Reduction,
            };
        }

        /// TF1 layer functions on graph tensors (`tf.layers.dense`, …),
        /// configured by the Keras layer they apply.
        pub use ferroflow_keras::v1_layers as layers;
    }
}

/// The raw kernels and tensor value crate.
pub use ferroflow_tensor as tensor;

/// TensorFlow's file formats (`tf.io`, `tf.train.Example`, TFRecord, …).
pub use ferroflow_io as io;

/// Input pipelines: `Dataset` (`tf.data`).
pub use ferroflow_data as data;

/// Keras: layers, models, losses, metrics, callbacks, `compile`/`fit`.
pub use ferroflow_keras as keras;
