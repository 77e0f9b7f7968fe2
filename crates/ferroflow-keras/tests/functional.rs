//! The functional API: residual blocks, several inputs and outputs,
//! merge layers, training a DAG.

use ferroflow_core::optimizers::Adam;
use ferroflow_core::prelude::*;
use ferroflow_keras::layers::{Concatenate, Dense, Merge};
use ferroflow_keras::losses::MeanSquaredError;
use ferroflow_keras::optimizers::KerasOptimizer;
use ferroflow_keras::{Compiled, FitOptions, Functional, Layer, Model};

fn t(v: Vec<f32>, dims: &[usize]) -> Tensor {
    Tensor::from_vec(v, dims.to_vec()).unwrap()
}

#[test]
fn residual_block_adds_its_input() {
    let mut m = Functional::new();
    let x = m.input(&[Some(3)]);
    let h = m
        .apply(
            Box::new(
                Dense::new(3).kernel_initializer(ferroflow_core::initializers::Initializer::Zeros),
            ),
            &[&x],
        )
        .unwrap();
    let y = m.apply(Box::new(Merge::add()), &[&x, &h]).unwrap();
    assert_eq!(y.shape(), &[None, Some(3)]);
    m.set_outputs(&[&y]).unwrap();
    // A zero kernel and bias: the block is the identity.
    let input = t(vec![1.0, -2.0, 3.0], &[1, 3]);
    assert_eq!(
        m.call(&input, false).unwrap().to_vec::<f32>().unwrap(),
        vec![1.0, -2.0, 3.0]
    );
    let s = m.summary();
    assert!(
        s.contains("(InputLayer)") && s.contains("(Add)") && s.contains("Total params: 12"),
        "{s}"
    );
}

#[test]
fn several_inputs_and_outputs() {
    let mut m = Functional::new();
    let a = m.input(&[Some(2)]);
    let b = m.input(&[Some(3)]);
    let joined = m.apply(Box::new(Concatenate::new(-1)), &[&a, &b]).unwrap();
    assert_eq!(joined.shape(), &[None, Some(5)]);
    let doubled = m
        .apply(Box::new(Merge::multiply()), &[&joined, &joined])
        .unwrap();
    m.set_outputs(&[&joined, &doubled]).unwrap();
    let outs = m
        .call_multi(
            &[
                &t(vec![1.0, 2.0], &[1, 2]),
                &t(vec![3.0, 4.0, 5.0], &[1, 3]),
            ],
            false,
        )
        .unwrap();
    assert_eq!(
        outs[0].to_vec::<f32>().unwrap(),
        vec![1.0, 2.0, 3.0, 4.0, 5.0]
    );
    assert_eq!(
        outs[1].to_vec::<f32>().unwrap(),
        vec![1.0, 4.0, 9.0, 16.0, 25.0]
    );
    let err = m
        .call_multi(&[&t(vec![1.0, 2.0], &[1, 2])], false)
        .unwrap_err();
    assert!(err.to_string().contains("expects 2 inputs"), "{err}");
}

#[test]
fn merge_layers_check_their_inputs_naming_themselves() {
    let mut m = Functional::new();
    let a = m.input(&[Some(2)]);
    let b = m.input(&[Some(3)]);
    let add = Merge::add();
    let name = add.core().name().to_string();
    let err = m.apply(Box::new(add), &[&a, &b]).err().unwrap().to_string();
    assert!(err.contains(&name) && err.contains("same shape"), "{err}");
    let cat = Concatenate::new(0);
    let name = cat.core().name().to_string();
    let err = m.apply(Box::new(cat), &[&a, &b]).err().unwrap().to_string();
    assert!(err.contains(&name), "{err}");
    let single = Merge::multiply();
    let name = single.core().name().to_string();
    let err = m.apply(Box::new(single), &[&a]).err().unwrap().to_string();
    assert!(
        err.contains(&name) && err.contains("list of inputs"),
        "{err}"
    );
    let err = m
        .apply(Box::new(Dense::new(2)), &[&a, &b])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("expects 1 input"), "{err}");
}

#[test]
fn functional_models_train() {
    let n = 128;
    let xs: Vec<f32> = (0..n * 2)
        .map(|i| ((i * 29) % 61) as f32 / 30.0 - 1.0)
        .collect();
    let ys: Vec<f32> = xs.chunks(2).map(|p| 2.0 * p[0] - p[1]).collect();
    let (x, y) = (t(xs, &[n, 2]), t(ys, &[n, 1]));
    let mut m = Functional::new();
    let input = m.input(&[Some(2)]);
    let h = m
        .apply(Box::new(Dense::new(8).activation("tanh")), &[&input])
        .unwrap();
    let skip = m
        .apply(Box::new(Concatenate::new(-1)), &[&input, &h])
        .unwrap();
    let out = m.apply(Box::new(Dense::new(1)), &[&skip]).unwrap();
    m.set_outputs(&[&out]).unwrap();
    m.compile(Compiled::new(
        KerasOptimizer::new(Adam::new(0.05)).unwrap(),
        Box::<MeanSquaredError>::default(),
        vec![],
    ));
    let history = m
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 40,
                batch_size: 16,
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    let loss = history.get("loss").unwrap();
    assert!(loss[39] < 0.05 * loss[0], "{loss:?}");
}
