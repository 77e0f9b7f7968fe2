//! Model configs as JSON: `model.to_json()` / `model_from_json` against
//! Keras 3's and tf-keras's own JSON (fixtures from
//! `tools/make_keras_config_fixtures.py`), layer config round trips, and
//! the errors of configs we cannot rebuild.
//!
//! With `FERROFLOW_KERAS_CONFIG_DIR=DIR`, the JSON of the Rust-built models
//! is written into DIR for `make_keras_config_fixtures.py --check DIR`.

use ferroflow_core::initializers::Initializer;
use ferroflow_core::prelude::*;
use ferroflow_keras::layers::{
    self, Activation, BatchNormalization, Concatenate, Conv2D, Dense, Dropout, Embedding, Flatten,
    GlobalPooling2D, Input, Lambda, LeakyReLU, Merge, Permute, Pooling2D, ReLU, Reshape, Softmax,
    ZeroPadding2D,
};
use ferroflow_keras::losses::SparseCategoricalCrossentropy;
use ferroflow_keras::models::{load_model, model_from_json, save_model};
use ferroflow_keras::saving::CONFIG_FILE;
use ferroflow_keras::{metrics, optimizers};
use ferroflow_keras::{Compiled, FitOptions, Functional, Layer, Model, Regularizer, Sequential};
use serde_json::{json, Value};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras_config")
}

fn read_json(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// `layer` named `name`, boxed.
fn named(mut layer: impl Layer + 'static, name: &str) -> Box<dyn Layer> {
    layer.core_mut().set_name(name);
    Box::new(layer)
}

/// The fixture script's `mlp`.
fn mlp() -> Sequential {
    let mut model = Sequential::new(vec![
        named(Flatten::new(), "flatten"),
        named(
            Dense::new(300)
                .activation("relu")
                .kernel_regularizer(Regularizer::l2(0.01)),
            "hidden",
        ),
        named(Dense::new(10).activation("softmax"), "out"),
    ]);
    model.set_name("mlp");
    model.build(&[None, Some(28), Some(28)]).unwrap();
    model
}

/// The fixture script's `cnn`, the seeds' CNN.
fn cnn() -> Sequential {
    let conv = |filters| {
        Conv2D::new(filters, [5, 5])
            .padding("same")
            .activation("relu")
    };
    let mut model = Sequential::new(vec![
        named(conv(32), "conv1"),
        named(Pooling2D::max([2, 2]), "pool1"),
        named(conv(64), "conv2"),
        named(Pooling2D::max([2, 2]), "pool2"),
        named(Flatten::new(), "flatten"),
        named(Dense::new(1024).activation("relu"), "fc"),
        named(Dropout::new(0.4), "dropout"),
        named(Dense::new(10), "logits"),
    ]);
    model.set_name("cnn");
    model.build(&[None, Some(28), Some(28), Some(1)]).unwrap();
    model
}

/// The fixture script's `residual`, a functional model with two inputs.
fn residual() -> Functional {
    let mut m = Functional::new();
    m.set_name("residual");
    let image = m.named_input(&[Some(8), Some(8), Some(3)], "image");
    let stem = Conv2D::new(8, [3, 3]).padding("same").use_bias(false);
    let x = m.apply(named(stem, "stem"), &[&image]).unwrap();
    let x = m
        .apply(named(BatchNormalization::new(), "bn"), &[&x])
        .unwrap();
    let x = m.apply(named(ReLU::new(), "relu"), &[&x]).unwrap();
    let branch = Conv2D::new(8, [3, 3])
        .padding("same")
        .activation("relu")
        .kernel_initializer(Initializer::he_normal(None));
    let h = m.apply(named(branch, "branch"), &[&x]).unwrap();
    let x = m.apply(named(Merge::add(), "add"), &[&x, &h]).unwrap();
    let pad = ZeroPadding2D::new([(1, 1), (1, 1)]);
    let x = m.apply(named(pad, "pad"), &[&x]).unwrap();
    let x = m
        .apply(named(Pooling2D::average([2, 2]), "avg"), &[&x])
        .unwrap();
    let x = m
        .apply(named(GlobalPooling2D::average(), "gap"), &[&x])
        .unwrap();
    let extra = m.named_input(&[Some(4)], "extra");
    let x = m
        .apply(named(Concatenate::new(-1), "concat"), &[&x, &extra])
        .unwrap();
    let x = m
        .apply(named(Dropout::new(0.25).seed(7), "drop"), &[&x])
        .unwrap();
    let probs = Dense::new(3)
        .activation("softmax")
        .kernel_initializer(Initializer::he_normal(None));
    let y = m.apply(named(probs, "probs"), &[&x]).unwrap();
    m.set_outputs(&[&y]).unwrap();
    m
}

/// The three models built in Rust, by the fixture script's names.
fn rust_models() -> Vec<(&'static str, Box<dyn Model>)> {
    vec![
        ("mlp", Box::new(mlp())),
        ("cnn", Box::new(cnn())),
        ("residual", Box::new(residual())),
    ]
}

/// The layers as the fixture script describes them.
fn describe(model: &dyn Model) -> Value {
    let layers: Vec<Value> = model
        .layers()
        .iter()
        .map(|l| {
            json!({
                "class_name": l.class_name(),
                "name": l.core().name(),
                "output_shape": l.core().output_shape(),
                "params": l.count_params(),
            })
        })
        .collect();
    json!({ "name": model.name(), "layers": layers, "params": model.count_params() })
}

#[test]
fn keras_json_rebuilds_with_keras_layers_shapes_and_counts() {
    let expected = read_json(fixtures().join("expected.json"));
    for flavor in ["keras3", "tf_keras"] {
        for name in ["mlp", "cnn", "residual"] {
            let path = fixtures().join(flavor).join(format!("{name}.json"));
            let text = std::fs::read_to_string(&path).unwrap();
            let model = model_from_json(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(describe(model.as_ref()), expected[name], "{flavor} {name}");
        }
    }
}

#[test]
fn rust_models_describe_as_keras_does_and_round_trip() {
    let expected = read_json(fixtures().join("expected.json"));
    let out = std::env::var_os("FERROFLOW_KERAS_CONFIG_DIR").map(PathBuf::from);
    for (name, model) in rust_models() {
        assert_eq!(describe(model.as_ref()), expected[name], "{name}");
        let text = model.to_json().unwrap();
        let copy = model_from_json(&text).unwrap();
        assert_eq!(describe(copy.as_ref()), expected[name], "{name} reloaded");
        assert_eq!(
            copy.to_json().unwrap(),
            text,
            "{name}: to_json after model_from_json"
        );
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{name}.json")), &text).unwrap();
        }
    }
}

/// Checks that every field of `ours` is in `theirs` with the same value
/// (numbers to float32 precision, as tf-keras writes them).
fn assert_within(ours: &Value, theirs: &Value, path: &str) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let other = b
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}.{key}: not in tf-keras's JSON"));
                assert_within(value, other, &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: {ours} vs {theirs}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_within(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-7 * x.abs().max(1.0),
                "{path}: {x} vs {y}"
            );
        }
        _ => assert_eq!(ours, theirs, "{path}"),
    }
}

#[test]
fn to_json_writes_tf_keras_layout() {
    for (name, model) in rust_models() {
        let mut ours = model.serialize().unwrap();
        let theirs = read_json(fixtures().join("tf_keras").join(format!("{name}.json")));
        // A Sequential's implicit InputLayer is named after its first layer here.
        if ours["class_name"] == "Sequential" {
            let input = &mut ours["config"]["layers"][0]["config"];
            input.as_object_mut().unwrap().remove("name");
        }
        // tf-keras writes BatchNormalization's axis resolved (`[3]`), which
        // Keras 3 cannot read; ours is -1, as Keras 3 and unbuilt tf-keras write.
        for layer in ours["config"]["layers"].as_array_mut().unwrap() {
            if layer["class_name"] == "BatchNormalization" {
                assert_eq!(layer["config"]["axis"], -1);
                layer["config"].as_object_mut().unwrap().remove("axis");
            }
        }
        assert_within(&ours["config"], &theirs["config"], name);
        assert_eq!(ours["class_name"], theirs["class_name"], "{name}");
    }
}

#[test]
fn functional_from_config_keeps_input_order_and_computes() {
    let model =
        model_from_json(&read_json(fixtures().join("keras3/residual.json")).to_string()).unwrap();
    let names: Vec<&str> = model.layers().iter().map(|l| l.core().name()).collect();
    assert_eq!(&names[..3], ["image", "stem", "bn"]);
    let json = model.serialize().unwrap();
    assert_eq!(
        json["config"]["input_layers"],
        json!([["image", 0, 0], ["extra", 0, 0]])
    );
    let mut copy = Functional::from_config(&json["config"]).unwrap();
    let image = Tensor::from_vec(vec![0.5f32; 2 * 8 * 8 * 3], [2, 8, 8, 3]).unwrap();
    let extra = Tensor::from_vec(vec![1.0f32; 8], [2, 4]).unwrap();
    let out = copy.call_multi(&[&image, &extra], false).unwrap();
    assert_eq!(out[0].dims(), &[2, 3]);
    let sums: Vec<f32> = out[0]
        .to_vec::<f32>()
        .unwrap()
        .chunks(3)
        .map(|r| r.iter().sum())
        .collect();
    assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5), "{sums:?}");
    let wrong = copy.call_multi(&[&extra, &image], false);
    assert!(wrong.is_err(), "inputs are taken in input_layers order");
}

#[test]
fn a_leading_input_layer_is_written_once() {
    let mut model = Sequential::new(vec![
        named(Input::new(&[Some(3)]), "x"),
        Box::new(Dense::new(2)),
    ]);
    model.build(&[None, Some(3)]).unwrap();
    let config = model.get_config().unwrap();
    let classes: Vec<&str> = config["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["class_name"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["InputLayer", "Dense"]);
    assert_eq!(config["layers"][0]["config"]["name"], "x");
    let copy = model_from_json(&model.to_json().unwrap()).unwrap();
    assert_eq!(copy.count_params(), 8);
}

/// Layers with settings away from the defaults.
fn varied_layers() -> Vec<Box<dyn Layer>> {
    vec![
        Box::new(
            Dense::new(7)
                .activation("tanh")
                .use_bias(false)
                .kernel_initializer(Initializer::RandomNormal {
                    mean: 0.5,
                    stddev: 2.0,
                    seed: Some(3),
                })
                .kernel_regularizer(Regularizer::l1(0.5)),
        ),
        Box::new(
            Conv2D::new(4, [3, 2])
                .strides([2, 1])
                .padding("same")
                .activation("sigmoid")
                .bias_initializer(Initializer::Constant(0.1))
                .bias_regularizer(Regularizer::l1_l2(0.1, 0.2)),
        ),
        Box::new(
            Conv2D::depthwise([3, 3], 2).kernel_initializer(Initializer::VarianceScaling {
                scale: 0.5,
                mode: ferroflow_core::initializers::FanMode::FanOut,
                distribution: ferroflow_core::initializers::ScalingDistribution::UntruncatedNormal,
                seed: None,
            }),
        ),
        Box::new(
            Conv2D::transpose(3, [2, 2])
                .strides([2, 2])
                .kernel_initializer(Initializer::TruncatedNormal {
                    mean: 0.0,
                    stddev: 0.1,
                    seed: Some(1),
                }),
        ),
        Box::new(Pooling2D::max([3, 3]).strides([1, 1]).padding("same")),
        Box::new(Pooling2D::average([2, 2])),
        Box::new(GlobalPooling2D::max()),
        Box::new(ZeroPadding2D::new([(0, 1), (2, 3)])),
        Box::new(BatchNormalization::new().momentum(0.9).epsilon(1e-5)),
        Box::new(Dropout::new(0.3).seed(11)),
        Box::new(Flatten::new()),
        Box::new(Reshape::new(&[4, -1])),
        Box::new(Permute::new(&[2, 1])),
        Box::new(Activation::new("softplus")),
        Box::new(ReLU::new()),
        Box::new(LeakyReLU::new(0.1)),
        Box::new(Softmax::new()),
        Box::new(Embedding::new(100, 8)),
        Box::new(Merge::add()),
        Box::new(Merge::multiply()),
        Box::new(Concatenate::new(1)),
        Box::new(Input::new(&[None, Some(5)])),
    ]
}

#[test]
fn every_layer_config_round_trips() {
    for mut layer in varied_layers() {
        layer.core_mut().set_trainable(false);
        let config = layers::serialize(layer.as_ref()).unwrap();
        let copy = layers::deserialize(&config).unwrap_or_else(|e| panic!("{config}: {e}"));
        assert_eq!(copy.class_name(), layer.class_name());
        assert_eq!(copy.core().name(), layer.core().name());
        assert_eq!(layers::serialize(copy.as_ref()).unwrap(), config);
        if layer.class_name() != "InputLayer" {
            assert!(!copy.core().trainable(), "{config}");
        }
    }
}

#[test]
fn rebuilt_layers_have_the_same_weights_shapes() {
    let mut conv = Conv2D::new(4, [3, 2]).strides([2, 1]).padding("same");
    conv.build_once(&[None, Some(9), Some(9), Some(3)]).unwrap();
    let mut copy = layers::deserialize(&layers::serialize(&conv).unwrap()).unwrap();
    assert_eq!(
        copy.build_once(&[None, Some(9), Some(9), Some(3)]).unwrap(),
        vec![None, Some(5), Some(9), Some(4)]
    );
    let shapes = |l: &dyn Layer| -> Vec<(String, Vec<usize>)> {
        l.core()
            .weights()
            .iter()
            .map(|w| (w.name().to_string(), w.shape().dims().to_vec()))
            .collect()
    };
    assert_eq!(shapes(copy.as_ref()), shapes(&conv));
}

/// The error of deserializing `config`, as text.
fn layer_error(config: Value) -> String {
    match layers::deserialize(&config) {
        Ok(_) => panic!("{config} deserialized"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_layer_configs_are_errors_naming_the_field() {
    let cases = [
        (json!({"class_name": "Dense2", "config": {}}), "Dense2"),
        (
            json!({"class_name": "Dense", "config": {"units": "ten"}}),
            "units",
        ),
        (json!({"class_name": "Dense", "config": {}}), "units"),
        (
            json!({"class_name": "Dense", "config": {"units": 3, "activation": "swishy"}}),
            "activation",
        ),
        (
            json!({"class_name": "Dense", "config": {"units": 3, "kernel_constraint": {"class_name": "MaxNorm"}}}),
            "kernel_constraint",
        ),
        (
            json!({"class_name": "Dense", "config": {"units": 3, "kernel_initializer": {"class_name": "Identity", "config": {}}}}),
            "kernel_initializer",
        ),
        (
            json!({"class_name": "Dense", "config": {"units": 3, "dtype": "float16"}}),
            "dtype",
        ),
        (
            json!({"class_name": "Conv2D", "config": {"filters": 3, "kernel_size": 3, "data_format": "channels_first"}}),
            "data_format",
        ),
        (
            json!({"class_name": "Conv2D", "config": {"filters": 3, "kernel_size": [3, 3, 3]}}),
            "kernel_size",
        ),
        (
            json!({"class_name": "MaxPooling2D", "config": {"padding": "full"}}),
            "padding",
        ),
        (
            json!({"class_name": "Dropout", "config": {"rate": 0.5, "noise_shape": [null, 1]}}),
            "noise_shape",
        ),
        (
            json!({"class_name": "Lambda", "config": {}}),
            "custom_objects",
        ),
        (json!({"config": {}}), "class_name"),
    ];
    for (config, needle) in cases {
        let message = layer_error(config.clone());
        assert!(message.contains(needle), "{config}: {message}");
    }
}

#[test]
fn closures_and_custom_models_cannot_be_serialized() {
    let lambda = Lambda::new(|x: &Tensor| Ok(x.clone()));
    let message = layers::serialize(&lambda).unwrap_err().to_string();
    assert!(message.contains("closure"), "{message}");
    let mut model = Sequential::new(vec![Box::new(Dense::new(2)), Box::new(lambda)]);
    model.build(&[None, Some(3)]).unwrap();
    assert!(model.to_json().unwrap_err().to_string().contains("lambda"));

    struct Custom(Option<ferroflow_keras::Compiled>);
    impl Model for Custom {
        fn call(&mut self, x: &Tensor, _: bool) -> ferroflow_core::Result<Tensor> {
            Ok(x.clone())
        }
        fn layers(&self) -> Vec<&dyn Layer> {
            Vec::new()
        }
        fn name(&self) -> &str {
            "custom"
        }
        fn compiled(&mut self) -> &mut Option<ferroflow_keras::Compiled> {
            &mut self.0
        }
    }
    let message = Custom(None).to_json().unwrap_err().to_string();
    assert!(message.contains("custom model"), "{message}");
}

#[test]
fn bad_model_json_is_an_error() {
    let message = |text: &str| match model_from_json(text) {
        Ok(_) => panic!("{text} loaded"),
        Err(e) => e.to_string(),
    };
    assert!(message("{").contains("invalid JSON"));
    assert!(message(r#"{"class_name": "MyModel", "config": {}}"#).contains("MyModel"));
    assert!(message(r#"{"class_name": "Sequential", "config": {}}"#).contains("layers"));
    let dangling = json!({"class_name": "Functional", "config": {
        "name": "m",
        "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 2], "name": "x"}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"units": 2, "name": "d"}, "inbound_nodes": [[["nowhere", 0, 0, {}]]]}
        ],
        "input_layers": [["x", 0, 0]],
        "output_layers": [["d", 0, 0]]
    }});
    assert!(message(&dangling.to_string()).contains("'d'"));
}

/// A fresh directory under the system's temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_model_config_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A small functional classifier with batch norm (non-trainable moving
/// statistics) and a residual add, trained a few steps on a toy problem.
fn trained_model() -> (Functional, Tensor, Tensor) {
    let mut m = Functional::new();
    let x = m.input(&[Some(6)]);
    let h = m
        .apply(Box::new(Dense::new(6).activation("relu")), &[&x])
        .unwrap();
    let h = m
        .apply(Box::new(BatchNormalization::new().momentum(0.5)), &[&h])
        .unwrap();
    let h = m.apply(Box::new(Merge::add()), &[&x, &h]).unwrap();
    let y = m.apply(Box::new(Dense::new(3)), &[&h]).unwrap();
    m.set_outputs(&[&y]).unwrap();
    m.compile(Compiled::new(
        optimizers::get("adam").unwrap(),
        Box::new(SparseCategoricalCrossentropy::from_logits(true)),
        vec![metrics::get("accuracy", "sparse_categorical_crossentropy").unwrap()],
    ));
    let xs: Vec<f32> = (0..60).map(|i| ((i * 7) % 11) as f32 / 5.0 - 1.0).collect();
    let x = Tensor::from_vec(xs, [10, 6]).unwrap();
    let y = Tensor::from_vec((0..10).map(|i| (i % 3) as i64).collect::<Vec<_>>(), [10]).unwrap();
    let options = FitOptions {
        epochs: 3,
        batch_size: 5,
        verbose: 0,
        ..Default::default()
    };
    m.fit(&x, &y, options).unwrap();
    (m, x, y)
}

#[test]
fn saved_model_loads_without_its_code_and_predicts_the_same() {
    let dir = temp_dir("trained");
    let (mut model, x, y) = trained_model();
    save_model(&mut model, &dir).unwrap();
    for file in [
        CONFIG_FILE,
        "weights.ckpt.index",
        "weights.ckpt.data-00000-of-00001",
        "checkpoint",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let config = read_json(dir.join(CONFIG_FILE));
    assert_eq!(config["class_name"], "Functional");
    assert_eq!(config["compile_config"]["optimizer"]["class_name"], "Adam");
    let loss = &config["compile_config"]["loss"];
    assert_eq!(loss["class_name"], "SparseCategoricalCrossentropy");
    assert_eq!(loss["config"]["from_logits"], true);
    assert_eq!(config["compile_config"]["metrics"], json!(["accuracy"]));

    let mut loaded = load_model(&dir).unwrap();
    assert_eq!(
        loaded.predict(&x, 4).unwrap(),
        model.predict(&x, 4).unwrap()
    );
    let moving: Vec<Tensor> = loaded
        .non_trainable_variables()
        .iter()
        .map(|v| v.value())
        .collect();
    let original: Vec<Tensor> = model
        .non_trainable_variables()
        .iter()
        .map(|v| v.value())
        .collect();
    assert_eq!(moving, original, "batch norm's moving statistics");
    assert!(original[0]
        .to_vec::<f32>()
        .unwrap()
        .iter()
        .any(|&m| m != 0.0));
    let (a, b) = (
        model.evaluate(&x, &y, 4).unwrap(),
        loaded.evaluate(&x, &y, 4).unwrap(),
    );
    for key in ["loss", "accuracy"] {
        assert!(
            (a.get(key).unwrap() - b.get(key).unwrap()).abs() < 1e-6,
            "{key}"
        );
    }
    if let Some(out) = std::env::var_os("FERROFLOW_KERAS_CONFIG_DIR").map(PathBuf::from) {
        save_model(&mut model, out.join("saved")).unwrap();
        let predictions = json!({
            "x": x.to_vec::<f32>().unwrap(),
            "x_shape": x.dims(),
            "y": model.predict(&x, 4).unwrap().to_vec::<f32>().unwrap(),
        });
        std::fs::write(out.join("saved_predictions.json"), predictions.to_string()).unwrap();
    }
    // The loaded model trains on.
    let options = FitOptions {
        epochs: 1,
        batch_size: 5,
        verbose: 0,
        ..Default::default()
    };
    loaded.fit(&x, &y, options).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn saving_replaces_a_saved_model_and_survives_an_interrupted_swap() {
    let dir = temp_dir("replace");
    let x = Tensor::from_vec(vec![1.0f32, -2.0, 0.5], [1, 3]).unwrap();
    let mut first = Sequential::new(vec![Box::new(Dense::new(2))]);
    first.build(&[None, Some(3)]).unwrap();
    save_model(&mut first, &dir).unwrap();
    let mut second = Sequential::new(vec![Box::new(Dense::new(2))]);
    second.build(&[None, Some(3)]).unwrap();
    save_model(&mut second, &dir).unwrap();
    let expected = second.predict(&x, 1).unwrap();
    assert_eq!(load_model(&dir).unwrap().predict(&x, 1).unwrap(), expected);
    assert!(load_model(&dir).unwrap().compiled().is_none());

    // A save that fails leaves the saved model as it was, and no temporary directory.
    let mut closure = Sequential::new(vec![Box::new(Lambda::new(|x: &Tensor| x.relu()))]);
    closure.build(&[None, Some(3)]).unwrap();
    assert!(save_model(&mut closure, &dir).is_err());
    assert_eq!(load_model(&dir).unwrap().predict(&x, 1).unwrap(), expected);
    let parent = std::fs::read_dir(dir.parent().unwrap()).unwrap();
    let stem = dir.file_name().unwrap().to_string_lossy().to_string();
    let leftovers: Vec<String> = parent
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(&stem) && n != &stem)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A save killed between moving the old model aside and moving the new one in.
    let previous = dir.with_file_name(format!(
        "{}.previous",
        dir.file_name().unwrap().to_string_lossy()
    ));
    std::fs::rename(&dir, &previous).unwrap();
    assert_eq!(load_model(&dir).unwrap().predict(&x, 1).unwrap(), expected);
    save_model(&mut first, &dir).unwrap();
    assert!(!previous.exists());
    assert_eq!(
        load_model(&dir).unwrap().predict(&x, 1).unwrap(),
        first.predict(&x, 1).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_model_leaves_other_directories_alone_and_load_names_what_is_wrong() {
    let dir = temp_dir("not_a_model");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let mut model = Sequential::new(vec![Box::new(Dense::new(2))]);
    model.build(&[None, Some(3)]).unwrap();
    let message = save_model(&mut model, &dir).unwrap_err().to_string();
    assert!(message.contains("not a saved model"), "{message}");
    assert!(dir.join("notes.txt").is_file());
    let message = match load_model(&dir) {
        Ok(_) => panic!("loaded a directory without a model"),
        Err(e) => e.to_string(),
    };
    assert!(message.contains(CONFIG_FILE), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();

    // Weights that do not fit the config are an error naming the layer.
    let saved = temp_dir("mismatch");
    save_model(&mut model, &saved).unwrap();
    let mut config = read_json(saved.join(CONFIG_FILE));
    config["config"]["layers"][1]["config"]["units"] = json!(4);
    std::fs::write(saved.join(CONFIG_FILE), config.to_string()).unwrap();
    let message = match load_model(&saved) {
        Ok(_) => panic!("loaded mismatched weights"),
        Err(e) => e.to_string(),
    };
    assert!(
        message.contains(model.layers()[0].core().name()),
        "{message}"
    );
    std::fs::remove_dir_all(&saved).unwrap();
}
