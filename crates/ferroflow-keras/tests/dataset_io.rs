//! `model.predict(dataset)`: batches of `x` alone or `(x, y)` tuples give
//! the same outputs as `predict` on the tensor.

use ferroflow_core::prelude::*;
use ferroflow_data::{Dataset, Element};
use ferroflow_keras::layers::Dense;
use ferroflow_keras::{Model, Sequential};

fn model() -> Sequential {
    let mut m = Sequential::new(vec![
        Box::new(Dense::new(4).activation("relu")),
        Box::new(Dense::new(3)),
    ]);
    m.build(&[None, Some(2)]).unwrap();
    m
}

fn inputs() -> (Tensor, Tensor) {
    let x: Vec<f32> = (0..14).map(|i| i as f32 / 7.0 - 1.0).collect();
    (
        Tensor::from_vec(x, [7, 2]).unwrap(),
        Tensor::from([0i64, 1, 2, 0, 1, 2, 0]),
    )
}

#[test]
fn predict_on_a_dataset_matches_predict_on_tensors() {
    let mut m = model();
    let (x, y) = inputs();
    let want = m.predict(&x, 7).unwrap();
    assert_eq!(want.dims(), [7, 3]);
    let x_only = Dataset::from_tensor_slices(x.clone())
        .unwrap()
        .batch(3, false)
        .unwrap();
    let pairs = Dataset::from_tensor_slices(Element::tuple(vec![x, y]))
        .unwrap()
        .batch(2, false)
        .unwrap()
        .prefetch(2);
    for data in [x_only, pairs] {
        let got = m.predict_dataset(&data).unwrap();
        assert_eq!(got.dims(), want.dims());
        let (got, want) = (got.to_vec::<f32>().unwrap(), want.to_vec::<f32>().unwrap());
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
        }
    }
}

#[test]
fn predict_dataset_errors_are_errors() {
    let mut m = model();
    let (x, _) = inputs();
    // An empty dataset, named components, or an error inside the pipeline.
    let empty = Dataset::from_tensor_slices(x.clone())
        .unwrap()
        .take(0)
        .batch(2, false)
        .unwrap();
    let err = m.predict_dataset(&empty).unwrap_err().to_string();
    assert!(err.contains("no examples"), "{err}");
    let named = Dataset::from_tensors(Element::named([("x", x.clone())]));
    let err = m.predict_dataset(&named).unwrap_err().to_string();
    assert!(err.contains("yields x or (x, y"), "{err}");
    let failing = Dataset::from_tensors(x)
        .map(|_| {
            Err(ferroflow_data::DataError::invalid(
                "map",
                "decode failed on purpose",
            ))
        })
        .unwrap();
    let err = m.predict_dataset(&failing).unwrap_err().to_string();
    assert!(err.contains("decode failed on purpose"), "{err}");
}
