//! `Graph::import_graph_def`: rebuilding ops from `NodeDef`s, through a
//! registry from TensorFlow op type to constructor (`registry.rs`).

use super::functions;
use super::registry::{build, plain_ops};
use crate::graph::{Graph, NodeName, Output};
use crate::ops::{Padding, Pool2d, Window2d};
use crate::{fail, Error, Op, PartialShape, Result};
use ferroflow_io::proto::{
    attr_value::Value, DataType, FunctionDefLibrary, GraphDef, NodeDef, TensorShapeProto,
};
use ferroflow_tensor::kernels::index::StridedSliceSpec;
use ferroflow_tensor::{DType, Shape, Tensor};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A node being imported: its `NodeDef` and the graph's nodes by name.
pub(super) struct Ctx<'a> {
    pub(super) def: &'a NodeDef,
    by_name: &'a HashMap<&'a str, &'a NodeDef>,
}

impl<'a> Ctx<'a> {
    /// The context of another node of the same graph.
    pub(super) fn other(&self, def: &'a NodeDef) -> Ctx<'a> {
        Ctx {
            def,
            by_name: self.by_name,
        }
    }

    pub(super) fn attr(&self, key: &str) -> Result<&Value> {
        self.def
            .attr
            .get(key)
            .and_then(|a| a.value.as_ref())
            .ok_or_else(|| self.error(format!("NodeDef missing attr '{key}'")))
    }

    pub(super) fn error(&self, msg: String) -> Error {
        Error::invalid(
            "import_graph_def",
            format!("{msg} (node '{}', op {})", self.def.name, self.def.op),
        )
    }

    pub(super) fn dtype(&self, key: &str) -> Result<DType> {
        match self.attr(key)? {
            Value::Type(t) => DataType::dtype_of(*t, key).map_err(|e| self.error(e.to_string())),
            _ => Err(self.error(format!("attr '{key}' is not a type"))),
        }
    }

    pub(super) fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.def.attr.get(key).and_then(|a| a.value.as_ref()) {
            None => Ok(default),
            Some(Value::B(b)) => Ok(*b),
            Some(_) => Err(self.error(format!("attr '{key}' is not a bool"))),
        }
    }

    pub(super) fn int_or(&self, key: &str, default: i64) -> Result<i64> {
        match self.def.attr.get(key).and_then(|a| a.value.as_ref()) {
            None => Ok(default),
            Some(Value::I(i)) => Ok(*i),
            Some(_) => Err(self.error(format!("attr '{key}' is not an int"))),
        }
    }

    pub(super) fn float(&self, key: &str) -> Result<f32> {
        match self.attr(key)? {
            Value::F(f) => Ok(*f),
            _ => Err(self.error(format!("attr '{key}' is not a float"))),
        }
    }

    /// The static shape of output `k` (`_output_shapes`), unknown when the
    /// NodeDef does not carry it.
    pub(super) fn output_shape(&self, k: usize) -> PartialShape {
        match self.attr("_output_shapes") {
            Ok(Value::List(l)) => l
                .shape
                .get(k)
                .map_or_else(PartialShape::unknown, partial_shape),
            _ => PartialShape::unknown(),
        }
    }

    /// `align_corners` and `half_pixel_centers` of a resize node.
    pub(super) fn corners(&self) -> Result<(bool, bool)> {
        Ok((
            self.bool_or("align_corners", false)?,
            self.bool_or("half_pixel_centers", false)?,
        ))
    }

    /// The `[height, width]` held by input `i`, a `Const` node.
    pub(super) fn const_size2(&self, i: usize) -> Result<[usize; 2]> {
        match self.const_sizes(i)?.as_slice() {
            &[h, w] => Ok([h, w]),
            other => Err(self.error(format!("input #{i} must hold 2 sizes, got {other:?}"))),
        }
    }

    /// The window of a pooling node (`ksize`, `strides`, `padding`).
    pub(super) fn pool_window(&self) -> Result<Pool2d> {
        let w = self.window()?;
        Ok(Pool2d {
            ksize: self.spatial("ksize")?,
            strides: w.strides,
            padding: w.padding,
        })
    }

    /// The slice of a `StridedSlice(Grad)` node: `begin`, `end`, `strides`
    /// (inputs 1–3, `Const` nodes) and the masks.
    pub(super) fn strided_slice_spec(&self) -> Result<StridedSliceSpec> {
        Ok(StridedSliceSpec {
            begin: self.const_ints(1)?,
            end: self.const_ints(2)?,
            strides: self.const_ints(3)?,
            begin_mask: self.int_or("begin_mask", 0)?,
            end_mask: self.int_or("end_mask", 0)?,
            ellipsis_mask: self.int_or("ellipsis_mask", 0)?,
            new_axis_mask: self.int_or("new_axis_mask", 0)?,
            shrink_axis_mask: self.int_or("shrink_axis_mask", 0)?,
        })
    }

    /// The tensor whose shape input `i` is: input `i` must be a `Shape`
    /// node (as TF's gradient and ferroflow's export write
    /// `StridedSliceGrad`'s `shape`).
    pub(super) fn shaped_input(&self, i: usize) -> Result<&'a str> {
        let def: &'a NodeDef = self.def;
        def.input
            .get(i)
            .and_then(|n| self.by_name.get(node_name(n)))
            .filter(|n| n.op == "Shape")
            .and_then(|n| n.input.first())
            .map(String::as_str)
            .ok_or_else(|| {
                self.error(format!(
                    "input #{i} must be a Shape node to import this op (ferroflow's op takes the shaped tensor)"
                ))
            })
    }

    pub(super) fn shape(&self, key: &str) -> Result<PartialShape> {
        match self.attr(key)? {
            Value::Shape(s) => Ok(partial_shape(s)),
            _ => Err(self.error(format!("attr '{key}' is not a shape"))),
        }
    }

    pub(super) fn tensor(&self, key: &str) -> Result<Tensor> {
        match self.attr(key)? {
            Value::Tensor(t) => t.to_tensor(key).map_err(|e| self.error(e.to_string())),
            _ => Err(self.error(format!("attr '{key}' is not a tensor"))),
        }
    }

    pub(super) fn ints(&self, key: &str) -> Result<Vec<i64>> {
        match self.attr(key)? {
            Value::List(l) => Ok(l.i.clone()),
            _ => Err(self.error(format!("attr '{key}' is not a list of ints"))),
        }
    }

    /// A list-of-strings attribute (`fused_ops`), as UTF-8.
    pub(super) fn strings(&self, key: &str) -> Result<Vec<String>> {
        match self.attr(key)? {
            Value::List(l) => Ok(l
                .s
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()),
            _ => Err(self.error(format!("attr '{key}' is not a list of strings"))),
        }
    }

    /// Fails unless `data_format` is NHWC (the default).
    pub(super) fn nhwc(&self) -> Result<()> {
        match self
            .def
            .attr
            .get("data_format")
            .and_then(|a| a.value.as_ref())
        {
            None => Ok(()),
            Some(Value::S(f)) if f == b"NHWC" => Ok(()),
            Some(_) => Err(self.error("only data_format NHWC imports".into())),
        }
    }

    /// The height and width entries of a 4-int NHWC attribute (`strides`).
    pub(super) fn spatial(&self, key: &str) -> Result<[usize; 2]> {
        if !self.def.attr.contains_key(key) && key == "dilations" {
            return Ok([1, 1]);
        }
        match self.ints(key)?.as_slice() {
            &[_, h, w, _] => Ok([h as usize, w as usize]),
            other => Err(self.error(format!("attr '{key}' must have 4 ints, got {other:?}"))),
        }
    }

    /// The strides and padding of a convolution or pooling node.
    pub(super) fn window(&self) -> Result<Window2d> {
        self.nhwc()?;
        let padding = match self.attr("padding")? {
            Value::S(p) if p == b"SAME" => Padding::Same,
            Value::S(p) if p == b"VALID" => Padding::Valid,
            Value::S(p) if p == b"EXPLICIT" => {
                let pads = self.ints("explicit_paddings")?;
                let pairs = pads.chunks_exact(2).map(|p| (p[0] as usize, p[1] as usize));
                Padding::Explicit(pairs.skip(1).take(2).collect())
            }
            _ => return Err(self.error("attr 'padding' must be SAME, VALID or EXPLICIT".into())),
        };
        Ok(Window2d::new(self.spatial("strides")?, padding))
    }

    /// The integer scalar value of input `i`, a `Const` node.
    pub(super) fn const_scalar(&self, i: usize) -> Result<i64> {
        match self.const_input(i)?.to_f64_vec()?.as_slice() {
            [v] => Ok(*v as i64),
            _ => Err(self.error(format!("input #{i} must be a scalar"))),
        }
    }

    /// The integers held by input `i`, a `Const` node.
    pub(super) fn const_ints(&self, i: usize) -> Result<Vec<i64>> {
        let values = self.const_input(i)?.to_f64_vec()?;
        Ok(values.into_iter().map(|v| v as i64).collect())
    }

    /// The sizes held by input `i`, a `Const` node (negative sizes are an
    /// error).
    pub(super) fn const_sizes(&self, i: usize) -> Result<Vec<usize>> {
        self.const_ints(i)?
            .into_iter()
            .map(|v| {
                usize::try_from(v)
                    .map_err(|_| self.error(format!("input #{i} holds a negative size {v}")))
            })
            .collect()
    }

    /// The shape held by input `i`, a `Const` node of sizes.
    pub(super) fn const_dims(&self, i: usize) -> Result<Shape> {
        Ok(self.const_sizes(i)?.into())
    }

    /// The variable node (`VariableV2` or `VarHandleOp`) of input #0.
    pub(super) fn variable_input(&self) -> Result<&NodeDef> {
        self.def
            .input
            .first()
            .and_then(|i| self.by_name.get(node_name(i)).copied())
            .filter(|v| v.op == "VariableV2" || v.op == "VarHandleOp")
            .ok_or_else(|| self.error("input #0 must be a VariableV2 or VarHandleOp node".into()))
    }

    /// True if input `i` is a `Const` node.
    pub(super) fn input_is_const(&self, i: usize) -> bool {
        let node = self
            .def
            .input
            .get(i)
            .and_then(|n| self.by_name.get(node_name(n)));
        node.is_some_and(|n| n.op == "Const")
    }

    /// The value of input `i`, which must be a `Const` node.
    pub(super) fn const_input(&self, i: usize) -> Result<Tensor> {
        let name = self
            .def
            .input
            .get(i)
            .ok_or_else(|| self.error(format!("expected an input #{i}")))?;
        let node = self
            .by_name
            .get(node_name(name))
            .filter(|n| n.op == "Const");
        let node = node.ok_or_else(|| {
            self.error(format!(
                "input #{i} ({name}) must be a Const node to import this op"
            ))
        })?;
        self.other(node).tensor("value")
    }
}

/// A `TensorShapeProto` as a partial shape (`-1`: unknown size).
fn partial_shape(s: &TensorShapeProto) -> PartialShape {
    if s.unknown_rank {
        return PartialShape::unknown();
    }
    let dims: Vec<Option<usize>> = s.dim.iter().map(|d| usize::try_from(d.size).ok()).collect();
    PartialShape::from_dims(&dims)
}

/// `node` of an input `node:1` or `^node`.
fn node_name(input: &str) -> &str {
    let input = input.trim_start_matches('^');
    input.rsplit_once(':').map_or(input, |(n, _)| n)
}

impl Graph {
    /// Adds the nodes of `graph_def` to this graph under their own names,
    /// like `tf.import_graph_def(graph_def, name="")`, for the ops
    /// ferroflow has (all it exports; TF's `Const`, `Placeholder`,
    /// `VariableV2`, `Assign*`, `Identity`, math, `MatMul`, reductions…).
    /// An unknown op type, a missing input or a name already in the graph
    /// is an error.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// use ferroflow_core::session::Session;
    /// use ferroflow_core::prelude::*;
    /// let g = Graph::new();
    /// let x = g.constant(Tensor::from([1.0f32, 2.0]), "x").unwrap();
    /// let _ = x.mul(&x).unwrap().reduce_sum(0, false).unwrap();
    /// let copy = Graph::new();
    /// copy.import_graph_def(&g.to_graph_def().unwrap()).unwrap();
    /// let y = copy.get_tensor_by_name("Sum:0").unwrap();
    /// let out = Session::new(&copy).run(&[&y], &[]).unwrap();
    /// assert_eq!(out[0].to_scalar::<f32>().unwrap(), 5.0);
    /// ```
    pub fn import_graph_def(&self, graph_def: &GraphDef) -> Result<()> {
        let nodes = functions::topological(graph_def.node.clone())?;
        self.import_nodes(&nodes, graph_def.library.as_ref())
    }

    /// Adds `nodes` (in an order where inputs come first), whose `If` and
    /// `While` nodes name functions of `library`.
    pub(super) fn import_nodes(
        &self,
        nodes: &[NodeDef],
        library: Option<&FunctionDefLibrary>,
    ) -> Result<()> {
        let by_name: HashMap<&str, &NodeDef> = nodes.iter().map(|n| (n.name.as_str(), n)).collect();
        let plain: HashMap<&'static str, Arc<dyn Op>> = plain_ops()
            .into_iter()
            .map(|op| (op.op_type(), op))
            .collect();
        let mut built = Vec::with_capacity(nodes.len());
        let mut data_used: HashSet<&str> = HashSet::new();
        let mut unknown = Vec::new();
        for def in nodes {
            let cx = Ctx {
                def,
                by_name: &by_name,
            };
            let (op, data) = if functions::is_function_op(&def.op, library) {
                let n = def.input.iter().filter(|i| !i.starts_with('^')).count();
                (functions::import_op(self, def, library)?, (0..n).collect())
            } else if let Some(built) = build(&cx, &plain)? {
                built
            } else {
                if !unknown.iter().any(|(op, _)| *op == def.op) {
                    unknown.push((def.op.as_str(), def.name.as_str()));
                }
                continue;
            };
            let mut data_inputs: Vec<&str> = data.iter().map(|&i| def.input[i].as_str()).collect();
            if def.op == "StridedSliceGrad" {
                data_inputs[0] = cx.shaped_input(0)?;
            }
            data_used.extend(data_inputs.iter().map(|i| node_name(i)));
            data_used.extend(
                def.input
                    .iter()
                    .filter(|i| i.starts_with('^'))
                    .map(|i| node_name(i)),
            );
            built.push((def, op, data_inputs));
        }
        if !unknown.is_empty() {
            fail!(
                "import_graph_def",
                "Op type not registered in ferroflow's import_graph_def: {}",
                unknown
                    .iter()
                    .map(|(op, node)| format!("'{op}' (node '{node}')"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        // Constants a node keeps as attributes, and shapes it reads from
        // the shaped tensor, are not imported.
        for (def, op, data_inputs) in built {
            if (def.op == "Const" || def.op == "Shape")
                && !data_used.contains(def.name.as_str())
                && consumed(nodes, &def.name)
            {
                continue;
            }
            let inputs = data_inputs
                .iter()
                .map(|i| self.input_tensor(i, &def.name))
                .collect::<Result<Vec<Output>>>()?;
            let controls = def
                .input
                .iter()
                .filter(|i| i.starts_with('^'))
                .map(|i| self.get_operation_by_name(node_name(i)))
                .collect::<Result<Vec<_>>>()?;
            let control_refs: Vec<_> = controls.iter().collect();
            let _deps = self.control_dependencies(&control_refs);
            let _device = self.device(&def.device);
            let refs: Vec<&Output> = inputs.iter().collect();
            self.add_node(op, &refs, NodeName::Exact(&def.name))?;
        }
        Ok(())
    }

    /// The tensor an input string (`name`, `name:1`) names.
    pub(super) fn input_tensor(&self, input: &str, node: &str) -> Result<Output> {
        let name = if input.contains(':') {
            input.to_string()
        } else {
            format!("{input}:0")
        };
        self.get_tensor_by_name(&name).map_err(|_| {
            Error::invalid(
                "import_graph_def",
                format!(
                    "Node '{node}': input '{input}' not found (nodes must come after their inputs)"
                ),
            )
        })
    }
}

/// True if some node of `nodes` takes `name` as an input.
fn consumed(nodes: &[NodeDef], name: &str) -> bool {
    nodes
        .iter()
        .any(|n| n.input.iter().any(|i| node_name(i) == name))
}
