//! Data-set loaders on small files made here, the embedded Fashion-MNIST
//! split, and the TFRecord converter.

use ferroflow_io::datasets::fashion_mnist::{self, Source, Split, EMBEDDED_TRAIN_LEN};
use ferroflow_io::datasets::{cifar10, convert, LabeledImages};
use ferroflow_io::tfrecord::Compression;
use ferroflow_tensor::Tensor;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ff_io_{name}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn idx_u8(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        out.extend(d.to_be_bytes());
    }
    out.extend(data);
    out
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A directory with a 3-image train split (gzip) and a 2-image test split (plain).
fn tiny_fashion_dir() -> PathBuf {
    let dir = temp_dir("fmnist");
    let px = |n: usize| (0..n * 784).map(|i| (i % 251) as u8).collect::<Vec<_>>();
    let files = [
        (
            "train-images-idx3-ubyte.gz",
            gz(&idx_u8(&[3, 28, 28], &px(3))),
        ),
        ("train-labels-idx1-ubyte.gz", gz(&idx_u8(&[3], &[4, 0, 9]))),
        ("t10k-images-idx3-ubyte", idx_u8(&[2, 28, 28], &px(2))),
        ("t10k-labels-idx1-ubyte", idx_u8(&[2], &[1, 2])),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

#[test]
fn fashion_mnist_directory_with_plain_and_gzip_files() {
    let dir = tiny_fashion_dir();
    let data = fashion_mnist::load_or_embedded(Some(&dir)).unwrap();
    assert_eq!(data.source, Source::Directory);
    assert_eq!(data.train.images.dims(), [3, 28, 28]);
    assert_eq!(data.train.labels.to_vec::<u8>().unwrap(), [4, 0, 9]);
    assert_eq!(
        data.train.labels_i64().unwrap().to_vec::<i64>().unwrap(),
        [4, 0, 9]
    );
    assert_eq!(
        data.test.images.as_slice::<u8>().unwrap()[785],
        (785 % 251) as u8
    );
    // Labels that do not match the images are an error, not a panic.
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), idx_u8(&[3], &[1, 2, 3])).unwrap();
    assert!(fashion_mnist::load_split(&dir, Split::Test).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn embedded_split_is_used_without_the_full_set() {
    let empty = temp_dir("no_fmnist");
    let data = fashion_mnist::load_or_embedded(Some(&empty)).unwrap();
    assert_eq!(data.source, Source::Embedded);
    assert_eq!(data.train.images.dims(), [EMBEDDED_TRAIN_LEN, 28, 28]);
    assert_eq!(data.test.len(), 10000 - EMBEDDED_TRAIN_LEN);
    // Known facts of the Fashion-MNIST test split: 1000 images per class,
    // first label 9 (ankle boot).
    let all = fashion_mnist::embedded_test().unwrap();
    let mut counts = [0usize; 10];
    for &l in all.labels.as_slice::<u8>().unwrap() {
        counts[l as usize] += 1;
    }
    assert_eq!(counts, [1000; 10]);
    assert_eq!(fashion_mnist::CLASS_NAMES[9], "Ankle boot");
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn cifar10_directory_concatenates_five_training_batches() {
    let dir = temp_dir("cifar");
    for (i, name) in [
        "data_batch_1.bin",
        "data_batch_2.bin",
        "data_batch_3.bin",
        "data_batch_4.bin",
        "data_batch_5.bin",
        "test_batch.bin",
    ]
    .iter()
    .enumerate()
    {
        let mut rec = vec![0u8; cifar10::RECORD_LEN];
        rec[0] = i as u8;
        std::fs::write(dir.join(name), rec).unwrap();
    }
    let (train, test) = cifar10::load_dir(&dir).unwrap();
    assert_eq!(train.images.dims(), [5, 32, 32, 3]);
    assert_eq!(train.labels.to_vec::<u8>().unwrap(), [0, 1, 2, 3, 4]);
    assert_eq!(test.labels.to_vec::<u8>().unwrap(), [5]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn converter_round_trips_fashion_mnist_in_every_compression() {
    let all = fashion_mnist::embedded_test().unwrap();
    let n = 300;
    let subset = LabeledImages {
        images: Tensor::from_vec(
            all.images.as_slice::<u8>().unwrap()[..n * 784].to_vec(),
            [n, 28, 28],
        )
        .unwrap(),
        labels: Tensor::from_vec(all.labels.as_slice::<u8>().unwrap()[..n].to_vec(), [n]).unwrap(),
    };
    let dir = temp_dir("convert");
    for c in [Compression::None, Compression::Gzip, Compression::Zlib] {
        let path = dir.join(format!("fmnist_{c:?}.tfrecord"));
        assert_eq!(convert::write_tfrecord(&subset, &path, c).unwrap(), n);
        let back = convert::read_tfrecord(&path, c).unwrap();
        assert_eq!(back.images.dims(), [n, 28, 28, 1]);
        assert_eq!(
            back.images.as_slice::<u8>().unwrap(),
            subset.images.as_slice::<u8>().unwrap()
        );
        assert_eq!(
            back.labels.as_slice::<u8>().unwrap(),
            subset.labels.as_slice::<u8>().unwrap()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
