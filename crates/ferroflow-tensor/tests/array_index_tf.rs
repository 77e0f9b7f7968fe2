//! The array, indexing and cast kernels against TensorFlow 2.21's outputs
//! (`tests/fixtures/array_index_tf.txt`, written by
//! `tools/make_array_index_fixtures.py`; the calls here mirror the script's).

use ferroflow_tensor::kernels::array::*;
use ferroflow_tensor::kernels::cast::*;
use ferroflow_tensor::kernels::index::*;
use ferroflow_tensor::{DType, Shape, Tensor};

const FIXTURES: &str = include_str!("fixtures/array_index_tf.txt");

/// `np.arange(n).reshape(dims)` as f32.
fn iota(dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    Tensor::from_vec((0..n).map(|v| v as f32).collect::<Vec<f32>>(), dims).unwrap()
}

/// `iota(dims) + by`.
fn iota_plus(dims: &[usize], by: f32) -> Tensor {
    let v: Vec<f32> = iota(dims).to_vec::<f32>().unwrap();
    Tensor::from_vec(v.into_iter().map(|x| x + by).collect::<Vec<f32>>(), dims).unwrap()
}

/// Asserts `got` equals TensorFlow's output for case `name`: same dtype,
/// shape and values (bit-exact up to -0.0 == 0.0).
fn check(name: &str, got: &Tensor) {
    let line = FIXTURES
        .lines()
        .find(|l| l.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("no fixture {name}"));
    let (head, values) = line
        .split_once(" : ")
        .unwrap_or((line.trim_end_matches(" :"), ""));
    let head: Vec<&str> = head.split(' ').collect();
    let dtype = match head[1] {
        "float32" => DType::F32,
        "float64" => DType::F64,
        "int32" => DType::I32,
        "int64" => DType::I64,
        "uint8" => DType::U8,
        "bool" => DType::Bool,
        other => panic!("unknown dtype {other}"),
    };
    let dims: Vec<usize> = head[2]
        .split(',')
        .filter(|d| *d != "-")
        .map(|d| d.parse().unwrap())
        .collect();
    let want: Vec<f64> = values
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(got.dtype(), dtype, "{name}: dtype");
    assert_eq!(got.dims(), dims.as_slice(), "{name}: shape");
    assert_eq!(got.to_f64_vec().unwrap(), want, "{name}: values");
}

#[test]
fn transpose_matches_tensorflow() {
    check(
        "transpose_201",
        &transpose("T", &iota(&[2, 3, 4]), &[2, 0, 1]).unwrap(),
    );
    check(
        "transpose_2d",
        &transpose("T", &iota(&[37, 53]), &[1, 0]).unwrap(),
    );
    let x = iota(&[2, 3, 4, 5]);
    check(
        "transpose_nhwc_nchw",
        &transpose("T", &x, &[0, 3, 1, 2]).unwrap(),
    );
    check(
        "transpose_nchw_nhwc",
        &transpose("T", &x, &[0, 2, 3, 1]).unwrap(),
    );
    check(
        "transpose_1032",
        &transpose("T", &x, &[1, 0, 3, 2]).unwrap(),
    );
}

#[test]
fn concat_tile_pad_reverse_split_match_tensorflow() {
    let (a, b) = (iota(&[2, 3]), iota_plus(&[2, 2], 10.0));
    check("concat_axis1", &concat("C", &[&a, &b], 1).unwrap());
    let (a, b) = (iota(&[1, 3]), iota_plus(&[2, 3], 10.0));
    check("concat_axis0", &concat("C", &[&a, &b], 0).unwrap());
    check("tile_23", &tile("Tile", &iota(&[2, 3]), &[2, 3]).unwrap());
    let x = iota(&[2, 3]);
    check(
        "pad_constant",
        &pad("Pad", &x, &[(1, 2), (2, 1)], PadMode::Constant, 9.0).unwrap(),
    );
    let x = iota(&[3, 4]);
    check(
        "pad_reflect",
        &pad("Pad", &x, &[(2, 1), (3, 3)], PadMode::Reflect, 0.0).unwrap(),
    );
    check(
        "pad_symmetric",
        &pad("Pad", &x, &[(3, 2), (1, 4)], PadMode::Symmetric, 0.0).unwrap(),
    );
    check(
        "reverse_02",
        &reverse("R", &iota(&[2, 3, 4]), &[0, 2]).unwrap(),
    );
    let parts = split("Split", &iota(&[2, 5]), &[2, 0, 3], 1).unwrap();
    assert_eq!(parts[1].dims(), &[2, 0]);
    check("split_1", &parts[2]);
}

fn spec(begin: &[i64], end: &[i64], strides: &[i64], masks: [i64; 5]) -> StridedSliceSpec {
    StridedSliceSpec {
        begin: begin.to_vec(),
        end: end.to_vec(),
        strides: strides.to_vec(),
        begin_mask: masks[0],
        end_mask: masks[1],
        ellipsis_mask: masks[2],
        new_axis_mask: masks[3],
        shrink_axis_mask: masks[4],
    }
}

fn run_ss(x: &Tensor, s: &StridedSliceSpec) -> Tensor {
    let plan = strided_slice_plan("StridedSlice", x.shape(), s).unwrap();
    strided_slice("StridedSlice", x, &plan).unwrap()
}

#[test]
fn slices_match_tensorflow() {
    let x = iota(&[3, 4, 5]);
    check(
        "slice_345",
        &slice("Slice", &x, &[1, 0, 2], &[2, 3, 2]).unwrap(),
    );
    let x = iota(&[2, 3, 4]);
    // x[..., 1]
    check(
        "ss_ellipsis_1",
        &run_ss(&x, &spec(&[0, 1], &[0, 2], &[1, 1], [0, 0, 1, 0, 2])),
    );
    // x[:, None]
    check(
        "ss_newaxis",
        &run_ss(&x, &spec(&[0, 0], &[0, 0], &[1, 1], [1, 1, 0, 2, 0])),
    );
    // x[::-1]
    check(
        "ss_reverse",
        &run_ss(&x, &spec(&[0], &[0], &[-1], [1, 1, 0, 0, 0])),
    );
    // x[-1]
    check(
        "ss_last",
        &run_ss(&x, &spec(&[-1], &[0], &[1], [0, 0, 0, 0, 1])),
    );
    // x[::-2, ..., None, 1:]
    let s = spec(&[0, 0, 0, 1], &[0; 4], &[-2, 1, 1, 1], [9, 11, 2, 4, 0]);
    check("ss_ellipsis_newaxis", &run_ss(&x, &s));
    // x[1:-1:2, :0:-2, 3]
    let mixed = spec(&[1, -1, 3], &[-1, 0, 4], &[2, -2, 1], [0, 0, 0, 0, 4]);
    check("ss_mixed", &run_ss(&iota(&[5, 6, 7]), &mixed));
    // x[10:-10:-3], x[4:2]
    let v = iota(&[6]);
    check("ss_clamp", &run_ss(&v, &spec(&[10], &[-10], &[-3], [0; 5])));
    check("ss_empty", &run_ss(&v, &spec(&[4], &[2], &[1], [0; 5])));
    let input = Shape::from([5, 6, 7]);
    let plan = strided_slice_plan("StridedSlice", &input, &mixed).unwrap();
    let dy = iota_plus(&[2, 3], 1.0);
    check(
        "ss_grad",
        &strided_slice_grad("StridedSliceGrad", &input, &plan, &dy).unwrap(),
    );
}

#[test]
fn gathers_and_scatters_match_tensorflow() {
    let params = iota(&[4, 3]);
    let idx = Tensor::from([[3i32, 1], [0, 3]]);
    check("gather_axis0", &gather("G", &params, &idx, 0, 0).unwrap());
    let idx = Tensor::from([2i64, 0, 2]);
    check("gather_axis1", &gather("G", &params, &idx, 1, 0).unwrap());
    let idx = Tensor::from([[2i32, 0], [1, 1]]);
    check(
        "gather_batch",
        &gather("G", &iota(&[2, 3, 4]), &idx, 1, 1).unwrap(),
    );
    let idx = Tensor::from([[1i64, 3], [0, 0]]);
    let y = gather("G", &iota(&[2, 3, 4, 2]), &idx, 2, 1).unwrap();
    check("gather_batch_axis2", &y);
    let x = iota(&[2, 3, 4]);
    let idx = Tensor::from([[0i32, 1], [1, 2]]);
    check("gather_nd_pairs", &gather_nd("G", &x, &idx).unwrap());
    let idx = Tensor::from([[[1i64, 2, 3]], [[0, 0, 1]]]);
    check("gather_nd_full", &gather_nd("G", &x, &idx).unwrap());
    let idx = Tensor::from([[0i32], [2], [0]]);
    let shape = Shape::from([4, 4]);
    let y = scatter_nd("S", &idx, &iota_plus(&[3, 4], 1.0), &shape).unwrap();
    check("scatter_nd", &y);
    let ids = Tensor::from([0i32, 2, -1, 0]);
    check(
        "segment_sum",
        &unsorted_segment_sum("U", &iota(&[4, 3]), &ids, 3).unwrap(),
    );
}

#[test]
fn one_hot_matches_tensorflow() {
    let idx = Tensor::from([[0i64, 2], [-1, 5]]);
    let (on, off) = (Tensor::from(5.0f32), Tensor::from(-1.0f32));
    check(
        "one_hot_axis0",
        &one_hot("O", &idx, 3, &on, &off, 0).unwrap(),
    );
    let (on, off) = (Tensor::from(5i32), Tensor::from(-1i32));
    check(
        "one_hot_axis1",
        &one_hot("O", &idx, 3, &on, &off, 1).unwrap(),
    );
    let (on, off) = (Tensor::from(true), Tensor::from(false));
    check(
        "one_hot_last",
        &one_hot("O", &idx, 3, &on, &off, -1).unwrap(),
    );
}

#[test]
fn cast_range_match_tensorflow() {
    let f = Tensor::from([-2.7f32, -0.5, 0.0, 0.5, 2.7, 255.9, 300.0]);
    check("cast_f32_i32", &cast("Cast", &f, DType::I32).unwrap());
    check("cast_f32_bool", &cast("Cast", &f, DType::Bool).unwrap());
    let i = Tensor::from([(1i64 << 33) + 5, -1, 1 << 31]);
    check("cast_i64_i32", &cast("Cast", &i, DType::I32).unwrap());
    let i = Tensor::from([300i32, -1, 7]);
    check("cast_i32_u8", &cast("Cast", &i, DType::U8).unwrap());
    let b = Tensor::from([true, false]);
    check("cast_bool_f64", &cast("Cast", &b, DType::F64).unwrap());
    let d = Tensor::from([0.1f64, 1e300, -1e-300]);
    check("cast_f64_f32", &cast("Cast", &d, DType::F32).unwrap());
    check(
        "range_i32",
        &range("Range", 0.0, 10.0, 3.0, DType::I32).unwrap(),
    );
    check(
        "range_i32_neg",
        &range("Range", 10.0, 1.0, -3.0, DType::I32).unwrap(),
    );
    check(
        "range_f32",
        &range("Range", 0.0, 1.0, 0.1, DType::F32).unwrap(),
    );
    check(
        "range_f64_neg",
        &range("Range", 1.0, -1.0, -0.3, DType::F64).unwrap(),
    );
    check(
        "range_i64_empty",
        &range("Range", 3.0, 3.0, 1.0, DType::I64).unwrap(),
    );
}
