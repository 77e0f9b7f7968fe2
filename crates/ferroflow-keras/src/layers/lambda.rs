//! `Lambda`: a layer from a closure (eager), or from a function written
//! once for eager tensors and graph outputs.

use super::core_accessors;
use crate::layer::{Layer, LayerCore};
use crate::LayerTensor;
use ferroflow_core::graph::Output;
use ferroflow_core::Result;
use ferroflow_tensor::Tensor;

/// A function of a layer's input written once for eager tensors and graph
/// outputs, for [`Lambda::generic`] (a Rust closure cannot be generic over
/// the handle, so it is a type with a generic method).
///
/// ```
/// use ferroflow_core::graph::Graph;
/// use ferroflow_core::prelude::*;
/// use ferroflow_keras::layers::{Lambda, LambdaFunction};
/// use ferroflow_keras::{Layer, LayerTensor};
/// struct Double;
/// impl LambdaFunction for Double {
///     fn call<H: LayerTensor>(&self, x: &H) -> ferroflow_core::Result<H> {
///         x.add(x)
///     }
/// }
/// let g = Graph::new();
/// let x = g.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
/// let y = Lambda::generic(Double).apply_graph(&x, false).unwrap();
/// assert_eq!(y.static_shape().to_string(), "(?, 2)");
/// ```
pub trait LambdaFunction: 'static {
    /// The function, eager or in a graph.
    fn call<H: LayerTensor>(&self, x: &H) -> Result<H>;
}

/// A [`LambdaFunction`] behind a trait object.
trait AnyHandleFunction {
    fn eager(&self, x: &Tensor) -> Result<Tensor>;
    fn graph(&self, x: &Output) -> Result<Output>;
}

impl<F: LambdaFunction> AnyHandleFunction for F {
    fn eager(&self, x: &Tensor) -> Result<Tensor> {
        self.call(x)
    }
    fn graph(&self, x: &Output) -> Result<Output> {
        self.call(x)
    }
}

/// A closure on eager tensors.
type Closure = Box<dyn Fn(&Tensor) -> Result<Tensor>>;

/// The function a [`Lambda`] runs.
enum Function {
    /// A closure on eager tensors.
    Eager(Closure),
    /// A function of either handle.
    Generic(Box<dyn AnyHandleFunction>),
}

/// Wraps a function of the input as a layer, like
/// `tf.keras.layers.Lambda(fn)`. Its output shape is found by calling it on
/// zeros of the input shape (unknown dims taken as 1). A closure runs
/// eagerly only; a [`LambdaFunction`] also in graphs.
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
    /// A layer computing `function(x)` on eager tensors.
    pub fn new(function: impl Fn(&Tensor) -> Result<Tensor> + 'static) -> Self {
        Lambda::with(Function::Eager(Box::new(function)))
    }

    /// A layer computing `function.call(x)`, eagerly or in a graph.
    pub fn generic(function: impl LambdaFunction) -> Self {
        Lambda::with(Function::Generic(Box::new(function)))
    }

    fn with(function: Function) -> Self {
        Lambda {
            core: LayerCore::new("lambda"),
            function,
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
            "a Lambda layer wraps Rust code (a closure or a LambdaFunction), which cannot be serialized; rebuild it in code (Keras likewise needs `custom_objects` for it)",
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
        match &self.function {
            Function::Eager(f) => f(x),
            Function::Generic(f) => f.eager(x),
        }
        .map_err(|e| self.core.error(e))
    }
    fn call_graph(&self, x: &Output, _training: bool) -> Result<Output> {
        match &self.function {
            Function::Eager(_) => Err(self.core.error(
                "a Lambda of a closure runs on eager tensors only; make it from a `LambdaFunction` (Lambda::generic) to call it on graph tensors",
            )),
            Function::Generic(f) => f.graph(x).map_err(|e| self.core.error(e)),
        }
    }
}
