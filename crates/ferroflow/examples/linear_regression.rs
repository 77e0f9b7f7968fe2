//! The seeds' `tf.train` program in graph mode: fit `linear_model = W*x + b`
//! to four points with `GradientDescentOptimizer(0.01).minimize(loss)`.
//!
//! Run with `cargo run --release --example linear_regression`; prints
//! `W: [-0.9999969] b: [0.9999908] loss: 5.6999738e-11`, as TensorFlow does.

use ferroflow as tf;
use tf::graph::Graph;
use tf::prelude::*;
use tf::session::Session;
use tf::train::{GradientDescent, Optimizer};

fn main() -> tf::Result<()> {
    let g = Graph::new();
    // Model parameters
    let w = g.variable(tf::constant([0.3f32]), "W", true)?;
    let b = g.variable(tf::constant([-0.3f32]), "b", true)?;
    // Model input and output
    let x = g.placeholder(DType::F32, [None], "x")?;
    let linear_model = w.value().mul(&x)?.add(b.value())?;
    let y = g.placeholder(DType::F32, [None], "y")?;

    // loss: sum of the squares
    let loss = linear_model
        .sub(&y)?
        .square()?
        .reduce_sum(Axes::All, false)?;
    // optimizer
    let train = GradientDescent::new(0.01)
        .graph()
        .minimize(&loss, None, None)?;

    // training data
    let feeds = [
        (&x, tf::constant([1.0f32, 2.0, 3.0, 4.0])),
        (&y, tf::constant([0.0f32, -1.0, -2.0, -3.0])),
    ];
    // training loop
    let init = g.global_variables_initializer()?;
    let sess = Session::new(&g);
    sess.run_targets(&[&init], &[], &[])?; // reset values to wrong
    for _ in 0..1000 {
        sess.run_targets(&[&train], &[], &feeds)?;
    }

    // evaluate training accuracy
    let out = sess.run(&[w.value(), b.value(), &loss], &feeds)?;
    println!(
        "W: {} b: {} loss: {:e}",
        tf::tensor::format_array(&out[0]),
        tf::tensor::format_array(&out[1]),
        out[2].to_scalar::<f32>()?
    );
    Ok(())
}
