//! Keras layers (`tf.keras.layers`).

mod activation;
mod config;
mod conv;
mod core;
mod embedding;
mod input;
mod lambda;
mod merge;
mod normalization;

pub use self::core::{Dense, Flatten, Permute, Reshape};
pub use activation::{Activation, Dropout, LeakyReLU, ReLU, Softmax};
pub use config::{deserialize, serialize};
pub(crate) use config::{input_batch_shape, input_layer_config, shape_of};
pub use conv::{Conv2D, GlobalPooling2D, Pooling2D, ZeroPadding2D};
pub use embedding::Embedding;
pub use input::Input;
pub use lambda::{Lambda, LambdaFunction};
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

/// The builder methods of a layer with a kernel and an optional bias
/// (fields `activation`, `use_bias`, `kernel_initializer`,
/// `bias_initializer`, `kernel_regularizer`, `bias_regularizer`).
macro_rules! kernel_builders {
    () => {
        /// The activation by name (`"relu"`, `"softmax"`, …); checked at build.
        pub fn activation(mut self, name: &str) -> Self {
            self.activation = name.into();
            self
        }
        /// Whether to add a bias.
        pub fn use_bias(mut self, use_bias: bool) -> Self {
            self.use_bias = use_bias;
            self
        }
        /// The kernel's initializer (glorot-uniform by default).
        pub fn kernel_initializer(mut self, init: Initializer) -> Self {
            self.kernel_initializer = init;
            self
        }
        /// The bias's initializer (zeros by default).
        pub fn bias_initializer(mut self, init: Initializer) -> Self {
            self.bias_initializer = init;
            self
        }
        /// A penalty on the kernel, added to the model's losses.
        pub fn kernel_regularizer(mut self, r: Regularizer) -> Self {
            self.kernel_regularizer = Some(r);
            self
        }
        /// A penalty on the bias, added to the model's losses.
        pub fn bias_regularizer(mut self, r: Regularizer) -> Self {
            self.bias_regularizer = Some(r);
            self
        }
    };
}
pub(crate) use kernel_builders;

/// `activation(y + bias)`, the tail of `Dense` and the convolutions.
pub(crate) fn bias_and_activation<H: ferroflow_core::TensorOps>(
    y: H,
    bias: Option<&H>,
    activation: crate::activations::Activation,
) -> ferroflow_core::Result<H> {
    use ferroflow_core::prelude::{ConvOps, DataFormat};
    let y = match bias {
        Some(b) => y.bias_add(b, DataFormat::Nhwc)?,
        None => y,
    };
    activation.apply(&y)
}

/// `fn call` and `fn call_graph` of a layer whose forward pass is one
/// generic `fn forward<H: LayerTensor>(&self, x: &H, training: bool)`.
macro_rules! forward_calls {
    () => {
        fn call(
            &self,
            x: &ferroflow_tensor::Tensor,
            training: bool,
        ) -> ferroflow_core::Result<ferroflow_tensor::Tensor> {
            self.forward(x, training)
        }
        fn call_graph(
            &self,
            x: &ferroflow_core::graph::Output,
            training: bool,
        ) -> ferroflow_core::Result<ferroflow_core::graph::Output> {
            self.forward(x, training)
        }
    };
}
pub(crate) use forward_calls;
