//! Variable initializers with TensorFlow's formulas, usable eagerly and in
//! graphs (`tf.zeros_initializer`, `glorot_uniform`, `VarianceScaling`, …).

use crate::ops::{random_normal, random_uniform, truncated_normal, Distribution};
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
        }
    }
}

/// A tensor of `shape` holding `v` converted to `dtype`.
pub(crate) fn filled(shape: &[usize], dtype: DType, v: f64) -> Result<Tensor> {
    Ok(with_element_type!(dtype,
        T => Tensor::full(<T as Element>::from_f64(v), Shape::from(shape))?,
        _ => fail!("Fill", "cannot fill a {dtype} tensor with a number")
    ))
}
