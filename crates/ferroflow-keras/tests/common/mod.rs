//! Helpers shared by the tests that compare with TensorFlow fixtures.

use serde_json::Value;

/// `float32((i*mul + add) % modulus) / den - shift` for i in 0..n, as the
/// fixture scripts compute their weights and inputs.
pub fn pattern(n: usize, mul: usize, add: usize, modulus: usize, den: f32, shift: f32) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * mul + add) % modulus) as f32 / den - shift)
        .collect()
}

/// A JSON array of numbers as f32s.
pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}
