//! Scopes that shape how nodes are created: name scopes, variable scopes
//! (with reuse), control dependencies and devices. Each is a guard: the
//! scope ends when the guard is dropped, like leaving a Python `with`.

use super::{Graph, Operation};
use crate::{fail, Result};

/// Guard of [`Graph::name_scope`].
pub struct NameScope {
    graph: Graph,
    previous: String,
    /// The scope's prefix, with its trailing slash (`layer_1/`).
    pub name: String,
}

impl Drop for NameScope {
    fn drop(&mut self) {
        self.graph.lock().name_stack = std::mem::take(&mut self.previous);
    }
}

/// Whether `get_variable` may create or must reuse variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// Inherit from the enclosing scope (creating at the top level).
    Inherit,
    /// `reuse=True`: variables must already exist.
    Reuse,
    /// `reuse=tf.AUTO_REUSE`: create if missing, else reuse.
    AutoReuse,
}

pub(crate) struct VarScopeFrame {
    /// The full variable-scope prefix without trailing slash (`outer/vs`).
    pub(crate) name: String,
    pub(crate) reuse: Reuse,
}

/// Guard of [`Graph::variable_scope`]; it also holds the name scope opened
/// for ops created inside.
pub struct VariableScope {
    graph: Graph,
    _names: NameScope,
    /// The variable scope's full name (`outer/vs`).
    pub name: String,
}

impl Drop for VariableScope {
    fn drop(&mut self) {
        let mut g = self.graph.lock();
        g.var_scopes.pop();
        // Leaving a scope forgets which subscopes were opened inside it, so
        // default names restart there (TensorFlow's close_variable_subscopes).
        let inside = format!("{}/", self.name);
        g.opened_var_scopes.retain(|k| !k.starts_with(&inside));
    }
}

/// Guard of [`Graph::control_dependencies`].
pub struct ControlDependencies {
    graph: Graph,
}

impl Drop for ControlDependencies {
    fn drop(&mut self) {
        self.graph.lock().control_stack.pop();
    }
}

/// Guard of [`Graph::device`].
pub struct DeviceScope {
    graph: Graph,
}

impl Drop for DeviceScope {
    fn drop(&mut self) {
        self.graph.lock().device_stack.pop();
    }
}

impl Graph {
    /// Opens a name scope, like `tf.name_scope(name)`: nodes created while
    /// the guard lives get the prefix `name/`. Entering the same name again
    /// opens `name_1/`; a name ending in `/` re-enters that exact scope; an
    /// empty name returns to the top level.
    ///
    /// ```
    /// use ferroflow_core::graph::Graph;
    /// let g = Graph::new();
    /// {
    ///     let _s = g.name_scope("layer_1");
    ///     assert_eq!(g.constant(1.0f32, "w").unwrap().name(), "layer_1/w:0");
    /// }
    /// let s = g.name_scope("layer_1");
    /// assert_eq!(s.name, "layer_1_1/");
    /// ```
    pub fn name_scope(&self, name: &str) -> NameScope {
        let mut g = self.lock();
        let new = if name.is_empty() {
            String::new()
        } else if name.ends_with('/') {
            name.to_string()
        } else {
            let full = format!("{}{name}", g.name_stack);
            format!("{}/", g.names.unique(&full))
        };
        let previous = std::mem::replace(&mut g.name_stack, new.clone());
        NameScope {
            graph: self.clone(),
            previous,
            name: new,
        }
    }

    /// The current name-scope prefix (`layer_1/`, or empty).
    pub fn current_name_scope(&self) -> String {
        self.lock().name_stack.clone()
    }

    /// Opens a variable scope, like `tf.variable_scope(name, reuse=...)`:
    /// `get_variable` names variables `name/…` and follows `reuse`; ops
    /// created inside get a name scope (`name/`, or `name_1/` when the
    /// scope is entered again).
    pub fn variable_scope(&self, name: &str, reuse: Reuse) -> VariableScope {
        // The op name scope is uniquified on its own: re-entering "vs"
        // names ops under "vs_1/" while get_variable still uses "vs/".
        let names = self.name_scope(name);
        self.enter_variable_scope(name, reuse, names)
    }

    /// Opens a variable scope named after `default_name`, like
    /// `tf.variable_scope(None, default_name=...)` (how `tf.layers` name
    /// their variables): the first unused of `default_name`,
    /// `default_name_1`, … among the variable scopes opened in the current
    /// one; ops go under the name scope `default_name/` (uniquified among
    /// op names on its own).
    ///
    /// ```
    /// use ferroflow_core::graph::{Graph, Reuse};
    /// let g = Graph::new();
    /// let a = g.variable_scope_default("dense", Reuse::Inherit).name.clone();
    /// let b = g.variable_scope_default("dense", Reuse::Inherit).name.clone();
    /// assert_eq!((a.as_str(), b.as_str()), ("dense", "dense_1"));
    /// ```
    pub fn variable_scope_default(&self, default_name: &str, reuse: Reuse) -> VariableScope {
        let names = self.name_scope(default_name);
        let unique = {
            let g = self.lock();
            let prefix = match g.var_scopes.last() {
                Some(p) => format!("{}/", p.name),
                None => String::new(),
            };
            let used = |name: &str| g.opened_var_scopes.contains(&format!("{prefix}{name}"));
            let mut unique = default_name.to_string();
            let mut k = 1;
            while used(&unique) {
                unique = format!("{default_name}_{k}");
                k += 1;
            }
            unique
        };
        self.enter_variable_scope(&unique, reuse, names)
    }

    /// Pushes variable scope `name` (relative to the current one), marked
    /// as opened, with the op name scope `names` already entered.
    fn enter_variable_scope(&self, name: &str, reuse: Reuse, names: NameScope) -> VariableScope {
        let full = {
            let mut g = self.lock();
            let parent = g.var_scopes.last();
            let full = match parent {
                Some(p) => format!("{}/{name}", p.name),
                None => name.to_string(),
            };
            let inherited = parent.map(|p| p.reuse).unwrap_or(Reuse::Inherit);
            let reuse = match reuse {
                Reuse::Inherit => inherited,
                other => other,
            };
            g.var_scopes.push(VarScopeFrame {
                name: full.clone(),
                reuse,
            });
            g.opened_var_scopes.insert(full.clone());
            full
        };
        VariableScope {
            graph: self.clone(),
            _names: names,
            name: full,
        }
    }

    /// The current variable scope's name and reuse mode.
    pub fn current_variable_scope(&self) -> (String, Reuse) {
        let g = self.lock();
        g.var_scopes
            .last()
            .map(|f| (f.name.clone(), f.reuse))
            .unwrap_or((String::new(), Reuse::Inherit))
    }

    /// Makes nodes created while the guard lives wait for `ops`, like
    /// `tf.control_dependencies`.
    pub fn control_dependencies(&self, ops: &[&Operation]) -> ControlDependencies {
        let ids = ops.iter().map(|o| o.node).collect();
        self.lock().control_stack.push(ids);
        ControlDependencies {
            graph: self.clone(),
        }
    }

    /// Places nodes created while the guard lives on `device`, like
    /// `tf.device("/cpu:0")`; the name is canonicalized (`/device:CPU:0`).
    pub fn device(&self, device: &str) -> Result<DeviceScope> {
        let canonical = canonical_device(device)?;
        self.lock().device_stack.push(canonical);
        Ok(DeviceScope {
            graph: self.clone(),
        })
    }
}

/// `/cpu:0` → `/device:CPU:0`, `/GPU:1` → `/device:GPU:1`; job, replica
/// and task parts are kept; an empty name stays empty.
pub fn canonical_device(device: &str) -> Result<String> {
    let mut parts = Vec::new();
    for part in device.split('/').filter(|p| !p.is_empty()) {
        let lower = part.to_lowercase();
        let fields: Vec<&str> = lower.split(':').collect();
        let canonical = match fields.as_slice() {
            [kind @ ("cpu" | "gpu"), index] if index.parse::<u32>().is_ok() => {
                format!("device:{}:{index}", kind.to_uppercase())
            }
            ["device", kind @ ("cpu" | "gpu"), index] if index.parse::<u32>().is_ok() => {
                format!("device:{}:{index}", kind.to_uppercase())
            }
            [key @ ("job" | "replica" | "task"), value] if !value.is_empty() => {
                format!("{key}:{value}")
            }
            _ => fail!("device", "Unknown device specification '{device}'"),
        };
        parts.push(canonical);
    }
    Ok(parts.iter().map(|p| format!("/{p}")).collect())
}
