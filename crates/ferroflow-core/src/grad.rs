//! Turning a function into its gradient function, like the seeds'
//! `tfe.gradients_function`.

use crate::ops::ArrayOps;
use crate::{Error, GradientTape, Result};
use ferroflow_tensor::Tensor;

/// The gradient function of `f`: `grad(f)(x)` is d f(x) / dx (a non-scalar
/// result is summed first).
///
/// ```
/// use ferroflow_core::prelude::*;
/// let df = grad(|x: &Tensor| x.mul(x)?.mul(x));
/// assert_eq!(df(&Tensor::scalar(3.0f64)).unwrap().to_scalar::<f64>().unwrap(), 27.0);
/// ```
pub fn grad<F>(f: F) -> impl Fn(&Tensor) -> Result<Tensor>
where
    F: Fn(&Tensor) -> Result<Tensor>,
{
    move |x| value_and_grad(&f)(x).map(|(_, g)| g)
}

/// Like [`grad`], also returning f(x).
pub fn value_and_grad<F>(f: F) -> impl Fn(&Tensor) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor) -> Result<Tensor>,
{
    move |x| {
        let tape = GradientTape::new();
        tape.watch(x);
        let y = f(x)?;
        let g = tape.gradient(&y, &[x])?.pop().flatten();
        match g {
            Some(g) => Ok((y, g)),
            // Unconnected: the gradient is zero, as gradients_function gives.
            None if x.dtype().is_float() => Ok((y, x.zeros_like()?)),
            None => Err(Error::invalid(
                "grad",
                format!(
                    "cannot differentiate with respect to a {} tensor",
                    x.dtype()
                ),
            )),
        }
    }
}
