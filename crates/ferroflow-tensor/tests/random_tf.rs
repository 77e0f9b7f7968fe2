//! The random kernels against TensorFlow 2.21's own draws
//! (`tests/fixtures/random_tf.txt`, written by `tools/make_random_fixtures.py`).

use ferroflow_tensor::kernels::random::*;
use ferroflow_tensor::{DType, Element, Result, Shape, Tensor, TensorError};
use std::collections::HashMap;

const FIXTURES: &str = include_str!("fixtures/random_tf.txt");

/// One fixture line: the call's keys and TensorFlow's output tokens.
struct Case {
    keys: HashMap<String, String>,
    values: Vec<String>,
}

impl Case {
    fn get(&self, key: &str) -> &str {
        self.keys.get(key).map(String::as_str).unwrap_or_default()
    }
    fn int(&self, key: &str) -> i64 {
        self.get(key)
            .parse()
            .unwrap_or_else(|_| panic!("bad {key} in {:?}", self.keys))
    }
    fn dims(&self) -> Vec<usize> {
        self.get("shape")
            .split(',')
            .filter(|d| !d.is_empty())
            .map(|d| d.parse().unwrap())
            .collect()
    }
    fn shape(&self) -> Shape {
        Shape::new(self.dims())
    }
    fn dtype(&self) -> DType {
        match self.get("dtype") {
            "float32" => DType::F32,
            "float64" => DType::F64,
            "int32" => DType::I32,
            "int64" => DType::I64,
            other => panic!("unknown dtype {other}"),
        }
    }
    fn seeds(&self) -> (u64, u64) {
        (self.int("seed") as u64, self.int("seed2") as u64)
    }
    /// A fresh stream for the op, already advanced past `run` earlier runs of
    /// `draw`.
    fn run_stateful(&self, draw: impl Fn(&mut PhiloxStream) -> Result<Tensor>) -> Tensor {
        let (seed, seed2) = self.seeds();
        let mut stream = PhiloxStream::new(seed, seed2);
        for _ in 0..self.int("run") {
            draw(&mut stream).unwrap();
        }
        draw(&mut stream).unwrap()
    }
    /// Checks `got` against the tokens (and the FNV-1a digest of long outputs).
    fn check(&self, got: &Tensor) -> std::result::Result<(), String> {
        let (tokens, hash) = encoded(got);
        let want_len = self.dims().iter().product::<usize>();
        if tokens.len() != want_len || got.dims() != self.dims() {
            return Err(format!("{:?}: shape {:?}", self.keys, got.dims()));
        }
        if let Some(digest) = self.keys.get("fnv1a") {
            let ours = format!("{hash:016x}");
            if &ours != digest {
                return Err(format!("{:?}: digest {ours}", self.keys));
            }
        }
        let tail = &tokens[tokens.len() - self.values.len()..];
        match tail.iter().zip(&self.values).position(|(a, b)| a != b) {
            None => Ok(()),
            Some(i) => Err(format!(
                "{:?}: value {i}: {} vs {}",
                self.keys, tail[i], self.values[i]
            )),
        }
    }
}

/// How the fixture script writes one value: float bits in hex, ints in
/// decimal; and the little-endian bytes its digest hashes.
trait Encode: Element {
    fn token(self) -> String;
    fn le_bytes(self) -> Vec<u8>;
}

macro_rules! encode {
    ($($t:ty => $fmt:expr),*) => {$(
        impl Encode for $t {
            fn token(self) -> String {
                #[allow(clippy::redundant_closure_call)]
                ($fmt)(self)
            }
            fn le_bytes(self) -> Vec<u8> {
                self.to_le_bytes().to_vec()
            }
        }
    )*};
}
encode!(
    f32 => |v: f32| format!("{:08x}", v.to_bits()),
    f64 => |v: f64| format!("{:016x}", v.to_bits()),
    i32 => |v: i32| v.to_string(),
    i64 => |v: i64| v.to_string()
);

/// The tokens of `t`'s values and the FNV-1a hash of their bytes.
fn encoded(t: &Tensor) -> (Vec<String>, u64) {
    fn go<T: Encode>(t: &Tensor) -> (Vec<String>, u64) {
        let values = t.as_slice::<T>().unwrap();
        let hash = values
            .iter()
            .flat_map(|v| v.le_bytes())
            .fold(0xcbf2_9ce4_8422_2325, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        (values.iter().map(|v| v.token()).collect(), hash)
    }
    match t.dtype() {
        DType::F32 => go::<f32>(t),
        DType::F64 => go::<f64>(t),
        DType::I32 => go::<i32>(t),
        DType::I64 => go::<i64>(t),
        other => panic!("no fixture encoding for {other}"),
    }
}

fn cases(ops: &[&str]) -> Vec<Case> {
    let cases: Vec<Case> = FIXTURES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (head, values) = l.split_once(" : ").unwrap_or((l, ""));
            Case {
                keys: head
                    .split_whitespace()
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                values: values.split_whitespace().map(String::from).collect(),
            }
        })
        .filter(|c| ops.contains(&c.get("op")))
        .collect();
    assert!(!cases.is_empty(), "no fixtures for {ops:?}");
    cases
}

/// Runs `draw` on every case of `ops` and fails listing the mismatches.
fn check_all(ops: &[&str], draw: impl Fn(&Case) -> Tensor) {
    let all = cases(ops);
    let failures: Vec<String> = all.iter().filter_map(|c| c.check(&draw(c)).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn stateful_float_draws_match_tensorflow() {
    check_all(
        &["RandomUniform", "RandomStandardNormal", "TruncatedNormal"],
        |c| {
            let (dtype, shape) = (c.dtype(), c.shape());
            c.run_stateful(|s| match c.get("op") {
                "RandomUniform" => random_uniform(s, dtype, &shape),
                "RandomStandardNormal" => random_normal(s, dtype, &shape),
                _ => truncated_normal(s, dtype, &shape),
            })
        },
    );
}

#[test]
fn stateful_int_draws_match_tensorflow() {
    check_all(&["RandomUniformInt"], |c| {
        let (lo, hi) = (c.int("minval"), c.int("maxval"));
        c.run_stateful(|s| random_uniform_int(s, &c.shape(), lo, hi, c.dtype()))
    });
}

#[test]
fn shuffles_match_tensorflow() {
    check_all(&["RandomShuffle"], |c| {
        let dims = c.dims();
        let n = dims.iter().product::<usize>() as i32;
        let x = Tensor::from_vec((0..n).collect::<Vec<i32>>(), dims).unwrap();
        c.run_stateful(|s| random_shuffle(s, &x))
    });
}

#[test]
fn stateless_draws_match_tensorflow() {
    check_all(
        &[
            "StatelessRandomUniform",
            "StatelessRandomNormal",
            "StatelessTruncatedNormal",
            "StatelessRandomUniformInt",
        ],
        |c| {
            let (seed, shape, dtype) = ([c.int("seed"), c.int("seed2")], c.shape(), c.dtype());
            match c.get("op") {
                "StatelessRandomUniform" => stateless_random_uniform(&shape, seed, dtype),
                "StatelessRandomNormal" => stateless_random_normal(&shape, seed, dtype),
                "StatelessTruncatedNormal" => stateless_truncated_normal(&shape, seed, dtype),
                _ => stateless_random_uniform_int(
                    &shape,
                    seed,
                    c.int("minval"),
                    c.int("maxval"),
                    dtype,
                ),
            }
            .unwrap()
        },
    );
}

#[test]
fn python_random_matches_cpython() {
    check_all(&["PythonRandom"], |c| {
        let seed: u64 = c.get("seed").parse().unwrap();
        let mut r = PythonRandom::new(seed);
        let (a, b) = (c.int("minval"), c.int("maxval"));
        let draws: Vec<i64> = (0..c.dims()[0]).map(|_| r.randint(a, b).unwrap()).collect();
        Tensor::from(draws)
    });
}

#[test]
fn eager_seed_derivation_matches_tensorflow() {
    // Under tf.random.set_seed(g), the k-th unseeded eager op runs with
    // (g, k-th randint of random.Random(g)); an op seed s gives (g, s), and
    // repeated calls of that op continue its stream.
    let shape = Shape::from([5]);
    check_all(&["EagerUniformGlobalSeed"], |c| {
        let global = c.int("seed");
        let mut py = PythonRandom::new(global as u64);
        let mut op_seed = 0;
        for _ in 0..=c.int("run") {
            op_seed = py.randint(0, (1 << 31) - 1).unwrap();
        }
        let mut stream = PhiloxStream::new(global as u64, op_seed as u64);
        random_uniform(&mut stream, DType::F32, &shape).unwrap()
    });
    check_all(&["EagerUniformOpSeed"], |c| {
        c.run_stateful(|s| random_uniform(s, DType::F32, &shape))
    });
}

#[test]
fn draws_do_not_depend_on_the_thread_count() {
    let shape = Shape::from([70_001]);
    let draw = || {
        let mut s = PhiloxStream::new(11, 12);
        [
            random_uniform(&mut s, DType::F32, &shape).unwrap(),
            random_normal(&mut s, DType::F64, &shape).unwrap(),
            truncated_normal(&mut s, DType::F32, &shape).unwrap(),
            random_uniform_int(&mut s, &shape, -9, 1 << 40, DType::I64).unwrap(),
            stateless_truncated_normal(&shape, [5, 6], DType::F64).unwrap(),
        ]
    };
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let one = pool(1).install(draw);
    let four = pool(4).install(draw);
    assert!(one == four);
}

#[test]
fn bad_arguments_are_typed_errors() {
    let mut s = PhiloxStream::new(1, 2);
    let shape = Shape::from([3]);
    let before = s.clone();
    let err = random_uniform_int(&mut s, &shape, 5, 5, DType::I32).unwrap_err();
    assert_eq!(
        err.to_string(),
        "RandomUniformInt: Need minval < maxval, got 5 >= 5"
    );
    assert!(random_uniform_int(&mut s, &shape, 0, 1 << 40, DType::I32).is_err());
    assert!(matches!(
        random_uniform_int(&mut s, &shape, 0, 4, DType::F32),
        Err(TensorError::DType {
            got: DType::F32,
            ..
        })
    ));
    for dtype in [DType::I32, DType::Bool, DType::String] {
        assert!(matches!(
            random_uniform(&mut s, dtype, &shape),
            Err(TensorError::DType { .. })
        ));
        assert!(matches!(
            random_normal(&mut s, dtype, &shape),
            Err(TensorError::DType { .. })
        ));
        assert!(truncated_normal(&mut s, dtype, &shape).is_err());
        assert!(stateless_random_uniform(&shape, [1, 2], dtype).is_err());
    }
    let huge = Shape::from([usize::MAX, 2]);
    assert!(random_uniform(&mut s, DType::F32, &huge).is_err());
    assert!(stateless_random_normal(&huge, [1, 2], DType::F64).is_err());
    assert_eq!(s, before, "failed calls must not advance the stream");
}
