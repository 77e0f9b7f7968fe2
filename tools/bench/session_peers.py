"""TF1-style Session.run overhead on the same 100-node chain as
crates/ferroflow-core/benches/session.rs (x = x * a + b, 50 times, 16
elements). Prints µs per run and ns per op.

Run: python tools/bench/session_peers.py
"""
import time

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
x = tf.placeholder(tf.float32, [16], name="x")
y = x
a = tf.constant(1.0001)
b = tf.constant(0.1)
for _ in range(50):
    y = y * a + b
config = tf.ConfigProto(intra_op_parallelism_threads=2, inter_op_parallelism_threads=2)
feed = np.ones(16, np.float32)
with tf.Session(config=config) as sess:
    for _ in range(200):
        sess.run(y, {x: feed})
    reps = 2000
    samples = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(reps):
            sess.run(y, {x: feed})
        samples.append((time.perf_counter() - t) / reps * 1e6)
    us = sorted(samples)[3]
    print(f"tf1 session: {us:.1f} µs per run of 100 ops = {us * 10:.0f} ns per op")
