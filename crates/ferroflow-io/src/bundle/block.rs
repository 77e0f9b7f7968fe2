//! LevelDB table blocks: prefix-compressed sorted entries with restart
//! points (FORMATS.md 5.2), as used by a tensor bundle's `.index` file.

use crate::{IoError, Result};
use prost::encoding::{decode_varint, encode_varint};

/// Builds the contents of one block (without its trailer).
pub(crate) struct BlockBuilder {
    buffer: Vec<u8>,
    restarts: Vec<u32>,
    restart_interval: usize,
    since_restart: usize,
    last_key: Vec<u8>,
}

impl BlockBuilder {
    /// A builder storing a full key every `restart_interval` entries
    /// (16 for data blocks, 1 for the index block).
    pub(crate) fn new(restart_interval: usize) -> Self {
        BlockBuilder {
            buffer: Vec::new(),
            restarts: vec![0],
            restart_interval,
            since_restart: 0,
            last_key: Vec::new(),
        }
    }

    /// True when no entry was added since the last reset.
    pub(crate) fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// Size of the finished block: entries, restart array and count.
    pub(crate) fn size_estimate(&self) -> usize {
        self.buffer.len() + 4 * self.restarts.len() + 4
    }

    /// Appends an entry; keys must be added in increasing order.
    pub(crate) fn add(&mut self, key: &[u8], value: &[u8]) {
        let shared = if self.since_restart < self.restart_interval {
            self.last_key
                .iter()
                .zip(key)
                .take_while(|(a, b)| a == b)
                .count()
        } else {
            self.restarts.push(self.buffer.len() as u32);
            self.since_restart = 0;
            0
        };
        encode_varint(shared as u64, &mut self.buffer);
        encode_varint((key.len() - shared) as u64, &mut self.buffer);
        encode_varint(value.len() as u64, &mut self.buffer);
        self.buffer.extend_from_slice(&key[shared..]);
        self.buffer.extend_from_slice(value);
        self.last_key = key.to_vec();
        self.since_restart += 1;
    }

    /// The finished block contents; the builder is reset for the next block.
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buffer);
        for r in &self.restarts {
            out.extend_from_slice(&r.to_le_bytes());
        }
        out.extend_from_slice(&(self.restarts.len() as u32).to_le_bytes());
        self.restarts = vec![0];
        self.since_restart = 0;
        self.last_key.clear();
        out
    }
}

/// The `(key, value)` entries of a block's contents, in order. `file` and
/// `offset` (of the block in its file) name the place in errors.
pub(crate) fn block_entries(
    block: &[u8],
    file: &str,
    offset: u64,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let corrupt = |msg: String| IoError::Corrupt {
        file: file.to_string(),
        offset,
        msg,
    };
    let n = block
        .len()
        .checked_sub(4)
        .map(|at| u32_at(block, at) as usize)
        .ok_or_else(|| {
            corrupt(format!(
                "block of {} bytes has no restart count",
                block.len()
            ))
        })?;
    let entries_end = n
        .checked_mul(4)
        .and_then(|r| block.len().checked_sub(4 + r))
        .ok_or_else(|| {
            corrupt(format!(
                "{n} restart points do not fit a block of {} bytes",
                block.len()
            ))
        })?;
    let mut rest = &block[..entries_end];
    let mut key = Vec::new();
    let mut entries = Vec::new();
    while !rest.is_empty() {
        let mut field = || -> Result<usize> {
            decode_varint(&mut rest)
                .map(|v| v as usize)
                .map_err(|_| corrupt("truncated block entry header".into()))
        };
        let (shared, non_shared, value_len) = (field()?, field()?, field()?);
        if shared > key.len() {
            return Err(corrupt(format!(
                "entry shares {shared} bytes with a key of {} bytes",
                key.len()
            )));
        }
        let body = non_shared
            .checked_add(value_len)
            .filter(|&len| len <= rest.len())
            .ok_or_else(|| corrupt("block entry runs past the block".into()))?;
        key.truncate(shared);
        key.extend_from_slice(&rest[..non_shared]);
        entries.push((key.clone(), rest[non_shared..body].to_vec()));
        rest = &rest[body..];
    }
    Ok(entries)
}

/// The little-endian u32 at `at` (the caller checked the bounds).
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut raw = [0u8; 4];
    raw.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_share_prefixes_between_restarts() {
        let mut b = BlockBuilder::new(2);
        b.add(b"abc", b"1");
        b.add(b"abd", b"22");
        b.add(b"abe", b"");
        let block = b.finish();
        // "abd" stores 1 byte of key after sharing 2; "abe" is a restart.
        assert_eq!(&block[..6], [0, 3, 1, b'a', b'b', b'c']);
        assert_eq!(&block[7..11], [2, 1, 2, b'd']);
        let entries = block_entries(&block, "t", 0).unwrap();
        let keys: Vec<&[u8]> = entries.iter().map(|(k, _)| k.as_slice()).collect();
        assert_eq!(keys, [&b"abc"[..], b"abd", b"abe"]);
        assert_eq!(entries[1].1, b"22");
        assert_eq!(u32_at(&block, block.len() - 4), 2);
    }

    #[test]
    fn empty_block_is_eight_bytes() {
        let block = BlockBuilder::new(16).finish();
        assert_eq!(block, [0, 0, 0, 0, 1, 0, 0, 0]);
        assert!(block_entries(&block, "t", 0).unwrap().is_empty());
    }

    #[test]
    fn corrupt_blocks_are_errors() {
        assert!(block_entries(&[1, 0], "t", 0).is_err());
        assert!(block_entries(&[9, 9, 9, 9], "t", 0).is_err());
        // An entry claiming to share bytes with an empty previous key.
        let bad = [5, 1, 0, b'x', 0, 0, 0, 0, 1, 0, 0, 0];
        let err = block_entries(&bad, "ckpt.index", 7)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ckpt.index: corrupt data at offset 7"),
            "{err}"
        );
        // An entry longer than the block.
        let long = [0, 9, 0, b'x', 0, 0, 0, 0, 1, 0, 0, 0];
        assert!(block_entries(&long, "t", 0).is_err());
    }
}
