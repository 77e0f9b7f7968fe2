//! `ModelCheckpoint` and `TensorBoard` inside `fit`: the files they write,
//! read back (checkpoints with `load_weights`, events with the event
//! reader), and the model access `fit` gives callbacks.
//!
//! With `FERROFLOW_KERAS_INTEROP_DIR=DIR` set, `tensorboard_logs_for_event_accumulator`
//! writes a log dir and the expected tags for
//! `python3 tools/make_keras_ckpt_fixtures.py --check DIR`.

use ferroflow_core::prelude::*;
use ferroflow_io::events::{event_files, EventFileReader};
use ferroflow_io::proto::{GraphDef, SummaryValue, ValueKind, What};
use ferroflow_keras::callbacks::{
    Callback, History, Logs, ModelCheckpoint, SaveFreq, TensorBoard, UpdateFreq,
};
use ferroflow_keras::layers::Dense;
use ferroflow_keras::saving::{load_model, ModelWeights};
use ferroflow_keras::{Compiled, FitOptions, Model, Sequential};
use prost::Message;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_callbacks_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A compiled 2-4-1 model on 8 examples, and its data.
fn problem() -> (Sequential, Tensor, Tensor) {
    let mut model = Sequential::new(vec![
        Box::new(Dense::new(4).activation("relu")),
        Box::new(Dense::new(1)),
    ]);
    model.compile(Compiled::from_names("adam", "mse", &["mse"]).unwrap());
    let x = random_normal(&[8, 2], 0.0, 1.0, DType::F32, Some(1)).unwrap();
    let y = x.reduce_sum(Some(&[1i64][..]), true).unwrap();
    (model, x, y)
}

fn options<'a>(
    callbacks: Vec<&'a mut dyn Callback>,
    validation: &(Tensor, Tensor),
) -> FitOptions<'a> {
    FitOptions {
        epochs: 3,
        batch_size: 2,
        shuffle: false,
        verbose: 0,
        validation_data: Some(validation.clone()),
        callbacks,
        ..Default::default()
    }
}

fn weights(model: &Sequential) -> Vec<Tensor> {
    model
        .trainable_variables()
        .iter()
        .map(|v| v.value())
        .collect()
}

fn index_exists(prefix: &Path) -> bool {
    Path::new(&format!("{}.index", prefix.display())).exists()
}

#[test]
fn model_checkpoint_saves_each_epoch_with_the_template() {
    let dir = temp_dir("each_epoch");
    let (mut model, x, y) = problem();
    let template = dir.join("weights.{epoch:02d}-{val_loss:.2f}");
    let mut checkpoint = ModelCheckpoint::new(template.to_str().unwrap()).save_weights_only(true);
    let mut history = History::default();
    let validation = (x.clone(), y.clone());
    model
        .fit(
            &x,
            &y,
            options(vec![&mut checkpoint, &mut history], &validation),
        )
        .unwrap();
    let val_loss = history.get("val_loss").unwrap();
    for (epoch, loss) in val_loss.iter().enumerate() {
        let prefix = dir.join(format!("weights.{:02}-{loss:.2}", epoch + 1));
        assert!(index_exists(&prefix), "{}", prefix.display());
    }
    // The last checkpoint holds the trained weights; `checkpoint` points at it.
    let last = dir.join(format!("weights.03-{:.2}", val_loss[2]));
    for path in [last, dir.clone()] {
        let (mut fresh, _, _) = problem();
        fresh.build(&[None, Some(2)]).unwrap();
        fresh.load_weights(&path).unwrap();
        assert_eq!(weights(&fresh), weights(&model));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn model_checkpoint_saves_the_whole_model_by_default() {
    let dir = temp_dir("whole_model");
    let (mut model, x, y) = problem();
    let template = dir.join("model-{epoch}");
    let mut cb = ModelCheckpoint::new(template.to_str().unwrap());
    let validation = (x.clone(), y.clone());
    model
        .fit(&x, &y, options(vec![&mut cb], &validation))
        .unwrap();
    let mut loaded = load_model(dir.join("model-3")).unwrap();
    assert!(loaded.compiled().is_some());
    assert_eq!(
        loaded.predict(&x, 8).unwrap(),
        model.predict(&x, 8).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_best_only_saves_when_the_monitor_improves() {
    let dir = temp_dir("best_only");
    let template = dir.join("best.{epoch}");
    let mut cb = ModelCheckpoint::new(template.to_str().unwrap())
        .monitor("val_accuracy")
        .save_best_only(true)
        .save_weights_only(true);
    let mut model = Sequential::new(vec![Box::new(Dense::new(1))]);
    model.build(&[None, Some(2)]).unwrap();
    cb.set_model(&ModelWeights::of(&model));
    // Accuracy-like: larger is better under mode "auto".
    for (epoch, acc) in [0.5, 0.4, 0.9, 0.9].into_iter().enumerate() {
        let logs = Logs(vec![("val_accuracy".into(), acc)]);
        cb.on_epoch_end(epoch, &logs).unwrap();
    }
    let saved: Vec<bool> = (1..=4)
        .map(|e| index_exists(&dir.join(format!("best.{e}"))))
        .collect();
    assert_eq!(saved, [true, false, true, false]);
    assert_eq!(cb.best, 0.9);
    // Without the monitored value nothing is saved (Keras warns and skips).
    cb.on_epoch_end(4, &Logs(vec![("loss".into(), 0.1)]))
        .unwrap();
    assert!(!index_exists(&dir.join("best.5")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_freq_in_batches_counts_across_epochs() {
    let dir = temp_dir("batches");
    let (mut model, x, y) = problem();
    let template = dir.join("w-{epoch}-{batch}");
    let mut cb = ModelCheckpoint::new(template.to_str().unwrap())
        .save_freq(SaveFreq::Batches(3))
        .save_weights_only(true);
    let validation = (x.clone(), y.clone());
    model
        .fit(&x, &y, options(vec![&mut cb], &validation))
        .unwrap();
    // 4 batches per epoch, 12 in all: saves after batches 3, 6, 9, 12.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".index").map(str::to_string)
        })
        .collect();
    names.sort();
    assert_eq!(names, ["w-1-3", "w-2-2", "w-3-1", "w-3-4"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_template_naming_a_missing_log_stops_fit_with_the_filepath() {
    let dir = temp_dir("bad_template");
    let (mut model, x, y) = problem();
    let template = dir.join("w-{val_acc:.2f}");
    let mut cb = ModelCheckpoint::new(template.to_str().unwrap());
    let validation = (x.clone(), y.clone());
    let err = model
        .fit(&x, &y, options(vec![&mut cb], &validation))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Failed to format this callback filepath") && err.contains("'val_acc'"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every summary value of a run's event files, with its step.
fn summaries(dir: &Path) -> Vec<(i64, SummaryValue)> {
    let mut values = Vec::new();
    for path in event_files(dir).unwrap() {
        assert!(
            path.to_string_lossy().ends_with(".v2"),
            "{}",
            path.display()
        );
        for event in EventFileReader::open(&path).unwrap() {
            let event = event.unwrap();
            if let Some(summary) = event.summary() {
                values.extend(summary.value.iter().map(|v| (event.step, v.clone())));
            }
        }
    }
    values
}

fn tensor_of(value: &SummaryValue) -> Tensor {
    let Some(ValueKind::Tensor(proto)) = &value.value else {
        panic!("{} is not a TF2 tensor summary", value.tag);
    };
    proto.to_tensor(&value.tag).unwrap()
}

/// Every scalar and histogram of a run: tag → [(step, value)] (for a
/// histogram, the count of values).
fn read_run(dir: &Path) -> BTreeMap<String, Vec<(i64, f64)>> {
    let mut tags: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for (step, value) in summaries(dir) {
        let t = tensor_of(&value);
        let v = match value.metadata.as_ref().map(|m| m.plugin_name()) {
            Some("scalars") => t.to_f64_vec().unwrap()[0],
            Some("histograms") => t.to_f64_vec().unwrap().chunks(3).map(|row| row[2]).sum(),
            _ => continue,
        };
        tags.entry(value.tag.clone()).or_default().push((step, v));
    }
    tags
}

/// The node names of the graph events of a run's event files.
fn graph_nodes(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for path in event_files(dir).unwrap() {
        for event in EventFileReader::open(&path).unwrap() {
            if let Some(What::GraphDef(bytes)) = event.unwrap().what {
                let graph = GraphDef::decode(bytes.as_slice()).unwrap();
                names.extend(graph.node.into_iter().map(|n| n.name));
            }
        }
    }
    names
}

/// A fit with a TensorBoard callback writing batch values and histograms.
fn fit_with_tensorboard(dir: &Path) -> (Sequential, History) {
    let (mut model, x, y) = problem();
    let mut tb = TensorBoard::new(dir)
        .histogram_freq(2)
        .update_freq(UpdateFreq::Batches(2));
    let mut history = History::default();
    let validation = (x.clone(), y.clone());
    model
        .fit(&x, &y, options(vec![&mut tb, &mut history], &validation))
        .unwrap();
    (model, history)
}

#[test]
fn tensorboard_writes_keras_tags_and_steps() {
    let dir = temp_dir("tensorboard");
    let (model, history) = fit_with_tensorboard(&dir);
    let train = read_run(&dir.join("train"));
    let epoch_loss: Vec<(i64, f64)> = history
        .get("loss")
        .unwrap()
        .iter()
        .enumerate()
        .map(|(e, v)| (e as i64, *v as f32 as f64))
        .collect();
    assert_eq!(train["epoch_loss"], epoch_loss);
    assert_eq!(train["epoch_mean_squared_error"].len(), 3);
    // update_freq 2: batch values at iterations 2, 4, …, 12.
    let steps: Vec<i64> = train["batch_loss"].iter().map(|(s, _)| *s).collect();
    assert_eq!(steps, [2, 4, 6, 8, 10, 12]);
    assert!(train.contains_key("batch_mean_squared_error"));
    // histogram_freq 2: epochs 0 and 2, every weight, tagged as tf-keras.
    let dense = model.trainable_variables()[0].name().replace(':', "_");
    let kernel = &train[&format!("{dense}/histogram")];
    assert_eq!(kernel, &[(0, 8.0), (2, 8.0)]);
    assert_eq!(
        train.keys().filter(|t| t.ends_with("/histogram")).count(),
        4
    );
    let validation = read_run(&dir.join("validation"));
    let val_loss = history.get("val_loss").unwrap();
    assert_eq!(validation["epoch_loss"][2], (2, val_loss[2] as f32 as f64));
    let vs_iterations: Vec<i64> = validation["evaluation_loss_vs_iterations"]
        .iter()
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(vs_iterations, [4, 8, 12]);
    assert_eq!(validation["epoch_mean_squared_error"].len(), 3);
    // The first training step's graph, forward ops in the layers' scopes.
    let nodes = graph_nodes(&dir.join("train"));
    let dense = model.layers()[0].core().name().to_string();
    for name in [
        "x",
        "y",
        &format!("{dense}/MatMul"),
        &format!("{dense}/Relu"),
    ] {
        assert!(nodes.iter().any(|n| n == name), "no {name} in {nodes:?}");
    }
    assert!(graph_nodes(&dir.join("validation")).is_empty());
    // The conceptual graph: the model's JSON config at step 0.
    let keras: Vec<(i64, SummaryValue)> = summaries(&dir.join("train"))
        .into_iter()
        .filter(|(_, v)| v.tag == "keras")
        .collect();
    assert_eq!(keras.len(), 1);
    let (step, value) = &keras[0];
    let metadata = value.metadata.as_ref().unwrap();
    assert_eq!((*step, metadata.plugin_name()), (0, "graph_keras_model"));
    let json = tensor_of(value).as_strings().unwrap()[0].clone();
    let config: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(config["class_name"], "Sequential");
    assert!(config.get("compile_config").is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes, for `make_keras_ckpt_fixtures.py --check DIR`, a TensorBoard
/// log dir and what EventAccumulator must find in it; does nothing
/// unless `FERROFLOW_KERAS_INTEROP_DIR` is set.
#[test]
fn tensorboard_logs_for_event_accumulator() {
    let Some(dir) = std::env::var_os("FERROFLOW_KERAS_INTEROP_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let logs = dir.join("logs");
    let _ = std::fs::remove_dir_all(&logs);
    fit_with_tensorboard(&logs);
    let mut scalars = serde_json::Map::new();
    let mut histograms = serde_json::Map::new();
    for run in ["train", "validation"] {
        let tags = read_run(&logs.join(run));
        let (hist, scalar): (Vec<_>, Vec<_>) = tags
            .into_iter()
            .partition(|(t, _)| t.ends_with("/histogram"));
        let steps =
            |points: Vec<(i64, f64)>| points.into_iter().map(|(s, _)| s).collect::<Vec<_>>();
        scalars.insert(
            run.into(),
            scalar.into_iter().map(|(t, p)| (t, json!(p))).collect(),
        );
        histograms.insert(
            run.into(),
            hist.into_iter()
                .map(|(t, p)| (t, json!(steps(p))))
                .collect(),
        );
    }
    let graph: Vec<String> = graph_nodes(&logs.join("train"))
        .into_iter()
        .filter(|n| n.ends_with("/MatMul"))
        .collect();
    let expected = json!({"scalars": scalars, "histograms": histograms, "graph": graph, "keras": "Sequential"});
    std::fs::write(dir.join("tensorboard.json"), expected.to_string()).unwrap();
}
