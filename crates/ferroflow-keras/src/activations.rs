//! Activation functions by name, like `tf.keras.activations`.

use ferroflow_core::prelude::*;
use ferroflow_core::{Error, Result};

/// An activation: `"linear"`, `"relu"`, `"sigmoid"`, `"tanh"`,
/// `"softmax"`, `"elu"`, `"selu"`, `"softplus"`, `"relu6"`.
///
/// ```
/// use ferroflow_keras::activations::Activation;
/// use ferroflow_core::prelude::*;
/// let relu = Activation::get("relu").unwrap();
/// let y = relu.apply(&Tensor::from([-1.0f32, 2.0])).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 2.0]);
/// assert!(Activation::get("nope").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    #[default]
    Linear,
    Relu,
    Relu6,
    Sigmoid,
    Tanh,
    Softmax,
    Elu,
    Selu,
    Softplus,
}

impl Activation {
    /// The activation called `name`, as `tf.keras.activations.get(name)`.
    pub fn get(name: &str) -> Result<Self> {
        Ok(match name {
            "linear" | "" => Activation::Linear,
            "relu" => Activation::Relu,
            "relu6" => Activation::Relu6,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "softmax" => Activation::Softmax,
            "elu" => Activation::Elu,
            "selu" => Activation::Selu,
            "softplus" => Activation::Softplus,
            other => {
                return Err(Error::invalid(
                    "activations.get",
                    format!("Unknown activation function: '{other}'"),
                ))
            }
        })
    }

    /// Applies the activation (softmax over the last axis).
    pub fn apply<H: TensorOps>(&self, x: &H) -> Result<H> {
        match self {
            Activation::Linear => Ok(x.clone()),
            Activation::Relu => x.relu(),
            Activation::Relu6 => x.relu6(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Tanh => x.tanh(),
            Activation::Softmax => x.softmax(),
            Activation::Elu => x.elu(),
            Activation::Selu => x.selu(),
            Activation::Softplus => x.softplus(),
        }
    }
}
