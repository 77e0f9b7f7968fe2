//! Principal component analysis in f64: the projector's PCA view computed
//! in Rust (center, covariance, symmetric eigen-decomposition by cyclic
//! Jacobi rotations).

use crate::{Error, Result};
use ferroflow_tensor::Tensor;

/// The top principal components of a data set and its points projected
/// onto them, all float64.
#[derive(Debug, Clone)]
pub struct Pca {
    /// `[k, d]`: unit principal axes, by decreasing variance, each signed
    /// so that its largest-magnitude entry is positive.
    pub components: Tensor,
    /// `[k]`: the variance along each axis (covariance eigenvalues, with
    /// the `n - 1` denominator).
    pub explained_variance: Tensor,
    /// `[k]`: each axis's share of the total variance.
    pub explained_variance_ratio: Tensor,
    /// `[n, k]`: the centered points in the axes' coordinates.
    pub projected: Tensor,
}

/// The top `k` principal components of the rows of a numeric `[n, d]`
/// tensor (`n ≥ 2`, `k ≤ d`), as the projector's PCA view computes them.
/// The eigen-decomposition costs O(d³): meant for embeddings up to a few
/// hundred dimensions.
///
/// ```
/// use ferroflow_core::projector::pca;
/// use ferroflow_tensor::Tensor;
/// // Points on the line y = 2x: one component carries all the variance.
/// let points = Tensor::from_vec(vec![0.0, 0.0, 1.0, 2.0, 2.0, 4.0], [3, 2]).unwrap();
/// let p = pca(&points, 1).unwrap();
/// let axis = p.components.to_vec::<f64>().unwrap();
/// assert!((axis[0] - 1.0 / 5f64.sqrt()).abs() < 1e-12);
/// assert!((p.explained_variance_ratio.to_vec::<f64>().unwrap()[0] - 1.0).abs() < 1e-12);
/// ```
pub fn pca(data: &Tensor, k: usize) -> Result<Pca> {
    let op = "pca";
    let &[n, d] = data.dims() else {
        return Err(Error::invalid(
            op,
            format!("expected a [n, d] tensor, got shape {}", data.shape()),
        ));
    };
    if n < 2 || k == 0 || k > d {
        return Err(Error::invalid(
            op,
            format!("expected at least 2 points and 1 <= k <= {d}, got {n} points and k = {k}"),
        ));
    }
    let mut x = data
        .to_f64_vec()
        .map_err(|_| Error::invalid(op, format!("expected numbers, got {}", data.dtype())))?;
    for j in 0..d {
        let mean = (0..n).map(|i| x[i * d + j]).sum::<f64>() / n as f64;
        (0..n).for_each(|i| x[i * d + j] -= mean);
    }
    let mut cov = vec![0.0; d * d];
    for row in x.chunks_exact(d) {
        for (a, &ra) in row.iter().enumerate() {
            for (b, &rb) in row.iter().enumerate().skip(a) {
                cov[a * d + b] += ra * rb;
            }
        }
    }
    for a in 0..d {
        for b in a..d {
            cov[a * d + b] /= (n - 1) as f64;
            cov[b * d + a] = cov[a * d + b];
        }
    }
    let (values, vectors) = jacobi_eigen(cov, d);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let total: f64 = values.iter().sum();
    let mut components = Vec::with_capacity(k * d);
    for &c in &order[..k] {
        let axis: Vec<f64> = (0..d).map(|r| vectors[r * d + c]).collect();
        let largest = axis
            .iter()
            .fold(0.0f64, |m, &v| if v.abs() > m.abs() { v } else { m });
        let sign = if largest < 0.0 { -1.0 } else { 1.0 };
        components.extend(axis.iter().map(|v| v * sign));
    }
    let projected: Vec<f64> = x
        .chunks_exact(d)
        .flat_map(|row| {
            components
                .chunks_exact(d)
                .map(|axis| row.iter().zip(axis).map(|(a, b)| a * b).sum::<f64>())
                .collect::<Vec<_>>()
        })
        .collect();
    let variance: Vec<f64> = order[..k].iter().map(|&c| values[c].max(0.0)).collect();
    let ratio = variance
        .iter()
        .map(|v| if total > 0.0 { v / total } else { 0.0 })
        .collect();
    Ok(Pca {
        components: Tensor::from_vec(components, [k, d])?,
        explained_variance: Tensor::from_vec(variance, [k])?,
        explained_variance_ratio: Tensor::from_vec(ratio, [k])?,
        projected: Tensor::from_vec(projected, [n, k])?,
    })
}

/// Eigenvalues and eigenvectors (the columns of a row-major `d × d`
/// matrix) of the symmetric row-major matrix `a`, by cyclic Jacobi
/// rotations until the off-diagonal part vanishes.
fn jacobi_eigen(mut a: Vec<f64>, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; d * d];
    (0..d).for_each(|i| v[i * d + i] = 1.0);
    let scale: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|p| (0..d).filter(move |&q| q != p).map(move |q| (p, q)))
            .map(|(p, q)| a[p * d + q] * a[p * d + q])
            .sum();
        if off <= scale * 1e-30 {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[p * d + q];
                if apq == 0.0 {
                    continue;
                }
                // The rotation angle that zeroes a[p][q].
                let theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                rotate_columns(&mut a, d, p, q, c, s);
                rotate_rows(&mut a, d, p, q, c, s);
                rotate_columns(&mut v, d, p, q, c, s);
            }
        }
    }
    ((0..d).map(|i| a[i * d + i]).collect(), v)
}

/// Columns `p`, `q` of `m` become `c·p − s·q` and `s·p + c·q`.
fn rotate_columns(m: &mut [f64], d: usize, p: usize, q: usize, c: f64, s: f64) {
    for row in m.chunks_exact_mut(d) {
        let (mp, mq) = (row[p], row[q]);
        row[p] = c * mp - s * mq;
        row[q] = s * mp + c * mq;
    }
}

/// Rows `p`, `q` of `m` become `c·p − s·q` and `s·p + c·q`.
fn rotate_rows(m: &mut [f64], d: usize, p: usize, q: usize, c: f64, s: f64) {
    for j in 0..d {
        let (mp, mq) = (m[p * d + j], m[q * d + j]);
        m[p * d + j] = c * mp - s * mq;
        m[q * d + j] = s * mp + c * mq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_diagonalizes_a_symmetric_matrix() {
        let a = vec![4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 5.0];
        let (values, v) = jacobi_eigen(a.clone(), 3);
        // A v_i = λ_i v_i for every column.
        for (i, &lambda) in values.iter().enumerate() {
            for r in 0..3 {
                let av: f64 = (0..3).map(|c| a[r * 3 + c] * v[c * 3 + i]).sum();
                assert!((av - lambda * v[r * 3 + i]).abs() < 1e-12);
            }
        }
        assert!((values.iter().sum::<f64>() - 12.0).abs() < 1e-12);
    }

    #[test]
    fn bad_arguments_are_errors() {
        let x = Tensor::from_vec(vec![1.0f32; 6], [3, 2]).unwrap();
        assert!(pca(&x, 3).is_err());
        assert!(pca(&x, 0).is_err());
        assert!(pca(&Tensor::from_vec(vec![1.0f32; 2], [1, 2]).unwrap(), 1).is_err());
        assert!(pca(&Tensor::from_vec(vec![1.0f32; 6], [6]).unwrap(), 1).is_err());
        let strings = Tensor::from_strings(&["a", "b", "c", "d"], [2, 2]).unwrap();
        assert!(pca(&strings, 1).is_err());
    }
}
