//! Matrix decompositions: the reduced QR factorization (`tf.linalg.qr`),
//! by Householder reflections computed in f64 whatever the input's float
//! dtype, with Eigen's sign convention (so `R`'s diagonal matches
//! TensorFlow's CPU kernel).

use super::cast::cast;
use super::conv::float_error;
use crate::{DType, Result, Shape, Tensor};

/// The reduced QR factorization of each `[m, n]` matrix in the innermost
/// two axes of `x`, like `tf.linalg.qr(x, full_matrices=False)`: `q` is
/// `[..., m, k]` with orthonormal columns, `r` is `[..., k, n]` upper
/// triangular, `k = min(m, n)`, and `q · r = x`.
///
/// ```
/// use ferroflow_tensor::{kernels::linalg::qr, Tensor};
/// let x = Tensor::from_vec(vec![3.0f64, 1.0, 4.0, 2.0], [2, 2]).unwrap();
/// let (q, r) = qr("Qr", &x).unwrap();
/// let r = r.to_vec::<f64>().unwrap();
/// assert!((r[0] + 5.0).abs() < 1e-12 && r[2] == 0.0);
/// assert_eq!(q.dims(), &[2, 2]);
/// ```
pub fn qr(op: &str, x: &Tensor) -> Result<(Tensor, Tensor)> {
    if !matches!(x.dtype(), DType::F32 | DType::F64) {
        return Err(float_error(op, x));
    }
    let dims = x.dims();
    if dims.len() < 2 {
        crate::bail!(op, "input must have rank >= 2, got shape {}", x.shape());
    }
    let (batch, [m, n]) = (
        &dims[..dims.len() - 2],
        [dims[dims.len() - 2], dims[dims.len() - 1]],
    );
    let k = m.min(n);
    let shape_of = |rows: usize, cols: usize| {
        let mut d = batch.to_vec();
        d.extend([rows, cols]);
        Shape::from(d)
    };
    let (q_shape, r_shape) = (shape_of(m, k), shape_of(k, n));
    q_shape.checked_num_elements(op)?;
    let values = x.to_f64_vec()?;
    let mut q = Vec::with_capacity(q_shape.num_elements());
    let mut r = Vec::with_capacity(r_shape.num_elements());
    for a in values
        .chunks_exact((m * n).max(1))
        .take(batch.iter().product())
    {
        let (qi, ri) = householder_qr(a.to_vec(), m, n);
        q.extend(qi);
        r.extend(ri);
    }
    let q = cast(op, &Tensor::from_vec(q, q_shape)?, x.dtype())?;
    let r = cast(op, &Tensor::from_vec(r, r_shape)?, x.dtype())?;
    Ok((q, r))
}

/// The reduced QR of one row-major `[m, n]` matrix: `(q [m, k], r [k, n])`.
///
/// Column `j` is reflected onto `beta · e_j` with `beta = -sign(a_jj) ·
/// ‖a_j‖` (Eigen's `makeHouseholder`, where a zero `a_jj` counts as
/// positive); a column already zero below the diagonal is left as is.
fn householder_qr(mut a: Vec<f64>, m: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    let k = m.min(n);
    // Each reflection I - tau·v·vᵀ, with v[0] = 1 (stored in full for clarity).
    let mut reflections: Vec<(Vec<f64>, f64)> = Vec::with_capacity(k);
    for j in 0..k {
        let c0 = a[j * n + j];
        let tail: f64 = (j + 1..m).map(|i| a[i * n + j].powi(2)).sum();
        if tail <= f64::MIN_POSITIVE {
            reflections.push((Vec::new(), 0.0));
            continue;
        }
        let mut beta = (c0 * c0 + tail).sqrt();
        if c0 >= 0.0 {
            beta = -beta;
        }
        let mut v: Vec<f64> = (j..m).map(|i| a[i * n + j] / (c0 - beta)).collect();
        v[0] = 1.0;
        let tau = (beta - c0) / beta;
        reflect(&mut a, n, j, j..n, &v, tau);
        reflections.push((v, tau));
    }
    let mut r = vec![0.0; k * n];
    for i in 0..k {
        r[i * n + i..(i + 1) * n].copy_from_slice(&a[i * n + i..(i + 1) * n]);
    }
    // Q = H_0 · H_1 ⋯ H_{k-1} · I[m, k], applied from the last reflection.
    let mut q = vec![0.0; m * k];
    for i in 0..k {
        q[i * k + i] = 1.0;
    }
    for (j, (v, tau)) in reflections.iter().enumerate().rev() {
        if *tau == 0.0 {
            continue;
        }
        reflect(&mut q, k, j, 0..k, v, *tau);
    }
    (q, r)
}

/// Applies the reflection `I - tau·v·vᵀ` to rows `j..` and columns `cols`
/// of the row-major matrix `m` (`width` columns).
fn reflect(
    m: &mut [f64],
    width: usize,
    j: usize,
    cols: std::ops::Range<usize>,
    v: &[f64],
    tau: f64,
) {
    for col in cols {
        let dot: f64 = v
            .iter()
            .enumerate()
            .map(|(i, vi)| vi * m[(j + i) * width + col])
            .sum();
        for (i, vi) in v.iter().enumerate() {
            m[(j + i) * width + col] -= tau * vi * dot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matmul(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
        (0..m * n)
            .map(|ij| (0..k).map(|p| a[ij / n * k + p] * b[p * n + ij % n]).sum())
            .collect()
    }

    #[test]
    fn q_times_r_is_the_input_and_q_is_orthonormal() {
        for (m, n) in [(5, 3), (3, 5), (4, 4), (1, 3), (3, 1)] {
            let a: Vec<f64> = (0..m * n).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect();
            let (q, r) = householder_qr(a.clone(), m, n);
            let k = m.min(n);
            let qr = matmul(&q, &r, m, k, n);
            assert!(
                qr.iter().zip(&a).all(|(x, y)| (x - y).abs() < 1e-10),
                "{m}x{n}"
            );
            let qt: Vec<f64> = (0..k * m).map(|ij| q[ij % m * k + ij / m]).collect();
            let qtq = matmul(&qt, &q, k, m, k);
            for (ij, v) in qtq.iter().enumerate() {
                let want = if ij / k == ij % k { 1.0 } else { 0.0 };
                assert!((v - want).abs() < 1e-10, "{m}x{n}: QᵀQ");
            }
            for i in 0..k {
                assert!(r[i * n..i * n + i].iter().all(|&v| v == 0.0));
            }
        }
    }

    #[test]
    fn batches_dtypes_and_errors() {
        let x =
            Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 0.0, 1.0], [2, 2, 2]).unwrap();
        let (q, r) = qr("Qr", &x).unwrap();
        assert_eq!((q.dims(), r.dims()), (&[2, 2, 2][..], &[2, 2, 2][..]));
        assert_eq!(q.dtype(), DType::F32);
        let err = qr("Qr", &Tensor::from([1.0f32])).unwrap_err().to_string();
        assert!(err.contains("rank >= 2"), "{err}");
        assert!(qr("Qr", &Tensor::from([[1i32, 2]])).is_err());
        let (q, r) = qr("Qr", &Tensor::zeros(DType::F64, [0, 3]).unwrap()).unwrap();
        assert_eq!((q.dims(), r.dims()), (&[0, 0][..], &[0, 3][..]));
    }
}
