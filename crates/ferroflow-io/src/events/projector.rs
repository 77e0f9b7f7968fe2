//! The embedding projector's files (FORMATS.md 6): `projector_config.pbtxt`
//! and the metadata TSV of labels, one row per embedding vector.

use crate::proto::ProjectorConfig;
use crate::{IoError, Result};
use std::io::Write;
use std::path::Path;

/// Name of the projector config TensorBoard looks for in a run directory.
pub const PROJECTOR_CONFIG_FILE: &str = "projector_config.pbtxt";

/// Writes `config` as text format to `logdir/projector_config.pbtxt`, like
/// `tensorboard.plugins.projector.visualize_embeddings(logdir, config)`.
/// Write it before starting TensorBoard: the plugin scans configs once.
pub fn write_projector_config(logdir: impl AsRef<Path>, config: &ProjectorConfig) -> Result<()> {
    let logdir = logdir.as_ref();
    std::fs::create_dir_all(logdir).map_err(|e| IoError::os(logdir, e))?;
    write_atomic(
        &logdir.join(PROJECTOR_CONFIG_FILE),
        config.to_text().as_bytes(),
    )
}

/// The labels of embedding vectors, one row per vector, as the projector
/// reads them from a TSV file: a single column has no header row; with more
/// than one column the first row names the columns.
///
/// ```
/// use ferroflow_io::events::EmbeddingMetadata;
/// let labels = EmbeddingMetadata::labels(["cat", "dog"]).unwrap();
/// assert_eq!(labels.to_tsv(), "cat\ndog\n");
/// let table = EmbeddingMetadata::table(
///     ["Pokémon", "Species"],
///     vec![vec!["Wartortle", "Turtle"], vec!["Venusaur", "Seed"]],
/// )
/// .unwrap();
/// assert_eq!(table.to_tsv(), "Pokémon\tSpecies\nWartortle\tTurtle\nVenusaur\tSeed\n");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingMetadata {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl EmbeddingMetadata {
    /// One label per vector (a single column, written without a header).
    pub fn labels<S: Into<String>>(labels: impl IntoIterator<Item = S>) -> Result<Self> {
        let rows = labels.into_iter().map(|l| vec![l.into()]).collect();
        EmbeddingMetadata::new(vec!["label".into()], rows)
    }

    /// Rows of `columns.len()` fields each; the header row is written when
    /// there is more than one column.
    pub fn table<C, R>(columns: C, rows: impl IntoIterator<Item = R>) -> Result<Self>
    where
        C: IntoIterator,
        C::Item: Into<String>,
        R: IntoIterator,
        R::Item: Into<String>,
    {
        let columns = columns.into_iter().map(Into::into).collect();
        let rows = rows
            .into_iter()
            .map(|r| r.into_iter().map(Into::into).collect())
            .collect();
        EmbeddingMetadata::new(columns, rows)
    }

    fn new(columns: Vec<String>, rows: Vec<Vec<String>>) -> Result<Self> {
        let what = "embedding metadata";
        if columns.is_empty() {
            return Err(IoError::invalid(what, "expected at least one column"));
        }
        for (i, row) in rows.iter().enumerate() {
            if row.len() != columns.len() {
                return Err(IoError::invalid(
                    what,
                    format!(
                        "row {i} has {} fields, expected {} (the columns {:?})",
                        row.len(),
                        columns.len(),
                        columns
                    ),
                ));
            }
        }
        if let Some(bad) = columns
            .iter()
            .chain(rows.iter().flatten())
            .find(|f| f.contains(['\t', '\n', '\r']))
        {
            return Err(IoError::invalid(
                what,
                format!("field {bad:?} contains a tab or a line break"),
            ));
        }
        Ok(EmbeddingMetadata { columns, rows })
    }

    /// The number of rows (vectors labelled), not counting the header.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no vector is labelled.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The TSV text: the header row (more than one column only), then one
    /// line per row.
    pub fn to_tsv(&self) -> String {
        let header = (self.columns.len() > 1).then_some(&self.columns);
        header
            .into_iter()
            .chain(&self.rows)
            .map(|row| row.join("\t") + "\n")
            .collect()
    }

    /// Writes the TSV to `path` atomically.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path.as_ref(), self.to_tsv().as_bytes())
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames
/// it over `path`, so readers see the old file or the whole new one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".tmp{}", std::process::id()));
    let temp = std::path::PathBuf::from(temp);
    let written = std::fs::File::create(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        IoError::os(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_only_with_several_columns() {
        let one = EmbeddingMetadata::table(["word"], vec![vec!["a"], vec!["b"]]).unwrap();
        assert_eq!(one.to_tsv(), "a\nb\n");
        assert_eq!(one.len(), 2);
        let two = EmbeddingMetadata::table(["w", "n"], vec![vec!["a", "1"]]).unwrap();
        assert_eq!(two.to_tsv(), "w\tn\na\t1\n");
    }

    #[test]
    fn bad_rows_are_errors() {
        let short = EmbeddingMetadata::table(["w", "n"], vec![vec!["a"]]);
        assert!(short
            .unwrap_err()
            .to_string()
            .contains("row 0 has 1 fields"));
        assert!(EmbeddingMetadata::labels(["a\tb"]).is_err());
        assert!(EmbeddingMetadata::labels(["line\nbreak"]).is_err());
        let none: [&str; 0] = [];
        assert!(EmbeddingMetadata::table(none, Vec::<Vec<&str>>::new()).is_err());
    }

    #[test]
    fn writes_replace_the_file() {
        let dir = std::env::temp_dir().join(format!("ff_projector_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("metadata.tsv");
        EmbeddingMetadata::labels(["old"])
            .unwrap()
            .write(&path)
            .unwrap();
        EmbeddingMetadata::labels(["new"])
            .unwrap()
            .write(&path)
            .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
