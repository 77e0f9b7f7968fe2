//! Reductions, arg max/min and softmax: edge cases, errors, and the parallel
//! paths against a naive reference.

use ferroflow_tensor::kernels::reduce::{
    arg_reduce, log_softmax, reduce, softmax, ArgKind, ReduceKind,
};
use ferroflow_tensor::{DType, Tensor};

fn f32s(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as u32).wrapping_mul(2654435761) % 1000) as f32 / 250.0 - 2.0)
        .collect()
}

/// Sums `x` of `dims` over `axes` with per-element index math, in f64.
fn naive_sum(x: &[f32], dims: &[usize], axes: &[usize]) -> Vec<f64> {
    let out_dims: Vec<usize> = (0..dims.len())
        .map(|d| if axes.contains(&d) { 1 } else { dims[d] })
        .collect();
    let mut out = vec![0.0f64; out_dims.iter().product()];
    for (mut i, &v) in x.iter().enumerate() {
        let mut flat = 0;
        let mut scale = 1;
        for d in (0..dims.len()).rev() {
            let idx = i % dims[d];
            i /= dims[d];
            if !axes.contains(&d) {
                flat += idx * scale;
                scale *= dims[d];
            }
        }
        out[flat] += v as f64;
    }
    out
}

#[test]
fn large_reductions_match_naive_sums() {
    // Row folds, column accumulation, full reductions and mixed groups, above
    // the parallel threshold.
    let cases: [(&[usize], &[usize]); 6] = [
        (&[64, 3000], &[1]),
        (&[3000, 64], &[0]),
        (&[2, 100_000], &[1]),
        (&[200_003], &[0]),
        (&[5, 40, 7, 120], &[1, 3]),
        (&[5, 40, 7, 120], &[0, 2]),
    ];
    for (dims, axes) in cases {
        let data = f32s(dims.iter().product());
        let x = Tensor::from_vec(data.clone(), dims).unwrap();
        let got = reduce("Sum", &x, axes, true, ReduceKind::Sum)
            .unwrap()
            .to_f64_vec()
            .unwrap();
        let want = naive_sum(&data, dims, axes);
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-5 * w.abs().max(1.0) + 1e-3,
                "{dims:?} {axes:?}: {g} vs {w}"
            );
        }
    }
}

#[test]
fn keep_dims_duplicates_and_order() {
    let x = Tensor::from_vec((0..24).map(|v| v as i64).collect::<Vec<_>>(), [2, 3, 4]).unwrap();
    let a = reduce("Sum", &x, &[2, 0, 2], true, ReduceKind::Sum).unwrap();
    assert_eq!(a.dims(), &[1, 3, 1]);
    assert_eq!(a.to_vec::<i64>().unwrap(), vec![60, 92, 124]);
    let b = reduce("Sum", &x, &[0, 2], false, ReduceKind::Sum).unwrap();
    assert_eq!(
        (b.dims(), b.to_vec::<i64>().unwrap()),
        (&[3][..], vec![60, 92, 124])
    );
    let all = reduce("Sum", &x, &[0, 1, 2], false, ReduceKind::Sum).unwrap();
    assert_eq!(
        (all.dims(), all.to_scalar::<i64>().unwrap()),
        (&[][..], 276)
    );
}

#[test]
fn no_axes_is_identity() {
    let x = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
    let y = reduce("Sum", &x, &[], false, ReduceKind::Sum).unwrap();
    assert_eq!(y, x);
}

#[test]
fn integer_sum_wraps_and_mean_truncates() {
    let x = Tensor::from([i32::MAX, 1]);
    assert_eq!(
        reduce("Sum", &x, &[0], false, ReduceKind::Sum)
            .unwrap()
            .to_scalar::<i32>()
            .unwrap(),
        i32::MIN
    );
    let m = reduce(
        "Mean",
        &Tensor::from([-1i32, -2]),
        &[0],
        false,
        ReduceKind::Mean,
    )
    .unwrap();
    assert_eq!(m.to_scalar::<i32>().unwrap(), -1);
    let u = reduce(
        "Prod",
        &Tensor::from([16u8, 16, 3]),
        &[0],
        false,
        ReduceKind::Prod,
    )
    .unwrap();
    assert_eq!(u.to_scalar::<u8>().unwrap(), 0);
}

#[test]
fn empty_reductions_give_identities_like_tf() {
    let e = Tensor::zeros(DType::F32, [0]).unwrap();
    let v = |kind| {
        reduce("R", &e, &[0], false, kind)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
    };
    assert_eq!(v(ReduceKind::Max), f32::NEG_INFINITY);
    assert_eq!(v(ReduceKind::Min), f32::INFINITY);
    assert_eq!(v(ReduceKind::Sum), 0.0);
    assert_eq!(v(ReduceKind::Prod), 1.0);
    assert!(v(ReduceKind::Mean).is_nan());
    let ei = Tensor::zeros(DType::I32, [2, 0]).unwrap();
    let max = reduce("Max", &ei, &[1], false, ReduceKind::Max).unwrap();
    assert_eq!(max.to_vec::<i32>().unwrap(), vec![i32::MIN, i32::MIN]);
    let mean = reduce("Mean", &ei, &[1], false, ReduceKind::Mean).unwrap();
    assert_eq!(mean.to_vec::<i32>().unwrap(), vec![0, 0]);
    let kept = reduce("Sum", &ei, &[0], false, ReduceKind::Sum).unwrap();
    assert_eq!(kept.dims(), &[0]);
    let eb = Tensor::zeros(DType::Bool, [0]).unwrap();
    assert!(reduce("All", &eb, &[0], false, ReduceKind::All)
        .unwrap()
        .to_scalar::<bool>()
        .unwrap());
    assert!(!reduce("Any", &eb, &[0], false, ReduceKind::Any)
        .unwrap()
        .to_scalar::<bool>()
        .unwrap());
}

#[test]
fn max_and_min_propagate_nan() {
    let x = Tensor::from([1.0f32, f32::NAN, 3.0]);
    assert!(reduce("Max", &x, &[0], false, ReduceKind::Max)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
        .is_nan());
    assert!(reduce("Min", &x, &[0], false, ReduceKind::Min)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
        .is_nan());
    let late = Tensor::from_vec(
        (0..100)
            .map(|i| if i == 97 { f32::NAN } else { i as f32 })
            .collect::<Vec<_>>(),
        [100],
    )
    .unwrap();
    assert!(reduce("Max", &late, &[0], false, ReduceKind::Max)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
        .is_nan());
}

#[test]
fn all_and_any_over_rows_and_columns() {
    let x = Tensor::from([[true, false], [true, true]]);
    assert_eq!(
        reduce("All", &x, &[1], false, ReduceKind::All)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        vec![false, true]
    );
    assert_eq!(
        reduce("All", &x, &[0], false, ReduceKind::All)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        vec![true, false]
    );
    assert_eq!(
        reduce("Any", &x, &[0, 1], false, ReduceKind::Any)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        vec![true]
    );
}

#[test]
fn reduce_dtype_and_axis_errors_name_op() {
    let b = Tensor::from([true]);
    let err = reduce("Sum", &b, &[0], false, ReduceKind::Sum).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Sum: expected dtype a numeric dtype, got bool"
    );
    let err = reduce("All", &Tensor::from([1.0f32]), &[0], false, ReduceKind::All).unwrap_err();
    assert_eq!(err.to_string(), "All: expected dtype bool, got float32");
    let err = reduce(
        "Sum",
        &Tensor::from(vec!["a"]),
        &[0],
        false,
        ReduceKind::Sum,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Sum: expected dtype a numeric dtype, got string"
    );
    let err = reduce("Sum", &Tensor::from([1.0f32]), &[1], false, ReduceKind::Sum).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Sum: reduction axis 1 is out of range [0, 1)"
    );
}

#[test]
fn argmax_takes_first_of_ties_and_skips_nan() {
    let x = Tensor::from([[3i32, 7, 7, 1], [5, 5, 5, 5]]);
    assert_eq!(
        arg_reduce("ArgMax", &x, 1, ArgKind::Max)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        vec![1, 0]
    );
    assert_eq!(
        arg_reduce("ArgMin", &x, 1, ArgKind::Min)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        vec![3, 0]
    );
    assert_eq!(
        arg_reduce("ArgMax", &x, 0, ArgKind::Max)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        vec![1, 0, 0, 1]
    );
    let n = Tensor::from([f32::NAN, 5.0]);
    assert_eq!(
        arg_reduce("ArgMax", &n, 0, ArgKind::Max)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        vec![1]
    );
    let out = arg_reduce("ArgMax", &x, 0, ArgKind::Max).unwrap();
    assert_eq!((out.dtype(), out.dims()), (DType::I64, &[4][..]));
}

#[test]
fn argmax_large_matches_reference() {
    let (rows, cols) = (600, 257);
    let data = f32s(rows * cols);
    let x = Tensor::from_vec(data.clone(), [rows, cols]).unwrap();
    let got = arg_reduce("ArgMax", &x, 1, ArgKind::Max)
        .unwrap()
        .to_vec::<i64>()
        .unwrap();
    for (r, &g) in got.iter().enumerate() {
        let row = &data[r * cols..(r + 1) * cols];
        let want = row
            .iter()
            .enumerate()
            .fold(0, |b, (i, &v)| if v > row[b] { i } else { b });
        assert_eq!(g as usize, want);
    }
}

#[test]
fn argmax_errors() {
    let err = arg_reduce(
        "ArgMax",
        &Tensor::zeros(DType::F32, [0, 3]).unwrap(),
        0,
        ArgKind::Max,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ArgMax: Reduction axis 0 is empty in shape [0,3]"
    );
    assert!(arg_reduce("ArgMax", &Tensor::from([1.0f32]), 1, ArgKind::Max).is_err());
    assert!(arg_reduce("ArgMax", &Tensor::from([true]), 0, ArgKind::Max).is_err());
}

#[test]
fn softmax_rows_sum_to_one_without_overflow() {
    let n = 160_000;
    let x = Tensor::from_vec(
        (0..n).map(|i| (i % 100) as f32 * 50.0).collect::<Vec<_>>(),
        [n / 100, 100],
    )
    .unwrap();
    let y = softmax("Softmax", &x).unwrap().to_vec::<f32>().unwrap();
    for row in y.chunks(100) {
        assert!(row.iter().all(|v| v.is_finite()));
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert_eq!(row[99], 1.0);
    }
    let ls = log_softmax("LogSoftmax", &x)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    assert_eq!((ls[99], ls[98]), (0.0, -50.0));
}

#[test]
fn softmax_edge_cases_and_errors() {
    let e = softmax("Softmax", &Tensor::zeros(DType::F32, [2, 0]).unwrap()).unwrap();
    assert_eq!(e.dims(), &[2, 0]);
    let inf = softmax(
        "Softmax",
        &Tensor::from([f32::NEG_INFINITY, f32::NEG_INFINITY]),
    )
    .unwrap();
    assert!(
        inf.to_vec::<f32>().unwrap().iter().all(|v| v.is_nan()),
        "as TF"
    );
    let err = softmax("Softmax", &Tensor::from(1.0f32)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Softmax: logits must have >= 1 dimension, got []"
    );
    let err = log_softmax("LogSoftmax", &Tensor::from([1i32])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "LogSoftmax: expected dtype float32 or float64, got int32"
    );
}

#[test]
fn float_sums_do_not_depend_on_the_thread_count() {
    let run = |threads: usize, x: &Tensor, axes: &[usize]| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            reduce("Sum", x, axes, false, ReduceKind::Sum)
                .unwrap()
                .to_vec::<f32>()
                .unwrap()
        })
    };
    let full = Tensor::from_vec(f32s(300_007), [300_007]).unwrap();
    let cols = Tensor::from_vec(f32s(400 * 700), [400, 700]).unwrap();
    for (x, axes) in [(&full, &[0][..]), (&cols, &[0]), (&cols, &[1])] {
        let one = run(1, x, axes);
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&one),
            bits(&run(3, x, axes)),
            "{:?} {axes:?}",
            x.dims()
        );
    }
}
