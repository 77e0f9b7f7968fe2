//! Datasets from values in memory: `from_tensors`, `from_tensor_slices`,
//! `from_generator` and `range`.

use crate::{DataError, Dataset, Element, ElementSpec, Result};
use ferroflow_core::{PartialShape, TensorSpec};
use ferroflow_tensor::{DType, Tensor};
use std::sync::Arc;

impl Dataset {
    /// A dataset of the single element `element` (`from_tensors`).
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// use ferroflow_tensor::Tensor;
    /// let ds = Dataset::from_tensors(Tensor::from([1, 2, 3]));
    /// assert_eq!(ds.iter().unwrap().count(), 1);
    /// ```
    pub fn from_tensors(element: impl Into<Element>) -> Dataset {
        let element: Element = element.into();
        Dataset::from_fn(element.spec(), move || {
            Ok(Box::new(std::iter::once(Ok(element.clone()))))
        })
    }

    /// One element per row of the first dimension of every component
    /// (`from_tensor_slices`, for tuples and named maps alike).
    ///
    /// ```
    /// use ferroflow_data::{Dataset, Element};
    /// use ferroflow_tensor::Tensor;
    /// let ds = Dataset::from_tensor_slices(Element::named([
    ///     ("x", Tensor::from([[1.0f32, 2.0], [3.0, 4.0]])),
    ///     ("y", Tensor::from([0i64, 1])),
    /// ])).unwrap();
    /// let second = ds.iter().unwrap().nth(1).unwrap().unwrap();
    /// assert_eq!(second.get("x").unwrap().to_vec::<f32>().unwrap(), [3.0, 4.0]);
    /// assert_eq!(second.get("y").unwrap().to_scalar::<i64>().unwrap(), 1);
    /// ```
    pub fn from_tensor_slices(element: impl Into<Element>) -> Result<Dataset> {
        const OP: &str = "TensorSliceDataset";
        let element: Element = element.into();
        let mut rows = None;
        for t in element.tensors() {
            let Some(&n) = t.dims().first() else {
                return Err(DataError::invalid(
                    OP,
                    "Unbatching a tensor is only supported for rank >= 1 (got a scalar component)",
                ));
            };
            if *rows.get_or_insert(n) != n {
                return Err(DataError::invalid(
                    OP,
                    format!(
                        "Dimensions {} and {n} are not compatible: all components must have the same size in their first dimension",
                        rows.unwrap_or(n)
                    ),
                ));
            }
        }
        let specs = element
            .tensors()
            .iter()
            .map(|t| {
                TensorSpec::new(
                    t.dtype(),
                    PartialShape::known(&t.dims()[1..].to_vec().into()),
                )
            })
            .collect();
        let spec = element.spec().with_specs(specs);
        let columns: Arc<Vec<Vec<Tensor>>> = Arc::new(
            element
                .tensors()
                .iter()
                .map(|t| t.iter().collect())
                .collect(),
        );
        let n = rows.unwrap_or(0);
        Ok(Dataset::from_fn(spec, move || {
            let (columns, element) = (columns.clone(), element.clone());
            Ok(Box::new((0..n).map(move |i| {
                Ok(element.with_tensors(columns.iter().map(|c| c[i].clone()).collect()))
            })))
        }))
    }

    /// A dataset over a Rust iterator (`from_generator`): `generator` is
    /// called at the start of every epoch; each element must match `spec`
    /// (TensorFlow's `output_signature`), else that element is an error.
    ///
    /// ```
    /// use ferroflow_core::{PartialShape, TensorSpec};
    /// use ferroflow_data::{Dataset, Element, ElementSpec};
    /// use ferroflow_tensor::{DType, Tensor};
    /// let spec = ElementSpec::tuple(vec![TensorSpec::new(DType::I32, PartialShape::from_dims(&[None]))]);
    /// let ds = Dataset::from_generator(spec, || (1..4).map(|n| Ok(Element::from(Tensor::from(vec![7i32; n])))));
    /// let lens: Vec<usize> = ds.iter().unwrap().map(|e| e.unwrap().at(0).unwrap().dims()[0]).collect();
    /// assert_eq!(lens, [1, 2, 3]);
    /// ```
    pub fn from_generator<G, I>(spec: ElementSpec, generator: G) -> Dataset
    where
        G: Fn() -> I + Send + Sync + 'static,
        I: Iterator<Item = Result<Element>> + Send + 'static,
    {
        let check = spec.clone();
        Dataset::from_fn(spec, move || {
            let check = check.clone();
            Ok(Box::new(generator().map(move |e| {
                let e = e?;
                check.check(&e, "GeneratorDataset")?;
                Ok(e)
            })))
        })
    }

    /// The int64 scalars `start, start + step, …` before `stop` (`range`).
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let v: Vec<i64> = Dataset::range(5, 0, -2).unwrap().iter().unwrap()
    ///     .map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap()).collect();
    /// assert_eq!(v, [5, 3, 1]);
    /// ```
    pub fn range(start: i64, stop: i64, step: i64) -> Result<Dataset> {
        if step == 0 {
            return Err(DataError::invalid("RangeDataset", "step size cannot be 0"));
        }
        let spec = ElementSpec::tuple(vec![TensorSpec::new(
            DType::I64,
            PartialShape::from_dims(&[]),
        )]);
        Ok(Dataset::from_fn(spec, move || {
            let mut next = start;
            Ok(Box::new(std::iter::from_fn(move || {
                let more = if step > 0 { next < stop } else { next > stop };
                if !more {
                    return None;
                }
                let v = next;
                next = next.saturating_add(step);
                if next == v {
                    next = stop;
                }
                Some(Ok(Element::from(Tensor::from(v))))
            })))
        }))
    }
}
