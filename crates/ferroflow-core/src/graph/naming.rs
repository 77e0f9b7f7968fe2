//! Unique node names, made TensorFlow's way.

use std::collections::HashMap;

/// Names in use, compared ignoring case, as `Graph.unique_name` keeps them.
#[derive(Debug, Default)]
pub(crate) struct NameRegistry {
    in_use: HashMap<String, usize>,
}

impl NameRegistry {
    /// Makes `name` (already prefixed with its scope) unique: a second
    /// `MatMul` becomes `MatMul_1`, and `mse` after `MSE` becomes `mse_1`.
    pub(crate) fn unique(&mut self, name: &str) -> String {
        let key = name.to_lowercase();
        let mut i = self.in_use.get(&key).copied().unwrap_or(0);
        self.in_use.insert(key.clone(), i + 1);
        if i == 0 {
            return name.to_string();
        }
        let mut candidate = format!("{key}_{i}");
        while self.in_use.contains_key(&candidate) {
            i += 1;
            candidate = format!("{key}_{i}");
        }
        self.in_use.insert(candidate, 1);
        format!("{name}_{i}")
    }

    /// True if `name` was given out (ignoring case).
    pub(crate) fn is_used(&self, name: &str) -> bool {
        self.in_use.contains_key(&name.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::NameRegistry;

    #[test]
    fn names_are_unique_ignoring_case() {
        let mut r = NameRegistry::default();
        assert_eq!(r.unique("MatMul"), "MatMul");
        assert_eq!(r.unique("MatMul"), "MatMul_1");
        assert_eq!(r.unique("matmul"), "matmul_2");
        assert_eq!(r.unique("mse"), "mse");
        assert_eq!(r.unique("MSE"), "MSE_1");
        assert_eq!(r.unique("k_1"), "k_1");
        assert_eq!(r.unique("k"), "k");
        assert_eq!(r.unique("k"), "k_2");
    }
}
