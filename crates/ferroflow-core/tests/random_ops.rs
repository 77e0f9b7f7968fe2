//! Eager random ops reproduce TensorFlow's values under its seed rules
//! (fixtures from `tools/make_eager_random_fixtures.py`). The eager random
//! state is process-wide, so everything runs in one test, in order.

use ferroflow_core::ops::{stateless_random_normal, stateless_random_uniform};
use ferroflow_core::prelude::*;
use ferroflow_core::random::set_random_seed;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/eager_random.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn assert_close(got: &Tensor, want: &Value, what: &str) {
    let got = got.to_f64_vec().unwrap();
    let want = floats(want);
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g - w).abs() <= 1e-6 * (1.0 + w.abs()),
            "{what}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn eager_random_ops_follow_tensorflow_seed_rules() {
    let f = fixture();
    let uniform =
        |n: usize, seed: Option<i64>| random_uniform(&[n], 0.0, 1.0, DType::F32, seed).unwrap();

    // Op seed only: (87654321, 5); a second call continues the stream.
    assert_close(
        &uniform(5, Some(5)),
        &f["op_seed_only"][0],
        "op seed only, first",
    );
    assert_close(
        &uniform(5, Some(5)),
        &f["op_seed_only"][1],
        "op seed only, second",
    );

    // Global and op seed; set_seed restarts the stream.
    set_random_seed(Some(1234));
    assert_close(
        &uniform(3, Some(1)),
        &f["global_and_op_seed"][0],
        "both seeds, first",
    );
    assert_close(
        &uniform(3, Some(1)),
        &f["global_and_op_seed"][1],
        "both seeds, second",
    );
    set_random_seed(Some(1234));
    assert_close(
        &uniform(3, Some(1)),
        &f["global_and_op_seed_again"],
        "both seeds after set_seed",
    );

    // Global seed only: op seeds drawn from Python's random.Random(1234).
    set_random_seed(Some(1234));
    assert_close(
        &uniform(3, None),
        &f["global_only"][0],
        "global only, first op",
    );
    assert_close(
        &uniform(3, None),
        &f["global_only"][1],
        "global only, second op",
    );
    let n = random_normal(&[4], 0.0, 1.0, DType::F32, None).unwrap();
    assert_close(&n, &f["global_only"][2], "global only, normal");

    set_random_seed(Some(42));
    let n = random_normal(&[6], 1.0, 2.0, DType::F32, Some(3)).unwrap();
    assert_close(&n, &f["normal"], "normal(mean 1, stddev 2)");
    let t = truncated_normal(&[6], 0.0, 1.0, DType::F32, Some(3)).unwrap();
    assert_close(&t, &f["truncated_normal"], "truncated normal");
    let u = random_uniform(&[4], -2.0, 3.0, DType::F32, Some(4)).unwrap();
    assert_close(&u, &f["uniform_range"], "uniform in [-2, 3)");
    let i = random_uniform(&[6], 0.0, 10.0, DType::I32, Some(5)).unwrap();
    assert_close(&i, &f["uniform_int"], "uniform int");
    let d = random_uniform(&[3], 0.0, 1.0, DType::F64, Some(6)).unwrap();
    assert_close(&d, &f["uniform_f64"], "uniform float64");
    let range = Tensor::from((0..10).collect::<Vec<i32>>());
    let s = random_shuffle(&range, Some(7)).unwrap();
    assert_close(&s, &f["shuffle"], "shuffle");

    let su = stateless_random_uniform(&[5], [1, 2], 0.0, 1.0, DType::F32).unwrap();
    assert_close(&su, &f["stateless_uniform"], "stateless uniform");
    let sn = stateless_random_normal(&[5], [3, 4], 0.0, 1.0, DType::F32).unwrap();
    assert_close(&sn, &f["stateless_normal"], "stateless normal");

    // Unseeded ops differ from call to call.
    set_random_seed(None);
    assert_ne!(uniform(8, None), uniform(8, None));
    // Errors name the op.
    let err = random_uniform(&[2], 3.0, 3.0, DType::I64, Some(1)).unwrap_err();
    assert!(err.to_string().contains("RandomUniformInt"), "{err}");
    let err = random_normal(&[2], 0.0, 1.0, DType::I32, Some(1)).unwrap_err();
    assert!(
        err.to_string().contains("RandomStandardNormal") || err.to_string().contains("float"),
        "{err}"
    );
}
