//! Saved graphs: GraphDef export/import, the TF1 `Saver`, meta graphs,
//! summary ops and `FileWriter`, against files written by real TensorFlow
//! (`tools/check_graph_interop.py`, ferroflow-io's `ckpt_tf1` fixture).

use ferroflow_core::graph::{CollectionItem, Graph};
use ferroflow_core::graph_def::{export_meta_graph, import_meta_graph};
use ferroflow_core::prelude::*;
use ferroflow_core::saver::{
    get_checkpoint_state, latest_checkpoint, load_checkpoint, Saver, VarList,
};
use ferroflow_core::session::Session;
use ferroflow_core::{summary_ops as summary, FileWriter};
use ferroflow_io::events::{event_files, EventFileReader};
use ferroflow_io::proto::{event::What, GraphDef, Summary, ValueKind};
use prost::Message;
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_saved_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `y = sum(relu(x @ w + b), axis 1)` with variables, and `y`.
fn small_model(g: &Graph) -> (Output, Output) {
    let x = g.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
    let w = g
        .variable(
            Tensor::from([[1.0f32, -2.0, 0.5], [0.25, 1.0, -1.0]]),
            "w",
            true,
        )
        .unwrap();
    let b = g
        .variable(Tensor::from([0.1f32, 0.2, 0.3]), "b", true)
        .unwrap();
    let h = x.matmul(w.value()).unwrap().add(b.value()).unwrap();
    let y = h.relu().unwrap().reduce_sum(1, false).unwrap();
    (x, y)
}

use ferroflow_core::graph::Output;

fn x_value() -> Tensor {
    Tensor::from([[1.0f32, 2.0], [-3.0, 0.5]])
}

fn init(g: &Graph, sess: &Session) {
    let init = g.global_variables_initializer().unwrap();
    sess.run_targets(&[&init], &[], &[]).unwrap();
}

#[test]
fn graph_def_nodes_have_tf_inputs_and_attrs() {
    let g = Graph::new();
    let (_, y) = small_model(&g);
    let def = g.to_graph_def().unwrap();
    let node = |name: &str| def.node.iter().find(|n| n.name == name).unwrap();
    assert_eq!(node("w/Assign").input, ["w", "w/initial_value"]);
    assert_eq!(node("MatMul").input, ["x", "w/read"]);
    let sum = node(&y.op().name());
    assert_eq!(sum.op, "Sum");
    assert_eq!(sum.input, ["Relu", "Sum/reduction_indices"]);
    assert!(sum.attr.contains_key("T") && sum.attr.contains_key("keep_dims"));
    assert_eq!(node("Sum/reduction_indices").op, "Const");
    assert!(node("Relu").attr.contains_key("_output_shapes"));
    assert!(!node("x").attr.contains_key("T"));
}

#[test]
fn graph_def_round_trip_runs_to_same_numbers() {
    let g = Graph::new();
    let (x, y) = small_model(&g);
    let sess = Session::new(&g);
    init(&g, &sess);
    let want = sess.run(&[&y], &[(&x, x_value())]).unwrap();

    let bytes = g.to_graph_def().unwrap().encode_to_vec();
    let copy = Graph::new();
    copy.import_graph_def(&GraphDef::decode(bytes.as_slice()).unwrap())
        .unwrap();
    assert_eq!(copy.num_nodes(), g.num_nodes());
    let (x2, y2) = (
        copy.get_tensor_by_name("x:0").unwrap(),
        copy.get_tensor_by_name(&y.name()).unwrap(),
    );
    let sess2 = Session::new(&copy);
    for name in ["w/Assign", "b/Assign"] {
        let op = copy.get_operation_by_name(name).unwrap();
        sess2.run_targets(&[&op], &[], &[]).unwrap();
    }
    let got = sess2.run(&[&y2], &[(&x2, x_value())]).unwrap();
    assert_eq!(
        got[0].to_vec::<f32>().unwrap(),
        want[0].to_vec::<f32>().unwrap()
    );
    // Re-exporting gives the same nodes.
    let names = |d: &GraphDef| d.node.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&copy.to_graph_def().unwrap()),
        names(&g.to_graph_def().unwrap())
    );
}

#[test]
fn unknown_op_type_is_an_error_naming_it() {
    let mut def = Graph::new().to_graph_def().unwrap();
    def.node
        .push(ferroflow_io::proto::NodeDef::new("q", "FancyOp"));
    let err = Graph::new().import_graph_def(&def).unwrap_err().to_string();
    assert!(err.contains("FancyOp") && err.contains("'q'"), "{err}");
}

#[test]
fn import_errors_name_the_node() {
    let g = Graph::new();
    g.constant(1.0f32, "a").unwrap();
    let mut def = g.to_graph_def().unwrap();
    // Importing twice clashes on names.
    let err = g.import_graph_def(&def).unwrap_err().to_string();
    assert!(err.contains("'a' already exists"), "{err}");
    // An input that names no node.
    let mut neg = ferroflow_io::proto::NodeDef::new("n", "Neg");
    neg.input.push("missing:0".into());
    def.node.push(neg);
    let err = Graph::new().import_graph_def(&def).unwrap_err().to_string();
    assert!(
        err.contains("Node 'n': input 'missing:0' not found"),
        "{err}"
    );
    // A transpose whose permutation is not a constant.
    let perm = Graph::new();
    perm.placeholder(DType::I32, [Some(1)], "perm").unwrap();
    let mut transpose = ferroflow_io::proto::NodeDef::new("t", "Transpose");
    transpose.input = vec!["a".into(), "perm".into()];
    def.node = vec![
        def.node[0].clone(),
        perm.to_graph_def().unwrap().node[0].clone(),
        transpose,
    ];
    let err = Graph::new().import_graph_def(&def).unwrap_err().to_string();
    assert!(err.contains("must be a Const node"), "{err}");
}

/// A GraphDef written by TensorFlow 2.21 (`tools/check_graph_interop.py`)
/// imports and evaluates to TensorFlow's numbers.
#[test]
fn tf_written_graph_def_imports_and_runs() {
    let dir = fixtures().join("saved_graphs");
    let bytes = std::fs::read(dir.join("tf_graph.pb")).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("tf_graph.json")).unwrap()).unwrap();
    let g = Graph::new();
    g.import_graph_def(&GraphDef::decode(bytes.as_slice()).unwrap())
        .unwrap();
    let sess = Session::new(&g);
    for name in ["w/Assign", "b/Assign"] {
        let op = g.get_operation_by_name(name).unwrap();
        sess.run_targets(&[&op], &[], &[]).unwrap();
    }
    let x = g.get_tensor_by_name("x:0").unwrap();
    let y = g
        .get_tensor_by_name(expected["output"].as_str().unwrap())
        .unwrap();
    let got = sess.run(&[&y], &[(&x, x_value())]).unwrap()[0]
        .to_vec::<f32>()
        .unwrap();
    let want: Vec<f32> = expected["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    for (a, b) in got.iter().zip(&want) {
        assert!((a - b).abs() < 1e-5, "{got:?} vs {want:?}");
    }
}

/// Array ops whose TF form takes constant inputs (shape, perm, axis,
/// multiples, dimension) on `small_model`'s hidden layer.
fn array_model(g: &Graph, y: &Output) -> Vec<Output> {
    let h = g.get_tensor_by_name("Relu:0").unwrap();
    let c = concat(&[&h, &h], 1).unwrap();
    let r = c.reshape(&[3, 4]).unwrap().transpose(&[1, 0]).unwrap();
    let tiled = r.expand_dims(0).unwrap().tile(&[2, 1, 1]).unwrap();
    let idx = g.constant(Tensor::from([2i32, 0]), "idx").unwrap();
    let gathered = tiled.gather(&idx, 1, 0).unwrap();
    let am = gathered.argmax(2).unwrap().cast(DType::F32).unwrap();
    let b = y.broadcast_to(&Shape::from([3, 2])).unwrap();
    let pad = h.pad(&[(1, 0), (0, 2)], PadMode::Constant, 0.0).unwrap();
    let pad_v2 = h.pad(&[(0, 1), (1, 1)], PadMode::Constant, 1.5).unwrap();
    let mirror = h.pad(&[(1, 1), (2, 2)], PadMode::Reflect, 0.0).unwrap();
    let slice = h.slice(&[0, 1], &[2, -1]).unwrap();
    let range = ferroflow_core::ops::Range {
        start: 0.0,
        limit: 5.0,
        delta: 1.5,
        dtype: DType::F32,
    };
    let range = g.add_op1(range, &[], None).unwrap();
    // h[::-1, None, 1:]
    let strided = h
        .index(&[
            Idx::Slice {
                start: None,
                stop: None,
                step: -1,
            },
            Idx::NewAxis,
            Idx::Slice {
                start: Some(1),
                stop: None,
                step: 1,
            },
        ])
        .unwrap();
    let row = h.index(&[Idx::At(-1)]).unwrap();
    let fill = ferroflow_core::ops::Fill {
        shape: Shape::from([2, 3]),
    };
    let fill = g
        .add_op1(fill, &[&g.constant(2.5f32, "fill_value").unwrap()], None)
        .unwrap();
    let one_hot = idx.one_hot(3, 1.5f32, -1.0f32, 0).unwrap();
    vec![
        gathered, am, b, pad, pad_v2, mirror, slice, range, strided, row, fill, one_hot,
    ]
}

/// Convolution, pooling and softmax nodes on a constant image.
fn nn_model(g: &Graph) -> Vec<Output> {
    let values: Vec<f32> = (0..50).map(|i| ((i * 7) % 11) as f32 / 4.0 - 1.0).collect();
    let image = g
        .constant(Tensor::from_vec(values, [1, 5, 5, 2]).unwrap(), "image")
        .unwrap();
    let fv: Vec<f32> = (0..54).map(|i| ((i * 5) % 9) as f32 / 8.0 - 0.5).collect();
    let filter = g
        .constant(Tensor::from_vec(fv, [3, 3, 2, 3]).unwrap(), "filter")
        .unwrap();
    let bias = g
        .constant(Tensor::from([0.1f32, -0.2, 0.3]), "bias")
        .unwrap();
    let nhwc = DataFormat::Nhwc;
    let same = Window2d::new([1, 1], Padding::Same);
    let conv = image.conv2d(&filter, &same, nhwc).unwrap();
    let conv = conv.bias_add(&bias, nhwc).unwrap().relu().unwrap();
    let strided = Window2d::new([2, 2], Padding::Explicit(vec![(1, 0), (0, 1)]));
    let conv2 = image.conv2d(&filter, &strided, nhwc).unwrap();
    let pool = |padding| Pool2d {
        ksize: [2, 2],
        strides: [2, 2],
        padding,
    };
    let max = conv.max_pool2d(&pool(Padding::Same), nhwc).unwrap();
    let avg = conv.avg_pool2d(&pool(Padding::Valid), nhwc).unwrap();
    let logits = avg.reshape(&[-1, 3]).unwrap();
    let soft = logits.softmax().unwrap();
    let log_soft = logits.log_softmax().unwrap();
    vec![conv2, max, soft, log_soft]
}

#[test]
fn array_ops_round_trip_through_graph_def() {
    let g = Graph::new();
    let (x, y) = small_model(&g);
    let mut outs = array_model(&g, &y);
    outs.extend(nn_model(&g));
    let sess = Session::new(&g);
    init(&g, &sess);
    let fetches: Vec<&Output> = outs.iter().collect();
    let want = sess.run(&fetches, &[(&x, x_value())]).unwrap();
    let copy = Graph::new();
    copy.import_graph_def(&g.to_graph_def().unwrap()).unwrap();
    let sess2 = Session::new(&copy);
    for name in ["w/Assign", "b/Assign"] {
        let op = copy.get_operation_by_name(name).unwrap();
        sess2.run_targets(&[&op], &[], &[]).unwrap();
    }
    let outs2: Vec<Output> = outs
        .iter()
        .map(|o| copy.get_tensor_by_name(&o.name()).unwrap())
        .collect();
    let fetches2: Vec<&Output> = outs2.iter().collect();
    let x2 = copy.get_tensor_by_name("x:0").unwrap();
    assert_eq!(sess2.run(&fetches2, &[(&x2, x_value())]).unwrap(), want);
}

/// With FERROFLOW_INTEROP_DIR set, writes the exported GraphDef and
/// ferroflow's outputs for `tools/check_graph_interop.py --check DIR`.
#[test]
fn export_graph_def_for_tensorflow() {
    let Ok(dir) = std::env::var("FERROFLOW_INTEROP_DIR") else {
        return;
    };
    let g = Graph::new();
    let (x, y) = small_model(&g);
    let mut outs = vec![y];
    outs.extend(array_model(&g, &outs[0]));
    outs.extend(nn_model(&g));
    let total = outs[0].reduce_sum(Axes::All, false).unwrap();
    summary::scalar("total loss", &total).unwrap();
    summary::histogram("hidden", &g.get_tensor_by_name("Relu:0").unwrap()).unwrap();
    let merged = summary::merge_all(&g).unwrap().unwrap();
    let sess = Session::new(&g);
    init(&g, &sess);
    let fetches: Vec<&Output> = outs.iter().collect();
    let values = sess.run(&fetches, &[(&x, x_value())]).unwrap();
    let merged_value = sess.run(&[&merged], &[(&x, x_value())]).unwrap();
    let tags: Vec<String> = decode(&merged_value[0])
        .value
        .iter()
        .map(|v| v.tag.clone())
        .collect();
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("graph.pb"),
        g.to_graph_def().unwrap().encode_to_vec(),
    )
    .unwrap();
    let outputs: serde_json::Map<String, serde_json::Value> = outs
        .iter()
        .zip(&values)
        .map(|(o, v)| (o.name(), v.to_f64_vec().unwrap().into()))
        .collect();
    let json = serde_json::json!({
        "init": ["w/Assign", "b/Assign"],
        "x": [[1.0, 2.0], [-3.0, 0.5]],
        "outputs": outputs,
        "summary": merged.name(),
        "summary_tags": tags,
        "total": total_value(&values[0]),
    });
    std::fs::write(dir.join("expected.json"), json.to_string()).unwrap();
    // The same graph as a checkpoint + meta graph, for `import_meta_graph`.
    let saver = Saver::new(&g, None, 5, 10000.0).unwrap();
    saver.save(&sess, dir.join("model.ckpt"), None).unwrap();
}

fn total_value(y: &Tensor) -> f64 {
    y.to_f64_vec()
        .unwrap()
        .iter()
        .map(|&v| v as f32)
        .sum::<f32>() as f64
}

/// One variable of each dtype, scalars included.
fn all_dtypes(g: &Graph) -> Vec<(ferroflow_core::GraphVariable, Tensor)> {
    let values = [
        ("f32", Tensor::from([[0.5f32, -1.25], [3.0, 1e-3]])),
        ("f64", Tensor::from([0.1f64, 0.2, 0.3])),
        ("i32", Tensor::from([i32::MAX, i32::MIN])),
        ("i64", Tensor::scalar(1234567890123i64)),
        ("scalar", Tensor::scalar(0.75f32)),
        ("flags", Tensor::from([true, false, true])),
        ("bytes", Tensor::from([7u8, 0, 255])),
        (
            "vocab",
            Tensor::from_strings(&["hi", "", "xyz"], [3]).unwrap(),
        ),
    ];
    values
        .into_iter()
        .map(|(name, v)| (g.variable(v.clone(), name, true).unwrap(), v))
        .collect()
}

#[test]
fn saver_round_trips_every_dtype() {
    let dir = temp_dir("dtypes");
    let g = Graph::new();
    let vars = all_dtypes(&g);
    let sess = Session::new(&g);
    init(&g, &sess);
    let saver = Saver::new(&g, None, 5, 10000.0).unwrap();
    let path = saver.save(&sess, dir.join("model.ckpt"), None).unwrap();
    assert_eq!(path, std::path::absolute(dir.join("model.ckpt")).unwrap());
    for ext in [".index", ".data-00000-of-00001", ".meta"] {
        assert!(dir.join(format!("model.ckpt{ext}")).exists(), "{ext}");
    }
    let fresh = Session::new(&g);
    saver.restore(&fresh, &path).unwrap();
    for (var, want) in &vars {
        let got = fresh.run(&[var.value()], &[]).unwrap().remove(0);
        assert_eq!(got, *want, "{}", var.name());
    }
    let reader = load_checkpoint(&dir).unwrap();
    let shapes = reader.get_variable_to_shape_map();
    assert_eq!(shapes["f32"], vec![2, 2]);
    assert_eq!(shapes["i64"], Vec::<usize>::new());
    assert_eq!(reader.get_tensor("vocab").unwrap(), vars[7].1);
    let err = reader.get_tensor("nope").unwrap_err().to_string();
    assert!(err.contains("Key nope not found in checkpoint"), "{err}");
}

#[test]
fn saving_uninitialized_variables_is_an_error() {
    let dir = temp_dir("uninit");
    let g = Graph::new();
    g.variable(Tensor::from([1.0f32]), "v", true).unwrap();
    let saver = Saver::new(&g, None, 5, 10000.0).unwrap();
    let err = saver
        .save(&Session::new(&g), dir.join("m"), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Attempting to use uninitialized value v"),
        "{err}"
    );
}

#[test]
fn max_to_keep_deletes_oldest_checkpoints_and_state_lists_the_rest() {
    let dir = temp_dir("keep");
    let g = Graph::new();
    let v = g.variable(Tensor::scalar(1.0f32), "v", true).unwrap();
    let sess = Session::new(&g);
    init(&g, &sess);
    let saver = Saver::new(&g, None, 2, 10000.0).unwrap();
    let bump = v.assign_add(&g.constant(1.0f32, "one").unwrap()).unwrap();
    for step in 1..=4 {
        sess.run(&[&bump], &[]).unwrap();
        saver.save(&sess, dir.join("model"), Some(step)).unwrap();
    }
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "checkpoint",
            "model-3.data-00000-of-00001",
            "model-3.index",
            "model-3.meta",
            "model-4.data-00000-of-00001",
            "model-4.index",
            "model-4.meta"
        ]
    );
    let abs = std::path::absolute(&dir).unwrap();
    let state = get_checkpoint_state(&dir).unwrap().unwrap();
    assert_eq!(
        state.model_checkpoint_path,
        abs.join("model-4").display().to_string()
    );
    assert_eq!(state.all_model_checkpoint_paths.len(), 2);
    assert_eq!(latest_checkpoint(&dir).unwrap(), Some(abs.join("model-4")));
    // Restoring model-3 gives the value saved at step 3 (1 + 3).
    saver.restore(&sess, abs.join("model-3")).unwrap();
    let got = sess.run(&[v.value()], &[]).unwrap()[0]
        .to_scalar::<f32>()
        .unwrap();
    assert_eq!(got, 4.0);
}

#[test]
fn keep_checkpoint_every_n_hours_preserves_old_checkpoints() {
    let dir = temp_dir("hours");
    let g = Graph::new();
    g.variable(Tensor::scalar(1.0f32), "v", true).unwrap();
    let sess = Session::new(&g);
    init(&g, &sess);
    // A millisecond: each checkpoint falling out of the last one is kept.
    let saver = Saver::new(&g, None, 1, 1e-3 / 3600.0)
        .unwrap()
        .with_write_meta_graph(false);
    for step in 1..=3 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        saver.save(&sess, dir.join("model"), Some(step)).unwrap();
    }
    for step in 1..=3 {
        assert!(dir.join(format!("model-{step}.index")).exists(), "{step}");
    }
    assert!(!dir.join("model-3.meta").exists());
    let state = get_checkpoint_state(&dir).unwrap().unwrap();
    assert_eq!(state.all_model_checkpoint_paths.len(), 1);
}

#[test]
fn restore_subset_and_name_map() {
    let dir = temp_dir("subset");
    let g = Graph::new();
    let a = g.variable(Tensor::from([1.0f32, 2.0]), "a", true).unwrap();
    let b = g.variable(Tensor::from([3.0f32]), "b", true).unwrap();
    let sess = Session::new(&g);
    init(&g, &sess);
    let saver = Saver::new(&g, None, 5, 10000.0).unwrap();
    let path = saver.save(&sess, dir.join("ab"), None).unwrap();

    // A graph with only `b`, restored from the subset.
    let g2 = Graph::new();
    let b2 = g2.variable(Tensor::from([0.0f32]), "b", true).unwrap();
    let s2 = Session::new(&g2);
    Saver::new(&g2, None, 5, 10000.0)
        .unwrap()
        .restore(&s2, &path)
        .unwrap();
    assert_eq!(
        s2.run(&[b2.value()], &[]).unwrap()[0]
            .to_vec::<f32>()
            .unwrap(),
        [3.0]
    );

    // A name map: checkpoint key "a" into a variable named "other".
    let g3 = Graph::new();
    let other = g3
        .variable(Tensor::from([0.0f32, 0.0]), "other", true)
        .unwrap();
    let s3 = Session::new(&g3);
    let map = VarList::Map(vec![("a".into(), other.clone())]);
    Saver::new(&g3, Some(map), 5, 10000.0)
        .unwrap()
        .restore(&s3, &path)
        .unwrap();
    let got = s3.run(&[other.value()], &[]).unwrap()[0]
        .to_vec::<f32>()
        .unwrap();
    assert_eq!(got, [1.0, 2.0]);

    // A key missing from the checkpoint, a wrong shape, a wrong dtype.
    let g4 = Graph::new();
    let c = g4.variable(Tensor::from([0.0f32]), "c", true).unwrap();
    let a4 = g4.variable(Tensor::from([0.0f32]), "a", true).unwrap();
    let b4 = g4.variable(Tensor::from([0i32]), "b", true).unwrap();
    let s4 = Session::new(&g4);
    let restore = |v: &ferroflow_core::GraphVariable| {
        Saver::new(&g4, Some(VarList::List(vec![v.clone()])), 5, 10000.0)
            .unwrap()
            .restore(&s4, &path)
            .unwrap_err()
            .to_string()
    };
    assert!(restore(&c).contains("Key c not found in checkpoint"));
    let shape = restore(&a4);
    assert!(shape.contains("lhs shape= [1] rhs shape= [2]"), "{shape}");
    let dtype = restore(&b4);
    assert!(
        dtype.contains("expected dtype int32 does not equal original dtype float"),
        "{dtype}"
    );
    let _ = (a, b);
}

/// The TF1 checkpoint ferroflow-io's fixtures hold, written by
/// `tf.compat.v1.train.Saver`, restored into a graph with its variables.
#[test]
fn tf_written_tf1_checkpoint_restores() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ferroflow-io/tests/fixtures/ckpt_tf1");
    let g = Graph::new();
    let kernel = g
        .variable(Tensor::from([[0.0f32; 3]; 2]), "dense/kernel", true)
        .unwrap();
    let bias = g
        .variable(Tensor::from([0.0f64; 3]), "dense/bias", true)
        .unwrap();
    let step = g
        .variable(Tensor::scalar(0i64), "global_step", false)
        .unwrap();
    let vocab = g
        .variable(
            Tensor::from_strings(&["", "", ""], [3]).unwrap(),
            "vocab",
            false,
        )
        .unwrap();
    let sess = Session::new(&g);
    let saver = Saver::new(&g, None, 5, 10000.0).unwrap();
    saver
        .restore(&sess, latest_checkpoint(&dir).unwrap().unwrap())
        .unwrap();
    let out = sess
        .run(
            &[kernel.value(), bias.value(), step.value(), vocab.value()],
            &[],
        )
        .unwrap();
    assert_eq!(
        out[0].to_vec::<f32>().unwrap(),
        [0.5, -1.25, 3.0, 1e-3, 2.5, -0.0]
    );
    assert_eq!(out[1].to_vec::<f64>().unwrap(), [0.1, 0.2, 0.3]);
    assert_eq!(out[2].to_scalar::<i64>().unwrap(), 1234567890123);
    assert_eq!(
        out[3],
        Tensor::from_strings(&["hi", "", "xyz"], [3]).unwrap()
    );
}

/// The seeds' flow: `tf.add_to_collection('weights', w1)`, save with a
/// global step, then in a fresh graph `import_meta_graph`, `restore` and
/// `get_collection('weights')[0]`.
#[test]
fn import_meta_graph_restore_and_get_collection() {
    let dir = temp_dir("meta");
    let g = Graph::new();
    let init_value = g
        .random(
            ferroflow_core::ops::Distribution::TruncatedNormal,
            &[10],
            DType::F32,
            1.0,
            0.0,
            None,
        )
        .unwrap();
    let w1 = g.variable(&init_value, "w1", true).unwrap();
    g.add_to_collection("weights", w1.clone());
    let sess = Session::new(&g);
    init(&g, &sess);
    let saver = Saver::new(&g, None, 5, 10000.0).unwrap();
    let path = saver.save(&sess, dir.join("mymodel"), Some(10)).unwrap();
    let saved = sess.run(&[w1.value()], &[]).unwrap().remove(0);

    let (g2, new_saver) = import_meta_graph(dir.join("mymodel-10.meta")).unwrap();
    let s2 = Session::new(&g2);
    new_saver.restore(&s2, &path).unwrap();
    let weights = g2.get_collection("weights", None);
    // As in TF, a user collection comes back as the tensors it names.
    let CollectionItem::Tensor(w) = &weights[0] else {
        panic!("expected a tensor, got {:?}", weights[0]);
    };
    assert_eq!(w.name(), "w1:0");
    assert_eq!(s2.run(&[w], &[]).unwrap()[0], saved);
    let names: Vec<String> = g2.global_variables().iter().map(|v| v.name()).collect();
    assert_eq!(names, ["w1:0"]);
    assert_eq!(g2.trainable_variables().len(), 1);

    // Exporting without a saver writes the same collections.
    export_meta_graph(dir.join("again.meta"), &g2, None).unwrap();
    let (g3, _) = import_meta_graph(dir.join("again.meta")).unwrap();
    assert_eq!(g3.get_collection("weights", None).len(), 1);
}

/// The seeds' flow on files TensorFlow wrote (`tools/check_graph_interop.py`:
/// ref variable `w1` in collection `weights`, saved at step 10): the
/// `save/` nodes are skipped, `VariableDef` collections read.
#[test]
fn tf_written_meta_graph_imports_and_restores() {
    let dir = fixtures().join("saved_graphs/tf_meta");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let prefix = latest_checkpoint(&dir).unwrap().unwrap();
    assert_eq!(prefix, dir.join("mymodel-10"));
    let (g, saver) = import_meta_graph(dir.join("mymodel-10.meta")).unwrap();
    assert_eq!(saver.max_to_keep(), 5);
    assert!(g.get_operation_by_name("save/restore_all").is_err());
    let vars: Vec<(String, bool)> = g
        .global_variables()
        .iter()
        .map(|v| (v.name(), v.trainable()))
        .collect();
    assert_eq!(vars, [("w1:0".to_string(), true)]);
    let sess = Session::new(&g);
    saver.restore(&sess, &prefix).unwrap();
    let CollectionItem::Tensor(w) = &g.get_collection("weights", None)[0] else {
        panic!("expected a tensor");
    };
    let got = sess.run(&[w], &[]).unwrap()[0].to_vec::<f32>().unwrap();
    let want: Vec<f32> = expected["w1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(got, want);
}

fn decode(t: &Tensor) -> Summary {
    Summary::decode(t.as_strings().unwrap()[0].as_slice()).unwrap()
}

#[test]
fn summary_tags_are_unique_op_names_and_merge_all_concatenates() {
    let g = Graph::new();
    let mse = g.constant(Tensor::scalar(0.5f32), "mse").unwrap();
    let s1 = summary::scalar("MSE", &mse).unwrap();
    let hist = summary::histogram(
        "my weights",
        &g.constant(Tensor::from([1.0f32, 2.0, 2.0]), "w").unwrap(),
    )
    .unwrap();
    let text = summary::text(
        "note",
        &g.constant(Tensor::from_strings(&["hi"], []).unwrap(), "t")
            .unwrap(),
    )
    .unwrap();
    let images = g
        .constant(
            Tensor::from_vec(vec![0u8; 2 * 2 * 2 * 3], [2, 2, 2, 3]).unwrap(),
            "img",
        )
        .unwrap();
    let image = summary::image("pics", &images, 1).unwrap();
    assert_eq!(s1.op().name(), "MSE_1");
    assert_eq!(hist.op().name(), "my_weights");
    let merged = summary::merge_all(&g).unwrap().unwrap();
    assert_eq!(merged.op().name(), "Merge/MergeSummary");
    let sess = Session::new(&g);
    let out = sess.run(&[&s1, &merged], &[]).unwrap();
    let one = decode(&out[0]);
    assert_eq!(one.value[0].tag, "MSE_1");
    assert_eq!(one.value[0].value, Some(ValueKind::SimpleValue(0.5)));
    let all = decode(&out[1]);
    let tags: Vec<&str> = all.value.iter().map(|v| v.tag.as_str()).collect();
    assert_eq!(tags, ["MSE_1", "my_weights", "note", "pics/image"]);
    match &all.value[1].value {
        Some(ValueKind::Histo(h)) => assert_eq!((h.num, h.sum), (3.0, 5.0)),
        other => panic!("expected a histogram, got {other:?}"),
    }
    let _ = (text, image);
    assert!(summary::merge_all(&Graph::new()).unwrap().is_none());
    let err = summary::scalar("v", &g.constant(Tensor::from([1.0f32, 2.0]), "v").unwrap());
    assert!(err
        .unwrap_err()
        .to_string()
        .contains("tags and values are not the same shape"));
}

#[test]
fn file_writer_writes_version_graph_meta_graph_and_summaries() {
    let dir = temp_dir("events");
    let g = Graph::new();
    let x = g.constant(Tensor::scalar(1.5f32), "x").unwrap();
    let s = summary::scalar("loss", &x).unwrap();
    let writer = FileWriter::new(&dir, Some(&g)).unwrap();
    let sess = Session::new(&g);
    for step in 0..3 {
        let out = sess.run(&[&s], &[]).unwrap();
        writer
            .add_summary(&out[0].as_strings().unwrap()[0], step)
            .unwrap();
    }
    writer.flush().unwrap();
    writer.close().unwrap();
    let files = event_files(&dir).unwrap();
    assert_eq!(files.len(), 1);
    let events: Vec<_> = EventFileReader::open(&files[0])
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(events[0].file_version(), Some("brain.Event:2"));
    match &events[1].what {
        Some(What::GraphDef(bytes)) => {
            let def = GraphDef::decode(bytes.as_slice()).unwrap();
            assert!(def
                .node
                .iter()
                .any(|n| n.name == "loss" && n.op == "ScalarSummary"));
        }
        other => panic!("expected a graph_def, got {other:?}"),
    }
    assert!(matches!(events[2].what, Some(What::MetaGraphDef(_))));
    let steps: Vec<(i64, String)> = events[3..]
        .iter()
        .map(|e| (e.step, e.summary().unwrap().value[0].tag.clone()))
        .collect();
    assert_eq!(
        steps,
        [(0, "loss".into()), (1, "loss".into()), (2, "loss".into())]
    );
}
