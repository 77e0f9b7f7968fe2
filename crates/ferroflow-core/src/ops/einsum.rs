//! `tf.tensordot` and `tf.einsum` for the common forms, lowered to
//! transpose, reshape, matmul, mul and reduce_sum so that their gradients
//! come from those ops.

use super::manip::{known_dims, known_rank};
use super::{ArrayOps, LinalgOps, ManipOps, MathOps, ReduceOps};
use crate::{fail, Result, TensorOps};
use ferroflow_tensor::normalize_axis;

/// Which axes `tf.tensordot` contracts: the last `n` of `a` with the
/// first `n` of `b`, or explicit lists of axes of `a` and of `b`.
///
/// ```
/// use ferroflow_core::ops::TensordotAxes;
/// assert_eq!(TensordotAxes::from(1), TensordotAxes::Count(1));
/// let pairs = TensordotAxes::from(([1, 0], [0, 1]));
/// assert_eq!(pairs, TensordotAxes::Pairs(vec![1, 0], vec![0, 1]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TensordotAxes {
    Count(usize),
    Pairs(Vec<i64>, Vec<i64>),
}

impl From<usize> for TensordotAxes {
    fn from(n: usize) -> Self {
        TensordotAxes::Count(n)
    }
}
impl From<(Vec<i64>, Vec<i64>)> for TensordotAxes {
    fn from((a, b): (Vec<i64>, Vec<i64>)) -> Self {
        TensordotAxes::Pairs(a, b)
    }
}
impl<const N: usize> From<([i64; N], [i64; N])> for TensordotAxes {
    fn from((a, b): ([i64; N], [i64; N])) -> Self {
        TensordotAxes::Pairs(a.to_vec(), b.to_vec())
    }
}

/// Transposes `x` unless `perm` keeps every axis in place.
fn permute<H: TensorOps>(x: &H, perm: &[usize]) -> Result<H> {
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        Ok(x.clone())
    } else {
        x.transpose(perm)
    }
}

fn as_i64(dims: &[usize]) -> Vec<i64> {
    dims.iter().map(|&d| d as i64).collect()
}

/// The product of the dimensions of `dims` at `axes`.
fn volume(dims: &[usize], axes: impl Iterator<Item = usize>) -> usize {
    axes.map(|k| dims[k]).product()
}

/// The product of `a` and `b` over axis pairs: `batch` pairs are kept and
/// matched, `pairs` are summed over. The result has the batch dimensions,
/// then `a`'s other dimensions, then `b`'s, each in their original order.
/// Errors name `op`.
fn contract<H: TensorOps>(
    op: &str,
    a: &H,
    b: &H,
    batch: &[(usize, usize)],
    pairs: &[(usize, usize)],
) -> Result<H> {
    let (ad, bd) = (known_dims(op, a)?, known_dims(op, b)?);
    for &(i, j) in batch.iter().chain(pairs) {
        if ad[i] != bd[j] {
            fail!(
                op,
                "dimension {i} of the first operand (size {}) does not match dimension {j} of the second (size {}): shapes {} and {}",
                ad[i],
                bd[j],
                a.static_shape().bracketed(),
                b.static_shape().bracketed()
            );
        }
    }
    let paired = batch.iter().chain(pairs);
    let free_a: Vec<usize> = (0..ad.len())
        .filter(|&k| !paired.clone().any(|p| p.0 == k))
        .collect();
    let free_b: Vec<usize> = (0..bd.len())
        .filter(|&k| !paired.clone().any(|p| p.1 == k))
        .collect();
    let nb = volume(&ad, batch.iter().map(|p| p.0));
    let m = volume(&ad, free_a.iter().copied());
    let k = volume(&ad, pairs.iter().map(|p| p.0));
    let n = volume(&bd, free_b.iter().copied());
    let perm_a: Vec<usize> = batch
        .iter()
        .map(|p| p.0)
        .chain(free_a.iter().copied())
        .chain(pairs.iter().map(|p| p.0))
        .collect();
    let perm_b: Vec<usize> = batch
        .iter()
        .map(|p| p.1)
        .chain(pairs.iter().map(|p| p.1))
        .chain(free_b.iter().copied())
        .collect();
    let a = permute(a, &perm_a)?;
    let b = permute(b, &perm_b)?;
    let product = if pairs.is_empty() {
        // Nothing to sum: an outer product per batch, by broadcasting.
        let a = a.reshape(&as_i64(&[nb, m, 1]))?;
        a.mul(&b.reshape(&as_i64(&[nb, 1, n]))?)?
    } else if batch.is_empty() {
        let a = a.reshape(&as_i64(&[m, k]))?;
        a.matmul(&b.reshape(&as_i64(&[k, n]))?)?
    } else {
        let a = a.reshape(&as_i64(&[nb, m, k]))?;
        a.matmul(&b.reshape(&as_i64(&[nb, k, n]))?)?
    };
    let out: Vec<usize> = batch
        .iter()
        .map(|p| ad[p.0])
        .chain(free_a.iter().map(|&k| ad[k]))
        .chain(free_b.iter().map(|&k| bd[k]))
        .collect();
    product.reshape(&as_i64(&out))
}

/// Sums products of `a` and `b` over the given axes, like
/// `tf.tensordot(a, b, axes)`: the result has `a`'s remaining dimensions,
/// then `b`'s.
///
/// ```
/// use ferroflow_core::{ops::tensordot, prelude::*};
/// let a = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
/// let b = Tensor::from([[1.0f32, 0.0], [1.0, 1.0]]);
/// // axes = 1 is the matrix product
/// assert_eq!(tensordot(&a, &b, 1).unwrap(), Tensor::from([[3.0f32, 2.0], [7.0, 4.0]]));
/// // contracting both axes is the sum of the elementwise product
/// assert_eq!(tensordot(&a, &b, ([0, 1], [0, 1])).unwrap(), Tensor::from(8.0f32));
/// ```
pub fn tensordot<H: TensorOps>(a: &H, b: &H, axes: impl Into<TensordotAxes>) -> Result<H> {
    let op = "Tensordot";
    let (ra, rb) = (known_rank(op, a)?, known_rank(op, b)?);
    let pairs: Vec<(usize, usize)> = match axes.into() {
        TensordotAxes::Count(n) => {
            if n > ra || n > rb {
                fail!(
                    op,
                    "axes = {n} is larger than the rank of a ({ra}) or of b ({rb})"
                );
            }
            (0..n).map(|i| (ra - n + i, i)).collect()
        }
        TensordotAxes::Pairs(x, y) => {
            if x.len() != y.len() {
                fail!(
                    op,
                    "the axes of a ({x:?}) and of b ({y:?}) must have the same length"
                );
            }
            let pairs = x
                .iter()
                .zip(&y)
                .map(|(&i, &j)| Ok((normalize_axis(op, i, ra)?, normalize_axis(op, j, rb)?)))
                .collect::<Result<Vec<_>>>()?;
            for (k, p) in pairs.iter().enumerate() {
                if pairs[..k].iter().any(|q| q.0 == p.0 || q.1 == p.1) {
                    fail!(op, "an axis is repeated in axes {x:?}, {y:?}");
                }
            }
            pairs
        }
    };
    contract(op, a, b, &[], &pairs)
}

/// Checks one operand's subscripts: letters, none repeated (a diagonal or
/// trace is not supported).
fn check_subscripts(equation: &str, labels: &[char], what: &str) -> Result<()> {
    for (k, &c) in labels.iter().enumerate() {
        if !c.is_ascii_alphabetic() {
            fail!(
                "Einsum",
                "invalid subscript {c:?} in {equation:?} (only letters are supported, no ellipsis)"
            );
        }
        if labels[..k].contains(&c) {
            fail!(
                "Einsum",
                "index '{c}' is repeated in {what} of {equation:?}, which is not supported"
            );
        }
    }
    Ok(())
}

/// The permutation that puts `labels` in the order of `out`.
fn order(labels: &[char], out: &[char]) -> Vec<usize> {
    out.iter()
        .filter_map(|c| labels.iter().position(|l| l == c))
        .collect()
}

/// Einstein summation over one or two operands, like `tf.einsum`, for
/// the forms without repeated indices in one operand or ellipses:
/// `"ij,jk->ik"`, `"bij,bjk->bik"`, `"ij->ji"`, `"ij,ij->ij"`, `"i,i->"`,
/// `"ij->j"`, … (without `->`, the output is the indices that appear once,
/// sorted, as in NumPy).
///
/// ```
/// use ferroflow_core::{ops::einsum, prelude::*};
/// let a = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
/// let b = Tensor::from([[1.0f32, 0.0], [1.0, 1.0]]);
/// assert_eq!(einsum("ij,jk->ik", &[&a, &b]).unwrap(), Tensor::from([[3.0f32, 2.0], [7.0, 4.0]]));
/// assert_eq!(einsum("ij->ji", &[&a]).unwrap(), Tensor::from([[1.0f32, 3.0], [2.0, 4.0]]));
/// assert_eq!(einsum("ij,ij->", &[&a, &b]).unwrap(), Tensor::from(8.0f32));
/// ```
pub fn einsum<H: TensorOps>(equation: &str, operands: &[&H]) -> Result<H> {
    let eq: String = equation.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (eq.as_str(), None),
    };
    let mut labels: Vec<Vec<char>> = lhs.split(',').map(|s| s.chars().collect()).collect();
    if labels.len() != operands.len() {
        fail!(
            "Einsum",
            "{equation:?} names {} operands but {} were given",
            labels.len(),
            operands.len()
        );
    }
    if !(1..=2).contains(&labels.len()) {
        fail!(
            "Einsum",
            "only one or two operands are supported, got {}",
            labels.len()
        );
    }
    for (i, (l, x)) in labels.iter().zip(operands).enumerate() {
        check_subscripts(equation, l, &format!("operand {i}"))?;
        let rank = known_rank("Einsum", *x)?;
        if rank != l.len() {
            fail!(
                "Einsum",
                "operand {i} has shape {} but its subscripts {:?} name {} axes",
                x.static_shape().bracketed(),
                l.iter().collect::<String>(),
                l.len()
            );
        }
    }
    let all: Vec<char> = labels.concat();
    let out: Vec<char> = match rhs {
        Some(r) => r.chars().collect(),
        None => {
            let mut once: Vec<char> = all
                .iter()
                .copied()
                .filter(|c| all.iter().filter(|d| *d == c).count() == 1)
                .collect();
            once.sort_unstable();
            once
        }
    };
    check_subscripts(equation, &out, "the output")?;
    if let Some(c) = out.iter().find(|c| !all.contains(c)) {
        fail!(
            "Einsum",
            "output index '{c}' does not appear in the inputs of {equation:?}"
        );
    }
    // Sum away the indices that only one operand has and the output drops.
    let mut xs = Vec::with_capacity(operands.len());
    for i in 0..labels.len() {
        let others: Vec<char> = labels
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .flat_map(|(_, l)| l.iter().copied())
            .collect();
        let drop: Vec<i64> = (0..labels[i].len())
            .filter(|&k| !out.contains(&labels[i][k]) && !others.contains(&labels[i][k]))
            .map(|k| k as i64)
            .collect();
        let x = operands[i];
        if drop.is_empty() {
            xs.push(x.clone());
        } else {
            xs.push(x.reduce_sum(drop, false)?);
            labels[i].retain(|c| out.contains(c) || others.contains(c));
        }
    }
    let [la, rest @ ..] = labels.as_slice() else {
        fail!("Einsum", "{equation:?} has no operands");
    };
    let Some(lb) = rest.first() else {
        return permute(&xs[0], &order(la, &out));
    };
    let pick = |keep: bool| -> Vec<(usize, usize)> {
        la.iter()
            .enumerate()
            .filter(|(_, c)| out.contains(c) == keep)
            .filter_map(|(i, c)| lb.iter().position(|d| d == c).map(|j| (i, j)))
            .collect()
    };
    let (batch, pairs) = (pick(true), pick(false));
    let product = contract("Einsum", &xs[0], &xs[1], &batch, &pairs)?;
    let result: Vec<char> = batch
        .iter()
        .map(|p| la[p.0])
        .chain(la.iter().copied().filter(|c| !lb.contains(c)))
        .chain(lb.iter().copied().filter(|c| !la.contains(c)))
        .collect();
    permute(&product, &order(&result, &out))
}
