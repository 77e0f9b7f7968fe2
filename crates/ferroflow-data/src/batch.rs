//! `batch`, `padded_batch` and `unbatch`. Rows are copied once into one
//! contiguous buffer per component.

use crate::{DataError, Dataset, Element, ElementIter, Result};
use ferroflow_core::{PartialShape, TensorSpec};
use ferroflow_tensor::{DType, Storage, Tensor};
use std::ops::Range;
use std::sync::Arc;

/// Runs `$body` with `$d` and `$s` bound to the vectors of two storages of
/// the same dtype; a dtype mismatch is an error naming `$op`.
macro_rules! same_dtype {
    ($op:expr, $dst:expr, $src:expr, |$d:ident, $s:ident| $body:expr) => {
        match ($dst, $src) {
            (Storage::F32($d), Storage::F32($s)) => $body,
            (Storage::F64($d), Storage::F64($s)) => $body,
            (Storage::I32($d), Storage::I32($s)) => $body,
            (Storage::I64($d), Storage::I64($s)) => $body,
            (Storage::U8($d), Storage::U8($s)) => $body,
            (Storage::Bool($d), Storage::Bool($s)) => $body,
            (Storage::String($d), Storage::String($s)) => $body,
            (d, s) => {
                return Err(DataError::invalid(
                    $op,
                    format!("expected dtype {}, got {}", d.dtype(), s.dtype()),
                ))
            }
        }
    };
}

/// Appends `src[range]` to `dst`.
fn extend(op: &str, dst: &mut Storage, src: &Storage, range: Range<usize>) -> Result<()> {
    same_dtype!(op, dst, src, |d, s| d.extend_from_slice(&s[range]));
    Ok(())
}

/// Appends `count` copies of the single value in `value` to `dst`.
fn fill(op: &str, dst: &mut Storage, value: &Storage, count: usize) -> Result<()> {
    same_dtype!(op, dst, value, |d, s| d
        .extend(std::iter::repeat_n(&s[0], count).cloned()));
    Ok(())
}

/// An empty buffer of `dtype` with room for `capacity` values.
fn with_capacity(dtype: DType, capacity: usize) -> Storage {
    match dtype {
        DType::F32 => Storage::F32(Vec::with_capacity(capacity)),
        DType::F64 => Storage::F64(Vec::with_capacity(capacity)),
        DType::I32 => Storage::I32(Vec::with_capacity(capacity)),
        DType::I64 => Storage::I64(Vec::with_capacity(capacity)),
        DType::U8 => Storage::U8(Vec::with_capacity(capacity)),
        DType::Bool => Storage::Bool(Vec::with_capacity(capacity)),
        DType::String => Storage::String(Vec::with_capacity(capacity)),
    }
}

/// Stacks component `c` of `elements` into one tensor `[n] + shape`.
fn stack(elements: &[Element], c: usize) -> Result<Tensor> {
    const OP: &str = "BatchDataset";
    let first = &elements[0].tensors()[c];
    let mut out = with_capacity(first.dtype(), first.num_elements() * elements.len());
    for (i, e) in elements.iter().enumerate() {
        let t = &e.tensors()[c];
        if t.dims() != first.dims() {
            return Err(DataError::invalid(
                OP,
                format!(
                    "Cannot batch tensors with different shapes in component {c}. First element had shape {} and element {i} had shape {}.",
                    first.shape(), t.shape()
                ),
            ));
        }
        extend(OP, &mut out, t.storage(), 0..t.num_elements())?;
    }
    let mut dims = vec![elements.len()];
    dims.extend_from_slice(first.dims());
    Ok(Tensor::new(out, dims)?)
}

/// Copies `src` (dims `sdims`, from offset `off`) into `dst` laid out as
/// `ddims`, padding every axis at its end with `pad`.
fn copy_padded(
    dst: &mut Storage,
    src: &Storage,
    off: usize,
    sdims: &[usize],
    ddims: &[usize],
    pad: &Storage,
) -> Result<()> {
    const OP: &str = "PaddedBatchDataset";
    let Some((&n, inner)) = sdims.split_first() else {
        return extend(OP, dst, src, off..off + 1);
    };
    let row_s: usize = inner.iter().product();
    let row_d: usize = ddims[1..].iter().product();
    if inner.is_empty() {
        extend(OP, dst, src, off..off + n)?;
    } else {
        for i in 0..n {
            copy_padded(dst, src, off + i * row_s, inner, &ddims[1..], pad)?;
        }
    }
    fill(OP, dst, pad, (ddims[0] - n) * row_d)
}

/// The batched spec of `spec`: a leading `batch` dim (unknown unless
/// `drop_remainder`), then `shapes`.
fn batched_spec(
    dtypes: &[DType],
    shapes: &[PartialShape],
    batch: Option<usize>,
) -> Vec<TensorSpec> {
    dtypes
        .iter()
        .zip(shapes)
        .map(|(&dtype, s)| {
            let shape = match s.dims() {
                Some(d) => PartialShape::from_dims(&[&[batch][..], d].concat()),
                None => PartialShape::unknown(),
            };
            TensorSpec::new(dtype, shape)
        })
        .collect()
}

/// Groups up to `size` elements of `it` and combines them with `combine`.
fn batches(
    mut it: ElementIter,
    size: usize,
    drop_remainder: bool,
    combine: impl Fn(&[Element]) -> Result<Element> + Send + 'static,
) -> ElementIter {
    Box::new(std::iter::from_fn(move || {
        let mut rows = Vec::with_capacity(size);
        for e in it.by_ref() {
            match e {
                Ok(e) => rows.push(e),
                Err(err) => return Some(Err(err)),
            }
            if rows.len() == size {
                break;
            }
        }
        if rows.is_empty() || (drop_remainder && rows.len() < size) {
            return None;
        }
        Some(combine(&rows))
    }))
}

fn check_size(op: &str, batch_size: usize) -> Result<()> {
    if batch_size == 0 {
        return Err(DataError::invalid(
            op,
            "Batch size must be greater than zero.",
        ));
    }
    Ok(())
}

impl Dataset {
    /// Stacks `batch_size` consecutive elements into one; the last batch is
    /// smaller unless `drop_remainder` (then it is dropped, and the batch
    /// dimension is static).
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let ds = Dataset::range(0, 7, 1).unwrap().batch(3, true).unwrap();
    /// assert_eq!(ds.element_spec().specs()[0].shape.dims().unwrap(), [Some(3)]);
    /// assert_eq!(ds.iter().unwrap().count(), 2);
    /// ```
    pub fn batch(&self, batch_size: usize, drop_remainder: bool) -> Result<Dataset> {
        check_size("BatchDataset", batch_size)?;
        let spec = self.element_spec();
        let specs = batched_spec(
            &spec.dtypes(),
            &spec.shapes(),
            drop_remainder.then_some(batch_size),
        );
        let input = self.clone();
        Ok(Dataset::from_fn(spec.with_specs(specs), move || {
            Ok(batches(
                input.epoch()?,
                batch_size,
                drop_remainder,
                |rows| {
                    let tensors = (0..rows[0].len())
                        .map(|c| stack(rows, c))
                        .collect::<Result<_>>()?;
                    Ok(rows[0].with_tensors(tensors))
                },
            ))
        }))
    }

    /// Batches elements of different shapes by padding each component at
    /// the end of every axis: to `padded_shapes` where given (a dim of
    /// `None`, or no shapes at all, pads to the longest in the batch), with
    /// `padding_values` (scalars; zero, false or `""` by default).
    ///
    /// ```
    /// use ferroflow_data::{Dataset, Element};
    /// use ferroflow_tensor::Tensor;
    /// // Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).padded_batch(2)
    /// let ds = Dataset::range(1, 4, 1).unwrap()
    ///     .map(|e| { let x = e.at(0)?.to_scalar::<i64>()?; Ok(Element::from(Tensor::from(vec![x; x as usize]))) })
    ///     .unwrap()
    ///     .padded_batch(2, None, None, false).unwrap();
    /// let first = ds.iter().unwrap().next().unwrap().unwrap();
    /// assert_eq!(first.at(0).unwrap().to_vec::<i64>().unwrap(), [1, 0, 2, 2]);
    /// ```
    pub fn padded_batch(
        &self,
        batch_size: usize,
        padded_shapes: Option<Vec<PartialShape>>,
        padding_values: Option<Vec<Tensor>>,
        drop_remainder: bool,
    ) -> Result<Dataset> {
        const OP: &str = "PaddedBatchDataset";
        check_size(OP, batch_size)?;
        let spec = self.element_spec().clone();
        let shapes = padded_shapes.unwrap_or_else(|| spec.shapes());
        let pads = match padding_values {
            Some(v) => v,
            None => spec
                .dtypes()
                .into_iter()
                .map(|d| Tensor::zeros(d, ()))
                .collect::<ferroflow_tensor::Result<_>>()?,
        };
        if shapes.len() != spec.specs().len() || pads.len() != spec.specs().len() {
            return Err(DataError::invalid(
                OP,
                format!(
                    "expected {} padded shapes and padding values, got {} and {}",
                    spec.specs().len(),
                    shapes.len(),
                    pads.len()
                ),
            ));
        }
        for (i, (p, s)) in pads.iter().zip(spec.specs()).enumerate() {
            if p.rank() != 0 || p.dtype() != s.dtype {
                return Err(DataError::invalid(
                    OP,
                    format!(
                        "padding value {i} must be a {} scalar, got {} of shape {}",
                        s.dtype,
                        p.dtype(),
                        p.shape()
                    ),
                ));
            }
        }
        let specs = batched_spec(
            &spec.dtypes(),
            &shapes,
            drop_remainder.then_some(batch_size),
        );
        let (shapes, pads) = (Arc::new(shapes), Arc::new(pads));
        let input = self.clone();
        Ok(Dataset::from_fn(spec.with_specs(specs), move || {
            let (shapes, pads) = (shapes.clone(), pads.clone());
            Ok(batches(
                input.epoch()?,
                batch_size,
                drop_remainder,
                move |rows| {
                    let tensors = (0..rows[0].len())
                        .map(|c| pad_stack(rows, c, &shapes[c], &pads[c]))
                        .collect::<Result<_>>()?;
                    Ok(rows[0].with_tensors(tensors))
                },
            ))
        }))
    }

    /// Splits every element along its first dimension into rows
    /// (`unbatch()`), the inverse of `batch`.
    pub fn unbatch(&self) -> Result<Dataset> {
        const OP: &str = "UnbatchDataset";
        let spec = self.element_spec();
        let mut specs = Vec::new();
        for s in spec.specs() {
            match s.shape.dims() {
                Some([]) => {
                    return Err(DataError::invalid(
                        OP,
                        "Cannot unbatch an input with scalar components.",
                    ))
                }
                Some(d) => specs.push(TensorSpec::new(s.dtype, PartialShape::from_dims(&d[1..]))),
                None => specs.push(TensorSpec::new(s.dtype, PartialShape::unknown())),
            }
        }
        let input = self.clone();
        Ok(Dataset::from_fn(spec.with_specs(specs), move || {
            Ok(Box::new(input.epoch()?.flat_map(|e| -> ElementIter {
                match unbatch_rows(e) {
                    Ok(rows) => Box::new(rows.into_iter().map(Ok)),
                    Err(err) => Box::new(std::iter::once(Err(err))),
                }
            })))
        }))
    }
}

/// Pads component `c` of `rows` to `shape` (unknown dims: the batch max) and stacks.
fn pad_stack(rows: &[Element], c: usize, shape: &PartialShape, pad: &Tensor) -> Result<Tensor> {
    const OP: &str = "PaddedBatchDataset";
    let first = &rows[0].tensors()[c];
    let rank = first.rank();
    let mut target = vec![0usize; rank];
    for e in rows {
        let t = &e.tensors()[c];
        if t.rank() != rank {
            return Err(DataError::invalid(
                OP,
                format!(
                    "component {c} has shapes of different ranks in one batch: {} and {}",
                    first.shape(),
                    t.shape()
                ),
            ));
        }
        for (m, &d) in target.iter_mut().zip(t.dims()) {
            *m = (*m).max(d);
        }
    }
    if let Some(want) = shape.dims() {
        if want.len() != rank {
            return Err(DataError::invalid(OP, format!("padded shape {} of component {c} does not have the rank of the element shape {}", shape.bracketed(), first.shape())));
        }
        for (m, w) in target.iter_mut().zip(want) {
            match *w {
                Some(w) if w < *m => return Err(DataError::invalid(OP, format!("Attempted to pad to a smaller size than the input element: component {c} has a dimension of {} but the padded shape is {}", *m, shape.bracketed()))),
                Some(w) => *m = w,
                None => {}
            }
        }
    }
    let row: usize = target.iter().product();
    let mut out = with_capacity(first.dtype(), row * rows.len());
    for e in rows {
        let t = &e.tensors()[c];
        copy_padded(&mut out, t.storage(), 0, t.dims(), &target, pad.storage())?;
    }
    let mut dims = vec![rows.len()];
    dims.extend(target);
    Ok(Tensor::new(out, dims)?)
}

/// The rows of a batched element.
fn unbatch_rows(e: Result<Element>) -> Result<Vec<Element>> {
    let e = e?;
    let n = e
        .tensors()
        .first()
        .and_then(|t| t.dims().first().copied())
        .unwrap_or(0);
    if e.tensors().iter().any(|t| t.dims().first() != Some(&n)) {
        return Err(DataError::invalid(
            "UnbatchDataset",
            format!(
                "Input element components must have the same first dimension, got {}",
                e.spec()
            ),
        ));
    }
    let mut columns: Vec<_> = e.tensors().iter().map(|t| t.iter()).collect();
    Ok((0..n)
        .map(|_| e.with_tensors(columns.iter_mut().filter_map(Iterator::next).collect()))
        .collect())
}
