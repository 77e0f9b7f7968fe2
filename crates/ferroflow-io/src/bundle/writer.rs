//! Writing a tensor bundle: the data file and the `.index` table, first to
//! temporary files that are synced and then renamed into place, so a failed
//! save never damages what was there before.

use super::data::encode_tensor;
use super::table::TableBuilder;
use super::{data_path, index_path};
use crate::proto::{BundleEntryProto, BundleHeaderProto, DataType, TensorShapeProto, VersionDef};
use crate::{IoError, Result};
use ferroflow_tensor::Tensor;
use prost::Message;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Collects named tensors and saves them as a TF checkpoint V2 under a
/// prefix, like `tf.raw_ops.SaveV2` / `tf.compat.v1.train.Saver().save`.
///
/// ```
/// use ferroflow_io::bundle::{BundleReader, BundleWriter};
/// use ferroflow_tensor::Tensor;
/// let dir = std::env::temp_dir().join(format!("ff_bundle_doc_{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let prefix = dir.join("model.ckpt");
/// let mut writer = BundleWriter::new(&prefix);
/// writer.add("w", &Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap()).unwrap();
/// writer.finish().unwrap();
/// let reader = BundleReader::open(&prefix).unwrap();
/// assert_eq!(reader.get_tensor("w").unwrap().to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct BundleWriter {
    prefix: PathBuf,
    tensors: BTreeMap<String, Tensor>,
}

/// A file sink that can be flushed to stable storage.
pub(crate) trait SyncWrite: Write {
    /// Makes the written bytes durable (`fsync`).
    fn sync(&mut self) -> std::io::Result<()>;
}

impl SyncWrite for File {
    fn sync(&mut self) -> std::io::Result<()> {
        self.sync_all()
    }
}

impl BundleWriter {
    /// A writer for the checkpoint `prefix` (`dir/model.ckpt` gives
    /// `dir/model.ckpt.index` and `dir/model.ckpt.data-00000-of-00001`).
    pub fn new(prefix: impl AsRef<Path>) -> Self {
        BundleWriter {
            prefix: prefix.as_ref().to_path_buf(),
            tensors: BTreeMap::new(),
        }
    }

    /// Adds a tensor under `name` (a checkpoint key such as `layer1/W`).
    /// Names must be unique and not empty.
    pub fn add(&mut self, name: &str, tensor: &Tensor) -> Result<()> {
        if name.is_empty() {
            return Err(IoError::invalid(
                "BundleWriter",
                "tensor names must not be empty",
            ));
        }
        if self
            .tensors
            .insert(name.to_string(), tensor.clone())
            .is_some()
        {
            return Err(IoError::invalid(
                "BundleWriter",
                format!("tensor {name:?} was added twice"),
            ));
        }
        Ok(())
    }

    /// Writes both files: data then index to temporary files, syncs them,
    /// then renames them over `prefix.*`.
    pub fn finish(self) -> Result<()> {
        self.finish_with(|path| File::create(path))
    }

    /// [`BundleWriter::finish`] with the temporary files opened by `open`.
    pub(crate) fn finish_with<W: SyncWrite>(
        self,
        mut open: impl FnMut(&Path) -> std::io::Result<W>,
    ) -> Result<()> {
        let data = data_path(&self.prefix, 0, 1);
        let index = index_path(&self.prefix);
        let temp = |path: &Path| {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".tempstate{}", std::process::id()));
            PathBuf::from(name)
        };
        let (data_tmp, index_tmp) = (temp(&data), temp(&index));
        let written = self
            .write_data(&data_tmp, &mut open)
            .and_then(|entries| write_file(&index_tmp, &mut open, &index_table(entries)));
        let renamed = written.and_then(|()| {
            std::fs::rename(&data_tmp, &data).map_err(|e| IoError::os(&data, e))?;
            std::fs::rename(&index_tmp, &index).map_err(|e| IoError::os(&index, e))
        });
        if renamed.is_err() {
            // Best effort: the temporary files are garbage either way.
            let _ = std::fs::remove_file(&data_tmp);
            let _ = std::fs::remove_file(&index_tmp);
        }
        renamed.map(|()| sync_parent(&index))
    }

    /// Writes every tensor to the data file in key order; returns the entries.
    fn write_data<W: SyncWrite>(
        &self,
        path: &Path,
        open: &mut impl FnMut(&Path) -> std::io::Result<W>,
    ) -> Result<Vec<(&str, BundleEntryProto)>> {
        let os = |e| IoError::os(path, e);
        let mut file = open(path).map_err(os)?;
        let mut offset = 0i64;
        let mut entries = Vec::with_capacity(self.tensors.len());
        for (name, tensor) in &self.tensors {
            let (bytes, crc32c) = encode_tensor(tensor);
            file.write_all(&bytes).map_err(os)?;
            entries.push((
                name.as_str(),
                BundleEntryProto {
                    dtype: DataType::from(tensor.dtype()) as i32,
                    shape: Some(TensorShapeProto::from_shape(tensor.shape())),
                    offset,
                    size: bytes.len() as i64,
                    crc32c,
                    ..Default::default()
                },
            ));
            offset += bytes.len() as i64;
        }
        file.sync().map_err(os)?;
        Ok(entries)
    }
}

/// Makes renames in the directory of `path` durable where the platform
/// allows syncing a directory (best effort: the files themselves are synced).
fn sync_parent(path: &Path) {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// The `.index` table: header under `""`, then one entry per tensor.
fn index_table(entries: Vec<(&str, BundleEntryProto)>) -> Vec<u8> {
    let header = BundleHeaderProto {
        num_shards: 1,
        endianness: 0,
        version: Some(VersionDef {
            producer: 1,
            ..Default::default()
        }),
    };
    let mut table = TableBuilder::new();
    table.add(b"", &header.encode_to_vec());
    for (name, entry) in entries {
        table.add(name.as_bytes(), &entry.encode_to_vec());
    }
    table.finish()
}

/// Writes `bytes` to a new file at `path` and syncs it.
pub(crate) fn write_file<W: SyncWrite>(
    path: &Path,
    open: &mut impl FnMut(&Path) -> std::io::Result<W>,
    bytes: &[u8],
) -> Result<()> {
    let mut file = open(path).map_err(|e| IoError::os(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync())
        .map_err(|e| IoError::os(path, e))
}
