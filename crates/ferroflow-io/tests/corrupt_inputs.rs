//! Mutated and truncated inputs give errors (or values), never panics.

use ferroflow_io::example::{
    decode_csv, parse_example, parse_single_sequence_example, FeatureSpec,
};
use ferroflow_io::idx::parse_idx;
use ferroflow_io::image::{decode_jpeg, decode_png};
use ferroflow_io::tfrecord::{Compression, TfRecordReader};
use ferroflow_tensor::{DType, Tensor};
use std::io::Cursor;
use std::path::Path;

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

/// `rounds` variants of `input`: a few bytes overwritten, then maybe truncated.
fn mutations(input: &[u8], rounds: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Lcg(seed);
    (0..rounds)
        .map(|_| {
            let mut m = input.to_vec();
            for _ in 0..1 + rng.next() % 4 {
                let at = rng.next() % m.len();
                m[at] = rng.next() as u8;
            }
            if rng.next().is_multiple_of(3) {
                m.truncate(rng.next() % m.len());
            }
            m
        })
        .collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

#[test]
fn mutated_tfrecords_and_examples_never_panic() {
    let spec = [
        ("label", FeatureSpec::fixed_len(&[], DType::I64)),
        ("weights", FeatureSpec::fixed_len(&[3], DType::F32)),
        ("tags", FeatureSpec::var_len(DType::I64)),
        ("blob", FeatureSpec::var_len(DType::String)),
        (
            "empty_f",
            FeatureSpec::fixed_len_sequence(&[], DType::F32, true),
        ),
    ];
    for (file, c) in [
        ("examples.tfrecord", Compression::None),
        ("examples.tfrecord.gz", Compression::Gzip),
        ("examples.tfrecord.zlib", Compression::Zlib),
    ] {
        for bytes in mutations(&fixture(file), 300, 7) {
            for skip in [false, true] {
                let reader = TfRecordReader::from_reader(Cursor::new(bytes.clone()), c, file)
                    .skip_corrupt(skip);
                let records: Vec<Vec<u8>> = reader.into_iter().filter_map(Result::ok).collect();
                let _ = parse_example(&records, &spec);
            }
        }
    }
    // Mutating the Example bytes themselves (CRC-valid records of bad protobuf).
    let recs: Vec<Vec<u8>> = TfRecordReader::open(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/examples.tfrecord"),
        Compression::None,
    )
    .unwrap()
    .into_iter()
    .collect::<Result<_, _>>()
    .unwrap();
    for (i, rec) in recs.iter().enumerate() {
        for m in mutations(rec, 500, i as u64) {
            let _ = parse_example(&[m], &spec);
        }
    }
    let seq = fixture("sequence.tfrecord");
    for m in mutations(&seq[12..seq.len() - 4], 500, 11) {
        let _ = parse_single_sequence_example(
            &m,
            &[("length", FeatureSpec::fixed_len(&[], DType::I64))],
            &[
                ("tokens", FeatureSpec::var_len(DType::I64)),
                (
                    "frames",
                    FeatureSpec::fixed_len_sequence(&[2], DType::F32, true),
                ),
            ],
        );
    }
}

#[test]
fn mutated_idx_images_and_csv_never_panic() {
    let idx = [vec![0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 4], vec![9u8; 12]].concat();
    for m in mutations(&idx, 500, 3) {
        let _ = parse_idx(&m, "m.idx");
    }
    for (name, seed) in [("image_rgb.png", 1), ("image_gray16.png", 2)] {
        for m in mutations(&fixture(name), 300, seed) {
            for channels in [0, 1, 3, 4] {
                let _ = decode_png(&m, channels, DType::U8);
            }
        }
    }
    for m in mutations(&fixture("image.jpg"), 300, 5) {
        let _ = decode_jpeg(&m, 0);
    }
    let defaults = [
        Tensor::scalar(0i32),
        Tensor::from_strings(&["x"], [1]).unwrap(),
    ];
    for m in mutations(b"12,\"a,\"\"b\"\"\"", 500, 9) {
        let _ = decode_csv(&[m], &defaults, b',');
    }
}
