//! The Philox4x32-10 counter-based generator, as TensorFlow's `PhiloxRandom`
//! (`tensorflow/core/lib/random/philox_random.h`).
//!
//! The state is a 64-bit key and a 128-bit counter. Each call encrypts the
//! counter with ten Philox rounds, returns the four 32-bit words of the result
//! and increments the counter by one, so "one sample" is 128 bits and
//! [`Philox::skip`] moves over whole samples.

/// Philox4x32-10 with TensorFlow's key/counter layout.
///
/// ```
/// use ferroflow_tensor::kernels::random::Philox;
/// // TensorFlow: PhiloxRandom(seed=1, seed2=2); the key is `seed`, the high
/// // half of the counter is `seed2`.
/// let mut g = Philox::from_seeds(1, 2);
/// let mut h = g;
/// h.skip(1);
/// g.next_block();
/// assert_eq!(g.next_block(), h.next_block());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Philox {
    counter: [u32; 4],
    key: [u32; 2],
}

const W32A: u32 = 0x9E37_79B9;
const W32B: u32 = 0xBB67_AE85;
const M4X32A: u32 = 0xD251_1F53;
const M4X32B: u32 = 0xCD9E_8D57;

impl Philox {
    /// The generator TensorFlow's `GuardedPhiloxRandom` builds from an op's
    /// `(seed, seed2)` attributes: key = `seed`, counter = `[0, 0, seed2]`
    /// (each 64-bit value split low word first).
    pub fn from_seeds(seed: u64, seed2: u64) -> Philox {
        Philox {
            counter: [0, 0, seed2 as u32, (seed2 >> 32) as u32],
            key: [seed as u32, (seed >> 32) as u32],
        }
    }

    /// A generator with an explicit counter and key.
    pub fn new(counter: [u32; 4], key: [u32; 2]) -> Philox {
        Philox { counter, key }
    }

    /// The current 128-bit counter, low word first.
    pub fn counter(&self) -> [u32; 4] {
        self.counter
    }

    /// The 64-bit key, low word first.
    pub fn key(&self) -> [u32; 2] {
        self.key
    }

    /// Moves over `count` 128-bit samples, with TensorFlow's carry rules
    /// (`PhiloxRandom::Skip`).
    pub fn skip(&mut self, count: u64) {
        let count_lo = count as u32;
        let mut count_hi = (count >> 32) as u32;
        self.counter[0] = self.counter[0].wrapping_add(count_lo);
        if self.counter[0] < count_lo {
            count_hi = count_hi.wrapping_add(1);
        }
        self.counter[1] = self.counter[1].wrapping_add(count_hi);
        if self.counter[1] < count_hi {
            self.counter[2] = self.counter[2].wrapping_add(1);
            if self.counter[2] == 0 {
                self.counter[3] = self.counter[3].wrapping_add(1);
            }
        }
    }

    /// The next four random words; advances the counter by one.
    #[inline]
    pub fn next_block(&mut self) -> [u32; 4] {
        let mut counter = self.counter;
        let mut key = self.key;
        for round in 0..10 {
            if round > 0 {
                key[0] = key[0].wrapping_add(W32A);
                key[1] = key[1].wrapping_add(W32B);
            }
            counter = single_round(counter, key);
        }
        self.skip_one();
        counter
    }

    fn skip_one(&mut self) {
        for word in &mut self.counter {
            *word = word.wrapping_add(1);
            if *word != 0 {
                break;
            }
        }
    }
}

fn mul_hi_lo(a: u32, b: u32) -> (u32, u32) {
    let product = u64::from(a) * u64::from(b);
    ((product >> 32) as u32, product as u32)
}

fn single_round(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (hi0, lo0) = mul_hi_lo(M4X32A, counter[0]);
    let (hi1, lo1) = mul_hi_lo(M4X32B, counter[2]);
    [
        hi1 ^ counter[1] ^ key[0],
        lo1,
        hi0 ^ counter[3] ^ key[1],
        lo0,
    ]
}

/// Hands out the words of a [`Philox`] one at a time, as TensorFlow's
/// `SingleSampleAdapter<PhiloxRandom>`: a block is drawn only when the
/// previous one is used up.
#[derive(Debug)]
pub struct SingleSample<'a> {
    gen: &'a mut Philox,
    block: [u32; 4],
    used: usize,
}

impl<'a> SingleSample<'a> {
    /// An adapter over `gen` with no buffered words.
    pub fn new(gen: &'a mut Philox) -> Self {
        SingleSample {
            gen,
            block: [0; 4],
            used: 4,
        }
    }

    /// The next random word.
    pub fn next_u32(&mut self) -> u32 {
        if self.used == 4 {
            self.block = self.gen.next_block();
            self.used = 0;
        }
        self.used += 1;
        self.block[self.used - 1]
    }
}

/// The Philox key and counter TensorFlow's stateless random ops derive from a
/// seed pair (`GenerateKey` in `stateless_random_ops.cc`): one Philox block of
/// the seeds under a fixed key scrambles them. An int32 seed tensor is
/// sign-extended to int64 first, as TensorFlow's conversion does.
pub fn stateless_generator(seed: [i64; 2]) -> Philox {
    let (s0, s1) = (seed[0] as u64, seed[1] as u64);
    let counter = [s0 as u32, (s0 >> 32) as u32, s1 as u32, (s1 >> 32) as u32];
    let mix = Philox::new(counter, [0x3ec8_f720, 0x0246_1e29]).next_block();
    Philox::new([0, 0, mix[2], mix[3]], [mix[0], mix[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_random123_known_answers() {
        // Known-answer vectors of Philox4x32-10 from the Random123 suite
        // (kat_vectors): counter, key -> output.
        let zero = Philox::new([0; 4], [0; 2]).next_block();
        assert_eq!(zero, [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
        let ones = Philox::new([u32::MAX; 4], [u32::MAX; 2]).next_block();
        assert_eq!(ones, [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
        let pi = Philox::new(
            [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            [0xa4093822, 0x299f31d0],
        )
        .next_block();
        assert_eq!(pi, [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
    }

    #[test]
    fn skip_carries_across_words() {
        let mut g = Philox::new([u32::MAX, u32::MAX, u32::MAX, 0], [0; 2]);
        g.skip(1);
        assert_eq!(g.counter(), [0, 0, 0, 1]);
        let mut g = Philox::new([5, 0, 0, 0], [0; 2]);
        g.skip(3 << 32 | 7);
        assert_eq!(g.counter(), [12, 3, 0, 0]);
        let mut g = Philox::new([u32::MAX, 0, 0, 0], [0; 2]);
        g.next_block();
        assert_eq!(g.counter(), [0, 1, 0, 0]);
    }

    #[test]
    fn single_sample_buffers_a_block() {
        let mut g = Philox::from_seeds(7, 9);
        let block = { g }.next_block();
        let mut single = SingleSample::new(&mut g);
        let words: Vec<u32> = (0..4).map(|_| single.next_u32()).collect();
        assert_eq!(words, block);
        single.next_u32();
        assert_eq!(g.counter(), [2, 0, 9, 0]);
    }
}
