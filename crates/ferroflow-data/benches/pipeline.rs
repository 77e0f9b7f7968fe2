//! Dataset pipelines. W6 (shared/bench/README.md) through `ferroflow_data`:
//! the 60k Fashion-MNIST training images as `tf.train.Example` TFRecords,
//! read -> parse -> decode_raw(uint8) -> [28, 28] -> batch(128), in the
//! variants of the TensorFlow peer (`peers/w6_tfrecord.py`): `single`
//! (map then batch), `single_par2` (map with `num_parallel_calls=2`, then
//! batch and prefetch) and `batched` (batch then map over the batch).
//!
//! Then map-heavy pipelines (a ~0.2 ms map per element, CPU-bound or
//! sleeping like I/O, and a ~0.2 ms consumer step) run sequentially and
//! with `num_parallel_calls=2` + `prefetch`, to show the overlap.
//!
//! usage: cargo bench -p ferroflow-data --bench pipeline [-- --reps 5]
//! Data: `$FMNIST_DIR` or /usr/share/datasets/fashion-mnist, else the
//! embedded 10k test split (and said so).

use ferroflow_data::{Dataset, Element, TfRecordOptions, AUTOTUNE};
use ferroflow_io::datasets::fashion_mnist::{self, Source};
use ferroflow_io::example::{decode_raw, parse_example, parse_single_example, FeatureSpec};
use ferroflow_io::proto::example::{Example, Feature};
use ferroflow_io::tfrecord::{Compression, TfRecordWriter};
use ferroflow_tensor::DType;
use prost::Message;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BATCH: usize = 128;
const PIXELS: usize = 28 * 28;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

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

/// `parse_single_example` + `decode_raw` + reshape to [28, 28] (rows) or
/// `parse_example` + `decode_raw` to [n, 28, 28] (batches of records).
fn parse(e: Element) -> ferroflow_data::Result<Element> {
    let records = e.at(0)?;
    let n = records.dims().first().copied();
    let parsed = match n {
        None => parse_single_example(&records.as_strings()?[0], &spec())?,
        Some(_) => parse_example(records.as_strings()?, &spec())?,
    };
    let dense = |k: &str| {
        parsed[k]
            .dense()
            .cloned()
            .ok_or_else(|| ferroflow_data::DataError::invalid("parse", "dense"))
    };
    let image = decode_raw(&dense("image_raw")?, DType::U8, true)?;
    let image = match n {
        None => image.view([28, 28])?,
        Some(n) => image.view([n, 28, 28])?,
    };
    Ok(Element::tuple(vec![image, dense("label")?]))
}

fn pipeline(path: &Path, variant: &str) -> Res<Dataset> {
    let records = Dataset::tfrecord([path], TfRecordOptions::default())?;
    Ok(match variant {
        "single" => records.map(parse)?.batch(BATCH, false)?,
        "single_par2" => records
            .map_parallel(parse, 2, true)?
            .batch(BATCH, false)?
            .prefetch(AUTOTUNE),
        _ => records.batch(BATCH, false)?.map(parse)?,
    })
}

/// Record count, label sum and first image of one epoch.
fn read(ds: &Dataset) -> Res<(usize, i64, Vec<u8>)> {
    let (mut count, mut sum, mut first) = (0, 0, Vec::new());
    for e in ds {
        let e = e?;
        let (images, labels) = (e.at(0)?, e.at(1)?);
        if first.is_empty() {
            first = images.as_slice::<u8>()?[..PIXELS].to_vec();
        }
        count += images.dims()[0];
        sum += labels.as_slice::<i64>()?.iter().sum::<i64>();
    }
    Ok((count, sum, first))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median seconds of `reps` runs of `f`, after one warm-up run.
fn time(reps: usize, mut f: impl FnMut() -> Res<()>) -> Res<f64> {
    f()?;
    let mut times = Vec::new();
    for _ in 0..reps {
        let t0 = Instant::now();
        f()?;
        times.push(t0.elapsed().as_secs_f64());
    }
    Ok(median(times))
}

/// Busy work of about `d` on this thread.
fn spin(d: Duration) {
    let t0 = Instant::now();
    while t0.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// A pipeline of `N` elements whose map takes `work` per element (by
/// `wait`: spinning for CPU work, sleeping for I/O-like latency) and whose
/// consumer spins `work` per element, sequential vs `num_parallel_calls=2`
/// + `prefetch`.
fn map_heavy(reps: usize, label: &str, wait: fn(Duration)) -> Res<()> {
    const N: i64 = 2000;
    let work = Duration::from_micros(200);
    let heavy = move |e: Element| {
        wait(work);
        Ok(e)
    };
    let consume = |ds: Dataset| {
        move || -> Res<()> {
            for e in &ds {
                e?;
                spin(work);
            }
            Ok(())
        }
    };
    let seq = Dataset::range(0, N, 1)?.map(heavy)?;
    let par = Dataset::range(0, N, 1)?
        .map_parallel(heavy, 2, true)?
        .prefetch(AUTOTUNE);
    let (ts, tp) = (time(reps, consume(seq))?, time(reps, consume(par))?);
    println!("map-heavy, {label} ({N} elements, 0.2 ms map + 0.2 ms consumer step each)");
    println!(
        "  map sequential         {:>8.3} s  {:>8.0} elements/s",
        ts,
        N as f64 / ts
    );
    println!(
        "  map par2 + prefetch    {:>8.3} s  {:>8.0} elements/s  ({:.2}x)",
        tp,
        N as f64 / tp,
        ts / tp
    );
    Ok(())
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
    let path = std::env::temp_dir().join(format!("ff_data_w6_{}.tfrecord", std::process::id()));
    write(&path, images, labels)?;
    let size = std::fs::metadata(&path)?.len() as f64;
    println!(
        "W6 ferroflow-data: {n} records, {:.1} MB, {reps} reps (median)",
        size / 1e6
    );
    for variant in ["single", "single_par2", "batched"] {
        let ds = pipeline(&path, variant)?;
        let t = time(reps, || {
            let (count, sum, first) = read(&ds)?;
            if count != n || sum != want_sum || first != images[..PIXELS] {
                return Err(
                    format!("{variant}: read back {count} records, label sum {sum}").into(),
                );
            }
            Ok(())
        })?;
        println!(
            "read {variant:<12}{:>10.0} records/s {:>8.1} MB/s",
            n as f64 / t,
            size / 1e6 / t
        );
    }
    std::fs::remove_file(&path)?;
    map_heavy(reps, "CPU-bound map", spin)?;
    map_heavy(reps, "I/O-like map (sleeps)", std::thread::sleep)
}
