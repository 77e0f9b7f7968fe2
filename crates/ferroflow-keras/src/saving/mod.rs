//! Saving and loading Keras models: weights in TensorFlow's checkpoint
//! format (`model.save_weights` / `model.load_weights`).

mod weights;

pub(crate) use weights::io_error;
pub use weights::{LayerWeights, ModelWeights};
