//! Arithmetic that kernels may apply to user data without panicking:
//! integers wrap on overflow as in TensorFlow, floats follow IEEE 754.

use crate::NumElement;

/// Addition, multiplication and division by a count for the numeric dtypes,
/// wrapping on integer overflow (`tf.reduce_sum([2**31 - 1, 1])` is `-2**31`).
///
/// ```
/// use ferroflow_tensor::kernels::arith::Arith;
/// assert_eq!(Arith::wrapping_add(i32::MAX, 1), i32::MIN);
/// assert_eq!(7i64.div_count(2), 3);
/// assert_eq!(Arith::wrapping_mul(1.5f32, 2.0), 3.0);
/// ```
pub trait Arith: NumElement {
    /// `self + other`, wrapping for integers.
    fn wrapping_add(self, other: Self) -> Self;
    /// `self * other`, wrapping for integers.
    fn wrapping_mul(self, other: Self) -> Self;
    /// `self / n` (integer division truncates toward zero; an integer divided
    /// by a count of 0 gives 0, as `tf.reduce_mean` of an empty int tensor).
    fn div_count(self, n: usize) -> Self;
}

macro_rules! impl_int {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn wrapping_add(self, other: Self) -> Self {
                <$t>::wrapping_add(self, other)
            }
            fn wrapping_mul(self, other: Self) -> Self {
                <$t>::wrapping_mul(self, other)
            }
            fn div_count(self, n: usize) -> Self {
                match <$t>::try_from(n) {
                    Ok(0) => 0,
                    Ok(n) => self.wrapping_div(n),
                    // The count exceeds the type's range, so |self / n| < 1.
                    Err(_) => 0,
                }
            }
        }
    )*};
}
impl_int!(i32, i64, u8);

macro_rules! impl_float {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn wrapping_add(self, other: Self) -> Self {
                self + other
            }
            fn wrapping_mul(self, other: Self) -> Self {
                self * other
            }
            fn div_count(self, n: usize) -> Self {
                self / n as $t
            }
        }
    )*};
}
impl_float!(f32, f64);
