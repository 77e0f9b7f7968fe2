"""Writes crates/ferroflow-core/tests/fixtures/op_values.json: outputs of
real TensorFlow ops on fixed inputs, for reference-value tests.

Run: python tools/make_op_fixtures.py  (needs tensorflow-cpu)
"""
import json
import os

import numpy as np
import tensorflow as tf

x = np.array([-3.5, -2.5, -1.0, -0.5, 0.0, 0.3, 0.5, 1.5, 2.5, 7.0], dtype=np.float32)
pos = np.array([0.1, 0.5, 1.0, 2.0, 3.5, 10.0], dtype=np.float32)
a = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]], dtype=np.float32)
b = np.array([2.0, -3.0, 0.5], dtype=np.float32)
ia = np.array([[7, -7, 9], [-9, 5, 0]], dtype=np.int32)
ib = np.array([2, 3, -4], dtype=np.int32)

unary = {
    "neg": tf.negative, "abs": tf.abs, "sign": tf.sign, "square": tf.square, "exp": tf.exp,
    "sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu, "relu6": tf.nn.relu6, "elu": tf.nn.elu,
    "selu": tf.nn.selu, "softplus": tf.nn.softplus, "leaky_relu": lambda v: tf.nn.leaky_relu(v, 0.2),
    "sin": tf.sin, "cos": tf.cos, "round": tf.round, "floor": tf.floor, "ceil": tf.math.ceil,
}
unary_pos = {"sqrt": tf.sqrt, "rsqrt": tf.math.rsqrt, "log": tf.math.log, "log1p": tf.math.log1p, "reciprocal": tf.math.reciprocal}
binary = {
    "add": tf.add, "sub": tf.subtract, "mul": tf.multiply, "div": tf.divide, "maximum": tf.maximum,
    "minimum": tf.minimum, "squared_difference": tf.math.squared_difference, "floor_div": tf.math.floordiv,
    "floor_mod": tf.math.floormod,
}
int_binary = {"add": tf.add, "sub": tf.subtract, "mul": tf.multiply, "floor_div": tf.math.floordiv, "floor_mod": tf.math.floormod, "maximum": tf.maximum}

def flat(t):
    return [float(v) for v in np.asarray(t).reshape(-1)]

out = {"x": flat(x), "pos": flat(pos), "a": flat(a), "b": flat(b), "ia": flat(ia), "ib": flat(ib)}
out["unary"] = {k: flat(f(x)) for k, f in unary.items()}
out["unary_pos"] = {k: flat(f(pos)) for k, f in unary_pos.items()}
out["binary"] = {k: flat(f(a, b)) for k, f in binary.items()}
out["pow"] = flat(tf.pow(np.abs(a), b))
out["int_binary"] = {k: flat(f(ia, ib)) for k, f in int_binary.items()}
out["reduce"] = {
    "sum0": flat(tf.reduce_sum(a, 0)), "mean1": flat(tf.reduce_mean(a, 1)), "max_all": flat(tf.reduce_max(a)),
    "min1_keep": flat(tf.reduce_min(a, 1, keepdims=True)), "prod0": flat(tf.reduce_prod(a, 0)),
    "logsumexp1": flat(tf.reduce_logsumexp(a, 1)), "argmax1": flat(tf.argmax(a, 1)), "argmin0": flat(tf.argmin(a, 0)),
    "int_mean1": flat(tf.reduce_mean(ia, 1)),
}
out["softmax"] = flat(tf.nn.softmax(a))
out["log_softmax"] = flat(tf.nn.log_softmax(a))
out["matmul"] = flat(tf.matmul(a, a, transpose_b=True))

path = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-core", "tests", "fixtures", "op_values.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", path)
