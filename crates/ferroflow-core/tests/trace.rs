//! The eager tracer: op types, names and scopes of traced graphs, their
//! GraphDef, and that a traced graph computes what the eager code did.

use ferroflow_core::graph::Graph;
use ferroflow_core::ops::{Assign, AssignKind};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_core::trace::{name_scope, trace_graph};
use ferroflow_io::proto::{attr_value::Value, GraphDef, NodeDef};
use prost::Message;
use std::path::PathBuf;

/// A Keras-like `Sequential` of two dense layers, as layers would call the
/// tracer: each layer in its own scope inside the model's.
struct Model {
    layers: Vec<(String, Variable, Variable)>,
}

impl Model {
    fn new() -> Model {
        let dense = |name: &str, k: Vec<f32>, rows: usize, b: Vec<f32>| {
            let cols = b.len();
            let kernel = Tensor::from_vec(k, [rows, cols]).unwrap();
            let bias = Tensor::from_vec(b, [cols]).unwrap();
            (
                name.to_string(),
                Variable::with_options(kernel, &format!("{name}/kernel"), true),
                Variable::with_options(bias, &format!("{name}/bias"), true),
            )
        };
        Model {
            layers: vec![
                dense(
                    "dense",
                    vec![1.0, -2.0, 0.5, 0.25, 1.0, -1.0],
                    2,
                    vec![0.1, 0.2, 0.3],
                ),
                dense("dense_1", vec![1.0, 2.0, -1.0], 3, vec![0.5]),
            ],
        }
    }

    fn call(&self, x: &Tensor) -> ferroflow_core::Result<Tensor> {
        let _model = name_scope("sequential");
        let mut h = x.clone();
        for (i, (name, kernel, bias)) in self.layers.iter().enumerate() {
            let _layer = name_scope(name);
            h = h
                .matmul(&kernel.value())?
                .bias_add(&bias.value(), DataFormat::Nhwc)?;
            if i == 0 {
                h = h.relu()?;
            }
        }
        Ok(h)
    }
}

fn x_value() -> Tensor {
    Tensor::from([[1.0f32, 2.0], [-3.0, 0.5]])
}

fn names(g: &Graph) -> Vec<String> {
    g.nodes().into_iter().map(|n| n.name).collect()
}

#[test]
fn traced_ops_are_named_in_their_scopes() {
    let model = Model::new();
    let x = x_value();
    let (y, g) = trace_graph(&[("x", &x)], || model.call(&x)).unwrap();
    assert_eq!(
        y.to_vec::<f32>().unwrap(),
        model.call(&x).unwrap().to_vec::<f32>().unwrap()
    );
    assert_eq!(
        names(&g),
        [
            "x",
            "dense/kernel",
            "sequential/dense/ReadVariableOp",
            "sequential/dense/MatMul",
            "dense/bias",
            "sequential/dense/ReadVariableOp_1",
            "sequential/dense/BiasAdd",
            "sequential/dense/Relu",
            "dense_1/kernel",
            "sequential/dense_1/ReadVariableOp",
            "sequential/dense_1/MatMul",
            "dense_1/bias",
            "sequential/dense_1/ReadVariableOp_1",
            "sequential/dense_1/BiasAdd",
        ]
    );
    let ops: Vec<&str> = g.nodes().iter().map(|n| n.op.op_type()).collect();
    assert_eq!(
        &ops[..4],
        ["Placeholder", "VarHandleOp", "ReadVariableOp", "MatMul"]
    );
}

#[test]
fn traced_graph_computes_the_eager_values() {
    let model = Model::new();
    let x = x_value();
    let (y, g) = trace_graph(&[("x", &x)], || model.call(&x)).unwrap();
    let out = g
        .get_tensor_by_name("sequential/dense_1/BiasAdd:0")
        .unwrap();
    let xin = g.get_tensor_by_name("x:0").unwrap();
    let got = Session::new(&g).run(&[&out], &[(&xin, x.clone())]).unwrap();
    assert_eq!(got[0], y);
    // The handles read the variables when the graph runs.
    model.layers[1].2.assign(&Tensor::from([1.5f32])).unwrap();
    let got = Session::new(&g).run(&[&out], &[(&xin, x)]).unwrap();
    let want: Vec<f32> = y.to_vec::<f32>().unwrap().iter().map(|v| v + 1.0).collect();
    assert_eq!(got[0].to_vec::<f32>().unwrap(), want);
}

#[test]
fn outside_tensors_become_consts_or_placeholders() {
    let small = Tensor::from([2.0f32, 3.0]);
    let big = Tensor::from_vec((0..20).map(|i| i as f32).collect(), [20]).unwrap();
    let (_, g) = trace_graph(&[], || {
        let a = small.mul(&small)?;
        big.reduce_sum(0, true)?.add(&a)
    })
    .unwrap();
    let ops: Vec<(String, &str)> = g
        .nodes()
        .iter()
        .map(|n| (n.name.clone(), n.op.op_type()))
        .collect();
    let want = [
        ("Const", "Const"),
        ("Mul", "Mul"),
        ("input", "Placeholder"),
        ("Sum", "Sum"),
        ("Add", "AddV2"),
    ];
    let want: Vec<(String, &str)> = want.iter().map(|(n, o)| (n.to_string(), *o)).collect();
    assert_eq!(ops, want);
}

#[test]
fn scopes_are_no_ops_outside_traces_and_traces_do_not_nest() {
    let _s = name_scope("dense");
    let x = Tensor::scalar(1.0f32);
    assert_eq!(x.neg().unwrap().to_scalar::<f32>().unwrap(), -1.0);
    let err = trace_graph(&[], || trace_graph(&[], || x.neg()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("already running"), "{err}");
    // The failed inner trace did not end the outer one's recording state
    // for later traces: a new trace works.
    let (_, g) = trace_graph(&[("x", &x)], || x.neg()).unwrap();
    assert_eq!(names(&g), ["x", "Neg"]);
    // A function error is returned as is.
    let err = trace_graph(&[], || x.reshape(&[2]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("Reshape"), "{err}");
}

/// A traced graph imports back: its resource variables become session
/// variables, restored here with `Assign` nodes, and it computes the same.
#[test]
fn traced_graph_imports_with_session_variables() {
    let model = Model::new();
    let x = x_value();
    let (y, g) = trace_graph(&[("x", &x)], || model.call(&x)).unwrap();
    let copy = Graph::new();
    copy.import_graph_def(&g.to_graph_def().unwrap()).unwrap();
    let sess = Session::new(&copy);
    for (_, kernel, bias) in &model.layers {
        for v in [kernel, bias] {
            let value = copy.constant(v.read_value(), "value").unwrap();
            let assign = Assign {
                variable: v.name().to_string(),
                kind: AssignKind::Set,
                dtype: v.dtype(),
                shape: v.shape(),
            };
            let assign = copy.add_op1(assign, &[&value], None).unwrap();
            sess.run(&[&assign], &[]).unwrap();
        }
    }
    let out = copy
        .get_tensor_by_name("sequential/dense_1/BiasAdd:0")
        .unwrap();
    let xin = copy.get_tensor_by_name("x:0").unwrap();
    assert_eq!(sess.run(&[&out], &[(&xin, x)]).unwrap()[0], y);
}

fn node<'a>(def: &'a GraphDef, name: &str) -> &'a NodeDef {
    def.node.iter().find(|n| n.name == name).unwrap()
}

#[test]
fn traced_graph_def_has_tf_resource_variable_nodes() {
    let model = Model::new();
    let x = x_value();
    let (_, g) = trace_graph(&[("x", &x)], || model.call(&x)).unwrap();
    let def = g.to_graph_def().unwrap();
    let handle = node(&def, "dense/kernel");
    assert_eq!(handle.op, "VarHandleOp");
    let shared = handle.attr["shared_name"].value.as_ref();
    assert_eq!(shared, Some(&Value::S(b"dense/kernel".to_vec())));
    let read = node(&def, "sequential/dense/ReadVariableOp");
    assert_eq!(read.input, ["dense/kernel"]);
    let keys: Vec<&String> = read.attr.keys().filter(|k| !k.starts_with('_')).collect();
    assert_eq!(keys, ["dtype"]);
    let matmul = node(&def, "sequential/dense/MatMul");
    assert_eq!(matmul.input, ["x", "sequential/dense/ReadVariableOp"]);
}

/// With FERROFLOW_INTEROP_DIR set, writes a traced graph for
/// `tools/check_graph_interop.py --check DIR`, which imports it into
/// TensorFlow, assigns the variables and compares the output.
#[test]
fn export_traced_graph_for_tensorflow() {
    let Ok(dir) = std::env::var("FERROFLOW_INTEROP_DIR") else {
        return;
    };
    let model = Model::new();
    let x = x_value();
    let (y, g) = trace_graph(&[("x", &x)], || model.call(&x)).unwrap();
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let def = g.to_graph_def().unwrap();
    std::fs::write(dir.join("traced.pb"), def.encode_to_vec()).unwrap();
    let variables: serde_json::Map<String, serde_json::Value> = model
        .layers
        .iter()
        .flat_map(|(_, k, b)| [k, b])
        .map(|v| {
            (
                v.name().to_string(),
                v.read_value().to_f64_vec().unwrap().into(),
            )
        })
        .collect();
    let shapes: serde_json::Map<String, serde_json::Value> = model
        .layers
        .iter()
        .flat_map(|(_, k, b)| [k, b])
        .map(|v| (v.name().to_string(), v.shape().dims().to_vec().into()))
        .collect();
    let json = serde_json::json!({
        "x": [[1.0, 2.0], [-3.0, 0.5]],
        "output": "sequential/dense_1/BiasAdd:0",
        "y": y.to_f64_vec().unwrap(),
        "variables": variables,
        "shapes": shapes,
        "scopes": ["sequential/dense", "sequential/dense_1"],
    });
    std::fs::write(dir.join("traced.json"), json.to_string()).unwrap();
}
