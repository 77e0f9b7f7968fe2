"""Reference outputs of tf.data transformations for crates/ferroflow-data/tests.

usage: python3 tools/make_data_fixtures.py
writes crates/ferroflow-data/tests/fixtures/data.json: for each case, the
elements as nested lists (one list per component).
"""
import json
import os
import tensorflow as tf

R = tf.data.Dataset.range


def elements(ds):
    out = []
    for e in ds:
        comps = e if isinstance(e, tuple) else (e,)
        out.append([c.numpy().tolist() for c in comps])
    return out


def fill(x):
    return tf.fill([x], x)


def pair(x):
    return tf.fill([x % 3, 2], x), tf.fill([x], tf.cast(x, tf.float32))


cases = {
    "interleave_c2_b2": R(1, 4).interleave(lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2),
    "interleave_c2_b1_uneven": R(1, 6).interleave(lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=2, block_length=1),
    "interleave_c3_b2_uneven": R(1, 7).interleave(lambda x: R(x).map(lambda y: x * 10 + y), cycle_length=3, block_length=2),
    "padded_batch_default": R(1, 6).map(fill).padded_batch(2),
    "padded_batch_shapes_values": R(0, 5).map(pair).padded_batch(
        2, padded_shapes=([None, 3], [6]), padding_values=(tf.constant(-1, tf.int64), tf.constant(0.5))),
    "padded_batch_drop": R(1, 6).map(fill).padded_batch(2, drop_remainder=True),
    "unbatch": R(0, 7).batch(3).map(lambda x: (x, x * 2)).unbatch(),
    "shard_4_1": R(0, 10).shard(4, 1),
    "enumerate": R(10, 13).enumerate(5),
    "batch_3": R(0, 8).batch(3),
    "batch_3_drop": R(0, 8).batch(3, drop_remainder=True),
    "repeat_take_skip": R(0, 3).repeat(3).skip(2).take(5),
    "concatenate": R(0, 2).concatenate(R(5, 7)),
    "zip": tf.data.Dataset.zip((R(0, 5), R(10, 13))),
    "filter_batch": R(0, 10).filter(lambda x: x % 3 != 0).batch(4),
    # Epoch boundaries: batches end with each epoch, or run across them.
    "batch_then_repeat": R(0, 5).batch(2).repeat(2),
    "repeat_then_batch": R(0, 5).repeat(2).batch(3),
    "repeat_then_batch_drop": R(0, 5).repeat(2).batch(3, drop_remainder=True),
    "concatenate_then_batch": R(0, 3).concatenate(R(10, 12)).batch(2),
    "take_repeat_enumerate": R(0, 5).take(2).repeat(3).enumerate(),
}

out = {k: elements(v) for k, v in cases.items()}
path = os.path.join(os.path.dirname(__file__), "..", "crates", "ferroflow-data", "tests", "fixtures", "data.json")
with open(path, "w") as f:
    f.write("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in out.items()) + "\n}\n")
print("wrote", path)
