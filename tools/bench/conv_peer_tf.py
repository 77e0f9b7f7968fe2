"""TensorFlow peer of `cargo bench -p ferroflow-tensor --bench conv`: times the
seed CNN's convolution and pooling kernels (batch 64, NHWC, f32) with
tf.function on 2 threads, printing the same lines as the Rust bench.

    python3 tools/bench/conv_peer_tf.py
"""
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)


def time_calls(f):
    """(median, fastest) seconds of single calls: 3 warm-up calls, then calls
    for about a second (10 to 200), as benches/conv.rs does."""
    for _ in range(3):
        f()
    calls = []
    start = time.perf_counter()
    while len(calls) < 10 or (len(calls) < 200 and time.perf_counter() - start < 1.0):
        t = time.perf_counter()
        f()
        calls.append(time.perf_counter() - t)
    calls.sort()
    return calls[len(calls) // 2], calls[0]


def rand(*shape):
    return tf.constant(np.random.default_rng(len(shape)).uniform(-1, 1, shape).astype(np.float32))


def conv_ops(x, w):
    y_shape = x.shape[:3] + [w.shape[3]]
    dy = rand(*y_shape)
    fwd = tf.function(lambda: tf.nn.conv2d(x, w, 1, "SAME"))
    bpi = tf.function(lambda: tf.raw_ops.Conv2DBackpropInput(
        input_sizes=x.shape, filter=w, out_backprop=dy, strides=[1, 1, 1, 1], padding="SAME"))
    bpf = tf.function(lambda: tf.raw_ops.Conv2DBackpropFilter(
        input=x, filter_sizes=w.shape, out_backprop=dy, strides=[1, 1, 1, 1], padding="SAME"))
    return fwd, bpi, bpf


def pool_ops(x):
    y = tf.nn.max_pool2d(x, 2, 2, "SAME")
    dy = rand(*y.shape)
    fwd = tf.function(lambda: tf.nn.max_pool2d(x, 2, 2, "SAME"))
    bwd = tf.function(lambda: tf.raw_ops.MaxPoolGrad(
        orig_input=x, orig_output=y, grad=dy, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME"))
    return fwd, bwd


def main():
    b = 64
    x1, w1 = rand(b, 28, 28, 1), rand(5, 5, 1, 32)
    h1 = rand(b, 28, 28, 32)
    x2, w2 = rand(b, 14, 14, 32), rand(5, 5, 32, 64)
    h2 = rand(b, 14, 14, 64)
    c1f, c1i, c1w = conv_ops(x1, w1)
    c2f, c2i, c2w = conv_ops(x2, w2)
    p1f, p1b = pool_ops(h1)
    p2f, p2b = pool_ops(h2)
    cases = [
        ("conv1 5x5x1x32 forward", c1f, True),
        ("conv1 backprop input", c1i, False),
        ("conv1 backprop filter", c1w, True),
        ("maxpool1 28x28x32 forward", p1f, True),
        ("maxpool1 backward", p1b, True),
        ("conv2 5x5x32x64 forward", c2f, True),
        ("conv2 backprop input", c2i, True),
        ("conv2 backprop filter", c2w, True),
        ("maxpool2 14x14x64 forward", p2f, True),
        ("maxpool2 backward", p2b, True),
    ]
    print(f"tensorflow {tf.__version__}, 2 intra-op threads, batch {b}, f32 NHWC; median / fastest ms")
    step = [0.0, 0.0]
    for name, f, in_step in cases:
        median, fastest = time_calls(f)
        if in_step:
            step = [step[0] + median, step[1] + fastest]
        print(f"{name:28} {median * 1e3:8.3f} {fastest * 1e3:8.3f}")
    print(f"{'train step (conv+pool)':28} {step[0] * 1e3:8.3f} {step[1] * 1e3:8.3f}"
          f"  = {b / step[0]:.0f} / {b / step[1]:.0f} samples/s")


if __name__ == "__main__":
    main()
