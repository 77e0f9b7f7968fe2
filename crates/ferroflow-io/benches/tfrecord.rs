//! W6 (shared/bench/README.md): the 60k Fashion-MNIST training images as
//! `tf.train.Example` TFRecords. Write: build + serialize + frame every
//! Example. Read: TFRecord -> parse -> decode_raw(uint8) -> [28, 28] ->
//! batches of 128, in two variants like the TensorFlow peer
//! (`peers/w6_tfrecord.py`): `single` parses each record then batches,
//! `batched` batches records then parses the batch.
//!
//! usage: cargo bench -p ferroflow-io --bench tfrecord [-- --reps 5]
//! Data: `$FMNIST_DIR` or /usr/share/datasets/fashion-mnist; without it the
//! embedded 10k test split is used (and said so).

use ferroflow_io::datasets::fashion_mnist::{self, Source};
use ferroflow_io::example::{decode_raw, parse_example, parse_single_example, FeatureSpec};
use ferroflow_io::proto::example::{Example, Feature};
use ferroflow_io::tfrecord::{Compression, TfRecordReader, TfRecordWriter};
use ferroflow_tensor::{DType, Tensor};
use prost::Message;
use std::path::{Path, PathBuf};
use std::time::Instant;

const BATCH: usize = 128;
const PIXELS: usize = 28 * 28;

type Res<T> = Result<T, Box<dyn std::error::Error>>;
/// One read variant: reads the whole file, returns what it saw.
type ReadFn = fn(&Path) -> Res<Seen>;

fn spec() -> [(&'static str, FeatureSpec); 2] {
    [
        ("image_raw", FeatureSpec::fixed_len(&[], DType::String)),
        ("label", FeatureSpec::fixed_len(&[], DType::I64)),
    ]
}

fn write(path: &Path, images: &[u8], labels: &[u8]) -> Res<()> {
    let mut w = TfRecordWriter::create(path, Compression::None)?;
    let mut buf = Vec::new();
    for (img, &label) in images.chunks_exact(PIXELS).zip(labels) {
        let ex = Example::from_features([
            ("image_raw", Feature::bytes(img)),
            ("label", Feature::int64(i64::from(label))),
        ]);
        buf.clear();
        ex.encode(&mut buf)?;
        w.write(&buf)?;
    }
    w.finish()?;
    Ok(())
}

/// What a read produced: record count, label sum, first image.
struct Seen {
    count: usize,
    label_sum: i64,
    first: Vec<u8>,
}

impl Seen {
    fn add(&mut self, images: &Tensor, labels: &Tensor) -> Res<()> {
        if self.first.is_empty() {
            self.first = images.as_slice::<u8>()?[..PIXELS].to_vec();
        }
        self.count += images.dims()[0];
        self.label_sum += labels.as_slice::<i64>()?.iter().sum::<i64>();
        Ok(())
    }
}

fn read_single(path: &Path) -> Res<Seen> {
    let spec = spec();
    let mut seen = Seen {
        count: 0,
        label_sum: 0,
        first: Vec::new(),
    };
    let mut reader = TfRecordReader::open(path, Compression::None)?;
    let (mut pixels, mut labels) = (
        Vec::with_capacity(BATCH * PIXELS),
        Vec::with_capacity(BATCH),
    );
    loop {
        let rec = reader.read_next()?;
        if let Some(rec) = rec {
            let parsed = parse_single_example(rec, &spec)?;
            let img = decode_raw(parsed["image_raw"].dense().ok_or("dense")?, DType::U8, true)?
                .view([28, 28])?;
            pixels.extend_from_slice(img.as_slice::<u8>()?);
            labels.push(parsed["label"].dense().ok_or("dense")?.to_scalar::<i64>()?);
            if labels.len() < BATCH {
                continue;
            }
        }
        if labels.is_empty() {
            return Ok(seen);
        }
        let n = labels.len();
        let images = Tensor::from_vec(std::mem::take(&mut pixels), [n, 28, 28])?;
        seen.add(
            &images,
            &Tensor::from_vec(std::mem::take(&mut labels), [n])?,
        )?;
    }
}

fn read_batched(path: &Path) -> Res<Seen> {
    let spec = spec();
    let mut seen = Seen {
        count: 0,
        label_sum: 0,
        first: Vec::new(),
    };
    let mut reader = TfRecordReader::open(path, Compression::None)?;
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    let mut used = 0;
    loop {
        let rec = reader.read_next()?;
        if let Some(rec) = rec {
            // Reuse the record vectors of the previous batch.
            if used == batch.len() {
                batch.push(Vec::new());
            }
            batch[used].clear();
            batch[used].extend_from_slice(rec);
            used += 1;
            if used < BATCH {
                continue;
            }
        }
        if used == 0 {
            return Ok(seen);
        }
        let parsed = parse_example(&batch[..used], &spec)?;
        let images = decode_raw(parsed["image_raw"].dense().ok_or("dense")?, DType::U8, true)?
            .view([used, 28, 28])?;
        seen.add(&images, parsed["label"].dense().ok_or("dense")?)?;
        used = 0;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|r| r.parse().ok())
        .unwrap_or(5usize);
    let dir = std::env::var_os("FMNIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/datasets/fashion-mnist"));
    let data = fashion_mnist::load_or_embedded(Some(&dir))?;
    let train = match data.source {
        Source::Directory => data.train,
        Source::Embedded => {
            eprintln!(
                "note: {} has no Fashion-MNIST; using the embedded 10k test split",
                dir.display()
            );
            fashion_mnist::embedded_test()?
        }
    };
    let images = train.images.as_slice::<u8>()?;
    let labels = train.labels.as_slice::<u8>()?;
    let n = labels.len();
    let want_sum: i64 = labels.iter().map(|&l| i64::from(l)).sum();
    let path = std::env::temp_dir().join(format!("ff_w6_{}.tfrecord", std::process::id()));

    let mut wtimes = Vec::new();
    for _ in 0..3 {
        let t0 = Instant::now();
        write(&path, images, labels)?;
        wtimes.push(t0.elapsed().as_secs_f64());
    }
    let size = std::fs::metadata(&path)?.len() as f64;
    let wt = median(wtimes);
    println!("W6 ferroflow: {n} records, {:.1} MB", size / 1e6);
    println!(
        "write        {:>10.0} records/s {:>8.1} MB/s",
        n as f64 / wt,
        size / 1e6 / wt
    );

    let variants: [(&str, ReadFn); 2] = [("single", read_single), ("batched", read_batched)];
    for (name, read) in variants {
        let mut times = Vec::new();
        for rep in 0..=reps {
            let t0 = Instant::now();
            let seen = read(&path)?;
            let dt = t0.elapsed().as_secs_f64();
            if seen.count != n || seen.label_sum != want_sum || seen.first != images[..PIXELS] {
                return Err(format!(
                    "{name}: read back {} records, label sum {}",
                    seen.count, seen.label_sum
                )
                .into());
            }
            if rep > 0 {
                times.push(dt); // rep 0 warms the page cache
            }
        }
        let t = median(times);
        println!(
            "read {name:<8}{:>10.0} records/s {:>8.1} MB/s",
            n as f64 / t,
            size / 1e6 / t
        );
    }
    std::fs::remove_file(&path)?;
    Ok(())
}
