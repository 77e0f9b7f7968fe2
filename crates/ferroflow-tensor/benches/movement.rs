//! Data movement, indexing and cast kernels on f32 tensors, in GB/s of
//! memory traffic (bytes read + written), median of 7 calibrated samples
//! (`cargo bench -p ferroflow-tensor --bench movement`). The NumPy and
//! TensorFlow equivalents are in `peers_movement.py` beside this file.
//!
//! The 64 MB outputs (4096x4096) are dominated by page faults on the fresh
//! allocation: NumPy asks for transparent huge pages (`madvise`), which
//! halves a 64 MB cast on this machine (measured with a standalone loop:
//! 100 ms without, 49 ms with); ferroflow's allocations do not yet.

mod common;

use ferroflow_tensor::kernels::array::{concat, reverse, transpose};
use ferroflow_tensor::kernels::cast::cast;
use ferroflow_tensor::kernels::index::{
    gather, strided_slice, strided_slice_plan, StridedSliceSpec,
};
use ferroflow_tensor::{DType, Result, Tensor};

/// A bench case: name, bytes moved per call, the call.
type Case<'a> = (&'a str, f64, Box<dyn Fn() -> Result<Tensor> + 'a>);

fn tensor(dims: &[usize], seed: u64) -> Result<Tensor> {
    Tensor::from_vec(common::values(dims.iter().product(), seed), dims)
}

fn main() -> Result<()> {
    println!("data movement f32, {} rayon threads", common::threads());
    let square = tensor(&[4096, 4096], 1)?;
    let nhwc = tensor(&[32, 56, 56, 64], 2)?;
    let nchw = tensor(&[32, 64, 56, 56], 3)?;
    let half = tensor(&[4096, 2048], 4)?;
    let table = tensor(&[50000, 128], 5)?;
    let ids: Vec<i64> = (0..32768).map(|i| (i * 7919) % 50000).collect();
    let ids = Tensor::from(ids);
    // square[::2, 1:]
    let every_other = strided_slice_plan(
        "StridedSlice",
        square.shape(),
        &StridedSliceSpec {
            begin: vec![0, 1],
            end: vec![0, 0],
            strides: vec![2, 1],
            begin_mask: 1,
            end_mask: 3,
            ..Default::default()
        },
    )?;
    let b = |n: usize| (n * 4) as f64;
    let cases: Vec<Case> = vec![
        (
            "transpose [4096,4096] (1,0)",
            2.0 * b(1 << 24),
            Box::new(|| transpose("T", &square, &[1, 0])),
        ),
        (
            "transpose NHWC->NCHW [32,56,56,64]",
            2.0 * b(nhwc.num_elements()),
            Box::new(|| transpose("T", &nhwc, &[0, 3, 1, 2])),
        ),
        (
            "transpose NCHW->NHWC [32,64,56,56]",
            2.0 * b(nchw.num_elements()),
            Box::new(|| transpose("T", &nchw, &[0, 2, 3, 1])),
        ),
        (
            "concat 2x[4096,2048] axis 1",
            4.0 * b(half.num_elements()),
            Box::new(|| concat("C", &[&half, &half], 1)),
        ),
        (
            "strided_slice [4096,4096][::2, 1:]",
            2.0 * b(2048 * 4095),
            Box::new(|| strided_slice("S", &square, &every_other)),
        ),
        (
            "gather [50000,128] by 32768 rows",
            2.0 * b(32768 * 128),
            Box::new(|| gather("G", &table, &ids, 0, 0)),
        ),
        (
            "reverse [4096,4096] axis 1",
            2.0 * b(1 << 24),
            Box::new(|| reverse("R", &square, &[1])),
        ),
        (
            "cast f32->i32 [4096,4096]",
            2.0 * b(1 << 24),
            Box::new(|| cast("Cast", &square, DType::I32)),
        ),
    ];
    for (name, bytes, f) in cases {
        f()?;
        let s = common::median_seconds(|| {
            f().expect("the bench inputs are valid");
        });
        println!("{name:40} {:8.2} ms {:7.2} GB/s", s * 1e3, bytes / s / 1e9);
    }
    Ok(())
}
