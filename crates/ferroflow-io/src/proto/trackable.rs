//! The object graph of a TF2 object-based checkpoint
//! (`tensorflow/core/protobuf/trackable_object_graph.proto`), stored as a
//! string scalar under the key `_CHECKPOINTABLE_OBJECT_GRAPH`.

/// The checkpoint key holding the serialized [`TrackableObjectGraph`].
pub const OBJECT_GRAPH_KEY: &str = "_CHECKPOINTABLE_OBJECT_GRAPH";

/// Every trackable object of a checkpoint, node 0 being the root
/// (`tf.train.Checkpoint` or the Keras model).
///
/// ```
/// use ferroflow_io::proto::trackable::{ObjectReference, TrackableObject, TrackableObjectGraph};
/// use prost::Message;
/// let graph = TrackableObjectGraph {
///     nodes: vec![TrackableObject {
///         children: vec![ObjectReference { node_id: 1, local_name: "layer-0".into() }],
///         ..Default::default()
///     }],
/// };
/// let back = TrackableObjectGraph::decode(graph.encode_to_vec().as_slice()).unwrap();
/// assert_eq!(back, graph);
/// ```
#[derive(Clone, PartialEq, prost::Message)]
pub struct TrackableObjectGraph {
    #[prost(message, repeated, tag = "1")]
    pub nodes: Vec<TrackableObject>,
}

/// One object: its named children, the tensors it saves, and its
/// optimizer slots.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TrackableObject {
    /// Objects this one depends on, by local name (`kernel`, `layer-0`).
    #[prost(message, repeated, tag = "1")]
    pub children: Vec<ObjectReference>,
    /// Tensors saved for this object (`VARIABLE_VALUE` for a variable).
    #[prost(message, repeated, tag = "2")]
    pub attributes: Vec<SerializedTensor>,
    /// Optimizer slot variables of the variables this object tracks.
    #[prost(message, repeated, tag = "3")]
    pub slot_variables: Vec<SlotVariableReference>,
    #[prost(message, optional, tag = "4")]
    pub registered_saver: Option<RegisteredSaver>,
    /// Whether this object or one below it holds saved values
    /// (`google.protobuf.BoolValue`).
    #[prost(message, optional, tag = "5")]
    pub has_checkpoint_values: Option<BoolValue>,
}

/// A named edge to another node.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ObjectReference {
    #[prost(int32, tag = "1")]
    pub node_id: i32,
    #[prost(string, tag = "2")]
    pub local_name: String,
}

/// A tensor saved for an object: its attribute name, the variable's full
/// name (`dense/kernel`) and its checkpoint key.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SerializedTensor {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub full_name: String,
    #[prost(string, tag = "3")]
    pub checkpoint_key: String,
}

/// An optimizer slot (`m`, `v`) of the variable at `original_variable_node_id`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlotVariableReference {
    #[prost(int32, tag = "1")]
    pub original_variable_node_id: i32,
    #[prost(string, tag = "2")]
    pub slot_name: String,
    #[prost(int32, tag = "3")]
    pub slot_variable_node_id: i32,
}

/// A saver registered with `tf.saved_model.register_checkpoint_saver`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RegisteredSaver {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub object_name: String,
}

/// `google.protobuf.BoolValue`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BoolValue {
    #[prost(bool, tag = "1")]
    pub value: bool,
}
