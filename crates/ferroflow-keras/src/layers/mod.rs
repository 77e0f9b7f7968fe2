//! Keras layers (`tf.keras.layers`).

mod activation;
mod conv;
mod core;
mod embedding;
mod input;
mod lambda;
mod merge;
mod normalization;

pub use self::core::{Dense, Flatten, Permute, Reshape};
pub use activation::{Activation, Dropout, LeakyReLU, ReLU, Softmax};
pub use conv::{Conv2D, GlobalPooling2D, Pooling2D, ZeroPadding2D};
pub use embedding::Embedding;
pub use input::Input;
pub use lambda::Lambda;
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

/// `activation(y + bias)`, the tail of `Dense` and the convolutions.
pub(crate) fn bias_and_activation(
    y: ferroflow_tensor::Tensor,
    bias: Option<&ferroflow_core::Variable>,
    activation: crate::activations::Activation,
) -> ferroflow_core::Result<ferroflow_tensor::Tensor> {
    use ferroflow_core::prelude::{ConvOps, DataFormat};
    let y = match bias {
        Some(b) => y.bias_add(&b.value(), DataFormat::Nhwc)?,
        None => y,
    };
    activation.apply(&y)
}
