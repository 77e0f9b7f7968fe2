//! Seeded random draws in a handle's own context: eager tensors draw at
//! once, graph outputs add a random node to their graph. Ops built from
//! random draws (dropout, random image flips and crops) are written once
//! against [`RandomSource`].

use super::{random_uniform, ArrayOps, RandomStandardDynamic, RandomUniformInt};
use crate::graph::Output;
use crate::ops::Distribution;
use crate::{Result, TensorOps};
use ferroflow_tensor::{DType, Shape, Tensor};

/// A handle that can draw random values next to itself.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::scalar(0.0f32);
/// let u = x.random_uniform_like(&[3], 0.0, 1.0, DType::F32, Some(1)).unwrap();
/// assert!(u.to_vec::<f32>().unwrap().iter().all(|v| (0.0..1.0).contains(v)));
/// ```
pub trait RandomSource: TensorOps {
    /// Values uniform in `[minval, maxval)` (integers for integer dtypes),
    /// like `tf.random.uniform(shape, minval, maxval, dtype, seed)` in
    /// `self`'s context.
    fn random_uniform_like(
        &self,
        shape: &[usize],
        minval: f64,
        maxval: f64,
        dtype: DType,
        seed: Option<i64>,
    ) -> Result<Self>;

    /// Floats uniform in `[0, 1)` of `self`'s dtype and run-time shape,
    /// like `tf.random.uniform(tf.shape(x), dtype=x.dtype, seed=seed)`: in
    /// a graph, a shape only partly known statically comes from a `Shape`
    /// node at run time.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::prelude::*;
    /// let g = Graph::new();
    /// let x = g.placeholder(DType::F32, [None, Some(3)], "x").unwrap();
    /// let u = x.random_uniform_same_shape(Some(1)).unwrap();
    /// assert_eq!(u.static_shape().to_string(), "(?, 3)");
    /// ```
    fn random_uniform_same_shape(&self, seed: Option<i64>) -> Result<Self>;
}

impl RandomSource for Tensor {
    fn random_uniform_like(
        &self,
        shape: &[usize],
        minval: f64,
        maxval: f64,
        dtype: DType,
        seed: Option<i64>,
    ) -> Result<Tensor> {
        random_uniform(shape, minval, maxval, dtype, seed)
    }
    fn random_uniform_same_shape(&self, seed: Option<i64>) -> Result<Tensor> {
        random_uniform(self.dims(), 0.0, 1.0, self.dtype(), seed)
    }
}

impl RandomSource for Output {
    fn random_uniform_like(
        &self,
        shape: &[usize],
        minval: f64,
        maxval: f64,
        dtype: DType,
        seed: Option<i64>,
    ) -> Result<Output> {
        let g = self.graph();
        if !matches!(dtype, DType::I32 | DType::I64) {
            let (scale, shift) = (maxval - minval, minval);
            return g.random(Distribution::Uniform, shape, dtype, scale, shift, seed);
        }
        let _scope = g.name_scope("random_uniform");
        let (seed, seed2) = g.op_seeds(seed);
        let op = RandomUniformInt {
            dtype,
            shape: Shape::from(shape),
            minval: minval as i64,
            maxval: maxval as i64,
            seed,
            seed2,
        };
        g.add_op1(op, &[], None)
    }
    fn random_uniform_same_shape(&self, seed: Option<i64>) -> Result<Output> {
        if let Some(shape) = self.static_shape().to_shape() {
            return self.random_uniform_like(shape.dims(), 0.0, 1.0, self.dtype(), seed);
        }
        let g = self.graph();
        let shape = self.shape_tensor()?;
        let _scope = g.name_scope("random_uniform");
        let (seed, seed2) = g.op_seeds(seed);
        let op = RandomStandardDynamic {
            distribution: Distribution::Uniform,
            dtype: self.dtype(),
            shape: self.static_shape(),
            seed,
            seed2,
        };
        g.add_op1(op, &[&shape], None)
    }
}
