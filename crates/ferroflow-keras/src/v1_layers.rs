//! `tf.compat.v1.layers`: the TF1 layer functions (`tf.layers.dense(x,
//! 50, activation=tf.nn.relu)`) on graph tensors. Each takes the Keras
//! layer that configures it (`Dense::new(50).activation("relu")`) and
//! applies it the TF1 way: its variables come from `get_variable` in a
//! variable scope named after the layer (`dense`, `dense_1`, … unique in
//! the enclosing variable scope, or the layer's own name when given), so
//! `variable_scope(..., reuse)` shares them; weight penalties and activity
//! losses join the graph's `REGULARIZATION_LOSSES` collection (read by
//! `losses::get_regularization_loss`); batch normalization's moving-average
//! updates join `UPDATE_OPS`.
//!
//! ```
//! use ferroflow_core::graph::Graph;
//! use ferroflow_core::prelude::*;
//! use ferroflow_keras::layers::Dense;
//! use ferroflow_keras::v1_layers;
//! let g = Graph::new();
//! let x = g.placeholder(DType::F32, [None, Some(2)], "states").unwrap();
//! let fc1 = v1_layers::dense(&x, Dense::new(50).activation("relu")).unwrap();
//! let fc2 = v1_layers::dense(&fc1, Dense::new(50).activation("relu")).unwrap();
//! let logits = v1_layers::dense(&fc2, Dense::new(3)).unwrap();
//! assert_eq!(fc1.name(), "dense/Relu:0");
//! assert_eq!(logits.name(), "dense_2/BiasAdd:0");
//! assert_eq!(g.trainable_variables()[2].name(), "dense_1/kernel:0");
//! ```

use crate::layers::{BatchNormalization, Conv2D, Dense, Dropout, Flatten, Pooling2D};
use crate::Layer;
use ferroflow_core::graph::{Output, Reuse, REGULARIZATION_LOSSES};
use ferroflow_core::{Result, TensorOps};

/// Applies `layer` to `inputs` as a TF1 layer call with `reuse` (see the
/// module docs): builds it from `inputs`' static shape, gets its variables
/// in its variable scope, runs its forward pass there, and files its
/// losses under `REGULARIZATION_LOSSES` (weight penalties only when the
/// variables are created, as TensorFlow does, and the activity penalty).
///
/// ```
/// use ferroflow_core::graph::{Graph, Reuse};
/// use ferroflow_core::prelude::*;
/// use ferroflow_keras::layers::Dense;
/// use ferroflow_keras::v1_layers;
/// let g = Graph::new();
/// let x = g.placeholder(DType::F32, [None, Some(4)], "x").unwrap();
/// let a = v1_layers::apply(Dense::new(2).name("out"), &x, false, Reuse::Inherit).unwrap();
/// let b = v1_layers::apply(Dense::new(2).name("out"), &x, false, Reuse::Reuse).unwrap();
/// assert_eq!((a.name().as_str(), b.name().as_str()), ("out/BiasAdd:0", "out_1/BiasAdd:0"));
/// assert_eq!(g.global_variables().len(), 2); // shared
/// ```
pub fn apply<L: Layer>(
    mut layer: L,
    inputs: &Output,
    training: bool,
    reuse: Reuse,
) -> Result<Output> {
    let g = inputs.graph();
    let core = layer.core();
    let _scope = if core.named() {
        g.variable_scope(core.name(), reuse)
    } else {
        g.variable_scope_default(core.base_name(), reuse)
    };
    layer.core_mut().set_graph_only();
    layer.build_for(&inputs.static_shape())?;
    let core = layer.core();
    core.get_graph_variables(g)?;
    let y = layer.call_graph(inputs, training)?;
    core.regularize_activity(&y)?;
    let added = core.added_graph_losses.borrow();
    for loss in added.iter().filter(|l| l.graph().id() == g.id()) {
        g.add_to_collection(REGULARIZATION_LOSSES, loss.clone());
    }
    Ok(y)
}

/// `tf.compat.v1.layers.dense(inputs, units, ...)`: `layer` carries the
/// units, activation, initializers, regularizers and name.
pub fn dense(inputs: &Output, layer: Dense) -> Result<Output> {
    apply(layer, inputs, false, Reuse::Inherit)
}

/// `tf.compat.v1.layers.conv2d(inputs, filters, kernel_size, ...)`.
pub fn conv2d(inputs: &Output, layer: Conv2D) -> Result<Output> {
    apply(layer, inputs, false, Reuse::Inherit)
}

/// `tf.compat.v1.layers.max_pooling2d(inputs, pool_size, strides)` with
/// `"valid"` padding (for `"same"`, [`apply`] a `Pooling2D::max` with its
/// padding set).
pub fn max_pooling2d(
    inputs: &Output,
    pool_size: [usize; 2],
    strides: [usize; 2],
) -> Result<Output> {
    let layer = Pooling2D::max(pool_size).strides(strides);
    apply(layer, inputs, false, Reuse::Inherit)
}

/// `tf.compat.v1.layers.average_pooling2d(inputs, pool_size, strides)`
/// with `"valid"` padding.
pub fn average_pooling2d(
    inputs: &Output,
    pool_size: [usize; 2],
    strides: [usize; 2],
) -> Result<Output> {
    let layer = Pooling2D::average(pool_size).strides(strides);
    apply(layer, inputs, false, Reuse::Inherit)
}

/// `tf.compat.v1.layers.flatten(inputs)`.
pub fn flatten(inputs: &Output) -> Result<Output> {
    apply(Flatten::new(), inputs, false, Reuse::Inherit)
}

/// `tf.compat.v1.layers.dropout(inputs, rate, training=training)`:
/// identity unless `training`.
pub fn dropout(inputs: &Output, layer: Dropout, training: bool) -> Result<Output> {
    apply(layer, inputs, training, Reuse::Inherit)
}

/// `tf.compat.v1.layers.batch_normalization(inputs, training=training)`:
/// batch statistics and moving-average updates in `UPDATE_OPS` when
/// `training`, the moving averages otherwise.
pub fn batch_normalization(
    inputs: &Output,
    layer: BatchNormalization,
    training: bool,
) -> Result<Output> {
    apply(layer, inputs, training, Reuse::Inherit)
}
