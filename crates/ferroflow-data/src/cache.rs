//! `cache()`: the first complete epoch is kept in memory and replayed.

use crate::{Dataset, Element};
use std::sync::{Arc, Mutex};

impl Dataset {
    /// Keeps the elements of the first complete epoch in memory and replays
    /// them in later epochs (`cache()`); an epoch stopped early or failing
    /// is not kept, as in TensorFlow.
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let ds = Dataset::range(0, 4, 1).unwrap().shuffle(4, None, true).unwrap().cache();
    /// let order = |d: &Dataset| -> Vec<i64> {
    ///     d.iter().unwrap().map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap()).collect()
    /// };
    /// assert_eq!(order(&ds), order(&ds));
    /// ```
    pub fn cache(&self) -> Dataset {
        let stored: Arc<Mutex<Option<Arc<Vec<Element>>>>> = Arc::default();
        let input = self.clone();
        Dataset::from_fn(self.element_spec().clone(), move || {
            if let Some(all) = stored.lock().ok().and_then(|s| s.clone()) {
                return Ok(Box::new((0..all.len()).map(move |i| Ok(all[i].clone()))));
            }
            let mut it = input.epoch()?;
            let mut seen = Vec::new();
            let stored = stored.clone();
            Ok(Box::new(std::iter::from_fn(move || match it.next() {
                Some(Ok(e)) => {
                    seen.push(e.clone());
                    Some(Ok(e))
                }
                Some(Err(e)) => Some(Err(e)),
                None => {
                    if let Ok(mut s) = stored.lock() {
                        s.get_or_insert_with(|| Arc::new(std::mem::take(&mut seen)));
                    }
                    None
                }
            })))
        })
    }
}
