//! Array manipulation and indexing ops: values (TensorFlow's, from
//! `tools/make_array_ops_fixtures.py` where not obvious), static shape
//! rules with unknown dimensions, finite-difference gradient checks in f64,
//! and errors.

use ferroflow_core::gradients::gradients;
use ferroflow_core::graph::Graph;
use ferroflow_core::ops::{
    einsum, scatter_nd, slice_spec, tensordot, ConcatV2, GatherNd, GatherV2, OneHot, Pack, Pad,
    Slice, Split, StridedSlice, Tile, Transpose, Unpack, UnsortedSegmentSum,
};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_core::testing::check_gradients;
use ferroflow_core::{s, OpDef, PartialShape, Result, TensorSpec};
use std::collections::HashMap;

/// `1, 2, …, n` in f64, shaped.
fn iota(dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    Tensor::from_vec((1..=n).map(|v| v as f64).collect(), dims.to_vec()).unwrap()
}

/// Deterministic, well-spread values in [lo, hi) for a shape (a golden
/// ratio sequence started at `seed`).
fn values(dims: &[usize], lo: f64, hi: f64, seed: u64) -> Tensor {
    let n: usize = dims.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|k| lo + (hi - lo) * ((seed as f64 * 0.1 + k as f64 * 0.618_033_988_75) % 1.0))
        .collect();
    Tensor::from_vec(v, dims.to_vec()).unwrap()
}

/// TensorFlow's results, by case name.
fn fixtures() -> HashMap<String, Tensor> {
    let text = include_str!("fixtures/array_ops_tf.txt");
    let mut out = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (head, vals) = line.split_once(" : ").unwrap();
        let mut head = head.split(' ');
        let (name, dtype, shape) = (head.next(), head.next(), head.next());
        assert_eq!(dtype, Some("float64"), "{line}");
        let dims: Vec<usize> = match shape.unwrap() {
            "-" => vec![],
            s => s.split(',').map(|d| d.parse().unwrap()).collect(),
        };
        let data: Vec<f64> = vals
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        let t = Tensor::from_vec(data, dims).unwrap();
        out.insert(name.unwrap().to_string(), t);
    }
    out
}

fn expect_tf(fx: &HashMap<String, Tensor>, name: &str, got: &Tensor) {
    let want = &fx[name];
    assert_eq!(got.dims(), want.dims(), "{name}: shape");
    assert!(
        got.allclose(want, 1e-12, 1e-12),
        "{name}: got {got}, want {want}"
    );
}

/// The gradient of `sum(iota(y.shape) * f(x))` at `x`, as the fixtures'
/// `grad_*` cases compute it.
fn weighted_grad(x: &Tensor, f: impl Fn(&Tensor) -> Result<Tensor>) -> Tensor {
    let tape = GradientTape::new();
    tape.watch(x);
    let y = f(x).unwrap();
    let loss = y.mul(&iota(y.dims())).unwrap();
    tape.gradient(&loss, &[x]).unwrap().pop().flatten().unwrap()
}

/// Checks the gradient of `f` by finite differences, weighting the output
/// so that where each element goes matters (a plain sum hides
/// permutations).
fn check(name: &str, inputs: &[Tensor], f: impl Fn(&[Tensor]) -> Result<Tensor>) {
    check_gradients(
        |v| {
            let y = f(v)?;
            y.mul(&values(y.dims(), 0.5, 2.0, 99))
        },
        inputs,
        1e-6,
        1e-6,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
}

fn err_text(r: Result<impl std::fmt::Debug>) -> String {
    r.expect_err("expected an error").to_string()
}

fn spec(dims: &[Option<usize>]) -> TensorSpec {
    TensorSpec::new(DType::F32, PartialShape::from_dims(dims))
}

fn int_spec(dims: &[Option<usize>]) -> TensorSpec {
    TensorSpec::new(DType::I32, PartialShape::from_dims(dims))
}

fn inferred(op: &impl OpDef, inputs: &[TensorSpec]) -> Vec<String> {
    op.infer(inputs)
        .unwrap()
        .iter()
        .map(|s| s.shape.to_string())
        .collect()
}

#[test]
fn transpose_permutes_and_defaults_to_reversed_dims() {
    let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
    assert_eq!(
        x.transpose(&[1, 0]).unwrap(),
        Tensor::from([[1, 4], [2, 5], [3, 6]])
    );
    assert_eq!(x.transpose(&[]).unwrap(), x.transpose(&[1, 0]).unwrap());
    let y = iota(&[2, 3, 4]).transpose(&[2, 0, 1]).unwrap();
    assert_eq!(y.dims(), &[4, 2, 3]);
    // y[k, i, j] = x[i, j, k] = 1 + 12i + 4j + k
    assert_eq!(y.to_vec::<f64>().unwrap()[..4], [1.0, 5.0, 9.0, 13.0]);
    let s = Tensor::from_strings(&["a", "b", "c", "d"], [2, 2]).unwrap();
    let t = s.transpose(&[]).unwrap();
    assert_eq!(
        t.as_strings().unwrap(),
        &[b"a".to_vec(), b"c".to_vec(), b"b".to_vec(), b"d".to_vec()]
    );
    let empty = Tensor::zeros(DType::F32, [0, 3]).unwrap();
    assert_eq!(empty.transpose(&[]).unwrap().dims(), &[3, 0]);
}

#[test]
fn concat_joins_along_negative_axes_empty_tensors_and_strings() {
    let a = Tensor::from([[1, 2], [3, 4]]);
    let b = Tensor::from([[5], [6]]);
    assert_eq!(
        concat(&[&a, &b], -1).unwrap(),
        Tensor::from([[1, 2, 5], [3, 4, 6]])
    );
    let none = Tensor::zeros(DType::I32, [0, 2]).unwrap();
    assert_eq!(concat(&[&none, &a, &none], 0).unwrap(), a);
    assert_eq!(concat(&[&a], 1).unwrap(), a);
    let s1 = Tensor::from(vec!["x", "y"]);
    let s2 = Tensor::from(vec!["z"]);
    let joined = concat(&[&s1, &s2], 0).unwrap();
    assert_eq!(joined.as_strings().unwrap().concat(), b"xyz".to_vec());
}

#[test]
fn stack_and_unstack_are_inverses() {
    let a = Tensor::from([1, 2, 3]);
    let b = Tensor::from([4, 5, 6]);
    assert_eq!(
        stack(&[&a, &b], 0).unwrap(),
        Tensor::from([[1, 2, 3], [4, 5, 6]])
    );
    let cols = stack(&[&a, &b], -1).unwrap();
    assert_eq!(cols, Tensor::from([[1, 4], [2, 5], [3, 6]]));
    let parts = cols.unstack(None, -1).unwrap();
    assert_eq!(parts, vec![a.clone(), b.clone()]);
    let rows = cols.unstack(Some(3), 0).unwrap();
    assert_eq!(rows[2], Tensor::from([3, 6]));
    let scalars = stack(&[&Tensor::scalar(1.5f32), &Tensor::scalar(2.5f32)], 0).unwrap();
    assert_eq!(scalars, Tensor::from([1.5f32, 2.5]));
    assert!(Tensor::zeros(DType::F32, [0, 2])
        .unwrap()
        .unstack(None, 0)
        .unwrap()
        .is_empty());
}

#[test]
fn split_by_count_and_by_sizes_with_rest() {
    let x = iota(&[2, 6]);
    let thirds = x.split(3, 1).unwrap();
    assert_eq!(thirds.len(), 3);
    assert_eq!(thirds[1], Tensor::from([[3.0, 4.0], [9.0, 10.0]]));
    let parts = x.split([1, -1, 0], -1).unwrap();
    assert_eq!(parts[0].dims(), &[2, 1]);
    assert_eq!(parts[1].dims(), &[2, 5]);
    assert_eq!(parts[2].dims(), &[2, 0]);
    let rows = x.split(vec![1, 1], 0).unwrap();
    assert_eq!(
        rows[1],
        iota(&[6])
            .add(&Tensor::scalar(6.0))
            .unwrap()
            .reshape(&[1, 6])
            .unwrap()
    );
}

#[test]
fn tile_pad_reverse_values() {
    let x = Tensor::from([[1, 2]]);
    assert_eq!(
        x.tile(&[2, 2]).unwrap(),
        Tensor::from([[1, 2, 1, 2], [1, 2, 1, 2]])
    );
    assert_eq!(x.tile(&[0, 3]).unwrap().dims(), &[0, 6]);
    let v = Tensor::from([1, 2, 3]);
    let c = v.pad(&[(1, 2)], PadMode::Constant, 9.0).unwrap();
    assert_eq!(c, Tensor::from([9, 1, 2, 3, 9, 9]));
    let r = v.pad(&[(2, 2)], PadMode::Reflect, 0.0).unwrap();
    assert_eq!(r, Tensor::from([3, 2, 1, 2, 3, 2, 1]));
    let s = v.pad(&[(2, 2)], PadMode::Symmetric, 0.0).unwrap();
    assert_eq!(s, Tensor::from([2, 1, 1, 2, 3, 3, 2]));
    let words = Tensor::from(vec!["a"])
        .pad(&[(1, 0)], PadMode::Constant, 0.0)
        .unwrap();
    assert_eq!(words.as_strings().unwrap(), &[Vec::new(), b"a".to_vec()]);
    let m = Tensor::from([[1, 2, 3], [4, 5, 6]]);
    assert_eq!(
        m.reverse(&[0, -1]).unwrap(),
        Tensor::from([[6, 5, 4], [3, 2, 1]])
    );
    assert_eq!(m.reverse(&[]).unwrap(), m);
}

#[test]
fn ops_carry_tensorflow_op_types_and_attrs() {
    let pad = |mode, constant| Pad {
        paddings: vec![(1, 1)],
        mode,
        constant,
    };
    assert_eq!(pad(PadMode::Constant, 0.0).op_type(), "Pad");
    assert_eq!(pad(PadMode::Constant, 1.0).op_type(), "PadV2");
    let mirror = pad(PadMode::Symmetric, 0.0);
    assert_eq!(mirror.op_type(), "MirrorPad");
    assert!(mirror
        .attrs()
        .contains(&("mode", ferroflow_core::AttrValue::Str("SYMMETRIC".into()))));
    let split = |sizes: SplitSizes| Split { sizes, axis: 0 };
    assert_eq!(split(SplitSizes::Count(2)).op_type(), "Split");
    assert_eq!(split(SplitSizes::Sizes(vec![1, 1])).op_type(), "SplitV");
    let int = ferroflow_core::AttrValue::Int;
    let ss = StridedSlice {
        spec: slice_spec(&s![1.., Idx::NewAxis, 0]),
    };
    let attrs = ss.attrs();
    for (name, value) in [
        ("begin_mask", 0),
        ("end_mask", 1),
        ("new_axis_mask", 2),
        ("shrink_axis_mask", 4),
    ] {
        assert!(attrs.contains(&(name, int(value))), "{name} in {attrs:?}");
    }
    let unpack = Unpack { num: 3, axis: -1 }.attrs();
    assert_eq!(unpack, vec![("num", int(3)), ("axis", int(-1))]);
}

#[test]
fn slice_takes_blocks_with_minus_one_sizes() {
    let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
    assert_eq!(
        x.slice(&[0, 1], &[-1, 2]).unwrap(),
        Tensor::from([[2, 3], [5, 6]])
    );
    assert_eq!(
        x.slice(&[1, 0], &[1, -1]).unwrap(),
        Tensor::from([[4, 5, 6]])
    );
    assert_eq!(x.slice(&[2, 3], &[0, 0]).unwrap().dims(), &[0, 0]);
}

#[test]
fn python_style_indexing_matches_tensorflow() {
    let fx = fixtures();
    let x34 = iota(&[3, 4]);
    let x234 = iota(&[2, 3, 4]);
    let rev = Idx::slice(None, None, -1);
    expect_tf(
        &fx,
        "idx_rows_rev",
        &x34.index(&[Idx::from(1..), rev]).unwrap(),
    );
    expect_tf(
        &fx,
        "idx_ellipsis_0",
        &x234.index(&[Idx::Ellipsis, Idx::At(0)]).unwrap(),
    );
    expect_tf(
        &fx,
        "idx_newaxis",
        &iota(&[2, 3]).index(&s![.., Idx::NewAxis]).unwrap(),
    );
    expect_tf(&fx, "idx_last_row", &x34.index(&s![-1]).unwrap());
    let step2 = Idx::slice(None, None, 2);
    let mixed = iota(&[4, 3, 5]).index(&s![1..3, Idx::Ellipsis, Idx::NewAxis, step2]);
    expect_tf(&fx, "idx_mixed", &mixed.unwrap());
    let back = Idx::slice(Some(4), Some(1), -2);
    expect_tf(&fx, "idx_neg_step", &iota(&[6]).index(&[back]).unwrap());
    expect_tf(&fx, "idx_clamped", &iota(&[5]).index(&s![2..100]).unwrap());
    let middle = iota(&[2, 3, 4, 5]).index(&s![1, Idx::Ellipsis, 2..]);
    expect_tf(&fx, "idx_ellipsis_middle", &middle.unwrap());
    // The spec Python builds for x[1:, ::-1].
    let spec = slice_spec(&[Idx::from(1..), rev]);
    assert_eq!(
        (spec.begin, spec.end, spec.strides),
        (vec![1, 0], vec![0, 0], vec![1, -1])
    );
    assert_eq!((spec.begin_mask, spec.end_mask), (2, 3));
    // Strings move like numbers.
    let words = Tensor::from(vec!["a", "b", "c"]);
    let last = words.index(&[Idx::At(-1)]).unwrap();
    assert_eq!(last.as_strings().unwrap(), &[b"c".to_vec()]);
}

#[test]
fn gather_with_axis_batch_dims_and_gather_nd_match_tensorflow() {
    let fx = fixtures();
    let x = iota(&[2, 3, 4]);
    let params = Tensor::from([[1, 2, 3], [4, 5, 6]]);
    let idx = Tensor::from([2i64, 0, 2]);
    assert_eq!(
        params.gather(&idx, -1, 0).unwrap(),
        Tensor::from([[3, 1, 3], [6, 4, 6]])
    );
    assert_eq!(
        params.gather(&Tensor::from(1i32), 0, 0).unwrap(),
        Tensor::from([4, 5, 6])
    );
    let batch = x.gather(&Tensor::from([[3i32, 0], [1, 1]]), 2, 1).unwrap();
    expect_tf(&fx, "gather_batch1_axis2", &batch);
    let neg = x
        .gather(&Tensor::from([[2i64, 0, 2], [1, 1, 0]]), 1, -1)
        .unwrap();
    expect_tf(&fx, "gather_negative_batch", &neg);
    let nd = x.gather_nd(&Tensor::from([[[1i64, 2]], [[0, 0]]])).unwrap();
    expect_tf(&fx, "gather_nd_batchless", &nd);
    let words = Tensor::from(vec!["a", "b", "c"]);
    let picked = words.gather(&Tensor::from([2i32, 2, 0]), 0, 0).unwrap();
    assert_eq!(picked.as_strings().unwrap().concat(), b"cca".to_vec());
    let none = params.gather(&Tensor::from_vec(Vec::<i32>::new(), [0]).unwrap(), 1, 0);
    assert_eq!(none.unwrap().dims(), &[2, 0]);
}

#[test]
fn scatter_nd_and_unsorted_segment_sum_add_duplicates() {
    let indices = Tensor::from([[1i64], [3], [1]]);
    let updates = Tensor::from([1.0f32, 2.0, 3.0]);
    let y = scatter_nd(&indices, &updates, &Shape::from([5])).unwrap();
    assert_eq!(y, Tensor::from([0.0f32, 4.0, 0.0, 2.0, 0.0]));
    let data = Tensor::from([[1, 2], [3, 4], [5, 6]]);
    let ids = Tensor::from([1i32, -1, 1]);
    let sums = data.unsorted_segment_sum(&ids, 3).unwrap();
    assert_eq!(sums, Tensor::from([[0, 0], [6, 8], [0, 0]]));
}

#[test]
fn one_hot_places_on_values_along_axis() {
    let idx = Tensor::from([0i64, 2, -1]);
    let y = idx.one_hot(3, 1.0f32, 0.0f32, -1).unwrap();
    assert_eq!(
        y,
        Tensor::from([[1.0f32, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    );
    let t = idx.one_hot(3, 5i32, -1i32, 0).unwrap();
    assert_eq!(t, Tensor::from([[5, -1, -1], [-1, -1, -1], [-1, 5, -1]]));
    let bytes = Tensor::from(vec![1u8])
        .one_hot(2, 1.0f64, 0.0f64, -1)
        .unwrap();
    assert_eq!(bytes, Tensor::from([[0.0, 1.0]]));
}

#[test]
fn fill_zeros_and_range_construct_tensors() {
    assert_eq!(
        fill(&[2, 3], 1.5f32).unwrap(),
        Tensor::full(1.5f32, [2, 3]).unwrap()
    );
    assert_eq!(fill(&[], 4i64).unwrap(), Tensor::scalar(4i64));
    let names = fill(&[2], "x").unwrap();
    assert_eq!(names.as_strings().unwrap(), &[b"x".to_vec(), b"x".to_vec()]);
    assert_eq!(zeros(&[2, 0], DType::F64).unwrap().dims(), &[2, 0]);
    assert_eq!(zeros(&[2], DType::I64).unwrap(), Tensor::from([0i64, 0]));
    assert_eq!(
        range(5.0, 1.0, -2.0, DType::I32).unwrap(),
        Tensor::from([5, 3])
    );
    assert_eq!(
        range(0.0, 1.0, 0.25, DType::F32).unwrap(),
        Tensor::from([0.0f32, 0.25, 0.5, 0.75])
    );
    assert_eq!(range(3.0, 3.0, 1.0, DType::I64).unwrap().dims(), &[0]);
}

#[test]
fn tensordot_and_einsum_match_tensorflow() {
    let fx = fixtures();
    let (a23, b34, x234) = (iota(&[2, 3]), iota(&[3, 4]), iota(&[2, 3, 4]));
    let one = Tensor::scalar(1.0);
    let two = Tensor::scalar(2.0);
    expect_tf(&fx, "td_axes1", &tensordot(&a23, &b34, 1).unwrap());
    let pairs = tensordot(&x234, &iota(&[4, 3, 5]), ([1, 2], [1, 0])).unwrap();
    expect_tf(&fx, "td_pairs", &pairs);
    expect_tf(
        &fx,
        "td_outer",
        &tensordot(&iota(&[2]), &iota(&[3]), 0).unwrap(),
    );
    let e = |eq: &str, xs: &[&Tensor]| einsum(eq, xs).unwrap();
    expect_tf(&fx, "es_matmul", &e("ij,jk->ik", &[&a23, &b34]));
    expect_tf(
        &fx,
        "es_bmm",
        &e("bij,bjk->bik", &[&iota(&[2, 2, 3]), &iota(&[2, 3, 4])]),
    );
    expect_tf(&fx, "es_transpose", &e("ij->ji", &[&a23]));
    expect_tf(
        &fx,
        "es_mul",
        &e("ij,ij->ij", &[&a23, &a23.add(&one).unwrap()]),
    );
    let v4 = iota(&[4]);
    expect_tf(&fx, "es_dot", &e("i, i ->", &[&v4, &v4.add(&two).unwrap()]));
    expect_tf(&fx, "es_outer", &e("i,j->ij", &[&iota(&[2]), &iota(&[3])]));
    expect_tf(&fx, "es_sum_axis", &e("ij->j", &[&a23]));
    expect_tf(&fx, "es_implicit", &e("ij,jk", &[&a23, &b34]));
    let both = e("bij,bkj->b", &[&iota(&[2, 2, 3]), &iota(&[2, 4, 3])]);
    expect_tf(&fx, "es_reduce_both", &both);
    expect_tf(
        &fx,
        "es_permuted",
        &e("bij,jk->kbi", &[&iota(&[2, 2, 3]), &b34]),
    );
}

#[test]
fn gradients_match_tensorflow() {
    let fx = fixtures();
    let (x34, x234) = (iota(&[3, 4]), iota(&[2, 3, 4]));
    let reflect = weighted_grad(&x34, |x| x.pad(&[(2, 1), (3, 3)], PadMode::Reflect, 0.0));
    expect_tf(&fx, "grad_mirror_reflect", &reflect);
    let symmetric = weighted_grad(&x34, |x| x.pad(&[(3, 1), (0, 4)], PadMode::Symmetric, 0.0));
    expect_tf(&fx, "grad_mirror_symmetric", &symmetric);
    let batch_idx = Tensor::from([[2i32, 0, 2], [1, 1, 0]]);
    let batch = weighted_grad(&x234, |x| x.gather(&batch_idx, 2, 1));
    expect_tf(&fx, "grad_gather_batch", &batch);
    let idx = Tensor::from([[2i64, 0], [2, 1], [0, 0]]);
    expect_tf(
        &fx,
        "grad_gather_axis1",
        &weighted_grad(&x234, |x| x.gather(&idx, 1, 0)),
    );
    let nd_idx = Tensor::from([[1i64, 2], [0, 0], [1, 2]]);
    expect_tf(
        &fx,
        "grad_gather_nd",
        &weighted_grad(&x234, |x| x.gather_nd(&nd_idx)),
    );
    let strided = weighted_grad(&iota(&[4, 5]), |x| {
        x.index(&[Idx::from(1..), Idx::slice(None, None, -2)])
    });
    expect_tf(&fx, "grad_strided", &strided);
    expect_tf(
        &fx,
        "grad_tile",
        &weighted_grad(&iota(&[2, 3]), |x| x.tile(&[2, 3])),
    );
}

#[test]
fn manipulation_gradients_by_finite_differences() {
    for dims in [&[2, 3][..], &[3, 1, 2], &[4]] {
        let x = values(dims, -2.0, 2.0, dims.len() as u64);
        check("transpose", std::slice::from_ref(&x), |v| {
            v[0].transpose(&[])
        });
        check("reverse", std::slice::from_ref(&x), |v| {
            v[0].reverse(&[-1])?.reverse(&[0])
        });
        check("tile", std::slice::from_ref(&x), |v| {
            v[0].tile(&vec![2; dims.len()])
        });
        let pads = vec![(1, 2); dims.len()];
        check("pad", std::slice::from_ref(&x), |v| {
            v[0].pad(&pads, PadMode::Constant, 3.0)
        });
        let mirror: Vec<(usize, usize)> = dims.iter().map(|&d| (d - 1, d.min(2) - 1)).collect();
        check("reflect", std::slice::from_ref(&x), |v| {
            v[0].pad(&mirror, PadMode::Reflect, 0.0)
        });
        let sym: Vec<(usize, usize)> = dims.iter().map(|&d| (d, 1)).collect();
        check("symmetric", std::slice::from_ref(&x), |v| {
            v[0].pad(&sym, PadMode::Symmetric, 0.0)
        });
        check("unstack", std::slice::from_ref(&x), |v| {
            let parts = v[0].unstack(None, -1)?;
            parts[parts.len() - 1].mul(&parts[0])
        });
        check("split", std::slice::from_ref(&x), |v| {
            let parts = v[0].split([1, -1], 0)?;
            Ok(parts[1].clone())
        });
    }
    let (a, b) = (values(&[2, 3], -1.0, 1.0, 5), values(&[2, 1], -1.0, 1.0, 6));
    check("concat", &[a.clone(), b.clone()], |v| {
        concat(&[&v[0], &v[1], &v[0]], 1)
    });
    check("stack", &[a.clone(), values(&[2, 3], -1.0, 1.0, 8)], |v| {
        stack(&[&v[0], &v[1]], 1)
    });
    check("split_count", &[values(&[4, 2], -1.0, 1.0, 7)], |v| {
        let halves = v[0].split(2, 0)?;
        halves[0].mul(&halves[1])
    });
    check("fill", &[Tensor::scalar(0.5f64)], |v| {
        let t = fill(&[2, 2], v[0].clone())?;
        t.mul(&t)
    });
}

#[test]
fn indexing_gradients_by_finite_differences() {
    let x = values(&[3, 4, 2], -2.0, 2.0, 11);
    check("slice", std::slice::from_ref(&x), |v| {
        v[0].slice(&[1, 0, 1], &[-1, 3, 1])
    });
    let forms = [
        s![1.., Idx::slice(None, None, -1)].to_vec(),
        s![Idx::Ellipsis, 0].to_vec(),
        s![.., Idx::NewAxis, 1..3].to_vec(),
        s![-1, Idx::slice(Some(3), None, -2)].to_vec(),
    ];
    for idx in &forms {
        check(&format!("index {idx:?}"), std::slice::from_ref(&x), |v| {
            v[0].index(idx)
        });
    }
    // The gradient of the gradient: StridedSliceGrad's own rule.
    check("index_twice", std::slice::from_ref(&x), |v| {
        let tape = GradientTape::new();
        tape.watch(&v[0]);
        let y = v[0].index(&s![1.., 2])?.square()?;
        let g = tape.gradient(&y, &[&v[0]])?.pop().flatten().unwrap();
        g.mul(&v[0])
    });
    let idx = Tensor::from([[1i64, 0], [0, 0]]);
    for (axis, batch) in [(0, 0), (1, 0), (-1, 0), (1, 1), (2, 1)] {
        let name = format!("gather axis {axis} batch_dims {batch}");
        let idx = if batch == 1 {
            Tensor::from([[1i64, 0], [1, 1], [0, 1]])
        } else {
            idx.clone()
        };
        check(&name, std::slice::from_ref(&x), |v| {
            v[0].gather(&idx, axis, batch)
        });
    }
    let empty = Tensor::zeros(DType::F64, [2, 0]).unwrap();
    let rows = Tensor::from([1i64, 0, 1]);
    let dx = weighted_grad(&empty, |x| x.gather(&rows, 0, 0));
    assert_eq!(dx.dims(), &[2, 0]);
    let nd = Tensor::from([[2i64, 1], [0, 3], [2, 1]]);
    check("gather_nd", std::slice::from_ref(&x), |v| {
        v[0].gather_nd(&nd)
    });
    let upd = values(&[3, 2], -1.0, 1.0, 12);
    check("scatter_nd", &[upd], |v| {
        scatter_nd(&nd, &v[0], &Shape::from([3, 4, 2]))
    });
    let ids = Tensor::from([2i32, -1, 0]);
    check("unsorted_segment_sum", std::slice::from_ref(&x), |v| {
        v[0].unsorted_segment_sum(&ids, 4)
    });
}

#[test]
fn contraction_gradients_by_finite_differences() {
    let (a, b) = (
        values(&[2, 3, 4], -1.0, 1.0, 21),
        values(&[4, 3, 2], -1.0, 1.0, 22),
    );
    check("tensordot", &[a.clone(), b.clone()], |v| {
        tensordot(&v[0], &v[1], ([1, 2], [1, 0]))
    });
    check(
        "einsum_bmm",
        &[a.clone(), values(&[2, 4, 5], -1.0, 1.0, 23)],
        |v| einsum("bij,bjk->bki", &[&v[0], &v[1]]),
    );
    check(
        "einsum_reduce",
        &[a.clone(), values(&[2, 5, 4], -1.0, 1.0, 24)],
        |v| einsum("bij,bkj->bk", &[&v[0], &v[1]]),
    );
    check("einsum_unary", &[a], |v| einsum("bij->jb", &[&v[0]]));
}

#[test]
fn shape_rules_keep_unknown_dimensions_unknown() {
    let x = spec(&[None, Some(3), Some(4)]);
    assert_eq!(
        inferred(
            &Transpose {
                perm: vec![2, 0, 1]
            },
            std::slice::from_ref(&x)
        ),
        ["(4, ?, 3)"]
    );
    let concat = ConcatV2 { axis: 1 };
    assert_eq!(
        inferred(&concat, &[x.clone(), spec(&[Some(2), Some(5), None])]),
        ["(2, 8, 4)"]
    );
    assert_eq!(
        inferred(&concat, &[x.clone(), spec(&[None, None, None])]),
        ["(?, ?, 4)"]
    );
    assert_eq!(
        inferred(&Pack { axis: -1 }, &[x.clone(), x.clone()]),
        ["(?, 3, 4, 2)"]
    );
    assert_eq!(
        inferred(&Unpack { num: 3, axis: 1 }, std::slice::from_ref(&x)).len(),
        3
    );
    let split = Split {
        sizes: SplitSizes::Sizes(vec![1, -1]),
        axis: 0,
    };
    assert_eq!(
        inferred(&split, std::slice::from_ref(&x)),
        ["(1, 3, 4)", "(?, 3, 4)"]
    );
    let split = Split {
        sizes: SplitSizes::Sizes(vec![1, -1]),
        axis: 2,
    };
    assert_eq!(
        inferred(&split, std::slice::from_ref(&x)),
        ["(?, 3, 1)", "(?, 3, 3)"]
    );
    assert_eq!(
        inferred(
            &Tile {
                multiples: vec![2, 2, 1]
            },
            std::slice::from_ref(&x)
        ),
        ["(?, 6, 4)"]
    );
    let slice = Slice {
        begin: vec![1, 1, 0],
        size: vec![-1, -1, 2],
    };
    assert_eq!(inferred(&slice, std::slice::from_ref(&x)), ["(?, 2, 2)"]);
    let ss = |idx: &[Idx]| StridedSlice {
        spec: slice_spec(idx),
    };
    assert_eq!(
        inferred(&ss(&s![1..3, 0]), std::slice::from_ref(&x)),
        ["(?, 4)"]
    );
    assert_eq!(
        inferred(&ss(&s![0, .., Idx::NewAxis]), std::slice::from_ref(&x)),
        ["(3, 1, 4)"]
    );
    assert_eq!(
        inferred(&ss(&[Idx::Ellipsis, Idx::At(-1)]), std::slice::from_ref(&x)),
        ["(?, 3)"]
    );
    let unknown_rank = TensorSpec::new(DType::F32, PartialShape::unknown());
    assert_eq!(
        inferred(&ss(&s![0]), std::slice::from_ref(&unknown_rank)),
        ["<unknown>"]
    );
    let gather = GatherV2 {
        axis: 1,
        batch_dims: 0,
    };
    let ids = int_spec(&[Some(5), None]);
    assert_eq!(
        inferred(&gather, &[x.clone(), ids.clone()]),
        ["(?, 5, ?, 4)"]
    );
    let nd = int_spec(&[Some(7), Some(2)]);
    assert_eq!(inferred(&GatherNd, &[x.clone(), nd]), ["(7, 4)"]);
    let hot = OneHot { depth: 10, axis: 0 };
    let on = TensorSpec::new(DType::F32, PartialShape::from_dims(&[]));
    assert_eq!(inferred(&hot, &[ids, on.clone(), on]), ["(10, 5, ?)"]);
    let seg = UnsortedSegmentSum { num_segments: 6 };
    assert_eq!(
        inferred(&seg, &[x.clone(), int_spec(&[Some(8)])]),
        ["(6, 3, 4)"]
    );
    assert_eq!(
        inferred(&Transpose { perm: vec![] }, &[unknown_rank]),
        ["<unknown>"]
    );
}

#[test]
fn shape_rules_reject_what_can_never_run() {
    let x = spec(&[None, Some(3)]);
    let bad = |op: &dyn Fn() -> Result<Vec<TensorSpec>>| err_text(op());
    let msg = bad(&|| Transpose { perm: vec![0, 0] }.infer(std::slice::from_ref(&x)));
    assert!(
        msg.contains("Transpose") && msg.contains("duplicated"),
        "{msg}"
    );
    let msg = bad(&|| ConcatV2 { axis: 0 }.infer(&[x.clone(), spec(&[None, Some(4)])]));
    assert!(msg.contains("[?,3] vs. shape[1] = [?,4]"), "{msg}");
    let msg = bad(&|| {
        Split {
            sizes: SplitSizes::Count(2),
            axis: 1,
        }
        .infer(std::slice::from_ref(&x))
    });
    assert!(msg.contains("evenly divide"), "{msg}");
    let msg = bad(&|| {
        GatherV2 {
            axis: 0,
            batch_dims: 0,
        }
        .infer(&[x.clone(), x.clone()])
    });
    assert!(
        msg.contains("GatherV2") && msg.contains("int32 or int64"),
        "{msg}"
    );
}

#[test]
fn errors_name_the_op_and_what_it_got() {
    let x = iota(&[2, 3]);
    let msg = err_text(x.transpose(&[0, 2]));
    assert!(
        msg.contains("Transpose") && msg.contains("2 is out of range") && msg.contains("[2,3]"),
        "{msg}"
    );
    let msg = err_text(x.transpose(&[0]));
    assert!(msg.contains("Transpose") && msg.contains("size 2"), "{msg}");
    let msg = err_text(concat(&[&x, &iota(&[3, 3])], 1));
    assert!(
        msg.contains("concat") && msg.contains("[2,3] vs. shape[1] = [3,3]"),
        "{msg}"
    );
    let msg = err_text(concat(&[&x, &Tensor::from([[1, 2, 3]])], 0));
    assert!(msg.contains("concat") && msg.contains("int32"), "{msg}");
    let msg = err_text(concat(&[&Tensor::scalar(1.0), &Tensor::scalar(2.0)], 0));
    assert!(msg.contains("Can't concatenate scalars"), "{msg}");
    let msg = err_text(concat::<Tensor>(&[], 0));
    assert!(msg.contains("at least one input"), "{msg}");
    let msg = err_text(stack(&[&x, &iota(&[3, 2])], 0));
    assert!(
        msg.contains("Pack") && msg.contains("[2,3] != values[1].shape = [3,2]"),
        "{msg}"
    );
    let msg = err_text(x.split([1, 1], 1));
    assert!(
        msg.contains("SplitV") && msg.contains("[1, 1]") && msg.contains("[2,3]"),
        "{msg}"
    );
    let msg = err_text(x.split([-1, -1], 1));
    assert!(msg.contains("only be one -1"), "{msg}");
    let msg = err_text(x.split([4, -1], 1));
    assert!(msg.contains("SplitV"), "{msg}");
    let msg = err_text(x.split(2, 1));
    assert!(msg.contains("Split") && msg.contains("size = 3"), "{msg}");
    let msg = err_text(x.split(0, 1));
    assert!(msg.contains("should be > 0"), "{msg}");
    let msg = err_text(x.unstack(Some(4), 0));
    assert!(
        msg.contains("Unpack") && msg.contains("Dimension must be 4 but is 2"),
        "{msg}"
    );
    let msg = err_text(x.gather(&Tensor::from([0i64, 7]), 1, 0));
    assert!(
        msg.contains("indices[1] = 7") && msg.contains("[0, 3)"),
        "{msg}"
    );
    let msg = err_text(x.gather(&Tensor::from([[0i64, 1]]), 1, 1));
    assert!(
        msg.contains("params.shape[0]: 2 should be equal to indices.shape[0]: 1"),
        "{msg}"
    );
    let msg = err_text(x.gather_nd(&Tensor::from([[0i64, 5]])));
    assert!(
        msg.contains("indices[0] = [0, 5] does not index into param shape [2,3]"),
        "{msg}"
    );
    let msg = err_text(x.reverse(&[2]));
    assert!(msg.contains("ReverseV2") && msg.contains("axis 2"), "{msg}");
    let msg = err_text(x.reverse(&[1, -1]));
    assert!(msg.contains("more than once"), "{msg}");
    let msg = err_text(x.tile(&[2]));
    assert!(
        msg.contains("Tile") && msg.contains("length 2 but got length 1"),
        "{msg}"
    );
    let msg = err_text(x.slice(&[1, 1], &[2, -1]));
    assert!(msg.contains("Slice") && msg.contains("size[0]"), "{msg}");
    let msg = err_text(x.index(&s![5]));
    assert!(
        msg.contains("strided_slice") && msg.contains("out of bounds"),
        "{msg}"
    );
    let msg = err_text(x.index(&s![.., .., 0]));
    assert!(msg.contains("Index out of range"), "{msg}");
    let msg = err_text(x.pad(&[(3, 0), (0, 0)], PadMode::Reflect, 0.0));
    assert!(
        msg.contains("MirrorPad") && msg.contains("less than"),
        "{msg}"
    );
    let msg = err_text(
        x.expand_dims(0)
            .unwrap()
            .gather(&Tensor::from([0i64]), 3, 0),
    );
    assert!(msg.contains("GatherV2") && msg.contains("axis 3"), "{msg}");
    let msg = err_text(range(0.0, 1.0, 0.0, DType::F32));
    assert!(msg.contains("range") && msg.contains("delta != 0"), "{msg}");
    let msg = err_text(einsum("ii->i", &[&x]));
    assert!(msg.contains("Einsum") && msg.contains("repeated"), "{msg}");
    let msg = err_text(einsum("ij,jk->ik", &[&x, &x]));
    assert!(
        msg.contains("Einsum") && msg.contains("[2,3] and [2,3]"),
        "{msg}"
    );
    let msg = err_text(tensordot(&x, &x, 3));
    assert!(
        msg.contains("Tensordot") && msg.contains("axes = 3"),
        "{msg}"
    );
}

/// One computation through most of the ops, written once for any handle.
fn composite<H: TensorOps>(x: &H, idx: &H) -> Result<H> {
    let a = x.index(&s![1.., Idx::slice(None, None, -1)])?; // [2, 4]
    let b = x.gather(idx, 0, 0)?; // [2, 4]
    let c = concat(&[&a, &b], 0)?.transpose(&[])?; // [4, 4]
    let d = c.pad(&[(1, 0), (0, 2)], PadMode::Reflect, 0.0)?; // [5, 6]
    let parts = d.split([2, -1], 1)?; // [5, 2], [5, 4]
    let e = einsum("ij,ik->jk", &[&parts[0], &parts[1]])?; // [2, 4]
    let f = stack(&[&e, &e.reverse(&[1])?], 0)?.tile(&[1, 2, 1])?; // [2, 4, 4]
    let g = f.unstack(None, 1)?[3].slice(&[0, 1], &[-1, 2])?; // [2, 2]
    g.mul(&g)
}

#[test]
fn graph_mode_runs_the_same_ops_and_gradients_as_eager() {
    let x = values(&[3, 4], -1.0, 1.0, 31);
    let idx = Tensor::from([2i32, 0]);
    let tape = GradientTape::new();
    tape.watch(&x);
    let eager = composite(&x, &idx).unwrap();
    let eager_dx = tape
        .gradient(&eager, &[&x])
        .unwrap()
        .pop()
        .flatten()
        .unwrap();

    let g = Graph::new();
    let xp = g.placeholder(DType::F64, [Some(3), Some(4)], "x").unwrap();
    let ip = g.constant(idx, "idx").unwrap();
    let y = composite(&xp, &ip).unwrap();
    assert_eq!(y.get_shape().to_string(), "(2, 2)");
    let dx = gradients(&[&y], &[&xp], None).unwrap().remove(0).unwrap();
    let out = Session::new(&g)
        .run(&[&y, &dx], &[(&xp, x.clone())])
        .unwrap();
    assert!(
        out[0].allclose(&eager, 1e-12, 1e-12),
        "{} vs {eager}",
        out[0]
    );
    assert!(
        out[1].allclose(&eager_dx, 1e-12, 1e-12),
        "{} vs {eager_dx}",
        out[1]
    );

    // An embedding lookup with a batch of ids of unknown size.
    let table = g
        .placeholder(DType::F64, [Some(4), Some(2)], "table")
        .unwrap();
    let ids = g.placeholder(DType::I64, [None], "ids").unwrap();
    let rows = table.gather(&ids, 0, 0).unwrap();
    assert_eq!(rows.get_shape().to_string(), "(?, 2)");
    let dt = gradients(&[&rows], &[&table], None)
        .unwrap()
        .remove(0)
        .unwrap();
    let feeds = [(&table, iota(&[4, 2])), (&ids, Tensor::from([3i64, 0, 3]))];
    let dt = Session::new(&g).run(&[&dt], &feeds).unwrap().remove(0);
    assert_eq!(
        dt,
        Tensor::from([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [2.0, 2.0]])
    );

    // Slicing a batch of unknown size, and its gradient.
    let xs = g.placeholder(DType::F64, [None, Some(3)], "xs").unwrap();
    let picked = xs.index(&s![.., Idx::slice(None, None, -2)]).unwrap();
    assert_eq!(picked.get_shape().to_string(), "(?, 2)");
    let dxs = gradients(&[&picked], &[&xs], None)
        .unwrap()
        .remove(0)
        .unwrap();
    assert_eq!(dxs.get_shape().to_string(), "(?, 3)");
    let dxs = Session::new(&g)
        .run(&[&dxs], &[(&xs, iota(&[2, 3]))])
        .unwrap()
        .remove(0);
    assert_eq!(dxs, Tensor::from([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]));

    // Unknown batch dimensions flow through the shape rules.
    let batch = g.placeholder(DType::F64, [None, Some(4)], "batch").unwrap();
    let shape = |t: Result<ferroflow_core::graph::Output>| t.unwrap().get_shape().to_string();
    assert_eq!(shape(batch.index(&s![.., 1..])), "(?, 3)");
    assert_eq!(shape(batch.transpose(&[])), "(4, ?)");
    assert_eq!(shape(concat(&[&batch, &batch], 1)), "(?, 8)");
    assert_eq!(shape(batch.split(2, 1).map(|p| p[0].clone())), "(?, 2)");
    assert_eq!(
        shape(batch.pad(&[(1, 1), (0, 0)], PadMode::Constant, 0.0)),
        "(?, 4)"
    );
}
