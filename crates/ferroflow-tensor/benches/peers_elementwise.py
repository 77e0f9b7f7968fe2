"""NumPy / PyTorch equivalents of benches/elementwise.rs, same sizes and GB/s
accounting (bytes read + written), median of 7 calibrated samples.

usage: RAYON_NUM_THREADS=2 python peers_elementwise.py --framework {numpy,torch}
"""
import argparse
import os
import statistics
import time

for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(v, os.environ.get("RAYON_NUM_THREADS", "2"))
import numpy as np  # noqa: E402

COLS = 1024


def median_seconds(f):
    for _ in range(3):
        f()
    reps = 1
    while True:
        t = time.perf_counter()
        for _ in range(reps):
            f()
        if time.perf_counter() - t >= 0.2:
            break
        reps *= 2
    samples = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(reps):
            f()
        samples.append((time.perf_counter() - t) / reps)
    return statistics.median(samples)


def cases(fw, n):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (n // COLS, COLS)).astype(np.float32)
    y = rng.uniform(-1, 1, (n // COLS, COLS)).astype(np.float32)
    row = rng.uniform(-1, 1, COLS).astype(np.float32)
    a = np.float32(1.5)
    if fw == "torch":
        import torch
        torch.set_num_threads(int(os.environ.get("RAYON_NUM_THREADS", "2")))
        x, y, row = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(row)
        relu, softmax = torch.relu, lambda t: torch.softmax(t, -1)
        s_all, s_rows, s_cols = (lambda: x.sum()), (lambda: x.sum(1)), (lambda: x.sum(0))
        m_rows = lambda: x.amax(1)  # noqa: E731
    else:
        relu = lambda t: np.maximum(t, 0)  # noqa: E731

        def softmax(t):
            e = np.exp(t - t.max(-1, keepdims=True))
            return e / e.sum(-1, keepdims=True)
        s_all, s_rows, s_cols = (lambda: x.sum()), (lambda: x.sum(1)), (lambda: x.sum(0))
        m_rows = lambda: x.max(1)  # noqa: E731
    b = 4.0 * n
    return [
        ("relu(x*a+b) 3 kernels", 6 * b, lambda: relu(x * a + row)),
        ("x + y", 3 * b, lambda: x + y),
        ("x * scalar", 2 * b, lambda: x * a),
        ("x + row [1024]", 2 * b, lambda: x + row),
        ("relu(x)", 2 * b, lambda: relu(x)),
        ("sum all", b, s_all),
        ("sum rows (axis 1)", b, s_rows),
        ("sum cols (axis 0)", b, s_cols),
        ("max rows (axis 1)", b, m_rows),
        ("softmax rows", 2 * b, lambda: softmax(x)),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--framework", required=True, choices=["numpy", "torch"])
    p.add_argument("--sizes", default="1048576,4194304,16777216")
    args = p.parse_args()
    print(f"element-wise f32, {args.framework}")
    for n in [int(s) for s in args.sizes.split(",")]:
        for name, moved, f in cases(args.framework, n):
            secs = median_seconds(f)
            print(f"n={n:9}  {name:24} {moved / secs / 1e9:7.2f} GB/s  ({secs * 1e3:.3f} ms)")


if __name__ == "__main__":
    main()
