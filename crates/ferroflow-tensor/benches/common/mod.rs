//! Timing shared by the kernel benches: calibrated repetitions, 7 samples,
//! median, as the peer scripts in `shared/bench/peers` do.

// Each bench compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::time::Instant;

/// Samples per measurement.
pub const SAMPLES: usize = 7;

/// Seconds per call of `f`, the median of [`SAMPLES`] samples; each sample
/// repeats `f` enough times to last at least 0.2 s (after 3 warm-up calls).
pub fn median_seconds(mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let mut reps = 1;
    loop {
        let t = Instant::now();
        (0..reps).for_each(|_| f());
        if t.elapsed().as_secs_f64() >= 0.2 {
            break;
        }
        reps *= 2;
    }
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let t = Instant::now();
            (0..reps).for_each(|_| f());
            t.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[SAMPLES / 2]
}

/// Deterministic pseudo-random values in [-1, 1).
pub fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// The rayon thread count, for the report line.
pub fn threads() -> usize {
    rayon::current_num_threads()
}

/// The sizes listed in the `SIZES` environment variable (comma-separated),
/// or `default`.
pub fn sizes(default: &str) -> Vec<usize> {
    std::env::var("SIZES")
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}
