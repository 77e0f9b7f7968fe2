#!/usr/bin/env python3
"""TF2 summary, embedding projector and PCA fixtures for ferroflow-core.

Without arguments: writes, with real TensorFlow 2.21 / TensorBoard 2.21,
under crates/ferroflow-core/tests/fixtures/summaries/:
  events/          one event file of tf.summary.scalar/histogram/image/text
                   calls (the same calls tests/summaries.rs makes)
  expected.json    the inputs of those calls, and numpy's PCA of a matrix

With --check DIR: reads what `cargo test -p ferroflow-core --test summaries`
wrote into DIR (run it with FERROFLOW_INTEROP_DIR=DIR): the TF2 summaries
with TensorBoard's plugin_event_accumulator, the projector files with
projector_config_pb2 and tf.train.load_checkpoint.

With --mnist LOGDIR: checks the log dir of the tensorboard_mnist example
(tags, steps, the graph grouped by name scope) with TensorBoard's
EventAccumulator.
"""

import argparse
import glob
import json
import os
import shutil
import sys
import tempfile

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "crates", "ferroflow-core", "tests", "fixtures", "summaries")

# Inputs of the summary calls (keep in sync with tests/summaries.rs).
HISTO = np.array([[0.5, -1.0, 2.0], [2.0, 3.5, 0.0]], np.float32)
DIGITS = (np.arange(2 * 3 * 4) * 11 % 256).astype(np.uint8).reshape(2, 3, 4, 1)
FLOAT_IMAGE = (np.arange(2 * 2 * 3) / 11.0).astype(np.float32).reshape(1, 2, 2, 3)
# The embedding of the projector check (keep in sync with tests/summaries.rs).
EMBEDDING = (np.arange(4 * 3, dtype=np.float32).reshape(4, 3) - 5.0) / 4.0
METADATA = [["Word", "Frequency"], ["the", "9"], ["cat", "3"], ["sat", "2"], ["on", "5"]]


def write_summaries(out):
    """The calls tests/summaries.rs repeats with ferroflow."""
    assert not bool(tf.summary.scalar("ignored", 1.0, step=0))  # no default writer
    writer = tf.summary.create_file_writer(out)
    with writer.as_default():
        tf.summary.experimental.set_step(3)
        tf.summary.scalar("loss", 0.5)
        tf.summary.scalar("total loss", 2, step=7)
        tf.summary.histogram("weights", HISTO, step=1, buckets=4)
        tf.summary.histogram("default buckets", HISTO, step=2)
        tf.summary.image("digits", DIGITS, step=2, max_outputs=1)
        tf.summary.image("float", FLOAT_IMAGE, step=4)
        tf.summary.text("notes", "**hi** there", step=5)
        tf.summary.text("table", tf.constant([["a", "b"], ["c", "d"]]), step=5)
        tf.summary.experimental.set_step(None)
    writer.close()


def pca_reference():
    """numpy's PCA of a fixed matrix, each axis signed so that its
    largest-magnitude entry is positive."""
    rng = np.random.RandomState(7)
    data = rng.normal(size=(12, 5)) @ rng.normal(size=(5, 5))
    centered = data - data.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centered, rowvar=False))
    order = np.argsort(values)[::-1][:3]
    axes = vectors[:, order].T
    for axis in axes:
        if axis[np.argmax(np.abs(axis))] < 0:
            axis *= -1
    return {"data": data.reshape(-1).tolist(), "shape": list(data.shape), "k": 3,
            "components": axes.reshape(-1).tolist(),
            "explained_variance": values[order].tolist(),
            "explained_variance_ratio": (values[order] / values.sum()).tolist(),
            "projected": (centered @ axes.T).reshape(-1).tolist()}


def generate():
    events = os.path.join(FIXTURES, "events")
    shutil.rmtree(events, ignore_errors=True)
    os.makedirs(events)
    write_summaries(events)
    expected = {"pca": pca_reference(), "tensorflow_version": tf.__version__}
    with open(os.path.join(FIXTURES, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    print("wrote fixtures under", FIXTURES)


def plugin_accumulator(logdir):
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea
    acc = pea.EventAccumulator(logdir, size_guidance={pea.TENSORS: 0})
    acc.Reload()
    return acc


def check_tf2(logdir):
    """TensorBoard reads ferroflow's TF2 summaries as it reads TF's own."""
    ours = plugin_accumulator(logdir)
    with tempfile.TemporaryDirectory() as reference:
        write_summaries(reference)
        theirs = plugin_accumulator(reference)
    assert ours.Tags()["tensors"] == theirs.Tags()["tensors"], (ours.Tags(), theirs.Tags())
    for tag in theirs.Tags()["tensors"]:
        meta_ours, meta_theirs = ours.SummaryMetadata(tag), theirs.SummaryMetadata(tag)
        assert meta_ours.plugin_data.plugin_name == meta_theirs.plugin_data.plugin_name, tag
        for a, b in zip(ours.Tensors(tag), theirs.Tensors(tag), strict=True):
            assert a.step == b.step, (tag, a.step, b.step)
            x, y = tf.make_ndarray(a.tensor_proto), tf.make_ndarray(b.tensor_proto)
            assert x.dtype == y.dtype and x.shape == y.shape, (tag, x, y)
            if meta_theirs.plugin_data.plugin_name == "images":
                assert list(x[:2]) == list(y[:2]), tag
                for p, q in zip(x[2:], y[2:], strict=True):
                    assert np.array_equal(tf.io.decode_png(p).numpy(),
                                          tf.io.decode_png(q).numpy()), tag
            elif x.dtype.kind == "f":
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12, err_msg=tag)
            else:
                assert np.array_equal(x, y), (tag, x, y)
    # The plugins' own readers accept the values.
    from tensorboard.plugins.scalar import metadata as scalar_metadata
    assert ours.SummaryMetadata("loss").plugin_data.plugin_name == scalar_metadata.PLUGIN_NAME
    print("TF2 summaries OK:", sorted(ours.Tags()["tensors"]))


def check_projector(logdir):
    """The projector plugin's inputs: config, checkpoint, metadata."""
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2
    with open(os.path.join(logdir, "projector_config.pbtxt")) as f:
        config = text_format.Parse(f.read(), projector_config_pb2.ProjectorConfig())
    (embedding,) = config.embeddings
    assert embedding.tensor_name == "word_embedding", embedding
    assert list(embedding.tensor_shape) == list(EMBEDDING.shape), embedding
    prefix = tf.train.latest_checkpoint(logdir)
    assert prefix is not None, "no checkpoint state"
    values = tf.train.load_checkpoint(prefix).get_tensor(embedding.tensor_name)
    assert values.dtype == np.float32 and np.array_equal(values, EMBEDDING), values
    with open(os.path.join(logdir, embedding.metadata_path)) as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    assert rows == METADATA, rows
    # TensorBoard's projector plugin serves them, as to the projector tab.
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.projector import projector_plugin
    from werkzeug import test as wtest
    apps = projector_plugin.ProjectorPlugin(base_plugin.TBContext(logdir=logdir)).get_plugin_apps()

    def get(route, **query):
        response = wtest.Client(apps[route]).get("/", query_string=query)
        assert response.status_code == 200, (route, response.get_data(as_text=True))
        return response.get_data()

    served = json.loads(get("/info", run="."))
    assert served["embeddings"][0]["tensorName"] == "word_embedding", served
    tensor = np.frombuffer(get("/tensor", run=".", name="word_embedding"), np.float32)
    assert np.array_equal(tensor.reshape(EMBEDDING.shape), EMBEDDING), tensor
    served_tsv = get("/metadata", run=".", name="word_embedding").decode()
    assert served_tsv == "".join("\t".join(r) + "\n" for r in METADATA), served_tsv
    print("projector OK:", prefix, embedding.tensor_name, values.shape)


def check_mnist(logdir):
    """The tensorboard_mnist example's log dir: summaries, graph, projector."""
    from tensorboard.backend.event_processing import event_accumulator as ea
    acc = ea.EventAccumulator(logdir, size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0,
                                                      ea.IMAGES: 0})
    acc.Reload()
    tags = acc.Tags()
    for tag in ["accuracy/acc_summary", "cross_entropy/loss"]:
        assert tag in tags["scalars"], (tag, tags["scalars"])
    accuracy = [e.value for e in acc.Scalars("accuracy/acc_summary")]
    assert len(accuracy) >= 1 and 0.5 < accuracy[-1] <= 1.0, accuracy
    for tag in ["layer_1/weights", "layer_1/hidden_out", "layer_2/weights"]:
        assert any(t.startswith(tag) for t in tags["histograms"]), (tag, tags["histograms"])
    assert any(t.startswith("inputs/") for t in tags["images"]), tags["images"]
    graph = acc.Graph()
    names = [n.name for n in graph.node]
    for scope in ["inputs/", "layer_1/", "layer_2/", "cross_entropy/", "train/", "accuracy/"]:
        assert any(n.startswith(scope) for n in names), (scope, names[:20])
    assert "layer_1/W" in names and "layer_1/MatMul" in names, names[:40]
    # The graph imports into TensorFlow (TensorBoard's graph tab parses it the same way).
    tf.compat.v1.GraphDef.FromString(graph.SerializeToString())
    # The hidden layer's outputs for the projector, labelled by class.
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2
    with open(os.path.join(logdir, "projector_config.pbtxt")) as f:
        config = text_format.Parse(f.read(), projector_config_pb2.ProjectorConfig())
    (embedding,) = config.embeddings
    hidden = tf.train.load_checkpoint(tf.train.latest_checkpoint(logdir)).get_tensor(
        embedding.tensor_name)
    assert hidden.shape == (1000, 300) and 0 <= hidden.min() and hidden.max() <= 1, hidden.shape
    with open(os.path.join(logdir, embedding.metadata_path)) as f:
        rows = f.read().splitlines()
    assert rows[0] == "label\tclass" and len(rows) == 1001, rows[:2]
    print("tensorboard_mnist OK: accuracy", accuracy, "histograms",
          sorted(tags["histograms"]), "nodes", len(names))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", metavar="DIR", help="verify files written by ferroflow")
    parser.add_argument("--mnist", metavar="LOGDIR", help="verify tensorboard_mnist's log dir")
    args = parser.parse_args()
    if args.check:
        check_tf2(os.path.join(args.check, "tf2"))
        check_projector(os.path.join(args.check, "projector"))
    if args.mnist:
        check_mnist(args.mnist)
    if not (args.check or args.mnist):
        generate()


if __name__ == "__main__":
    sys.exit(main())
