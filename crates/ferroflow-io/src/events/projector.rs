//! Writing the embedding projector's `projector_config.pbtxt` (FORMATS.md 6).

use crate::proto::ProjectorConfig;
use crate::{IoError, Result};
use std::path::Path;

/// Name of the projector config TensorBoard looks for in a run directory.
pub const PROJECTOR_CONFIG_FILE: &str = "projector_config.pbtxt";

/// Writes `config` as text format to `logdir/projector_config.pbtxt`, like
/// `tensorboard.plugins.projector.visualize_embeddings(logdir, config)`.
/// Write it before starting TensorBoard: the plugin scans configs once.
pub fn write_projector_config(logdir: impl AsRef<Path>, config: &ProjectorConfig) -> Result<()> {
    let logdir = logdir.as_ref();
    std::fs::create_dir_all(logdir).map_err(|e| IoError::os(logdir, e))?;
    let path = logdir.join(PROJECTOR_CONFIG_FILE);
    std::fs::write(&path, config.to_text()).map_err(|e| IoError::os(path, e))
}
