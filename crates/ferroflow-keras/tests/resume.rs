//! Whole-model save/load keeps the optimizer's state: training resumed
//! after `load_model` continues bit for bit as if it had never stopped,
//! and the state sits under tf-keras's checkpoint keys.

use ferroflow_core::optimizers::{
    Adadelta, Adagrad, Adam, AdamW, GradientDescent, Momentum, Optimizer, RMSProp,
};
use ferroflow_core::prelude::*;
use ferroflow_io::bundle::BundleReader;
use ferroflow_keras::callbacks::{LearningRateScheduler, ModelCheckpoint};
use ferroflow_keras::layers::{BatchNormalization, Dense};
use ferroflow_keras::losses::Huber;
use ferroflow_keras::optimizers::KerasOptimizer;
use ferroflow_keras::saving::{load_model, save_model, CONFIG_FILE, WEIGHTS_PREFIX};
use ferroflow_keras::{metrics, Compiled, FitOptions, Model, Sequential};
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_resume_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Batch `i` of a toy regression problem.
fn batch(i: usize) -> (Tensor, Tensor) {
    let xs: Vec<f32> = (0..12)
        .map(|k| (((k + 5 * i) * 7) % 13) as f32 / 4.0 - 1.5)
        .collect();
    let ys: Vec<f32> = (0..8).map(|k| ((k + 3 * i) % 5) as f32 - 2.0).collect();
    (
        Tensor::from_vec(xs, [4, 3]).unwrap(),
        Tensor::from_vec(ys, [4, 2]).unwrap(),
    )
}

/// A small model with batch norm, compiled with `optimizer` and Huber(0.7).
fn model(optimizer: KerasOptimizer) -> Sequential {
    let mut m = Sequential::new(vec![
        Box::new(Dense::new(5).activation("tanh")),
        Box::new(BatchNormalization::new()),
        Box::new(Dense::new(2)),
    ]);
    m.build(&[None, Some(3)]).unwrap();
    let loss = Huber {
        delta: 0.7,
        ..Huber::default()
    };
    let mae = metrics::get("mse", "huber_loss").unwrap();
    m.compile(Compiled::new(optimizer, Box::new(loss), vec![mae]));
    m
}

fn weights(model: &dyn Model) -> Vec<Tensor> {
    model
        .layers()
        .iter()
        .flat_map(|l| l.core().weights())
        .map(|v| v.value())
        .collect()
}

/// Makes one optimizer.
type Make = fn() -> KerasOptimizer;

fn optimizers() -> Vec<(&'static str, Make)> {
    vec![
        ("adam", || KerasOptimizer::new(Adam::new(0.05)).unwrap()),
        ("adamw", || {
            KerasOptimizer::new(AdamW::new(0.05, 0.01).with_betas(0.8, 0.99, 1e-6)).unwrap()
        }),
        ("sgd", || {
            KerasOptimizer::new(GradientDescent::new(0.1)).unwrap()
        }),
        ("nesterov", || {
            KerasOptimizer::new(Momentum::new(0.1, 0.9).nesterov(true)).unwrap()
        }),
        ("rmsprop", || {
            KerasOptimizer::new(RMSProp::new(0.01).with_params(0.8, 0.5, 1e-6)).unwrap()
        }),
        ("adagrad", || {
            KerasOptimizer::new(Adagrad::new(0.1).initial_accumulator_value(0.2)).unwrap()
        }),
        ("adadelta", || {
            KerasOptimizer::new(Adadelta::new(1.0).with_params(0.9, 1e-6)).unwrap()
        }),
    ]
}

#[test]
fn training_resumed_after_load_continues_bit_for_bit() {
    for (name, make) in optimizers() {
        let dir = temp_dir(name);
        let mut original = model(make());
        for i in 0..2 {
            let (x, y) = batch(i);
            original.train_on_batch(&x, &y).unwrap();
        }
        save_model(&mut original, &dir).unwrap();
        let mut loaded = load_model(&dir).unwrap();
        let (x, y) = batch(2);
        let a = original.train_on_batch(&x, &y).unwrap();
        let b = loaded.train_on_batch(&x, &y).unwrap();
        assert_eq!(weights(&original), weights(&*loaded), "{name}");
        assert_eq!(a.0, b.0, "{name}: the step's loss and mse");
        let c = loaded.compiled().as_ref().unwrap();
        assert_eq!(c.optimizer().iterations(), 3, "{name}");
        assert_eq!(c.loss().get_config()["delta"], 0.7, "{name}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_fresh_optimizer_would_not_continue_the_same() {
    // The state restored above matters: recompiled afresh from the same
    // config, the third step differs.
    let dir = temp_dir("fresh");
    let mut original = model(KerasOptimizer::new(Adam::new(0.05)).unwrap());
    for i in 0..2 {
        let (x, y) = batch(i);
        original.train_on_batch(&x, &y).unwrap();
    }
    save_model(&mut original, &dir).unwrap();
    let mut loaded = load_model(&dir).unwrap();
    let config = original
        .compiled()
        .as_ref()
        .unwrap()
        .optimizer()
        .get_config();
    let fresh = KerasOptimizer::from_config(&config.unwrap()).unwrap();
    let loss = Huber {
        delta: 0.7,
        ..Huber::default()
    };
    loaded.compile(Compiled::new(fresh, Box::new(loss), Vec::new()));
    let (x, y) = batch(2);
    original.train_on_batch(&x, &y).unwrap();
    loaded.train_on_batch(&x, &y).unwrap();
    assert_ne!(weights(&original), weights(&*loaded));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_state_sits_under_tf_keras_keys() {
    let dir = temp_dir("keys");
    let mut m = model(KerasOptimizer::new(Adam::new(0.05)).unwrap());
    let (x, y) = batch(0);
    m.train_on_batch(&x, &y).unwrap();
    save_model(&mut m, &dir).unwrap();
    let reader = BundleReader::open(dir.join(WEIGHTS_PREFIX)).unwrap();
    let key = |path: &str| format!("optimizer/{path}/.ATTRIBUTES/VARIABLE_VALUE");
    let iterations = reader.get_tensor(&key("_iterations")).unwrap();
    assert_eq!(iterations.to_scalar::<i64>().unwrap(), 1);
    let lr = reader.get_tensor(&key("_learning_rate")).unwrap();
    assert_eq!(lr.to_scalar::<f32>().unwrap(), 0.05);
    // Adam: m and v of each trainable variable in turn, as tf-keras's
    // optimizer.variables lists them (dense kernel, bias, BN gamma, beta, ...).
    let trainable = m.trainable_variables();
    for (i, var) in trainable.iter().enumerate() {
        for (j, slot) in ["m", "v"].into_iter().enumerate() {
            let value = reader
                .get_tensor(&key(&format!("_variables/{}", 2 * i + j + 1)))
                .unwrap();
            assert_eq!(value.dims(), var.shape().dims(), "{slot} of {}", var.name());
        }
    }
    assert!(!reader.contains(&key(&format!("_variables/{}", 2 * trainable.len() + 1))));
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(CONFIG_FILE)).unwrap()).unwrap();
    let optimizer = &config["compile_config"]["optimizer"];
    assert_eq!(optimizer["class_name"], "Adam");
    assert_eq!(optimizer["config"]["beta_2"], 0.999);
    assert_eq!(optimizer["config"]["epsilon"], 1e-8);
    let loss = &config["compile_config"]["loss"];
    assert_eq!(loss["class_name"], "Huber");
    assert_eq!(loss["config"]["delta"], 0.7);
    assert_eq!(config["compile_config"]["metrics"][0], "mean_squared_error");
    // tools/check_keras_optimizer_state.py restores this model in tf-keras.
    if let Some(out) = std::env::var_os("FERROFLOW_RESUME_DIR").map(PathBuf::from) {
        save_model(&mut m, out.join("saved")).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn optimizer_configs_round_trip_with_keras_keys() {
    for (name, make) in optimizers() {
        let opt = make();
        let config = opt.get_config().unwrap();
        let again = KerasOptimizer::from_config(&config).unwrap();
        assert_eq!(again.name(), opt.name(), "{name}");
        assert_eq!(again.get_config().unwrap(), config, "{name}");
    }
    let sgd = KerasOptimizer::new(Momentum::new(0.1, 0.9)).unwrap();
    let config = sgd.get_config().unwrap();
    assert_eq!(config["class_name"], "SGD");
    assert_eq!(config["config"]["nesterov"], false);
    let rms = KerasOptimizer::new(RMSProp::new(0.01))
        .unwrap()
        .get_config();
    assert_eq!(rms.unwrap()["config"]["rho"], 0.9);
    let bad = serde_json::json!({"class_name": "Adam", "config": {"beta_1": "high"}});
    let err = KerasOptimizer::from_config(&bad).err().unwrap().to_string();
    assert!(err.contains("beta_1"), "{err}");
    let unknown = serde_json::json!({"class_name": "Lion", "config": {}});
    assert!(KerasOptimizer::from_config(&unknown).is_err());
    assert_eq!(GradientDescent::new(0.1).hyper_parameters(), vec![]);
}

#[test]
fn model_checkpoint_saves_the_optimizer_state_with_the_model() {
    let dir = temp_dir("callback");
    let mut m = model(KerasOptimizer::new(Adam::new(0.05)).unwrap());
    let (x, y) = batch(0);
    let mut checkpoint = ModelCheckpoint::new(dir.join("model.{epoch:02d}").to_str().unwrap());
    // The rate a callback sets after fit began is the one saved.
    let lr = m
        .compiled()
        .as_ref()
        .unwrap()
        .optimizer()
        .learning_rate()
        .clone();
    let mut schedule = LearningRateScheduler::new(lr, |epoch, _| 0.01 * (epoch + 1) as f64);
    let options = FitOptions {
        epochs: 2,
        batch_size: 2,
        verbose: 0,
        shuffle: false,
        callbacks: vec![&mut schedule, &mut checkpoint],
        ..Default::default()
    };
    m.fit(&x, &y, options).unwrap();
    let mut loaded = load_model(dir.join("model.02")).unwrap();
    let c = loaded.compiled().as_ref().unwrap();
    assert_eq!(c.optimizer().iterations(), 4);
    assert_eq!(c.optimizer().learning_rate().get(), 0.02);
    let (x, y) = batch(1);
    m.train_on_batch(&x, &y).unwrap();
    loaded.train_on_batch(&x, &y).unwrap();
    assert_eq!(weights(&m), weights(&*loaded));
    std::fs::remove_dir_all(&dir).unwrap();
}
