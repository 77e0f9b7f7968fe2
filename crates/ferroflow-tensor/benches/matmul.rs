//! W1: square f32 matmul GFLOP/s (`cargo bench -p ferroflow-tensor --bench matmul`).
//! Prints one line per size: median GFLOP/s over 7 calibrated samples.
//! Compare with `shared/bench/peers/w1_matmul.py` run beside it.

mod common;

use ferroflow_tensor::kernels::matmul::matmul;
use ferroflow_tensor::Tensor;

fn main() {
    let sizes = common::sizes("128,512,1024,2048");
    println!("matmul f32, {} rayon threads", common::threads());
    for n in sizes {
        let a = Tensor::from_vec(common::values(n * n, 1), [n, n]).expect("n*n values");
        let b = Tensor::from_vec(common::values(n * n, 2), [n, n]).expect("n*n values");
        let secs = common::median_seconds(|| {
            std::hint::black_box(matmul("MatMul", &a, &b, false, false).expect("square matmul"));
        });
        let gflops = 2.0 * (n as f64).powi(3) / secs / 1e9;
        println!("n={n:5}  {gflops:7.1} GFLOP/s  ({:.3} ms)", secs * 1e3);
    }
}
