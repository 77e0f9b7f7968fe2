//! Layers: Keras's parameter counts (TF 2.21, tests/fixtures/keras.json),
//! weight names, freezing, regularizers, added losses/metrics (eager and in
//! graphs), and errors
//! naming the layer on bad input.

use ferroflow_core::graph::{Graph, Output};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_keras::layers::{self, *};
use ferroflow_keras::{Layer, LayerCore, LayerTensor, Model, Regularizer, Sequential};

fn params(name: &str) -> usize {
    let f: serde_json::Value = serde_json::from_str(include_str!("fixtures/keras.json")).unwrap();
    f["params"][name].as_u64().unwrap() as usize
}

fn mlp() -> Sequential {
    Sequential::new(vec![
        Box::new(Flatten::new()),
        Box::new(Dense::new(300).activation("relu")),
        Box::new(Dense::new(10)),
    ])
}

#[test]
fn parameter_counts_match_keras() {
    let mut m = mlp();
    m.build(&[None, Some(28), Some(28)]).unwrap();
    assert_eq!(m.count_params(), params("mlp"));

    let mut conv = Sequential::new(vec![Box::new(Conv2D::new(200, [5, 5]))]);
    conv.build(&[None, Some(32), Some(32), Some(3)]).unwrap();
    assert_eq!(conv.count_params(), params("conv200"));

    let mut cnn = Sequential::new(vec![
        Box::new(Conv2D::new(32, [5, 5]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(Conv2D::new(64, [5, 5]).padding("same").activation("relu")),
        Box::new(Pooling2D::max([2, 2])),
        Box::new(Flatten::new()),
        Box::new(Dense::new(1024).activation("relu")),
        Box::new(Dropout::new(0.4)),
        Box::new(Dense::new(10)),
    ]);
    let out = cnn.build(&[None, Some(28), Some(28), Some(1)]).unwrap();
    assert_eq!(out, vec![None, Some(10)]);
    assert_eq!(cnn.count_params(), params("cnn"));
    let y = cnn
        .call(&Tensor::zeros(DType::F32, [2, 28, 28, 1]).unwrap(), false)
        .unwrap();
    assert_eq!(y.dims(), &[2, 10]);
}

#[test]
fn summary_prints_keras_table() {
    let mut m = mlp();
    m.build(&[None, Some(28), Some(28)]).unwrap();
    let s = m.summary();
    assert!(s.contains("Layer (type)"), "{s}");
    assert!(s.contains("(Dense)"), "{s}");
    assert!(s.contains("(None, 784)"), "{s}");
    assert!(s.contains("235500"), "{s}");
    assert!(s.contains("Total params: 238,510"), "{s}");
    assert!(s.contains("Trainable params: 238,510"), "{s}");
    assert!(s.contains("Non-trainable params: 0"), "{s}");
}

#[test]
fn weights_have_keras_names_and_unique_layer_names() {
    let mut a = Dense::new(2).name("probe");
    let mut b = Dense::new(2).name("probe_1");
    let x = Tensor::from_vec(vec![1.0f32; 6], [2, 3]).unwrap();
    a.apply(&x, false).unwrap();
    b.apply(&x, false).unwrap();
    let names: Vec<String> = a
        .core()
        .weights()
        .iter()
        .map(|w| w.name().to_string())
        .collect();
    assert_eq!(names, vec!["probe/kernel:0", "probe/bias:0"]);
    let c1 = LayerCore::new("unique_probe");
    let c2 = LayerCore::new("unique_probe");
    assert_eq!((c1.name(), c2.name()), ("unique_probe", "unique_probe_1"));
    // Keras defaults: zero bias, glorot-uniform kernel within its limit.
    let bias = a.core().weights()[1].value().to_vec::<f32>().unwrap();
    assert_eq!(bias, vec![0.0, 0.0]);
    let limit = (6.0f32 / 5.0).sqrt();
    assert!(a.core().weights()[0]
        .value()
        .to_vec::<f32>()
        .unwrap()
        .iter()
        .all(|v| v.abs() <= limit));
}

#[test]
fn frozen_layers_have_no_trainable_weights() {
    let mut m = mlp();
    m.build(&[None, Some(28), Some(28)]).unwrap();
    m.layer_mut(1).unwrap().core_mut().set_trainable(false);
    assert_eq!(m.trainable_variables().len(), 2);
    assert_eq!(m.non_trainable_variables().len(), 2);
    assert!(m.summary().contains("Non-trainable params: 235,500"));
    assert!(m.layer_mut(7).is_err());
}

#[test]
fn regularizers_add_losses() {
    let mut d = Dense::new(2)
        .kernel_initializer(ferroflow_core::initializers::Initializer::Ones)
        .kernel_regularizer(Regularizer::l2(0.5))
        .bias_regularizer(Regularizer::l1(1.0));
    d.apply(&Tensor::from_vec(vec![1.0f32; 3], [1, 3]).unwrap(), false)
        .unwrap();
    let losses = d.core().losses().unwrap();
    let values: Vec<f32> = losses
        .iter()
        .map(|l| l.to_scalar::<f32>().unwrap())
        .collect();
    assert_eq!(values, vec![3.0, 0.0]);
}

/// Keras 3 (TF 2.21) on these inputs: `Dense(2, kernel_initializer="ones",
/// activity_regularizer=L2(0.1))` on `[[1, 2], [3, 4]]` gives outputs
/// `[[3, 3], [7, 7]]` and `layer.losses == [5.8]` (0.1 · 116 / batch 2); a
/// model with an `L1(0.5)` one gives `[5.0]`.
#[test]
fn activity_regularizers_penalize_outputs_per_example() {
    let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
    let ones = ferroflow_core::initializers::Initializer::Ones;
    let mut d = Dense::new(2)
        .kernel_initializer(ones.clone())
        .activity_regularizer(Regularizer::l2(0.1));
    d.apply(&x, true).unwrap();
    let loss = d.core().losses().unwrap()[0].to_scalar::<f32>().unwrap();
    assert!((loss - 5.8).abs() < 1e-5, "{loss}");

    let mut model = Sequential::new(vec![
        Box::new(
            Dense::new(2)
                .kernel_initializer(ones.clone())
                .activity_regularizer(Regularizer::l1(0.5)),
        ),
        Box::new(Dense::new(1)),
    ]);
    model.call(&x, true).unwrap();
    let losses = model.losses().unwrap();
    assert_eq!(losses.len(), 1);
    assert_eq!(losses[0].to_scalar::<f32>().unwrap(), 5.0);

    // In a graph the batch size is read at run time.
    let g = Graph::new();
    let px = g.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
    let mut d = Dense::new(2)
        .kernel_initializer(ones)
        .activity_regularizer(Regularizer::l2(0.1));
    d.apply_graph(&px, true).unwrap();
    let penalty = d.core().graph_losses(&g).unwrap()[0].clone();
    let session = Session::new(&g);
    let init = g.global_variables_initializer().unwrap();
    session.run_targets(&[&init], &[], &[]).unwrap();
    let out = session.run(&[&penalty], &[(&px, x.clone())]).unwrap();
    assert!((out[0].to_scalar::<f32>().unwrap() - 5.8).abs() < 1e-5);
    let x4 = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0], [4, 2]).unwrap();
    let out = session.run(&[&penalty], &[(&px, x4)]).unwrap();
    assert!((out[0].to_scalar::<f32>().unwrap() - 5.8).abs() < 1e-5);
}

#[test]
fn activity_regularizers_round_trip_through_configs() {
    let d = Dense::new(3).activity_regularizer(Regularizer::l1_l2(0.1, 0.2));
    let config = layers::serialize(&d).unwrap();
    assert_eq!(
        config["config"]["activity_regularizer"]["class_name"],
        "L1L2"
    );
    let back = layers::deserialize(&config).unwrap();
    assert_eq!(
        back.core().activity_regularizer(),
        Some(Regularizer::l1_l2(0.1, 0.2))
    );
    // Keras 3's config of `Flatten(activity_regularizer="l1")`.
    let keras = serde_json::json!({"class_name": "Flatten", "config": {
        "name": "flatten", "trainable": true, "data_format": "channels_last",
        "activity_regularizer": {"module": "keras.regularizers", "class_name": "L1",
            "config": {"l1": 0.009999999776482582}, "registered_name": null}}});
    let flatten = layers::deserialize(&keras).unwrap();
    let r = flatten.core().activity_regularizer().unwrap();
    assert!((r.l1 - 0.01).abs() < 1e-9 && r.l2 == 0.0);
    // Without one, a Dense config keeps Keras's `null`.
    let plain = layers::serialize(&Dense::new(3)).unwrap();
    assert!(plain["config"]["activity_regularizer"].is_null());
}

/// The seeds' custom layer: it reports the std of its input via `add_metric`
/// and adds an activity loss via `add_loss`.
struct Probe {
    core: LayerCore,
}

impl Layer for Probe {
    fn core(&self) -> &LayerCore {
        &self.core
    }
    fn core_mut(&mut self) -> &mut LayerCore {
        &mut self.core
    }
    fn class_name(&self) -> &'static str {
        "Probe"
    }
    fn build(
        &mut self,
        input_shape: &[Option<usize>],
    ) -> ferroflow_core::Result<Vec<Option<usize>>> {
        Ok(input_shape.to_vec())
    }
    fn call(&self, x: &Tensor, _training: bool) -> ferroflow_core::Result<Tensor> {
        probe(&self.core, x)
    }
    fn call_graph(&self, x: &Output, _training: bool) -> ferroflow_core::Result<Output> {
        probe(&self.core, x)
    }
}

/// The probe's forward pass, written once for tensors and graph outputs.
fn probe<H: LayerTensor>(core: &LayerCore, x: &H) -> ferroflow_core::Result<H> {
    let mean = x.reduce_mean(None::<&[i64]>, false)?;
    let std = x
        .sub(&mean)?
        .square()?
        .reduce_mean(None::<&[i64]>, false)?
        .sqrt()?;
    core.add_metric("std", std);
    core.add_loss(x.reduce_sum(None::<&[i64]>, false)?);
    Ok(x.clone())
}

#[test]
fn layers_add_losses_and_metrics() {
    let mut p = Probe {
        core: LayerCore::new("probe_layer"),
    };
    p.apply(&Tensor::from_vec(vec![1.0f32, 3.0], [1, 2]).unwrap(), true)
        .unwrap();
    let metrics = p.core().metrics();
    assert_eq!(metrics[0].0, "std");
    assert_eq!(metrics[0].1.to_scalar::<f32>().unwrap(), 1.0);
    assert_eq!(
        p.core().losses().unwrap()[0].to_scalar::<f32>().unwrap(),
        4.0
    );
    // The next call replaces what the previous one added.
    p.apply(&Tensor::from_vec(vec![2.0f32, 2.0], [1, 2]).unwrap(), true)
        .unwrap();
    assert_eq!(p.core().metrics().len(), 1);
    assert_eq!(p.core().losses().unwrap().len(), 1);
}

#[test]
fn layers_add_losses_and_metrics_in_graphs() {
    let mut p = Probe {
        core: LayerCore::new("probe_layer"),
    };
    let g = Graph::new();
    let x = g.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
    p.apply_graph(&x, true).unwrap();
    let metrics = p.core().graph_metrics(&g);
    assert_eq!(metrics.len(), 1);
    assert_eq!(metrics[0].0, "std");
    let losses = p.core().graph_losses(&g).unwrap();
    let feed = Tensor::from_vec(vec![1.0f32, 3.0], [1, 2]).unwrap();
    let session = Session::new(&g);
    let out = session
        .run(&[&metrics[0].1, &losses[0]], &[(&x, feed)])
        .unwrap();
    assert_eq!(out[0].to_scalar::<f32>().unwrap(), 1.0);
    assert_eq!(out[1].to_scalar::<f32>().unwrap(), 4.0);
    // Graph metrics stay with their graph; eager calls add none there.
    assert!(p.core().graph_metrics(&Graph::new()).is_empty());
    assert!(p.core().metrics().is_empty());
    let mut model = Sequential::new(vec![Box::new(p)]);
    let g2 = Graph::new();
    let x2 = g2.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
    model.call_graph(&x2, true).unwrap();
    assert_eq!(model.graph_metrics(&g2).len(), 1);
}

#[test]
fn shape_layers_compute_keras_shapes() {
    let x = Tensor::from_vec((0..24).map(|v| v as f32).collect(), [2, 3, 4]).unwrap();
    let mut r = Reshape::new(&[4, -1]);
    assert_eq!(r.apply(&x, false).unwrap().dims(), &[2, 4, 3]);
    assert_eq!(r.core().output_shape().unwrap(), &[None, Some(4), Some(3)]);
    let mut p = Permute::new(&[2, 1]);
    let y = p.apply(&x, false).unwrap();
    assert_eq!(y.dims(), &[2, 4, 3]);
    assert_eq!(y.to_vec::<f32>().unwrap()[..3], [0.0, 4.0, 8.0]);
    let mut g = GlobalPooling2D::average();
    let img = Tensor::from_vec(vec![1.0f32, 3.0, 5.0, 7.0], [1, 2, 2, 1]).unwrap();
    assert_eq!(
        g.apply(&img, false).unwrap().to_vec::<f32>().unwrap(),
        vec![4.0]
    );
    let mut gm = GlobalPooling2D::max();
    assert_eq!(
        gm.apply(&img, false).unwrap().to_vec::<f32>().unwrap(),
        vec![7.0]
    );
    let mut avg = Pooling2D::average([2, 2]);
    assert_eq!(
        avg.apply(&img, false).unwrap().to_vec::<f32>().unwrap(),
        vec![4.0]
    );
    let mut leaky = LeakyReLU::new(0.3);
    let v = leaky
        .apply(
            &Tensor::from_vec(vec![-1.0f32, 2.0], [1, 2]).unwrap(),
            false,
        )
        .unwrap();
    assert_eq!(v.to_vec::<f32>().unwrap(), vec![-0.3, 2.0]);
    let mut sm = Softmax::new();
    let s = sm
        .apply(&Tensor::from_vec(vec![0.0f32, 0.0], [1, 2]).unwrap(), false)
        .unwrap();
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![0.5, 0.5]);
}

/// Calls `layer` on `x` and checks the error names the layer.
fn fails_naming_layer(mut layer: Box<dyn Layer>, x: &Tensor) {
    let err = layer
        .apply(x, false)
        .expect_err("bad input accepted")
        .to_string();
    let name = layer.core().name().to_string();
    assert!(
        err.contains(&name),
        "error '{err}' does not name layer '{name}'"
    );
}

#[test]
fn every_layer_rejects_bad_rank_or_dtype_naming_itself() {
    let vector = Tensor::from([1.0f32, 2.0]);
    let matrix = Tensor::from_vec(vec![1.0f32; 4], [2, 2]).unwrap();
    let ints = Tensor::from_vec(vec![1i64; 4], [2, 2]).unwrap();
    let image = Tensor::from_vec(vec![1.0f32; 8], [2, 2, 2]).unwrap();
    fails_naming_layer(Box::new(Dense::new(3)), &vector);
    fails_naming_layer(Box::new(Dense::new(3)), &ints);
    fails_naming_layer(Box::new(Flatten::new()), &Tensor::scalar(1.0f32));
    fails_naming_layer(Box::new(Reshape::new(&[3])), &matrix);
    fails_naming_layer(Box::new(Permute::new(&[2, 1])), &matrix);
    fails_naming_layer(Box::new(Activation::new("relu")), &ints);
    fails_naming_layer(Box::new(Activation::new("relux")), &matrix);
    fails_naming_layer(Box::new(ReLU::new()), &ints);
    fails_naming_layer(Box::new(LeakyReLU::new(0.3)), &ints);
    fails_naming_layer(Box::new(Softmax::new()), &ints);
    fails_naming_layer(Box::new(Dropout::new(1.5)), &matrix);
    fails_naming_layer(Box::new(Dropout::new(0.5)), &ints);
    fails_naming_layer(Box::new(Conv2D::new(2, [1, 1])), &image);
    fails_naming_layer(
        Box::new(Conv2D::new(2, [3, 3])),
        &image.reshape(&[1, 2, 2, 2]).unwrap(),
    );
    fails_naming_layer(Box::new(Pooling2D::max([2, 2])), &image);
    fails_naming_layer(
        Box::new(Pooling2D::average([2, 2]).padding("full")),
        &image.reshape(&[1, 2, 2, 2]).unwrap(),
    );
    fails_naming_layer(Box::new(GlobalPooling2D::average()), &image);
    fails_naming_layer(Box::new(Conv2D::depthwise([1, 1], 1)), &image);
    fails_naming_layer(Box::new(Conv2D::transpose(2, [1, 1])), &image);
    fails_naming_layer(Box::new(ZeroPadding2D::new([(1, 1), (1, 1)])), &image);
    fails_naming_layer(Box::new(BatchNormalization::new()), &vector);
    fails_naming_layer(Box::new(BatchNormalization::new()), &ints);
    fails_naming_layer(Box::new(Embedding::new(4, 2)), &matrix);
    fails_naming_layer(Box::new(Embedding::new(4, 2)), &Tensor::from([5i64]));
}

fn fixture_matrix(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
        .collect()
}

#[test]
fn image_layer_counts_match_keras() {
    let mut m = Sequential::new(vec![
        Box::new(ZeroPadding2D::new([(1, 1), (2, 0)])),
        Box::new(Conv2D::depthwise([3, 3], 2)),
        Box::new(BatchNormalization::new()),
        Box::new(Conv2D::transpose(8, [3, 3]).strides([2, 2]).padding("same")),
        Box::new(Pooling2D::average([2, 2])),
        Box::new(GlobalPooling2D::max()),
    ]);
    let out = m.build(&[None, Some(8), Some(8), Some(3)]).unwrap();
    assert_eq!(out, vec![None, Some(8)]);
    assert_eq!(m.count_params(), params("image_layers"));
    assert!(m.summary().contains("Non-trainable params: 12"));
    let y = m
        .call(&Tensor::zeros(DType::F32, [2, 8, 8, 3]).unwrap(), true)
        .unwrap();
    assert_eq!(y.dims(), &[2, 8]);
}

#[test]
fn batch_normalization_matches_keras_in_both_modes() {
    let f: serde_json::Value = serde_json::from_str(include_str!("fixtures/keras.json")).unwrap();
    let bn_fix = &f["batchnorm"];
    let x = Tensor::from_vec(fixture_matrix(&bn_fix["x"]), [3, 2]).unwrap();
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-5);
    let mut bn = BatchNormalization::new();
    let train = bn.apply(&x, true).unwrap().to_vec::<f32>().unwrap();
    assert!(
        close(&train, &fixture_matrix(&bn_fix["train"])),
        "{train:?}"
    );
    let moving: Vec<f32> = bn.core().weights()[2..]
        .iter()
        .flat_map(|w| w.value().to_vec::<f32>().unwrap())
        .collect();
    assert!(
        close(&moving, &fixture_matrix(&bn_fix["moving"])),
        "{moving:?}"
    );
    let infer = bn.apply(&x, false).unwrap().to_vec::<f32>().unwrap();
    assert!(
        close(&infer, &fixture_matrix(&bn_fix["infer"])),
        "{infer:?}"
    );
    // Frozen: inference mode even when training, and no moving-average update.
    bn.core_mut().set_trainable(false);
    let frozen = bn.apply(&x, true).unwrap().to_vec::<f32>().unwrap();
    assert!(close(&frozen, &infer));
    assert_eq!(bn.core().trainable_weights().len(), 0);
}

#[test]
fn lambda_layers_wrap_closures_and_name_themselves_in_errors() {
    let mut m = Sequential::new(vec![
        Box::new(Lambda::new(|x: &Tensor| x.reshape(&[-1, 2, 3]))),
        Box::new(Flatten::new()),
    ]);
    assert_eq!(m.build(&[None, Some(6)]).unwrap(), vec![None, Some(6)]);
    assert!(m.summary().contains("(None, 2, 3)"));
    let mut bad = Lambda::new(|x: &Tensor| x.reshape(&[5]));
    let name = bad.core().name().to_string();
    let err = bad
        .apply(&Tensor::from([1.0f32, 2.0]), false)
        .unwrap_err()
        .to_string();
    assert!(err.contains(&name), "{err}");
}
