"""Writes crates/ferroflow-tensor/tests/fixtures/kernels_tf.txt: TensorFlow's
results for the reduce, softmax and matmul kernels.

usage: python3 tools/make_kernel_fixtures.py

Each line: `name dtype dims : values` (dims comma-separated, `-` for a
scalar): the expected output of case `name`, whose inputs are built the same
way in crates/ferroflow-tensor/tests/kernels_tf.rs.
"""
import os
import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-tensor",
                   "tests", "fixtures", "kernels_tf.txt")
lines = []


def put(name, t):
    a = np.asarray(t)
    dims = ",".join(str(d) for d in a.shape) or "-"
    vals = " ".join(repr(v.item()) for v in a.reshape(-1))
    lines.append(f"{name} {a.dtype} {dims} : {vals}")


x234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 11.5
for axes in [(0,), (1,), (2,), (0, 2), (1, 2), (0, 1, 2), (2, 0)]:
    tag = "".join(map(str, axes))
    put(f"sum_{tag}", tf.reduce_sum(x234, axes))
    put(f"max_{tag}_keep", tf.reduce_max(x234, axes, keepdims=True))
    put(f"prod_{tag}", tf.reduce_prod(x234 / 10, axes))
    put(f"mean_{tag}", tf.reduce_mean(x234, axes))
i234 = (np.arange(24, dtype=np.int32).reshape(2, 3, 4) * 7) % 11 - 5
put("imean_1", tf.reduce_mean(i234, 1))
put("imin_02", tf.reduce_min(i234, (0, 2)))
sm = np.array([[1, 2, 3, 4], [1000, 1001, 1002, 1003], [-1000, 0, 1000, -5]], np.float32)
put("softmax", tf.nn.softmax(sm))
put("log_softmax", tf.nn.log_softmax(sm))
put("softmax_f64", tf.nn.softmax(sm.astype(np.float64)))
put("argmax_1", tf.argmax(i234, 1))
put("argmin_2", tf.argmin(i234, 2))
# matmul: a [2,1,3,4] (transposed storage when ta), b [3,4,5]
a = (np.arange(24, dtype=np.float32).reshape(2, 1, 3, 4) % 7) - 3
b = (np.arange(60, dtype=np.float32).reshape(3, 4, 5) % 5) - 2
put("matmul_batch", tf.matmul(a, b))
put("matmul_ta_tb", tf.matmul(np.swapaxes(a, -1, -2).copy(), np.swapaxes(b, -1, -2).copy(),
                              transpose_a=True, transpose_b=True))
with open(OUT, "w") as f:
    f.write("# written by tools/make_kernel_fixtures.py with TensorFlow %s\n" % tf.__version__)
    f.write("\n".join(lines) + "\n")
print("wrote", len(lines), "cases to", OUT)
