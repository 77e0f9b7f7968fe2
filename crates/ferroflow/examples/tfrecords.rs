//! TFRecords of `tf.train.Example`, then a `tf.data` input pipeline over
//! them, as in the seeds' input-pipeline notes:
//!
//! ```python
//! ds = (tf.data.TFRecordDataset(path)
//!       .map(parse)                # parse_single_example, decode_raw, normalize
//!       .shuffle(10000, seed=1)
//!       .batch(128)
//!       .prefetch(tf.data.AUTOTUNE))
//! ```
//!
//! Converts Fashion-MNIST's training images to a TFRecord file (image_raw,
//! label, height, width, depth), reads it back through the pipeline and
//! prints the record count, the first label and the first batch's shapes.
//!
//! Run with `cargo run --release --example tfrecords` (the embedded 8k
//! split) or `… --example tfrecords -- --full [DIR]` for the 60k training
//! images of DIR (default /usr/share/datasets/fashion-mnist).

use ferroflow as tf;
use std::path::PathBuf;
use tf::data::{DataError, Dataset, Element, TfRecordOptions, AUTOTUNE};
use tf::io::datasets::{convert, fashion_mnist};
use tf::io::example::{decode_raw, parse_single_example, FeatureSpec};
use tf::io::tfrecord::Compression;
use tf::{DType, Tensor};

/// One serialized Example to `(image f32 [28, 28] in [0, 1], label int64)`.
fn parse(e: Element) -> tf::data::Result<Element> {
    let spec = [
        ("image_raw", FeatureSpec::fixed_len(&[], DType::String)),
        ("label", FeatureSpec::fixed_len(&[], DType::I64)),
    ];
    let parsed = parse_single_example(&e.at(0)?.as_strings()?[0], &spec)?;
    let dense = |k: &str| {
        parsed[k]
            .dense()
            .cloned()
            .ok_or_else(|| DataError::invalid("parse", format!("{k} is not dense")))
    };
    let pixels = decode_raw(&dense("image_raw")?, DType::U8, true)?;
    let image: Vec<f32> = pixels
        .as_slice::<u8>()?
        .iter()
        .map(|&p| f32::from(p) / 255.0)
        .collect();
    Ok(Element::named([
        ("image", Tensor::from_vec(image, [28, 28])?),
        ("label", dense("label")?),
    ]))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = if args.first().map(String::as_str) == Some("--full") {
        let dir = args.get(1).map_or_else(
            || PathBuf::from("/usr/share/datasets/fashion-mnist"),
            PathBuf::from,
        );
        fashion_mnist::load_dir(&dir)?
    } else {
        fashion_mnist::load_or_embedded(None)?
    };
    let path = std::env::temp_dir().join(format!(
        "fashion_mnist_train_{}.tfrecord",
        std::process::id()
    ));
    let written = convert::write_tfrecord(&data.train, &path, Compression::None)?;
    println!("wrote {written} Examples to {}", path.display());

    let ds = Dataset::tfrecord([&path], TfRecordOptions::default())?
        .map_parallel(parse, 2, true)?
        .shuffle(10_000, Some(1), true)?
        .batch(128, false)?
        .prefetch(AUTOTUNE);
    println!("element_spec: {ds:?}");

    let first = Dataset::tfrecord([&path], TfRecordOptions::default())?
        .map(parse)?
        .take(1);
    for e in &first {
        println!("first label: {}", e?.get("label")?.to_scalar::<i64>()?);
    }
    let mut count = 0;
    for (i, batch) in ds.iter()?.enumerate() {
        let batch = batch?;
        if i == 0 {
            println!(
                "first batch: image {:?}, label {:?}",
                batch.get("image")?.dims(),
                batch.get("label")?.dims()
            );
        }
        count += batch.get("label")?.dims()[0];
    }
    println!("records read: {count}");
    std::fs::remove_file(&path)?;
    Ok(())
}
