//! TFRecord files (FORMATS.md section 1): records framed as
//! `length u64 LE | masked crc32c(length) | data | masked crc32c(data)`,
//! the whole stream optionally GZIP- or ZLIB-compressed.
//!
//! ```
//! use ferroflow_io::tfrecord::{Compression, TfRecordReader, TfRecordWriter};
//! let dir = std::env::temp_dir().join(format!("ff_doc_tfrecord_{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("a.tfrecord.gz");
//! // with tf.io.TFRecordWriter(path, "GZIP") as w: w.write(b"abc")
//! let mut w = TfRecordWriter::create(&path, Compression::Gzip).unwrap();
//! w.write(b"abc").unwrap();
//! w.finish().unwrap();
//! // list(tf.data.TFRecordDataset(path, "GZIP"))
//! let records: Vec<Vec<u8>> = TfRecordReader::open(&path, Compression::Gzip)
//!     .unwrap()
//!     .into_iter()
//!     .collect::<Result<_, _>>()
//!     .unwrap();
//! assert_eq!(records, vec![b"abc".to_vec()]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod reader;
mod writer;

pub use reader::{Records, TfRecordReader};
pub use writer::TfRecordWriter;

use crate::{IoError, Result};
use flate2::bufread::{MultiGzDecoder, ZlibDecoder};
use std::io::{BufRead, BufReader, Read};

/// Size of the record header: the length and its masked CRC.
const HEADER_LEN: usize = 12;
/// Size of the record footer: the masked CRC of the data.
const FOOTER_LEN: usize = 4;

/// How the byte stream of a TFRecord file is compressed
/// (`compression_type` of `tf.io.TFRecordWriter` / `tf.data.TFRecordDataset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// `""` or `"NONE"`.
    #[default]
    None,
    /// `"GZIP"`: one RFC 1952 gzip member (concatenated members are read too).
    Gzip,
    /// `"ZLIB"`: one RFC 1950 zlib stream.
    Zlib,
}

impl Compression {
    /// Parses TensorFlow's `compression_type` strings: `""`, `"NONE"`, `"GZIP"`, `"ZLIB"`.
    ///
    /// ```
    /// use ferroflow_io::tfrecord::Compression;
    /// assert_eq!(Compression::from_name("GZIP").unwrap(), Compression::Gzip);
    /// assert!(Compression::from_name("SNAPPY").is_err());
    /// ```
    pub fn from_name(name: &str) -> Result<Compression> {
        match name {
            "" | "NONE" => Ok(Compression::None),
            "GZIP" => Ok(Compression::Gzip),
            "ZLIB" => Ok(Compression::Zlib),
            other => Err(IoError::invalid(
                "compression_type",
                format!("expected \"\", \"NONE\", \"GZIP\" or \"ZLIB\", got {other:?}"),
            )),
        }
    }

    /// The uncompressed bytes of `inner`, buffered `capacity` bytes at a
    /// time on each side of the decoder (what `TFRecordDataset` and
    /// `TextLineDataset` read through).
    ///
    /// ```
    /// use ferroflow_io::tfrecord::Compression;
    /// use std::io::Read;
    /// // zlib.compress(b"abc")
    /// let zlib = vec![0x78, 0x9c, 0x4b, 0x4c, 0x4a, 0x06, 0x00, 0x02, 0x4d, 0x01, 0x27];
    /// let mut text = String::new();
    /// let mut reader = Compression::Zlib.decompress(std::io::Cursor::new(zlib), 64);
    /// reader.read_to_string(&mut text).unwrap();
    /// assert_eq!(text, "abc");
    /// ```
    pub fn decompress<R: Read + Send + 'static>(
        self,
        inner: R,
        capacity: usize,
    ) -> Box<dyn BufRead + Send> {
        let raw = BufReader::with_capacity(capacity, inner);
        match self {
            Compression::None => Box::new(raw),
            Compression::Gzip => {
                Box::new(BufReader::with_capacity(capacity, MultiGzDecoder::new(raw)))
            }
            Compression::Zlib => {
                Box::new(BufReader::with_capacity(capacity, ZlibDecoder::new(raw)))
            }
        }
    }
}

#[cfg(test)]
mod tests;
