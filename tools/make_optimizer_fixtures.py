"""Writes crates/ferroflow-core/tests/fixtures/optimizers.json: two steps of
each TF1 optimizer (tf.compat.v1.train.*Optimizer, graph mode) and of
Keras's AdamW on fixed gradients, and learning-rate schedules at fixed steps.

Run: python tools/make_optimizer_fixtures.py  (needs tensorflow-cpu)
"""
import json
import os

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1
W0 = np.array([0.5, -1.0, 2.0], dtype=np.float32)
GRADS = [np.array([0.1, -0.2, 0.3], dtype=np.float32), np.array([-0.4, 0.5, 0.6], dtype=np.float32)]

TF1 = {
    "gradient_descent": lambda: v1.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: v1.train.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda: v1.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "adam": lambda: v1.train.AdamOptimizer(0.1),
    "rmsprop": lambda: v1.train.RMSPropOptimizer(0.1, decay=0.9, momentum=0.5, epsilon=1e-10),
    "adagrad": lambda: v1.train.AdagradOptimizer(0.1),
    "adadelta": lambda: v1.train.AdadeltaOptimizer(0.5, rho=0.9, epsilon=1e-6),
}


def run_tf1(make):
    with tf.Graph().as_default():
        w = v1.Variable(W0, name="W")
        g = v1.placeholder(tf.float32, [3])
        opt = make()
        train = opt.apply_gradients([(g, w)])
        slots = [opt.get_slot(w, name) for name in opt.get_slot_names()]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            steps = []
            for grad in GRADS:
                sess.run(train, {g: grad})
                steps.append(sess.run(w).tolist())
            slot_values = {s.op.name: sess.run(s).tolist() for s in slots}
        return {"steps": steps, "slot_names": sorted(slot_values), "slots": slot_values}


def run_adamw():
    w = tf.Variable(W0)
    opt = tf.keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.1)
    steps = []
    for grad in GRADS:
        opt.apply_gradients([(tf.constant(grad), w)])
        steps.append(w.numpy().tolist())
    return {"steps": steps}


def schedules():
    steps = [0, 5, 10, 11, 15, 20, 21, 25, 30]
    out = {"steps": steps, "exponential": [], "exponential_staircase": [], "piecewise": [], "cosine": []}
    for s in steps:
        step = tf.constant(s, dtype=tf.int64)
        out["exponential"].append(float(v1.train.exponential_decay(0.1, step, 10, 0.5)()))
        out["exponential_staircase"].append(float(v1.train.exponential_decay(0.1, step, 10, 0.5, staircase=True)()))
        out["piecewise"].append(float(v1.train.piecewise_constant(step, [10, 20], [1.0, 0.5, 0.1])()))
        out["cosine"].append(float(v1.train.cosine_decay(0.1, step, 20, alpha=0.1)()))
    return out


fixtures = {
    "w0": W0.tolist(),
    "grads": [g.tolist() for g in GRADS],
    "tf1": {name: run_tf1(make) for name, make in TF1.items()},
    "adamw": run_adamw(),
    "schedules": schedules(),
}
path = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-core", "tests", "fixtures", "optimizers.json")
with open(path, "w") as f:
    json.dump(fixtures, f, indent=1)
print("wrote", path)
