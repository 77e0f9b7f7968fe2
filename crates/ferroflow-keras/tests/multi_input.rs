//! fit/evaluate/predict/train_on_batch with several inputs (a list, or
//! tensors by input name) and several outputs, as Keras takes them.

use ferroflow_core::optimizers::Adam;
use ferroflow_core::prelude::*;
use ferroflow_keras::layers::{Concatenate, Dense, Merge};
use ferroflow_keras::losses::MeanSquaredError;
use ferroflow_keras::optimizers::KerasOptimizer;
use ferroflow_keras::{Compiled, FitOptions, Functional, Layer, Model};

fn t(v: Vec<f32>, dims: &[usize]) -> Tensor {
    Tensor::from_vec(v, dims.to_vec()).unwrap()
}

/// Two inputs `a` [n, 3] and `b` [n, 2] and the target
/// `a0 - a1 + 2·b0 + a2·b1`, whose residual model must learn a product.
fn data(n: usize) -> (Tensor, Tensor, Tensor) {
    let a: Vec<f32> = (0..n * 3)
        .map(|i| ((i * 37) % 23) as f32 / 11.0 - 1.0)
        .collect();
    let b: Vec<f32> = (0..n * 2)
        .map(|i| ((i * 17) % 19) as f32 / 9.0 - 1.0)
        .collect();
    let y: Vec<f32> = (0..n)
        .map(|k| {
            let (a, b) = (&a[3 * k..3 * k + 3], &b[2 * k..2 * k + 2]);
            a[0] - a[1] + 2.0 * b[0] + a[2] * b[1]
        })
        .collect();
    (t(a, &[n, 3]), t(b, &[n, 2]), t(y, &[n, 1]))
}

/// `[a, b]` → concatenate → dense → residual add → dense.
fn residual_two_inputs() -> Functional {
    let mut m = Functional::new();
    let a = m.named_input(&[Some(3)], "a");
    let b = m.named_input(&[Some(2)], "b");
    let ab = m.apply(Box::new(Concatenate::new(-1)), &[&a, &b]).unwrap();
    let h = m
        .apply(Box::new(Dense::new(5).activation("tanh")), &[&ab])
        .unwrap();
    let h = m.apply(Box::new(Merge::add()), &[&ab, &h]).unwrap();
    let y = m.apply(Box::new(Dense::new(1)), &[&h]).unwrap();
    m.set_outputs(&[&y]).unwrap();
    m.compile(Compiled::new(
        KerasOptimizer::new(Adam::new(0.02)).unwrap(),
        Box::<MeanSquaredError>::default(),
        vec![],
    ));
    m
}

fn quiet(epochs: usize) -> FitOptions<'static> {
    FitOptions {
        epochs,
        batch_size: 16,
        verbose: 0,
        ..Default::default()
    }
}

#[test]
fn a_two_input_residual_model_trains_and_predicts_like_call_multi() {
    let (a, b, y) = data(96);
    let mut m = residual_two_inputs();
    let before = m.evaluate(&[a.clone(), b.clone()], &y, 32).unwrap();
    let history = m.fit(&[a.clone(), b.clone()], &y, quiet(30)).unwrap();
    let losses = history.get("loss").unwrap();
    let after = m.evaluate(&[a.clone(), b.clone()], &y, 32).unwrap();
    let (first, last) = (before.get("loss").unwrap(), after.get("loss").unwrap());
    assert!(last < first / 4.0, "loss {first} -> {last} ({losses:?})");
    assert_eq!(
        after.get("loss"),
        m.evaluate(&[("b", b.clone()), ("a", a.clone())], &y, 32)
            .unwrap()
            .get("loss")
    );
    let predicted = m.predict(&vec![a.clone(), b.clone()], 7).unwrap();
    let called = m.call_multi(&[&a, &b], false).unwrap().swap_remove(0);
    assert_eq!(predicted.dims(), [96, 1]);
    let (p, c) = (
        predicted.to_vec::<f32>().unwrap(),
        called.to_vec::<f32>().unwrap(),
    );
    for (p, c) in p.iter().zip(&c) {
        assert!((p - c).abs() <= 1e-6 * c.abs().max(1.0), "{p} vs {c}");
    }
}

#[test]
fn data_by_name_matches_data_by_position() {
    let (a, b, y) = data(8);
    let (mut by_list, mut by_name) = (residual_two_inputs(), residual_two_inputs());
    for (from, to) in by_list
        .trainable_variables()
        .iter()
        .zip(by_name.trainable_variables())
    {
        to.assign(&from.value()).unwrap();
    }
    let list = by_list.train_on_batch(&[a.clone(), b.clone()], &y).unwrap();
    let named = by_name
        .train_on_batch(&[("b", b.clone()), ("a", a.clone())], &y)
        .unwrap();
    assert_eq!(list.0, named.0);
    let weights = |m: &Functional| -> Vec<Tensor> {
        m.trainable_variables().iter().map(|v| v.value()).collect()
    };
    assert_eq!(weights(&by_list), weights(&by_name));
    assert_eq!(
        by_list
            .test_on_batch(&[a.clone(), b.clone()], &y)
            .unwrap()
            .0,
        by_name.test_on_batch(&[("a", a), ("b", b)], &y).unwrap().0
    );
}

#[test]
fn mismatched_or_missing_inputs_are_keras_errors() {
    let (a, b, y) = data(8);
    let (_, short, _) = data(6);
    let mut m = residual_two_inputs();
    let err = m.fit(&[a.clone(), short], &y, quiet(1)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("Data cardinality is ambiguous") && msg.contains("x sizes: 8, 6"),
        "{msg}"
    );
    let err = m.fit(&a, &y, quiet(1)).unwrap_err().to_string();
    assert!(err.contains("expects 2 input(s)"), "{err}");
    let err = m
        .evaluate(&[("a", a.clone())], &y, 4)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Missing data for input \"b\""), "{err}");
    let err = m
        .predict(&[("a", a.clone()), ("b", b.clone()), ("c", b.clone())], 4)
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"c\""), "{err}");
    let err = m.fit(&[a, b], &[y.clone(), y], quiet(1)).unwrap_err();
    assert!(err.to_string().contains("expects 1 output(s)"), "{err}");
}

#[test]
fn several_outputs_sum_their_losses_and_log_each() {
    let (a, b, y) = data(32);
    let mut m = Functional::new();
    let xa = m.named_input(&[Some(3)], "a");
    let xb = m.named_input(&[Some(2)], "b");
    let ab = m
        .apply(Box::new(Concatenate::new(-1)), &[&xa, &xb])
        .unwrap();
    let sum = Dense::new(1);
    let sum_name = sum.core().name().to_string();
    let diff = Dense::new(1);
    let diff_name = diff.core().name().to_string();
    let out_sum = m.apply(Box::new(sum), &[&ab]).unwrap();
    let out_diff = m.apply(Box::new(diff), &[&ab]).unwrap();
    m.set_outputs(&[&out_sum, &out_diff]).unwrap();
    m.compile(Compiled::new(
        KerasOptimizer::new(Adam::new(0.05)).unwrap(),
        Box::<MeanSquaredError>::default(),
        vec![],
    ));
    let neg = y.neg().unwrap();
    let x = [a.clone(), b.clone()];
    let logs = m.test_on_batch(&x, &[y.clone(), neg.clone()]).unwrap();
    let total = logs.get("loss").unwrap();
    let parts = logs.get(&format!("{sum_name}_loss")).unwrap()
        + logs.get(&format!("{diff_name}_loss")).unwrap();
    assert!((total - parts).abs() < 1e-5 * total, "{total} vs {parts}");
    let by_name = [(sum_name.as_str(), y.clone()), (diff_name.as_str(), neg)];
    let history = m.fit(&x, &by_name, quiet(40)).unwrap();
    let losses = history.get("loss").unwrap();
    assert!(losses[losses.len() - 1] < losses[0] / 2.0, "{losses:?}");
    let outputs = m.predict_outputs(&x, 10).unwrap();
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[1].dims(), [32, 1]);
    let err = m.predict(&x, 10).unwrap_err().to_string();
    assert!(err.contains("predict_outputs"), "{err}");
}
