//! Entropy, cross-entropy and KL divergence of discrete distributions
//! (over the last axis), in bits or nats, as in the seeds' notes.

use ferroflow_core::prelude::*;
use ferroflow_core::Result;

/// The unit of information: base-2 logarithms (bits) or natural (nats).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bits,
    Nats,
}

/// `x log x` terms use `0 log 0 = 0`: `p * log(q)` with `log(q)` taken
/// where `p > 0` only.
fn p_log_q<H: TensorOps>(p: &H, q: &H, unit: Unit) -> Result<H> {
    let zero = p.scalar_like(0.0)?;
    let positive = p.greater(&zero)?;
    let safe_q = positive.where_(q, &q.ones_like()?)?;
    let terms = p.mul(&safe_q.log()?)?.reduce_sum([-1], false)?;
    match unit {
        Unit::Nats => Ok(terms),
        Unit::Bits => terms.div(&terms.scalar_like(std::f64::consts::LN_2)?),
    }
}

/// `H(p) = -Σ p log p`.
///
/// ```
/// use ferroflow_keras::info_theory::{entropy, Unit};
/// use ferroflow_core::prelude::*;
/// let h = entropy(&Tensor::from([0.5f64, 0.5, 0.0]), Unit::Bits).unwrap();
/// assert_eq!(h.to_scalar::<f64>().unwrap(), 1.0);
/// ```
pub fn entropy<H: TensorOps>(p: &H, unit: Unit) -> Result<H> {
    p_log_q(p, p, unit)?.neg()
}

/// `H(p, q) = -Σ p log q`.
///
/// ```
/// use ferroflow_keras::info_theory::{cross_entropy, Unit};
/// use ferroflow_core::prelude::*;
/// let h = cross_entropy(&Tensor::from([1.0f64, 0.0]), &Tensor::from([0.25f64, 0.75]), Unit::Bits).unwrap();
/// assert_eq!(h.to_scalar::<f64>().unwrap(), 2.0);
/// ```
pub fn cross_entropy<H: TensorOps>(p: &H, q: &H, unit: Unit) -> Result<H> {
    p_log_q(p, q, unit)?.neg()
}

/// `D(p‖q) = Σ p log(p / q) = H(p, q) - H(p)`.
///
/// ```
/// use ferroflow_keras::info_theory::{kl_divergence, Unit};
/// use ferroflow_core::prelude::*;
/// let d = kl_divergence(&Tensor::from([0.5f64, 0.5]), &Tensor::from([0.25f64, 0.75]), Unit::Nats).unwrap();
/// let expected = 0.5 * (2.0f64).ln() + 0.5 * (2.0f64 / 3.0).ln();
/// assert!((d.to_scalar::<f64>().unwrap() - expected).abs() < 1e-12);
/// ```
pub fn kl_divergence<H: TensorOps>(p: &H, q: &H, unit: Unit) -> Result<H> {
    cross_entropy(p, q, unit)?.sub(&entropy(p, unit)?)
}
