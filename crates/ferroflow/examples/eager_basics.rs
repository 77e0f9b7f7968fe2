//! The seeds' eager basics: tensors behave like arrays, ops run at once,
//! broadcasting, iteration over a tensor, and gradients of functions.
//!
//! Run with `cargo run --release --example eager_basics`.

use ferroflow as tf;
use tf::prelude::*;

fn main() -> tf::Result<()> {
    // z = tf.constant(np.arange(10)); tf.multiply(z, np.array(10))
    let z = tf::constant((0..10).collect::<Vec<i64>>());
    let z_tf = z.mul(&tf::constant(10i64))?;
    println!("{z_tf}");

    // Tensors act like arrays: element-wise math and reductions.
    let a = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
    println!("a + a = {}", a.add(&a)?);
    println!("sum(a) = {}", a.reduce_sum(Axes::All, false)?);
    println!("a @ a = {}", a.matmul(&a)?);

    // Broadcasting: a [2, 2] matrix plus a [2] row plus a scalar.
    let row = tf::constant([10.0f32, 20.0]);
    println!("a + row + 1 = {}", a.add(&row)?.add(&tf::constant(1.0f32))?);

    // Iterating over a tensor walks its first dimension.
    for (i, r) in a.iter().enumerate() {
        println!("row {i}: {r}");
    }

    // tfe.gradients_function(lambda x: x**3)(3.)
    let f_cubed = |x: &Tensor| x.pow(&tf::constant(3.0f32));
    let g = tf::grad(f_cubed)(&tf::constant(3.0f32))?;
    println!("grad(x**3) at 3.0 = {}", g.to_scalar::<f32>()?);
    Ok(())
}
