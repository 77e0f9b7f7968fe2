//! Dataset elements (a tuple or a named map of tensors) and their specs
//! (`element_spec`, the seeds' `output_types` / `output_shapes`).

use crate::{DataError, Result};
use ferroflow_core::{PartialShape, TensorSpec};
use ferroflow_tensor::{DType, Tensor};
use std::sync::Arc;

/// One element of a dataset: a tuple of tensors, or a map from names to
/// tensors (`{"image": …, "label": …}`), kept in name order of creation.
///
/// ```
/// use ferroflow_data::Element;
/// use ferroflow_tensor::Tensor;
/// let e = Element::named([("x", Tensor::from(1.0f32)), ("y", Tensor::from(2i64))]);
/// assert_eq!(e.get("y").unwrap().to_scalar::<i64>().unwrap(), 2);
/// assert_eq!(e.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    tensors: Vec<Tensor>,
    names: Option<Arc<[String]>>,
}

impl Element {
    /// A tuple element (a single tensor is a tuple of one).
    pub fn tuple(tensors: Vec<Tensor>) -> Element {
        Element {
            tensors,
            names: None,
        }
    }

    /// A named element, like a Python dict of tensors.
    pub fn named<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Tensor)>) -> Element {
        let (names, tensors) = unzip_named(pairs);
        Element {
            tensors,
            names: Some(names),
        }
    }

    /// The same structure (tuple or the same names) around new tensors.
    pub fn with_tensors(&self, tensors: Vec<Tensor>) -> Element {
        Element {
            tensors,
            names: self.names.clone(),
        }
    }

    /// An element of `spec`'s structure around `tensors`.
    pub(crate) fn of_spec(spec: &ElementSpec, tensors: Vec<Tensor>) -> Element {
        Element {
            tensors,
            names: spec.names.clone(),
        }
    }

    /// The components, in order.
    pub fn tensors(&self) -> &[Tensor] {
        &self.tensors
    }

    /// The components, by value.
    pub fn into_tensors(self) -> Vec<Tensor> {
        self.tensors
    }

    /// The names of a map element; `None` for a tuple.
    pub fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// Number of components.
    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    /// True for an element with no component.
    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    /// Component `i` of a tuple (or of a map, in name order).
    pub fn at(&self, i: usize) -> Result<&Tensor> {
        self.tensors.get(i).ok_or_else(|| {
            DataError::invalid(
                "Element",
                format!(
                    "index {i} out of range for an element of {} components",
                    self.len()
                ),
            )
        })
    }

    /// The component called `name` of a map element.
    pub fn get(&self, name: &str) -> Result<&Tensor> {
        self.names()
            .and_then(|n| n.iter().position(|k| k == name))
            .map(|i| &self.tensors[i])
            .ok_or_else(|| {
                DataError::invalid(
                    "Element",
                    format!("no component named {name:?} (names: {:?})", self.names()),
                )
            })
    }

    /// The spec of this element's exact values.
    pub fn spec(&self) -> ElementSpec {
        ElementSpec {
            specs: self.tensors.iter().map(TensorSpec::of).collect(),
            names: self.names.clone(),
        }
    }
}

impl From<Tensor> for Element {
    fn from(t: Tensor) -> Element {
        Element::tuple(vec![t])
    }
}

/// What is known of every element of a dataset: the dtype and static
/// (partial) shape of each component, and the names of a map structure.
///
/// ```
/// use ferroflow_data::Dataset;
/// use ferroflow_tensor::{DType, Tensor};
/// let ds = Dataset::range(0, 10, 1).unwrap().batch(4, false).unwrap();
/// let spec = ds.element_spec();
/// assert_eq!(spec.dtypes(), [DType::I64]);
/// assert_eq!(spec.specs()[0].shape.dims().unwrap(), [None]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ElementSpec {
    specs: Vec<TensorSpec>,
    names: Option<Arc<[String]>>,
}

impl ElementSpec {
    /// A tuple spec.
    pub fn tuple(specs: Vec<TensorSpec>) -> ElementSpec {
        ElementSpec { specs, names: None }
    }

    /// A named spec.
    pub fn named<K: Into<String>>(pairs: impl IntoIterator<Item = (K, TensorSpec)>) -> ElementSpec {
        let (names, specs) = unzip_named(pairs);
        ElementSpec {
            specs,
            names: Some(names),
        }
    }

    /// The same structure around new component specs.
    pub fn with_specs(&self, specs: Vec<TensorSpec>) -> ElementSpec {
        ElementSpec {
            specs,
            names: self.names.clone(),
        }
    }

    /// The component specs (`output_shapes` with their dtypes).
    pub fn specs(&self) -> &[TensorSpec] {
        &self.specs
    }

    /// The component dtypes (`output_types`).
    pub fn dtypes(&self) -> Vec<DType> {
        self.specs.iter().map(|s| s.dtype).collect()
    }

    /// The component static shapes (`output_shapes`).
    pub fn shapes(&self) -> Vec<PartialShape> {
        self.specs.iter().map(|s| s.shape.clone()).collect()
    }

    /// The names of a map structure.
    pub fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// The most specific spec that holds elements of both `self` and
    /// `other` (unequal dims become unknown), or an error naming `op` when
    /// the structures or dtypes differ.
    pub fn most_specific_compatible(&self, other: &ElementSpec, op: &str) -> Result<ElementSpec> {
        if self.names != other.names || self.dtypes() != other.dtypes() {
            return Err(DataError::invalid(
                op,
                format!(
                    "incompatible element structures: {:?} {:?} vs. {:?} {:?}",
                    self.names(),
                    self.dtypes(),
                    other.names(),
                    other.dtypes()
                ),
            ));
        }
        let specs = self
            .specs
            .iter()
            .zip(&other.specs)
            .map(|(a, b)| TensorSpec::new(a.dtype, relax(&a.shape, &b.shape)))
            .collect();
        Ok(self.with_specs(specs))
    }

    /// Checks that `element` has this structure and dtypes, and shapes
    /// compatible with the static shapes; `op` names the source.
    pub fn check(&self, element: &Element, op: &str) -> Result<()> {
        let ok = element.names() == self.names()
            && element.len() == self.specs.len()
            && element.tensors().iter().zip(&self.specs).all(|(t, s)| {
                t.dtype() == s.dtype && s.shape.is_compatible_with(&PartialShape::known(t.shape()))
            });
        if ok {
            return Ok(());
        }
        Err(DataError::invalid(
            op,
            format!(
                "element {} does not match the expected spec {}",
                element.spec(),
                self
            ),
        ))
    }
}

/// The names and the values of `(name, value)` pairs.
fn unzip_named<K: Into<String>, T>(
    pairs: impl IntoIterator<Item = (K, T)>,
) -> (Arc<[String]>, Vec<T>) {
    let (names, values): (Vec<String>, Vec<T>) =
        pairs.into_iter().map(|(k, t)| (k.into(), t)).unzip();
    (names.into(), values)
}

/// `a` and `b` merged: equal dims kept, differing ones unknown.
fn relax(a: &PartialShape, b: &PartialShape) -> PartialShape {
    match (a.dims(), b.dims()) {
        (Some(x), Some(y)) if x.len() == y.len() => PartialShape::from_dims(
            &x.iter()
                .zip(y)
                .map(|(p, q)| if p == q { *p } else { None })
                .collect::<Vec<_>>(),
        ),
        _ => PartialShape::unknown(),
    }
}

/// `(int64 [2], string [])`, as error messages name element structures.
impl std::fmt::Display for ElementSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .specs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let name = self
                    .names()
                    .map_or(String::new(), |n| format!("{}: ", n[i]));
                format!("{name}{} {}", s.dtype, s.shape.bracketed())
            })
            .collect();
        write!(f, "({})", parts.join(", "))
    }
}
