//! `Variable`: a named, mutable tensor that eager code, tapes and
//! optimizers share.

use crate::tape::{self, Watchable};
use crate::{fail, Result};
use ferroflow_tensor::kernels::elementwise::zip_map;
use ferroflow_tensor::{with_numeric_type, DType, Shape, Tensor, TensorId};
use std::sync::{Arc, RwLock, RwLockWriteGuard};

struct VariableInner {
    name: String,
    trainable: bool,
    id: TensorId,
    value: RwLock<Tensor>,
}

/// A mutable tensor with a fixed dtype and shape, like `tf.Variable`.
///
/// Clones are handles to the same variable. Reading it while a
/// [`crate::GradientTape`] records watches it automatically (when
/// trainable), and every read is the same source to the tape.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let v = Variable::new(Tensor::from([1.0f32, 2.0]));
/// v.assign_add(&Tensor::from([10.0f32, 10.0])).unwrap();
/// assert_eq!(v.value().to_vec::<f32>().unwrap(), vec![11.0, 12.0]);
/// assert!(v.assign(&Tensor::from([1.0f32])).is_err());
/// ```
#[derive(Clone)]
pub struct Variable {
    inner: Arc<VariableInner>,
}

impl Variable {
    /// A trainable variable named `Variable`.
    pub fn new(initial: Tensor) -> Variable {
        Variable::with_options(initial, "Variable", true)
    }

    /// A variable with a name and a trainable flag.
    pub fn with_options(initial: Tensor, name: &str, trainable: bool) -> Variable {
        Variable {
            inner: Arc::new(VariableInner {
                name: name.to_string(),
                trainable,
                id: TensorId::fresh(),
                value: RwLock::new(initial),
            }),
        }
    }

    /// The variable's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Whether optimizers and tapes see it.
    pub fn trainable(&self) -> bool {
        self.inner.trainable
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.read_raw().dtype()
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.read_raw().shape().clone()
    }

    /// The current value, watched by recording tapes when trainable.
    pub fn value(&self) -> Tensor {
        if self.inner.trainable && self.dtype().is_float() {
            tape::watch_variable(self.inner.id);
        }
        let value = self.read_raw().with_id(self.inner.id);
        crate::trace::read_variable(self, &value);
        value
    }

    /// The current value without involving any tape.
    pub fn read_value(&self) -> Tensor {
        self.read_raw().clone()
    }

    fn read_raw(&self) -> Tensor {
        // A poisoned lock only means a writer panicked mid-assignment; the
        // stored tensor is still a whole value, so keep serving it.
        self.inner
            .value
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The stored value under the variable's write lock, for an in-place
    /// update such as an optimizer's fused step. The update must keep the
    /// dtype and shape and write through [`Tensor::make_mut`]
    /// (copy-on-write): a value read before keeps its numbers, and the new
    /// value gets a fresh identity, as after [`Variable::assign`].
    pub(crate) fn value_mut(&self) -> RwLockWriteGuard<'_, Tensor> {
        self.inner.value.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the value; dtype and shape must match.
    pub fn assign(&self, value: &Tensor) -> Result<()> {
        let current = self.read_raw();
        if value.dtype() != current.dtype() || value.shape() != current.shape() {
            fail!(
                "AssignVariableOp",
                "cannot assign a {} tensor of shape {} to variable '{}' of dtype {} and shape {}",
                value.dtype(),
                value.shape(),
                self.name(),
                current.dtype(),
                current.shape()
            );
        }
        *self.value_mut() = value.with_id(TensorId::fresh());
        Ok(())
    }

    /// Adds `delta` in place, like `assign_add`.
    pub fn assign_add(&self, delta: &Tensor) -> Result<()> {
        self.update("AssignAddVariableOp", delta, false)
    }

    /// Subtracts `delta` in place, like `assign_sub`.
    pub fn assign_sub(&self, delta: &Tensor) -> Result<()> {
        self.update("AssignSubVariableOp", delta, true)
    }

    fn update(&self, op: &str, delta: &Tensor, subtract: bool) -> Result<()> {
        let current = self.read_raw();
        if delta.dtype() != current.dtype() {
            fail!(
                op,
                "variable '{}' has dtype {}, got a {} delta",
                self.name(),
                current.dtype(),
                delta.dtype()
            );
        }
        let next = with_numeric_type!(current.dtype(),
            T => if subtract {
                zip_map::<T, T>(op, &current, delta, |a, b| a - b)?
            } else {
                zip_map::<T, T>(op, &current, delta, |a, b| a + b)?
            },
            _ => fail!(op, "variable '{}' of dtype {} cannot be updated arithmetically", self.name(), current.dtype())
        );
        self.assign(&next)
    }
}

impl Watchable for Variable {
    fn watch_id(&self) -> TensorId {
        self.inner.id
    }
    fn is_differentiable(&self) -> bool {
        self.dtype().is_float()
    }
}

impl std::fmt::Debug for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.read_raw();
        write!(
            f,
            "<tf.Variable '{}:0' shape={} dtype={}, numpy={}>",
            self.name(),
            v.shape().to_tuple_string(),
            v.dtype(),
            ferroflow_tensor::format_array(&v)
        )
    }
}
