//! File sources: list_files, TextLineDataset, FixedLengthRecordDataset,
//! TFRecordDataset (compression, parallel reads, corrupt records).

mod common;

use common::temp_dir;
use ferroflow_data::{Dataset, TfRecordOptions};
use ferroflow_io::tfrecord::{Compression, TfRecordWriter};
use std::path::{Path, PathBuf};

fn strings(ds: &Dataset) -> Vec<String> {
    ds.iter()
        .unwrap()
        .map(|e| {
            String::from_utf8(e.unwrap().at(0).unwrap().as_strings().unwrap()[0].clone()).unwrap()
        })
        .collect()
}

fn write_records(path: &Path, compression: Compression, records: &[String]) {
    let mut w = TfRecordWriter::create(path, compression).unwrap();
    for r in records {
        w.write(r.as_bytes()).unwrap();
    }
    w.finish().unwrap();
}

fn records(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

#[test]
fn tfrecord_reads_every_compression() {
    let dir = temp_dir("tfrecord_compression");
    for (c, name) in [
        (Compression::None, "none"),
        (Compression::Gzip, "gzip"),
        (Compression::Zlib, "zlib"),
    ] {
        let path = dir.join(format!("{name}.tfrecord"));
        write_records(&path, c, &records("r", 5));
        let options = TfRecordOptions {
            compression: c,
            buffer_size: Some(7),
            ..Default::default()
        };
        let ds = Dataset::tfrecord([&path], options).unwrap();
        assert_eq!(strings(&ds), records("r", 5), "{name}");
        // Reading GZIP as NONE is an error, not a panic.
        if c != Compression::None {
            let wrong = Dataset::tfrecord([&path], TfRecordOptions::default()).unwrap();
            assert!(wrong.iter().unwrap().any(|e| e.is_err()));
        }
    }
}

#[test]
fn tfrecord_files_in_order_or_interleaved() {
    let dir = temp_dir("tfrecord_parallel");
    let paths: Vec<PathBuf> = (0..3).map(|f| dir.join(format!("f{f}.tfrecord"))).collect();
    for (f, p) in paths.iter().enumerate() {
        write_records(p, Compression::None, &records(&format!("f{f}-"), 3 + f));
    }
    let sequential = strings(&Dataset::tfrecord(&paths, TfRecordOptions::default()).unwrap());
    let want: Vec<String> = (0..3)
        .flat_map(|f| records(&format!("f{f}-"), 3 + f))
        .collect();
    assert_eq!(sequential, want);
    // num_parallel_reads=2: one record from each open file in turn; the
    // order TF 2.21 gives for the same files.
    let options = TfRecordOptions {
        num_parallel_reads: 2,
        ..Default::default()
    };
    let interleaved = strings(&Dataset::tfrecord(&paths, options).unwrap());
    let tf = [
        "f0-0", "f1-0", "f0-1", "f1-1", "f0-2", "f1-2", "f1-3", "f2-0", "f2-1", "f2-2", "f2-3",
        "f2-4",
    ];
    assert_eq!(interleaved, tf);
}

#[test]
fn corrupt_record_is_an_error_at_its_element() {
    let dir = temp_dir("tfrecord_corrupt");
    let path = dir.join("c.tfrecord");
    write_records(&path, Compression::None, &records("abc", 4));
    let mut bytes = std::fs::read(&path).unwrap();
    // Record 2 starts at 2 * (12 + 4 + 4); flip a data byte.
    bytes[2 * 20 + 12] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let ds = Dataset::tfrecord([&path], TfRecordOptions::default()).unwrap();
    let items: Vec<_> = ds.iter().unwrap().collect();
    assert_eq!(items.len(), 3);
    assert!(items[..2].iter().all(Result::is_ok));
    let err = items[2].as_ref().unwrap_err().to_string();
    assert!(err.contains("corrupt"), "{err}");
    // ignore_errors keeps the records before the corruption, as tf.data does.
    assert_eq!(strings(&ds.ignore_errors()), ["abc0", "abc1"]);
    // A missing file is an error naming it.
    let missing =
        Dataset::tfrecord([dir.join("nope.tfrecord")], TfRecordOptions::default()).unwrap();
    let err = missing
        .iter()
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(err.contains("nope.tfrecord"), "{err}");
}

#[test]
fn every_kind_of_damage_is_an_error_naming_file_and_offset() {
    let dir = temp_dir("tfrecord_damage");
    let path = dir.join("d.tfrecord");
    // Four records of 4 bytes: each takes 12 + 4 + 4 = 20 bytes.
    write_records(&path, Compression::None, &records("abc", 4));
    let clean = std::fs::read(&path).unwrap();
    let second = 20;
    // (what, damaged bytes): length, its CRC, data, data CRC, a cut file.
    let flip = |i: usize| {
        let mut b = clean.clone();
        b[i] ^= 0x04;
        b
    };
    for (what, bytes, offset) in [
        ("length", flip(second + 1), second),
        ("length crc", flip(second + 9), second),
        ("data", flip(second + 13), second + 12),
        ("data crc", flip(second + 17), second + 12),
        ("truncated", clean[..second + 15].to_vec(), second),
    ] {
        std::fs::write(&path, bytes).unwrap();
        let ds = Dataset::tfrecord([&path], TfRecordOptions::default()).unwrap();
        let items: Vec<_> = ds.iter().unwrap().collect();
        assert_eq!(items.len(), 2, "{what}");
        assert!(items[0].is_ok(), "{what}");
        let err = items[1].as_ref().unwrap_err().to_string();
        let want = format!("{}: corrupt data at offset {offset}", path.display());
        assert!(err.starts_with(&want), "{what}: {err}");
    }
}

#[test]
fn text_lines_strip_line_endings() {
    let dir = temp_dir("text_lines");
    std::fs::write(dir.join("a.txt"), "one\r\ntwo\n\nlast").unwrap();
    std::fs::write(dir.join("b.txt"), "b1\n").unwrap();
    let ds =
        Dataset::text_lines([dir.join("a.txt"), dir.join("b.txt")], Compression::None).unwrap();
    assert_eq!(strings(&ds), ["one", "two", "", "last", "b1"]);
}

#[test]
fn text_lines_read_gzip_and_zlib_files() {
    use flate2::write::{GzEncoder, ZlibEncoder};
    use std::io::Write;
    let dir = temp_dir("text_lines_compressed");
    let text = "first line\nsecond\r\nthird\n";
    let level = flate2::Compression::default();
    let mut gz = GzEncoder::new(Vec::new(), level);
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let mut zlib = ZlibEncoder::new(Vec::new(), level);
    zlib.write_all(text.as_bytes()).unwrap();
    let zlib = zlib.finish().unwrap();
    std::fs::write(dir.join("a.txt.gz"), &gz).unwrap();
    std::fs::write(dir.join("a.txt.zz"), &zlib).unwrap();
    // Two gzip members one after the other read as one stream, as in TF.
    std::fs::write(dir.join("twice.txt.gz"), [&gz[..], &gz[..]].concat()).unwrap();
    let lines =
        |name: &str, c: Compression| strings(&Dataset::text_lines([dir.join(name)], c).unwrap());
    let want = ["first line", "second", "third"];
    assert_eq!(lines("a.txt.gz", Compression::Gzip), want);
    assert_eq!(lines("a.txt.zz", Compression::Zlib), want);
    assert_eq!(lines("twice.txt.gz", Compression::Gzip).len(), 6);
    // The wrong compression, or a truncated stream, is an error naming the
    // file at the element where it is met, not a panic.
    std::fs::write(dir.join("cut.txt.gz"), &gz[..gz.len() / 2]).unwrap();
    for (name, c) in [
        ("a.txt.gz", Compression::Zlib),
        ("a.txt.zz", Compression::Gzip),
        ("cut.txt.gz", Compression::Gzip),
    ] {
        let ds = Dataset::text_lines([dir.join(name)], c).unwrap();
        let err = ds
            .iter()
            .unwrap()
            .find_map(Result::err)
            .unwrap_or_else(|| panic!("{name} read as {c:?} gave no error"));
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn fixed_length_records_skip_header_and_footer() {
    let dir = temp_dir("fixed_length");
    let path = dir.join("r.bin");
    std::fs::write(&path, b"HDRaaabbbcccFT").unwrap();
    let ds = Dataset::fixed_length_records([&path], 3, 3, 2).unwrap();
    assert_eq!(strings(&ds), ["aaa", "bbb", "ccc"]);
    // A body that is not a whole number of records is an error in TF's words.
    let ds = Dataset::fixed_length_records([&path], 4, 3, 2).unwrap();
    let err = ds.iter().unwrap().next().unwrap().unwrap_err().to_string();
    assert!(err.contains("has body length 9 bytes, which is not an exact multiple of the record length (4 bytes)"), "{err}");
    assert!(Dataset::fixed_length_records([&path], 0, 0, 0).is_err());
}

#[test]
fn list_files_globs_sorts_and_shuffles_with_a_seed() {
    let dir = temp_dir("list_files");
    for name in ["b.tfrecord", "a.tfrecord", "c.txt", "d.tfrecord"] {
        std::fs::write(dir.join(name), b"").unwrap();
    }
    let pattern = format!("{}/*.tfrecord", dir.display());
    let sorted = strings(&Dataset::list_files(&pattern, false, None).unwrap());
    let names: Vec<&str> = sorted
        .iter()
        .map(|p| p.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["a.tfrecord", "b.tfrecord", "d.tfrecord"]);
    let shuffled = Dataset::list_files(&pattern, true, Some(3)).unwrap();
    let again = Dataset::list_files(&pattern, true, Some(3)).unwrap();
    let mut first = strings(&shuffled);
    assert_eq!(first, strings(&again));
    first.sort();
    assert_eq!(first, sorted);
    let err = Dataset::list_files(&format!("{}/*.csv", dir.display()), false, None).unwrap_err();
    assert!(err.to_string().contains("No files matched pattern"));
    let one =
        strings(&Dataset::list_files(&format!("{}/?.txt", dir.display()), false, None).unwrap());
    assert_eq!(one.len(), 1);
}

#[test]
fn list_files_globs_in_every_path_component() {
    let dir = temp_dir("list_files_tree");
    for file in [
        "a/train-0.tfrecord",
        "a/train-1.tfrecord",
        "a/test-0.tfrecord",
        "b/train-0.tfrecord",
        "b/train-x.tfrecord",
        "c/sub/train-0.tfrecord",
        "d.tfrecord/train-9.tfrecord",
    ] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"").unwrap();
    }
    let root = dir.display().to_string();
    let list = |pattern: &str| -> Vec<String> {
        let ds = Dataset::list_files(&format!("{root}/{pattern}"), false, None).unwrap();
        strings(&ds)
            .iter()
            .map(|p| p.strip_prefix(&format!("{root}/")).unwrap().to_string())
            .collect()
    };
    // `*` stays inside one component; the file names come back sorted.
    assert_eq!(
        list("*/train-*.tfrecord"),
        [
            "a/train-0.tfrecord",
            "a/train-1.tfrecord",
            "b/train-0.tfrecord",
            "b/train-x.tfrecord",
            "d.tfrecord/train-9.tfrecord"
        ]
    );
    assert_eq!(
        list("[ab]/train-[0-9].tfrecord"),
        [
            "a/train-0.tfrecord",
            "a/train-1.tfrecord",
            "b/train-0.tfrecord"
        ]
    );
    assert_eq!(
        list("[!a-b]/*/train-?.tfrecord"),
        ["c/sub/train-0.tfrecord"]
    );
    assert_eq!(list("?/t*-0.tfrecord").len(), 3);
    // A directory matches too, as with tf.io.gfile.glob.
    assert_eq!(list("*.tfrecord"), ["d.tfrecord"]);
    // No wildcard: the path itself when it exists.
    assert_eq!(list("a/test-0.tfrecord"), ["a/test-0.tfrecord"]);
    // Shuffling with a seed is a permutation, the same for the same seed.
    let pattern = format!("{root}/*/*/*");
    let pattern2 = format!("{root}/*/*");
    let sorted = strings(&Dataset::list_files(&pattern2, false, None).unwrap());
    let shuffled = strings(&Dataset::list_files(&pattern2, true, Some(5)).unwrap());
    assert_eq!(
        shuffled,
        strings(&Dataset::list_files(&pattern2, true, Some(5)).unwrap())
    );
    assert_ne!(shuffled, sorted);
    let mut resorted = shuffled.clone();
    resorted.sort();
    assert_eq!(resorted, sorted);
    assert_eq!(
        strings(&Dataset::list_files(&pattern, false, None).unwrap()).len(),
        1
    );
    // Nothing matched, or a directory that does not exist: TF's error.
    for pattern in [
        format!("{root}/*/valid-*"),
        format!("{root}/missing/*"),
        format!("{root}/e/train-0.tfrecord"),
    ] {
        let err = Dataset::list_files(&pattern, false, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("list_files: No files matched pattern: {pattern}")
        );
    }
}
