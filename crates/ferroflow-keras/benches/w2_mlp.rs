//! W2 (`shared/bench/README.md`): the 784-300-10 MLP, Adam 1e-3, batch 128,
//! trained with `fit` on the 60k Fashion-MNIST train images (the embedded
//! test split when the data set is absent). Epoch 1 is warm-up; prints the
//! median samples/s over the later epochs and the peak RSS; each epoch's
//! training loss shows that the steps train.
//!
//! `cargo bench -p ferroflow-keras --bench w2_mlp [-- EPOCHS]`

use ferroflow_core::optimizers::Adam;
use ferroflow_keras::layers::{Dense, Flatten};
use ferroflow_keras::losses::SparseCategoricalCrossentropy;
use ferroflow_keras::optimizers::KerasOptimizer;
use ferroflow_keras::{Compiled, FitOptions, Model, Sequential};
use std::time::Instant;

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let epochs: usize = common::count_arg(3).max(2);
    let (x, y) = common::train_images()?;
    let y = &y;
    let n = x.dims()[0];
    let mut model = Sequential::new(vec![
        Box::new(Flatten::new()),
        Box::new(Dense::new(300).activation("relu")),
        Box::new(Dense::new(10)),
    ]);
    model.build(&[None, Some(28), Some(28)])?;
    let optimizer = KerasOptimizer::new(Adam::new(1e-3))?;
    let loss = Box::new(SparseCategoricalCrossentropy::from_logits(true));
    model.compile(Compiled::new(optimizer, loss, Vec::new()));
    let mut rates = Vec::new();
    for epoch in 0..epochs {
        let t = Instant::now();
        let history = model.fit(
            &x,
            y,
            FitOptions {
                epochs: 1,
                batch_size: 128,
                verbose: 0,
                ..Default::default()
            },
        )?;
        let rate = n as f64 / t.elapsed().as_secs_f64();
        let loss = history.get("loss").and_then(|l| l.last().copied());
        println!(
            "epoch {}: {rate:.0} samples/s, loss {:.4}",
            epoch + 1,
            loss.unwrap_or(f64::NAN)
        );
        if epoch > 0 {
            rates.push(rate);
        }
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    println!(
        "W2 ferroflow keras fit: median {:.0} samples/s over epochs 2..{epochs} ({n} samples), peak RSS {:.0} MiB",
        rates[rates.len() / 2],
        common::peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}
