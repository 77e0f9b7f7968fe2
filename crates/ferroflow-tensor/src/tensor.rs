//! The `Tensor` value: a shape and a shared, typed, contiguous buffer.

use crate::{DType, Element, Result, Shape, Storage, TensorError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A process-unique identity given to every new tensor; copies of a handle
/// share it. Gradient tapes use it to know which tensor is which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(pub u64);

impl TensorId {
    /// A fresh identity.
    pub fn fresh() -> TensorId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TensorId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// An immutable n-dimensional array, like an eager `tf.Tensor`.
///
/// Cloning is cheap: the buffer is shared, and so is the identity.
///
/// ```
/// use ferroflow_tensor::Tensor;
/// let t = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(t.shape().dims(), &[2, 2]);
/// assert_eq!(t.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
/// ```
#[derive(Clone)]
pub struct Tensor {
    storage: Arc<Storage>,
    shape: Shape,
    id: TensorId,
}

impl Tensor {
    /// A tensor over `storage` with `shape`; errors if the sizes differ.
    pub fn new(storage: Storage, shape: impl Into<Shape>) -> Result<Tensor> {
        crate::memory::keep_freed_memory();
        let shape = shape.into();
        let expected = shape.checked_num_elements("Tensor")?;
        if storage.len() != expected {
            return Err(TensorError::ElementCount {
                op: "Tensor".into(),
                len: storage.len(),
                shape,
                expected,
            });
        }
        Ok(Tensor {
            storage: Arc::new(storage),
            shape,
            id: TensorId::fresh(),
        })
    }

    /// A tensor from a vector of elements and a shape.
    ///
    /// ```
    /// use ferroflow_tensor::Tensor;
    /// let t = Tensor::from_vec(vec![1i32, 2, 3, 4, 5, 6], [2, 3]).unwrap();
    /// assert_eq!(t.to_string(), "tf.Tensor(\n[[1 2 3]\n [4 5 6]], shape=(2, 3), dtype=int32)");
    /// assert!(Tensor::from_vec(vec![1i32, 2], [3]).is_err());
    /// ```
    pub fn from_vec<T: Element>(data: Vec<T>, shape: impl Into<Shape>) -> Result<Tensor> {
        Tensor::new(T::into_storage(data), shape)
    }

    /// A tensor whose buffer is `storage` already wrapped in an `Arc`.
    pub fn from_shared(storage: Arc<Storage>, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        if storage.len() != shape.num_elements() {
            return Err(TensorError::ElementCount {
                op: "Tensor".into(),
                len: storage.len(),
                shape: shape.clone(),
                expected: shape.num_elements(),
            });
        }
        Ok(Tensor {
            storage,
            shape,
            id: TensorId::fresh(),
        })
    }

    /// A rank-0 tensor.
    pub fn scalar<T: Element>(value: T) -> Tensor {
        Tensor::from_vec(vec![value], Shape::scalar()).expect("one value fills shape ()")
    }

    /// A string tensor of the given shape.
    pub fn from_strings<S: AsRef<[u8]>>(values: &[S], shape: impl Into<Shape>) -> Result<Tensor> {
        let data = values.iter().map(|s| s.as_ref().to_vec()).collect();
        Tensor::new(Storage::String(data), shape)
    }

    /// A tensor of `shape` filled with zeros (false, empty strings).
    pub fn zeros(dtype: DType, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        let n = shape.checked_num_elements("Zeros")?;
        Tensor::new(Storage::zeros(dtype, n), shape)
    }

    /// A tensor of `shape` filled with `value`.
    pub fn full<T: Element>(value: T, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        let n = shape.checked_num_elements("Fill")?;
        Tensor::from_vec(vec![value; n], shape)
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.storage.dtype()
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The dimensions, shorthand for `shape().dims()`.
    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }

    /// Number of elements.
    pub fn num_elements(&self) -> usize {
        self.storage.len()
    }

    /// The identity shared by clones of this handle.
    pub fn id(&self) -> TensorId {
        self.id
    }

    /// The shared buffer.
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }

    /// Borrows the elements as a slice of `T`, or errors on another dtype.
    pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
        T::slice(&self.storage).ok_or_else(|| TensorError::DType {
            op: "as_slice".into(),
            expected: T::DTYPE.name().into(),
            got: self.dtype(),
        })
    }

    /// Copies the elements into a vector of `T`.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        Ok(self.as_slice::<T>()?.to_vec())
    }

    /// The elements as a mutable slice of `T`, for kernels that update a
    /// value in place (an optimizer's step on its variable). Copy-on-write:
    /// a buffer shared with another tensor is copied first, so that one keeps
    /// the old values; this tensor takes a fresh identity, being a new value.
    ///
    /// ```
    /// use ferroflow_tensor::Tensor;
    /// let old = Tensor::from([1.0f32, 2.0]);
    /// let mut new = old.clone();
    /// new.make_mut::<f32>().unwrap()[0] = 5.0;
    /// assert_eq!(new.to_vec::<f32>().unwrap(), vec![5.0, 2.0]);
    /// assert_eq!(old.to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
    /// assert_ne!(new.id(), old.id());
    /// assert!(new.make_mut::<i32>().is_err());
    /// ```
    pub fn make_mut<T: Element>(&mut self) -> Result<&mut [T]> {
        let dtype = self.dtype();
        let err = || TensorError::DType {
            op: "make_mut".into(),
            expected: T::DTYPE.name().into(),
            got: dtype,
        };
        if dtype != T::DTYPE {
            return Err(err());
        }
        self.id = TensorId::fresh();
        T::slice_mut(Arc::make_mut(&mut self.storage)).ok_or_else(err)
    }

    /// Takes the elements out, copying only when the buffer is shared.
    pub fn into_vec<T: Element>(self) -> Result<Vec<T>> {
        let dtype = self.dtype();
        let err = || TensorError::DType {
            op: "into_vec".into(),
            expected: T::DTYPE.name().into(),
            got: dtype,
        };
        match Arc::try_unwrap(self.storage) {
            Ok(storage) => T::from_storage(storage).ok_or_else(err),
            Err(shared) => T::slice(&shared).map(|s| s.to_vec()).ok_or_else(err),
        }
    }

    /// The byte strings of a string tensor.
    pub fn as_strings(&self) -> Result<&[Vec<u8>]> {
        match &*self.storage {
            Storage::String(v) => Ok(v),
            _ => Err(TensorError::DType {
                op: "as_strings".into(),
                expected: "string".into(),
                got: self.dtype(),
            }),
        }
    }

    /// The value of a one-element tensor.
    pub fn to_scalar<T: Element>(&self) -> Result<T> {
        let s = self.as_slice::<T>()?;
        if s.len() != 1 {
            return Err(TensorError::invalid(
                "to_scalar",
                format!(
                    "expected a tensor with one element, got shape {}",
                    self.shape
                ),
            ));
        }
        Ok(s[0])
    }

    /// The same value under another identity. Variables use it so that every
    /// read of one variable is the same source to a gradient tape.
    pub fn with_id(&self, id: TensorId) -> Tensor {
        Tensor {
            storage: self.storage.clone(),
            shape: self.shape.clone(),
            id,
        }
    }

    /// A view of the same buffer with `shape`, which must hold as many elements.
    pub(crate) fn with_shape(&self, shape: Shape) -> Tensor {
        debug_assert_eq!(shape.num_elements(), self.num_elements());
        Tensor {
            storage: self.storage.clone(),
            shape,
            id: TensorId::fresh(),
        }
    }

    /// A view with `shape` if it holds as many elements, else an error (no
    /// data is copied). The op `reshape` in `ferroflow-core` records itself
    /// for gradients; this does not.
    ///
    /// ```
    /// use ferroflow_tensor::Tensor;
    /// let t = Tensor::from_vec((0..6).collect::<Vec<i64>>(), [6]).unwrap();
    /// assert_eq!(t.view([3, 2]).unwrap().dims(), &[3, 2]);
    /// assert!(t.view([4, 2]).is_err());
    /// ```
    pub fn view(&self, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        if shape.num_elements() != self.num_elements() {
            return Err(TensorError::invalid(
                "Reshape",
                format!(
                    "Input to reshape is a tensor with {} values, but the requested shape has {}",
                    self.num_elements(),
                    shape.num_elements()
                ),
            ));
        }
        Ok(self.with_shape(shape))
    }

    /// True if every element of `self` and `other` is within
    /// `atol + rtol * |other|` (and the shapes and dtypes agree).
    pub fn allclose(&self, other: &Tensor, rtol: f64, atol: f64) -> bool {
        if self.shape != other.shape || self.dtype() != other.dtype() {
            return false;
        }
        let (Ok(a), Ok(b)) = (self.to_f64_vec(), other.to_f64_vec()) else {
            return self.storage == other.storage;
        };
        a.iter().zip(&b).all(|(x, y)| {
            (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= atol + rtol * y.abs()
        })
    }

    /// The elements converted to f64 (any fixed-size dtype).
    pub fn to_f64_vec(&self) -> Result<Vec<f64>> {
        crate::with_element_type!(self.dtype(),
            T => Ok(self.as_slice::<T>()?.iter().map(|v| v.to_f64()).collect()),
            _ => Err(TensorError::DType {
                op: "to_f64_vec".into(),
                expected: "a numeric or bool dtype".into(),
                got: self.dtype(),
            })
        )
    }
}

impl Tensor {
    /// Iterates over the first dimension, like `for row in tensor:` in Python:
    /// each item is a copy of one sub-tensor (rank - 1). Scalars yield nothing.
    /// Not recorded by gradient tapes; use the `unstack` op for that.
    ///
    /// ```
    /// use ferroflow_tensor::Tensor;
    /// let t = Tensor::from([[1, 2], [3, 4]]);
    /// let rows: Vec<Vec<i32>> = t.iter().map(|r| r.to_vec().unwrap()).collect();
    /// assert_eq!(rows, vec![vec![1, 2], vec![3, 4]]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Tensor> + '_ {
        let n = if self.rank() == 0 { 0 } else { self.dims()[0] };
        let inner = Shape::new(self.dims().get(1..).unwrap_or(&[]).to_vec());
        let len = inner.num_elements();
        (0..n).map(move |i| {
            let storage = slice_storage(&self.storage, i * len, len);
            Tensor::new(storage, inner.clone()).expect("a row of a valid tensor has the row's size")
        })
    }
}

/// Copies `len` elements starting at `start` out of a buffer.
fn slice_storage(s: &Storage, start: usize, len: usize) -> Storage {
    let r = start..start + len;
    match s {
        Storage::F32(v) => Storage::F32(v[r].to_vec()),
        Storage::F64(v) => Storage::F64(v[r].to_vec()),
        Storage::I32(v) => Storage::I32(v[r].to_vec()),
        Storage::I64(v) => Storage::I64(v[r].to_vec()),
        Storage::U8(v) => Storage::U8(v[r].to_vec()),
        Storage::Bool(v) => Storage::Bool(v[r].to_vec()),
        Storage::String(v) => Storage::String(v[r].to_vec()),
    }
}

/// The shape `dims` asks for, with one `-1` inferred from `from`'s size.
pub fn resolve_reshape(from: &Shape, dims: &[i64]) -> Result<Shape> {
    let total = from.num_elements();
    let mut known = 1usize;
    let mut infer = None;
    for (i, &d) in dims.iter().enumerate() {
        match d {
            -1 if infer.is_none() => infer = Some(i),
            -1 => crate::bail!(
                "Reshape",
                "only one input size may be -1, not both {} and {i}",
                infer.unwrap_or(0)
            ),
            d if d < 0 => crate::bail!("Reshape", "size {i} must be non-negative, not {d}"),
            d => {
                known = known.checked_mul(d as usize).ok_or_else(|| {
                    TensorError::invalid("Reshape", format!("shape {dims:?} is too large"))
                })?
            }
        }
    }
    let mut out: Vec<usize> = dims.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            crate::bail!(
                "Reshape",
                "Input to reshape is a tensor with {total} values, but the requested shape requires a multiple of {known}"
            );
        }
        out[i] = total / known;
    } else if known != total {
        crate::bail!(
            "Reshape",
            "Input to reshape is a tensor with {total} values, but the requested shape has {known}"
        );
    }
    Ok(Shape::new(out))
}

impl PartialEq for Tensor {
    /// Same dtype, shape and elements (identity is ignored).
    fn eq(&self, other: &Tensor) -> bool {
        self.shape == other.shape && self.storage == other.storage
    }
}

macro_rules! impl_from_scalar {
    ($($t:ty),*) => {$(
        impl From<$t> for Tensor {
            fn from(v: $t) -> Tensor {
                Tensor::scalar(v)
            }
        }
        impl From<Vec<$t>> for Tensor {
            fn from(v: Vec<$t>) -> Tensor {
                let n = v.len();
                Tensor::from_vec(v, [n]).expect("a vector fills its own length")
            }
        }
        impl From<&[$t]> for Tensor {
            fn from(v: &[$t]) -> Tensor {
                Tensor::from(v.to_vec())
            }
        }
        impl<const N: usize> From<[$t; N]> for Tensor {
            fn from(v: [$t; N]) -> Tensor {
                Tensor::from(v.to_vec())
            }
        }
        impl<const N: usize, const M: usize> From<[[$t; M]; N]> for Tensor {
            fn from(v: [[$t; M]; N]) -> Tensor {
                let data: Vec<$t> = v.iter().flatten().copied().collect();
                Tensor::from_vec(data, [N, M]).expect("nested arrays fill their shape")
            }
        }
        impl<const N: usize, const M: usize, const K: usize> From<[[[$t; K]; M]; N]> for Tensor {
            fn from(v: [[[$t; K]; M]; N]) -> Tensor {
                let data: Vec<$t> = v.iter().flatten().flatten().copied().collect();
                Tensor::from_vec(data, [N, M, K]).expect("nested arrays fill their shape")
            }
        }
    )*};
}
impl_from_scalar!(f32, f64, i32, i64, u8, bool);

impl From<&str> for Tensor {
    fn from(v: &str) -> Tensor {
        Tensor::from_strings(&[v], Shape::scalar()).expect("one string fills shape ()")
    }
}

impl From<Vec<&str>> for Tensor {
    fn from(v: Vec<&str>) -> Tensor {
        let n = v.len();
        Tensor::from_strings(&v, [n]).expect("a vector fills its own length")
    }
}
