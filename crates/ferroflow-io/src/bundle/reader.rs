//! Reading a tensor bundle: the `.index` table is loaded whole (it is
//! small); tensor bytes are read from the data files on demand and checked
//! against their CRCs.

use super::data::decode_tensor;
use super::table::read_table;
use super::{data_path, index_path};
use crate::proto::{BundleEntryProto, BundleHeaderProto, DataType, Endianness};
use crate::{IoError, Result};
use ferroflow_tensor::{Shape, Tensor};
use prost::Message;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Name, dtype and shape of one saved tensor, like an item of
/// `tf.train.list_variables`.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleVariable {
    pub name: String,
    /// TF's dtype; [`DataType::to_dtype`] tells whether ferroflow can load it.
    pub dtype: DataType,
    pub shape: Shape,
}

/// A checkpoint V2 opened by prefix, like `tf.train.load_checkpoint`.
///
/// ```no_run
/// use ferroflow_io::bundle::BundleReader;
/// let reader = BundleReader::open("train/model.ckpt-100")?;
/// for v in reader.list() {
///     println!("{} {:?} {}", v.name, v.dtype, v.shape);
/// }
/// let w = reader.get_tensor("layer1/W")?;
/// # Ok::<(), ferroflow_io::IoError>(())
/// ```
#[derive(Debug)]
pub struct BundleReader {
    prefix: PathBuf,
    num_shards: i32,
    entries: BTreeMap<String, BundleEntryProto>,
}

impl BundleReader {
    /// Reads `prefix.index` and checks its header.
    pub fn open(prefix: impl AsRef<Path>) -> Result<Self> {
        let prefix = prefix.as_ref().to_path_buf();
        let path = index_path(&prefix);
        let file = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| IoError::os(&path, e))?;
        let mut table = read_table(&bytes, &file)?.into_iter();
        let decode_error = |what: String| {
            let what = format!("{file}: {what}");
            move |source| IoError::Decode { what, source }
        };
        let header = match table.next() {
            Some((key, value)) if key.is_empty() => BundleHeaderProto::decode(value.as_slice())
                .map_err(decode_error("bundle header".into()))?,
            _ => {
                return Err(IoError::invalid(
                    &file,
                    "expected the bundle header under key \"\"",
                ))
            }
        };
        if header.num_shards < 1 {
            return Err(IoError::invalid(
                &file,
                format!("expected num_shards >= 1, got {}", header.num_shards),
            ));
        }
        if header.endianness != Endianness::Little as i32 {
            return Err(IoError::invalid(
                &file,
                "big-endian bundles are not supported",
            ));
        }
        let mut entries = BTreeMap::new();
        for (key, value) in table {
            let name = String::from_utf8(key)
                .map_err(|_| IoError::invalid(&file, "a tensor name is not UTF-8"))?;
            let entry = BundleEntryProto::decode(value.as_slice())
                .map_err(decode_error(format!("entry of tensor {name:?}")))?;
            entries.insert(name, entry);
        }
        Ok(BundleReader {
            prefix,
            num_shards: header.num_shards,
            entries,
        })
    }

    /// Every saved tensor's name, dtype and shape, sorted by name. Entries
    /// whose shape is invalid are listed with what could be read.
    pub fn list(&self) -> Vec<BundleVariable> {
        self.entries
            .iter()
            .map(|(name, e)| BundleVariable {
                name: name.clone(),
                dtype: DataType::try_from(e.dtype).unwrap_or(DataType::DtInvalid),
                shape: e
                    .shape
                    .as_ref()
                    .and_then(|s| s.to_shape(name).ok())
                    .unwrap_or_else(Shape::scalar),
            })
            .collect()
    }

    /// True when a tensor named `name` was saved.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// Loads the tensor saved under `name`, checking its size and CRC.
    pub fn get_tensor(&self, name: &str) -> Result<Tensor> {
        let what = format!("tensor {name:?}");
        let entry = self.entries.get(name).ok_or_else(|| {
            IoError::invalid(
                &what,
                format!("not found in checkpoint {}", self.prefix.display()),
            )
        })?;
        if !entry.slices.is_empty() {
            return Err(IoError::invalid(
                &what,
                "partitioned (sliced) tensors are not supported",
            ));
        }
        let dtype = DataType::dtype_of(entry.dtype, &what)?;
        let shape = entry
            .shape
            .as_ref()
            .ok_or_else(|| IoError::invalid(&what, "the entry has no shape"))?
            .to_shape(&what)?;
        if !(0..self.num_shards).contains(&entry.shard_id) {
            return Err(IoError::invalid(
                &what,
                format!(
                    "shard {} is not in [0, {})",
                    entry.shard_id, self.num_shards
                ),
            ));
        }
        let path = data_path(&self.prefix, entry.shard_id, self.num_shards);
        let bytes = read_range(&path, entry.offset, entry.size, &what)?;
        decode_tensor(dtype, shape, &bytes, entry.crc32c, name)
    }
}

/// `size` bytes at `offset` of the file at `path`, checked against the
/// file's length before anything is allocated.
fn read_range(path: &Path, offset: i64, size: i64, what: &str) -> Result<Vec<u8>> {
    let os = |e| IoError::os(path, e);
    let mut file = File::open(path).map_err(os)?;
    let len = file.metadata().map_err(os)?.len();
    let (start, count) = match (u64::try_from(offset), u64::try_from(size)) {
        (Ok(start), Ok(count)) if start.checked_add(count).is_some_and(|end| end <= len) => {
            (start, count)
        }
        _ => {
            return Err(IoError::invalid(
                what,
                format!(
                    "bytes [{offset}, {offset} + {size}) are outside {} ({len} bytes)",
                    path.display()
                ),
            ))
        }
    };
    file.seek(SeekFrom::Start(start)).map_err(os)?;
    // `count` fits the file, so reserving it is safe; reading into spare
    // capacity avoids zero-filling the buffer first.
    let mut bytes = Vec::with_capacity(count as usize);
    file.take(count).read_to_end(&mut bytes).map_err(os)?;
    if bytes.len() as u64 != count {
        let msg = format!(
            "{} ended after {} of {count} bytes",
            path.display(),
            bytes.len()
        );
        return Err(IoError::invalid(what, msg));
    }
    Ok(bytes)
}
