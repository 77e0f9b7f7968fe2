//! `Embedding`: integer ids to dense vectors.

use super::config::layer_config;
use super::core_accessors;
use crate::layer::{Layer, LayerCore};
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
    fn call(&self, x: &Tensor, _training: bool) -> Result<Tensor> {
        if !matches!(x.dtype(), DType::I32 | DType::I64) {
            return Err(self.core.error(format!(
                "expected integer ids (int32 or int64), got dtype {}",
                x.dtype()
            )));
        }
        let table = self
            .embeddings
            .as_ref()
            .ok_or_else(|| self.core.error("not built"))?;
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
        table.value().gather(x, 0, 0)
    }
}
