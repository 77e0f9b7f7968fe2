"""Writes crates/ferroflow-core/tests/fixtures/eager_random.json: eager
random values from real TensorFlow under its seed rules (global seed, op
seed, both, repeated calls, set_seed restarting the stream).

Run: python tools/make_eager_random_fixtures.py  (needs tensorflow-cpu)
"""
import json
import os

import tensorflow as tf

out = {}


def vals(t):
    return [float(v) for v in t.numpy().reshape(-1)]


# Op seed only: (87654321, S); repeated calls continue the stream.
out["op_seed_only"] = [vals(tf.random.uniform([5], seed=5)), vals(tf.random.uniform([5], seed=5))]

tf.random.set_seed(1234)
out["global_and_op_seed"] = [vals(tf.random.uniform([3], seed=1)), vals(tf.random.uniform([3], seed=1))]
tf.random.set_seed(1234)
out["global_and_op_seed_again"] = vals(tf.random.uniform([3], seed=1))

tf.random.set_seed(1234)
out["global_only"] = [vals(tf.random.uniform([3])), vals(tf.random.uniform([3])), vals(tf.random.normal([4]))]

tf.random.set_seed(42)
out["normal"] = vals(tf.random.normal([6], mean=1.0, stddev=2.0, seed=3))
out["truncated_normal"] = vals(tf.random.truncated_normal([6], seed=3))
out["uniform_range"] = vals(tf.random.uniform([4], minval=-2.0, maxval=3.0, seed=4))
out["uniform_int"] = [int(v) for v in tf.random.uniform([6], minval=0, maxval=10, dtype=tf.int32, seed=5).numpy()]
out["uniform_f64"] = vals(tf.random.uniform([3], dtype=tf.float64, seed=6))
out["shuffle"] = [int(v) for v in tf.random.shuffle(tf.range(10), seed=7).numpy()]
out["stateless_uniform"] = vals(tf.random.stateless_uniform([5], seed=[1, 2]))
out["stateless_normal"] = vals(tf.random.stateless_normal([5], seed=[3, 4]))

path = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-core", "tests", "fixtures", "eager_random.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
