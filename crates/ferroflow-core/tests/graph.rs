//! Graph mode: names and scopes, collections, shapes, sessions, feeds,
//! variables, seeds and symbolic gradients, as the seeds describe them.

use ferroflow_core::gradients::gradients;
use ferroflow_core::graph::{CollectionItem, Graph, Reuse, GLOBAL_VARIABLES, TRAINABLE_VARIABLES};
use ferroflow_core::initializers::Initializer;
use ferroflow_core::ops::Distribution;
use ferroflow_core::prelude::*;
use ferroflow_core::session::{Session, SessionConfig};
use ferroflow_core::PartialShape;

fn f32s(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().unwrap()
}

#[test]
fn names_are_unique_and_scoped() {
    let g = Graph::new();
    let a = g.constant(1.0f32, "a").unwrap();
    let m1 = a.mul(&a).unwrap();
    let m2 = a.mul(&a).unwrap();
    assert_eq!(
        (m1.name(), m2.name()),
        ("Mul:0".to_string(), "Mul_1:0".to_string())
    );
    {
        let _s = g.name_scope("layer_1");
        let w = g.constant(Tensor::from([[1.0f32]]), "w").unwrap();
        assert_eq!(w.matmul(&w).unwrap().name(), "layer_1/MatMul:0");
        let _inner = g.name_scope("inner");
        assert_eq!(a.add(&a).unwrap().name(), "layer_1/inner/Add:0");
    }
    {
        let s = g.name_scope("layer_1");
        assert_eq!(s.name, "layer_1_1/");
    }
    {
        let _s = g.name_scope("layer_1/");
        assert_eq!(a.neg().unwrap().name(), "layer_1/Neg:0");
    }
    // Case-insensitive uniqueness.
    g.constant(1.0f32, "mse").unwrap();
    assert_eq!(g.constant(1.0f32, "MSE").unwrap().name(), "MSE_1:0");
}

#[test]
fn tensors_and_operations_are_found_by_name() {
    let g = Graph::new();
    let _s = g.name_scope("layer_1");
    let w = g.constant(Tensor::from([[2.0f32]]), "w").unwrap();
    let y = w.matmul(&w).unwrap();
    assert_eq!(g.get_tensor_by_name("layer_1/MatMul:0").unwrap(), y);
    assert_eq!(
        g.get_operation_by_name("layer_1/w").unwrap().op_type(),
        "Const"
    );
    let err = g.get_tensor_by_name("layer_1/w").unwrap_err().to_string();
    assert!(
        err.contains("refers to an Operation, not a Tensor"),
        "{err}"
    );
    let err = g.get_tensor_by_name("nope:0").unwrap_err().to_string();
    assert!(err.contains("not in the graph"), "{err}");
    let err = g.get_tensor_by_name("layer_1/w:3").unwrap_err().to_string();
    assert!(err.contains("has 1 outputs"), "{err}");
}

#[test]
fn variable_scopes_reuse_and_auto_reuse() {
    let g = Graph::new();
    let init = Some(Initializer::Constant(1.0));
    {
        let _vs = g.variable_scope("foo", Reuse::Inherit);
        let _ns = g.name_scope("bar");
        let v = g
            .get_variable("v", &[1], DType::F32, init.clone(), true)
            .unwrap();
        // get_variable ignores name scopes; ops still use them.
        assert_eq!(v.name(), "foo/v:0");
        assert_eq!(g.constant(1.0f32, "c").unwrap().name(), "foo/bar/c:0");
        let err = g
            .get_variable("v", &[1], DType::F32, init.clone(), true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Variable foo/v already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?"), "{err}");
    }
    {
        let vs = g.variable_scope("foo", Reuse::Reuse);
        assert_eq!(vs.name, "foo");
        // Re-entering the variable scope opens name scope foo_1/ for ops.
        assert_eq!(g.constant(1.0f32, "c").unwrap().name(), "foo_1/c:0");
        let v = g.get_variable("v", &[1], DType::F32, None, true).unwrap();
        assert_eq!(v.name(), "foo/v:0");
        let err = g
            .get_variable("w", &[1], DType::F32, None, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "Variable foo/w does not exist, or was not created with tf.get_variable()"
            ),
            "{err}"
        );
        let err = g
            .get_variable("v", &[2], DType::F32, None, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "Trying to share variable foo/v, but specified shape (2,) and found shape (1,)."
            ),
            "{err}"
        );
    }
    {
        let _vs = g.variable_scope("auto", Reuse::AutoReuse);
        let a = g
            .get_variable("x", &[2], DType::F32, init.clone(), true)
            .unwrap();
        let b = g.get_variable("x", &[2], DType::F32, init, true).unwrap();
        assert_eq!(a.name(), b.name());
    }
}

#[test]
fn collections_keep_order_and_filter_by_scope() {
    let g = Graph::new();
    let init = Some(Initializer::Zeros);
    {
        let _s = g.variable_scope("conv2d", Reuse::Inherit);
        g.get_variable("k", &[1], DType::F32, init.clone(), true)
            .unwrap();
    }
    {
        let _s = g.variable_scope("conv2d_1", Reuse::Inherit);
        g.get_variable("k", &[1], DType::F32, init.clone(), false)
            .unwrap();
    }
    let names = |items: Vec<CollectionItem>| items.iter().map(|i| i.name()).collect::<Vec<_>>();
    assert_eq!(
        names(g.get_collection(GLOBAL_VARIABLES, None)),
        vec!["conv2d/k:0", "conv2d_1/k:0"]
    );
    assert_eq!(
        names(g.get_collection(TRAINABLE_VARIABLES, None)),
        vec!["conv2d/k:0"]
    );
    assert_eq!(
        names(g.get_collection(GLOBAL_VARIABLES, Some("conv2d"))).len(),
        2
    );
    assert_eq!(
        names(g.get_collection(GLOBAL_VARIABLES, Some("conv2d/"))),
        vec!["conv2d/k:0"]
    );
    assert!(g.get_collection("missing", None).is_empty());
    let w = g.constant(1.0f32, "w1").unwrap();
    g.add_to_collection("weights", w.clone());
    assert_eq!(names(g.get_collection("weights", None)), vec!["w1:0"]);
}

#[test]
fn set_shape_refines_compatible_shapes_only() {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [None, Some(10)], "x").unwrap();
    assert_eq!(x.get_shape().to_string(), "(?, 10)");
    x.set_shape(&PartialShape::from_dims(&[Some(5), Some(10)]))
        .unwrap();
    assert_eq!(x.get_shape().to_string(), "(5, 10)");
    assert!(x
        .set_shape(&PartialShape::from_dims(&[Some(1), Some(5), Some(10)]))
        .is_err());
    let y = x.reshape(&[1, 5, -1]).unwrap();
    assert_eq!(y.get_shape().to_string(), "(1, 5, 10)");
    let dynamic = Session::new(&g)
        .run(
            &[&x.shape_tensor().unwrap()],
            &[(&x, Tensor::zeros(DType::F32, [5, 10]).unwrap())],
        )
        .unwrap();
    assert_eq!(dynamic[0].to_vec::<i32>().unwrap(), vec![5, 10]);
}

#[test]
fn feeds_are_checked() {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [Some(3)], "Placeholder").unwrap();
    let y = x.mul(&x).unwrap();
    let sess = Session::new(&g);
    let err = sess.run(&[&y], &[]).unwrap_err().to_string();
    assert!(err.contains("You must feed a value for placeholder tensor 'Placeholder' with dtype float and shape [3]"), "{err}");
    let err = sess
        .run(&[&y], &[(&x, Tensor::from([1.0f32, 2.0]))])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "Cannot feed value of shape (2,) for Tensor Placeholder:0, which has shape (3,)"
        ),
        "{err}"
    );
    let err = sess
        .run(&[&y], &[(&x, Tensor::from([1i32, 2, 3]))])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("dtype int32") && err.contains("Placeholder:0"),
        "{err}"
    );
    // Any tensor may be fed, and only the needed subgraph runs.
    let z = y.add(&y).unwrap();
    let out = sess
        .run(&[&z], &[(&y, Tensor::from([1.0f32, 1.0, 1.0]))])
        .unwrap();
    assert_eq!(f32s(&out[0]), vec![2.0, 2.0, 2.0]);
    let other = Graph::new();
    let c = other.constant(1.0f32, "c").unwrap();
    assert!(sess.run(&[&c], &[]).is_err());
}

#[test]
fn two_sessions_hold_separate_variables() {
    let g = Graph::new();
    let w = g.variable(Tensor::scalar(10i32), "W", true).unwrap();
    let sess1 = Session::new(&g);
    let sess2 = Session::new(&g);
    sess1.run_targets(&[w.initializer()], &[], &[]).unwrap();
    sess2.run_targets(&[w.initializer()], &[], &[]).unwrap();
    let ten = g.constant(10i32, "ten").unwrap();
    let two = g.constant(2i32, "two").unwrap();
    let hundred = g.constant(100i32, "hundred").unwrap();
    let fifty = g.constant(50i32, "fifty").unwrap();
    let run = |s: &Session, t: ferroflow_core::graph::Output| {
        s.run(&[&t], &[]).unwrap()[0].to_scalar::<i32>().unwrap()
    };
    assert_eq!(run(&sess1, w.assign_add(&ten).unwrap()), 20);
    assert_eq!(run(&sess2, w.assign_sub(&two).unwrap()), 8);
    assert_eq!(run(&sess1, w.assign_add(&hundred).unwrap()), 120);
    assert_eq!(run(&sess2, w.assign_sub(&fifty).unwrap()), -42);
}

#[test]
fn uninitialized_variables_are_errors() {
    let g = Graph::new();
    let w = g.variable(Tensor::from([1.0f32]), "w1", true).unwrap();
    let sess = Session::new(&g);
    let err = sess.run(&[w.value()], &[]).unwrap_err().to_string();
    assert!(
        err.contains("Attempting to use uninitialized value w1"),
        "{err}"
    );
    let init = g.global_variables_initializer().unwrap();
    assert_eq!(init.name(), "init");
    sess.run_targets(&[&init], &[], &[]).unwrap();
    assert_eq!(f32s(&sess.run(&[w.value()], &[]).unwrap()[0]), vec![1.0]);
}

#[test]
fn seeded_graphs_repeat_across_sessions() {
    // The seeds' `tf.set_random_seed(2)` example, with TF 2.21's values.
    let g = Graph::new();
    g.set_random_seed(Some(2));
    let c = g
        .random(Distribution::Uniform, &[], DType::F32, 20.0, -10.0, None)
        .unwrap();
    let d = g
        .random(Distribution::Uniform, &[], DType::F32, 20.0, -10.0, None)
        .unwrap();
    assert_eq!(
        (c.name(), d.name()),
        (
            "random_uniform:0".to_string(),
            "random_uniform_1:0".to_string()
        )
    );
    for _ in 0..2 {
        let sess = Session::new(&g);
        let v = |t| sess.run(&[t], &[]).unwrap()[0].to_scalar::<f32>().unwrap();
        assert!((v(&c) - 6.581_279_8).abs() < 1e-5);
        assert!((v(&d) - -5.231_690_4).abs() < 1e-5);
        // The stream continues within a session.
        assert!((v(&c) - -3.916_683_2).abs() < 1e-5);
    }
}

#[test]
fn symbolic_gradients_equal_the_tape() {
    let x0 = Tensor::from([[0.5f32, -1.0], [2.0, 0.25]]);
    let w0 = Tensor::from([[1.0f32, 2.0], [-0.5, 0.3]]);
    let f = |x: &Tensor, w: &Tensor| -> ferroflow_core::Result<Tensor> {
        x.matmul(w)?
            .tanh()?
            .mul(x)?
            .add(&w.sigmoid()?)?
            .reduce_mean(Axes::All, false)
    };
    let tape = GradientTape::new();
    tape.watch(&x0);
    tape.watch(&w0);
    let y = f(&x0, &w0).unwrap();
    let eager = tape.gradient(&y, &[&x0, &w0]).unwrap();

    let g = Graph::new();
    let x = g.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
    let w = g.variable(w0.clone(), "w", true).unwrap();
    let y = x
        .matmul(w.value())
        .unwrap()
        .tanh()
        .unwrap()
        .mul(&x)
        .unwrap();
    let y = y
        .add(&w.value().sigmoid().unwrap())
        .unwrap()
        .reduce_mean(Axes::All, false)
        .unwrap();
    let grads = gradients(&[&y], &[&x, w.value()], None).unwrap();
    let (gx, gw) = (grads[0].clone().unwrap(), grads[1].clone().unwrap());
    assert!(gx.name().starts_with("gradients/"), "{}", gx.name());
    let sess = Session::new(&g);
    sess.run_targets(&[w.initializer()], &[], &[]).unwrap();
    let out = sess.run(&[&gx, &gw], &[(&x, x0)]).unwrap();
    assert!(out[0].allclose(eager[0].as_ref().unwrap(), 1e-5, 1e-6));
    assert!(out[1].allclose(eager[1].as_ref().unwrap(), 1e-5, 1e-6));
}

#[test]
fn control_dependencies_and_group_order_work() {
    let g = Graph::new();
    let v = g.variable(Tensor::scalar(1.0f32), "v", true).unwrap();
    let two = g.constant(2.0f32, "two").unwrap();
    let update = v.assign(&two).unwrap();
    let read = {
        let _deps = g.control_dependencies(&[&update.op()]);
        // Like TF1's `tf.identity(v)` of the ref variable: read after the update.
        v.variable().identity().unwrap()
    };
    let sess = Session::new(&g);
    sess.run_targets(&[v.initializer()], &[], &[]).unwrap();
    assert_eq!(
        sess.run(&[&read], &[]).unwrap()[0]
            .to_scalar::<f32>()
            .unwrap(),
        2.0
    );
    let grouped = g.group(&[&update.op()], "train").unwrap();
    assert_eq!(grouped.name(), "train");
    sess.run_targets(&[&grouped], &[], &[]).unwrap();
}

#[test]
fn devices_are_recorded_and_gpus_need_soft_placement() {
    let g = Graph::new();
    let a = g.constant(1.0f32, "a").unwrap();
    let on_cpu = {
        let _d = g.device("/cpu:0").unwrap();
        a.add(&a).unwrap()
    };
    assert_eq!(on_cpu.op().device(), "/device:CPU:0");
    let on_gpu = {
        let _d = g.device("/gpu:0").unwrap();
        a.mul(&a).unwrap()
    };
    assert!(g.device("/tpu:x").is_err());
    let err = Session::new(&g)
        .run(&[&on_gpu], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Could not satisfy explicit device specification '/device:GPU:0'"),
        "{err}"
    );
    let soft = SessionConfig {
        allow_soft_placement: true,
        log_device_placement: true,
        ..SessionConfig::default()
    };
    let out = Session::with_config(&g, soft)
        .run(&[&on_gpu, &on_cpu], &[])
        .unwrap();
    assert_eq!(out[0].to_scalar::<f32>().unwrap(), 1.0);
}

#[test]
fn graph_seed_rules_follow_the_docstring() {
    use ferroflow_core::random::DEFAULT_GRAPH_SEED;
    // Neither seed: (0, 0), which means nondeterministic.
    let g = Graph::new();
    assert_eq!(g.op_seeds(None), (0, 0));
    // Op seed only: the default graph seed.
    assert_eq!(g.op_seeds(Some(5)), (DEFAULT_GRAPH_SEED, 5));
    // Graph seed only: a counter of this graph's seeded random ops.
    g.set_random_seed(Some(2));
    assert_eq!(g.op_seeds(None), (2, 0));
    assert_eq!(g.op_seeds(None), (2, 1));
    // Both.
    assert_eq!(g.op_seeds(Some(9)), (2, 9));
    // A derived (0, 0) from real seeds is replaced.
    let z = Graph::new();
    z.set_random_seed(Some(0));
    assert_eq!(z.op_seeds(None), (0, i32::MAX as i64));
    // Unseeded random nodes still run, and differ between sessions.
    let u = Graph::new();
    let r = u
        .random(Distribution::Normal, &[8], DType::F32, 1.0, 0.0, None)
        .unwrap();
    let a = Session::new(&u).run(&[&r], &[]).unwrap().remove(0);
    let b = Session::new(&u).run(&[&r], &[]).unwrap().remove(0);
    assert_ne!(a, b);
}

#[test]
fn gradients_flow_through_placeholders_of_unknown_shape() {
    // The seeds' linear model with `tf.placeholder(tf.float32)` (no shape).
    let g = Graph::new();
    let w = g.variable(Tensor::from([0.3f32]), "W", true).unwrap();
    let b = g.variable(Tensor::from([-0.3f32]), "b", true).unwrap();
    let x = g
        .placeholder(DType::F32, PartialShape::unknown(), "x")
        .unwrap();
    let y = g
        .placeholder(DType::F32, PartialShape::unknown(), "y")
        .unwrap();
    let model = w.value().mul(&x).unwrap().add(b.value()).unwrap();
    let loss = model
        .sub(&y)
        .unwrap()
        .square()
        .unwrap()
        .reduce_sum(Axes::All, false)
        .unwrap();
    let grads = gradients(&[&loss], &[w.value(), b.value()], None).unwrap();
    let (gw, gb) = (grads[0].clone().unwrap(), grads[1].clone().unwrap());
    let sess = Session::new(&g);
    sess.run_targets(&[&g.global_variables_initializer().unwrap()], &[], &[])
        .unwrap();
    let feeds = [
        (&x, Tensor::from([1.0f32, 2.0, 3.0, 4.0])),
        (&y, Tensor::from([0.0f32, -1.0, -2.0, -3.0])),
    ];
    let out = sess.run(&[&gw, &gb, &loss], &feeds).unwrap();
    // d/dW sum((Wx + b - y)^2) = sum(2 (Wx + b - y) x), by hand at W = .3, b = -.3.
    let r: Vec<f32> = (1..=4)
        .map(|i| 0.3 * i as f32 - 0.3 + (i - 1) as f32)
        .collect();
    let gw_hand: f32 = r
        .iter()
        .enumerate()
        .map(|(i, e)| 2.0 * e * (i + 1) as f32)
        .sum();
    let gb_hand: f32 = r.iter().map(|e| 2.0 * e).sum();
    assert!((out[0].to_vec::<f32>().unwrap()[0] - gw_hand).abs() < 1e-4);
    assert!((out[1].to_vec::<f32>().unwrap()[0] - gb_hand).abs() < 1e-4);
    assert_eq!(out[0].dims(), &[1]);
    assert!((out[2].to_scalar::<f32>().unwrap() - 23.66).abs() < 1e-3);
}

/// `tf.get_variable(..., regularizer=...)` as TensorFlow 2.21 does it:
/// `layer/w` with `keras.regularizers.l2(0.1)` and constant 0.5 gives
/// `layer/w/Regularizer/…` = 0.15; reusing it adds nothing; `b` made under
/// name scope `ns` with `sum(|b|)` and constant -2 gives `b/Regularizer/…`
/// = 6.0 (the name scope is ignored); the total is 6.15.
#[test]
fn get_variable_regularizers_join_the_collection() {
    use ferroflow_core::graph::losses::get_regularization_loss;
    use ferroflow_core::graph::{Output, REGULARIZATION_LOSSES};
    let g = Graph::new();
    let l2 = |w: &Output| {
        w.square()?
            .reduce_sum(Axes::All, false)?
            .mul(&g.constant(0.1f32, "l2")?)
    };
    {
        let _vs = g.variable_scope("layer", Reuse::Inherit);
        let init = Some(Initializer::Constant(0.5));
        g.get_variable_regularized("w", &[2, 3], DType::F32, init, true, l2)
            .unwrap();
    }
    {
        let _vs = g.variable_scope("layer", Reuse::Reuse);
        g.get_variable_regularized("w", &[2, 3], DType::F32, None, true, l2)
            .unwrap();
    }
    {
        let _ns = g.name_scope("ns");
        let l1 = |b: &Output| b.abs()?.reduce_sum(Axes::All, false);
        let init = Some(Initializer::Constant(-2.0));
        g.get_variable_regularized("b", &[3], DType::F32, init, true, l1)
            .unwrap();
    }
    let losses = g.get_collection(REGULARIZATION_LOSSES, None);
    let names: Vec<String> = losses.iter().map(|l| l.name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with("layer/w/Regularizer/"), "{names:?}");
    assert!(names[1].starts_with("b/Regularizer/"), "{names:?}");
    let total = get_regularization_loss(&g, None, None).unwrap();
    let session = Session::new(&g);
    session
        .run_targets(&[&g.global_variables_initializer().unwrap()], &[], &[])
        .unwrap();
    let value = session.run(&[&total], &[]).unwrap()[0]
        .to_scalar::<f32>()
        .unwrap();
    assert!((value - 6.15).abs() < 1e-6, "{value}");
}
