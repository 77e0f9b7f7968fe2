//! The seeds' per-session variables: each session keeps its own copy of
//! `W`, so the two sessions' updates never mix.
//!
//! Run with `cargo run --release --example two_sessions`; prints 20, 8, 120, -42.

use ferroflow as tf;
use tf::graph::Graph;
use tf::session::Session;

fn main() -> tf::Result<()> {
    let g = Graph::new();
    let w = g.variable(tf::constant(10i32), "W", true)?;

    let sess1 = Session::new(&g);
    let sess2 = Session::new(&g);
    sess1.run_targets(&[w.initializer()], &[], &[])?;
    sess2.run_targets(&[w.initializer()], &[], &[])?;

    let add = |n: i32| w.assign_add(&g.constant(n, "Const")?);
    let sub = |n: i32| w.assign_sub(&g.constant(n, "Const")?);
    let show = |sess: &Session, op: tf::graph::Output| -> tf::Result<()> {
        println!("{}", sess.run(&[&op], &[])?[0].to_scalar::<i32>()?);
        Ok(())
    };
    show(&sess1, add(10)?)?; // >> 20
    show(&sess2, sub(2)?)?; // >> 8
    show(&sess1, add(100)?)?; // >> 120
    show(&sess2, sub(50)?)?; // >> -42
    Ok(())
}
