"""Checks that tf-keras reads the optimizer state ferroflow's save_model writes.

Runs the resume test with FERROFLOW_RESUME_DIR set (it saves a model
compiled with Adam after one step), then in tf-keras: rebuilds the model
from config.json, compiles it with the saved optimizer and loss configs,
restores the checkpoint with `model.load_weights` (tf-keras's object-based
restore, which fills the optimizer's variables once they exist), and
compares iterations, the learning rate and every m/v slot with the values
`tf.train.load_checkpoint` lists under tf-keras's keys.

    TF_USE_LEGACY_KERAS=1 /work/tfvenv/bin/python tools/check_keras_optimizer_state.py
"""

import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402


def main():
    out = tempfile.mkdtemp(prefix="ff_resume_")
    env = dict(os.environ, FERROFLOW_RESUME_DIR=out)
    subprocess.run(
        ["cargo", "test", "-q", "-p", "ferroflow-keras", "--test", "resume", "the_state"],
        check=True,
        env=env,
    )
    saved = os.path.join(out, "saved")
    with open(os.path.join(saved, "config.json")) as f:
        config = json.load(f)
    compile_config = config.pop("compile_config")
    model = keras.models.model_from_json(json.dumps(config))
    optimizer = keras.optimizers.deserialize(compile_config["optimizer"])
    loss = keras.losses.deserialize(compile_config["loss"])
    model.compile(optimizer, loss)
    prefix = os.path.join(saved, "weights.ckpt")
    status = model.load_weights(prefix)
    # The optimizer's slots exist after build; the restore fills them.
    optimizer.build(model.trainable_variables)
    status.assert_existing_objects_matched()
    reader = tf.train.load_checkpoint(prefix)
    key = "optimizer/{}/.ATTRIBUTES/VARIABLE_VALUE".format
    failures = []
    if int(optimizer.iterations.numpy()) != int(reader.get_tensor(key("_iterations"))):
        failures.append("iterations")
    if not np.isclose(float(optimizer.learning_rate.numpy()), reader.get_tensor(key("_learning_rate"))):
        failures.append("learning_rate")
    for i, var in enumerate(optimizer.variables[1:], start=1):
        ours = reader.get_tensor(key(f"_variables/{i}"))
        if not np.array_equal(var.numpy(), ours) or not np.any(ours):
            failures.append(var.name)
    print(f"tf_keras restored iterations={int(optimizer.iterations.numpy())} and "
          f"{len(optimizer.variables) - 1} slots: {'ok' if not failures else failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
