//! Static facts about a tensor known before it is computed: dtype and a
//! shape whose rank or dimensions may be unknown (`(?, 10)`).

use crate::{Error, Result};
use ferroflow_tensor::{DType, Shape, Tensor};
use std::fmt;

/// A shape that may be only partly known, like TensorFlow's `TensorShape`:
/// unknown rank, or known rank with some unknown (`None`) dimensions.
///
/// ```
/// use ferroflow_core::PartialShape;
/// let s = PartialShape::from_dims(&[None, Some(10)]);
/// assert_eq!(s.to_string(), "(?, 10)");
/// assert!(s.is_compatible_with(&PartialShape::from_dims(&[Some(5), Some(10)])));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PartialShape(Option<Vec<Option<usize>>>);

impl PartialShape {
    /// A shape of unknown rank.
    pub fn unknown() -> Self {
        PartialShape(None)
    }

    /// A shape of known rank with the given (possibly unknown) dimensions.
    pub fn from_dims(dims: &[Option<usize>]) -> Self {
        PartialShape(Some(dims.to_vec()))
    }

    /// A fully known shape.
    pub fn known(shape: &Shape) -> Self {
        PartialShape(Some(shape.dims().iter().map(|&d| Some(d)).collect()))
    }

    /// A known rank with every dimension unknown.
    pub fn unknown_dims(rank: usize) -> Self {
        PartialShape(Some(vec![None; rank]))
    }

    /// The dimensions, if the rank is known.
    pub fn dims(&self) -> Option<&[Option<usize>]> {
        self.0.as_deref()
    }

    /// The rank, if known.
    pub fn rank(&self) -> Option<usize> {
        self.0.as_ref().map(|d| d.len())
    }

    /// The full shape, if every dimension is known.
    pub fn to_shape(&self) -> Option<Shape> {
        let dims = self.0.as_ref()?;
        dims.iter()
            .copied()
            .collect::<Option<Vec<usize>>>()
            .map(Shape::new)
    }

    /// True when rank and all dimensions are known.
    pub fn is_fully_defined(&self) -> bool {
        self.to_shape().is_some()
    }

    /// True if some tensor could have both shapes.
    pub fn is_compatible_with(&self, other: &PartialShape) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| match (x, y) {
                        (Some(x), Some(y)) => x == y,
                        _ => true,
                    })
            }
            _ => true,
        }
    }

    /// The most specific shape compatible with both (TensorFlow's
    /// `merge_with`, used by `set_shape`); an error if they conflict.
    pub fn merge_with(&self, other: &PartialShape) -> Result<PartialShape> {
        if !self.is_compatible_with(other) {
            return Err(Error::invalid(
                "merge_with",
                format!("Shapes {self} and {other} are incompatible"),
            ));
        }
        Ok(match (&self.0, &other.0) {
            (Some(a), Some(b)) => {
                PartialShape(Some(a.iter().zip(b).map(|(x, y)| x.or(*y)).collect()))
            }
            (Some(_), None) => self.clone(),
            _ => other.clone(),
        })
    }

    /// NumPy broadcasting of partly known shapes; unknown dimensions stay
    /// unknown unless the other side decides them.
    pub fn broadcast(op: &str, a: &PartialShape, b: &PartialShape) -> Result<PartialShape> {
        let (Some(x), Some(y)) = (&a.0, &b.0) else {
            return Ok(PartialShape::unknown());
        };
        let rank = x.len().max(y.len());
        let at = |v: &Vec<Option<usize>>, i: usize| -> Option<usize> {
            let k = rank - 1 - i;
            if k < v.len() {
                v[v.len() - 1 - k]
            } else {
                Some(1)
            }
        };
        let mut out = Vec::with_capacity(rank);
        for i in 0..rank {
            out.push(match (at(x, i), at(y, i)) {
                (Some(p), Some(q)) if p == q => Some(p),
                (Some(1), q) => q,
                (p, Some(1)) => p,
                (Some(_), Some(_)) => {
                    return Err(Error::invalid(
                        op,
                        format!(
                            "Incompatible shapes: {} vs. {}",
                            a.bracketed(),
                            b.bracketed()
                        ),
                    ))
                }
                (Some(p), None) | (None, Some(p)) => Some(p),
                (None, None) => None,
            });
        }
        Ok(PartialShape(Some(out)))
    }

    /// TensorFlow's bracketed form used in error messages: `[2,?]`, `<unknown>`.
    pub fn bracketed(&self) -> String {
        match &self.0 {
            None => "<unknown>".into(),
            Some(d) => format!("[{}]", d.iter().map(dim_str).collect::<Vec<_>>().join(",")),
        }
    }
}

fn dim_str(d: &Option<usize>) -> String {
    d.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
}

impl fmt::Display for PartialShape {
    /// Python's `TensorShape` repr: `(?, 10)`, `(3,)`, `()`, `<unknown>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("<unknown>"),
            Some(d) if d.len() == 1 => write!(f, "({},)", dim_str(&d[0])),
            Some(d) => write!(
                f,
                "({})",
                d.iter().map(dim_str).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl From<&[Option<usize>]> for PartialShape {
    fn from(d: &[Option<usize>]) -> Self {
        PartialShape::from_dims(d)
    }
}

impl<const N: usize> From<[Option<usize>; N]> for PartialShape {
    fn from(d: [Option<usize>; N]) -> Self {
        PartialShape::from_dims(&d)
    }
}

impl<const N: usize> From<&[Option<usize>; N]> for PartialShape {
    fn from(d: &[Option<usize>; N]) -> Self {
        PartialShape::from_dims(d)
    }
}

impl From<&Shape> for PartialShape {
    fn from(s: &Shape) -> Self {
        PartialShape::known(s)
    }
}

/// What is known of a tensor before it runs: its dtype and partial shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TensorSpec {
    pub dtype: DType,
    pub shape: PartialShape,
}

impl TensorSpec {
    /// A spec with a partly known shape.
    pub fn new(dtype: DType, shape: PartialShape) -> Self {
        TensorSpec { dtype, shape }
    }

    /// The exact spec of a computed tensor.
    pub fn of(t: &Tensor) -> Self {
        TensorSpec {
            dtype: t.dtype(),
            shape: PartialShape::known(t.shape()),
        }
    }
}
