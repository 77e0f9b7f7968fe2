//! `tf.io.parse_example`, `parse_single_example` and
//! `parse_single_sequence_example`.

use super::column::{append, extend_repeated};
use super::spec::{checked_product, FeatureSpec, Parsed, ParsedFeatures, SparseTensor};
use super::wire::{for_each_map_entry, FeatureRef, Wire};
use crate::{IoError, Result};
use ferroflow_tensor::{DType, Storage, Tensor};

/// Parses a batch of serialized Examples (`tf.io.parse_example`): dense
/// results get a leading batch dimension, sparse ones 2-D indices
/// `[[example, i], …]` and `dense_shape [batch, max_len]`.
///
/// ```
/// use ferroflow_io::example::{parse_example, FeatureSpec};
/// use ferroflow_io::proto::example::{Example, Feature};
/// use ferroflow_tensor::DType;
/// use prost::Message;
/// let recs: Vec<Vec<u8>> = (0..3)
///     .map(|i| Example::from_features([("label", Feature::int64(i))]).encode_to_vec())
///     .collect();
/// let out = parse_example(&recs, &[("label", FeatureSpec::fixed_len(&[], DType::I64))]).unwrap();
/// assert_eq!(out["label"].dense().unwrap().to_vec::<i64>().unwrap(), [0, 1, 2]);
/// ```
pub fn parse_example<S: AsRef<[u8]>, K: AsRef<str>>(
    serialized: &[S],
    spec: &[(K, FeatureSpec)],
) -> Result<ParsedFeatures> {
    const OP: &str = "parse_example";
    let k = spec.len();
    let mut slots: Vec<Option<FeatureRef>> = vec![None; serialized.len() * k];
    for (i, (record, row)) in serialized
        .iter()
        .zip(slots.chunks_mut(k.max(1)))
        .enumerate()
    {
        Wire::new(record.as_ref())
            .for_each_len(1, |features| lookup(features, spec, row))
            .map_err(|e| in_record(OP, i, e))?;
    }
    parse_features(OP, &slots, serialized.len(), spec)
}

/// Parses one serialized Example (`tf.io.parse_single_example`).
///
/// ```
/// use ferroflow_io::example::{parse_single_example, FeatureSpec};
/// use ferroflow_io::proto::example::{Example, Feature};
/// use ferroflow_tensor::DType;
/// use prost::Message;
/// let rec = Example::from_features([("x", Feature::floats([1.0, 2.0]))]).encode_to_vec();
/// let spec = [("x", FeatureSpec::fixed_len(&[2], DType::F32))];
/// let out = parse_single_example(&rec, &spec).unwrap();
/// assert_eq!(out["x"].dense().unwrap().to_vec::<f32>().unwrap(), [1.0, 2.0]);
/// // The wrong type for the spec names the key:
/// let bad = [("x", FeatureSpec::fixed_len(&[2], DType::I64))];
/// let err = parse_single_example(&rec, &bad).unwrap_err().to_string();
/// assert!(err.contains("Key: x. Data types don't match"));
/// ```
pub fn parse_single_example<K: AsRef<str>>(
    serialized: &[u8],
    spec: &[(K, FeatureSpec)],
) -> Result<ParsedFeatures> {
    unbatch(parse_example(&[serialized], spec)?)
}

/// Parses one serialized SequenceExample
/// (`tf.io.parse_single_sequence_example`): returns the context features and
/// the sequence features. Sequence specs must be `FixedLenSequence` (dense
/// `[steps] + shape`) or `VarLen` (sparse, indices `[step, i]`).
///
/// ```
/// use ferroflow_io::example::{parse_single_sequence_example, FeatureSpec};
/// use ferroflow_io::proto::example::{Feature, SequenceExample};
/// use ferroflow_tensor::DType;
/// use prost::Message;
/// let seq = SequenceExample::from_parts(
///     [("id", Feature::int64(7))],
///     [("tok", vec![Feature::int64(4), Feature::int64(5)])],
/// );
/// let (ctx, steps) = parse_single_sequence_example(
///     &seq.encode_to_vec(),
///     &[("id", FeatureSpec::fixed_len(&[], DType::I64))],
///     &[("tok", FeatureSpec::fixed_len_sequence(&[], DType::I64, false))],
/// )
/// .unwrap();
/// assert_eq!(ctx["id"].dense().unwrap().to_vec::<i64>().unwrap(), [7]);
/// assert_eq!(steps["tok"].dense().unwrap().to_vec::<i64>().unwrap(), [4, 5]);
/// ```
pub fn parse_single_sequence_example<K: AsRef<str>, L: AsRef<str>>(
    serialized: &[u8],
    context_spec: &[(K, FeatureSpec)],
    sequence_spec: &[(L, FeatureSpec)],
) -> Result<(ParsedFeatures, ParsedFeatures)> {
    const OP: &str = "parse_single_sequence_example";
    let mut context: Vec<Option<FeatureRef>> = vec![None; context_spec.len()];
    let mut lists: Vec<Option<Vec<Option<FeatureRef>>>> = vec![None; sequence_spec.len()];
    let mut wire = Wire::new(serialized);
    while let Some(field) = wire.next_field().map_err(|e| in_record(OP, 0, e))? {
        match field.number {
            1 => lookup(field.payload, context_spec, &mut context),
            2 => for_each_map_entry(field.payload, |key, list| {
                if let Some(j) = position(sequence_spec, key) {
                    let mut steps = Vec::new();
                    Wire::new(list).for_each_len(1, |f| {
                        steps.push(FeatureRef::parse(f)?);
                        Ok(())
                    })?;
                    lists[j] = Some(steps);
                }
                Ok(())
            }),
            _ => Ok(()),
        }
        .map_err(|e| in_record(OP, 0, e))?;
    }
    let context = unbatch(parse_features(OP, &context, 1, context_spec)?)?;
    let mut sequence = ParsedFeatures::new();
    for ((key, fs), steps) in sequence_spec.iter().zip(&lists) {
        let key = key.as_ref();
        fs.validate(OP, key)?;
        let rows = steps.as_deref().unwrap_or_default();
        let parsed = match fs {
            FeatureSpec::FixedLenSequence {
                shape,
                dtype,
                allow_missing,
                ..
            } => {
                if steps.is_none() && !allow_missing {
                    return Err(IoError::invalid(
                        OP,
                        format!("Feature list: {key} is required but could not be found"),
                    ));
                }
                Parsed::Dense(dense_rows(OP, key, rows, *dtype, shape, None)?)
            }
            FeatureSpec::VarLen { dtype } => Parsed::Sparse(sparse_rows(OP, key, rows, *dtype)?),
            FeatureSpec::FixedLen { .. } => {
                return Err(IoError::invalid(
                    OP,
                    format!("Key: {key}. sequence features must be FixedLenSequence or VarLen"),
                ))
            }
        };
        sequence.insert(key.to_string(), parsed);
    }
    Ok((context, sequence))
}

/// Index of `key` in `spec`.
fn position<K: AsRef<str>>(spec: &[(K, FeatureSpec)], key: &[u8]) -> Option<usize> {
    spec.iter().position(|(k, _)| k.as_ref().as_bytes() == key)
}

/// Fills `row[j]` with the feature of spec key `j` found in a serialized
/// `Features` message (the last occurrence of a key wins).
fn lookup<'a, K: AsRef<str>>(
    features: &'a [u8],
    spec: &[(K, FeatureSpec)],
    row: &mut [Option<FeatureRef<'a>>],
) -> Result<()> {
    for_each_map_entry(features, |key, value| {
        if let Some(j) = position(spec, key) {
            row[j] = FeatureRef::parse(value)?;
        }
        Ok(())
    })
}

/// Prefixes a wire error with the record it came from.
fn in_record(op: &str, index: usize, e: IoError) -> IoError {
    IoError::invalid(op, format!("serialized[{index}]: {e}"))
}

/// Parses `spec` over `n` records whose features were looked up into
/// `slots` (`spec.len()` per record).
fn parse_features<K: AsRef<str>>(
    op: &str,
    slots: &[Option<FeatureRef>],
    n: usize,
    spec: &[(K, FeatureSpec)],
) -> Result<ParsedFeatures> {
    let mut out = ParsedFeatures::new();
    for (j, (key, fs)) in spec.iter().enumerate() {
        let key = key.as_ref();
        fs.validate(op, key)?;
        let rows: Vec<Option<FeatureRef>> = (0..n).map(|i| slots[i * spec.len() + j]).collect();
        let parsed = match fs {
            FeatureSpec::FixedLen {
                shape,
                dtype,
                default,
            } => Parsed::Dense(dense_rows(op, key, &rows, *dtype, shape, default.as_ref())?),
            FeatureSpec::VarLen { dtype } => Parsed::Sparse(sparse_rows(op, key, &rows, *dtype)?),
            FeatureSpec::FixedLenSequence {
                shape,
                dtype,
                allow_missing,
                default,
            } => {
                if !allow_missing {
                    return Err(IoError::invalid(
                        op,
                        format!("Key: {key}. FixedLenSequenceFeature in an Example requires allow_missing=True"),
                    ));
                }
                Parsed::Dense(padded_rows(
                    op,
                    key,
                    &rows,
                    *dtype,
                    shape,
                    default.as_ref(),
                )?)
            }
        };
        out.insert(key.to_string(), parsed);
    }
    Ok(out)
}

/// `[rows] + shape`: each row holds exactly `product(shape)` values, or is
/// absent and takes `default`.
fn dense_rows(
    op: &str,
    key: &str,
    rows: &[Option<FeatureRef>],
    dtype: DType,
    shape: &[usize],
    default: Option<&Tensor>,
) -> Result<Tensor> {
    let per_row = checked_product(op, key, shape)?;
    let mut col = Storage::zeros(dtype, 0);
    for (i, row) in rows.iter().enumerate() {
        match (row, default) {
            (Some(feature), _) => {
                let n = append(op, key, &mut col, feature)?;
                if n != per_row {
                    return Err(IoError::invalid(
                        op,
                        format!("Key: {key}, Index: {i}. Number of values != expected. Values size: {n} but output shape: {shape:?}"),
                    ));
                }
            }
            (None, Some(d)) => extend_repeated(op, &mut col, d.storage(), 1)?,
            (None, None) => {
                return Err(IoError::invalid(
                    op,
                    format!(
                        "Feature: {key} (data type: {dtype}) is required but could not be found."
                    ),
                ))
            }
        }
    }
    let dims = [&[rows.len()], shape].concat();
    Ok(Tensor::new(col, dims)?)
}

/// `[rows, max_steps] + shape`: each row holds a whole number of
/// `product(shape)`-sized steps; shorter rows are padded.
fn padded_rows(
    op: &str,
    key: &str,
    rows: &[Option<FeatureRef>],
    dtype: DType,
    shape: &[usize],
    default: Option<&Tensor>,
) -> Result<Tensor> {
    let per_row = checked_product(op, key, shape)?;
    let mut steps = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let n = row.as_ref().map_or(Ok(0), FeatureRef::len)?;
        let whole = if per_row == 0 {
            n == 0
        } else {
            n % per_row == 0
        };
        if !whole {
            return Err(IoError::invalid(
                op,
                format!("Key: {key}, Index: {i}. Number of values {n} is not a multiple of {per_row} (shape {shape:?})"),
            ));
        }
        steps.push(n.checked_div(per_row).unwrap_or(0));
    }
    let max_steps = steps.iter().copied().max().unwrap_or(0);
    let pad = match default {
        Some(d) => d.storage().as_ref().clone(),
        None => Storage::zeros(dtype, 1),
    };
    let mut col = Storage::zeros(dtype, 0);
    for (row, n) in rows.iter().zip(steps) {
        if let Some(feature) = row {
            append(op, key, &mut col, feature)?;
        }
        extend_repeated(op, &mut col, &pad, (max_steps - n) * per_row)?;
    }
    let dims = [&[rows.len(), max_steps], shape].concat();
    Ok(Tensor::new(col, dims)?)
}

/// Sparse values of every row: indices `[row, i]`, dense shape `[rows, max_len]`.
fn sparse_rows(
    op: &str,
    key: &str,
    rows: &[Option<FeatureRef>],
    dtype: DType,
) -> Result<SparseTensor> {
    let mut col = Storage::zeros(dtype, 0);
    let mut indices = Vec::new();
    let mut max_len = 0;
    for (r, row) in rows.iter().enumerate() {
        let n = match row {
            Some(feature) => append(op, key, &mut col, feature)?,
            None => 0,
        };
        indices.extend((0..n).flat_map(|i| [r as i64, i as i64]));
        max_len = max_len.max(n);
    }
    let count = col.len();
    Ok(SparseTensor {
        indices: Tensor::from_vec(indices, [count, 2])?,
        values: Tensor::new(col, [count])?,
        dense_shape: Tensor::from_vec(vec![rows.len() as i64, max_len as i64], [2])?,
    })
}

/// Drops the batch dimension of a batch of one.
fn unbatch(batch: ParsedFeatures) -> Result<ParsedFeatures> {
    batch
        .into_iter()
        .map(|(k, p)| {
            let p = match p {
                Parsed::Dense(t) => Parsed::Dense(t.view(t.dims()[1..].to_vec())?),
                Parsed::Sparse(s) => {
                    let cols = s.indices.to_vec::<i64>()?;
                    let inner: Vec<i64> = cols.chunks_exact(2).map(|c| c[1]).collect();
                    let n = inner.len();
                    let shape = s.dense_shape.to_vec::<i64>()?;
                    Parsed::Sparse(SparseTensor {
                        indices: Tensor::from_vec(inner, [n, 1])?,
                        values: s.values,
                        dense_shape: Tensor::from_vec(shape[1..].to_vec(), [1])?,
                    })
                }
            };
            Ok((k, p))
        })
        .collect()
}
