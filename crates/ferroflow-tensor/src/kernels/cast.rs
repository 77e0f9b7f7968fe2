//! Dtype conversion and tensor creation: `cast`, `range` and `fill`.

use super::array::{filled, scalar_item, tensor_from, with_any_type, with_room, PARALLEL_MIN};
use crate::{
    with_element_type, with_float_type, DType, Element, Result, Shape, Tensor, TensorError,
};
use rayon::prelude::*;

/// Conversion of one element with TensorFlow's (C++ `static_cast`) rules.
trait CastFrom<S>: Sized {
    fn cast_from(v: S) -> Self;
}

macro_rules! impl_cast_numeric {
    ($($from:ty),*) => {$(
        impl_cast_numeric!(@to $from => f32, f64, i32, i64, u8);
        impl CastFrom<$from> for bool {
            fn cast_from(v: $from) -> bool {
                v != (0 as $from)
            }
        }
        impl CastFrom<bool> for $from {
            fn cast_from(v: bool) -> $from {
                u8::from(v) as $from
            }
        }
    )*};
    (@to $from:ty => $($to:ty),*) => {$(
        impl CastFrom<$from> for $to {
            fn cast_from(v: $from) -> $to {
                v as $to
            }
        }
    )*};
}
impl_cast_numeric!(f32, f64, i32, i64, u8);

impl CastFrom<bool> for bool {
    fn cast_from(v: bool) -> bool {
        v
    }
}

fn cast_slice<S: Element, D: Element + CastFrom<S>>(src: &[S]) -> Vec<D> {
    if src.len() >= PARALLEL_MIN {
        src.par_iter().map(|&v| D::cast_from(v)).collect()
    } else {
        src.iter().map(|&v| D::cast_from(v)).collect()
    }
}

/// Converts `x` to `dtype`, like `tf.cast(x, dtype)`: floats to integers
/// truncate toward zero (saturating at the integer's limits, NaN gives 0),
/// integers to narrower integers wrap, numbers to bool test `!= 0`, bool to
/// numbers gives 0 or 1. Strings only cast to strings.
///
/// ```
/// use ferroflow_tensor::{kernels::cast::cast, DType, Tensor};
/// let y = cast("Cast", &Tensor::from([-1.7f32, 0.0, 2.9]), DType::I32).unwrap();
/// assert_eq!(y, Tensor::from([-1, 0, 2]));
/// assert!(cast("Cast", &Tensor::from("1.5"), DType::F32).is_err());
/// ```
pub fn cast(op: &str, x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return x.view(x.shape().clone());
    }
    let unsupported = || {
        TensorError::invalid(
            op,
            format!(
                "Cast {} to {} is not supported",
                x.dtype().name(),
                dtype.name()
            ),
        )
    };
    with_element_type!(x.dtype(),
        S => {
            let src = x.as_slice::<S>()?;
            with_element_type!(dtype,
                D => Tensor::from_vec(cast_slice::<S, D>(src), x.shape().clone()),
                _ => Err(unsupported())
            )
        },
        _ => Err(unsupported())
    )
}

/// The number of elements of `tf.range(start, limit, delta)`, computed in
/// the dtype's own arithmetic as TensorFlow does.
fn range_len(op: &str, start: f64, limit: f64, delta: f64, dtype: DType) -> Result<usize> {
    if delta == 0.0 {
        crate::bail!(op, "Requires delta != 0: {delta}");
    }
    if delta > 0.0 && start > limit {
        crate::bail!(
            op,
            "Requires start <= limit when delta > 0: {start}/{limit}"
        );
    }
    if delta < 0.0 && start < limit {
        crate::bail!(
            op,
            "Requires start >= limit when delta < 0: {start}/{limit}"
        );
    }
    let len = with_float_type!(dtype,
        T => {
            let (s, l, d) = (T::from_f64(start), T::from_f64(limit), T::from_f64(delta));
            ((l - s) / d).abs().ceil().to_f64()
        },
        _ => {
            let (s, l, d) = (start as i128, limit as i128, delta as i128);
            ((l - s).abs() + d.abs() - 1) as f64 / d.abs() as f64
        }
    );
    if len.is_nan() || len > i64::MAX as f64 {
        crate::bail!(op, "Requires ((limit - start) / delta) <= {}", i64::MAX);
    }
    Ok(len.floor() as usize)
}

/// A 1-D tensor of `start, start + delta, …` up to (excluding) `limit`, like
/// `tf.range(start, limit, delta, dtype)`. `delta` may be negative but not
/// zero; integer dtypes take the integer part of the arguments. Element `i`
/// is `start + i * delta` computed in the dtype, as TensorFlow does.
///
/// ```
/// use ferroflow_tensor::{kernels::cast::range, DType, Tensor};
/// assert_eq!(range("Range", 5.0, 1.0, -2.0, DType::I32).unwrap(), Tensor::from([5, 3]));
/// assert_eq!(range("Range", 0.0, 1.0, 0.25, DType::F32).unwrap(), Tensor::from([0.0f32, 0.25, 0.5, 0.75]));
/// assert!(range("Range", 0.0, 1.0, 0.0, DType::F32).is_err());
/// ```
pub fn range(op: &str, start: f64, limit: f64, delta: f64, dtype: DType) -> Result<Tensor> {
    let (start, limit, delta) = if dtype.is_float() {
        (start, limit, delta)
    } else {
        (start.trunc(), limit.trunc(), delta.trunc())
    };
    crate::with_numeric_type!(dtype,
        T => {
            let n = range_len(op, start, limit, delta, dtype)?;
            let mut data = with_room(op, n)?;
            if dtype.is_float() {
                let (s, d) = (T::from_f64(start), T::from_f64(delta));
                data.extend((0..n).map(|i| s + T::from_f64(i as f64) * d));
            } else {
                let (s, d) = (start as i128, delta as i128);
                data.extend((0..n as i128).map(|i| T::cast_from((s + i * d) as i64)));
            }
            Tensor::from_vec(data, [n])
        },
        _ => Err(TensorError::DType {
            op: op.into(),
            expected: "a numeric dtype".into(),
            got: dtype,
        })
    )
}

/// A tensor of `shape` with every element equal to the scalar `value`, like
/// `tf.fill(shape, value)`; any dtype, strings included.
///
/// ```
/// use ferroflow_tensor::{kernels::cast::fill, Shape, Tensor};
/// let y = fill("Fill", &Shape::from([2, 2]), &Tensor::from(7i64)).unwrap();
/// assert_eq!(y, Tensor::from([[7i64, 7], [7, 7]]));
/// ```
pub fn fill(op: &str, shape: &Shape, value: &Tensor) -> Result<Tensor> {
    if value.rank() != 0 {
        crate::bail!(
            op,
            "value must represent a scalar, got shape {}",
            value.shape()
        );
    }
    let n = shape.checked_num_elements(op)?;
    with_any_type!(value.dtype(), T => {
        let v = scalar_item::<T>(op, value, value.dtype())?;
        tensor_from(filled(op, n, v)?, shape.clone())
    })
}
