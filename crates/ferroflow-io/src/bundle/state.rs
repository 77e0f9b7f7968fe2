//! The `checkpoint` state file: a text-format `CheckpointState` naming the
//! latest checkpoint prefix of a directory (FORMATS.md 5.7).

use super::index_path;
use crate::proto::summary::escape_text;
use crate::{IoError, Result};
use std::path::{Path, PathBuf};

/// Name of the state file inside a checkpoint directory.
pub const STATE_FILE: &str = "checkpoint";

/// The content of a `checkpoint` file, as `tf.train.get_checkpoint_state`
/// returns it.
///
/// ```
/// use ferroflow_io::bundle::CheckpointState;
/// let text = "model_checkpoint_path: \"ckpt-3\"\nall_model_checkpoint_paths: \"ckpt-2\"\n\
///             all_model_checkpoint_paths: \"ckpt-3\"\n";
/// let state = CheckpointState::parse(text).unwrap();
/// assert_eq!(state.model_checkpoint_path, "ckpt-3");
/// assert_eq!(state.to_text(), text);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckpointState {
    /// Prefix of the latest checkpoint, relative to the directory or absolute.
    pub model_checkpoint_path: String,
    /// Retained prefixes, oldest first.
    pub all_model_checkpoint_paths: Vec<String>,
    /// Unix times of the retained checkpoints (`CheckpointManager` only).
    pub all_model_checkpoint_timestamps: Vec<f64>,
    /// Unix time (`CheckpointManager` only; 0 when absent).
    pub last_preserved_timestamp: f64,
}

impl CheckpointState {
    /// The text format TF writes.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut string = |name: &str, value: &str| {
            out.push_str(&format!("{name}: \"{}\"\n", escape_text(value)));
        };
        string("model_checkpoint_path", &self.model_checkpoint_path);
        for p in &self.all_model_checkpoint_paths {
            string("all_model_checkpoint_paths", p);
        }
        for t in &self.all_model_checkpoint_timestamps {
            out.push_str(&format!("all_model_checkpoint_timestamps: {t:?}\n"));
        }
        if self.last_preserved_timestamp != 0.0 {
            out.push_str(&format!(
                "last_preserved_timestamp: {:?}\n",
                self.last_preserved_timestamp
            ));
        }
        out
    }

    /// Parses the text format (one `field: value` per line; unknown fields
    /// are errors, as in TF).
    pub fn parse(text: &str) -> Result<Self> {
        let mut state = CheckpointState::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = |msg: &str| IoError::invalid(STATE_FILE, format!("line {}: {msg}", i + 1));
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| error("expected `field: value`"))?;
            let value = value.trim();
            let number = || value.parse::<f64>().map_err(|_| error("expected a number"));
            match name.trim() {
                "model_checkpoint_path" => {
                    state.model_checkpoint_path =
                        unquote(value).ok_or_else(|| error("expected a quoted string"))?
                }
                "all_model_checkpoint_paths" => state
                    .all_model_checkpoint_paths
                    .push(unquote(value).ok_or_else(|| error("expected a quoted string"))?),
                "all_model_checkpoint_timestamps" => {
                    state.all_model_checkpoint_timestamps.push(number()?)
                }
                "last_preserved_timestamp" => state.last_preserved_timestamp = number()?,
                other => return Err(error(&format!("unknown field {other:?}"))),
            }
        }
        Ok(state)
    }

    /// Reads `dir/checkpoint`; `None` when the file does not exist.
    pub fn read(dir: impl AsRef<Path>) -> Result<Option<Self>> {
        let path = dir.as_ref().join(STATE_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => CheckpointState::parse(&text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(IoError::os(path, e)),
        }
    }

    /// Writes `dir/checkpoint` atomically (temporary file, sync, rename).
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<()> {
        let path = dir.as_ref().join(STATE_FILE);
        let temp = dir
            .as_ref()
            .join(format!("{STATE_FILE}.tmp{}", std::process::id()));
        super::writer::write_file(
            &temp,
            &mut |p| std::fs::File::create(p),
            self.to_text().as_bytes(),
        )?;
        std::fs::rename(&temp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            IoError::os(&path, e)
        })
    }
}

/// The prefix of the latest checkpoint in `dir`, like
/// `tf.train.latest_checkpoint`: `None` without a state file or when its
/// `.index` file is missing. Relative paths are resolved against `dir`.
pub fn latest_checkpoint(dir: impl AsRef<Path>) -> Result<Option<PathBuf>> {
    let dir = dir.as_ref();
    let Some(state) = CheckpointState::read(dir)? else {
        return Ok(None);
    };
    let prefix = dir.join(&state.model_checkpoint_path);
    Ok(index_path(&prefix).exists().then_some(prefix))
}

/// The string of a double-quoted text-format literal, with C escapes undone.
fn unquote(value: &str) -> Option<String> {
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        bytes.push(match chars.next()? {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            d @ b'0'..=b'7' => {
                // Up to three octal digits.
                let mut v = u32::from(d - b'0');
                let rest = chars
                    .clone()
                    .take(2)
                    .take_while(|c| (b'0'..=b'7').contains(c))
                    .count();
                for _ in 0..rest {
                    v = v * 8 + u32::from(chars.next()? - b'0');
                }
                u8::try_from(v).ok()?
            }
            other => other,
        });
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manager_state_round_trips() {
        let text = "model_checkpoint_path: \"ckpt-3\"\nall_model_checkpoint_paths: \"ckpt-2\"\n\
                    all_model_checkpoint_paths: \"ckpt-3\"\n\
                    all_model_checkpoint_timestamps: 1795343533.7511122\n\
                    all_model_checkpoint_timestamps: 1795343533.7783217\n\
                    last_preserved_timestamp: 1795343532.6648848\n";
        let state = CheckpointState::parse(text).unwrap();
        assert_eq!(state.all_model_checkpoint_timestamps[1], 1795343533.7783217);
        assert_eq!(state.to_text(), text);
    }

    #[test]
    fn escapes_are_undone() {
        let state = CheckpointState {
            model_checkpoint_path: "a \"b\"\\c\n".into(),
            ..Default::default()
        };
        assert_eq!(CheckpointState::parse(&state.to_text()).unwrap(), state);
        let octal =
            CheckpointState::parse("model_checkpoint_path: \"\\303\\251t\\351\"").unwrap_err();
        assert!(octal.to_string().contains("line 1"));
        let ok = CheckpointState::parse("model_checkpoint_path: \"\\303\\251t\"").unwrap();
        assert_eq!(ok.model_checkpoint_path, "ét");
    }

    #[test]
    fn bad_lines_are_errors() {
        assert!(CheckpointState::parse("model_checkpoint_path \"x\"").is_err());
        assert!(CheckpointState::parse("model_checkpoint_path: x").is_err());
        assert!(CheckpointState::parse("bogus: \"x\"").is_err());
        assert!(CheckpointState::parse("last_preserved_timestamp: abc").is_err());
    }
}
