"""Writes crates/ferroflow-core/tests/fixtures/control_flow.json: values and
gradients of tf.cond / tf.while_loop / tf.custom_gradient computations (traced
with tf.function, so TensorFlow builds real If/While ops), matching the
functions in crates/ferroflow-core/tests/control_flow.rs.

Run: python3 tools/make_control_flow_fixtures.py
"""
import json
import os

import tensorflow as tf


def branchy(x, w):
    pred = tf.reduce_sum(x) < w
    y = tf.cond(pred, lambda: tf.square(x) * w, lambda: tf.sin(x) * w + x)
    return tf.reduce_sum(y)


def looped(x, w):
    _, s = tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * w + tf.sin(s)),
                         (tf.constant(0), x))
    return tf.reduce_sum(s)


def nested(x, w):
    def body(v):
        return tf.cond(tf.reduce_sum(v) < 1.0, lambda: v + w, lambda: v * w)
    (out,) = tf.while_loop(lambda v: tf.reduce_sum(v) < 5.0, body, (x,))
    return tf.reduce_sum(out)


@tf.custom_gradient
def sigmoid(x):
    y = 1.0 / (1.0 + tf.exp(-x))
    return y, lambda dy: dy * y * (1.0 - y)


def custom_sigmoid(x):
    return tf.reduce_sum(sigmoid(x))


CASES = [
    ("branchy_true", branchy, [[0.5, -1.5, 0.25], 2.0]),
    ("branchy_false", branchy, [[0.5, -1.5, 0.25], -3.0]),
    ("looped", looped, [[0.3, -0.7], 0.9]),
    ("nested", nested, [[0.2, 0.1], 1.5]),
    ("custom_sigmoid", custom_sigmoid, [[-2.0, 0.0, 1.5]]),
]


def run(f, args):
    xs = [tf.constant(a, tf.float64) for a in args]

    @tf.function
    def value_and_grads(*xs):
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            y = f(*xs)
        return y, tape.gradient(y, xs)

    y, grads = value_and_grads(*xs)
    return {
        "inputs": args,
        "value": float(y.numpy()),
        "grads": [g.numpy().reshape(-1).tolist() for g in grads],
    }


def main():
    out = {name: run(f, args) for name, f, args in CASES}
    path = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-core",
                        "tests", "fixtures", "control_flow.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
