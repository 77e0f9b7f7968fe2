//! `save_weights` / `load_weights`: tf-keras's checkpoints load into the
//! same architectures here and predict what tf-keras predicted; our files
//! round-trip, carry tf-keras's keys and object graph, and mismatches are
//! errors naming the layer and weight.
//!
//! Fixtures: `python3 tools/make_keras_ckpt_fixtures.py`. With
//! `FERROFLOW_KERAS_INTEROP_DIR=DIR` set, `ferroflow_checkpoints_for_tf_keras`
//! writes our checkpoints there for `make_keras_ckpt_fixtures.py --check DIR`.

use ferroflow_core::prelude::*;
use ferroflow_io::bundle::BundleReader;
use ferroflow_io::proto::{TrackableObjectGraph, OBJECT_GRAPH_KEY};
use ferroflow_keras::layers::{BatchNormalization, Conv2D, Dense, Flatten, GlobalPooling2D, Merge};
use ferroflow_keras::{Compiled, FitOptions, Functional, Model, Sequential};
use prost::Message;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keras_ckpt");

/// The Sequential model of `make_keras_ckpt_fixtures.py`, built.
fn sequential() -> Sequential {
    let mut m = Sequential::new(vec![
        Box::new(Conv2D::new(4, [3, 3]).activation("relu")),
        Box::new(BatchNormalization::new()),
        Box::new(Flatten::new()),
        Box::new(Dense::new(5).activation("relu")),
        Box::new(Dense::new(3)),
    ]);
    m.build(&[None, Some(6), Some(6), Some(2)]).unwrap();
    m
}

/// The functional model of `make_keras_ckpt_fixtures.py`.
fn functional() -> Functional {
    let mut m = Functional::new();
    let x = m.input(&[Some(4)]);
    let h = m
        .apply(Box::new(Dense::new(3).activation("relu")), &[&x])
        .unwrap();
    let h = m.apply(Box::new(Dense::new(4)), &[&h]).unwrap();
    let h = m.apply(Box::new(Merge::add()), &[&x, &h]).unwrap();
    let h = m.apply(Box::new(BatchNormalization::new()), &[&h]).unwrap();
    let y = m.apply(Box::new(Dense::new(2)), &[&h]).unwrap();
    m.set_outputs(&[&y]).unwrap();
    m
}

/// The DepthwiseConv2D / Conv2DTranspose model of `make_keras_ckpt_fixtures.py`.
fn convolutions() -> Sequential {
    let mut m = Sequential::new(vec![
        Box::new(Conv2D::depthwise([3, 3], 2)),
        Box::new(
            Conv2D::transpose(3, [2, 2])
                .strides([2, 2])
                .activation("relu"),
        ),
        Box::new(GlobalPooling2D::average()),
        Box::new(Dense::new(2)),
    ]);
    m.build(&[None, Some(6), Some(6), Some(2)]).unwrap();
    m
}

fn expected() -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/keras_ckpt.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn tensor(v: &Value) -> Tensor {
    let dims: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let values: Vec<f32> = v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    Tensor::from_vec(values, dims).unwrap()
}

fn json(t: &Tensor) -> Value {
    serde_json::json!({"shape": t.dims(), "values": t.to_f64_vec().unwrap()})
}

fn assert_close(got: &Tensor, want: &Tensor, tol: f64) {
    assert_eq!(got.dims(), want.dims());
    for (g, w) in got
        .to_f64_vec()
        .unwrap()
        .iter()
        .zip(want.to_f64_vec().unwrap())
    {
        assert!((g - w).abs() <= tol, "{g} vs {w}");
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_saving_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Loads tf-keras's `name/weights.ckpt` into `model` and compares its
/// predictions with tf-keras's.
fn predicts_like_tf_keras<M: Model>(model: &mut M, name: &str) {
    model
        .load_weights(format!("{FIXTURES}/{name}/weights.ckpt"))
        .unwrap();
    let e = &expected()[name];
    let y = model.predict(&tensor(&e["x"]), 32).unwrap();
    assert_close(&y, &tensor(&e["y"]), 1e-5);
}

#[test]
fn tf_keras_sequential_weights_predict_the_same() {
    predicts_like_tf_keras(&mut sequential(), "seq");
}

#[test]
fn tf_keras_functional_weights_predict_the_same() {
    predicts_like_tf_keras(&mut functional(), "fn");
}

#[test]
fn tf_keras_depthwise_and_transposed_convolutions_predict_the_same() {
    predicts_like_tf_keras(&mut convolutions(), "conv");
}

#[test]
fn load_weights_accepts_the_checkpoint_directory() {
    let mut m = functional();
    m.load_weights(format!("{FIXTURES}/fn")).unwrap();
    let e = &expected()["fn"];
    assert_close(
        &m.predict(&tensor(&e["x"]), 32).unwrap(),
        &tensor(&e["y"]),
        1e-5,
    );
}

#[test]
fn saved_keys_and_object_graph_are_tf_keras_s() {
    let dir = temp_dir("keys");
    let prefix = dir.join("weights.ckpt");
    sequential().save_weights(&prefix).unwrap();
    let ours = BundleReader::open(&prefix).unwrap();
    let theirs = BundleReader::open(format!("{FIXTURES}/seq/weights.ckpt")).unwrap();
    let names = |r: &BundleReader| -> Vec<(String, Vec<usize>)> {
        r.list()
            .into_iter()
            .filter(|v| !v.name.starts_with("optimizer/"))
            .map(|v| (v.name, v.shape.dims().to_vec()))
            .collect()
    };
    assert_eq!(names(&ours), names(&theirs));
    let graph = |r: &BundleReader| {
        let t = r.get_tensor(OBJECT_GRAPH_KEY).unwrap();
        TrackableObjectGraph::decode(t.as_strings().unwrap()[0].as_slice()).unwrap()
    };
    // The root's layer children in tf-keras's order (tf-keras adds the
    // optimizer, its train functions and a self-reference "root").
    let children = |g: &TrackableObjectGraph| -> Vec<String> {
        g.nodes[0]
            .children
            .iter()
            .map(|c| c.local_name.clone())
            .filter(|n| n.starts_with("layer"))
            .collect()
    };
    assert_eq!(children(&graph(&ours)), children(&graph(&theirs)));
    let state = std::fs::read_to_string(dir.join("checkpoint")).unwrap();
    assert!(
        state.starts_with("model_checkpoint_path: \"weights.ckpt\""),
        "{state}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn weights_round_trip_between_models() {
    let dir = temp_dir("round_trip");
    let prefix = dir.join("w.ckpt");
    let a = functional();
    a.save_weights(&prefix).unwrap();
    let mut b = functional();
    b.load_weights(&prefix).unwrap();
    let values = |m: &Functional| -> Vec<Tensor> {
        let mut all = m.trainable_variables();
        all.extend(m.non_trainable_variables());
        all.iter().map(|v| v.value()).collect()
    };
    assert_eq!(values(&a), values(&b));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_save_leaves_the_previous_weights_loadable() {
    let dir = temp_dir("failed_save");
    let prefix = dir.join("w.ckpt");
    let saved = functional();
    saved.save_weights(&prefix).unwrap();
    // A directory where the bundle writer's temporary data file goes
    // (`<file>.tempstate<pid>`) makes the next save fail before any rename.
    let data = "w.ckpt.data-00000-of-00001";
    std::fs::create_dir(dir.join(format!("{data}.tempstate{}", std::process::id()))).unwrap();
    assert!(functional().save_weights(&prefix).is_err());
    let mut loaded = functional();
    loaded.load_weights(&prefix).unwrap();
    let values = |m: &Functional| -> Vec<Tensor> {
        m.trainable_variables().iter().map(|v| v.value()).collect()
    };
    assert_eq!(values(&loaded), values(&saved));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_shape_mismatch_names_the_layer_and_weight_and_changes_nothing() {
    let mut m = Sequential::new(vec![Box::new(Dense::new(5)), Box::new(Dense::new(4))]);
    m.build(&[None, Some(64)]).unwrap();
    let before: Vec<Tensor> = m.trainable_variables().iter().map(|v| v.value()).collect();
    // tf-keras's seq checkpoint: layer_with_weights-0 is a conv kernel.
    let err = m
        .load_weights(format!("{FIXTURES}/seq/weights.ckpt"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("layer 'dense") && err.contains("/kernel:0") && err.contains("[3, 3, 2, 4]"),
        "{err}"
    );
    let after: Vec<Tensor> = m.trainable_variables().iter().map(|v| v.value()).collect();
    assert_eq!(before, after);
}

#[test]
fn a_missing_or_extra_weight_is_an_error() {
    let dir = temp_dir("mismatch");
    let prefix = dir.join("w.ckpt");
    let mut small = Sequential::new(vec![Box::new(Dense::new(2))]);
    small.build(&[None, Some(3)]).unwrap();
    small.save_weights(&prefix).unwrap();
    let mut big = Sequential::new(vec![Box::new(Dense::new(2)), Box::new(Dense::new(2))]);
    big.build(&[None, Some(3)]).unwrap();
    let err = big.load_weights(&prefix).unwrap_err().to_string();
    assert!(
        err.contains("has weight 'kernel'") && err.contains("layer_with_weights-1/kernel"),
        "{err}"
    );
    big.save_weights(&prefix).unwrap();
    let err = small.load_weights(&prefix).unwrap_err().to_string();
    assert!(
        err.contains("layer_with_weights-1") && err.contains("1 layers with weights"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hdf5_paths_are_an_error() {
    let mut m = sequential();
    for path in ["w.h5", "w.weights.h5", "w.keras"] {
        let err = m.save_weights(path).unwrap_err().to_string();
        assert!(err.contains("HDF5") && err.contains(path), "{err}");
        let err = m.load_weights(path).unwrap_err().to_string();
        assert!(err.contains("HDF5") && err.contains(path), "{err}");
    }
}

#[test]
fn load_weights_needs_a_built_model() {
    let mut m = Sequential::new(vec![Box::new(Dense::new(3))]);
    let err = m
        .load_weights(format!("{FIXTURES}/seq/weights.ckpt"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("has not created its weights"), "{err}");
}

/// Writes, for `make_keras_ckpt_fixtures.py --check DIR`, checkpoints of
/// both architectures after a little training, with inputs and our
/// predictions; does nothing unless `FERROFLOW_KERAS_INTEROP_DIR` is set.
#[test]
fn ferroflow_checkpoints_for_tf_keras() {
    let Some(dir) = std::env::var_os("FERROFLOW_KERAS_INTEROP_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let e = expected();
    let mut predictions = serde_json::Map::new();
    let mut export = |name: &str, model: &mut dyn FnMut(&Tensor) -> Tensor| {
        let x = tensor(&e[name]["x"]);
        let y = model(&x);
        predictions.insert(
            name.into(),
            serde_json::json!({"x": json(&x), "y": json(&y)}),
        );
    };
    let mut seq = sequential();
    train_a_little(&mut seq, &[6, 6, 2], 3);
    seq.save_weights(dir.join("seq/weights.ckpt")).unwrap();
    export("seq", &mut |x| seq.predict(x, 32).unwrap());
    let mut func = functional();
    train_a_little(&mut func, &[4], 2);
    func.save_weights(dir.join("fn/weights.ckpt")).unwrap();
    export("fn", &mut |x| func.predict(x, 32).unwrap());
    let mut conv = convolutions();
    train_a_little(&mut conv, &[6, 6, 2], 2);
    conv.save_weights(dir.join("conv/weights.ckpt")).unwrap();
    export("conv", &mut |x| conv.predict(x, 32).unwrap());
    let text = serde_json::to_string(&Value::Object(predictions)).unwrap();
    std::fs::write(dir.join("predictions.json"), text).unwrap();
}

/// Two epochs of Adam on random data, so the weights and moving
/// statistics differ from their initial values.
fn train_a_little<M: Model>(model: &mut M, shape: &[usize], outputs: usize) {
    let mut dims = vec![16];
    dims.extend_from_slice(shape);
    let x = random_normal(&dims, 0.0, 1.0, DType::F32, Some(3)).unwrap();
    let y = random_normal(&[16, outputs], 0.0, 1.0, DType::F32, Some(4)).unwrap();
    model.compile(Compiled::from_names("adam", "mse", &[]).unwrap());
    let options = FitOptions {
        epochs: 2,
        batch_size: 4,
        verbose: 0,
        ..Default::default()
    };
    model.fit(&x, &y, options).unwrap();
}
