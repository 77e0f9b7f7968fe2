//! `Event`, the record of TensorBoard event files, and its satellite
//! messages (`tensorflow/core/util/event.proto`).
//!
//! ```
//! use ferroflow_io::proto::{Event, What};
//! // The first record of every event file.
//! let first = Event::new(1700000000.0, 0, What::FileVersion("brain.Event:2".into()));
//! assert_eq!(first.file_version(), Some("brain.Event:2"));
//! ```

use super::summary::Summary;

/// One record of an event file: a timestamp, a step and what happened.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    /// Seconds since the Unix epoch.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    #[prost(int64, tag = "2")]
    pub step: i64,
    #[prost(oneof = "What", tags = "3, 4, 5, 6, 7, 8, 9")]
    pub what: Option<What>,
    #[prost(message, optional, tag = "10")]
    pub source_metadata: Option<SourceMetadata>,
}

/// What an event records (the oneof `Event.what`).
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum What {
    /// `"brain.Event:2"` in the first event of a file.
    #[prost(string, tag = "3")]
    FileVersion(String),
    /// A serialized `GraphDef` (TensorBoard's run graph).
    #[prost(bytes = "vec", tag = "4")]
    GraphDef(Vec<u8>),
    #[prost(message, tag = "5")]
    Summary(Summary),
    /// Deprecated, ignored by TensorBoard.
    #[prost(message, tag = "6")]
    LogMessage(LogMessage),
    #[prost(message, tag = "7")]
    SessionLog(SessionLog),
    #[prost(message, tag = "8")]
    TaggedRunMetadata(TaggedRunMetadata),
    /// A serialized `MetaGraphDef`.
    #[prost(bytes = "vec", tag = "9")]
    MetaGraphDef(Vec<u8>),
}

impl Event {
    /// An event at `wall_time` and `step` holding `what`.
    pub fn new(wall_time: f64, step: i64, what: What) -> Self {
        Event {
            wall_time,
            step,
            what: Some(what),
            source_metadata: None,
        }
    }

    /// The file version string when this is a file's first event.
    pub fn file_version(&self) -> Option<&str> {
        match &self.what {
            Some(What::FileVersion(v)) => Some(v),
            _ => None,
        }
    }

    /// The summary this event holds, if any.
    pub fn summary(&self) -> Option<&Summary> {
        match &self.what {
            Some(What::Summary(s)) => Some(s),
            _ => None,
        }
    }
}

/// Which program wrote an event file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SourceMetadata {
    #[prost(string, tag = "1")]
    pub writer: String,
}

/// A log line (deprecated).
#[derive(Clone, PartialEq, prost::Message)]
pub struct LogMessage {
    #[prost(enumeration = "LogLevel", tag = "1")]
    pub level: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

/// `LogMessage.Level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum LogLevel {
    Unknown = 0,
    Debugging = 10,
    Info = 20,
    Warn = 30,
    Error = 40,
    Fatal = 50,
}

/// A session's start, stop or checkpoint.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SessionLog {
    #[prost(enumeration = "SessionStatus", tag = "1")]
    pub status: i32,
    #[prost(string, tag = "2")]
    pub checkpoint_path: String,
    #[prost(string, tag = "3")]
    pub msg: String,
}

/// `SessionLog.SessionStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum SessionStatus {
    StatusUnspecified = 0,
    Start = 1,
    Stop = 2,
    Checkpoint = 3,
}

/// Run metadata (a serialized `RunMetadata`) under a tag.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TaggedRunMetadata {
    #[prost(string, tag = "1")]
    pub tag: String,
    #[prost(bytes = "vec", tag = "2")]
    pub run_metadata: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{SummaryMetadata, SummaryValue, TensorProto, ValueKind};
    use ferroflow_tensor::Tensor;
    use prost::Message;

    #[test]
    fn tf2_scalar_event_matches_the_spec_bytes() {
        // FORMATS.md 3.5 worked example.
        let mut value = SummaryValue::new(
            "loss",
            ValueKind::Tensor(TensorProto::from_tensor(&Tensor::scalar(0.5f32))),
        );
        value.metadata = Some(SummaryMetadata::plugin("scalars"));
        let summary = Summary { value: vec![value] };
        let event = Event::new(1700000001.5, 1, What::Summary(summary));
        let expected: Vec<u8> = [
            &[
                0x09, 0x00, 0x00, 0x60, 0x40, 0xfc, 0x54, 0xd9, 0x41, 0x10, 0x01,
            ][..],
            &[0x2a, 0x21, 0x0a, 0x1f, 0x0a, 0x04],
            b"loss",
            &[
                0x42, 0x0a, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0, 0, 0, 0x3f,
            ],
            &[0x4a, 0x0b, 0x0a, 0x09, 0x0a, 0x07],
            b"scalars",
        ]
        .concat();
        assert_eq!(event.encode_to_vec(), expected);
    }

    #[test]
    fn first_event_matches_the_spec_bytes() {
        let event = Event::new(1700000000.0, 0, What::FileVersion("brain.Event:2".into()));
        let mut expected = vec![0x09, 0, 0, 0, 0x40, 0xfc, 0x54, 0xd9, 0x41, 0x1a, 0x0d];
        expected.extend_from_slice(b"brain.Event:2");
        assert_eq!(event.encode_to_vec(), expected);
    }

    #[test]
    fn session_log_round_trips() {
        let log = SessionLog {
            status: SessionStatus::Start as i32,
            ..Default::default()
        };
        let event = Event::new(1.0, 7, What::SessionLog(log));
        assert_eq!(
            Event::decode(event.encode_to_vec().as_slice()).unwrap(),
            event
        );
    }
}
