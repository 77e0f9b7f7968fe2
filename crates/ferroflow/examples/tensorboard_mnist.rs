//! The seeds' TensorBoard MNIST graph on Fashion-MNIST: a 784-300-10
//! sigmoid network built in name scopes (`inputs`, `layer_1`, `layer_2`,
//! `cross_entropy`, `train`, `accuracy`), trained with gradient descent in a
//! TF1 session. Summary ops log the test accuracy and loss, histograms of
//! the weights and of the hidden layer, and a few input images; `merge_all`
//! gathers them and a `FileWriter` writes them each epoch with the graph.
//! At the end, the hidden layer's outputs for 1000 test images go to the
//! embedding projector, labelled with their classes.
//!
//! ```sh
//! cargo run --release --example tensorboard_mnist -- --logdir /tmp/ferroflow_logs/mnist
//! tensorboard --logdir /tmp/ferroflow_logs
//! ```
//!
//! Options: `--logdir DIR` (default `/tmp/ferroflow_logs/mnist`),
//! `--epochs N` (default 5), `--data DIR` (default
//! `/usr/share/datasets/fashion-mnist/`; without it, the embedded test
//! split is used).

use ferroflow as tf;
use ferroflow_core::ops::Distribution;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tf::compat::v1::summary::{self, FileWriter};
use tf::graph::{Graph, Output};
use tf::io::datasets::fashion_mnist::{load_or_embedded, Source, CLASS_NAMES};
use tf::io::datasets::LabeledImages;
use tf::prelude::*;
use tf::projector::{pca, write_embedding, EmbeddingMetadata};
use tf::session::Session;
use tf::train::{GradientDescent, Optimizer};

const BATCH_SIZE: usize = 100;
const LEARNING_RATE: f64 = 0.5;
const PIXELS: usize = 28 * 28;
/// Test images whose hidden-layer outputs go to the projector.
const EMBEDDED_POINTS: usize = 1000;

/// The seeds' network: placeholders, the two layers, the loss, the
/// training op and the accuracy, each in its name scope, with summaries.
struct Network {
    x: Output,
    y: Output,
    cross_entropy: Output,
    accuracy: Output,
    hidden_out: Output,
    train: tf::graph::Operation,
    merged: Output,
}

/// `x · W + b` in the current name scope, with a histogram of the weights;
/// W is drawn from N(0, `stddev`²), b from N(0, 1).
fn dense(g: &Graph, x: &Output, units: [usize; 2], stddev: f64) -> tf::Result<Output> {
    let w_init = g.random(Distribution::Normal, &units, DType::F32, stddev, 0.0, None)?;
    let w = g.variable(w_init, "W", true)?;
    let b_init = g.random(
        Distribution::Normal,
        &units[1..],
        DType::F32,
        1.0,
        0.0,
        None,
    )?;
    let b = g.variable(b_init, "b", true)?;
    summary::histogram("weights", w.value())?;
    x.matmul(w.value())?.add(b.value())
}

fn build(g: &Graph) -> tf::Result<Network> {
    let (x, y, x_sc, y_one_hot) = {
        let _scope = g.name_scope("inputs");
        let x = g.placeholder(DType::F32, [None, Some(28), Some(28)], "x")?;
        let x_sc = x
            .reshape(&[-1, PIXELS as i64])?
            .div(&g.constant(255.0f32, "scale")?)?;
        let y = g.placeholder(DType::I64, [None, Some(1)], "y")?;
        let y_one_hot = y.one_hot(10, 1.0f32, 0.0f32, -1)?.reshape(&[-1, 10])?;
        let images = x_sc.reshape(&[-1, 28, 28, 1])?;
        summary::image("images", &images, 3)?;
        (x, y, x_sc, y_one_hot)
    };
    let hidden_out = {
        let _scope = g.name_scope("layer_1");
        let hidden_logits = dense(g, &x_sc, [PIXELS, 300], 0.01)?;
        let hidden_out = hidden_logits.sigmoid()?;
        summary::histogram("hidden_logits", &hidden_logits)?;
        summary::histogram("hidden_out", &hidden_out)?;
        hidden_out
    };
    let logits = {
        let _scope = g.name_scope("layer_2");
        dense(g, &hidden_out, [300, 10], 0.05)?
    };
    let cross_entropy = {
        let _scope = g.name_scope("cross_entropy");
        let loss = softmax_cross_entropy_with_logits(&y_one_hot, &logits)?
            .reduce_mean(Axes::All, false)?;
        summary::scalar("loss", &loss)?;
        loss
    };
    let train = {
        let _scope = g.name_scope("train");
        GradientDescent::new(LEARNING_RATE)
            .graph()
            .minimize(&cross_entropy, None, None)?
    };
    let accuracy = {
        let _scope = g.name_scope("accuracy");
        let correct = y_one_hot.argmax(1)?.equal(&logits.argmax(1)?)?;
        let accuracy = correct.cast(DType::F32)?.reduce_mean(Axes::All, false)?;
        summary::scalar("acc_summary", &accuracy)?;
        accuracy
    };
    let merged = summary::merge_all(g)?
        .ok_or_else(|| tf::Error::invalid("merge_all", "the graph has no summaries"))?;
    Ok(Network {
        x,
        y,
        cross_entropy,
        accuracy,
        hidden_out,
        train,
        merged,
    })
}

/// Examples `lo..hi` as feeds: float pixels `[n, 28, 28]`, int64 labels `[n, 1]`.
fn batch(data: &LabeledImages, lo: usize, hi: usize) -> tf::Result<(Tensor, Tensor)> {
    let pixels = &data.images.as_slice::<u8>()?[lo * PIXELS..hi * PIXELS];
    let images = Tensor::from_vec(
        pixels.iter().map(|&p| f32::from(p)).collect(),
        [hi - lo, 28, 28],
    )?;
    let labels = &data.labels.as_slice::<u8>()?[lo..hi];
    let labels = Tensor::from_vec(labels.iter().map(|&l| i64::from(l)).collect(), [hi - lo, 1])?;
    Ok((images, labels))
}

/// The hidden layer's outputs for the first [`EMBEDDED_POINTS`] test
/// images, labelled with their classes, for TensorBoard's projector; prints
/// the share of variance of their top principal components.
fn write_hidden_embedding(
    sess: &Session,
    net: &Network,
    test: &LabeledImages,
    logdir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = EMBEDDED_POINTS.min(test.len());
    let (images, _) = batch(test, 0, n)?;
    let hidden = sess.run(&[&net.hidden_out], &[(&net.x, images)])?.remove(0);
    let labels = &test.labels.as_slice::<u8>()?[..n];
    let rows = labels
        .iter()
        .map(|&l| vec![l.to_string(), CLASS_NAMES[usize::from(l)].to_string()]);
    let metadata = EmbeddingMetadata::table(["label", "class"], rows)?;
    write_embedding(logdir, "hidden_out", &hidden, Some(&metadata))?;
    let ratio = pca(&hidden, 3)?.explained_variance_ratio.to_vec::<f64>()?;
    println!(
        "projector: {n} hidden-layer vectors; top 3 principal components explain {:.1}%, {:.1}%, {:.1}% of the variance",
        ratio[0] * 100.0,
        ratio[1] * 100.0,
        ratio[2] * 100.0
    );
    Ok(())
}

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).map(String::as_str)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let logdir = PathBuf::from(arg(&args, "--logdir").unwrap_or("/tmp/ferroflow_logs/mnist"));
    let epochs: usize = arg(&args, "--epochs").unwrap_or("5").parse()?;
    let data_dir =
        PathBuf::from(arg(&args, "--data").unwrap_or("/usr/share/datasets/fashion-mnist/"));
    let data = load_or_embedded(Some(&data_dir))?;
    if data.source == Source::Embedded {
        println!(
            "Fashion-MNIST not found in {}; using the embedded 10k test split (8k train / 2k test)",
            data_dir.display()
        );
    }

    let g = Graph::new();
    g.set_random_seed(Some(1));
    let net = build(&g)?;
    let sess = Session::new(&g);
    sess.run_targets(&[&g.global_variables_initializer()?], &[], &[])?;
    let writer = FileWriter::new(&logdir, Some(&g))?;
    let (x_test, y_test) = batch(&data.test, 0, data.test.len())?;
    let total_batch = data.train.len() / BATCH_SIZE;
    let start = Instant::now();
    for epoch in 0..epochs {
        let mut avg_cost = 0.0;
        for i in 0..total_batch {
            let (bx, by) = batch(&data.train, i * BATCH_SIZE, (i + 1) * BATCH_SIZE)?;
            let out = sess.run_targets(
                &[&net.train],
                &[&net.cross_entropy],
                &[(&net.x, bx), (&net.y, by)],
            )?;
            avg_cost += f64::from(out[0].to_scalar::<f32>()?) / total_batch as f64;
        }
        let feeds = [(&net.x, x_test.clone()), (&net.y, y_test.clone())];
        let out = sess.run(&[&net.accuracy, &net.merged], &feeds)?;
        let acc = out[0].to_scalar::<f32>()?;
        writer.add_summary(&out[1].as_strings()?[0], epoch as i64)?;
        println!(
            "Epoch: {}, cost={avg_cost:.3}, test set accuracy={:.3}% ({:.1}s)",
            epoch + 1,
            acc * 100.0,
            start.elapsed().as_secs_f64()
        );
    }
    writer.close()?;
    let out = sess.run(&[&net.accuracy], &[(&net.x, x_test), (&net.y, y_test)])?;
    println!("\nTraining complete!");
    println!("test accuracy: {:.4}", out[0].to_scalar::<f32>()?);
    write_hidden_embedding(&sess, &net, &data.test, &logdir)?;
    println!(
        "logs in {} (tensorboard --logdir {})",
        logdir.display(),
        logdir.display()
    );
    Ok(())
}
