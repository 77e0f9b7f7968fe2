//! Random ops: stateful draws seeded TensorFlow's way (bit-identical
//! Philox streams), random shuffles, and stateless draws.

use super::broadcast_grad::int_vector;
use super::{check_arity, same_as_input, Accepts, MathOps};
use crate::random::eager_op_seeds;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::cast;
use ferroflow_tensor::kernels::random as kernels;
use ferroflow_tensor::{DType, Shape, Tensor};

/// Which standard distribution a stateful op draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// Uniform in [0, 1) (`RandomUniform`).
    Uniform,
    /// Standard normal (`RandomStandardNormal`).
    Normal,
    /// Standard normal redrawn beyond two standard deviations (`TruncatedNormal`).
    TruncatedNormal,
}

/// The shape rule of a float draw with no inputs.
fn float_draw_spec(
    op: &str,
    inputs: &[TensorSpec],
    dtype: DType,
    shape: &Shape,
) -> Result<Vec<TensorSpec>> {
    check_arity(op, inputs, 0)?;
    if !dtype.is_float() {
        fail!(op, "dtype must be float32 or float64, got {dtype}");
    }
    Ok(vec![TensorSpec::new(dtype, PartialShape::known(shape))])
}

/// A stateful draw of standard random values: each run continues the op's
/// Philox stream.
#[derive(Debug, Clone)]
pub struct RandomStandard {
    pub distribution: Distribution,
    pub dtype: DType,
    pub shape: Shape,
    pub seed: i64,
    pub seed2: i64,
}

impl OpDef for RandomStandard {
    fn op_type(&self) -> &'static str {
        stateful_op_type(self.distribution)
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        stateful_attrs(self.dtype, self.seed, self.seed2)
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("shape", crate::op::shape_vector(&self.shape))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        float_draw_spec(self.op_type(), inputs, self.dtype, &self.shape)
    }
    fn compute(&self, ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (d, seeds) = (self.distribution, (self.seed, self.seed2));
        Ok(vec![draw(ctx, d, seeds, self.dtype, &self.shape)?])
    }
    fn is_stateful(&self) -> bool {
        true
    }
}

/// TensorFlow's name of a stateful draw from `distribution`.
fn stateful_op_type(distribution: Distribution) -> &'static str {
    match distribution {
        Distribution::Uniform => "RandomUniform",
        Distribution::Normal => "RandomStandardNormal",
        Distribution::TruncatedNormal => "TruncatedNormal",
    }
}

/// The attributes of a stateful float draw.
fn stateful_attrs(dtype: DType, seed: i64, seed2: i64) -> Vec<(&'static str, AttrValue)> {
    vec![
        ("dtype", AttrValue::Type(dtype)),
        ("seed", AttrValue::Int(seed)),
        ("seed2", AttrValue::Int(seed2)),
    ]
}

/// The next `shape` values of the stream of op `ctx.name` seeded `seeds`.
fn draw(
    ctx: &OpContext,
    distribution: Distribution,
    (seed, seed2): (i64, i64),
    dtype: DType,
    shape: &Shape,
) -> Result<Tensor> {
    let stream = ctx.state.random_stream(ctx.name, seed, seed2);
    let mut stream = stream.lock().unwrap_or_else(|e| e.into_inner());
    Ok(match distribution {
        Distribution::Uniform => kernels::random_uniform(&mut stream, dtype, shape),
        Distribution::Normal => kernels::random_normal(&mut stream, dtype, shape),
        Distribution::TruncatedNormal => kernels::truncated_normal(&mut stream, dtype, shape),
    }?)
}

/// [`RandomStandard`] at a shape given as its input (an int32 vector, as
/// `tf.shape(x)` gives), for shapes known only at run time, like
/// `tf.random.uniform(tf.shape(x))` in a graph. `shape` is what is known
/// of it statically; the draws equal [`RandomStandard`]'s at that shape.
#[derive(Debug, Clone)]
pub struct RandomStandardDynamic {
    pub distribution: Distribution,
    pub dtype: DType,
    pub shape: PartialShape,
    pub seed: i64,
    pub seed2: i64,
}

impl OpDef for RandomStandardDynamic {
    fn op_type(&self) -> &'static str {
        stateful_op_type(self.distribution)
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        stateful_attrs(self.dtype, self.seed, self.seed2)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 1)?;
        if !self.dtype.is_float() {
            fail!(op, "dtype must be float32 or float64, got {}", self.dtype);
        }
        Ok(vec![TensorSpec::new(self.dtype, self.shape.clone())])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let dims = int_vector(ctx.name, inputs[0])?
            .into_iter()
            .map(|d| usize::try_from(d).ok())
            .collect::<Option<Vec<usize>>>();
        let shape = match dims.map(Shape::new) {
            Some(s) if self.shape.is_compatible_with(&PartialShape::known(&s)) => s,
            _ => fail!(
                ctx.name,
                "the shape {:?} is not a shape of {}",
                inputs[0],
                self.shape
            ),
        };
        let (d, seeds) = (self.distribution, (self.seed, self.seed2));
        Ok(vec![draw(ctx, d, seeds, self.dtype, &shape)?])
    }
    fn is_stateful(&self) -> bool {
        true
    }
}

/// A stateful draw of integers uniform in `[minval, maxval)`.
#[derive(Debug, Clone)]
pub struct RandomUniformInt {
    pub dtype: DType,
    pub shape: Shape,
    pub minval: i64,
    pub maxval: i64,
    pub seed: i64,
    pub seed2: i64,
}

impl OpDef for RandomUniformInt {
    fn op_type(&self) -> &'static str {
        "RandomUniformInt"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("Tout", AttrValue::Type(self.dtype)),
            ("seed", AttrValue::Int(self.seed)),
            ("seed2", AttrValue::Int(self.seed2)),
        ]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let bound = |v: i64| {
            let v = Tensor::scalar(v);
            cast::cast("RandomUniformInt", &v, self.dtype).unwrap_or(v)
        };
        vec![
            ("shape", crate::op::shape_vector(&self.shape)),
            ("minval", bound(self.minval)),
            ("maxval", bound(self.maxval)),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("RandomUniformInt", inputs, 0)?;
        if !matches!(self.dtype, DType::I32 | DType::I64) {
            fail!(
                "RandomUniformInt",
                "dtype must be int32 or int64, got {}",
                self.dtype
            );
        }
        if self.minval >= self.maxval {
            fail!(
                "RandomUniformInt",
                "Need minval < maxval: {} >= {}",
                self.minval,
                self.maxval
            );
        }
        Ok(vec![TensorSpec::new(
            self.dtype,
            PartialShape::known(&self.shape),
        )])
    }
    fn compute(&self, ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let stream = ctx.state.random_stream(ctx.name, self.seed, self.seed2);
        let mut stream = stream.lock().unwrap_or_else(|e| e.into_inner());
        Ok(vec![kernels::random_uniform_int(
            &mut stream,
            &self.shape,
            self.minval,
            self.maxval,
            self.dtype,
        )?])
    }
    fn is_stateful(&self) -> bool {
        true
    }
}

/// Shuffles a tensor along its first dimension, like `tf.random.shuffle`.
#[derive(Debug, Clone, Copy)]
pub struct RandomShuffle {
    pub seed: i64,
    pub seed2: i64,
}

impl OpDef for RandomShuffle {
    fn op_type(&self) -> &'static str {
        "RandomShuffle"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("seed", AttrValue::Int(self.seed)),
            ("seed2", AttrValue::Int(self.seed2)),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        same_as_input("RandomShuffle", inputs, Accepts::Any)
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let stream = ctx.state.random_stream(ctx.name, self.seed, self.seed2);
        let mut stream = stream.lock().unwrap_or_else(|e| e.into_inner());
        Ok(vec![kernels::random_shuffle(&mut stream, inputs[0])?])
    }
    fn is_stateful(&self) -> bool {
        true
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None])
    }
}

/// A stateless draw: a pure function of the seed pair.
#[derive(Debug, Clone)]
pub struct StatelessRandom {
    pub distribution: Distribution,
    pub dtype: DType,
    pub shape: Shape,
    pub seed: [i64; 2],
}

impl OpDef for StatelessRandom {
    fn op_type(&self) -> &'static str {
        match self.distribution {
            Distribution::Uniform => "StatelessRandomUniform",
            Distribution::Normal => "StatelessRandomNormal",
            Distribution::TruncatedNormal => "StatelessTruncatedNormal",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("dtype", AttrValue::Type(self.dtype))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let seed = Tensor::from_vec(self.seed.to_vec(), [2]).expect("2 seeds make a [2] tensor");
        vec![
            ("shape", crate::op::shape_vector(&self.shape)),
            ("seed", seed),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        float_draw_spec(self.op_type(), inputs, self.dtype, &self.shape)
    }
    fn compute(&self, _ctx: &OpContext, _inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let out = match self.distribution {
            Distribution::Uniform => {
                kernels::stateless_random_uniform(&self.shape, self.seed, self.dtype)
            }
            Distribution::Normal => {
                kernels::stateless_random_normal(&self.shape, self.seed, self.dtype)
            }
            Distribution::TruncatedNormal => {
                kernels::stateless_truncated_normal(&self.shape, self.seed, self.dtype)
            }
        };
        Ok(vec![out?])
    }
}

/// Runs a no-input op eagerly.
fn eager_source(op: impl OpDef) -> Result<Tensor> {
    crate::apply1::<Tensor>(op, &[])
}

/// `standard * scale + shift`, in the output's dtype (TensorFlow's order).
fn scale_shift(standard: Tensor, scale: f64, shift: f64) -> Result<Tensor> {
    if scale == 1.0 && shift == 0.0 {
        return Ok(standard);
    }
    standard
        .mul(&standard.scalar_like(scale)?)?
        .add(&standard.scalar_like(shift)?)
}

fn standard(
    distribution: Distribution,
    shape: &[usize],
    dtype: DType,
    seed: Option<i64>,
) -> Result<Tensor> {
    let (seed, seed2) = eager_op_seeds(seed);
    eager_source(RandomStandard {
        distribution,
        dtype,
        shape: Shape::from(shape),
        seed,
        seed2,
    })
}

/// Values uniform in `[minval, maxval)`, like `tf.random.uniform`
/// (integer dtypes draw integers).
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = random_uniform(&[4], -1.0, 1.0, DType::F32, Some(7)).unwrap();
/// assert!(x.to_vec::<f32>().unwrap().iter().all(|v| (-1.0..1.0).contains(v)));
/// ```
pub fn random_uniform(
    shape: &[usize],
    minval: f64,
    maxval: f64,
    dtype: DType,
    seed: Option<i64>,
) -> Result<Tensor> {
    if matches!(dtype, DType::I32 | DType::I64) {
        let (seed, seed2) = eager_op_seeds(seed);
        return eager_source(RandomUniformInt {
            dtype,
            shape: Shape::from(shape),
            minval: minval as i64,
            maxval: maxval as i64,
            seed,
            seed2,
        });
    }
    let u = standard(Distribution::Uniform, shape, dtype, seed)?;
    scale_shift(u, maxval - minval, minval)
}

/// Normally distributed values, like `tf.random.normal`.
pub fn random_normal(
    shape: &[usize],
    mean: f64,
    stddev: f64,
    dtype: DType,
    seed: Option<i64>,
) -> Result<Tensor> {
    scale_shift(
        standard(Distribution::Normal, shape, dtype, seed)?,
        stddev,
        mean,
    )
}

/// Normal values redrawn beyond two standard deviations, like
/// `tf.random.truncated_normal`.
pub fn truncated_normal(
    shape: &[usize],
    mean: f64,
    stddev: f64,
    dtype: DType,
    seed: Option<i64>,
) -> Result<Tensor> {
    scale_shift(
        standard(Distribution::TruncatedNormal, shape, dtype, seed)?,
        stddev,
        mean,
    )
}

/// Shuffles along the first dimension, like `tf.random.shuffle`.
pub fn random_shuffle(x: &Tensor, seed: Option<i64>) -> Result<Tensor> {
    let (seed, seed2) = eager_op_seeds(seed);
    crate::apply1(RandomShuffle { seed, seed2 }, &[x])
}

/// Uniform values determined by `seed`, like `tf.random.stateless_uniform`.
pub fn stateless_random_uniform(
    shape: &[usize],
    seed: [i64; 2],
    minval: f64,
    maxval: f64,
    dtype: DType,
) -> Result<Tensor> {
    let u = eager_source(StatelessRandom {
        distribution: Distribution::Uniform,
        dtype,
        shape: Shape::from(shape),
        seed,
    })?;
    scale_shift(u, maxval - minval, minval)
}

/// Normal values determined by `seed`, like `tf.random.stateless_normal`.
pub fn stateless_random_normal(
    shape: &[usize],
    seed: [i64; 2],
    mean: f64,
    stddev: f64,
    dtype: DType,
) -> Result<Tensor> {
    let n = eager_source(StatelessRandom {
        distribution: Distribution::Normal,
        dtype,
        shape: Shape::from(shape),
        seed,
    })?;
    scale_shift(n, stddev, mean)
}
