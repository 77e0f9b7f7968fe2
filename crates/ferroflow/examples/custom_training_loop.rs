//! The seeds' TF2 training loop on Fashion-MNIST, written by hand: a
//! `GradientTape` around the forward pass, Adam, `SparseCategoricalCrossentropy`
//! from logits, and `Mean`/`SparseCategoricalAccuracy` metrics logged and
//! reset every `log_freq` batches.
//!
//! `cargo run --release --example custom_training_loop [-- --data DIR]`

use ferroflow as tf;
use std::path::PathBuf;
use tf::io::datasets::fashion_mnist::{load_or_embedded, Source};
use tf::keras::layers::{Dense, Flatten};
use tf::keras::losses::{Loss, SparseCategoricalCrossentropy};
use tf::keras::metrics::{Mean, Metric, SparseCategoricalAccuracy};
use tf::keras::optimizers::KerasOptimizer;
use tf::keras::{Model, Sequential};
use tf::prelude::*;
use tf::train::Adam;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = match args.iter().position(|a| a == "--data") {
        Some(i) => PathBuf::from(args.get(i + 1).ok_or("--data needs a directory")?),
        None => PathBuf::from("/usr/share/datasets/fashion-mnist/"),
    };
    let data = load_or_embedded(Some(&dir))?;
    if data.source == Source::Embedded {
        println!(
            "Fashion-MNIST not found in {}; using the embedded test split",
            dir.display()
        );
    }
    let x_train = data
        .train
        .images
        .cast(DType::F32)?
        .div(&tf::constant(255.0f32))?;
    let y_train = data.train.labels.cast(DType::I64)?;

    let mut model = Sequential::new(vec![
        Box::new(Flatten::new()),
        Box::new(Dense::new(128).activation("relu")),
        Box::new(Dense::new(10)),
    ]);
    let loss_object = SparseCategoricalCrossentropy::from_logits(true);
    let mut optimizer = KerasOptimizer::new(Adam::new(0.001).with_betas(0.9, 0.999, 1e-7))?;
    let mut train_loss = Mean::new("train_loss");
    let mut train_accuracy = SparseCategoricalAccuracy::default();

    let (batch, log_freq) = (64, 100);
    let n = y_train.num_elements();
    for (step, start) in (0..n).step_by(batch).enumerate() {
        let index: Vec<i64> = (start as i64..(start + batch).min(n) as i64).collect();
        let index = Tensor::from_vec(index.clone(), [index.len()])?;
        let (images, labels) = (x_train.gather(&index, 0, 0)?, y_train.gather(&index, 0, 0)?);

        let tape = GradientTape::new();
        let logits = model.call(&images, true)?;
        let loss = loss_object.call(&labels, &logits)?;
        let vars = model.trainable_variables();
        let grads = tape.gradient(&loss, &vars.iter().collect::<Vec<_>>())?;
        let pairs: Vec<(Tensor, &Variable)> = grads
            .into_iter()
            .zip(&vars)
            .filter_map(|(g, v)| g.map(|g| (g, v)))
            .collect();
        optimizer.apply_gradients(&pairs)?;

        train_loss.update_state(&loss)?;
        train_accuracy.update_state(&labels, &logits)?;
        if (step + 1) % log_freq == 0 {
            println!(
                "Step {:4}: loss {:.4}, accuracy {:.4}",
                step + 1,
                train_loss.result(),
                train_accuracy.result()
            );
            train_loss.reset_state();
            train_accuracy.reset_state();
        }
    }
    let x_test = data
        .test
        .images
        .cast(DType::F32)?
        .div(&tf::constant(255.0f32))?;
    let mut test_accuracy = SparseCategoricalAccuracy::default();
    test_accuracy.update_state(&data.test.labels, &model.predict(&x_test, 256)?)?;
    println!("test accuracy: {:.4}", test_accuracy.result());
    Ok(())
}
