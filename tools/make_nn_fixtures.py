"""Writes reference values of TensorFlow's neural-network kernels (conv2d and
its gradients, depthwise conv, pooling, fused batch norm, resize) for the
tests of crates/ferroflow-tensor/tests/nn_fixtures.rs.

Run with real TensorFlow:  python3 tools/make_nn_fixtures.py

Each case is one file `<case>.bin` under crates/ferroflow-tensor/tests/fixtures/nn/:
a sequence of named float32 tensors, each stored as
  u32 name length, name (UTF-8), u32 rank, rank x u32 dims, little-endian f32 data.
The test file repeats each case's attributes (strides, padding, ...).
"""
import os
import struct

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-tensor", "tests", "fixtures", "nn")
rng = np.random.default_rng(20261125)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def save(case, **tensors):
    with open(os.path.join(OUT, case + ".bin"), "wb") as f:
        for name, value in tensors.items():
            v = np.asarray(value, dtype=np.float32)
            b = name.encode()
            f.write(struct.pack("<I", len(b)) + b)
            f.write(struct.pack("<I", v.ndim) + struct.pack(f"<{v.ndim}I", *v.shape))
            f.write(v.astype("<f4").tobytes())


def grads(fn, inputs, dy):
    """Gradients of sum(fn(*inputs) * dy) with respect to every input."""
    ts = [tf.constant(v) for v in inputs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = fn(*ts)
        loss = tf.reduce_sum(y * dy)
    return [g.numpy() for g in tape.gradient(loss, ts)]


def tf_padding(padding):
    if isinstance(padding, str):
        return padding
    return [[0, 0], list(padding[0]), list(padding[1]), [0, 0]]


def conv_case(case, x_shape, w_shape, stride, dilation, padding):
    x, w = rand(*x_shape), rand(*w_shape)
    if dilation > 1:
        # TF's CPU Conv2DBackprop* kernels refuse dilations; atrous_conv2d
        # (space_to_batch + conv2d) computes the same function and gradients.
        assert stride == 1
        fn = lambda x, w: tf.nn.atrous_conv2d(x, w, dilation, padding)
        np.testing.assert_allclose(
            fn(x, w), tf.nn.conv2d(x, w, 1, padding, dilations=dilation), rtol=1e-5, atol=1e-5)
    else:
        fn = lambda x, w: tf.nn.conv2d(x, w, [1, stride, stride, 1], tf_padding(padding))
    y = fn(x, w).numpy()
    dy = rand(*y.shape)
    dx, dw = grads(fn, [x, w], dy)
    save(case, x=x, w=w, y=y, dy=dy, dx=dx, dw=dw)


def depthwise_case(case, x_shape, w_shape, stride, dilation, padding):
    x, w = rand(*x_shape), rand(*w_shape)
    fn = lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, stride, stride, 1], padding,
                                             dilations=[dilation, dilation])
    y = fn(x, w).numpy()
    dy = rand(*y.shape)
    dx, dw = grads(fn, [x, w], dy)
    save(case, x=x, w=w, y=y, dy=dy, dx=dx, dw=dw)


def pool_case(case, pool, x, k, stride, padding):
    fn = lambda x: pool(x, [k, k], [stride, stride], padding)
    y = fn(tf.constant(x)).numpy()
    dy = rand(*y.shape)
    (dx,) = grads(fn, [x], dy)
    save(case, x=x, y=y, dy=dy, dx=dx)


def batch_norm_case(case, training):
    x = rand(2, 4, 5, 3) * 2 + 1
    scale, offset = rand(3), rand(3)
    mean, var = rand(3), np.abs(rand(3)) + 0.5
    eps = 0.001
    y, bmean, bvar, r1, r2, _ = tf.raw_ops.FusedBatchNormV3(
        x=x, scale=scale, offset=offset,
        mean=mean if not training else np.zeros(0, np.float32),
        variance=var if not training else np.zeros(0, np.float32),
        epsilon=eps, is_training=training)
    if not training:
        # Inference leaves the reserve spaces undefined; the gradient takes
        # the population statistics instead (as TF's own gradient does).
        r1, r2 = mean, var
    dy = rand(*x.shape)
    dx, dscale, doffset, _, _ = tf.raw_ops.FusedBatchNormGradV3(
        y_backprop=dy, x=x, scale=scale, reserve_space_1=r1, reserve_space_2=r2,
        reserve_space_3=np.zeros(0, np.float32), epsilon=eps, is_training=training)
    save(case, x=x, scale=scale, offset=offset, mean=mean, var=var, y=y, batch_mean=bmean,
         batch_var=bvar, saved_mean=r1, saved_var=r2, dy=dy, dx=dx, dscale=dscale, doffset=doffset)


def resize_case(case, op, size, align_corners, half_pixel_centers):
    x = rand(2, 5, 7, 3)
    y = op(images=x, size=size, align_corners=align_corners, half_pixel_centers=half_pixel_centers)
    save(case, x=x, y=y.numpy())


def main():
    os.makedirs(OUT, exist_ok=True)
    conv_case("conv_same", [2, 7, 8, 3], [3, 3, 3, 4], 1, 1, "SAME")
    conv_case("conv_valid_stride2", [2, 7, 8, 3], [3, 3, 3, 4], 2, 1, "VALID")
    conv_case("conv_same_stride2_even_kernel", [2, 7, 8, 3], [4, 4, 3, 4], 2, 1, "SAME")
    conv_case("conv_same_dilation2", [2, 7, 8, 3], [3, 3, 3, 4], 1, 2, "SAME")
    conv_case("conv_valid_dilation2", [2, 7, 8, 3], [3, 2, 3, 4], 1, 2, "VALID")
    conv_case("conv_1x1", [2, 5, 6, 3], [1, 1, 3, 5], 1, 1, "VALID")
    conv_case("conv_1x1_stride2", [2, 5, 6, 3], [1, 1, 3, 5], 2, 1, "SAME")
    conv_case("conv_explicit", [2, 5, 6, 3], [3, 3, 3, 2], 1, 1, [(1, 2), (0, 1)])
    depthwise_case("depthwise_same", [2, 6, 7, 3], [3, 3, 3, 2], 1, 1, "SAME")
    depthwise_case("depthwise_valid_stride2", [2, 6, 7, 3], [3, 3, 3, 1], 2, 1, "VALID")
    depthwise_case("depthwise_same_dilation2", [2, 6, 7, 3], [3, 3, 3, 2], 1, 2, "SAME")
    x = rand(2, 7, 8, 3)
    pool_case("max_pool_same", tf.nn.max_pool2d, x, 3, 2, "SAME")
    pool_case("max_pool_valid", tf.nn.max_pool2d, x, 2, 2, "VALID")
    pool_case("max_pool_ties", tf.nn.max_pool2d, np.floor(rng.uniform(0, 3, (2, 6, 6, 2))).astype(np.float32), 3, 1, "SAME")
    pool_case("avg_pool_same", tf.nn.avg_pool2d, x, 3, 2, "SAME")
    pool_case("avg_pool_valid", tf.nn.avg_pool2d, x, 2, 1, "VALID")
    batch_norm_case("batch_norm_training", True)
    batch_norm_case("batch_norm_inference", False)
    for name, op in [("bilinear", tf.raw_ops.ResizeBilinear), ("nearest", tf.raw_ops.ResizeNearestNeighbor)]:
        for size in [(8, 11), (3, 4)]:
            for tag, align, half in [("legacy", False, False), ("align", True, False), ("half", False, True)]:
                resize_case(f"resize_{name}_{size[0]}x{size[1]}_{tag}", op, size, align, half)


if __name__ == "__main__":
    main()
