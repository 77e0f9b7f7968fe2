//! Matmul against a naive triple loop: transposes, batch broadcasting, the
//! parallel paths, integers, empty operands and errors.

use ferroflow_tensor::kernels::matmul::matmul;
use ferroflow_tensor::{DType, Tensor};

fn vals(n: usize, seed: u64) -> Vec<f64> {
    (0..n as u64)
        .map(|i| ((i * 2654435761 + seed * 97) % 17) as f64 - 8.0)
        .collect()
}

/// Row-major `[batch.., r, c]` dims of an operand holding a logical `[rows, cols]`
/// matrix, stored transposed if `t`.
fn stored(batch: &[usize], rows: usize, cols: usize, t: bool) -> Vec<usize> {
    let mut d = batch.to_vec();
    d.extend(if t { [cols, rows] } else { [rows, cols] });
    d
}

/// Naive `[m,k] x [k,n]` per broadcast batch, reading through the transposes.
#[allow(clippy::too_many_arguments)]
fn naive(
    a: &[f64],
    b: &[f64],
    ba: &[usize],
    bb: &[usize],
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
) -> Vec<f64> {
    let rank = ba.len().max(bb.len());
    let pad = |s: &[usize]| [vec![1; rank - s.len()], s.to_vec()].concat();
    let (pa, pb) = (pad(ba), pad(bb));
    let batch: Vec<usize> = pa.iter().zip(&pb).map(|(x, y)| *x.max(y)).collect();
    let mut out = Vec::new();
    for mut i in 0..batch.iter().product::<usize>() {
        let (mut ia, mut ib, mut sa, mut sb) = (0, 0, 1, 1);
        for d in (0..rank).rev() {
            let idx = i % batch[d];
            i /= batch[d];
            ia += if pa[d] == 1 { 0 } else { idx * sa };
            ib += if pb[d] == 1 { 0 } else { idx * sb };
            sa *= pa[d];
            sb *= pb[d];
        }
        let am = &a[ia * m * k..];
        let bm = &b[ib * k * n..];
        for r in 0..m {
            for c in 0..n {
                out.push(
                    (0..k)
                        .map(|l| {
                            let x = if ta { am[l * m + r] } else { am[r * k + l] };
                            let y = if tb { bm[c * k + l] } else { bm[l * n + c] };
                            x * y
                        })
                        .sum(),
                );
            }
        }
    }
    out
}

const ALL: [(bool, bool); 4] = [(false, false), (true, false), (false, true), (true, true)];

fn check(ba: &[usize], bb: &[usize], m: usize, k: usize, n: usize, dtype: DType) {
    check_transposes(ba, bb, m, k, n, dtype, &ALL);
}

fn check_transposes(
    ba: &[usize],
    bb: &[usize],
    m: usize,
    k: usize,
    n: usize,
    dtype: DType,
    transposes: &[(bool, bool)],
) {
    for &(ta, tb) in transposes {
        let (da, db) = (stored(ba, m, k, ta), stored(bb, k, n, tb));
        let (a, b) = (vals(da.iter().product(), 1), vals(db.iter().product(), 2));
        let tensor = |v: &[f64], d: &[usize]| match dtype {
            DType::F32 => {
                Tensor::from_vec(v.iter().map(|&x| x as f32).collect::<Vec<_>>(), d).unwrap()
            }
            DType::F64 => Tensor::from_vec(v.to_vec(), d).unwrap(),
            DType::I32 => {
                Tensor::from_vec(v.iter().map(|&x| x as i32).collect::<Vec<_>>(), d).unwrap()
            }
            _ => Tensor::from_vec(v.iter().map(|&x| x as i64).collect::<Vec<_>>(), d).unwrap(),
        };
        let got = matmul("BatchMatMulV2", &tensor(&a, &da), &tensor(&b, &db), ta, tb).unwrap();
        assert_eq!(got.dtype(), dtype);
        let want = naive(&a, &b, ba, bb, m, k, n, ta, tb);
        assert_eq!(
            got.to_f64_vec().unwrap(),
            want,
            "{ba:?} {bb:?} {m}x{k}x{n} ta={ta} tb={tb} {dtype}"
        );
    }
}

#[test]
fn plain_and_transposed_products_match_naive() {
    for dtype in [DType::F32, DType::F64, DType::I32, DType::I64] {
        check(&[], &[], 3, 4, 5, dtype);
        check(&[], &[], 1, 7, 1, dtype);
    }
}

#[test]
fn batch_dims_broadcast_numpy_style() {
    for dtype in [DType::F32, DType::I64] {
        check(&[2], &[], 3, 4, 2, dtype); // rank 3 x rank 2
        check(&[], &[3], 2, 5, 3, dtype); // rank 2 x rank 3
        check(&[2, 1], &[3], 2, 3, 4, dtype);
        check(&[1, 4], &[3, 1], 2, 2, 2, dtype);
    }
}

#[test]
fn large_and_many_small_products_use_parallel_paths() {
    // Exact in f64 (small integers), so any blocking order gives the same result.
    check_transposes(&[], &[], 128, 256, 128, DType::F64, &[(true, true)]);
    // Split into row blocks: fewer rows than columns (computed transposed)
    // and more, with sizes that are not multiples of the block alignment.
    let all = [(false, false), (true, false), (false, true), (true, true)];
    check_transposes(&[], &[], 37, 301, 411, DType::F64, &all);
    check_transposes(&[], &[], 411, 301, 37, DType::F32, &all);
    check(&[1200], &[1200], 9, 10, 11, DType::F64);
    check(&[], &[], 33, 70, 65, DType::I32);
}

fn zeros(dtype: DType, dims: &[usize]) -> Tensor {
    Tensor::zeros(dtype, dims).unwrap()
}

#[test]
fn empty_operands() {
    let z = matmul(
        "MatMul",
        &zeros(DType::F32, &[2, 0]),
        &zeros(DType::F32, &[0, 3]),
        false,
        false,
    )
    .unwrap();
    assert_eq!(
        (z.dims(), z.to_vec::<f32>().unwrap()),
        (&[2, 3][..], vec![0.0; 6])
    );
    let e = matmul(
        "MatMul",
        &zeros(DType::F64, &[0, 4]),
        &zeros(DType::F64, &[4, 3]),
        false,
        false,
    )
    .unwrap();
    assert_eq!(e.dims(), &[0, 3]);
    let (a, b) = (zeros(DType::I32, &[0, 2, 2]), zeros(DType::I32, &[2, 2]));
    assert_eq!(
        matmul("BatchMatMulV2", &a, &b, false, false)
            .unwrap()
            .dims(),
        &[0, 2, 2]
    );
}

#[test]
fn integer_products_wrap_like_tf() {
    let a = Tensor::from([[1i32 << 30, 1 << 30]]);
    let b = Tensor::from([[2i32], [2]]);
    assert_eq!(
        matmul("MatMul", &a, &b, false, false)
            .unwrap()
            .to_vec::<i32>()
            .unwrap(),
        vec![0]
    );
}

#[test]
fn errors_read_like_tf() {
    let err = |a: &[usize], b: &[usize], ta: bool| {
        let (a, b) = (zeros(DType::F32, a), zeros(DType::F32, b));
        matmul("BatchMatMulV2", &a, &b, ta, false)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(&[2, 3], &[4, 5], false),
        "BatchMatMulV2: Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]"
    );
    assert_eq!(
        err(&[2, 2, 3], &[3, 3, 4], false),
        "BatchMatMulV2: In[0] and In[1] must have compatible batch dimensions: [2,2,3] vs. [3,3,4]"
    );
    assert_eq!(
        err(&[3], &[3, 4], false),
        "BatchMatMulV2: In[0] and In[1] must have rank >= 2, got [3] and [3,4]"
    );
    // With transpose_a, [3,2] is a 2x3 matrix and fits [3,4].
    let ok = matmul(
        "MatMul",
        &zeros(DType::F32, &[3, 2]),
        &zeros(DType::F32, &[3, 4]),
        true,
        false,
    );
    assert_eq!(ok.unwrap().dims(), &[2, 4]);
    assert_eq!(
        err(&[3, 2], &[2, 4], true),
        "BatchMatMulV2: Matrix size-incompatible: In[0]: [3,2], In[1]: [2,4]"
    );
    let mixed = matmul(
        "MatMul",
        &zeros(DType::F32, &[2, 3]),
        &zeros(DType::F64, &[3, 4]),
        false,
        false,
    );
    assert_eq!(
        mixed.unwrap_err().to_string(),
        "MatMul: expected dtype float32 (the dtype of In[0]), got float64"
    );
    let bools = matmul(
        "MatMul",
        &zeros(DType::Bool, &[2, 2]),
        &zeros(DType::Bool, &[2, 2]),
        false,
        false,
    );
    assert_eq!(
        bools.unwrap_err().to_string(),
        "MatMul: expected dtype float32, float64, int32 or int64, got bool"
    );
}
