//! Test helpers shared by the crates above: a finite-difference gradient
//! check that compares a tape's gradients with central differences.

use crate::{Error, GradientTape, Result};
use ferroflow_tensor::{DType, Tensor};

/// Checks the tape gradient of `f` at `inputs` (f64 tensors) against
/// central finite differences of step `eps`; errors describe the first
/// mismatch beyond `tol` (absolute and relative).
///
/// ```
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::testing::check_gradients;
/// let x = Tensor::from([0.5f64, -1.0, 2.0]);
/// check_gradients(|v| v[0].tanh(), &[x], 1e-6, 1e-6).unwrap();
/// ```
pub fn check_gradients<F>(f: F, inputs: &[Tensor], eps: f64, tol: f64) -> Result<()>
where
    F: Fn(&[Tensor]) -> Result<Tensor>,
{
    for (i, x) in inputs.iter().enumerate() {
        if x.dtype() != DType::F64 {
            return Err(Error::invalid(
                "check_gradients",
                format!("input {i} must be float64, got {}", x.dtype()),
            ));
        }
    }
    let tape = GradientTape::new();
    for x in inputs {
        tape.watch(x);
    }
    let y = f(inputs)?;
    let analytic = tape.gradient(&y, &inputs.iter().collect::<Vec<_>>())?;
    drop(tape);
    let sum = |v: &[Tensor]| -> Result<f64> { Ok(f(v)?.to_f64_vec()?.iter().sum()) };
    for (i, x) in inputs.iter().enumerate() {
        let base = x.to_vec::<f64>()?;
        let got = match &analytic[i] {
            Some(g) => g.to_vec::<f64>()?,
            None => vec![0.0; base.len()],
        };
        if got.len() != base.len() {
            return Err(Error::invalid(
                "check_gradients",
                format!(
                    "gradient {i} has {} elements, input has {}",
                    got.len(),
                    base.len()
                ),
            ));
        }
        for k in 0..base.len() {
            let mut probe = inputs.to_vec();
            let mut v = base.clone();
            v[k] = base[k] + eps;
            probe[i] = Tensor::from_vec(v.clone(), x.shape().clone())?;
            let plus = sum(&probe)?;
            v[k] = base[k] - eps;
            probe[i] = Tensor::from_vec(v, x.shape().clone())?;
            let minus = sum(&probe)?;
            let numeric = (plus - minus) / (2.0 * eps);
            if (numeric - got[k]).abs() > tol * (1.0 + numeric.abs()) {
                return Err(Error::invalid(
                    "check_gradients",
                    format!(
                        "input {i} element {k}: tape gradient {} but finite difference {numeric}",
                        got[k]
                    ),
                ));
            }
        }
    }
    Ok(())
}
