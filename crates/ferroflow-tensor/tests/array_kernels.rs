//! Data movement and cast kernels: error paths, empty tensors, strings, and
//! the tiled / parallel paths against a naive reference.

use ferroflow_tensor::kernels::array::*;
use ferroflow_tensor::kernels::cast::*;
use ferroflow_tensor::{DType, Shape, Tensor, TensorError};

fn iota(dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    Tensor::from_vec((0..n as i64).collect::<Vec<i64>>(), dims).unwrap()
}

fn msg(e: TensorError) -> String {
    e.to_string()
}

/// Transpose by walking every output multi-index (the definition).
fn naive_transpose(x: &Tensor, perm: &[usize]) -> Vec<i64> {
    let v = x.to_vec::<i64>().unwrap();
    let strides = x.shape().strides();
    let out_dims: Vec<usize> = perm.iter().map(|&p| x.dims()[p]).collect();
    let n: usize = out_dims.iter().product();
    (0..n)
        .map(|mut flat| {
            let mut src = 0;
            for (axis, &d) in out_dims.iter().enumerate().rev() {
                src += (flat % d) * strides[perm[axis]];
                flat /= d;
            }
            v[src]
        })
        .collect()
}

#[test]
fn transpose_large_and_odd_shapes_match_the_definition() {
    for (dims, perm) in [
        (vec![300, 257], vec![1, 0]),
        (vec![4, 33, 65, 3], vec![0, 3, 1, 2]),
        (vec![4, 3, 33, 65], vec![0, 2, 3, 1]),
        (vec![5, 40, 7, 60], vec![3, 1, 2, 0]),
        (vec![2, 1, 3, 1, 4], vec![4, 3, 2, 1, 0]),
        (vec![7, 9, 11], vec![0, 2, 1]),
    ] {
        let x = iota(&dims);
        let y = transpose("Transpose", &x, &perm).unwrap();
        assert_eq!(
            y.to_vec::<i64>().unwrap(),
            naive_transpose(&x, &perm),
            "{dims:?} {perm:?}"
        );
    }
}

#[test]
fn transpose_rejects_bad_perms() {
    let x = iota(&[2, 3, 4]);
    let e = msg(transpose("Transpose", &x, &[0, 0, 1]).unwrap_err());
    assert_eq!(e, "Transpose: 2 is missing from {0,0,1}.");
    let e = msg(transpose("Transpose", &x, &[0, 3, 1]).unwrap_err());
    assert_eq!(e, "Transpose: 3 is out of range [0 .. 3)");
    assert!(transpose("Transpose", &x, &[1, 0]).is_err());
}

#[test]
fn transpose_handles_empty_scalar_and_identity() {
    let e = Tensor::from_vec(Vec::<f32>::new(), [0, 3]).unwrap();
    assert_eq!(transpose("T", &e, &[1, 0]).unwrap().dims(), &[3, 0]);
    let s = Tensor::from(4.0f64);
    assert_eq!(transpose("T", &s, &[]).unwrap(), s);
    let x = iota(&[2, 3]);
    assert_eq!(transpose("T", &x, &[0, 1]).unwrap(), x);
}

#[test]
fn string_tensors_move_like_numbers() {
    let s = Tensor::from_strings(&["a", "b", "c", "d", "e", "f"], [2, 3]).unwrap();
    let t = transpose("T", &s, &[1, 0]).unwrap();
    let want = Tensor::from_strings(&["a", "d", "b", "e", "c", "f"], [3, 2]).unwrap();
    assert_eq!(t, want);
    let c = concat("C", &[&s, &s], 0).unwrap();
    assert_eq!(c.dims(), &[4, 3]);
    assert_eq!(c.as_strings().unwrap()[6], b"a");
    let r = reverse("R", &s, &[1]).unwrap();
    assert_eq!(r.as_strings().unwrap()[0], b"c");
    let p = pad("Pad", &s, &[(0, 1), (1, 0)], PadMode::Constant, 0.0).unwrap();
    assert_eq!(p.dims(), &[3, 4]);
    assert_eq!(p.as_strings().unwrap()[..2], [b"".to_vec(), b"a".to_vec()]);
    assert!(pad("Pad", &s, &[(1, 0), (0, 0)], PadMode::Constant, 1.0).is_err());
    let t = tile("Tile", &s, &[1, 2]).unwrap();
    assert_eq!(t.as_strings().unwrap()[3], b"a");
    let parts = split("Split", &s, &[2, 1], 1).unwrap();
    assert_eq!(
        parts[1].as_strings().unwrap(),
        &[b"c".to_vec(), b"f".to_vec()]
    );
}

#[test]
fn concat_errors_name_the_shapes() {
    let (a, b) = (iota(&[2, 3]), iota(&[3, 4]));
    let e = msg(concat("ConcatV2", &[&a, &b], 1).unwrap_err());
    assert_eq!(
        e,
        "ConcatV2: Dimension 0 in both shapes must be equal: shape[0] = [2,3] vs. shape[1] = [3,4]"
    );
    let e = msg(concat("ConcatV2", &[&a, &iota(&[3])], 0).unwrap_err());
    assert!(e.contains("Ranks of all input tensors should match"), "{e}");
    let f = Tensor::from([[1.0f32, 2.0, 3.0]]);
    assert!(matches!(
        concat("ConcatV2", &[&a, &f], 0),
        Err(TensorError::DType { .. })
    ));
    let s = Tensor::from(1i64);
    assert!(msg(concat("ConcatV2", &[&s, &s], 0).unwrap_err()).contains("scalars"));
    assert!(concat("ConcatV2", &[], 0).is_err());
    assert!(concat("ConcatV2", &[&a], 2).is_err());
}

#[test]
fn concat_with_empty_pieces_and_large_inputs() {
    let a = iota(&[2, 3]);
    let e = Tensor::from_vec(Vec::<i64>::new(), [2, 0]).unwrap();
    assert_eq!(concat("C", &[&e, &a, &e], 1).unwrap(), a);
    let big = iota(&[200, 300]);
    assert!(concat("C", &[&big, &iota(&[3, 2])], 0).is_err());
    let y = concat("C", &[&big, &big], 1).unwrap();
    let v = y.to_vec::<i64>().unwrap();
    assert_eq!(y.dims(), &[200, 600]);
    assert_eq!((v[599], v[600], v[300]), (299, 300, 0));
}

#[test]
fn split_checks_sizes_and_round_trips_concat() {
    let x = iota(&[4, 6, 5]);
    let parts = split("SplitV", &x, &[1, 3, 2], 1).unwrap();
    let refs: Vec<&Tensor> = parts.iter().collect();
    assert_eq!(concat("C", &refs, 1).unwrap(), x);
    assert!(split("SplitV", &x, &[1, 3], 1).is_err());
    assert!(split("SplitV", &x, &[6], 3).is_err());
    assert!(split("SplitV", &x, &[usize::MAX, 7], 1).is_err());
}

#[test]
fn tile_errors_and_empty() {
    let x = iota(&[2, 3]);
    assert!(tile("Tile", &x, &[2]).is_err());
    assert_eq!(tile("Tile", &x, &[0, 2]).unwrap().dims(), &[0, 6]);
    assert!(tile("Tile", &x, &[usize::MAX, 2]).is_err());
    assert_eq!(
        tile("Tile", &Tensor::from(3i32), &[]).unwrap(),
        Tensor::from(3i32)
    );
}

#[test]
fn pad_limits_follow_tensorflow() {
    let x = Tensor::from([1.0f32, 2.0, 3.0]);
    let e = msg(pad("MirrorPad", &x, &[(3, 0)], PadMode::Reflect, 0.0).unwrap_err());
    assert_eq!(
        e,
        "MirrorPad: paddings must be less than the dimension size: 3, 0 not less than 3"
    );
    let e = msg(pad("MirrorPad", &x, &[(4, 0)], PadMode::Symmetric, 0.0).unwrap_err());
    assert_eq!(
        e,
        "MirrorPad: paddings must be no greater than the dimension size: 4, 0 greater than 3"
    );
    let y = pad("MirrorPad", &x, &[(3, 3)], PadMode::Symmetric, 0.0).unwrap();
    assert_eq!(
        y,
        Tensor::from([3.0f32, 2.0, 1.0, 1.0, 2.0, 3.0, 3.0, 2.0, 1.0])
    );
    assert!(pad("Pad", &x, &[(1, 1), (1, 1)], PadMode::Constant, 0.0).is_err());
    let e = Tensor::from_vec(Vec::<i32>::new(), [0, 2]).unwrap();
    let y = pad("Pad", &e, &[(1, 0), (0, 1)], PadMode::Constant, 7.0).unwrap();
    assert_eq!(y, Tensor::from([[7, 7, 7]]));
    let b = Tensor::from([true]);
    let y = pad("Pad", &b, &[(1, 0)], PadMode::Constant, 0.0).unwrap();
    assert_eq!(y, Tensor::from([false, true]));
}

#[test]
fn pad_large_constant_matches_small_rows() {
    let x = iota(&[100, 400]);
    let y = pad("Pad", &x, &[(2, 1), (3, 4)], PadMode::Constant, -1.0).unwrap();
    let v = y.to_vec::<i64>().unwrap();
    assert_eq!(y.dims(), &[103, 407]);
    assert_eq!(&v[2 * 407..2 * 407 + 5], &[-1, -1, -1, 0, 1]);
    assert_eq!(v[102 * 407 + 3], -1);
    assert_eq!(v[101 * 407 + 402], 39999);
}

#[test]
fn reverse_errors_and_empty() {
    let x = iota(&[2, 3]);
    let e = msg(reverse("ReverseV2", &x, &[0, 0]).unwrap_err());
    assert_eq!(e, "ReverseV2: axis 0 specified more than once.");
    assert!(reverse("ReverseV2", &x, &[2]).is_err());
    assert_eq!(reverse("ReverseV2", &x, &[]).unwrap(), x);
    let e = Tensor::from_vec(Vec::<u8>::new(), [3, 0]).unwrap();
    assert_eq!(reverse("ReverseV2", &e, &[0, 1]).unwrap(), e);
}

#[test]
fn cast_follows_tensorflow_rules() {
    let f = Tensor::from([f32::NAN, 1e10, -1e10, -0.99]);
    let y = cast("Cast", &f, DType::I32).unwrap();
    assert_eq!(y, Tensor::from([0, i32::MAX, i32::MIN, 0]));
    let y = cast("Cast", &Tensor::from([-1.5f64, 256.0]), DType::U8).unwrap();
    assert_eq!(y, Tensor::from([0u8, 255]));
    let e = msg(cast("Cast", &Tensor::from("1.5"), DType::F32).unwrap_err());
    assert_eq!(e, "Cast: Cast string to float32 is not supported");
    assert!(cast("Cast", &Tensor::from(1.5f32), DType::String).is_err());
    let s = Tensor::from(vec!["x", "y"]);
    assert_eq!(cast("Cast", &s, DType::String).unwrap(), s);
    let big = iota(&[70000]);
    let y = cast("Cast", &big, DType::F32).unwrap();
    assert_eq!(y.as_slice::<f32>().unwrap()[69999], 69999.0);
    let e = Tensor::from_vec(Vec::<bool>::new(), [0]).unwrap();
    assert_eq!(cast("Cast", &e, DType::F64).unwrap().dims(), &[0]);
}

#[test]
fn range_errors_follow_tensorflow() {
    let e = msg(range("Range", 0.0, 5.0, 0.0, DType::I32).unwrap_err());
    assert_eq!(e, "Range: Requires delta != 0: 0");
    let e = msg(range("Range", 5.0, 1.0, 1.0, DType::I32).unwrap_err());
    assert_eq!(e, "Range: Requires start <= limit when delta > 0: 5/1");
    assert!(range("Range", 1.0, 5.0, -1.0, DType::F32).is_err());
    assert!(range("Range", 0.0, 1e30, 1e-30, DType::F32).is_err());
    assert!(range("Range", 0.0, 3.0, 1.0, DType::Bool).is_err());
    assert!(range("Range", 0.0, f64::NAN, 1.0, DType::F64).is_err());
    let y = range("Range", -3.0, 3.0, 2.0, DType::I64).unwrap();
    assert_eq!(y, Tensor::from([-3i64, -1, 1]));
}

#[test]
fn fill_takes_any_scalar() {
    let y = fill("Fill", &Shape::from([2, 1]), &Tensor::from("ab")).unwrap();
    assert_eq!(y, Tensor::from_strings(&["ab", "ab"], [2, 1]).unwrap());
    let y = fill("Fill", &Shape::from([0, 4]), &Tensor::from(true)).unwrap();
    assert_eq!(y.dims(), &[0, 4]);
    let e = msg(fill("Fill", &Shape::from([2]), &Tensor::from([1, 2])).unwrap_err());
    assert_eq!(e, "Fill: value must represent a scalar, got shape [2]");
    assert!(fill("Fill", &Shape::from([usize::MAX, 2]), &Tensor::from(1u8)).is_err());
}
