//! Tensor shapes, axis normalisation and NumPy broadcasting.

use crate::{Result, TensorError};
use std::fmt;

/// The dimensions of a tensor, outermost first (row-major).
///
/// ```
/// use ferroflow_tensor::Shape;
/// let s = Shape::from([2, 3]);
/// assert_eq!((s.rank(), s.num_elements()), (2, 6));
/// assert_eq!(s.to_string(), "[2,3]");
/// assert_eq!(s.to_tuple_string(), "(2, 3)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(Vec<usize>);

impl Shape {
    /// A shape from its dimensions.
    pub fn new(dims: Vec<usize>) -> Self {
        Shape(dims)
    }

    /// The shape of a scalar, `()`.
    pub fn scalar() -> Self {
        Shape(Vec::new())
    }

    /// The dimensions.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.0.len()
    }

    /// Product of the dimensions (1 for a scalar).
    pub fn num_elements(&self) -> usize {
        self.0.iter().product()
    }

    /// Row-major strides in elements.
    pub fn strides(&self) -> Vec<usize> {
        let mut strides = vec![1; self.0.len()];
        for i in (0..self.0.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * self.0[i + 1];
        }
        strides
    }

    /// Python's tuple form: `()`, `(3,)`, `(2, 3)`.
    pub fn to_tuple_string(&self) -> String {
        match self.0.len() {
            0 => "()".to_string(),
            1 => format!("({},)", self.0[0]),
            _ => {
                let parts: Vec<String> = self.0.iter().map(|d| d.to_string()).collect();
                format!("({})", parts.join(", "))
            }
        }
    }

    /// Turns a possibly negative axis into an index in `0..rank`, as
    /// TensorFlow does (`-1` is the last axis).
    pub fn normalize_axis(&self, op: &str, axis: i64) -> Result<usize> {
        normalize_axis(op, axis, self.rank())
    }

    /// Total element count, refusing shapes whose product overflows.
    pub fn checked_num_elements(&self, op: &str) -> Result<usize> {
        self.0
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| TensorError::invalid(op, format!("shape {self} has too many elements")))
    }
}

/// Maps `axis` in `[-rank, rank)` to `0..rank`, or errors naming `op`.
pub fn normalize_axis(op: &str, axis: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(TensorError::OutOfRange {
            op: op.to_string(),
            what: "axis".into(),
            index: axis,
            lo: -r,
            hi: r,
        });
    }
    Ok(if axis < 0 {
        (axis + r) as usize
    } else {
        axis as usize
    })
}

/// The broadcast shape of `a` and `b` under NumPy's rule: align trailing
/// dimensions; each pair must be equal or contain a 1.
///
/// ```
/// use ferroflow_tensor::{broadcast_shapes, Shape};
/// let s = broadcast_shapes("Add", &Shape::from([2, 1, 3]), &Shape::from([4, 1])).unwrap();
/// assert_eq!(s, Shape::from([2, 4, 3]));
/// assert!(broadcast_shapes("Add", &Shape::from([2, 3]), &Shape::from([4])).is_err());
/// ```
pub fn broadcast_shapes(op: &str, a: &Shape, b: &Shape) -> Result<Shape> {
    if a == b {
        return Ok(a.clone());
    }
    let rank = a.rank().max(b.rank());
    let mut out = vec![0; rank];
    for (i, slot) in out.iter_mut().enumerate() {
        let da = dim_from_end(a, rank - 1 - i);
        let db = dim_from_end(b, rank - 1 - i);
        *slot = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(TensorError::IncompatibleShapes {
                    op: op.to_string(),
                    lhs: a.clone(),
                    rhs: b.clone(),
                })
            }
        };
    }
    Ok(Shape(out))
}

fn dim_from_end(s: &Shape, k: usize) -> usize {
    if k < s.rank() {
        s.0[s.rank() - 1 - k]
    } else {
        1
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|d| d.to_string()).collect();
        write!(f, "[{}]", parts.join(","))
    }
}

impl From<Vec<usize>> for Shape {
    fn from(v: Vec<usize>) -> Self {
        Shape(v)
    }
}

impl From<&[usize]> for Shape {
    fn from(v: &[usize]) -> Self {
        Shape(v.to_vec())
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    fn from(v: [usize; N]) -> Self {
        Shape(v.to_vec())
    }
}

impl From<()> for Shape {
    fn from(_: ()) -> Self {
        Shape::scalar()
    }
}
