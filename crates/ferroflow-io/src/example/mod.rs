//! `tf.train.Example` helpers: builders, `tf.io.parse_example` and friends,
//! `tf.io.decode_raw` and `tf.io.decode_csv`.

mod builder;
mod column;
mod csv;
mod decode_raw;
mod parse;
mod spec;
mod wire;

pub use csv::decode_csv;
pub use decode_raw::decode_raw;
pub(crate) use decode_raw::raw_tensor;
pub use parse::{parse_example, parse_single_example, parse_single_sequence_example};
pub use spec::{FeatureSpec, Parsed, ParsedFeatures, SparseTensor};
