//! Losses and metrics against TF 2.21 (tests/fixtures/keras.json, from
//! tools/keras_fixtures.py) and hand-computed values; loss gradients by
//! finite differences.

use ferroflow_core::prelude::*;
use ferroflow_core::testing::check_gradients;
use ferroflow_keras::info_theory::{cross_entropy, entropy, kl_divergence, Unit};
use ferroflow_keras::losses::{self, *};
use ferroflow_keras::metrics::{
    self, BinaryAccuracy, CategoricalAccuracy, Mean, Metric, Precision, Recall,
    SparseCategoricalAccuracy, Sum, TopKCategoricalAccuracy, AUC,
};

fn fixture() -> serde_json::Value {
    serde_json::from_str(include_str!("fixtures/keras.json")).unwrap()
}

fn t(v: &[f32], dims: &[usize]) -> Tensor {
    Tensor::from_vec(v.to_vec(), dims.to_vec()).unwrap()
}

fn y_true() -> Tensor {
    t(&[0.0, 1.0, 0.0, 0.0, 0.0, 1.0], &[2, 3])
}
fn probs() -> Tensor {
    t(&[0.05, 0.9, 0.05, 0.1, 0.6, 0.3], &[2, 3])
}
fn logits() -> Tensor {
    t(&[1.0, 2.0, -1.0, 0.5, -0.5, 2.0], &[2, 3])
}
fn reg_true() -> Tensor {
    t(&[0.0, 1.0, 2.0, -1.0], &[2, 2])
}
fn reg_pred() -> Tensor {
    t(&[0.5, 3.0, 1.0, -1.5], &[2, 2])
}
fn bin_true() -> Tensor {
    t(&[0.0, 1.0, 1.0, 0.0], &[2, 2])
}
fn bin_pred() -> Tensor {
    t(&[0.2, 0.7, 0.4, 0.1], &[2, 2])
}

fn scalar(x: Tensor) -> f64 {
    x.cast(DType::F64).unwrap().to_scalar::<f64>().unwrap()
}

#[test]
fn losses_match_tensorflow() {
    let f = fixture();
    let want = |k: &str| f["losses"][k].as_f64().unwrap();
    let sparse = Tensor::from([1i64, 2]);
    let cases: Vec<(&str, f64)> = vec![
        (
            "mse",
            scalar(
                MeanSquaredError::default()
                    .call(&reg_true(), &reg_pred())
                    .unwrap(),
            ),
        ),
        (
            "mae",
            scalar(
                MeanAbsoluteError::default()
                    .call(&reg_true(), &reg_pred())
                    .unwrap(),
            ),
        ),
        (
            "huber",
            scalar(Huber::default().call(&reg_true(), &reg_pred()).unwrap()),
        ),
        (
            "bce",
            scalar(
                BinaryCrossentropy::default()
                    .call(&bin_true(), &bin_pred())
                    .unwrap(),
            ),
        ),
        (
            "bce_logits",
            scalar(
                BinaryCrossentropy::from_logits(true)
                    .call(&bin_true(), &reg_pred())
                    .unwrap(),
            ),
        ),
        (
            "cce",
            scalar(
                CategoricalCrossentropy::default()
                    .call(&y_true(), &probs())
                    .unwrap(),
            ),
        ),
        (
            "cce_logits",
            scalar(
                CategoricalCrossentropy::from_logits(true)
                    .call(&y_true(), &logits())
                    .unwrap(),
            ),
        ),
        (
            "scce",
            scalar(
                SparseCategoricalCrossentropy::default()
                    .call(&sparse, &probs())
                    .unwrap(),
            ),
        ),
        (
            "scce_logits",
            scalar(
                SparseCategoricalCrossentropy::from_logits(true)
                    .call(&sparse, &logits())
                    .unwrap(),
            ),
        ),
        (
            "kld",
            scalar(KLDivergence::default().call(&y_true(), &probs()).unwrap()),
        ),
        (
            "mse_sum",
            scalar(
                MeanSquaredError::default()
                    .with_reduction(LossReduction::Sum)
                    .call(&reg_true(), &reg_pred())
                    .unwrap(),
            ),
        ),
    ];
    for (name, got) in cases {
        assert!(
            (got - want(name)).abs() < 1e-5,
            "{name}: {got} vs {}",
            want(name)
        );
    }
    let none = CategoricalCrossentropy::default()
        .with_reduction(LossReduction::None)
        .call(&y_true(), &probs())
        .unwrap();
    let want: Vec<f64> = f["losses"]["cce_none"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (g, w) in none.to_f64_vec().unwrap().iter().zip(&want) {
        assert!((g - w).abs() < 1e-5);
    }
}

#[test]
fn losses_by_name_and_errors() {
    assert_eq!(
        losses::get("sparse_categorical_crossentropy")
            .unwrap()
            .name(),
        "sparse_categorical_crossentropy"
    );
    assert!(losses::get("nope")
        .err()
        .unwrap()
        .to_string()
        .contains("nope"));
    let err = MeanSquaredError::default()
        .call(&reg_true(), &probs())
        .unwrap_err();
    assert!(err.to_string().contains("mean_squared_error"), "{err}");
    let err = SparseCategoricalCrossentropy::default()
        .call(&Tensor::from([1i64, 2, 0]), &probs())
        .unwrap_err();
    assert!(
        err.to_string().contains("sparse_categorical_crossentropy"),
        "{err}"
    );
}

#[test]
fn loss_gradients_match_finite_differences() {
    let f64t = |x: Tensor| x.cast(DType::F64).unwrap();
    let (yt, lg, rt) = (f64t(y_true()), f64t(logits()), f64t(reg_true()));
    let pr = f64t(probs());
    let sparse = Tensor::from([1i64, 2]);
    check_gradients(
        |v| MeanSquaredError::default().call(&rt, &v[0]),
        &[f64t(reg_pred())],
        1e-6,
        1e-6,
    )
    .unwrap();
    check_gradients(
        |v| Huber::default().call(&rt, &v[0]),
        &[f64t(reg_pred())],
        1e-6,
        1e-6,
    )
    .unwrap();
    check_gradients(
        |v| CategoricalCrossentropy::from_logits(true).call(&yt, &v[0]),
        std::slice::from_ref(&lg),
        1e-6,
        1e-6,
    )
    .unwrap();
    check_gradients(
        |v| CategoricalCrossentropy::default().call(&yt, &v[0]),
        std::slice::from_ref(&pr),
        1e-6,
        1e-5,
    )
    .unwrap();
    check_gradients(
        |v| SparseCategoricalCrossentropy::from_logits(true).call(&sparse, &v[0]),
        std::slice::from_ref(&lg),
        1e-6,
        1e-6,
    )
    .unwrap();
    check_gradients(
        |v| SparseCategoricalCrossentropy::default().call(&sparse, &v[0]),
        std::slice::from_ref(&pr),
        1e-6,
        1e-5,
    )
    .unwrap();
    check_gradients(
        |v| BinaryCrossentropy::default().call(&f64t(bin_true()), &v[0]),
        &[f64t(bin_pred())],
        1e-6,
        1e-5,
    )
    .unwrap();
    check_gradients(
        |v| KLDivergence::default().call(&yt, &v[0]),
        &[pr],
        1e-6,
        1e-5,
    )
    .unwrap();
}

#[test]
fn mean_metric_is_the_seeds_example() {
    let mut m = Mean::new("mean");
    m.update_state(&Tensor::from([1.0f32, 2.0, 3.0, 4.0, 5.0]))
        .unwrap();
    assert_eq!(m.result(), 3.0);
    m.reset_state();
    assert_eq!(m.result(), 0.0);
    let mut s = Sum::default();
    s.update_state(&Tensor::from([1.5f32, 2.5])).unwrap();
    s.update_state(&Tensor::from([1.0f32])).unwrap();
    assert_eq!(s.result(), 5.0);
}

#[test]
fn metrics_match_tensorflow_and_hand_values() {
    let f = fixture();
    let want = |k: &str| f["metrics"][k].as_f64().unwrap();
    let at = t(&[0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0], &[8]);
    let ap = t(&[0.1, 0.4, 0.35, 0.8, 0.65, 0.7, 0.2, 0.05], &[8]);
    let run = |mut m: Box<dyn Metric>, y: &Tensor, p: &Tensor| {
        m.update_state(y, p).unwrap();
        m.result()
    };
    assert!((run(Box::<AUC>::default(), &at, &ap) - want("auc")).abs() < 1e-6);
    assert!((run(Box::<Precision>::default(), &at, &ap) - want("precision")).abs() < 1e-6);
    assert!((run(Box::<Recall>::default(), &at, &ap) - want("recall")).abs() < 1e-6);
    let mut top2 = TopKCategoricalAccuracy::default();
    top2.k = 2;
    assert_eq!(run(Box::new(top2), &y_true(), &probs()), want("top2"));
    assert_eq!(
        run(Box::<BinaryAccuracy>::default(), &bin_true(), &bin_pred()),
        want("binary_accuracy")
    );
    // Hand values: argmax of probs is [1, 1]; labels are [1, 2].
    assert_eq!(
        run(Box::<CategoricalAccuracy>::default(), &y_true(), &probs()),
        0.5
    );
    assert_eq!(
        run(
            Box::<SparseCategoricalAccuracy>::default(),
            &Tensor::from([1i64, 2]),
            &probs()
        ),
        0.5
    );
    assert_eq!(
        run(
            Box::<metrics::MeanSquaredError>::default(),
            &reg_true(),
            &reg_pred()
        ),
        1.375
    );
    // Metrics accumulate over batches until reset.
    let mut acc = SparseCategoricalAccuracy::default();
    acc.update_state(&Tensor::from([1i64, 2]), &probs())
        .unwrap();
    acc.update_state(&Tensor::from([1i64, 1]), &probs())
        .unwrap();
    assert_eq!(acc.result(), 0.75);
    acc.reset_state();
    assert_eq!(acc.result(), 0.0);
    assert!(acc.update_state(&Tensor::from([1i64]), &probs()).is_err());
}

#[test]
fn metrics_by_name_follow_the_loss() {
    let m = metrics::get("accuracy", "categorical_crossentropy").unwrap();
    let mut m = m;
    m.update_state(&y_true(), &probs()).unwrap();
    assert_eq!((m.name(), m.result()), ("accuracy", 0.5));
    assert!(metrics::get("accurcy", "mse").is_err());
}

#[test]
fn information_in_bits_and_nats() {
    let uniform = Tensor::from([0.25f64; 4]);
    assert_eq!(
        entropy(&uniform, Unit::Bits)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap(),
        2.0
    );
    let nats = entropy(&uniform, Unit::Nats)
        .unwrap()
        .to_scalar::<f64>()
        .unwrap();
    assert!((nats - 4f64.ln()).abs() < 1e-12);
    let p = Tensor::from([0.5f64, 0.5, 0.0, 0.0]);
    assert_eq!(
        cross_entropy(&p, &uniform, Unit::Bits)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap(),
        2.0
    );
    assert_eq!(
        kl_divergence(&p, &uniform, Unit::Bits)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap(),
        1.0
    );
    assert_eq!(
        kl_divergence(&p, &p, Unit::Nats)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap(),
        0.0
    );
}
