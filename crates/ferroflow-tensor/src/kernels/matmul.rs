//! Matrix multiplication, `tf.matmul` / `tf.linalg.matmul`: f32 and f64
//! through the `gemm` crate, i32 and i64 with a plain (vectorizable) loop.

use super::arith::Arith;
use super::elementwise::typed;
use super::strided::BroadcastPlan;
use crate::{broadcast_shapes, DType, Element, Result, Shape, Tensor, TensorError};
use gemm::Parallelism;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Products with at least this many multiply-adds (`m * n * k`, about 160³)
/// let `gemm` use every rayon thread; smaller ones run one per thread, as
/// splitting them costs more than it saves (measured on 2 cores: 128³ is
/// faster on one thread, 192³ on two).
const GEMM_PAR_MIN: usize = 1 << 22;

/// Multiply-adds per parallel task when small products are spread over threads.
const TASK_MIN: usize = 1 << 16;

/// Multiplies the last two dimensions of `a` and `b`, like
/// `tf.matmul(a, b, transpose_a, transpose_b)`. Both have rank >= 2 and one
/// dtype (f32, f64, i32, i64; integers wrap on overflow); leading batch
/// dimensions broadcast NumPy-style, so `[3,4] x [2,4,5]` gives `[2,3,5]`.
///
/// ```
/// use ferroflow_tensor::{kernels::matmul::matmul, Tensor};
/// let a = Tensor::from([[1.0f32, 2.0], [3.0, 4.0]]);
/// let b = Tensor::from([[5.0f32, 6.0], [7.0, 8.0]]);
/// let c = matmul("MatMul", &a, &b, false, true).unwrap(); // a @ b^T
/// assert_eq!(c.to_vec::<f32>().unwrap(), vec![17.0, 23.0, 39.0, 53.0]);
/// let err = matmul("MatMul", &a, &Tensor::from([[1.0f32; 5]; 3]), false, false).unwrap_err();
/// assert_eq!(err.to_string(), "MatMul: Matrix size-incompatible: In[0]: [2,2], In[1]: [3,5]");
/// ```
pub fn matmul(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    transpose_a: bool,
    transpose_b: bool,
) -> Result<Tensor> {
    if a.dtype() != b.dtype() {
        return Err(TensorError::DType {
            op: op.to_string(),
            expected: format!("{} (the dtype of In[0])", a.dtype()),
            got: b.dtype(),
        });
    }
    let (ra, rb) = (a.rank(), b.rank());
    if ra < 2 || rb < 2 {
        crate::bail!(
            op,
            "In[0] and In[1] must have rank >= 2, got {} and {}",
            a.shape(),
            b.shape()
        );
    }
    let (ad, bd) = (a.dims(), b.dims());
    let (m, k) = pick(ad[ra - 2], ad[ra - 1], transpose_a);
    let (kb, n) = pick(bd[rb - 2], bd[rb - 1], transpose_b);
    if k != kb {
        crate::bail!(
            op,
            "Matrix size-incompatible: In[0]: {}, In[1]: {}",
            a.shape(),
            b.shape()
        );
    }
    let (batch_a, batch_b) = (Shape::from(&ad[..ra - 2]), Shape::from(&bd[..rb - 2]));
    let batch = broadcast_shapes(op, &batch_a, &batch_b).map_err(|_| {
        TensorError::invalid(
            op,
            format!(
                "In[0] and In[1] must have compatible batch dimensions: {} vs. {}",
                a.shape(),
                b.shape()
            ),
        )
    })?;
    let mut out_dims = batch.dims().to_vec();
    out_dims.extend([m, n]);
    let out_shape = Shape::new(out_dims);
    out_shape.checked_num_elements(op)?;
    // For each output matrix, which matrix of `a` and of `b` it multiplies.
    let plan = BroadcastPlan::new(&batch, [&batch_a, &batch_b]);
    let [sa, sb] = plan.inner_strides();
    let mut pairs = Vec::with_capacity(batch.num_elements());
    plan.for_each_run(0, batch.num_elements(), |_, [oa, ob], len| {
        pairs.extend((0..len).map(|i| (oa + i * sa, ob + i * sb)));
    });
    let p = Product {
        m,
        n,
        k,
        transpose_a,
        transpose_b,
    };
    let out = match a.dtype() {
        DType::F32 => p.batched(&pairs, typed::<f32>(op, a)?, typed(op, b)?, gemm_kernel),
        DType::F64 => p.batched(&pairs, typed::<f64>(op, a)?, typed(op, b)?, gemm_kernel),
        DType::I32 => p.batched(&pairs, typed::<i32>(op, a)?, typed(op, b)?, int_kernel),
        DType::I64 => p.batched(&pairs, typed::<i64>(op, a)?, typed(op, b)?, int_kernel),
        other => {
            return Err(TensorError::DType {
                op: op.to_string(),
                expected: "float32, float64, int32 or int64".into(),
                got: other,
            })
        }
    };
    Tensor::new(out, out_shape)
}

/// (rows, cols) of a stored matrix of shape `[r, c]`, transposed if asked.
fn pick(r: usize, c: usize, transpose: bool) -> (usize, usize) {
    if transpose {
        (c, r)
    } else {
        (r, c)
    }
}

/// The sizes of one `[m, k] x [k, n]` product and how its operands are stored.
#[derive(Clone, Copy)]
struct Product {
    m: usize,
    n: usize,
    k: usize,
    transpose_a: bool,
    transpose_b: bool,
}

/// A kernel for one product: `(sizes, a, b, out, split)`; it writes every
/// element of `out`, spread over the thread pool when `split`.
type Kernel<T> = fn(&Product, &[T], &[T], &mut [MaybeUninit<T>], bool);

impl Product {
    /// Runs `kernel(a_matrix, b_matrix, out_matrix)` for each `(a, b)` index
    /// pair; the kernel writes every element of its output matrix.
    fn batched<T: Element>(
        self,
        pairs: &[(usize, usize)],
        a: &[T],
        b: &[T],
        kernel: Kernel<T>,
    ) -> crate::Storage {
        let (mk, kn, mn) = (self.m * self.k, self.k * self.n, self.m * self.n);
        let len = pairs.len() * mn;
        if self.k == 0 {
            return T::into_storage(vec![T::zero(); len]);
        }
        let mut out = Vec::with_capacity(len);
        let slots = &mut out.spare_capacity_mut()[..len];
        if mn > 0 {
            let run = |(out, &(ia, ib)): (&mut [MaybeUninit<T>], &(usize, usize)), par| {
                kernel(&self, &a[ia * mk..][..mk], &b[ib * kn..][..kn], out, par)
            };
            if mn * self.k >= GEMM_PAR_MIN {
                slots
                    .chunks_mut(mn)
                    .zip(pairs)
                    .for_each(|job| run(job, true));
            } else {
                slots
                    .par_chunks_mut(mn)
                    .zip(pairs)
                    .with_min_len((TASK_MIN / (mn * self.k)).max(1))
                    .for_each(|job| run(job, false));
            }
        }
        // SAFETY: the chunks cover all `len` slots and each kernel call
        // writes its whole output matrix.
        unsafe { out.set_len(len) };
        T::into_storage(out)
    }
}

/// A strided matrix view for `gemm`: element `(i, j)` sits at
/// `ptr + i * rs + j * cs`. A raw pointer, so that row blocks can be handed
/// to other threads.
#[derive(Clone, Copy)]
struct View<T> {
    ptr: *const T,
    rs: isize,
    cs: isize,
}

// SAFETY: a `View` is only an address and strides; the code that builds the
// views guarantees that concurrent users write disjoint elements.
unsafe impl<T> Send for View<T> {}
unsafe impl<T> Sync for View<T> {}

impl<T> View<T> {
    /// An operand stored row-major with `stored_cols` columns, read as its
    /// transpose if `transpose`.
    fn stored(data: &[T], stored_cols: usize, transpose: bool) -> Self {
        let c = stored_cols as isize;
        let (rs, cs) = if transpose { (1, c) } else { (c, 1) };
        View {
            ptr: data.as_ptr(),
            rs,
            cs,
        }
    }

    fn transposed(self) -> Self {
        View {
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// The view from row `i` on.
    fn at_row(self, i: usize) -> Self {
        View {
            ptr: self.ptr.wrapping_offset(i as isize * self.rs),
            ..self
        }
    }
}

/// Rows per block when one product is split over the thread pool: `gemm`'s
/// f32 micro-kernel covers 16 rows, so blocks are multiples of that.
const ROW_ALIGN: usize = 16;

/// One f32/f64 product through `gemm`. With `split`, the product is cut
/// into row blocks run on the thread pool, one `gemm` thread each; `gemm`'s
/// own threading is slower at the shapes of dense layers (measured at
/// 64×3136·3136×1024 on 2 threads: 45 GFLOP/s against 109 for four row
/// blocks of the transposed product). A product with fewer rows than
/// columns is computed as its transpose, `Cᵀ = Bᵀ·Aᵀ`, which `gemm` runs
/// faster and which gives the blocks more rows.
fn gemm_kernel<T: Element>(p: &Product, a: &[T], b: &[T], out: &mut [MaybeUninit<T>], split: bool) {
    let lhs = View::stored(a, if p.transpose_a { p.m } else { p.k }, p.transpose_a);
    let rhs = View::stored(b, if p.transpose_b { p.k } else { p.n }, p.transpose_b);
    let dst = View {
        ptr: out.as_mut_ptr().cast::<T>().cast_const(),
        rs: p.n as isize,
        cs: 1,
    };
    let (m, n, lhs, rhs, dst) = if split && p.m < p.n {
        (
            p.n,
            p.m,
            rhs.transposed(),
            lhs.transposed(),
            dst.transposed(),
        )
    } else {
        (p.m, p.n, lhs, rhs, dst)
    };
    let blocks = if split {
        let threads = rayon::current_num_threads();
        (2 * threads).min(m.div_ceil(ROW_ALIGN)).max(1)
    } else {
        1
    };
    let per = m.div_ceil(blocks).next_multiple_of(ROW_ALIGN);
    let run = |start: usize| {
        // Whole views (not their raw-pointer fields) go to the closure.
        let (lhs, rhs, dst) = (&lhs, &rhs, &dst);
        let rows = per.min(m - start);
        // SAFETY: `a` holds m*k, `b` k*n and `out` m*n elements (checked by
        // the slicing in `batched`); the views address exactly those
        // matrices (transposed or not), and each block writes only its own
        // rows of `dst`. With `read_dst` false gemm writes `dst` without
        // reading it (k > 0). `batched` only passes f32 or f64.
        unsafe {
            gemm::gemm(
                rows,
                n,
                p.k,
                dst.at_row(start).ptr.cast_mut(),
                dst.cs,
                dst.rs,
                false,
                lhs.at_row(start).ptr,
                lhs.cs,
                lhs.rs,
                rhs.ptr,
                rhs.cs,
                rhs.rs,
                T::zero(),
                T::one(),
                false,
                false,
                false,
                Parallelism::None,
            );
        }
    };
    if per >= m {
        run(0);
    } else {
        (0..m.div_ceil(per))
            .into_par_iter()
            .for_each(|block| run(block * per));
    }
}

/// One integer product: rows of `out` accumulate scaled rows of `b`
/// (a transposed `b` is first copied into row-major order).
fn int_kernel<T: Arith>(p: &Product, a: &[T], b: &[T], out: &mut [MaybeUninit<T>], _: bool) {
    out.fill(MaybeUninit::new(T::zero()));
    // SAFETY: every element was just initialized.
    let out = unsafe { &mut *(out as *mut [MaybeUninit<T>] as *mut [T]) };
    let transposed;
    let b = if p.transpose_b {
        transposed = (0..p.k * p.n)
            .map(|i| b[(i % p.n) * p.k + i / p.n])
            .collect::<Vec<_>>();
        &transposed
    } else {
        b
    };
    let a_at = |i: usize, l: usize| {
        if p.transpose_a {
            a[l * p.m + i]
        } else {
            a[i * p.k + l]
        }
    };
    for (i, row) in out.chunks_mut(p.n).enumerate() {
        for (l, b_row) in b.chunks_exact(p.n).enumerate() {
            let x = a_at(i, l);
            for (o, &y) in row.iter_mut().zip(b_row) {
                *o = o.wrapping_add(x.wrapping_mul(y));
            }
        }
    }
}
