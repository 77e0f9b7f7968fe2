//! Data types and the element traits kernels are generic over.

use crate::storage::Storage;
use std::fmt;

/// The element type of a tensor, named as in TensorFlow (`tf.float32`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F64,
    I32,
    I64,
    U8,
    Bool,
    /// Byte strings (`tf.string`).
    String,
}

impl DType {
    /// TensorFlow's Python name: `float32`, `int64`, `bool`, `string`, …
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::Bool => "bool",
            DType::String => "string",
        }
    }

    /// True for f32 and f64.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// True for i32, i64 and u8.
    pub fn is_integer(self) -> bool {
        matches!(self, DType::I32 | DType::I64 | DType::U8)
    }

    /// True for every dtype that supports arithmetic (floats and integers).
    pub fn is_numeric(self) -> bool {
        self.is_float() || self.is_integer()
    }

    /// Size of one element in bytes (strings: 0, they are variable-length).
    pub fn size_of(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::U8 | DType::Bool => 1,
            DType::String => 0,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fixed-size element type that a tensor can hold (every dtype but string).
pub trait Element: Copy + Send + Sync + PartialEq + PartialOrd + fmt::Debug + 'static {
    /// The matching [`DType`].
    const DTYPE: DType;
    /// Borrows the storage's data if it holds this type.
    fn slice(storage: &Storage) -> Option<&[Self]>;
    /// Borrows the storage's data mutably if it holds this type.
    fn slice_mut(storage: &mut Storage) -> Option<&mut [Self]>;
    /// Wraps a vector into storage.
    fn into_storage(data: Vec<Self>) -> Storage;
    /// Unwraps storage that holds this type.
    fn from_storage(storage: Storage) -> Option<Vec<Self>>;
    /// Zero (false for bool).
    fn zero() -> Self;
    /// One (true for bool).
    fn one() -> Self;
    /// Conversion from f64 with TensorFlow's cast rules (truncation toward zero
    /// for integers, non-zero is true for bool).
    fn from_f64(v: f64) -> Self;
    /// Conversion to f64.
    fn to_f64(self) -> f64;
}

/// Element types with arithmetic: f32, f64, i32, i64, u8.
pub trait NumElement:
    Element
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::AddAssign
{
    /// The smallest value of the type (−∞ for floats).
    const MIN: Self;
    /// The largest value of the type (+∞ for floats).
    const MAX: Self;
}

/// Floating-point element types: f32 and f64.
pub trait FloatElement:
    NumElement + std::ops::Div<Output = Self> + std::ops::Neg<Output = Self>
{
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn ln_1p(self) -> Self;
    fn sqrt(self) -> Self;
    fn tanh(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn powf(self, e: Self) -> Self;
    fn abs(self) -> Self;
    fn floor(self) -> Self;
    fn ceil(self) -> Self;
    fn is_nan(self) -> bool;
}

macro_rules! impl_element {
    ($t:ty, $dt:ident, $zero:expr, $one:expr, $from:expr, $to:expr) => {
        impl Element for $t {
            const DTYPE: DType = DType::$dt;
            fn slice(storage: &Storage) -> Option<&[Self]> {
                match storage {
                    Storage::$dt(v) => Some(v),
                    _ => None,
                }
            }
            fn slice_mut(storage: &mut Storage) -> Option<&mut [Self]> {
                match storage {
                    Storage::$dt(v) => Some(v),
                    _ => None,
                }
            }
            fn into_storage(data: Vec<Self>) -> Storage {
                Storage::$dt(data)
            }
            fn from_storage(storage: Storage) -> Option<Vec<Self>> {
                match storage {
                    Storage::$dt(v) => Some(v),
                    _ => None,
                }
            }
            fn zero() -> Self {
                $zero
            }
            fn one() -> Self {
                $one
            }
            #[allow(clippy::redundant_closure_call)]
            fn from_f64(v: f64) -> Self {
                ($from)(v)
            }
            #[allow(clippy::redundant_closure_call)]
            fn to_f64(self) -> f64 {
                ($to)(self)
            }
        }
    };
}

impl_element!(f32, F32, 0.0, 1.0, |v: f64| v as f32, |v: f32| v as f64);
impl_element!(f64, F64, 0.0, 1.0, |v: f64| v, |v: f64| v);
impl_element!(i32, I32, 0, 1, |v: f64| v as i32, |v: i32| v as f64);
impl_element!(i64, I64, 0, 1, |v: f64| v as i64, |v: i64| v as f64);
impl_element!(u8, U8, 0, 1, |v: f64| v as u8, |v: u8| v as f64);
impl_element!(bool, Bool, false, true, |v: f64| v != 0.0, |v: bool| if v {
    1.0
} else {
    0.0
});

macro_rules! impl_num {
    ($t:ty, $min:expr, $max:expr) => {
        impl NumElement for $t {
            const MIN: Self = $min;
            const MAX: Self = $max;
        }
    };
}
impl_num!(f32, f32::NEG_INFINITY, f32::INFINITY);
impl_num!(f64, f64::NEG_INFINITY, f64::INFINITY);
impl_num!(i32, i32::MIN, i32::MAX);
impl_num!(i64, i64::MIN, i64::MAX);
impl_num!(u8, u8::MIN, u8::MAX);

macro_rules! impl_float {
    ($t:ty) => {
        impl FloatElement for $t {
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            fn ln_1p(self) -> Self {
                <$t>::ln_1p(self)
            }
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            fn powf(self, e: Self) -> Self {
                <$t>::powf(self, e)
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            fn floor(self) -> Self {
                <$t>::floor(self)
            }
            fn ceil(self) -> Self {
                <$t>::ceil(self)
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
        }
    };
}
impl_float!(f32);
impl_float!(f64);

/// Runs `$body` with `$T` bound to the Rust type of a numeric dtype
/// (f32, f64, i32, i64, u8); other dtypes evaluate `$other`.
///
/// ```
/// use ferroflow_tensor::{with_numeric_type, DType};
/// let size = with_numeric_type!(DType::F64, T => std::mem::size_of::<T>(), _ => 0);
/// assert_eq!(size, 8);
/// ```
#[macro_export]
macro_rules! with_numeric_type {
    ($dtype:expr, $T:ident => $body:expr, _ => $other:expr) => {
        match $dtype {
            $crate::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DType::F64 => {
                type $T = f64;
                $body
            }
            $crate::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::DType::U8 => {
                type $T = u8;
                $body
            }
            _ => $other,
        }
    };
}

/// Like [`with_numeric_type!`] for f32 and f64 only.
#[macro_export]
macro_rules! with_float_type {
    ($dtype:expr, $T:ident => $body:expr, _ => $other:expr) => {
        match $dtype {
            $crate::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DType::F64 => {
                type $T = f64;
                $body
            }
            _ => $other,
        }
    };
}

/// Like [`with_numeric_type!`] but also binds bool (every fixed-size dtype).
#[macro_export]
macro_rules! with_element_type {
    ($dtype:expr, $T:ident => $body:expr, _ => $other:expr) => {
        match $dtype {
            $crate::DType::Bool => {
                type $T = bool;
                $body
            }
            other => $crate::with_numeric_type!(other, $T => $body, _ => $other),
        }
    };
}
