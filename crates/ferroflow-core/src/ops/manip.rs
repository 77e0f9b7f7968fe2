//! Array manipulation: `tf.transpose`, `tf.concat`, `tf.stack`/`tf.unstack`,
//! `tf.split`, `tf.tile` and `tf.reverse`, and the `ManipOps` trait that
//! also reaches `tf.pad` (in `pad.rs`).

use super::{check_arity, ArrayOps, Pad, PadMode, ReduceOps};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::array as kernel;
use ferroflow_tensor::{normalize_axis, DType, Tensor};
use std::sync::Arc;

/// The fully known dimensions of `x`, which gradient rules and lowerings
/// need to size their slices and reshapes; an error naming `op` otherwise.
pub(crate) fn known_dims<H: TensorOps>(op: &str, x: &H) -> Result<Vec<usize>> {
    let shape = x.static_shape();
    match shape.to_shape() {
        Some(s) => Ok(s.dims().to_vec()),
        None => fail!(
            op,
            "needs a fully known static shape, got {}",
            shape.bracketed()
        ),
    }
}

/// The static rank of `x`, or an error naming `op`.
pub(crate) fn known_rank<H: TensorOps>(op: &str, x: &H) -> Result<usize> {
    match x.static_shape().rank() {
        Some(r) => Ok(r),
        None => fail!(op, "needs a known static rank, got a shape of unknown rank"),
    }
}

/// Checks that every input has the dtype of the first.
fn same_dtypes(op: &str, inputs: &[TensorSpec]) -> Result<DType> {
    let Some(first) = inputs.first() else {
        fail!(op, "expects at least one input tensor");
    };
    for (i, s) in inputs.iter().enumerate() {
        if s.dtype != first.dtype {
            fail!(
                op,
                "input #{i}(zero-based) is a {} tensor but input #0 is a {} tensor",
                s.dtype,
                first.dtype
            );
        }
    }
    Ok(first.dtype)
}

/// Permutes dimensions, like `tf.transpose(x, perm)`: output dimension `i`
/// is input dimension `perm[i]`; an empty `perm` reverses the dimensions
/// (TensorFlow's default).
#[derive(Debug, Clone)]
pub struct Transpose {
    pub perm: Vec<usize>,
}

impl Transpose {
    /// The permutation for an input of `shape`, checked.
    fn resolve(&self, shape: &PartialShape, rank: usize) -> Result<Vec<usize>> {
        if self.perm.is_empty() {
            return Ok((0..rank).rev().collect());
        }
        let perm = &self.perm;
        if perm.len() != rank {
            fail!(
                "Transpose",
                "transpose expects a vector of size {rank}. But input(1) is a vector of size {} (perm {perm:?}, input shape {})",
                perm.len(),
                shape.bracketed()
            );
        }
        let mut seen = vec![false; rank];
        for &p in perm {
            if p >= rank {
                fail!(
                    "Transpose",
                    "{p} is out of range [0 .. {rank}) in perm {perm:?} for input shape {}",
                    shape.bracketed()
                );
            }
            if std::mem::replace(&mut seen[p], true) {
                fail!("Transpose", "{p} is duplicated in perm {perm:?}");
            }
        }
        Ok(perm.clone())
    }
}

impl OpDef for Transpose {
    fn op_type(&self) -> &'static str {
        "Transpose"
    }
    fn default_name(&self) -> &'static str {
        "transpose"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("Tperm", AttrValue::Type(DType::I32))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let perm = self.perm.iter().map(|&p| p as i64);
        vec![("perm", crate::op::int32_vector(perm))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Transpose", inputs, 1)?;
        let input = &inputs[0].shape;
        let shape = match input.dims() {
            Some(d) => {
                let perm = self.resolve(input, d.len())?;
                PartialShape::from_dims(&perm.iter().map(|&p| d[p]).collect::<Vec<_>>())
            }
            None if !self.perm.is_empty() => PartialShape::unknown_dims(self.perm.len()),
            None => PartialShape::unknown(),
        };
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        let perm = self.resolve(&PartialShape::known(x.shape()), x.rank())?;
        Ok(vec![kernel::transpose(ctx.name, x, &perm)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let rank = if self.perm.is_empty() {
            known_rank("Transpose", &a.inputs[0])?
        } else {
            self.perm.len()
        };
        let perm = self.resolve(&a.inputs[0].static_shape(), rank)?;
        let mut inverse = vec![0; rank];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i;
        }
        Ok(vec![Some(a.grads[0].transpose(&inverse)?)])
    }
}

/// The concat axis in `0..rank`; scalars cannot be concatenated.
fn concat_axis(axis: i64, rank: usize) -> Result<usize> {
    if rank == 0 {
        fail!(
            "ConcatV2",
            "Can't concatenate scalars (use tf.stack instead)"
        );
    }
    Ok(normalize_axis("ConcatV2", axis, rank)?)
}

/// Joins tensors along an existing axis, like `tf.concat(values, axis)`.
#[derive(Debug, Clone, Copy)]
pub struct ConcatV2 {
    pub axis: i64,
}

impl OpDef for ConcatV2 {
    fn op_type(&self) -> &'static str {
        "ConcatV2"
    }
    fn default_name(&self) -> &'static str {
        "concat"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("Tidx", AttrValue::Type(DType::I32))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("axis", Tensor::scalar(self.axis as i32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let dtype = same_dtypes("ConcatV2", inputs)?;
        let known: Vec<(usize, &[Option<usize>])> = inputs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.shape.dims().map(|d| (i, d)))
            .collect();
        let Some(&(first_i, first)) = known.first() else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        let axis = concat_axis(self.axis, first.len())?;
        let mut out = first.to_vec();
        let mut total = Some(0);
        for &(i, dims) in &known {
            let shapes = || {
                format!(
                    "shape[{first_i}] = {} vs. shape[{i}] = {}",
                    inputs[first_i].shape.bracketed(),
                    inputs[i].shape.bracketed()
                )
            };
            if dims.len() != out.len() {
                fail!(
                    "ConcatV2",
                    "Ranks of all input tensors should match: {}",
                    shapes()
                );
            }
            for (k, (o, &d)) in out.iter_mut().zip(dims).enumerate() {
                match (*o, d) {
                    _ if k == axis => {}
                    (Some(x), Some(y)) if x != y => fail!(
                        "ConcatV2",
                        "Dimension {k} in both shapes must be equal: {}",
                        shapes()
                    ),
                    (None, y) => *o = y,
                    _ => {}
                }
            }
            total = total.zip(dims[axis]).map(|(t, d)| t + d);
        }
        out[axis] = total.filter(|_| known.len() == inputs.len());
        Ok(vec![TensorSpec::new(dtype, PartialShape::from_dims(&out))])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let Some(first) = inputs.first() else {
            fail!(ctx.name, "expects at least one input tensor");
        };
        let axis = concat_axis(self.axis, first.rank())?;
        Ok(vec![kernel::concat(ctx.name, inputs, axis)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let shapes: Vec<PartialShape> = a.inputs.iter().map(|x| x.static_shape()).collect();
        let Some(rank) = shapes.iter().find_map(|s| s.rank()) else {
            fail!(
                "ConcatV2",
                "the gradient needs the inputs' rank, which is unknown"
            );
        };
        let axis = concat_axis(self.axis, rank)?;
        // One unknown size is resolved by the split; more are an error there.
        let sizes: Vec<i64> = shapes
            .iter()
            .map(|s| s.dims().and_then(|d| d[axis]).map_or(-1, |d| d as i64))
            .collect();
        let parts = a.grads[0].split(sizes, axis as i64)?;
        Ok(parts.into_iter().map(Some).collect())
    }
}

/// Stacks tensors of one shape along a new axis, like `tf.stack(values,
/// axis)`.
#[derive(Debug, Clone, Copy)]
pub struct Pack {
    pub axis: i64,
}

/// The message for inputs of `Pack` whose shapes differ.
fn pack_mismatch(i: usize, first: &PartialShape, other: &PartialShape) -> crate::Error {
    crate::Error::invalid(
        "Pack",
        format!(
            "Shapes of all inputs must match: values[0].shape = {} != values[{i}].shape = {}",
            first.bracketed(),
            other.bracketed()
        ),
    )
}

impl OpDef for Pack {
    fn op_type(&self) -> &'static str {
        "Pack"
    }
    fn default_name(&self) -> &'static str {
        "stack"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("axis", AttrValue::Int(self.axis))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let dtype = same_dtypes("Pack", inputs)?;
        let mut merged = inputs[0].shape.clone();
        for (i, s) in inputs.iter().enumerate() {
            if !merged.is_compatible_with(&s.shape) {
                return Err(pack_mismatch(i, &inputs[0].shape, &s.shape));
            }
            merged = merged.merge_with(&s.shape)?;
        }
        let shape = match merged.dims() {
            Some(d) => {
                let axis = normalize_axis("Pack", self.axis, d.len() + 1)?;
                let mut out = d.to_vec();
                out.insert(axis, Some(inputs.len()));
                PartialShape::from_dims(&out)
            }
            None => PartialShape::unknown(),
        };
        Ok(vec![TensorSpec::new(dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let Some(first) = inputs.first() else {
            fail!(ctx.name, "expects at least one input tensor");
        };
        if let Some(i) = inputs.iter().position(|x| x.shape() != first.shape()) {
            return Err(pack_mismatch(
                i,
                &PartialShape::known(first.shape()),
                &PartialShape::known(inputs[i].shape()),
            ));
        }
        let axis = normalize_axis(ctx.name, self.axis, first.rank() + 1)?;
        let mut dims = first.dims().to_vec();
        dims.insert(axis, 1);
        let views = inputs
            .iter()
            .map(|x| x.view(dims.clone()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let refs: Vec<&Tensor> = views.iter().collect();
        Ok(vec![kernel::concat(ctx.name, &refs, axis)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let parts = a.grads[0].unstack(Some(a.inputs.len()), self.axis)?;
        Ok(parts.into_iter().map(Some).collect())
    }
}

/// Splits a tensor along an axis into `num` tensors of one less rank, like
/// `tf.unstack(value, num, axis)`.
#[derive(Debug, Clone, Copy)]
pub struct Unpack {
    pub num: usize,
    pub axis: i64,
}

impl Unpack {
    /// The axis in `0..rank`, checking that its dimension is `num`.
    fn axis(&self, shape: &PartialShape, dims: &[Option<usize>]) -> Result<usize> {
        let axis = normalize_axis("Unpack", self.axis, dims.len())?;
        if let Some(d) = dims[axis].filter(|&d| d != self.num) {
            fail!(
                "Unpack",
                "Dimension must be {} but is {d} for input of shape {} (axis {})",
                self.num,
                shape.bracketed(),
                self.axis
            );
        }
        Ok(axis)
    }
}

impl OpDef for Unpack {
    fn op_type(&self) -> &'static str {
        "Unpack"
    }
    fn default_name(&self) -> &'static str {
        "unstack"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("num", AttrValue::Int(self.num as i64)),
            ("axis", AttrValue::Int(self.axis)),
        ]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Unpack", inputs, 1)?;
        let input = &inputs[0].shape;
        let shape = match input.dims() {
            Some(d) => {
                let axis = self.axis(input, d)?;
                let mut out = d.to_vec();
                out.remove(axis);
                PartialShape::from_dims(&out)
            }
            None => PartialShape::unknown(),
        };
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape); self.num])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        let shape = PartialShape::known(x.shape());
        let axis = self.axis(&shape, shape.dims().unwrap_or(&[]))?;
        let mut dims = x.dims().to_vec();
        dims.remove(axis);
        kernel::split(ctx.name, x, &vec![1; self.num], axis)?
            .into_iter()
            .map(|t| Ok(t.view(dims.clone())?))
            .collect()
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let grads: Vec<&H> = a.grads.iter().collect();
        Ok(vec![Some(stack(&grads, self.axis)?)])
    }
}

/// How `tf.split` divides a dimension: into a number of equal parts, or
/// into parts of the listed sizes (one of which may be `-1`: the rest).
///
/// ```
/// use ferroflow_core::ops::SplitSizes;
/// assert_eq!(SplitSizes::from(3), SplitSizes::Count(3));
/// assert_eq!(SplitSizes::from([2, -1]), SplitSizes::Sizes(vec![2, -1]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitSizes {
    Count(i64),
    Sizes(Vec<i64>),
}

impl From<i32> for SplitSizes {
    fn from(n: i32) -> Self {
        SplitSizes::Count(n.into())
    }
}
impl From<i64> for SplitSizes {
    fn from(n: i64) -> Self {
        SplitSizes::Count(n)
    }
}
impl From<usize> for SplitSizes {
    fn from(n: usize) -> Self {
        SplitSizes::Count(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<Vec<i64>> for SplitSizes {
    fn from(v: Vec<i64>) -> Self {
        SplitSizes::Sizes(v)
    }
}
impl From<&[i64]> for SplitSizes {
    fn from(v: &[i64]) -> Self {
        SplitSizes::Sizes(v.to_vec())
    }
}
impl<const N: usize> From<[i64; N]> for SplitSizes {
    fn from(v: [i64; N]) -> Self {
        SplitSizes::Sizes(v.to_vec())
    }
}

/// Splits a tensor along an axis, like `tf.split(value, num_or_size_splits,
/// axis)`: op `Split` for a count of equal parts, `SplitV` for sizes.
#[derive(Debug, Clone)]
pub struct Split {
    pub sizes: SplitSizes,
    pub axis: i64,
}

impl Split {
    /// How many outputs the split has.
    fn num_outputs(&self) -> usize {
        match &self.sizes {
            SplitSizes::Count(n) => usize::try_from(*n).unwrap_or(0),
            SplitSizes::Sizes(v) => v.len(),
        }
    }

    /// The size of each part for a dimension of size `dim` (if known) of
    /// an input of `shape`.
    fn resolve(&self, shape: &PartialShape, dim: Option<usize>) -> Result<Vec<Option<usize>>> {
        let op = self.op_type();
        let axis = self.axis;
        match &self.sizes {
            SplitSizes::Count(n) if *n < 1 => {
                fail!(op, "Number of ways to split should be > 0, but got {n}")
            }
            SplitSizes::Count(n) => {
                let n = *n as usize;
                if let Some(d) = dim.filter(|d| d % n != 0) {
                    fail!(
                        op,
                        "Number of ways to split should evenly divide the split dimension, but got split_dim {axis} (size = {d}) and num_split {n} for input of shape {}",
                        shape.bracketed()
                    );
                }
                Ok(vec![dim.map(|d| d / n); n])
            }
            SplitSizes::Sizes(v) => {
                if v.is_empty() {
                    fail!(op, "Number of ways to split should be > 0, but got 0");
                }
                if v.iter().filter(|&&s| s == -1).count() > 1 {
                    fail!(op, "There can only be one -1 in the input, got {v:?}");
                }
                if let Some(s) = v.iter().find(|&&s| s < -1) {
                    fail!(op, "Split sizes must be >= 0 (or one -1), got {s} in {v:?}");
                }
                let known = v
                    .iter()
                    .filter(|&&s| s >= 0)
                    .try_fold(0usize, |acc, &s| acc.checked_add(s as usize));
                let has_rest = v.contains(&-1);
                let rest = match (dim, known) {
                    (Some(d), Some(k)) if k == d || (has_rest && k <= d) => Some(d - k),
                    (None, Some(_)) => None,
                    _ => fail!(
                        op,
                        "Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified. Got sizes {v:?} for dimension {axis} of shape {}",
                        shape.bracketed()
                    ),
                };
                Ok(v.iter()
                    .map(|&s| if s == -1 { rest } else { Some(s as usize) })
                    .collect())
            }
        }
    }
}

impl OpDef for Split {
    fn op_type(&self) -> &'static str {
        match self.sizes {
            SplitSizes::Count(_) => "Split",
            SplitSizes::Sizes(_) => "SplitV",
        }
    }
    fn default_name(&self) -> &'static str {
        "split"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        let mut attrs = vec![("num_split", AttrValue::Int(self.num_outputs() as i64))];
        if let SplitSizes::Sizes(_) = self.sizes {
            attrs.push(("Tlen", AttrValue::Type(DType::I64)));
        }
        attrs
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let split_dim = ("split_dim", Tensor::scalar(self.axis as i32));
        match &self.sizes {
            SplitSizes::Count(_) => vec![split_dim],
            SplitSizes::Sizes(sizes) => {
                let n = sizes.len();
                let sizes =
                    Tensor::from_vec(sizes.clone(), [n]).expect("n sizes make a [n] tensor");
                vec![("size_splits", sizes), split_dim]
            }
        }
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity(self.op_type(), inputs, 1)?;
        let input = &inputs[0].shape;
        let Some(d) = input.dims() else {
            self.resolve(input, None)?;
            let unknown = TensorSpec::new(inputs[0].dtype, PartialShape::unknown());
            return Ok(vec![unknown; self.num_outputs()]);
        };
        let axis = normalize_axis(self.op_type(), self.axis, d.len())?;
        let sizes = self.resolve(input, d[axis])?;
        Ok(sizes
            .into_iter()
            .map(|s| {
                let mut out = d.to_vec();
                out[axis] = s;
                TensorSpec::new(inputs[0].dtype, PartialShape::from_dims(&out))
            })
            .collect())
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let x = inputs[0];
        let axis = normalize_axis(ctx.name, self.axis, x.rank())?;
        let sizes: Vec<usize> = self
            .resolve(&PartialShape::known(x.shape()), Some(x.dims()[axis]))?
            .into_iter()
            .flatten()
            .collect();
        Ok(kernel::split(ctx.name, x, &sizes, axis)?)
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let grads: Vec<&H> = a.grads.iter().collect();
        Ok(vec![Some(concat(&grads, self.axis)?)])
    }
}

/// Repeats a tensor along each dimension, like `tf.tile(input, multiples)`.
#[derive(Debug, Clone)]
pub struct Tile {
    pub multiples: Vec<usize>,
}

impl OpDef for Tile {
    fn op_type(&self) -> &'static str {
        "Tile"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("Tmultiples", AttrValue::Type(DType::I32))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let multiples = self.multiples.iter().map(|&m| m as i64);
        vec![("multiples", crate::op::int32_vector(multiples))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("Tile", inputs, 1)?;
        let input = &inputs[0].shape;
        let shape = match input.dims() {
            Some(d) if d.len() != self.multiples.len() => fail!(
                "Tile",
                "Expected multiples argument to be a vector of length {} but got length {} for input of shape {}",
                d.len(),
                self.multiples.len(),
                input.bracketed()
            ),
            Some(d) => {
                let mut out = Vec::with_capacity(d.len());
                for (&d, &m) in d.iter().zip(&self.multiples) {
                    out.push(match d.map(|d| d.checked_mul(m)) {
                        Some(None) => fail!("Tile", "multiples {:?} are too large", self.multiples),
                        other => other.flatten(),
                    });
                }
                PartialShape::from_dims(&out)
            }
            None => PartialShape::unknown_dims(self.multiples.len()),
        };
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![kernel::tile(ctx.name, inputs[0], &self.multiples)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let dims = known_dims("Tile", &a.inputs[0])?;
        if dims.is_empty() {
            return Ok(vec![Some(a.grads[0].clone())]);
        }
        // [m0*d0, m1*d1, …] -> [m0, d0, m1, d1, …], summed over the m axes.
        let split: Vec<i64> = self
            .multiples
            .iter()
            .zip(&dims)
            .flat_map(|(&m, &d)| [m as i64, d as i64])
            .collect();
        let repeats: Vec<i64> = (0..dims.len() as i64).map(|i| 2 * i).collect();
        let grad = a.grads[0].reshape(&split)?.reduce_sum(repeats, false)?;
        Ok(vec![Some(grad)])
    }
}

/// Reverses a tensor along the given axes, like `tf.reverse(tensor, axis)`.
#[derive(Debug, Clone)]
pub struct ReverseV2 {
    pub axes: Vec<i64>,
}

impl ReverseV2 {
    fn resolve(&self, rank: usize) -> Result<Vec<usize>> {
        let axes = self
            .axes
            .iter()
            .map(|&a| normalize_axis("ReverseV2", a, rank))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for (i, a) in axes.iter().enumerate() {
            if axes[..i].contains(a) {
                fail!(
                    "ReverseV2",
                    "axis {a} specified more than once in {:?}",
                    self.axes
                );
            }
        }
        Ok(axes)
    }
}

impl OpDef for ReverseV2 {
    fn op_type(&self) -> &'static str {
        "ReverseV2"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("Tidx", AttrValue::Type(DType::I32))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("axis", crate::op::int32_vector(self.axes.iter().copied()))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("ReverseV2", inputs, 1)?;
        if let Some(rank) = inputs[0].shape.rank() {
            self.resolve(rank)?;
        }
        Ok(vec![inputs[0].clone()])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let axes = self.resolve(inputs[0].rank())?;
        Ok(vec![kernel::reverse(ctx.name, inputs[0], &axes)?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![Some(a.grads[0].reverse(&self.axes)?)])
    }
}

/// Joins tensors along an existing axis, like `tf.concat(values, axis)`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let a = Tensor::from([[1, 2]]);
/// let b = Tensor::from([[3, 4]]);
/// assert_eq!(concat(&[&a, &b], 0).unwrap(), Tensor::from([[1, 2], [3, 4]]));
/// assert_eq!(concat(&[&a, &b], -1).unwrap(), Tensor::from([[1, 2, 3, 4]]));
/// ```
pub fn concat<H: TensorOps>(values: &[&H], axis: i64) -> Result<H> {
    apply1(ConcatV2 { axis }, values)
}

/// Stacks tensors of one shape along a new axis, like `tf.stack(values,
/// axis)`.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let a = Tensor::from([1, 2]);
/// let b = Tensor::from([3, 4]);
/// assert_eq!(stack(&[&a, &b], 1).unwrap(), Tensor::from([[1, 3], [2, 4]]));
/// ```
pub fn stack<H: TensorOps>(values: &[&H], axis: i64) -> Result<H> {
    apply1(Pack { axis }, values)
}

/// Dimension shuffling, joining, splitting and padding on any handle.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from([[1, 2, 3], [4, 5, 6]]);
/// assert_eq!(x.transpose(&[]).unwrap(), Tensor::from([[1, 4], [2, 5], [3, 6]]));
/// let parts = x.split([1, -1], 1).unwrap();
/// assert_eq!(parts[1], Tensor::from([[2, 3], [5, 6]]));
/// assert_eq!(x.reverse(&[-1]).unwrap(), Tensor::from([[3, 2, 1], [6, 5, 4]]));
/// ```
pub trait ManipOps: TensorOps {
    /// Permutes the dimensions, like `tf.transpose(x, perm)`; an empty
    /// `perm` reverses them.
    fn transpose(&self, perm: &[usize]) -> Result<Self> {
        apply1(
            Transpose {
                perm: perm.to_vec(),
            },
            &[self],
        )
    }
    /// Splits along `axis` into tensors of one less rank, like
    /// `tf.unstack(x, num, axis)`; `num` defaults to the static dimension.
    fn unstack(&self, num: Option<usize>, axis: i64) -> Result<Vec<Self>> {
        let num = match num {
            Some(n) => n,
            None => {
                let shape = self.static_shape();
                let dim = shape.dims().and_then(|d| {
                    let axis = normalize_axis("Unpack", axis, d.len()).ok()?;
                    d[axis]
                });
                match dim {
                    Some(n) => n,
                    None => fail!(
                        "Unpack",
                        "Cannot infer argument `num` from shape {}",
                        shape.bracketed()
                    ),
                }
            }
        };
        Self::apply(Arc::new(Unpack { num, axis }), &[self])
    }
    /// Splits along `axis`, like `tf.split(x, num_or_size_splits, axis)`:
    /// `x.split(3, 0)` gives three equal parts, `x.split([2, -1], 0)` a
    /// part of 2 and the rest.
    fn split(&self, num_or_size_splits: impl Into<SplitSizes>, axis: i64) -> Result<Vec<Self>> {
        let op = Split {
            sizes: num_or_size_splits.into(),
            axis,
        };
        Self::apply(Arc::new(op), &[self])
    }
    /// Repeats the tensor `multiples[i]` times along dimension `i`, like
    /// `tf.tile(x, multiples)`.
    fn tile(&self, multiples: &[usize]) -> Result<Self> {
        apply1(
            Tile {
                multiples: multiples.to_vec(),
            },
            &[self],
        )
    }
    /// Pads dimension `i` with `paddings[i] = (before, after)` elements,
    /// like `tf.pad(x, paddings, mode, constant_values)`.
    fn pad(
        &self,
        paddings: &[(usize, usize)],
        mode: PadMode,
        constant_values: f64,
    ) -> Result<Self> {
        apply1(
            Pad {
                paddings: paddings.to_vec(),
                mode,
                constant: constant_values,
            },
            &[self],
        )
    }
    /// Reverses the order of elements along each of `axes`, like
    /// `tf.reverse(x, axis)`.
    fn reverse(&self, axes: &[i64]) -> Result<Self> {
        apply1(
            ReverseV2 {
                axes: axes.to_vec(),
            },
            &[self],
        )
    }
}

impl<H: TensorOps> ManipOps for H {}
