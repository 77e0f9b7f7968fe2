//! Bad input gives typed errors that name the op and what it got, never a
//! panic: wrong dtypes, mismatched broadcast shapes, wrong ranks,
//! out-of-range axes, empty tensors.

use ferroflow_core::prelude::*;
use ferroflow_core::Result;

fn err_of<T: std::fmt::Debug>(r: Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}

fn assert_mentions(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "message {msg:?} should mention {p:?}");
    }
}

#[test]
fn mismatched_broadcast_shapes_name_op_and_shapes() {
    let a = Tensor::zeros(DType::F32, [2, 3]).unwrap();
    let b = Tensor::zeros(DType::F32, [4]).unwrap();
    assert_mentions(
        &err_of(a.add(&b)),
        &["Add", "Incompatible shapes: [2,3] vs. [4]"],
    );
    assert_mentions(&err_of(a.mul(&b)), &["Mul", "[2,3]", "[4]"]);
    assert_mentions(&err_of(a.maximum(&b)), &["Maximum", "[2,3]", "[4]"]);
    assert_mentions(&err_of(a.less(&b)), &["Less", "[2,3]", "[4]"]);
    let cond = Tensor::full(true, [5]).unwrap();
    assert_mentions(&err_of(cond.where_(&a, &a)), &["SelectV2", "[5]"]);
}

#[test]
fn wrong_dtypes_are_refused() {
    let f = Tensor::from([1.0f32, 2.0]);
    let d = Tensor::from([1.0f64, 2.0]);
    let i = Tensor::from([1i32, 2]);
    let s = Tensor::from(vec!["a", "b"]);
    assert_mentions(&err_of(f.add(&d)), &["Add", "float32", "float64"]);
    assert_mentions(&err_of(i.exp()), &["Exp", "int32"]);
    assert_mentions(&err_of(i.sqrt()), &["Sqrt", "int32"]);
    assert_mentions(&err_of(f.logical_and(&f)), &["LogicalAnd", "float32"]);
    assert_mentions(&err_of(f.logical_not()), &["LogicalNot", "float32"]);
    assert_mentions(&err_of(s.neg()), &["Neg", "string"]);
    assert_mentions(&err_of(s.reduce_sum(Axes::All, false)), &["Sum", "string"]);
    assert_mentions(&err_of(f.reduce_all(Axes::All, false)), &["All", "float32"]);
    assert_mentions(&err_of(s.cast(DType::F32)), &["Cast", "string"]);
    assert_mentions(&err_of(f.matmul(&d.reshape(&[2, 1]).unwrap())), &["MatMul"]);
    assert_mentions(&err_of(i.softmax()), &["Softmax", "int32"]);
    let cond = Tensor::from([1.0f32, 0.0]);
    assert_mentions(&err_of(cond.where_(&f, &f)), &["SelectV2", "bool"]);
}

#[test]
fn wrong_ranks_and_sizes_are_refused() {
    let v = Tensor::from([1.0f32, 2.0, 3.0]);
    let m = Tensor::zeros(DType::F32, [2, 3]).unwrap();
    assert_mentions(&err_of(v.matmul(&m)), &["MatMul"]);
    assert_mentions(
        &err_of(m.matmul(&m)),
        &["Matrix size-incompatible", "[2,3]"],
    );
    assert_mentions(
        &err_of(Tensor::scalar(1.0f32).softmax()),
        &["Softmax", "scalar"],
    );
    assert_mentions(&err_of(m.reshape(&[4, -1])), &["Reshape", "6"]);
    assert_mentions(&err_of(m.reshape(&[-1, -1])), &["Reshape", "-1"]);
    assert_mentions(&err_of(m.squeeze(&[0])), &["Squeeze", "dim[0]"]);
    assert_mentions(
        &err_of(m.broadcast_to(&Shape::from([4, 3]))),
        &["BroadcastTo"],
    );
}

#[test]
fn out_of_range_axes_are_refused() {
    let m = Tensor::zeros(DType::F32, [2, 3]).unwrap();
    assert_mentions(
        &err_of(m.reduce_sum(2, false)),
        &["Sum", "axis 2", "[-2, 2)"],
    );
    assert_mentions(&err_of(m.reduce_mean(-3, false)), &["Mean", "axis -3"]);
    assert_mentions(&err_of(m.argmax(5)), &["ArgMax", "axis 5"]);
    assert_mentions(&err_of(m.expand_dims(4)), &["ExpandDims", "axis 4"]);
    assert_mentions(&err_of(m.squeeze(&[7])), &["Squeeze", "axis 7"]);
}

#[test]
fn empty_tensors_work_where_tensorflow_allows() {
    let e = Tensor::zeros(DType::F32, [0, 3]).unwrap();
    assert_eq!(
        e.add(&Tensor::from([1.0f32, 2.0, 3.0])).unwrap().dims(),
        &[0, 3]
    );
    assert_eq!(e.exp().unwrap().dims(), &[0, 3]);
    let sum = e.reduce_sum(0, false).unwrap();
    assert_eq!(sum.to_vec::<f32>().unwrap(), vec![0.0; 3]);
    assert_eq!(e.reduce_sum(1, false).unwrap().dims(), &[0]);
    assert_eq!(
        e.matmul_t(&e, true, false)
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        vec![0.0; 9]
    );
    assert_eq!(e.softmax().unwrap().dims(), &[0, 3]);
    assert_mentions(&err_of(e.argmax(0)), &["ArgMax"]);
}

#[test]
fn ops_without_gradients_give_their_inputs_none() {
    let x = Tensor::scalar(2.0f32);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = x.floor().unwrap().mul(&x).unwrap();
    // floor has no gradient: its input gets none, the product still flows.
    let g = tape.gradient(&y, &[&x]).unwrap();
    assert_eq!(g[0].as_ref().unwrap().to_scalar::<f32>().unwrap(), 2.0);
}
