//! Reading TFRecord files, verifying both CRCs of every record.

use super::{Compression, FOOTER_LEN, HEADER_LEN};
use crate::crc::masked_crc32c;
use crate::{IoError, Result};
use std::fs::File;
use std::io::{BufRead, ErrorKind, Read};
use std::path::Path;

/// Largest record read into a buffer sized up front; larger records grow
/// the buffer as their bytes actually arrive, so a corrupt length cannot make
/// the reader allocate more than the stream holds.
const MAX_RESERVE: u64 = 1 << 20;
/// Read-buffer size for files.
const BUF_CAPACITY: usize = 1 << 16;

/// Reads the records of a TFRecord stream (`tf.data.TFRecordDataset`).
///
/// [`TfRecordReader::read_next`] reuses one buffer for every record; the
/// [`IntoIterator`] impl yields owned records. Errors name the file and the
/// offset of the record in the (uncompressed) stream, like TensorFlow's
/// `DataLossError: corrupted record at 12`.
///
/// With [`TfRecordReader::skip_corrupt`], a record whose data CRC fails is
/// skipped, a header whose length CRC fails makes the reader scan forward
/// byte by byte to the next valid header, and a truncated tail ends the
/// stream; operating-system errors are still returned. This recovers more
/// than `tf.data`'s `ignore_errors()`, which ends the file at its first
/// corrupt record (checked with TF 2.21); stop at the first
/// [`TfRecordReader::corrupt_records_skipped`] increase to get TF's records.
pub struct TfRecordReader {
    input: Box<dyn BufRead + Send>,
    name: String,
    offset: u64,
    buf: Vec<u8>,
    skip_corrupt: bool,
    skipped: u64,
}

impl TfRecordReader {
    /// Opens the file at `path`.
    pub fn open(path: impl AsRef<Path>, compression: Compression) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| IoError::os(path, e))?;
        Ok(TfRecordReader::from_reader(
            file,
            compression,
            path.display().to_string(),
        ))
    }

    /// Reads from `inner`; `name` labels errors (a file name, usually).
    pub fn from_reader<R: Read + Send + 'static>(
        inner: R,
        compression: Compression,
        name: impl Into<String>,
    ) -> Self {
        TfRecordReader {
            input: compression.decompress(inner, BUF_CAPACITY),
            name: name.into(),
            offset: 0,
            buf: Vec::new(),
            skip_corrupt: false,
            skipped: 0,
        }
    }

    /// Skips corrupt and truncated records instead of failing (see the type's docs).
    pub fn skip_corrupt(mut self, skip: bool) -> Self {
        self.skip_corrupt = skip;
        self
    }

    /// How many corrupt records (or scanned-over stretches) were skipped so far.
    pub fn corrupt_records_skipped(&self) -> u64 {
        self.skipped
    }

    /// Offset of the next record in the uncompressed stream.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next record's data, or `None` at a clean end of stream. The slice
    /// borrows a buffer that the next call reuses.
    pub fn read_next(&mut self) -> Result<Option<&[u8]>> {
        let mut header = [0u8; HEADER_LEN];
        loop {
            let start = self.offset;
            match self.read_full(&mut header)? {
                0 => return Ok(None),
                HEADER_LEN => {}
                _ => return self.truncated(start),
            }
            if !length_crc_ok(&header) {
                if !self.skip_corrupt {
                    return Err(self.corrupt(start, "corrupted record (length CRC mismatch)"));
                }
                self.skipped += 1;
                if !self.resync(&mut header)? {
                    return Ok(None);
                }
            }
            let mut len_bytes = [0u8; 8];
            len_bytes.copy_from_slice(&header[..8]);
            let len = u64::from_le_bytes(len_bytes);
            let data_start = self.offset + HEADER_LEN as u64;
            let got = self.read_data(len)?;
            let mut footer = [0u8; FOOTER_LEN];
            if got < len || self.read_full(&mut footer)? < FOOTER_LEN {
                return self.truncated(self.offset);
            }
            self.offset = data_start + len + FOOTER_LEN as u64;
            if masked_crc32c(&self.buf) == u32::from_le_bytes(footer) {
                return Ok(Some(&self.buf));
            }
            if !self.skip_corrupt {
                return Err(self.corrupt(data_start, "corrupted record (data CRC mismatch)"));
            }
            self.skipped += 1;
        }
    }

    /// Reads up to `len` data bytes into the record buffer; returns how many
    /// arrived. Records up to [`MAX_RESERVE`] are read in place; longer ones
    /// grow the buffer only as their bytes actually arrive.
    fn read_data(&mut self, len: u64) -> Result<u64> {
        if len <= MAX_RESERVE {
            self.buf.resize(len as usize, 0);
            let mut buf = std::mem::take(&mut self.buf);
            let got = self.read_full(&mut buf);
            self.buf = buf;
            return Ok(got? as u64);
        }
        self.buf.clear();
        let got = (&mut self.input)
            .take(len)
            .read_to_end(&mut self.buf)
            .map_err(|e| IoError::os(&self.name, e))?;
        Ok(got as u64)
    }

    /// Slides `header` forward one byte at a time until it holds a header
    /// whose length CRC matches; false at end of stream.
    fn resync(&mut self, header: &mut [u8; HEADER_LEN]) -> Result<bool> {
        loop {
            header.copy_within(1.., 0);
            if self.read_full(&mut header[HEADER_LEN - 1..])? == 0 {
                return Ok(false);
            }
            self.offset += 1;
            if length_crc_ok(header) {
                return Ok(true);
            }
        }
    }

    /// Fills `out` unless the stream ends first; returns the bytes read.
    fn read_full(&mut self, out: &mut [u8]) -> Result<usize> {
        let mut n = 0;
        while n < out.len() {
            match self.input.read(&mut out[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(IoError::os(&self.name, e)),
            }
        }
        Ok(n)
    }

    /// A truncated record at `offset`: an error, or the end when skipping.
    fn truncated<T>(&mut self, offset: u64) -> Result<Option<T>> {
        if self.skip_corrupt {
            self.skipped += 1;
            return Ok(None);
        }
        Err(self.corrupt(offset, "truncated record"))
    }

    fn corrupt(&self, offset: u64, msg: &str) -> IoError {
        IoError::Corrupt {
            file: self.name.clone(),
            offset,
            msg: msg.into(),
        }
    }
}

fn length_crc_ok(header: &[u8; HEADER_LEN]) -> bool {
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&header[8..]);
    masked_crc32c(&header[..8]) == u32::from_le_bytes(crc)
}

/// Owned records of a [`TfRecordReader`]; stops after the first error.
pub struct Records {
    reader: TfRecordReader,
    failed: bool,
}

impl Iterator for Records {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.reader.read_next() {
            Ok(rec) => rec.map(|r| Ok(r.to_vec())),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl IntoIterator for TfRecordReader {
    type Item = Result<Vec<u8>>;
    type IntoIter = Records;

    fn into_iter(self) -> Records {
        Records {
            reader: self,
            failed: false,
        }
    }
}
