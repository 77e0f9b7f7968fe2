//! `tf.data` for ferroflow: [`Dataset`] input pipelines.
//!
//! A dataset is a cheap-to-clone description of a sequence of [`Element`]s
//! (tuples or named maps of tensors) with an [`ElementSpec`]; iterating it
//! pulls elements through the chain of transformations. Sources read
//! tensors in memory, Rust iterators, text, fixed-length and TFRecord
//! files; transformations are `map` (optionally on worker threads),
//! `filter`, `batch`, `padded_batch`, `unbatch`, `shuffle`, `repeat`,
//! `take`, `skip`, `prefetch`, `cache` (memory or file), `zip`, `concatenate`, `enumerate`,
//! `interleave`, `shard`, `ignore_errors` and `apply`.
//!
//! ```
//! use ferroflow_data::{Dataset, Element, AUTOTUNE};
//! use ferroflow_tensor::Tensor;
//! // ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(4, seed=1).batch(2).prefetch(AUTOTUNE)
//! let x = Tensor::from([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]);
//! let y = Tensor::from([0i64, 1, 0, 1]);
//! let ds = Dataset::from_tensor_slices(Element::tuple(vec![x, y])).unwrap()
//!     .shuffle(4, Some(1), true).unwrap()
//!     .batch(2, false).unwrap()
//!     .prefetch(AUTOTUNE);
//! for batch in &ds {
//!     let batch = batch.unwrap();
//!     assert_eq!(batch.at(0).unwrap().dims(), [2, 2]);
//! }
//! ```
//!
//! In eager code [`Iter::get_next`] returns [`DataError::OutOfRange`] at the
//! end like TensorFlow's iterator; in graphs, [`GraphIterator`] adds
//! `IteratorGetNext` nodes that a session runs (one-shot or initializable),
//! ending with `ferroflow_core::Error::OutOfRange`.

mod batch;
mod cache;
mod dataset;
mod element;
mod error;
mod files;
mod glob;
mod graph_iter;
mod parallel;
mod shuffle;
mod sources;

pub use dataset::{Dataset, ElementIter, Iter};
pub use element::{Element, ElementSpec};
pub use error::{DataError, Result};
pub use files::TfRecordOptions;
pub use graph_iter::GraphIterator;
pub use parallel::{AUTOTUNE, AUTOTUNE_BUFFER};
