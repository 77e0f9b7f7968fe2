#!/usr/bin/env python3
"""Keras weights and TensorBoard-callback interop fixtures for ferroflow-keras.

Without arguments: trains, with real tf-keras (TF_USE_LEGACY_KERAS=1), a
small Sequential (Conv2D, BatchNormalization, Dense), a functional model
(Dense layers around an Add) and a Sequential of DepthwiseConv2D and
Conv2DTranspose, saves their weights with
`model.save_weights("weights.ckpt")` (TF2 object-based checkpoint) and
writes, under crates/ferroflow-keras/tests/fixtures/keras_ckpt/:
  seq/, fn/, conv/     weights.ckpt.* (and their `checkpoint` files)
  keras_ckpt.json      inputs and tf-keras's predictions (inference mode)

With --check DIR: reads what the Rust tests wrote into DIR (run them with
FERROFLOW_KERAS_INTEROP_DIR=DIR):
  DIR/seq, fn, conv    ferroflow's save_weights of the same architectures,
                       loaded here with tf-keras's load_weights; the
                       predictions must match ferroflow's (DIR/predictions.json)
  DIR/logs             a fit with ferroflow's TensorBoard callback, read with
                       TensorBoard's EventAccumulator and compared with
                       DIR/tensorboard.json (tags, steps, values, the graph's
                       layer ops, the `keras` model-config summary)

Run with python3 (TensorFlow 2.21 with tf-keras 2.21, TensorBoard 2.21).
"""

import argparse
import json
import os
import shutil
import sys

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "crates", "ferroflow-keras", "tests", "fixtures", "keras_ckpt")


# The architectures: keep in sync with crates/ferroflow-keras/tests/saving.rs.
def sequential():
    return keras.Sequential(
        [
            keras.layers.Conv2D(4, 3, activation="relu", input_shape=(6, 6, 2)),
            keras.layers.BatchNormalization(),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dense(3),
        ]
    )


def functional():
    inputs = keras.Input((4,))
    h = keras.layers.Dense(3, activation="relu")(inputs)
    h = keras.layers.Dense(4)(h)
    h = keras.layers.Add()([inputs, h])
    h = keras.layers.BatchNormalization()(h)
    outputs = keras.layers.Dense(2)(h)
    return keras.Model(inputs, outputs)


def convolutions():
    return keras.Sequential(
        [
            keras.layers.DepthwiseConv2D(3, depth_multiplier=2, input_shape=(6, 6, 2)),
            keras.layers.Conv2DTranspose(3, 2, strides=2, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2),
        ]
    )


MODELS = {
    "seq": (sequential, (6, 6, 2), 3),
    "fn": (functional, (4,), 2),
    "conv": (convolutions, (6, 6, 2), 2),
}


def flat(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "values": a.astype(np.float64).ravel().tolist()}


def make_fixtures():
    shutil.rmtree(FIXTURES, ignore_errors=True)
    os.makedirs(FIXTURES)
    rng = np.random.default_rng(7)
    expected = {}
    for name, (build, shape, outputs) in MODELS.items():
        tf.keras.utils.set_random_seed(1)
        model = build()
        model.compile("adam", "mse")
        x = rng.normal(size=(16,) + shape).astype(np.float32)
        y = rng.normal(size=(16, outputs)).astype(np.float32)
        # A few steps so the weights and the BatchNormalization moving
        # statistics move away from their initial values.
        model.fit(x, y, batch_size=4, epochs=3, verbose=0)
        os.makedirs(os.path.join(FIXTURES, name))
        model.save_weights(os.path.join(FIXTURES, name, "weights.ckpt"))
        x_test = rng.normal(size=(5,) + shape).astype(np.float32)
        expected[name] = {"x": flat(x_test), "y": flat(model.predict(x_test, verbose=0))}
    with open(os.path.join(FIXTURES, "keras_ckpt.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote", FIXTURES)


def check_weights(directory):
    with open(os.path.join(directory, "predictions.json")) as f:
        predictions = json.load(f)
    for name, (build, _, _) in MODELS.items():
        prefix = os.path.join(directory, name, "weights.ckpt")
        keys = [k for k, _ in tf.train.list_variables(prefix)]
        assert "_CHECKPOINTABLE_OBJECT_GRAPH" in keys, keys
        model = build()
        model.load_weights(prefix).assert_existing_objects_matched()
        x = np.array(predictions[name]["x"]["values"], np.float32).reshape(
            predictions[name]["x"]["shape"]
        )
        want = np.array(predictions[name]["y"]["values"]).reshape(predictions[name]["y"]["shape"])
        got = model.predict(x, verbose=0)
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
        print(f"{name}: tf-keras load_weights of ferroflow's checkpoint matches ({len(keys)} keys)")


def check_tensorboard(directory):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with open(os.path.join(directory, "tensorboard.json")) as f:
        expected = json.load(f)
    for run, tags in expected["scalars"].items():
        acc = EventAccumulator(
            os.path.join(directory, "logs", run), size_guidance={"tensors": 0}
        )
        acc.Reload()
        for tag, points in tags.items():
            events = acc.Tensors(tag)
            got = [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in events]
            assert [s for s, _ in got] == [s for s, _ in points], (run, tag, got, points)
            np.testing.assert_allclose(
                [v for _, v in got], [v for _, v in points], rtol=1e-6, atol=1e-7
            )
        for tag, steps in expected["histograms"].get(run, {}).items():
            events = acc.Tensors(tag)
            assert [e.step for e in events] == steps, (run, tag, [e.step for e in events])
            assert acc.SummaryMetadata(tag).plugin_data.plugin_name == "histograms"
        if run == "train" and expected.get("keras"):
            assert acc.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
            config = json.loads(tf.make_ndarray(acc.Tensors("keras")[0].tensor_proto).item())
            assert config["class_name"] == expected["keras"], config["class_name"]
            # What TensorBoard's graph plugin draws as the conceptual graph.
            from tensorboard.plugins.graph import keras_util

            assert keras_util.keras_model_to_graph_def(config).node
        if run == "train" and expected.get("graph"):
            graph = acc.Graph()
            names = {n.name for n in graph.node}
            missing = set(expected["graph"]) - names
            assert not missing, f"graph lacks {sorted(missing)}"
        print(f"{run}: EventAccumulator reads {sorted(acc.Tags()['tensors'])}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", metavar="DIR", help="check what the Rust tests wrote in DIR")
    args = parser.parse_args()
    if args.check is None:
        make_fixtures()
        return 0
    check_weights(args.check)
    if os.path.exists(os.path.join(args.check, "tensorboard.json")):
        check_tensorboard(args.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
