//! `Summary` and its values (`tensorflow/core/framework/summary.proto`),
//! `HistogramProto`, and TensorBoard's plugin messages: plugin names, plugin
//! data and the projector config (`tensorboard/plugins/projector`).
//!
//! ```
//! use ferroflow_io::proto::{Summary, SummaryValue};
//! // What tf.compat.v1.summary.scalar("loss", 0.5) evaluates to.
//! let s = Summary { value: vec![SummaryValue::simple("loss", 0.5)] };
//! assert_eq!(s.value[0].tag, "loss");
//! ```

use super::tensor::TensorProto;

/// Plugin name of scalar summaries.
pub const PLUGIN_SCALARS: &str = "scalars";
/// Plugin name of histogram summaries.
pub const PLUGIN_HISTOGRAMS: &str = "histograms";
/// Plugin name of image summaries.
pub const PLUGIN_IMAGES: &str = "images";
/// Plugin name of text summaries.
pub const PLUGIN_TEXT: &str = "text";

/// A set of tagged values written at one step.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<SummaryValue>,
}

/// One tagged value of a summary (`Summary.Value`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryValue {
    #[prost(string, tag = "7")]
    pub node_name: String,
    #[prost(string, tag = "1")]
    pub tag: String,
    #[prost(message, optional, tag = "9")]
    pub metadata: Option<SummaryMetadata>,
    #[prost(oneof = "ValueKind", tags = "2, 3, 4, 5, 6, 8")]
    pub value: Option<ValueKind>,
}

/// What a summary value holds (the oneof `Summary.Value.value`).
// Variants mirror the protobuf oneof; one value exists per summary entry,
// so boxing the large ones would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum ValueKind {
    /// A TF1 scalar.
    #[prost(float, tag = "2")]
    SimpleValue(f32),
    /// Ignored by TensorBoard.
    #[prost(bytes = "vec", tag = "3")]
    ObsoleteOldStyleHistogram(Vec<u8>),
    #[prost(message, tag = "4")]
    Image(SummaryImage),
    #[prost(message, tag = "5")]
    Histo(HistogramProto),
    #[prost(message, tag = "6")]
    Audio(SummaryAudio),
    /// A TF2 summary: the data, interpreted by the metadata's plugin.
    #[prost(message, tag = "8")]
    Tensor(TensorProto),
}

impl SummaryValue {
    /// A value with a tag, content and no metadata.
    pub fn new(tag: impl Into<String>, value: ValueKind) -> Self {
        SummaryValue {
            tag: tag.into(),
            value: Some(value),
            ..Default::default()
        }
    }

    /// A TF1 scalar (`simple_value`).
    pub fn simple(tag: impl Into<String>, x: f32) -> Self {
        SummaryValue::new(tag, ValueKind::SimpleValue(x))
    }
}

/// An encoded image (`Summary.Image`; PNG as TF writes it).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryImage {
    #[prost(int32, tag = "1")]
    pub height: i32,
    #[prost(int32, tag = "2")]
    pub width: i32,
    /// Number of channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    #[prost(int32, tag = "3")]
    pub colorspace: i32,
    #[prost(bytes = "vec", tag = "4")]
    pub encoded_image_string: Vec<u8>,
}

/// An encoded audio clip (`Summary.Audio`, WAV).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryAudio {
    #[prost(float, tag = "1")]
    pub sample_rate: f32,
    #[prost(int64, tag = "2")]
    pub num_channels: i64,
    #[prost(int64, tag = "3")]
    pub length_frames: i64,
    #[prost(bytes = "vec", tag = "4")]
    pub encoded_audio_string: Vec<u8>,
    #[prost(string, tag = "5")]
    pub content_type: String,
}

/// How TensorBoard interprets a summary value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryMetadata {
    #[prost(message, optional, tag = "1")]
    pub plugin_data: Option<PluginData>,
    #[prost(string, tag = "2")]
    pub display_name: String,
    #[prost(string, tag = "3")]
    pub summary_description: String,
    #[prost(enumeration = "DataClass", tag = "4")]
    pub data_class: i32,
}

impl SummaryMetadata {
    /// Metadata naming `plugin` with empty content, as TF2 writes it.
    pub fn plugin(plugin: &str) -> Self {
        SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: plugin.into(),
                content: Vec::new(),
            }),
            ..Default::default()
        }
    }

    /// The plugin name, empty when none is set.
    pub fn plugin_name(&self) -> &str {
        self.plugin_data.as_ref().map_or("", |p| &p.plugin_name)
    }
}

/// The plugin that owns a summary, with its plugin-specific content (a
/// serialized `ScalarPluginData` etc.; version 0 encodes to empty bytes).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PluginData {
    #[prost(string, tag = "1")]
    pub plugin_name: String,
    #[prost(bytes = "vec", tag = "2")]
    pub content: Vec<u8>,
}

/// `SummaryMetadata.DataClass`; UNKNOWN lets TensorBoard derive it from the plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum DataClass {
    Unknown = 0,
    Scalar = 1,
    Tensor = 2,
    BlobSequence = 3,
}

/// A histogram with explicit buckets: bucket `i` counts values in
/// `[bucket_limit[i-1], bucket_limit[i])`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistogramProto {
    #[prost(double, tag = "1")]
    pub min: f64,
    #[prost(double, tag = "2")]
    pub max: f64,
    #[prost(double, tag = "3")]
    pub num: f64,
    #[prost(double, tag = "4")]
    pub sum: f64,
    #[prost(double, tag = "5")]
    pub sum_squares: f64,
    #[prost(double, repeated, tag = "6")]
    pub bucket_limit: Vec<f64>,
    #[prost(double, repeated, tag = "7")]
    pub bucket: Vec<f64>,
}

/// The content of the TensorBoard projector's `projector_config.pbtxt`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProjectorConfig {
    #[prost(string, tag = "1")]
    pub model_checkpoint_path: String,
    #[prost(message, repeated, tag = "2")]
    pub embeddings: Vec<EmbeddingInfo>,
    #[prost(string, tag = "3")]
    pub model_checkpoint_dir: String,
}

/// One embedding shown by the projector.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EmbeddingInfo {
    /// Checkpoint key of the `[N, D]` tensor, or a label when `tensor_path` is set.
    #[prost(string, tag = "1")]
    pub tensor_name: String,
    /// TSV of labels, one line per vector.
    #[prost(string, tag = "2")]
    pub metadata_path: String,
    #[prost(string, tag = "3")]
    pub bookmarks_path: String,
    #[prost(uint32, repeated, tag = "4")]
    pub tensor_shape: Vec<u32>,
    #[prost(message, optional, tag = "5")]
    pub sprite: Option<SpriteMetadata>,
    /// TSV file of vectors.
    #[prost(string, tag = "6")]
    pub tensor_path: String,
}

/// A sprite image of thumbnails, one per vector.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SpriteMetadata {
    #[prost(string, tag = "1")]
    pub image_path: String,
    /// `[width, height]` of one thumbnail.
    #[prost(uint32, repeated, tag = "2")]
    pub single_image_dim: Vec<u32>,
}

impl ProjectorConfig {
    /// The protobuf text format TensorBoard reads from `projector_config.pbtxt`.
    ///
    /// ```
    /// use ferroflow_io::proto::{EmbeddingInfo, ProjectorConfig};
    /// let config = ProjectorConfig {
    ///     embeddings: vec![EmbeddingInfo {
    ///         tensor_name: "words".into(),
    ///         metadata_path: "meta.tsv".into(),
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// };
    /// assert_eq!(
    ///     config.to_text(),
    ///     "embeddings {\n  tensor_name: \"words\"\n  metadata_path: \"meta.tsv\"\n}\n"
    /// );
    /// ```
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        text_field(
            &mut out,
            "",
            "model_checkpoint_path",
            &self.model_checkpoint_path,
        );
        for e in &self.embeddings {
            out.push_str("embeddings {\n");
            text_field(&mut out, "  ", "tensor_name", &e.tensor_name);
            text_field(&mut out, "  ", "metadata_path", &e.metadata_path);
            text_field(&mut out, "  ", "bookmarks_path", &e.bookmarks_path);
            for d in &e.tensor_shape {
                out.push_str(&format!("  tensor_shape: {d}\n"));
            }
            if let Some(sprite) = &e.sprite {
                out.push_str("  sprite {\n");
                text_field(&mut out, "    ", "image_path", &sprite.image_path);
                for d in &sprite.single_image_dim {
                    out.push_str(&format!("    single_image_dim: {d}\n"));
                }
                out.push_str("  }\n");
            }
            text_field(&mut out, "  ", "tensor_path", &e.tensor_path);
            out.push_str("}\n");
        }
        text_field(
            &mut out,
            "",
            "model_checkpoint_dir",
            &self.model_checkpoint_dir,
        );
        out
    }
}

/// Appends `name: "value"` (omitted when empty, as proto3 does) with the
/// value escaped as protobuf text format requires.
pub(crate) fn text_field(out: &mut String, indent: &str, name: &str, value: &str) {
    if !value.is_empty() {
        out.push_str(&format!("{indent}{name}: \"{}\"\n", escape_text(value)));
    }
}

/// Escapes a string for protobuf text format (C-style escapes).
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\'' => out.push_str("\\'"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn scalar_plugin_metadata_matches_tf_bytes() {
        // FORMATS.md 3.5: metadata { plugin_data { plugin_name: "scalars" } }.
        let bytes = SummaryMetadata::plugin(PLUGIN_SCALARS).encode_to_vec();
        assert_eq!(bytes, b"\x0a\x09\x0a\x07scalars");
    }

    #[test]
    fn histogram_and_image_round_trip() {
        let histo = HistogramProto {
            min: 1.0,
            max: 1.0,
            num: 6.0,
            sum: 6.0,
            sum_squares: 6.0,
            bucket_limit: vec![0.917246389039776, 1.0089710279437536, f64::MAX],
            bucket: vec![0.0, 6.0, 0.0],
        };
        let image = SummaryImage {
            height: 2,
            width: 3,
            colorspace: 3,
            encoded_image_string: b"\x89PNG".to_vec(),
        };
        let s = Summary {
            value: vec![
                SummaryValue::new("h", ValueKind::Histo(histo)),
                SummaryValue::new("i", ValueKind::Image(image)),
            ],
        };
        assert_eq!(Summary::decode(s.encode_to_vec().as_slice()).unwrap(), s);
    }

    #[test]
    fn projector_text_escapes_and_nests() {
        let config = ProjectorConfig {
            model_checkpoint_path: "a\"b".into(),
            embeddings: vec![EmbeddingInfo {
                tensor_name: "emb".into(),
                tensor_shape: vec![10, 4],
                sprite: Some(SpriteMetadata {
                    image_path: "s.png".into(),
                    single_image_dim: vec![28, 28],
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        let expected = "model_checkpoint_path: \"a\\\"b\"\nembeddings {\n  tensor_name: \"emb\"\n  \
                        tensor_shape: 10\n  tensor_shape: 4\n  sprite {\n    image_path: \"s.png\"\n    \
                        single_image_dim: 28\n    single_image_dim: 28\n  }\n}\n";
        assert_eq!(config.to_text(), expected);
    }
}
