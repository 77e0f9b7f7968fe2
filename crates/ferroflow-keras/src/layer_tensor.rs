//! The handles a layer's forward pass runs on — eager tensors and graph
//! outputs — with the layer's weights in the same context, so that each
//! layer writes its forward pass once.

use crate::LayerCore;
use ferroflow_core::graph::Output;
use ferroflow_core::prelude::*;
use ferroflow_core::Result;

/// The graph collection of the ops that update a layer's state (the moving
/// averages of `BatchNormalization`), like `tf.GraphKeys.UPDATE_OPS`: run
/// them with each training step.
pub const UPDATE_OPS: &str = "update_ops";

/// A handle a layer computes on: [`Tensor`] (eager, recorded by tapes) or
/// [`Output`] (graph nodes).
///
/// ```
/// use ferroflow_core::graph::Graph;
/// use ferroflow_core::prelude::*;
/// use ferroflow_keras::layers::BatchNormalization;
/// use ferroflow_keras::{Layer, UPDATE_OPS};
/// let g = Graph::new();
/// let x = g.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
/// BatchNormalization::new().apply_graph(&x, true).unwrap();
/// // The moving mean and variance assignments.
/// assert_eq!(g.get_collection(UPDATE_OPS, None).len(), 2);
/// ```
pub trait LayerTensor: RandomSource {
    /// Whether layers use fused kernels (a convolution with its bias and
    /// ReLU as one op): yes eagerly; no in graphs, which keep the op-by-op
    /// nodes TF Keras writes (`conv2d/Conv2D`, `conv2d/BiasAdd`,
    /// `conv2d/Relu`), so that names and exported GraphDefs match.
    const FUSES_OPS: bool;
    /// `core`'s weights in creation order, in `x`'s context.
    fn weights_of(core: &LayerCore, x: &Self) -> Result<Vec<Self>>;
    /// Sets weight `index` of `core` to `value`: at once eagerly; in a
    /// graph, an `Assign` op added to [`UPDATE_OPS`].
    fn assign_weight(core: &LayerCore, index: usize, value: &Self) -> Result<()>;
    /// Keeps `loss` among `core`'s added losses (see
    /// [`LayerCore::add_loss`]).
    fn keep_loss(core: &LayerCore, loss: Self);
    /// Keeps `value` among `core`'s added metrics (see
    /// [`LayerCore::add_metric`]).
    fn keep_metric(core: &LayerCore, name: &str, value: Self);
}

impl LayerTensor for Tensor {
    const FUSES_OPS: bool = true;
    fn weights_of(core: &LayerCore, _x: &Tensor) -> Result<Vec<Tensor>> {
        Ok(core.weights_in_order().iter().map(|w| w.value()).collect())
    }
    fn assign_weight(core: &LayerCore, index: usize, value: &Tensor) -> Result<()> {
        match core.weights_in_order().get(index) {
            Some(w) => w.assign(value),
            None => Err(core.error(format!("has no weight {index}"))),
        }
    }
    fn keep_loss(core: &LayerCore, loss: Tensor) {
        core.added_losses.borrow_mut().push(loss);
    }
    fn keep_metric(core: &LayerCore, name: &str, value: Tensor) {
        core.added_metrics
            .borrow_mut()
            .push((name.to_string(), value));
    }
}

impl LayerTensor for Output {
    const FUSES_OPS: bool = false;
    fn weights_of(core: &LayerCore, x: &Output) -> Result<Vec<Output>> {
        let vars = core.graph_variables(x.graph())?;
        Ok(vars.iter().map(|v| v.value().clone()).collect())
    }
    fn assign_weight(core: &LayerCore, index: usize, value: &Output) -> Result<()> {
        let g = value.graph();
        let vars = core.graph_variables(g)?;
        let var = vars
            .get(index)
            .ok_or_else(|| core.error(format!("has no weight {index}")))?;
        g.add_to_collection(UPDATE_OPS, var.assign(value)?.op());
        Ok(())
    }
    fn keep_loss(core: &LayerCore, loss: Output) {
        core.added_graph_losses.borrow_mut().push(loss);
    }
    fn keep_metric(core: &LayerCore, name: &str, value: Output) {
        core.added_graph_metrics
            .borrow_mut()
            .push((name.to_string(), value));
    }
}
