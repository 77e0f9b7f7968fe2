//! Writing event files and reading them back.

use super::*;
use crate::proto::{
    Event, GraphDef, NodeDef, SessionLog, SessionStatus, Summary, SummaryValue, ValueKind, What,
};
use ferroflow_tensor::Tensor;
use prost::Message;
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_events_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read_all(path: &std::path::Path) -> Vec<Event> {
    EventFileReader::open(path)
        .unwrap()
        .collect::<crate::Result<_>>()
        .unwrap()
}

fn every_summary_kind() -> Vec<SummaryValue> {
    let data = Tensor::from_vec(vec![0.5f32, -1.0, 2.0, 2.0], [2, 2]).unwrap();
    let images =
        Tensor::from_vec((0..2 * 3 * 4 * 3).map(|i| i as u8).collect(), [2, 3, 4, 3]).unwrap();
    let mut values = vec![
        scalar("loss", 0.25),
        histogram("weights", &data, DEFAULT_BUCKETS).unwrap(),
        image("samples", &images, 3).unwrap(),
        text("notes", &Tensor::from_strings(&["# hi"], []).unwrap()).unwrap(),
        v1::scalar("accuracy", 0.75),
        v1::histogram("biases", &data).unwrap(),
    ];
    values.extend(v1::image("digits", &images, 2).unwrap());
    values
}

#[test]
fn every_summary_kind_round_trips() {
    let dir = temp_dir("kinds");
    let writer = EventFileWriter::new(&dir).unwrap();
    let graph = GraphDef {
        node: vec![NodeDef::new("x", "Placeholder")],
        ..Default::default()
    };
    writer.add_graph(&graph).unwrap();
    for (step, value) in every_summary_kind().into_iter().enumerate() {
        writer
            .add_summary(Summary { value: vec![value] }, step as i64)
            .unwrap();
    }
    let log = SessionLog {
        status: SessionStatus::Start as i32,
        ..Default::default()
    };
    writer
        .add_event(&Event::new(1.0, 9, What::SessionLog(log)))
        .unwrap();
    let path = writer.path().to_path_buf();
    writer.close().unwrap();

    let events = read_all(&path);
    assert_eq!(events[0].file_version(), Some(FILE_VERSION));
    assert_eq!(events[0].wall_time.fract(), 0.0);
    match &events[1].what {
        Some(What::GraphDef(bytes)) => {
            assert_eq!(GraphDef::decode(bytes.as_slice()).unwrap(), graph)
        }
        other => panic!("expected a graph, got {other:?}"),
    }
    let summaries: Vec<&SummaryValue> = events[2..10]
        .iter()
        .map(|e| &e.summary().unwrap().value[0])
        .collect();
    assert_eq!(
        summaries.iter().copied().cloned().collect::<Vec<_>>(),
        every_summary_kind()
    );
    assert!(events[2..10]
        .iter()
        .enumerate()
        .all(|(i, e)| e.step == i as i64));
    assert!(matches!(events[10].what, Some(What::SessionLog(_))));
    assert_eq!(events.len(), 11);
    match &summaries[5].value {
        Some(ValueKind::Histo(h)) => assert_eq!(h.num, 4.0),
        other => panic!("expected a histogram, got {other:?}"),
    }
}

#[test]
fn file_name_follows_tf() {
    let dir = temp_dir("name");
    let options = EventWriterOptions {
        filename_suffix: ".v2".into(),
        ..Default::default()
    };
    let writer = EventFileWriter::with_options(&dir, options).unwrap();
    let name = writer
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let parts: Vec<&str> = name.split('.').collect();
    assert_eq!(&parts[..3], ["events", "out", "tfevents"]);
    assert_eq!(parts[3].len(), 10);
    assert!(parts[3].chars().all(|c| c.is_ascii_digit()));
    assert_eq!(parts[parts.len() - 3], std::process::id().to_string());
    assert_eq!(parts[parts.len() - 1], "v2");
    drop(writer);
    assert_eq!(event_files(&dir).unwrap().len(), 1);
}

#[test]
fn flush_makes_events_visible_and_drop_closes() {
    let dir = temp_dir("flush");
    let writer = EventFileWriter::new(&dir).unwrap();
    writer
        .add_summary(
            Summary {
                value: vec![scalar("a", 1.0)],
            },
            1,
        )
        .unwrap();
    writer.flush().unwrap();
    let path = writer.path().to_path_buf();
    assert_eq!(read_all(&path).len(), 2);
    writer
        .add_summary(
            Summary {
                value: vec![scalar("a", 2.0)],
            },
            2,
        )
        .unwrap();
    drop(writer);
    assert_eq!(read_all(&path).len(), 3);
}

#[test]
fn corrupt_event_files_are_errors() {
    let dir = temp_dir("corrupt");
    let writer = EventFileWriter::new(&dir).unwrap();
    let path = writer.path().to_path_buf();
    writer.close().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 6;
    bytes[last] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let results: Vec<_> = EventFileReader::open(&path).unwrap().collect();
    assert!(results[0].is_err());
    assert!(EventFileReader::open(dir.join("missing")).is_err());
}

#[test]
fn projector_config_is_written_as_text() {
    let dir = temp_dir("projector");
    let config = crate::proto::ProjectorConfig {
        embeddings: vec![crate::proto::EmbeddingInfo {
            tensor_name: "words".into(),
            tensor_path: "vectors.tsv".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    write_projector_config(&dir, &config).unwrap();
    let text = std::fs::read_to_string(dir.join(PROJECTOR_CONFIG_FILE)).unwrap();
    assert_eq!(
        text,
        "embeddings {\n  tensor_name: \"words\"\n  tensor_path: \"vectors.tsv\"\n}\n"
    );
}

#[test]
fn an_unusable_logdir_is_an_error_naming_it() {
    let dir = temp_dir("not_a_dir");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("plain_file");
    std::fs::write(&file, b"x").unwrap();
    let err = EventFileWriter::new(&file).err().unwrap().to_string();
    assert!(err.contains("plain_file"), "{err}");
}
