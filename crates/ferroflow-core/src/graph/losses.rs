//! TF1's collected losses (`tf.compat.v1.losses`): the weight penalties
//! kept in a graph's [`REGULARIZATION_LOSSES`] collection and their total.
//!
//! In TensorFlow, `tf.compat.v1.get_variable(..., regularizer=...)` and the
//! `tf.compat.v1.layers` put penalties there; ferroflow has neither yet, so
//! the collection holds what a program adds with
//! [`Graph::add_to_collection`]. Keras layers leave it empty, as in
//! TensorFlow: their penalties are the model's losses.

use super::{CollectionItem, Graph, Output, REGULARIZATION_LOSSES};
use crate::graph_def::import_ops::AddN;
use crate::ops::Identity;
use crate::Result;

/// The tensors of the [`REGULARIZATION_LOSSES`] collection whose names
/// start with `scope` (a regular expression, as
/// [`Graph::get_collection`]), like
/// `tf.compat.v1.losses.get_regularization_losses(scope)`.
///
/// ```
/// use ferroflow_core::graph::losses::get_regularization_losses;
/// use ferroflow_core::graph::{Graph, REGULARIZATION_LOSSES};
/// let g = Graph::new();
/// g.add_to_collection(REGULARIZATION_LOSSES, g.constant(0.5f32, "a/penalty").unwrap());
/// g.add_to_collection(REGULARIZATION_LOSSES, g.constant(0.25f32, "b/penalty").unwrap());
/// assert_eq!(get_regularization_losses(&g, None).len(), 2);
/// assert_eq!(get_regularization_losses(&g, Some("b"))[0].name(), "b/penalty:0");
/// ```
pub fn get_regularization_losses(g: &Graph, scope: Option<&str>) -> Vec<Output> {
    g.get_collection(REGULARIZATION_LOSSES, scope)
        .into_iter()
        .filter_map(|item| match item {
            CollectionItem::Tensor(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// The sum of [`get_regularization_losses`]`(g, scope)`, like
/// `tf.compat.v1.losses.get_regularization_loss(scope, name)`: an `AddN`
/// named `name` (`total_regularization_loss` by default), an `Identity`
/// for a single loss, and a constant `0.0` (named `Const`) for none.
///
/// ```
/// use ferroflow_core::graph::losses::get_regularization_loss;
/// use ferroflow_core::graph::{Graph, REGULARIZATION_LOSSES};
/// use ferroflow_core::prelude::*;
/// use ferroflow_core::session::Session;
/// let g = Graph::new();
/// assert_eq!(get_regularization_loss(&g, None, None).unwrap().name(), "Const:0");
/// let w = g.variable(Tensor::from([1.0f32, -2.0]), "w", true).unwrap();
/// let penalty = w.value().square().unwrap().reduce_sum(Axes::All, false).unwrap();
/// g.add_to_collection(REGULARIZATION_LOSSES, penalty.clone());
/// g.add_to_collection(REGULARIZATION_LOSSES, penalty.mul(&penalty).unwrap());
/// let total = get_regularization_loss(&g, None, None).unwrap();
/// assert_eq!(total.name(), "total_regularization_loss:0");
/// let session = Session::new(&g);
/// session.run_targets(&[&g.global_variables_initializer().unwrap()], &[], &[]).unwrap();
/// assert_eq!(session.run(&[&total], &[]).unwrap()[0].to_scalar::<f32>().unwrap(), 30.0);
/// ```
pub fn get_regularization_loss(
    g: &Graph,
    scope: Option<&str>,
    name: Option<&str>,
) -> Result<Output> {
    let name = name.unwrap_or("total_regularization_loss");
    match get_regularization_losses(g, scope).as_slice() {
        [] => g.constant(0.0f32, "Const"),
        [one] => g.add_op1(Identity, &[one], Some(name)),
        losses => {
            let inputs: Vec<&Output> = losses.iter().collect();
            g.add_op1(AddN::new(inputs.len()), &inputs, Some(name))
        }
    }
}
