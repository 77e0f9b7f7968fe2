//! Keras layers inside TF1-style graphs: the same forward code as eager
//! calls, weights as graph variables named Keras's way, training with a
//! core graph optimizer in a `Session` (the seeds' CNN on Fashion-MNIST
//! with an unknown batch; a functional residual block), and graph == eager
//! for the same weights.

mod common;

use common::{floats, pattern};
use ferroflow_core::graph::{Graph, Output};
use ferroflow_core::optimizers::{Adam, Optimizer};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_io::datasets::fashion_mnist;
use ferroflow_keras::layers::{
    Activation, BatchNormalization, Concatenate, Conv2D, Dense, Dropout, Embedding, Flatten, Input,
    Lambda, Merge, Pooling2D, ReLU, Softmax,
};
use ferroflow_keras::{Functional, Layer, Model, Sequential, UPDATE_OPS};

/// 12 images of 6×6×1, each bright in one third of its rows; the label is
/// that third.
fn data() -> (Tensor, Tensor) {
    let (n, size) = (12, 6);
    let mut x = vec![0.0f32; n * size * size];
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let label = i % 3;
        for r in 0..size {
            for c in 0..size {
                let noise = ((i * 31 + r * 7 + c * 3) % 11) as f32 / 22.0;
                let bright = if r / 2 == label { 1.0 } else { 0.0 };
                x[(i * size + r) * size + c] = bright + noise;
            }
        }
        y.push(label as i32);
    }
    (
        Tensor::from_vec(x, [n, size, size, 1]).unwrap(),
        Tensor::from_vec(y, [n]).unwrap(),
    )
}

/// The seeds' CNN in small: conv → pool → batch norm → dense → dropout →
/// dense.
fn cnn() -> Sequential {
    Sequential::new(vec![
        Box::new(Conv2D::new(4, [3, 3]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(BatchNormalization::new()),
        Box::new(Flatten::new()),
        Box::new(Dense::new(8)),
        Box::new(ReLU::new()),
        Box::new(Dropout::new(0.2).seed(1)),
        Box::new(Dense::new(3)),
    ])
}

fn mean_loss(labels: &Output, logits: &Output) -> Output {
    sparse_softmax_cross_entropy_with_logits(labels, logits)
        .unwrap()
        .reduce_mean(Axes::All, false)
        .unwrap()
}

#[test]
fn sequential_trains_in_a_graph_session() {
    let (x, y) = data();
    let g = Graph::new();
    g.set_random_seed(Some(3));
    let px = g
        .placeholder(DType::F32, [Some(12), Some(6), Some(6), Some(1)], "x")
        .unwrap();
    let py = g.placeholder(DType::I32, [Some(12)], "y").unwrap();
    let mut model = cnn();
    let logits = model.call_graph(&px, true).unwrap();
    let loss = mean_loss(&py, &logits);
    let names: Vec<String> = g.trainable_variables().iter().map(|v| v.name()).collect();
    assert_eq!(
        names[..2],
        ["conv2d/kernel:0".to_string(), "conv2d/bias:0".to_string()]
    );
    // gamma and beta train; the moving averages do not.
    assert_eq!(names.len(), 8);
    assert_eq!(g.global_variables().len(), 10);
    assert_eq!(logits.op().name(), "dense_1/BiasAdd");
    let train = Adam::new(0.05).graph().minimize(&loss, None, None).unwrap();
    let updates: Vec<_> = g
        .get_collection(UPDATE_OPS, None)
        .into_iter()
        .map(|item| g.get_operation_by_name(&item.name()).unwrap())
        .collect();
    assert_eq!(updates.len(), 2);
    let session = Session::new(&g);
    let init = g.global_variables_initializer().unwrap();
    session.run_targets(&[&init], &[], &[]).unwrap();
    let mut targets = vec![&train];
    targets.extend(&updates);
    let feeds = [(&px, x.clone()), (&py, y.clone())];
    let losses: Vec<f32> = (0..40)
        .map(|_| {
            let out = session.run_targets(&targets, &[&loss], &feeds).unwrap();
            out[0].to_scalar::<f32>().unwrap()
        })
        .collect();
    let last: f32 = losses[35..].iter().sum::<f32>() / 5.0;
    assert!(last < 0.5 * losses[0], "losses {losses:?}");
    // The moving averages moved.
    let bn = &g.global_variables()[4];
    assert_eq!(bn.name(), "batch_normalization/moving_mean:0");
    let moving = session.run(&[bn.value()], &[]).unwrap().remove(0);
    assert!(moving.to_vec::<f32>().unwrap().iter().any(|&v| v != 0.0));
}

#[test]
fn graph_and_eager_outputs_agree_for_the_same_weights() {
    let (x, _) = data();
    let mut model = Sequential::new(vec![
        Box::new(Conv2D::new(3, [3, 3]).strides([2, 2]).activation("tanh")),
        Box::new(Pooling2D::average([2, 2]).padding("same")),
        Box::new(BatchNormalization::new().momentum(0.5)),
        Box::new(Flatten::new()),
        Box::new(Dense::new(4).activation("sigmoid")),
        Box::new(Activation::new("relu")),
        Box::new(Softmax::new()),
    ]);
    // Build eagerly, then make the graph: its variables start from the
    // eager weights.
    let eager_infer = model.call(&x, false).unwrap();
    let g = Graph::new();
    // (Pooling's shape rule keeps the spatial dims only for a known batch.)
    let px = g
        .placeholder(DType::F32, [Some(12), Some(6), Some(6), Some(1)], "x")
        .unwrap();
    let infer = model.call_graph(&px, false).unwrap();
    let train = model.call_graph(&px, true).unwrap();
    assert_eq!(train.static_shape().to_string(), "(12, 4)");
    let session = Session::new(&g);
    let init = g.global_variables_initializer().unwrap();
    session.run_targets(&[&init], &[], &[]).unwrap();
    let feeds = [(&px, x.clone())];
    let out = session.run(&[&infer], &feeds).unwrap();
    assert!(out[0].allclose(&eager_infer, 1e-6, 1e-6));
    // Training: batch statistics, and the moving averages' updates.
    let eager_train = model.call(&x, true).unwrap();
    let updates: Vec<_> = g
        .get_collection(UPDATE_OPS, None)
        .into_iter()
        .map(|item| g.get_operation_by_name(&item.name()).unwrap())
        .collect();
    let refs: Vec<_> = updates.iter().collect();
    let out = session.run_targets(&refs, &[&train], &feeds).unwrap();
    assert!(out[0].allclose(&eager_train, 1e-6, 1e-6));
    let bn = model.layers()[2].core().weights();
    let graph_bn = &g.global_variables()[2..6];
    for (eager, graph) in bn.iter().zip(graph_bn) {
        assert_eq!(eager.name(), graph.name());
        let value = session.run(&[graph.value()], &[]).unwrap().remove(0);
        assert!(
            value.allclose(&eager.value(), 1e-6, 1e-6),
            "{}",
            eager.name()
        );
    }
}

#[test]
fn frozen_layers_and_errors_in_graphs() {
    let g = Graph::new();
    let px = g.placeholder(DType::F32, [None, Some(5)], "x").unwrap();
    let mut frozen = Dense::new(2).name("frozen");
    frozen.build_once(&[None, Some(5)]).unwrap();
    frozen.core_mut().set_trainable(false);
    let y = frozen.apply_graph(&px, true).unwrap();
    assert_eq!(y.name(), "frozen/BiasAdd:0");
    assert!(g.trainable_variables().is_empty());
    assert_eq!(g.global_variables()[0].name(), "frozen/kernel:0");
    // A second call reuses the variables, with ops under a new scope.
    let again = frozen.apply_graph(&px, true).unwrap();
    assert_eq!(again.name(), "frozen_1/BiasAdd:0");
    assert_eq!(g.global_variables().len(), 2);

    let err = |r: ferroflow_core::Result<Output>| r.unwrap_err().to_string();
    let mut dense = Dense::new(2).name("dense_in_graph");
    let p3 = g
        .placeholder(DType::F32, [None, Some(4), Some(3)], "p3")
        .unwrap();
    dense.apply_graph(&p3, false).unwrap();
    assert_eq!(
        err(dense.apply_graph(&px, false)),
        "layer 'dense_in_graph': Input 0 of layer \"dense_in_graph\" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (?, 5)"
    );
    let ints = g.placeholder(DType::I32, [None, Some(5)], "ints").unwrap();
    assert_eq!(
        err(ReLU::new().apply_graph(&ints, false)),
        format!("layer 're_lu': expected a floating-point input, got dtype int32")
    );
    let mut lambda = Lambda::new(|x| x.relu());
    assert!(err(lambda.apply_graph(&px, false))
        .contains("a Lambda of a closure runs on eager tensors only"));
    // Merge layers want a list; a single-input layer wants one tensor.
    assert_eq!(
        err(Merge::add().apply_graph(&px, false)),
        "layer 'add': A merge layer should be called on a list of inputs."
    );
    let p4 = g.placeholder(DType::F32, [None, Some(4)], "p4").unwrap();
    assert_eq!(
        err(Merge::multiply().apply_graph_multi(&[&px, &p4], false)),
        "layer 'multiply': Inputs must have the same shape; got [None, Some(5)] and [None, Some(4)]"
    );
    assert_eq!(
        err(Dense::new(1)
            .name("single")
            .apply_graph_multi(&[&px, &px], false)),
        "layer 'single': expects 1 input, but it received 2 input tensors"
    );
}

#[test]
fn dropout_with_an_unknown_batch_draws_at_the_run_time_shape() {
    let x = Tensor::from_vec((1..=24).map(|v| v as f32).collect::<Vec<_>>(), [6, 4]).unwrap();
    // The same seeds with a known and an unknown batch: the same mask.
    let run = |batch: Option<usize>| {
        let g = Graph::new();
        g.set_random_seed(Some(5));
        let px = g.placeholder(DType::F32, [batch, Some(4)], "x").unwrap();
        let y = Dropout::new(0.5).seed(2).apply_graph(&px, true).unwrap();
        assert_eq!(y.static_shape().dims().unwrap()[1], Some(4));
        let session = Session::new(&g);
        let feeds = [(&px, x.clone())];
        let first = session.run(&[&y], &feeds).unwrap().remove(0);
        let second = session.run(&[&y], &feeds).unwrap().remove(0);
        (g, first, second)
    };
    let (g, dynamic, next) = run(None);
    let (_, known, known_next) = run(Some(6));
    assert!(g.get_operation_by_name("dropout/Shape").is_ok());
    assert_eq!(dynamic, known);
    assert_eq!(next, known_next);
    // TensorFlow's tf.nn.dropout on a [None, 4] placeholder, same seeds
    // (tools/make_graph_dropout_reference.py); each run draws a new mask.
    let tf_first = [
        0., 0., 6., 8., 0., 0., 0., 0., 0., 20., 22., 24., 26., 0., 30., 0., 34., 36., 0., 0., 0.,
        0., 0., 48.,
    ];
    let tf_second = [
        0., 4., 0., 0., 10., 12., 14., 16., 18., 0., 0., 0., 26., 0., 30., 32., 0., 0., 0., 40.,
        0., 0., 46., 0.,
    ];
    assert_eq!(dynamic.to_vec::<f32>().unwrap(), tf_first);
    assert_eq!(next.to_vec::<f32>().unwrap(), tf_second);
}

/// A residual block with two inputs and two outputs: `h = dense(a)`,
/// `r = a + h`, `m = r * b`, `out = dense(concat(r, m))`; outputs `out`, `r`.
fn residual_model() -> Functional {
    let mut m = Functional::new();
    let a = m.input(&[Some(4)]);
    let b = m.input(&[Some(4)]);
    let h = m
        .apply(Box::new(Dense::new(4).activation("tanh")), &[&a])
        .unwrap();
    let r = m.apply(Box::new(Merge::add()), &[&a, &h]).unwrap();
    let p = m.apply(Box::new(Merge::multiply()), &[&r, &b]).unwrap();
    let c = m.apply(Box::new(Concatenate::new(-1)), &[&r, &p]).unwrap();
    let out = m.apply(Box::new(Dense::new(3)), &[&c]).unwrap();
    m.set_outputs(&[&out, &r]).unwrap();
    m
}

#[test]
fn functional_residual_block_in_a_graph_equals_eager_and_trains() {
    let a = Tensor::from_vec(
        (0..32)
            .map(|v| ((v * 7) % 11) as f32 / 11.0 - 0.5)
            .collect::<Vec<_>>(),
        [8, 4],
    )
    .unwrap();
    let b = Tensor::from_vec(
        (0..32)
            .map(|v| ((v * 5) % 13) as f32 / 13.0)
            .collect::<Vec<_>>(),
        [8, 4],
    )
    .unwrap();
    let labels = Tensor::from_vec((0..8).map(|i| i % 3).collect::<Vec<i32>>(), [8]).unwrap();
    let mut model = residual_model();
    let eager = model.call_multi(&[&a, &b], false).unwrap();

    let g = Graph::new();
    let pa = g.placeholder(DType::F32, [None, Some(4)], "a").unwrap();
    let pb = g.placeholder(DType::F32, [None, Some(4)], "b").unwrap();
    let py = g.placeholder(DType::I32, [None], "y").unwrap();
    let outs = model.call_graph(&[&pa, &pb], true).unwrap();
    assert_eq!(outs.len(), 2);
    assert_eq!(outs[0].static_shape().to_string(), "(?, 3)");
    assert_eq!(outs[1].static_shape().to_string(), "(?, 4)");
    let concat = g.get_operation_by_name("concatenate/concat").unwrap();
    assert_eq!(
        concat.output(0).unwrap().static_shape().to_string(),
        "(?, 8)"
    );
    assert_eq!(g.trainable_variables().len(), 4);
    assert_eq!(
        outs[1].name(),
        format!("{}/Add:0", model.layers()[3].core().name())
    );
    let loss = mean_loss(&py, &outs[0]);
    let train = Adam::new(0.05).graph().minimize(&loss, None, None).unwrap();
    let session = Session::new(&g);
    let init = g.global_variables_initializer().unwrap();
    session.run_targets(&[&init], &[], &[]).unwrap();
    let feeds = [(&pa, a.clone()), (&pb, b.clone()), (&py, labels)];
    let graph = session.run(&[&outs[0], &outs[1]], &feeds[..2]).unwrap();
    for (g_out, e_out) in graph.iter().zip(&eager) {
        assert!(g_out.allclose(e_out, 1e-6, 1e-6));
    }
    let losses: Vec<f32> = (0..30)
        .map(|_| {
            let out = session.run_targets(&[&train], &[&loss], &feeds).unwrap();
            out[0].to_scalar::<f32>().unwrap()
        })
        .collect();
    assert!(losses[29] < 0.5 * losses[0], "losses {losses:?}");
}

#[test]
fn shape_layers_in_graphs_equal_eager() {
    use ferroflow_keras::layers::{
        GlobalPooling2D, LambdaFunction, Permute, Reshape, ZeroPadding2D,
    };
    /// `x² - x`, eager or in a graph.
    struct SquareMinus;
    impl LambdaFunction for SquareMinus {
        fn call<H: ferroflow_keras::LayerTensor>(&self, x: &H) -> ferroflow_core::Result<H> {
            x.square()?.sub(x)
        }
    }
    let x = Tensor::from_vec(
        (0..48).map(|v| v as f32 / 7.0).collect::<Vec<_>>(),
        [2, 3, 4, 2],
    )
    .unwrap();
    let mut model = Sequential::new(vec![
        Box::new(ZeroPadding2D::new([(1, 0), (0, 2)])),
        Box::new(Permute::new(&[2, 1, 3])),
        Box::new(GlobalPooling2D::max()),
        Box::new(Reshape::new(&[1, 2])),
        Box::new(Lambda::generic(SquareMinus)),
    ]);
    let eager = model.call(&x, false).unwrap();
    assert_eq!(eager.dims(), &[2, 1, 2]);
    let g = Graph::new();
    let px = g
        .placeholder(DType::F32, [None, Some(3), Some(4), Some(2)], "x")
        .unwrap();
    let y = model.call_graph(&px, false).unwrap();
    assert_eq!(y.static_shape().to_string(), "(?, 1, 2)");
    let out = Session::new(&g).run(&[&y], &[(&px, x)]).unwrap();
    assert_eq!(out[0], eager);

    // Integer ids through Input and Embedding.
    let ids = Tensor::from_vec(vec![1i32, 4, 9, 0, 0, 2], [2, 3]).unwrap();
    let mut model = Sequential::new(vec![
        Box::new(Input::new(&[Some(3)])),
        Box::new(Embedding::new(10, 2)),
        Box::new(Flatten::new()),
        Box::new(Dense::new(1)),
    ]);
    let eager = model.call(&ids, false).unwrap();
    let pids = g.placeholder(DType::I32, [None, Some(3)], "ids").unwrap();
    let y = model.call_graph(&pids, false).unwrap();
    let session = Session::new(&g);
    let init = g.global_variables_initializer().unwrap();
    session.run_targets(&[&init], &[], &[]).unwrap();
    let out = session.run(&[&y], &[(&pids, ids)]).unwrap();
    assert!(out[0].allclose(&eager, 1e-6, 1e-6));
    let wrong = g.placeholder(DType::I32, [None, Some(4)], "wrong").unwrap();
    assert_eq!(
        model.call_graph(&wrong, false).unwrap_err().to_string(),
        "layer 'input': expected examples of shape [Some(3)] (batch first), got (?, 4)"
    );
}

/// conv 32 5×5 → pool → conv 64 5×5 → pool → flatten → dense 1024 →
/// dropout 0.5 → dense 10.
fn seeds_cnn() -> Sequential {
    Sequential::new(vec![
        Box::new(Conv2D::new(32, [5, 5]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(Conv2D::new(64, [5, 5]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(Flatten::new()),
        Box::new(Dense::new(1024).activation("relu")),
        Box::new(Dropout::new(0.5).seed(7)),
        Box::new(Dense::new(10)),
    ])
}

/// Examples `lo..lo + n` of the embedded test split: images in `[0, 1]` as
/// `[n, 28, 28, 1]`, labels int32.
fn batch(lo: usize, n: usize) -> (Tensor, Tensor) {
    let data = fashion_mnist::embedded_test().unwrap();
    let pixels = &data.images.as_slice::<u8>().unwrap()[lo * 784..(lo + n) * 784];
    let images = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    let labels = data.labels.as_slice::<u8>().unwrap()[lo..lo + n]
        .iter()
        .map(|&l| i32::from(l))
        .collect();
    (
        Tensor::from_vec(images, [n, 28, 28, 1]).unwrap(),
        Tensor::from_vec(labels, [n]).unwrap(),
    )
}

#[test]
fn seeds_cnn_trains_in_a_session_with_an_unknown_batch() {
    let g = Graph::new();
    g.set_random_seed(Some(1));
    let x = g
        .placeholder(DType::F32, [None, Some(28), Some(28), Some(1)], "x")
        .unwrap();
    let y = g.placeholder(DType::I32, [None], "y").unwrap();
    let mut model = seeds_cnn();
    let logits = model.call_graph(&x, true).unwrap();
    assert_eq!(logits.static_shape().to_string(), "(?, 10)");
    // The same variables, in inference mode (dropout off), for evaluation.
    let eval_logits = model.call_graph(&x, false).unwrap();
    assert_eq!(g.trainable_variables().len(), 8);
    let loss = mean_loss(&y, &logits);
    let eval_loss = mean_loss(&y, &eval_logits);
    let train = Adam::new(1e-3).graph().minimize(&loss, None, None).unwrap();
    let session = Session::new(&g);
    let init = g.global_variables_initializer().unwrap();
    session.run_targets(&[&init], &[], &[]).unwrap();

    // Training batches of 16 and a held-out batch of 32 (a different batch
    // size through the same placeholder).
    let (held_x, held_y) = batch(9000, 32);
    let held = [(&x, held_x), (&y, held_y)];
    let before = session.run(&[&eval_loss], &held).unwrap()[0]
        .to_scalar::<f32>()
        .unwrap();
    for step in 0..8 {
        let (bx, by) = batch(step * 16, 16);
        let out = session
            .run_targets(&[&train], &[&loss], &[(&x, bx), (&y, by)])
            .unwrap();
        assert!(out[0].to_scalar::<f32>().unwrap().is_finite());
    }
    let after = session.run(&[&eval_loss], &held).unwrap()[0]
        .to_scalar::<f32>()
        .unwrap();
    assert!(
        after < 0.8 * before,
        "held-out loss {before} before training, {after} after"
    );
}

/// `tf.compat.v1.layers` against TensorFlow 2.21 (tools/make_v1_layers_fixtures.py):
/// variable and tensor names (unique default scopes, a named layer shared
/// through `variable_scope(reuse=True)`), values for the same weights,
/// the REGULARIZATION_LOSSES collection and its total, UPDATE_OPS.
#[test]
fn v1_layers_match_tensorflow() {
    use ferroflow_core::graph::losses::get_regularization_loss;
    use ferroflow_core::graph::{Reuse, REGULARIZATION_LOSSES};
    use ferroflow_keras::{v1_layers, Regularizer};
    let f: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/v1_layers.json")).unwrap();
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [None, Some(4)], "x").unwrap();
    let img = g
        .placeholder(DType::F32, [None, Some(6), Some(6), Some(1)], "img")
        .unwrap();
    let h = v1_layers::dense(
        &x,
        Dense::new(3)
            .activation("relu")
            .kernel_regularizer(Regularizer::l2(0.01))
            .activity_regularizer(Regularizer::l1(0.5)),
    )
    .unwrap();
    let out = {
        let _q = g.variable_scope("q", Reuse::Inherit);
        v1_layers::dense(&h, Dense::new(2).name("out")).unwrap()
    };
    let shared = {
        let _q = g.variable_scope("q", Reuse::Reuse);
        v1_layers::dense(&h, Dense::new(2).name("out")).unwrap()
    };
    let second = v1_layers::dense(&x, Dense::new(2)).unwrap();
    let conv = v1_layers::conv2d(
        &img,
        Conv2D::new(2, [3, 3])
            .padding("same")
            .activation("relu")
            .kernel_regularizer(Regularizer::l2(0.05)),
    )
    .unwrap();
    let pool = v1_layers::max_pooling2d(&conv, [2, 2], [2, 2]).unwrap();
    let flat = v1_layers::flatten(&pool).unwrap();
    let dropped = v1_layers::dropout(&flat, Dropout::new(0.5), false).unwrap();
    let bn = v1_layers::batch_normalization(&h, BatchNormalization::new(), true).unwrap();
    let reg = get_regularization_loss(&g, None, None).unwrap();

    let names = |vars: Vec<ferroflow_core::GraphVariable>| -> Vec<String> {
        vars.iter().map(|v| v.name()).collect()
    };
    let expected = |key: &str| -> Vec<String> {
        f[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(g.global_variables()), expected("global_variables"));
    assert_eq!(
        names(g.trainable_variables()),
        expected("trainable_variables")
    );
    // The weight penalties' ops sit under `<variable>/Regularizer/`, as
    // TensorFlow's (the activity penalty's inner names differ).
    let collected: Vec<String> = g
        .get_collection(REGULARIZATION_LOSSES, None)
        .iter()
        .map(|l| l.name())
        .collect();
    let expected_losses = expected("regularization_losses");
    assert_eq!(collected.len(), expected_losses.len());
    for (ours, theirs) in collected.iter().zip(&expected_losses) {
        if let Some(scope) = theirs.split_once("/Regularizer/").map(|(v, _)| v) {
            assert!(
                ours.starts_with(&format!("{scope}/Regularizer/")),
                "{ours} vs {theirs}"
            );
        }
    }
    assert_eq!(g.get_collection(UPDATE_OPS, None).len(), 2);

    // The fixture's weights, then its inputs.
    let session = Session::new(&g);
    session
        .run_targets(&[&g.global_variables_initializer().unwrap()], &[], &[])
        .unwrap();
    for (j, v) in g.global_variables().iter().enumerate() {
        if v.name().contains("moving_") {
            continue;
        }
        let dims = v.shape().dims().to_vec();
        let n = dims.iter().product();
        let value = Tensor::from_vec(pattern(n, 7, 3 * j, 13, 13.0, 0.4), dims).unwrap();
        let assign = v.assign(&g.constant(value, "load").unwrap()).unwrap();
        session.run(&[&assign], &[]).unwrap();
    }
    let feeds = [
        (
            &x,
            Tensor::from_vec(pattern(12, 5, 0, 9, 9.0, 0.3), [3, 4]).unwrap(),
        ),
        (
            &img,
            Tensor::from_vec(pattern(72, 3, 0, 7, 7.0, 0.2), [2, 6, 6, 1]).unwrap(),
        ),
    ];
    let outputs = [
        ("h", &h),
        ("out", &out),
        ("shared", &shared),
        ("second", &second),
        ("conv", &conv),
        ("pool", &pool),
        ("flat", &flat),
        ("dropped", &dropped),
        ("bn", &bn),
    ];
    let fetches: Vec<&Output> = outputs.iter().map(|(_, t)| *t).collect();
    let values = session.run(&fetches, &feeds).unwrap();
    for ((key, tensor), value) in outputs.iter().zip(&values) {
        let want = &f["outputs"][*key];
        if !matches!(*key, "dropped" | "bn") {
            // Inside a layer our op names can differ: Dropout writes no
            // Identity node at inference; batch normalization's arithmetic
            // is not under `batchnorm/`.
            assert_eq!(tensor.name(), want["name"].as_str().unwrap(), "{key}");
        }
        let want = floats(&want["value"]);
        let got = value.to_vec::<f32>().unwrap();
        assert_eq!(got.len(), want.len(), "{key}");
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-4, "{key}: {got:?} vs {want:?}");
        }
    }
    let total = session.run(&[&reg], &feeds).unwrap()[0]
        .to_scalar::<f32>()
        .unwrap();
    let want = f["regularization_loss"].as_f64().unwrap() as f32;
    assert!((total - want).abs() < 1e-5, "{total} vs {want}");
}

/// TF1's scoping rules for layer calls (as TensorFlow 2.21 does them):
/// a default-named layer inside a name scope puts its ops there but numbers
/// its variable scope among variable scopes; creating a named layer's
/// variables twice without reuse is TensorFlow's error.
#[test]
fn v1_layers_scope_like_tensorflow() {
    use ferroflow_core::graph::Reuse;
    use ferroflow_keras::v1_layers;
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [None, Some(4)], "x").unwrap();
    v1_layers::dense(&x, Dense::new(2)).unwrap();
    let inner = {
        let _ns = g.name_scope("ns");
        v1_layers::dense(&x, Dense::new(2)).unwrap()
    };
    assert_eq!(inner.name(), "ns/dense/BiasAdd:0");
    assert_eq!(g.global_variables()[2].name(), "dense_1/kernel:0");
    let twice = || {
        let _q = g.variable_scope("q", Reuse::Inherit);
        v1_layers::dense(&x, Dense::new(2).name("out"))
    };
    twice().unwrap();
    let message = twice().unwrap_err().to_string();
    assert!(
        message.contains("Variable q/out/kernel already exists, disallowed"),
        "{message}"
    );
    let img = g
        .placeholder(DType::F32, [None, Some(6), Some(6), Some(2)], "img")
        .unwrap();
    let pooled = v1_layers::average_pooling2d(&img, [3, 3], [3, 3]).unwrap();
    assert_eq!(pooled.name(), "average_pooling2d/AvgPool:0");
    assert_eq!(pooled.static_shape().to_string(), "(?, 2, 2, 2)");
}
