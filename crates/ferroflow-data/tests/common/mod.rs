//! Helpers shared by the data tests.
#![allow(dead_code)]

use ferroflow_data::{Dataset, Element};
use ferroflow_tensor::Tensor;
use serde_json::Value;

/// A tensor as nested JSON lists of numbers or strings (as TF's
/// `.numpy().tolist()`).
pub fn to_json(t: &Tensor) -> Value {
    fn nest(values: &[Value], dims: &[usize]) -> Value {
        match dims.split_first() {
            None => values[0].clone(),
            Some((&n, rest)) => {
                let step: usize = rest.iter().product();
                Value::Array((0..n).map(|i| nest(&values[i * step..], rest)).collect())
            }
        }
    }
    let values: Vec<Value> = match t.as_strings() {
        Ok(s) => s
            .iter()
            .map(|b| Value::from(String::from_utf8_lossy(b)))
            .collect(),
        Err(_) => t
            .to_f64_vec()
            .unwrap()
            .into_iter()
            .map(Value::from)
            .collect(),
    };
    nest(&values, t.dims())
}

/// Every element of one epoch as JSON (one list per element).
pub fn elements_json(ds: &Dataset) -> Value {
    Value::Array(
        ds.iter()
            .unwrap()
            .map(|e| Value::Array(e.unwrap().tensors().iter().map(to_json).collect()))
            .collect(),
    )
}

/// Numeric equality of JSON trees (ints and floats compare as f64).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Number(p), Value::Number(q)) => p.as_f64() == q.as_f64(),
        _ => a == b,
    }
}

/// The int64 scalars of one epoch of `ds`.
pub fn ints(ds: &Dataset) -> Vec<i64> {
    ds.iter()
        .unwrap()
        .map(|e| e.unwrap().at(0).unwrap().to_scalar::<i64>().unwrap())
        .collect()
}

/// `Dataset.range(a, b)`.
pub fn range(a: i64, b: i64) -> Dataset {
    Dataset::range(a, b, 1).unwrap()
}

/// The int64 scalar of component 0.
pub fn scalar(e: &Element) -> i64 {
    e.at(0).unwrap().to_scalar::<i64>().unwrap()
}

/// A fresh empty directory for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_data_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
