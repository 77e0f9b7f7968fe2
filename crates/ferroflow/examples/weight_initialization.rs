//! The seeds' weight-initialization study in a TF1 graph, on Fashion-MNIST:
//! a 784-100-100-10 network of `tf.layers.dense` layers (`compat::v1::layers`)
//! named `layer1`…`layer3`, built once per scenario — N(0, 1) weights,
//! Xavier (variance scaling 1.0, fan_avg, truncated normal) or He (2.0,
//! fan_in) with sigmoid or ReLU — logging the input variance, each layer's
//! `MatMul` (fetched by name, `layer1/MatMul:0`) and output as histograms,
//! the variance of each `MatMul` as a scalar, and the loss and accuracy.
//! "first_pass" scenarios run one batch through the untrained network;
//! "full_train" ones train with Adam. Each scenario writes its own run
//! under the log directory, to compare in TensorBoard.
//!
//! ```sh
//! cargo run --release --example weight_initialization -- --logdir /tmp/ferroflow_logs/init
//! tensorboard --logdir /tmp/ferroflow_logs/init
//! ```
//!
//! Options: `--logdir DIR` (default `/tmp/ferroflow_logs/init`), `--epochs N`
//! (default 2), `--data DIR` (default `/usr/share/datasets/fashion-mnist/`;
//! without it, the embedded test split is used). TF1's
//! `tf.contrib.layers.variance_scaling_initializer(uniform=False)` scaled its
//! truncated normal by √1.3; this uses TF2's `VarianceScaling` correction
//! (1 / 0.8796), as `tf.compat.v1.variance_scaling_initializer` does.

use ferroflow as tf;
use std::path::PathBuf;
use tf::compat::v1::layers;
use tf::compat::v1::summary::{self, FileWriter};
use tf::graph::{Graph, Operation, Output};
use tf::initializers::{FanMode, Initializer, ScalingDistribution};
use tf::io::datasets::fashion_mnist::{load_or_embedded, Source};
use tf::io::datasets::LabeledImages;
use tf::keras::layers::Dense;
use tf::prelude::*;
use tf::session::Session;
use tf::train::{Adam, Optimizer};

const INPUT_SIZE: usize = 784;
const LABEL_SIZE: usize = 10;
const NUM_LAYERS: usize = 3;
const HIDDEN_SIZE: usize = 100;
const BATCH_SIZE: usize = 100;
/// Training steps between summaries.
const LOG_EVERY: usize = 100;

/// The model of one scenario: placeholders, loss, training op, accuracy
/// and the merged summaries.
struct Model {
    input_images: Output,
    labels: Output,
    loss: Output,
    optimizer: Operation,
    accuracy: Output,
    merged: Output,
}

/// The variance of all of `x`'s elements.
fn calculate_variance(x: &Output) -> tf::Result<Output> {
    let mean = x.reduce_mean(Axes::All, false)?;
    x.sub(&mean)?.square()?.reduce_mean(Axes::All, false)
}

fn model_def(g: &Graph, init: &Initializer, activation: &str) -> tf::Result<Model> {
    let input_images = g.placeholder(DType::F32, [None, Some(INPUT_SIZE)], "Placeholder")?;
    let labels = g.placeholder(DType::F32, [None, Some(LABEL_SIZE)], "Placeholder")?;
    let mut input = input_images.clone();
    summary::scalar("input_var", &calculate_variance(&input)?)?;
    for i in 1..NUM_LAYERS {
        let dense = Dense::new(HIDDEN_SIZE)
            .kernel_initializer(init.clone())
            .activation(activation)
            .name(&format!("layer{i}"));
        input = layers::dense(&input, dense)?;
        // The input to the nodes (sans bias), fetched by name.
        let mat_mul_in = g.get_tensor_by_name(&format!("layer{i}/MatMul:0"))?;
        summary::histogram(&format!("mat_mul_hist_{i}"), &mat_mul_in)?;
        summary::histogram(&format!("fc_out_{i}"), &input)?;
        summary::scalar(
            &format!("mat_mul_var_{i}"),
            &calculate_variance(&mat_mul_in)?,
        )?;
    }
    let last = Dense::new(LABEL_SIZE).name(&format!("layer{NUM_LAYERS}"));
    let logits = layers::dense(&input, last)?;
    let mat_mul_in = g.get_tensor_by_name(&format!("layer{NUM_LAYERS}/MatMul:0"))?;
    summary::histogram(&format!("mat_mul_hist_{NUM_LAYERS}"), &mat_mul_in)?;
    summary::histogram(&format!("fc_out_{NUM_LAYERS}"), &input)?;
    let loss =
        softmax_cross_entropy_with_logits(&labels, &logits)?.reduce_mean(Axes::All, false)?;
    summary::scalar("loss", &loss)?;
    let optimizer = Adam::new(0.001).graph().minimize(&loss, None, None)?;
    let correct = logits.argmax(1)?.equal(&labels.argmax(1)?)?;
    let accuracy = correct.cast(DType::F32)?.reduce_mean(Axes::All, false)?;
    summary::scalar("acc", &accuracy)?;
    let merged = summary::merge_all(g)?
        .ok_or_else(|| tf::Error::invalid("merge_all", "the graph has no summaries"))?;
    Ok(Model {
        input_images,
        labels,
        loss,
        optimizer,
        accuracy,
        merged,
    })
}

/// Examples `lo..hi` as feeds: pixels scaled to [0, 1] `[n, 784]` and
/// one-hot labels `[n, 10]`.
fn batch(data: &LabeledImages, lo: usize, hi: usize) -> tf::Result<(Tensor, Tensor)> {
    let pixels = &data.images.as_slice::<u8>()?[lo * INPUT_SIZE..hi * INPUT_SIZE];
    let images = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    let mut one_hot = vec![0.0f32; (hi - lo) * LABEL_SIZE];
    for (row, &label) in data.labels.as_slice::<u8>()?[lo..hi].iter().enumerate() {
        one_hot[row * LABEL_SIZE + usize::from(label)] = 1.0;
    }
    Ok((
        Tensor::from_vec(images, [hi - lo, INPUT_SIZE])?,
        Tensor::from_vec(one_hot, [hi - lo, LABEL_SIZE])?,
    ))
}

/// One scenario: a fresh graph, then a first pass or a training run.
fn run_scenario(
    folder: &str,
    init: &Initializer,
    activation: &str,
    train: &LabeledImages,
    test: &LabeledImages,
    logdir: &std::path::Path,
    epochs: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let g = Graph::new();
    let model = model_def(&g, init, activation)?;
    let sess = Session::new(&g);
    sess.run_targets(&[&g.global_variables_initializer()?], &[], &[])?;
    let writer = FileWriter::new(logdir.join(folder), Some(&g))?;
    let feeds = |x: Tensor, y: Tensor| [(&model.input_images, x), (&model.labels, y)];
    if folder.starts_with("first_pass") {
        let (x, y) = batch(train, 0, BATCH_SIZE)?;
        let out = sess.run(&[&model.merged], &feeds(x, y))?;
        writer.add_summary(&out[0].as_strings()?[0], 0)?;
        println!("{folder}: one batch through the untrained network logged");
    } else {
        let steps = train.len() / BATCH_SIZE;
        for epoch in 0..epochs {
            for i in 0..steps {
                let (x, y) = batch(train, i * BATCH_SIZE, (i + 1) * BATCH_SIZE)?;
                let step = epoch * steps + i;
                let fetches: Vec<&Output> = if step.is_multiple_of(LOG_EVERY) {
                    vec![&model.loss, &model.merged]
                } else {
                    vec![&model.loss]
                };
                let out = sess.run_targets(&[&model.optimizer], &fetches, &feeds(x, y))?;
                if let Some(summaries) = out.get(1) {
                    writer.add_summary(&summaries.as_strings()?[0], step as i64)?;
                }
            }
        }
        let (x, y) = batch(test, 0, test.len())?;
        let out = sess.run(&[&model.accuracy], &feeds(x, y))?;
        println!(
            "{folder}: test accuracy after {epochs} epochs: {:.4}",
            out[0].to_scalar::<f32>()?
        );
    }
    writer.close()?;
    Ok(())
}

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).map(String::as_str)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let logdir = PathBuf::from(arg(&args, "--logdir").unwrap_or("/tmp/ferroflow_logs/init"));
    let epochs: usize = arg(&args, "--epochs").unwrap_or("2").parse()?;
    let data_dir =
        PathBuf::from(arg(&args, "--data").unwrap_or("/usr/share/datasets/fashion-mnist/"));
    let data = load_or_embedded(Some(&data_dir))?;
    if data.source == Source::Embedded {
        println!(
            "Fashion-MNIST not found in {}; using the embedded 10k test split (8k train / 2k test)",
            data_dir.display()
        );
    }
    let normal = Initializer::RandomNormal {
        mean: 0.0,
        stddev: 1.0,
        seed: None,
    };
    let scaling = |scale, mode| Initializer::VarianceScaling {
        scale,
        mode,
        distribution: ScalingDistribution::TruncatedNormal,
        seed: None,
    };
    let xavier = scaling(1.0, FanMode::FanAvg);
    let he = scaling(2.0, FanMode::FanIn);
    let scenarios = [
        ("first_pass_normal", &normal, "sigmoid"),
        ("first_pass_variance", &xavier, "sigmoid"),
        ("full_train_normal", &normal, "sigmoid"),
        ("full_train_variance", &xavier, "sigmoid"),
        ("full_train_normal_relu", &normal, "relu"),
        ("full_train_variance_relu", &xavier, "relu"),
        ("full_train_he_relu", &he, "relu"),
    ];
    for (folder, init, activation) in scenarios {
        run_scenario(
            folder,
            init,
            activation,
            &data.train,
            &data.test,
            &logdir,
            epochs,
        )?;
    }
    println!(
        "logs in {} (tensorboard --logdir {})",
        logdir.display(),
        logdir.display()
    );
    Ok(())
}
