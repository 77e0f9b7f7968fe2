//! Writing TFRecord files.

use super::{Compression, HEADER_LEN};
use crate::crc::masked_crc32c;
use crate::{IoError, Result};
use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::GzBuilder;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Operating-system byte TensorFlow writes in gzip headers (3 = Unix).
const GZIP_OS_UNIX: u8 = 3;

/// The byte sink below the framing: plain or compressed.
enum Sink<W: Write> {
    Plain(W),
    Gzip(GzEncoder<W>),
    Zlib(ZlibEncoder<W>),
}

/// Writes records to a TFRecord stream (`tf.io.TFRecordWriter`).
///
/// Call [`TfRecordWriter::finish`] to flush and, for GZIP/ZLIB, write the
/// trailer; dropping the writer without it may leave a truncated file.
pub struct TfRecordWriter<W: Write> {
    sink: Sink<W>,
    name: String,
}

impl TfRecordWriter<BufWriter<File>> {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: impl AsRef<Path>, compression: Compression) -> Result<Self> {
        let path = path.as_ref();
        let file = File::create(path).map_err(|e| IoError::os(path, e))?;
        Ok(TfRecordWriter::new(
            BufWriter::with_capacity(1 << 16, file),
            compression,
            path.display().to_string(),
        ))
    }
}

impl<W: Write> TfRecordWriter<W> {
    /// Writes to `inner`; `name` labels errors (a file name, usually).
    pub fn new(inner: W, compression: Compression, name: impl Into<String>) -> Self {
        let level = flate2::Compression::default();
        let sink = match compression {
            Compression::None => Sink::Plain(inner),
            Compression::Gzip => Sink::Gzip(
                GzBuilder::new()
                    .operating_system(GZIP_OS_UNIX)
                    .write(inner, level),
            ),
            Compression::Zlib => Sink::Zlib(ZlibEncoder::new(inner, level)),
        };
        TfRecordWriter {
            sink,
            name: name.into(),
        }
    }

    /// Appends one record holding `data`.
    pub fn write(&mut self, data: &[u8]) -> Result<()> {
        let len = (data.len() as u64).to_le_bytes();
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(&len);
        header[8..].copy_from_slice(&masked_crc32c(&len).to_le_bytes());
        let footer = masked_crc32c(data).to_le_bytes();
        self.write_all(&header)?;
        self.write_all(data)?;
        self.write_all(&footer)
    }

    /// Flushes buffered bytes (compressed streams stay open).
    pub fn flush(&mut self) -> Result<()> {
        let res = match &mut self.sink {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zlib(w) => w.flush(),
        };
        res.map_err(|e| IoError::os(&self.name, e))
    }

    /// Ends the stream (writing the GZIP/ZLIB trailer), flushes and returns
    /// the inner writer.
    pub fn finish(self) -> Result<W> {
        let name = self.name;
        let mut inner = match self.sink {
            Sink::Plain(w) => Ok(w),
            Sink::Gzip(w) => w.finish(),
            Sink::Zlib(w) => w.finish(),
        }
        .map_err(|e| IoError::os(&name, e))?;
        inner.flush().map_err(|e| IoError::os(&name, e))?;
        Ok(inner)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let res = match &mut self.sink {
            Sink::Plain(w) => w.write_all(bytes),
            Sink::Gzip(w) => w.write_all(bytes),
            Sink::Zlib(w) => w.write_all(bytes),
        };
        res.map_err(|e| IoError::os(&self.name, e))
    }
}
