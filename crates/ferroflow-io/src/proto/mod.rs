//! Protobuf messages of TensorFlow and TensorBoard, declared with prost's
//! derive macros (field numbers from the upstream `.proto` files).

pub mod tensor;
pub use tensor::{DataType, Dim, TensorProto, TensorShapeProto};
pub mod example;

pub mod graph;
pub use graph::{
    attr_value, collection_def, Any, AttrValue, CheckpointFormatVersion, CollectionDef,
    FunctionDefLibrary, GraphDef, ListValue, MetaGraphDef, MetaInfoDef, NameAttrList, NodeDef,
    SaverDef, SignatureDef, TensorInfo, VersionDef,
};

pub mod event;
pub mod summary;
pub use event::{
    Event, LogLevel, LogMessage, SessionLog, SessionStatus, SourceMetadata, TaggedRunMetadata, What,
};
pub use summary::{
    DataClass, EmbeddingInfo, HistogramProto, PluginData, ProjectorConfig, SpriteMetadata, Summary,
    SummaryAudio, SummaryImage, SummaryMetadata, SummaryValue, ValueKind,
};

pub mod bundle;
pub use bundle::{BundleEntryProto, BundleHeaderProto, Endianness, TensorSliceProto};

pub mod trackable;
pub use trackable::{TrackableObject, TrackableObjectGraph, OBJECT_GRAPH_KEY};
