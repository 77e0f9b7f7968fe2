//! TFRecord files of Examples written by real TensorFlow
//! (`tools/make_io_fixtures.py`) parse to the values TensorFlow parsed.

use ferroflow_io::example::{
    decode_csv, parse_example, parse_single_example, parse_single_sequence_example, FeatureSpec,
    Parsed, ParsedFeatures,
};
use ferroflow_io::tfrecord::{Compression, TfRecordReader};
use ferroflow_tensor::{DType, Tensor};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn records(name: &str, compression: Compression) -> Vec<Vec<u8>> {
    TfRecordReader::open(fixture(name), compression)
        .unwrap()
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The spec of `example_spec()` in the fixture script.
fn example_spec() -> Vec<(&'static str, FeatureSpec)> {
    vec![
        ("label", FeatureSpec::fixed_len(&[], DType::I64)),
        ("weights", FeatureSpec::fixed_len(&[3], DType::F32)),
        ("name", FeatureSpec::fixed_len(&[], DType::String)),
        ("tags", FeatureSpec::var_len(DType::I64)),
        ("blob", FeatureSpec::var_len(DType::String)),
        (
            "empty_f",
            FeatureSpec::fixed_len_sequence(&[], DType::F32, true),
        ),
        (
            "missing",
            FeatureSpec::fixed_len_with_default(
                &[2],
                Tensor::from_vec(vec![9i64, 8], [2]).unwrap(),
            ),
        ),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The values of a tensor in the fixture's JSON form.
fn values_json(t: &Tensor) -> Value {
    let vals: Vec<Value> = match t.dtype() {
        DType::String => t
            .as_strings()
            .unwrap()
            .iter()
            .map(|s| hex(s).into())
            .collect(),
        DType::F32 => t
            .to_vec::<f32>()
            .unwrap()
            .into_iter()
            .map(|v| (v as f64).into())
            .collect(),
        _ => t
            .to_vec::<i64>()
            .unwrap()
            .into_iter()
            .map(Value::from)
            .collect(),
    };
    Value::Array(vals)
}

fn parsed_json(p: &Parsed) -> Value {
    match p {
        Parsed::Dense(t) => serde_json::json!({"dense": {
            "shape": t.dims(), "dtype": t.dtype().name(), "values": values_json(t)}}),
        Parsed::Sparse(s) => {
            let idx = s.indices.to_vec::<i64>().unwrap();
            let width = s.indices.dims()[1];
            let rows: Vec<Vec<i64>> = idx.chunks(width).map(<[i64]>::to_vec).collect();
            serde_json::json!({"sparse": {"indices": rows, "values": values_json(&s.values),
                "dense_shape": s.dense_shape.to_vec::<i64>().unwrap()}})
        }
    }
}

fn features_json(f: &ParsedFeatures) -> Value {
    Value::Object(f.iter().map(|(k, p)| (k.clone(), parsed_json(p))).collect())
}

#[test]
fn tensorflow_examples_parse_to_tensorflow_values_in_every_compression() {
    let want = expected();
    for (compression, name, file) in [
        (Compression::None, "NONE", "examples.tfrecord"),
        (Compression::Gzip, "GZIP", "examples.tfrecord.gz"),
        (Compression::Zlib, "ZLIB", "examples.tfrecord.zlib"),
    ] {
        let recs = records(file, compression);
        assert_eq!(recs.len(), 3, "{file}");
        let want = &want["examples"][name];
        for (i, rec) in recs.iter().enumerate() {
            let got = parse_single_example(rec, &example_spec()).unwrap();
            assert_eq!(features_json(&got), want["single"][i], "{file} record {i}");
        }
        let batch = parse_example(&recs, &example_spec()).unwrap();
        assert_eq!(features_json(&batch), want["batch"], "{file} batch");
    }
}

#[test]
fn tensorflow_sequence_example_parses_to_tensorflow_values() {
    let want = &expected()["sequence"];
    let recs = records("sequence.tfrecord", Compression::None);
    let (ctx, seq) = parse_single_sequence_example(
        &recs[0],
        &[
            ("length", FeatureSpec::fixed_len(&[], DType::I64)),
            ("title", FeatureSpec::fixed_len(&[], DType::String)),
        ],
        &[
            ("tokens", FeatureSpec::var_len(DType::I64)),
            (
                "frames",
                FeatureSpec::fixed_len_sequence(&[2], DType::F32, false),
            ),
        ],
    )
    .unwrap();
    assert_eq!(features_json(&ctx), want["context"]);
    assert_eq!(features_json(&seq), want["sequence"]);
}

#[test]
fn wrong_feature_type_for_the_spec_names_the_key() {
    let recs = records("examples.tfrecord", Compression::None);
    let spec = [("label", FeatureSpec::fixed_len(&[], DType::F32))];
    let err = parse_single_example(&recs[0], &spec)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "Key: label. Data types don't match. Data type: int64 but expected type: float"
        ),
        "{err}"
    );
    let spec = [("tags", FeatureSpec::var_len(DType::String))];
    let err = parse_example(&recs, &spec).unwrap_err().to_string();
    assert!(err.contains("Key: tags."), "{err}");
    let spec = [("weights", FeatureSpec::fixed_len(&[2], DType::F32))];
    let err = parse_single_example(&recs[0], &spec)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Key: weights"), "{err}");
    let spec = [("nope", FeatureSpec::fixed_len(&[], DType::I64))];
    let err = parse_single_example(&recs[0], &spec)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Feature: nope (data type: int64) is required"),
        "{err}"
    );
    let spec = [("label", FeatureSpec::fixed_len(&[], DType::I32))];
    assert!(parse_single_example(&recs[0], &spec).is_err());
    assert!(parse_single_example(b"\xff\xff", &[("a", FeatureSpec::var_len(DType::I64))]).is_err());
}

#[test]
fn decode_csv_matches_tensorflow() {
    let want = &expected()["csv"];
    let defaults = [
        Tensor::from_vec(vec![0i32], [1]).unwrap(),
        Tensor::from_vec(vec![1.5f32], [1]).unwrap(),
        Tensor::from_strings(&["x"], [1]).unwrap(),
        Tensor::from_vec(Vec::<i64>::new(), [0]).unwrap(),
    ];
    let good: Vec<String> = want["good"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let cols = decode_csv(&good, &defaults, b',').unwrap();
    let got: Vec<Value> = cols
        .iter()
        .map(|c| match c.dtype() {
            DType::I32 => Value::from(c.to_vec::<i32>().unwrap()),
            _ => values_json(c),
        })
        .collect();
    assert_eq!(Value::Array(got), want["columns"]);
    for case in want["bad"].as_array().unwrap() {
        let rec = case["record"].as_str().unwrap();
        let err = decode_csv(&[rec], &defaults, b',').unwrap_err().to_string();
        let tf_msg = case["tf_error"].as_str().unwrap();
        assert!(
            err.contains(tf_msg),
            "{rec:?}: got {err:?}, TF said {tf_msg:?}"
        );
    }
}
