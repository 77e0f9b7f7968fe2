"""TensorFlow's `tf.nn.dropout` in a TF1 graph whose batch is unknown, the
reference of crates/ferroflow-keras/tests/graph_layers.rs
(`dropout_with_an_unknown_batch_draws_at_the_run_time_shape`).

Prints the dropped-out values of x = 1..24 as [6, 4], fed to a [None, 4]
placeholder, with graph seed 5 and op seed 2 (two runs: each continues the
op's stream). Run with python3 (TensorFlow 2.21).
"""

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1

graph = tf.Graph()
with graph.as_default():
    tf1.set_random_seed(5)
    x = tf1.placeholder(tf.float32, [None, 4], name="x")
    y = tf.nn.dropout(x, rate=0.5, seed=2)
    value = np.arange(1, 25, dtype=np.float32).reshape(6, 4)
    with tf1.Session() as sess:
        for _ in range(2):
            print(sess.run(y, {x: value}).ravel().tolist())
