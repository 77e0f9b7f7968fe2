//! Random words to samples, as TensorFlow's `random_distributions.h`.
//!
//! Each distribution turns one Philox block (four words) into a fixed group of
//! outputs, except the truncated normal, which draws words one at a time until
//! its group is full. [`super::fill`] lays the groups out over a buffer.

use super::philox::SingleSample;

/// A float in [0, 1) from the low 23 bits of `x` (`Uint32ToFloat`): the bits
/// become the mantissa of a float in [1, 2), then 1 is subtracted.
pub fn uint32_to_float(x: u32) -> f32 {
    f32::from_bits((127 << 23) | (x & 0x7f_ffff)) - 1.0
}

/// A double in [0, 1) from 52 bits of `x0:x1` (`Uint64ToDouble`).
pub fn uint64_to_double(x0: u32, x1: u32) -> f64 {
    let mantissa = (u64::from(x0 & 0xf_ffff) << 32) | u64::from(x1);
    f64::from_bits((1023 << 52) | mantissa) - 1.0
}

/// Two standard normal floats from two words (`BoxMullerFloat`).
pub fn box_muller_f32(x0: u32, x1: u32) -> [f32; 2] {
    let u1 = uint32_to_float(x0).max(1.0e-7);
    // TensorFlow multiplies by the double `M_PI`, so the angle is computed in
    // double precision and rounded once.
    let v1 = (2.0 * std::f64::consts::PI * f64::from(uint32_to_float(x1))) as f32;
    let u2 = (-2.0f32 * u1.ln()).sqrt();
    [v1.sin() * u2, v1.cos() * u2]
}

/// Two standard normal doubles from four words (`BoxMullerDouble`).
pub fn box_muller_f64(x0: u32, x1: u32, x2: u32, x3: u32) -> [f64; 2] {
    let u1 = uint64_to_double(x0, x1).max(1.0e-7);
    let v1 = 2.0 * std::f64::consts::PI * uint64_to_double(x2, x3);
    let u2 = (-2.0 * u1.ln()).sqrt();
    [v1.sin() * u2, v1.cos() * u2]
}

/// Uniform f32 in [0, 1): four per block.
pub fn uniform_f32(b: [u32; 4]) -> [f32; 4] {
    b.map(uint32_to_float)
}

/// Uniform f64 in [0, 1): two per block.
pub fn uniform_f64(b: [u32; 4]) -> [f64; 2] {
    [uint64_to_double(b[0], b[1]), uint64_to_double(b[2], b[3])]
}

/// Standard normal f32: four per block.
pub fn normal_f32(b: [u32; 4]) -> [f32; 4] {
    let [n0, n1] = box_muller_f32(b[0], b[1]);
    let [n2, n3] = box_muller_f32(b[2], b[3]);
    [n0, n1, n2, n3]
}

/// Standard normal f64: two per block.
pub fn normal_f64(b: [u32; 4]) -> [f64; 2] {
    box_muller_f64(b[0], b[1], b[2], b[3])
}

/// Integers uniform in `[lo, lo + range)` by modulo of the range
/// (`UniformDistribution<int32/int64>`). `range` is `hi - lo` in the
/// unsigned type, so it never overflows.
#[derive(Debug, Clone, Copy)]
pub struct UniformInt {
    lo: i64,
    range: u64,
}

impl UniformInt {
    /// The distribution over `[lo, hi)`; the caller checks `lo < hi`.
    pub fn new(lo: i64, hi: i64) -> Self {
        UniformInt {
            lo,
            range: (hi as u64).wrapping_sub(lo as u64),
        }
    }

    /// Four i32 per block, one word each.
    pub fn sample_i32(&self, b: [u32; 4]) -> [i32; 4] {
        let range = self.range as u32;
        b.map(|x| (self.lo as i32).wrapping_add((x % range) as i32))
    }

    /// Two i64 per block, two words each (low word first).
    pub fn sample_i64(&self, b: [u32; 4]) -> [i64; 2] {
        let bits = |lo: u32, hi: u32| u64::from(lo) | (u64::from(hi) << 32);
        [bits(b[0], b[1]), bits(b[2], b[3])].map(|x| self.lo.wrapping_add((x % self.range) as i64))
    }
}

/// Normal draws with |x| < 2, `G` of them, from a fresh word stream
/// (`TruncatedNormalDistribution`): each Box–Muller pair is made, and each of
/// its values kept only if inside the bound.
fn truncated<T: Copy + Default, const G: usize>(
    mut pair: impl FnMut() -> [T; 2],
    inside: impl Fn(T) -> bool,
) -> [T; G] {
    let mut out = [T::default(); G];
    let mut n = 0;
    loop {
        for v in pair() {
            if inside(v) {
                out[n] = v;
                n += 1;
                if n == G {
                    return out;
                }
            }
        }
    }
}

/// Four truncated standard normal f32.
pub fn truncated_normal_f32(s: &mut SingleSample) -> [f32; 4] {
    truncated(
        || box_muller_f32(s.next_u32(), s.next_u32()),
        |v: f32| v.abs() < 2.0,
    )
}

/// Two truncated standard normal f64.
pub fn truncated_normal_f64(s: &mut SingleSample) -> [f64; 2] {
    truncated(
        || box_muller_f64(s.next_u32(), s.next_u32(), s.next_u32(), s.next_u32()),
        |v: f64| v.abs() < 2.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_floats_use_the_mantissa_bits() {
        assert_eq!(uint32_to_float(0), 0.0);
        assert_eq!(uint32_to_float(0xff80_0000), 0.0);
        assert_eq!(uint32_to_float(0x40_0000), 0.5);
        assert_eq!(uint32_to_float(u32::MAX), 1.0 - f32::EPSILON);
        assert_eq!(uint64_to_double(0x8_0000, 0), 0.5);
        assert_eq!(uint64_to_double(u32::MAX, u32::MAX), 1.0 - f64::EPSILON);
    }

    #[test]
    fn box_muller_clamps_tiny_uniforms() {
        // u1 = 0 is raised to 1e-7, so the radius is sqrt(-2 ln 1e-7) ≈ 5.677.
        let [a, b] = box_muller_f32(0, 0);
        assert!(
            (a - 0.0).abs() < 1e-6 && (b - 5.6777).abs() < 1e-3,
            "{a} {b}"
        );
        let [c, d] = box_muller_f64(0, 0, 0, 0);
        assert!(
            c.abs() < 1e-12 && (d - 5.677_692_427_555).abs() < 1e-9,
            "{c} {d}"
        );
    }

    #[test]
    fn uniform_int_spans_signed_ranges_without_overflow() {
        let full = UniformInt::new(i32::MIN as i64, i32::MAX as i64);
        assert_eq!(
            full.sample_i32([0, 1, u32::MAX - 1, 7]),
            [i32::MIN, i32::MIN + 1, i32::MAX - 1, i32::MIN + 7]
        );
        let small = UniformInt::new(-3, 2);
        assert_eq!(
            small.sample_i64([7, 0, 4, 1]),
            [-1, ((1u64 << 32 | 4) % 5) as i64 - 3]
        );
    }
}
