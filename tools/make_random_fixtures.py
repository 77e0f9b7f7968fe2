#!/usr/bin/env python3
"""Writes the reference draws of TensorFlow's random kernels for ferroflow's tests.

Run with the TensorFlow venv:

    python3 tools/make_random_fixtures.py

Output: crates/ferroflow-tensor/tests/fixtures/random_tf.txt, one case per line:

    op=RandomUniform dtype=float32 seed=1 seed2=2 shape=5 run=0 : <values>

Keys before ':' describe the call; `run` counts runs of one stateful op in one
session (run=1 continues the stream of run=0). Floats are written as the hex of
their IEEE bits (8 digits for float32, 16 for float64), integers in decimal.
Outputs longer than 200 values keep only their last TAIL values and add
`fnv1a=<hex>`: the 64-bit FNV-1a hash of all values' little-endian bytes.
"""

import os
import random

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-tensor",
                   "tests", "fixtures", "random_tf.txt")

SIZES = [1, 3, 4, 5, 17, 1000, 10007, 40009]
TAIL = 40


def fmt(values):
    a = np.asarray(values).reshape(-1)
    if a.dtype == np.float32:
        return " ".join("%08x" % v for v in a.view(np.uint32))
    if a.dtype == np.float64:
        return " ".join("%016x" % v for v in a.view(np.uint64))
    return " ".join(str(int(v)) for v in a)


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def line(values, **keys):
    values = np.asarray(values).reshape(-1)
    if values.size > 200:
        keys["fnv1a"] = "%016x" % fnv1a(values.astype(values.dtype.newbyteorder("<")).tobytes())
        values = values[-TAIL:]
    head = " ".join("%s=%s" % (k, v) for k, v in keys.items())
    return "%s : %s" % (head, fmt(values))


def shape_str(shape):
    return ",".join(str(d) for d in shape)


def session_runs(build, runs):
    """Builds one op in a fresh TF1 graph and runs it `runs` times in one session."""
    g = tf.Graph()
    with g.as_default():
        out = build()
        with tf.compat.v1.Session(graph=g) as sess:
            return [sess.run(out) for _ in range(runs)]


def stateful_float_cases():
    ops = {
        "RandomUniform": tf.raw_ops.RandomUniform,
        "RandomStandardNormal": tf.raw_ops.RandomStandardNormal,
        "TruncatedNormal": tf.raw_ops.TruncatedNormal,
    }
    for name, op in ops.items():
        for dtype, sizes in [(tf.float32, SIZES), (tf.float64, SIZES)]:
            for seed, seed2 in [(1, 2), (87654321, 5), (-7, 2**40 + 3)]:
                shapes = [[n] for n in sizes] + [[3, 7]]
                for shape in shapes:
                    runs = 2 if shape[0] <= 1000 else 1
                    results = session_runs(
                        lambda: op(shape=shape, dtype=dtype, seed=seed, seed2=seed2), runs)
                    for run, r in enumerate(results):
                        yield line(r, op=name, dtype=dtype.name, seed=seed, seed2=seed2,
                                   shape=shape_str(shape), run=run)


def stateful_int_cases():
    bounds = {
        tf.int32: [(-5, 10), (-2**31, 2**31 - 1), (0, 7)],
        tf.int64: [(-5, 10), (-2**40, 2**50), (-2**63, 2**63 - 1)],
    }
    for dtype, pairs in bounds.items():
        for lo, hi in pairs:
            for n in [1, 3, 5, 17, 1000]:
                results = session_runs(lambda: tf.raw_ops.RandomUniformInt(
                    shape=[n], minval=tf.constant(lo, dtype), maxval=tf.constant(hi, dtype),
                    seed=3, seed2=4), 2)
                for run, r in enumerate(results):
                    yield line(r, op="RandomUniformInt", dtype=dtype.name, seed=3, seed2=4,
                               shape=n, run=run, minval=lo, maxval=hi)


def shuffle_cases():
    for shape in [[10], [7, 3], [1000], [2, 2, 2], [1, 5]]:
        value = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
        results = session_runs(
            lambda: tf.raw_ops.RandomShuffle(value=value, seed=5, seed2=6), 2)
        for run, r in enumerate(results):
            yield line(r, op="RandomShuffle", dtype="int32", seed=5, seed2=6,
                       shape=shape_str(shape), run=run)


def stateless_cases():
    ops = {
        "StatelessRandomUniform": tf.raw_ops.StatelessRandomUniform,
        "StatelessRandomNormal": tf.raw_ops.StatelessRandomNormal,
        "StatelessTruncatedNormal": tf.raw_ops.StatelessTruncatedNormal,
    }
    seeds = [(1, 2), (-3, 2**40), (0, 0)]
    for name, op in ops.items():
        for dtype, sizes in [(tf.float32, SIZES), (tf.float64, SIZES)]:
            for s0, s1 in seeds:
                for n in sizes:
                    seed = tf.constant([s0, s1], tf.int64)
                    r = op(shape=[n], seed=seed, dtype=dtype).numpy()
                    yield line(r, op=name, dtype=dtype.name, seed=s0, seed2=s1, shape=n, run=0)
    for dtype, lo, hi in [(tf.int32, -5, 10), (tf.int64, -2**40, 2**50)]:
        for n in [1, 5, 17, 1000]:
            r = tf.raw_ops.StatelessRandomUniformInt(
                shape=[n], seed=tf.constant([1, 2], tf.int64), minval=tf.constant(lo, dtype),
                maxval=tf.constant(hi, dtype)).numpy()
            yield line(r, op="StatelessRandomUniformInt", dtype=dtype.name, seed=1, seed2=2,
                       shape=n, run=0, minval=lo, maxval=hi)


def python_random_cases():
    ranges = [(0, 2**31 - 1, 50), (-5, 5, 50), (0, 2**40, 20), (-2**63, 2**63 - 1, 10), (0, 0, 3)]
    for seed in [0, 1, 42, 87654321, 2**32 + 5, 2**64 - 1]:
        for a, b, count in ranges:
            r = random.Random(seed)
            yield line([r.randint(a, b) for _ in range(count)], op="PythonRandom", dtype="int64",
                       seed=seed, seed2=0, shape=count, run=0, minval=a, maxval=b)


def eager_seed_cases():
    """TF2 eager `tf.random.uniform` under a global seed: with no op seed each
    call's op seed is the next `random.Random(global).randint(0, 2**31 - 1)`;
    with an op seed, repeated calls continue one stream."""
    for g in [3, 1234]:
        tf.random.set_seed(g)
        for call in range(3):
            yield line(tf.random.uniform([5]).numpy(), op="EagerUniformGlobalSeed",
                       dtype="float32", seed=g, seed2=0, shape=5, run=call)
    tf.random.set_seed(3)
    for call in range(2):
        yield line(tf.random.uniform([5], seed=1).numpy(), op="EagerUniformOpSeed",
                   dtype="float32", seed=3, seed2=1, shape=5, run=call)


def main():
    lines = ["# TensorFlow %s random kernel draws; written by tools/make_random_fixtures.py"
             % tf.__version__]
    for cases in [stateful_float_cases, stateful_int_cases, shuffle_cases, stateless_cases,
                  python_random_cases, eager_seed_cases]:
        lines.extend(cases())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d cases to %s" % (len(lines) - 1, os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
