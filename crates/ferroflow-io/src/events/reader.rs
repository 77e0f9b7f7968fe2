//! Reading event files: an iterator over the `Event`s of one file, and the
//! event files of a run directory in TensorBoard's order.

use crate::proto::Event;
use crate::tfrecord::{Compression, Records, TfRecordReader};
use crate::{IoError, Result};
use prost::Message;
use std::path::{Path, PathBuf};

/// The events of one event file, in order, like TensorBoard's
/// `event_file_loader.EventFileLoader(path).Load()`.
///
/// ```no_run
/// use ferroflow_io::events::EventFileReader;
/// for event in EventFileReader::open("logs/events.out.tfevents.1700000000.host.1.0")? {
///     let event = event?;
///     println!("step {} at {}", event.step, event.wall_time);
/// }
/// # Ok::<(), ferroflow_io::IoError>(())
/// ```
pub struct EventFileReader {
    records: Records,
    name: String,
    index: usize,
}

impl EventFileReader {
    /// Opens the event file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Ok(EventFileReader {
            records: TfRecordReader::open(path, Compression::None)?.into_iter(),
            name: path.display().to_string(),
            index: 0,
        })
    }
}

impl Iterator for EventFileReader {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        let record = self.records.next()?;
        self.index += 1;
        Some(record.and_then(|bytes| {
            Event::decode(bytes.as_slice()).map_err(|source| IoError::Decode {
                what: format!("{}: event {}", self.name, self.index),
                source,
            })
        }))
    }
}

/// The event files directly in `dir` (base names containing `tfevents`),
/// sorted by name, which is the order TensorBoard reads them in.
pub fn event_files(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| IoError::os(dir, e))? {
        let path = entry.map_err(|e| IoError::os(dir, e))?.path();
        let is_event_file = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("tfevents"));
        if is_event_file && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
