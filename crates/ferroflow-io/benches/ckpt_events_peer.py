"""TensorFlow peer of benches/ckpt_events.rs: the same checkpoint and event
workloads (64 MiB of float32 saved/restored with SaveV2/RestoreV2; TF2
scalar summaries through create_file_writer). Run with python3.
"""

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

SIDE, TENSORS, EVENTS = 2048, 4, 20_000
reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 3
tmp = tempfile.mkdtemp()
tensors = [((np.arange(SIDE * SIDE) + t) * 1e-3).astype(np.float32).reshape(SIDE, SIDE)
           for t in range(TENSORS)]
names = [f"layer{i}/kernel" for i in range(TENSORS)]
mib = TENSORS * SIDE * SIDE * 4 / 2**20
prefix = os.path.join(tmp, "model.ckpt")
save, restore, events = [], [], []
for _ in range(reps):
    start = time.perf_counter()
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * TENSORS,
                      tensors=tensors)
    save.append(mib / (time.perf_counter() - start))
    start = time.perf_counter()
    out = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=names,
                               shape_and_slices=[""] * TENSORS, dtypes=[tf.float32] * TENSORS)
    [o.numpy() for o in out]
    restore.append(mib / (time.perf_counter() - start))
    start = time.perf_counter()
    writer = tf.summary.create_file_writer(os.path.join(tmp, "events"))
    with writer.as_default():
        for step in range(EVENTS):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
    writer.close()
    events.append(EVENTS / (time.perf_counter() - start))
print(f"checkpoint save    {statistics.median(save):8.0f} MiB/s (SaveV2)")
print(f"checkpoint restore {statistics.median(restore):8.0f} MiB/s (RestoreV2)")
print(f"event scalars      {statistics.median(events):8.0f} events/s (eager tf.summary.scalar)")
