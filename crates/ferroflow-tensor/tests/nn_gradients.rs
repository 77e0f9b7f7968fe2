//! The gradient kernels of conv, depthwise conv, pooling and batch norm
//! checked against their forward kernels in f64: dot-product (adjoint) tests
//! for the linear ones, central finite differences for the others.

use ferroflow_tensor::kernels::conv::{
    conv2d, conv2d_backprop_filter, conv2d_backprop_input, Padding,
};
use ferroflow_tensor::kernels::depthwise::{
    depthwise_conv2d, depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input,
};
use ferroflow_tensor::kernels::norm::{fused_batch_norm, fused_batch_norm_grad};
use ferroflow_tensor::kernels::pool::{avg_pool, avg_pool_grad, max_pool, max_pool_grad};
use ferroflow_tensor::{Shape, Tensor};

/// A tensor of deterministic pseudo-random values in [-1, 1).
fn random(shape: &[usize], seed: u64) -> Tensor {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let n = shape.iter().product();
    let data = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect();
    Tensor::from_vec(data, shape).unwrap()
}

fn dot(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.shape(), b.shape());
    let (a, b) = (a.as_slice::<f64>().unwrap(), b.as_slice::<f64>().unwrap());
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * (1.0 + want.abs()),
        "{what}: {got} vs {want}"
    );
}

/// x + t * v
fn axpy(x: &Tensor, t: f64, v: &Tensor) -> Tensor {
    let (xs, vs) = (x.as_slice::<f64>().unwrap(), v.as_slice::<f64>().unwrap());
    let data = xs.iter().zip(vs).map(|(a, b)| a + t * b).collect();
    Tensor::from_vec(data, x.shape().clone()).unwrap()
}

struct ConvCase {
    x: &'static [usize],
    w: &'static [usize],
    stride: usize,
    dilation: usize,
    padding: Padding,
}

fn conv_cases() -> Vec<ConvCase> {
    let case = |x, w, stride, dilation, padding| ConvCase {
        x,
        w,
        stride,
        dilation,
        padding,
    };
    vec![
        case(&[3, 9, 8, 2], &[3, 3, 2, 4], 1, 1, Padding::Same),
        case(&[2, 9, 8, 3], &[4, 3, 3, 2], 2, 1, Padding::Same),
        case(&[2, 9, 8, 3], &[3, 3, 3, 2], 3, 1, Padding::Valid),
        case(&[2, 9, 8, 3], &[3, 2, 3, 2], 1, 2, Padding::Same),
        case(&[2, 9, 8, 3], &[2, 3, 3, 2], 2, 3, Padding::Valid),
        case(&[9, 4, 5, 3], &[1, 1, 3, 5], 1, 1, Padding::Valid),
        case(&[2, 5, 5, 3], &[1, 1, 3, 2], 2, 1, Padding::Same),
        case(
            &[2, 6, 5, 2],
            &[3, 3, 2, 3],
            2,
            1,
            Padding::Explicit(vec![(2, 0), (1, 3)]),
        ),
        // Large enough that one image is cut into several row blocks.
        case(&[2, 40, 40, 16], &[3, 3, 16, 3], 1, 1, Padding::Same),
    ]
}

#[test]
fn conv2d_backprops_are_adjoint_to_conv2d() {
    for (i, c) in conv_cases().into_iter().enumerate() {
        let (s, d) = ([c.stride; 2], [c.dilation; 2]);
        let x = random(c.x, 3 * i as u64);
        let w = random(c.w, 3 * i as u64 + 1);
        let y = conv2d("Conv2D", &x, &w, s, d, &c.padding).unwrap();
        let dy = random(y.dims(), 3 * i as u64 + 2);
        let dx = conv2d_backprop_input("Conv2D", x.shape(), &w, &dy, s, d, &c.padding).unwrap();
        let dw = conv2d_backprop_filter("Conv2D", &x, w.shape(), &dy, s, d, &c.padding).unwrap();
        let want = dot(&y, &dy);
        assert_close(&format!("case {i} input"), dot(&x, &dx), want, 1e-10);
        assert_close(&format!("case {i} filter"), dot(&w, &dw), want, 1e-10);
    }
}

#[test]
fn depthwise_backprops_are_adjoint_to_depthwise_conv2d() {
    for (i, c) in conv_cases().into_iter().enumerate() {
        let (s, d) = ([c.stride; 2], [c.dilation; 2]);
        let x = random(c.x, 5 * i as u64);
        // [kh, kw, in, multiplier]: the case's out-channels become the multiplier.
        let w = random(&[c.w[0], c.w[1], c.x[3], c.w[3]], 5 * i as u64 + 1);
        let y = depthwise_conv2d("Depthwise", &x, &w, s, d, &c.padding).unwrap();
        let dy = random(y.dims(), 5 * i as u64 + 2);
        let dx = depthwise_conv2d_backprop_input("D", x.shape(), &w, &dy, s, d, &c.padding);
        let dw = depthwise_conv2d_backprop_filter("D", &x, w.shape(), &dy, s, d, &c.padding);
        let want = dot(&y, &dy);
        assert_close(
            &format!("case {i} input"),
            dot(&x, &dx.unwrap()),
            want,
            1e-10,
        );
        assert_close(
            &format!("case {i} filter"),
            dot(&w, &dw.unwrap()),
            want,
            1e-10,
        );
    }
}

#[test]
fn avg_pool_grad_is_adjoint_to_avg_pool() {
    for (i, (k, s, padding)) in [
        (3, 2, Padding::Same),
        (2, 2, Padding::Valid),
        (3, 1, Padding::Same),
        (2, 3, Padding::Same),
    ]
    .into_iter()
    .enumerate()
    {
        let x = random(&[2, 7, 8, 3], i as u64);
        let y = avg_pool("AvgPool", &x, [k, k], [s, s], &padding).unwrap();
        let dy = random(y.dims(), 10 + i as u64);
        let dx = avg_pool_grad("AvgPoolGrad", x.shape(), &dy, [k, k], [s, s], &padding).unwrap();
        assert_close(&format!("case {i}"), dot(&x, &dx), dot(&y, &dy), 1e-12);
    }
}

/// Checks `grad` (the gradient of `Σ f(x) * dy` at `x`) against central
/// differences of `f` along random directions.
fn check_finite_differences(
    what: &str,
    x: &Tensor,
    dy: &Tensor,
    grad: &Tensor,
    f: impl Fn(&Tensor) -> Tensor,
) {
    let h = 1e-6;
    for seed in 0..3 {
        let v = random(x.dims(), 100 + seed);
        let numeric = (dot(&f(&axpy(x, h, &v)), dy) - dot(&f(&axpy(x, -h, &v)), dy)) / (2.0 * h);
        let analytic = dot(grad, &v);
        assert_close(what, analytic, numeric, 1e-6);
    }
}

#[test]
fn max_pool_grad_matches_finite_differences() {
    for (k, s, padding) in [
        (3, 2, Padding::Same),
        (2, 2, Padding::Valid),
        (3, 1, Padding::Same),
    ] {
        let x = random(&[2, 7, 8, 3], 7);
        let pool = |x: &Tensor| max_pool("MaxPool", x, [k, k], [s, s], &padding).unwrap();
        let y = pool(&x);
        let dy = random(y.dims(), 8);
        let dx = max_pool_grad("MaxPoolGrad", &x, &y, &dy, [k, k], [s, s], &padding).unwrap();
        check_finite_differences("max_pool", &x, &dy, &dx, pool);
    }
}

#[test]
fn fused_batch_norm_grad_matches_finite_differences() {
    let x = random(&[3, 4, 5, 3], 1);
    let scale = random(&[3], 2);
    let offset = random(&[3], 3);
    let mean = random(&[3], 4);
    let var = axpy(&Tensor::full(1.0f64, [3]).unwrap(), 0.5, &random(&[3], 5));
    let dy = random(x.dims(), 6);
    let eps = 1e-3;
    for training in [true, false] {
        let out = fused_batch_norm(
            "BN",
            &x,
            &scale,
            &offset,
            Some(&mean),
            Some(&var),
            eps,
            training,
        )
        .unwrap();
        let (dx, dscale, doffset) = fused_batch_norm_grad(
            "BNGrad",
            &dy,
            &x,
            &scale,
            &out.batch_mean,
            &out.saved_variance,
            eps,
            training,
        )
        .unwrap();
        let bn = |x: &Tensor, scale: &Tensor, offset: &Tensor| {
            fused_batch_norm(
                "BN",
                x,
                scale,
                offset,
                Some(&mean),
                Some(&var),
                eps,
                training,
            )
            .unwrap()
            .y
        };
        check_finite_differences("dx", &x, &dy, &dx, |x| bn(x, &scale, &offset));
        check_finite_differences("dscale", &scale, &dy, &dscale, |s| bn(&x, s, &offset));
        check_finite_differences("doffset", &offset, &dy, &doffset, |o| bn(&x, &scale, o));
    }
}

#[test]
fn f32_and_f64_agree() {
    let x = random(&[2, 6, 7, 3], 1);
    let w = random(&[3, 3, 3, 4], 2);
    let to_f32 = |t: &Tensor| {
        let v: Vec<f32> = t
            .as_slice::<f64>()
            .unwrap()
            .iter()
            .map(|&v| v as f32)
            .collect();
        Tensor::from_vec(v, t.shape().clone()).unwrap()
    };
    let y64 = conv2d("Conv2D", &x, &w, [2, 1], [1, 1], &Padding::Same).unwrap();
    let y32 = conv2d(
        "Conv2D",
        &to_f32(&x),
        &to_f32(&w),
        [2, 1],
        [1, 1],
        &Padding::Same,
    )
    .unwrap();
    assert!(y32.allclose(&to_f32(&y64), 1e-5, 1e-5));
    assert_eq!(y64.shape(), &Shape::from([2, 3, 7, 4]));
}
