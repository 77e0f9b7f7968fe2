//! `tf.linalg.qr` and the orthogonal initializer against TensorFlow 2.21
//! (fixtures from `tools/make_nn_op_fixtures.py`), eagerly and in graphs.
//! Only `orthogonal_initializer_matches_tensorflow` touches the eager
//! random state.

use ferroflow_core::graph::Graph;
use ferroflow_core::initializers::{orthogonalize, Initializer};
use ferroflow_core::ops::{qr, stateless_random_normal};
use ferroflow_core::prelude::*;
use ferroflow_core::random::set_random_seed;
use ferroflow_core::session::Session;

mod common;

use common::*;

/// `2x3x4`, as the fixture names write shapes.
fn dims_tag(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    dims.join("x")
}

#[test]
fn qr_matches_tensorflow() {
    let fx = fixtures();
    for shape in [[5, 3].as_slice(), &[3, 5], &[2, 4, 4]] {
        let x = values(shape, -1.0, 1.0, 31);
        let name = format!("qr_{}", dims_tag(shape));
        let (q, r) = qr(&x).unwrap();
        close(&format!("{name}.q"), &q, &fx[&format!("{name}.q")]);
        close(&format!("{name}.r"), &r, &fx[&format!("{name}.r")]);
        // The graph op gives the same, with static shapes.
        let g = Graph::new();
        let (gq, gr) = qr(&g.constant(x, "x").unwrap()).unwrap();
        assert_eq!(gq.static_shape().to_shape().unwrap(), *q.shape());
        let out = Session::new(&g).run(&[&gq, &gr], &[]).unwrap();
        assert_eq!((&out[0], &out[1]), (&q, &r));
    }
    assert_eq!(
        err_text(qr(&Tensor::from([1.0f32, 2.0]))),
        "Qr: input must have rank >= 2, got shape [2]"
    );
}

/// `QᵀQ` (or `QQᵀ` for wide matrices) is `gain²·I`.
fn assert_orthogonal(value: &Tensor, gain: f64) {
    let cols = value.dims()[value.rank() - 1];
    let flat = value.reshape(&[-1, cols as i64]).unwrap();
    let (rows, cols) = (flat.dims()[0], cols);
    let gram = if rows >= cols {
        flat.matmul_t(&flat, true, false)
    } else {
        flat.matmul_t(&flat, false, true)
    }
    .unwrap();
    let k = rows.min(cols);
    let want: Vec<f32> = (0..k * k)
        .map(|i| {
            if i % (k + 1) == 0 {
                (gain * gain) as f32
            } else {
                0.0
            }
        })
        .collect();
    let want = Tensor::from_vec(want, [k, k]).unwrap();
    assert!(gram.allclose(&want, 1e-5, 1e-5), "{gram}");
}

#[test]
fn orthogonal_initializer_matches_tensorflow() {
    let fx = fixtures();
    let cases: [(&[usize], f64); 3] = [(&[6, 4], 1.0), (&[3, 7], 1.0), (&[2, 2, 3, 5], 1.5)];
    for (shape, gain) in cases {
        let name = format!("orthogonal_{}", dims_tag(shape));
        let init = Initializer::Orthogonal {
            gain,
            seed: Some(3),
        };
        // An op seed alone: seeds (87654321, 3), eagerly and in a graph.
        set_random_seed(None);
        let eager = init.eager(shape, DType::F32).unwrap();
        close(&name, &eager, &fx[&name]);
        assert_orthogonal(&eager, gain);
        let g = Graph::new();
        let v = g
            .get_variable("w", shape, DType::F32, Some(init.clone()), true)
            .unwrap();
        let session = Session::new(&g);
        session.run_targets(&[v.initializer()], &[], &[]).unwrap();
        let value = session.run(&[v.value()], &[]).unwrap().remove(0);
        close(&name, &value, &fx[&name]);
    }
    // A graph seed alone: seeds (7, 0) for the graph's first random op.
    let g = Graph::new();
    g.set_random_seed(Some(7));
    let init = Initializer::orthogonal(None);
    let value = g.initial_value(&init, &[3, 5], DType::F32).unwrap();
    let value = Session::new(&g).run(&[&value], &[]).unwrap().remove(0);
    close(
        "orthogonal_graph_seed",
        &value,
        &fx["orthogonal_graph_seed"],
    );
    assert_orthogonal(&value, 1.0);
    assert_eq!(
        err_text(init.eager(&[4], DType::F32)),
        "Orthogonal: The tensor to initialize must be at least two-dimensional. Received: shape=(4,) of rank 1."
    );
    // Keras 3's `Orthogonal(gain=1.5, seed=3)` draws `stateless_normal(seed=[3, 0])`
    // and then does the same.
    let normal = stateless_random_normal(&[7, 3], [3, 0], 0.0, 1.0, DType::F32).unwrap();
    let keras = orthogonalize(&normal, &[3, 7], 1.5).unwrap();
    close("orthogonal_keras_3x7", &keras, &fx["orthogonal_keras_3x7"]);
    // Keras's serialization, `{"gain": 2.0, "seed": 1}`.
    let init = Initializer::Orthogonal {
        gain: 2.0,
        seed: Some(1),
    };
    let config = init.get_config();
    assert_eq!(config["class_name"], "Orthogonal");
    assert_eq!(config["config"]["gain"], 2.0);
    assert_eq!(Initializer::from_config(&config).unwrap(), init);
}
