//! Element-wise math: unary functions, activations and broadcasting binary
//! arithmetic, with their gradients.

use super::{broadcast_binary, same_as_input, Accepts, ArrayOps, CompareOps, ReduceOps};
use crate::handle::apply1;
use crate::{Error, GradArgs, OpContext, OpDef, Result, TensorOps, TensorSpec};
use ferroflow_tensor::kernels::elementwise::{map, zip_map};
use ferroflow_tensor::{with_float_type, with_numeric_type, DType, Element, FloatElement, Tensor};

/// The error for a dtype a kernel does not handle.
pub(crate) fn dtype_error(op: &str, expected: &str, got: DType) -> Error {
    Error::invalid(
        op,
        format!("expected {expected} tensor, got a {got} tensor"),
    )
}

/// Runs `$body` with `$T` bound per the op's accepted dtypes.
macro_rules! dispatch {
    (Float, $dtype:expr, $T:ident => $body:expr, $name:expr) => {
        with_float_type!($dtype, $T => $body.map_err(Error::from), _ => Err(dtype_error($name, "a float", $dtype)))
    };
    (Numeric, $dtype:expr, $T:ident => $body:expr, $name:expr) => {
        with_numeric_type!($dtype, $T => $body.map_err(Error::from), _ => Err(dtype_error($name, "a numeric", $dtype)))
    };
}

/// Defines element-wise unary ops: struct, shape rule, kernel, gradient.
macro_rules! unary_ops {
    ($( $(#[$doc:meta])* $Op:ident = $tf:literal, $acc:ident, |$x:ident: $T:ident| $kernel:expr, grad |$a:ident| $grad:expr; )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $Op;
        impl OpDef for $Op {
            fn op_type(&self) -> &'static str {
                $tf
            }
            fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
                same_as_input($tf, inputs, Accepts::$acc)
            }
            fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
                let x = inputs[0];
                Ok(vec![dispatch!($acc, x.dtype(), $T => map::<$T, $T>(x, |$x: $T| $kernel), ctx.name)?])
            }
            #[allow(unused_variables)]
            fn gradient<H: TensorOps>(&self, $a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
                $grad
            }
        }
    )*};
}

/// Defines element-wise binary ops with NumPy broadcasting.
macro_rules! binary_ops {
    ($( $(#[$doc:meta])* $Op:ident = $tf:literal / $name:literal, $acc:ident, |$x:ident, $y:ident: $T:ident| $kernel:expr, grad |$a:ident| $grad:expr; )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $Op;
        impl OpDef for $Op {
            fn op_type(&self) -> &'static str {
                $tf
            }
            fn default_name(&self) -> &'static str {
                $name
            }
            fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
                broadcast_binary($tf, inputs, Accepts::$acc, None)
            }
            fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
                let (a, b) = (inputs[0], inputs[1]);
                Ok(vec![dispatch!($acc, a.dtype(), $T => zip_map::<$T, $T>(ctx.name, a, b, |$x: $T, $y: $T| $kernel), ctx.name)?])
            }
            #[allow(unused_variables)]
            fn gradient<H: TensorOps>(&self, $a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
                $grad
            }
        }
    )*};
}

fn zero<T: Element>() -> T {
    T::zero()
}

fn c<T: Element>(v: f64) -> T {
    T::from_f64(v)
}

const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

fn sigmoid<T: FloatElement>(x: T) -> T {
    if x >= zero() {
        c::<T>(1.0) / (c::<T>(1.0) + (-x).exp())
    } else {
        let e = x.exp();
        e / (c::<T>(1.0) + e)
    }
}

fn softplus<T: FloatElement>(x: T) -> T {
    if x > zero() {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

unary_ops! {
    /// Computes -x element-wise, like `tf.negative`.
    Neg = "Neg", Numeric, |x: T| zero::<T>() - x,
        grad |a| Ok(vec![Some(a.grads[0].neg()?)]);
    /// Computes |x| element-wise, like `tf.abs`.
    Abs = "Abs", Numeric, |x: T| if x < zero() { zero::<T>() - x } else { x },
        grad |a| Ok(vec![Some(a.grads[0].mul(&a.inputs[0].sign()?)?)]);
    /// Computes the sign (-1, 0 or 1) element-wise, like `tf.sign`.
    Sign = "Sign", Numeric, |x: T| if x > zero() { c::<T>(1.0) } else if x < zero() { zero::<T>() - c::<T>(1.0) } else { zero() },
        grad |a| Ok(vec![Some(a.inputs[0].zeros_like()?)]);
    /// Computes x² element-wise, like `tf.square`.
    Square = "Square", Numeric, |x: T| x * x,
        grad |a| Ok(vec![Some(a.grads[0].mul(&a.inputs[0].mul(&a.inputs[0].scalar_like(2.0)?)?)?)]);
    /// Computes √x element-wise, like `tf.sqrt`.
    Sqrt = "Sqrt", Float, |x: T| x.sqrt(),
        grad |a| Ok(vec![Some(a.grads[0].mul(&a.outputs[0].scalar_like(0.5)?)?.div(&a.outputs[0])?)]);
    /// Computes 1/√x element-wise, like `tf.math.rsqrt`.
    Rsqrt = "Rsqrt", Float, |x: T| c::<T>(1.0) / x.sqrt(),
        grad |a| {
            let y = &a.outputs[0];
            let y3 = y.mul(y)?.mul(y)?;
            Ok(vec![Some(a.grads[0].mul(&y3)?.mul(&y.scalar_like(-0.5)?)?)])
        };
    /// Computes eˣ element-wise, like `tf.exp`.
    Exp = "Exp", Float, |x: T| x.exp(),
        grad |a| Ok(vec![Some(a.grads[0].mul(&a.outputs[0])?)]);
    /// Computes the natural logarithm element-wise, like `tf.math.log`.
    Log = "Log", Float, |x: T| x.ln(),
        grad |a| Ok(vec![Some(a.grads[0].div(&a.inputs[0])?)]);
    /// Computes ln(1 + x) element-wise, like `tf.math.log1p`.
    Log1p = "Log1p", Float, |x: T| x.ln_1p(),
        grad |a| {
            let x = &a.inputs[0];
            Ok(vec![Some(a.grads[0].div(&x.add(&x.scalar_like(1.0)?)?)?)])
        };
    /// Computes 1 / (1 + e⁻ˣ) element-wise, like `tf.sigmoid`.
    Sigmoid = "Sigmoid", Float, |x: T| sigmoid(x),
        grad |a| {
            let y = &a.outputs[0];
            let one_minus = y.scalar_like(1.0)?.sub(y)?;
            Ok(vec![Some(a.grads[0].mul(&y.mul(&one_minus)?)?)])
        };
    /// Computes tanh(x) element-wise, like `tf.tanh`.
    Tanh = "Tanh", Float, |x: T| x.tanh(),
        grad |a| {
            let y = &a.outputs[0];
            let d = y.scalar_like(1.0)?.sub(&y.mul(y)?)?;
            Ok(vec![Some(a.grads[0].mul(&d)?)])
        };
    /// Computes max(x, 0) element-wise, like `tf.nn.relu`.
    Relu = "Relu", Numeric, |x: T| if x > zero() { x } else { zero() },
        grad |a| Ok(vec![Some(apply1(ReluGrad, &[&a.grads[0], &a.inputs[0]])?)]);
    /// Computes min(max(x, 0), 6) element-wise, like `tf.nn.relu6`.
    Relu6 = "Relu6", Numeric, |x: T| if x > c::<T>(6.0) { c::<T>(6.0) } else if x > zero() { x } else { zero() },
        grad |a| {
            let x = &a.inputs[0];
            let inside = x.greater(&x.scalar_like(0.0)?)?.logical_and(&x.less(&x.scalar_like(6.0)?)?)?;
            Ok(vec![Some(inside.where_(&a.grads[0], &a.grads[0].zeros_like()?)?)])
        };
    /// Computes x if x > 0 else eˣ - 1, like `tf.nn.elu`.
    Elu = "Elu", Float, |x: T| if x > zero() { x } else { x.exp() - c::<T>(1.0) },
        grad |a| {
            let (x, y, dy) = (&a.inputs[0], &a.outputs[0], &a.grads[0]);
            let neg = dy.mul(&y.add(&y.scalar_like(1.0)?)?)?;
            Ok(vec![Some(x.greater(&x.scalar_like(0.0)?)?.where_(dy, &neg)?)])
        };
    /// Scaled ELU, like `tf.nn.selu`.
    Selu = "Selu", Float,
        |x: T| if x > zero() { c::<T>(SELU_SCALE) * x } else { c::<T>(SELU_SCALE * SELU_ALPHA) * (x.exp() - c::<T>(1.0)) },
        grad |a| {
            let (x, y, dy) = (&a.inputs[0], &a.outputs[0], &a.grads[0]);
            let pos = dy.mul(&x.scalar_like(SELU_SCALE)?)?;
            let neg = dy.mul(&y.add(&y.scalar_like(SELU_SCALE * SELU_ALPHA)?)?)?;
            Ok(vec![Some(x.greater(&x.scalar_like(0.0)?)?.where_(&pos, &neg)?)])
        };
    /// Computes ln(eˣ + 1) element-wise, like `tf.nn.softplus`.
    Softplus = "Softplus", Float, |x: T| softplus(x),
        grad |a| Ok(vec![Some(a.grads[0].mul(&a.inputs[0].sigmoid()?)?)]);
    /// Computes sin(x) element-wise, like `tf.sin`.
    Sin = "Sin", Float, |x: T| x.sin(),
        grad |a| Ok(vec![Some(a.grads[0].mul(&a.inputs[0].cos()?)?)]);
    /// Computes cos(x) element-wise, like `tf.cos`.
    Cos = "Cos", Float, |x: T| x.cos(),
        grad |a| Ok(vec![Some(a.grads[0].mul(&a.inputs[0].sin()?)?.neg()?)]);
    /// Computes 1/x element-wise, like `tf.math.reciprocal`.
    Reciprocal = "Reciprocal", Float, |x: T| c::<T>(1.0) / x,
        grad |a| {
            let y = &a.outputs[0];
            Ok(vec![Some(a.grads[0].mul(&y.mul(y)?)?.neg()?)])
        };
    /// Rounds half to even element-wise, like `tf.round`.
    Round = "Round", Float, |x: T| round_half_even(x),
        grad |a| Ok(vec![None]);
    /// Computes ⌊x⌋ element-wise, like `tf.floor`.
    Floor = "Floor", Float, |x: T| x.floor(),
        grad |a| Ok(vec![None]);
    /// Computes ⌈x⌉ element-wise, like `tf.math.ceil`.
    Ceil = "Ceil", Float, |x: T| x.ceil(),
        grad |a| Ok(vec![None]);
}

fn round_half_even<T: FloatElement>(x: T) -> T {
    let r = (x + c::<T>(0.5)).floor();
    // Exactly halfway and rounded to an odd number: step back to the even one.
    if r - x == c::<T>(0.5) && (r.to_f64() % 2.0) != 0.0 {
        r - c::<T>(1.0)
    } else {
        r
    }
}

binary_ops! {
    /// Returns x + y element-wise with broadcasting, like `tf.add`.
    Add = "AddV2" / "Add", Numeric, |x, y: T| x + y,
        grad |a| binary_grads(&a, Some(a.grads[0].clone()), Some(a.grads[0].clone()));
    /// Returns x - y element-wise with broadcasting, like `tf.subtract`.
    Sub = "Sub" / "Sub", Numeric, |x, y: T| x - y,
        grad |a| binary_grads(&a, Some(a.grads[0].clone()), Some(a.grads[0].neg()?));
    /// Returns x * y element-wise with broadcasting, like `tf.multiply`.
    Mul = "Mul" / "Mul", Numeric, |x, y: T| x * y,
        grad |a| {
            let (x, y, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
            binary_grads(&a, Some(dy.mul(y)?), Some(x.mul(dy)?))
        };
    /// Returns x / y element-wise for floats, like `tf.divide`.
    RealDiv = "RealDiv" / "truediv", Float, |x, y: T| x / y,
        grad |a| {
            let (y, z, dy) = (&a.inputs[1], &a.outputs[0], &a.grads[0]);
            binary_grads(&a, Some(dy.div(y)?), Some(dy.mul(z)?.div(y)?.neg()?))
        };
    /// Returns ⌊x / y⌋ element-wise, like `tf.math.floordiv`.
    FloorDiv = "FloorDiv" / "floordiv", Numeric, |x, y: T| floor_div(x, y),
        grad |a| Ok(vec![None, None]);
    /// Returns the remainder of floor division, sign of the divisor, like `tf.math.floormod`.
    FloorMod = "FloorMod" / "mod", Numeric, |x, y: T| x - floor_div(x, y) * y,
        grad |a| {
            let (x, y, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
            binary_grads(&a, Some(dy.clone()), Some(dy.mul(&x.floor_div(y)?)?.neg()?))
        };
    /// Returns xʸ element-wise, like `tf.pow`.
    Pow = "Pow" / "Pow", Float, |x, y: T| x.powf(y),
        grad |a| {
            let (x, y, z, dy) = (&a.inputs[0], &a.inputs[1], &a.outputs[0], &a.grads[0]);
            let gx = dy.mul(y)?.mul(&x.pow(&y.sub(&y.scalar_like(1.0)?)?)?)?;
            // d/dy xʸ = xʸ ln x, taken as 0 where x <= 0 (as TensorFlow).
            let positive = x.greater(&x.scalar_like(0.0)?)?;
            let safe_x = positive.where_(x, &x.ones_like()?)?;
            let log_x = positive.where_(&safe_x.log()?, &x.zeros_like()?)?;
            binary_grads(&a, Some(gx), Some(dy.mul(z)?.mul(&log_x)?))
        };
    /// Returns max(x, y) element-wise, like `tf.maximum`.
    Maximum = "Maximum" / "Maximum", Numeric, |x, y: T| if x >= y || x.partial_cmp(&x).is_none() { x } else { y },
        grad |a| {
            let (x, y, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
            let pick_x = x.greater_equal(y)?;
            let zeros = dy.zeros_like()?;
            binary_grads(&a, Some(pick_x.where_(dy, &zeros)?), Some(pick_x.where_(&zeros, dy)?))
        };
    /// Returns min(x, y) element-wise, like `tf.minimum`.
    Minimum = "Minimum" / "Minimum", Numeric, |x, y: T| if x <= y || x.partial_cmp(&x).is_none() { x } else { y },
        grad |a| {
            let (x, y, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
            let pick_x = x.less_equal(y)?;
            let zeros = dy.zeros_like()?;
            binary_grads(&a, Some(pick_x.where_(dy, &zeros)?), Some(pick_x.where_(&zeros, dy)?))
        };
    /// Returns (x - y)² element-wise, like `tf.math.squared_difference`.
    SquaredDifference = "SquaredDifference" / "SquaredDifference", Numeric, |x, y: T| (x - y) * (x - y),
        grad |a| {
            let (x, y, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
            let g = dy.mul(&x.sub(y)?)?.mul(&dy.scalar_like(2.0)?)?;
            binary_grads(&a, Some(g.clone()), Some(g.neg()?))
        };
    /// The gradient of `relu`: `dy` where the features are positive, else 0.
    ReluGrad = "ReluGrad" / "ReluGrad", Numeric, |dy, x: T| if x > zero() { dy } else { zero() },
        grad |a| Ok(vec![Some(apply1(ReluGrad, &[&a.grads[0], &a.inputs[1]])?), None]);
}

/// Floor division for every numeric type (integers round toward −∞).
fn floor_div<T: Element>(x: T, y: T) -> T {
    let (xf, yf) = (x.to_f64(), y.to_f64());
    if T::DTYPE.is_float() {
        T::from_f64((xf / yf).floor())
    } else if yf == 0.0 {
        // TensorFlow raises for integer division by zero on CPU; a kernel
        // cannot return an error per element, so it yields 0 (as XLA does).
        T::zero()
    } else {
        T::from_f64((xf / yf).floor())
    }
}

/// Reduces the gradients of a broadcasting binary op to its inputs' shapes.
fn binary_grads<H: TensorOps>(
    a: &GradArgs<'_, H>,
    gx: Option<H>,
    gy: Option<H>,
) -> Result<Vec<Option<H>>> {
    let gx = gx.map(|g| unbroadcast(g, &a.inputs[0])).transpose()?;
    let gy = gy.map(|g| unbroadcast(g, &a.inputs[1])).transpose()?;
    Ok(vec![gx, gy])
}

/// Sums `grad` over the axes along which `x` was broadcast, giving `x`'s shape.
pub fn unbroadcast<H: TensorOps>(grad: H, x: &H) -> Result<H> {
    let (gs, xs) = (grad.static_shape(), x.static_shape());
    if gs == xs && gs.is_fully_defined() {
        return Ok(grad);
    }
    let (Some(gd), Some(xd)) = (gs.dims(), xs.dims()) else {
        return super::broadcast_grad::unbroadcast_dynamic(&grad, x);
    };
    // A dimension of x that is unknown might be 1 at run time: decide then.
    if xd.iter().any(|d| d.is_none()) && xd.len() <= gd.len() {
        let undecided = xd
            .iter()
            .zip(&gd[gd.len() - xd.len()..])
            .any(|(xd, gd)| xd.is_none() && *gd != Some(1) && gd != xd);
        if undecided {
            return super::broadcast_grad::unbroadcast_dynamic(&grad, x);
        }
    }
    let lead = gd.len().saturating_sub(xd.len());
    let mut g = grad.clone();
    if lead > 0 {
        g = g.reduce_sum((0..lead as i64).collect::<Vec<_>>(), false)?;
    }
    let ones: Vec<i64> = xd
        .iter()
        .zip(&gd[lead..])
        .enumerate()
        .filter(|(_, (xdim, gdim))| **xdim == Some(1) && **gdim != Some(1))
        .map(|(i, _)| i as i64)
        .collect();
    if !ones.is_empty() {
        g = g.reduce_sum(&ones, true)?;
    }
    Ok(g)
}

/// Element-wise math on any handle, like `tf.math`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from([1.0f32, 4.0, 9.0]);
/// assert_eq!(x.sqrt().unwrap().to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
/// let y = x.add(&Tensor::scalar(1.0f32)).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, 5.0, 10.0]);
/// ```
pub trait MathOps: TensorOps {
    fn neg(&self) -> Result<Self> {
        apply1(Neg, &[self])
    }
    fn abs(&self) -> Result<Self> {
        apply1(Abs, &[self])
    }
    fn sign(&self) -> Result<Self> {
        apply1(Sign, &[self])
    }
    fn square(&self) -> Result<Self> {
        apply1(Square, &[self])
    }
    fn sqrt(&self) -> Result<Self> {
        apply1(Sqrt, &[self])
    }
    fn rsqrt(&self) -> Result<Self> {
        apply1(Rsqrt, &[self])
    }
    fn exp(&self) -> Result<Self> {
        apply1(Exp, &[self])
    }
    fn log(&self) -> Result<Self> {
        apply1(Log, &[self])
    }
    fn log1p(&self) -> Result<Self> {
        apply1(Log1p, &[self])
    }
    fn sigmoid(&self) -> Result<Self> {
        apply1(Sigmoid, &[self])
    }
    fn tanh(&self) -> Result<Self> {
        apply1(Tanh, &[self])
    }
    fn relu(&self) -> Result<Self> {
        apply1(Relu, &[self])
    }
    fn relu6(&self) -> Result<Self> {
        apply1(Relu6, &[self])
    }
    fn elu(&self) -> Result<Self> {
        apply1(Elu, &[self])
    }
    fn selu(&self) -> Result<Self> {
        apply1(Selu, &[self])
    }
    fn softplus(&self) -> Result<Self> {
        apply1(Softplus, &[self])
    }
    /// `x` where positive, else `alpha * x`, like `tf.nn.leaky_relu`.
    fn leaky_relu(&self, alpha: f64) -> Result<Self> {
        self.maximum(&self.mul(&self.scalar_like(alpha)?)?)
    }
    fn sin(&self) -> Result<Self> {
        apply1(Sin, &[self])
    }
    fn cos(&self) -> Result<Self> {
        apply1(Cos, &[self])
    }
    fn reciprocal(&self) -> Result<Self> {
        apply1(Reciprocal, &[self])
    }
    fn round(&self) -> Result<Self> {
        apply1(Round, &[self])
    }
    fn floor(&self) -> Result<Self> {
        apply1(Floor, &[self])
    }
    fn ceil(&self) -> Result<Self> {
        apply1(Ceil, &[self])
    }
    fn add(&self, y: &Self) -> Result<Self> {
        apply1(Add, &[self, y])
    }
    fn sub(&self, y: &Self) -> Result<Self> {
        apply1(Sub, &[self, y])
    }
    fn mul(&self, y: &Self) -> Result<Self> {
        apply1(Mul, &[self, y])
    }
    fn div(&self, y: &Self) -> Result<Self> {
        apply1(RealDiv, &[self, y])
    }
    fn floor_div(&self, y: &Self) -> Result<Self> {
        apply1(FloorDiv, &[self, y])
    }
    fn floor_mod(&self, y: &Self) -> Result<Self> {
        apply1(FloorMod, &[self, y])
    }
    fn pow(&self, y: &Self) -> Result<Self> {
        apply1(Pow, &[self, y])
    }
    fn maximum(&self, y: &Self) -> Result<Self> {
        apply1(Maximum, &[self, y])
    }
    fn minimum(&self, y: &Self) -> Result<Self> {
        apply1(Minimum, &[self, y])
    }
    fn squared_difference(&self, y: &Self) -> Result<Self> {
        apply1(SquaredDifference, &[self, y])
    }
    /// Clamps to `[lo, hi]`, like `tf.clip_by_value`.
    fn clip_by_value(&self, lo: &Self, hi: &Self) -> Result<Self> {
        self.maximum(lo)?.minimum(hi)
    }
}

impl<H: TensorOps> MathOps for H {}
