//! Optimizers, learning-rate schedules and clipping against real
//! TensorFlow (`tools/make_optimizer_fixtures.py`), eagerly and in graphs.

use ferroflow_core::graph::{Graph, GLOBAL_VARIABLES};
use ferroflow_core::optimizers::*;
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_core::testing::check_gradients;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/optimizers.json")).unwrap()
}

fn f32s(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 2e-6 * (1.0 + w.abs()),
            "{what}: got {got:?}, want {want:?}"
        );
    }
}

/// A session of `g` with every global variable initialized.
fn initialized_session(g: &Graph) -> Session {
    let sess = Session::new(g);
    sess.run_targets(&[&g.global_variables_initializer().unwrap()], &[], &[])
        .unwrap();
    sess
}

/// Variable values after each step, and slot values after the last one.
struct Run {
    steps: Vec<Vec<f32>>,
    slots: Vec<Vec<f32>>,
}

fn run_eager<O: Optimizer>(opt: O, w0: &[f32], grads: &[Vec<f32>]) -> Run {
    let w = Variable::with_options(Tensor::from(w0.to_vec()), "W", true);
    let mut opt = opt.eager();
    let mut steps = Vec::new();
    for g in grads {
        opt.apply_gradients(&[(Tensor::from(g.clone()), &w)])
            .unwrap();
        steps.push(w.value().to_vec::<f32>().unwrap());
    }
    let slots = opt
        .optimizer()
        .slot_names()
        .iter()
        .map(|name| {
            let slot = opt.get_slot(&w, name).unwrap();
            assert_eq!(slot.name(), format!("W/{name}"));
            assert!(!slot.trainable());
            slot.value().to_vec::<f32>().unwrap()
        })
        .collect();
    Run { steps, slots }
}

fn run_graph<O: Optimizer>(opt: O, w0: &[f32], grads: &[Vec<f32>]) -> (Run, Vec<String>) {
    let g = Graph::new();
    let w = g.variable(Tensor::from(w0.to_vec()), "W", true).unwrap();
    let grad = g.placeholder(DType::F32, [Some(w0.len())], "grad").unwrap();
    let mut opt = opt.graph();
    let train = opt.apply_gradients(&[(grad.clone(), &w)], None).unwrap();
    let sess = initialized_session(&g);
    let mut steps = Vec::new();
    for gv in grads {
        sess.run_targets(&[&train], &[], &[(&grad, Tensor::from(gv.clone()))])
            .unwrap();
        steps.push(
            sess.run(&[w.value()], &[]).unwrap()[0]
                .to_vec::<f32>()
                .unwrap(),
        );
    }
    let mut slot_names = Vec::new();
    let mut slots = Vec::new();
    for name in opt.optimizer().slot_names() {
        let slot = opt.get_slot(&w, &name).unwrap();
        slot_names.push(slot.op_name());
        assert!(!slot.trainable());
        slots.push(
            sess.run(&[slot.value()], &[]).unwrap()[0]
                .to_vec::<f32>()
                .unwrap(),
        );
    }
    (Run { steps, slots }, slot_names)
}

/// Two steps eagerly and in a graph give TensorFlow's values, slots
/// included, and the graph's slots are named TensorFlow's way.
fn check_tf1<O: Optimizer + Clone>(key: &str, opt: O) {
    let f = fixture();
    let w0 = f32s(&f["w0"]);
    let grads: Vec<Vec<f32>> = f["grads"].as_array().unwrap().iter().map(f32s).collect();
    let want = &f["tf1"][key];
    let eager = run_eager(opt.clone(), &w0, &grads);
    let (graph, slot_names) = run_graph(opt, &w0, &grads);
    for (run, mode) in [(&eager, "eager"), (&graph, "graph")] {
        for (i, step) in run.steps.iter().enumerate() {
            assert_close(
                step,
                &f32s(&want["steps"][i]),
                &format!("{key} {mode} step {}", i + 1),
            );
        }
        for (name, values) in slot_names.iter().zip(&run.slots) {
            assert_close(
                values,
                &f32s(&want["slots"][name]),
                &format!("{key} {mode} slot {name}"),
            );
        }
    }
    let want_names: Vec<String> = want["slot_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(slot_names, want_names, "{key} slot names");
}

#[test]
fn gradient_descent_matches_tensorflow() {
    check_tf1("gradient_descent", GradientDescent::new(0.1));
}

#[test]
fn momentum_matches_tensorflow() {
    check_tf1("momentum", Momentum::new(0.1, 0.9));
    check_tf1("nesterov", Momentum::new(0.1, 0.9).nesterov(true));
}

#[test]
fn adam_matches_tensorflow() {
    check_tf1("adam", Adam::new(0.1));
}

#[test]
fn rmsprop_matches_tensorflow() {
    check_tf1("rmsprop", RMSProp::new(0.1).with_params(0.9, 0.5, 1e-10));
}

#[test]
fn adagrad_matches_tensorflow() {
    check_tf1("adagrad", Adagrad::new(0.1));
}

#[test]
fn adadelta_matches_tensorflow() {
    check_tf1("adadelta", Adadelta::new(0.5).with_params(0.9, 1e-6));
}

#[test]
fn adamw_matches_keras() {
    let f = fixture();
    let w0 = f32s(&f["w0"]);
    let grads: Vec<Vec<f32>> = f["grads"].as_array().unwrap().iter().map(f32s).collect();
    let eager = run_eager(AdamW::new(0.01, 0.1), &w0, &grads);
    let (graph, names) = run_graph(AdamW::new(0.01, 0.1), &w0, &grads);
    assert_eq!(names, ["W/AdamW", "W/AdamW_1"]);
    for run in [eager, graph] {
        for (i, step) in run.steps.iter().enumerate() {
            assert_close(step, &f32s(&f["adamw"]["steps"][i]), "adamw");
        }
    }
}

#[test]
fn graph_slots_and_powers_are_global_not_trainable() {
    let g = Graph::new();
    let w = g.variable(Tensor::from([1.0f32, 2.0]), "W", true).unwrap();
    let b = g.variable(Tensor::from([0.5f32]), "b", true).unwrap();
    let loss = w
        .value()
        .reduce_sum(Axes::All, false)
        .unwrap()
        .mul(&b.value().reduce_sum(Axes::All, false).unwrap())
        .unwrap();
    let train = Adam::new(0.1).graph().minimize(&loss, None, None).unwrap();
    assert_eq!(train.name(), "Adam");
    let names = |vars: Vec<ferroflow_core::GraphVariable>| -> Vec<String> {
        vars.iter().map(|v| v.op_name()).collect()
    };
    assert_eq!(names(g.trainable_variables()), ["W", "b"]);
    assert_eq!(
        names(g.get_variables(GLOBAL_VARIABLES, None)),
        [
            "W",
            "b",
            "W/Adam",
            "W/Adam_1",
            "b/Adam",
            "b/Adam_1",
            "beta1_power",
            "beta2_power"
        ]
    );
    assert!(g.get_operation_by_name("Adam/update_W/Assign").is_ok());
}

#[test]
fn minimize_increments_global_step_and_fits_a_line() {
    let g = Graph::new();
    let w = g.variable(Tensor::from([0.3f32]), "W", true).unwrap();
    let b = g.variable(Tensor::from([-0.3f32]), "b", true).unwrap();
    let x = g.placeholder(DType::F32, [None], "x").unwrap();
    let y = g.placeholder(DType::F32, [None], "y").unwrap();
    let model = w.value().mul(&x).unwrap().add(b.value()).unwrap();
    let loss = model
        .sub(&y)
        .unwrap()
        .square()
        .unwrap()
        .reduce_sum(Axes::All, false)
        .unwrap();
    let step = g.get_or_create_global_step().unwrap();
    assert!(!step.trainable());
    assert_eq!(step.dtype(), DType::I64);
    let train = GradientDescent::new(0.01)
        .graph()
        .minimize(&loss, None, Some(&step))
        .unwrap();
    let sess = initialized_session(&g);
    let feeds = [
        (&x, Tensor::from([1.0f32, 2.0, 3.0, 4.0])),
        (&y, Tensor::from([0.0f32, -1.0, -2.0, -3.0])),
    ];
    // One step by hand: dW = Σ 2(Wx+b-y)x = 2·(0.0·1 + 1.3·2 + 2.6·3 + 3.9·4) = 52,
    // db = 2·(0 + 1.3 + 2.6 + 3.9) = 15.6.
    sess.run_targets(&[&train], &[], &feeds).unwrap();
    let out = sess
        .run(&[w.value(), b.value(), step.value()], &[])
        .unwrap();
    assert_close(
        &out[0].to_vec::<f32>().unwrap(),
        &[0.3 - 0.52],
        "W after one step",
    );
    assert_close(
        &out[1].to_vec::<f32>().unwrap(),
        &[-0.3 - 0.156],
        "b after one step",
    );
    assert_eq!(out[2].to_scalar::<i64>().unwrap(), 1);
    for _ in 0..999 {
        sess.run_targets(&[&train], &[], &feeds).unwrap();
    }
    let out = sess
        .run(&[w.value(), b.value(), step.value()], &[])
        .unwrap();
    assert!((out[0].to_vec::<f32>().unwrap()[0] + 1.0).abs() < 1e-3);
    assert!((out[1].to_vec::<f32>().unwrap()[0] - 1.0).abs() < 1e-3);
    assert_eq!(out[2].to_scalar::<i64>().unwrap(), 1000);
}

#[test]
fn schedules_match_tensorflow_eagerly_and_in_graphs() {
    let f = fixture();
    let s = &f["schedules"];
    let schedules = [
        (
            "exponential",
            LearningRate::ExponentialDecay {
                learning_rate: 0.1,
                decay_steps: 10.0,
                decay_rate: 0.5,
                staircase: false,
            },
        ),
        (
            "exponential_staircase",
            LearningRate::ExponentialDecay {
                learning_rate: 0.1,
                decay_steps: 10.0,
                decay_rate: 0.5,
                staircase: true,
            },
        ),
        (
            "piecewise",
            LearningRate::PiecewiseConstant {
                boundaries: vec![10.0, 20.0],
                values: vec![1.0, 0.5, 0.1],
            },
        ),
        (
            "cosine",
            LearningRate::CosineDecay {
                learning_rate: 0.1,
                decay_steps: 20.0,
                alpha: 0.1,
            },
        ),
    ];
    let g = Graph::new();
    let step = g.placeholder(DType::I64, [], "step").unwrap();
    let sess = Session::new(&g);
    for (key, schedule) in schedules {
        let node = schedule.at(&step).unwrap();
        for (i, st) in s["steps"].as_array().unwrap().iter().enumerate() {
            let st = st.as_i64().unwrap();
            let want = s[key][i].as_f64().unwrap() as f32;
            let eager = schedule
                .at(&Tensor::scalar(st))
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            let graph = sess.run(&[&node], &[(&step, Tensor::scalar(st))]).unwrap()[0]
                .to_scalar::<f32>()
                .unwrap();
            assert_close(&[eager, graph], &[want, want], &format!("{key} at {st}"));
        }
    }
}

#[test]
fn optimizers_follow_a_schedule() {
    let lr = LearningRate::PiecewiseConstant {
        boundaries: vec![1.0],
        values: vec![1.0, 0.5],
    };
    // Eagerly the schedule sees the optimizer's iterations: 0, 1, 2.
    let w = Variable::new(Tensor::from([0.0f32]));
    let mut opt = GradientDescent::new(lr.clone()).eager();
    let mut seen = Vec::new();
    for _ in 0..3 {
        opt.apply_gradients(&[(Tensor::from([1.0f32]), &w)])
            .unwrap();
        seen.push(w.value().to_vec::<f32>().unwrap()[0]);
    }
    assert_eq!(seen, [-1.0, -2.0, -2.5]);

    // In a graph it sees global_step, which it needs.
    let g = Graph::new();
    let v = g.variable(Tensor::from([0.0f32]), "v", true).unwrap();
    let loss = v.value().reduce_sum(Axes::All, false).unwrap();
    let err = GradientDescent::new(lr.clone())
        .graph()
        .minimize(&loss, None, None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "apply_gradients: global_step is required for a learning-rate schedule"
    );
    let step = g.get_or_create_global_step().unwrap();
    let train = GradientDescent::new(lr)
        .graph()
        .minimize(&loss, None, Some(&step))
        .unwrap();
    let sess = initialized_session(&g);
    let mut seen = Vec::new();
    for _ in 0..3 {
        sess.run_targets(&[&train], &[], &[]).unwrap();
        seen.push(
            sess.run(&[v.value()], &[]).unwrap()[0]
                .to_vec::<f32>()
                .unwrap()[0],
        );
    }
    assert_eq!(seen, [-1.0, -2.0, -2.5]);
}

#[test]
fn schedule_errors() {
    let step = Tensor::scalar(1i64);
    let err = piecewise_constant(&step, &[1.0, 2.0], &[1.0]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "piecewise_constant: The length of boundaries should be 1 less than the length of values (got 2 boundaries and 1 values)"
    );
    assert!(piecewise_constant(&step, &[2.0, 1.0], &[1.0, 2.0, 3.0]).is_err());
    let err = exponential_decay(0.1, &step, 0.0, 0.5, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "exponential_decay: decay_steps must be positive, got 0"
    );
    assert!(cosine_decay(0.1, &step, -1.0, 0.0).is_err());
}

#[test]
fn clip_by_norm_values_and_gradient() {
    let t = Tensor::from([[3.0f32, 4.0], [0.3, 0.4]]);
    let all = clip_by_norm(&t, 1.0, Axes::All).unwrap();
    let n = (25.0f32 + 0.25).sqrt();
    assert_close(
        &all.to_vec::<f32>().unwrap(),
        &[3.0 / n, 4.0 / n, 0.3 / n, 0.4 / n],
        "all axes",
    );
    // Per row: the first row is clipped to norm 1, the second is left.
    let rows = clip_by_norm(&t, 1.0, 1).unwrap();
    assert_close(
        &rows.to_vec::<f32>().unwrap(),
        &[0.6, 0.8, 0.3, 0.4],
        "per row",
    );
    let zeros = clip_by_norm(&Tensor::from([0.0f32, 0.0]), 1.0, Axes::All).unwrap();
    assert_eq!(zeros.to_vec::<f32>().unwrap(), [0.0, 0.0]);
    check_gradients(
        |v| clip_by_norm(&v[0], 2.0, 1),
        &[Tensor::from([[3.0f64, -4.0], [0.3, 0.4]])],
        1e-6,
        1e-6,
    )
    .unwrap();
}

#[test]
fn clip_by_global_norm_values_and_gradient() {
    let ts = [Tensor::from([1.0f32, 2.0]), Tensor::from([[2.0f32], [4.0]])];
    let (clipped, norm) = clip_by_global_norm(&ts, 2.5).unwrap();
    assert_eq!(norm.to_scalar::<f32>().unwrap(), 5.0);
    assert_close(&clipped[0].to_vec::<f32>().unwrap(), &[0.5, 1.0], "first");
    assert_close(&clipped[1].to_vec::<f32>().unwrap(), &[1.0, 2.0], "second");
    assert_eq!(clipped[1].shape().dims(), [2, 1]);
    // Under the limit nothing changes.
    let (same, _) = clip_by_global_norm(&ts, 10.0).unwrap();
    assert_close(&same[1].to_vec::<f32>().unwrap(), &[2.0, 4.0], "unclipped");
    // An infinite norm gives NaNs, as TensorFlow's.
    let (nan, _) = clip_by_global_norm(&[Tensor::from([f32::INFINITY, 1.0])], 1.0).unwrap();
    assert!(nan[0].to_vec::<f32>().unwrap().iter().all(|x| x.is_nan()));
    assert!(clip_by_global_norm::<Tensor>(&[], 1.0).is_err());
    check_gradients(
        |v| {
            let (c, _) = clip_by_global_norm(v, 1.5)?;
            c[0].reduce_sum(Axes::All, false)?
                .add(&c[1].reduce_sum(Axes::All, false)?)
        },
        &[
            Tensor::from([1.0f64, -2.0]),
            Tensor::from([[0.5f64], [3.0]]),
        ],
        1e-6,
        1e-6,
    )
    .unwrap();
}

#[test]
fn clip_in_a_graph_matches_eager() {
    let g = Graph::new();
    let a = g.constant(Tensor::from([3.0f32, 4.0]), "a").unwrap();
    let b = g.constant(Tensor::from([12.0f32]), "b").unwrap();
    let (clipped, norm) = clip_by_global_norm(&[a, b], 6.5).unwrap();
    let out = Session::new(&g)
        .run(&[&clipped[0], &clipped[1], &norm], &[])
        .unwrap();
    assert_close(&out[0].to_vec::<f32>().unwrap(), &[1.5, 2.0], "a");
    assert_close(&out[1].to_vec::<f32>().unwrap(), &[6.0], "b");
    assert_eq!(out[2].to_scalar::<f32>().unwrap(), 13.0);
}

#[test]
fn bad_gradients_are_errors() {
    let w = Variable::with_options(Tensor::from([1.0f32, 2.0]), "W", true);
    let mut opt = Adam::new(0.1).eager();
    let err = opt
        .apply_gradients(&[(Tensor::from([1.0f32]), &w)])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "apply_gradients: gradient of dtype float32 and shape [1] does not match variable 'W' of dtype float32 and shape [2]"
    );
    // Nothing was assigned.
    assert_eq!(w.value().to_vec::<f32>().unwrap(), [1.0, 2.0]);
    assert!(opt.apply_gradients(&[]).is_err());
    let n = Variable::with_options(Tensor::from([1i32]), "n", true);
    let err = opt
        .apply_gradients(&[(Tensor::from([1i32]), &n)])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "apply_gradients: variable 'n' has dtype int32; optimizers update floating-point variables"
    );

    let g = Graph::new();
    let v = g.variable(Tensor::from([1.0f32]), "v", true).unwrap();
    let c = g.constant(2.0f32, "c").unwrap();
    let err = GradientDescent::new(0.1)
        .graph()
        .minimize(&c, None, None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "minimize: No gradients provided for any variable, check your graph for ops that do not support gradients, between variables [\"v:0\"] and loss c:0."
    );
    let other = Graph::new();
    let grad = other.constant(Tensor::from([1.0f32]), "g").unwrap();
    assert!(GradientDescent::new(0.1)
        .graph()
        .apply_gradients(&[(grad, &v)], None)
        .is_err());
}

#[test]
fn eager_adam_keeps_powers_and_iterations() {
    let w = Variable::new(Tensor::from([1.0f64]));
    let mut opt = Adam::new(0.1).eager();
    for _ in 0..3 {
        opt.apply_gradients(&[(Tensor::from([0.5f64]), &w)])
            .unwrap();
    }
    assert_eq!(opt.iterations().value().to_scalar::<i64>().unwrap(), 3);
    // A constant gradient moves Adam by lr each step.
    assert!((w.value().to_vec::<f64>().unwrap()[0] - 0.7).abs() < 1e-6);
}

/// `n` values spread over [-1, 1) from a fixed linear congruential sequence.
fn spread(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

/// The fused eager kernel equals the op-by-op update bit for bit, for both
/// float dtypes and for sizes split over threads.
fn check_fused_matches_update<O: Optimizer>(opt: &O) {
    for dtype in [DType::F32, DType::F64] {
        for n in [7, 300_001] {
            let t = |seed: u64, scale: f64| {
                let v: Vec<f64> = spread(n, seed).iter().map(|x| x * scale).collect();
                Tensor::from(v).cast(dtype).unwrap()
            };
            let (var, grad) = (t(1, 1.0), t(2, 0.1));
            let slots = [t(3, 0.01), t(4, 0.001).abs().unwrap()];
            let lr = Tensor::scalar(1e-3f64).cast(dtype).unwrap();
            let powers =
                [0.9f64.powi(3), 0.999f64.powi(3)].map(|p| Tensor::scalar(p).cast(dtype).unwrap());
            let (want, want_slots) = opt.update(&var, &grad, &slots, &lr, &powers).unwrap();
            let (mut got, mut got_slots) = (var.clone(), slots.clone());
            let mut slot_refs: Vec<&mut Tensor> = got_slots.iter_mut().collect();
            let fused = opt.fused_update(&mut got, &mut slot_refs, &grad, &lr, &powers);
            assert!(fused.unwrap(), "a fused kernel for floats");
            // Copy-on-write: the inputs, which share the buffers, keep their values.
            assert_eq!(var, t(1, 1.0));
            for (g, w) in std::iter::once(&got)
                .chain(&got_slots)
                .zip(std::iter::once(&want).chain(&want_slots))
            {
                assert_eq!(g.dtype(), dtype);
                let (g, w) = (g.to_f64_vec().unwrap(), w.to_f64_vec().unwrap());
                assert!(
                    g.iter().zip(&w).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{} {dtype} n={n}",
                    opt.name()
                );
            }
        }
    }
}

#[test]
fn fused_adam_equals_its_op_by_op_update() {
    check_fused_matches_update(&Adam::new(1e-3));
    check_fused_matches_update(&AdamW::new(1e-3, 0.004));
}

/// Adam's eager step writes into the variable's own buffer when nothing else
/// holds it, and copies it first when a value read before still does, so
/// that value keeps its numbers.
#[test]
fn fused_adam_updates_unshared_buffers_in_place() {
    let w = Variable::with_options(Tensor::from([1.0f32, 2.0]), "W", true);
    let mut opt = Adam::new(0.1).eager();
    let grad = Tensor::from([1.0f32, -1.0]);
    opt.apply_gradients(&[(grad.clone(), &w)]).unwrap();
    let buffer = w.read_value().as_slice::<f32>().unwrap().as_ptr();
    opt.apply_gradients(&[(grad.clone(), &w)]).unwrap();
    assert_eq!(w.read_value().as_slice::<f32>().unwrap().as_ptr(), buffer);

    let before = w.value();
    let old = before.to_vec::<f32>().unwrap();
    opt.apply_gradients(&[(grad, &w)]).unwrap();
    assert_eq!(before.to_vec::<f32>().unwrap(), old);
    assert_ne!(w.read_value().to_vec::<f32>().unwrap(), old);
}
