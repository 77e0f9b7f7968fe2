//! Graphs as TensorFlow's `GraphDef` and `MetaGraphDef`: export
//! (`Graph::to_graph_def`, `export_meta_graph`) and import
//! (`Graph::import_graph_def`, `import_meta_graph`).
//!
//! ```
//! use ferroflow_core::graph::Graph;
//! use ferroflow_core::prelude::*;
//! let g = Graph::new();
//! let x = g.placeholder(DType::F32, [None, Some(2)], "x").unwrap();
//! let _y = x.mul(&x).unwrap().reduce_sum(1, false).unwrap();
//! let def = g.to_graph_def().unwrap();
//! let ops: Vec<&str> = def.node.iter().map(|n| n.op.as_str()).collect();
//! assert_eq!(ops, ["Placeholder", "Mul", "Const", "Sum"]);
//! assert_eq!(def.node[3].input, ["Mul", "Sum/reduction_indices"]);
//! ```

mod call;
mod functions;
mod import;
pub(crate) mod import_ops;
mod meta;
mod op_args;
mod registry;
mod while_grad;

pub use meta::{export_meta_graph, import_meta_graph, meta_graph_def};

use crate::control_flow::WhileGrad;
use crate::graph::{Graph, Node, NodeId};
use crate::{fail, AttrValue, PartialShape, Result, TensorSpec};
use ferroflow_io::proto::{
    attr_value, AttrValue as AttrProto, DataType, GraphDef, NodeDef, TensorProto, TensorShapeProto,
    VersionDef,
};
use ferroflow_tensor::{DType, Tensor};
use functions::{Library, Naming};

/// The GraphDef producer version written (TensorFlow 2.21's).
const PRODUCER: i32 = 2474;

/// The attributes holding input dtypes in an op's TF form, with the
/// input each comes from: `T` of the first input unless listed here.
fn input_dtype_attrs(op_type: &str) -> &'static [(&'static str, usize)] {
    match op_type {
        "MergeSummary"
        | "Range"
        | "ReadVariableOp"
        | "If"
        | "While"
        | "IsVariableInitialized"
        | "IdentityN"
        | "StatefulPartitionedCall"
        | "EmptyTensorList"
        | "TensorListPushBack"
        | "TensorListPopBack"
        | "TensorListReserve"
        | "TensorListSetItem"
        | "TensorListGetItem"
        | "TensorListStack"
        | "TensorListFromTensor"
        | "TensorListLength"
        | "TensorListElementShape" => &[],
        "Cast" => &[("SrcT", 0)],
        "GatherV2" => &[("Tparams", 0), ("Tindices", 1)],
        "GatherNd" => &[("Tparams", 0), ("Tindices", 1)],
        "FusedBatchNormV3" => &[("T", 0), ("U", 1)],
        "FusedBatchNormGradV3" => &[("T", 0), ("U", 2)],
        "OneHot" => &[("T", 1), ("TI", 0)],
        "ScatterNd" => &[("T", 1), ("Tindices", 0)],
        "UnsortedSegmentSum" => &[("T", 0), ("Tindices", 1)],
        "SparseSoftmaxCrossEntropyWithLogits" => &[("T", 0), ("Tlabels", 1)],
        "StatelessRandomUniform" | "StatelessRandomNormal" | "StatelessTruncatedNormal" => {
            &[("T", 0), ("Tseed", 1)]
        }
        "SelectV2"
        | "StridedSliceGrad"
        | "AvgPoolGrad"
        | "Conv2DBackpropInput"
        | "DepthwiseConv2dNativeBackpropInput"
        | "ResizeBilinearGrad" => &[("T", 1)],
        "ScalarSummary" | "HistogramSummary" | "ImageSummary" | "TensorSummaryV2" => &[("T", 1)],
        _ => &[("T", 0)],
    }
}

/// Ops whose data inputs form one list argument, counted by attr `N`.
const LIST_OPS: [&str; 3] = ["ConcatV2", "Pack", "AddN"];

impl Graph {
    /// This graph as a `GraphDef`, like `graph.as_graph_def(add_shapes=True)`:
    /// one `NodeDef` per node with TensorFlow's op type, inputs (`name`,
    /// `name:1`, `^ctrl`), device, attributes, `T` and `_output_shapes`;
    /// constant inputs that ferroflow keeps as attributes become `Const`
    /// nodes named `<node>/<input>`, so TensorFlow can run the graph.
    /// `cond` and `while_loop` nodes become TF2's `If` and `While` with
    /// their branch, condition and body graphs in the `FunctionDefLibrary`.
    ///
    /// `WhileGrad` (ferroflow's `while_loop` gradient) becomes two TF
    /// `While` loops over tensor lists (`graph_def/while_grad.rs`), also
    /// inside a function (a loop's gradient in a `cond`'s gradient). Inside
    /// a function, an op whose TensorFlow output names ferroflow does not
    /// know is an error naming the node.
    pub fn to_graph_def(&self) -> Result<GraphDef> {
        let nodes = self.nodes();
        let mut library = Library::default();
        let mut out = Vec::with_capacity(nodes.len());
        for id in 0..nodes.len() {
            out.extend(node_defs(&nodes, id, &Naming::Graph, &mut library)?);
        }
        Ok(GraphDef {
            node: out,
            library: library.into_proto(),
            versions: Some(VersionDef {
                producer: PRODUCER,
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}

/// The `NodeDef` of node `id`, after the `Const` nodes of its constant
/// inputs; functions it calls are added to `library`.
fn node_defs(
    nodes: &[Node],
    id: NodeId,
    naming: &Naming,
    library: &mut Library,
) -> Result<Vec<NodeDef>> {
    let node = &nodes[id];
    let mut out = Vec::new();
    let specs: Vec<TensorSpec> = node
        .inputs
        .iter()
        .map(|&(n, i)| nodes[n].outputs[i].clone())
        .collect();
    if let Some(op) = node.op.as_any().downcast_ref::<WhileGrad>() {
        let inputs = node
            .inputs
            .iter()
            .map(|&(n, i)| naming.tensor(nodes, n, i))
            .collect::<Result<Vec<_>>>()?;
        return while_grad::node_defs(node, op, &inputs, &specs, naming, library);
    }
    let mut def = NodeDef::new(&node.name, node.op.op_type());
    def.device = node.device.clone();
    if let Some(var) = node.op.tf_ref_input() {
        if let Naming::Function(_) = naming {
            fail!(
                "to_graph_def",
                "node '{}' assigns the ref variable '{var}' inside a function, which TensorFlow does not allow",
                node.name
            );
        }
        def.input.push(var.to_string());
    }
    for (k, &(n, i)) in node.inputs.iter().enumerate() {
        let input = naming.tensor(nodes, n, i)?;
        if shape_input(node.op.op_type()) == Some(k) {
            let shape = shape_node(
                &format!("{}/shape", node.name),
                input,
                &specs[k],
                &node.device,
            );
            def.input.push(naming.added(&shape.name));
            out.push(shape);
        } else {
            def.input.push(input);
        }
    }
    let tf_inputs = node.op.tf_inputs(&specs);
    // The dtypes of the data inputs, then of the constant ones, for `T`
    // and its kin.
    let dtypes: Vec<DType> = specs
        .iter()
        .map(|s| s.dtype)
        .chain(tf_inputs.iter().map(|(_, t)| t.dtype()))
        .collect();
    for (input, value) in tf_inputs {
        let name = format!("{}/{input}", node.name);
        out.push(const_node(&name, &value, &node.device));
        let at = input_position(node.op.op_type(), input).unwrap_or(def.input.len());
        def.input
            .insert(at.min(def.input.len()), naming.added(&name));
    }
    def.input.extend(
        node.control_inputs
            .iter()
            .map(|&c| format!("^{}", nodes[c].name)),
    );
    for &(key, input) in input_dtype_attrs(node.op.op_type()) {
        if let Some(&dtype) = dtypes.get(input) {
            def.attr.insert(key.into(), AttrProto::dtype(dtype.into()));
        }
    }
    if LIST_OPS.contains(&node.op.op_type()) {
        def.attr
            .insert("N".into(), AttrProto::int(node.inputs.len() as i64));
    }
    for (key, value) in node.op.attrs() {
        def.attr.insert(key.into(), attr_proto(&value));
    }
    let mut output_shapes = attr_value::ListValue {
        shape: node.outputs.iter().map(|s| shape_proto(&s.shape)).collect(),
        ..Default::default()
    };
    // TF outputs ferroflow does not compute (`FusedBatchNormV3`'s
    // `reserve_space_3`) have unknown shapes.
    let tf_outputs = op_args::output_args(node.op.op_type())
        .filter(|args| args.iter().all(|(_, list)| !list))
        .map_or(0, |args| args.len());
    output_shapes.shape.resize(
        tf_outputs.max(node.outputs.len()),
        TensorShapeProto::unknown(),
    );
    if node.op.op_type() == "IdentityN" {
        // TF's IdentityN returns all its inputs (a custom gradient's node
        // also takes the inputs it differentiates).
        let types = attr_value::ListValue {
            r#type: specs
                .iter()
                .map(|s| DataType::from(s.dtype) as i32)
                .collect(),
            ..Default::default()
        };
        def.attr.insert("T".into(), AttrProto::list(types));
        output_shapes.shape = specs.iter().map(|s| shape_proto(&s.shape)).collect();
    }
    if let Some(cf) = functions::control_flow_attrs(node, &specs, library)? {
        def.attr
            .extend(cf.attrs.into_iter().map(|(k, v)| (k.to_string(), v)));
        output_shapes = cf.output_shapes;
    }
    def.attr
        .insert("_output_shapes".into(), AttrProto::list(output_shapes));
    out.push(def);
    Ok(out)
}

/// Where constant input `name` goes among the inputs of TF op `op_type`:
/// its argument's position, when no list argument comes before it (else
/// it goes last, after the list).
fn input_position(op_type: &str, name: &str) -> Option<usize> {
    let args = op_args::input_args(op_type)?;
    let at = args.iter().position(|(arg, _)| *arg == name)?;
    args[..at].iter().all(|(_, list)| !list).then_some(at)
}

/// The data input whose shape, not value, TF's form of `op_type` takes
/// (`StridedSliceGrad` reads only the sliced tensor's shape).
fn shape_input(op_type: &str) -> Option<usize> {
    (op_type == "StridedSliceGrad").then_some(0)
}

/// A `Shape` node (int32) of `input`, whose spec is `spec`.
fn shape_node(name: &str, input: String, spec: &TensorSpec, device: &str) -> NodeDef {
    let mut def = NodeDef::new(name, "Shape");
    def.device = device.to_string();
    def.input.push(input);
    def.attr
        .insert("T".into(), AttrProto::dtype(spec.dtype.into()));
    def.attr
        .insert("out_type".into(), AttrProto::dtype(DataType::DtInt32));
    let rank = spec.shape.rank().map_or(-1, |r| r as i64);
    let shapes = attr_value::ListValue {
        shape: vec![TensorShapeProto::new(&[rank])],
        ..Default::default()
    };
    def.attr
        .insert("_output_shapes".into(), AttrProto::list(shapes));
    def
}

/// A `Const` node holding `value`.
fn const_node(name: &str, value: &Tensor, device: &str) -> NodeDef {
    let mut def = NodeDef::new(name, "Const");
    def.device = device.to_string();
    def.attr
        .insert("dtype".into(), AttrProto::dtype(value.dtype().into()));
    def.attr.insert(
        "value".into(),
        AttrProto::tensor(TensorProto::from_tensor(value)),
    );
    def
}

/// A partial shape as a `TensorShapeProto` (`-1` for unknown sizes).
pub(crate) fn shape_proto(shape: &PartialShape) -> TensorShapeProto {
    match shape.dims() {
        None => TensorShapeProto::unknown(),
        Some(dims) => {
            let dims: Vec<i64> = dims.iter().map(|d| d.map_or(-1, |d| d as i64)).collect();
            TensorShapeProto::new(&dims)
        }
    }
}

/// A ferroflow attribute as an `AttrValue` message.
fn attr_proto(value: &AttrValue) -> AttrProto {
    use attr_value::ListValue;
    match value {
        AttrValue::Int(i) => AttrProto::int(*i),
        AttrValue::Float(f) => AttrProto::float(*f),
        AttrValue::Bool(b) => AttrProto::bool(*b),
        AttrValue::Str(s) => AttrProto::string(s.as_bytes()),
        AttrValue::Type(t) => AttrProto::dtype((*t).into()),
        AttrValue::Shape(s) => AttrProto::shape(shape_proto(s)),
        AttrValue::Tensor(t) => AttrProto::tensor(TensorProto::from_tensor(t)),
        AttrValue::Ints(v) => AttrProto::list(ListValue {
            i: v.clone(),
            ..Default::default()
        }),
        AttrValue::Floats(v) => AttrProto::list(ListValue {
            f: v.clone(),
            ..Default::default()
        }),
        AttrValue::Types(v) => AttrProto::list(ListValue {
            r#type: v.iter().map(|&t| DataType::from(t) as i32).collect(),
            ..Default::default()
        }),
        AttrValue::Strs(v) => AttrProto::list(ListValue {
            s: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
            ..Default::default()
        }),
    }
}
