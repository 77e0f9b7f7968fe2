//! TF2's summary API: `tf.summary.create_file_writer`, a thread's default
//! writer (`writer.as_default()`), the default step
//! (`tf.summary.experimental.set_step`), and `tf.summary.scalar`,
//! `histogram`, `image` and `text`, which write tensor summaries with the
//! TensorBoard plugins' metadata to the default writer.
//!
//! As in TensorFlow, a summary call without a default writer writes nothing
//! and returns `Ok(false)`.
//!
//! ```
//! use ferroflow_core::summary_writer::{create_file_writer, scalar};
//! let dir = std::env::temp_dir().join(format!("ff_sw_doc_{}", std::process::id()));
//! let writer = create_file_writer(&dir).unwrap();
//! assert!(!scalar("loss", 0.5, Some(0)).unwrap()); // no default writer yet
//! {
//!     let _default = writer.as_default();
//!     for step in 0..3 {
//!         assert!(scalar("loss", 1.0 / (step + 1) as f64, Some(step)).unwrap());
//!     }
//! }
//! writer.close().unwrap();
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::{Error, Result};
use ferroflow_io::events::{self, EventFileWriter, EventWriterOptions, DEFAULT_BUCKETS};
use ferroflow_io::proto::{Summary, SummaryValue};
use ferroflow_tensor::{DType, Tensor};
use std::cell::RefCell;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Suffix TF2 gives its event files.
const FILENAME_SUFFIX: &str = ".v2";

/// A writer of summaries to an event file, like the object
/// `tf.summary.create_file_writer` returns. Clones share the file.
#[derive(Clone)]
pub struct SummaryWriter {
    inner: Arc<Inner>,
}

struct Inner {
    logdir: PathBuf,
    path: PathBuf,
    /// `None` once closed.
    file: Mutex<Option<EventFileWriter>>,
    /// An error of a flush made when a default scope ended, reported by
    /// the next call.
    deferred: Mutex<Option<Error>>,
}

/// A summary writer for `logdir` (created if missing), like
/// `tf.summary.create_file_writer(logdir)`: a new `events.out.tfevents.*.v2`
/// file, written by a background thread.
pub fn create_file_writer(logdir: impl AsRef<Path>) -> Result<SummaryWriter> {
    let options = EventWriterOptions {
        filename_suffix: FILENAME_SUFFIX.into(),
        ..Default::default()
    };
    SummaryWriter::with_options(logdir, options)
}

impl SummaryWriter {
    /// A summary writer with explicit queue size, flush interval and file
    /// name suffix (`create_file_writer(logdir, max_queue, flush_millis,
    /// filename_suffix)`).
    pub fn with_options(logdir: impl AsRef<Path>, options: EventWriterOptions) -> Result<Self> {
        let logdir = logdir.as_ref();
        let file = EventFileWriter::with_options(logdir, options).map_err(io_error)?;
        Ok(SummaryWriter {
            inner: Arc::new(Inner {
                logdir: logdir.to_path_buf(),
                path: file.path().to_path_buf(),
                file: Mutex::new(Some(file)),
                deferred: Mutex::new(None),
            }),
        })
    }

    /// The log directory.
    pub fn logdir(&self) -> &Path {
        &self.inner.logdir
    }

    /// The event file being written.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Makes this the current thread's default writer until the returned
    /// guard is dropped, like `with writer.as_default():`. Guards nest: the
    /// previous default comes back when a guard drops, and the writer is
    /// flushed then.
    ///
    /// ```
    /// use ferroflow_core::summary_writer::{create_file_writer, text};
    /// let dir = std::env::temp_dir().join(format!("ff_sw_guard_{}", std::process::id()));
    /// let (a, b) = (create_file_writer(dir.join("a")).unwrap(), create_file_writer(dir.join("b")).unwrap());
    /// let _outer = a.as_default();
    /// {
    ///     let _inner = b.as_default();
    ///     text("where", "in b", Some(0)).unwrap();
    /// }
    /// text("where", "in a again", Some(1)).unwrap();
    /// # drop(_outer);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn as_default(&self) -> DefaultWriter {
        let previous = STATE.with(|s| s.borrow_mut().writer.replace(self.clone()));
        DefaultWriter {
            writer: self.clone(),
            previous,
            _not_send: PhantomData,
        }
    }

    /// Makes this the current thread's default writer with no scope, like
    /// `writer.set_as_default()`.
    pub fn set_as_default(&self) {
        STATE.with(|s| s.borrow_mut().writer = Some(self.clone()));
    }

    /// Writes every pending summary to disk, like `writer.flush()`.
    pub fn flush(&self) -> Result<()> {
        self.take_deferred()?;
        self.with_file(|file| file.flush().map_err(io_error))
    }

    /// Flushes and closes the file, like `writer.close()`; writing to a
    /// closed writer is an error.
    pub fn close(&self) -> Result<()> {
        self.take_deferred()?;
        match self.file().take() {
            Some(file) => file.close().map_err(io_error),
            None => Ok(()),
        }
    }

    /// Queues one summary value at `step`.
    pub fn write_value(&self, value: SummaryValue, step: i64) -> Result<()> {
        self.take_deferred()?;
        let summary = Summary { value: vec![value] };
        self.with_file(|file| file.add_summary(summary, step).map_err(io_error))
    }

    fn file(&self) -> MutexGuard<'_, Option<EventFileWriter>> {
        // A panic while holding the lock leaves the writer usable.
        self.inner.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with_file(&self, f: impl FnOnce(&EventFileWriter) -> Result<()>) -> Result<()> {
        match self.file().as_ref() {
            Some(file) => f(file),
            None => Err(Error::FailedPrecondition(format!(
                "SummaryWriter is already closed ({})",
                self.inner.path.display()
            ))),
        }
    }

    fn take_deferred(&self) -> Result<()> {
        let deferred = self.inner.deferred.lock().ok().and_then(|mut d| d.take());
        deferred.map_or(Ok(()), Err)
    }
}

impl std::fmt::Debug for SummaryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SummaryWriter")
            .field("path", &self.inner.path)
            .finish()
    }
}

/// The scope of a default writer ([`SummaryWriter::as_default`]); dropping
/// it restores the previous default and flushes the writer. It belongs to
/// the thread that made it.
#[must_use = "the writer is the default only while this guard lives"]
pub struct DefaultWriter {
    writer: SummaryWriter,
    previous: Option<SummaryWriter>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for DefaultWriter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        STATE.with(|s| s.borrow_mut().writer = previous);
        if let Err(e) = self.writer.flush() {
            if let Ok(mut slot) = self.writer.inner.deferred.lock() {
                slot.get_or_insert(e);
            }
        }
    }
}

/// The summary state of one thread, as TF keeps it thread-local.
#[derive(Default)]
struct State {
    writer: Option<SummaryWriter>,
    step: Option<i64>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Sets the step summaries use when called without one, like
/// `tf.summary.experimental.set_step(step)`; `None` clears it.
///
/// ```
/// use ferroflow_core::summary_writer::{get_step, set_step};
/// set_step(Some(42));
/// assert_eq!(get_step(), Some(42));
/// set_step(None);
/// ```
pub fn set_step(step: Option<i64>) {
    STATE.with(|s| s.borrow_mut().step = step);
}

/// The default step of this thread, like `tf.summary.experimental.get_step()`.
pub fn get_step() -> Option<i64> {
    STATE.with(|s| s.borrow().step)
}

/// The current thread's default writer, if any.
pub fn default_writer() -> Option<SummaryWriter> {
    STATE.with(|s| s.borrow().writer.clone())
}

/// Writes the value `make` builds to the default writer at `step` (or the
/// default step); `Ok(false)` without a default writer, where `make` is
/// not called.
fn write(
    step: Option<i64>,
    make: impl FnOnce() -> ferroflow_io::Result<SummaryValue>,
) -> Result<bool> {
    let Some(writer) = default_writer() else {
        return Ok(false);
    };
    let Some(step) = step.or_else(get_step) else {
        return Err(Error::invalid(
            "summary",
            "No step set. Please specify one either through the `step` argument \
             or through tf.summary.experimental.set_step()",
        ));
    };
    writer.write_value(make().map_err(io_error)?, step)?;
    Ok(true)
}

/// Writes a scalar, like `tf.summary.scalar(name, data, step)`: `data` is
/// a real number or a rank-0 numeric tensor, stored as float32 for the
/// scalars dashboard. Returns whether a default writer took it.
pub fn scalar(name: &str, data: impl Into<Tensor>, step: Option<i64>) -> Result<bool> {
    let data = data.into();
    if data.rank() != 0 {
        return Err(Error::invalid(
            name,
            format!("Expected scalar shape, saw shape: {}.", data.shape()),
        ));
    }
    let value = data
        .to_f64_vec()
        .map_err(|_| Error::invalid(name, format!("expected a number, got {}", data.dtype())))?[0];
    write(step, || Ok(events::scalar(name, value)))
}

/// Writes a histogram of a numeric tensor's values, like
/// `tf.summary.histogram(name, data, step, buckets)`: `buckets` equal-width
/// buckets between the least and greatest value (30 when `None`). Returns
/// whether a default writer took it.
pub fn histogram(
    name: &str,
    data: &Tensor,
    step: Option<i64>,
    buckets: Option<usize>,
) -> Result<bool> {
    let buckets = buckets.unwrap_or(DEFAULT_BUCKETS);
    write(step, || events::histogram(name, data, buckets))
}

/// Writes up to `max_outputs` images of a `[k, h, w, c]` batch (uint8, or
/// floats in [0, 1]; 1 to 4 channels), like `tf.summary.image(name,
/// data, step, max_outputs)`. Returns whether a default writer took it.
pub fn image(name: &str, data: &Tensor, step: Option<i64>, max_outputs: usize) -> Result<bool> {
    if data.rank() != 4 {
        return Err(Error::invalid(
            name,
            format!(
                "expected images of shape [k, h, w, c], got {}",
                data.shape()
            ),
        ));
    }
    write(step, || events::image(name, data, max_outputs))
}

/// Writes Markdown text, like `tf.summary.text(name, data, step)`: a `&str`
/// or a string tensor (rank 1 or 2 shows as a table). Returns whether a
/// default writer took it.
pub fn text(name: &str, data: impl Into<Tensor>, step: Option<i64>) -> Result<bool> {
    let data = data.into();
    if data.dtype() != DType::String {
        return Err(Error::invalid(
            name,
            format!("expected a string tensor for text, got {}", data.dtype()),
        ));
    }
    write(step, || events::text(name, &data))
}

fn io_error(e: ferroflow_io::IoError) -> Error {
    Error::invalid("SummaryWriter", e.to_string())
}
