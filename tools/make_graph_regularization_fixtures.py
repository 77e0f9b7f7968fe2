"""Keras regularizers in a TF1 graph, the reference of
crates/ferroflow-keras/tests/graph_regularization.rs (written to
crates/ferroflow-keras/tests/fixtures/graph_regularization.json).

A Sequential model (conv2d 2 3x3 with an L2(0.05) kernel penalty → flatten
→ dense 3 with L2(0.01) on the kernel and L1(0.1) on the bias → dense_1 2
with L1L2(0.01, 0.02) on the kernel) is called on a [None, 4, 4, 1]
placeholder in a graph (eager execution disabled). Weight j of
`model.weights` holds, at flat index i, float32((i*7 + 3*j) % 13) / 13 - 0.4;
the input x [5, 4, 4, 1] holds float32((i*5) % 9) / 9 - 0.3 and the target
t [5, 2] float32((i*3) % 7) / 7 (float32 arithmetic throughout).

Records `model.losses` (tensor names and values), the size of the
REGULARIZATION_LOSSES collection (Keras layers leave it empty), and three
steps of GradientDescent(0.1) on mean((y - t)^2) + add_n(model.losses):
the total loss before each step and the weights after.

Run with TF_USE_LEGACY_KERAS=1 /work/tfvenv/bin/python (TensorFlow 2.21,
tf-keras).
"""

import json
import os
import pathlib

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
tf1.disable_eager_execution()
keras = tf.keras
OUT = (
    pathlib.Path(__file__).resolve().parent.parent
    / "crates/ferroflow-keras/tests/fixtures/graph_regularization.json"
)


def pattern(n, mul, add, mod, den, shift):
    i = np.arange(n)
    return np.float32((i * mul + add) % mod) / np.float32(den) - np.float32(shift)


graph = tf.Graph()
with graph.as_default():
    model = keras.Sequential(
        [
            keras.layers.Conv2D(
                2,
                3,
                name="conv2d",
                kernel_regularizer=keras.regularizers.l2(0.05),
                input_shape=(4, 4, 1),
            ),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(
                3,
                name="dense",
                kernel_regularizer=keras.regularizers.l2(0.01),
                bias_regularizer=keras.regularizers.l1(0.1),
            ),
            keras.layers.Dense(
                2, name="dense_1", kernel_regularizer=keras.regularizers.l1_l2(0.01, 0.02)
            ),
        ]
    )
    x = tf1.placeholder(tf.float32, [None, 4, 4, 1], name="x")
    t = tf1.placeholder(tf.float32, [None, 2], name="t")
    y = model(x)
    losses = model.losses
    collection = graph.get_collection(tf1.GraphKeys.REGULARIZATION_LOSSES)
    mse = tf.reduce_mean(tf.square(y - t))
    total = mse + tf.add_n(losses)
    train = tf1.train.GradientDescentOptimizer(0.1).minimize(total)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for j, w in enumerate(model.weights):
            n = int(np.prod(w.shape))
            w.load(pattern(n, 7, 3 * j, 13, 13, 0.4).reshape(w.shape), sess)
        feeds = {
            x: pattern(80, 5, 0, 9, 9, 0.3).reshape(5, 4, 4, 1),
            t: pattern(10, 3, 0, 7, 7, 0.0).reshape(5, 2),
        }
        values = sess.run(losses)
        steps = []
        for _ in range(3):
            steps.append(float(sess.run(total, feeds)))
            sess.run(train, feeds)
        weights = [sess.run(w).ravel().tolist() for w in model.weights]

OUT.write_text(
    json.dumps(
        {
            "losses": [
                {"name": l.name, "value": float(v)} for l, v in zip(losses, values)
            ],
            "collection": len(collection),
            "steps": steps,
            "weights": {w.name: v for w, v in zip(model.weights, weights)},
        },
        indent=1,
    )
    + "\n"
)
print(OUT.read_text())
