//! Keras for ferroflow (`tf.keras`): layers with Keras's weight names,
//! `Sequential` models with `summary()`, losses, metrics, callbacks and
//! `compile`/`fit`/`evaluate`/`predict`, run eagerly under a
//! `GradientTape`.
//!
//! ```
//! use ferroflow_keras::layers::{Dense, Flatten};
//! use ferroflow_keras::{Model, Sequential};
//! let mut model = Sequential::new(vec![
//!     Box::new(Flatten::new()),
//!     Box::new(Dense::new(300).activation("relu")),
//!     Box::new(Dense::new(10).activation("softmax")),
//! ]);
//! model.build(&[None, Some(28), Some(28)]).unwrap();
//! assert_eq!(model.count_params(), 238_510);
//! ```

pub mod activations;
mod batches;
pub mod callbacks;
mod functional;
pub mod info_theory;
mod inputs;
mod layer;
mod layer_tensor;
pub mod layers;
pub mod losses;
pub mod metrics;
mod model;
/// Model-level functions, like `tf.keras.models`.
pub mod models {
    pub use crate::saving::{load_model, model_from_json, save_model};
}
pub mod optimizers;
pub mod saving;
mod sequential;
pub mod summary;
pub mod v1_layers;

pub use functional::{Functional, KerasTensor};
pub use inputs::{Inputs, ToInputs};
pub use layer::{unique_name, Layer, LayerCore, Regularizer};
pub use layer_tensor::{LayerTensor, UPDATE_OPS};
pub use model::{Compiled, FitOptions, Model};
pub use sequential::Sequential;

/// The error and result types of Keras calls (the core's).
pub use ferroflow_core::{Error, Result};
