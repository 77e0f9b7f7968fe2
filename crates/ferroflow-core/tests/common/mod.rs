//! Helpers shared by the NN and image op tests: the fixture script's input
//! values, TensorFlow's recorded results, and comparisons.
#![allow(dead_code)]

use ferroflow_core::prelude::*;
use ferroflow_core::testing::check_gradients;
use ferroflow_core::Result;
use std::collections::HashMap;

/// Well-spread values in [lo, hi) (a golden-ratio sequence started at
/// `seed`), as the fixture script's `values`.
pub fn values64(dims: &[usize], lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let n: usize = dims.iter().product();
    (0..n)
        .map(|k| lo + (hi - lo) * ((seed as f64 * 0.1 + k as f64 * 0.61803398875) % 1.0))
        .collect()
}

pub fn values(dims: &[usize], lo: f64, hi: f64, seed: u64) -> Tensor {
    let v = values64(dims, lo, hi, seed);
    Tensor::from_vec(
        v.iter().map(|&x| x as f32).collect::<Vec<_>>(),
        dims.to_vec(),
    )
    .unwrap()
}

pub fn values_f64(dims: &[usize], lo: f64, hi: f64, seed: u64) -> Tensor {
    Tensor::from_vec(values64(dims, lo, hi, seed), dims.to_vec()).unwrap()
}

/// TensorFlow's results by name, as f32 tensors.
pub fn fixtures() -> HashMap<String, Tensor> {
    let text = include_str!("../fixtures/nn_ops_tf.txt");
    let mut out = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (head, vals) = line.split_once(" : ").unwrap();
        let (name, shape) = head.split_once(' ').unwrap();
        let dims: Vec<usize> = match shape {
            "-" => vec![],
            s => s.split(',').map(|d| d.parse().unwrap()).collect(),
        };
        let data: Vec<f32> = vals
            .split_whitespace()
            .map(|v| v.parse::<f64>().unwrap() as f32)
            .collect();
        out.insert(name.to_string(), Tensor::from_vec(data, dims).unwrap());
    }
    out
}

pub fn close(name: &str, got: &Tensor, want: &Tensor) {
    assert_eq!(got.dims(), want.dims(), "{name}: shape");
    assert!(
        got.allclose(want, 1e-4, 1e-5),
        "{name}: got {got}, want {want}"
    );
}

/// Compares `f(inputs)` with the fixture `name`, and the gradient of
/// `sum(w * f)` for each named input with `name.d<input>` where recorded.
pub fn tf_case(
    fx: &HashMap<String, Tensor>,
    name: &str,
    inputs: &[(&str, Tensor)],
    f: impl Fn(&[Tensor]) -> Result<Tensor>,
) {
    let tape = GradientTape::new();
    let xs: Vec<Tensor> = inputs.iter().map(|(_, t)| t.clone()).collect();
    for x in &xs {
        tape.watch(x);
    }
    let y = f(&xs).unwrap();
    close(name, &y, &fx[name]);
    let loss = y.mul(&values(y.dims(), 0.5, 2.0, 99)).unwrap();
    let grads = tape
        .gradient(&loss, &xs.iter().collect::<Vec<_>>())
        .unwrap();
    for ((key, _), g) in inputs.iter().zip(grads) {
        let case = format!("{name}.d{key}");
        if let Some(want) = fx.get(&case) {
            close(&case, &g.unwrap(), want);
        }
    }
}

/// A finite-difference check of `f` in f64, its output weighted so that
/// where each element goes matters.
pub fn check(name: &str, inputs: &[Tensor], f: impl Fn(&[Tensor]) -> Result<Tensor>) {
    check_gradients(
        |v| {
            let y = f(v)?;
            y.mul(&values_f64(y.dims(), 0.5, 2.0, 99))
        },
        inputs,
        1e-6,
        1e-6,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
}

pub fn err_text<T: std::fmt::Debug>(r: Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}
