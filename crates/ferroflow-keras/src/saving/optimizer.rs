//! An optimizer's state in a TF2 checkpoint, under the keys tf-keras's
//! optimizers save it: `optimizer/_iterations` (int64),
//! `optimizer/_learning_rate` (float32) and `optimizer/_variables/N`, the
//! slots in the order of `optimizer.variables` (N from 1; 0 is
//! `iterations`), with the object graph nodes that name them, so
//! `tf.train.load_checkpoint` and tf-keras's object-based restore see them.

use super::weights::{io_error, VARIABLE_VALUE};
use crate::optimizers::{KerasOptimizer, LearningRateCell};
use ferroflow_core::{Result, Variable};
use ferroflow_io::bundle::BundleReader;
use ferroflow_io::proto::trackable::{
    BoolValue, ObjectReference, SerializedTensor, TrackableObject,
};
use ferroflow_tensor::Tensor;
use std::path::Path;

/// The checkpoint key of the optimizer's attribute `path`
/// (`optimizer/_variables/1/.ATTRIBUTES/VARIABLE_VALUE`).
fn key(path: &str) -> String {
    format!("optimizer/{path}/.ATTRIBUTES/{VARIABLE_VALUE}")
}

/// An optimizer's state as shared handles: what a whole-model save writes
/// besides the layers' weights.
///
/// ```
/// use ferroflow_core::prelude::*;
/// use ferroflow_keras::optimizers;
/// use ferroflow_keras::saving::OptimizerWeights;
/// let mut opt = optimizers::get("adam").unwrap();
/// let w = Variable::with_options(Tensor::from([1.0f32]), "dense/kernel:0", true);
/// opt.apply_gradients(&[(Tensor::from([1.0f32]), &w)]).unwrap();
/// let state = OptimizerWeights::of(&opt, &[w]).unwrap();
/// assert_eq!(state.slots[1].0, "Adam/v/dense/kernel");
/// ```
#[derive(Clone)]
pub struct OptimizerWeights {
    /// `optimizer.iterations`.
    pub iterations: Variable,
    /// The current learning rate.
    pub learning_rate: LearningRateCell,
    /// The slots with Keras's names (`Adam/m/dense/kernel`), in the order
    /// of `optimizer.variables[1:]`.
    pub slots: Vec<(String, Variable)>,
}

impl OptimizerWeights {
    /// The state of `optimizer` for the variables `var_list` (the model's
    /// trainable variables, in order).
    pub fn of(optimizer: &KerasOptimizer, var_list: &[Variable]) -> Result<Self> {
        Ok(OptimizerWeights {
            iterations: optimizer.iterations_variable().clone(),
            learning_rate: optimizer.learning_rate().clone(),
            slots: optimizer.slot_variables(var_list)?,
        })
    }

    /// Each checkpoint key with its current value.
    pub(crate) fn entries(&self) -> Vec<(String, Tensor)> {
        let mut entries = vec![
            (key("_iterations"), self.iterations.value()),
            (
                key("_learning_rate"),
                Tensor::scalar(self.learning_rate.get() as f32),
            ),
        ];
        for (i, (_, slot)) in self.slots.iter().enumerate() {
            entries.push((key(&format!("_variables/{}", i + 1)), slot.value()));
        }
        entries
    }

    /// Adds tf-keras's optimizer nodes to an object graph whose first node
    /// is the model: `optimizer` with children `_variables` (a list:
    /// `0` the iterations, then the slots), `_iterations` and
    /// `_learning_rate`.
    pub(crate) fn add_to_graph(&self, nodes: &mut Vec<TrackableObject>) {
        let saved = Some(BoolValue { value: true });
        let value = |full_name: &str, checkpoint_key: String| TrackableObject {
            attributes: vec![SerializedTensor {
                name: VARIABLE_VALUE.into(),
                full_name: full_name.into(),
                checkpoint_key,
            }],
            has_checkpoint_values: saved.clone(),
            ..Default::default()
        };
        let child = |node_id: usize, name: &str| ObjectReference {
            node_id: node_id as i32,
            local_name: name.into(),
        };
        let optimizer = nodes.len();
        let (list, iterations, learning_rate) = (optimizer + 1, optimizer + 2, optimizer + 3);
        nodes[0].children.push(child(optimizer, "optimizer"));
        nodes.push(TrackableObject {
            children: vec![
                child(list, "_variables"),
                child(iterations, "_iterations"),
                child(learning_rate, "_learning_rate"),
            ],
            has_checkpoint_values: saved.clone(),
            ..Default::default()
        });
        let slots =
            (0..self.slots.len()).map(|i| child(learning_rate + 1 + i, &(i + 1).to_string()));
        nodes.push(TrackableObject {
            children: std::iter::once(child(iterations, "0"))
                .chain(slots)
                .collect(),
            has_checkpoint_values: saved.clone(),
            ..Default::default()
        });
        nodes.push(value("iteration", key("_iterations")));
        nodes.push(value("learning_rate", key("_learning_rate")));
        for (i, (name, _)) in self.slots.iter().enumerate() {
            nodes.push(value(name, key(&format!("_variables/{}", i + 1))));
        }
    }
}

/// Restores `optimizer`'s step count and slots for `var_list` from the
/// checkpoint `prefix`, when it holds an optimizer's state (a checkpoint
/// without one leaves the optimizer fresh). The learning rate comes with
/// the optimizer's config, not from here.
pub(crate) fn restore_optimizer(
    prefix: &Path,
    optimizer: &mut KerasOptimizer,
    var_list: &[Variable],
) -> Result<()> {
    let reader = BundleReader::open(prefix).map_err(io_error("load_model"))?;
    if !reader.contains(&key("_iterations")) {
        return Ok(());
    }
    let get = |k: &str| reader.get_tensor(k).map_err(io_error("load_model"));
    let iterations = get(&key("_iterations"))?.to_scalar::<i64>()?;
    let values = (1..)
        .map(|i| key(&format!("_variables/{i}")))
        .take_while(|k| reader.contains(k))
        .map(|k| get(&k))
        .collect::<Result<Vec<_>>>()?;
    optimizer.restore(var_list, iterations, values)
}
