//! Eager dispatch overhead: time per op on tiny tensors, where the kernel
//! costs nothing and the framework's bookkeeping is all that is measured.
//!
//! `cargo bench -p ferroflow-core --bench dispatch`

use ferroflow_core::prelude::*;
use std::hint::black_box;
use std::time::Instant;

/// Median nanoseconds per call of `f` over 7 samples of `reps` calls.
fn median_ns(reps: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..reps / 10 {
        f();
    }
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_nanos() as f64 / reps as f64
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[3]
}

fn main() {
    let reps = 200_000;
    let a = Tensor::scalar(1.0f32);
    let b = Tensor::scalar(2.0f32);
    let add = median_ns(reps, || {
        black_box(a.add(&b).unwrap());
    });
    let v = Tensor::from([1.0f32; 16]);
    let relu = median_ns(reps, || {
        black_box(v.relu().unwrap());
    });
    let m = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
    let matmul = median_ns(reps, || {
        black_box(m.matmul(&m).unwrap());
    });
    // A short-lived tape recording 10 ops, as a training step's tape does.
    let taped = median_ns(reps / 10, || {
        let tape = GradientTape::new();
        tape.watch(&a);
        for _ in 0..10 {
            black_box(a.add(&b).unwrap());
        }
    }) / 10.0;
    println!("eager dispatch, ns per op (median of 7 samples, 1 thread of work):");
    println!("  add, scalars:                 {add:8.0}");
    println!("  relu, 16 elements:            {relu:8.0}");
    println!("  matmul, 2x2:                  {matmul:8.0}");
    println!("  add, scalars, tape recording: {taped:8.0}");
}
