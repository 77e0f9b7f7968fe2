"""Reference values for crates/ferroflow-keras/tests (losses, metrics, summary counts).

Run: python3 tools/keras_fixtures.py > crates/ferroflow-keras/tests/fixtures/keras.json
"""
import json

import numpy as np
import tensorflow as tf

L = tf.keras.losses
M = tf.keras.metrics

y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], np.float32)
probs = np.array([[0.05, 0.9, 0.05], [0.1, 0.6, 0.3]], np.float32)
logits = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]], np.float32)
sparse = np.array([1, 2], np.int64)
reg_true = np.array([[0.0, 1.0], [2.0, -1.0]], np.float32)
reg_pred = np.array([[0.5, 3.0], [1.0, -1.5]], np.float32)
bin_true = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
bin_pred = np.array([[0.2, 0.7], [0.4, 0.1]], np.float32)

losses = {
    "mse": float(L.MeanSquaredError()(reg_true, reg_pred)),
    "mae": float(L.MeanAbsoluteError()(reg_true, reg_pred)),
    "huber": float(L.Huber()(reg_true, reg_pred)),
    "bce": float(L.BinaryCrossentropy()(bin_true, bin_pred)),
    "bce_logits": float(L.BinaryCrossentropy(from_logits=True)(bin_true, reg_pred)),
    "cce": float(L.CategoricalCrossentropy()(y_true, probs)),
    "cce_logits": float(L.CategoricalCrossentropy(from_logits=True)(y_true, logits)),
    "scce": float(L.SparseCategoricalCrossentropy()(sparse, probs)),
    "scce_logits": float(L.SparseCategoricalCrossentropy(from_logits=True)(sparse, logits)),
    "kld": float(L.KLDivergence()(y_true, probs)),
    "cce_none": L.CategoricalCrossentropy(reduction=None)(y_true, probs).numpy().tolist(),
    "mse_sum": float(L.MeanSquaredError(reduction="sum")(reg_true, reg_pred)),
}

auc_true = np.array([0, 0, 1, 1, 1, 0, 1, 0], np.float32)
auc_pred = np.array([0.1, 0.4, 0.35, 0.8, 0.65, 0.7, 0.2, 0.05], np.float32)


def metric(m, *args):
    m.update_state(*args)
    return float(m.result())


metrics = {
    "auc": metric(M.AUC(), auc_true, auc_pred),
    "precision": metric(M.Precision(), auc_true, auc_pred),
    "recall": metric(M.Recall(), auc_true, auc_pred),
    "top2": metric(M.TopKCategoricalAccuracy(k=2), y_true, probs),
    "binary_accuracy": metric(M.BinaryAccuracy(), bin_true, bin_pred),
}


def params(layers, shape):
    model = tf.keras.Sequential([tf.keras.Input(shape)] + layers)
    return int(model.count_params())


K = tf.keras.layers
counts = {
    "mlp": params([K.Flatten(), K.Dense(300, activation="relu"), K.Dense(10)], (28, 28)),
    "conv200": params([K.Conv2D(200, 5)], (32, 32, 3)),
    "cnn": params(
        [
            K.Conv2D(32, 5, padding="same", activation="relu"),
            K.MaxPool2D(2),
            K.Conv2D(64, 5, padding="same", activation="relu"),
            K.MaxPool2D(2),
            K.Flatten(),
            K.Dense(1024, activation="relu"),
            K.Dropout(0.4),
            K.Dense(10),
        ],
        (28, 28, 1),
    ),
    "image_layers": params(
        [
            K.ZeroPadding2D(((1, 1), (2, 0))),
            K.DepthwiseConv2D(3, depth_multiplier=2),
            K.BatchNormalization(),
            K.Conv2DTranspose(8, 3, strides=2, padding="same"),
            K.AveragePooling2D(2),
            K.GlobalMaxPooling2D(),
        ],
        (8, 8, 3),
    ),
    "embedding": params([K.Embedding(1000, 64), K.GlobalAveragePooling1D(), K.Dense(1)], (10,)),
}

bn = K.BatchNormalization()
bn_x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 7.0]], np.float32)
bn_train = bn(bn_x, training=True).numpy().tolist()
bn_moving = [w.numpy().tolist() for w in bn.weights[2:]]
bn_infer = bn(bn_x, training=False).numpy().tolist()
batchnorm = {"x": bn_x.tolist(), "train": bn_train, "moving": bn_moving, "infer": bn_infer}

print(json.dumps({"losses": losses, "metrics": metrics, "params": counts, "batchnorm": batchnorm}, indent=1))
