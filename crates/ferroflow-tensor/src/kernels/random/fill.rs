//! Laying random groups over an output buffer, as TensorFlow's
//! `FillPhiloxRandom` (`random_op_cpu.h`).
//!
//! The output is cut into groups of `G` values (the last one may be partial).
//! Group `g` of a fixed-size distribution uses Philox block `g` of the stream;
//! group `g` of a variable-size one (truncated normal) starts at block
//! `g * G * 256 / 4` and reads words from there. Either way a group's values do
//! not depend on which thread fills it, so large outputs are filled in
//! parallel with rayon and stay bit-identical to a sequential fill.

use super::philox::{Philox, SingleSample};
use rayon::prelude::*;

/// Samples TensorFlow reserves per output value for variable-size
/// distributions (`kReservedSamplesPerOutput`); also the multiplier of
/// `ReserveRandomOutputs` in the stateful ops.
pub const RESERVED_SAMPLES_PER_OUTPUT: u64 = 256;

/// Groups one task fills; outputs with at most this many groups are filled on
/// the calling thread.
const GROUPS_PER_TASK: usize = 4096;

/// Fills `out` with groups of `G` values, calling `fill_groups(first_group,
/// chunk)` on chunks that start at a group boundary, in parallel when large.
fn fill_chunks<T: Send, const G: usize>(out: &mut [T], fill_groups: impl Fn(u64, &mut [T]) + Sync) {
    let chunk = GROUPS_PER_TASK * G;
    if out.len() <= chunk {
        fill_groups(0, out);
    } else {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| fill_groups((i * GROUPS_PER_TASK) as u64, c));
    }
}

/// Fills `out` from a distribution that makes `G` values of one Philox block.
///
/// ```
/// use ferroflow_tensor::kernels::random::{fill_fixed, uniform_f32, Philox};
/// let mut out = [0f32; 5];
/// fill_fixed(Philox::from_seeds(1, 2), &mut out, uniform_f32);
/// assert!(out.iter().all(|v| (0.0..1.0).contains(v)));
/// ```
pub fn fill_fixed<T: Send, const G: usize>(
    gen: Philox,
    out: &mut [T],
    dist: impl Fn([u32; 4]) -> [T; G] + Sync,
) {
    fill_chunks::<T, G>(out, |first, chunk| {
        let mut gen = gen;
        gen.skip(first);
        for group in chunk.chunks_mut(G) {
            let values = dist(gen.next_block());
            for (o, v) in group.iter_mut().zip(values) {
                *o = v;
            }
        }
    });
}

/// Fills `out` from a distribution that draws a variable number of words per
/// group of `G` values; each group starts its own word stream at block
/// `group * G * 256 / 4`.
pub fn fill_variable<T: Send, const G: usize>(
    gen: Philox,
    out: &mut [T],
    dist: impl Fn(&mut SingleSample) -> [T; G] + Sync,
) {
    let skip_per_group = G as u64 * RESERVED_SAMPLES_PER_OUTPUT / 4;
    fill_chunks::<T, G>(out, |first, chunk| {
        for (i, group) in chunk.chunks_mut(G).enumerate() {
            let mut g = gen;
            g.skip((first + i as u64) * skip_per_group);
            let values = dist(&mut SingleSample::new(&mut g));
            for (o, v) in group.iter_mut().zip(values) {
                *o = v;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_groups_use_consecutive_blocks() {
        let gen = Philox::from_seeds(3, 4);
        let mut out = vec![0u32; 4 * GROUPS_PER_TASK * 3 + 3];
        fill_fixed(gen, &mut out, |b| b);
        let mut seq = gen;
        let expected: Vec<u32> = (0..out.len().div_ceil(4))
            .flat_map(|_| seq.next_block())
            .collect();
        assert_eq!(out, expected[..out.len()]);
    }

    #[test]
    fn variable_groups_start_at_reserved_offsets() {
        let gen = Philox::from_seeds(3, 4);
        let mut out = vec![0u32; 2 * GROUPS_PER_TASK + 3];
        fill_variable(gen, &mut out, |s: &mut SingleSample| {
            [s.next_u32(), s.next_u32()]
        });
        for g in [0, 1, GROUPS_PER_TASK - 1, GROUPS_PER_TASK] {
            let mut at = gen;
            at.skip(g as u64 * 128);
            assert_eq!(out[2 * g..][..2], at.next_block()[..2], "group {g}");
        }
    }
}
