"""Eager dispatch overhead of the peers: ns per op on tiny tensors, the same
calls as crates/ferroflow-core/benches/dispatch.rs. Prints one JSON line.

Run: python tools/bench/dispatch_peers.py --framework tf|torch
"""
import argparse
import json
import time


def median_ns(reps, f):
    for _ in range(reps // 10):
        f()
    samples = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(reps):
            f()
        samples.append((time.perf_counter() - t) / reps * 1e9)
    return sorted(samples)[3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--framework", choices=["tf", "torch"], required=True)
    args = ap.parse_args()
    reps = 20000
    if args.framework == "tf":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(2)
        tf.config.threading.set_inter_op_parallelism_threads(2)
        a, b = tf.constant(1.0), tf.constant(2.0)
        v = tf.ones([16])
        m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        res = {
            "add": median_ns(reps, lambda: tf.add(a, b)),
            "relu": median_ns(reps, lambda: tf.nn.relu(v)),
            "matmul": median_ns(reps, lambda: tf.matmul(m, m)),
        }
    else:
        import torch
        torch.set_num_threads(2)
        a, b = torch.tensor(1.0), torch.tensor(2.0)
        v = torch.ones(16)
        m = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        res = {
            "add": median_ns(reps, lambda: torch.add(a, b)),
            "relu": median_ns(reps, lambda: torch.relu(v)),
            "matmul": median_ns(reps, lambda: torch.matmul(m, m)),
        }
    print(json.dumps({"framework": args.framework, "ns_per_op": res}))


if __name__ == "__main__":
    main()
