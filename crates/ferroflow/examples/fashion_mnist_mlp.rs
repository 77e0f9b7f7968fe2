//! The Keras MLP on Fashion-MNIST: 784-300-10 with ReLU, Adam, sparse
//! categorical cross-entropy, 5 epochs of batch 128.
//!
//! `cargo run --release --example fashion_mnist_mlp [-- --data DIR]`
//! (default `/usr/share/datasets/fashion-mnist/`, from the Debian package
//! `dataset-fashion-mnist`; without it, the embedded test split is used).
//! Ends with `test accuracy: 0.XXXX` (≥ 0.87 on the full data).

use ferroflow as tf;
use std::path::PathBuf;
use tf::io::datasets::fashion_mnist::{load_or_embedded, Source};
use tf::keras::layers::{Dense, Flatten};
use tf::keras::{Compiled, FitOptions, Model, Sequential};
use tf::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = match args.iter().position(|a| a == "--data") {
        Some(i) => PathBuf::from(args.get(i + 1).ok_or("--data needs a directory")?),
        None => PathBuf::from("/usr/share/datasets/fashion-mnist/"),
    };
    let data = load_or_embedded(Some(&dir))?;
    if data.source == Source::Embedded {
        println!(
            "Fashion-MNIST not found in {} (install dataset-fashion-mnist or pass --data DIR); \
             using the embedded 10k test split (8k train / 2k test)",
            dir.display()
        );
    }
    let scale = |images: &Tensor| -> tf::Result<Tensor> {
        images.cast(DType::F32)?.div(&tf::constant(255.0f32))
    };
    let (x_train, x_test) = (scale(&data.train.images)?, scale(&data.test.images)?);

    let mut model = Sequential::new(vec![
        Box::new(Flatten::new()),
        Box::new(Dense::new(300).activation("relu")),
        Box::new(Dense::new(10).activation("softmax")),
    ]);
    model.build(&[None, Some(28), Some(28)])?;
    print!("{}", model.summary());
    model.compile(Compiled::from_names(
        "adam",
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )?);
    model.fit(
        &x_train,
        &data.train.labels,
        FitOptions {
            epochs: 5,
            batch_size: 128,
            ..Default::default()
        },
    )?;
    let logs = model.evaluate(&x_test, &data.test.labels, 128)?;
    println!(
        "test accuracy: {:.4}",
        logs.get("accuracy").ok_or("no accuracy")?
    );
    Ok(())
}
