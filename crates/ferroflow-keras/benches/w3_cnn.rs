//! W3 (`shared/bench/README.md`): the seeds' CNN (conv 32 5×5 → max pool →
//! conv 64 5×5 → max pool → dense 1024 → dropout → dense 10), Adam, batch
//! 64, on Fashion-MNIST. Like the peers' script: 20 warm-up steps, then the
//! samples/s of 200-step windows; prints the median and the peak RSS.
//!
//! `cargo bench -p ferroflow-keras --bench w3_cnn [-- WINDOWS]`

use ferroflow_core::optimizers::Adam;
use ferroflow_core::prelude::*;
use ferroflow_keras::layers::{Conv2D, Dense, Dropout, Flatten, Pooling2D};
use ferroflow_keras::losses::SparseCategoricalCrossentropy;
use ferroflow_keras::optimizers::KerasOptimizer;
use ferroflow_keras::{Compiled, Model, Sequential};
use std::time::Instant;

mod common;

const BATCH: usize = 64;
const WINDOW: usize = 200;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let windows: usize = common::count_arg(2).max(1);
    let (images, y) = common::train_images()?;
    let n = images.dims()[0];
    let x = images.reshape(&[n as i64, 28, 28, 1])?;
    let y = &y;
    let mut model = Sequential::new(vec![
        Box::new(Conv2D::new(32, [5, 5]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(Conv2D::new(64, [5, 5]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(Flatten::new()),
        Box::new(Dense::new(1024).activation("relu")),
        Box::new(Dropout::new(0.5)),
        Box::new(Dense::new(10)),
    ]);
    model.build(&[None, Some(28), Some(28), Some(1)])?;
    let optimizer = KerasOptimizer::new(Adam::new(1e-3))?;
    let loss = Box::new(SparseCategoricalCrossentropy::from_logits(true));
    model.compile(Compiled::new(optimizer, loss, Vec::new()));
    let batches = n / BATCH;
    let mut step = 0;
    let mut train =
        |steps: usize, model: &mut Sequential| -> Result<(), Box<dyn std::error::Error>> {
            for _ in 0..steps {
                let i = (step % batches) * BATCH;
                let xb = x.slice(&[i, 0, 0, 0], &[BATCH as i64, -1, -1, -1])?;
                let yb = y.slice(&[i], &[BATCH as i64])?;
                model.train_on_batch(&xb, &yb)?;
                step += 1;
            }
            Ok(())
        };
    train(20, &mut model)?;
    let mut rates = Vec::new();
    for w in 0..windows {
        let t = Instant::now();
        train(WINDOW, &mut model)?;
        let rate = (WINDOW * BATCH) as f64 / t.elapsed().as_secs_f64();
        println!("window {}: {rate:.0} samples/s", w + 1);
        rates.push(rate);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    println!(
        "W3 ferroflow keras train_on_batch: median {:.0} samples/s over {windows} windows of {WINDOW} steps, peak RSS {:.0} MiB",
        rates[rates.len() / 2],
        common::peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}
