//! Checkpoint and event-file throughput.
//!
//! - `save` / `restore`: four float32 `[2048, 2048]` tensors (64 MiB) written
//!   with `BundleWriter` (temp files, fsync, rename) and read back with
//!   `BundleReader::get_tensor` (CRC checked).
//! - `events`: 100 000 TF2 scalar summaries through `EventFileWriter`,
//!   including `close` (everything on disk).
//!
//! usage: cargo bench -p ferroflow-io --bench ckpt_events [-- --reps 5]
//! Peer: `python benches/ckpt_events_peer.py` (same workloads in TensorFlow).

use ferroflow_io::bundle::{BundleReader, BundleWriter};
use ferroflow_io::events::{scalar, EventFileWriter};
use ferroflow_io::proto::Summary;
use ferroflow_tensor::Tensor;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const SIDE: usize = 2048;
const TENSORS: usize = 4;
const EVENTS: usize = 100_000;

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
        .unwrap_or(3usize);
    let dir = std::env::temp_dir().join(format!("ff_bench_ckpt_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let tensors: Vec<Tensor> = (0..TENSORS)
        .map(|t| {
            let data = (0..SIDE * SIDE).map(|i| (i + t) as f32 * 1e-3).collect();
            Tensor::from_vec(data, [SIDE, SIDE])
        })
        .collect::<Result<_, _>>()?;
    let mib = (TENSORS * SIDE * SIDE * 4) as f64 / (1 << 20) as f64;
    let prefix = dir.join("model.ckpt");
    let (mut save, mut restore, mut events) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let start = Instant::now();
        let mut w = BundleWriter::new(&prefix);
        for (i, t) in tensors.iter().enumerate() {
            w.add(&format!("layer{i}/kernel"), t)?;
        }
        w.finish()?;
        save.push(mib / start.elapsed().as_secs_f64());

        let start = Instant::now();
        let reader = BundleReader::open(&prefix)?;
        for i in 0..TENSORS {
            std::hint::black_box(reader.get_tensor(&format!("layer{i}/kernel"))?);
        }
        restore.push(mib / start.elapsed().as_secs_f64());

        let start = Instant::now();
        let writer = EventFileWriter::new(dir.join("events"))?;
        for step in 0..EVENTS {
            let summary = Summary {
                value: vec![scalar("loss", 1.0 / (step + 1) as f64)],
            };
            writer.add_summary(summary, step as i64)?;
        }
        writer.close()?;
        events.push(EVENTS as f64 / start.elapsed().as_secs_f64());
        std::fs::remove_dir_all(dir.join("events"))?;
    }
    println!(
        "checkpoint save    {:8.0} MiB/s (64 MiB, fsync included)",
        median(save)
    );
    println!(
        "checkpoint restore {:8.0} MiB/s (CRC checked)",
        median(restore)
    );
    println!("event scalars      {:8.0} events/s", median(events));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
