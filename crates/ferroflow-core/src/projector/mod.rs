//! The embedding projector: [`write_embedding`] puts an embedding, its
//! labels and `projector_config.pbtxt` in a log directory so TensorBoard's
//! projector tab opens them, and [`pca`] computes the top principal
//! components in Rust for a quick look without TensorBoard.

mod pca;

pub use ferroflow_io::events::{EmbeddingMetadata, PROJECTOR_CONFIG_FILE};
pub use pca::{pca, Pca};

use crate::{Error, Result};
use ferroflow_io::bundle::{BundleWriter, CheckpointState};
use ferroflow_io::events::write_projector_config;
use ferroflow_io::proto::{EmbeddingInfo, ProjectorConfig};
use ferroflow_tensor::Tensor;
use std::path::Path;

/// Checkpoint prefix (inside the log directory) holding the embedding.
pub const EMBEDDING_CHECKPOINT: &str = "embedding.ckpt";
/// Name of the metadata TSV written beside it.
pub const METADATA_FILE: &str = "metadata.tsv";

/// Writes the `[n, d]` float embedding `values` for TensorBoard's
/// projector into `logdir`, as the TensorBoard embedding tutorial does: a
/// checkpoint `embedding.ckpt` holding `values` under the key `name`, the
/// `checkpoint` state file naming it, `metadata.tsv` with one row per
/// vector (header row when it has several columns) when `metadata` is
/// given, and `projector_config.pbtxt` pointing at them. Returns the config.
///
/// The state file makes this checkpoint the directory's latest one; write
/// model checkpoints elsewhere.
///
/// ```
/// use ferroflow_core::projector::{write_embedding, EmbeddingMetadata};
/// use ferroflow_tensor::Tensor;
/// let dir = std::env::temp_dir().join(format!("ff_projector_doc_{}", std::process::id()));
/// let words = Tensor::from_vec(vec![0.1f32, 0.2, 0.5, 0.9, 0.2, 0.1], [3, 2]).unwrap();
/// let labels = EmbeddingMetadata::labels(["cat", "dog", "fish"]).unwrap();
/// let config = write_embedding(&dir, "word_embedding", &words, Some(&labels)).unwrap();
/// assert_eq!(config.embeddings[0].metadata_path, "metadata.tsv");
/// assert!(dir.join("projector_config.pbtxt").exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_embedding(
    logdir: impl AsRef<Path>,
    name: &str,
    values: &Tensor,
    metadata: Option<&EmbeddingMetadata>,
) -> Result<ProjectorConfig> {
    let op = "write_embedding";
    let &[n, d] = values.dims() else {
        return Err(Error::invalid(
            op,
            format!("expected a [n, d] embedding, got shape {}", values.shape()),
        ));
    };
    if !values.dtype().is_float() {
        return Err(Error::invalid(
            op,
            format!("expected a float embedding, got {}", values.dtype()),
        ));
    }
    if let Some(m) = metadata.filter(|m| m.len() != n) {
        return Err(Error::invalid(
            op,
            format!(
                "Number of tensors ({n}) do not match the number of lines in metadata ({})",
                m.len()
            ),
        ));
    }
    let logdir = logdir.as_ref();
    let io = |e: ferroflow_io::IoError| Error::invalid(op, e.to_string());
    std::fs::create_dir_all(logdir).map_err(|e| io(ferroflow_io::IoError::os(logdir, e)))?;
    let mut bundle = BundleWriter::new(logdir.join(EMBEDDING_CHECKPOINT));
    bundle.add(name, values).map_err(io)?;
    bundle.finish().map_err(io)?;
    let state = CheckpointState {
        model_checkpoint_path: EMBEDDING_CHECKPOINT.into(),
        all_model_checkpoint_paths: vec![EMBEDDING_CHECKPOINT.into()],
        ..Default::default()
    };
    state.write(logdir).map_err(io)?;
    let mut info = EmbeddingInfo {
        tensor_name: name.into(),
        tensor_shape: vec![dim(n)?, dim(d)?],
        ..Default::default()
    };
    if let Some(metadata) = metadata {
        metadata.write(logdir.join(METADATA_FILE)).map_err(io)?;
        info.metadata_path = METADATA_FILE.into();
    }
    let config = ProjectorConfig {
        embeddings: vec![info],
        ..Default::default()
    };
    write_projector_config(logdir, &config).map_err(io)?;
    Ok(config)
}

fn dim(d: usize) -> Result<u32> {
    u32::try_from(d)
        .map_err(|_| Error::invalid("write_embedding", format!("dimension {d} is too large")))
}
