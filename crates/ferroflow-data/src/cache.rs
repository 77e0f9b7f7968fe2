//! `cache()` and `cache(filename)`: the first complete epoch is kept, in
//! memory or in a file, and replayed by later epochs.

use crate::{DataError, Dataset, Element, ElementIter, ElementSpec, Result};
use ferroflow_io::proto::tensor::TensorProto;
use ferroflow_io::tfrecord::{Compression, TfRecordReader, TfRecordWriter};
use ferroflow_io::IoError;
use ferroflow_tensor::Tensor;
use prost::Message;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

impl Dataset {
    /// Keeps the elements of the first complete epoch in memory and replays
    /// them in later epochs (`cache()`); an epoch stopped early or failing
    /// is not kept, as in TensorFlow.
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let ds = Dataset::range(0, 4, 1).unwrap().shuffle(4, None, true).unwrap().cache();
    /// let order = |d: &Dataset| -> Vec<i64> {
    ///     d.iter().unwrap().map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap()).collect()
    /// };
    /// assert_eq!(order(&ds), order(&ds));
    /// ```
    pub fn cache(&self) -> Dataset {
        let stored: Arc<Mutex<Option<Arc<Vec<Element>>>>> = Arc::default();
        let input = self.clone();
        Dataset::from_fn(self.element_spec().clone(), move || {
            if let Some(all) = stored.lock().ok().and_then(|s| s.clone()) {
                return Ok(Box::new((0..all.len()).map(move |i| Ok(all[i].clone()))));
            }
            let mut it = input.epoch()?;
            let mut seen = Vec::new();
            let stored = stored.clone();
            Ok(Box::new(std::iter::from_fn(move || match it.next() {
                Some(Ok(e)) => {
                    seen.push(e.clone());
                    Some(Ok(e))
                }
                Some(Err(e)) => Some(Err(e)),
                None => {
                    if let Ok(mut s) = stored.lock() {
                        s.get_or_insert_with(|| Arc::new(std::mem::take(&mut seen)));
                    }
                    None
                }
            })))
        })
    }

    /// Like [`Dataset::cache`], keeping the first complete epoch in the
    /// file `path` (`cache(filename)`), which later epochs and later
    /// programs read instead of the input. The file is written under a
    /// temporary name and renamed when the epoch completes. Its format is a
    /// TFRecord file of `TensorProto`s, one record per component; it is not
    /// TensorFlow's cache format.
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let path = std::env::temp_dir().join(format!("ff_doc_cache_{}", std::process::id()));
    /// let ds = Dataset::range(0, 3, 1).unwrap().cache_file(&path).unwrap();
    /// assert_eq!(ds.iter().unwrap().count(), 3); // reads the input, writes the file
    /// assert!(path.exists());
    /// assert_eq!(ds.iter().unwrap().count(), 3); // reads the file
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn cache_file(&self, path: impl AsRef<Path>) -> Result<Dataset> {
        let spec = self.element_spec().clone();
        if spec.specs().is_empty() {
            return Err(DataError::invalid(
                "CacheDataset",
                "cannot cache elements without components",
            ));
        }
        let path = path.as_ref().to_path_buf();
        let input = self.clone();
        Ok(Dataset::from_fn(spec.clone(), move || {
            if path.exists() {
                return read_cache(&path, &spec);
            }
            let tmp = PathBuf::from(format!("{}.tmp-{}", path.display(), std::process::id()));
            let writer = TfRecordWriter::create(&tmp, Compression::None)?;
            Ok(Box::new(CacheWriter {
                input: input.epoch()?,
                writer: Some(writer),
                tmp,
                path: path.clone(),
                buf: Vec::new(),
            }))
        }))
    }
}

/// The elements of a complete cache file.
fn read_cache(path: &Path, spec: &ElementSpec) -> Result<ElementIter> {
    let mut records = TfRecordReader::open(path, Compression::None)?.into_iter();
    let (spec, name) = (spec.clone(), path.display().to_string());
    let k = spec.specs().len();
    Ok(Box::new(std::iter::from_fn(move || {
        let first = records.next()?;
        let read = |r: ferroflow_io::Result<Vec<u8>>| -> Result<Tensor> {
            let proto = TensorProto::decode(r?.as_slice()).map_err(|source| IoError::Decode {
                what: name.clone(),
                source,
            })?;
            Ok(proto.to_tensor(&name)?)
        };
        let tensors = std::iter::once(first)
            .chain(records.by_ref().take(k - 1))
            .map(read)
            .collect::<Result<Vec<_>>>();
        Some(tensors.and_then(|t| {
            let e = Element::of_spec(&spec, t);
            spec.check(&e, "CacheDataset")?;
            Ok(e)
        }))
    })))
}

/// Passes the input through while writing it to the temporary cache file;
/// renames the file at the end of a complete epoch, removes it otherwise.
struct CacheWriter {
    input: ElementIter,
    writer: Option<TfRecordWriter<BufWriter<File>>>,
    tmp: PathBuf,
    path: PathBuf,
    buf: Vec<u8>,
}

impl CacheWriter {
    fn write(&mut self, e: &Element) -> Result<()> {
        let Some(w) = &mut self.writer else {
            return Ok(());
        };
        for t in e.tensors() {
            self.buf.clear();
            TensorProto::from_tensor(t)
                .encode(&mut self.buf)
                .map_err(|e| DataError::invalid("CacheDataset", e.to_string()))?;
            w.write(&self.buf)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.finish()?;
            std::fs::rename(&self.tmp, &self.path).map_err(|e| IoError::os(&self.path, e))?;
        }
        Ok(())
    }
}

impl Iterator for CacheWriter {
    type Item = Result<Element>;

    fn next(&mut self) -> Option<Result<Element>> {
        match self.input.next() {
            Some(Ok(e)) => Some(self.write(&e).map(|_| e)),
            Some(Err(e)) => {
                self.writer = None; // a failed epoch is not cached
                Some(Err(e))
            }
            None => self.finish().err().map(Err),
        }
    }
}

impl Drop for CacheWriter {
    /// Removes the partial file of an epoch that did not complete.
    fn drop(&mut self) {
        if self.writer.take().is_some() || !self.path.exists() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
