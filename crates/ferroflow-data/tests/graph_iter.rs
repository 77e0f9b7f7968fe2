//! Graph-mode iterators run by sessions (TF1's `make_one_shot_iterator`,
//! `make_initializable_iterator`, `get_next()`, `OutOfRangeError`).

use ferroflow_core::graph::Graph;
use ferroflow_core::optimizers::{GradientDescent, Optimizer};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_core::Error;
use ferroflow_data::{Dataset, Element, GraphIterator};
use ferroflow_tensor::Tensor;

fn is_out_of_range(e: &Error) -> bool {
    matches!(e, Error::OutOfRange(_))
}

fn pairs() -> Dataset {
    let x = Tensor::from([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    Dataset::from_tensor_slices(Element::tuple(vec![x, Tensor::from([10i64, 20, 30])]))
        .unwrap()
        .batch(2, false)
        .unwrap()
}

#[test]
fn one_shot_iterator_feeds_a_graph_until_out_of_range() {
    let g = Graph::new();
    let it = GraphIterator::one_shot(&g, &pairs()).unwrap();
    let [x, y] = it.get_next() else {
        panic!("two components")
    };
    assert_eq!(x.get_shape().dims().unwrap(), [None, Some(2)]);
    let total = x.reduce_sum(None::<&[i64]>, false).unwrap();
    let sess = Session::new(&g);
    let out = sess.run(&[&total, y], &[]).unwrap();
    assert_eq!(out[0].to_scalar::<f32>().unwrap(), 10.0);
    assert_eq!(out[1].to_vec::<i64>().unwrap(), [10, 20]);
    let out = sess.run(&[&total], &[]).unwrap();
    assert_eq!(out[0].to_scalar::<f32>().unwrap(), 11.0);
    let end = sess.run(&[&total], &[]).unwrap_err();
    // The session returns the iterator node's error unchanged.
    assert_eq!(end, Error::end_of_sequence("IteratorGetNext"));
    // It stays at the end.
    assert!(is_out_of_range(&sess.run(&[y], &[]).unwrap_err()));
}

#[test]
fn initializable_iterator_restarts_each_epoch() {
    let g = Graph::new();
    let it = GraphIterator::initializable(&g, &pairs()).unwrap();
    let y = &it.get_next()[1];
    let sess = Session::new(&g);
    let err = sess.run(&[y], &[]).unwrap_err();
    assert!(!is_out_of_range(&err));
    assert!(
        err.to_string()
            .contains("iterator has not been initialized"),
        "{err}"
    );
    let init = it.initializer().unwrap();
    assert_eq!(init.op_type(), "MakeIterator");
    for _epoch in 0..2 {
        sess.run_targets(&[init], &[], &[]).unwrap();
        let mut seen = Vec::new();
        loop {
            match sess.run(&[y], &[]) {
                Ok(v) => seen.extend(v[0].to_vec::<i64>().unwrap()),
                Err(e) if is_out_of_range(&e) => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(seen, [10, 20, 30]);
    }
}

#[test]
fn each_session_has_its_own_iterator_position() {
    let g = Graph::new();
    let it = GraphIterator::one_shot(&g, &Dataset::range(0, 3, 1).unwrap()).unwrap();
    let next = &it.get_next()[0];
    let (s1, s2) = (Session::new(&g), Session::new(&g));
    let value = |s: &Session| s.run(&[next], &[]).unwrap()[0].to_scalar::<i64>().unwrap();
    assert_eq!(value(&s1), 0);
    assert_eq!(value(&s1), 1);
    // A new session starts the data again, as TensorFlow's iterators do.
    assert_eq!(value(&s2), 0);
    assert_eq!(value(&s1), 2);
    assert!(is_out_of_range(&s1.run(&[next], &[]).unwrap_err()));
    assert_eq!(value(&s2), 1);
}

/// The seeds' TF1 loop: `sess.run(iterator.initializer)` each epoch, then
/// `sess.run([optimizer])` until `tf.errors.OutOfRangeError`.
#[test]
fn seeds_epoch_loop_trains_until_out_of_range() {
    // y = 2x + 1 on four points, in batches of 2, reshuffled each epoch.
    let x = Tensor::from([1.0f32, 2.0, 3.0, 4.0]);
    let y = Tensor::from([3.0f32, 5.0, 7.0, 9.0]);
    let data = Dataset::from_tensor_slices(Element::tuple(vec![x, y]))
        .unwrap()
        .shuffle(4, Some(7), true)
        .unwrap()
        .batch(2, false)
        .unwrap();
    let g = Graph::new();
    let it = GraphIterator::initializable(&g, &data).unwrap();
    let [x, y] = it.get_next() else {
        panic!("two components")
    };
    let w = g.variable(Tensor::from([0.0f32]), "w", true).unwrap();
    let b = g.variable(Tensor::from([0.0f32]), "b", true).unwrap();
    let pred = w.value().mul(x).unwrap().add(b.value()).unwrap();
    let loss = pred
        .sub(y)
        .unwrap()
        .square()
        .unwrap()
        .reduce_mean(Axes::All, false)
        .unwrap();
    let train = GradientDescent::new(0.05)
        .graph()
        .minimize(&loss, None, None)
        .unwrap();
    let sess = Session::new(&g);
    sess.run_targets(&[&g.global_variables_initializer().unwrap()], &[], &[])
        .unwrap();
    let mut steps = 0;
    for _epoch in 0..300 {
        sess.run_targets(&[it.initializer().unwrap()], &[], &[])
            .unwrap();
        loop {
            match sess.run_targets(&[&train], &[], &[]) {
                Ok(_) => steps += 1,
                Err(Error::OutOfRange(_)) => break,
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert_eq!(steps, 600);
    let out = sess.run(&[w.value(), b.value()], &[]).unwrap();
    assert!(
        (out[0].to_vec::<f32>().unwrap()[0] - 2.0).abs() < 1e-2,
        "{out:?}"
    );
    assert!(
        (out[1].to_vec::<f32>().unwrap()[0] - 1.0).abs() < 3e-2,
        "{out:?}"
    );
}
