#!/usr/bin/env python3
"""Writes TensorFlow's results of array/indexing ops and their gradients for
ferroflow-core's tests (crates/ferroflow-core/tests/array_ops.rs).

Run with the TensorFlow venv:

    python3 tools/make_array_ops_fixtures.py

Output: crates/ferroflow-core/tests/fixtures/array_ops_tf.txt, one case per line:

    <name> <dtype> <shape> : <values>

`shape` is comma-separated (`-` for a scalar). Inputs are `iota(shape)` =
`np.arange(1, n + 1).reshape(shape)` as float64 unless said otherwise. A
`grad_*` case is the gradient of `sum(w * f(x))` with respect to `x`, where
`w = iota(f(x).shape)`; the Rust tests build the same calls.
"""

import os

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-core",
                   "tests", "fixtures", "array_ops_tf.txt")


def iota(shape, dtype=tf.float64):
    n = int(np.prod(shape))
    return tf.constant(np.arange(1, n + 1).reshape(shape), dtype=dtype)


def fmt(t):
    a = np.asarray(t)
    shape = ",".join(str(d) for d in a.shape) or "-"
    if a.dtype.kind == "f":
        vals = [repr(float(v)) for v in a.reshape(-1)]
    else:
        vals = [str(int(v)) for v in a.reshape(-1)]
    return "%s %s : %s" % (tf.as_dtype(a.dtype).name, shape, " ".join(vals))


def weighted_grad(f, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
        loss = tf.reduce_sum(iota(y.shape) * y)
    return tape.gradient(loss, x)


def cases():
    x34 = iota([3, 4])
    x234 = iota([2, 3, 4])
    yield "idx_rows_rev", x34[1:, ::-1]
    yield "idx_ellipsis_0", x234[..., 0]
    yield "idx_newaxis", iota([2, 3])[:, None]
    yield "idx_last_row", x34[-1]
    yield "idx_mixed", iota([4, 3, 5])[1:3, ..., None, ::2]
    yield "idx_neg_step", iota([6])[4:1:-2]
    yield "idx_clamped", iota([5])[2:100]
    yield "idx_ellipsis_middle", iota([2, 3, 4, 5])[1, ..., 2:]

    yield "gather_batch1_axis2", tf.gather(x234, [[3, 0], [1, 1]], axis=2, batch_dims=1)
    yield "gather_negative_batch", tf.gather(x234, [[2, 0, 2], [1, 1, 0]], axis=1,
                                             batch_dims=-1)
    yield "gather_nd_batchless", tf.gather_nd(x234, [[[1, 2]], [[0, 0]]])

    yield "grad_mirror_reflect", weighted_grad(
        lambda x: tf.pad(x, [[2, 1], [3, 3]], mode="REFLECT"), x34)
    yield "grad_mirror_symmetric", weighted_grad(
        lambda x: tf.pad(x, [[3, 1], [0, 4]], mode="SYMMETRIC"), x34)
    yield "grad_gather_batch", weighted_grad(
        lambda x: tf.gather(x, [[2, 0, 2], [1, 1, 0]], axis=2, batch_dims=1), x234)
    yield "grad_gather_axis1", weighted_grad(
        lambda x: tf.gather(x, [[2, 0], [2, 1], [0, 0]], axis=1), x234)
    yield "grad_gather_nd", weighted_grad(
        lambda x: tf.gather_nd(x, [[1, 2], [0, 0], [1, 2]]), x234)
    yield "grad_strided", weighted_grad(lambda x: x[1:, ::-2], iota([4, 5]))
    yield "grad_tile", weighted_grad(lambda x: tf.tile(x, [2, 3]), iota([2, 3]))

    a23, b34 = iota([2, 3]), iota([3, 4])
    yield "td_axes1", tf.tensordot(a23, b34, 1)
    yield "td_pairs", tf.tensordot(x234, iota([4, 3, 5]), [[1, 2], [1, 0]])
    yield "td_outer", tf.tensordot(iota([2]), iota([3]), 0)

    yield "es_matmul", tf.einsum("ij,jk->ik", a23, b34)
    yield "es_bmm", tf.einsum("bij,bjk->bik", iota([2, 2, 3]), iota([2, 3, 4]))
    yield "es_transpose", tf.einsum("ij->ji", a23)
    yield "es_mul", tf.einsum("ij,ij->ij", a23, a23 + 1)
    yield "es_dot", tf.einsum("i,i->", iota([4]), iota([4]) + 2)
    yield "es_outer", tf.einsum("i,j->ij", iota([2]), iota([3]))
    yield "es_sum_axis", tf.einsum("ij->j", a23)
    yield "es_implicit", tf.einsum("ij,jk", a23, b34)
    yield "es_reduce_both", tf.einsum("bij,bkj->b", iota([2, 2, 3]), iota([2, 4, 3]))
    yield "es_permuted", tf.einsum("bij,jk->kbi", iota([2, 2, 3]), b34)


def main():
    lines = ["# TensorFlow %s array/indexing op results; written by "
             "tools/make_array_ops_fixtures.py" % tf.__version__]
    for name, t in cases():
        lines.append("%s %s" % (name, fmt(t)))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
