//! Checkpoint V2 "tensor bundles" (FORMATS.md 5): the `.index` table, the
//! data file, [`BundleReader`] / [`BundleWriter`], and the `checkpoint`
//! state file ([`CheckpointState`]).
//!
//! Files of the prefix `P`: `P.index` and `P.data-00000-of-00001`.

mod block;
mod data;
mod reader;
mod state;
mod table;
mod writer;

pub use reader::{BundleReader, BundleVariable};
pub use state::{latest_checkpoint, CheckpointState, STATE_FILE};
pub use writer::BundleWriter;

use std::path::{Path, PathBuf};

/// `prefix.index`.
fn index_path(prefix: &Path) -> PathBuf {
    with_suffix(prefix, ".index")
}

/// `prefix.data-SSSSS-of-NNNNN`.
fn data_path(prefix: &Path, shard: i32, num_shards: i32) -> PathBuf {
    with_suffix(prefix, &format!(".data-{shard:05}-of-{num_shards:05}"))
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests;
