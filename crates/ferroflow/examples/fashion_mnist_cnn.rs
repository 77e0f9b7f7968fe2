//! The seeds' CNN on Fashion-MNIST with the Keras API: conv 32 5×5 → max
//! pool → conv 64 5×5 → max pool → dense 1024 → dropout 0.4 → dense 10,
//! Adam, batch 64, 3 epochs.
//!
//! `cargo run --release --example fashion_mnist_cnn [-- --data DIR] [--epochs N]`
//! (default `/usr/share/datasets/fashion-mnist/`; without it, the embedded
//! test split). Ends with `test accuracy: 0.XXXX`.

use ferroflow as tf;
use std::path::PathBuf;
use tf::io::datasets::fashion_mnist::{load_or_embedded, Source};
use tf::keras::layers::{Conv2D, Dense, Dropout, Flatten, Pooling2D};
use tf::keras::losses::SparseCategoricalCrossentropy;
use tf::keras::metrics::SparseCategoricalAccuracy;
use tf::keras::optimizers::KerasOptimizer;
use tf::keras::{Compiled, FitOptions, Model, Sequential};
use tf::prelude::*;
use tf::train::Adam;

/// The value after `flag`, if given.
fn arg(args: &[String], flag: &str) -> Option<String> {
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).cloned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(
        arg(&args, "--data").unwrap_or_else(|| "/usr/share/datasets/fashion-mnist/".into()),
    );
    let epochs: usize = arg(&args, "--epochs").map_or(Ok(3), |e| e.parse())?;
    let data = load_or_embedded(Some(&dir))?;
    if data.source == Source::Embedded {
        println!(
            "Fashion-MNIST not found in {} (install dataset-fashion-mnist or pass --data DIR); \
             using the embedded 10k test split (8k train / 2k test)",
            dir.display()
        );
    }
    let images = |t: &Tensor| -> tf::Result<Tensor> {
        t.cast(DType::F32)?
            .div(&tf::constant(255.0f32))?
            .reshape(&[-1, 28, 28, 1])
    };
    let (x_train, x_test) = (images(&data.train.images)?, images(&data.test.images)?);

    let mut model = Sequential::new(vec![
        Box::new(Conv2D::new(32, [5, 5]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(Conv2D::new(64, [5, 5]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(Flatten::new()),
        Box::new(Dense::new(1024).activation("relu")),
        Box::new(Dropout::new(0.4)),
        Box::new(Dense::new(10)),
    ]);
    model.build(&[None, Some(28), Some(28), Some(1)])?;
    print!("{}", model.summary());
    model.compile(Compiled::new(
        KerasOptimizer::new(Adam::new(0.001).with_betas(0.9, 0.999, 1e-7))?,
        Box::new(SparseCategoricalCrossentropy::from_logits(true)),
        vec![Box::<SparseCategoricalAccuracy>::default()],
    ));
    model.fit(
        &x_train,
        &data.train.labels,
        FitOptions {
            epochs,
            batch_size: 64,
            ..Default::default()
        },
    )?;
    let logs = model.evaluate(&x_test, &data.test.labels, 256)?;
    let accuracy = logs
        .get("sparse_categorical_accuracy")
        .ok_or("no accuracy")?;
    println!("test accuracy: {accuracy:.4}");
    Ok(())
}
