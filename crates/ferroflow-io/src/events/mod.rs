//! TensorBoard event files (FORMATS.md 3): [`EventFileWriter`],
//! [`EventFileReader`], and summary value builders in TF2 style
//! ([`scalar`], [`histogram`], [`image`], [`text`]) and TF1 style ([`v1`]),
//! and the embedding projector's files ([`write_projector_config`],
//! [`EmbeddingMetadata`]).
//!
//! ```
//! use ferroflow_io::events::{histogram, scalar};
//! use ferroflow_io::proto::Summary;
//! use ferroflow_tensor::Tensor;
//! let w = Tensor::from_vec(vec![0.1f32, -0.3, 0.2], [3]).unwrap();
//! let summary = Summary { value: vec![scalar("loss", 0.7), histogram("w", &w, 30).unwrap()] };
//! assert_eq!(summary.value.len(), 2);
//! ```

mod histogram;
mod image_batch;
mod projector;
mod reader;
mod summaries;
pub mod v1;
mod writer;

pub use histogram::{default_bucket_limits, histogram_proto, histogram_rows};
pub use projector::{write_projector_config, EmbeddingMetadata, PROJECTOR_CONFIG_FILE};
pub use reader::{event_files, EventFileReader};
pub use summaries::{histogram, image, scalar, text, DEFAULT_BUCKETS};
pub use writer::{EventFileWriter, EventWriterOptions, FILE_VERSION};

#[cfg(test)]
mod tests;
