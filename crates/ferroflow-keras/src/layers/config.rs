//! Layer configs in Keras's JSON layout: `layer.get_config()` helpers and
//! the registry [`deserialize`] that rebuilds any layer of ours from
//! `{"class_name": "Dense", "config": {...}}`, as
//! `tf.keras.layers.deserialize` does. Configs written by tf-keras 2.x and
//! by Keras 3 are both read.

use super::embedding::table_initializer;
use super::{
    Activation, BatchNormalization, Concatenate, Conv2D, Dense, Dropout, Embedding, Flatten,
    GlobalPooling2D, Input, LeakyReLU, Merge, Permute, Pooling2D, ReLU, Reshape, Softmax,
    ZeroPadding2D,
};
use crate::activations;
use crate::layer::{Layer, LayerCore, Regularizer};
use ferroflow_core::initializers::Initializer;
use ferroflow_core::{Error, Result};
use serde_json::{json, Map, Value};

/// The op name errors of this module carry.
const OP: &str = "layers.deserialize";

/// The config every layer shares (`name`, `trainable`, `dtype`) followed by
/// the layer's own `fields` (a JSON object), and the activity regularizer
/// when the layer has one.
pub(crate) fn layer_config(core: &LayerCore, fields: Value) -> Value {
    let mut config = Map::new();
    config.insert("name".into(), json!(core.name()));
    config.insert("trainable".into(), json!(core.trainable()));
    config.insert("dtype".into(), json!("float32"));
    if let Value::Object(fields) = fields {
        config.extend(fields);
    }
    if let Some(r) = core.activity_regularizer() {
        config.insert("activity_regularizer".into(), regularizer_config(Some(r)));
    }
    Value::Object(config)
}

/// The config of an `InputLayer` named `name` of `batch_shape`, in
/// tf-keras's layout (Keras 3 reads it too).
pub(crate) fn input_layer_config(name: &str, batch_shape: &[Option<usize>]) -> Value {
    json!({
        "batch_input_shape": batch_shape,
        "dtype": "float32",
        "sparse": false,
        "ragged": false,
        "name": name,
    })
}

/// A regularizer as Keras serializes it: `{"class_name": "L2", "config": {"l2": 0.01}}`.
pub(crate) fn regularizer_config(r: Option<Regularizer>) -> Value {
    let Some(r) = r else {
        return Value::Null;
    };
    let (class_name, config) = match (r.l1 != 0.0, r.l2 != 0.0) {
        (true, false) => ("L1", json!({ "l1": r.l1 })),
        (false, true) => ("L2", json!({ "l2": r.l2 })),
        _ => ("L1L2", json!({ "l1": r.l1, "l2": r.l2 })),
    };
    json!({ "module": "keras.regularizers", "class_name": class_name, "config": config, "registered_name": null })
}

/// The shared fields of a layer with a kernel and an optional bias
/// (`Dense` and the convolutions); `kernel` names the kernel's keys
/// (`kernel`, or `depthwise` for `depthwise_initializer`).
pub(crate) fn kernel_fields(
    kernel: &str,
    activation: &str,
    use_bias: bool,
    kernel_initializer: &Initializer,
    bias_initializer: &Initializer,
    kernel_regularizer: Option<Regularizer>,
    bias_regularizer: Option<Regularizer>,
) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("activation".into(), json!(activation));
    map.insert("use_bias".into(), json!(use_bias));
    map.insert(
        format!("{kernel}_initializer"),
        kernel_initializer.get_config(),
    );
    map.insert("bias_initializer".into(), bias_initializer.get_config());
    map.insert(
        format!("{kernel}_regularizer"),
        regularizer_config(kernel_regularizer),
    );
    map.insert(
        "bias_regularizer".into(),
        regularizer_config(bias_regularizer),
    );
    for key in [
        "activity_regularizer".to_string(),
        format!("{kernel}_constraint"),
        "bias_constraint".to_string(),
    ] {
        map.insert(key, Value::Null);
    }
    map
}

/// `{"module": "keras.layers", "class_name": ..., "config": ...}`: a layer
/// as `tf.keras.layers.serialize` writes it.
///
/// ```
/// use ferroflow_keras::layers::{self, Dense};
/// let config = layers::serialize(&Dense::new(3).name("out")).unwrap();
/// assert_eq!(config["class_name"], "Dense");
/// assert_eq!(config["config"]["units"], 3);
/// ```
pub fn serialize(layer: &dyn Layer) -> Result<Value> {
    Ok(json!({
        "module": "keras.layers",
        "class_name": layer.class_name(),
        "config": layer.get_config()?,
        "registered_name": null,
    }))
}

/// Rebuilds a layer from `{"class_name": ..., "config": {...}}`, as
/// `tf.keras.layers.deserialize` does: every layer of ours, from configs
/// written here, by tf-keras 2.x or by Keras 3. The layer keeps its name
/// and `trainable` flag and is built later from its input shape. An
/// unknown class name, a missing or mistyped field, or a setting we do not
/// support (constraints, `channels_first`, …) is an error naming it.
///
/// ```
/// use ferroflow_keras::layers::{self, Dense};
/// use ferroflow_keras::Layer;
/// let config = layers::serialize(&Dense::new(3).activation("relu")).unwrap();
/// let mut dense = layers::deserialize(&config).unwrap();
/// dense.build_once(&[None, Some(4)]).unwrap();
/// assert_eq!(dense.count_params(), 15);
/// let bad = serde_json::json!({"class_name": "Dense2", "config": {}});
/// let message = layers::deserialize(&bad).err().unwrap().to_string();
/// assert!(message.contains("Unknown layer: 'Dense2'"));
/// ```
pub fn deserialize(value: &Value) -> Result<Box<dyn Layer>> {
    let class = value
        .get("class_name")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid(OP, format!("expected a \"class_name\" in {value}")))?;
    let empty = Map::new();
    let config = match value.get("config") {
        None => &empty,
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(Error::invalid(
                OP,
                format!("{class}: \"config\" must be an object, got {other}"),
            ))
        }
    };
    let f = Fields { class, config };
    f.check_dtype()?;
    let mut layer = build(&f)?;
    let core = layer.core_mut();
    if let Some(name) = f.opt_str("name")? {
        core.set_name(name);
    }
    core.set_trainable(f.bool_or("trainable", true)?);
    core.set_activity_regularizer(f.regularizer("activity_regularizer")?);
    Ok(layer)
}

/// A layer built with `kernel_builders!` (`Dense`, the convolutions) with
/// the kernel fields of config `f`; `kernel` is the prefix of the kernel's
/// keys (`kernel`, or `depthwise` for `depthwise_initializer`).
macro_rules! with_kernel {
    ($layer:expr, $f:expr, $kernel:expr) => {{
        let (f, kernel) = ($f, $kernel);
        f.unsupported(&[&format!("{kernel}_constraint"), "bias_constraint"])?;
        let glorot = Initializer::glorot_uniform(None);
        let mut layer = $layer
            .activation(&f.activation()?)
            .use_bias(f.bool_or("use_bias", true)?)
            .kernel_initializer(f.initializer(&format!("{kernel}_initializer"), glorot)?)
            .bias_initializer(f.initializer("bias_initializer", Initializer::Zeros)?);
        if let Some(r) = f.regularizer(&format!("{kernel}_regularizer"))? {
            layer = layer.kernel_regularizer(r);
        }
        if let Some(r) = f.regularizer("bias_regularizer")? {
            layer = layer.bias_regularizer(r);
        }
        Box::new(layer)
    }};
}

/// The layer of class `f.class` from its fields, before its name and
/// `trainable` are applied.
fn build(f: &Fields) -> Result<Box<dyn Layer>> {
    Ok(match f.class {
        "InputLayer" => {
            let shape = f.batch_shape()?;
            Box::new(Input::new(shape.get(1..).unwrap_or_default()))
        }
        "Dense" => with_kernel!(Dense::new(f.usize("units")?), f, "kernel"),
        "Conv2D" | "Conv2DTranspose" => {
            f.require("groups", &json!(1))?;
            f.require("output_padding", &Value::Null)?;
            let filters = f.usize("filters")?;
            let size = f.pair("kernel_size", None)?;
            let conv = match f.class {
                "Conv2D" => Conv2D::new(filters, size),
                _ => Conv2D::transpose(filters, size),
            };
            with_kernel!(f.window(conv)?, f, "kernel")
        }
        "DepthwiseConv2D" => {
            let conv = Conv2D::depthwise(
                f.pair("kernel_size", None)?,
                f.usize_or("depth_multiplier", 1)?,
            );
            with_kernel!(f.window(conv)?, f, "depthwise")
        }
        "MaxPooling2D" | "AveragePooling2D" => {
            f.channels_last()?;
            let size = f.pair("pool_size", Some([2, 2]))?;
            let pool = match f.class {
                "MaxPooling2D" => Pooling2D::max(size),
                _ => Pooling2D::average(size),
            };
            Box::new(
                pool.strides(f.pair("strides", Some(size))?)
                    .padding(&f.padding()?),
            )
        }
        "GlobalAveragePooling2D" | "GlobalMaxPooling2D" => {
            f.channels_last()?;
            f.require("keepdims", &json!(false))?;
            Box::new(match f.class {
                "GlobalMaxPooling2D" => GlobalPooling2D::max(),
                _ => GlobalPooling2D::average(),
            })
        }
        "ZeroPadding2D" => {
            f.channels_last()?;
            Box::new(ZeroPadding2D::new(f.zero_padding()?))
        }
        "BatchNormalization" => {
            f.last_axis("axis")?;
            for (key, default) in [
                ("center", json!(true)),
                ("scale", json!(true)),
                ("renorm", json!(false)),
                ("synchronized", json!(false)),
            ] {
                f.require(key, &default)?;
            }
            for (key, init) in [
                ("beta_initializer", Initializer::Zeros),
                ("gamma_initializer", Initializer::Ones),
                ("moving_mean_initializer", Initializer::Zeros),
                ("moving_variance_initializer", Initializer::Ones),
            ] {
                f.require_initializer(key, &init)?;
            }
            f.unsupported(&[
                "beta_regularizer",
                "gamma_regularizer",
                "beta_constraint",
                "gamma_constraint",
            ])?;
            Box::new(
                BatchNormalization::new()
                    .momentum(f.f64_or("momentum", 0.99)?)
                    .epsilon(f.f64_or("epsilon", 1e-3)?),
            )
        }
        "Dropout" => {
            f.unsupported(&["noise_shape"])?;
            let dropout = Dropout::new(f.f64("rate")?);
            Box::new(match f.opt_i64("seed")? {
                Some(seed) => dropout.seed(seed),
                None => dropout,
            })
        }
        "Flatten" => {
            f.channels_last()?;
            Box::new(Flatten::new())
        }
        "Reshape" => Box::new(Reshape::new(&f.ints("target_shape")?)),
        "Permute" => {
            let dims = f.ints("dims")?;
            let dims = dims
                .iter()
                .map(|&d| usize::try_from(d).map_err(|_| f.bad("dims", "positive axes", &json!(dims))))
                .collect::<Result<Vec<_>>>()?;
            Box::new(Permute::new(&dims))
        }
        "Activation" => Box::new(Activation::new(&f.activation()?)),
        "ReLU" => {
            f.require("max_value", &Value::Null)?;
            f.require("negative_slope", &json!(0.0))?;
            f.require("threshold", &json!(0.0))?;
            Box::new(ReLU::new())
        }
        "LeakyReLU" => {
            let alpha = match f.get("negative_slope") {
                Some(_) => f.f64("negative_slope")?,
                None => f.f64_or("alpha", 0.3)?,
            };
            Box::new(LeakyReLU::new(alpha))
        }
        "Softmax" => {
            f.require("axis", &json!(-1))?;
            Box::new(Softmax::new())
        }
        "Embedding" => {
            f.require_initializer("embeddings_initializer", &table_initializer())?;
            f.require("mask_zero", &json!(false))?;
            f.unsupported(&["embeddings_regularizer", "embeddings_constraint"])?;
            Box::new(Embedding::new(
                f.usize("input_dim")?,
                f.usize("output_dim")?,
            ))
        }
        "Add" => Box::new(Merge::add()),
        "Multiply" => Box::new(Merge::multiply()),
        "Concatenate" => Box::new(Concatenate::new(f.i64_or("axis", -1)?)),
        "Lambda" => {
            return Err(Error::invalid(
                OP,
                "Lambda: a Lambda layer wraps a Rust closure, which cannot be deserialized; rebuild it in code (Keras likewise needs `custom_objects` for it)",
            ))
        }
        other => {
            return Err(Error::invalid(
                OP,
                format!("Unknown layer: '{other}'. Please ensure you are using a layer ferroflow provides."),
            ))
        }
    })
}

/// A layer's config fields with typed getters whose errors name the class
/// and the field.
struct Fields<'a> {
    class: &'a str,
    config: &'a Map<String, Value>,
}

impl Fields<'_> {
    /// Field `key` unless missing or null.
    fn get(&self, key: &str) -> Option<&Value> {
        self.config.get(key).filter(|v| !v.is_null())
    }

    fn bad(&self, key: &str, expected: &str, got: &Value) -> Error {
        Error::invalid(
            OP,
            format!("{}: `{key}` must be {expected}, got {got}", self.class),
        )
    }

    fn missing(&self, key: &str) -> Error {
        Error::invalid(
            OP,
            format!(
                "{}: the config lacks the required field `{key}`",
                self.class
            ),
        )
    }

    fn typed<T>(
        &self,
        key: &str,
        expected: &str,
        read: impl Fn(&Value) -> Option<T>,
    ) -> Result<Option<T>> {
        self.get(key)
            .map(|v| read(v).ok_or_else(|| self.bad(key, expected, v)))
            .transpose()
    }

    fn usize(&self, key: &str) -> Result<usize> {
        self.usize_opt(key)?.ok_or_else(|| self.missing(key))
    }

    fn usize_opt(&self, key: &str) -> Result<Option<usize>> {
        self.typed(key, "a non-negative integer", |v| {
            v.as_u64().and_then(|n| usize::try_from(n).ok())
        })
    }

    fn usize_or(&self, key: &str, default: usize) -> Result<usize> {
        Ok(self.usize_opt(key)?.unwrap_or(default))
    }

    fn opt_i64(&self, key: &str) -> Result<Option<i64>> {
        self.typed(key, "an integer", Value::as_i64)
    }

    fn i64_or(&self, key: &str, default: i64) -> Result<i64> {
        Ok(self.opt_i64(key)?.unwrap_or(default))
    }

    fn f64(&self, key: &str) -> Result<f64> {
        self.typed(key, "a number", Value::as_f64)?
            .ok_or_else(|| self.missing(key))
    }

    fn f64_or(&self, key: &str, default: f64) -> Result<f64> {
        Ok(self
            .typed(key, "a number", Value::as_f64)?
            .unwrap_or(default))
    }

    fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        Ok(self
            .typed(key, "true or false", Value::as_bool)?
            .unwrap_or(default))
    }

    fn opt_str(&self, key: &str) -> Result<Option<&str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.bad(key, "a string", v)),
        }
    }

    fn ints(&self, key: &str) -> Result<Vec<i64>> {
        self.typed(key, "a list of integers", |v| {
            v.as_array()?.iter().map(Value::as_i64).collect()
        })?
        .ok_or_else(|| self.missing(key))
    }

    /// A batch-first shape, `null` for an unknown dim.
    fn shape(&self, key: &str) -> Result<Vec<Option<usize>>> {
        self.typed(key, "a shape (a list of integers or nulls)", shape_of)?
            .ok_or_else(|| self.missing(key))
    }

    /// An `InputLayer`'s batch shape: tf-keras writes `batch_input_shape`,
    /// Keras 3 `batch_shape`.
    fn batch_shape(&self) -> Result<Vec<Option<usize>>> {
        match self.get("batch_input_shape") {
            Some(_) => self.shape("batch_input_shape"),
            None => self.shape("batch_shape"),
        }
    }

    /// An int `n` (meaning `[n, n]`) or a list of two; `default` when missing.
    fn pair(&self, key: &str, default: Option<[usize; 2]>) -> Result<[usize; 2]> {
        let read = |v: &Value| match v {
            Value::Array(a) => match a.as_slice() {
                [h, w] => Some([h.as_u64()? as usize, w.as_u64()? as usize]),
                _ => None,
            },
            v => v.as_u64().map(|n| [n as usize; 2]),
        };
        self.typed(key, "an integer or a list of 2 integers", read)?
            .or(default)
            .ok_or_else(|| self.missing(key))
    }

    /// `ZeroPadding2D`'s padding: `n`, `[h, w]` or `[[top, bottom], [left, right]]`.
    fn zero_padding(&self) -> Result<[(usize, usize); 2]> {
        let side = |v: &Value| match v {
            Value::Array(a) => match a.as_slice() {
                [x, y] => Some((x.as_u64()? as usize, y.as_u64()? as usize)),
                _ => None,
            },
            v => v.as_u64().map(|n| (n as usize, n as usize)),
        };
        let read = |v: &Value| match v {
            Value::Array(a) => match a.as_slice() {
                [h, w] => Some([side(h)?, side(w)?]),
                _ => None,
            },
            v => v.as_u64().map(|n| [(n as usize, n as usize); 2]),
        };
        Ok(self
            .typed(
                "padding",
                "an integer, 2 integers or 2 pairs of integers",
                read,
            )?
            .unwrap_or([(1, 1); 2]))
    }

    /// The activation's name, checked.
    fn activation(&self) -> Result<String> {
        let name = self.opt_str("activation")?.unwrap_or("linear");
        activations::Activation::get(name)
            .map_err(|_| self.bad("activation", "a known activation name", &json!(name)))?;
        Ok(name.to_string())
    }

    /// `"valid"` or `"same"`.
    fn padding(&self) -> Result<String> {
        match self.opt_str("padding")?.unwrap_or("valid") {
            p @ ("valid" | "same") => Ok(p.to_string()),
            other => Err(self.bad("padding", "\"valid\" or \"same\"", &json!(other))),
        }
    }

    /// The strides, padding and NHWC checks of a convolution.
    fn window(&self, conv: Conv2D) -> Result<Conv2D> {
        self.channels_last()?;
        self.require("dilation_rate", &json!([1, 1]))?;
        Ok(conv
            .strides(self.pair("strides", Some([1, 1]))?)
            .padding(&self.padding()?))
    }

    fn initializer(&self, key: &str, default: Initializer) -> Result<Initializer> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => Initializer::from_config(v)
                .map_err(|e| Error::invalid(OP, format!("{}: `{key}`: {e}", self.class))),
        }
    }

    /// Checks that initializer `key` is `expected`, the only one the layer has.
    fn require_initializer(&self, key: &str, expected: &Initializer) -> Result<()> {
        let init = self.initializer(key, expected.clone())?;
        let same_but_seed = match (&init, expected) {
            (
                Initializer::RandomUniform { minval, maxval, .. },
                Initializer::RandomUniform {
                    minval: a,
                    maxval: b,
                    ..
                },
            ) => (minval, maxval) == (a, b),
            (init, expected) => init == expected,
        };
        if !same_but_seed {
            return Err(self.bad(
                key,
                &expected.get_config()["class_name"].to_string(),
                &init.get_config(),
            ));
        }
        Ok(())
    }

    fn regularizer(&self, key: &str) -> Result<Option<Regularizer>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let expected = "an L1, L2 or L1L2 regularizer";
        let (class, config) = match v {
            Value::String(s) => (s.as_str(), &Value::Null),
            v => (
                v.get("class_name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| self.bad(key, expected, v))?,
                v.get("config").unwrap_or(&Value::Null),
            ),
        };
        let factor =
            |name: &str, default: f64| config.get(name).and_then(Value::as_f64).unwrap_or(default);
        Ok(Some(match class {
            "L1" | "l1" => Regularizer::l1(factor("l1", 0.01)),
            "L2" | "l2" => Regularizer::l2(factor("l2", 0.01)),
            "L1L2" | "l1_l2" => Regularizer::l1_l2(factor("l1", 0.0), factor("l2", 0.0)),
            _ => return Err(self.bad(key, expected, v)),
        }))
    }

    /// Checks that `key` is missing, null or `expected` (numbers compare by value).
    fn require(&self, key: &str, expected: &Value) -> Result<()> {
        match self.get(key) {
            None => Ok(()),
            Some(v) if same_value(v, expected) => Ok(()),
            Some(v) => Err(Error::invalid(
                OP,
                format!(
                    "{}: `{key}`={v} is not supported; ferroflow supports {expected}",
                    self.class
                ),
            )),
        }
    }

    /// Checks that each of `keys` is missing or null.
    fn unsupported(&self, keys: &[&str]) -> Result<()> {
        keys.iter()
            .try_for_each(|key| self.require(key, &Value::Null))
    }

    /// Checks `data_format` is `channels_last` (NHWC), the layout of our layers.
    fn channels_last(&self) -> Result<()> {
        self.require("data_format", &json!("channels_last"))
    }

    /// Checks that `key` names one axis (an int, or a list of one int, as
    /// tf-keras writes `BatchNormalization`'s); it is taken as the last.
    fn last_axis(&self, key: &str) -> Result<()> {
        let one = |v: &Value| match v {
            Value::Array(a) if a.len() == 1 => a[0].as_i64(),
            v => v.as_i64(),
        };
        self.typed(key, "one axis (the last one)", one).map(|_| ())
    }

    /// Checks that the layer computes in float32 (`"float32"`, or Keras 3's
    /// `DTypePolicy` named `float32`).
    fn check_dtype(&self) -> Result<()> {
        let Some(v) = self.get("dtype") else {
            return Ok(());
        };
        let name = v
            .as_str()
            .or_else(|| v.get("config")?.get("name")?.as_str());
        match name {
            Some("float32") => Ok(()),
            _ if self.class == "InputLayer" => Ok(()),
            _ => Err(self.bad(
                "dtype",
                "\"float32\" (the dtype ferroflow's layers compute in)",
                v,
            )),
        }
    }
}

/// The batch shape of a serialized `InputLayer`
/// (`{"class_name": "InputLayer", "config": {"batch_input_shape": ...}}`).
pub(crate) fn input_batch_shape(layer: &Value) -> Result<Vec<Option<usize>>> {
    let empty = Map::new();
    let config = layer.get("config").and_then(Value::as_object);
    Fields {
        class: "InputLayer",
        config: config.unwrap_or(&empty),
    }
    .batch_shape()
}

/// `[null, 28, 28]` as a shape.
pub(crate) fn shape_of(v: &Value) -> Option<Vec<Option<usize>>> {
    v.as_array()?
        .iter()
        .map(|d| match d {
            Value::Null => Some(None),
            d => d.as_u64().map(|n| Some(n as usize)),
        })
        .collect()
}

/// JSON equality with numbers compared as `f64` (`0` equals `0.0`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (a, b) => a == b,
    }
}

/// [`kernel_fields`] of a layer built with `kernel_builders!`.
macro_rules! kernel_config {
    ($layer:expr, $kernel:expr) => {
        $crate::layers::config::kernel_fields(
            $kernel,
            &$layer.activation,
            $layer.use_bias,
            &$layer.kernel_initializer,
            &$layer.bias_initializer,
            $layer.kernel_regularizer,
            $layer.bias_regularizer,
        )
    };
}
pub(crate) use kernel_config;
