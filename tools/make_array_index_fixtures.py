#!/usr/bin/env python3
"""Writes TensorFlow's outputs of the array/indexing/cast kernels for ferroflow's tests.

Run with the TensorFlow venv:

    python3 tools/make_array_index_fixtures.py

Output: crates/ferroflow-tensor/tests/fixtures/array_index_tf.txt, one case per line:

    <name> <dtype> <shape> : <values>

`shape` is comma-separated (`-` for a scalar). Values are decimal: integers as
such, floats as the shortest repr of their float64 value (exact for float32).
Inputs are `iota(shape)` = `np.arange(n).reshape(shape)` in the named dtype unless
said otherwise; the Rust tests (tests/array_index_tf.rs) build the same calls.
"""

import os

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-tensor",
                   "tests", "fixtures", "array_index_tf.txt")


def iota(shape, dtype=tf.float32):
    n = int(np.prod(shape))
    return tf.constant(np.arange(n).reshape(shape), dtype=dtype)


def fmt(t):
    a = np.asarray(t)
    shape = ",".join(str(d) for d in a.shape) or "-"
    if a.dtype == np.bool_:
        vals = ["1" if v else "0" for v in a.reshape(-1)]
    elif a.dtype.kind == "f":
        vals = [repr(float(v)) for v in a.reshape(-1)]
    else:
        vals = [str(int(v)) for v in a.reshape(-1)]
    return "%s %s : %s" % (tf.as_dtype(a.dtype).name, shape, " ".join(vals))


def ss(x, begin, end, strides, b=0, e=0, el=0, na=0, sh=0):
    return tf.strided_slice(x, begin, end, strides, begin_mask=b, end_mask=e,
                            ellipsis_mask=el, new_axis_mask=na, shrink_axis_mask=sh)


def cases():
    x234 = iota([2, 3, 4])
    yield "transpose_201", tf.transpose(x234, [2, 0, 1])
    yield "transpose_2d", tf.transpose(iota([37, 53]), [1, 0])
    yield "transpose_nhwc_nchw", tf.transpose(iota([2, 3, 4, 5]), [0, 3, 1, 2])
    yield "transpose_nchw_nhwc", tf.transpose(iota([2, 3, 4, 5]), [0, 2, 3, 1])
    yield "transpose_1032", tf.transpose(iota([2, 3, 4, 5]), [1, 0, 3, 2])
    yield "concat_axis1", tf.concat([iota([2, 3]), iota([2, 2]) + 10], 1)
    yield "concat_axis0", tf.concat([iota([1, 3]), iota([2, 3]) + 10], 0)
    yield "tile_23", tf.tile(iota([2, 3]), [2, 3])
    yield "pad_constant", tf.pad(iota([2, 3]), [[1, 2], [2, 1]], constant_values=9)
    yield "pad_reflect", tf.pad(iota([3, 4]), [[2, 1], [3, 3]], mode="REFLECT")
    yield "pad_symmetric", tf.pad(iota([3, 4]), [[3, 2], [1, 4]], mode="SYMMETRIC")
    yield "reverse_02", tf.reverse(x234, [0, 2])
    yield "slice_345", tf.slice(iota([3, 4, 5]), [1, 0, 2], [2, 3, 2])
    yield "split_1", tf.split(iota([2, 5]), [2, 0, 3], 1)[2]
    # Strided slices (Python spelling in the name's comment in the Rust test).
    yield "ss_ellipsis_1", ss(x234, [0, 1], [0, 2], [1, 1], el=1, sh=2)       # x[..., 1]
    yield "ss_newaxis", ss(x234, [0, 0], [0, 0], [1, 1], b=1, e=1, na=2)      # x[:, None]
    yield "ss_reverse", ss(x234, [0], [0], [-1], b=1, e=1)                    # x[::-1]
    yield "ss_mixed", ss(iota([5, 6, 7]), [1, -1, 3], [-1, 0, 4], [2, -2, 1], sh=4)  # x[1:-1:2, :0:-2, 3]
    yield "ss_last", ss(x234, [-1], [0], [1], sh=1)                           # x[-1]
    yield "ss_ellipsis_newaxis", ss(x234, [0, 0, 0, 1], [0, 0, 0, 0], [-2, 1, 1, 1],
                                    b=9, e=11, el=2, na=4)                    # x[::-2, ..., None, 1:]
    yield "ss_clamp", ss(iota([6]), [10], [-10], [-3])                        # x[10:-10:-3]
    yield "ss_empty", ss(iota([6]), [4], [2], [1])                            # x[4:2]
    yield "ss_grad", tf.raw_ops.StridedSliceGrad(
        shape=[5, 6, 7], begin=[1, -1, 3], end=[-1, 0, 4], strides=[2, -2, 1],
        dy=iota([2, 3]) + 1, shrink_axis_mask=4)
    params = iota([4, 3])
    yield "gather_axis0", tf.gather(params, [[3, 1], [0, 3]], axis=0)
    yield "gather_axis1", tf.gather(params, [2, 0, 2], axis=1)
    yield "gather_batch", tf.gather(iota([2, 3, 4]), [[2, 0], [1, 1]], axis=1, batch_dims=1)
    yield "gather_batch_axis2", tf.gather(iota([2, 3, 4, 2]), [[1, 3], [0, 0]], axis=2,
                                          batch_dims=1)
    yield "gather_nd_pairs", tf.gather_nd(x234, [[0, 1], [1, 2]])
    yield "gather_nd_full", tf.gather_nd(x234, [[[1, 2, 3]], [[0, 0, 1]]])
    yield "scatter_nd", tf.scatter_nd([[0], [2], [0]], iota([3, 4]) + 1, [4, 4])
    yield "segment_sum", tf.math.unsorted_segment_sum(iota([4, 3]), [0, 2, -1, 0], 3)
    idx = tf.constant([[0, 2], [-1, 5]], tf.int64)
    yield "one_hot_axis0", tf.one_hot(idx, 3, on_value=5.0, off_value=-1.0, axis=0)
    yield "one_hot_axis1", tf.one_hot(idx, 3, on_value=5, off_value=-1, axis=1)
    yield "one_hot_last", tf.one_hot(idx, 3, on_value=True, off_value=False)
    f = tf.constant([-2.7, -0.5, 0.0, 0.5, 2.7, 255.9, 300.0], tf.float32)
    yield "cast_f32_i32", tf.cast(f, tf.int32)
    yield "cast_f32_bool", tf.cast(f, tf.bool)
    yield "cast_i64_i32", tf.cast(tf.constant([2**33 + 5, -1, 2**31], tf.int64), tf.int32)
    yield "cast_i32_u8", tf.cast(tf.constant([300, -1, 7], tf.int32), tf.uint8)
    yield "cast_bool_f64", tf.cast(tf.constant([True, False]), tf.float64)
    yield "cast_f64_f32", tf.cast(tf.constant([0.1, 1e300, -1e-300], tf.float64), tf.float32)
    yield "range_i32", tf.range(0, 10, 3, dtype=tf.int32)
    yield "range_i32_neg", tf.range(10, 1, -3, dtype=tf.int32)
    yield "range_f32", tf.range(0.0, 1.0, 0.1, dtype=tf.float32)
    yield "range_f64_neg", tf.range(1.0, -1.0, -0.3, dtype=tf.float64)
    yield "range_i64_empty", tf.range(3, 3, 1, dtype=tf.int64)


def main():
    lines = ["# TensorFlow %s array/index/cast kernel outputs; written by "
             "tools/make_array_index_fixtures.py" % tf.__version__]
    for name, t in cases():
        lines.append("%s %s" % (name, fmt(t)))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
