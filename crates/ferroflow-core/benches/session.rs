//! Per-op overhead of `Session::run`: a 100-node chain of small ops
//! (`x = x * a + b`, 50 times) on a 16-element vector.
//!
//! `cargo bench -p ferroflow-core --bench session`; the TensorFlow 1-style
//! peer is `tools/bench/session_peers.py`.

use ferroflow_core::graph::Graph;
use ferroflow_core::prelude::*;
use ferroflow_core::session::{Session, SessionConfig};
use std::time::Instant;

fn main() -> ferroflow_core::Result<()> {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [Some(16)], "x")?;
    let a = g.constant(1.0001f32, "a")?;
    let b = g.constant(0.1f32, "b")?;
    let mut y = x.clone();
    for _ in 0..50 {
        y = y.mul(&a)?.add(&b)?;
    }
    let feed = Tensor::from([1.0f32; 16]);
    for (label, inter) in [("sequential", 1), ("inter-op 2", 2)] {
        let config = SessionConfig {
            inter_op_threads: inter,
            ..SessionConfig::default()
        };
        let sess = Session::with_config(&g, config);
        let reps = 2000;
        let mut samples = Vec::new();
        for _ in 0..7 {
            let t = Instant::now();
            for _ in 0..reps {
                sess.run(&[&y], &[(&x, feed.clone())])?;
            }
            samples.push(t.elapsed().as_secs_f64() / reps as f64 * 1e6);
        }
        samples.sort_by(|p, q| p.total_cmp(q));
        let us = samples[3];
        println!(
            "{label}: {us:.1} µs per run of 100 ops = {:.0} ns per op",
            us * 10.0
        );
    }
    Ok(())
}
