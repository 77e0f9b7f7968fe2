//! Neural-network ops: convolutions, pooling, normalization and losses.
//! Values and gradients against TensorFlow 2.21 (fixtures from
//! `tools/make_nn_op_fixtures.py`), finite-difference gradient checks in
//! f64, graph sessions against eager, and errors. Image ops are in
//! `image_ops.rs`.

use ferroflow_core::gradients::gradients;
use ferroflow_core::graph::{Graph, Output};
use ferroflow_core::ops::{Conv, ConvKind, FusedBatchNorm, Pool, PoolKind, SoftmaxCrossEntropy};
use ferroflow_core::prelude::*;
use ferroflow_core::random::set_random_seed;
use ferroflow_core::session::Session;
use ferroflow_core::{AttrValue, OpDef, PartialShape, Result, TensorSpec};

mod common;

use common::*;

fn same() -> Window2d {
    Window2d::new([1, 1], Padding::Same)
}

const NHWC: DataFormat = DataFormat::Nhwc;

#[test]
fn conv_matches_tensorflow() {
    let fx = fixtures();
    let conv = |w: Window2d| move |v: &[Tensor]| v[0].conv2d(&v[1], &w, NHWC);
    let cases = [
        ("conv_same", [2, 5, 5, 3], [3, 3, 3, 4], 1, same()),
        (
            "conv_valid_s2",
            [1, 7, 6, 2],
            [3, 2, 2, 3],
            3,
            Window2d::new([2, 2], Padding::Valid),
        ),
        (
            "conv_dilated",
            [1, 6, 6, 2],
            [2, 2, 2, 2],
            5,
            same().dilated([2, 2]),
        ),
        (
            "conv_explicit",
            [1, 4, 5, 2],
            [2, 3, 2, 2],
            7,
            Window2d::new([1, 1], Padding::Explicit(vec![(1, 2), (0, 1)])),
        ),
    ];
    for (name, xs, ws, seed, window) in cases {
        let x = values(&xs, -1.0, 1.0, seed);
        let w = values(&ws, -1.0, 1.0, seed + 1);
        tf_case(&fx, name, &[("x", x), ("w", w)], conv(window));
    }
    let x = values(&[1, 5, 5, 2], -1.0, 1.0, 9);
    let w = values(&[3, 3, 2, 2], -1.0, 1.0, 10);
    let strided = Window2d::new([2, 2], Padding::Same);
    tf_case(&fx, "depthwise", &[("x", x), ("w", w)], |v| {
        v[0].depthwise_conv2d(&v[1], &strided, NHWC)
    });
    let v = values(&[1, 3, 3, 4], -1.0, 1.0, 11);
    let w = values(&[3, 3, 2, 4], -1.0, 1.0, 12);
    tf_case(&fx, "conv_transpose", &[("v", v), ("w", w)], |v| {
        v[0].conv2d_transpose(&v[1], &[1, 6, 6, 2], &strided, NHWC)
    });
}

#[test]
fn conv_gradients() {
    let windows = [
        same(),
        Window2d::new([1, 1], Padding::Valid),
        Window2d::new([2, 2], Padding::Same),
        Window2d::new([2, 1], Padding::Valid).dilated([2, 2]),
        Window2d::new([1, 2], Padding::Explicit(vec![(1, 0), (2, 1)])),
    ];
    let x = values_f64(&[2, 5, 6, 2], -1.0, 1.0, 1);
    let w = values_f64(&[2, 3, 2, 3], -1.0, 1.0, 2);
    for win in &windows {
        let name = format!("conv2d {win:?}");
        check(&name, &[x.clone(), w.clone()], |v| {
            v[0].conv2d(&v[1], win, NHWC)
        });
        check(
            &format!("depthwise {win:?}"),
            &[x.clone(), w.clone()],
            |v| v[0].depthwise_conv2d(&v[1], win, NHWC),
        );
    }
    // NCHW: the same results on transposed images.
    let nchw = nchw_of(&x);
    let win = &windows[2];
    let y = nchw.conv2d(&w, win, DataFormat::Nchw).unwrap();
    let want = nchw_of(&x.conv2d(&w, win, NHWC).unwrap());
    assert!(y.allclose(&want, 1e-12, 1e-12));
    let y = nchw.depthwise_conv2d(&w, win, DataFormat::Nchw).unwrap();
    let want = nchw_of(&x.depthwise_conv2d(&w, win, NHWC).unwrap());
    assert!(y.allclose(&want, 1e-12, 1e-12));
    let v = values_f64(&[2, 3, 3, 3], -1.0, 1.0, 3);
    let y = nchw_of(&v)
        .conv2d_transpose(&w, &[2, 2, 6, 5], win, DataFormat::Nchw)
        .unwrap();
    let want = nchw_of(&v.conv2d_transpose(&w, &[2, 6, 5, 2], win, NHWC).unwrap());
    assert!(y.allclose(&want, 1e-12, 1e-12));
    check("conv2d NCHW", &[nchw, w.clone()], |v| {
        v[0].conv2d(&v[1], win, DataFormat::Nchw)
    });
    // conv2d_transpose, and second derivatives through the backprop ops.
    let v = values_f64(&[2, 3, 3, 3], -1.0, 1.0, 3);
    let stride2 = Window2d::new([2, 2], Padding::Same);
    check("conv2d_transpose", &[v.clone(), w.clone()], |t| {
        t[0].conv2d_transpose(&t[1], &[2, 6, 5, 2], &stride2, NHWC)
    });
    let grad_x = |t: &[Tensor]| -> Result<Tensor> {
        let tape = GradientTape::new();
        tape.watch(&t[0]);
        let y = t[0].conv2d(&t[1], &stride2, NHWC)?.square()?;
        Ok(tape.gradient(&y, &[&t[0]])?.pop().flatten().unwrap())
    };
    check("conv2d second derivative", &[x.clone(), w.clone()], grad_x);
    let bias = values_f64(&[2], -1.0, 1.0, 4);
    check("bias_add", &[x.clone(), bias.clone()], |v| {
        v[0].bias_add(&v[1], NHWC)
    });
    check("bias_add NCHW", &[nchw_of(&x), bias], |v| {
        v[0].bias_add(&v[1], DataFormat::Nchw)
    });
}

fn nchw_of(x: &Tensor) -> Tensor {
    x.transpose(&[0, 3, 1, 2]).unwrap()
}

#[test]
fn bias_add_matches_tensorflow() {
    let fx = fixtures();
    let x = values(&[2, 3, 4], -1.0, 1.0, 15);
    let b = values(&[4], -1.0, 1.0, 16);
    tf_case(&fx, "bias_add", &[("x", x), ("b", b)], |v| {
        v[0].bias_add(&v[1], NHWC)
    });
}

#[test]
fn pooling_matches_tensorflow_and_differentiates() {
    let fx = fixtures();
    let same3 = Pool2d::new([3, 3], [2, 2], Padding::Same);
    let x = values(&[2, 5, 5, 2], -1.0, 1.0, 13);
    tf_case(&fx, "max_pool_same", &[("x", x.clone())], |v| {
        v[0].max_pool2d(&same3, NHWC)
    });
    tf_case(&fx, "avg_pool_same", &[("x", x)], |v| {
        v[0].avg_pool2d(&same3, NHWC)
    });
    let x = values(&[1, 4, 6, 3], -1.0, 1.0, 14);
    let valid = Pool2d::new([2, 2], [2, 2], Padding::Valid);
    tf_case(&fx, "max_pool_valid", &[("x", x.clone())], |v| {
        v[0].max_pool2d(&valid, NHWC)
    });
    let valid1 = Pool2d::new([2, 2], [1, 1], Padding::Valid);
    tf_case(&fx, "avg_pool_valid", &[("x", x)], |v| {
        v[0].avg_pool2d(&valid1, NHWC)
    });

    // Distinct values keep max pooling differentiable at the probe points.
    let x = values_f64(&[2, 5, 6, 2], -1.0, 1.0, 5);
    for pool in [
        same3,
        valid,
        valid1,
        Pool2d::new([2, 3], [1, 2], Padding::Same),
    ] {
        check(
            &format!("max_pool {pool:?}"),
            std::slice::from_ref(&x),
            |v| v[0].max_pool2d(&pool, NHWC),
        );
        check(
            &format!("avg_pool {pool:?}"),
            std::slice::from_ref(&x),
            |v| v[0].avg_pool2d(&pool, NHWC),
        );
    }
    check("avg_pool NCHW", &[nchw_of(&x)], |v| {
        v[0].avg_pool2d(
            &Pool2d::new([2, 2], [1, 1], Padding::Same),
            DataFormat::Nchw,
        )
    });
    // Second derivatives run MaxPoolGrad's and AvgPoolGrad's gradients.
    for pool in [
        Pool2d::new([3, 3], [2, 2], Padding::Same),
        Pool2d::new([2, 2], [1, 1], Padding::Valid),
    ] {
        check(
            "max_pool second derivative",
            std::slice::from_ref(&x),
            |v| {
                let tape = GradientTape::new();
                tape.watch(&v[0]);
                let y = v[0].max_pool2d(&pool, NHWC)?.square()?;
                Ok(tape.gradient(&y, &[&v[0]])?.pop().flatten().unwrap())
            },
        );
    }
    let pool = Pool2d::new([2, 2], [1, 1], Padding::Same);
    check("avg_pool second derivative", &[x], |v| {
        let tape = GradientTape::new();
        tape.watch(&v[0]);
        let y = v[0].avg_pool2d(&pool, NHWC)?.square()?;
        Ok(tape.gradient(&y, &[&v[0]])?.pop().flatten().unwrap())
    });
}

#[test]
fn batch_norm_matches_tensorflow_and_differentiates() {
    let fx = fixtures();
    let x = values(&[2, 3, 3, 4], -2.0, 2.0, 17);
    let scale = values(&[4], 0.5, 1.5, 18);
    let offset = values(&[4], -1.0, 1.0, 19);
    let mean = values(&[4], -0.5, 0.5, 20);
    let var = values(&[4], 0.5, 2.0, 21);
    for (name, training) in [("batch_norm_train", true), ("batch_norm_infer", false)] {
        let stats = (!training).then_some((&mean, &var));
        let out = x
            .fused_batch_norm(&scale, &offset, stats, 0.001, training)
            .unwrap();
        close(
            &format!("{name}.mean"),
            &out.mean,
            &fx[&format!("{name}.mean")],
        );
        close(
            &format!("{name}.variance"),
            &out.variance,
            &fx[&format!("{name}.variance")],
        );
        let inputs = [
            ("x", x.clone()),
            ("scale", scale.clone()),
            ("offset", offset.clone()),
        ];
        tf_case(&fx, name, &inputs, |v| {
            Ok(v[0]
                .fused_batch_norm(&v[1], &v[2], stats, 0.001, training)?
                .y)
        });
    }
    let inputs = [
        ("x", x.clone()),
        ("m", mean),
        ("v", var),
        ("o", offset),
        ("s", scale),
    ];
    tf_case(&fx, "batch_normalization", &inputs, |v| {
        v[0].batch_normalization(&v[1], &v[2], Some(&v[3]), Some(&v[4]), 0.001)
    });
    let (m, v) = x.moments(vec![0, 1, 2], false).unwrap();
    close("moments.mean", &m, &fx["moments.mean"]);
    close("moments.variance", &v, &fx["moments.variance"]);

    let x = values_f64(&[2, 3, 2, 3], -2.0, 2.0, 1);
    let scale = values_f64(&[3], 0.5, 1.5, 2);
    let offset = values_f64(&[3], -1.0, 1.0, 3);
    let (mean, var) = (
        values_f64(&[3], -0.5, 0.5, 4),
        values_f64(&[3], 0.5, 2.0, 5),
    );
    for training in [true, false] {
        let stats = (!training).then_some((&mean, &var));
        check(
            &format!("fused_batch_norm training={training}"),
            &[x.clone(), scale.clone(), offset.clone()],
            |v| {
                Ok(v[0]
                    .fused_batch_norm(&v[1], &v[2], stats, 0.001, training)?
                    .y)
            },
        );
    }
    // Second derivatives run FusedBatchNormGradV3's gradient; the squared
    // output makes the incoming gradient depend on x too.
    for training in [true, false] {
        let stats = (!training).then_some((&mean, &var));
        check(
            &format!("fused_batch_norm second derivative training={training}"),
            &[x.clone(), scale.clone()],
            |v| {
                let tape = GradientTape::new();
                tape.watch(&v[0]);
                tape.watch(&v[1]);
                let y = v[0]
                    .fused_batch_norm(&v[1], &offset, stats, 0.001, training)?
                    .y;
                let loss = y.square()?.mul(&values_f64(y.dims(), 0.5, 2.0, 7))?;
                let mut g = tape.gradient(&loss, &[&v[0], &v[1]])?;
                let d_scale = g.pop().flatten().unwrap();
                let d_x = g.pop().flatten().unwrap();
                d_x.add(&d_scale)
            },
        );
    }
    check(
        "batch_normalization",
        &[x.clone(), mean, var, offset, scale],
        |v| v[0].batch_normalization(&v[1], &v[2], Some(&v[3]), Some(&v[4]), 0.001),
    );
    check("moments", &[x], |v| {
        let (m, var) = v[0].moments(vec![0, 1], true)?;
        m.add(&var)
    });
}

#[test]
fn losses_match_tensorflow_and_differentiate() {
    let fx = fixtures();
    let labels = values(&[3, 5], -1.0, 1.0, 22).softmax().unwrap();
    let logits = values(&[3, 5], -3.0, 3.0, 23);
    tf_case(
        &fx,
        "softmax_ce",
        &[("z", labels.clone()), ("x", logits.clone())],
        |v| softmax_cross_entropy_with_logits(&v[0], &v[1]),
    );
    let sparse = Tensor::from([1i32, 4, 0]);
    tf_case(&fx, "sparse_softmax_ce", &[("x", logits)], |v| {
        sparse_softmax_cross_entropy_with_logits(&sparse, &v[0])
    });
    let labels = values(&[2, 3], 0.0, 1.0, 24);
    let logits = values(&[2, 3], -3.0, 3.0, 25);
    let pair = [("z", labels.clone()), ("x", logits.clone())];
    tf_case(&fx, "sigmoid_ce", &pair, |v| {
        sigmoid_cross_entropy_with_logits(&v[0], &v[1])
    });
    tf_case(&fx, "weighted_ce", &pair, |v| {
        weighted_cross_entropy_with_logits(&v[0], &v[1], 2.5)
    });
    tf_case(&fx, "l2_loss", &[("x", logits)], |v| l2_loss(&v[0]));
    let w = Tensor::from([[1.0f32, 0.0, 2.0], [0.5, 1.0, 0.0]]);
    let preds = values(&[2, 3], 0.05, 0.95, 26);
    let pair = [("z", labels), ("p", preds)];
    let weighted = Reduction::SumByNonzeroWeights;
    tf_case(&fx, "mse", &pair, |v| {
        mean_squared_error(&v[0], &v[1], Some(&w), weighted)
    });
    tf_case(&fx, "mse_sum", &pair, |v| {
        mean_squared_error(&v[0], &v[1], Some(&w), Reduction::Sum)
    });
    tf_case(&fx, "huber", &pair, |v| {
        huber_loss(
            &v[0],
            &v[1].mul(&Tensor::scalar(3.0f32))?,
            Some(&w),
            0.6,
            weighted,
        )
    });
    tf_case(&fx, "log_loss", &pair, |v| {
        log_loss(&v[0], &v[1], Some(&w), 1e-7, Reduction::Mean)
    });
    tf_case(&fx, "log_loss_batch", &pair, |v| {
        log_loss(&v[0], &v[1], None, 1e-7, Reduction::SumOverBatchSize)
    });

    let labels = values_f64(&[2, 2, 4], 0.0, 1.0, 1);
    let logits = values_f64(&[2, 2, 4], -3.0, 3.0, 2);
    let two = [labels.clone(), logits.clone()];
    // The fused gradient assumes each row of labels is a distribution, as TensorFlow's.
    check("softmax_ce rank 3", &two, |v| {
        softmax_cross_entropy_with_logits(&v[0].softmax()?, &v[1])
    });
    let sparse = Tensor::from([[3i64, 0], [1, 2]]);
    check("sparse_softmax_ce", std::slice::from_ref(&logits), |v| {
        sparse_softmax_cross_entropy_with_logits(&sparse, &v[0])
    });
    check("sigmoid_ce", &two, |v| {
        sigmoid_cross_entropy_with_logits(&v[0], &v[1])
    });
    check("weighted_ce", &two, |v| {
        weighted_cross_entropy_with_logits(&v[0], &v[1], 0.3)
    });
    check("l2_loss", std::slice::from_ref(&logits), |v| l2_loss(&v[0]));
    let w = values_f64(&[2, 1, 4], 0.0, 2.0, 3);
    let preds = values_f64(&[2, 2, 4], 0.05, 0.95, 4);
    let two = [labels, preds];
    for r in [
        Reduction::None,
        Reduction::Sum,
        Reduction::Mean,
        Reduction::SumOverBatchSize,
        Reduction::SumByNonzeroWeights,
    ] {
        check(&format!("mse {r:?}"), &two, |v| {
            mean_squared_error(&v[0], &v[1], Some(&w), r)
        });
        check(&format!("huber {r:?}"), &two, |v| {
            huber_loss(&v[0], &v[1], Some(&w), 0.2, r)
        });
        check(&format!("log_loss {r:?}"), &two, |v| {
            log_loss(&v[0], &v[1], Some(&w), 1e-7, r)
        });
    }
    // Second derivative of the fused softmax cross entropy.
    check("softmax_ce second derivative", &[logits], |v| {
        let tape = GradientTape::new();
        tape.watch(&v[0]);
        let loss = sparse_softmax_cross_entropy_with_logits(&sparse, &v[0])?;
        Ok(tape.gradient(&loss, &[&v[0]])?.pop().flatten().unwrap())
    });
}

/// conv → bias → relu → max pool → sparse cross entropy, and its gradients.
fn model<H: TensorOps>(x: &H, w: &H, b: &H, labels: &H) -> Result<H> {
    let pool = Pool2d::new([2, 2], [2, 2], Padding::Same);
    let h = x.conv2d(w, &Window2d::new([1, 1], Padding::Same), NHWC)?;
    let h = h.bias_add(b, NHWC)?.relu()?.max_pool2d(&pool, NHWC)?;
    let logits = h.reshape(&[2, -1])?;
    sparse_softmax_cross_entropy_with_logits(labels, &logits)?.reduce_mean(None::<&[i64]>, false)
}

#[test]
fn graph_session_equals_eager() {
    let x = values(&[2, 4, 4, 3], -1.0, 1.0, 1);
    let w = values(&[3, 3, 3, 2], -1.0, 1.0, 2);
    let b = values(&[2], -0.5, 0.5, 3);
    let labels = Tensor::from([3i32, 5]);
    let tape = GradientTape::new();
    tape.watch(&w);
    tape.watch(&b);
    let eager = model(&x, &w, &b, &labels).unwrap();
    let eager_grads = tape.gradient(&eager, &[&w, &b]).unwrap();

    let g = Graph::new();
    let px = g
        .placeholder(DType::F32, [Some(2), Some(4), Some(4), Some(3)], "x")
        .unwrap();
    let (gw, gb) = (g.constant(w, "w").unwrap(), g.constant(b, "b").unwrap());
    let gl = g.constant(labels, "labels").unwrap();
    let loss = model(&px, &gw, &gb, &gl).unwrap();
    let grads: Vec<Output> = gradients(&[&loss], &[&gw, &gb], None)
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let out = Session::new(&g)
        .run(&[&loss, &grads[0], &grads[1]], &[(&px, x)])
        .unwrap();
    assert!(out[0].allclose(&eager, 1e-6, 1e-6), "{} vs {eager}", out[0]);
    for (got, want) in out[1..].iter().zip(eager_grads) {
        assert!(got.allclose(&want.unwrap(), 1e-5, 1e-6));
    }
}

#[test]
fn graph_batch_norm_equals_eager() {
    let x = values(&[2, 3, 3, 4], -2.0, 2.0, 17);
    let scale = values(&[4], 0.5, 1.5, 18);
    let offset = values(&[4], -1.0, 1.0, 19);
    let weights = values(&[2, 3, 3, 4], 0.5, 2.0, 99);
    let tape = GradientTape::new();
    tape.watch(&x);
    tape.watch(&scale);
    let out = x
        .fused_batch_norm(&scale, &offset, None, 0.001, true)
        .unwrap();
    let loss = out.y.mul(&weights).unwrap();
    let eager = tape.gradient(&loss, &[&x, &scale]).unwrap();

    let g = Graph::new();
    let gx = g
        .placeholder(DType::F32, [None, Some(3), Some(3), Some(4)], "x")
        .unwrap();
    let gs = g.constant(scale, "scale").unwrap();
    let go = g.constant(offset, "offset").unwrap();
    let bn = gx.fused_batch_norm(&gs, &go, None, 0.001, true).unwrap();
    assert_eq!(bn.mean.static_shape().to_string(), "(4,)");
    let gl = bn.y.mul(&g.constant(weights, "w").unwrap()).unwrap();
    let grads: Vec<Output> = gradients(&[&gl], &[&gx, &gs], None)
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let run = Session::new(&g)
        .run(&[&bn.y, &bn.variance, &grads[0], &grads[1]], &[(&gx, x)])
        .unwrap();
    assert!(run[0].allclose(&out.y, 1e-6, 1e-6));
    assert!(run[1].allclose(&out.variance, 1e-6, 1e-6));
    for (got, want) in run[2..].iter().zip(eager) {
        assert!(got.allclose(&want.unwrap(), 1e-5, 1e-5));
    }
}

#[test]
fn graph_gradients_with_unknown_batch() {
    // The backprop ops read the input shape at run time (`Shape` nodes).
    let g = Graph::new();
    let px = g
        .placeholder(DType::F64, [None, Some(5), Some(5), Some(2)], "x")
        .unwrap();
    let w = values_f64(&[3, 3, 2, 3], -1.0, 1.0, 2);
    let gw = g.constant(w.clone(), "w").unwrap();
    let pool = Pool2d::new([2, 2], [2, 2], Padding::Same);
    let stride2 = Window2d::new([2, 2], Padding::Same);
    let f = |x: &Output, w: &Output| -> Result<Output> {
        x.conv2d(w, &stride2, NHWC)?
            .avg_pool2d(&pool, NHWC)?
            .square()?
            .reduce_sum(None::<&[i64]>, false)
    };
    let loss = f(&px, &gw).unwrap();
    assert_eq!(
        px.conv2d(&gw, &stride2, NHWC)
            .unwrap()
            .static_shape()
            .to_string(),
        "(?, 3, 3, 3)"
    );
    let grads = gradients(&[&loss], &[&px, &gw], None).unwrap();
    let (dx, dw) = (grads[0].clone().unwrap(), grads[1].clone().unwrap());
    assert_eq!(dx.static_shape().to_string(), "(?, 5, 5, 2)");
    let x = values_f64(&[3, 5, 5, 2], -1.0, 1.0, 1);
    let out = Session::new(&g)
        .run(&[&dx, &dw], &[(&px, x.clone())])
        .unwrap();
    let tape = GradientTape::new();
    tape.watch(&x);
    tape.watch(&w);
    let y = x
        .conv2d(&w, &stride2, NHWC)
        .unwrap()
        .avg_pool2d(&pool, NHWC)
        .unwrap()
        .square()
        .unwrap();
    let eager = tape.gradient(&y, &[&x, &w]).unwrap();
    for (got, want) in out.iter().zip(eager) {
        assert!(got.allclose(&want.unwrap(), 1e-12, 1e-12));
    }
}

#[test]
fn static_shapes_with_unknown_dims() {
    let f32 = |d: &[Option<usize>]| TensorSpec::new(DType::F32, PartialShape::from_dims(d));
    let conv = Conv {
        kind: ConvKind::Dense,
        window: Window2d::new([2, 2], Padding::Same),
    };
    let out = conv
        .infer(&[
            f32(&[None, Some(5), Some(5), Some(3)]),
            f32(&[Some(3), Some(3), Some(3), Some(8)]),
        ])
        .unwrap();
    assert_eq!(out[0].shape.to_string(), "(?, 3, 3, 8)");
    let out = conv
        .infer(&[
            f32(&[Some(2), None, Some(5), Some(3)]),
            f32(&[Some(3), Some(3), Some(3), Some(8)]),
        ])
        .unwrap();
    assert_eq!(out[0].shape.to_string(), "(2, ?, ?, 8)");
    let out = conv
        .infer(&[
            f32(&[Some(1), Some(5), Some(5), Some(3)]),
            f32(&[Some(3), Some(3), Some(3), Some(8)]),
        ])
        .unwrap();
    assert_eq!(out[0].shape.to_string(), "(1, 3, 3, 8)");
    let bn = FusedBatchNorm {
        epsilon: 0.001,
        training: true,
    };
    let out = bn
        .infer(&[
            f32(&[None, Some(4)]),
            f32(&[None]),
            f32(&[Some(4)]),
            f32(&[Some(0)]),
            f32(&[Some(0)]),
        ])
        .unwrap();
    assert_eq!(out[1].shape.to_string(), "(4,)");
    let sce = SoftmaxCrossEntropy {
        sparse_labels: Some(DType::I64),
    };
    let labels = TensorSpec::new(DType::I64, PartialShape::from_dims(&[None]));
    let out = sce.infer(&[f32(&[None, Some(10)]), labels]).unwrap();
    assert_eq!(
        (out[0].shape.to_string(), out[1].shape.to_string()),
        ("(?,)".into(), "(?, 10)".into())
    );
}

#[test]
fn graph_def_attributes() {
    let conv = Conv {
        kind: ConvKind::Depthwise,
        window: Window2d::new([2, 3], Padding::Explicit(vec![(1, 2), (0, 1)])).dilated([1, 2]),
    };
    assert_eq!(conv.op_type(), "DepthwiseConv2dNative");
    let ints = |v: &[i64]| AttrValue::Ints(v.to_vec());
    assert_eq!(
        conv.attrs(),
        vec![
            ("strides", ints(&[1, 2, 3, 1])),
            ("data_format", AttrValue::Str("NHWC".into())),
            ("padding", AttrValue::Str("EXPLICIT".into())),
            ("explicit_paddings", ints(&[0, 0, 1, 2, 0, 1, 0, 0])),
            ("dilations", ints(&[1, 1, 2, 1])),
        ]
    );
    let pool = Pool {
        kind: PoolKind::Max,
        window: Pool2d::new([3, 2], [2, 1], Padding::Valid),
    };
    assert_eq!(
        pool.attrs(),
        vec![
            ("ksize", ints(&[1, 3, 2, 1])),
            ("strides", ints(&[1, 2, 1, 1])),
            ("data_format", AttrValue::Str("NHWC".into())),
            ("padding", AttrValue::Str("VALID".into())),
        ]
    );
    let sce = SoftmaxCrossEntropy {
        sparse_labels: Some(DType::I32),
    };
    assert_eq!(sce.op_type(), "SparseSoftmaxCrossEntropyWithLogits");
    assert_eq!(sce.attrs(), vec![("Tlabels", AttrValue::Type(DType::I32))]);
    let bn = FusedBatchNorm {
        epsilon: 0.001,
        training: false,
    };
    assert_eq!(
        bn.attrs(),
        vec![
            ("epsilon", AttrValue::Float(0.001)),
            ("is_training", AttrValue::Bool(false)),
            ("data_format", AttrValue::Str("NHWC".into())),
        ]
    );
}

#[test]
fn errors_name_the_op_and_shapes() {
    let x = values(&[1, 4, 4, 3], -1.0, 1.0, 1);
    let w = values(&[3, 3, 2, 4], -1.0, 1.0, 2);
    let valid = Pool2d::new([2, 2], [1, 1], Padding::Valid);
    let mean_var = Tensor::from([0.0f32; 2]);
    let cases = [
        (
            x.conv2d(&w, &same(), NHWC),
            "Conv2D: input depth 3 does not match filter in-depth 2 (input [1,4,4,3], filter [3,3,2,4])",
        ),
        (
            values(&[4, 4, 3], -1.0, 1.0, 1).conv2d(&w, &same(), NHWC),
            "Conv2D: input must be 4-dimensional, got shape [4,4,3]",
        ),
        (
            values(&[4, 4], 0.0, 1.0, 1).max_pool2d(&valid, NHWC),
            "MaxPool: input must be 4-dimensional, got shape [4,4]",
        ),
        (
            x.bias_add(&values(&[2], 0.0, 1.0, 1), NHWC),
            "BiasAdd: bias must be a vector of the 3 channels, got shape [2]",
        ),
        (
            x.fused_batch_norm(&mean_var, &mean_var, None, 0.001, true).map(|o| o.y),
            "FusedBatchNormV3: scale must be a vector of the 3 channels, got shape [2]",
        ),
        (
            x.fused_batch_norm(&mean_var, &mean_var, None, 0.001, false).map(|o| o.y),
            "FusedBatchNormV3: inference (is_training=False) needs a mean and a variance",
        ),
    ];
    for (result, want) in cases {
        assert_eq!(err_text(result), want);
    }
    // The same checks when building a graph, in the shape rules.
    let g = Graph::new();
    let gx = g
        .placeholder(DType::F32, [None, Some(4), Some(4), Some(3)], "x")
        .unwrap();
    let gw = g.constant(w, "w").unwrap();
    let e = err_text(gx.conv2d(&gw, &same(), NHWC));
    assert_eq!(
        e,
        "Conv2D: input depth must be evenly divisible by filter depth: 3 vs 2 \
         (input [?,4,4,3], filter [3,3,2,4])"
    );
    let gb = g.constant(Tensor::from([0.0f32; 2]), "b").unwrap();
    assert_eq!(
        err_text(gx.bias_add(&gb, NHWC)),
        "BiasAdd: Must provide as many biases as the last dimension of the input tensor: \
         [2] vs. [?,4,4,3]"
    );

    // Cross entropies: label dtype and shapes.
    let logits = values(&[2, 3], -1.0, 1.0, 1);
    let e = err_text(sparse_softmax_cross_entropy_with_logits(
        &values(&[2], 0.0, 1.0, 1),
        &logits,
    ));
    assert_eq!(
        e,
        "SparseSoftmaxCrossEntropyWithLogits: Value passed to parameter 'labels' has DataType \
         float32 not in list of allowed values: int32, int64"
    );
    let e = err_text(sparse_softmax_cross_entropy_with_logits(
        &Tensor::from([0i32, 1, 2]),
        &logits,
    ));
    assert_eq!(
        e,
        "SparseSoftmaxCrossEntropyWithLogits: logits and labels must have the same first \
         dimension, got logits shape [2,3] and labels shape [3]"
    );
    let e = err_text(sparse_softmax_cross_entropy_with_logits(
        &Tensor::from([0i32, 3]),
        &logits,
    ));
    assert_eq!(
        e,
        "SparseSoftmaxCrossEntropyWithLogits: Received a label value of 3 which is outside the \
         valid range of [0, 3)."
    );
    let e = err_text(softmax_cross_entropy_with_logits(
        &values(&[2, 4], 0.0, 1.0, 1),
        &logits,
    ));
    assert_eq!(
        e,
        "SoftmaxCrossEntropyWithLogits: logits and labels must be same size: \
         logits_size=[2,3] labels_size=[2,4]"
    );
    let e = err_text(sigmoid_cross_entropy_with_logits(
        &values(&[3], 0.0, 1.0, 1),
        &logits,
    ));
    assert_eq!(
        e,
        "sigmoid_cross_entropy_with_logits: logits and labels must have the same shape \
         ((2, 3) vs (3,))"
    );
}

#[test]
fn dropout_matches_tensorflow_eager_and_graph() {
    let fx = fixtures();
    let x = values(&[4, 5], 1.0, 2.0, 27);
    set_random_seed(Some(5));
    close(
        "dropout",
        &x.dropout(0.4, None, Some(3), true).unwrap(),
        &fx["dropout"],
    );
    set_random_seed(Some(5));
    let y = x.dropout(0.5, Some(&[4, 1]), Some(3), true).unwrap();
    close("dropout_noise_shape", &y, &fx["dropout_noise_shape"]);
    // Not training, or rate 0: x itself.
    assert_eq!(x.dropout(0.4, None, Some(3), false).unwrap().id(), x.id());
    assert_eq!(x.dropout(0.0, None, None, true).unwrap().id(), x.id());
    assert_eq!(
        err_text(x.dropout(1.0, None, None, true)),
        "dropout: `rate` must be a scalar tensor or a float in the range [0, 1). Received: rate=1"
    );
    // A graph builds random nodes with the same seeds, hence the same values.
    let g = Graph::new();
    g.set_random_seed(Some(5));
    let gx = g.constant(x.clone(), "x").unwrap();
    let gy = gx.dropout(0.4, None, Some(3), true).unwrap();
    let out = Session::new(&g).run(&[&gy], &[]).unwrap();
    close("graph dropout", &out[0], &fx["dropout"]);
    // The gradient passes through kept elements only, scaled.
    let tape = GradientTape::new();
    tape.watch(&x);
    set_random_seed(Some(5));
    let y = x.dropout(0.4, None, Some(3), true).unwrap();
    let dx = tape.gradient(&y, &[&x]).unwrap().pop().flatten().unwrap();
    let want: Vec<f32> = fx["dropout"]
        .to_vec::<f32>()
        .unwrap()
        .iter()
        .map(|&v| if v == 0.0 { 0.0 } else { 1.0 / 0.6 })
        .collect();
    assert!(dx.allclose(&Tensor::from_vec(want, [4, 5]).unwrap(), 1e-6, 1e-6));
}

/// A graph pooling with an unknown batch keeps its spatial output sizes,
/// so conv → pool → flatten → dense can be built with `None` batches.
#[test]
fn pooling_with_unknown_batch_keeps_spatial_shape() {
    let g = Graph::new();
    let x = g
        .placeholder(DType::F32, [None, Some(28), Some(28), Some(32)], "x")
        .unwrap();
    let pool = Pool2d::new([2, 2], [2, 2], Padding::Same);
    let y = x.max_pool2d(&pool, NHWC).unwrap();
    assert_eq!(y.static_shape().to_string(), "(?, 14, 14, 32)");
    let valid = Pool2d::new([3, 3], [2, 2], Padding::Valid);
    let z = x.avg_pool2d(&valid, NHWC).unwrap();
    assert_eq!(z.static_shape().to_string(), "(?, 13, 13, 32)");
}

/// `_FusedConv2D` (conv → bias → optional ReLU as one op) gives the three
/// ops' values and gradients, eagerly and in graphs, and its GraphDef node
/// imports back.
#[test]
fn fused_conv2d_equals_conv_bias_relu() {
    let x = values_f64(&[2, 5, 6, 2], -1.0, 1.0, 41);
    let w = values_f64(&[2, 3, 2, 3], -1.0, 1.0, 42);
    let b = values_f64(&[3], -0.5, 0.5, 43);
    let windows = [
        same(),
        Window2d::new([2, 2], Padding::Valid),
        Window2d::new([1, 2], Padding::Explicit(vec![(1, 0), (2, 1)])).dilated([2, 1]),
    ];
    for win in &windows {
        for relu in [false, true] {
            let fused = x.conv2d_bias_activation(&w, &b, win, relu).unwrap();
            let z = x.conv2d(&w, win, NHWC).unwrap().bias_add(&b, NHWC).unwrap();
            let want = if relu { z.relu().unwrap() } else { z };
            assert!(fused.allclose(&want, 1e-12, 1e-12), "{win:?} relu={relu}");
            check(
                &format!("fused conv2d {win:?} relu={relu}"),
                &[x.clone(), w.clone(), b.clone()],
                |v| v[0].conv2d_bias_activation(&v[1], &v[2], win, relu),
            );
        }
    }
    let err = err_text(x.conv2d_bias_activation(&w, &Tensor::from([1.0f64, 2.0]), &same(), true));
    assert!(
        err.contains("bias must be a vector of the 3 output channels"),
        "{err}"
    );

    // In a graph, with gradients, and through a GraphDef.
    let g = Graph::new();
    let px = g
        .placeholder(DType::F64, [None, Some(5), Some(6), Some(2)], "x")
        .unwrap();
    let (gw, gb) = (
        g.constant(w.clone(), "w").unwrap(),
        g.constant(b.clone(), "b").unwrap(),
    );
    let y = px
        .conv2d_bias_activation(&gw, &gb, &windows[1], true)
        .unwrap();
    assert_eq!(y.name(), "FusedConv2D:0");
    let loss = y.square().unwrap().reduce_sum(Axes::All, false).unwrap();
    let grads: Vec<Output> = gradients(&[&loss], &[&px, &gw, &gb], None)
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let fetches = [&y, &grads[0], &grads[1], &grads[2]];
    let out = Session::new(&g).run(&fetches, &[(&px, x.clone())]).unwrap();
    let tape = GradientTape::new();
    for v in [&x, &w, &b] {
        tape.watch(v);
    }
    let eager = x.conv2d_bias_activation(&w, &b, &windows[1], true).unwrap();
    let eager_loss = eager
        .square()
        .unwrap()
        .reduce_sum(Axes::All, false)
        .unwrap();
    let eager_grads = tape.gradient(&eager_loss, &[&x, &w, &b]).unwrap();
    assert!(out[0].allclose(&eager, 1e-12, 1e-12));
    for (got, want) in out[1..].iter().zip(eager_grads) {
        assert!(got.allclose(&want.unwrap(), 1e-12, 1e-12));
    }
    let def = g.to_graph_def().unwrap();
    let node = def.node.iter().find(|n| n.op == "_FusedConv2D").unwrap();
    assert_eq!(node.input.len(), 3);
    let copy = Graph::new();
    copy.import_graph_def(&def).unwrap();
    let (x2, y2) = (
        copy.get_tensor_by_name("x:0").unwrap(),
        copy.get_tensor_by_name(&y.name()).unwrap(),
    );
    let again = Session::new(&copy).run(&[&y2], &[(&x2, x)]).unwrap();
    assert_eq!(again[0], out[0]);
}
