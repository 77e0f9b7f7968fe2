//! GraphDefs of the op catalogue beyond `saved_graphs.rs`: round trips
//! (export, import into a new graph, same values, same nodes on export
//! again) of every element-wise op, the array and shape ops, the nn,
//! image, random and linear-algebra ops and their gradients; export of ops
//! whose TensorFlow form takes constant inputs ferroflow keeps as attributes
//! (`ScatterNd`'s shape, `Split`'s split_dim, random shapes and bounds) and
//! of the gradient ops of a small CNN, and of reductions, logic, seeded
//! random ops, `Qr` and more (`tools/check_graph_interop.py
//! --check` runs them in TensorFlow and compares every value); import of
//! run-time shapes and of TensorFlow's resource variables.

use ferroflow_core::custom_gradient::custom_gradient;
use ferroflow_core::gradients::gradients;
use ferroflow_core::graph::{Graph, Output};
use ferroflow_core::ops::{
    concat, einsum, qr, scatter_nd, softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits, stack, Distribution, Fill, OneHot, RandomShuffle,
    RandomStandard, RandomUniformInt, Range, StatelessRandom,
};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_core::{GradArgs, PartialShape};
use ferroflow_io::proto::{GraphDef, NodeDef};
use prost::Message;
use std::path::{Path, PathBuf};

fn x_value() -> Tensor {
    Tensor::from([[1.0f32, -2.0, 0.5], [0.25, 3.0, -1.0]])
}

fn constant(g: &Graph, values: Vec<f32>, dims: &[usize], name: &str) -> Output {
    g.constant(Tensor::from_vec(values, dims).unwrap(), name)
        .unwrap()
}

/// Array ops with constant TF inputs, on placeholder `x` ([2, 3]).
fn array_ops(g: &Graph, x: &Output) -> Vec<Output> {
    let zero = g.constant(0.0f32, "zero").unwrap();
    let select = x.greater(&zero).unwrap().where_(x, &x.neg().unwrap());
    let pairs = g.constant(Tensor::from([[0i32, 1], [1, 2]]), "pairs");
    let gathered = x.gather_nd(&pairs.unwrap()).unwrap();
    let rows = g.constant(Tensor::from([[1i32], [3]]), "rows").unwrap();
    let scattered = scatter_nd(&rows, &gathered, &Shape::from([4])).unwrap();
    let ids = g.constant(Tensor::from([2i32, 0]), "ids").unwrap();
    let segments = x.unsorted_segment_sum(&ids, 3).unwrap();
    let reversed = x.reverse(&[1]).unwrap();
    let mut outs = vec![select.unwrap(), scattered, segments, reversed];
    outs.extend(x.split(3, 1).unwrap());
    outs.extend(x.split(SplitSizes::Sizes(vec![1, 2]), 1).unwrap());
    let ints = RandomUniformInt {
        dtype: DType::I32,
        shape: Shape::from([5]),
        minval: -3,
        maxval: 10,
        seed: 3,
        seed2: 5,
    };
    outs.push(g.add_op1(ints, &[], None).unwrap());
    let stateless = StatelessRandom {
        distribution: Distribution::Normal,
        dtype: DType::F32,
        shape: Shape::from([4]),
        seed: [1, 2],
    };
    outs.push(g.add_op1(stateless, &[], None).unwrap());
    outs
}

/// A small CNN loss and its gradients with respect to the image, filter,
/// bias and `x`: `_FusedConv2D`, `Conv2DBackpropInput`/`Filter`, `BiasAddGrad`,
/// `ReluGrad`, `MaxPoolGrad`, `AvgPoolGrad`, `ResizeBilinearGrad`, the
/// sparse cross entropy's gradient, `UnsortedSegmentSum` from gathers,
/// `StridedSliceGrad`.
fn cnn_gradients(g: &Graph, x: &Output) -> Vec<Output> {
    let values: Vec<f32> = (0..32).map(|i| ((i * 7) % 11) as f32 / 4.0 - 1.0).collect();
    let image = constant(g, values, &[1, 4, 4, 2], "image");
    let fv: Vec<f32> = (0..24).map(|i| ((i * 5) % 9) as f32 / 8.0 - 0.5).collect();
    let filter = constant(g, fv, &[2, 2, 2, 3], "filter");
    let bias = constant(g, vec![0.1, -0.2, 0.3], &[3], "bias");
    let nhwc = DataFormat::Nhwc;
    let same = Window2d::new([1, 1], Padding::Same);
    let conv = image.conv2d(&filter, &same, nhwc).unwrap();
    let conv = conv.bias_add(&bias, nhwc).unwrap().relu().unwrap();
    let pool = Pool2d {
        ksize: [2, 2],
        strides: [2, 2],
        padding: Padding::Valid,
    };
    let max = conv.max_pool2d(&pool, nhwc).unwrap();
    let avg = conv.avg_pool2d(&pool, nhwc).unwrap();
    let big = avg.resize(&[3, 3], ResizeMethod::Bilinear).unwrap();
    let logits = max.add(&avg).unwrap().reshape(&[4, 3]).unwrap();
    let labels = g.constant(Tensor::from([0i32, 2, 1, 1]), "labels").unwrap();
    let ce = sparse_softmax_cross_entropy_with_logits(&labels, &logits).unwrap();
    let scale = constant(g, vec![1.0, 0.5, 2.0], &[3], "scale");
    let normed = conv.fused_batch_norm(&scale, &bias, None, 0.001, true);
    let normed = normed.unwrap().y.reshape(&[16, 3]).unwrap();
    let probs = normed.softmax().unwrap().stop_gradient().unwrap();
    let dense = softmax_cross_entropy_with_logits(&probs, &normed).unwrap();
    let stacked = stack(&[x, &x.square().unwrap()], 0).unwrap();
    let parts = stacked.unstack(None, 0).unwrap();
    let prod = einsum("ij,kj->ik", &[&parts[0], &parts[1]]).unwrap();
    let bmm = stacked
        .matmul(&stacked.transpose(&[0, 2, 1]).unwrap())
        .unwrap();
    let squeezed = bmm.expand_dims(0).unwrap().squeeze(&[0]).unwrap();
    let idx = g.constant(Tensor::from([1i32, 1, 0]), "idx").unwrap();
    let picked = x.gather(&idx, 0, 0).unwrap().square().unwrap();
    let reversed_column = x
        .index(&[
            Idx::Slice {
                start: None,
                stop: None,
                step: -1,
            },
            Idx::At(1),
        ])
        .unwrap()
        .exp()
        .unwrap();
    let fused = image.conv2d_bias_activation(&filter, &bias, &same, true);
    let terms = [
        ce,
        fused.unwrap(),
        big,
        dense,
        prod.log_softmax().unwrap(),
        squeezed,
        picked,
        reversed_column,
    ];
    let loss = terms
        .iter()
        .map(|t| t.reduce_sum(Axes::All, false).unwrap())
        .reduce(|a, b| a.add(&b).unwrap())
        .unwrap();
    let grads = gradients(&[&loss], &[&image, &filter, &bias, x], None).unwrap();
    grads.into_iter().map(Option::unwrap).collect()
}

/// Reductions, comparisons, logic, shape ops, seeded random ops, `Qr`,
/// `custom_gradient`'s `IdentityN`, and the gradients of a depthwise
/// convolution and a nearest-neighbor resize.
fn more_ops(g: &Graph, x: &Output) -> Vec<Output> {
    let f32_of = |t: Output| t.cast(DType::F32).unwrap();
    let zero = g.constant(0.0f32, "zero_1").unwrap();
    let positive = x.greater_equal(&zero).unwrap();
    let small = x.less_equal(&g.constant(1.0f32, "one").unwrap()).unwrap();
    let mut outs = vec![
        x.reduce_max(1, false).unwrap(),
        x.reduce_min(0, true).unwrap(),
        x.reduce_mean(1, false).unwrap(),
        x.reduce_prod(Axes::All, false).unwrap(),
        f32_of(positive.reduce_all(1, false).unwrap()),
        f32_of(positive.reduce_any(0, false).unwrap()),
        f32_of(
            positive
                .logical_and(&small)
                .unwrap()
                .logical_or(&small.logical_not().unwrap())
                .unwrap(),
        ),
        f32_of(x.equal(&x.round().unwrap()).unwrap()),
        f32_of(x.not_equal(&zero).unwrap()),
        x.argmin(1).unwrap(),
        x.rank_tensor().unwrap(),
        x.size_tensor().unwrap(),
    ];
    let draws = [
        Distribution::Uniform,
        Distribution::Normal,
        Distribution::TruncatedNormal,
    ];
    for (k, distribution) in draws.into_iter().enumerate() {
        let op = RandomStandard {
            distribution,
            dtype: DType::F32,
            shape: Shape::from([3]),
            seed: 1,
            seed2: 2 + k as i64,
        };
        outs.push(g.add_op1(op, &[], None).unwrap());
        let op = StatelessRandom {
            distribution,
            dtype: DType::F32,
            shape: Shape::from([2]),
            seed: [4, 5 + k as i64],
        };
        outs.push(g.add_op1(op, &[], None).unwrap());
    }
    let values = g
        .constant(Tensor::from([1.0f32, 2.0, 3.0, 4.0]), "values")
        .unwrap();
    let shuffle = RandomShuffle { seed: 7, seed2: 8 };
    outs.push(g.add_op1(shuffle, &[&values], None).unwrap());
    let m = constant(g, vec![2.0, -1.0, 0.5, 3.0, 1.0, 1.0], &[3, 2], "m");
    let (q, r) = qr(&m).unwrap();
    outs.extend([q, r]);
    let doubled = custom_gradient(
        std::slice::from_ref(x),
        |v| Ok(vec![v[0].add(&v[0])?]),
        |a: GradArgs<'_, Output>| Ok(vec![Some(a.grads[0].clone())]),
    )
    .unwrap();
    let values: Vec<f32> = (0..18).map(|i| (i % 7) as f32 - 3.0).collect();
    let image = constant(g, values, &[1, 3, 3, 2], "image_1");
    let filter = constant(
        g,
        vec![0.5, -1.0, 2.0, 1.0, 0.25, 0.75, -0.5, 1.5],
        &[2, 2, 2, 1],
        "dw",
    );
    let same = Window2d::new([1, 1], Padding::Same);
    let depthwise = image
        .depthwise_conv2d(&filter, &same, DataFormat::Nhwc)
        .unwrap();
    let near = depthwise
        .resize(&[5, 5], ResizeMethod::NearestNeighbor)
        .unwrap();
    let loss = near
        .square()
        .unwrap()
        .reduce_sum(Axes::All, false)
        .unwrap()
        .add(&doubled[0].reduce_sum(Axes::All, false).unwrap())
        .unwrap();
    let grads = gradients(&[&loss], &[&image, &filter, x], None).unwrap();
    outs.extend(grads.into_iter().map(Option::unwrap));
    outs
}

fn model() -> (Graph, Output, Vec<Output>) {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [Some(2), Some(3)], "x").unwrap();
    let mut outs = array_ops(&g, &x);
    outs.extend(cnn_gradients(&g, &x));
    outs.extend(more_ops(&g, &x));
    (g, x, outs)
}

fn node<'a>(def: &'a GraphDef, op: &str) -> &'a NodeDef {
    def.node.iter().find(|n| n.op == op).unwrap()
}

fn node_named<'a>(def: &'a GraphDef, name: &str) -> &'a NodeDef {
    def.node.iter().find(|n| n.name == name).unwrap()
}

#[test]
fn constant_inputs_take_their_tf_positions() {
    let (g, _, _) = model();
    let def = g.to_graph_def().unwrap();
    let inputs = |op: &str| node(&def, op).input.clone();
    assert_eq!(inputs("ScatterNd"), ["rows", "GatherNd", "ScatterNd/shape"]);
    assert_eq!(inputs("Split"), ["split/split_dim", "x"]);
    assert_eq!(
        inputs("SplitV"),
        ["x", "split_1/size_splits", "split_1/split_dim"]
    );
    let ints = inputs("RandomUniformInt");
    assert_eq!(ints.len(), 3);
    assert!(ints[1].ends_with("/minval"), "{ints:?}");
    // TF's StridedSliceGrad takes the sliced tensor's shape.
    let grad = node(&def, "StridedSliceGrad");
    let shape = def.node.iter().find(|n| n.name == grad.input[0]).unwrap();
    assert_eq!((shape.op.as_str(), grad.input.len()), ("Shape", 5));
    for op in [
        "Conv2DBackpropInput",
        "Conv2DBackpropFilter",
        "AvgPoolGrad",
        "MaxPoolGrad",
        "ResizeBilinearGrad",
        "UnsortedSegmentSum",
    ] {
        assert!(def.node.iter().any(|n| n.op == op), "no {op}");
    }
}

#[test]
fn array_ops_with_constant_inputs_round_trip() {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [Some(2), Some(3)], "x").unwrap();
    let outs = array_ops(&g, &x);
    let copy = Graph::new();
    copy.import_graph_def(&g.to_graph_def().unwrap()).unwrap();
    let outs2: Vec<Output> = outs
        .iter()
        .map(|o| copy.get_tensor_by_name(&o.name()).unwrap())
        .collect();
    let x2 = copy.get_tensor_by_name("x:0").unwrap();
    let run = |g: &Graph, x: &Output, outs: &[Output]| {
        let fetches: Vec<&Output> = outs.iter().collect();
        Session::new(g).run(&fetches, &[(x, x_value())]).unwrap()
    };
    assert_eq!(run(&copy, &x2, &outs2), run(&g, &x, &outs));
}

/// Gradients of a broadcast on placeholders of unknown shape use run-time
/// axes (`BroadcastGradientArgs`, `Sum` and `Reshape` of computed tensors,
/// `Shape`): they import back and compute the same gradients.
#[test]
fn dynamic_broadcast_gradients_round_trip() {
    let g = Graph::new();
    let x = g
        .placeholder(DType::F32, PartialShape::unknown(), "x")
        .unwrap();
    let b = g.placeholder(DType::F32, [None], "b").unwrap();
    let y = x.mul(&b).unwrap().reduce_sum(Axes::All, false).unwrap();
    let grads = gradients(&[&y], &[&x, &b], None).unwrap();
    let outs: Vec<Output> = grads.into_iter().map(Option::unwrap).collect();
    let def = g.to_graph_def().unwrap();
    assert!(def.node.iter().any(|n| n.op == "BroadcastGradientArgs"));
    let copy = Graph::new();
    copy.import_graph_def(&def).unwrap();
    let feeds = [x_value(), Tensor::from([2.0f32, -1.0, 0.5])];
    let run = |g: &Graph| {
        let outs: Vec<Output> = outs
            .iter()
            .map(|o| g.get_tensor_by_name(&o.name()).unwrap())
            .collect();
        let fetches: Vec<&Output> = outs.iter().collect();
        let x = g.get_tensor_by_name("x:0").unwrap();
        let b = g.get_tensor_by_name("b:0").unwrap();
        let feed = [(&x, feeds[0].clone()), (&b, feeds[1].clone())];
        Session::new(g).run(&fetches, &feed).unwrap()
    };
    let want = run(&g);
    assert_eq!(want[1].to_vec::<f32>().unwrap(), vec![1.25, 1.0, -0.5]);
    assert_eq!(run(&copy), want);
}

#[test]
fn catalogue_graph_runs() {
    let (g, x, outs) = model();
    let fetches: Vec<&Output> = outs.iter().collect();
    let got = Session::new(&g).run(&fetches, &[(&x, x_value())]).unwrap();
    assert_eq!(got.len(), outs.len());
}

/// With FERROFLOW_INTEROP_DIR set, writes the graph and its values for
/// `tools/check_graph_interop.py --check DIR`.
#[test]
fn export_catalogue_for_tensorflow() {
    let Ok(dir) = std::env::var("FERROFLOW_INTEROP_DIR") else {
        return;
    };
    let (g, x, outs) = model();
    let fetches: Vec<&Output> = outs.iter().collect();
    let values = Session::new(&g).run(&fetches, &[(&x, x_value())]).unwrap();
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let def = g.to_graph_def().unwrap();
    std::fs::write(dir.join("ops.pb"), def.encode_to_vec()).unwrap();
    let outputs: serde_json::Map<String, serde_json::Value> = outs
        .iter()
        .zip(&values)
        .map(|(o, v)| (o.name(), v.to_f64_vec().unwrap().into()))
        .collect();
    let json = serde_json::json!({"x": x_value().to_f64_vec().unwrap(), "outputs": outputs});
    std::fs::write(dir.join("ops.json"), json.to_string()).unwrap();
}

/// A TF 2.21 graph with resource variables (`VarHandleOp`,
/// `AssignVariableOp`, `ReadVariableOp`, `VarIsInitializedOp`) imports
/// with session variables and computes TensorFlow's numbers.
#[test]
fn tf_resource_variable_graph_imports_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/saved_graphs");
    let bytes = std::fs::read(dir.join("tf_resource_graph.pb")).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("tf_resource_graph.json")).unwrap())
            .unwrap();
    let g = Graph::new();
    g.import_graph_def(&GraphDef::decode(bytes.as_slice()).unwrap())
        .unwrap();
    let sess = Session::new(&g);
    let initialized = g
        .get_tensor_by_name("w/IsInitialized/VarIsInitializedOp:0")
        .unwrap();
    assert_eq!(
        sess.run(&[&initialized], &[]).unwrap()[0],
        Tensor::scalar(false)
    );
    for name in expected["init"].as_array().unwrap() {
        let op = g.get_operation_by_name(name.as_str().unwrap()).unwrap();
        sess.run_targets(&[&op], &[], &[]).unwrap();
    }
    assert_eq!(
        sess.run(&[&initialized], &[]).unwrap()[0],
        Tensor::scalar(true)
    );
    // Exported again, the variables are TF1 ref variables.
    let again = g.to_graph_def().unwrap();
    let asked = node_named(&again, "w/IsInitialized/VarIsInitializedOp");
    assert_eq!(asked.op, "IsVariableInitialized");
    assert_eq!(asked.input, ["w"]);
    assert_eq!(node_named(&again, "w").op, "VariableV2");
    if let Ok(dir) = std::env::var("FERROFLOW_INTEROP_DIR") {
        // For `tools/check_graph_interop.py --check DIR`.
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("resource_again.pb"), again.encode_to_vec()).unwrap();
        std::fs::write(dir.join("resource_again.json"), expected.to_string()).unwrap();
    }
    let x = g.get_tensor_by_name("x:0").unwrap();
    let y = g
        .get_tensor_by_name(expected["output"].as_str().unwrap())
        .unwrap();
    let got = sess
        .run(&[&y], &[(&x, Tensor::from([[1.0f32, 2.0], [-3.0, 0.5]]))])
        .unwrap()[0]
        .to_f64_vec()
        .unwrap();
    let want: Vec<f64> = expected["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (a, b) in got.iter().zip(&want) {
        assert!((a - b).abs() < 1e-5, "{got:?} vs {want:?}");
    }
}

/// The whole catalogue graph (nn, image, random, linear-algebra ops, their
/// gradients, `IdentityN`) round-trips.
#[test]
fn catalogue_graph_round_trips_to_same_numbers() {
    let (g, x, outs) = model();
    assert_round_trip(&g, &[(&x, x_value())], &outs);
}

/// Exports `g`, imports it into a new graph, and checks that `outs` fed
/// `feeds` compute the same values there, and that the imported graph
/// exports the same (name, op type) nodes.
fn assert_round_trip(g: &Graph, feeds: &[(&Output, Tensor)], outs: &[Output]) {
    let def = g.to_graph_def().unwrap();
    let copy = Graph::new();
    let bytes = def.encode_to_vec();
    copy.import_graph_def(&GraphDef::decode(bytes.as_slice()).unwrap())
        .unwrap();
    let in_copy = |o: &Output| copy.get_tensor_by_name(&o.name()).unwrap();
    let run = |g: &Graph, feeds: &[(&Output, Tensor)], outs: &[Output]| {
        let fetches: Vec<&Output> = outs.iter().collect();
        Session::new(g).run(&fetches, feeds).unwrap()
    };
    let copied: Vec<Output> = feeds.iter().map(|(x, _)| in_copy(x)).collect();
    let copy_feeds: Vec<(&Output, Tensor)> = copied
        .iter()
        .zip(feeds)
        .map(|(x, (_, v))| (x, v.clone()))
        .collect();
    let outs2: Vec<Output> = outs.iter().map(in_copy).collect();
    let want = run(g, feeds, outs);
    let got = run(&copy, &copy_feeds, &outs2);
    for ((o, w), g) in outs.iter().zip(&want).zip(&got) {
        assert_eq!(g, w, "{}", o.name());
    }
    let nodes = |d: &GraphDef| {
        let mut v: Vec<(String, String)> = (d.node.iter())
            .map(|n| (n.name.clone(), n.op.clone()))
            .collect();
        v.sort();
        v
    };
    let (before, after) = (nodes(&def), nodes(&copy.to_graph_def().unwrap()));
    let missing: Vec<_> = before.iter().filter(|n| !after.contains(n)).collect();
    let added: Vec<_> = after.iter().filter(|n| !before.contains(n)).collect();
    assert_eq!(
        (missing, added.len()),
        (vec![], 0),
        "re-export adds {added:?}"
    );
}

/// The sum of every element of `outs`, as f32.
fn total(outs: &[Output]) -> Output {
    outs.iter()
        .map(|o| {
            o.cast(DType::F32)
                .unwrap()
                .reduce_sum(Axes::All, false)
                .unwrap()
        })
        .reduce(|a, b| a.add(&b).unwrap())
        .unwrap()
}

/// Every unary and binary element-wise op, comparisons and logic, and the
/// gradients of their sum with respect to both operands.
#[test]
fn elementwise_ops_and_gradients_round_trip() {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [Some(2), Some(3)], "x").unwrap();
    let y = g.placeholder(DType::F32, [Some(2), Some(3)], "y").unwrap();
    let mut outs = vec![
        x.neg(),
        y.abs(),
        y.sign(),
        y.square(),
        x.sqrt(),
        x.rsqrt(),
        x.exp(),
        x.log(),
        x.log1p(),
        y.sigmoid(),
        y.tanh(),
        y.relu(),
        y.relu6(),
        y.elu(),
        y.selu(),
        y.softplus(),
        y.leaky_relu(0.2),
        y.sin(),
        y.cos(),
        x.reciprocal(),
        y.round(),
        y.floor(),
        y.ceil(),
        x.add(&y),
        x.sub(&y),
        x.mul(&y),
        y.div(&x),
        y.floor_div(&x),
        y.floor_mod(&x),
        x.pow(&y),
        x.maximum(&y),
        x.minimum(&y),
        x.squared_difference(&y),
        y.clip_by_value(&x.neg().unwrap(), &x),
    ]
    .into_iter()
    .collect::<ferroflow_core::Result<Vec<_>>>()
    .unwrap();
    let (less, more) = (x.less(&y).unwrap(), x.greater(&y).unwrap());
    let logic = [
        x.less_equal(&y),
        x.greater_equal(&y),
        x.equal(&y),
        x.not_equal(&y),
        less.logical_and(&more),
        less.logical_or(&more),
        less.logical_not(),
    ];
    for b in logic {
        outs.push(b.unwrap().cast(DType::F32).unwrap());
    }
    outs.push(less.where_(&x, &y).unwrap());
    let grads = gradients(&[&total(&outs)], &[&x, &y], None).unwrap();
    outs.extend(grads.into_iter().map(Option::unwrap));
    let xv = Tensor::from([[0.5f32, 1.5, 2.0], [3.0, 0.25, 1.25]]);
    let yv = Tensor::from([[1.0f32, -2.0, 0.5], [2.0, 0.75, -1.5]]);
    assert_round_trip(&g, &[(&x, xv), (&y, yv)], &outs);
}

/// Array and shape ops whose TF forms take constant inputs, casts and
/// softmax, and the gradients of their sum.
#[test]
fn array_ops_and_gradients_round_trip() {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [Some(2), Some(3)], "x").unwrap();
    let ids = g.constant(Tensor::from([2i32, 0, 1]), "ids").unwrap();
    let on = g.constant(1.0f32, "on").unwrap();
    let off = g.constant(0.0f32, "off").unwrap();
    let one_hot = OneHot { depth: 4, axis: -1 };
    let nine = g.constant(9.0f32, "nine").unwrap();
    let fill = Fill {
        shape: Shape::from([2, 2]),
    };
    let range = Range {
        start: 1.0,
        limit: 7.0,
        delta: 2.0,
        dtype: DType::I32,
    };
    let pads = [(1, 0), (1, 1)];
    let outs = vec![
        concat(&[&x, &x.square().unwrap()], 1),
        stack(&[&x, &x.neg().unwrap()], 1),
        g.add_op1(one_hot, &[&ids, &on, &off], None),
        g.add_op1(fill, &[&nine], None),
        g.add_op1(range, &[], None),
        x.pad(&pads, PadMode::Constant, 2.5),
        x.pad(&pads, PadMode::Reflect, 0.0),
        x.pad(&pads, PadMode::Symmetric, 0.0),
        x.reshape(&[3, -1]),
        x.slice(&[0, 1], &[2, -1]),
        x.tile(&[2, 1]),
        x.transpose(&[1, 0]),
        x.expand_dims(0)
            .and_then(|e| e.broadcast_to(&Shape::from([2, 2, 3]))),
        x.expand_dims(1).and_then(|e| e.squeeze(&[1])),
        x.shape_tensor(),
        x.size_tensor(),
        x.rank_tensor(),
        x.cast(DType::I64),
        x.gather(&ids, 1, 0),
        x.identity(),
        x.stop_gradient(),
        x.zeros_like(),
        x.ones_like(),
        x.reverse(&[0]),
        x.softmax(),
        x.log_softmax(),
        x.matmul_t(&x, false, true),
    ]
    .into_iter()
    .collect::<ferroflow_core::Result<Vec<_>>>()
    .unwrap();
    let mut outs = outs;
    let grads = gradients(&[&total(&outs)], &[&x], None).unwrap();
    outs.extend(grads.into_iter().map(Option::unwrap));
    let xv = Tensor::from([[1.0f32, -2.0, 0.5], [0.25, 3.0, -1.0]]);
    assert_round_trip(&g, &[(&x, xv)], &outs);
}

/// Random ops whose shape is computed when the graph runs (dropout on a
/// batch of unknown size: `RandomUniform` of `Shape(x)`) round-trip.
#[test]
fn run_time_shaped_random_ops_round_trip() {
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [None, Some(3)], "x").unwrap();
    let y = x.dropout(0.5, None, Some(5), true).unwrap();
    let def = g.to_graph_def().unwrap();
    let uniform = node(&def, "RandomUniform");
    assert_eq!(node_named(&def, &uniform.input[0]).op, "Shape");
    assert_round_trip(&g, &[(&x, x_value())], &[y]);
}
