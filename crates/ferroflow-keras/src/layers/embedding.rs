//! `Embedding`: integer ids to dense vectors.

use super::config::layer_config;
use super::core_accessors;
use crate::layer::{Layer, LayerCore};
use crate::LayerTensor;
use ferroflow_core::graph::Output;
use ferroflow_core::initializers::Initializer;
use ferroflow_core::prelude::*;
use ferroflow_core::{Result, Variable};
use serde_json::json;

/// Looks up a row of a trainable `[input_dim, output_dim]` table for each
/// integer id, like `tf.keras.layers.Embedding(input_dim, output_dim)`;
/// the table starts uniform in [-0.05, 0.05].
///
/// ```
/// use ferroflow_keras::layers::Embedding;
/// use ferroflow_keras::Layer;
/// use ferroflow_core::prelude::*;
/// let mut e = Embedding::new(1000, 64);
/// let y = e.apply(&Tensor::from_vec(vec![1i64, 2, 3, 4], [2, 2]).unwrap(), false).unwrap();
/// assert_eq!(y.dims(), &[2, 2, 64]);
/// assert_eq!(e.count_params(), 64000);
/// ```
pub struct Embedding {
    core: LayerCore,
    input_dim: usize,
    output_dim: usize,
    embeddings: Option<Variable>,
}

impl Embedding {
    /// A table of `input_dim` ids by `output_dim` features.
    pub fn new(input_dim: usize, output_dim: usize) -> Self {
        Embedding {
            core: LayerCore::new("embedding"),
            input_dim,
            output_dim,
            embeddings: None,
        }
    }
}

/// How the table starts: uniform in [-0.05, 0.05], Keras's default.
pub(crate) fn table_initializer() -> Initializer {
    Initializer::RandomUniform {
        minval: -0.05,
        maxval: 0.05,
        seed: None,
    }
}

impl Embedding {
    /// Checks that `x` holds integer ids.
    fn check_ids<H: TensorOps>(&self, x: &H) -> Result<()> {
        if !matches!(x.dtype(), DType::I32 | DType::I64) {
            return Err(self.core.error(format!(
                "expected integer ids (int32 or int64), got dtype {}",
                x.dtype()
            )));
        }
        Ok(())
    }

    /// The lookup, eager or in a graph (where an id out of range fails
    /// when the gather runs).
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.check_ids(x)?;
        let weights = H::weights_of(&self.core, x)?;
        let table = weights
            .first()
            .ok_or_else(|| self.core.error("not built"))?;
        table.gather(x, 0, 0)
    }
}

impl Layer for Embedding {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "Embedding"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(
            &self.core,
            json!({
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": table_initializer().get_config(),
                "embeddings_regularizer": null,
                "activity_regularizer": null,
                "embeddings_constraint": null,
                "mask_zero": false,
            }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.embeddings = Some(self.core.add_weight(
            "embeddings",
            &[self.input_dim, self.output_dim],
            &table_initializer(),
            true,
            None,
        )?);
        let mut out = input_shape.to_vec();
        out.push(Some(self.output_dim));
        Ok(out)
    }
    fn call(&self, x: &Tensor, training: bool) -> Result<Tensor> {
        self.check_ids(x)?;
        let ids = x.to_f64_vec()?;
        if let Some((i, id)) = ids
            .iter()
            .enumerate()
            .find(|(_, &id)| id < 0.0 || id >= self.input_dim as f64)
        {
            return Err(self.core.error(format!(
                "indices[{i}] = {id} is not in [0, {})",
                self.input_dim
            )));
        }
        self.forward(x, training)
    }
    fn call_graph(&self, x: &Output, training: bool) -> Result<Output> {
        self.forward(x, training)
    }
}
