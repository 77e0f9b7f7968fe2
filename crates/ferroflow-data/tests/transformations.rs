//! Transformation semantics against TF 2.21 (`tools/make_data_fixtures.py`).

mod common;

use common::{elements_json, ints, range, same, scalar};
use ferroflow_core::PartialShape;
use ferroflow_data::{DataError, Dataset, Element};
use ferroflow_tensor::Tensor;
use serde_json::Value;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/data.json")).unwrap()
}

fn check(name: &str, ds: &Dataset) {
    let want = &fixtures()[name];
    assert!(want.is_array(), "no fixture {name}");
    let got = elements_json(ds);
    assert!(same(&got, want), "{name}: got {got}, TF gives {want}");
}

fn i64_of(e: &Element) -> ferroflow_data::Result<i64> {
    Ok(e.at(0)?.to_scalar::<i64>()?)
}

/// `lambda x: tf.fill([x], x)`.
fn fill(e: Element) -> ferroflow_data::Result<Element> {
    let x = i64_of(&e)?;
    Ok(Element::from(Tensor::from(vec![x; x as usize])))
}

#[test]
fn interleave_orders_as_tf() {
    let repeat3 = range(1, 4).interleave(
        |e| Ok(Dataset::from_tensors(e).repeat(Some(3))),
        2,
        2,
        false,
    );
    check("interleave_c2_b2", &repeat3.unwrap());
    let uneven = |parallel| {
        range(1, 6)
            .interleave(
                |e| {
                    let x = i64_of(&e)?;
                    Ok(Dataset::from_tensors(e).repeat(Some(x as usize)))
                },
                2,
                1,
                parallel,
            )
            .unwrap()
    };
    check("interleave_c2_b1_uneven", &uneven(false));
    check("interleave_c2_b1_uneven", &uneven(true));
    let nested = range(1, 7)
        .interleave(
            |e| {
                let x = i64_of(&e)?;
                range(0, x).map(move |y| Ok(Element::from(Tensor::from(x * 10 + i64_of(&y)?))))
            },
            3,
            2,
            true,
        )
        .unwrap();
    check("interleave_c3_b2_uneven", &nested);
}

#[test]
fn padded_batch_pads_as_tf() {
    let filled = range(1, 6).map(fill).unwrap();
    check(
        "padded_batch_default",
        &filled.padded_batch(2, None, None, false).unwrap(),
    );
    let dropped = filled.padded_batch(2, None, None, true).unwrap();
    check("padded_batch_drop", &dropped);
    assert_eq!(
        dropped.element_spec().specs()[0].shape.dims().unwrap(),
        [Some(2), None]
    );

    let pair = range(0, 5)
        .map(|e| {
            let x = i64_of(&e)?;
            Ok(Element::tuple(vec![
                Tensor::from_vec(vec![x; (x % 3) as usize * 2], [(x % 3) as usize, 2])?,
                Tensor::from_vec(vec![x as f32; x as usize], [x as usize])?,
            ]))
        })
        .unwrap();
    let shapes = vec![
        PartialShape::from_dims(&[None, Some(3)]),
        PartialShape::from_dims(&[Some(6)]),
    ];
    let values = vec![Tensor::from(-1i64), Tensor::from(0.5f32)];
    let ds = pair
        .padded_batch(2, Some(shapes), Some(values), false)
        .unwrap();
    check("padded_batch_shapes_values", &ds);
}

#[test]
fn padded_batch_errors() {
    let filled = range(1, 6).map(fill).unwrap();
    let small = filled
        .padded_batch(
            5,
            Some(vec![PartialShape::from_dims(&[Some(3)])]),
            None,
            false,
        )
        .unwrap();
    let err = small
        .iter()
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Attempted to pad to a smaller size than the input element"),
        "{err}"
    );
    let bad_value = filled.padded_batch(2, None, Some(vec![Tensor::from(1.0f32)]), false);
    assert!(bad_value
        .unwrap_err()
        .to_string()
        .contains("padding value 0 must be a int64 scalar"));
    assert!(filled.padded_batch(0, None, None, false).is_err());
}

#[test]
fn batch_unbatch_and_friends_match_tf() {
    check("batch_3", &range(0, 8).batch(3, false).unwrap());
    check("batch_3_drop", &range(0, 8).batch(3, true).unwrap());
    let pairs = range(0, 7)
        .batch(3, false)
        .unwrap()
        .map(|e| {
            let x = e.at(0)?.clone();
            let doubled = x.to_vec::<i64>()?.iter().map(|v| v * 2).collect::<Vec<_>>();
            Ok(Element::tuple(vec![
                Tensor::from_vec(doubled.clone(), [doubled.len()])?,
                x,
            ]))
        })
        .unwrap()
        .map(|e| {
            let t = e.into_tensors();
            Ok(Element::tuple(vec![t[1].clone(), t[0].clone()]))
        })
        .unwrap();
    check("unbatch", &pairs.unbatch().unwrap());
    check("shard_4_1", &range(0, 10).shard(4, 1).unwrap());
    check("enumerate", &range(10, 13).enumerate(5).unwrap());
    check(
        "repeat_take_skip",
        &range(0, 3).repeat(Some(3)).skip(2).take(5),
    );
    check(
        "concatenate",
        &range(0, 2).concatenate(&range(5, 7)).unwrap(),
    );
    check("zip", &Dataset::zip(&[range(0, 5), range(10, 13)]).unwrap());
    let odd = range(0, 10)
        .filter(|e| Ok(i64_of(e)? % 3 != 0))
        .batch(4, false)
        .unwrap();
    check("filter_batch", &odd);
}

#[test]
fn epoch_boundaries_match_tf() {
    let five = || range(0, 5);
    check(
        "batch_then_repeat",
        &five().batch(2, false).unwrap().repeat(Some(2)),
    );
    check(
        "repeat_then_batch",
        &five().repeat(Some(2)).batch(3, false).unwrap(),
    );
    check(
        "repeat_then_batch_drop",
        &five().repeat(Some(2)).batch(3, true).unwrap(),
    );
    check(
        "concatenate_then_batch",
        &range(0, 3)
            .concatenate(&range(10, 12))
            .unwrap()
            .batch(2, false)
            .unwrap(),
    );
    check(
        "take_repeat_enumerate",
        &five().take(2).repeat(Some(3)).enumerate(0).unwrap(),
    );
}

#[test]
fn batch_of_different_shapes_is_an_error_naming_them() {
    let ds = range(1, 4).map(fill).unwrap().batch(2, false).unwrap();
    let err = ds.iter().unwrap().next().unwrap().unwrap_err().to_string();
    assert!(
        err.contains("Cannot batch tensors with different shapes in component 0. First element had shape [1] and element 1 had shape [2]."),
        "{err}"
    );
    assert!(range(0, 3).batch(0, false).is_err());
}

#[test]
fn batch_keeps_names_and_static_shapes() {
    let x = Tensor::from_vec((0..12).map(|v| v as f32).collect(), [6, 2]).unwrap();
    let ds = Dataset::from_tensor_slices(Element::named([
        ("x", x),
        ("y", Tensor::from([0i64, 1, 2, 3, 4, 5])),
    ]))
    .unwrap()
    .batch(4, true)
    .unwrap();
    assert_eq!(ds.element_spec().names().unwrap(), ["x", "y"]);
    assert_eq!(
        ds.element_spec().specs()[0].shape.dims().unwrap(),
        [Some(4), Some(2)]
    );
    let first = ds.iter().unwrap().next().unwrap().unwrap();
    assert_eq!(first.get("x").unwrap().dims(), [4, 2]);
    assert_eq!(first.get("x").unwrap().to_vec::<f32>().unwrap()[7], 7.0);
    assert_eq!(ds.iter().unwrap().count(), 1);
}

#[test]
fn take_skip_repeat_edges() {
    assert_eq!(ints(&range(0, 4).take(-1)), [0, 1, 2, 3]);
    assert_eq!(ints(&range(0, 4).skip(-1)), Vec::<i64>::new());
    assert_eq!(ints(&range(0, 4).take(0)), Vec::<i64>::new());
    assert_eq!(ints(&range(0, 2).repeat(Some(0))), Vec::<i64>::new());
    // Forever: epoch boundaries restart the input.
    assert_eq!(
        ints(&range(0, 3).repeat(None).take(7)),
        [0, 1, 2, 0, 1, 2, 0]
    );
    // An empty input repeated forever ends instead of spinning.
    assert_eq!(ints(&range(0, 0).repeat(None)), Vec::<i64>::new());
}

#[test]
fn shuffle_is_deterministic_under_a_seed_and_reshuffles_per_epoch() {
    let ds = range(0, 50).shuffle(50, Some(7), true).unwrap();
    let (a, b) = (ints(&ds), ints(&ds));
    assert_ne!(
        a, b,
        "reshuffle_each_iteration gives a new order each epoch"
    );
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    // The same seed rebuilt gives the same sequence of epochs.
    let again = range(0, 50).shuffle(50, Some(7), true).unwrap();
    assert_eq!((ints(&again), ints(&again)), (a.clone(), b));
    let fixed = range(0, 50).shuffle(50, Some(7), false).unwrap();
    assert_eq!(ints(&fixed), ints(&fixed));
    assert_ne!(ints(&range(0, 50).shuffle(50, Some(8), false).unwrap()), a);
    // A buffer of 1 keeps the order; a small buffer moves elements only locally.
    assert_eq!(
        ints(&range(0, 10).shuffle(1, Some(3), true).unwrap()),
        (0..10).collect::<Vec<_>>()
    );
    let local = ints(&range(0, 100).shuffle(3, Some(3), true).unwrap());
    assert!(local.iter().enumerate().all(|(i, &v)| v <= i as i64 + 2));
    // repeat after shuffle reshuffles at each epoch boundary.
    let two = ints(
        &range(0, 10)
            .shuffle(10, Some(1), true)
            .unwrap()
            .repeat(Some(2)),
    );
    assert_ne!(two[..10], two[10..]);
    assert!(range(0, 3).shuffle(0, None, true).is_err());
}

#[test]
fn cache_replays_the_first_complete_epoch() {
    let ds = range(0, 20).shuffle(20, None, true).unwrap().cache();
    let mut it = ds.iter().unwrap();
    it.next();
    drop(it); // an unfinished epoch is not cached
    let first = ints(&ds);
    assert_eq!(first, ints(&ds));
}

#[test]
fn end_of_sequence_is_out_of_range() {
    let mut it = range(0, 2).batch(2, false).unwrap().iter().unwrap();
    assert_eq!(
        it.get_next()
            .unwrap()
            .at(0)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        [0, 1]
    );
    assert!(matches!(it.get_next(), Err(DataError::OutOfRange)));
    assert!(matches!(it.get_next(), Err(DataError::OutOfRange)));
}

#[test]
fn ignore_errors_drops_failing_elements() {
    let ds = range(0, 6)
        .map(|e| {
            let x = i64_of(&e)?;
            if x % 2 == 1 {
                return Err(DataError::invalid("test_map", format!("odd {x}")));
            }
            Ok(e)
        })
        .unwrap();
    let results: Vec<_> = ds.iter().unwrap().collect();
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 3);
    assert!(results[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("test_map: odd 1"));
    assert_eq!(ints(&ds.ignore_errors()), [0, 2, 4]);
}

#[test]
fn structural_errors_are_errors() {
    assert!(range(0, 3)
        .shard(2, 2)
        .unwrap_err()
        .to_string()
        .contains("Index must be between 0 and 1"));
    let named =
        Dataset::from_tensor_slices(Element::named([("a", Tensor::from([1i64, 2]))])).unwrap();
    assert!(named.enumerate(0).is_err());
    assert!(Dataset::zip(&[named.clone(), range(0, 2)]).is_err());
    let err = range(0, 2).concatenate(&named).unwrap_err().to_string();
    assert!(err.contains("ConcatenateDataset"), "{err}");
    assert!(range(0, 2)
        .unbatch()
        .unwrap_err()
        .to_string()
        .contains("scalar"));
    assert!(Dataset::range(0, 1, 0).is_err());
    assert!(range(0, 3)
        .interleave(|e| Ok(Dataset::from_tensors(e)), 0, 1, false)
        .is_err());
    let ragged = Element::tuple(vec![Tensor::from([1i64, 2]), Tensor::from([1i64, 2, 3])]);
    assert!(Dataset::from_tensor_slices(ragged)
        .unwrap_err()
        .to_string()
        .contains("not compatible"));
    assert!(Dataset::from_tensor_slices(Tensor::from(1i64)).is_err());
}

#[test]
fn apply_and_enumerate_compose() {
    let ds = range(0, 5)
        .apply(|d| Ok(d.skip(1).take(2)))
        .unwrap()
        .enumerate(0)
        .unwrap();
    let v: Vec<(i64, i64)> = ds
        .iter()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (scalar(&e), e.at(1).unwrap().to_scalar().unwrap())
        })
        .collect();
    assert_eq!(v, [(0, 1), (1, 2)]);
}

#[test]
fn cache_file_writes_a_complete_epoch_and_replays_it() {
    let dir = common::temp_dir("cache_file");
    let path = dir.join("cache");
    let x = Tensor::from_vec((0..12).map(|v| v as f32).collect(), [6, 2]).unwrap();
    let names = Tensor::from_strings(&["a", "b", "c", "d", "e", "f"], [6]).unwrap();
    let source = Dataset::from_tensor_slices(Element::named([("x", x), ("s", names)]))
        .unwrap()
        .shuffle(6, None, true)
        .unwrap();
    let ds = source.cache_file(&path).unwrap();
    // An unfinished epoch leaves no file behind.
    ds.iter().unwrap().next().unwrap().unwrap();
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let first = common::elements_json(&ds.take(-1));
    assert!(path.exists());
    assert_eq!(
        common::elements_json(&ds),
        first,
        "later epochs replay the file"
    );
    // Another pipeline over the same file reads it, not its (reshuffled) input.
    let from_file = source.cache_file(&path).unwrap();
    assert_eq!(common::elements_json(&from_file), first);
    let e = from_file.iter().unwrap().next().unwrap().unwrap();
    assert_eq!(e.names().unwrap(), ["x", "s"]);
    // A truncated cache file is an error, not a panic.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    assert!(ds.iter().unwrap().any(|e| e.is_err()));
}

#[test]
fn cache_file_does_not_keep_a_failing_epoch() {
    let dir = common::temp_dir("cache_file_error");
    let path = dir.join("cache");
    let ds = range(0, 4)
        .map(|e| match i64_of(&e)? {
            2 => Err(DataError::invalid("test_map", "two")),
            _ => Ok(e),
        })
        .unwrap()
        .cache_file(&path)
        .unwrap();
    assert_eq!(ds.iter().unwrap().filter(|e| e.is_err()).count(), 1);
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
