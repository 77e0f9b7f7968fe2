//! Keras layers (`tf.keras.layers`).

mod activation;
mod conv;
mod core;
mod embedding;
mod input;
mod merge;
mod normalization;

pub use self::core::{Dense, Flatten, Permute, Reshape};
pub use activation::{Activation, Dropout, LeakyReLU, ReLU, Softmax};
pub use conv::{Conv2D, GlobalPooling2D, Pooling2D, ZeroPadding2D};
pub use embedding::Embedding;
pub use input::Input;
pub use merge::{Concatenate, Merge};
pub use normalization::BatchNormalization;

/// `fn core`/`fn core_mut` of a layer struct with a `core: LayerCore` field.
macro_rules! core_accessors {
    () => {
        fn core(&self) -> &$crate::LayerCore {
            &self.core
        }
        fn core_mut(&mut self) -> &mut $crate::LayerCore {
            &mut self.core
        }
    };
}
pub(crate) use core_accessors;
