//! Writes the Examples of `tools/make_io_fixtures.py` with ferroflow, for
//! TensorFlow to check (`make_io_fixtures.py --check DIR`).
//!
//! usage: cargo run -p ferroflow-io --example write_io_fixtures -- DIR

use ferroflow_io::proto::example::{Example, Feature, SequenceExample};
use ferroflow_io::tfrecord::{Compression, TfRecordWriter};
use prost::Message;
use std::path::Path;

fn examples() -> Vec<Example> {
    vec![
        Example::from_features([
            ("label", Feature::int64(3)),
            ("weights", Feature::floats([0.5, -1.25, 3.0])),
            ("name", Feature::bytes("alpha")),
            ("tags", Feature::int64s([1, -2, 300])),
            ("empty_f", Feature::floats([])),
            ("blob", Feature::bytes_list([&b""[..], b"\x00\xff"])),
        ]),
        Example::from_features([
            ("label", Feature::int64(-7)),
            ("weights", Feature::floats([1.0, 2.0, 3.0])),
            ("name", Feature::bytes("beta")),
            ("tags", Feature::int64s([])),
            ("empty_f", Feature::floats([])),
            ("blob", Feature::bytes("x")),
        ]),
        Example::from_features([
            ("label", Feature::int64(1 << 40)),
            ("weights", Feature::floats([0.0, 1e-3, 1e30])),
            ("name", Feature::bytes("é")),
            ("blob", Feature::bytes_list(Vec::<Vec<u8>>::new())),
            ("empty_f", Feature::floats([2.5, 3.5])),
        ]),
    ]
}

fn sequence() -> SequenceExample {
    SequenceExample::from_parts(
        [
            ("length", Feature::int64(3)),
            ("title", Feature::bytes("seq")),
        ],
        [
            (
                "tokens",
                vec![
                    Feature::int64s([1, 2]),
                    Feature::int64(3),
                    Feature::int64s([]),
                ],
            ),
            (
                "frames",
                vec![
                    Feature::floats([1.0, 2.0]),
                    Feature::floats([3.0, 4.0]),
                    Feature::floats([5.0, 6.5]),
                ],
            ),
        ],
    )
}

fn write(path: &Path, compression: Compression, records: &[Vec<u8>]) -> ferroflow_io::Result<()> {
    let mut w = TfRecordWriter::create(path, compression)?;
    for r in records {
        w.write(r)?;
    }
    w.finish()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: write_io_fixtures DIR")?;
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let recs: Vec<Vec<u8>> = examples().iter().map(Message::encode_to_vec).collect();
    for (compression, name) in [
        (Compression::None, "examples.tfrecord"),
        (Compression::Gzip, "examples.tfrecord.gz"),
        (Compression::Zlib, "examples.tfrecord.zlib"),
    ] {
        write(&dir.join(name), compression, &recs)?;
    }
    write(
        &dir.join("sequence.tfrecord"),
        Compression::None,
        &[sequence().encode_to_vec()],
    )?;
    println!("wrote {}", dir.display());
    Ok(())
}
