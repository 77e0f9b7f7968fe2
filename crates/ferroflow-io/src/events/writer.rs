//! [`EventFileWriter`]: appends `Event` records to a TensorBoard event file
//! from a background thread, so summaries never wait on the disk.

use crate::proto::{Event, GraphDef, MetaGraphDef, SourceMetadata, Summary, What};
use crate::tfrecord::{Compression, TfRecordWriter};
use crate::{IoError, Result};
use prost::Message;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The version string of the first event of every file.
pub const FILE_VERSION: &str = "brain.Event:2";
/// `SourceMetadata.writer` of files written by ferroflow.
const SOURCE_WRITER: &str = "ferroflow.io.events_writer";

/// Settings of an [`EventFileWriter`], like the arguments of
/// `tf.summary.create_file_writer`.
#[derive(Debug, Clone)]
pub struct EventWriterOptions {
    /// Events that may wait in the queue; a caller blocks only when the
    /// disk falls this far behind (`max_queue`).
    pub max_queue: usize,
    /// Longest time a written event stays in memory before being flushed
    /// (`flush_millis`).
    pub flush_interval: Duration,
    /// Appended to the file name (TF2 uses `.v2`).
    pub filename_suffix: String,
}

impl Default for EventWriterOptions {
    fn default() -> Self {
        EventWriterOptions {
            max_queue: 1024,
            flush_interval: Duration::from_secs(2),
            filename_suffix: String::new(),
        }
    }
}

enum Command {
    Write(Vec<u8>),
    Flush(SyncSender<()>),
}

/// Writes an event file in a log directory, like TF1's
/// `tf.compat.v1.summary.FileWriter` or TF2's `create_file_writer`.
///
/// The file is `events.out.tfevents.<time>.<host>.<pid>.<n><suffix>`; its
/// first event carries `file_version: "brain.Event:2"`. Records are encoded
/// on the caller's thread and written by a background thread; a write error
/// there is returned by the next call. Dropping the writer flushes and
/// closes the file.
///
/// ```
/// use ferroflow_io::events::{scalar, EventFileReader, EventFileWriter};
/// use ferroflow_io::proto::Summary;
/// let dir = std::env::temp_dir().join(format!("ff_events_doc_{}", std::process::id()));
/// let writer = EventFileWriter::new(&dir).unwrap();
/// // tf.summary.scalar("loss", 0.5, step=1)
/// writer.add_summary(Summary { value: vec![scalar("loss", 0.5)] }, 1).unwrap();
/// let path = writer.path().to_path_buf();
/// writer.close().unwrap();
/// let events: Vec<_> = EventFileReader::open(&path).unwrap().collect::<Result<_, _>>().unwrap();
/// assert_eq!(events.len(), 2);
/// assert_eq!(events[1].step, 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct EventFileWriter {
    path: PathBuf,
    queue: Option<SyncSender<Command>>,
    thread: Option<JoinHandle<()>>,
    error: Arc<Mutex<Option<IoError>>>,
}

impl EventFileWriter {
    /// A writer with default options in `logdir` (created if missing).
    pub fn new(logdir: impl AsRef<Path>) -> Result<Self> {
        EventFileWriter::with_options(logdir, EventWriterOptions::default())
    }

    /// A writer with the given options in `logdir` (created if missing).
    pub fn with_options(logdir: impl AsRef<Path>, options: EventWriterOptions) -> Result<Self> {
        let logdir = logdir.as_ref();
        std::fs::create_dir_all(logdir).map_err(|e| IoError::os(logdir, e))?;
        let now = wall_time();
        let path = logdir.join(file_name(now as u64, &options.filename_suffix));
        let mut records = TfRecordWriter::create(&path, Compression::None)?;
        let first = Event {
            wall_time: now.floor(),
            step: 0,
            what: Some(What::FileVersion(FILE_VERSION.into())),
            source_metadata: Some(SourceMetadata {
                writer: SOURCE_WRITER.into(),
            }),
        };
        records.write(&first.encode_to_vec())?;
        records.flush()?;
        let (queue, commands) = mpsc::sync_channel(options.max_queue.max(1));
        let error = Arc::new(Mutex::new(None));
        let thread_error = Arc::clone(&error);
        let interval = options.flush_interval;
        let thread = std::thread::Builder::new()
            .name("event-file-writer".into())
            .spawn(move || run(records, commands, interval, &thread_error))
            .map_err(|e| IoError::os(&path, e))?;
        Ok(EventFileWriter {
            path,
            queue: Some(queue),
            thread: Some(thread),
            error,
        })
    }

    /// The event file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues one event for writing.
    pub fn add_event(&self, event: &Event) -> Result<()> {
        self.take_error()?;
        self.send(Command::Write(event.encode_to_vec()))
    }

    /// Queues `Event{wall_time: now, step, summary}`.
    pub fn add_summary(&self, summary: Summary, step: i64) -> Result<()> {
        self.add_event(&Event::new(wall_time(), step, What::Summary(summary)))
    }

    /// Queues the run graph TensorBoard's graph dashboard shows
    /// (`Event.graph_def`, step 0).
    pub fn add_graph(&self, graph: &GraphDef) -> Result<()> {
        self.add_event(&Event::new(
            wall_time(),
            0,
            What::GraphDef(graph.encode_to_vec()),
        ))
    }

    /// Queues a meta graph (`Event.meta_graph_def`); TensorBoard shows a graph
    /// only from [`EventFileWriter::add_graph`].
    pub fn add_meta_graph(&self, meta: &MetaGraphDef) -> Result<()> {
        let event = Event::new(wall_time(), 0, What::MetaGraphDef(meta.encode_to_vec()));
        self.add_event(&event)
    }

    /// Waits until every queued event is written and flushed to the file.
    pub fn flush(&self) -> Result<()> {
        let (done, wait) = mpsc::sync_channel(1);
        self.send(Command::Flush(done))?;
        // The thread answers after flushing, or drops `done` if it stopped.
        let _ = wait.recv();
        self.take_error()
    }

    /// Writes everything queued, closes the file and reports any error.
    pub fn close(mut self) -> Result<()> {
        self.stop();
        self.take_error()
    }

    fn send(&self, command: Command) -> Result<()> {
        let stopped = || {
            let msg = "the writer thread has stopped";
            IoError::os(&self.path, std::io::Error::other(msg))
        };
        let queue = self.queue.as_ref().ok_or_else(stopped)?;
        queue.send(command).map_err(|_| stopped())
    }

    fn take_error(&self) -> Result<()> {
        match self.error.lock().ok().and_then(|mut e| e.take()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn stop(&mut self) {
        // Closing the queue makes the thread drain it, flush and exit.
        self.queue = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for EventFileWriter {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The background loop: write records, flush when asked, when idle for
/// `interval`, and at the end.
fn run(
    mut records: TfRecordWriter<BufWriter<File>>,
    commands: Receiver<Command>,
    interval: Duration,
    error: &Mutex<Option<IoError>>,
) {
    let record = |result: Result<()>| {
        if let (Err(e), Ok(mut slot)) = (result, error.lock()) {
            slot.get_or_insert(e);
        }
    };
    loop {
        match commands.recv_timeout(interval) {
            Ok(Command::Write(bytes)) => record(records.write(&bytes)),
            Ok(Command::Flush(done)) => {
                record(records.flush());
                let _ = done.send(());
            }
            Err(RecvTimeoutError::Timeout) => record(records.flush()),
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    record(records.finish().map(drop));
}

/// Seconds since the Unix epoch.
fn wall_time() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `events.out.tfevents.<T>.<host>.<pid>.<n><suffix>`, `<T>` zero-padded to
/// 10 digits and `<n>` counting the files of this process.
fn file_name(seconds: u64, suffix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    format!(
        "events.out.tfevents.{seconds:010}.{}.{pid}.{n}{suffix}",
        hostname()
    )
}

/// The machine's host name, as TF puts it in event file names.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().replace('/', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
