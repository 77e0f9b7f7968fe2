#!/usr/bin/env python3
"""Writes TensorFlow's results of the neural-network ops and their gradients
for ferroflow-core's tests (crates/ferroflow-core/tests/nn_ops.rs).

Run with the TensorFlow venv:

    python3 tools/make_nn_op_fixtures.py

Output: crates/ferroflow-core/tests/fixtures/nn_ops_tf.txt, one tensor per line:

    <name> <shape> : <values>

`shape` is comma-separated (`-` for a scalar); values are the float64 repr of
float32 results. Inputs are `values(shape, lo, hi, seed)` (below, repeated in
the Rust test) cast to float32. A `<case>.d<input>` line is the gradient of
`sum(w * f(...))` with respect to that input, `w = values(f.shape, 0.5, 2, 99)`.
"""

import os

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-core",
                   "tests", "fixtures", "nn_ops_tf.txt")


def values(shape, lo, hi, seed):
    n = int(np.prod(shape))
    v = [lo + (hi - lo) * ((seed * 0.1 + k * 0.61803398875) % 1.0) for k in range(n)]
    return tf.constant(np.array(v, dtype=np.float64).reshape(shape), dtype=tf.float32)


def fmt(name, t):
    a = np.asarray(t, dtype=np.float64)
    shape = ",".join(str(d) for d in a.shape) or "-"
    return "%s %s : %s" % (name, shape, " ".join(repr(float(v)) for v in a.reshape(-1)))


def case(lines, name, f, inputs):
    """Records f(**inputs) and the gradient of sum(w * f) for each input."""
    with tf.GradientTape() as tape:
        for t in inputs.values():
            tape.watch(t)
        y = f(**inputs)
        loss = tf.reduce_sum(y * values(y.shape, 0.5, 2.0, 99))
    lines.append(fmt(name, y))
    grads = tape.gradient(loss, list(inputs.values()))
    for key, g in zip(inputs, grads):
        if g is not None:
            lines.append(fmt("%s.d%s" % (name, key), g))


def main():
    lines = []
    x = values([2, 5, 5, 3], -1, 1, 1)
    w = values([3, 3, 3, 4], -1, 1, 2)
    case(lines, "conv_same", lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"), dict(x=x, w=w))
    x = values([1, 7, 6, 2], -1, 1, 3)
    w = values([3, 2, 2, 3], -1, 1, 4)
    case(lines, "conv_valid_s2", lambda x, w: tf.nn.conv2d(x, w, 2, "VALID"), dict(x=x, w=w))
    x = values([1, 6, 6, 2], -1, 1, 5)
    w = values([2, 2, 2, 2], -1, 1, 6)
    # TensorFlow's CPU backprops refuse dilations > 1: forward values only.
    lines.append(fmt("conv_dilated", tf.nn.conv2d(x, w, 1, "SAME", dilations=2)))
    x = values([1, 4, 5, 2], -1, 1, 7)
    w = values([2, 3, 2, 2], -1, 1, 8)
    case(lines, "conv_explicit",
         lambda x, w: tf.nn.conv2d(x, w, 1, [[0, 0], [1, 2], [0, 1], [0, 0]]), dict(x=x, w=w))
    x = values([1, 5, 5, 2], -1, 1, 9)
    w = values([3, 3, 2, 2], -1, 1, 10)
    case(lines, "depthwise",
         lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"), dict(x=x, w=w))
    v = values([1, 3, 3, 4], -1, 1, 11)
    w = values([3, 3, 2, 4], -1, 1, 12)
    case(lines, "conv_transpose",
         lambda v, w: tf.nn.conv2d_transpose(v, w, [1, 6, 6, 2], 2, "SAME"), dict(v=v, w=w))

    x = values([2, 5, 5, 2], -1, 1, 13)
    case(lines, "max_pool_same", lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"), dict(x=x))
    case(lines, "avg_pool_same", lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"), dict(x=x))
    x = values([1, 4, 6, 3], -1, 1, 14)
    case(lines, "max_pool_valid", lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"), dict(x=x))
    case(lines, "avg_pool_valid", lambda x: tf.nn.avg_pool2d(x, 2, 1, "VALID"), dict(x=x))

    x = values([2, 3, 4], -1, 1, 15)
    b = values([4], -1, 1, 16)
    case(lines, "bias_add", lambda x, b: tf.nn.bias_add(x, b), dict(x=x, b=b))

    x = values([2, 3, 3, 4], -2, 2, 17)
    scale = values([4], 0.5, 1.5, 18)
    offset = values([4], -1, 1, 19)
    mean = values([4], -0.5, 0.5, 20)
    var = values([4], 0.5, 2, 21)
    for training in (True, False):
        name = "batch_norm_train" if training else "batch_norm_infer"
        with tf.GradientTape() as tape:
            for t in (x, scale, offset):
                tape.watch(t)
            y, m, s = tf.compat.v1.nn.fused_batch_norm(
                x, scale, offset, None if training else mean, None if training else var,
                epsilon=0.001, is_training=training)
            loss = tf.reduce_sum(y * values(y.shape, 0.5, 2.0, 99))
        lines += [fmt(name, y), fmt(name + ".mean", m), fmt(name + ".variance", s)]
        for key, g in zip(("x", "scale", "offset"), tape.gradient(loss, [x, scale, offset])):
            lines.append(fmt("%s.d%s" % (name, key), g))
    case(lines, "batch_normalization",
         lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 0.001),
         dict(x=x, m=mean, v=var, o=offset, s=scale))
    m, v = tf.nn.moments(x, [0, 1, 2])
    lines += [fmt("moments.mean", m), fmt("moments.variance", v)]

    labels = tf.nn.softmax(values([3, 5], -1, 1, 22))
    logits = values([3, 5], -3, 3, 23)
    case(lines, "softmax_ce",
         lambda z, x: tf.nn.softmax_cross_entropy_with_logits(z, x), dict(z=labels, x=logits))
    sparse = tf.constant([1, 4, 0])
    case(lines, "sparse_softmax_ce",
         lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(sparse, x), dict(x=logits))
    labels = values([2, 3], 0, 1, 24)
    logits = values([2, 3], -3, 3, 25)
    case(lines, "sigmoid_ce",
         lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(z, x), dict(z=labels, x=logits))
    case(lines, "weighted_ce",
         lambda z, x: tf.nn.weighted_cross_entropy_with_logits(z, x, 2.5),
         dict(z=labels, x=logits))
    case(lines, "l2_loss", lambda x: tf.nn.l2_loss(x), dict(x=logits))
    weights = tf.constant([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0]])
    losses = tf.compat.v1.losses
    preds = values([2, 3], 0.05, 0.95, 26)
    case(lines, "mse", lambda z, p: losses.mean_squared_error(z, p, weights),
         dict(z=labels, p=preds))
    case(lines, "mse_sum", lambda z, p: losses.mean_squared_error(
        z, p, weights, reduction=losses.Reduction.SUM), dict(z=labels, p=preds))
    case(lines, "huber", lambda z, p: losses.huber_loss(z, p * 3.0, weights, delta=0.6),
         dict(z=labels, p=preds))
    case(lines, "log_loss", lambda z, p: losses.log_loss(
        z, p, weights, reduction=losses.Reduction.MEAN), dict(z=labels, p=preds))
    case(lines, "log_loss_batch", lambda z, p: losses.log_loss(
        z, p, reduction=losses.Reduction.SUM_OVER_BATCH_SIZE), dict(z=labels, p=preds))

    x = values([4, 5], 1, 2, 27)
    tf.random.set_seed(5)
    lines.append(fmt("dropout", tf.nn.dropout(x, 0.4, seed=3)))
    tf.random.set_seed(5)
    lines.append(fmt("dropout_noise_shape", tf.nn.dropout(x, 0.5, noise_shape=[4, 1], seed=3)))

    img = values([5, 6, 2], 0, 1, 28)
    batch = values([3, 4, 5, 2], 0, 1, 29)
    lines.append(fmt("resize_bilinear", tf.image.resize(img, [7, 4], "bilinear")))
    lines.append(fmt("resize_nearest", tf.image.resize(batch, [3, 8], "nearest")))
    lines.append(fmt("central_crop", tf.image.central_crop(img, 0.5)))
    lines.append(fmt("central_crop_batch", tf.image.central_crop(batch, 0.7)))
    lines.append(fmt("per_image_standardization", tf.image.per_image_standardization(batch)))
    for name, f in [
            ("flip_left_right", lambda x: tf.image.random_flip_left_right(x, seed=4)),
            ("flip_up_down", lambda x: tf.image.random_flip_up_down(x, seed=4)),
            ("brightness", lambda x: tf.image.random_brightness(x, 0.3, seed=4)),
            ("contrast", lambda x: tf.image.random_contrast(x, 0.2, 1.8, seed=4))]:
        for suffix, x in (("", img), ("_batch", batch)):
            tf.random.set_seed(6)
            out = [f(x) for _ in range(3)]  # successive draws continue the stream
            lines.append(fmt(name + suffix, tf.stack(out)))
    tf.random.set_seed(6)
    lines.append(fmt("random_crop", tf.stack(
        [tf.image.random_crop(batch, [2, 3, 3, 2], seed=4) for _ in range(3)])))

    # Resizes under each coordinate rule, with their gradients
    # (ResizeBilinearGrad, ResizeNearestNeighborGrad).
    x = values([2, 4, 5, 2], -1, 1, 30)
    for align, half in ((False, True), (False, False), (True, False)):
        tag = "align" if align else ("half" if half else "plain")
        for size in ([7, 3], [3, 8]):
            suffix = "%s_%dx%d" % (tag, size[0], size[1])
            case(lines, "resize_bilinear_" + suffix, lambda x: tf.raw_ops.ResizeBilinear(
                images=x, size=size, align_corners=align, half_pixel_centers=half), dict(x=x))
            case(lines, "resize_nearest_" + suffix, lambda x: tf.raw_ops.ResizeNearestNeighbor(
                images=x, size=size, align_corners=align, half_pixel_centers=half), dict(x=x))

    # QR and the orthogonal initializer (TF1's, whose stateful draw we
    # reproduce: op seed only -> seeds (87654321, seed); graph seed only ->
    # (graph seed, 0) for the graph's first random op).
    for shape in ([5, 3], [3, 5], [2, 4, 4]):
        q, r = tf.linalg.qr(values(shape, -1, 1, 31))
        name = "qr_" + "x".join(map(str, shape))
        lines += [fmt(name + ".q", q), fmt(name + ".r", r)]
    for shape, gain in (([6, 4], 1.0), ([3, 7], 1.0), ([2, 2, 3, 5], 1.5)):
        with tf.Graph().as_default():
            init = tf.compat.v1.orthogonal_initializer(gain=gain, seed=3)
            value = tf.compat.v1.Session().run(init(shape))
        lines.append(fmt("orthogonal_" + "x".join(map(str, shape)), value))
    # Keras 3's Orthogonal draws stateless_normal(seed=[seed, 0]).
    value = tf.keras.initializers.Orthogonal(gain=1.5, seed=3)([3, 7])
    lines.append(fmt("orthogonal_keras_3x7", value))
    with tf.Graph().as_default():
        tf.compat.v1.set_random_seed(7)
        value = tf.compat.v1.Session().run(tf.compat.v1.orthogonal_initializer()([3, 5]))
    lines.append(fmt("orthogonal_graph_seed", value))

    with open(OUT, "w") as f:
        f.write("# Written by tools/make_nn_op_fixtures.py with TensorFlow %s\n" % tf.__version__)
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
