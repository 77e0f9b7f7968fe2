//! Reductions, softmax, arg max/min and matmul against TensorFlow 2.21
//! (`tests/fixtures/kernels_tf.txt`, written by `tools/make_kernel_fixtures.py`,
//! which builds the same inputs as this file).

use ferroflow_tensor::kernels::matmul::matmul;
use ferroflow_tensor::kernels::reduce::{
    arg_reduce, log_softmax, reduce, softmax, ArgKind, ReduceKind,
};
use ferroflow_tensor::Tensor;

const FIXTURES: &str = include_str!("fixtures/kernels_tf.txt");

/// TensorFlow's output for case `name`: (dims, values as f64).
fn expected(name: &str) -> (Vec<usize>, Vec<f64>) {
    let line = FIXTURES
        .lines()
        .find(|l| l.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("no fixture {name}"));
    let (head, values) = line.split_once(" : ").expect("fixture line has ' : '");
    let dims = head.split(' ').nth(2).expect("fixture dims");
    let dims = dims
        .split(',')
        .filter(|d| *d != "-")
        .map(|d| d.parse().unwrap())
        .collect();
    (
        dims,
        values.split(' ').map(|v| v.parse().unwrap()).collect(),
    )
}

fn check(name: &str, got: &Tensor, rtol: f64) {
    let (dims, want) = expected(name);
    assert_eq!(got.dims(), &dims[..], "{name}");
    let got = got.to_f64_vec().unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g - w).abs() <= rtol * w.abs().max(1e-30),
            "{name}: {got:?} vs TF {want:?}"
        );
    }
}

fn x234() -> Tensor {
    Tensor::from_vec(
        (0..24).map(|v| v as f32 - 11.5).collect::<Vec<_>>(),
        [2, 3, 4],
    )
    .unwrap()
}

fn i234() -> Tensor {
    Tensor::from_vec(
        (0..24).map(|v| v * 7 % 11 - 5).collect::<Vec<i32>>(),
        [2, 3, 4],
    )
    .unwrap()
}

#[test]
fn reductions_over_axis_combinations_match_tf() {
    let x = x234();
    let tenth = ferroflow_tensor::kernels::elementwise::map(&x, |v: f32| v / 10.0).unwrap();
    for axes in [&[0][..], &[1], &[2], &[0, 2], &[1, 2], &[0, 1, 2], &[2, 0]] {
        let tag: String = axes.iter().map(|a| a.to_string()).collect();
        check(
            &format!("sum_{tag}"),
            &reduce("Sum", &x, axes, false, ReduceKind::Sum).unwrap(),
            1e-6,
        );
        check(
            &format!("max_{tag}_keep"),
            &reduce("Max", &x, axes, true, ReduceKind::Max).unwrap(),
            0.0,
        );
        check(
            &format!("prod_{tag}"),
            &reduce("Prod", &tenth, axes, false, ReduceKind::Prod).unwrap(),
            1e-5,
        );
        check(
            &format!("mean_{tag}"),
            &reduce("Mean", &x, axes, false, ReduceKind::Mean).unwrap(),
            1e-6,
        );
    }
}

#[test]
fn integer_mean_and_min_match_tf() {
    let x = i234();
    check(
        "imean_1",
        &reduce("Mean", &x, &[1], false, ReduceKind::Mean).unwrap(),
        0.0,
    );
    check(
        "imin_02",
        &reduce("Min", &x, &[0, 2], false, ReduceKind::Min).unwrap(),
        0.0,
    );
}

#[test]
fn softmax_of_large_logits_matches_tf() {
    let rows = [
        [1.0f32, 2.0, 3.0, 4.0],
        [1000.0, 1001.0, 1002.0, 1003.0],
        [-1000.0, 0.0, 1000.0, -5.0],
    ];
    let x = Tensor::from_vec(rows.iter().flatten().copied().collect::<Vec<_>>(), [3, 4]).unwrap();
    check("softmax", &softmax("Softmax", &x).unwrap(), 1e-6);
    check("log_softmax", &log_softmax("LogSoftmax", &x).unwrap(), 1e-6);
    let x64 = Tensor::from_vec(
        rows.iter().flatten().map(|&v| v as f64).collect::<Vec<_>>(),
        [3, 4],
    )
    .unwrap();
    check("softmax_f64", &softmax("Softmax", &x64).unwrap(), 1e-12);
}

#[test]
fn arg_max_and_min_match_tf() {
    let x = i234();
    check(
        "argmax_1",
        &arg_reduce("ArgMax", &x, 1, ArgKind::Max).unwrap(),
        0.0,
    );
    check(
        "argmin_2",
        &arg_reduce("ArgMin", &x, 2, ArgKind::Min).unwrap(),
        0.0,
    );
}

/// `a` [2,1,3,4] and `b` [3,4,5], as in the fixture script.
fn matmul_inputs() -> (Vec<f32>, Vec<f32>) {
    let a = (0..24).map(|v| (v % 7) as f32 - 3.0).collect();
    let b = (0..60).map(|v| (v % 5) as f32 - 2.0).collect();
    (a, b)
}

/// Swaps the last two axes of a row-major `[batch, r, c]` buffer.
fn swap_last(x: &[f32], r: usize, c: usize) -> Vec<f32> {
    x.chunks(r * c)
        .flat_map(|m| (0..r * c).map(move |i| m[(i % r) * c + i / r]))
        .collect()
}

#[test]
fn batched_broadcast_matmul_matches_tf() {
    let (a, b) = matmul_inputs();
    let ta = Tensor::from_vec(a.clone(), [2, 1, 3, 4]).unwrap();
    let tb = Tensor::from_vec(b.clone(), [3, 4, 5]).unwrap();
    check(
        "matmul_batch",
        &matmul("BatchMatMulV2", &ta, &tb, false, false).unwrap(),
        1e-6,
    );
    let at = Tensor::from_vec(swap_last(&a, 3, 4), [2, 1, 4, 3]).unwrap();
    let bt = Tensor::from_vec(swap_last(&b, 4, 5), [3, 5, 4]).unwrap();
    check(
        "matmul_ta_tb",
        &matmul("BatchMatMulV2", &at, &bt, true, true).unwrap(),
        1e-6,
    );
}
