//! Element-wise kernels: broadcasting, fast paths vs. a naive reference, errors.

use ferroflow_tensor::kernels::elementwise::{broadcast_to, map, select, zip_map};
use ferroflow_tensor::{DType, Shape, Tensor};

fn f32s(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 100.0 - 5.0
        })
        .collect()
}

/// Naive broadcasting reference: element `i` of the output reads `a` and `b`
/// through per-element index math.
fn naive_zip(a: &Tensor, b: &Tensor, f: impl Fn(f32, f32) -> f32) -> Vec<f32> {
    let out = ferroflow_tensor::broadcast_shapes("ref", a.shape(), b.shape()).unwrap();
    let read = |t: &Tensor, idx: &[usize]| {
        let off = idx.len() - t.rank();
        let flat = t.dims().iter().enumerate().fold(0, |acc, (d, &size)| {
            acc * size + if size == 1 { 0 } else { idx[off + d] }
        });
        t.as_slice::<f32>().unwrap()[flat]
    };
    (0..out.num_elements())
        .map(|mut i| {
            let mut idx = vec![0; out.rank()];
            for d in (0..out.rank()).rev() {
                idx[d] = i % out.dims()[d];
                i /= out.dims()[d];
            }
            f(read(a, &idx), read(b, &idx))
        })
        .collect()
}

#[test]
fn map_applies_relu_and_changes_dtype() {
    let x = Tensor::from([[-1.0f32, 2.0], [3.0, -4.0]]);
    let y = map(&x, |v: f32| v.max(0.0)).unwrap();
    assert_eq!(y.dims(), &[2, 2]);
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 2.0, 3.0, 0.0]);
    let pos = map(&x, |v: f32| v > 0.0).unwrap();
    assert_eq!(pos.dtype(), DType::Bool);
    assert_eq!(
        pos.to_vec::<bool>().unwrap(),
        vec![false, true, true, false]
    );
}

#[test]
fn map_rejects_wrong_dtype() {
    let err = map(&Tensor::from([1i32]), |v: f32| v).unwrap_err();
    assert_eq!(err.to_string(), "map: expected dtype float32, got int32");
}

#[test]
fn map_large_tensor_runs_in_parallel_chunks() {
    let n = 300_007;
    let x = Tensor::from_vec(f32s(n, 1), [n]).unwrap();
    let y = map(&x, |v: f32| v * 2.0 + 1.0).unwrap();
    let want: Vec<f32> = f32s(n, 1).iter().map(|v| v * 2.0 + 1.0).collect();
    assert_eq!(y.to_vec::<f32>().unwrap(), want);
}

#[test]
fn zip_map_broadcasts_2x1x3_with_4x1() {
    let a = Tensor::from_vec((0..6).map(|v| v as f32).collect::<Vec<_>>(), [2, 1, 3]).unwrap();
    let b = Tensor::from_vec(vec![10.0f32, 20.0, 30.0, 40.0], [4, 1]).unwrap();
    let c = zip_map("Add", &a, &b, |x: f32, y| x + y).unwrap();
    assert_eq!(c.dims(), &[2, 4, 3]);
    let v = c.to_vec::<f32>().unwrap();
    assert_eq!(&v[..6], &[10.0, 11.0, 12.0, 20.0, 21.0, 22.0]);
    assert_eq!(&v[21..], &[43.0, 44.0, 45.0]);
    assert_eq!(v, naive_zip(&a, &b, |x, y| x + y));
}

#[test]
fn zip_map_scalar_with_matrix_both_ways() {
    let m = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
    let s = Tensor::from(10.0f32);
    let left = zip_map("Sub", &s, &m, |x: f32, y| x - y).unwrap();
    let right = zip_map("Sub", &m, &s, |x: f32, y| x - y).unwrap();
    assert_eq!(left.to_vec::<f32>().unwrap(), vec![9.0, 8.0, 7.0, 6.0]);
    assert_eq!(right.to_vec::<f32>().unwrap(), vec![-9.0, -8.0, -7.0, -6.0]);
    let both = zip_map("Mul", &s, &s, |x: f32, y| x * y).unwrap();
    assert_eq!(
        (both.dims(), both.to_scalar::<f32>().unwrap()),
        (&[][..], 100.0)
    );
}

#[test]
fn zip_map_matches_naive_reference_on_large_broadcasts() {
    // Large enough for the parallel path; chunks start mid-row.
    let cases: [(&[usize], &[usize]); 5] = [
        (&[3, 1, 257, 67], &[5, 1, 67]),
        (&[160, 1000], &[1000]),
        (&[160, 1000], &[160, 1]),
        (&[1, 600, 1], &[7, 1, 50]),
        (&[200_001], &[200_001]),
    ];
    for (sa, sb) in cases {
        let a = Tensor::from_vec(f32s(sa.iter().product(), 3), sa).unwrap();
        let b = Tensor::from_vec(f32s(sb.iter().product(), 7), sb).unwrap();
        let got = zip_map("Mul", &a, &b, |x: f32, y| x * y - y).unwrap();
        assert_eq!(
            got.to_vec::<f32>().unwrap(),
            naive_zip(&a, &b, |x, y| x * y - y),
            "{sa:?} {sb:?}"
        );
    }
}

#[test]
fn zip_map_empty_tensors() {
    let a = Tensor::zeros(DType::F32, [0, 3]).unwrap();
    let b = Tensor::from([1.0f32, 2.0, 3.0]);
    let c = zip_map("Add", &a, &b, |x: f32, y| x + y).unwrap();
    assert_eq!(c.dims(), &[0, 3]);
    let d = zip_map(
        "Add",
        &Tensor::zeros(DType::F32, [2, 0]).unwrap(),
        &Tensor::zeros(DType::F32, [1, 1]).unwrap(),
        |x: f32, y| x + y,
    )
    .unwrap();
    assert_eq!(d.dims(), &[2, 0]);
}

#[test]
fn zip_map_shape_error_names_op_and_shapes() {
    let a = Tensor::zeros(DType::F32, [2, 3]).unwrap();
    let b = Tensor::zeros(DType::F32, [4]).unwrap();
    let err = zip_map("AddV2", &a, &b, |x: f32, y| x + y).unwrap_err();
    assert_eq!(err.to_string(), "AddV2: Incompatible shapes: [2,3] vs. [4]");
}

#[test]
fn zip_map_dtype_error_names_op() {
    let err = zip_map(
        "AddV2",
        &Tensor::from([1.0f32]),
        &Tensor::from([1i32]),
        |x: f32, y| x + y,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "AddV2: expected dtype float32, got int32");
}

#[test]
fn zip_map_comparison_outputs_bool() {
    let a = Tensor::from([1i64, 5, 3]);
    let c = zip_map("Greater", &a, &Tensor::from(2i64), |x: i64, y| x > y).unwrap();
    assert_eq!(c.to_vec::<bool>().unwrap(), vec![false, true, true]);
}

#[test]
fn select_broadcasts_all_three() {
    let cond = Tensor::from_vec(vec![true, false], [2, 1]).unwrap();
    let a = Tensor::from([1.0f64, 2.0, 3.0]);
    let b = Tensor::from(-1.0f64);
    let y = select("SelectV2", &cond, &a, &b).unwrap();
    assert_eq!(y.dims(), &[2, 3]);
    assert_eq!(
        y.to_vec::<f64>().unwrap(),
        vec![1.0, 2.0, 3.0, -1.0, -1.0, -1.0]
    );
}

#[test]
fn select_works_on_strings() {
    let cond = Tensor::from([true, false]);
    let y = select(
        "SelectV2",
        &cond,
        &Tensor::from(vec!["a", "b"]),
        &Tensor::from("z"),
    )
    .unwrap();
    assert_eq!(y.as_strings().unwrap(), &[b"a".to_vec(), b"z".to_vec()]);
}

#[test]
fn select_large_matches_reference() {
    let n = 200_000;
    let c: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    let cond = Tensor::from_vec(c.clone(), [n]).unwrap();
    let a = Tensor::from_vec((0..n as i32).collect::<Vec<_>>(), [n]).unwrap();
    let y = select("SelectV2", &cond, &a, &Tensor::from(-1i32)).unwrap();
    let want: Vec<i32> = (0..n).map(|i| if c[i] { i as i32 } else { -1 }).collect();
    assert_eq!(y.to_vec::<i32>().unwrap(), want);
}

#[test]
fn select_errors() {
    let cond = Tensor::from([true]);
    let err = select(
        "SelectV2",
        &cond,
        &Tensor::zeros(DType::F32, [2, 3]).unwrap(),
        &Tensor::zeros(DType::F32, [4]).unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "SelectV2: condition [1], then [2,3], and else [4] must be broadcastable"
    );
    let err = select(
        "SelectV2",
        &cond,
        &Tensor::from([1.0f32]),
        &Tensor::from([1i32]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "SelectV2: expected dtype float32 (the dtype of then), got int32"
    );
    let err = select(
        "SelectV2",
        &Tensor::from([1.0f32]),
        &Tensor::from([1i32]),
        &Tensor::from([1i32]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "SelectV2: expected dtype bool, got float32"
    );
}

#[test]
fn broadcast_to_repeats_rows_and_columns() {
    let x = Tensor::from_vec(vec![1u8, 2], [2, 1]).unwrap();
    let y = broadcast_to("BroadcastTo", &x, &Shape::from([3, 2, 2])).unwrap();
    assert_eq!(
        y.to_vec::<u8>().unwrap(),
        vec![1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2]
    );
    let s = broadcast_to("BroadcastTo", &Tensor::from("hi"), &Shape::from([2])).unwrap();
    assert_eq!(s.as_strings().unwrap().len(), 2);
}

#[test]
fn broadcast_to_errors_like_tf() {
    let x = Tensor::zeros(DType::F32, [2, 3]).unwrap();
    let err = broadcast_to("BroadcastTo", &x, &Shape::from([4])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BroadcastTo: Rank of input (2) must be no greater than rank of output shape (1)."
    );
    let err = broadcast_to("BroadcastTo", &x, &Shape::from([2, 4])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BroadcastTo: Unable to broadcast tensor of shape [2,3] to tensor of shape [2,4]"
    );
    // [2,1] cannot shrink to [2,0]'s target, but [1] can grow to [0].
    assert!(
        broadcast_to("BroadcastTo", &Tensor::from([1.0f32]), &Shape::from([0]))
            .unwrap()
            .dims()
            == [0]
    );
}
