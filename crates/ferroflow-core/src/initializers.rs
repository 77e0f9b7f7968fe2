//! Variable initializers with TensorFlow's formulas, usable eagerly and in
//! graphs (`tf.zeros_initializer`, `glorot_uniform`, `VarianceScaling`,
//! `orthogonal`, …).

use crate::ops::{qr, random_normal, random_uniform, truncated_normal, Distribution};
use crate::prelude::*;
use crate::{fail, Result};
use ferroflow_tensor::{with_element_type, DType, Element, Shape, Tensor};

/// Which fan `VarianceScaling` divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanMode {
    FanIn,
    FanOut,
    FanAvg,
}

/// The distribution `VarianceScaling` draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingDistribution {
    TruncatedNormal,
    UntruncatedNormal,
    Uniform,
}

/// How to fill a new variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Initializer {
    Zeros,
    Ones,
    Constant(f64),
    RandomNormal {
        mean: f64,
        stddev: f64,
        seed: Option<i64>,
    },
    RandomUniform {
        minval: f64,
        maxval: f64,
        seed: Option<i64>,
    },
    TruncatedNormal {
        mean: f64,
        stddev: f64,
        seed: Option<i64>,
    },
    VarianceScaling {
        scale: f64,
        mode: FanMode,
        distribution: ScalingDistribution,
        seed: Option<i64>,
    },
    /// A random orthogonal matrix times `gain`, like
    /// `tf.compat.v1.orthogonal_initializer(gain, seed)`: shapes of rank > 2
    /// flatten to `[prod(shape[:-1]), shape[-1]]`. The normal draw is
    /// TF1's stateful one (op seed rules as `random_normal`); TF2's
    /// `tf.keras.initializers.Orthogonal(seed=s)` draws
    /// `stateless_normal(seed=[s, 0])` instead, which [`orthogonalize`] of
    /// `stateless_random_normal` reproduces.
    Orthogonal {
        gain: f64,
        seed: Option<i64>,
    },
}

/// What an initializer does for one shape: fill with a value, or draw a
/// standard distribution and scale/shift it (`standard * scale + shift`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InitPlan {
    Fill(f64),
    Random {
        distribution: Distribution,
        scale: f64,
        shift: f64,
        seed: Option<i64>,
    },
    /// Draw a standard normal `flat` matrix (`[max(rows, cols), min(rows,
    /// cols)]`) and make it orthogonal with [`orthogonalize`].
    Orthogonal {
        flat: [usize; 2],
        gain: f64,
        seed: Option<i64>,
    },
}

/// `(fan_in, fan_out)` of a weight shape as TensorFlow computes them:
/// dense `[in, out]`; convolution kernels `[..spatial, in, out]` multiply
/// by the receptive field size.
///
/// ```
/// use ferroflow_core::initializers::fans;
/// assert_eq!(fans(&[784, 300]), (784.0, 300.0));
/// assert_eq!(fans(&[5, 5, 3, 200]), (75.0, 5000.0));
/// ```
pub fn fans(shape: &[usize]) -> (f64, f64) {
    match shape.len() {
        0 => (1.0, 1.0),
        1 => (shape[0] as f64, shape[0] as f64),
        2 => (shape[0] as f64, shape[1] as f64),
        n => {
            let receptive: usize = shape[..n - 2].iter().product();
            (
                (shape[n - 2] * receptive) as f64,
                (shape[n - 1] * receptive) as f64,
            )
        }
    }
}

impl Initializer {
    /// `glorot_uniform` (Xavier uniform), Keras's default kernel initializer.
    pub fn glorot_uniform(seed: Option<i64>) -> Self {
        Self::scaling(1.0, FanMode::FanAvg, ScalingDistribution::Uniform, seed)
    }
    /// `glorot_normal` (Xavier normal).
    pub fn glorot_normal(seed: Option<i64>) -> Self {
        Self::scaling(
            1.0,
            FanMode::FanAvg,
            ScalingDistribution::TruncatedNormal,
            seed,
        )
    }
    /// `he_normal`.
    pub fn he_normal(seed: Option<i64>) -> Self {
        Self::scaling(
            2.0,
            FanMode::FanIn,
            ScalingDistribution::TruncatedNormal,
            seed,
        )
    }
    /// `he_uniform`.
    pub fn he_uniform(seed: Option<i64>) -> Self {
        Self::scaling(2.0, FanMode::FanIn, ScalingDistribution::Uniform, seed)
    }
    /// `lecun_normal`.
    pub fn lecun_normal(seed: Option<i64>) -> Self {
        Self::scaling(
            1.0,
            FanMode::FanIn,
            ScalingDistribution::TruncatedNormal,
            seed,
        )
    }
    /// `lecun_uniform`.
    pub fn lecun_uniform(seed: Option<i64>) -> Self {
        Self::scaling(1.0, FanMode::FanIn, ScalingDistribution::Uniform, seed)
    }

    fn scaling(
        scale: f64,
        mode: FanMode,
        distribution: ScalingDistribution,
        seed: Option<i64>,
    ) -> Self {
        Initializer::VarianceScaling {
            scale,
            mode,
            distribution,
            seed,
        }
    }

    /// `orthogonal` with gain 1.
    pub fn orthogonal(seed: Option<i64>) -> Self {
        Initializer::Orthogonal { gain: 1.0, seed }
    }

    /// What this initializer does for `shape`, with TensorFlow's formulas.
    pub fn plan(&self, shape: &[usize]) -> Result<InitPlan> {
        let random = |distribution, scale, shift, seed| InitPlan::Random {
            distribution,
            scale,
            shift,
            seed,
        };
        Ok(match *self {
            Initializer::Zeros => InitPlan::Fill(0.0),
            Initializer::Ones => InitPlan::Fill(1.0),
            Initializer::Constant(v) => InitPlan::Fill(v),
            Initializer::RandomNormal { mean, stddev, seed } => {
                random(Distribution::Normal, stddev, mean, seed)
            }
            Initializer::RandomUniform {
                minval,
                maxval,
                seed,
            } => random(Distribution::Uniform, maxval - minval, minval, seed),
            Initializer::TruncatedNormal { mean, stddev, seed } => {
                random(Distribution::TruncatedNormal, stddev, mean, seed)
            }
            Initializer::VarianceScaling {
                scale,
                mode,
                distribution,
                seed,
            } => {
                if scale <= 0.0 {
                    fail!("VarianceScaling", "scale must be positive, got {scale}");
                }
                let (fan_in, fan_out) = fans(shape);
                let n = match mode {
                    FanMode::FanIn => fan_in,
                    FanMode::FanOut => fan_out,
                    FanMode::FanAvg => (fan_in + fan_out) / 2.0,
                }
                .max(1.0);
                match distribution {
                    // 0.879… is the stddev of a standard normal truncated to [-2, 2].
                    ScalingDistribution::TruncatedNormal => random(
                        Distribution::TruncatedNormal,
                        (scale / n).sqrt() / 0.879_625_661_034_239_8,
                        0.0,
                        seed,
                    ),
                    ScalingDistribution::UntruncatedNormal => {
                        random(Distribution::Normal, (scale / n).sqrt(), 0.0, seed)
                    }
                    ScalingDistribution::Uniform => {
                        let limit = (3.0 * scale / n).sqrt();
                        random(Distribution::Uniform, 2.0 * limit, -limit, seed)
                    }
                }
            }
            Initializer::Orthogonal { gain, seed } => {
                let [rows, cols] = flat_matrix(shape)?;
                InitPlan::Orthogonal {
                    flat: [rows.max(cols), rows.min(cols)],
                    gain,
                    seed,
                }
            }
        })
    }

    /// An eager tensor of `shape` filled by this initializer.
    pub fn eager(&self, shape: &[usize], dtype: DType) -> Result<Tensor> {
        match self.plan(shape)? {
            InitPlan::Fill(v) => filled(shape, dtype, v),
            InitPlan::Random {
                distribution,
                scale,
                shift,
                seed,
            } => match distribution {
                Distribution::Uniform => random_uniform(shape, shift, shift + scale, dtype, seed),
                Distribution::Normal => random_normal(shape, shift, scale, dtype, seed),
                Distribution::TruncatedNormal => truncated_normal(shape, shift, scale, dtype, seed),
            },
            InitPlan::Orthogonal { flat, gain, seed } => {
                orthogonalize(&random_normal(&flat, 0.0, 1.0, dtype, seed)?, shape, gain)
            }
        }
    }
}

/// `[rows, cols]` of the matrix an orthogonal initializer fills for
/// `shape`: `[prod(shape[:-1]), shape[-1]]`.
fn flat_matrix(shape: &[usize]) -> Result<[usize; 2]> {
    match shape.split_last() {
        Some((&cols, rest)) if !rest.is_empty() => Ok([rest.iter().product(), cols]),
        _ => fail!(
            "Orthogonal",
            "The tensor to initialize must be at least two-dimensional. Received: shape={} of rank {}.",
            Shape::from(shape).to_tuple_string(),
            shape.len()
        ),
    }
}

/// TensorFlow's orthogonal initializer after the draw: the `Q` of `normal`'s
/// QR (`normal` is `[max(rows, cols), min(rows, cols)]`) with its columns'
/// signs fixed by `R`'s diagonal, transposed when `rows < cols`, reshaped to
/// `shape` and scaled by `gain`. Eager tensors and graph outputs alike.
///
/// ```
/// use ferroflow_core::initializers::orthogonalize;
/// use ferroflow_core::prelude::*;
/// let normal = Tensor::from_vec(vec![2.0f32, 0.0, 0.0, -3.0], [2, 2]).unwrap();
/// // normal = Q·R with Q = I, R = diag(2, -3): the sign fix flips column 1.
/// let q = orthogonalize(&normal, &[2, 2], 1.0).unwrap();
/// assert_eq!(q.to_vec::<f32>().unwrap(), vec![1.0, 0.0, 0.0, -1.0]);
/// ```
pub fn orthogonalize<H: TensorOps>(normal: &H, shape: &[usize], gain: f64) -> Result<H> {
    let [rows, cols] = flat_matrix(shape)?;
    let (q, r) = qr(normal)?;
    // sign(diag(r)), as the column sums of r masked by the identity.
    let k = rows.min(cols);
    let eye: Vec<f64> = (0..k * k)
        .map(|i| if i % (k + 1) == 0 { 1.0 } else { 0.0 })
        .collect();
    let eye = Tensor::from_vec(eye, [k, k])?.cast(normal.dtype())?;
    let signs = r
        .mul(&normal.constant_like(eye)?)?
        .reduce_sum(vec![0], false)?
        .sign()?;
    let mut q = q.mul(&signs)?;
    if rows < cols {
        q = q.transpose(&[1, 0])?;
    }
    let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    let q = q.reshape(&dims)?;
    if gain == 1.0 {
        return Ok(q);
    }
    q.mul(&q.scalar_like(gain)?)
}

/// A tensor of `shape` holding `v` converted to `dtype`.
pub(crate) fn filled(shape: &[usize], dtype: DType, v: f64) -> Result<Tensor> {
    Ok(with_element_type!(dtype,
        T => Tensor::full(<T as Element>::from_f64(v), Shape::from(shape))?,
        _ => fail!("Fill", "cannot fill a {dtype} tensor with a number")
    ))
}

/// The Keras class names of the `VarianceScaling` presets, with their
/// scale, mode and distribution.
const SCALING_PRESETS: [(&str, f64, FanMode, ScalingDistribution); 6] = [
    (
        "GlorotUniform",
        1.0,
        FanMode::FanAvg,
        ScalingDistribution::Uniform,
    ),
    (
        "GlorotNormal",
        1.0,
        FanMode::FanAvg,
        ScalingDistribution::TruncatedNormal,
    ),
    (
        "HeNormal",
        2.0,
        FanMode::FanIn,
        ScalingDistribution::TruncatedNormal,
    ),
    (
        "HeUniform",
        2.0,
        FanMode::FanIn,
        ScalingDistribution::Uniform,
    ),
    (
        "LecunNormal",
        1.0,
        FanMode::FanIn,
        ScalingDistribution::TruncatedNormal,
    ),
    (
        "LecunUniform",
        1.0,
        FanMode::FanIn,
        ScalingDistribution::Uniform,
    ),
];

impl FanMode {
    /// Keras's spelling: `"fan_in"`, `"fan_out"`, `"fan_avg"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            FanMode::FanIn => "fan_in",
            FanMode::FanOut => "fan_out",
            FanMode::FanAvg => "fan_avg",
        }
    }
}

impl ScalingDistribution {
    /// Keras's spelling: `"truncated_normal"`, `"untruncated_normal"`, `"uniform"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ScalingDistribution::TruncatedNormal => "truncated_normal",
            ScalingDistribution::UntruncatedNormal => "untruncated_normal",
            ScalingDistribution::Uniform => "uniform",
        }
    }
}

impl Initializer {
    /// The Keras serialization of this initializer,
    /// `{"class_name": "GlorotUniform", "config": {"seed": null}}`, as
    /// `tf.keras.initializers.serialize` writes it.
    ///
    /// ```
    /// use ferroflow_core::initializers::Initializer;
    /// let init = Initializer::he_normal(Some(3));
    /// let config = init.get_config();
    /// assert_eq!(config["class_name"], "HeNormal");
    /// assert_eq!(Initializer::from_config(&config).unwrap(), init);
    /// ```
    pub fn get_config(&self) -> serde_json::Value {
        use serde_json::json;
        let (class_name, config) = match *self {
            Initializer::Zeros => ("Zeros", json!({})),
            Initializer::Ones => ("Ones", json!({})),
            Initializer::Constant(value) => ("Constant", json!({ "value": value })),
            Initializer::RandomNormal { mean, stddev, seed } => (
                "RandomNormal",
                json!({ "mean": mean, "stddev": stddev, "seed": seed }),
            ),
            Initializer::RandomUniform {
                minval,
                maxval,
                seed,
            } => (
                "RandomUniform",
                json!({ "minval": minval, "maxval": maxval, "seed": seed }),
            ),
            Initializer::TruncatedNormal { mean, stddev, seed } => (
                "TruncatedNormal",
                json!({ "mean": mean, "stddev": stddev, "seed": seed }),
            ),
            Initializer::VarianceScaling {
                scale,
                mode,
                distribution,
                seed,
            } => match SCALING_PRESETS
                .iter()
                .find(|p| (p.1, p.2, p.3) == (scale, mode, distribution))
            {
                Some(preset) => (preset.0, json!({ "seed": seed })),
                None => (
                    "VarianceScaling",
                    json!({
                        "scale": scale,
                        "mode": mode.as_str(),
                        "distribution": distribution.as_str(),
                        "seed": seed,
                    }),
                ),
            },
            Initializer::Orthogonal { gain, seed } => {
                ("Orthogonal", json!({ "gain": gain, "seed": seed }))
            }
        };
        json!({ "module": "keras.initializers", "class_name": class_name, "config": config, "registered_name": null })
    }

    /// The initializer a Keras serialization names, as
    /// `tf.keras.initializers.deserialize`: an object
    /// `{"class_name": ..., "config": {...}}` (Keras 2 or 3) or a string
    /// identifier (`"glorot_uniform"`, `"zeros"`). Unknown classes and bad
    /// fields are errors naming them.
    ///
    /// ```
    /// use ferroflow_core::initializers::Initializer;
    /// let init = Initializer::from_config(&serde_json::json!("he_uniform")).unwrap();
    /// assert_eq!(init, Initializer::he_uniform(None));
    /// assert!(Initializer::from_config(&serde_json::json!({"class_name": "Identity", "config": {}})).is_err());
    /// ```
    pub fn from_config(value: &serde_json::Value) -> Result<Self> {
        const OP: &str = "initializers.deserialize";
        let (class_name, config) = match value {
            serde_json::Value::String(id) => (snake_to_class(id), serde_json::json!({})),
            serde_json::Value::Object(map) => match map.get("class_name") {
                Some(serde_json::Value::String(c)) => (
                    c.clone(),
                    map.get("config")
                        .cloned()
                        .unwrap_or_else(|| serde_json::json!({})),
                ),
                _ => fail!(OP, "expected a \"class_name\" string in {value}"),
            },
            other => fail!(OP, "expected an initializer object or name, got {other}"),
        };
        let number = |key: &str, default: f64| -> Result<f64> {
            match config.get(key) {
                None | Some(serde_json::Value::Null) => Ok(default),
                Some(v) => match v.as_f64() {
                    Some(x) => Ok(x),
                    None => fail!(OP, "{class_name}: `{key}` must be a number, got {v}"),
                },
            }
        };
        let seed = match config.get("seed") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => match v.as_i64() {
                Some(s) => Some(s),
                None => fail!(
                    OP,
                    "{class_name}: `seed` must be an integer or null, got {v}"
                ),
            },
        };
        let text = |key: &str, default: &'static str| -> Result<String> {
            match config.get(key) {
                None => Ok(default.to_string()),
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(v) => fail!(OP, "{class_name}: `{key}` must be a string, got {v}"),
            }
        };
        if let Some(preset) = SCALING_PRESETS.iter().find(|p| p.0 == class_name) {
            return Ok(Self::scaling(preset.1, preset.2, preset.3, seed));
        }
        Ok(match class_name.as_str() {
            "Zeros" => Initializer::Zeros,
            "Ones" => Initializer::Ones,
            "Constant" => Initializer::Constant(number("value", 0.0)?),
            "RandomNormal" => Initializer::RandomNormal {
                mean: number("mean", 0.0)?,
                stddev: number("stddev", 0.05)?,
                seed,
            },
            "RandomUniform" => Initializer::RandomUniform {
                minval: number("minval", -0.05)?,
                maxval: number("maxval", 0.05)?,
                seed,
            },
            "TruncatedNormal" => Initializer::TruncatedNormal {
                mean: number("mean", 0.0)?,
                stddev: number("stddev", 0.05)?,
                seed,
            },
            "VarianceScaling" => {
                let mode = match text("mode", "fan_in")?.as_str() {
                    "fan_in" => FanMode::FanIn,
                    "fan_out" => FanMode::FanOut,
                    "fan_avg" => FanMode::FanAvg,
                    other => fail!(
                        OP,
                        "VarianceScaling: `mode` must be one of fan_in, fan_out, fan_avg; got {other:?}"
                    ),
                };
                let distribution = match text("distribution", "truncated_normal")?.as_str() {
                    // Keras 2 still accepts "normal" for the truncated normal.
                    "truncated_normal" | "normal" => ScalingDistribution::TruncatedNormal,
                    "untruncated_normal" => ScalingDistribution::UntruncatedNormal,
                    "uniform" => ScalingDistribution::Uniform,
                    other => fail!(
                        OP,
                        "VarianceScaling: `distribution` must be one of truncated_normal, untruncated_normal, uniform; got {other:?}"
                    ),
                };
                Self::scaling(number("scale", 1.0)?, mode, distribution, seed)
            }
            "Orthogonal" => Initializer::Orthogonal {
                gain: number("gain", 1.0)?,
                seed,
            },
            other => fail!(OP, "Unknown initializer: '{other}'"),
        })
    }
}

/// `"glorot_uniform"` → `"GlorotUniform"`, Keras's identifier-to-class rule.
fn snake_to_class(id: &str) -> String {
    id.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
