#!/usr/bin/env python3
"""Keras model-config (model.to_json()) interop fixtures for ferroflow-keras.

Without arguments: builds three models with real Keras 3 and with tf-keras
2.x (the `tf_keras` package, what TF_USE_LEGACY_KERAS=1 selects) and writes,
under crates/ferroflow-keras/tests/fixtures/keras_config/:
  keras3/<model>.json, tf_keras/<model>.json   model.to_json()
  expected.json   per model: its name and, per layer (Keras's model.layers,
                  so no InputLayer for Sequential), class name, name,
                  output shape and parameter count; the total count
The models: `mlp` (Flatten, Dense 300 relu + L2, Dense 10 softmax), `cnn`
(the seeds' CNN) and `residual` (a functional model: Conv2D, BatchNorm,
ReLU, Add, ZeroPadding2D, AveragePooling2D, GlobalAveragePooling2D,
Dropout, Dense with he_normal, Concatenate of two inputs).

With --check DIR: loads the JSON files ferroflow wrote into DIR (run
`FERROFLOW_KERAS_CONFIG_DIR=DIR cargo test -p ferroflow-keras --test
model_config`) with `model_from_json` of both Keras 3 and tf-keras and
checks each against expected.json; then rebuilds the model ferroflow saved
with `save_model` (DIR/saved: config.json + the weights checkpoint) in
tf-keras, loads its weights and compares its predictions with ferroflow's
(DIR/saved_predictions.json).

Run with python3 (TensorFlow 2.21, Keras 3.15, tf-keras 2.21).
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402  (Keras 3)
import numpy as np  # noqa: E402
import tf_keras  # noqa: E402  (Keras 2)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "crates", "ferroflow-keras", "tests", "fixtures", "keras_config")


# The architectures: keep in sync with crates/ferroflow-keras/tests/model_config.rs.
def mlp(k):
    L = k.layers
    return k.Sequential(
        [
            k.Input((28, 28)),
            L.Flatten(name="flatten"),
            L.Dense(300, activation="relu", kernel_regularizer=k.regularizers.l2(0.01), name="hidden"),
            L.Dense(10, activation="softmax", name="out"),
        ],
        name="mlp",
    )


def cnn(k):
    L = k.layers
    return k.Sequential(
        [
            k.Input((28, 28, 1)),
            L.Conv2D(32, 5, padding="same", activation="relu", name="conv1"),
            L.MaxPooling2D(2, name="pool1"),
            L.Conv2D(64, 5, padding="same", activation="relu", name="conv2"),
            L.MaxPooling2D(2, name="pool2"),
            L.Flatten(name="flatten"),
            L.Dense(1024, activation="relu", name="fc"),
            L.Dropout(0.4, name="dropout"),
            L.Dense(10, name="logits"),
        ],
        name="cnn",
    )


def residual(k):
    L = k.layers
    image = k.Input((8, 8, 3), name="image")
    extra = k.Input((4,), name="extra")
    x = L.Conv2D(8, 3, padding="same", use_bias=False, name="stem")(image)
    x = L.BatchNormalization(name="bn")(x)
    x = L.ReLU(name="relu")(x)
    h = L.Conv2D(8, 3, padding="same", activation="relu", kernel_initializer="he_normal", name="branch")(x)
    x = L.Add(name="add")([x, h])
    x = L.ZeroPadding2D(1, name="pad")(x)
    x = L.AveragePooling2D(2, name="avg")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Concatenate(name="concat")([x, extra])
    x = L.Dropout(0.25, seed=7, name="drop")(x)
    out = L.Dense(3, activation="softmax", kernel_initializer="he_normal", name="probs")(x)
    return k.Model([image, extra], out, name="residual")


MODELS = {"mlp": mlp, "cnn": cnn, "residual": residual}


def describe(model):
    """What the Rust test compares: the layers as Keras lists them."""
    layers = []
    for layer in model.layers:
        shape = layer.output.shape if hasattr(layer, "output") else layer.output_shape
        layers.append(
            {
                "class_name": type(layer).__name__,
                "name": layer.name,
                "output_shape": [None if d is None else int(d) for d in shape],
                "params": int(layer.count_params()),
            }
        )
    return {"name": model.name, "layers": layers, "params": int(model.count_params())}


def write():
    expected = {}
    for flavor, k in (("keras3", keras), ("tf_keras", tf_keras)):
        os.makedirs(os.path.join(FIXTURES, flavor), exist_ok=True)
        for name, make in MODELS.items():
            model = make(k)
            with open(os.path.join(FIXTURES, flavor, f"{name}.json"), "w") as f:
                json.dump(json.loads(model.to_json()), f, indent=1, sort_keys=True)
                f.write("\n")
            described = describe(model)
            if name in expected and expected[name] != described:
                sys.exit(f"{name}: Keras 3 and tf-keras disagree:\n{expected[name]}\n{described}")
            expected[name] = described
    with open(os.path.join(FIXTURES, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {FIXTURES}")


def check(directory):
    with open(os.path.join(FIXTURES, "expected.json")) as f:
        expected = json.load(f)
    failures = 0
    for name, want in expected.items():
        path = os.path.join(directory, f"{name}.json")
        with open(path) as f:
            text = f.read()
        for flavor, k in (("keras3", keras), ("tf_keras", tf_keras)):
            got = describe(k.models.model_from_json(text))
            status = "ok" if got == want else "MISMATCH"
            failures += got != want
            print(f"{flavor:8} {name:8} {status}")
            if got != want:
                print(f"  want {want}\n  got  {got}")
    saved = os.path.join(directory, "saved")
    with open(os.path.join(saved, "config.json")) as f:
        config = json.load(f)
    config.pop("compile_config", None)
    model = tf_keras.models.model_from_json(json.dumps(config))
    model.load_weights(os.path.join(saved, "weights.ckpt")).expect_partial()
    with open(os.path.join(directory, "saved_predictions.json")) as f:
        want = json.load(f)
    x = np.array(want["x"], dtype=np.float32).reshape(want["x_shape"])
    got = model.predict(x, verbose=0).ravel()
    error = float(np.max(np.abs(got - np.array(want["y"], dtype=np.float32))))
    status = "ok" if error < 1e-5 else "MISMATCH"
    failures += error >= 1e-5
    print(f"tf_keras saved_model predictions {status} (max error {error:.2e})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", metavar="DIR", help="load ferroflow's JSON files from DIR")
    args = parser.parse_args()
    if args.check:
        check(args.check)
    else:
        write()
