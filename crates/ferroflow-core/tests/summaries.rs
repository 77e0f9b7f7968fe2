//! TF2 summaries (`summary_writer`) and the embedding projector
//! (`projector`), against fixtures from `tools/make_summary_fixtures.py`
//! (TensorFlow 2.21, numpy). Set `FERROFLOW_INTEROP_DIR` to keep the files
//! written here for that script's `--check`.

use ferroflow_core::projector::{pca, write_embedding, EmbeddingMetadata};
use ferroflow_core::summary_writer::{
    create_file_writer, default_writer, get_step, histogram, image, scalar, set_step, text,
    SummaryWriter,
};
use ferroflow_core::Error;
use ferroflow_io::bundle::{latest_checkpoint, BundleReader};
use ferroflow_io::events::{event_files, EventFileReader, FILE_VERSION};
use ferroflow_io::image::decode_png;
use ferroflow_io::proto::{Event, SummaryValue, ValueKind};
use ferroflow_tensor::{DType, Tensor};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/summaries")
}

/// `FERROFLOW_INTEROP_DIR/sub`, or a fresh temporary directory.
fn out_dir(sub: &str) -> PathBuf {
    let dir = match std::env::var_os("FERROFLOW_INTEROP_DIR") {
        Some(root) => PathBuf::from(root).join(sub),
        None => std::env::temp_dir().join(format!("ff_summaries_{sub}_{}", std::process::id())),
    };
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn events_in(dir: &Path) -> Vec<Event> {
    let files = event_files(dir).unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    EventFileReader::open(&files[0])
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// `(step, value)` of every summary value, in file order.
fn values(events: &[Event]) -> Vec<(i64, SummaryValue)> {
    events
        .iter()
        .flat_map(|e| {
            let values = e.summary().map_or(&[][..], |s| &s.value);
            values.iter().map(move |v| (e.step, v.clone()))
        })
        .collect()
}

fn tensor(v: &SummaryValue) -> Tensor {
    match &v.value {
        Some(ValueKind::Tensor(t)) => t.to_tensor(&v.tag).unwrap(),
        other => panic!("{}: expected a tensor, got {other:?}", v.tag),
    }
}

/// The calls of `write_summaries` in the fixture script.
fn write_summaries(dir: &Path) {
    assert!(!scalar("ignored", 1.0, Some(0)).unwrap());
    let histo = Tensor::from_vec(vec![0.5f32, -1.0, 2.0, 2.0, 3.5, 0.0], [2, 3]).unwrap();
    let digits: Vec<u8> = (0..24).map(|i| (i * 11 % 256) as u8).collect();
    let digits = Tensor::from_vec(digits, [2, 3, 4, 1]).unwrap();
    let float: Vec<f32> = (0..12).map(|i| (i as f64 / 11.0) as f32).collect();
    let float = Tensor::from_vec(float, [1, 2, 2, 3]).unwrap();
    let table = Tensor::from_strings(&["a", "b", "c", "d"], [2, 2]).unwrap();

    let writer = create_file_writer(dir).unwrap();
    {
        let _default = writer.as_default();
        set_step(Some(3));
        assert!(scalar("loss", 0.5, None).unwrap());
        assert!(scalar("total loss", 2i32, Some(7)).unwrap());
        assert!(histogram("weights", &histo, Some(1), Some(4)).unwrap());
        assert!(histogram("default buckets", &histo, Some(2), None).unwrap());
        assert!(image("digits", &digits, Some(2), 1).unwrap());
        assert!(image("float", &float, Some(4), 3).unwrap());
        assert!(text("notes", "**hi** there", Some(5)).unwrap());
        assert!(text("table", table, Some(5)).unwrap());
        set_step(None);
    }
    writer.close().unwrap();
}

#[test]
fn tf2_summaries_match_what_tensorflow_writes() {
    let dir = out_dir("tf2");
    write_summaries(&dir);
    let ours = events_in(&dir);
    let theirs = events_in(&fixtures().join("events"));
    assert_eq!(ours[0].file_version(), Some(FILE_VERSION));
    let name = event_files(&dir).unwrap()[0].to_string_lossy().into_owned();
    assert!(name.ends_with(".v2"), "{name}");

    let (ours, theirs) = (values(&ours), values(&theirs));
    assert_eq!(ours.len(), 8);
    assert_eq!(ours.len(), theirs.len());
    for ((step, a), (tf_step, b)) in ours.iter().zip(&theirs) {
        assert_eq!((step, &a.tag), (tf_step, &b.tag));
        assert_eq!(a.metadata, b.metadata, "{}", a.tag);
        let (x, y) = (tensor(a), tensor(b));
        assert_eq!((x.dtype(), x.dims()), (y.dtype(), y.dims()), "{}", a.tag);
        match a.metadata.as_ref().unwrap().plugin_name() {
            "images" => {
                let (x, y) = (x.as_strings().unwrap(), y.as_strings().unwrap());
                assert_eq!(x[..2], y[..2], "{}: width and height", a.tag);
                for (p, q) in x[2..].iter().zip(&y[2..]) {
                    let decode = |png: &[u8]| decode_png(png, 0, DType::U8).unwrap();
                    assert_eq!(decode(p), decode(q), "{}: pixels", a.tag);
                }
            }
            "histograms" => {
                let (x, y) = (x.to_vec::<f64>().unwrap(), y.to_vec::<f64>().unwrap());
                let close = x.iter().zip(&y).all(|(p, q)| (p - q).abs() < 1e-12);
                assert!(close, "{}: {x:?} vs {y:?}", a.tag);
            }
            _ => assert_eq!(a, b),
        }
    }
}

#[test]
fn without_a_default_writer_nothing_is_written() {
    assert!(default_writer().is_none());
    let t = Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap();
    assert!(!histogram("h", &t, Some(0), None).unwrap());
    assert!(!text("t", "x", None).unwrap());
    // The data is still checked, as TensorBoard's `assert_scalar` does.
    let err = scalar("loss", t, Some(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "loss: Expected scalar shape, saw shape: [2]."
    );
    assert!(text("t", 1.0f32, Some(0)).is_err());
    assert!(image(
        "i",
        &Tensor::from_vec(vec![0u8; 4], [2, 2]).unwrap(),
        Some(0),
        1
    )
    .is_err());
}

#[test]
fn a_writer_needs_a_step() {
    let dir = out_dir("no_step");
    let writer = create_file_writer(&dir).unwrap();
    let _default = writer.as_default();
    assert_eq!(get_step(), None);
    let err = scalar("loss", 1.0, None).unwrap_err();
    assert!(err.to_string().contains("No step set"), "{err}");
    set_step(Some(11));
    assert!(scalar("loss", 1.0, None).unwrap());
    set_step(None);
    drop(_default);
    writer.close().unwrap();
    assert_eq!(values(&events_in(&dir))[0].0, 11);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn default_writers_nest_and_belong_to_their_thread() {
    let dir = out_dir("nest");
    let (a, b) = (
        create_file_writer(dir.join("a")).unwrap(),
        create_file_writer(dir.join("b")).unwrap(),
    );
    let current = || default_writer().map(|w: SummaryWriter| w.path().to_path_buf());
    {
        let _outer = a.as_default();
        text("where", "a", Some(0)).unwrap();
        {
            let _inner = b.as_default();
            assert_eq!(current(), Some(b.path().to_path_buf()));
            text("where", "b", Some(1)).unwrap();
            // Another thread has no default writer, and may share this one.
            let shared = b.clone();
            std::thread::spawn(move || {
                assert!(default_writer().is_none());
                let _default = shared.as_default();
                assert!(text("where", "b from a thread", Some(3)).unwrap());
            })
            .join()
            .unwrap();
        }
        assert_eq!(current(), Some(a.path().to_path_buf()));
        text("where", "a again", Some(2)).unwrap();
    }
    assert_eq!(current(), None);
    a.close().unwrap();
    b.close().unwrap();
    let steps = |d: &str| -> Vec<i64> {
        let events = events_in(&dir.join(d));
        values(&events).iter().map(|(s, _)| *s).collect()
    };
    assert_eq!((steps("a"), steps("b")), (vec![0, 2], vec![1, 3]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_closed_writer_refuses_summaries() {
    let dir = out_dir("closed");
    let writer = create_file_writer(&dir).unwrap();
    writer.close().unwrap();
    let _default = writer.as_default();
    let err = scalar("loss", 1.0, Some(0)).unwrap_err();
    assert!(matches!(err, Error::FailedPrecondition(_)), "{err}");
    assert!(err.to_string().contains("already closed"));
    drop(_default);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn f64s(v: &Value) -> Vec<f64> {
    let values = v.as_array().unwrap();
    values.iter().map(|x| x.as_f64().unwrap()).collect()
}

fn assert_close(got: &Tensor, want: &Value, what: &str) {
    let got = got.to_vec::<f64>().unwrap();
    let want = f64s(want);
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g - w).abs() < 1e-9 * (1.0 + w.abs()),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

#[test]
fn pca_matches_numpy() {
    let want = &expected()["pca"];
    let shape: Vec<usize> = want["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data = Tensor::from_vec(f64s(&want["data"]), shape).unwrap();
    let k = want["k"].as_u64().unwrap() as usize;
    let p = pca(&data, k).unwrap();
    assert_eq!(p.components.dims(), &[3, 5]);
    assert_eq!(p.projected.dims(), &[12, 3]);
    assert_close(&p.components, &want["components"], "components");
    assert_close(
        &p.explained_variance,
        &want["explained_variance"],
        "variance",
    );
    let ratio = &want["explained_variance_ratio"];
    assert_close(&p.explained_variance_ratio, ratio, "variance ratio");
    assert_close(&p.projected, &want["projected"], "projected");
}

/// The embedding of the fixture script's projector check.
fn embedding() -> (Tensor, EmbeddingMetadata) {
    let values: Vec<f32> = (0..12).map(|i| (i as f32 - 5.0) / 4.0).collect();
    let values = Tensor::from_vec(values, [4, 3]).unwrap();
    let rows = vec![
        vec!["the", "9"],
        vec!["cat", "3"],
        vec!["sat", "2"],
        vec!["on", "5"],
    ];
    let metadata = EmbeddingMetadata::table(["Word", "Frequency"], rows).unwrap();
    (values, metadata)
}

#[test]
fn projector_files_for_tensorboard() {
    let dir = out_dir("projector");
    let (values, metadata) = embedding();
    let config = write_embedding(&dir, "word_embedding", &values, Some(&metadata)).unwrap();
    let prefix = latest_checkpoint(&dir).unwrap().unwrap();
    let stored = BundleReader::open(&prefix)
        .unwrap()
        .get_tensor("word_embedding")
        .unwrap();
    assert_eq!(
        stored.to_vec::<f32>().unwrap(),
        values.to_vec::<f32>().unwrap()
    );
    let tsv = std::fs::read_to_string(dir.join("metadata.tsv")).unwrap();
    assert_eq!(tsv, "Word\tFrequency\nthe\t9\ncat\t3\nsat\t2\non\t5\n");
    let pbtxt = std::fs::read_to_string(dir.join("projector_config.pbtxt")).unwrap();
    assert_eq!(pbtxt, config.to_text());
    assert_eq!(
        pbtxt,
        "embeddings {\n  tensor_name: \"word_embedding\"\n  metadata_path: \"metadata.tsv\"\n  \
         tensor_shape: 4\n  tensor_shape: 3\n}\n"
    );
}

#[test]
fn projector_rejects_mismatched_inputs() {
    let dir = out_dir("projector_bad");
    let (values, _) = embedding();
    let three = EmbeddingMetadata::labels(["a", "b", "c"]).unwrap();
    let err = write_embedding(&dir, "e", &values, Some(&three)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "write_embedding: Number of tensors (4) do not match the number of lines in metadata (3)"
    );
    let flat = Tensor::from_vec(vec![1.0f32; 4], [4]).unwrap();
    assert!(write_embedding(&dir, "e", &flat, None).is_err());
    let ints = Tensor::from_vec(vec![1i32; 4], [2, 2]).unwrap();
    assert!(write_embedding(&dir, "e", &ints, None).is_err());
    assert!(!dir.exists(), "nothing is written for bad input");
}
