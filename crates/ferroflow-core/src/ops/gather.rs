//! Gathers and their gradients: `tf.gather`, `tf.gather_nd`, `tf.one_hot`,
//! and `tf.scatter_nd` / `tf.math.unsorted_segment_sum`, which the gathers'
//! gradients are written with. Reached through [`super::IndexingOps`].

use super::manip::{known_dims, known_rank};
use super::{check_arity, ArrayOps, CompareOps, IndexingOps, ManipOps, MathOps};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::cast::cast;
use ferroflow_tensor::kernels::index as kernel;
use ferroflow_tensor::{normalize_axis, DType, Shape, Tensor};

/// Checks that input `i` holds indices (int32 or int64, or uint8 when
/// `uint8` is allowed).
fn check_index_dtype(op: &str, inputs: &[TensorSpec], i: usize, uint8: bool) -> Result<()> {
    let dtype = inputs[i].dtype;
    if !(matches!(dtype, DType::I32 | DType::I64) || (uint8 && dtype == DType::U8)) {
        fail!(
            op,
            "input #{i}(zero-based) was expected to be an int32 or int64 tensor but is a {dtype} tensor"
        );
    }
    Ok(())
}

/// Gathers slices along an axis, like `tf.gather(params, indices, axis,
/// batch_dims)`. Inputs: params, indices.
#[derive(Debug, Clone, Copy)]
pub struct GatherV2 {
    pub axis: i64,
    pub batch_dims: i64,
}

impl GatherV2 {
    /// The axis and batch dimensions for params and indices of these ranks.
    fn resolve(&self, params_rank: usize, indices_rank: usize) -> Result<(usize, usize)> {
        let axis = normalize_axis("GatherV2", self.axis, params_rank)?;
        let ir = indices_rank as i64;
        let batch = if self.batch_dims < 0 {
            self.batch_dims + ir
        } else {
            self.batch_dims
        };
        if !(0..=ir).contains(&batch) {
            fail!(
                "GatherV2",
                "Expected batch_dims in the range [{}, {ir}], but got {}",
                -ir,
                self.batch_dims
            );
        }
        let batch = batch as usize;
        if batch > axis {
            fail!(
                "GatherV2",
                "batch_dims ({batch}) must be less than or equal to axis ({axis})"
            );
        }
        Ok((axis, batch))
    }
}

impl OpDef for GatherV2 {
    fn op_type(&self) -> &'static str {
        "GatherV2"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            ("batch_dims", AttrValue::Int(self.batch_dims)),
            ("Taxis", AttrValue::Type(DType::I32)),
        ]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("axis", Tensor::scalar(self.axis as i32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("GatherV2", inputs, 2)?;
        check_index_dtype("GatherV2", inputs, 1, false)?;
        let dtype = inputs[0].dtype;
        let (Some(pd), Some(id)) = (inputs[0].shape.dims(), inputs[1].shape.dims()) else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        let (axis, batch) = self.resolve(pd.len(), id.len())?;
        for i in 0..batch {
            if let (Some(p), Some(q)) = (pd[i], id[i]) {
                if p != q {
                    fail!(
                        "GatherV2",
                        "params.shape[{i}]: {p} should be equal to indices.shape[{i}]: {q} (params {}, indices {})",
                        inputs[0].shape.bracketed(),
                        inputs[1].shape.bracketed()
                    );
                }
            }
        }
        let out: Vec<Option<usize>> = pd[..axis]
            .iter()
            .chain(&id[batch..])
            .chain(&pd[axis + 1..])
            .copied()
            .collect();
        Ok(vec![TensorSpec::new(dtype, PartialShape::from_dims(&out))])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (params, indices) = (inputs[0], inputs[1]);
        let (axis, batch) = self.resolve(params.rank(), indices.rank())?;
        Ok(vec![kernel::gather(
            ctx.name, params, indices, axis, batch,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (params, indices) = (&a.inputs[0], &a.inputs[1]);
        let pd = known_dims("GatherV2", params)?;
        let (axis, batch) = self.resolve(pd.len(), known_rank("GatherV2", indices)?)?;
        let grad = gather_grad(&a.grads[0], params, indices, &pd, axis, batch)?;
        Ok(vec![Some(grad), None])
    }
}

/// The dense gradient of a gather from `params` (of static dims `pd`):
/// `dy` viewed as `[B, O, I, N]` (batch, before the axis, indices, after
/// the axis) is summed into `[B*P, O, N]` rows by `UnsortedSegmentSum` —
/// batch `b`'s indices shifted by `b*P` — and reshaped back to `pd`. The
/// number of indices `I` may be unknown (a batch of ids in a graph).
fn gather_grad<H: TensorOps>(
    dy: &H,
    params: &H,
    indices: &H,
    pd: &[usize],
    axis: usize,
    batch: usize,
) -> Result<H> {
    if pd.contains(&0) {
        return params.zeros_like();
    }
    let dims = |d: &[usize]| d.iter().map(|&v| v as i64).collect::<Vec<i64>>();
    let [b, o, p, n] = [
        pd[..batch].iter().product(),
        pd[batch..axis].iter().product(),
        pd[axis],
        pd[axis + 1..].iter().product::<usize>(),
    ]
    .map(|v| v as i64);
    // Bring the indexed axis in front of the `O` axis when there is one.
    let swap = |x: H, from: [i64; 4]| -> Result<H> {
        let x = x.reshape(&from)?;
        if o > 1 {
            x.transpose(&[0, 2, 1, 3])
        } else {
            Ok(x)
        }
    };
    let values = swap(dy.clone(), [b, o, -1, n])?.reshape(&[-1, o, n])?;
    let mut ids = indices.reshape(&[b, -1])?;
    if b > 1 {
        let offsets: Vec<i64> = (0..b).map(|k| k * p).collect();
        let offsets = Tensor::from_vec(offsets, [b as usize, 1])?;
        let offsets = cast("GatherV2", &offsets, indices.dtype())?;
        ids = ids.add(&indices.constant_like(offsets)?)?;
    }
    let ids = ids.reshape(&[-1])?;
    let summed = values.unsorted_segment_sum(&ids, (b * p) as usize)?;
    swap(summed, [b, p, o, n])?.reshape(&dims(pd))
}

/// Gathers slices named by index tuples, like `tf.gather_nd(params,
/// indices)`. Inputs: params, indices.
#[derive(Debug, Clone, Copy, Default)]
pub struct GatherNd;

impl OpDef for GatherNd {
    fn op_type(&self) -> &'static str {
        "GatherNd"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("bad_indices_policy", AttrValue::Str(String::new()))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("GatherNd", inputs, 2)?;
        check_index_dtype("GatherNd", inputs, 1, false)?;
        let dtype = inputs[0].dtype;
        let (params, indices) = (&inputs[0].shape, &inputs[1].shape);
        let (Some(pd), Some(id)) = (params.dims(), indices.dims()) else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        let Some(&last) = id.last() else {
            fail!(
                "GatherNd",
                "indices must be at least a vector, got shape []"
            );
        };
        let Some(k) = last else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        if k > pd.len() {
            fail!(
                "GatherNd",
                "index innermost dimension length must be <= params rank; saw: {k} vs. {} (params {}, indices {})",
                pd.len(),
                params.bracketed(),
                indices.bracketed()
            );
        }
        let out: Vec<Option<usize>> = id[..id.len() - 1].iter().chain(&pd[k..]).copied().collect();
        Ok(vec![TensorSpec::new(dtype, PartialShape::from_dims(&out))])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![kernel::gather_nd(ctx.name, inputs[0], inputs[1])?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let shape = Shape::new(known_dims("GatherNd", &a.inputs[0])?);
        let grad = scatter_nd(&a.inputs[1], &a.grads[0], &shape)?;
        Ok(vec![Some(grad), None])
    }
}

/// Scatters updates into zeros of a shape at index tuples, adding
/// duplicates, like `tf.scatter_nd(indices, updates, shape)`. Inputs:
/// indices, updates.
#[derive(Debug, Clone)]
pub struct ScatterNd {
    pub shape: Shape,
}

impl OpDef for ScatterNd {
    fn op_type(&self) -> &'static str {
        "ScatterNd"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("bad_indices_policy", AttrValue::Str(String::new()))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("shape", crate::op::shape_vector(&self.shape))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("ScatterNd", inputs, 2)?;
        check_index_dtype("ScatterNd", inputs, 0, false)?;
        let shape = PartialShape::known(&self.shape);
        Ok(vec![TensorSpec::new(inputs[1].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let y = kernel::scatter_nd(ctx.name, inputs[0], inputs[1], &self.shape)?;
        Ok(vec![y])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None, Some(a.grads[0].gather_nd(&a.inputs[0])?)])
    }
}

/// Sums rows of data into segments, like `tf.math.unsorted_segment_sum(data,
/// segment_ids, num_segments)`. Inputs: data, segment_ids.
#[derive(Debug, Clone, Copy)]
pub struct UnsortedSegmentSum {
    pub num_segments: usize,
}

impl OpDef for UnsortedSegmentSum {
    fn op_type(&self) -> &'static str {
        "UnsortedSegmentSum"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("Tnumsegments", AttrValue::Type(DType::I32))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("num_segments", Tensor::scalar(self.num_segments as i32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("UnsortedSegmentSum", inputs, 2)?;
        check_index_dtype("UnsortedSegmentSum", inputs, 1, false)?;
        let (data, ids) = (&inputs[0].shape, &inputs[1].shape);
        let dtype = inputs[0].dtype;
        let (Some(dd), Some(sd)) = (data.dims(), ids.dims()) else {
            return Ok(vec![TensorSpec::new(dtype, PartialShape::unknown())]);
        };
        let prefix = PartialShape::from_dims(dd.get(..sd.len()).unwrap_or(dd));
        if !prefix.is_compatible_with(ids) {
            fail!(
                "UnsortedSegmentSum",
                "data.shape = {} does not start with segment_ids.shape = {}",
                data.bracketed(),
                ids.bracketed()
            );
        }
        let out: Vec<Option<usize>> = std::iter::once(Some(self.num_segments))
            .chain(dd[sd.len()..].iter().copied())
            .collect();
        Ok(vec![TensorSpec::new(dtype, PartialShape::from_dims(&out))])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let y = kernel::unsorted_segment_sum(ctx.name, inputs[0], inputs[1], self.num_segments)?;
        Ok(vec![y])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        // Each row gets its segment's gradient; rows with a negative
        // (dropped) id get zero.
        let (data, ids, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
        let zero = ids.scalar_like(0.0)?;
        let picked = dy.gather(&ids.maximum(&zero)?, 0, 0)?;
        let mut kept = ids.greater_equal(&zero)?.cast(dy.dtype())?;
        let extra =
            known_rank("UnsortedSegmentSum", data)? - known_rank("UnsortedSegmentSum", ids)?;
        for _ in 0..extra {
            kept = kept.expand_dims(-1)?;
        }
        Ok(vec![Some(picked.mul(&kept)?), None])
    }
}

/// A one-hot encoding, like `tf.one_hot(indices, depth, on_value,
/// off_value, axis)`. Inputs: indices, on_value, off_value (scalars).
#[derive(Debug, Clone, Copy)]
pub struct OneHot {
    pub depth: usize,
    pub axis: i64,
}

impl OpDef for OneHot {
    fn op_type(&self) -> &'static str {
        "OneHot"
    }
    fn default_name(&self) -> &'static str {
        "one_hot"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("axis", AttrValue::Int(self.axis))]
    }
    fn tf_inputs(&self, _inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        vec![("depth", Tensor::scalar(self.depth as i32))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("OneHot", inputs, 3)?;
        check_index_dtype("OneHot", inputs, 0, true)?;
        let dtype = inputs[1].dtype;
        if inputs[2].dtype != dtype {
            fail!(
                "OneHot",
                "on_value is a {dtype} tensor but off_value is a {} tensor",
                inputs[2].dtype
            );
        }
        if let Some(s) = inputs[1..]
            .iter()
            .find(|s| s.shape.rank().is_some_and(|r| r != 0))
        {
            fail!(
                "OneHot",
                "on_value and off_value must be scalars, got shape {}",
                s.shape.bracketed()
            );
        }
        let shape = match inputs[0].shape.dims() {
            Some(d) => {
                let axis = match self.axis {
                    -1 => d.len(),
                    a if a >= 0 && a as usize <= d.len() => a as usize,
                    a => fail!(
                        "OneHot",
                        "Expected axis to be -1 or between [0, {}).  But received: {a}",
                        d.len() + 1
                    ),
                };
                let mut out = d.to_vec();
                out.insert(axis, Some(self.depth));
                PartialShape::from_dims(&out)
            }
            None => PartialShape::unknown(),
        };
        Ok(vec![TensorSpec::new(dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let (indices, on, off) = (inputs[0], inputs[1], inputs[2]);
        let y = kernel::one_hot(ctx.name, indices, self.depth, on, off, self.axis)?;
        Ok(vec![y])
    }
    fn gradient<H: TensorOps>(&self, _a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![None, None, None])
    }
}

/// Scatters `updates` into zeros of `shape` at the index tuples of
/// `indices`, adding duplicates, like `tf.scatter_nd(indices, updates,
/// shape)`.
///
/// ```
/// use ferroflow_core::{ops::scatter_nd, prelude::*};
/// let indices = Tensor::from([[1i64], [3]]);
/// let y = scatter_nd(&indices, &Tensor::from([5.0f32, 6.0]), &Shape::from([4])).unwrap();
/// assert_eq!(y, Tensor::from([0.0f32, 5.0, 0.0, 6.0]));
/// ```
pub fn scatter_nd<H: TensorOps>(indices: &H, updates: &H, shape: &Shape) -> Result<H> {
    apply1(
        ScatterNd {
            shape: shape.clone(),
        },
        &[indices, updates],
    )
}
