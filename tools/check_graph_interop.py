"""GraphDef interop between ferroflow and TensorFlow.

Without arguments: builds with real TensorFlow (TF1 graph mode) the model of
crates/ferroflow-core/tests/saved_graphs.rs (`small_model`), and writes under
crates/ferroflow-core/tests/fixtures/saved_graphs/:
  tf_graph.pb    its GraphDef
  tf_graph.json  the output tensor's name and its value for the test's `x`
  tf_meta/       the seeds' Saver flow: mymodel-10.{index,data,meta}, the
                 `checkpoint` file and w1's saved value (expected.json)
  tf_control_flow.{pb,json}  tf.cond / tf.while_loop / tf.case in control
                 flow v2 (StatelessIf, StatelessWhile) and their values
  tf_resource_graph.{pb,json}  `small_model` with resource variables
  tf_while_grad.{pb,json}  tf.gradients of a control flow v2 while_loop
                 (StatelessWhile loops over tensor lists) and their values
  tf_call.{pb,json}  a tf.function called in a TF1 graph (PartitionedCall)
                 and its gradient, and their values
  tf_tensor_array.{pb,json}  tf.map_fn and a tf.TensorArray written in a
                 while_loop (tensor lists: Reserve, SetItem, GetItem, Stack,
                 FromTensor, Length), a gradient through both, and values

With --check DIR: imports the GraphDef ferroflow exported into DIR (run
`FERROFLOW_INTEROP_DIR=DIR cargo test -p ferroflow-core --test saved_graphs
export_graph_def_for_tensorflow`) into TensorFlow, runs its initializers and
asserts TensorFlow computes ferroflow's numbers, then does the same from
ferroflow's Saver checkpoint and `.meta` (import_meta_graph + restore), with
an eagerly traced model (tests/trace.rs) and with cond / while_loop / case
graphs (tests/saved_control_flow.rs): run `FERROFLOW_INTEROP_DIR=DIR cargo
test -p ferroflow-core --test saved_graphs --test trace --test
saved_control_flow --test graph_def_ops` first.

Run with python3 (TensorFlow 2.21).
"""

import argparse
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "crates", "ferroflow-core", "tests", "fixtures", "saved_graphs")
X = np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32)


def small_model(use_resource):
    """`small_model` of tests/saved_graphs.rs in a new graph: the graph, its
    output, the variables' initializers and the output's value for X."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        w = tf1.Variable(np.array([[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]], np.float32), name="w",
                          use_resource=use_resource)
        b = tf1.Variable(np.array([0.1, 0.2, 0.3], np.float32), name="b",
                          use_resource=use_resource)
        y = tf.reduce_sum(tf.nn.relu(tf.matmul(x, w) + b), axis=1)
        init = [v.initializer.name for v in (w, b)]
        with tf1.Session() as sess:
            sess.run(init)
            value = sess.run(y, {x: X})
    return graph, y, init, value


def write_graph(out, stem, graph, expected):
    """`stem`.pb (the GraphDef) and `stem`.json (`expected`) under `out`."""
    with open(os.path.join(out, stem + ".pb"), "wb") as f:
        f.write(graph.as_graph_def().SerializeToString())
    with open(os.path.join(out, stem + ".json"), "w") as f:
        json.dump(dict(expected, tensorflow_version=tf.__version__), f, indent=1)


def generate():
    os.makedirs(FIXTURES, exist_ok=True)
    graph, y, _, value = small_model(use_resource=False)
    write_graph(FIXTURES, "tf_graph", graph, {"output": y.name, "y": value.tolist()})
    make_seed_meta_graph(os.path.join(FIXTURES, "tf_meta"))
    make_control_flow(FIXTURES)
    make_resource_graph(FIXTURES)
    make_while_gradient(FIXTURES)
    make_function_call(FIXTURES)
    make_tensor_array(FIXTURES)
    print("wrote", FIXTURES)


def make_resource_graph(out):
    """`small_model` with resource variables (VarHandleOp, AssignVariableOp,
    ReadVariableOp, VarIsInitializedOp): tf_resource_graph.pb and its
    initializers and output (tf_resource_graph.json)."""
    graph, y, init, value = small_model(use_resource=True)
    write_graph(out, "tf_resource_graph", graph,
                {"init": init, "output": y.name, "y": value.tolist()})


def make_control_flow(out):
    """TF2 control flow (v2: StatelessIf / StatelessWhile with their branch
    and body functions in the library) built with tf.compat.v1:
    tf_control_flow.pb and the outputs for two values of `x`
    (tf_control_flow.json)."""
    tf1.enable_control_flow_v2()
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2], name="x")
        w = tf.constant([1.5, -2.0], name="w")
        y = tf.cond(tf.reduce_sum(x) > 0.0, lambda: x * w, lambda: tf.square(x) - w, name="cond")
        _, z = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x + w),
                             [tf.constant(0), x], name="while")
        c = tf.case([(x[0] > 1.0, lambda: x + 1.0), (x[1] > 1.0, lambda: x * 3.0)],
                    default=lambda: -x, name="case")
        outputs = [y, z, c]
        values = {}
        with tf1.Session() as sess:
            for key, value in {"pos": [1.0, 2.0], "neg": [-3.0, 0.5]}.items():
                got = sess.run(outputs, {x: np.array(value, np.float32)})
                values[key] = {"x": value, "outputs": [v.tolist() for v in got]}
    write_graph(out, "tf_control_flow", graph,
                {"outputs": [t.name for t in outputs], "runs": values})


def make_while_gradient(out):
    """TF's own gradient of a v2 while_loop (`v = v * w` while |v| < 10)
    with respect to `x` and the captured `w`: forward and backward
    StatelessWhile loops over tensor lists (EmptyTensorList,
    TensorListPushBack/PopBack): tf_while_grad.pb and the loop's value and
    gradients for three (x, w) pairs (tf_while_grad.json)."""
    tf1.enable_control_flow_v2()
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [], name="x")
        w = tf1.placeholder(tf.float32, [], name="w")
        [y] = tf.while_loop(lambda v: tf.abs(v) < 10.0, lambda v: v * w, [x], name="while")
        outputs = [y] + tf.gradients(y, [x, w])
        runs = []
        with tf1.Session() as sess:
            for xv, wv in [(1.5, 2.0), (-0.5, 3.0), (20.0, 2.0)]:
                got = sess.run(outputs, {x: xv, w: wv})
                runs.append({"x": xv, "w": wv, "outputs": [float(v) for v in got]})
    write_graph(out, "tf_while_grad", graph,
                {"outputs": [t.name for t in outputs], "runs": runs})


def make_function_call(out):
    """`f(a, b) = a * b + 1` as a tf.function called in a TF1 graph (a
    PartitionedCall of a library function) and its gradient with respect to
    `x`: tf_call.pb and their values for x = [1, 2] (tf_call.json)."""
    graph = tf.Graph()
    with graph.as_default():
        @tf.function
        def f(a, b):
            return a * b + 1.0

        x = tf1.placeholder(tf.float32, [2], name="x")
        y = f(x, tf.constant([2.0, 3.0], name="b"))
        outputs = [y] + tf.gradients(y, [x])
        with tf1.Session() as sess:
            got = sess.run(outputs, {x: [1.0, 2.0]})
    write_graph(out, "tf_call", graph,
                {"outputs": [t.name for t in outputs], "x": [1.0, 2.0],
                 "values": [v.tolist() for v in got]})


def make_tensor_array(out):
    """`tf.map_fn(v * v + 1, x)`, a `tf.TensorArray` of `2 * x[i]` (read
    from another, unstacked from `x`) written in a while_loop and stacked, and the gradient of both sums with respect
    to `x`: tf_tensor_array.pb and the values for x = [1, 2, -1]
    (tf_tensor_array.json)."""
    tf1.enable_control_flow_v2()
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [3], name="x")
        ys = tf.map_fn(lambda v: v * v + 1.0, x)
        source = tf.TensorArray(tf.float32, size=3).unstack(x)
        array = tf.TensorArray(tf.float32, size=3)
        _, array = tf.while_loop(lambda i, a: i < 3,
                                 lambda i, a: (i + 1, a.write(i, source.read(i) * 2.0)),
                                 [0, array])
        zs = array.stack()
        outputs = [ys, zs] + tf.gradients(tf.reduce_sum(ys) + tf.reduce_sum(zs * zs), [x])
        with tf1.Session() as sess:
            got = sess.run(outputs, {x: [1.0, 2.0, -1.0]})
    write_graph(out, "tf_tensor_array", graph,
                {"outputs": [t.name for t in outputs], "x": [1.0, 2.0, -1.0],
                 "values": [v.tolist() for v in got]})


def make_seed_meta_graph(out):
    """The seeds' flow with ref variables: a TF1 Saver checkpoint at global
    step 10 with its .meta, `w1` in a user collection `weights`."""
    os.makedirs(out, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(7)
        w1 = tf1.Variable(tf1.truncated_normal([10]), name="w1", use_resource=False)
        tf1.add_to_collection("weights", w1)
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            saver.save(sess, os.path.join(out, "mymodel"), global_step=10)
            value = sess.run(w1)
    # A relocatable `checkpoint` file.
    with open(os.path.join(out, "checkpoint"), "w") as f:
        f.write('model_checkpoint_path: "mymodel-10"\n'
                'all_model_checkpoint_paths: "mymodel-10"\n')
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"w1": value.tolist()}, f, indent=1)


def load(directory, graph_file, json_file):
    """The expected values and a new graph holding the GraphDef ferroflow
    wrote, imported with tf.compat.v1.import_graph_def."""
    with open(os.path.join(directory, json_file)) as f:
        expected = json.load(f)
    graph_def = tf1.GraphDef()
    with open(os.path.join(directory, graph_file), "rb") as f:
        graph_def.ParseFromString(f.read())
    graph = tf.Graph()
    with graph.as_default():
        tf1.import_graph_def(graph_def, name="")
    return expected, graph


def check(directory):
    expected, graph = load(directory, "graph.pb", "expected.json")
    with graph.as_default():
        with tf1.Session() as sess:
            sess.run([graph.get_operation_by_name(n) for n in expected["init"]])
            names = sorted(expected["outputs"])
            feed = {"x:0": np.array(expected["x"], np.float32)}
            got = sess.run(names, feed)
            summary = tf1.Summary.FromString(sess.run(expected["summary"], feed))
    assert [v.tag for v in summary.value] == expected["summary_tags"], summary
    np.testing.assert_allclose(summary.value[0].simple_value, expected["total"], rtol=1e-6)
    assert summary.value[1].histo.num == 6, summary.value[1]
    print("TensorFlow runs ferroflow's summary ops:", expected["summary_tags"])
    for name, value in zip(names, got):
        np.testing.assert_allclose(value.reshape(-1), expected["outputs"][name], rtol=1e-6,
                                   err_msg=name)
        print("TensorFlow", tf.__version__, "computes ferroflow's", name, value.reshape(-1).tolist())
    # ferroflow's Saver checkpoint and meta graph: import_meta_graph + restore.
    graph = tf.Graph()
    with graph.as_default():
        saver = tf1.train.import_meta_graph(os.path.join(directory, "model.ckpt.meta"))
        with tf1.Session() as sess:
            saver.restore(sess, tf.train.latest_checkpoint(directory))
            got = sess.run(names, {"x:0": np.array(expected["x"], np.float32)})
            assert len(tf1.global_variables()) == 2, tf1.global_variables()
    for name, value in zip(names, got):
        np.testing.assert_allclose(value.reshape(-1), expected["outputs"][name], rtol=1e-6,
                                   err_msg=name)
    print("TensorFlow import_meta_graph + Saver.restore of ferroflow's checkpoint: same values")
    check_traced(directory)
    check_control_flow(directory)
    check_ops(directory)
    check_resource_again(directory)


def check_resource_again(directory):
    """TF's resource-variable graph imported by ferroflow and exported again
    (tests/graph_def_ops.rs): TF1 ref variables that TensorFlow initializes,
    asks about and runs to its own numbers."""
    expected, graph = load(directory, "resource_again.pb", "resource_again.json")
    with graph.as_default(), tf1.Session() as sess:
        asked = graph.get_tensor_by_name("w/IsInitialized/VarIsInitializedOp:0")
        assert not sess.run(asked)
        sess.run(expected["init"])
        assert sess.run(asked)
        got = sess.run(expected["output"], {"x:0": X})
    np.testing.assert_allclose(got, expected["y"], rtol=1e-6)
    print("TensorFlow runs TF's resource-variable graph after a ferroflow round trip:", got)


def check_ops(directory):
    """Ops with constant TF inputs and a CNN's gradient ops
    (tests/graph_def_ops.rs): TensorFlow computes ferroflow's values."""
    expected, graph = load(directory, "ops.pb", "ops.json")
    names = sorted(expected["outputs"])
    with graph.as_default(), tf1.Session() as sess:
        x = np.array(expected["x"], np.float32).reshape(2, 3)
        got = sess.run(names, {"x:0": x})
    for name, value in zip(names, got):
        np.testing.assert_allclose(value.reshape(-1), expected["outputs"][name], rtol=1e-5,
                                   atol=1e-6, err_msg=name)
    ops = sorted({op.type for op in graph.get_operations()})
    print("TensorFlow computes ferroflow's %d outputs over ops %s" % (len(names), ops))


def check_control_flow(directory):
    """ferroflow's cond / while_loop / case, a cond gradient, loop gradients
    (also one inside a cond's gradient function), exported as
    If / While nodes with their functions in the library
    (tests/saved_control_flow.rs): TensorFlow computes ferroflow's values."""
    expected, graph = load(directory, "control_flow.pb", "control_flow.json")
    ops = sorted({op.type for op in graph.get_operations()})
    assert "If" in ops and "While" in ops, ops
    with graph.as_default(), tf1.Session() as sess:
        for run in expected["runs"]:
            got = sess.run(expected["outputs"], {"x:0": np.array(run["x"], np.float32)})
            for name, value, want in zip(expected["outputs"], got, run["outputs"]):
                np.testing.assert_allclose(value.reshape(-1), want, rtol=1e-6, err_msg=name)
    print("TensorFlow runs ferroflow's If/While graph (%d functions):" %
          len(graph.as_graph_def().library.function), expected["outputs"])


def check_traced(directory):
    """An eagerly traced model (tests/trace.rs): tf.compat.v1.import_graph_def
    accepts it; after assigning its resource variables TF computes ferroflow's
    output, and the nodes sit in the expected name scopes."""
    expected, graph = load(directory, "traced.pb", "traced.json")
    with graph.as_default():
        assigns = []
        for name, value in expected["variables"].items():
            value = np.array(value, np.float32).reshape(expected["shapes"][name])
            assigns.append(tf.raw_ops.AssignVariableOp(
                resource=graph.get_tensor_by_name(name + ":0"), value=value))
        with tf1.Session() as sess:
            sess.run(assigns)
            got = sess.run(expected["output"], {"x:0": np.array(expected["x"], np.float32)})
    np.testing.assert_allclose(got.reshape(-1), expected["y"], rtol=1e-6)
    ops = {op.name: op.type for op in graph.get_operations()}
    for scope in expected["scopes"]:
        assert ops[scope + "/MatMul"] == "MatMul", sorted(ops)
    print("TensorFlow imports ferroflow's traced graph and computes", got.reshape(-1).tolist())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", metavar="DIR")
    args = parser.parse_args()
    if args.check:
        check(args.check)
    else:
        generate()


if __name__ == "__main__":
    sys.exit(main())
