//! `WhileGrad` (ferroflow's gradient of a `while_loop`) in TensorFlow's ops.
//!
//! `WhileGrad` re-runs the loop keeping each iteration's variables, then
//! runs the body's gradient function backwards over them. The same
//! algorithm in TF ops, as TF2's own while gradients do it with tensor
//! lists:
//!
//! - `<node>/forward`: a `While` over `(k, vars, captures, lists)` whose body
//!   calls the loop's body, counts iterations in `k` and pushes each
//!   iteration's variables onto `EmptyTensorList`s;
//! - `<node>`: a `While` over `(d_float_vars, d_float_captures, k, lists,
//!   d_other_vars, captures)` that runs while `k > 0`, pops the variables,
//!   calls the body's gradient function and sums the captures' gradients.
//!   Its first outputs are `WhileGrad`'s, in the same order.

use super::functions::{Library, Naming};
use super::{const_node, shape_proto};
use crate::control_flow::WhileGrad;
use crate::graph::Node;
use crate::{PartialShape, Result, TensorSpec};
use ferroflow_io::proto::graph::{op_def::ArgDef, FunctionDef, OpDef as OpDefProto};
use ferroflow_io::proto::{AttrValue as AttrProto, DataType, ListValue, NodeDef, TensorShapeProto};
use ferroflow_tensor::{DType, Tensor};
use std::collections::HashMap;

/// A `DT_VARIANT` (a tensor list handle) or a ferroflow dtype.
#[derive(Clone, Copy)]
enum Type {
    Variant,
    Of(DType),
}

impl Type {
    fn proto(self) -> i32 {
        match self {
            Type::Variant => DataType::DtVariant as i32,
            Type::Of(d) => DataType::from(d) as i32,
        }
    }
}

/// A loop variable of a generated loop: name, type and shape.
struct Var {
    name: String,
    ty: Type,
    shape: TensorShapeProto,
}

impl Var {
    fn new(name: String, spec: &TensorSpec) -> Var {
        Var {
            name,
            ty: Type::Of(spec.dtype),
            shape: shape_proto(&spec.shape),
        }
    }

    fn scalar(name: &str, ty: Type) -> Var {
        Var {
            name: name.into(),
            ty,
            shape: shape_proto(&PartialShape::from_dims(&[])),
        }
    }
}

fn op_node(name: &str, op: &str, inputs: Vec<String>, attrs: &[(&str, AttrProto)]) -> NodeDef {
    let mut def = NodeDef::new(name, op);
    def.input = inputs;
    def.attr
        .extend(attrs.iter().map(|(k, v)| (k.to_string(), v.clone())));
    def
}

fn dtype(d: DType) -> AttrProto {
    AttrProto::dtype(d.into())
}

fn int32(name: &str, v: i32) -> NodeDef {
    const_node(name, &Tensor::scalar(v), "")
}

/// A function of `args` returning `rets` (body tensor names), one
/// `output_k` per return.
fn function(name: &str, args: &[Var], rets: &[(String, Type)], nodes: Vec<NodeDef>) -> FunctionDef {
    let arg = |name: String, ty: Type| ArgDef {
        name,
        r#type: ty.proto(),
        ..Default::default()
    };
    let mut signature = OpDefProto {
        name: name.to_string(),
        ..Default::default()
    };
    signature.input_arg = args.iter().map(|v| arg(v.name.clone(), v.ty)).collect();
    let mut ret = HashMap::new();
    for (k, (value, ty)) in rets.iter().enumerate() {
        signature.output_arg.push(arg(format!("output_{k}"), *ty));
        ret.insert(format!("output_{k}"), value.clone());
    }
    FunctionDef {
        signature: Some(signature),
        node_def: nodes,
        ret,
        ..Default::default()
    }
}

/// A `While` node over `vars` with `inputs`, calling `cond` and `body`.
fn while_node(name: &str, vars: &[Var], inputs: Vec<String>, cond: &str, body: &str) -> NodeDef {
    let types = ListValue {
        r#type: vars.iter().map(|v| v.ty.proto()).collect(),
        ..Default::default()
    };
    let shapes = ListValue {
        shape: vars.iter().map(|v| v.shape.clone()).collect(),
        ..Default::default()
    };
    op_node(
        name,
        "While",
        inputs,
        &[
            ("T", AttrProto::list(types)),
            ("cond", AttrProto::func(cond)),
            ("body", AttrProto::func(body)),
            ("parallel_iterations", AttrProto::int(10)),
            ("output_shapes", AttrProto::list(shapes.clone())),
            ("_output_shapes", AttrProto::list(shapes)),
        ],
    )
}

/// An `int32` op on the loop counter `k` and the body's `Const` `other`.
fn counter_op(name: &str, op: &str, other: &str) -> NodeDef {
    let inputs = vec!["k".into(), format!("{other}:output:0")];
    op_node(name, op, inputs, &[("T", dtype(DType::I32))])
}

fn v(i: usize) -> String {
    format!("v{i}")
}

fn c(j: usize) -> String {
    format!("c{j}")
}

fn l(i: usize) -> String {
    format!("l{i}")
}

fn dv(i: usize) -> String {
    format!("dv{i}")
}

fn dc(j: usize) -> String {
    format!("dc{j}")
}

/// One `WhileGrad` node being written.
struct Grad<'a> {
    name: &'a str,
    op: &'a WhileGrad,
    /// The specs of the captured tensors.
    caps: &'a [TensorSpec],
    float_vars: Vec<usize>,
    other_vars: Vec<usize>,
    float_caps: Vec<usize>,
}

impl Grad<'_> {
    fn var_type(&self, i: usize) -> Type {
        Type::Of(self.op.vars[i].dtype)
    }

    fn cap_type(&self, j: usize) -> Type {
        Type::Of(self.caps[j].dtype)
    }

    fn element(&self, i: usize) -> (&'static str, AttrProto) {
        ("element_dtype", dtype(self.op.vars[i].dtype))
    }

    /// The forward loop's functions, over `(k, vars, captures, lists)`:
    /// the loop's condition, and its body plus `k + 1` and the pushes.
    fn forward(&self, library: &mut Library) -> Result<(Vec<Var>, String, String)> {
        let (n, m) = (self.op.vars.len(), self.caps.len());
        let cond = library.add(&self.op.cond, self.name, "cond", 0)?;
        let body = library.add(&self.op.body, self.name, "body", m)?;
        let mut vars = vec![Var::scalar("k", Type::Of(DType::I32))];
        vars.extend((0..n).map(|i| Var::new(v(i), &self.op.vars[i])));
        vars.extend((0..m).map(|j| Var::new(c(j), &self.caps[j])));
        vars.extend((0..n).map(|i| Var::scalar(&l(i), Type::Variant)));
        let args: Vec<String> = (0..n).map(v).chain((0..m).map(c)).collect();
        let cond_f = library.name(self.name, "forward_cond");
        let ret = [("call:output_0:0".into(), Type::Of(DType::Bool))];
        let call = op_node("call", &cond, args.clone(), &[]);
        library.push(function(&cond_f, &vars, &ret, vec![call]));
        let mut nodes = vec![
            int32("one", 1),
            counter_op("next_k", "AddV2", "one"),
            op_node("call", &body, args, &[]),
        ];
        let mut rets = vec![("next_k:z:0".to_string(), Type::Of(DType::I32))];
        rets.extend((0..n).map(|i| (format!("call:output_{i}:0"), self.var_type(i))));
        rets.extend((0..m).map(|j| (c(j), self.cap_type(j))));
        for i in 0..n {
            let push = format!("push_{i}");
            let inputs = vec![l(i), v(i)];
            nodes.push(op_node(
                &push,
                "TensorListPushBack",
                inputs,
                &[self.element(i)],
            ));
            rets.push((format!("{push}:output_handle:0"), Type::Variant));
        }
        let body_f = library.name(self.name, "forward_body");
        library.push(function(&body_f, &vars, &rets, nodes));
        Ok((vars, cond_f, body_f))
    }

    /// The backward loop's functions, over `(d_float_vars, d_float_caps, k,
    /// lists, d_other_vars, captures)`: `k > 0`, and a body that pops the
    /// variables, calls the body's gradient and sums the captures'.
    fn backward(&self, library: &mut Library) -> Result<(Vec<Var>, String, String)> {
        let (n, m) = (self.op.vars.len(), self.caps.len());
        let body_grad = library.add(&self.op.body_grad, self.name, "body_grad", 0)?;
        let mut vars: Vec<Var> = (self.float_vars.iter())
            .map(|&i| Var::new(dv(i), &self.op.vars[i]))
            .collect();
        vars.extend(
            self.float_caps
                .iter()
                .map(|&j| Var::new(dc(j), &self.caps[j])),
        );
        vars.push(Var::scalar("k", Type::Of(DType::I32)));
        vars.extend((0..n).map(|i| Var::scalar(&l(i), Type::Variant)));
        vars.extend(
            self.other_vars
                .iter()
                .map(|&i| Var::new(dv(i), &self.op.vars[i])),
        );
        vars.extend((0..m).map(|j| Var::new(c(j), &self.caps[j])));
        let cond_b = library.name(self.name, "backward_cond");
        let ret = [("more:z:0".into(), Type::Of(DType::Bool))];
        let nodes = vec![int32("zero", 0), counter_op("more", "Greater", "zero")];
        library.push(function(&cond_b, &vars, &ret, nodes));

        let mut nodes = vec![int32("one", 1), int32("element_shape", -1)];
        for i in 0..n {
            let inputs = vec![l(i), "element_shape:output:0".into()];
            let pop = format!("pop_{i}");
            nodes.push(op_node(
                &pop,
                "TensorListPopBack",
                inputs,
                &[self.element(i)],
            ));
        }
        let args: Vec<String> = (0..n)
            .map(|i| format!("pop_{i}:tensor:0"))
            .chain((0..m).map(c))
            .chain((0..n).map(dv))
            .collect();
        nodes.push(op_node("call", &body_grad, args, &[]));
        let mut rets: Vec<(String, Type)> = (self.float_vars.iter().enumerate())
            .map(|(a, &i)| (format!("call:output_{a}:0"), self.var_type(i)))
            .collect();
        for (b, &j) in self.float_caps.iter().enumerate() {
            let sum = format!("sum_{j}");
            let grad = format!("call:output_{}:0", self.float_vars.len() + b);
            let t = ("T", dtype(self.caps[j].dtype));
            nodes.push(op_node(&sum, "AddV2", vec![dc(j), grad], &[t]));
            rets.push((format!("{sum}:z:0"), self.cap_type(j)));
        }
        nodes.push(counter_op("prev_k", "Sub", "one"));
        rets.push(("prev_k:z:0".into(), Type::Of(DType::I32)));
        rets.extend((0..n).map(|i| (format!("pop_{i}:output_handle:0"), Type::Variant)));
        rets.extend(self.other_vars.iter().map(|&i| (dv(i), self.var_type(i))));
        rets.extend((0..m).map(|j| (c(j), self.cap_type(j))));
        let body_b = library.name(self.name, "backward_body");
        library.push(function(&body_b, &vars, &rets, nodes));
        Ok((vars, cond_b, body_b))
    }
}

/// The NodeDefs of `WhileGrad` node `node` whose data inputs are `inputs`
/// (named as `naming` names them, in a graph or a function body) with
/// `specs`; its functions go into `library`.
pub(super) fn node_defs(
    node: &Node,
    op: &WhileGrad,
    inputs: &[String],
    specs: &[TensorSpec],
    naming: &Naming,
    library: &mut Library,
) -> Result<Vec<NodeDef>> {
    let w = node.name.as_str();
    let n = op.vars.len();
    let m = op.body.inputs.len() - n;
    let float = |s: &TensorSpec| s.dtype.is_float();
    let grad = Grad {
        name: w,
        op,
        caps: &specs[n..n + m],
        float_vars: (0..n).filter(|&i| float(&op.vars[i])).collect(),
        other_vars: (0..n).filter(|&i| !float(&op.vars[i])).collect(),
        float_caps: (0..m).filter(|&j| float(&specs[n + j])).collect(),
    };
    let (fwd, cond_f, body_f) = grad.forward(library)?;
    let (bwd, cond_b, body_b) = grad.backward(library)?;

    let (zero, shape) = (format!("{w}/zero"), format!("{w}/element_shape"));
    let mut out = vec![int32(&zero, 0), int32(&shape, -1)];
    let mut fwd_inputs = vec![naming.added(&zero)];
    fwd_inputs.extend(inputs[..n + m].iter().cloned());
    for i in 0..n {
        let list = format!("{w}/list_{i}");
        let attrs = [grad.element(i), ("shape_type", dtype(DType::I32))];
        let sizes = vec![naming.added(&shape); 2];
        out.push(op_node(&list, "EmptyTensorList", sizes, &attrs));
        fwd_inputs.push(naming.output(&list, "handle", 0));
    }
    let forward = format!("{w}/forward");
    out.push(while_node(&forward, &fwd, fwd_inputs, &cond_f, &body_f));

    let dys = &inputs[n + m..];
    let mut bwd_inputs: Vec<String> = grad.float_vars.iter().map(|&i| dys[i].clone()).collect();
    for &j in &grad.float_caps {
        let zeros = format!("{w}/zeros_{j}");
        let t = ("T", dtype(specs[n + j].dtype));
        out.push(op_node(
            &zeros,
            "ZerosLike",
            vec![inputs[n + j].clone()],
            &[t],
        ));
        bwd_inputs.push(naming.output(&zeros, "y", 0));
    }
    let forward_output = |k| naming.output(&forward, "output", k);
    bwd_inputs.push(forward_output(0));
    bwd_inputs.extend((0..n).map(|i| forward_output(1 + n + m + i)));
    bwd_inputs.extend(grad.other_vars.iter().map(|&i| dys[i].clone()));
    bwd_inputs.extend(inputs[n..n + m].iter().cloned());
    out.push(while_node(w, &bwd, bwd_inputs, &cond_b, &body_b));
    for def in &mut out {
        def.device = node.device.clone();
    }
    Ok(out)
}
