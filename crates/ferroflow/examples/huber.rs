//! The seeds' linear regression with Huber loss: `Y ≈ w·X + b` fitted one
//! example at a time by gradient descent, the loss built with `tf.cond`.
//!
//! The seeds fit life expectancy against birth rate (`birth_life_2010.txt`,
//! 190 countries). That file is not shipped here, so the example makes
//! 190 look-alike points on the line `84.9 − 6.07·X` with noise and a few
//! outliers far below it — the case Huber loss is for: its linear branch
//! keeps them from pulling the fit as far as squared error would.
//!
//! The seeds' learning rate of 0.001 has not converged after 100 epochs on
//! these points, so this uses 0.01. Run with
//! `cargo run --release --example huber`; prints the average loss every 20
//! epochs and the fitted w and b: −6.17 and 85.04, as a NumPy replay of the
//! same updates gives (least squares, pulled by the outliers, would give
//! −6.34 and 84.60).

use ferroflow as tf;
use tf::graph::{Graph, Output};
use tf::prelude::*;
use tf::session::Session;
use tf::train::{GradientDescent, Optimizer};

/// `0.5·r²` where the residual `r = |labels − predictions|` is below
/// `delta`, `delta·r − 0.5·delta²` beyond; as in the seeds, only the
/// taken branch runs.
fn huber_loss(labels: &Output, predictions: &Output, delta: f64) -> tf::Result<Output> {
    let residual = labels.sub(predictions)?.abs()?;
    let small = residual.less(&residual.scalar_like(delta)?)?;
    let f1 = |r: &[Output]| Ok(vec![r[0].square()?.mul(&r[0].scalar_like(0.5)?)?]);
    let f2 = |r: &[Output]| {
        let d = r[0].scalar_like(delta)?;
        let half_d2 = r[0].scalar_like(0.5 * delta * delta)?;
        Ok(vec![d.mul(&r[0])?.sub(&half_d2)?])
    };
    Ok(tf::cond(&small, &[residual], f1, f2)?.swap_remove(0))
}

/// 190 (birth rate, life expectancy)-like points, deterministic.
fn data() -> Vec<(f32, f32)> {
    let mut state = 2010u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    (0..190)
        .map(|i| {
            let x = 1.0 + 6.5 * uniform();
            let noise = 4.0 * (uniform() + uniform() + uniform() - 1.5);
            let outlier = if i % 19 == 0 { -25.0 } else { 0.0 };
            (x, 84.9 - 6.07 * x + noise + outlier)
        })
        .collect()
}

fn main() -> tf::Result<()> {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [], "X")?;
    let y = g.placeholder(DType::F32, [], "Y")?;
    let w = g.variable(tf::constant(0.0f32), "weights", true)?;
    let b = g.variable(tf::constant(0.0f32), "bias", true)?;
    let y_predicted = x.mul(w.value())?.add(b.value())?;
    let loss = huber_loss(&y, &y_predicted, 14.0)?;
    let optimizer = GradientDescent::new(0.01)
        .graph()
        .minimize(&loss, None, None)?;

    let sess = Session::new(&g);
    sess.run_targets(&[&g.global_variables_initializer()?], &[], &[])?;
    let data = data();
    for epoch in 0..100 {
        let mut total = 0.0;
        for &(bx, by) in &data {
            let feeds = [(&x, Tensor::scalar(bx)), (&y, Tensor::scalar(by))];
            let l = sess.run_targets(&[&optimizer], &[&loss], &feeds)?;
            total += l[0].to_scalar::<f32>()?;
        }
        if epoch % 20 == 19 {
            println!("Epoch {epoch}: {}", total / data.len() as f32);
        }
    }
    let out = sess.run(&[w.value(), b.value()], &[])?;
    println!(
        "w: {}, b: {}",
        out[0].to_scalar::<f32>()?,
        out[1].to_scalar::<f32>()?
    );
    Ok(())
}
