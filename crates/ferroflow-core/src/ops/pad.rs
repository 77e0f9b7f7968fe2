//! Padding, like `tf.pad` in its three modes, with the gradient of mirror
//! padding written with slices, reversals and constant pads.

use super::manip::known_dims;
use super::{check_arity, Idx, IndexingOps, ManipOps, MathOps};
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::array as kernel;
pub use ferroflow_tensor::kernels::array::PadMode;
use ferroflow_tensor::kernels::cast;
use ferroflow_tensor::{DType, Tensor};

/// Pads a tensor, like `tf.pad(tensor, paddings, mode, constant_values)`:
/// op `Pad` (constant zero), `PadV2` (another constant) or `MirrorPad`.
#[derive(Debug, Clone)]
pub struct Pad {
    pub paddings: Vec<(usize, usize)>,
    pub mode: PadMode,
    pub constant: f64,
}

impl OpDef for Pad {
    fn op_type(&self) -> &'static str {
        match self.mode {
            PadMode::Constant if self.constant == 0.0 => "Pad",
            PadMode::Constant => "PadV2",
            PadMode::Reflect | PadMode::Symmetric => "MirrorPad",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        let mut attrs = vec![("Tpaddings", AttrValue::Type(DType::I32))];
        let mode = match self.mode {
            PadMode::Constant => return attrs,
            PadMode::Reflect => "REFLECT",
            PadMode::Symmetric => "SYMMETRIC",
        };
        attrs.push(("mode", AttrValue::Str(mode.into())));
        attrs
    }
    fn tf_inputs(&self, inputs: &[TensorSpec]) -> Vec<(&'static str, Tensor)> {
        let flat: Vec<i32> = self
            .paddings
            .iter()
            .flat_map(|&(a, b)| [a as i32, b as i32])
            .collect();
        let n = self.paddings.len();
        let paddings = Tensor::from_vec(flat, [n, 2]).expect("2n values make a [n, 2] tensor");
        let mut out = vec![("paddings", paddings)];
        if self.op_type() == "PadV2" {
            let value = Tensor::scalar(self.constant);
            let value = cast::cast("PadV2", &value, inputs[0].dtype).unwrap_or(value);
            out.push(("constant_values", value));
        }
        out
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 1)?;
        let input = &inputs[0].shape;
        let shape = match input.dims() {
            Some(d) if d.len() != self.paddings.len() => fail!(
                op,
                "The first dimension of paddings must be the rank of inputs[{},2], got input shape {}",
                self.paddings.len(),
                input.bracketed()
            ),
            Some(d) => {
                let out: Vec<Option<usize>> = d
                    .iter()
                    .zip(&self.paddings)
                    .map(|(&d, &(b, a))| d.and_then(|d| d.checked_add(b)?.checked_add(a)))
                    .collect();
                PartialShape::from_dims(&out)
            }
            None => PartialShape::unknown_dims(self.paddings.len()),
        };
        Ok(vec![TensorSpec::new(inputs[0].dtype, shape)])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let y = kernel::pad(
            ctx.name,
            inputs[0],
            &self.paddings,
            self.mode,
            self.constant,
        )?;
        Ok(vec![y])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let dy = &a.grads[0];
        let grad = match self.mode {
            PadMode::Constant => {
                let idx: Vec<Idx> = self
                    .paddings
                    .iter()
                    .map(|&(before, after)| {
                        let stop = (after > 0).then_some(-(after as i64));
                        Idx::slice(Some(before as i64), stop, 1)
                    })
                    .collect();
                dy.index(&idx)?
            }
            PadMode::Reflect | PadMode::Symmetric => {
                let dims = known_dims(self.op_type(), &a.inputs[0])?;
                mirror_pad_grad(dy, &self.paddings, &dims, self.mode == PadMode::Reflect)?
            }
        };
        Ok(vec![Some(grad)])
    }
}

/// The gradient of a mirror pad of an input of `dims`: along each axis the
/// padded borders are reversed and added back onto the elements they copy
/// (starting one element in from the edge when `reflect`).
fn mirror_pad_grad<H: TensorOps>(
    dy: &H,
    paddings: &[(usize, usize)],
    dims: &[usize],
    reflect: bool,
) -> Result<H> {
    let rank = dims.len();
    let shift = usize::from(reflect);
    let mut grad = dy.clone();
    for (axis, (&(before, after), &d)) in paddings.iter().zip(dims).enumerate() {
        // Elements [start, stop) along `axis`, everything along the others.
        let part = |g: &H, start: usize, stop: usize| -> Result<H> {
            let mut idx = vec![Idx::ALL; rank];
            idx[axis] = Idx::slice(Some(start as i64), Some(stop as i64), 1);
            g.index(&idx)
        };
        // `g` reversed along `axis`, then zero-padded to length `d`.
        let fold_back = |g: H, lead: usize, trail: usize| -> Result<H> {
            let mut pads = vec![(0, 0); rank];
            pads[axis] = (lead, trail);
            g.reverse(&[axis as i64])?
                .pad(&pads, PadMode::Constant, 0.0)
        };
        let mut sum = part(&grad, before, before + d)?;
        if before > 0 {
            let left = fold_back(part(&grad, 0, before)?, shift, d - shift - before)?;
            sum = sum.add(&left)?;
        }
        if after > 0 {
            let right = part(&grad, before + d, before + d + after)?;
            sum = sum.add(&fold_back(right, d - shift - after, shift)?)?;
        }
        grad = sum;
    }
    Ok(grad)
}
