"""Interop fixtures for ferroflow-io, written and checked by real TensorFlow.

Write mode (default): writes under crates/ferroflow-io/tests/fixtures/
  examples.tfrecord / .gz / .zlib  three tf.train.Example records (NONE, GZIP, ZLIB)
  sequence.tfrecord                one tf.train.SequenceExample
  image_rgb.png, image_gray16.png, image.jpg  small images TF encoded
  expected.json                    what tf.io.parse_* / decode_* return for them

Check mode: `--check DIR` reads the files ferroflow wrote into DIR
(`cargo run -p ferroflow-io --example write_io_fixtures -- DIR`) with
tf.data.TFRecordDataset + tf.io.parse_single_example and asserts that they
parse to exactly the values of the TF-written fixtures.

usage: python3 tools/make_io_fixtures.py [--out DIR] [--check DIR]
"""
import argparse
import json
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "crates", "ferroflow-io", "tests", "fixtures")
COMPRESSIONS = {"NONE": "examples.tfrecord", "GZIP": "examples.tfrecord.gz", "ZLIB": "examples.tfrecord.zlib"}


def feat(kind, values):
    if kind == "int64":
        return tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    if kind == "float":
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))


# The three Examples: all list kinds, multi-value, empty lists, absent keys.
EXAMPLES = [
    {"label": ("int64", [3]), "weights": ("float", [0.5, -1.25, 3.0]), "name": ("bytes", [b"alpha"]),
     "tags": ("int64", [1, -2, 300]), "empty_f": ("float", []), "blob": ("bytes", [b"", b"\x00\xff"])},
    {"label": ("int64", [-7]), "weights": ("float", [1.0, 2.0, 3.0]), "name": ("bytes", [b"beta"]),
     "tags": ("int64", []), "empty_f": ("float", []), "blob": ("bytes", [b"x"])},
    {"label": ("int64", [2 ** 40]), "weights": ("float", [0.0, 1e-3, 1e30]), "name": ("bytes", [b"\xc3\xa9"]),
     "blob": ("bytes", []), "empty_f": ("float", [2.5, 3.5])},
]


def example_spec():
    return {
        "label": tf.io.FixedLenFeature([], tf.int64),
        "weights": tf.io.FixedLenFeature([3], tf.float32),
        "name": tf.io.FixedLenFeature([], tf.string),
        "tags": tf.io.VarLenFeature(tf.int64),
        "blob": tf.io.VarLenFeature(tf.string),
        "empty_f": tf.io.FixedLenSequenceFeature([], tf.float32, allow_missing=True),
        "missing": tf.io.FixedLenFeature([2], tf.int64, default_value=[9, 8]),
    }


CONTEXT = {"length": ("int64", [3]), "title": ("bytes", [b"seq"])}
STEPS = {"tokens": [("int64", [1, 2]), ("int64", [3]), ("int64", [])],
         "frames": [("float", [1.0, 2.0]), ("float", [3.0, 4.0]), ("float", [5.0, 6.5])]}


def context_spec():
    return {"length": tf.io.FixedLenFeature([], tf.int64), "title": tf.io.FixedLenFeature([], tf.string)}


def sequence_spec():
    return {"tokens": tf.io.VarLenFeature(tf.int64), "frames": tf.io.FixedLenSequenceFeature([2], tf.float32)}


def make_example(d):
    return tf.train.Example(features=tf.train.Features(feature={k: feat(*v) for k, v in d.items()}))


def make_sequence():
    ctx = tf.train.Features(feature={k: feat(*v) for k, v in CONTEXT.items()})
    lists = tf.train.FeatureLists(feature_list={
        k: tf.train.FeatureList(feature=[feat(*s) for s in steps]) for k, steps in STEPS.items()})
    return tf.train.SequenceExample(context=ctx, feature_lists=lists)


def to_json(t):
    """A parsed value as JSON: strings hex-encoded, floats exact."""
    if isinstance(t, tf.SparseTensor):
        return {"sparse": {"indices": t.indices.numpy().tolist(), "values": values_json(t.values),
                           "dense_shape": t.dense_shape.numpy().tolist()}}
    return {"dense": {"shape": list(t.shape), "dtype": t.dtype.name, "values": values_json(t)}}


def values_json(t):
    flat = np.asarray(t.numpy()).reshape(-1)
    if t.dtype == tf.string:
        return [v.hex() for v in flat]
    return [float(v) if t.dtype.is_floating else int(v) for v in flat]


def parsed_json(d):
    return {k: to_json(v) for k, v in sorted(d.items())}


def parse_file(path, compression):
    """Single and batched parse results of every Example in a TFRecord file."""
    records = list(tf.data.TFRecordDataset(path, compression_type="" if compression == "NONE" else compression))
    single = [parsed_json(tf.io.parse_single_example(r, example_spec())) for r in records]
    batch = parsed_json(tf.io.parse_example(tf.stack(records), example_spec()))
    return {"single": single, "batch": batch}


def parse_sequence_file(path):
    (rec,) = list(tf.data.TFRecordDataset(path))
    ctx, seq = tf.io.parse_single_sequence_example(rec, context_features=context_spec(),
                                                   sequence_features=sequence_spec())
    return {"context": parsed_json(ctx), "sequence": parsed_json(seq)}


def csv_cases():
    defaults = [tf.constant([0], tf.int32), tf.constant([1.5], tf.float32), tf.constant(["x"]),
                tf.constant([], tf.int64)]
    good = ['1,2.5,hello,4', '"7",3e2,"a,b",-9', ',,,5', '-3,-0.5,"say ""hi""",0', '2,,"",12345678901']
    bad = ['1,2.5,hello', '1,2,a"b,4', '1,2,"ab"c,4', '1,2,x,', 'z,2,x,1']
    cols = tf.io.decode_csv(good, defaults)
    out = {"good": good, "columns": [values_json(c) for c in cols], "bad": []}
    for rec in bad:
        try:
            tf.io.decode_csv([rec], defaults)
            raise AssertionError(f"TF accepted {rec!r}")
        except tf.errors.InvalidArgumentError as e:
            out["bad"].append({"record": rec, "tf_error": e.message.split("}} ")[-1].split(" [Op:")[0]})
    return out


def write_images(out):
    rgb = (np.arange(4 * 5 * 3).reshape(4, 5, 3) * 4).astype(np.uint8)
    gray16 = (np.arange(12).reshape(3, 4, 1) * 5000 + 7).astype(np.uint16)
    tf.io.write_file(os.path.join(out, "image_rgb.png"), tf.io.encode_png(rgb))
    tf.io.write_file(os.path.join(out, "image_gray16.png"), tf.io.encode_png(gray16))
    y, x = np.mgrid[0:16, 0:16]
    photo = np.stack([x * 16, y * 16, (x + y) * 8], axis=-1).astype(np.uint8)
    jpg = tf.io.encode_jpeg(photo, quality=95)
    tf.io.write_file(os.path.join(out, "image.jpg"), jpg)
    rgb_png = tf.io.encode_png(rgb)
    gray_png = tf.io.encode_png(gray16)
    flat = lambda t: t.numpy().reshape(-1).tolist()
    return {
        "rgb_as_gray": flat(tf.io.decode_png(rgb_png, channels=1)),
        "rgb_as_rgba": flat(tf.io.decode_png(rgb_png, channels=4)),
        "gray16_as_uint8": flat(tf.io.decode_png(gray_png)),
        "gray16_as_rgb16": flat(tf.io.decode_png(gray_png, channels=3, dtype=tf.uint16)),
        "rgb": rgb.reshape(-1).tolist(),
        "gray16": gray16.reshape(-1).tolist(),
        # ferroflow's decoder uses the accurate integer IDCT (libjpeg's "islow").
        "jpeg_tf_decoded": flat(tf.io.decode_jpeg(jpg, dct_method="INTEGER_ACCURATE")),
        "jpeg_gray_tf_decoded": flat(tf.io.decode_jpeg(jpg, channels=1, dct_method="INTEGER_ACCURATE")),
    }


def write_files(out):
    for compression, name in COMPRESSIONS.items():
        with tf.io.TFRecordWriter(os.path.join(out, name), "" if compression == "NONE" else compression) as w:
            for d in EXAMPLES:
                w.write(make_example(d).SerializeToString())
    with tf.io.TFRecordWriter(os.path.join(out, "sequence.tfrecord")) as w:
        w.write(make_sequence().SerializeToString())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--check", metavar="DIR", help="verify the files ferroflow wrote into DIR")
    args = p.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as ref:
            write_files(ref)
            for compression, name in COMPRESSIONS.items():
                got = parse_file(os.path.join(args.check, name), compression)
                want = parse_file(os.path.join(ref, name), compression)
                assert got == want, (name, got, want)
            got = parse_sequence_file(os.path.join(args.check, "sequence.tfrecord"))
            assert got == parse_sequence_file(os.path.join(ref, "sequence.tfrecord")), got
        print(f"OK: TensorFlow parsed the files in {args.check} to the expected values")
        return
    os.makedirs(args.out, exist_ok=True)
    write_files(args.out)
    expected = {
        "examples": {c: parse_file(os.path.join(args.out, n), c) for c, n in COMPRESSIONS.items()},
        "sequence": parse_sequence_file(os.path.join(args.out, "sequence.tfrecord")),
        "csv": csv_cases(),
        "images": write_images(args.out),
    }
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, sort_keys=True)
    print("wrote fixtures to", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
