//! Strided iteration shared by the broadcasting kernels: how row-major
//! operands are read while a contiguous output is written, as runs of
//! contiguous (or repeated) elements rather than per-element index math.

use crate::Shape;

/// A plan for reading `N` row-major operands broadcast (NumPy-style) to an
/// output shape, written contiguously.
///
/// Dimensions of size 1 are dropped and neighbouring dimensions that every
/// operand reads contiguously are merged, so two same-shape operands become a
/// single run and `[2,1,3]` against `[4,1]` becomes runs of 3. In the
/// innermost run each operand is either contiguous (stride 1) or repeated
/// (stride 0, e.g. a scalar).
///
/// ```
/// use ferroflow_tensor::{kernels::strided::BroadcastPlan, Shape};
/// // tf.broadcast_to(x, [2, 3]) with x of shape [3]: two runs of 3, both reading x[0..3].
/// let plan = BroadcastPlan::new(&Shape::from([2, 3]), [&Shape::from([3])]);
/// let mut runs = Vec::new();
/// plan.for_each_run(0, 6, |out, [x], len| runs.push((out, x, len)));
/// assert_eq!(runs, vec![(0, 0, 3), (3, 0, 3)]);
/// assert_eq!(plan.inner_strides(), [1]);
/// ```
#[derive(Debug, Clone)]
pub struct BroadcastPlan<const N: usize> {
    /// Output dimensions after dropping 1s and merging; never empty.
    dims: Vec<usize>,
    /// Per dimension, the stride (in elements) of each operand; 0 where it broadcasts.
    strides: Vec<[usize; N]>,
}

impl<const N: usize> BroadcastPlan<N> {
    /// The plan for `inputs` broadcast to `out`. Each input must broadcast to
    /// `out` (callers check with [`crate::broadcast_shapes`] first).
    pub fn new(out: &Shape, inputs: [&Shape; N]) -> Self {
        let rank = out.rank();
        let in_strides = inputs.map(|s| s.strides());
        let mut dims: Vec<usize> = Vec::with_capacity(rank);
        let mut strides: Vec<[usize; N]> = Vec::with_capacity(rank);
        for (d, &size) in out.dims().iter().enumerate() {
            if size == 1 {
                continue;
            }
            let mut st = [0; N];
            for (k, shape) in inputs.iter().enumerate() {
                // Inputs align with the output's trailing dimensions.
                if let Some(i) = (d + shape.rank()).checked_sub(rank) {
                    if shape.dims()[i] != 1 {
                        st[k] = in_strides[k][i];
                    }
                }
            }
            match (dims.last_mut(), strides.last_mut()) {
                (Some(last_dim), Some(last_st)) if (0..N).all(|k| last_st[k] == st[k] * size) => {
                    *last_dim *= size;
                    *last_st = st;
                }
                _ => {
                    dims.push(size);
                    strides.push(st);
                }
            }
        }
        if dims.is_empty() {
            dims.push(1);
            strides.push([0; N]);
        }
        BroadcastPlan { dims, strides }
    }

    /// The stride of each operand inside a run: 1 (contiguous) or 0 (repeated).
    pub fn inner_strides(&self) -> [usize; N] {
        self.strides[self.strides.len() - 1]
    }

    /// Calls `f(out_pos, offsets, len)` for each run of the output positions
    /// `lo..hi`, in order: output elements `out_pos..out_pos + len` read operand
    /// `k` from `offsets[k]` with stride `inner_strides()[k]`.
    pub fn for_each_run(&self, lo: usize, hi: usize, mut f: impl FnMut(usize, [usize; N], usize)) {
        if lo >= hi {
            return;
        }
        let outer = self.dims.len() - 1;
        let inner = self.dims[outer];
        let inner_st = self.strides[outer];
        // Multi-index of the row holding `lo`, and the operands' offsets there.
        let mut index = vec![0; outer];
        let mut offsets = [0; N];
        let mut rest = lo / inner;
        for d in (0..outer).rev() {
            index[d] = rest % self.dims[d];
            rest /= self.dims[d];
            for (o, s) in offsets.iter_mut().zip(&self.strides[d]) {
                *o += index[d] * s;
            }
        }
        let mut col = lo % inner;
        let mut pos = lo;
        while pos < hi {
            let len = (inner - col).min(hi - pos);
            f(
                pos,
                std::array::from_fn(|k| offsets[k] + col * inner_st[k]),
                len,
            );
            pos += len;
            col = 0;
            // Advance the row odometer.
            for d in (0..outer).rev() {
                index[d] += 1;
                for (o, s) in offsets.iter_mut().zip(&self.strides[d]) {
                    *o += s;
                }
                if index[d] < self.dims[d] {
                    break;
                }
                for (o, s) in offsets.iter_mut().zip(&self.strides[d]) {
                    *o -= self.dims[d] * s;
                }
                index[d] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs<const N: usize>(out: &[usize], ins: [&[usize]; N]) -> Vec<(usize, [usize; N], usize)> {
        let shapes = ins.map(Shape::from);
        let plan = BroadcastPlan::new(&Shape::from(out), std::array::from_fn(|k| &shapes[k]));
        let n = out.iter().product();
        let mut v = Vec::new();
        plan.for_each_run(0, n, |p, o, l| v.push((p, o, l)));
        v
    }

    #[test]
    fn same_shapes_merge_into_one_run() {
        assert_eq!(
            runs(&[2, 3, 4], [&[2, 3, 4], &[2, 3, 4]]),
            vec![(0, [0, 0], 24)]
        );
    }

    #[test]
    fn scalar_operand_repeats() {
        let plan = BroadcastPlan::new(
            &Shape::from([5, 7]),
            [&Shape::from([5, 7]), &Shape::scalar()],
        );
        assert_eq!(plan.inner_strides(), [1, 0]);
        assert_eq!(runs(&[5, 7], [&[5, 7], &[]]), vec![(0, [0, 0], 35)]);
    }

    #[test]
    fn column_broadcast_gives_rows_of_repeats() {
        // [2,1,3] with [4,1] -> [2,4,3]: runs of 3; b repeats each of its 4 values.
        let v = runs(&[2, 4, 3], [&[2, 1, 3], &[4, 1]]);
        let offs: Vec<[usize; 2]> = v.iter().map(|r| r.1).collect();
        assert!(v.iter().all(|r| r.2 == 3));
        assert_eq!(offs[..5], [[0, 0], [0, 1], [0, 2], [0, 3], [3, 0]]);
    }

    #[test]
    fn ranges_start_mid_row() {
        let shapes = [Shape::from([3])];
        let plan = BroadcastPlan::new(&Shape::from([4, 3]), [&shapes[0]]);
        let mut v = Vec::new();
        plan.for_each_run(2, 8, |p, o, l| v.push((p, o, l)));
        assert_eq!(v, vec![(2, [2], 1), (3, [0], 3), (6, [0], 2)]);
    }

    #[test]
    fn empty_output_has_no_runs() {
        assert!(runs(&[0, 3], [&[0, 3]]).is_empty());
    }
}
