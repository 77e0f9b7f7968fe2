//! TF1's `tf.summary.FileWriter`: an event file in a log directory with the
//! graph and the summaries `Session::run` produced.

use crate::graph::Graph;
use crate::saver::io_error;
use crate::{Error, Result};
use ferroflow_io::events::EventFileWriter;
use ferroflow_io::proto::Summary;
use prost::Message;
use std::path::{Path, PathBuf};

/// Writes event files for TensorBoard, like
/// `tf.compat.v1.summary.FileWriter(logdir, graph)`.
///
/// ```
/// use ferroflow_core::graph::Graph;
/// use ferroflow_core::session::Session;
/// use ferroflow_core::{summary_ops as summary, FileWriter};
/// use ferroflow_core::prelude::*;
/// let dir = std::env::temp_dir().join(format!("ff_fw_doc_{}", std::process::id()));
/// let g = Graph::new();
/// let x = g.constant(Tensor::scalar(1.5f32), "x").unwrap();
/// let s = summary::scalar("x", &x).unwrap();
/// let writer = FileWriter::new(&dir, Some(&g)).unwrap();
/// let out = Session::new(&g).run(&[&s], &[]).unwrap();
/// writer.add_summary(&out[0].as_strings().unwrap()[0], 1).unwrap();
/// writer.close().unwrap();
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct FileWriter {
    writer: EventFileWriter,
}

impl FileWriter {
    /// A writer of a new event file in `logdir` (created if missing),
    /// starting with `file_version`, then `graph`'s GraphDef and
    /// MetaGraphDef when given.
    pub fn new(logdir: impl AsRef<Path>, graph: Option<&Graph>) -> Result<FileWriter> {
        let writer = EventFileWriter::new(logdir).map_err(io_error("FileWriter"))?;
        let w = FileWriter { writer };
        if let Some(graph) = graph {
            w.add_graph(graph)?;
        }
        Ok(w)
    }

    /// The event file's path.
    pub fn path(&self) -> PathBuf {
        self.writer.path().to_path_buf()
    }

    /// Adds a serialized `Summary` (what a summary op evaluates to) at
    /// `step`, like `writer.add_summary(summary_str, global_step)`.
    pub fn add_summary(&self, summary: &[u8], step: i64) -> Result<()> {
        let summary = Summary::decode(summary)
            .map_err(|e| Error::invalid("FileWriter", format!("not a serialized Summary: {e}")))?;
        self.writer
            .add_summary(summary, step)
            .map_err(io_error("FileWriter"))
    }

    /// Adds `graph`'s GraphDef and MetaGraphDef, like `writer.add_graph`.
    pub fn add_graph(&self, graph: &Graph) -> Result<()> {
        self.writer
            .add_graph(&graph.to_graph_def()?)
            .map_err(io_error("FileWriter"))?;
        self.writer
            .add_meta_graph(&crate::graph_def::meta_graph_def(graph)?)
            .map_err(io_error("FileWriter"))
    }

    /// Writes pending events to disk.
    pub fn flush(&self) -> Result<()> {
        self.writer.flush().map_err(io_error("FileWriter"))
    }

    /// Flushes and closes the file.
    pub fn close(self) -> Result<()> {
        self.writer.close().map_err(io_error("FileWriter"))
    }
}
