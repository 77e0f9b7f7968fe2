//! Datasets read from files: `list_files`, `TextLineDataset`,
//! `FixedLengthRecordDataset` and `TFRecordDataset`.

use crate::{DataError, Dataset, Element, ElementIter, ElementSpec, Result};
use ferroflow_core::{PartialShape, TensorSpec};
use ferroflow_io::tfrecord::{Compression, TfRecordReader};
use ferroflow_io::IoError;
use ferroflow_tensor::{DType, Tensor};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Options of [`Dataset::tfrecord`] (`tf.data.TFRecordDataset` arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TfRecordOptions {
    /// `compression_type`: NONE, GZIP or ZLIB.
    pub compression: Compression,
    /// `buffer_size` in bytes of the file read buffer (`None`: 256 KiB, TensorFlow's default).
    pub buffer_size: Option<usize>,
    /// `num_parallel_reads`: files read at once, interleaved record by
    /// record on background threads (1: one file after the other).
    pub num_parallel_reads: usize,
}

impl Default for TfRecordOptions {
    fn default() -> Self {
        TfRecordOptions {
            compression: Compression::None,
            buffer_size: None,
            num_parallel_reads: 1,
        }
    }
}

/// A string scalar element.
fn string_scalar(bytes: &[u8]) -> Result<Element> {
    Ok(Element::from(Tensor::from_strings(&[bytes], ())?))
}

fn string_spec() -> ElementSpec {
    ElementSpec::tuple(vec![TensorSpec::new(
        DType::String,
        PartialShape::from_dims(&[]),
    )])
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| IoError::os(path, e).into())
}

/// Elements of every file in turn (`num_parallel_reads` files interleaved
/// on threads when above 1); `read` opens one file.
fn per_file<F>(files: Vec<PathBuf>, num_parallel_reads: usize, read: F) -> Result<Dataset>
where
    F: Fn(&Path) -> Result<ElementIter> + Send + Sync + 'static,
{
    let read = Arc::new(read);
    if num_parallel_reads > 1 {
        let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let names = Dataset::from_tensor_slices(Tensor::from_strings(&names, [names.len()])?)?;
        return names.interleave(
            move |e| {
                let path =
                    PathBuf::from(String::from_utf8_lossy(&e.at(0)?.as_strings()?[0]).into_owned());
                let read = read.clone();
                Ok(Dataset::from_fn(string_spec(), move || read(&path)))
            },
            num_parallel_reads,
            1,
            true,
        );
    }
    let files = Arc::new(files);
    Ok(Dataset::from_fn(string_spec(), move || {
        let (files, read) = (files.clone(), read.clone());
        Ok(Box::new((0..files.len()).flat_map(move |i| {
            match read(&files[i]) {
                Ok(it) => it,
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        })))
    }))
}

fn paths<P: AsRef<Path>>(files: impl IntoIterator<Item = P>) -> Vec<PathBuf> {
    files
        .into_iter()
        .map(|p| p.as_ref().to_path_buf())
        .collect()
}

impl Dataset {
    /// The file names matching `pattern`, as string scalars
    /// (`Dataset.list_files`): sorted, then shuffled with `seed` when
    /// `shuffle` (anew each epoch). Wildcards may appear in every path
    /// component: `*`, `?`, `[abc]`, `[a-z]`, `[!a-z]`, and `\` escapes, as
    /// in `tf.io.gfile.glob`. A pattern matching nothing is an error.
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let dir = std::env::temp_dir().join(format!("ff_doc_list_files_{}", std::process::id()));
    /// for split in ["train", "test"] {
    ///     std::fs::create_dir_all(dir.join(split)).unwrap();
    ///     std::fs::write(dir.join(split).join("part-0.tfrecord"), b"").unwrap();
    /// }
    /// let pattern = format!("{}/t*/part-[0-9].tfrecord", dir.display());
    /// let files = Dataset::list_files(&pattern, true, Some(42)).unwrap();
    /// assert_eq!(files.iter().unwrap().count(), 2);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn list_files(pattern: &str, shuffle: bool, seed: Option<u64>) -> Result<Dataset> {
        let found = crate::glob::matching_paths(pattern);
        if found.is_empty() {
            return Err(DataError::invalid(
                "list_files",
                format!("No files matched pattern: {pattern}"),
            ));
        }
        let ds = Dataset::from_tensor_slices(Tensor::from_strings(&found, [found.len()])?)?;
        if shuffle {
            ds.shuffle(found.len(), seed, true)
        } else {
            Ok(ds)
        }
    }

    /// One string scalar per line of each file, without the line ending
    /// (`TextLineDataset(filenames, compression_type)`); `compression`
    /// NONE, GZIP or ZLIB applies to every file.
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// use ferroflow_io::tfrecord::Compression;
    /// let path = std::env::temp_dir().join(format!("ff_doc_lines_{}.txt", std::process::id()));
    /// std::fs::write(&path, "a,1\nb,2\n").unwrap();
    /// let ds = Dataset::text_lines([&path], Compression::None).unwrap();
    /// assert_eq!(ds.iter().unwrap().count(), 2);
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn text_lines<P: AsRef<Path>>(
        files: impl IntoIterator<Item = P>,
        compression: Compression,
    ) -> Result<Dataset> {
        per_file(paths(files), 1, move |path| {
            let mut reader = compression.decompress(open(path)?, 1 << 16);
            let name = path.to_path_buf();
            let mut line = Vec::new();
            Ok(Box::new(std::iter::from_fn(move || {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) => None,
                    Ok(_) => {
                        let end = line.len() - line.ends_with(b"\n") as usize;
                        let end = end - line[..end].ends_with(b"\r") as usize;
                        Some(string_scalar(&line[..end]))
                    }
                    Err(e) => Some(Err(IoError::os(&name, e).into())),
                }
            })))
        })
    }

    /// Records of `record_bytes` bytes between a header and a footer of
    /// each file (`FixedLengthRecordDataset`; CIFAR-10's binary batches are
    /// 3073-byte records with no header). A body that is not a whole number
    /// of records is an error.
    pub fn fixed_length_records<P: AsRef<Path>>(
        files: impl IntoIterator<Item = P>,
        record_bytes: usize,
        header_bytes: usize,
        footer_bytes: usize,
    ) -> Result<Dataset> {
        const OP: &str = "FixedLengthRecordDataset";
        if record_bytes == 0 {
            return Err(DataError::invalid(
                OP,
                "record_bytes must be greater than zero.",
            ));
        }
        per_file(paths(files), 1, move |path| {
            let file = open(path)?;
            let len = file.metadata().map_err(|e| IoError::os(path, e))?.len() as usize;
            let body = len.saturating_sub(header_bytes + footer_bytes);
            if !body.is_multiple_of(record_bytes) {
                return Err(DataError::invalid(OP, format!("Excluding the header ({header_bytes} bytes) and footer ({footer_bytes} bytes), input file \"{}\" has body length {body} bytes, which is not an exact multiple of the record length ({record_bytes} bytes).", path.display())));
            }
            let mut reader = BufReader::with_capacity(1 << 18, file);
            let name = path.to_path_buf();
            let mut skip = vec![0u8; header_bytes];
            reader
                .read_exact(&mut skip)
                .map_err(|e| IoError::os(path, e))?;
            let mut record = vec![0u8; record_bytes];
            Ok(Box::new((0..body / record_bytes).map(move |_| {
                reader
                    .read_exact(&mut record)
                    .map_err(|e| IoError::os(&name, e))?;
                string_scalar(&record)
            })))
        })
    }

    /// The records of TFRecord files as string scalars (`TFRecordDataset`).
    /// A corrupt record is an error at its position, and ends its file.
    ///
    /// ```
    /// use ferroflow_data::{Dataset, TfRecordOptions};
    /// use ferroflow_io::tfrecord::{Compression, TfRecordWriter};
    /// let path = std::env::temp_dir().join(format!("ff_doc_ds_{}.tfrecord", std::process::id()));
    /// let mut w = TfRecordWriter::create(&path, Compression::None).unwrap();
    /// w.write(b"a").unwrap();
    /// w.write(b"bc").unwrap();
    /// w.finish().unwrap();
    /// let ds = Dataset::tfrecord([&path], TfRecordOptions::default()).unwrap();
    /// let recs: Vec<Vec<u8>> = ds.iter().unwrap()
    ///     .map(|e| e.unwrap().at(0).unwrap().as_strings().unwrap()[0].clone()).collect();
    /// assert_eq!(recs, [b"a".to_vec(), b"bc".to_vec()]);
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn tfrecord<P: AsRef<Path>>(
        files: impl IntoIterator<Item = P>,
        options: TfRecordOptions,
    ) -> Result<Dataset> {
        let buffer = options.buffer_size.unwrap_or(1 << 18).max(1);
        per_file(paths(files), options.num_parallel_reads, move |path| {
            let file = BufReader::with_capacity(buffer, open(path)?);
            let reader =
                TfRecordReader::from_reader(file, options.compression, path.display().to_string());
            Ok(Box::new(reader.into_iter().map(|r| string_scalar(&r?))))
        })
    }
}
