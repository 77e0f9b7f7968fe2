//! Parallel map order, prefetch threads, generators and element specs.

mod common;

use common::{ints, range};
use ferroflow_core::{PartialShape, TensorSpec};
use ferroflow_data::{DataError, Dataset, Element, ElementSpec, AUTOTUNE};
use ferroflow_tensor::{DType, Tensor};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A map function whose duration varies, so workers finish out of order.
fn jittery(e: Element) -> ferroflow_data::Result<Element> {
    let x = e.at(0)?.to_scalar::<i64>()?;
    std::thread::sleep(Duration::from_micros(((x * 7919) % 5) as u64 * 300));
    Ok(Element::from(Tensor::from(x * 10)))
}

#[test]
fn parallel_map_keeps_order() {
    let want: Vec<i64> = (0..200).map(|x| x * 10).collect();
    for workers in [2, 3, AUTOTUNE] {
        let ds = range(0, 200).map_parallel(jittery, workers, true).unwrap();
        assert_eq!(ints(&ds), want, "num_parallel_calls={workers}");
    }
}

#[test]
fn nondeterministic_map_yields_every_element() {
    let ds = range(0, 100).map_parallel(jittery, 3, false).unwrap();
    let mut got = ints(&ds);
    got.sort();
    assert_eq!(got, (0..100).map(|x| x * 10).collect::<Vec<_>>());
}

#[test]
fn parallel_map_errors_and_panics_stay_at_their_element() {
    let ds = range(0, 10)
        .map_parallel(
            |e| {
                let x = e.at(0)?.to_scalar::<i64>()?;
                match x {
                    3 => Err(DataError::invalid("test_map", "three")),
                    5 => panic!("five"),
                    _ => Ok(e),
                }
            },
            2,
            true,
        )
        .unwrap();
    let items: Vec<_> = ds.iter().unwrap().collect();
    assert_eq!(items.len(), 10);
    assert!(items[3].as_ref().unwrap_err().to_string().contains("three"));
    assert!(items[5]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("panicked"));
    assert_eq!(ints(&ds.ignore_errors()), [0, 1, 2, 4, 6, 7, 8, 9]);
}

/// A generator whose live iterators are counted, to see threads release them.
fn counted(live: Arc<AtomicUsize>) -> Dataset {
    struct Counted(i64, Arc<AtomicUsize>);
    impl Iterator for Counted {
        type Item = ferroflow_data::Result<Element>;
        fn next(&mut self) -> Option<Self::Item> {
            self.0 += 1;
            Some(Ok(Element::from(Tensor::from(self.0 - 1))))
        }
    }
    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let spec = ElementSpec::tuple(vec![TensorSpec::new(
        DType::I64,
        PartialShape::from_dims(&[]),
    )]);
    Dataset::from_generator(spec, move || {
        live.fetch_add(1, Ordering::SeqCst);
        Counted(0, live.clone())
    })
}

#[test]
fn dropping_an_iterator_stops_background_threads() {
    let live = Arc::new(AtomicUsize::new(0));
    let infinite = counted(live.clone());
    let pipelines = [
        infinite.prefetch(AUTOTUNE),
        infinite.map_parallel(Ok, 2, true).unwrap().prefetch(2),
        range(0, 3)
            .interleave(move |_| Ok(infinite.clone()), 2, 1, true)
            .unwrap(),
    ];
    for ds in &pipelines {
        let first: Vec<i64> = ds
            .iter()
            .unwrap()
            .take(5)
            .map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap())
            .collect();
        assert_eq!(first.len(), 5);
        // Dropping the iterator joined the threads, which dropped the generators.
        assert_eq!(live.load(Ordering::SeqCst), 0);
    }
}

#[test]
fn prefetch_keeps_order_and_epochs() {
    let ds = range(0, 50).prefetch(3).repeat(Some(2));
    let want: Vec<i64> = (0..50).chain(0..50).collect();
    assert_eq!(ints(&ds), want);
    assert_eq!(ints(&range(0, 5).prefetch(0)), [0, 1, 2, 3, 4]);
}

#[test]
fn generator_elements_are_checked_against_the_spec() {
    let spec = ElementSpec::tuple(vec![TensorSpec::new(
        DType::F32,
        PartialShape::from_dims(&[Some(2)]),
    )]);
    let ds = Dataset::from_generator(spec, || {
        vec![
            Ok(Element::from(Tensor::from([1.0f32, 2.0]))),
            Ok(Element::from(Tensor::from([1.0f32, 2.0, 3.0]))),
        ]
        .into_iter()
    });
    let items: Vec<_> = ds.iter().unwrap().collect();
    assert!(items[0].is_ok());
    let err = items[1].as_ref().unwrap_err().to_string();
    assert!(
        err.contains("GeneratorDataset") && err.contains("[3]"),
        "{err}"
    );
    // Every epoch calls the generator again.
    assert_eq!(ds.iter().unwrap().count(), 2);
}

#[test]
fn element_specs_follow_the_pipeline() {
    let x = Tensor::from_vec(vec![0u8; 6 * 4], [6, 2, 2]).unwrap();
    let ds = Dataset::from_tensor_slices(Element::named([
        ("img", x),
        ("y", Tensor::from([1i64, 2, 3, 4, 5, 6])),
    ]))
    .unwrap();
    let spec = ds.element_spec();
    assert_eq!(spec.dtypes(), [DType::U8, DType::I64]);
    assert_eq!(
        spec.shapes(),
        [
            PartialShape::from_dims(&[Some(2), Some(2)]),
            PartialShape::from_dims(&[])
        ]
    );
    let mapped = ds
        .map(|e| Ok(Element::named([("y", e.get("y")?.clone())])))
        .unwrap();
    assert_eq!(mapped.element_spec().names().unwrap(), ["y"]);
    let batched = mapped.batch(4, false).unwrap();
    assert_eq!(
        batched.element_spec().shapes(),
        [PartialShape::from_dims(&[None])]
    );
    let unbatched = batched.unbatch().unwrap();
    assert_eq!(
        unbatched.element_spec().shapes(),
        [PartialShape::from_dims(&[])]
    );
    assert_eq!(ints(&unbatched), [1, 2, 3, 4, 5, 6]);
    assert!(format!("{ds:?}").contains("img: uint8 [2,2]"), "{ds:?}");
}

#[test]
fn into_iterator_and_take_peeking() {
    let ds = range(0, 100).map(jittery).unwrap();
    let peek: Vec<i64> = ds
        .take(2)
        .iter()
        .unwrap()
        .map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap())
        .collect();
    assert_eq!(peek, [0, 10]);
    let mut n = 0;
    for e in &range(0, 4) {
        e.unwrap();
        n += 1;
    }
    assert_eq!(n, 4);
}

#[test]
fn cheap_parallel_map_in_growing_chunks_keeps_order_and_error_positions() {
    let ds = range(0, 5000)
        .map_parallel(
            |e| {
                let x = e.at(0)?.to_scalar::<i64>()?;
                if x % 997 == 0 {
                    return Err(DataError::invalid("test_map", format!("at {x}")));
                }
                Ok(Element::from(Tensor::from(x + 1)))
            },
            2,
            true,
        )
        .unwrap();
    for r in ds.iter().unwrap().enumerate() {
        match r {
            (i, Ok(e)) => assert_eq!(e.at(0).unwrap().to_scalar::<i64>().unwrap(), i as i64 + 1),
            (i, Err(e)) => {
                assert_eq!(i % 997, 0);
                assert!(e.to_string().contains(&format!("at {i}")), "{e}");
            }
        }
    }
    assert_eq!(ds.iter().unwrap().filter(|r| r.is_err()).count(), 6);
}
