//! Model architectures as JSON: `model_from_json`, the inverse of
//! `model.to_json()`, for `Sequential` and functional models in the
//! layouts tf-keras 2.x and Keras 3 write.

use crate::{Functional, Model, Sequential};
use ferroflow_core::{Error, Result};
use serde_json::Value;

/// The model a serialized config describes
/// (`{"class_name": "Sequential" | "Functional" | "Model", "config": {...}}`),
/// like `keras.saving.deserialize_keras_object`. The model is built when the
/// config gives its input shapes, so weights can be loaded into it.
pub fn deserialize_model(value: &Value) -> Result<Box<dyn Model>> {
    let class = value.get("class_name").and_then(Value::as_str);
    let config = value.get("config").unwrap_or(&Value::Null);
    Ok(match class {
        Some("Sequential") => Box::new(Sequential::from_config(config)?),
        Some("Functional" | "Model") => Box::new(Functional::from_config(config)?),
        Some(other) => {
            return Err(Error::invalid(
                "model_from_json",
                format!("Unknown model class: '{other}' (only Sequential and functional models can be rebuilt from a config)"),
            ))
        }
        None => {
            return Err(Error::invalid(
                "model_from_json",
                "expected an object with a \"class_name\"",
            ))
        }
    })
}

/// Rebuilds a model from the JSON of `model.to_json()` (written here, by
/// tf-keras 2.x or by Keras 3), like `tf.keras.models.model_from_json`:
/// the architecture only, with fresh weights.
///
/// ```
/// use ferroflow_keras::layers::{Dense, Flatten};
/// use ferroflow_keras::models::model_from_json;
/// use ferroflow_keras::{Model, Sequential};
/// let mut model = Sequential::new(vec![Box::new(Flatten::new()), Box::new(Dense::new(10).activation("softmax"))]);
/// model.build(&[None, Some(28), Some(28)]).unwrap();
/// let copy = model_from_json(&model.to_json().unwrap()).unwrap();
/// assert_eq!(copy.count_params(), 7850);
/// assert_eq!(copy.layers()[1].class_name(), "Dense");
/// ```
pub fn model_from_json(json: &str) -> Result<Box<dyn Model>> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| Error::invalid("model_from_json", format!("invalid JSON: {e}")))?;
    deserialize_model(&value)
}
