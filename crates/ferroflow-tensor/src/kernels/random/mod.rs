//! Random number kernels, bit-identical to TensorFlow's CPU kernels.
//!
//! * [`Philox`]: Philox4x32-10 as TensorFlow's `PhiloxRandom`.
//! * [`PhiloxStream`]: the per-op stateful generator (`GuardedPhiloxRandom`);
//!   successive calls continue the stream as successive `Session.run`s of one
//!   stateful op do.
//! * Stateful draws: [`random_uniform`] (`RandomUniform`), [`random_normal`]
//!   (`RandomStandardNormal`), [`truncated_normal`] (`TruncatedNormal`),
//!   [`random_uniform_int`] (`RandomUniformInt`), [`random_shuffle`]
//!   (`RandomShuffle`).
//! * Stateless draws, pure functions of a seed pair:
//!   [`stateless_random_uniform`], [`stateless_random_normal`],
//!   [`stateless_truncated_normal`], [`stateless_random_uniform_int`].
//! * [`PythonRandom`]: CPython's `random.Random`, which TensorFlow 2 uses to
//!   derive eager op seeds from a global seed.
//!
//! The kernels produce standard draws only (uniform in [0, 1), standard
//! normal); scaling to `minval`/`maxval` or `mean`/`stddev` is the op layer's
//! element-wise work.
//!
//! ```
//! use ferroflow_tensor::kernels::random::{random_uniform, PhiloxStream};
//! use ferroflow_tensor::{DType, Shape};
//! // x = tf.raw_ops.RandomUniform(shape=[3], dtype=tf.float32, seed=1, seed2=2)
//! // sess.run(x) -> [0.40639675, 0.8575996, 0.05539584]
//! // sess.run(x) -> [0.16840732, 0.88910615, 0.53549695]   (same session)
//! let mut stream = PhiloxStream::new(1, 2);
//! let shape = Shape::from([3]);
//! let first = random_uniform(&mut stream, DType::F32, &shape).unwrap();
//! let second = random_uniform(&mut stream, DType::F32, &shape).unwrap();
//! assert_eq!(first.to_vec::<f32>().unwrap(), [0.40639675, 0.8575996, 0.05539584]);
//! assert_eq!(second.to_vec::<f32>().unwrap(), [0.16840732, 0.88910615, 0.53549695]);
//! ```

mod distributions;
mod fill;
mod philox;
mod python_random;
mod shuffle;

pub use distributions::{
    box_muller_f32, box_muller_f64, normal_f32, normal_f64, truncated_normal_f32,
    truncated_normal_f64, uint32_to_float, uint64_to_double, uniform_f32, uniform_f64, UniformInt,
};
pub use fill::{fill_fixed, fill_variable, RESERVED_SAMPLES_PER_OUTPUT};
pub use philox::{stateless_generator, Philox, SingleSample};
pub use python_random::PythonRandom;
pub use shuffle::random_shuffle;

use crate::{with_float_type, DType, Element, Result, Shape, Tensor, TensorError};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// The generator of one stateful random op, as TensorFlow's
/// `GuardedPhiloxRandom`: each call reserves a stretch of the Philox stream
/// and the next call starts after it.
///
/// ```
/// use ferroflow_tensor::kernels::random::{Philox, PhiloxStream};
/// let mut s = PhiloxStream::new(87654321, 5); // tf.random.uniform(.., seed=5)
/// assert_eq!(s.reserve(10), Philox::from_seeds(87654321, 5));
/// assert_eq!(s.reserve(1).counter(), [10, 0, 5, 0]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhiloxStream {
    gen: Philox,
}

impl PhiloxStream {
    /// The stream of an op with attributes `seed` and `seed2` (int64 seeds are
    /// passed as their two's-complement bits). As in TensorFlow, `(0, 0)` means
    /// "not seeded": two fresh random seeds are drawn instead.
    pub fn new(seed: u64, seed2: u64) -> Self {
        let (seed, seed2) = if seed == 0 && seed2 == 0 {
            (fresh_seed(), fresh_seed())
        } else {
            (seed, seed2)
        };
        PhiloxStream {
            gen: Philox::from_seeds(seed, seed2),
        }
    }

    /// The generator for the next `samples` 128-bit blocks; the stream moves
    /// past them (`ReserveSamples128`).
    pub fn reserve(&mut self, samples: u64) -> Philox {
        let local = self.gen;
        self.gen.skip(samples);
        local
    }

    /// The generator for an op that outputs `count` values: TensorFlow
    /// reserves 256 blocks per value (`ReserveRandomOutputs(count, 256)`).
    pub fn reserve_outputs(&mut self, count: usize) -> Philox {
        self.reserve((count as u64).wrapping_mul(RESERVED_SAMPLES_PER_OUTPUT))
    }

    /// The generator for `count` 32-bit words (`ReserveSamples32`).
    pub fn reserve_words(&mut self, count: u64) -> Philox {
        self.reserve(count.div_ceil(4))
    }
}

/// A seed from the process's random hasher keys (TensorFlow uses
/// `random::New64()` for unseeded ops).
fn fresh_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x5eed);
    h.finish()
}

/// Which float distribution to draw.
#[derive(Debug, Clone, Copy)]
enum Dist {
    Uniform,
    Normal,
    TruncatedNormal,
}

/// Float types the random kernels produce, with their per-distribution fill.
trait RandomFloat: Element {
    fn fill(dist: Dist, gen: Philox, out: &mut [Self]);
}

impl RandomFloat for f32 {
    fn fill(dist: Dist, gen: Philox, out: &mut [f32]) {
        match dist {
            Dist::Uniform => fill_fixed(gen, out, uniform_f32),
            Dist::Normal => fill_fixed(gen, out, normal_f32),
            Dist::TruncatedNormal => fill_variable(gen, out, truncated_normal_f32),
        }
    }
}

impl RandomFloat for f64 {
    fn fill(dist: Dist, gen: Philox, out: &mut [f64]) {
        match dist {
            Dist::Uniform => fill_fixed(gen, out, uniform_f64),
            Dist::Normal => fill_fixed(gen, out, normal_f64),
            Dist::TruncatedNormal => fill_variable(gen, out, truncated_normal_f64),
        }
    }
}

/// A float tensor of `shape` drawn from `dist`; `gen(n)` gives the generator
/// for `n` values once the arguments are checked.
fn float_draws(
    op: &str,
    dist: Dist,
    dtype: DType,
    shape: &Shape,
    gen: impl FnOnce(usize) -> Philox,
) -> Result<Tensor> {
    with_float_type!(dtype, T => {
        let n = shape.checked_num_elements(op)?;
        let mut out = vec![T::zero(); n];
        T::fill(dist, gen(n), &mut out);
        Tensor::from_vec(out, shape.clone())
    }, _ => Err(TensorError::DType {
        op: op.into(),
        expected: "float32 or float64".into(),
        got: dtype,
    }))
}

/// Uniform values in [0, 1) (`tf.raw_ops.RandomUniform`), f32 or f64.
///
/// ```
/// use ferroflow_tensor::kernels::random::{random_uniform, PhiloxStream};
/// use ferroflow_tensor::{DType, Shape};
/// let t = random_uniform(&mut PhiloxStream::new(1, 2), DType::F64, &Shape::from([2, 2])).unwrap();
/// assert!(t.to_vec::<f64>().unwrap().iter().all(|v| (0.0..1.0).contains(v)));
/// assert!(random_uniform(&mut PhiloxStream::new(1, 2), DType::I32, &Shape::from([2])).is_err());
/// ```
pub fn random_uniform(stream: &mut PhiloxStream, dtype: DType, shape: &Shape) -> Result<Tensor> {
    float_draws("RandomUniform", Dist::Uniform, dtype, shape, |n| {
        stream.reserve_outputs(n)
    })
}

/// Standard normal values (`tf.raw_ops.RandomStandardNormal`), f32 or f64.
pub fn random_normal(stream: &mut PhiloxStream, dtype: DType, shape: &Shape) -> Result<Tensor> {
    float_draws("RandomStandardNormal", Dist::Normal, dtype, shape, |n| {
        stream.reserve_outputs(n)
    })
}

/// Standard normal values redrawn until |x| < 2 (`tf.raw_ops.TruncatedNormal`).
pub fn truncated_normal(stream: &mut PhiloxStream, dtype: DType, shape: &Shape) -> Result<Tensor> {
    float_draws(
        "TruncatedNormal",
        Dist::TruncatedNormal,
        dtype,
        shape,
        |n| stream.reserve_outputs(n),
    )
}

/// Uniform values in [0, 1) determined by `seed`
/// (`tf.raw_ops.StatelessRandomUniform`).
///
/// ```
/// use ferroflow_tensor::kernels::random::stateless_random_uniform;
/// use ferroflow_tensor::{DType, Shape};
/// let a = stateless_random_uniform(&Shape::from([4]), [1, 2], DType::F32).unwrap();
/// assert_eq!(a, stateless_random_uniform(&Shape::from([4]), [1, 2], DType::F32).unwrap());
/// ```
pub fn stateless_random_uniform(shape: &Shape, seed: [i64; 2], dtype: DType) -> Result<Tensor> {
    float_draws(
        "StatelessRandomUniform",
        Dist::Uniform,
        dtype,
        shape,
        |_| stateless_generator(seed),
    )
}

/// Standard normal values determined by `seed`
/// (`tf.raw_ops.StatelessRandomNormal`).
pub fn stateless_random_normal(shape: &Shape, seed: [i64; 2], dtype: DType) -> Result<Tensor> {
    float_draws("StatelessRandomNormal", Dist::Normal, dtype, shape, |_| {
        stateless_generator(seed)
    })
}

/// Truncated standard normal values determined by `seed`
/// (`tf.raw_ops.StatelessTruncatedNormal`).
pub fn stateless_truncated_normal(shape: &Shape, seed: [i64; 2], dtype: DType) -> Result<Tensor> {
    float_draws(
        "StatelessTruncatedNormal",
        Dist::TruncatedNormal,
        dtype,
        shape,
        |_| stateless_generator(seed),
    )
}

/// An int32/int64 tensor uniform in `[minval, maxval)`; `gen(n)` gives the
/// generator once the arguments are checked.
fn int_draws(
    op: &str,
    shape: &Shape,
    minval: i64,
    maxval: i64,
    dtype: DType,
    gen: impl FnOnce(usize) -> Philox,
) -> Result<Tensor> {
    if minval >= maxval {
        crate::bail!(op, "Need minval < maxval, got {minval} >= {maxval}");
    }
    let dist = UniformInt::new(minval, maxval);
    match dtype {
        DType::I32 => {
            for v in [minval, maxval] {
                if i32::try_from(v).is_err() {
                    crate::bail!(op, "bound {v} does not fit in int32");
                }
            }
            let n = shape.checked_num_elements(op)?;
            let mut out = vec![0i32; n];
            fill_fixed(gen(n), &mut out, |b| dist.sample_i32(b));
            Tensor::from_vec(out, shape.clone())
        }
        DType::I64 => {
            let n = shape.checked_num_elements(op)?;
            let mut out = vec![0i64; n];
            fill_fixed(gen(n), &mut out, |b| dist.sample_i64(b));
            Tensor::from_vec(out, shape.clone())
        }
        _ => Err(TensorError::DType {
            op: op.into(),
            expected: "int32 or int64".into(),
            got: dtype,
        }),
    }
}

/// Integers uniform in `[minval, maxval)` by modulo of the range
/// (`tf.raw_ops.RandomUniformInt`), int32 or int64.
///
/// ```
/// use ferroflow_tensor::kernels::random::{random_uniform_int, PhiloxStream};
/// use ferroflow_tensor::{DType, Shape};
/// let mut s = PhiloxStream::new(1, 2);
/// let t = random_uniform_int(&mut s, &Shape::from([5]), -3, 4, DType::I64).unwrap();
/// assert!(t.to_vec::<i64>().unwrap().iter().all(|v| (-3..4).contains(v)));
/// assert!(random_uniform_int(&mut s, &Shape::from([5]), 4, 4, DType::I64).is_err());
/// ```
pub fn random_uniform_int(
    stream: &mut PhiloxStream,
    shape: &Shape,
    minval: i64,
    maxval: i64,
    dtype: DType,
) -> Result<Tensor> {
    int_draws("RandomUniformInt", shape, minval, maxval, dtype, |n| {
        stream.reserve_outputs(n)
    })
}

/// Integers uniform in `[minval, maxval)` determined by `seed`
/// (`tf.raw_ops.StatelessRandomUniformInt`). An empty shape is not checked
/// against the bounds, as in TensorFlow.
///
/// ```
/// use ferroflow_tensor::kernels::random::stateless_random_uniform_int;
/// use ferroflow_tensor::{DType, Shape};
/// // tf.raw_ops.StatelessRandomUniformInt(shape=[4], seed=[1, 2], minval=-5, maxval=10)
/// let t = stateless_random_uniform_int(&Shape::from([4]), [1, 2], -5, 10, DType::I32).unwrap();
/// assert_eq!(t.to_vec::<i32>().unwrap(), [5, 9, 4, 4]);
/// assert!(stateless_random_uniform_int(&Shape::from([0]), [1, 2], 3, 3, DType::I32).is_ok());
/// assert!(stateless_random_uniform_int(&Shape::from([1]), [1, 2], 3, 3, DType::I32).is_err());
/// ```
pub fn stateless_random_uniform_int(
    shape: &Shape,
    seed: [i64; 2],
    minval: i64,
    maxval: i64,
    dtype: DType,
) -> Result<Tensor> {
    // TensorFlow returns an empty output before it looks at the bounds.
    if shape.dims().contains(&0) && matches!(dtype, DType::I32 | DType::I64) {
        return Tensor::zeros(dtype, shape.clone());
    }
    int_draws(
        "StatelessRandomUniformInt",
        shape,
        minval,
        maxval,
        dtype,
        |_| stateless_generator(seed),
    )
}
