//! `Lambda`: a layer from a closure.

use super::core_accessors;
use crate::layer::{Layer, LayerCore};
use ferroflow_core::Result;
use ferroflow_tensor::Tensor;

/// The closure a [`Lambda`] runs.
type Function = Box<dyn Fn(&Tensor) -> Result<Tensor>>;

/// Wraps a function of the input as a layer, like
/// `tf.keras.layers.Lambda(fn)`. Its output shape is found by calling it on
/// zeros of the input shape (unknown dims taken as 1).
///
/// ```
/// use ferroflow_keras::layers::Lambda;
/// use ferroflow_keras::Layer;
/// use ferroflow_core::prelude::*;
/// let mut double = Lambda::new(|x: &Tensor| x.add(x));
/// let y = double.apply(&Tensor::from_vec(vec![1.0f32, 2.0], [1, 2]).unwrap(), false).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// ```
pub struct Lambda {
    core: LayerCore,
    function: Function,
}

impl Lambda {
    /// A layer computing `function(x)`.
    pub fn new(function: impl Fn(&Tensor) -> Result<Tensor> + 'static) -> Self {
        Lambda {
            core: LayerCore::new("lambda"),
            function: Box::new(function),
        }
    }
}

impl Layer for Lambda {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Lambda"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Err(self.core.error(
            "a Lambda layer wraps a Rust closure, which cannot be serialized; rebuild it in code (Keras likewise needs `custom_objects` for it)",
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        let probe: Vec<usize> = input_shape.iter().map(|d| d.unwrap_or(1)).collect();
        let out = self.call(&Tensor::zeros(ferroflow_tensor::DType::F32, probe)?, false)?;
        Ok(out
            .dims()
            .iter()
            .zip(input_shape.iter().chain(std::iter::repeat(&Some(0))))
            .enumerate()
            .map(|(i, (&d, given))| {
                if i == 0 && given.is_none() {
                    None
                } else {
                    Some(d)
                }
            })
            .collect())
    }
    fn call(&self, x: &Tensor, _training: bool) -> Result<Tensor> {
        (self.function)(x).map_err(|e| self.core.error(e))
    }
}
