//! CPython's `random.Random`: the MT19937 Mersenne Twister, seeded and drawn
//! exactly as CPython does (`Modules/_randommodule.c`, `Lib/random.py`).
//!
//! TensorFlow 2 derives each eager op's seed under a global seed `g` from
//! `random.Random(g).randint(0, 2**31 - 1)`, one draw per op.

use crate::{Result, TensorError};

const N: usize = 624;
const M: usize = 397;

/// A port of `random.Random(seed)` with `getrandbits` and `randint`.
///
/// ```
/// use ferroflow_tensor::kernels::random::PythonRandom;
/// // Python: r = random.Random(42); r.randint(0, 2**31 - 1)
/// let mut r = PythonRandom::new(42);
/// assert_eq!(r.randint(0, (1 << 31) - 1).unwrap(), 478163327);
/// ```
#[derive(Debug, Clone)]
pub struct PythonRandom {
    mt: [u32; N],
    index: usize,
}

impl PythonRandom {
    /// `random.Random(seed)` for an integer seed: the state is `init_by_array`
    /// of the seed's 32-bit words, least significant first. Python uses the
    /// absolute value of a negative seed, so pass `seed.unsigned_abs()`.
    pub fn new(seed: u64) -> Self {
        let key: Vec<u32> = if seed >> 32 == 0 {
            vec![seed as u32]
        } else {
            vec![seed as u32, (seed >> 32) as u32]
        };
        PythonRandom::from_key(&key)
    }

    /// MT19937's `init_by_array`.
    fn from_key(key: &[u32]) -> Self {
        let mut mt = [0u32; N];
        mt[0] = 19_650_218;
        for i in 1..N {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        PythonRandom { mt, index: N }
    }

    /// The next 32-bit output of MT19937 (`genrand_uint32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        for i in 0..N {
            let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % N] & 0x7fff_ffff);
            let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
            self.mt[i] = self.mt[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// `getrandbits(k)` for `k <= 128`: 32-bit words, least significant
    /// first, the last one cut to its top bits.
    fn getrandbits(&mut self, k: u32) -> u128 {
        let mut out = 0u128;
        let mut shift = 0;
        while shift < k {
            let left = k - shift;
            let word = self.next_u32();
            let word = if left < 32 { word >> (32 - left) } else { word };
            out |= u128::from(word) << shift;
            shift += 32;
        }
        out
    }

    /// `randint(a, b)`: an integer in `[a, b]`, drawn as `a + _randbelow(b -
    /// a + 1)` (rejection sampling on `getrandbits`).
    pub fn randint(&mut self, a: i64, b: i64) -> Result<i64> {
        if a > b {
            return Err(TensorError::invalid(
                "randint",
                format!("empty range for randint({a}, {b})"),
            ));
        }
        let n = (i128::from(b) - i128::from(a) + 1) as u128;
        let k = 128 - n.leading_zeros();
        let mut r = self.getrandbits(k);
        while r >= n {
            r = self.getrandbits(k);
        }
        Ok((i128::from(a) + r as i128) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_mt19937_stream() {
        // The reference implementation (mt19937ar.c) prints these first
        // outputs for init_by_array({0x123, 0x234, 0x345, 0x456}).
        let mut r = PythonRandom::from_key(&[0x123, 0x234, 0x345, 0x456]);
        let first: Vec<u32> = (0..5).map(|_| r.next_u32()).collect();
        assert_eq!(
            first,
            [1067595299, 955945823, 477289528, 4107218783, 4228976476]
        );
    }

    #[test]
    fn randint_rejects_empty_ranges() {
        let mut r = PythonRandom::new(0);
        assert!(r.randint(3, 2).is_err());
        assert_eq!(r.randint(5, 5).unwrap(), 5);
        let full = r.randint(i64::MIN, i64::MAX).unwrap();
        assert!((i64::MIN..=i64::MAX).contains(&full));
    }
}
