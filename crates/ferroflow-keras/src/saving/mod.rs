//! Saving and loading Keras models: weights in TensorFlow's checkpoint
//! format (`model.save_weights` / `model.load_weights`), architectures as
//! JSON (`model.to_json()` / `model_from_json`), and whole models
//! (`save_model` / `load_model`).

mod config;
mod model;
mod optimizer;
mod weights;

pub use config::{deserialize_model, model_from_json};
pub(crate) use model::model_config;
pub use model::{load_model, save_model, CONFIG_FILE, WEIGHTS_PREFIX};
pub use optimizer::OptimizerWeights;
pub(crate) use weights::io_error;
pub use weights::{LayerWeights, ModelWeights};
