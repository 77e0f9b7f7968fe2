"""NumPy / TensorFlow equivalents of benches/movement.rs, same shapes and GB/s
accounting (bytes read + written), median of 7 calibrated samples.

usage: RAYON_NUM_THREADS=2 python peers_movement.py --framework {numpy,tensorflow}
"""
import argparse
import os

from peers_elementwise import median_seconds  # sets the BLAS thread counts first
import numpy as np

THREADS = os.environ.get("RAYON_NUM_THREADS", "2")


def cases(fw):
    rng = np.random.default_rng(1)

    def t(*dims):
        return rng.uniform(-1, 1, dims).astype(np.float32)

    square, nhwc, nchw = t(4096, 4096), t(32, 56, 56, 64), t(32, 64, 56, 56)
    half, table = t(4096, 2048), t(50000, 128)
    ids = (np.arange(32768, dtype=np.int64) * 7919) % 50000
    b = lambda n: n * 4  # noqa: E731
    if fw == "numpy":
        c = np.ascontiguousarray
        ops = [
            lambda: c(square.T),
            lambda: c(nhwc.transpose(0, 3, 1, 2)),
            lambda: c(nchw.transpose(0, 2, 3, 1)),
            lambda: np.concatenate([half, half], 1),
            lambda: c(square[::2, 1:]),
            lambda: np.take(table, ids, axis=0),
            lambda: c(square[:, ::-1]),
            lambda: square.astype(np.int32),
        ]
    else:
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(int(THREADS))
        tf.config.threading.set_inter_op_parallelism_threads(1)
        square, nhwc, nchw, half, table, ids = map(
            tf.constant, (square, nhwc, nchw, half, table, ids))
        ops = [
            lambda: tf.transpose(square, [1, 0]),
            lambda: tf.transpose(nhwc, [0, 3, 1, 2]),
            lambda: tf.transpose(nchw, [0, 2, 3, 1]),
            lambda: tf.concat([half, half], 1),
            lambda: square[::2, 1:],
            lambda: tf.gather(table, ids),
            lambda: tf.reverse(square, [1]),
            lambda: tf.cast(square, tf.int32),
        ]
    names = [
        ("transpose [4096,4096] (1,0)", 2 * b(1 << 24)),
        ("transpose NHWC->NCHW [32,56,56,64]", 2 * b(32 * 56 * 56 * 64)),
        ("transpose NCHW->NHWC [32,64,56,56]", 2 * b(32 * 56 * 56 * 64)),
        ("concat 2x[4096,2048] axis 1", 4 * b(4096 * 2048)),
        ("strided_slice [4096,4096][::2, 1:]", 2 * b(2048 * 4095)),
        ("gather [50000,128] by 32768 rows", 2 * b(32768 * 128)),
        ("reverse [4096,4096] axis 1", 2 * b(1 << 24)),
        ("cast f32->i32 [4096,4096]", 2 * b(1 << 24)),
    ]
    return [(n, by, f) for (n, by), f in zip(names, ops)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--framework", choices=["numpy", "tensorflow"], default="numpy")
    fw = p.parse_args().framework
    print("data movement f32, %s, %s threads" % (fw, THREADS))
    for name, nbytes, f in cases(fw):
        s = median_seconds(f)
        print("%-40s %8.2f ms %7.2f GB/s" % (name, s * 1e3, nbytes / s / 1e9))


if __name__ == "__main__":
    main()
