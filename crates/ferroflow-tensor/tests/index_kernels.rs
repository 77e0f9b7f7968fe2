//! Indexing kernels: error paths (with TensorFlow's wording), empty tensors,
//! strings, and the parallel paths against a naive reference.

use ferroflow_tensor::kernels::index::*;
use ferroflow_tensor::{Shape, Tensor, TensorError};

fn iota(dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    Tensor::from_vec((0..n as i32).collect::<Vec<i32>>(), dims).unwrap()
}

fn msg(e: TensorError) -> String {
    e.to_string()
}

fn spec(begin: &[i64], end: &[i64], strides: &[i64]) -> StridedSliceSpec {
    StridedSliceSpec {
        begin: begin.to_vec(),
        end: end.to_vec(),
        strides: strides.to_vec(),
        ..Default::default()
    }
}

fn plan_err(shape: &[usize], s: &StridedSliceSpec) -> String {
    msg(strided_slice_plan("StridedSlice", &Shape::from(shape), s).unwrap_err())
}

#[test]
fn slice_checks_bounds_and_allows_empty() {
    let x = iota(&[2, 3, 4]);
    let e = msg(slice("Slice", &x, &[1, 0, 0], &[2, 1, 1]).unwrap_err());
    assert_eq!(e, "Slice: Expected size[0] in [0, 1], but got 2");
    assert!(slice("Slice", &x, &[3, 0, 0], &[0, 1, 1]).is_err());
    assert!(slice("Slice", &x, &[0, 0], &[1, 1]).is_err());
    let y = slice("Slice", &x, &[2, 3, 4], &[0, 0, 0]).unwrap();
    assert_eq!(y.dims(), &[0, 0, 0]);
    let y = slice("Slice", &x, &[1, 1, 0], &[1, 2, 4]).unwrap();
    assert_eq!(y.to_vec::<i32>().unwrap(), (16..24).collect::<Vec<i32>>());
}

#[test]
fn strided_slice_plan_errors_follow_tensorflow() {
    let e = plan_err(&[2, 3, 4], &spec(&[0], &[1], &[0]));
    assert_eq!(e, "StridedSlice: strides[0] must be non-zero");
    let shrink = |b: i64| StridedSliceSpec {
        shrink_axis_mask: 1,
        ..spec(&[b], &[b + 1], &[1])
    };
    let e = plan_err(&[2, 3, 4], &shrink(5));
    assert_eq!(
        e,
        "StridedSlice: slice index 5 of dimension 0 out of bounds."
    );
    let e = plan_err(&[2, 3, 4], &shrink(-5));
    assert_eq!(
        e,
        "StridedSlice: slice index -3 of dimension 0 out of bounds."
    );
    assert!(plan_err(&[0, 2], &shrink(0)).contains("out of bounds"));
    let e = plan_err(&[2, 3, 4], &spec(&[0; 4], &[1; 4], &[1; 4]));
    assert_eq!(
        e,
        "StridedSlice: Index out of range using input dim 3; input has only 3 dims"
    );
    let two_ellipses = StridedSliceSpec {
        ellipsis_mask: 3,
        ..spec(&[0, 0], &[0, 0], &[1, 1])
    };
    assert!(plan_err(&[2, 3], &two_ellipses).contains("Multiple ellipses"));
    assert!(plan_err(&[2, 3], &spec(&[0, 0], &[1], &[1, 1])).contains("equal size"));
    let back_shrink = StridedSliceSpec {
        shrink_axis_mask: 1,
        ..spec(&[1], &[0], &[-1])
    };
    assert!(plan_err(&[2, 3], &back_shrink).contains("only stride 1"));
}

#[test]
fn strided_slice_masks_give_tensorflow_shapes() {
    let x = iota(&[2, 3, 4]);
    let run = |s: StridedSliceSpec| {
        let plan = strided_slice_plan("StridedSlice", x.shape(), &s).unwrap();
        strided_slice("StridedSlice", &x, &plan).unwrap()
    };
    // x[...]
    let all = StridedSliceSpec {
        ellipsis_mask: 1,
        ..spec(&[0], &[0], &[1])
    };
    assert_eq!(run(all), x);
    // x[None, ..., None]
    let around = StridedSliceSpec {
        new_axis_mask: 5,
        ellipsis_mask: 2,
        ..spec(&[0; 3], &[0; 3], &[1; 3])
    };
    let plan = strided_slice_plan("StridedSlice", x.shape(), &around).unwrap();
    assert_eq!(plan.final_sources, [None, Some(0), Some(1), Some(2), None]);
    assert_eq!(run(around).dims(), &[1, 2, 3, 4, 1]);
    // x[1, -1, ::-3]
    let picked = StridedSliceSpec {
        shrink_axis_mask: 3,
        begin_mask: 4,
        end_mask: 4,
        ..spec(&[1, -1, 0], &[2, 0, 0], &[1, 1, -3])
    };
    let y = run(picked);
    assert_eq!(y, Tensor::from([23, 20]));
    // x[1, 2, 3] is a scalar
    let point = StridedSliceSpec {
        shrink_axis_mask: 7,
        ..spec(&[1, 2, 3], &[2, 3, 4], &[1, 1, 1])
    };
    assert_eq!(run(point), Tensor::from(23));
    let plan = strided_slice_plan("StridedSlice", &Shape::from([4]), &spec(&[0], &[1], &[1]));
    assert!(strided_slice("StridedSlice", &x, &plan.unwrap()).is_err());
}

#[test]
fn strided_slice_grad_scatters_into_zeros() {
    let shape = Shape::from([3, 4]);
    // x[::2, ::-3]
    let s = StridedSliceSpec {
        begin_mask: 3,
        end_mask: 3,
        ..spec(&[0, 0], &[0, 0], &[2, -3])
    };
    let plan = strided_slice_plan("StridedSlice", &shape, &s).unwrap();
    assert_eq!(plan.final_shape, Shape::from([2, 2]));
    let dy = Tensor::from([[1.0f64, 2.0], [3.0, 4.0]]);
    let dx = strided_slice_grad("StridedSliceGrad", &shape, &plan, &dy).unwrap();
    let want = Tensor::from([
        [2.0f64, 0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 0.0],
        [4.0, 0.0, 0.0, 3.0],
    ]);
    assert_eq!(dx, want);
    let e = strided_slice_grad("StridedSliceGrad", &shape, &plan, &Tensor::from([1.0f64]));
    assert_eq!(
        msg(e.unwrap_err()),
        "StridedSliceGrad: shape of dy was [1] instead of [2,2]"
    );
    let empty = Shape::from([0, 3]);
    let plan = strided_slice_plan("StridedSlice", &empty, &spec(&[0], &[0], &[1])).unwrap();
    let dy = Tensor::from_vec(Vec::<f32>::new(), [0, 3]).unwrap();
    let dx = strided_slice_grad("StridedSliceGrad", &empty, &plan, &dy).unwrap();
    assert_eq!(dx.dims(), &[0, 3]);
}

#[test]
fn gather_errors_name_the_index() {
    let params = Tensor::from([[1, 2], [3, 4]]);
    let idx = Tensor::from([[0i32, 1], [2, 0]]);
    let e = gather("GatherV2", &params, &idx, 0, 0).unwrap_err();
    assert_eq!(msg(e), "GatherV2: indices[1,0] = 2 is out of range [0, 2)");
    let neg = Tensor::from([-1i64]);
    assert!(matches!(
        gather("GatherV2", &params, &neg, 1, 0),
        Err(TensorError::OutOfRange { index: -1, .. })
    ));
    let f = Tensor::from([0.0f32]);
    assert!(matches!(
        gather("GatherV2", &params, &f, 0, 0),
        Err(TensorError::DType { .. })
    ));
    assert!(gather("GatherV2", &params, &neg, 2, 0).is_err());
    let idx = Tensor::from([[0i32], [1]]);
    assert!(gather("GatherV2", &params, &idx, 0, 1).is_err());
    assert!(gather("GatherV2", &params, &idx, 1, 3).is_err());
    let idx = Tensor::from([[0i32], [1], [0]]);
    assert!(gather("GatherV2", &params, &idx, 1, 1).is_err());
    let empty = Tensor::from_vec(Vec::<i32>::new(), [2, 0]).unwrap();
    let e = gather("GatherV2", &empty, &Tensor::from([0i32]), 1, 0).unwrap_err();
    assert_eq!(msg(e), "GatherV2: indices[0] = 0 is out of range [0, 0)");
}

#[test]
fn gather_empty_strings_and_scalar_indices() {
    let params = Tensor::from(vec!["a", "b", "c"]);
    let y = gather("GatherV2", &params, &Tensor::from(2i64), 0, 0).unwrap();
    assert_eq!(y, Tensor::from("c"));
    let none = Tensor::from_vec(Vec::<i32>::new(), [0]).unwrap();
    let y = gather("GatherV2", &iota(&[3, 4]), &none, 0, 0).unwrap();
    assert_eq!(y.dims(), &[0, 4]);
    let y = gather("GatherV2", &iota(&[3, 4]), &none, 1, 0).unwrap();
    assert_eq!(y.dims(), &[3, 0]);
}

#[test]
fn large_gather_matches_the_definition() {
    let params = iota(&[1000, 64]);
    let idx: Vec<i64> = (0..3000).map(|i| (i * 7919) % 1000).collect();
    let y = gather("GatherV2", &params, &Tensor::from(idx.clone()), 0, 0).unwrap();
    let v = y.to_vec::<i32>().unwrap();
    assert_eq!(y.dims(), &[3000, 64]);
    for (n, &i) in idx.iter().enumerate().step_by(97) {
        assert_eq!(v[n * 64 + 5], i as i32 * 64 + 5);
    }
    let y = gather_nd(
        "GatherNd",
        &params,
        &Tensor::from_vec(idx.clone(), [3000, 1]).unwrap(),
    );
    assert_eq!(y.unwrap().to_vec::<i32>().unwrap(), v);
}

#[test]
fn gather_nd_and_scatter_nd_errors_follow_tensorflow() {
    let x = iota(&[2, 3, 4]);
    let idx = Tensor::from([[0i32, 1], [1, 5]]);
    let e = msg(gather_nd("GatherNd", &x, &idx).unwrap_err());
    assert_eq!(
        e,
        "GatherNd: indices[1] = [1, 5] does not index into param shape [2,3,4]"
    );
    let deep = Tensor::from_vec(vec![0i32; 4], [1, 4]).unwrap();
    assert!(gather_nd("GatherNd", &x, &deep).is_err());
    assert!(gather_nd("GatherNd", &x, &Tensor::from(0i32)).is_err());
    // k = 0: every empty tuple names the whole tensor.
    let whole = Tensor::from_vec(Vec::<i64>::new(), [2, 0]).unwrap();
    assert_eq!(
        gather_nd("GatherNd", &x, &whole).unwrap().dims(),
        &[2, 2, 3, 4]
    );
    let shape = Shape::from([4]);
    let idx = Tensor::from([[5i64]]);
    let e = msg(scatter_nd("ScatterNd", &idx, &Tensor::from([1.0f32]), &shape).unwrap_err());
    assert_eq!(
        e,
        "ScatterNd: indices[0] = [5] does not index into output shape [4]"
    );
    let idx = Tensor::from([[1i64]]);
    let e = scatter_nd("ScatterNd", &idx, &Tensor::from([1.0f32, 2.0]), &shape);
    assert!(msg(e.unwrap_err()).contains("Must have updates.shape"));
    let s = Tensor::from(vec!["a"]);
    assert!(matches!(
        scatter_nd("ScatterNd", &idx, &s, &shape),
        Err(TensorError::DType { .. })
    ));
}

#[test]
fn unsorted_segment_sum_checks_ids() {
    let data = Tensor::from([1.0f32, 2.0, 3.0]);
    let e = unsorted_segment_sum("UnsortedSegmentSum", &data, &Tensor::from([0i32, 3, 1]), 2);
    assert_eq!(
        msg(e.unwrap_err()),
        "UnsortedSegmentSum: segment_ids[1] = 3 is out of range [0, 2)"
    );
    let e = unsorted_segment_sum("UnsortedSegmentSum", &data, &Tensor::from([0i32, 1]), 2);
    assert!(msg(e.unwrap_err()).contains("does not start with"));
    let y = unsorted_segment_sum("U", &data, &Tensor::from([-1i64, -1, 0]), 3).unwrap();
    assert_eq!(y, Tensor::from([3.0f32, 0.0, 0.0]));
    let y = unsorted_segment_sum("U", &data, &Tensor::from([0i64, 0, 0]), 0);
    assert!(y.is_err());
    let flags = Tensor::from([true]);
    assert!(unsorted_segment_sum("U", &flags, &Tensor::from([0i32]), 1).is_err());
}

#[test]
fn one_hot_checks_arguments() {
    let idx = Tensor::from([1i32, 2]);
    let (on, off) = (Tensor::from(1.0f32), Tensor::from(0.0f32));
    let e = msg(one_hot("OneHot", &idx, 3, &on, &off, 3).unwrap_err());
    assert_eq!(
        e,
        "OneHot: Expected axis to be -1 or between [0, 2).  But received: 3"
    );
    assert!(one_hot("OneHot", &idx, 3, &on, &Tensor::from(0.0f64), -1).is_err());
    assert!(one_hot("OneHot", &idx, 3, &Tensor::from([1.0f32]), &off, -1).is_err());
    assert!(one_hot("OneHot", &Tensor::from([0.5f32]), 3, &on, &off, -1).is_err());
    let bytes = Tensor::from([0u8, 1]);
    let y = one_hot("OneHot", &bytes, 2, &on, &off, -1).unwrap();
    assert_eq!(y, Tensor::from([[1.0f32, 0.0], [0.0, 1.0]]));
    let y = one_hot("OneHot", &Tensor::from(1i64), 0, &on, &off, -1).unwrap();
    assert_eq!(y.dims(), &[0]);
    let s = one_hot("OneHot", &idx, 2, &Tensor::from("y"), &Tensor::from("n"), 0).unwrap();
    assert_eq!(
        s,
        Tensor::from_strings(&["n", "n", "y", "n"], [2, 2]).unwrap()
    );
}

#[test]
fn large_strided_slice_and_grad_match_the_definition() {
    // x[::-3, 5:45:2, ::-1] on [64, 50, 33] (parallel copy, negative steps)
    let x = iota(&[64, 50, 33]);
    let s = StridedSliceSpec {
        begin_mask: 5,
        end_mask: 5,
        ..spec(&[0, 5, 0], &[0, 45, 0], &[-3, 2, -1])
    };
    let plan = strided_slice_plan("StridedSlice", x.shape(), &s).unwrap();
    let y = strided_slice("StridedSlice", &x, &plan).unwrap();
    let mut want = Vec::new();
    for i in (0..64).rev().step_by(3) {
        for j in (5..45).step_by(2) {
            for k in (0..33).rev() {
                want.push((i * 50 + j) * 33 + k);
            }
        }
    }
    assert_eq!(y.dims(), &[22, 20, 33]);
    assert_eq!(y.to_vec::<i32>().unwrap(), want);
    // The gradient puts every value back where it came from.
    let dx = strided_slice_grad("StridedSliceGrad", x.shape(), &plan, &y).unwrap();
    let (dx, xs) = (dx.to_vec::<i32>().unwrap(), x.to_vec::<i32>().unwrap());
    let taken: std::collections::HashSet<i32> = want.into_iter().collect();
    for (g, v) in dx.iter().zip(&xs) {
        assert_eq!(*g, if taken.contains(v) { *v } else { 0 });
    }
}

#[test]
fn whole_tensor_views_share_the_buffer() {
    let x = iota(&[2, 3]);
    // x[:, None]
    let s = StridedSliceSpec {
        begin_mask: 1,
        end_mask: 1,
        new_axis_mask: 2,
        ..spec(&[0, 0], &[0, 0], &[1, 1])
    };
    let plan = strided_slice_plan("StridedSlice", x.shape(), &s).unwrap();
    let y = strided_slice("StridedSlice", &x, &plan).unwrap();
    assert_eq!(y.dims(), &[2, 1, 3]);
    assert!(std::sync::Arc::ptr_eq(y.storage(), x.storage()));
    let t = ferroflow_tensor::kernels::array::transpose("T", &y, &[1, 0, 2]).unwrap();
    assert_eq!(t.dims(), &[1, 2, 3]);
    assert!(std::sync::Arc::ptr_eq(t.storage(), x.storage()));
    let part = slice("Slice", &x, &[1, 0], &[1, 3]).unwrap();
    assert!(!std::sync::Arc::ptr_eq(part.storage(), x.storage()));
    assert_eq!(part, Tensor::from([[3, 4, 5]]));
}
