//! Graph messages: `GraphDef`, `NodeDef`, `AttrValue`, `VersionDef`
//! (`tensorflow/core/framework/*.proto`) and `MetaGraphDef` with its parts
//! (`tensorflow/core/protobuf/{meta_graph,saver}.proto`).
//!
//! ```
//! use ferroflow_io::proto::{AttrValue, DataType, GraphDef, NodeDef};
//! use prost::Message;
//! // tf.compat.v1.placeholder(tf.float32, name="x") as a node of a GraphDef.
//! let mut x = NodeDef::new("x", "Placeholder");
//! x.attr.insert("dtype".into(), AttrValue::dtype(DataType::DtFloat));
//! let graph = GraphDef { node: vec![x], ..Default::default() };
//! let back = GraphDef::decode(graph.encode_to_vec().as_slice()).unwrap();
//! assert_eq!(back.node[0].op, "Placeholder");
//! ```

use super::tensor::{DataType, TensorProto, TensorShapeProto};
use std::collections::HashMap;

/// A graph: its nodes, function library and version stamp.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphDef {
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeDef>,
    #[prost(message, optional, tag = "2")]
    pub library: Option<FunctionDefLibrary>,
    /// Deprecated; leave 0.
    #[prost(int32, tag = "3")]
    pub version: i32,
    #[prost(message, optional, tag = "4")]
    pub versions: Option<VersionDef>,
}

/// The producer version of a graph and the consumers it excludes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct VersionDef {
    #[prost(int32, tag = "1")]
    pub producer: i32,
    #[prost(int32, tag = "2")]
    pub min_consumer: i32,
    #[prost(int32, repeated, tag = "3")]
    pub bad_consumers: Vec<i32>,
}

/// The function library of a graph (`function.proto`): the functions that
/// `If`/`While` nodes and function calls name in their `func` attributes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FunctionDefLibrary {
    #[prost(message, repeated, tag = "1")]
    pub function: Vec<FunctionDef>,
    #[prost(message, repeated, tag = "2")]
    pub gradient: Vec<GradientDef>,
}

/// A function: its signature, the nodes of its body and which node outputs
/// it returns.
///
/// Body nodes name their inputs `arg` (an input argument of the signature)
/// or `node:output_arg:index` (the `index`-th tensor of a node's output
/// argument, named as in the node's OpDef), or `^node`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FunctionDef {
    #[prost(message, optional, tag = "1")]
    pub signature: Option<OpDef>,
    #[prost(map = "string, message", tag = "5")]
    pub attr: HashMap<String, AttrValue>,
    /// Attributes of the input arguments, by argument index.
    #[prost(map = "uint32, message", tag = "7")]
    pub arg_attr: HashMap<u32, function_def::ArgAttrs>,
    #[prost(map = "uint32, uint32", tag = "8")]
    pub resource_arg_unique_id: HashMap<u32, u32>,
    #[prost(message, repeated, tag = "3")]
    pub node_def: Vec<NodeDef>,
    /// Output argument name to the body tensor it returns.
    #[prost(map = "string, string", tag = "4")]
    pub ret: HashMap<String, String>,
    #[prost(map = "string, string", tag = "6")]
    pub control_ret: HashMap<String, String>,
}

/// Nested messages of [`FunctionDef`].
pub mod function_def {
    use super::*;

    /// Attributes of one argument (`_output_shapes`, `_user_specified_name`).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ArgAttrs {
        #[prost(map = "string, message", tag = "1")]
        pub attr: HashMap<String, AttrValue>,
    }
}

/// The gradient function registered for a function.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GradientDef {
    #[prost(string, tag = "1")]
    pub function_name: String,
    #[prost(string, tag = "2")]
    pub gradient_func: String,
}

/// An op's (or a function's) interface (`op_def.proto`): arguments,
/// attributes and flags. Deprecation and full-type fields are not kept.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OpDef {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, repeated, tag = "2")]
    pub input_arg: Vec<op_def::ArgDef>,
    #[prost(message, repeated, tag = "3")]
    pub output_arg: Vec<op_def::ArgDef>,
    #[prost(string, repeated, tag = "20")]
    pub control_output: Vec<String>,
    #[prost(message, repeated, tag = "4")]
    pub attr: Vec<op_def::AttrDef>,
    #[prost(string, tag = "5")]
    pub summary: String,
    #[prost(string, tag = "6")]
    pub description: String,
    #[prost(bool, tag = "18")]
    pub is_commutative: bool,
    #[prost(bool, tag = "16")]
    pub is_aggregate: bool,
    #[prost(bool, tag = "17")]
    pub is_stateful: bool,
    #[prost(bool, tag = "19")]
    pub allows_uninitialized_input: bool,
    #[prost(bool, tag = "21")]
    pub is_distributed_communication: bool,
}

/// Nested messages of [`OpDef`].
pub mod op_def {
    use super::*;

    /// One input or output argument: a name and a type, fixed or named by
    /// an attribute.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ArgDef {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub description: String,
        #[prost(enumeration = "DataType", tag = "3")]
        pub r#type: i32,
        #[prost(string, tag = "4")]
        pub type_attr: String,
        #[prost(string, tag = "5")]
        pub number_attr: String,
        #[prost(string, tag = "6")]
        pub type_list_attr: String,
        #[prost(bool, tag = "16")]
        pub is_ref: bool,
    }

    /// One attribute: name, type (`"int"`, `"list(type)"`) and default.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AttrDef {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub r#type: String,
        #[prost(message, optional, tag = "3")]
        pub default_value: Option<AttrValue>,
        #[prost(string, tag = "4")]
        pub description: String,
        #[prost(bool, tag = "5")]
        pub has_minimum: bool,
        #[prost(int64, tag = "6")]
        pub minimum: i64,
        #[prost(message, optional, tag = "7")]
        pub allowed_values: Option<AttrValue>,
    }
}

/// One operation of a graph.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeDef {
    #[prost(string, tag = "1")]
    pub name: String,
    /// The OpDef name, e.g. `MatMul`.
    #[prost(string, tag = "2")]
    pub op: String,
    /// `node`, `node:1` or `^node` (control input, after all data inputs).
    #[prost(string, repeated, tag = "3")]
    pub input: Vec<String>,
    #[prost(string, tag = "4")]
    pub device: String,
    #[prost(map = "string, message", tag = "5")]
    pub attr: HashMap<String, AttrValue>,
}

impl NodeDef {
    /// A node with a name and an op and nothing else.
    pub fn new(name: impl Into<String>, op: impl Into<String>) -> Self {
        NodeDef {
            name: name.into(),
            op: op.into(),
            ..Default::default()
        }
    }
}

/// An attribute value of a node.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttrValue {
    #[prost(oneof = "attr_value::Value", tags = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10")]
    pub value: Option<attr_value::Value>,
}

/// The members of [`AttrValue`]'s oneof and its list type.
pub mod attr_value {
    use super::*;

    /// The one value an [`AttrValue`] holds.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        #[prost(message, tag = "1")]
        List(ListValue),
        #[prost(bytes = "vec", tag = "2")]
        S(Vec<u8>),
        #[prost(int64, tag = "3")]
        I(i64),
        #[prost(float, tag = "4")]
        F(f32),
        #[prost(bool, tag = "5")]
        B(bool),
        #[prost(enumeration = "DataType", tag = "6")]
        Type(i32),
        #[prost(message, tag = "7")]
        Shape(TensorShapeProto),
        #[prost(message, tag = "8")]
        Tensor(TensorProto),
        /// A reference to a function attribute.
        #[prost(string, tag = "9")]
        Placeholder(String),
        #[prost(message, tag = "10")]
        Func(NameAttrList),
    }

    /// A list attribute (`list(int)`, `list(shape)`, …); `list {}` is empty.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ListValue {
        #[prost(bytes = "vec", repeated, tag = "2")]
        pub s: Vec<Vec<u8>>,
        #[prost(int64, repeated, tag = "3")]
        pub i: Vec<i64>,
        #[prost(float, repeated, tag = "4")]
        pub f: Vec<f32>,
        #[prost(bool, repeated, tag = "5")]
        pub b: Vec<bool>,
        #[prost(enumeration = "DataType", repeated, tag = "6")]
        pub r#type: Vec<i32>,
        #[prost(message, repeated, tag = "7")]
        pub shape: Vec<TensorShapeProto>,
        #[prost(message, repeated, tag = "8")]
        pub tensor: Vec<TensorProto>,
        #[prost(message, repeated, tag = "9")]
        pub func: Vec<NameAttrList>,
    }
}

pub use attr_value::ListValue;

impl AttrValue {
    fn of(value: attr_value::Value) -> Self {
        AttrValue { value: Some(value) }
    }

    /// A `type` attribute (`T`, `dtype`).
    pub fn dtype(dtype: DataType) -> Self {
        AttrValue::of(attr_value::Value::Type(dtype as i32))
    }

    /// A `string` attribute (`padding: "SAME"`).
    pub fn string(s: impl Into<Vec<u8>>) -> Self {
        AttrValue::of(attr_value::Value::S(s.into()))
    }

    /// An `int` attribute.
    pub fn int(i: i64) -> Self {
        AttrValue::of(attr_value::Value::I(i))
    }

    /// A `float` attribute.
    pub fn float(f: f32) -> Self {
        AttrValue::of(attr_value::Value::F(f))
    }

    /// A `bool` attribute (`transpose_a`).
    pub fn bool(b: bool) -> Self {
        AttrValue::of(attr_value::Value::B(b))
    }

    /// A `shape` attribute.
    pub fn shape(shape: TensorShapeProto) -> Self {
        AttrValue::of(attr_value::Value::Shape(shape))
    }

    /// A `tensor` attribute (a `Const`'s `value`).
    pub fn tensor(tensor: TensorProto) -> Self {
        AttrValue::of(attr_value::Value::Tensor(tensor))
    }

    /// A `list(...)` attribute (`strides: [1, 2, 2, 1]` is `ListValue{i}`).
    pub fn list(list: ListValue) -> Self {
        AttrValue::of(attr_value::Value::List(list))
    }

    /// A `func` attribute naming a function of the library (`If`'s
    /// `then_branch`).
    pub fn func(name: impl Into<String>) -> Self {
        AttrValue::of(attr_value::Value::Func(NameAttrList {
            name: name.into(),
            attr: HashMap::new(),
        }))
    }
}

/// A function name with attributes (`func` attributes).
#[derive(Clone, PartialEq, prost::Message)]
pub struct NameAttrList {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(map = "string, message", tag = "2")]
    pub attr: HashMap<String, AttrValue>,
}

/// A graph with what is needed to use it again: saver, collections and
/// signatures (the content of a `.meta` file).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MetaGraphDef {
    #[prost(message, optional, tag = "1")]
    pub meta_info_def: Option<MetaInfoDef>,
    #[prost(message, optional, tag = "2")]
    pub graph_def: Option<GraphDef>,
    #[prost(message, optional, tag = "3")]
    pub saver_def: Option<SaverDef>,
    #[prost(map = "string, message", tag = "4")]
    pub collection_def: HashMap<String, CollectionDef>,
    #[prost(map = "string, message", tag = "5")]
    pub signature_def: HashMap<String, SignatureDef>,
}

/// Descriptive information of a [`MetaGraphDef`].
#[derive(Clone, PartialEq, prost::Message)]
pub struct MetaInfoDef {
    #[prost(string, tag = "1")]
    pub meta_graph_version: String,
    /// Serialized `OpList` of the OpDefs the graph uses.
    #[prost(bytes = "vec", tag = "2")]
    pub stripped_op_list: Vec<u8>,
    #[prost(message, optional, tag = "3")]
    pub any_info: Option<Any>,
    #[prost(string, repeated, tag = "4")]
    pub tags: Vec<String>,
    #[prost(string, tag = "5")]
    pub tensorflow_version: String,
    #[prost(string, tag = "6")]
    pub tensorflow_git_version: String,
    #[prost(bool, tag = "7")]
    pub stripped_default_attrs: bool,
    #[prost(map = "string, string", tag = "8")]
    pub function_aliases: HashMap<String, String>,
}

/// `google.protobuf.Any`: a message of any type, named by URL (used by
/// collections and [`MetaInfoDef`]).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// How a TF1 `Saver` saves and restores the graph's variables.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SaverDef {
    #[prost(string, tag = "1")]
    pub filename_tensor_name: String,
    #[prost(string, tag = "2")]
    pub save_tensor_name: String,
    #[prost(string, tag = "3")]
    pub restore_op_name: String,
    #[prost(int32, tag = "4")]
    pub max_to_keep: i32,
    #[prost(bool, tag = "5")]
    pub sharded: bool,
    #[prost(float, tag = "6")]
    pub keep_checkpoint_every_n_hours: f32,
    #[prost(enumeration = "CheckpointFormatVersion", tag = "7")]
    pub version: i32,
}

/// `SaverDef.CheckpointFormatVersion`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum CheckpointFormatVersion {
    Legacy = 0,
    V1 = 1,
    V2 = 2,
}

/// A named collection of a meta graph (`tf.compat.v1.get_collection`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct CollectionDef {
    #[prost(oneof = "collection_def::Kind", tags = "1, 2, 3, 4, 5")]
    pub kind: Option<collection_def::Kind>,
}

/// The kinds of [`CollectionDef`]; each wraps `repeated value = 1`.
pub mod collection_def {
    use super::Any;

    /// The one list a collection holds.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        #[prost(message, tag = "1")]
        NodeList(NodeList),
        #[prost(message, tag = "2")]
        BytesList(BytesList),
        #[prost(message, tag = "3")]
        Int64List(Int64List),
        #[prost(message, tag = "4")]
        FloatList(FloatList),
        #[prost(message, tag = "5")]
        AnyList(AnyList),
    }

    /// Names of nodes or tensors (`"loss:0"`, `"train_op"`).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NodeList {
        #[prost(string, repeated, tag = "1")]
        pub value: Vec<String>,
    }

    /// Byte strings, e.g. serialized `VariableDef`s.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct BytesList {
        #[prost(bytes = "vec", repeated, tag = "1")]
        pub value: Vec<Vec<u8>>,
    }

    /// Integers.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Int64List {
        #[prost(int64, repeated, tag = "1")]
        pub value: Vec<i64>,
    }

    /// Floats.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct FloatList {
        #[prost(float, repeated, tag = "1")]
        pub value: Vec<f32>,
    }

    /// Messages of any type.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AnyList {
        #[prost(message, repeated, tag = "1")]
        pub value: Vec<Any>,
    }
}

/// The inputs and outputs of one signature of a graph.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SignatureDef {
    #[prost(map = "string, message", tag = "1")]
    pub inputs: HashMap<String, TensorInfo>,
    #[prost(map = "string, message", tag = "2")]
    pub outputs: HashMap<String, TensorInfo>,
    #[prost(string, tag = "3")]
    pub method_name: String,
}

/// A tensor of a signature, named by its graph tensor name (`x:0`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorInfo {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(enumeration = "DataType", tag = "2")]
    pub dtype: i32,
    #[prost(message, optional, tag = "3")]
    pub tensor_shape: Option<TensorShapeProto>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn placeholder_matches_tf_bytes() {
        // FORMATS.md 4.3: Placeholder "x", float, shape [-1, 8, 8, 1]; map
        // entries are written one per attr, so check each entry's bytes.
        let mut x = NodeDef::new("x", "Placeholder");
        x.attr
            .insert("dtype".into(), AttrValue::dtype(DataType::DtFloat));
        let bytes = x.encode_to_vec();
        assert_eq!(&bytes[..16], b"\x0a\x01x\x12\x0bPlaceholder");
        let dtype_entry = b"\x2a\x0b\x0a\x05dtype\x12\x02\x30\x01";
        assert_eq!(&bytes[16..], dtype_entry);
        let shape = AttrValue::shape(TensorShapeProto::new(&[-1, 8, 8, 1]));
        let mut expected = vec![0x3a, 0x19, 0x12, 0x0b, 0x08];
        expected.extend_from_slice(&[0xff; 9][..]);
        expected.push(0x01);
        expected.extend_from_slice(&[0x12, 0x02, 0x08, 0x08, 0x12, 0x02, 0x08, 0x08]);
        expected.extend_from_slice(&[0x12, 0x02, 0x08, 0x01]);
        assert_eq!(shape.encode_to_vec(), expected);
    }

    #[test]
    fn empty_list_is_written_as_an_empty_message() {
        let empty = AttrValue::list(ListValue::default());
        assert_eq!(empty.encode_to_vec(), [0x0a, 0x00]);
    }

    #[test]
    fn function_library_round_trips() {
        // `cond`'s true branch as TF writes it: f(x, w) = x * w.
        let arg = |name: &str| op_def::ArgDef {
            name: name.into(),
            r#type: DataType::DtFloat as i32,
            ..Default::default()
        };
        let mut mul = NodeDef::new("mul_0", "Mul");
        mul.input = vec!["mul_x".into(), "mul_w".into()];
        let function = FunctionDef {
            signature: Some(OpDef {
                name: "cond_true_7".into(),
                input_arg: vec![arg("mul_x"), arg("mul_w")],
                output_arg: vec![arg("mul")],
                ..Default::default()
            }),
            node_def: vec![mul],
            ret: HashMap::from([("mul".into(), "mul_0:z:0".into())]),
            ..Default::default()
        };
        let mut node = NodeDef::new("cond", "StatelessIf");
        node.attr
            .insert("then_branch".into(), AttrValue::func("cond_true_7"));
        let graph = GraphDef {
            node: vec![node],
            library: Some(FunctionDefLibrary {
                function: vec![function],
                gradient: Vec::new(),
            }),
            ..Default::default()
        };
        let back = GraphDef::decode(graph.encode_to_vec().as_slice()).unwrap();
        assert_eq!(back, graph);
    }

    #[test]
    fn meta_graph_round_trips() {
        let mut meta = MetaGraphDef {
            graph_def: Some(GraphDef {
                node: vec![NodeDef::new("w", "VariableV2")],
                versions: Some(VersionDef {
                    producer: 2474,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            saver_def: Some(SaverDef {
                filename_tensor_name: "save/Const:0".into(),
                max_to_keep: 5,
                version: CheckpointFormatVersion::V2 as i32,
                ..Default::default()
            }),
            ..Default::default()
        };
        let kinds = [
            collection_def::Kind::NodeList(collection_def::NodeList {
                value: vec!["loss:0".into()],
            }),
            collection_def::Kind::BytesList(collection_def::BytesList {
                value: vec![b"v".to_vec()],
            }),
            collection_def::Kind::Int64List(collection_def::Int64List { value: vec![-3] }),
            collection_def::Kind::FloatList(collection_def::FloatList { value: vec![0.5] }),
            collection_def::Kind::AnyList(collection_def::AnyList {
                value: vec![Any::default()],
            }),
        ];
        for (i, kind) in kinds.into_iter().enumerate() {
            let def = CollectionDef { kind: Some(kind) };
            meta.collection_def.insert(format!("c{i}"), def);
        }
        let back = MetaGraphDef::decode(meta.encode_to_vec().as_slice()).unwrap();
        assert_eq!(back, meta);
    }
}
