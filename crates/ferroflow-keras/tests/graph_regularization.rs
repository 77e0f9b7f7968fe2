//! Keras regularizers and added losses in TF1-style graphs: the penalties
//! of a graph-built model (`model.losses`) named and valued as
//! TensorFlow's, training `loss + add_n(model.losses)` with a graph
//! optimizer step for step as TensorFlow, and the `REGULARIZATION_LOSSES`
//! collection with `get_regularization_loss`.

mod common;

use common::{floats, pattern};
use ferroflow_core::graph::losses::{get_regularization_loss, get_regularization_losses};
use ferroflow_core::graph::{Graph, Output, REGULARIZATION_LOSSES};
use ferroflow_core::optimizers::{GradientDescent, Optimizer};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_keras::layers::{Conv2D, Dense, Flatten};
use ferroflow_keras::{Functional, Layer, LayerCore, LayerTensor, Model, Regularizer, Sequential};
use serde_json::Value;

/// `tools/make_graph_regularization_fixtures.py`'s output.
fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/graph_regularization.json")).unwrap()
}

/// The fixture's model: conv2d (L2 0.05 kernel) → flatten → dense (L2 0.01
/// kernel, L1 0.1 bias) → dense_1 (L1L2 0.01/0.02 kernel), with the
/// script's weights, or with no regularizers when `regularized` is false.
fn model(regularized: bool) -> Sequential {
    let reg = |r| regularized.then_some(r);
    let mut conv = Conv2D::new(2, [3, 3]);
    if let Some(r) = reg(Regularizer::l2(0.05)) {
        conv = conv.kernel_regularizer(r);
    }
    conv.core_mut().set_name("conv2d");
    let mut flatten = Flatten::new();
    flatten.core_mut().set_name("flatten");
    let mut dense = Dense::new(3).name("dense");
    let mut dense_1 = Dense::new(2).name("dense_1");
    if regularized {
        dense = dense
            .kernel_regularizer(Regularizer::l2(0.01))
            .bias_regularizer(Regularizer::l1(0.1));
        dense_1 = dense_1.kernel_regularizer(Regularizer::l1_l2(0.01, 0.02));
    }
    let mut m = Sequential::new(vec![
        Box::new(conv),
        Box::new(flatten),
        Box::new(dense),
        Box::new(dense_1),
    ]);
    m.build(&[None, Some(4), Some(4), Some(1)]).unwrap();
    for (j, w) in m.trainable_variables().iter().enumerate() {
        let shape = w.shape();
        let values = pattern(shape.num_elements(), 7, 3 * j, 13, 13.0, 0.4);
        w.assign(&Tensor::from_vec(values, shape.dims().to_vec()).unwrap())
            .unwrap();
    }
    m
}

/// The fixture's input `[5, 4, 4, 1]` and target `[5, 2]`.
fn data() -> (Tensor, Tensor) {
    (
        Tensor::from_vec(pattern(80, 5, 0, 9, 9.0, 0.3), [5, 4, 4, 1]).unwrap(),
        Tensor::from_vec(pattern(10, 3, 0, 7, 7.0, 0.0), [5, 2]).unwrap(),
    )
}

/// `model` called on placeholders `x`, `t` in a new graph, with the mean
/// squared error, plus the model's penalties when `with_penalties`.
struct GraphModel {
    g: Graph,
    x: Output,
    t: Output,
    loss: Output,
}

fn graph_model(model: &mut Sequential, with_penalties: bool) -> GraphModel {
    let g = Graph::new();
    let x = g
        .placeholder(DType::F32, [None, Some(4), Some(4), Some(1)], "x")
        .unwrap();
    let t = g.placeholder(DType::F32, [None, Some(2)], "t").unwrap();
    let y = model.call_graph(&x, true).unwrap();
    let mut loss = y
        .sub(&t)
        .unwrap()
        .square()
        .unwrap()
        .reduce_mean(Axes::All, false)
        .unwrap();
    if with_penalties {
        for penalty in model.graph_losses(&g).unwrap() {
            loss = loss.add(&penalty).unwrap();
        }
    }
    GraphModel { g, x, t, loss }
}

/// A session on `g` with its variables initialized.
fn session(g: &Graph) -> Session {
    let session = Session::new(g);
    let init = g.global_variables_initializer().unwrap();
    session.run_targets(&[&init], &[], &[]).unwrap();
    session
}

/// Trains `m` for `steps` steps of gradient descent (0.1), returning the
/// loss before each step.
fn train(m: &GraphModel, session: &Session, steps: usize) -> Vec<f32> {
    let op = GradientDescent::new(0.1)
        .graph()
        .minimize(&m.loss, None, None)
        .unwrap();
    let (x, t) = data();
    let feeds = [(&m.x, x), (&m.t, t)];
    (0..steps)
        .map(|_| {
            let loss = session.run(&[&m.loss], &feeds).unwrap()[0]
                .to_scalar::<f32>()
                .unwrap();
            session.run_targets(&[&op], &[], &feeds).unwrap();
            loss
        })
        .collect()
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn graph_penalties_match_tensorflow_and_the_eager_ones() {
    let tf = fixture();
    let mut model = model(true);
    let eager: Vec<f32> = model
        .losses()
        .unwrap()
        .iter()
        .map(|l| l.to_scalar::<f32>().unwrap())
        .collect();
    let m = graph_model(&mut model, false);
    let losses = model.graph_losses(&m.g).unwrap();
    let expected = tf["losses"].as_array().unwrap();
    assert_eq!(losses.len(), expected.len());
    let values: Vec<f32> = session(&m.g)
        .run(&losses.iter().collect::<Vec<_>>(), &[])
        .unwrap()
        .iter()
        .map(|v| v.to_scalar::<f32>().unwrap())
        .collect();
    for ((loss, value), tf_loss) in losses.iter().zip(&values).zip(expected) {
        // The same scope (`dense_1/kernel/Regularizer/`); the op inside is
        // `Mul`/`Add` where TF's Python operators name it `mul`/`add_1`.
        let tf_name = tf_loss["name"].as_str().unwrap();
        let scope = |name: &str| name.rsplit_once('/').unwrap().0.to_string();
        assert_eq!(scope(&loss.name()), scope(tf_name));
        let tf_value = tf_loss["value"].as_f64().unwrap() as f32;
        assert!((value - tf_value).abs() <= 1e-6 * tf_value, "{tf_name}");
    }
    assert!(close(&values, &eager, 1e-7), "{values:?} vs {eager:?}");
    // Asking again gives the same tensors, not new ops.
    let again = model.graph_losses(&m.g).unwrap();
    assert_eq!(again[3].name(), losses[3].name());
    // Keras layers leave the TF1 collection empty, as in TensorFlow.
    assert_eq!(tf["collection"], 0);
    assert!(get_regularization_losses(&m.g, None).is_empty());
    // A graph the model was never called in has none.
    assert!(model.graph_losses(&Graph::new()).unwrap().is_empty());
}

#[test]
fn training_with_the_penalties_follows_tensorflow() {
    let tf = fixture();
    let mut model = model(true);
    let m = graph_model(&mut model, true);
    let session = session(&m.g);
    let steps = train(&m, &session, 3);
    assert!(close(&steps, &floats(&tf["steps"]), 2e-6), "{steps:?}");
    for var in m.g.trainable_variables() {
        let value = session.run(&[var.value()], &[]).unwrap().remove(0);
        let expected = floats(&tf["weights"][var.name().as_str()]);
        assert!(
            close(&value.to_vec::<f32>().unwrap(), &expected, 1e-6),
            "{}",
            var.name()
        );
    }
}

#[test]
fn penalties_shrink_the_weights() {
    let sum_of_squares = |regularized: bool| {
        let mut model = model(regularized);
        let m = graph_model(&mut model, true);
        let session = session(&m.g);
        train(&m, &session, 20);
        m.g.trainable_variables()
            .iter()
            .filter(|v| v.name().ends_with("kernel:0"))
            .map(|v| {
                let w = session.run(&[v.value()], &[]).unwrap().remove(0);
                w.to_vec::<f32>()
                    .unwrap()
                    .iter()
                    .map(|x| x * x)
                    .sum::<f32>()
            })
            .collect::<Vec<_>>()
    };
    let (plain, penalized) = (sum_of_squares(false), sum_of_squares(true));
    for (p, r) in plain.iter().zip(&penalized) {
        assert!(r < p, "kernels' sums of squares {penalized:?} vs {plain:?}");
    }
}

/// A layer that adds `sum(x)` as a loss in both modes, its forward pass
/// written once.
struct ActivitySum {
    core: LayerCore,
}

impl ActivitySum {
    fn forward<H: LayerTensor>(&self, x: &H) -> ferroflow_core::Result<H> {
        self.core.add_loss(x.reduce_sum(Axes::All, false)?);
        Ok(x.clone())
    }
}

impl Layer for ActivitySum {
    fn core(&self) -> &LayerCore {
        &self.core
    }
    fn core_mut(&mut self) -> &mut LayerCore {
        &mut self.core
    }
    fn class_name(&self) -> &'static str {
        "ActivitySum"
    }
    fn build(
        &mut self,
        input_shape: &[Option<usize>],
    ) -> ferroflow_core::Result<Vec<Option<usize>>> {
        Ok(input_shape.to_vec())
    }
    fn call(&self, x: &Tensor, _training: bool) -> ferroflow_core::Result<Tensor> {
        self.forward(x)
    }
    fn call_graph(&self, x: &Output, _training: bool) -> ferroflow_core::Result<Output> {
        self.forward(x)
    }
}

#[test]
fn added_losses_in_graph_calls_and_the_collection() {
    let mut model = Sequential::new(vec![
        Box::new(
            Dense::new(2)
                .name("d")
                .kernel_initializer(ferroflow_core::initializers::Initializer::Ones)
                .kernel_regularizer(Regularizer::l2(0.5)),
        ),
        Box::new(ActivitySum {
            core: LayerCore::new("activity"),
        }),
    ]);
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [None, Some(3)], "x").unwrap();
    model.call_graph(&x, true).unwrap();
    // The penalty, then the added loss; each graph call adds one more.
    let losses = model.graph_losses(&g).unwrap();
    assert_eq!(losses.len(), 2);
    assert_eq!(losses[1].name(), "activity/Sum:0");
    model.call_graph(&x, false).unwrap();
    assert_eq!(model.graph_losses(&g).unwrap().len(), 3);
    // Eager calls keep their own losses: the penalty and one added loss.
    let eager = model
        .call(&Tensor::from_vec(vec![1.0f32; 3], [1, 3]).unwrap(), true)
        .unwrap();
    assert_eq!(eager.to_vec::<f32>().unwrap(), vec![3.0, 3.0]);
    let eager_losses: Vec<f32> = model
        .losses()
        .unwrap()
        .iter()
        .map(|l| l.to_scalar::<f32>().unwrap())
        .collect();
    assert_eq!(eager_losses, vec![3.0, 6.0]);

    // A TF1 program may collect the penalties itself; the total sums them.
    for penalty in &losses[..1] {
        g.add_to_collection(REGULARIZATION_LOSSES, penalty.clone());
    }
    let total = get_regularization_loss(&g, None, None).unwrap();
    assert_eq!(total.name(), "total_regularization_loss:0");
    assert_eq!(total.op().op_type(), "Identity");
    g.add_to_collection(REGULARIZATION_LOSSES, g.constant(0.25f32, "extra").unwrap());
    let total = get_regularization_loss(&g, None, Some("reg")).unwrap();
    assert_eq!(total.op().op_type(), "AddN");
    assert_eq!(get_regularization_losses(&g, Some("d/")).len(), 1);
    let value = session(&g).run(&[&total], &[]).unwrap()[0]
        .to_scalar::<f32>()
        .unwrap();
    assert_eq!(value, 3.25);
}

#[test]
fn functional_models_collect_their_layers_graph_losses() {
    let mut m = Functional::new();
    let a = m.input(&[Some(3)]);
    let h = m
        .apply(
            Box::new(Dense::new(2).kernel_regularizer(Regularizer::l1(0.1))),
            &[&a],
        )
        .unwrap();
    let out = m
        .apply(
            Box::new(Dense::new(1).bias_regularizer(Regularizer::l2(0.1))),
            &[&h],
        )
        .unwrap();
    m.set_outputs(&[&out]).unwrap();
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [None, Some(3)], "x").unwrap();
    m.call_graph(&[&x], false).unwrap();
    let names: Vec<String> = m
        .graph_losses(&g)
        .unwrap()
        .iter()
        .map(|l| l.name())
        .collect();
    let layers: Vec<String> = m.layers()[1..]
        .iter()
        .map(|l| l.core().name().to_string())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names[0].starts_with(&format!("{}/kernel/Regularizer/", layers[0])));
    assert!(names[1].starts_with(&format!("{}/bias/Regularizer/", layers[1])));
}
