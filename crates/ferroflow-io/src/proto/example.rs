//! `tf.train.Example` and friends (`tensorflow/core/example/feature.proto`,
//! `example.proto`), declared with prost's derive macros.
//!
//! ```
//! use ferroflow_io::proto::example::{Example, Feature};
//! use prost::Message;
//! // Example{features{feature{"a": int64_list{1, 300}}}} (FORMATS.md 2.2)
//! let ex = Example::from_features([("a", Feature::int64s([1, 300]))]);
//! assert_eq!(ex.encode_to_vec(), b"\x0a\x0e\x0a\x0c\x0a\x01a\x12\x07\x1a\x05\x0a\x03\x01\xac\x02");
//! ```

use std::collections::HashMap;

/// `tf.train.BytesList`: a list of byte strings.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BytesList {
    #[prost(bytes = "vec", repeated, tag = "1")]
    pub value: Vec<Vec<u8>>,
}

/// `tf.train.FloatList`: a list of float32 (packed on the wire).
#[derive(Clone, PartialEq, prost::Message)]
pub struct FloatList {
    #[prost(float, repeated, tag = "1")]
    pub value: Vec<f32>,
}

/// `tf.train.Int64List`: a list of int64 (packed varints on the wire).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Int64List {
    #[prost(int64, repeated, tag = "1")]
    pub value: Vec<i64>,
}

/// `tf.train.Feature`: one of the three list kinds (or none).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Feature {
    #[prost(oneof = "Kind", tags = "1, 2, 3")]
    pub kind: Option<Kind>,
}

/// The `kind` oneof of [`Feature`].
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Kind {
    #[prost(message, tag = "1")]
    BytesList(BytesList),
    #[prost(message, tag = "2")]
    FloatList(FloatList),
    #[prost(message, tag = "3")]
    Int64List(Int64List),
}

/// `tf.train.Features`: a map from feature name to [`Feature`].
#[derive(Clone, PartialEq, prost::Message)]
pub struct Features {
    #[prost(map = "string, message", tag = "1")]
    pub feature: HashMap<String, Feature>,
}

/// `tf.train.FeatureList`: one [`Feature`] per time step.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FeatureList {
    #[prost(message, repeated, tag = "1")]
    pub feature: Vec<Feature>,
}

/// `tf.train.FeatureLists`: a map from name to [`FeatureList`].
#[derive(Clone, PartialEq, prost::Message)]
pub struct FeatureLists {
    #[prost(map = "string, message", tag = "1")]
    pub feature_list: HashMap<String, FeatureList>,
}

/// `tf.train.Example`: one record of named features.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Example {
    #[prost(message, optional, tag = "1")]
    pub features: Option<Features>,
}

/// `tf.train.SequenceExample`: per-sequence `context` plus per-step `feature_lists`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SequenceExample {
    #[prost(message, optional, tag = "1")]
    pub context: Option<Features>,
    #[prost(message, optional, tag = "2")]
    pub feature_lists: Option<FeatureLists>,
}
