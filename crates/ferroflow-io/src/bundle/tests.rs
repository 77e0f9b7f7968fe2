//! Round trips and failure cases of bundle reading and writing.

use super::writer::SyncWrite;
use super::*;
use crate::proto::DataType;
use ferroflow_tensor::Tensor;
use std::io::Write;

/// A fresh, empty directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_bundle_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tensors() -> Vec<(&'static str, Tensor)> {
    vec![
        (
            "a/f32",
            Tensor::from_vec(vec![1.5f32, -2.0, 3.25, 0.0, 1e-8, 7.0], [2, 3]).unwrap(),
        ),
        (
            "a/f64",
            Tensor::from_vec(vec![std::f64::consts::PI], [1]).unwrap(),
        ),
        (
            "b/i32",
            Tensor::from_vec(vec![i32::MIN, -1, i32::MAX], [3]).unwrap(),
        ),
        ("global_step", Tensor::scalar(42i64)),
        (
            "pixels",
            Tensor::from_vec(vec![0u8, 128, 255], [3, 1]).unwrap(),
        ),
        (
            "mask",
            Tensor::from_vec(vec![true, false, true], [3]).unwrap(),
        ),
        (
            "names",
            Tensor::from_strings(&["hi", "", "xyz"], [3]).unwrap(),
        ),
        ("title", Tensor::from_strings(&["x"], []).unwrap()),
        (
            "empty",
            Tensor::from_vec(Vec::<f32>::new(), [0, 3]).unwrap(),
        ),
    ]
}

fn save(prefix: &Path, tensors: &[(&str, Tensor)]) {
    let mut w = BundleWriter::new(prefix);
    for (name, t) in tensors {
        w.add(name, t).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn every_dtype_round_trips() {
    let prefix = temp_dir("round_trip").join("model.ckpt");
    save(&prefix, &tensors());
    let reader = BundleReader::open(&prefix).unwrap();
    let listed = reader.list();
    let mut names: Vec<&str> = tensors().iter().map(|(n, _)| *n).collect();
    names.sort();
    assert_eq!(
        listed.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        names
    );
    for (name, t) in tensors() {
        let v = listed.iter().find(|v| v.name == name).unwrap();
        assert_eq!(v.dtype, DataType::from(t.dtype()));
        assert_eq!(&v.shape, t.shape());
        let back = reader.get_tensor(name).unwrap();
        assert_eq!(back.dims(), t.dims(), "{name}");
        assert_eq!(back.storage(), t.storage(), "{name}");
    }
    assert!(reader.contains("mask"));
    let missing = reader.get_tensor("nope").unwrap_err().to_string();
    assert!(missing.contains("\"nope\": not found"), "{missing}");
}

#[test]
fn index_matches_the_spec_bytes() {
    let prefix = temp_dir("spec").join("P");
    save(
        &prefix,
        &[("w", Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap())],
    );
    let expected: Vec<u8> = [
        &[0x00, 0x00, 0x06, 0x08, 0x01, 0x1a, 0x02, 0x08, 0x01][..],
        &[
            0x00, 0x01, 0x0f, 0x77, 0x08, 0x01, 0x12, 0x04, 0x12, 0x02, 0x08, 0x02,
        ],
        &[0x28, 0x08, 0x35, 0x59, 0x3c, 0xe5, 0x35],
        &[0, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x09, 0x21, 0xad, 0xc3],
        &[0, 0, 0, 0, 1, 0, 0, 0, 0x00, 0xc0, 0xf2, 0xa1, 0xb0],
        &[0x00, 0x01, 0x02, 0x78, 0x00, 0x24],
        &[0, 0, 0, 0, 1, 0, 0, 0, 0x00, 0xab, 0x30, 0x70, 0x7f],
        &[0x29, 0x08, 0x36, 0x0e],
        &[0; 36],
        &[0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb],
    ]
    .concat();
    assert_eq!(std::fs::read(index_path(&prefix)).unwrap(), expected);
    let data = std::fs::read(data_path(&prefix, 0, 1)).unwrap();
    assert_eq!(data, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
}

#[test]
fn flipped_data_byte_names_the_tensor() {
    let prefix = temp_dir("flip_data").join("ckpt");
    save(&prefix, &tensors());
    let path = data_path(&prefix, 0, 1);
    let clean = std::fs::read(&path).unwrap();
    for at in [0, clean.len() / 2, clean.len() - 1] {
        let mut bad = clean.clone();
        bad[at] ^= 0x20;
        std::fs::write(&path, &bad).unwrap();
        let reader = BundleReader::open(&prefix).unwrap();
        let failed: Vec<String> = tensors()
            .iter()
            .filter_map(|(n, _)| reader.get_tensor(n).err().map(|e| e.to_string()))
            .collect();
        assert_eq!(failed.len(), 1, "flip at {at}: {failed:?}");
        assert!(failed[0].starts_with("tensor \""), "{}", failed[0]);
    }
}

#[test]
fn flipped_index_byte_names_the_file() {
    let prefix = temp_dir("flip_index").join("ckpt");
    save(&prefix, &tensors());
    let path = index_path(&prefix);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let err = BundleReader::open(&prefix).unwrap_err().to_string();
    assert!(
        err.contains("ckpt.index") && err.contains("checksum mismatch"),
        "{err}"
    );
}

#[test]
fn missing_files_are_errors_naming_them() {
    let dir = temp_dir("missing");
    let prefix = dir.join("ckpt");
    save(&prefix, &tensors());
    std::fs::remove_file(data_path(&prefix, 0, 1)).unwrap();
    let reader = BundleReader::open(&prefix).unwrap();
    let err = reader.get_tensor("mask").unwrap_err().to_string();
    assert!(err.contains("ckpt.data-00000-of-00001"), "{err}");
    let err = BundleReader::open(dir.join("other"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("other.index"), "{err}");
    let mut w = BundleWriter::new(dir.join("no/such/dir/ckpt"));
    w.add("x", &Tensor::scalar(1.0f32)).unwrap();
    assert!(w.finish().unwrap_err().to_string().contains("no/such/dir"));
}

#[test]
fn bad_names_are_rejected() {
    let mut w = BundleWriter::new("unused");
    assert!(w.add("", &Tensor::scalar(1i32)).is_err());
    w.add("x", &Tensor::scalar(1i32)).unwrap();
    assert!(w
        .add("x", &Tensor::scalar(2i32))
        .unwrap_err()
        .to_string()
        .contains("twice"));
}

/// A file that accepts `budget` bytes, then fails every write.
struct FailingFile {
    file: std::fs::File,
    budget: usize,
}

impl Write for FailingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.budget == 0 {
            return Err(std::io::Error::other("disk full"));
        }
        let n = buf.len().min(self.budget);
        self.budget -= n;
        self.file.write(&buf[..n])
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl SyncWrite for FailingFile {
    fn sync(&mut self) -> std::io::Result<()> {
        self.file.sync_all()
    }
}

#[test]
fn a_failed_save_leaves_the_previous_checkpoint_loadable() {
    let dir = temp_dir("failing");
    let prefix = dir.join("ckpt");
    save(&prefix, &tensors());
    // Fail in the data file, then in the index file.
    for (data_budget, index_budget) in [(10, usize::MAX), (usize::MAX, 10)] {
        let mut w = BundleWriter::new(&prefix);
        w.add("a/f32", &Tensor::from_vec(vec![9.0f32; 6], [2, 3]).unwrap())
            .unwrap();
        w.add("names", &Tensor::from_strings(&["changed"], [1]).unwrap())
            .unwrap();
        let err = w
            .finish_with(|path| {
                let is_index = path.to_string_lossy().contains(".index");
                let budget = if is_index { index_budget } else { data_budget };
                let file = std::fs::File::create(path)?;
                Ok(FailingFile { file, budget })
            })
            .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        let reader = BundleReader::open(&prefix).unwrap();
        for (name, t) in tensors() {
            assert_eq!(reader.get_tensor(name).unwrap().storage(), t.storage());
        }
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 2, "temporary files must be removed");
    }
}

#[test]
fn state_file_names_the_latest_checkpoint() {
    let dir = temp_dir("state");
    assert_eq!(latest_checkpoint(&dir).unwrap(), None);
    save(&dir.join("ckpt-1"), &tensors());
    let state = CheckpointState {
        model_checkpoint_path: "ckpt-1".into(),
        all_model_checkpoint_paths: vec!["ckpt-1".into()],
        ..Default::default()
    };
    state.write(&dir).unwrap();
    assert_eq!(CheckpointState::read(&dir).unwrap(), Some(state));
    assert_eq!(latest_checkpoint(&dir).unwrap(), Some(dir.join("ckpt-1")));
    std::fs::remove_file(index_path(&dir.join("ckpt-1"))).unwrap();
    assert_eq!(latest_checkpoint(&dir).unwrap(), None);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary file is left"
    );
}
