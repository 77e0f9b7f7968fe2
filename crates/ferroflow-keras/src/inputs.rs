//! The `x` and `y` of `fit`, `evaluate`, `predict`, `train_on_batch` and
//! `test_on_batch`: one tensor, a list with one tensor per model input
//! (or output), or tensors by input (or output) name, like Keras's
//! `x=x`, `x=[x1, x2]` and `x={"a": x1, "b": x2}`.

use ferroflow_core::{Error, Result};
use ferroflow_tensor::Tensor;

/// Data for a model's inputs or outputs.
///
/// ```
/// use ferroflow_core::prelude::*;
/// use ferroflow_keras::{Inputs, ToInputs};
/// let (a, b) = (Tensor::from([1.0f32]), Tensor::from([2.0f32]));
/// let names = ["a".to_string(), "b".to_string()];
/// let by_name = [("b", b.clone()), ("a", a.clone())].to_inputs();
/// assert_eq!(by_name.resolve("fit", "input", &names).unwrap(), vec![a.clone(), b.clone()]);
/// assert_eq!([a.clone(), b.clone()].to_inputs().resolve("fit", "input", &names).unwrap(), vec![a, b]);
/// ```
#[derive(Debug, Clone)]
pub enum Inputs {
    /// One tensor per input, in the model's order (one tensor for a
    /// single-input model).
    List(Vec<Tensor>),
    /// Tensors by input name (the `Input` layers' names).
    Named(Vec<(String, Tensor)>),
}

/// What `fit`, `evaluate` and `predict` accept as `x` or `y`: a
/// [`Tensor`], a list of them (`Vec`, slice or array), `(name, tensor)`
/// pairs, or an [`Inputs`].
pub trait ToInputs {
    /// The data as [`Inputs`] (tensors are shared, not copied).
    fn to_inputs(&self) -> Inputs;
}

impl ToInputs for Inputs {
    fn to_inputs(&self) -> Inputs {
        self.clone()
    }
}

impl ToInputs for Tensor {
    fn to_inputs(&self) -> Inputs {
        Inputs::List(vec![self.clone()])
    }
}

impl ToInputs for [Tensor] {
    fn to_inputs(&self) -> Inputs {
        Inputs::List(self.to_vec())
    }
}

impl ToInputs for Vec<Tensor> {
    fn to_inputs(&self) -> Inputs {
        self.as_slice().to_inputs()
    }
}

impl<const N: usize> ToInputs for [Tensor; N] {
    fn to_inputs(&self) -> Inputs {
        self.as_slice().to_inputs()
    }
}

impl ToInputs for [(&str, Tensor)] {
    fn to_inputs(&self) -> Inputs {
        Inputs::Named(
            self.iter()
                .map(|(name, t)| (name.to_string(), t.clone()))
                .collect(),
        )
    }
}

impl ToInputs for Vec<(&str, Tensor)> {
    fn to_inputs(&self) -> Inputs {
        self.as_slice().to_inputs()
    }
}

impl<const N: usize> ToInputs for [(&str, Tensor); N] {
    fn to_inputs(&self) -> Inputs {
        self.as_slice().to_inputs()
    }
}

impl Inputs {
    /// The tensors in the order of `names` (the model's input or output
    /// names; empty for a model with one unnamed input or output).
    /// `what` is `"input"` or `"output"`; `op` names the call in errors,
    /// which use Keras's words.
    pub fn resolve(&self, op: &str, what: &str, names: &[String]) -> Result<Vec<Tensor>> {
        match self {
            Inputs::List(tensors) => {
                let expected = names.len().max(1);
                if tensors.len() != expected {
                    return Err(Error::invalid(
                        op,
                        format!(
                            "the model expects {expected} {what}(s), but it received {} {what} tensors",
                            tensors.len()
                        ),
                    ));
                }
                Ok(tensors.clone())
            }
            Inputs::Named(pairs) => {
                let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
                if let Some(extra) = keys.iter().find(|k| !names.iter().any(|n| n == *k)) {
                    return Err(Error::invalid(
                        op,
                        format!("Unknown {what} name \"{extra}\" in the data dictionary. Expected the following keys: {names:?}"),
                    ));
                }
                names
                    .iter()
                    .map(|name| {
                        let found = pairs.iter().find(|(k, _)| k == name);
                        found.map(|(_, t)| t.clone()).ok_or_else(|| {
                            Error::invalid(
                                op,
                                format!("Missing data for {what} \"{name}\". You passed a data dictionary with keys {keys:?}. Expected the following keys: {names:?}"),
                            )
                        })
                    })
                    .collect()
            }
        }
    }
}
