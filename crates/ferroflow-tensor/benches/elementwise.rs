//! Element-wise and reduction kernels on f32 tensors, in GB/s of memory
//! traffic (bytes read + written), median of 7 calibrated samples
//! (`cargo bench -p ferroflow-tensor --bench elementwise`). The NumPy/PyTorch
//! equivalents are in `peers_elementwise.py` beside this file.

mod common;

use ferroflow_tensor::kernels::elementwise::{map, zip_map};
use ferroflow_tensor::kernels::reduce::{reduce, softmax, ReduceKind};
use ferroflow_tensor::{Result, Tensor};

const COLS: usize = 1024;

/// A benchmark case: name, bytes moved per call, the call.
type Case<'a> = (&'static str, f64, Box<dyn Fn() -> Result<Tensor> + 'a>);

fn main() -> Result<()> {
    let sizes = common::sizes("1048576,4194304,16777216");
    println!("element-wise f32, {} rayon threads", common::threads());
    for n in sizes {
        let x = Tensor::from_vec(common::values(n, 1), [n / COLS, COLS])?;
        let y = Tensor::from_vec(common::values(n, 2), [n / COLS, COLS])?;
        let a = Tensor::scalar(1.5f32);
        let row = Tensor::from_vec(common::values(COLS, 3), [COLS])?;
        let bytes = (n * 4) as f64;
        let cases: Vec<Case> = vec![
            (
                "relu(x*a+b) 3 kernels",
                6.0 * bytes,
                Box::new(|| {
                    let t = zip_map("Mul", &x, &a, |p: f32, q| p * q)?;
                    let t = zip_map("Add", &t, &row, |p: f32, q| p + q)?;
                    map(&t, |v: f32| v.max(0.0))
                }),
            ),
            (
                "x + y",
                3.0 * bytes,
                Box::new(|| zip_map("Add", &x, &y, |p: f32, q| p + q)),
            ),
            (
                "x * scalar",
                2.0 * bytes,
                Box::new(|| zip_map("Mul", &x, &a, |p: f32, q| p * q)),
            ),
            (
                "x + row [1024]",
                2.0 * bytes,
                Box::new(|| zip_map("Add", &x, &row, |p: f32, q| p + q)),
            ),
            (
                "relu(x)",
                2.0 * bytes,
                Box::new(|| map(&x, |v: f32| v.max(0.0))),
            ),
            (
                "sum all",
                bytes,
                Box::new(|| reduce("Sum", &x, &[0, 1], false, ReduceKind::Sum)),
            ),
            (
                "sum rows (axis 1)",
                bytes,
                Box::new(|| reduce("Sum", &x, &[1], false, ReduceKind::Sum)),
            ),
            (
                "sum cols (axis 0)",
                bytes,
                Box::new(|| reduce("Sum", &x, &[0], false, ReduceKind::Sum)),
            ),
            (
                "max rows (axis 1)",
                bytes,
                Box::new(|| reduce("Max", &x, &[1], false, ReduceKind::Max)),
            ),
            (
                "softmax rows",
                2.0 * bytes,
                Box::new(|| softmax("Softmax", &x)),
            ),
        ];
        for (name, moved, f) in &cases {
            let secs = common::median_seconds(|| {
                std::hint::black_box(f().expect("benchmark call"));
            });
            println!(
                "n={n:9}  {name:24} {:7.2} GB/s  ({:.3} ms)",
                moved / secs / 1e9,
                secs * 1e3
            );
        }
    }
    Ok(())
}
