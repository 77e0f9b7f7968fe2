//! The LevelDB table (SSTable) format of TF's variant, as used by a tensor
//! bundle's `.index` file: data blocks, an empty metaindex block, an index
//! block and a 48-byte footer (FORMATS.md 5.2).

use super::block::{block_entries, u32_at, BlockBuilder};
use crate::crc::{crc32c, extend, mask, unmask};
use crate::{IoError, Result};
use prost::encoding::{decode_varint, encode_varint};

/// Magic number at the end of every table, stored little-endian.
const MAGIC: u64 = 0xDB47_7524_8B80_FB57;
/// Length of the footer.
const FOOTER_LEN: usize = 48;
/// Length of a block trailer: compression type + masked CRC.
const TRAILER_LEN: usize = 5;
/// A data block is closed once its size estimate reaches this (TF's `block_size`).
const BLOCK_SIZE: usize = 256 * 1024;
/// Restart interval of data blocks.
const RESTART_INTERVAL: usize = 16;

/// Builds a whole table in memory from keys added in strictly increasing order.
pub(crate) struct TableBuilder {
    out: Vec<u8>,
    data: BlockBuilder,
    index: BlockBuilder,
    last_key: Vec<u8>,
    /// Handle of the last data block, waiting for the next key to pick its
    /// index key.
    pending: Option<(u64, u64)>,
}

impl TableBuilder {
    pub(crate) fn new() -> Self {
        TableBuilder {
            out: Vec::new(),
            data: BlockBuilder::new(RESTART_INTERVAL),
            index: BlockBuilder::new(1),
            last_key: Vec::new(),
            pending: None,
        }
    }

    /// Adds an entry; the caller guarantees increasing keys.
    pub(crate) fn add(&mut self, key: &[u8], value: &[u8]) {
        if let Some(handle) = self.pending.take() {
            let separator = shortest_separator(&self.last_key, key);
            self.index.add(&separator, &encode_handle(handle));
        }
        self.data.add(key, value);
        self.last_key = key.to_vec();
        if self.data.size_estimate() >= BLOCK_SIZE {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.data.is_empty() {
            let contents = self.data.finish();
            self.pending = Some(self.write_block(&contents));
        }
    }

    /// Appends a block and its trailer; returns its handle.
    fn write_block(&mut self, contents: &[u8]) -> (u64, u64) {
        let handle = (self.out.len() as u64, contents.len() as u64);
        self.out.extend_from_slice(contents);
        self.out.push(0);
        let crc = mask(extend(crc32c(contents), &[0]));
        self.out.extend_from_slice(&crc.to_le_bytes());
        handle
    }

    /// The finished table bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.flush();
        let metaindex = self.write_block(&BlockBuilder::new(RESTART_INTERVAL).finish());
        if let Some(handle) = self.pending.take() {
            let successor = short_successor(&self.last_key);
            self.index.add(&successor, &encode_handle(handle));
        }
        let contents = self.index.finish();
        let index = self.write_block(&contents);
        let mut footer = encode_handle(metaindex);
        footer.extend_from_slice(&encode_handle(index));
        footer.resize(FOOTER_LEN - 8, 0);
        footer.extend_from_slice(&MAGIC.to_le_bytes());
        self.out.extend_from_slice(&footer);
        self.out
    }
}

fn encode_handle((offset, size): (u64, u64)) -> Vec<u8> {
    let mut out = Vec::new();
    encode_varint(offset, &mut out);
    encode_varint(size, &mut out);
    out
}

/// LevelDB's `FindShortestSeparator`: a short key in `[a, b)`.
fn shortest_separator(a: &[u8], b: &[u8]) -> Vec<u8> {
    let diff = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if diff < a.len().min(b.len()) && a[diff] < 0xff && a[diff] + 1 < b[diff] {
        let mut key = a[..=diff].to_vec();
        key[diff] += 1;
        return key;
    }
    a.to_vec()
}

/// LevelDB's `FindShortSuccessor`: a short key `>= a`.
fn short_successor(a: &[u8]) -> Vec<u8> {
    match a.iter().position(|&byte| byte != 0xff) {
        Some(i) => {
            let mut key = a[..=i].to_vec();
            key[i] += 1;
            key
        }
        None => a.to_vec(),
    }
}

/// Every `(key, value)` entry of a table, in order, checking each block's
/// CRC. `file` names the table in errors.
pub(crate) fn read_table(bytes: &[u8], file: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let corrupt = |offset: usize, msg: String| IoError::Corrupt {
        file: file.to_string(),
        offset: offset as u64,
        msg,
    };
    let footer_at = bytes.len().checked_sub(FOOTER_LEN).ok_or_else(|| {
        corrupt(
            0,
            format!("{} bytes is too short for a table footer", bytes.len()),
        )
    })?;
    let footer = &bytes[footer_at..];
    if footer[FOOTER_LEN - 8..] != MAGIC.to_le_bytes() {
        return Err(corrupt(
            footer_at + FOOTER_LEN - 8,
            "bad table magic number".into(),
        ));
    }
    let mut handles = &footer[..FOOTER_LEN - 8];
    let metaindex = decode_handle(&mut handles)
        .ok_or_else(|| corrupt(footer_at, "bad metaindex handle".into()))?;
    // No filters or statistics are used, but the block must be intact.
    read_block(bytes, metaindex, file)?;
    let index =
        decode_handle(&mut handles).ok_or_else(|| corrupt(footer_at, "bad index handle".into()))?;
    let mut entries = Vec::new();
    for (_, handle) in block_entries(read_block(bytes, index, file)?, file, index.0)? {
        let data = decode_handle(&mut handle.as_slice())
            .ok_or_else(|| corrupt(index.0 as usize, "bad data block handle".into()))?;
        entries.extend(block_entries(read_block(bytes, data, file)?, file, data.0)?);
    }
    if entries.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(corrupt(0, "keys are not strictly increasing".into()));
    }
    Ok(entries)
}

fn decode_handle(bytes: &mut &[u8]) -> Option<(u64, u64)> {
    Some((decode_varint(bytes).ok()?, decode_varint(bytes).ok()?))
}

/// The contents of the block at `(offset, size)`, after checking its trailer.
fn read_block<'a>(bytes: &'a [u8], (offset, size): (u64, u64), file: &str) -> Result<&'a [u8]> {
    let corrupt = |msg: String| IoError::Corrupt {
        file: file.to_string(),
        offset,
        msg,
    };
    let start = usize::try_from(offset).map_err(|_| corrupt("block offset too large".into()))?;
    let len = usize::try_from(size).map_err(|_| corrupt("block size too large".into()))?;
    let end = start
        .checked_add(len)
        .filter(|&end| end.saturating_add(TRAILER_LEN) <= bytes.len())
        .ok_or_else(|| {
            corrupt(format!(
                "block of {len} bytes runs past the end of the file"
            ))
        })?;
    let (contents, kind) = (&bytes[start..end], bytes[end]);
    let stored = unmask(u32_at(bytes, end + 1));
    if extend(crc32c(contents), &[kind]) != stored {
        return Err(corrupt("block checksum mismatch".into()));
    }
    if kind != 0 {
        return Err(corrupt(format!(
            "unsupported block compression type {kind}"
        )));
    }
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_follow_leveldb() {
        assert_eq!(shortest_separator(b"abc", b"abe"), b"abd");
        assert_eq!(shortest_separator(b"abc", b"abd"), b"abc");
        assert_eq!(shortest_separator(b"ab", b"abc"), b"ab");
        assert_eq!(short_successor(b"w"), b"x");
        assert_eq!(short_successor(b"step/.ATTRIBUTES/VARIABLE_VALUE"), b"t");
        assert_eq!(short_successor(&[0xff, 0xff]), [0xff, 0xff]);
    }

    #[test]
    fn many_keys_span_several_blocks() {
        let mut t = TableBuilder::new();
        let keys: Vec<String> = (0..16_000)
            .map(|i| format!("layer/{i:06}/kernel/.ATTRIBUTES/VARIABLE_VALUE"))
            .collect();
        for k in &keys {
            t.add(k.as_bytes(), &[7; 20]);
        }
        let bytes = t.finish();
        let entries = read_table(&bytes, "t").unwrap();
        assert_eq!(entries.len(), keys.len());
        assert_eq!(entries[12_345].0, keys[12_345].as_bytes());
        assert_eq!(entries[0].1, [7; 20]);
    }

    #[test]
    fn flipped_byte_and_truncation_are_errors() {
        let mut t = TableBuilder::new();
        t.add(b"a", b"1");
        let bytes = t.finish();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            // Footer padding is not covered by any checksum.
            if !(bytes.len() - 48 + 4..bytes.len() - 8).contains(&i) {
                assert!(read_table(&bad, "t").is_err(), "flip at {i}");
            }
        }
        assert!(read_table(&bytes[1..], "t").is_err());
        assert!(read_table(&bytes[..40], "t").is_err());
    }
}
