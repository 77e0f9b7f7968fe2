//! `GradientTape`: records eager ops on watched tensors and plays them back
//! through each op's gradient rule.
//!
//! ```
//! use ferroflow_core::prelude::*;
//! let x = Tensor::scalar(3.0f32);
//! let tape = GradientTape::new();
//! tape.watch(&x);
//! let y = x.mul(&x).unwrap().mul(&x).unwrap();
//! let dy_dx = tape.gradient(&y, &[&x]).unwrap();
//! assert_eq!(dy_dx[0].as_ref().unwrap().to_scalar::<f32>().unwrap(), 27.0);
//! ```

use crate::ops::{ArrayOps, MathOps};
use crate::{Error, GradArgs, Op, Result};
use ferroflow_tensor::{Tensor, TensorId};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::Arc;

thread_local! {
    /// The tapes alive on this thread, innermost last.
    static ACTIVE: RefCell<Vec<Rc<RefCell<TapeState>>>> = const { RefCell::new(Vec::new()) };
    /// How many tapes are alive: lets `record` return at once when none is.
    static ACTIVE_COUNT: Cell<usize> = const { Cell::new(0) };
}

/// Hashes tensor ids (already unique integers) with one multiplication
/// instead of SipHash: tapes look ids up for every recorded op.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdSet = HashSet<TensorId, BuildHasherDefault<IdHasher>>;
type IdMap<V> = HashMap<TensorId, V, BuildHasherDefault<IdHasher>>;

struct Record {
    op: Arc<dyn Op>,
    inputs: Vec<Tensor>,
    outputs: Vec<Tensor>,
}

struct TapeState {
    watched: IdSet,
    records: Vec<Record>,
    persistent: bool,
    recording: bool,
    watch_accessed_variables: bool,
    used: bool,
}

/// Something a tape can watch and differentiate with respect to: a
/// [`Tensor`] or a [`crate::Variable`].
pub trait Watchable {
    /// The identity the tape tracks.
    fn watch_id(&self) -> TensorId;
    /// True if gradients can flow to it (floating-point dtype).
    fn is_differentiable(&self) -> bool;
}

impl Watchable for Tensor {
    fn watch_id(&self) -> TensorId {
        self.id()
    }
    fn is_differentiable(&self) -> bool {
        self.dtype().is_float()
    }
}

/// Records operations for automatic differentiation, like `tf.GradientTape`.
///
/// A tape records from creation until it is dropped (or, for a
/// non-persistent tape, until `gradient` is called). Trainable variables
/// read while it records are watched automatically; other tensors need
/// [`GradientTape::watch`]. Tapes nest: an outer tape records the gradient
/// computation of an inner one, which gives higher-order derivatives.
pub struct GradientTape {
    state: Rc<RefCell<TapeState>>,
}

impl GradientTape {
    /// A tape that can compute one gradient.
    pub fn new() -> GradientTape {
        GradientTape::with_options(false, true)
    }

    /// A tape whose `gradient` may be called many times.
    pub fn persistent() -> GradientTape {
        GradientTape::with_options(true, true)
    }

    /// A tape with TensorFlow's two options.
    pub fn with_options(persistent: bool, watch_accessed_variables: bool) -> GradientTape {
        let state = Rc::new(RefCell::new(TapeState {
            watched: IdSet::default(),
            records: Vec::new(),
            persistent,
            recording: true,
            watch_accessed_variables,
            used: false,
        }));
        ACTIVE.with(|a| a.borrow_mut().push(state.clone()));
        ACTIVE_COUNT.with(|c| c.set(c.get() + 1));
        GradientTape { state }
    }

    /// Ensures `x` is traced by this tape.
    pub fn watch<W: Watchable + ?Sized>(&self, x: &W) {
        if x.is_differentiable() {
            self.state.borrow_mut().watched.insert(x.watch_id());
        }
    }

    /// Pauses recording until the returned guard is dropped, like
    /// `with tape.stop_recording():`.
    pub fn stop_recording(&self) -> RecordingPause<'_> {
        let was = std::mem::replace(&mut self.state.borrow_mut().recording, false);
        RecordingPause { tape: self, was }
    }

    /// Clears everything recorded so far (watched tensors included).
    pub fn reset(&self) {
        let mut s = self.state.borrow_mut();
        s.records.clear();
        s.watched.clear();
    }

    /// The gradient of `target` with respect to each source. A non-scalar
    /// target is summed first, as TensorFlow does. A source the target does
    /// not depend on, or of an integer dtype, gets `None`.
    pub fn gradient<W: Watchable + ?Sized>(
        &self,
        target: &Tensor,
        sources: &[&W],
    ) -> Result<Vec<Option<Tensor>>> {
        let (records, watched, reached) = {
            let mut s = self.state.borrow_mut();
            if s.used && !s.persistent {
                return Err(Error::FailedPrecondition(
                    "GradientTape.gradient can only be called once on non-persistent tapes.".into(),
                ));
            }
            s.used = true;
            let watched: IdSet = sources
                .iter()
                .map(|x| x.watch_id())
                .filter(|id| s.watched.contains(id))
                .collect();
            let records = if s.persistent {
                s.records
                    .iter()
                    .map(|r| Record {
                        op: r.op.clone(),
                        inputs: r.inputs.clone(),
                        outputs: r.outputs.clone(),
                    })
                    .collect()
            } else {
                s.recording = false;
                std::mem::take(&mut s.records)
            };
            (records, watched, s.watched.clone())
        };
        // The tape stays silent while it plays back; outer tapes record.
        let _pause = self.stop_recording();
        let grads = backprop(&records, &reached, target, sources)?;
        // Sources the tape never watched (a frozen variable) get no gradient.
        Ok(grads
            .into_iter()
            .zip(sources)
            .map(|(g, s)| g.filter(|_| watched.contains(&s.watch_id())))
            .collect())
    }
}

impl Default for GradientTape {
    fn default() -> Self {
        GradientTape::new()
    }
}

impl Drop for GradientTape {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.borrow_mut().retain(|t| !Rc::ptr_eq(t, &self.state)));
        ACTIVE_COUNT.with(|c| c.set(c.get() - 1));
    }
}

/// Restores recording when dropped; see [`GradientTape::stop_recording`].
pub struct RecordingPause<'a> {
    tape: &'a GradientTape,
    was: bool,
}

impl Drop for RecordingPause<'_> {
    fn drop(&mut self) {
        self.tape.state.borrow_mut().recording = self.was;
    }
}

/// Records an eager op on every recording tape that watches one of its
/// floating-point inputs.
pub(crate) fn record(op: &Arc<dyn Op>, inputs: &[&Tensor], outputs: &[Tensor]) {
    if ACTIVE_COUNT.with(|c| c.get()) == 0 {
        return;
    }
    ACTIVE.with(|a| {
        for tape in a.borrow().iter() {
            let mut t = tape.borrow_mut();
            if !t.recording
                || !inputs
                    .iter()
                    .any(|x| x.dtype().is_float() && t.watched.contains(&x.id()))
            {
                continue;
            }
            for o in outputs.iter().filter(|o| o.dtype().is_float()) {
                t.watched.insert(o.id());
            }
            t.records.push(Record {
                op: op.clone(),
                inputs: inputs.iter().map(|&x| x.clone()).collect(),
                outputs: outputs.to_vec(),
            });
        }
    });
}

/// Watches a trainable variable on every recording tape that watches
/// accessed variables (called when a variable is read).
pub(crate) fn watch_variable(id: TensorId) {
    if ACTIVE_COUNT.with(|c| c.get()) == 0 {
        return;
    }
    ACTIVE.with(|a| {
        for tape in a.borrow().iter() {
            let mut t = tape.borrow_mut();
            if t.recording && t.watch_accessed_variables {
                t.watched.insert(id);
            }
        }
    });
}

/// Reverse accumulation over `records` (in creation order, so reversed is a
/// valid order for the chain rule). Only inputs in `watched` (the sources
/// and what was computed from them) get gradients: the others lead to no
/// source, and ops skip their costly gradients (the batch of a first layer).
fn backprop<W: Watchable + ?Sized>(
    records: &[Record],
    watched: &IdSet,
    target: &Tensor,
    sources: &[&W],
) -> Result<Vec<Option<Tensor>>> {
    if !target.dtype().is_float() {
        return Ok(vec![None; sources.len()]);
    }
    let keep: IdSet = sources.iter().map(|s| s.watch_id()).collect();
    let mut grads: IdMap<Tensor> = IdMap::default();
    grads.insert(target.id(), target.ones_like()?);
    for rec in records.iter().rev() {
        let mut any = false;
        let mut out_grads = Vec::with_capacity(rec.outputs.len());
        for o in &rec.outputs {
            let g = if keep.contains(&o.id()) {
                grads.get(&o.id()).cloned()
            } else {
                grads.remove(&o.id())
            };
            any |= g.is_some();
            out_grads.push(g);
        }
        if !any {
            continue;
        }
        let out_grads = out_grads
            .into_iter()
            .zip(&rec.outputs)
            .map(|(g, o)| match g {
                Some(g) => Ok(g),
                None => o.zeros_like(),
            })
            .collect::<Result<Vec<Tensor>>>()?;
        let needed: Vec<bool> = rec
            .inputs
            .iter()
            .map(|x| x.dtype().is_float() && watched.contains(&x.id()))
            .collect();
        let args = GradArgs {
            inputs: &rec.inputs,
            outputs: &rec.outputs,
            grads: &out_grads,
        };
        let in_grads = rec.op.gradient_eager_for(args, &needed)?;
        for ((input, g), needed) in rec.inputs.iter().zip(in_grads).zip(needed) {
            let Some(g) = g.filter(|_| needed) else {
                continue;
            };
            let total = match grads.remove(&input.id()) {
                Some(prev) => prev.add(&g)?,
                None => g,
            };
            grads.insert(input.id(), total);
        }
    }
    Ok(sources
        .iter()
        .map(|s| {
            if s.is_differentiable() {
                grads.get(&s.watch_id()).cloned()
            } else {
                None
            }
        })
        .collect())
}
