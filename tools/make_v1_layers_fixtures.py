"""tf.compat.v1.layers in a TF1 graph, the reference of the v1_layers test
in crates/ferroflow-keras/tests/graph_layers.rs (written to
crates/ferroflow-keras/tests/fixtures/v1_layers.json).

The graph: x [None, 4] → dense 3 relu (L2(0.01) kernel penalty, L1(0.5)
activity penalty) → in variable_scope "q": dense "out" 2; again in "q" with
reuse=True: dense "out" 2 (shared variables); a second unnamed dense 2 on
x; img [None, 6, 6, 1] → conv2d 2 3x3 same relu (L2(0.05)) →
max_pooling2d 2/2 → flatten → dropout 0.5 (training=False); batch
normalization of the first dense output (training=True).

After global_variables_initializer, global variable j holds, at flat index
i, float32((i*7 + 3*j) % 13) / 13 - 0.4 (moving variances stay 1, moving
means 0); x [3, 4] holds float32((i*5) % 9) / 9 - 0.3 and img [2, 6, 6, 1]
float32((i*3) % 7) / 7 - 0.2.

Records the global and trainable variable names, each output's tensor name
and value, the REGULARIZATION_LOSSES names, get_regularization_loss's value
and the number of UPDATE_OPS.

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
layers = tf1.layers
regularizers = tf.keras.regularizers
OUT = (
    pathlib.Path(__file__).resolve().parent.parent
    / "crates/ferroflow-keras/tests/fixtures/v1_layers.json"
)


def pattern(n, mul, add, mod, den, shift):
    i = np.arange(n)
    return np.float32((i * mul + add) % mod) / np.float32(den) - np.float32(shift)


graph = tf.Graph()
with graph.as_default():
    x = tf1.placeholder(tf.float32, [None, 4], name="x")
    img = tf1.placeholder(tf.float32, [None, 6, 6, 1], name="img")
    h = layers.dense(
        x,
        3,
        activation=tf.nn.relu,
        kernel_regularizer=regularizers.l2(0.01),
        activity_regularizer=regularizers.l1(0.5),
    )
    with tf1.variable_scope("q"):
        out = layers.dense(h, 2, name="out")
    with tf1.variable_scope("q", reuse=True):
        shared = layers.dense(h, 2, name="out")
    second = layers.dense(x, 2)
    conv = layers.conv2d(
        img, 2, 3, padding="same", activation=tf.nn.relu,
        kernel_regularizer=regularizers.l2(0.05),
    )
    pool = layers.max_pooling2d(conv, 2, 2)
    flat = layers.flatten(pool)
    dropped = layers.dropout(flat, 0.5, training=False)
    bn = layers.batch_normalization(h, training=True)
    reg = tf1.losses.get_regularization_loss()
    outputs = {
        "h": h, "out": out, "shared": shared, "second": second, "conv": conv,
        "pool": pool, "flat": flat, "dropped": dropped, "bn": bn,
    }
    variables = tf1.global_variables()
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for j, v in enumerate(variables):
            if "moving_" in v.name:
                continue
            n = int(np.prod(v.shape))
            v.load(pattern(n, 7, 3 * j, 13, 13, 0.4).reshape(v.shape), sess)
        feeds = {
            x: pattern(12, 5, 0, 9, 9, 0.3).reshape(3, 4),
            img: pattern(72, 3, 0, 7, 7, 0.2).reshape(2, 6, 6, 1),
        }
        values = sess.run(outputs, feeds)
        reg_value = sess.run(reg, feeds)

OUT.write_text(
    json.dumps(
        {
            "global_variables": [v.name for v in variables],
            "trainable_variables": [
                v.name for v in graph.get_collection(tf1.GraphKeys.TRAINABLE_VARIABLES)
            ],
            "outputs": {
                k: {"name": t.name, "value": np.asarray(values[k]).ravel().tolist()}
                for k, t in outputs.items()
            },
            "regularization_losses": [
                t.name for t in graph.get_collection(tf1.GraphKeys.REGULARIZATION_LOSSES)
            ],
            "regularization_loss": float(reg_value),
            "update_ops": len(graph.get_collection(tf1.GraphKeys.UPDATE_OPS)),
        },
        indent=1,
    )
    + "\n"
)
print(OUT.read_text()[:3000])
