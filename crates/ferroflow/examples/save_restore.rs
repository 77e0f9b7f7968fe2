//! The seeds' save/restore flow: train a small graph, save its variables and
//! meta graph with a `Saver`; later, in a new process, `import_meta_graph`,
//! `restore` and predict with tensors found by name and collection.
//!
//! ```sh
//! cargo run --release --example save_restore -- --dir /tmp/ff_model            # trains, saves, predicts
//! cargo run --release --example save_restore -- --dir /tmp/ff_model --restore  # same predictions
//! ```

use ferroflow as tf;
use ferroflow_core::graph_def::import_meta_graph;
use ferroflow_core::saver::{latest_checkpoint, Saver};
use tf::graph::{CollectionItem, Graph, Output};
use tf::prelude::*;
use tf::session::Session;
use tf::train::{GradientDescent, Optimizer};

/// The points predicted after training or restoring.
fn inputs() -> Tensor {
    tf::constant([5.0f32, -1.5, 10.0])
}

fn train_and_save(dir: &str) -> tf::Result<Tensor> {
    let g = Graph::new();
    let w = g.variable(tf::constant([0.3f32]), "W", true)?;
    let b = g.variable(tf::constant([-0.3f32]), "b", true)?;
    let x = g.placeholder(DType::F32, [None], "x")?;
    let prediction = w.value().mul(&x)?.add(b.value())?;
    g.add_to_collection("prediction", prediction.clone());
    let y = g.placeholder(DType::F32, [None], "y")?;
    let loss = prediction.sub(&y)?.square()?.reduce_sum(Axes::All, false)?;
    let train = GradientDescent::new(0.01)
        .graph()
        .minimize(&loss, None, None)?;

    let feeds = [
        (&x, tf::constant([1.0f32, 2.0, 3.0, 4.0])),
        (&y, tf::constant([0.0f32, -1.0, -2.0, -3.0])),
    ];
    let sess = Session::new(&g);
    sess.run_targets(&[&g.global_variables_initializer()?], &[], &[])?;
    for _ in 0..1000 {
        sess.run_targets(&[&train], &[], &feeds)?;
    }
    let saver = Saver::new(&g, None, 5, 10000.0)?;
    let path = saver.save(&sess, format!("{dir}/model.ckpt"), Some(1000))?;
    println!("saved {}", path.display());
    predict(&sess, &x, &prediction)
}

fn restore_and_predict(dir: &str) -> tf::Result<Tensor> {
    let Some(prefix) = latest_checkpoint(dir)? else {
        return Err(tf::Error::invalid(
            "save_restore",
            format!("no checkpoint in {dir}"),
        ));
    };
    let mut meta = prefix.clone().into_os_string();
    meta.push(".meta");
    let (g, saver) = import_meta_graph(&meta)?;
    let sess = Session::new(&g);
    saver.restore(&sess, &prefix)?;
    println!("restored {}", prefix.display());
    let x = g.get_tensor_by_name("x:0")?;
    let CollectionItem::Tensor(prediction) = g.get_collection("prediction", None)[0].clone() else {
        return Err(tf::Error::invalid(
            "save_restore",
            "collection 'prediction' holds no tensor",
        ));
    };
    predict(&sess, &x, &prediction)
}

fn predict(sess: &Session, x: &Output, prediction: &Output) -> tf::Result<Tensor> {
    Ok(sess.run(&[prediction], &[(x, inputs())])?.remove(0))
}

fn main() -> tf::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "/tmp/ff_save_restore".into());
    let out = if args.iter().any(|a| a == "--restore") {
        restore_and_predict(&dir)?
    } else {
        train_and_save(&dir)?
    };
    println!(
        "predictions for [5, -1.5, 10]: {}",
        tf::tensor::format_array(&out)
    );
    Ok(())
}
