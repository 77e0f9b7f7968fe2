//! Finite-difference checks of every differentiable op's gradient rule, in
//! f64, over several shapes including broadcasting.

use ferroflow_core::prelude::*;
use ferroflow_core::testing::check_gradients;
use ferroflow_core::Result;

/// Deterministic values in [lo, hi) for a shape.
fn values(dims: &[usize], lo: f64, hi: f64, seed: u64) -> Tensor {
    let n: usize = dims.iter().product();
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let v: Vec<f64> = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect();
    Tensor::from_vec(v, dims.to_vec()).unwrap()
}

const SHAPES: &[&[usize]] = &[&[], &[3], &[2, 3], &[2, 1, 3]];

fn check_unary(name: &str, lo: f64, hi: f64, f: impl Fn(&Tensor) -> Result<Tensor>) {
    for (k, dims) in SHAPES.iter().enumerate() {
        let x = values(dims, lo, hi, k as u64 + 1);
        check_gradients(|v| f(&v[0]), &[x], 1e-6, 1e-5)
            .unwrap_or_else(|e| panic!("{name} {dims:?}: {e}"));
    }
}

#[test]
fn unary_math_gradients() {
    check_unary("neg", -2.0, 2.0, |x| x.neg());
    check_unary("abs", 0.1, 2.0, |x| x.abs());
    check_unary("abs_neg", -2.0, -0.1, |x| x.abs());
    check_unary("square", -2.0, 2.0, |x| x.square());
    check_unary("sqrt", 0.5, 3.0, |x| x.sqrt());
    check_unary("rsqrt", 0.5, 3.0, |x| x.rsqrt());
    check_unary("exp", -2.0, 2.0, |x| x.exp());
    check_unary("log", 0.5, 3.0, |x| x.log());
    check_unary("log1p", -0.5, 3.0, |x| x.log1p());
    check_unary("sigmoid", -4.0, 4.0, |x| x.sigmoid());
    check_unary("tanh", -2.0, 2.0, |x| x.tanh());
    check_unary("relu", 0.1, 2.0, |x| x.relu());
    check_unary("relu_neg", -2.0, -0.1, |x| x.relu());
    check_unary("relu6", 0.1, 5.9, |x| x.relu6());
    check_unary("relu6_high", 6.1, 8.0, |x| x.relu6());
    check_unary("elu", -2.0, -0.1, |x| x.elu());
    check_unary("elu_pos", 0.1, 2.0, |x| x.elu());
    check_unary("selu", -2.0, -0.1, |x| x.selu());
    check_unary("selu_pos", 0.1, 2.0, |x| x.selu());
    check_unary("softplus", -3.0, 3.0, |x| x.softplus());
    check_unary("leaky_relu", -2.0, -0.1, |x| x.leaky_relu(0.2));
    check_unary("sin", -3.0, 3.0, |x| x.sin());
    check_unary("cos", -3.0, 3.0, |x| x.cos());
    check_unary("reciprocal", 0.5, 3.0, |x| x.reciprocal());
    check_unary("softmax", -2.0, 2.0, |x| {
        if x.rank() == 0 {
            x.exp()
        } else {
            x.softmax()?.mul(&values(x.dims(), 0.0, 1.0, 9))
        }
    });
    check_unary("log_softmax", -2.0, 2.0, |x| {
        if x.rank() == 0 {
            x.exp()
        } else {
            x.log_softmax()?.mul(&values(x.dims(), 0.0, 1.0, 9))
        }
    });
}

/// Pairs of shapes that broadcast together.
const PAIRS: &[(&[usize], &[usize])] = &[
    (&[2, 3], &[2, 3]),
    (&[2, 3], &[3]),
    (&[2, 1, 3], &[4, 1]),
    (&[], &[2, 2]),
    (&[3, 1], &[1, 4]),
];

fn check_binary(name: &str, lo: f64, hi: f64, f: impl Fn(&Tensor, &Tensor) -> Result<Tensor>) {
    for (k, (a, b)) in PAIRS.iter().enumerate() {
        let x = values(a, lo, hi, 2 * k as u64 + 1);
        let y = values(b, lo, hi, 2 * k as u64 + 2);
        check_gradients(|v| f(&v[0], &v[1]), &[x, y], 1e-6, 1e-5)
            .unwrap_or_else(|e| panic!("{name} {a:?} {b:?}: {e}"));
    }
}

#[test]
fn binary_math_gradients_with_broadcasting() {
    check_binary("add", -2.0, 2.0, |x, y| x.add(y));
    check_binary("sub", -2.0, 2.0, |x, y| x.sub(y));
    check_binary("mul", -2.0, 2.0, |x, y| x.mul(y));
    check_binary("div", 0.5, 2.0, |x, y| x.div(y));
    check_binary("pow", 0.5, 2.0, |x, y| x.pow(y));
    check_binary("maximum", -2.0, 2.0, |x, y| x.maximum(y));
    check_binary("minimum", -2.0, 2.0, |x, y| x.minimum(y));
    check_binary("squared_difference", -2.0, 2.0, |x, y| {
        x.squared_difference(y)
    });
    check_binary("where", -2.0, 2.0, |x, y| {
        x.greater(&x.scalar_like(0.0)?)?.where_(x, y)
    });
    check_binary("floor_mod", 1.1, 5.0, |x, y| x.floor_mod(y));
}

#[test]
fn reduction_gradients() {
    let x = values(&[2, 3, 4], -2.0, 2.0, 7);
    for keep in [false, true] {
        for axes in [Axes::All, Axes::from(0), Axes::from(-1), Axes::from([0, 2])] {
            let ctx = format!("{axes:?} keep={keep}");
            let a = axes.clone();
            check_gradients(
                |v| v[0].reduce_sum(a.clone(), keep),
                std::slice::from_ref(&x),
                1e-6,
                1e-5,
            )
            .unwrap_or_else(|e| panic!("sum {ctx}: {e}"));
            let a = axes.clone();
            check_gradients(
                |v| v[0].reduce_mean(a.clone(), keep),
                std::slice::from_ref(&x),
                1e-6,
                1e-5,
            )
            .unwrap_or_else(|e| panic!("mean {ctx}: {e}"));
            let a = axes.clone();
            check_gradients(
                |v| v[0].reduce_max(a.clone(), keep),
                std::slice::from_ref(&x),
                1e-6,
                1e-5,
            )
            .unwrap_or_else(|e| panic!("max {ctx}: {e}"));
            let a = axes.clone();
            check_gradients(
                |v| v[0].reduce_min(a.clone(), keep),
                std::slice::from_ref(&x),
                1e-6,
                1e-5,
            )
            .unwrap_or_else(|e| panic!("min {ctx}: {e}"));
            let a = axes.clone();
            check_gradients(
                |v| v[0].reduce_logsumexp(a.clone(), keep),
                std::slice::from_ref(&x),
                1e-6,
                1e-5,
            )
            .unwrap_or_else(|e| panic!("logsumexp {ctx}: {e}"));
        }
    }
    let pos = values(&[2, 3], 0.5, 2.0, 3);
    check_gradients(|v| v[0].reduce_prod(1, false), &[pos], 1e-6, 1e-5).unwrap();
}

#[test]
fn matmul_gradients_with_transposes_and_batches() {
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        let a = values(if ta { &[4, 3] } else { &[3, 4] }, -1.0, 1.0, 1);
        let b = values(if tb { &[2, 4] } else { &[4, 2] }, -1.0, 1.0, 2);
        check_gradients(|v| v[0].matmul_t(&v[1], ta, tb), &[a, b], 1e-6, 1e-5)
            .unwrap_or_else(|e| panic!("{ta} {tb}: {e}"));
    }
    // Batched with a broadcast batch dimension.
    let a = values(&[2, 3, 4], -1.0, 1.0, 3);
    let b = values(&[4, 5], -1.0, 1.0, 4);
    check_gradients(|v| v[0].matmul(&v[1]), &[a, b], 1e-6, 1e-5).unwrap();
    let a = values(&[1, 3, 4], -1.0, 1.0, 5);
    let b = values(&[2, 4, 2], -1.0, 1.0, 6);
    check_gradients(|v| v[0].matmul(&v[1]), &[a, b], 1e-6, 1e-5).unwrap();
}

#[test]
fn shape_op_gradients() {
    let x = values(&[2, 3], -1.0, 1.0, 11);
    let w = values(&[3, 2], -1.0, 1.0, 12);
    check_gradients(
        |v| v[0].reshape(&[3, -1])?.mul(&w),
        std::slice::from_ref(&x),
        1e-6,
        1e-5,
    )
    .unwrap();
    check_gradients(
        |v| v[0].expand_dims(1)?.mul(&values(&[2, 1, 3], 0.0, 1.0, 1)),
        std::slice::from_ref(&x),
        1e-6,
        1e-5,
    )
    .unwrap();
    check_gradients(
        |v| v[0].expand_dims(0)?.squeeze(&[])?.square(),
        std::slice::from_ref(&x),
        1e-6,
        1e-5,
    )
    .unwrap();
    check_gradients(
        |v| v[0].broadcast_to(&Shape::from([4, 2, 3]))?.square(),
        std::slice::from_ref(&x),
        1e-6,
        1e-5,
    )
    .unwrap();
    check_gradients(
        |v| v[0].identity()?.square(),
        std::slice::from_ref(&x),
        1e-6,
        1e-5,
    )
    .unwrap();
    check_gradients(
        |v| v[0].cast(DType::F32)?.cast(DType::F64)?.square(),
        &[x],
        1e-3,
        1e-3,
    )
    .unwrap();
}

#[test]
fn reduce_prod_gradient_handles_zeros() {
    let x = Tensor::from([[2.0f64, 0.0, 3.0], [1.0, 4.0, 5.0], [0.0, 0.0, 7.0]]);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = x.reduce_prod(1, false).unwrap();
    let g = tape.gradient(&y, &[&x]).unwrap().remove(0).unwrap();
    assert_eq!(
        g.to_vec::<f64>().unwrap(),
        vec![0.0, 6.0, 0.0, 20.0, 5.0, 4.0, 0.0, 0.0, 0.0]
    );
    let all = Tensor::from([1.5f64, -2.0, 0.5]);
    check_gradients(|v| v[0].reduce_prod(Axes::All, true), &[all], 1e-6, 1e-5).unwrap();
}
