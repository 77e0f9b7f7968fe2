//! `cond`, `case` and `while_loop` in GraphDefs: export as TF2's `If` and
//! `While` with their functions in the library, import of what we export
//! and of TensorFlow's own control flow v2 graphs
//! (`tools/check_graph_interop.py`).

// `&[x.clone()]` mirrors TensorFlow's list arguments; `from_ref` would not.
#![allow(clippy::cloned_ref_to_slice_refs)]

use ferroflow_core::control_flow::{case, cond, while_loop, Branch};
use ferroflow_core::gradients::gradients;
use ferroflow_core::graph::{Graph, Output};
use ferroflow_core::prelude::*;
use ferroflow_core::session::Session;
use ferroflow_io::proto::{attr_value::Value, GraphDef, NodeDef};
use prost::Message;
use std::path::{Path, PathBuf};

const XS: [[f32; 2]; 2] = [[1.0, 2.0], [-3.0, 0.5]];

/// `cond(sum(x) > 0, x * w, x² - w)`, a loop `v = v * x + w` three times,
/// a three-way `case`, and the gradient of the `cond` (an `If` of the
/// branches' gradients): the model of TF's fixture, plus a gradient.
fn model(g: &Graph) -> (Output, Vec<Output>) {
    let x = g.placeholder(DType::F32, [Some(2)], "x").unwrap();
    let w = g.constant(Tensor::from([1.5f32, -2.0]), "w").unwrap();
    let zero = g.constant(0.0f32, "zero").unwrap();
    let pred = x.reduce_sum(0, false).unwrap().greater(&zero).unwrap();
    let y = cond(
        &pred,
        &[x.clone()],
        |v| Ok(vec![v[0].mul(&w)?]),
        |v| Ok(vec![v[0].square()?.sub(&w)?]),
    )
    .unwrap();
    let i0 = g.constant(0i32, "i0").unwrap();
    let three = g.constant(3i32, "three").unwrap();
    let one = g.constant(1i32, "one").unwrap();
    let z = while_loop(
        |v: &[Output]| v[0].less(&three),
        |v: &[Output]| Ok(vec![v[0].add(&one)?, v[1].mul(&x)?.add(&w)?]),
        &[i0, x.clone()],
    )
    .unwrap();
    let first = x.index(&[Idx::At(0)]).unwrap();
    let second = x.index(&[Idx::At(1)]).unwrap();
    let limit = g.constant(1.0f32, "limit").unwrap();
    let plus: Branch<Output> = Box::new(|v| Ok(vec![v[0].add(&v[0].ones_like()?)?]));
    let times: Branch<Output> = Box::new(|v| Ok(vec![v[0].add(&v[0])?.add(&v[0])?]));
    let pairs = vec![
        (first.greater(&limit).unwrap(), plus),
        (second.greater(&limit).unwrap(), times),
    ];
    let c = case(pairs, Box::new(|v| Ok(vec![v[0].neg()?])), &[x.clone()]).unwrap();
    let total = y[0].reduce_sum(0, false).unwrap();
    let dx = gradients(&[&total], &[&x], None).unwrap()[0]
        .clone()
        .unwrap();
    (x, vec![y[0].clone(), z[1].clone(), c[0].clone(), dx])
}

fn run(g: &Graph, x: &Output, outs: &[Output], value: [f32; 2]) -> Vec<Tensor> {
    let fetches: Vec<&Output> = outs.iter().collect();
    Session::new(g)
        .run(&fetches, &[(x, Tensor::from(value))])
        .unwrap()
}

fn node<'a>(def: &'a GraphDef, name: &str) -> &'a NodeDef {
    def.node.iter().find(|n| n.name == name).unwrap()
}

fn func_name(node: &NodeDef, key: &str) -> String {
    match node.attr[key].value.as_ref() {
        Some(Value::Func(f)) => f.name.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

#[test]
fn cond_and_while_export_as_if_and_while_with_functions() {
    let g = Graph::new();
    let (_, outs) = model(&g);
    let def = g.to_graph_def().unwrap();
    let library = def.library.as_ref().unwrap();
    let function = |name: &str| {
        library
            .function
            .iter()
            .find(|f| f.signature.as_ref().unwrap().name == name)
            .unwrap()
    };
    let cond = node(&def, &outs[0].op().name());
    assert_eq!(cond.op, "If");
    // Each branch's captures are inputs of both branches.
    assert_eq!(cond.input, ["Greater", "x", "w", "w"]);
    let then_branch = function(&func_name(cond, "then_branch"));
    let sig = then_branch.signature.as_ref().unwrap();
    let args: Vec<&str> = sig.input_arg.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(args, ["placeholder", "placeholder_1", "placeholder_2"]);
    let mul = &then_branch.node_def[0];
    assert_eq!(
        (mul.op.as_str(), &mul.input[..]),
        (
            "Mul",
            &["placeholder".to_string(), "placeholder_1".into()][..]
        )
    );
    assert_eq!(then_branch.ret["output_0"], "Mul:z:0");
    // The else branch reads a body node's output by its TF output name.
    let else_branch = function(&func_name(cond, "else_branch"));
    let sub = else_branch.node_def.iter().find(|n| n.op == "Sub").unwrap();
    assert_eq!(sub.input[0], "Square:y:0");

    let while_node = node(&def, &outs[1].op().name());
    assert_eq!(while_node.op, "While");
    // Loop variables, then captures (`x` is both).
    assert_eq!(while_node.input, ["i0", "x", "three", "one", "x", "w"]);
    match while_node.attr["T"].value.as_ref() {
        Some(Value::List(l)) => assert_eq!(l.r#type, [3, 1, 3, 3, 1, 1]),
        other => panic!("{other:?}"),
    }
    // The body returns the captured tensors unchanged, as TF's While needs.
    let body = function(&func_name(while_node, "body"));
    assert_eq!(body.signature.as_ref().unwrap().output_arg.len(), 6);
    let ret = |k: usize| body.ret[&format!("output_{k}")].clone();
    let arg = |k: usize| body.signature.as_ref().unwrap().input_arg[k].name.clone();
    for k in 2..6 {
        assert_eq!(ret(k), arg(k));
    }
}

#[test]
fn exported_control_flow_imports_and_runs_to_same_numbers() {
    let g = Graph::new();
    let (x, outs) = model(&g);
    let bytes = g.to_graph_def().unwrap().encode_to_vec();
    let copy = Graph::new();
    copy.import_graph_def(&GraphDef::decode(bytes.as_slice()).unwrap())
        .unwrap();
    let x2 = copy.get_tensor_by_name("x:0").unwrap();
    let outs2: Vec<Output> = outs
        .iter()
        .map(|o| copy.get_tensor_by_name(&o.name()).unwrap())
        .collect();
    for value in XS {
        assert_eq!(run(&copy, &x2, &outs2, value), run(&g, &x, &outs, value));
    }
    // A second export of the imported graph gives the same node names.
    let names = |d: &GraphDef| d.node.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    let again = copy.to_graph_def().unwrap();
    assert_eq!(names(&again), names(&g.to_graph_def().unwrap()));
}

/// `x * w` iterated while below 10, and the loop's gradient with respect
/// to `x` and the captured `w`.
fn while_grad_model(g: &Graph) -> (Output, Vec<Output>) {
    let x = g.placeholder(DType::F32, [], "x").unwrap();
    let w = g.placeholder(DType::F32, [], "w").unwrap();
    let ten = g.constant(10.0f32, "ten").unwrap();
    let y = while_loop(
        |v: &[Output]| v[0].abs()?.less(&ten),
        |v: &[Output]| Ok(vec![v[0].mul(&w)?]),
        &[x.clone()],
    )
    .unwrap();
    let grads = gradients(&[&y[0]], &[&x, &w], None).unwrap();
    let mut outs = vec![y[0].clone()];
    outs.extend(grads.into_iter().map(Option::unwrap));
    (x, outs)
}

/// A `while_loop`'s gradient (`WhileGrad`) exports as two TF `While`
/// loops over tensor lists, which import back (tensor-list ops, calls of
/// the body and its gradient by function name) and run to the same
/// numbers.
#[test]
fn while_loop_gradients_export_as_tensor_list_loops_and_import_back() {
    let g = Graph::new();
    let (x, outs) = while_grad_model(&g);
    let w = g.get_tensor_by_name("w:0").unwrap();
    let def = g.to_graph_def().unwrap();
    let grad = node(&def, &outs[1].op().name());
    assert_eq!(grad.op, "While");
    let forward = node(&def, &format!("{}/forward", grad.name));
    assert_eq!(forward.op, "While");
    assert!(def.node.iter().any(|n| n.op == "EmptyTensorList"));

    let copy = Graph::new();
    let bytes = def.encode_to_vec();
    copy.import_graph_def(&GraphDef::decode(bytes.as_slice()).unwrap())
        .unwrap();
    // The imported loops (tensor lists, function calls) export and import
    // again.
    let copy = {
        let again = Graph::new();
        again
            .import_graph_def(&copy.to_graph_def().unwrap())
            .unwrap();
        again
    };
    let x2 = copy.get_tensor_by_name("x:0").unwrap();
    let w2 = copy.get_tensor_by_name("w:0").unwrap();
    let outs2: Vec<Output> = outs
        .iter()
        .map(|o| copy.get_tensor_by_name(&o.name()).unwrap())
        .collect();
    let fetch = |g: &Graph, x: &Output, w: &Output, outs: &[Output], xv: f32, wv: f32| {
        let fetches: Vec<&Output> = outs.iter().collect();
        let feeds = [(x, Tensor::scalar(xv)), (w, Tensor::scalar(wv))];
        Session::new(g).run(&fetches, &feeds).unwrap()
    };
    for (xv, wv) in [(1.5f32, 2.0f32), (-0.5, 3.0), (20.0, 2.0)] {
        let want = fetch(&g, &x, &w, &outs, xv, wv);
        let got = fetch(&copy, &x2, &w2, &outs2, xv, wv);
        assert_eq!(got, want, "x={xv} w={wv}");
    }
}

/// Tensor lists check what they hold: popping an empty list and pushing a
/// tensor of another dtype are errors in TensorFlow's words.
#[test]
fn tensor_list_errors() {
    use ferroflow_core::ops::{EmptyTensorList, TensorListPopBack, TensorListPushBack};
    let g = Graph::new();
    let any = g.constant(Tensor::scalar(-1i32), "any").unwrap();
    let f32_list = EmptyTensorList {
        element_dtype: DType::F32,
    };
    let list = g.add_op1(f32_list, &[&any, &any], None).unwrap();
    let push = TensorListPushBack {
        element_dtype: DType::F32,
    };
    let err = g.add_op1(push, &[&list, &any], None).unwrap_err();
    assert!(err.to_string().contains("list elements float32"), "{err}");
    let pop = TensorListPopBack {
        element_dtype: DType::F32,
    };
    let popped = g.add_op(std::sync::Arc::new(pop), &[&list, &any], None);
    let err = Session::new(&g).run(&[&popped.unwrap()[1]], &[]);
    let err = err.unwrap_err().to_string();
    assert!(err.contains("Trying to pop from an empty list."), "{err}");
}

/// A reserved list reads its unset elements as zeros of the element
/// shape; an index out of range is an error.
#[test]
fn reserved_tensor_list_reads_zeros_and_checks_indices() {
    use ferroflow_core::ops::{TensorListReserve, TensorListSetItem, TensorListStack};
    let g = Graph::new();
    let shape = g.constant(Tensor::from([2i32]), "shape").unwrap();
    let three = g.constant(Tensor::scalar(3i32), "three").unwrap();
    let dtype = DType::F32;
    let reserve = TensorListReserve {
        element_dtype: dtype,
    };
    let list = g.add_op1(reserve, &[&shape, &three], None).unwrap();
    let set = |at: i32, name: &str| {
        let i = g.constant(Tensor::scalar(at), name).unwrap();
        let item = g.constant(Tensor::from([1.0f32, 2.0]), "item").unwrap();
        let op = TensorListSetItem {
            element_dtype: dtype,
        };
        g.add_op1(op, &[&list, &i, &item], None).unwrap()
    };
    let stack = |list: &Output| {
        let op = TensorListStack {
            element_dtype: dtype,
        };
        g.add_op1(op, &[list, &shape], None).unwrap()
    };
    let stacked = stack(&set(1, "one"));
    let out = Session::new(&g).run(&[&stacked], &[]).unwrap();
    assert_eq!(
        out[0],
        Tensor::from([[0.0f32, 0.0], [1.0, 2.0], [0.0, 0.0]])
    );
    let err = Session::new(&g).run(&[&stack(&set(3, "three_1"))], &[]);
    let err = err.unwrap_err().to_string();
    assert!(err.contains("element 3 in a list with 3 elements"), "{err}");
}

/// The gradient of a loop with an int32 counter and a captured tensor
/// (`v = v * x + w` three times) round-trips too.
#[test]
fn while_loop_gradient_with_int_counter_round_trips() {
    let g = Graph::new();
    let (x, outs) = model(&g);
    let total = outs[1].reduce_sum(0, false).unwrap();
    let dx = gradients(&[&total], &[&x], None).unwrap()[0]
        .clone()
        .unwrap();
    let copy = Graph::new();
    copy.import_graph_def(&g.to_graph_def().unwrap()).unwrap();
    let x2 = copy.get_tensor_by_name("x:0").unwrap();
    let dx2 = copy.get_tensor_by_name(&dx.name()).unwrap();
    for value in XS {
        assert_eq!(
            run(&copy, &x2, &[dx2.clone()], value),
            run(&g, &x, &[dx.clone()], value)
        );
    }
}

/// The gradient of a `cond` whose true branch runs a `while_loop`
/// (`v = v * w` while `sum(|v|) < 10`): its gradient function holds a
/// `WhileGrad`, which exports inside the branch's function.
fn grad_of_loop_in_cond(g: &Graph, x: &Output) -> Output {
    let w = g.get_tensor_by_name("w:0").unwrap();
    let ten = g.constant(10.0f32, "ten").unwrap();
    let zero = g.constant(0.0f32, "zero_1").unwrap();
    let pred = x.reduce_sum(0, false).unwrap().greater(&zero).unwrap();
    let looped = |v: &[Output]| {
        while_loop(
            |u: &[Output]| u[0].abs()?.reduce_sum(0, false)?.less(&ten),
            |u: &[Output]| Ok(vec![u[0].mul(&w)?]),
            &[v[0].clone()],
        )
    };
    let y = cond(&pred, &[x.clone()], looped, |v| Ok(vec![v[0].square()?])).unwrap();
    let total = y[0].reduce_sum(0, false).unwrap();
    gradients(&[&total], &[x], None).unwrap()[0]
        .clone()
        .unwrap()
}

/// The gradient of a `while_loop` (twice) whose body runs another
/// (`v = v * w` while `sum(|v|) < 4`, then `v + 1`): the outer loop's
/// gradient body holds the inner loop's `WhileGrad`.
fn grad_of_loop_in_loop(g: &Graph, x: &Output) -> Output {
    let w = g.get_tensor_by_name("w:0").unwrap();
    let four = g.constant(4.0f32, "four").unwrap();
    let two = g.constant(2i32, "two").unwrap();
    let k0 = g.constant(0i32, "k0").unwrap();
    let inner = |v: &Output| {
        while_loop(
            |u: &[Output]| u[0].abs()?.reduce_sum(0, false)?.less(&four),
            |u: &[Output]| Ok(vec![u[0].mul(&w)?]),
            std::slice::from_ref(v),
        )
    };
    let y = while_loop(
        |u: &[Output]| u[0].less(&two),
        |u: &[Output]| {
            let v = inner(&u[1])?.remove(0);
            Ok(vec![u[0].add(&u[0].ones_like()?)?, v.add(&v.ones_like()?)?])
        },
        &[k0, x.clone()],
    )
    .unwrap();
    let total = y[1].reduce_sum(0, false).unwrap();
    gradients(&[&total], &[x], None).unwrap()[0]
        .clone()
        .unwrap()
}

/// A `while_loop` gradient inside a `while_loop`'s gradient body exports
/// and imports back to the same numbers.
#[test]
fn while_loop_gradient_inside_while_loop_round_trips() {
    let g = Graph::new();
    let (x, _) = model(&g);
    let dx = grad_of_loop_in_loop(&g, &x);
    let copy = Graph::new();
    copy.import_graph_def(&g.to_graph_def().unwrap()).unwrap();
    let x2 = copy.get_tensor_by_name("x:0").unwrap();
    let dx2 = copy.get_tensor_by_name(&dx.name()).unwrap();
    for value in XS {
        let want = run(&g, &x, &[dx.clone()], value);
        assert_eq!(run(&copy, &x2, &[dx2.clone()], value), want);
    }
    // TensorFlow's values for the exported graph
    // (`tools/check_graph_interop.py --check`): `v` is multiplied by `w`
    // once for x = [1, 2] and twice for x = [-3, 0.5].
    let grads = |value| run(&copy, &x2, &[dx2.clone()], value)[0].to_vec::<f32>();
    assert_eq!(grads(XS[0]).unwrap(), [1.5, -2.0]);
    assert_eq!(grads(XS[1]).unwrap(), [2.25, 4.0]);
}

/// A `while_loop` gradient inside a `cond`'s gradient function exports
/// (its tensor-list loops inside the function) and imports back to the
/// same numbers.
#[test]
fn while_loop_gradient_inside_cond_round_trips() {
    let g = Graph::new();
    let (x, _) = model(&g);
    let dx = grad_of_loop_in_cond(&g, &x);
    let def = g.to_graph_def().unwrap();
    let library = def.library.as_ref().unwrap();
    let in_function =
        |op: &str| (library.function.iter()).any(|f| f.node_def.iter().any(|n| n.op == op));
    assert!(in_function("EmptyTensorList") && in_function("While"));
    let copy = Graph::new();
    copy.import_graph_def(&def).unwrap();
    let x2 = copy.get_tensor_by_name("x:0").unwrap();
    let dx2 = copy.get_tensor_by_name(&dx.name()).unwrap();
    for value in XS {
        let want = run(&g, &x, &[dx.clone()], value);
        assert_eq!(run(&copy, &x2, &[dx2.clone()], value), want);
    }
    // x = [1, 2]: the loop runs twice, so d sum(x * w * w) / dx = w².
    let want = run(&g, &x, &[dx], XS[0]);
    assert_eq!(want[0].to_vec::<f32>().unwrap(), [2.25, 4.0]);
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/saved_graphs")
}

fn f32s(v: &serde_json::Value) -> Vec<f32> {
    let values = v.as_array().unwrap();
    values.iter().map(|v| v.as_f64().unwrap() as f32).collect()
}

/// TF 2.21's `tf.cond`, `tf.while_loop` and `tf.case` in a graph (control
/// flow v2: `StatelessIf`, `StatelessWhile`, nested functions) import and
/// compute TensorFlow's numbers.
#[test]
fn tf_control_flow_v2_graph_imports_and_runs() {
    let bytes = std::fs::read(fixtures().join("tf_control_flow.pb")).unwrap();
    let json = std::fs::read(fixtures().join("tf_control_flow.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let g = Graph::new();
    g.import_graph_def(&GraphDef::decode(bytes.as_slice()).unwrap())
        .unwrap();
    let x = g.get_tensor_by_name("x:0").unwrap();
    let outs: Vec<Output> = expected["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| g.get_tensor_by_name(n.as_str().unwrap()).unwrap())
        .collect();
    for run_ in expected["runs"].as_object().unwrap().values() {
        let xv = f32s(&run_["x"]);
        let got = run(&g, &x, &outs, [xv[0], xv[1]]);
        let want = run_["outputs"].as_array().unwrap();
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.to_vec::<f32>().unwrap(), f32s(w));
        }
    }
}

/// TF 2.21's own gradient of a v2 `while_loop` (forward and backward
/// `StatelessWhile` loops over tensor lists, `AddN`) imports and computes
/// TensorFlow's numbers.
#[test]
fn tf_while_loop_gradient_graph_imports_and_runs() {
    let (g, expected, outs) = tf_fixture("tf_while_grad");
    let (x, w) = (tensor(&g, "x:0"), tensor(&g, "w:0"));
    let fetches: Vec<&Output> = outs.iter().collect();
    for run_ in expected["runs"].as_array().unwrap() {
        let value = |key: &str| Tensor::scalar(run_[key].as_f64().unwrap() as f32);
        let feeds = [(&x, value("x")), (&w, value("w"))];
        let got = Session::new(&g).run(&fetches, &feeds).unwrap();
        let got: Vec<f32> = got.iter().map(|t| t.to_scalar::<f32>().unwrap()).collect();
        assert_eq!(got, f32s(&run_["outputs"]));
    }
}

/// A `tf.function` called in a TF 2.21 graph (`PartitionedCall`) and its
/// gradient (a call of TF's gradient function) import and compute
/// TensorFlow's numbers.
#[test]
fn tf_function_call_graph_imports_and_runs() {
    assert_tf_values("tf_call");
}

/// TF 2.21's `tf.map_fn` and a `tf.TensorArray` written in a `while_loop`
/// (tensor lists: reserve, set, get, stack, from tensor, length) and a
/// gradient through both import and compute TensorFlow's numbers.
#[test]
fn tf_tensor_array_graph_imports_and_runs() {
    assert_tf_values("tf_tensor_array");
}

/// The graph `stem.pb` (made by `tools/check_graph_interop.py`) imported,
/// with its JSON and the tensors its `outputs` name.
fn tf_fixture(stem: &str) -> (Graph, serde_json::Value, Vec<Output>) {
    let bytes = std::fs::read(fixtures().join(format!("{stem}.pb"))).unwrap();
    let json = std::fs::read(fixtures().join(format!("{stem}.json"))).unwrap();
    let expected: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let g = Graph::new();
    g.import_graph_def(&GraphDef::decode(bytes.as_slice()).unwrap())
        .unwrap();
    let outs = (expected["outputs"].as_array().unwrap().iter())
        .map(|n| tensor(&g, n.as_str().unwrap()))
        .collect();
    (g, expected, outs)
}

fn tensor(g: &Graph, name: &str) -> Output {
    g.get_tensor_by_name(name).unwrap()
}

/// Fixture `stem`'s outputs, run on its `x`, are TensorFlow's `values`.
fn assert_tf_values(stem: &str) {
    let (g, expected, outs) = tf_fixture(stem);
    let xv = f32s(&expected["x"]);
    let xv = Tensor::from_vec(xv.clone(), [xv.len()]).unwrap();
    let fetches: Vec<&Output> = outs.iter().collect();
    let got = Session::new(&g)
        .run(&fetches, &[(&tensor(&g, "x:0"), xv)])
        .unwrap();
    for (g, w) in got.iter().zip(expected["values"].as_array().unwrap()) {
        assert_eq!(g.to_vec::<f32>().unwrap(), f32s(w));
    }
}

#[test]
fn unknown_op_in_a_function_is_an_error_naming_it_and_the_function() {
    let bytes = std::fs::read(fixtures().join("tf_control_flow.pb")).unwrap();
    let mut def = GraphDef::decode(bytes.as_slice()).unwrap();
    let library = def.library.as_mut().unwrap();
    let f = library
        .function
        .iter_mut()
        .find(|f| f.node_def.iter().any(|n| n.op == "Square"))
        .unwrap();
    let name = f.signature.as_ref().unwrap().name.clone();
    for n in &mut f.node_def {
        if n.op == "Square" {
            n.op = "FancySquare".into();
        }
    }
    let err = Graph::new().import_graph_def(&def).unwrap_err().to_string();
    assert!(err.contains("FancySquare") && err.contains(&name), "{err}");
}

/// With FERROFLOW_INTEROP_DIR set, writes the model's GraphDef and values
/// for `tools/check_graph_interop.py --check DIR`, which runs it in
/// TensorFlow.
#[test]
fn export_control_flow_for_tensorflow() {
    let Ok(dir) = std::env::var("FERROFLOW_INTEROP_DIR") else {
        return;
    };
    let g = Graph::new();
    let (x, mut outs) = model(&g);
    // The gradient of the loop with respect to `x` (a loop variable and
    // captured) and the captured `w` (`WhileGrad`).
    let z = outs[1].reduce_sum(0, false).unwrap();
    let w = g.get_tensor_by_name("w:0").unwrap();
    outs.extend(
        gradients(&[&z], &[&x, &w], None)
            .unwrap()
            .into_iter()
            .map(Option::unwrap),
    );
    outs.push(grad_of_loop_in_cond(&g, &x));
    outs.push(grad_of_loop_in_loop(&g, &x));
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let def = g.to_graph_def().unwrap();
    std::fs::write(dir.join("control_flow.pb"), def.encode_to_vec()).unwrap();
    let runs: Vec<serde_json::Value> = XS
        .iter()
        .map(|&value| {
            let got = run(&g, &x, &outs, value);
            let got: Vec<Vec<f64>> = got.iter().map(|t| t.to_f64_vec().unwrap()).collect();
            serde_json::json!({"x": value, "outputs": got})
        })
        .collect();
    let names: Vec<String> = outs.iter().map(|o| o.name()).collect();
    let json = serde_json::json!({"outputs": names, "runs": runs});
    std::fs::write(dir.join("control_flow.json"), json.to_string()).unwrap();
}
