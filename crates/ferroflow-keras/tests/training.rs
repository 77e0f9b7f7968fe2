//! compile/fit/evaluate/predict, train_on_batch, callbacks, freezing
//! during training, and a custom model.

use ferroflow_core::optimizers::Adam;
use ferroflow_core::prelude::*;
use ferroflow_keras::callbacks::{
    CSVLogger, Callback, EarlyStopping, LearningRateScheduler, Logs, TerminateOnNaN,
};
use ferroflow_keras::layers::{Dense, Dropout};
use ferroflow_keras::losses::SparseCategoricalCrossentropy;
use ferroflow_keras::metrics::SparseCategoricalAccuracy;
use ferroflow_keras::optimizers::KerasOptimizer;
use ferroflow_keras::{Compiled, FitOptions, Layer, Model, Sequential};

/// Two Gaussian-ish blobs: class 1 where x0 + x1 > 0.
fn blobs(n: usize) -> (Tensor, Tensor) {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for i in 0..n {
        let a = ((i * 37) % 101) as f32 / 50.0 - 1.0;
        let b = ((i * 53) % 97) as f32 / 48.0 - 1.0;
        xs.extend([a, b]);
        ys.push(i64::from(a + b > 0.0));
    }
    (
        Tensor::from_vec(xs, [n, 2]).unwrap(),
        Tensor::from_vec(ys, [n]).unwrap(),
    )
}

/// Adam (0.05), cross-entropy on logits, sparse categorical accuracy.
fn adam_on_logits() -> Compiled {
    Compiled::new(
        KerasOptimizer::new(Adam::new(0.05)).unwrap(),
        Box::new(SparseCategoricalCrossentropy::from_logits(true)),
        vec![Box::<SparseCategoricalAccuracy>::default()],
    )
}

fn classifier() -> Sequential {
    Sequential::new(vec![
        Box::new(Dense::new(16).activation("relu")),
        Box::new(Dense::new(2)),
    ])
}

#[test]
fn fit_converges_on_a_tiny_problem() {
    let (x, y) = blobs(256);
    let mut model = classifier();
    model.compile(adam_on_logits());
    let history = model
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 20,
                batch_size: 32,
                verbose: 0,
                validation_split: 0.25,
                ..Default::default()
            },
        )
        .unwrap();
    let loss = history.get("loss").unwrap();
    assert_eq!(loss.len(), 20);
    assert!(loss[19] < loss[0] / 3.0, "{loss:?}");
    let acc = history.get("sparse_categorical_accuracy").unwrap();
    assert!(acc[19] > 0.95, "{acc:?}");
    assert!(history.get("val_loss").unwrap()[19] < 0.2);
    let logs = model.evaluate(&x, &y, 64).unwrap();
    assert!(logs.get("sparse_categorical_accuracy").unwrap() > 0.95);
    let p = model.predict(&x, 100).unwrap();
    assert_eq!(p.dims(), &[256, 2]);
}

/// The kernel after one shuffled epoch from fixed starting weights, with
/// shuffle seed `seed`.
fn kernel_after_epoch(seed: Option<u64>) -> Vec<f32> {
    let (x, y) = blobs(64);
    let mut model = Sequential::new(vec![Box::new(
        Dense::new(2).kernel_initializer(ferroflow_core::initializers::Initializer::Constant(0.1)),
    )]);
    model.compile(adam_on_logits());
    let options = FitOptions {
        batch_size: 8,
        verbose: 0,
        seed,
        ..Default::default()
    };
    model.fit(&x, &y, options).unwrap();
    model.trainable_variables()[0]
        .value()
        .to_vec::<f32>()
        .unwrap()
}

#[test]
fn fit_shuffles_from_its_seed() {
    // A given seed replays the same order; without one (and without a
    // global seed) each run shuffles differently, as Keras does.
    assert_eq!(kernel_after_epoch(Some(7)), kernel_after_epoch(Some(7)));
    assert_ne!(kernel_after_epoch(Some(7)), kernel_after_epoch(Some(8)));
    assert_ne!(kernel_after_epoch(None), kernel_after_epoch(None));
}

#[test]
fn compile_by_name_and_train_on_batch() {
    let (x, y) = blobs(64);
    let mut model = Sequential::new(vec![Box::new(Dense::new(2).activation("softmax"))]);
    assert!(model
        .train_on_batch(&x, &y)
        .unwrap_err()
        .to_string()
        .contains("compile"));
    model.compile(
        Compiled::from_names("adam", "sparse_categorical_crossentropy", &["accuracy"]).unwrap(),
    );
    let first = model.test_on_batch(&x, &y).unwrap().get("loss").unwrap();
    for _ in 0..50 {
        model.train_on_batch(&x, &y).unwrap();
    }
    let logs = model.test_on_batch(&x, &y).unwrap();
    assert!(logs.get("loss").unwrap() < first, "{logs:?}");
    assert!(logs.get("accuracy").is_some());
    assert!(Compiled::from_names("adamx", "mse", &[]).is_err());
}

#[test]
fn frozen_layers_keep_their_weights_in_fit() {
    let (x, y) = blobs(64);
    let mut model = classifier();
    model.build(&[None, Some(2)]).unwrap();
    model.layer_mut(0).unwrap().core_mut().set_trainable(false);
    let frozen = model.layer_mut(0).unwrap().core().weights()[0].value();
    let trained = model.layer_mut(1).unwrap().core().weights()[0].value();
    model.compile(Compiled::from_names("sgd", "sparse_categorical_crossentropy", &[]).unwrap());
    model
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 2,
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    let layer0 = model.layer_mut(0).unwrap().core().weights()[0].value();
    let layer1 = model.layer_mut(1).unwrap().core().weights()[0].value();
    assert_eq!(
        layer0.to_vec::<f32>().unwrap(),
        frozen.to_vec::<f32>().unwrap()
    );
    assert_ne!(
        layer1.to_vec::<f32>().unwrap(),
        trained.to_vec::<f32>().unwrap()
    );
}

/// Counts hook calls.
#[derive(Default)]
struct Counter {
    epochs: usize,
    batches: usize,
    last: Logs,
}

impl Callback for Counter {
    fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs) -> ferroflow_core::Result<()> {
        self.epochs += 1;
        self.last = logs.clone();
        Ok(())
    }
    fn on_batch_end(&mut self, _batch: usize, _logs: &Logs) -> ferroflow_core::Result<()> {
        self.batches += 1;
        Ok(())
    }
}

#[test]
fn callbacks_see_every_epoch_and_batch_and_can_stop() {
    let (x, y) = blobs(100);
    let mut model = classifier();
    model.compile(
        Compiled::from_names("sgd", "sparse_categorical_crossentropy", &["accuracy"]).unwrap(),
    );
    let mut counter = Counter::default();
    let mut stop = EarlyStopping::new("loss", 0);
    stop.min_delta = 1e9;
    let csv_path = std::env::temp_dir().join(format!("ff_keras_{}.csv", std::process::id()));
    let mut csv = CSVLogger::new(&csv_path);
    let history = model
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 5,
                batch_size: 30,
                verbose: 0,
                validation_data: Some(blobs(20)),
                callbacks: vec![&mut counter, &mut stop, &mut csv],
                ..Default::default()
            },
        )
        .unwrap();
    // EarlyStopping with patience 0 and an unreachable min_delta stops after epoch 2.
    assert_eq!(history.epochs.len(), 2);
    assert_eq!((counter.epochs, counter.batches), (2, 8));
    assert!(counter.last.get("val_accuracy").is_some());
    let text = std::fs::read_to_string(&csv_path).unwrap();
    std::fs::remove_file(&csv_path).unwrap();
    assert!(
        text.starts_with("epoch,accuracy,loss,val_accuracy,val_loss\n0,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3);
}

#[test]
fn terminate_on_nan_names_the_step() {
    let x = Tensor::from_vec(vec![1e30f32, 1e30, -1e30, 1e30], [2, 2]).unwrap();
    let y = Tensor::from_vec(vec![f32::NAN, 0.0], [2, 1]).unwrap();
    let mut model = Sequential::new(vec![Box::new(Dense::new(1))]);
    model.compile(Compiled::from_names("sgd", "mse", &[]).unwrap());
    let mut nan = TerminateOnNaN;
    let err = model
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 3,
                verbose: 0,
                batch_size: 2,
                callbacks: vec![&mut nan],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "Model diverged with loss = NaN at batch 0");
}

#[test]
fn fit_rejects_mismatched_data() {
    let (x, _) = blobs(10);
    let (_, y) = blobs(12);
    let mut model = classifier();
    model.compile(Compiled::from_names("sgd", "sparse_categorical_crossentropy", &[]).unwrap());
    let err = model
        .fit(
            &x,
            &y,
            FitOptions {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("Data cardinality"), "{err}");
}

/// A subclassed model with its own `call`: dropout between two dense layers.
struct TwoLayer {
    hidden: Dense,
    dropout: Dropout,
    out: Dense,
    compiled: Option<Compiled>,
}

impl Model for TwoLayer {
    fn call(&mut self, x: &Tensor, training: bool) -> ferroflow_core::Result<Tensor> {
        let h = self.hidden.apply(x, training)?;
        let h = self.dropout.apply(&h, training)?;
        self.out.apply(&h, training)
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        vec![&self.hidden, &self.dropout, &self.out]
    }
    fn name(&self) -> &str {
        "two_layer"
    }
    fn compiled(&mut self) -> &mut Option<Compiled> {
        &mut self.compiled
    }
}

#[test]
fn custom_models_train_like_sequential() {
    let (x, y) = blobs(128);
    let mut model = TwoLayer {
        hidden: Dense::new(16).activation("relu"),
        dropout: Dropout::new(0.1).seed(3),
        out: Dense::new(2),
        compiled: None,
    };
    model.compile(adam_on_logits());
    let history = model
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 15,
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(history.get("sparse_categorical_accuracy").unwrap()[14] > 0.9);
    assert_eq!(model.count_params(), 2 * 16 + 16 + 16 * 2 + 2);
    assert!(model.summary().contains("Model: \"two_layer\""));
}

#[test]
fn learning_rate_scheduler_drives_the_optimizer() {
    let (x, y) = blobs(32);
    let mut model = classifier();
    let compiled = Compiled::from_names("sgd", "sparse_categorical_crossentropy", &[]).unwrap();
    let lr = compiled.optimizer().learning_rate().clone();
    model.compile(compiled);
    model.build(&[None, Some(2)]).unwrap();
    let before = model.trainable_variables()[0]
        .value()
        .to_vec::<f32>()
        .unwrap();
    // A zero rate from the first epoch on: the weights stay put.
    let mut zero = LearningRateScheduler::new(lr.clone(), |_, _| 0.0);
    let fit = |model: &mut Sequential, cb: &mut dyn Callback| {
        model
            .fit(
                &x,
                &y,
                FitOptions {
                    epochs: 2,
                    verbose: 0,
                    callbacks: vec![cb],
                    ..Default::default()
                },
            )
            .unwrap()
    };
    fit(&mut model, &mut zero);
    assert_eq!(
        model.trainable_variables()[0]
            .value()
            .to_vec::<f32>()
            .unwrap(),
        before
    );
    assert_eq!(lr.get(), 0.0);
    let mut restart = LearningRateScheduler::new(lr.clone(), |_, _| 0.1);
    fit(&mut model, &mut restart);
    assert_ne!(
        model.trainable_variables()[0]
            .value()
            .to_vec::<f32>()
            .unwrap(),
        before
    );
}

#[test]
fn fit_and_evaluate_take_datasets() {
    use ferroflow_data::{Dataset, Element};
    let (x, y) = blobs(128);
    let data = Dataset::from_tensor_slices(Element::tuple(vec![x.clone(), y.clone()]))
        .unwrap()
        .batch(32, false)
        .unwrap();
    let mut model = classifier();
    model.compile(adam_on_logits());
    let mut counter = Counter::default();
    model
        .fit_dataset(
            &data,
            FitOptions {
                epochs: 3,
                verbose: 0,
                callbacks: vec![&mut counter],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(counter.batches, 12);
    // A dataset that repeats forever needs steps_per_epoch; the pass goes on across epochs.
    let forever = data.repeat(None);
    let mut counter = Counter::default();
    let history = model
        .fit_dataset(
            &forever,
            FitOptions {
                epochs: 10,
                steps_per_epoch: Some(5),
                verbose: 0,
                callbacks: vec![&mut counter],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!((counter.epochs, counter.batches), (10, 50));
    assert!(history.get("sparse_categorical_accuracy").unwrap()[9] > 0.9);
    let logs = model.evaluate_dataset(&data).unwrap();
    let direct = model.evaluate(&x, &y, 32).unwrap();
    assert!((logs.get("loss").unwrap() - direct.get("loss").unwrap()).abs() < 1e-6);
    let triples =
        Dataset::from_tensor_slices(Element::tuple(vec![x.clone(), y.clone(), y.clone()])).unwrap();
    assert!(model
        .evaluate_dataset(&triples)
        .unwrap_err()
        .to_string()
        .contains("(x, y) pairs"));
}

#[test]
fn progress_bar_prints_keras_lines() {
    use ferroflow_keras::callbacks::ProgressBar;
    let mut bar = ProgressBar::with_tty(false);
    bar.on_train_begin(5, 469).unwrap();
    let logs = Logs(vec![("loss".into(), 0.51234), ("accuracy".into(), 0.8)]);
    let line = bar.line(469, &logs);
    assert!(line.starts_with("469/469 - "), "{line}");
    assert!(
        line.ends_with("ms/step - loss: 0.5123 - accuracy: 0.8000"),
        "{line}"
    );
    let mut tty = ProgressBar::with_tty(true);
    tty.on_train_begin(5, 10).unwrap();
    let partial = tty.line(5, &logs);
    assert!(
        partial.starts_with(" 5/10 [===============>..............] - ETA: "),
        "{partial}"
    );
}
