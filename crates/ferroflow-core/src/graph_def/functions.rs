//! Control flow in GraphDefs: `If` and `While` nodes whose branch, condition
//! and body graphs live in the GraphDef's `FunctionDefLibrary`, as TF2's
//! control flow v2 writes them (`StatelessIf`/`StatelessWhile` import too).
//!
//! A function body names a node's outputs `node:output_arg:index` with the
//! output argument names of the node's TensorFlow op (`op_args.rs`), and
//! the function's inputs by their argument names.

use super::call::{is_call, FunctionCall};
use super::op_args::output_args;
use super::{node_defs, shape_proto};
use crate::control_flow::{FuncGraph, If, While};
use crate::graph::{Graph, Node, NodeId, Output};
use crate::{fail, Error, Op, Result, TensorOps, TensorSpec};
use ferroflow_io::proto::graph::{
    function_def::ArgAttrs, op_def::ArgDef, FunctionDef, OpDef as OpDefProto,
};
use ferroflow_io::proto::{
    attr_value::Value, AttrValue as AttrProto, DataType, FunctionDefLibrary, ListValue, NodeDef,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

/// How node inputs are written: `node`/`node:1` at the top level of a
/// graph; in a function body, argument names and `node:output_arg:index`.
pub(super) enum Naming<'a> {
    Graph,
    /// The function's arguments: placeholder node to argument name.
    Function(&'a HashMap<NodeId, String>),
}

impl Naming<'_> {
    /// The input string for output `index` of node `node`.
    pub(super) fn tensor(&self, nodes: &[Node], node: NodeId, index: usize) -> Result<String> {
        let name = &nodes[node].name;
        match self {
            Naming::Graph if index == 0 => Ok(name.clone()),
            Naming::Graph => Ok(format!("{name}:{index}")),
            Naming::Function(args) => match args.get(&node) {
                Some(arg) => Ok(arg.clone()),
                None => {
                    let op = &nodes[node].op;
                    let out = output_ref(op.op_type(), index, nodes[node].outputs.len())
                        .ok_or_else(|| {
                            Error::invalid(
                                "to_graph_def",
                                format!(
                                    "op {} (node '{name}') has no TensorFlow output names known to ferroflow, so it cannot be exported inside a function",
                                    op.op_type()
                                ),
                            )
                        })?;
                    Ok(format!("{name}:{out}"))
                }
            },
        }
    }

    /// The input string for a node added on export (a `Const` or `Shape`,
    /// whose output argument is `output`).
    pub(super) fn added(&self, name: &str) -> String {
        self.output(name, "output", 0)
    }

    /// The input string for output `index` of output argument `arg` of
    /// node `name`, a node added on export.
    pub(super) fn output(&self, name: &str, arg: &str, index: usize) -> String {
        match self {
            Naming::Graph if index == 0 => name.to_string(),
            Naming::Graph => format!("{name}:{index}"),
            Naming::Function(_) => format!("{name}:{arg}:{index}"),
        }
    }
}

/// `output_arg:index` for output `index` of a TF op with `n` outputs.
fn output_ref(op_type: &str, index: usize, n: usize) -> Option<String> {
    // `WhileGrad` exports as a `While` of its name (`while_grad.rs`).
    let op_type = if op_type == "WhileGrad" {
        "While"
    } else {
        op_type
    };
    match output_args(op_type)? {
        [(arg, _)] => Some(format!("{arg}:{index}")),
        args if args.len() == n && args.iter().all(|(_, list)| !list) => {
            Some(format!("{}:0", args.get(index)?.0))
        }
        _ => None,
    }
}

/// The inverse of [`output_ref`]: the output index of `arg:index` of a TF
/// op.
fn output_index(op_type: &str, arg: &str, index: usize) -> Option<usize> {
    match output_args(op_type)? {
        [(name, _)] if name == &arg => Some(index),
        args if args.iter().all(|(_, list)| !list) && index == 0 => {
            args.iter().position(|(name, _)| name == &arg)
        }
        _ => None,
    }
}

/// The functions written so far, each once.
#[derive(Default)]
pub(super) struct Library {
    functions: Vec<FunctionDef>,
    /// By function graph and number of arguments passed through.
    names: HashMap<(usize, usize), String>,
    /// Functions named so far, which numbers the next name.
    count: usize,
}

impl Library {
    /// The library message, or `None` when no function was written.
    pub(super) fn into_proto(self) -> Option<FunctionDefLibrary> {
        (!self.functions.is_empty()).then(|| FunctionDefLibrary {
            function: self.functions,
            gradient: Vec::new(),
        })
    }

    /// Adds `f` (once) as a function named after `node` and `role`; its
    /// last `pass_through` inputs are also returned after its outputs
    /// (what TF's `While` body does with captured tensors). Returns the
    /// function's name.
    pub(super) fn add(
        &mut self,
        f: &FuncGraph,
        node: &str,
        role: &str,
        pass_through: usize,
    ) -> Result<String> {
        if let Some(name) = self.names.get(&(f.id(), pass_through)) {
            return Ok(name.clone());
        }
        let name = self.name(node, role);
        // Registered before the body, so a function never recurses into itself.
        self.names.insert((f.id(), pass_through), name.clone());
        let def = self.function_def(f, &name, pass_through)?;
        self.functions.push(def);
        Ok(name)
    }

    /// A new function name for `role` of node `node` (`while_body_3`).
    pub(super) fn name(&mut self, node: &str, role: &str) -> String {
        self.count += 1;
        format!("{}_{role}_{}", sanitize(node), self.count - 1)
    }

    /// Adds a function built elsewhere (named by [`Library::name`]).
    pub(super) fn push(&mut self, function: FunctionDef) {
        self.functions.push(function);
    }

    fn function_def(
        &mut self,
        f: &FuncGraph,
        name: &str,
        pass_through: usize,
    ) -> Result<FunctionDef> {
        let nodes = f.graph().nodes();
        let mut args = HashMap::new();
        let mut taken = HashSet::new();
        let mut signature = OpDefProto {
            name: name.to_string(),
            ..Default::default()
        };
        let mut arg_attr = HashMap::new();
        for (i, x) in f.inputs.iter().enumerate() {
            let (node, _) = x.id();
            let mut arg = sanitize(&nodes[node].name).to_lowercase();
            while !taken.insert(arg.clone()) {
                arg = format!("{arg}_{i}");
            }
            signature.input_arg.push(arg_def(&arg, &x.spec()));
            let shapes = ListValue {
                shape: vec![shape_proto(&x.spec().shape)],
                ..Default::default()
            };
            let attr = HashMap::from([("_output_shapes".to_string(), AttrProto::list(shapes))]);
            arg_attr.insert(i as u32, ArgAttrs { attr });
            args.insert(node, arg);
        }
        let naming = Naming::Function(&args);
        let returned: Vec<&Output> = f
            .outputs
            .iter()
            .chain(&f.inputs[f.inputs.len() - pass_through..])
            .collect();
        let mut ret = HashMap::new();
        for (k, o) in returned.iter().enumerate() {
            let out = format!("output_{k}");
            signature.output_arg.push(arg_def(&out, &o.spec()));
            let (node, index) = o.id();
            ret.insert(out, naming.tensor(&nodes, node, index)?);
        }
        let mut node_def = Vec::new();
        for id in body_nodes(&nodes, &returned, &args)? {
            signature.is_stateful |= nodes[id].op.is_stateful();
            node_def.extend(node_defs(&nodes, id, &naming, self)?);
        }
        Ok(FunctionDef {
            signature: Some(signature),
            arg_attr,
            node_def,
            ret,
            ..Default::default()
        })
    }
}

fn arg_def(name: &str, spec: &TensorSpec) -> ArgDef {
    ArgDef {
        name: name.to_string(),
        r#type: DataType::from(spec.dtype) as i32,
        ..Default::default()
    }
}

/// A node name as a function or argument name (`[A-Za-z0-9_]`).
fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    match s.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => s,
        _ => format!("f{s}"),
    }
}

/// The nodes a function body needs to compute `outputs`, in creation
/// order, without the argument placeholders.
fn body_nodes(
    nodes: &[Node],
    outputs: &[&Output],
    args: &HashMap<NodeId, String>,
) -> Result<Vec<NodeId>> {
    let mut seen = HashSet::new();
    let mut stack: Vec<NodeId> = outputs.iter().map(|o| o.id().0).collect();
    while let Some(id) = stack.pop() {
        if args.contains_key(&id) || !seen.insert(id) {
            continue;
        }
        let node = &nodes[id];
        if node.op.op_type() == "Placeholder" {
            fail!(
                "to_graph_def",
                "the function graph's placeholder '{}' is not one of its arguments",
                node.name
            );
        }
        stack.extend(node.inputs.iter().map(|&(n, _)| n));
        stack.extend(&node.control_inputs);
    }
    let mut ids: Vec<NodeId> = seen.into_iter().collect();
    ids.sort_unstable();
    Ok(ids)
}

/// What a control-flow node's `NodeDef` carries beyond other nodes: its
/// function and type attributes, and the shapes of all its TF outputs.
pub(super) struct ControlFlowAttrs {
    pub(super) attrs: Vec<(&'static str, AttrProto)>,
    pub(super) output_shapes: ListValue,
}

/// The attributes of `node` if it is an `If` or a `While`, writing their
/// functions into `library`.
pub(super) fn control_flow_attrs(
    node: &Node,
    input_specs: &[TensorSpec],
    library: &mut Library,
) -> Result<Option<ControlFlowAttrs>> {
    let op = node.op.as_any();
    let types = |specs: &[TensorSpec]| {
        AttrProto::list(ListValue {
            r#type: specs
                .iter()
                .map(|s| DataType::from(s.dtype) as i32)
                .collect(),
            ..Default::default()
        })
    };
    let shapes = |specs: &[TensorSpec]| ListValue {
        shape: specs.iter().map(|s| shape_proto(&s.shape)).collect(),
        ..Default::default()
    };
    if let Some(op) = op.downcast_ref::<If>() {
        let then_name = library.add(&op.then_branch, &node.name, "true", 0)?;
        let else_name = library.add(&op.else_branch, &node.name, "false", 0)?;
        let output_shapes = shapes(&node.outputs);
        let attrs = vec![
            ("Tcond", AttrProto::dtype(DataType::DtBool)),
            ("Tin", types(&input_specs[1..])),
            ("Tout", types(&node.outputs)),
            ("then_branch", AttrProto::func(then_name)),
            ("else_branch", AttrProto::func(else_name)),
            ("output_shapes", AttrProto::list(output_shapes.clone())),
        ];
        return Ok(Some(ControlFlowAttrs {
            attrs,
            output_shapes,
        }));
    }
    if let Some(op) = op.downcast_ref::<While>() {
        // TF's While returns all its inputs: the loop variables, then the
        // captured tensors unchanged.
        let n_captured = input_specs.len() - op.vars.len();
        let cond = library.add(&op.cond, &node.name, "cond", 0)?;
        let body = library.add(&op.body, &node.name, "body", n_captured)?;
        let mut all = op.vars.clone();
        all.extend_from_slice(&input_specs[op.vars.len()..]);
        let output_shapes = shapes(&all);
        let attrs = vec![
            ("T", types(input_specs)),
            ("cond", AttrProto::func(cond)),
            ("body", AttrProto::func(body)),
            ("output_shapes", AttrProto::list(output_shapes.clone())),
            ("parallel_iterations", AttrProto::int(10)),
        ];
        return Ok(Some(ControlFlowAttrs {
            attrs,
            output_shapes,
        }));
    }
    if let Some(op) = op.downcast_ref::<FunctionCall>() {
        let f = library.add(&op.f, &node.name, "call", 0)?;
        let empty = || AttrProto::string(b"");
        let attrs = vec![
            ("Tin", types(input_specs)),
            ("Tout", types(&node.outputs)),
            ("f", AttrProto::func(f)),
            ("config", empty()),
            ("config_proto", empty()),
            ("executor_type", empty()),
        ];
        return Ok(Some(ControlFlowAttrs {
            attrs,
            output_shapes: shapes(&node.outputs),
        }));
    }
    Ok(None)
}

/// The function of `library` named `name`.
fn library_function<'a>(
    library: Option<&'a FunctionDefLibrary>,
    name: &str,
) -> Option<&'a FunctionDef> {
    library
        .into_iter()
        .flat_map(|l| &l.function)
        .find(|f| f.signature.as_ref().is_some_and(|s| s.name == name))
}

/// True for the TF op types imported by [`import_op`]: `If`, `While`,
/// calls, and nodes whose op type is a function of `library`.
pub(super) fn is_function_op(op_type: &str, library: Option<&FunctionDefLibrary>) -> bool {
    is_control_flow_op(op_type) || is_call(op_type) || library_function(library, op_type).is_some()
}

/// The `If`, `While` or [`FunctionCall`] op of a `NodeDef` whose
/// functions are in `library`, their graphs imported as child graphs of
/// `graph`.
pub(super) fn import_op(
    graph: &Graph,
    def: &NodeDef,
    library: Option<&FunctionDefLibrary>,
) -> Result<Arc<dyn Op>> {
    let by_name = |name: &str| -> Result<FuncGraph> {
        match library_function(library, name) {
            Some(f) => import_function(graph, f, library),
            None => fail!(
                "import_graph_def",
                "function '{name}' of node '{}' is not in the GraphDef's library",
                def.name
            ),
        }
    };
    let func = |key: &str| -> Result<FuncGraph> {
        match def.attr.get(key).and_then(|a| a.value.as_ref()) {
            Some(Value::Func(f)) => by_name(&f.name),
            _ => fail!(
                "import_graph_def",
                "NodeDef missing func attr '{key}' (node '{}', op {})",
                def.name,
                def.op
            ),
        }
    };
    if is_call(&def.op) {
        Ok(Arc::new(FunctionCall { f: func("f")? }))
    } else if !is_control_flow_op(&def.op) {
        Ok(Arc::new(FunctionCall {
            f: by_name(&def.op)?,
        }))
    } else if def.op.ends_with("If") {
        Ok(Arc::new(If::new(
            func("then_branch")?,
            func("else_branch")?,
        )?))
    } else {
        let body = func("body")?;
        let vars = body.inputs.iter().map(|x| x.spec()).collect();
        Ok(Arc::new(While::new(func("cond")?, body, vars)))
    }
}

fn is_control_flow_op(op_type: &str) -> bool {
    matches!(op_type, "If" | "StatelessIf" | "While" | "StatelessWhile")
}

/// A `FunctionDef` as a function graph: a child graph of `parent` with a
/// placeholder per argument and the body's nodes.
fn import_function(
    parent: &Graph,
    f: &FunctionDef,
    library: Option<&FunctionDefLibrary>,
) -> Result<FuncGraph> {
    let signature = f.signature.clone().unwrap_or_default();
    let context = |e: Error| {
        Error::invalid(
            "import_graph_def",
            format!("{e} (in function '{}')", signature.name),
        )
    };
    let mut nodes = Vec::new();
    for (i, arg) in signature.input_arg.iter().enumerate() {
        // A tensor list (`DT_VARIANT`) is a string vector in ferroflow
        // (`ops/tensor_list.rs`), of any length.
        let list = arg.r#type() == DataType::DtVariant;
        let dtype = if list {
            DataType::DtString
        } else {
            arg.r#type()
        };
        let mut p = NodeDef::new(&arg.name, "Placeholder");
        p.attr.insert("dtype".into(), AttrProto::dtype(dtype));
        let shape = f
            .arg_attr
            .get(&(i as u32))
            .and_then(|a| a.attr.get("_output_shapes"))
            .and_then(|a| match &a.value {
                Some(Value::List(l)) => l.shape.first().cloned(),
                _ => None,
            });
        if let Some(shape) = shape.filter(|_| !list) {
            p.attr.insert("shape".into(), AttrProto::shape(shape));
        }
        nodes.push(p);
    }
    let by_name: HashMap<&str, &NodeDef> =
        f.node_def.iter().map(|n| (n.name.as_str(), n)).collect();
    let body = f
        .node_def
        .iter()
        .map(|n| {
            let input = n
                .input
                .iter()
                .map(|i| graph_input(i, &by_name, library))
                .collect::<Result<_>>()?;
            Ok(NodeDef { input, ..n.clone() })
        })
        .collect::<Result<Vec<_>>>()
        .map_err(context)?;
    nodes.extend(topological(body).map_err(context)?);
    let graph = parent.new_child();
    graph.import_nodes(&nodes, library).map_err(context)?;
    let tensor = |name: &str| graph.get_tensor_by_name(name).map_err(context);
    let inputs = signature
        .input_arg
        .iter()
        .map(|a| tensor(&format!("{}:0", a.name)))
        .collect::<Result<Vec<_>>>()?;
    let outputs = signature
        .output_arg
        .iter()
        .map(|a| {
            let Some(r) = f.ret.get(&a.name) else {
                return Err(context(Error::invalid(
                    "import_graph_def",
                    format!("no ret value for output '{}'", a.name),
                )));
            };
            let r = graph_input(r, &by_name, library).map_err(context)?;
            tensor(&if r.contains(':') { r } else { format!("{r}:0") })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(FuncGraph::new(&graph, inputs, outputs))
}

/// A function body's input string (`node:output_arg:index`, `arg`,
/// `^node`) as a graph input string (`node:k`).
fn graph_input(
    input: &str,
    by_name: &HashMap<&str, &NodeDef>,
    library: Option<&FunctionDefLibrary>,
) -> Result<String> {
    let parts: Vec<&str> = input.split(':').collect();
    match parts.as_slice() {
        [_] => Ok(input.to_string()),
        [node, arg, index] => {
            let op = by_name.get(node).map(|n| n.op.as_str()).unwrap_or_default();
            // A node calling a library function by name has its outputs.
            let called = library_function(library, op).and_then(|f| f.signature.as_ref());
            let k = index
                .parse()
                .ok()
                .and_then(|i| match called {
                    Some(s) if i == 0 => s.output_arg.iter().position(|a| a.name == *arg),
                    Some(_) => None,
                    None => output_index(op, arg, i),
                })
                .ok_or_else(|| {
                    Error::invalid(
                        "import_graph_def",
                        format!("cannot resolve input '{input}' (op {op})"),
                    )
                })?;
            Ok(format!("{node}:{k}"))
        }
        _ => fail!("import_graph_def", "malformed function input '{input}'"),
    }
}

/// `nodes` ordered so each comes after its inputs, keeping the given order
/// where it allows (TF's own GraphDefs may list a node before an input
/// added later, as its while-loop gradients do).
pub(super) fn topological(nodes: Vec<NodeDef>) -> Result<Vec<NodeDef>> {
    let index: HashMap<&str, usize> = (nodes.iter().enumerate())
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let mut waiting = vec![0usize; nodes.len()];
    let mut users = vec![Vec::new(); nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        for input in &node.input {
            let dep = input.trim_start_matches('^').split(':').next();
            if let Some(&j) = dep.and_then(|d| index.get(d)) {
                waiting[i] += 1;
                users[j].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..nodes.len())
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &u in &users[i] {
            waiting[u] -= 1;
            if waiting[u] == 0 {
                ready.push(Reverse(u));
            }
        }
    }
    if let Some(stuck) = (0..nodes.len()).find(|&i| waiting[i] > 0) {
        fail!(
            "import_graph_def",
            "the graph has a cycle through node '{}'",
            nodes[stuck].name
        );
    }
    let mut slots: Vec<Option<NodeDef>> = nodes.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}
