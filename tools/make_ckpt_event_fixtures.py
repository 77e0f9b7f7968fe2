#!/usr/bin/env python3
"""Checkpoint and event-file interop fixtures for ferroflow-io.

Without arguments: writes, with real TensorFlow, under
crates/ferroflow-io/tests/fixtures/:
  ckpt_tf1/   a tf.compat.v1.train.Saver checkpoint (+ `checkpoint`, `.meta`)
  ckpt_tf2/   a tf.train.Checkpoint object-based checkpoint (Keras-style keys)
  events/     one event file with TF2 and TF1 summaries and a graph
  ckpt_events_expected.json   the values the Rust tests must read back

With --check DIR: reads what the Rust test `ckpt_event_interop` wrote into
DIR (run it with FERROFLOW_INTEROP_DIR=DIR) with tf.train.load_checkpoint
and TensorBoard's EventAccumulator, and asserts the values.

Run with python3 (TensorFlow 2.21, TensorBoard 2.21).
"""

import argparse
import glob
import io
import json
import os
import shutil
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "crates", "ferroflow-io", "tests", "fixtures")

# Values shared by the TF1 checkpoint and the JSON (and, for --check, the
# values the Rust test writes: keep in sync with tests/ckpt_event_interop.rs).
TF1_VARIABLES = {
    "dense/kernel": np.array([[0.5, -1.25, 3.0], [1e-3, 2.5, -0.0]], np.float32),
    "dense/bias": np.array([0.1, 0.2, 0.3], np.float64),
    "counts": np.array([[1, -2], [2147483647, -2147483648]], np.int32),
    "global_step": np.int64(1234567890123),
    "scale": np.float32(0.75),
    "vocab": np.array([b"hi", b"", b"xyz"], object),
    "mask": np.array([True, False, True, True], bool),
}

# Images: [2, 3, 4, 3] uint8 batch.
IMAGES = (np.arange(2 * 3 * 4 * 3) * 3 % 256).astype(np.uint8).reshape(2, 3, 4, 3)
HISTO_DATA = np.array([0.5, -1.0, 2.0, 2.0, 3.5, 0.0], np.float64)


def jsonable(value):
    """A JSON form of a numpy value: bytes as latin-1 strings."""
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind == "S":
        flat = [v.decode("latin-1") for v in arr.reshape(-1)]
    else:
        flat = arr.reshape(-1).tolist()
    return {"dtype": tf.as_dtype(arr.dtype if arr.dtype != object else tf.string).name,
            "shape": list(arr.shape), "values": flat}


def make_tf1_checkpoint(out):
    graph = tf.Graph()
    with graph.as_default():
        for name, value in TF1_VARIABLES.items():
            tf.compat.v1.Variable(value, name=name)
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, os.path.join(out, "model.ckpt"))
    # Make the `checkpoint` file relative so the fixture is relocatable.
    with open(os.path.join(out, "checkpoint"), "w") as f:
        f.write('model_checkpoint_path: "model.ckpt"\n'
                'all_model_checkpoint_paths: "model.ckpt"\n')
    return {name: jsonable(value) for name, value in TF1_VARIABLES.items()}


def make_tf2_checkpoint(out):
    kernel0 = np.arange(12, dtype=np.float32).reshape(4, 3) / 8.0
    bias0 = np.array([0.5, -0.5, 1.5], np.float32)
    kernel1 = np.array([[1.0], [-2.0], [0.25]], np.float32)
    layers = []
    for kernel, bias in [(kernel0, bias0), (kernel1, None)]:
        layer = tf.Module()
        layer.kernel = tf.Variable(kernel, name="kernel")
        if bias is not None:
            layer.bias = tf.Variable(bias, name="bias")
        layers.append(layer)
    ckpt = tf.train.Checkpoint(**{"layer_with_weights-0": layers[0],
                                  "layer_with_weights-1": layers[1]})
    path = ckpt.save(os.path.join(out, "ckpt"))
    reader = tf.train.load_checkpoint(path)
    expected = {}
    for name, _ in tf.train.list_variables(path):
        value = reader.get_tensor(name)
        if name == "_CHECKPOINTABLE_OBJECT_GRAPH":
            expected[name] = {"dtype": "string", "shape": [], "values": [value.decode("latin-1")]}
        else:
            expected[name] = jsonable(value)
    return os.path.basename(path), expected


def tf1_summaries():
    """Serialized `Summary` protos of TF1's summary ops, run in a session."""
    graph = tf.Graph()
    with graph.as_default():
        ops = {
            "accuracy": tf.compat.v1.summary.scalar("accuracy", tf.constant(0.875)),
            "biases": tf.compat.v1.summary.histogram("biases", tf.constant(HISTO_DATA)),
            "digits": tf.compat.v1.summary.image("digits", tf.constant(IMAGES), max_outputs=2),
        }
        with tf.compat.v1.Session() as sess:
            return sess.run(ops)


def make_events(out):
    writer = tf.summary.create_file_writer(out)
    with writer.as_default():
        for step, loss in enumerate([1.0, 0.5, 0.25]):
            tf.summary.scalar("loss", loss, step=step)
        tf.summary.histogram("weights", HISTO_DATA, step=1, buckets=5)
        tf.summary.image("samples", IMAGES, step=2, max_outputs=3)
        tf.summary.text("notes", tf.constant("**bold** text"), step=3)
        tf.summary.text("table", tf.constant([["a", "b"], ["c", "d"]]), step=3)
        # TF1-style values (built by TF1 ops in a session) in the same file.
        tf1 = tf1_summaries()
        tf.summary.experimental.write_raw_pb(tf1["accuracy"], step=4)
        tf.summary.experimental.write_raw_pb(tf1["biases"], step=4)
        tf.summary.experimental.write_raw_pb(tf1["digits"], step=5)
        graph = tf.Graph()
        with graph.as_default():
            x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
            w = tf.constant(np.ones((3, 2), np.float32), name="w")
            tf.matmul(x, w, name="y")
        tf.summary.graph(graph.as_graph_def())
    writer.close()
    # Reference values computed by TF/TB's own code paths.
    histo = tf.compat.v1.Summary.FromString(tf1["biases"]).value[0].histo
    return {
        "scalars": {"loss": [[0, 1.0], [1, 0.5], [2, 0.25]], "accuracy": [[4, 0.875]]},
        "images": {"shape": list(IMAGES.shape), "pixels": IMAGES.reshape(-1).tolist()},
        "histogram_data": HISTO_DATA.tolist(),
        "tf1_histogram": {
            "min": histo.min, "max": histo.max, "num": histo.num, "sum": histo.sum,
            "sum_squares": histo.sum_squares, "bucket_limit": list(histo.bucket_limit),
            "bucket": list(histo.bucket),
        },
        "text": {"notes": ["**bold** text"], "table": ["a", "b", "c", "d"]},
        "graph_nodes": ["x", "w", "y"],
    }


def generate():
    for sub in ["ckpt_tf1", "ckpt_tf2", "events"]:
        path = os.path.join(FIXTURES, sub)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
    tf1 = make_tf1_checkpoint(os.path.join(FIXTURES, "ckpt_tf1"))
    tf2_prefix, tf2 = make_tf2_checkpoint(os.path.join(FIXTURES, "ckpt_tf2"))
    events = make_events(os.path.join(FIXTURES, "events"))
    # The TF2 histogram rows as TF wrote them, read back with TF's parser.
    event_file = glob.glob(os.path.join(FIXTURES, "events", "*tfevents*"))[0]
    for record in tf.data.TFRecordDataset(event_file):
        event = tf.compat.v1.Event.FromString(record.numpy())
        for v in event.summary.value:
            if v.tag == "weights":
                events["tf2_histogram_rows"] = tf.make_ndarray(v.tensor).reshape(-1).tolist()
    expected = {"tf1": tf1, "tf2_prefix": tf2_prefix, "tf2": tf2, "events": events,
                "tensorflow_version": tf.__version__}
    with open(os.path.join(FIXTURES, "ckpt_events_expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    print("wrote fixtures under", FIXTURES)


def check(directory):
    """Asserts what the Rust test wrote (see tests/ckpt_event_interop.rs)."""
    prefix = tf.train.latest_checkpoint(os.path.join(directory, "ckpt"))
    assert prefix is not None, "no checkpoint state file / index found"
    reader = tf.train.load_checkpoint(prefix)
    shapes = dict(tf.train.list_variables(prefix))
    for name, value in TF1_VARIABLES.items():
        got = reader.get_tensor(name)
        want = np.asarray(value)
        assert list(shapes[name]) == list(want.shape), (name, shapes[name], want.shape)
        assert got.dtype == want.dtype or (want.dtype == object), (name, got.dtype, want.dtype)
        assert np.array_equal(got, want), (name, got, want)
    # RestoreV2 in a graph, as Saver.restore does.
    restored = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=["dense/kernel"],
                                    shape_and_slices=[""], dtypes=[tf.float32])
    assert np.array_equal(restored[0].numpy(), TF1_VARIABLES["dense/kernel"])
    print("checkpoint OK:", prefix, sorted(shapes))

    from tensorboard.backend.event_processing import event_accumulator as ea
    acc = ea.EventAccumulator(os.path.join(directory, "events"), size_guidance={
        ea.TENSORS: 0, ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.IMAGES: 0})
    acc.Reload()
    tags = acc.Tags()
    loss = [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in acc.Tensors("loss")]
    assert loss == [(0, 1.0), (1, 0.5), (2, 0.25)], loss
    acc_scalars = [(e.step, e.value) for e in acc.Scalars("accuracy")]
    assert acc_scalars == [(4, 0.875)], acc_scalars
    rows = tf.make_ndarray(acc.Tensors("weights")[0].tensor_proto)
    assert rows.shape == (5, 3) and rows[:, 2].sum() == len(HISTO_DATA), rows
    histo = acc.Histograms("biases")[0].histogram_value
    assert histo.num == len(HISTO_DATA) and histo.min == -1.0 and histo.max == 3.5, histo
    images = tf.make_ndarray(acc.Tensors("samples")[0].tensor_proto)
    assert images[0] == b"4" and images[1] == b"3" and len(images) == 4, images[:2]
    for i, png in enumerate(images[2:]):
        decoded = tf.io.decode_png(png).numpy()
        assert np.array_equal(decoded, IMAGES[i]), i
    digits = acc.Images("digits/image/1")[0]
    assert (digits.width, digits.height) == (4, 3)
    assert np.array_equal(tf.io.decode_png(digits.encoded_image_string).numpy(), IMAGES[1])
    text = tf.make_ndarray(acc.Tensors("notes")[0].tensor_proto)
    assert text == b"**bold** text", text
    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(acc.Graph().SerializeToString())
    assert [n.name for n in graph.node] == ["x", "w", "y"], graph
    # The text and image plugins recognise the TF2 values.
    meta = acc.SummaryMetadata("notes")
    assert meta.plugin_data.plugin_name == "text", meta
    print("events OK:", tags)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", metavar="DIR", help="verify files written by ferroflow")
    args = parser.parse_args()
    if args.check:
        check(args.check)
    else:
        generate()


if __name__ == "__main__":
    sys.exit(main())
