//! Interop with real TensorFlow 2.21: checkpoints and event files written by
//! TF (fixtures from `tools/make_ckpt_event_fixtures.py`) read back to the
//! same values, and files written here that the same script checks with
//! `--check` (set `FERROFLOW_INTEROP_DIR` to keep them).

use ferroflow_io::bundle::{latest_checkpoint, BundleReader, BundleWriter, CheckpointState};
use ferroflow_io::events::{self, v1, EventFileReader, EventFileWriter};
use ferroflow_io::proto::{
    DataType, Event, GraphDef, MetaGraphDef, NodeDef, Summary, SummaryValue, ValueKind, What,
};
use ferroflow_tensor::{DType, Tensor};
use prost::Message;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("ckpt_events_expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A tensor from the script's JSON form `{dtype, shape, values}`.
fn json_tensor(v: &Value) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let values = v["values"].as_array().unwrap();
    let f = || values.iter().map(|x| x.as_f64().unwrap());
    match v["dtype"].as_str().unwrap() {
        "float32" => Tensor::from_vec(f().map(|x| x as f32).collect(), shape),
        "float64" => Tensor::from_vec(f().collect(), shape),
        "int32" => Tensor::from_vec(
            values.iter().map(|x| x.as_i64().unwrap() as i32).collect(),
            shape,
        ),
        "int64" => Tensor::from_vec(values.iter().map(|x| x.as_i64().unwrap()).collect(), shape),
        "bool" => Tensor::from_vec(values.iter().map(|x| x.as_bool().unwrap()).collect(), shape),
        "string" => {
            // Bytes were written as latin-1 code points.
            let strings: Vec<Vec<u8>> = values
                .iter()
                .map(|x| {
                    x.as_str()
                        .unwrap()
                        .chars()
                        .map(|c| c as u32 as u8)
                        .collect()
                })
                .collect();
            Tensor::from_strings(&strings, shape)
        }
        other => panic!("unexpected dtype {other}"),
    }
    .unwrap()
}

fn assert_bundle_matches(prefix: &Path, want: &serde_json::Map<String, Value>) {
    let reader = BundleReader::open(prefix).unwrap();
    let names: Vec<String> = reader.list().into_iter().map(|v| v.name).collect();
    assert_eq!(names, want.keys().cloned().collect::<Vec<_>>());
    for (name, value) in want {
        let expected = json_tensor(value);
        let got = reader.get_tensor(name).unwrap();
        assert_eq!(got.dtype(), expected.dtype(), "{name}");
        assert_eq!(got.dims(), expected.dims(), "{name}");
        assert_eq!(got.storage(), expected.storage(), "{name}");
    }
}

#[test]
fn tf1_saver_checkpoint_reads_to_the_same_values() {
    let dir = fixtures().join("ckpt_tf1");
    let prefix = latest_checkpoint(&dir).unwrap().unwrap();
    assert_eq!(prefix, dir.join("model.ckpt"));
    assert_bundle_matches(&prefix, expected()["tf1"].as_object().unwrap());
    let listed = BundleReader::open(&prefix).unwrap().list();
    let step = listed.iter().find(|v| v.name == "global_step").unwrap();
    assert_eq!((step.dtype, step.shape.rank()), (DataType::DtInt64, 0));
}

#[test]
fn tf1_meta_graph_decodes() {
    let bytes = std::fs::read(fixtures().join("ckpt_tf1/model.ckpt.meta")).unwrap();
    let meta = MetaGraphDef::decode(bytes.as_slice()).unwrap();
    let saver = meta.saver_def.unwrap();
    assert_eq!(saver.filename_tensor_name, "save/Const:0");
    assert_eq!(saver.restore_op_name, "save/restore_all");
    let graph = meta.graph_def.unwrap();
    assert!(graph.node.iter().any(|n| n.name == "dense/kernel"));
    assert!(meta.collection_def.contains_key("variables"));
}

#[test]
fn tf2_object_checkpoint_reads_to_the_same_values() {
    let want = expected();
    let dir = fixtures().join("ckpt_tf2");
    let prefix = latest_checkpoint(&dir).unwrap().unwrap();
    assert_eq!(prefix, dir.join(want["tf2_prefix"].as_str().unwrap()));
    assert_bundle_matches(&prefix, want["tf2"].as_object().unwrap());
    let reader = BundleReader::open(&prefix).unwrap();
    let kernel = reader
        .get_tensor("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE")
        .unwrap();
    assert_eq!(kernel.dims(), &[4, 3]);
    let state = CheckpointState::read(&dir).unwrap().unwrap();
    assert_eq!(state.all_model_checkpoint_paths, ["ckpt-1"]);
}

fn tf_events() -> Vec<Event> {
    let files = events::event_files(fixtures().join("events")).unwrap();
    assert_eq!(files.len(), 1);
    EventFileReader::open(&files[0])
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Every summary value of the events, by tag, with its step.
fn values_by_tag(events: &[Event]) -> BTreeMap<String, Vec<(i64, SummaryValue)>> {
    let mut map: BTreeMap<String, Vec<(i64, SummaryValue)>> = BTreeMap::new();
    for e in events {
        for v in e.summary().map_or(&[][..], |s| &s.value) {
            map.entry(v.tag.clone())
                .or_default()
                .push((e.step, v.clone()));
        }
    }
    map
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn decode_png(bytes: &[u8]) -> Vec<u8> {
    let mut reader = png::Decoder::new(bytes).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    buf
}

#[test]
fn tf_event_file_reads_and_matches_our_builders() {
    let want = &expected()["events"];
    let events = tf_events();
    assert_eq!(events[0].file_version(), Some(events::FILE_VERSION));
    let by_tag = values_by_tag(&events);

    // TF2 scalars: identical to what `events::scalar` builds.
    let loss: Vec<(i64, SummaryValue)> = by_tag["loss"].clone();
    for ((step, value), pair) in loss.iter().zip(want["scalars"]["loss"].as_array().unwrap()) {
        assert_eq!(*step, pair[0].as_i64().unwrap());
        assert_eq!(*value, events::scalar("loss", pair[1].as_f64().unwrap()));
    }
    // TF1 scalar.
    assert_eq!(by_tag["accuracy"], [(4, v1::scalar("accuracy", 0.875))]);

    // Histograms: TF1 bit-identical, TF2 rows within rounding.
    let data = Tensor::from_vec(f64s(&want["histogram_data"]), [6]).unwrap();
    assert_eq!(
        by_tag["biases"][0].1,
        v1::histogram("biases", &data).unwrap()
    );
    let ours = events::histogram("weights", &data, 5).unwrap();
    let tf_rows = f64s(&want["tf2_histogram_rows"]);
    let (tf_value, our_value) = (&by_tag["weights"][0].1, &ours);
    assert_eq!(tf_value.metadata, our_value.metadata);
    let tensor = |v: &SummaryValue| match &v.value {
        Some(ValueKind::Tensor(t)) => t.to_tensor(&v.tag).unwrap(),
        other => panic!("expected a tensor, got {other:?}"),
    };
    let rows = tensor(our_value).to_vec::<f64>().unwrap();
    assert_eq!(tensor(tf_value).to_vec::<f64>().unwrap(), tf_rows);
    assert!(
        rows.iter()
            .zip(&tf_rows)
            .all(|(a, b)| (a - b).abs() < 1e-12),
        "{rows:?} vs {tf_rows:?}"
    );

    // Images: same pixels after PNG decoding, for TF2 and TF1 forms.
    let pixels: Vec<u8> = want["images"]["pixels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap() as u8)
        .collect();
    let batch = Tensor::from_vec(pixels.clone(), [2, 3, 4, 3]).unwrap();
    let tf_images = tensor(&by_tag["samples"][0].1);
    let ours = tensor(&events::image("samples", &batch, 3).unwrap());
    assert_eq!(tf_images.dims(), ours.dims());
    let (tf_s, our_s) = (tf_images.as_strings().unwrap(), ours.as_strings().unwrap());
    assert_eq!(tf_s[..2], our_s[..2]);
    for i in 0..2 {
        assert_eq!(decode_png(&tf_s[2 + i]), pixels[i * 36..(i + 1) * 36]);
        assert_eq!(decode_png(&our_s[2 + i]), pixels[i * 36..(i + 1) * 36]);
    }
    let ours_v1 = v1::image("digits", &batch, 2).unwrap();
    for (i, ours) in ours_v1.iter().enumerate() {
        let (_, tf) = &by_tag[&format!("digits/image/{i}")][0];
        match (&tf.value, &ours.value) {
            (Some(ValueKind::Image(a)), Some(ValueKind::Image(b))) => {
                assert_eq!(
                    (a.height, a.width, a.colorspace),
                    (b.height, b.width, b.colorspace)
                );
                assert_eq!(
                    decode_png(&a.encoded_image_string),
                    decode_png(&b.encoded_image_string)
                );
            }
            other => panic!("expected images, got {other:?}"),
        }
    }

    // Text: identical values.
    let notes = Tensor::from_strings(&["**bold** text"], []).unwrap();
    assert_eq!(by_tag["notes"][0].1, events::text("notes", &notes).unwrap());
    let table = Tensor::from_strings(&["a", "b", "c", "d"], [2, 2]).unwrap();
    assert_eq!(by_tag["table"][0].1, events::text("table", &table).unwrap());

    // Graph.
    let graph = events.iter().find_map(|e| match &e.what {
        Some(What::GraphDef(bytes)) => Some(GraphDef::decode(bytes.as_slice()).unwrap()),
        _ => None,
    });
    let names: Vec<String> = graph.unwrap().node.into_iter().map(|n| n.name).collect();
    assert_eq!(names, ["x", "w", "y"]);
}

/// The TF1 variables of the fixture script (`TF1_VARIABLES`).
fn tf1_variables() -> Vec<(String, Tensor)> {
    let want = expected();
    want["tf1"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), json_tensor(v)))
        .collect()
}

/// Writes what `make_ckpt_event_fixtures.py --check DIR` verifies.
#[test]
fn ferroflow_writes_files_tf_can_read() {
    let dir = std::env::var_os("FERROFLOW_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("ff_interop_{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir);
    let ckpt_dir = dir.join("ckpt");
    std::fs::create_dir_all(&ckpt_dir).unwrap();
    let mut writer = BundleWriter::new(ckpt_dir.join("model.ckpt-7"));
    for (name, t) in tf1_variables() {
        writer.add(&name, &t).unwrap();
    }
    writer.finish().unwrap();
    let state = CheckpointState {
        model_checkpoint_path: "model.ckpt-7".into(),
        all_model_checkpoint_paths: vec!["model.ckpt-7".into()],
        ..Default::default()
    };
    state.write(&ckpt_dir).unwrap();

    let want = expected();
    let data = Tensor::from_vec(f64s(&want["events"]["histogram_data"]), [6]).unwrap();
    let pixels: Vec<u8> = (0..72).map(|i| (i * 3 % 256) as u8).collect();
    let batch = Tensor::from_vec(pixels, [2, 3, 4, 3]).unwrap();
    let w = EventFileWriter::new(dir.join("events")).unwrap();
    let add =
        |values: Vec<SummaryValue>, step| w.add_summary(Summary { value: values }, step).unwrap();
    for (step, loss) in [1.0, 0.5, 0.25].into_iter().enumerate() {
        add(vec![events::scalar("loss", loss)], step as i64);
    }
    add(vec![events::histogram("weights", &data, 5).unwrap()], 1);
    add(vec![events::image("samples", &batch, 3).unwrap()], 2);
    let notes = Tensor::from_strings(&["**bold** text"], []).unwrap();
    add(vec![events::text("notes", &notes).unwrap()], 3);
    add(
        vec![
            v1::scalar("accuracy", 0.875),
            v1::histogram("biases", &data).unwrap(),
        ],
        4,
    );
    add(v1::image("digits", &batch, 2).unwrap(), 5);
    let mut y = NodeDef::new("y", "MatMul");
    y.input = vec!["x".into(), "w".into()];
    let graph = GraphDef {
        node: vec![
            NodeDef::new("x", "Placeholder"),
            NodeDef::new("w", "Const"),
            y,
        ],
        ..Default::default()
    };
    w.add_graph(&graph).unwrap();
    w.close().unwrap();

    // Our own readers agree before TF is asked.
    let prefix = latest_checkpoint(&ckpt_dir).unwrap().unwrap();
    let reader = BundleReader::open(prefix).unwrap();
    assert_eq!(reader.get_tensor("vocab").unwrap().dtype(), DType::String);
    let files = events::event_files(dir.join("events")).unwrap();
    assert_eq!(EventFileReader::open(&files[0]).unwrap().count(), 10);
}
