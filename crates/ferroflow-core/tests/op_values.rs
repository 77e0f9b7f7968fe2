//! Reference values: every math, comparison-free reduction and matmul op
//! against real TensorFlow's outputs (`tools/make_op_fixtures.py`).

use ferroflow_core::prelude::*;
use ferroflow_core::Result;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/op_values.json")).unwrap()
}

fn f32s(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn tensor(v: &Value, dims: &[usize]) -> Tensor {
    Tensor::from_vec(f32s(v), dims.to_vec()).unwrap()
}

fn int_tensor(v: &Value, dims: &[usize]) -> Tensor {
    Tensor::from_vec(
        f32s(v).iter().map(|&x| x as i32).collect::<Vec<_>>(),
        dims.to_vec(),
    )
    .unwrap()
}

fn check(name: &str, got: Result<Tensor>, want: &Value) {
    let got = got
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .to_f64_vec()
        .unwrap();
    let want = f32s(want);
    assert_eq!(got.len(), want.len(), "{name}");
    for (g, w) in got.iter().zip(&want) {
        let w = *w as f64;
        assert!(
            (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
            "{name}: got {got:?}, want {want:?}"
        );
    }
}

type Unary = fn(&Tensor) -> Result<Tensor>;

#[test]
fn unary_ops_match_tensorflow() {
    let f = fixture();
    let x = tensor(&f["x"], &[10]);
    let ops: &[(&str, Unary)] = &[
        ("neg", |t| t.neg()),
        ("abs", |t| t.abs()),
        ("sign", |t| t.sign()),
        ("square", |t| t.square()),
        ("exp", |t| t.exp()),
        ("sigmoid", |t| t.sigmoid()),
        ("tanh", |t| t.tanh()),
        ("relu", |t| t.relu()),
        ("relu6", |t| t.relu6()),
        ("elu", |t| t.elu()),
        ("selu", |t| t.selu()),
        ("softplus", |t| t.softplus()),
        ("leaky_relu", |t| t.leaky_relu(0.2)),
        ("sin", |t| t.sin()),
        ("cos", |t| t.cos()),
        ("round", |t| t.round()),
        ("floor", |t| t.floor()),
        ("ceil", |t| t.ceil()),
    ];
    for (name, op) in ops {
        check(name, op(&x), &f["unary"][name]);
    }
    let pos = tensor(&f["pos"], &[6]);
    let ops: &[(&str, Unary)] = &[
        ("sqrt", |t| t.sqrt()),
        ("rsqrt", |t| t.rsqrt()),
        ("log", |t| t.log()),
        ("log1p", |t| t.log1p()),
        ("reciprocal", |t| t.reciprocal()),
    ];
    for (name, op) in ops {
        check(name, op(&pos), &f["unary_pos"][name]);
    }
}

type Binary = fn(&Tensor, &Tensor) -> Result<Tensor>;

#[test]
fn binary_ops_broadcast_like_tensorflow() {
    let f = fixture();
    let (a, b) = (tensor(&f["a"], &[2, 3]), tensor(&f["b"], &[3]));
    let ops: &[(&str, Binary)] = &[
        ("add", |x, y| x.add(y)),
        ("sub", |x, y| x.sub(y)),
        ("mul", |x, y| x.mul(y)),
        ("div", |x, y| x.div(y)),
        ("maximum", |x, y| x.maximum(y)),
        ("minimum", |x, y| x.minimum(y)),
        ("squared_difference", |x, y| x.squared_difference(y)),
        ("floor_div", |x, y| x.floor_div(y)),
        ("floor_mod", |x, y| x.floor_mod(y)),
    ];
    for (name, op) in ops {
        check(name, op(&a, &b), &f["binary"][name]);
    }
    check("pow", a.abs().unwrap().pow(&b), &f["pow"]);
    let (ia, ib) = (int_tensor(&f["ia"], &[2, 3]), int_tensor(&f["ib"], &[3]));
    let ops: &[(&str, Binary)] = &[
        ("add", |x, y| x.add(y)),
        ("sub", |x, y| x.sub(y)),
        ("mul", |x, y| x.mul(y)),
        ("floor_div", |x, y| x.floor_div(y)),
        ("floor_mod", |x, y| x.floor_mod(y)),
        ("maximum", |x, y| x.maximum(y)),
    ];
    for (name, op) in ops {
        check(&format!("int {name}"), op(&ia, &ib), &f["int_binary"][name]);
    }
}

#[test]
fn reductions_softmax_and_matmul_match_tensorflow() {
    let f = fixture();
    let a = tensor(&f["a"], &[2, 3]);
    let r = &f["reduce"];
    check("sum0", a.reduce_sum(0, false), &r["sum0"]);
    check("mean1", a.reduce_mean(1, false), &r["mean1"]);
    check("max_all", a.reduce_max(Axes::All, false), &r["max_all"]);
    check("min1_keep", a.reduce_min(1, true), &r["min1_keep"]);
    check("prod0", a.reduce_prod(0, false), &r["prod0"]);
    check("logsumexp1", a.reduce_logsumexp(1, false), &r["logsumexp1"]);
    check("argmax1", a.argmax(1), &r["argmax1"]);
    check("argmin0", a.argmin(0), &r["argmin0"]);
    check(
        "int_mean1",
        int_tensor(&f["ia"], &[2, 3]).reduce_mean(1, false),
        &r["int_mean1"],
    );
    check("softmax", a.softmax(), &f["softmax"]);
    check("log_softmax", a.log_softmax(), &f["log_softmax"]);
    check("matmul", a.matmul_t(&a, false, true), &f["matmul"]);
}

#[test]
fn comparisons_and_logic() {
    let x = Tensor::from([1.0f32, 2.0, 3.0]);
    let y = Tensor::scalar(2.0f32);
    let b = |t: Result<Tensor>| t.unwrap().to_vec::<bool>().unwrap();
    assert_eq!(b(x.equal(&y)), vec![false, true, false]);
    assert_eq!(b(x.not_equal(&y)), vec![true, false, true]);
    assert_eq!(b(x.less(&y)), vec![true, false, false]);
    assert_eq!(b(x.less_equal(&y)), vec![true, true, false]);
    assert_eq!(b(x.greater(&y)), vec![false, false, true]);
    assert_eq!(b(x.greater_equal(&y)), vec![false, true, true]);
    let p = Tensor::from([true, true, false, false]);
    let q = Tensor::from([true, false, true, false]);
    assert_eq!(b(p.logical_and(&q)), vec![true, false, false, false]);
    assert_eq!(b(p.logical_or(&q)), vec![true, true, true, false]);
    assert_eq!(b(p.logical_not()), vec![false, false, true, true]);
    let picked = Tensor::from([true, false])
        .where_(&Tensor::from([1, 2]), &Tensor::from([10, 20]))
        .unwrap();
    assert_eq!(picked.to_vec::<i32>().unwrap(), vec![1, 20]);
    let all = Tensor::from([[true, false], [true, true]]);
    assert_eq!(b(all.reduce_all(1, false)), vec![false, true]);
    assert_eq!(b(all.reduce_any(0, false)), vec![true, true]);
    let clipped = x
        .clip_by_value(&Tensor::scalar(1.5f32), &Tensor::scalar(2.5f32))
        .unwrap();
    assert_eq!(clipped.to_vec::<f32>().unwrap(), vec![1.5, 2.0, 2.5]);
}
