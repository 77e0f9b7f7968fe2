//! Whole-model saving with the Keras API: trains a small classifier on
//! Fashion-MNIST, saves it (architecture, compile settings and weights) to
//! a directory, and with `--load` restores it in a new process, without
//! the code that built it, and evaluates it again.
//!
//! ```text
//! cargo run --release --example keras_save_load -- --dir D [--epochs N] [--data DIR]
//! cargo run --release --example keras_save_load -- --dir D --load
//! ```
//!
//! Both runs end with the same `test loss` and `test accuracy: 0.XXXX`. The data default
//! to `/usr/share/datasets/fashion-mnist/` (Debian's
//! `dataset-fashion-mnist`), else the embedded test split.

use ferroflow as tf;
use std::path::PathBuf;
use tf::io::datasets::fashion_mnist::{load_or_embedded, Source};
use tf::keras::layers::{Dense, Dropout, Flatten};
use tf::keras::models::{load_model, save_model};
use tf::keras::{Compiled, FitOptions, Model, Sequential};
use tf::prelude::*;

/// The value after `flag`, if given.
fn arg(args: &[String], flag: &str) -> Option<String> {
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).cloned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let model_dir = arg(&args, "--dir").map_or_else(
        || std::env::temp_dir().join("ferroflow_keras_save_load"),
        PathBuf::from,
    );
    let data_dir = PathBuf::from(
        arg(&args, "--data").unwrap_or_else(|| "/usr/share/datasets/fashion-mnist/".into()),
    );
    let epochs: usize = arg(&args, "--epochs").map_or(Ok(2), |e| e.parse())?;
    let data = load_or_embedded(Some(&data_dir))?;
    if data.source == Source::Embedded {
        println!(
            "Fashion-MNIST not found in {} (install dataset-fashion-mnist or pass --data DIR); \
             using the embedded 10k test split (8k train / 2k test)",
            data_dir.display()
        );
    }
    let scale = |images: &Tensor| -> tf::Result<Tensor> {
        images.cast(DType::F32)?.div(&tf::constant(255.0f32))
    };
    let x_test = scale(&data.test.images)?;

    let mut model: Box<dyn Model> = if args.iter().any(|a| a == "--load") {
        let model = load_model(&model_dir)?;
        println!("loaded {}", model_dir.display());
        model
    } else {
        let mut model = Sequential::new(vec![
            Box::new(Flatten::new()),
            Box::new(Dense::new(128).activation("relu")),
            Box::new(Dropout::new(0.2)),
            Box::new(Dense::new(10).activation("softmax")),
        ]);
        model.build(&[None, Some(28), Some(28)])?;
        model.compile(Compiled::from_names(
            "adam",
            "sparse_categorical_crossentropy",
            &["accuracy"],
        )?);
        let x_train = scale(&data.train.images)?;
        let options = FitOptions {
            epochs,
            batch_size: 64,
            ..Default::default()
        };
        model.fit(&x_train, &data.train.labels, options)?;
        save_model(&mut model, &model_dir)?;
        println!(
            "saved to {} (run again with --load to restore it)",
            model_dir.display()
        );
        Box::new(model)
    };
    print!("{}", model.summary());
    let logs = model.evaluate(&x_test, &data.test.labels, 256)?;
    println!("test loss: {:.6}", logs.get("loss").ok_or("no loss")?);
    println!(
        "test accuracy: {:.4}",
        logs.get("accuracy").ok_or("no accuracy")?
    );
    Ok(())
}
