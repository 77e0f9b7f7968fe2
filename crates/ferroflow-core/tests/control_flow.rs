//! `cond`, `while_loop` and `custom_gradient`: values and gradients,
//! eagerly (checked against finite differences) and in graphs (checked
//! against the eager tape on the same computation).

// `&[x.clone()]` mirrors TensorFlow's list arguments; `from_ref` would not.
#![allow(clippy::cloned_ref_to_slice_refs)]

use ferroflow_core::control_flow::{case, cond, while_loop, Branch, ControlFlow};
use ferroflow_core::custom_gradient::custom_gradient;
use ferroflow_core::gradients::gradients;
use ferroflow_core::graph::{Graph, Output};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_core::testing::check_gradients;
use ferroflow_core::{PartialShape, Result};

fn f64s(t: &Tensor) -> Vec<f64> {
    t.to_f64_vec().unwrap()
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-9 * (1.0 + w.abs()),
            "{got:?} vs {want:?}"
        );
    }
}

/// Tape gradients of `sum(f(inputs))`, and the value.
fn eager_grads(
    f: impl Fn(&[Tensor]) -> Result<Tensor>,
    inputs: &[Tensor],
) -> (Tensor, Vec<Tensor>) {
    let tape = GradientTape::new();
    inputs.iter().for_each(|x| tape.watch(x));
    let y = f(inputs).unwrap();
    let g = tape
        .gradient(&y, &inputs.iter().collect::<Vec<_>>())
        .unwrap();
    (y, g.into_iter().map(|g| g.unwrap()).collect())
}

/// The same computation built in a graph on placeholders, differentiated
/// with `gradients` and run with `inputs` fed.
fn graph_grads(
    f: impl Fn(&[Output]) -> Result<Output>,
    inputs: &[Tensor],
) -> (Tensor, Vec<Tensor>) {
    let g = Graph::new();
    let xs: Vec<Output> = inputs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            g.placeholder(t.dtype(), t.shape(), &format!("x{i}"))
                .unwrap()
        })
        .collect();
    let y = f(&xs).unwrap();
    let grads = gradients(&[&y], &xs.iter().collect::<Vec<_>>(), None).unwrap();
    let mut fetches = vec![&y];
    fetches.extend(grads.iter().map(|g| g.as_ref().unwrap()));
    let feeds: Vec<(&Output, Tensor)> = xs.iter().zip(inputs.iter().cloned()).collect();
    let mut out = Session::new(&g).run(&fetches, &feeds).unwrap();
    let y = out.remove(0);
    (y, out)
}

/// Checks `f` eagerly against finite differences, then the graph version
/// against the eager values and gradients.
fn check_both<E, G>(eager: E, graph: G, inputs: &[Tensor])
where
    E: Fn(&[Tensor]) -> Result<Tensor>,
    G: Fn(&[Output]) -> Result<Output>,
{
    check_gradients(&eager, inputs, 1e-6, 1e-6).unwrap();
    let (ey, eg) = eager_grads(&eager, inputs);
    let (gy, gg) = graph_grads(graph, inputs);
    assert_close(&f64s(&gy), &f64s(&ey));
    for (a, b) in gg.iter().zip(&eg) {
        assert_close(&f64s(a), &f64s(b));
    }
}

/// `w * x²` if `sum(x) < w`, else `sin(x) * w + x`: the branches use the
/// captured `w` as well as their input.
fn branchy<H: ControlFlow>(x: &H, w: &H) -> Result<H> {
    let pred = x.reduce_sum(Axes::All, false)?.less(w)?;
    let y = cond(
        &pred,
        &[x.clone()],
        |v| Ok(vec![v[0].square()?.mul(w)?]),
        |v| Ok(vec![v[0].sin()?.mul(w)?.add(&v[0])?]),
    )?;
    y[0].reduce_sum(Axes::All, false)
}

#[test]
fn cond_values_and_gradients_both_branches() {
    let x = Tensor::from([0.5f64, -1.5, 0.25]);
    for w in [2.0f64, -3.0] {
        check_both(
            |v| branchy(&v[0], &v[1]),
            |v| branchy(&v[0], &v[1]),
            &[x.clone(), Tensor::scalar(w)],
        );
    }
    let (y, _) = eager_grads(
        |v| branchy(&v[0], &v[1]),
        &[x.clone(), Tensor::scalar(2.0f64)],
    );
    assert_close(&f64s(&y), &[2.0 * (0.25 + 2.25 + 0.0625)]);
}

#[test]
fn cond_in_graph_runs_only_the_taken_branch() {
    let g = Graph::new();
    let x = g
        .placeholder(DType::F32, PartialShape::unknown(), "x")
        .unwrap();
    let flag = g.placeholder(DType::Bool, [], "flag").unwrap();
    // The false branch fails on a 2-element input; it must not run.
    let y = cond(
        &flag,
        &[x.clone()],
        |v| Ok(vec![v[0].neg()?]),
        |v| Ok(vec![v[0].reshape(&[7])?]),
    )
    .unwrap();
    let sess = Session::new(&g);
    let feed = Tensor::from([1.0f32, 2.0]);
    let out = sess
        .run(
            &[&y[0]],
            &[(&x, feed.clone()), (&flag, Tensor::scalar(true))],
        )
        .unwrap();
    assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![-1.0, -2.0]);
    assert!(sess
        .run(&[&y[0]], &[(&x, feed), (&flag, Tensor::scalar(false))])
        .is_err());
    assert_eq!(y[0].op().op_type(), "If");
    assert_eq!(y[0].name(), "cond:0");
}

#[test]
fn cond_rejects_bad_predicates_and_branches() {
    // Eager: a non-scalar or non-bool predicate.
    let x = Tensor::from([1.0f32, 2.0]);
    let pred = Tensor::from([true, false]);
    let err = cond(&pred, &[x.clone()], |v| Ok(v.to_vec()), |v| Ok(v.to_vec())).unwrap_err();
    assert!(err.to_string().contains("bool scalar"), "{err}");
    let err = cond(
        &Tensor::scalar(1.0f32),
        &[x],
        |v| Ok(v.to_vec()),
        |v| Ok(v.to_vec()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("bool scalar"), "{err}");

    // Graph: caught when built, or when run if the shape is unknown.
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [Some(2)], "x").unwrap();
    let vec_pred = g.placeholder(DType::Bool, [Some(2)], "p").unwrap();
    let err = cond(
        &vec_pred,
        &[x.clone()],
        |v| Ok(v.to_vec()),
        |v| Ok(v.to_vec()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("pred must be a scalar"), "{err}");
    let any_pred = g
        .placeholder(DType::Bool, PartialShape::unknown(), "q")
        .unwrap();
    let y = cond(
        &any_pred,
        &[x.clone()],
        |v| Ok(v.to_vec()),
        |v| Ok(vec![v[0].neg()?]),
    )
    .unwrap();
    let err = Session::new(&g)
        .run(
            &[&y[0]],
            &[
                (&x, Tensor::from([1.0f32, 2.0])),
                (&any_pred, Tensor::from([true, true])),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("bool scalar"), "{err}");

    // Branches must agree in number and dtype.
    let p = g.placeholder(DType::Bool, [], "r").unwrap();
    let err = cond(
        &p,
        &[x.clone()],
        |v| Ok(v.to_vec()),
        |v| Ok(vec![v[0].cast(DType::I32)?]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("same number, type"), "{err}");
}

#[test]
fn cond_output_shape_is_most_specific_compatible() {
    let g = Graph::new();
    let a = g.placeholder(DType::F32, [Some(2), Some(3)], "a").unwrap();
    let b = g.placeholder(DType::F32, [Some(4), Some(3)], "b").unwrap();
    let p = g.placeholder(DType::Bool, [], "p").unwrap();
    let y = cond(
        &p,
        &[a, b],
        |v| Ok(vec![v[0].clone()]),
        |v| Ok(vec![v[1].clone()]),
    )
    .unwrap();
    assert_eq!(y[0].get_shape(), PartialShape::from_dims(&[None, Some(3)]));
}

/// `x ← x * w + sin(x)` three times (an int counter and a float state),
/// with `w` captured by the body.
fn looped<H: ControlFlow>(x: &H, w: &H) -> Result<H> {
    let zero = x.constant_like(Tensor::scalar(0i32))?;
    let out = while_loop(
        |v: &[H]| v[0].less(&v[0].constant_like(Tensor::scalar(3i32))?),
        |v: &[H]| {
            let one = v[0].constant_like(Tensor::scalar(1i32))?;
            Ok(vec![v[0].add(&one)?, v[1].mul(w)?.add(&v[1].sin()?)?])
        },
        &[zero, x.clone()],
    )?;
    out[1].reduce_sum(Axes::All, false)
}

#[test]
fn while_loop_values_and_gradients() {
    let x = Tensor::from([0.3f64, -0.7]);
    let w = Tensor::scalar(0.9f64);
    check_both(
        |v| looped(&v[0], &v[1]),
        |v| looped(&v[0], &v[1]),
        &[x.clone(), w.clone()],
    );
    let mut want = 0.0;
    for x0 in [0.3f64, -0.7] {
        let mut s = x0;
        for _ in 0..3 {
            s = s * 0.9 + s.sin();
        }
        want += s;
    }
    let (y, _) = eager_grads(|v| looped(&v[0], &v[1]), &[x, w]);
    assert_close(&f64s(&y), &[want]);
}

#[test]
fn while_loop_with_zero_iterations_passes_values_and_gradients_through() {
    let run = |v: &[Output]| -> Result<Output> {
        let out = while_loop(
            |s: &[Output]| s[0].greater(&s[0].scalar_like(100.0)?),
            |s: &[Output]| Ok(vec![s[0].mul(&v[1])?]),
            &[v[0].clone()],
        )?;
        out[0].mul(&v[0])
    };
    let (y, g) = graph_grads(run, &[Tensor::scalar(3.0f64), Tensor::scalar(2.0f64)]);
    assert_close(&f64s(&y), &[9.0]);
    assert_close(&f64s(&g[0]), &[6.0]);
    assert_close(&f64s(&g[1]), &[0.0]);
}

#[test]
fn while_loop_rejects_shape_changes_and_bad_conditions() {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [Some(2)], "x").unwrap();
    let err = while_loop(
        |v: &[Output]| {
            v[0].reduce_sum(Axes::All, false)?
                .less(&v[0].scalar_like(9.0)?)
        },
        |v: &[Output]| Ok(vec![v[0].reduce_sum(Axes::All, false)?]),
        &[x.clone()],
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("enters the loop with shape (2,)"),
        "{err}"
    );
    let err = while_loop(
        |v: &[Output]| Ok(v[0].clone()),
        |v: &[Output]| Ok(v.to_vec()),
        &[x],
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("cond must return a bool scalar"),
        "{err}"
    );
}

/// A `cond` inside a loop body that uses a tensor from outside the loop:
/// captured through two levels of function graphs.
fn nested<H: ControlFlow>(x: &H, w: &H) -> Result<H> {
    let out = while_loop(
        |v: &[H]| {
            v[0].reduce_sum(Axes::All, false)?
                .less(&v[0].scalar_like(5.0)?)
        },
        |v: &[H]| {
            let small = v[0]
                .reduce_sum(Axes::All, false)?
                .less(&v[0].scalar_like(1.0)?);
            cond(
                &small?,
                &[v[0].clone()],
                |u| Ok(vec![u[0].add(w)?]),
                |u| Ok(vec![u[0].mul(w)?]),
            )
        },
        &[x.clone()],
    )?;
    out[0].reduce_sum(Axes::All, false)
}

#[test]
fn nested_control_flow_captures_through_levels() {
    check_both(
        |v| nested(&v[0], &v[1]),
        |v| nested(&v[0], &v[1]),
        &[Tensor::from([0.2f64, 0.1]), Tensor::scalar(1.5f64)],
    );
}

/// The seeds' custom sigmoid: the forward computed by any means, the
/// gradient given as `y * (1 - y) * dy`.
fn custom_sigmoid<H: TensorOps>(x: &H) -> Result<H> {
    let y = custom_gradient(
        &[x.clone()],
        |v| {
            let one = v[0].scalar_like(1.0)?;
            Ok(vec![v[0].neg()?.exp()?.add(&one)?.reciprocal()?])
        },
        |a| {
            let y = &a.outputs[0];
            let one = y.scalar_like(1.0)?;
            Ok(vec![Some(a.grads[0].mul(&y.mul(&one.sub(y)?)?)?)])
        },
    )?;
    y[0].reduce_sum(Axes::All, false)
}

#[test]
fn custom_sigmoid_eager_and_graph() {
    let x = Tensor::from([-2.0f64, 0.0, 1.5]);
    check_both(
        |v| custom_sigmoid(&v[0]),
        |v| custom_sigmoid(&v[0]),
        &[x.clone()],
    );
    let (_, g) = eager_grads(|v| custom_sigmoid(&v[0]), &[x]);
    let want: Vec<f64> = [-2.0f64, 0.0, 1.5]
        .iter()
        .map(|x| {
            let s = 1.0 / (1.0 + (-x).exp());
            s * (1.0 - s)
        })
        .collect();
    assert_close(&f64s(&g[0]), &want);
}

/// `x²` whose gradient is declared to be `3·dy`: only the declared
/// gradient reaches `x`, none through the forward's own ops.
fn overridden<H: TensorOps>(x: &H) -> Result<H> {
    let y = custom_gradient(
        &[x.clone()],
        |v| Ok(vec![v[0].square()?]),
        |a| Ok(vec![Some(a.grads[0].mul(&a.grads[0].scalar_like(3.0)?)?)]),
    )?;
    y[0].reduce_sum(Axes::All, false)
}

#[test]
fn custom_gradient_replaces_the_forward_gradient() {
    let x = Tensor::from([1.0f64, -2.0]);
    let (y, eg) = eager_grads(|v| overridden(&v[0]), &[x.clone()]);
    let (gy, gg) = graph_grads(|v| overridden(&v[0]), &[x]);
    assert_close(&f64s(&y), &[5.0]);
    assert_close(&f64s(&gy), &[5.0]);
    assert_close(&f64s(&eg[0]), &[3.0, 3.0]);
    assert_close(&f64s(&gg[0]), &[3.0, 3.0]);
}

/// The seeds' Huber loss with `delta = 14`.
fn huber<H: ControlFlow>(labels: &H, predictions: &H) -> Result<H> {
    let residual = labels.sub(predictions)?.abs()?;
    let delta = residual.scalar_like(14.0)?;
    let pred = residual.less(&delta)?;
    let mut out = cond(
        &pred,
        &[residual],
        |r| Ok(vec![r[0].square()?.mul(&r[0].scalar_like(0.5)?)?]),
        |r| {
            let d = r[0].scalar_like(14.0)?;
            Ok(vec![d
                .mul(&r[0])?
                .sub(&d.square()?.mul(&d.scalar_like(0.5)?)?)?])
        },
    )?;
    Ok(out.swap_remove(0))
}

#[test]
fn huber_loss_values_and_gradients() {
    // |y - p| = 3 (quadratic) and 20 (linear): 4.5 and 14·20 − 98 = 182.
    for (y, p, loss, dp) in [(5.0, 2.0, 4.5, -3.0), (30.0, 10.0, 182.0, -14.0)] {
        let inputs = [Tensor::scalar(y), Tensor::scalar(p)];
        check_both(|v| huber(&v[0], &v[1]), |v| huber(&v[0], &v[1]), &inputs);
        let (value, g) = eager_grads(|v| huber(&v[0], &v[1]), &inputs);
        assert_close(&f64s(&value), &[loss]);
        assert_close(&f64s(&g[1]), &[dp]);
    }
}

/// The same computations in real TensorFlow (`tf.function`, so `If` and
/// `While` ops): `tools/make_control_flow_fixtures.py`.
#[test]
fn graph_values_and_gradients_match_tensorflow() {
    let text = include_str!("fixtures/control_flow.json");
    let cases: serde_json::Value = serde_json::from_str(text).unwrap();
    type GraphFn = fn(&[Output]) -> Result<Output>;
    let funcs: [(&str, GraphFn); 5] = [
        ("branchy_true", |v| branchy(&v[0], &v[1])),
        ("branchy_false", |v| branchy(&v[0], &v[1])),
        ("looped", |v| looped(&v[0], &v[1])),
        ("nested", |v| nested(&v[0], &v[1])),
        ("custom_sigmoid", |v| custom_sigmoid(&v[0])),
    ];
    for (name, f) in funcs {
        let case = &cases[name];
        let inputs: Vec<Tensor> = case["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| match a.as_array() {
                Some(v) => Tensor::from(v.iter().map(|x| x.as_f64().unwrap()).collect::<Vec<_>>()),
                None => Tensor::scalar(a.as_f64().unwrap()),
            })
            .collect();
        let (y, grads) = graph_grads(f, &inputs);
        assert_close(&f64s(&y), &[case["value"].as_f64().unwrap()]);
        for (g, want) in grads.iter().zip(case["grads"].as_array().unwrap()) {
            let want: Vec<f64> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            assert_close(&f64s(g), &want);
        }
    }
}

/// `x³` if `x < -1`, `2x` if `x < 1`, else `sin(x)`, summed.
fn three_way<H: ControlFlow>(x: &H) -> Result<H> {
    let below = |t: f64| x.less(&x.scalar_like(t)?);
    let cube: Branch<H> = Box::new(|v| Ok(vec![v[0].mul(&v[0])?.mul(&v[0])?]));
    let double: Branch<H> = Box::new(|v| Ok(vec![v[0].add(&v[0])?]));
    let pairs = vec![(below(-1.0)?, cube), (below(1.0)?, double)];
    let y = case(pairs, Box::new(|v| Ok(vec![v[0].sin()?])), &[x.clone()])?;
    y[0].reduce_sum(Axes::All, false)
}

#[test]
fn case_picks_the_first_true_predicate() {
    for (x, value, slope) in [
        (-2.0f64, -8.0, 12.0),
        (0.5, 1.0, 2.0),
        (3.0, 3.0f64.sin(), 3.0f64.cos()),
    ] {
        let inputs = [Tensor::scalar(x)];
        check_both(|v| three_way(&v[0]), |v| three_way(&v[0]), &inputs);
        let (y, g) = graph_grads(|v| three_way(&v[0]), &inputs);
        assert_close(&f64s(&y), &[value]);
        assert_close(&f64s(&g[0]), &[slope]);
    }
}
