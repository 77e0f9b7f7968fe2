//! Convolution and pooling kernels at the seed CNN's shapes (W3: batch 64,
//! conv 32 5x5 SAME on 28x28x1 -> maxpool 2 -> conv 64 5x5 SAME -> maxpool 2),
//! f32 NHWC: `cargo bench -p ferroflow-tensor --bench conv`.
//!
//! Prints the median and the fastest time of each kernel (calls timed one by
//! one: on a shared machine the fastest is the least disturbed), its CPU
//! time per call, and their sums over one training step's convolution and
//! pooling work, then runs the TensorFlow peer
//! `tools/bench/conv_peer_tf.py` with `$PEER_PYTHON` (default
//! `python3`) when that interpreter exists.

use ferroflow_tensor::kernels::conv::{
    conv2d, conv2d_backprop_filter, conv2d_backprop_input, Padding,
};
use ferroflow_tensor::kernels::pool::{max_pool, max_pool_grad};
use ferroflow_tensor::Tensor;
use std::hint::black_box;
use std::time::Instant;

const BATCH: usize = 64;
const S1: [usize; 2] = [1, 1];

/// A tensor of varied values in [-0.8, 0.8].
fn tensor(shape: &[usize], seed: u64) -> Tensor {
    let n: usize = shape.iter().product();
    let data = (0..n as u64)
        .map(|i| ((i * 7 + seed) % 17) as f32 * 0.1 - 0.8)
        .collect();
    Tensor::from_vec(data, shape).expect("values fill the shape")
}

/// Seconds per call of `f`: the median and fastest of single calls, and the
/// mean CPU time (all threads) per call. 3 warm-up calls, then calls for
/// about a second (10 to 200 of them).
fn time(f: &dyn Fn()) -> [f64; 3] {
    (0..3).for_each(|_| f());
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut calls = Vec::new();
    while calls.len() < 10 || (calls.len() < 200 && start.elapsed().as_secs_f64() < 1.0) {
        let t = Instant::now();
        f();
        calls.push(t.elapsed().as_secs_f64());
    }
    let cpu = (cpu_seconds() - cpu) / calls.len() as f64;
    calls.sort_by(f64::total_cmp);
    [calls[calls.len() / 2], calls[0], cpu]
}

/// CPU time used so far by all threads of this process (Linux
/// `/proc/self/task/*/schedstat`; NaN elsewhere). Unlike wall time it hardly
/// moves when other processes share the cores.
fn cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    let nanos: f64 = tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .sum();
    nanos / 1e9
}

/// A named kernel call; `in_step` when a training step runs it.
type Case = (&'static str, Box<dyn Fn()>, bool);

fn conv_cases(names: [&'static str; 3], x: Tensor, w: Tensor, input_grad: bool) -> Vec<Case> {
    let dy = tensor(&[BATCH, x.dims()[1], x.dims()[2], w.dims()[3]], 9);
    let (x2, w2, dy2) = (x.clone(), w.clone(), dy.clone());
    let (x3, w3) = (x.clone(), w.clone());
    vec![
        (
            names[0],
            Box::new(move || {
                black_box(conv2d("Conv2D", &x, &w, S1, S1, &Padding::Same).expect("conv"));
            }),
            true,
        ),
        (
            names[1],
            Box::new(move || {
                let r = conv2d_backprop_input("B", x2.shape(), &w2, &dy2, S1, S1, &Padding::Same);
                black_box(r.expect("backprop input"));
            }),
            input_grad,
        ),
        (
            names[2],
            Box::new(move || {
                let r = conv2d_backprop_filter("B", &x3, w3.shape(), &dy, S1, S1, &Padding::Same);
                black_box(r.expect("backprop filter"));
            }),
            true,
        ),
    ]
}

fn pool_cases(names: [&'static str; 2], shape: [usize; 4]) -> Vec<Case> {
    let x = tensor(&shape, 5);
    let y = max_pool("MaxPool", &x, [2, 2], [2, 2], &Padding::Same).expect("pool");
    let dy = tensor(y.dims(), 6);
    let x2 = x.clone();
    vec![
        (
            names[0],
            Box::new(move || {
                black_box(max_pool("MaxPool", &x, [2, 2], [2, 2], &Padding::Same).expect("pool"));
            }),
            true,
        ),
        (
            names[1],
            Box::new(move || {
                let r = max_pool_grad("G", &x2, &y, &dy, [2, 2], [2, 2], &Padding::Same);
                black_box(r.expect("pool grad"));
            }),
            true,
        ),
    ]
}

fn main() {
    let mut cases = conv_cases(
        [
            "conv1 5x5x1x32 forward",
            "conv1 backprop input",
            "conv1 backprop filter",
        ],
        tensor(&[BATCH, 28, 28, 1], 1),
        tensor(&[5, 5, 1, 32], 2),
        false,
    );
    cases.extend(pool_cases(
        ["maxpool1 28x28x32 forward", "maxpool1 backward"],
        [BATCH, 28, 28, 32],
    ));
    cases.extend(conv_cases(
        [
            "conv2 5x5x32x64 forward",
            "conv2 backprop input",
            "conv2 backprop filter",
        ],
        tensor(&[BATCH, 14, 14, 32], 3),
        tensor(&[5, 5, 32, 64], 4),
        true,
    ));
    cases.extend(pool_cases(
        ["maxpool2 14x14x64 forward", "maxpool2 backward"],
        [BATCH, 14, 14, 64],
    ));
    println!(
        "ferroflow, {} rayon threads, batch {BATCH}, f32 NHWC; ms: median / fastest / CPU",
        rayon::current_num_threads()
    );
    let mut step = [0.0; 3];
    for (name, f, in_step) in &cases {
        let t = time(f.as_ref());
        if *in_step {
            step.iter_mut().zip(t).for_each(|(s, t)| *s += t);
        }
        println!(
            "{name:28} {:8.3} {:8.3} {:8.3}",
            t[0] * 1e3,
            t[1] * 1e3,
            t[2] * 1e3
        );
    }
    let [median, fastest, cpu] = step;
    println!(
        "{:28} {:8.3} {:8.3} {:8.3}  = {:.0} / {:.0} samples/s",
        "train step (conv+pool)",
        median * 1e3,
        fastest * 1e3,
        cpu * 1e3,
        BATCH as f64 / median,
        BATCH as f64 / fastest
    );
    run_peer();
}

/// Runs the TensorFlow peer script beside this bench, if Python is there.
fn run_peer() {
    let python = std::env::var("PEER_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tools/bench/conv_peer_tf.py"
    );
    if !std::path::Path::new(&python).exists() {
        println!("(no TensorFlow peer: {python} not found; set PEER_PYTHON)");
        return;
    }
    println!();
    match std::process::Command::new(&python).arg(script).status() {
        Ok(s) if s.success() => {}
        other => println!("(TensorFlow peer failed: {other:?})"),
    }
}
