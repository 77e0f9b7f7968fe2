//! The [`Dataset`] type: a cheap-to-clone, pull-based pipeline description,
//! and its per-epoch [`Iter`]ator.

use crate::{DataError, Element, ElementSpec, Result};
use std::sync::Arc;

/// The iterator of one epoch: yields each element or the error met while
/// producing it.
pub type ElementIter = Box<dyn Iterator<Item = Result<Element>> + Send>;

/// Starts one epoch of a dataset.
pub(crate) type MakeIter = Arc<dyn Fn() -> Result<ElementIter> + Send + Sync>;

/// A `tf.data.Dataset`: a description of a sequence of [`Element`]s with a
/// static [`ElementSpec`]. Cloning is cheap (the description is shared);
/// every [`Dataset::iter`] call starts a fresh epoch, so epoch loops,
/// `repeat` and `reshuffle_each_iteration` behave as in TensorFlow.
///
/// ```
/// use ferroflow_data::Dataset;
/// // tf.data.Dataset.range(10).filter(lambda x: x % 2 == 0).batch(2)
/// let ds = Dataset::range(0, 10, 1).unwrap()
///     .filter(|e| Ok(e.at(0)?.to_scalar::<i64>()? % 2 == 0))
///     .batch(2, false).unwrap();
/// let batches: Vec<Vec<i64>> = ds.iter().unwrap()
///     .map(|e| e.unwrap().at(0).unwrap().to_vec().unwrap())
///     .collect();
/// assert_eq!(batches, vec![vec![0, 2], vec![4, 6], vec![8]]);
/// ```
#[derive(Clone)]
pub struct Dataset {
    make: MakeIter,
    spec: ElementSpec,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dataset{}", self.spec)
    }
}

impl Dataset {
    /// A dataset from a function that starts an epoch, with its spec.
    pub(crate) fn from_fn(
        spec: ElementSpec,
        make: impl Fn() -> Result<ElementIter> + Send + Sync + 'static,
    ) -> Dataset {
        Dataset {
            make: Arc::new(make),
            spec,
        }
    }

    /// The static structure, dtypes and shapes of every element.
    pub fn element_spec(&self) -> &ElementSpec {
        &self.spec
    }

    /// Starts a new epoch: the elements in order, as a Rust iterator.
    pub fn iter(&self) -> Result<Iter> {
        Ok(Iter {
            inner: (self.make)()?,
        })
    }

    /// The raw iterator of a new epoch (used by transformations).
    pub(crate) fn epoch(&self) -> Result<ElementIter> {
        (self.make)()
    }

    /// Applies a transformation function (`dataset.apply(fn)`).
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let ds = Dataset::range(0, 5, 1).unwrap().apply(|d| Ok(d.skip(3))).unwrap();
    /// assert_eq!(ds.iter().unwrap().count(), 2);
    /// ```
    pub fn apply<F: FnOnce(Dataset) -> Result<Dataset>>(self, f: F) -> Result<Dataset> {
        f(self)
    }

    /// The first `count` elements (`take(-1)` or any negative count: all).
    pub fn take(&self, count: i64) -> Dataset {
        let input = self.clone();
        Dataset::from_fn(self.spec.clone(), move || {
            let it = input.epoch()?;
            Ok(match usize::try_from(count) {
                Ok(n) => Box::new(it.take(n)),
                Err(_) => it,
            })
        })
    }

    /// All but the first `count` elements (`skip(-1)`: none).
    pub fn skip(&self, count: i64) -> Dataset {
        let input = self.clone();
        Dataset::from_fn(self.spec.clone(), move || {
            let it = input.epoch()?;
            Ok(match usize::try_from(count) {
                Ok(n) => Box::new(it.skip(n)),
                Err(_) => Box::new(it.skip_while(|_| true)),
            })
        })
    }

    /// Repeats the dataset `count` times, or forever with `None`; each
    /// repetition is a new epoch of the input. An empty input ends the
    /// repetition instead of looping forever, as in TensorFlow.
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let ds = Dataset::range(0, 2, 1).unwrap().repeat(Some(3));
    /// assert_eq!(ds.iter().unwrap().count(), 6);
    /// ```
    pub fn repeat(&self, count: Option<usize>) -> Dataset {
        let input = self.clone();
        Dataset::from_fn(self.spec.clone(), move || {
            Ok(Box::new(Repeat {
                input: input.clone(),
                current: None,
                left: count,
                produced: false,
            }))
        })
    }

    /// The elements for which `predicate` returns true.
    pub fn filter<F>(&self, predicate: F) -> Dataset
    where
        F: Fn(&Element) -> Result<bool> + Send + Sync + 'static,
    {
        let input = self.clone();
        let predicate = Arc::new(predicate);
        Dataset::from_fn(self.spec.clone(), move || {
            let predicate = predicate.clone();
            Ok(Box::new(input.epoch()?.filter_map(move |e| {
                let e = match e {
                    Ok(e) => e,
                    Err(err) => return Some(Err(err)),
                };
                match predicate(&e) {
                    Ok(true) => Some(Ok(e)),
                    Ok(false) => None,
                    Err(err) => Some(Err(err)),
                }
            })))
        })
    }

    /// Drops the elements whose production failed (`ignore_errors()`).
    pub fn ignore_errors(&self) -> Dataset {
        let input = self.clone();
        Dataset::from_fn(self.spec.clone(), move || {
            Ok(Box::new(input.epoch()?.filter(Result::is_ok)))
        })
    }

    /// Every `num_shards`-th element, starting at `index` (`shard(num, index)`).
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let ds = Dataset::range(0, 10, 1).unwrap().shard(3, 1).unwrap();
    /// let v: Vec<i64> = ds.iter().unwrap().map(|e| e.unwrap().at(0).unwrap().to_scalar().unwrap()).collect();
    /// assert_eq!(v, [1, 4, 7]);
    /// ```
    pub fn shard(&self, num_shards: usize, index: usize) -> Result<Dataset> {
        if num_shards == 0 || index >= num_shards {
            return Err(DataError::invalid(
                "ShardDataset",
                format!("Index must be between 0 and {} (currently index = {index}), num_shards must be positive (currently {num_shards})", num_shards.max(1) - 1),
            ));
        }
        let input = self.clone();
        Ok(Dataset::from_fn(self.spec.clone(), move || {
            Ok(Box::new(input.epoch()?.skip(index).step_by(num_shards)))
        }))
    }

    /// Pairs each element of a tuple dataset with its index:
    /// `(index int64, components…)`, counting from `start`.
    pub fn enumerate(&self, start: i64) -> Result<Dataset> {
        let specs = std::iter::once(ferroflow_core::TensorSpec::new(
            ferroflow_tensor::DType::I64,
            ferroflow_core::PartialShape::from_dims(&[]),
        ))
        .chain(self.tuple_specs("EnumerateDataset")?.iter().cloned())
        .collect();
        let input = self.clone();
        Ok(Dataset::from_fn(ElementSpec::tuple(specs), move || {
            Ok(Box::new(input.epoch()?.zip(start..).map(|(e, i)| {
                let mut tensors = vec![ferroflow_tensor::Tensor::from(i)];
                tensors.extend(e?.into_tensors());
                Ok(Element::tuple(tensors))
            })))
        }))
    }

    /// Zips tuple datasets component-wise; ends with the shortest
    /// (`Dataset.zip((a, b))`).
    ///
    /// ```
    /// use ferroflow_data::Dataset;
    /// let a = Dataset::range(0, 3, 1).unwrap();
    /// let b = Dataset::range(10, 20, 1).unwrap();
    /// let z = Dataset::zip(&[a, b]).unwrap();
    /// let last = z.iter().unwrap().last().unwrap().unwrap();
    /// assert_eq!(last.at(1).unwrap().to_scalar::<i64>().unwrap(), 12);
    /// ```
    pub fn zip(datasets: &[Dataset]) -> Result<Dataset> {
        let mut specs = Vec::new();
        for d in datasets {
            specs.extend(d.tuple_specs("ZipDataset")?.iter().cloned());
        }
        let inputs = datasets.to_vec();
        Ok(Dataset::from_fn(ElementSpec::tuple(specs), move || {
            let mut its = inputs
                .iter()
                .map(Dataset::epoch)
                .collect::<Result<Vec<_>>>()?;
            Ok(Box::new(std::iter::from_fn(move || {
                let mut tensors = Vec::new();
                for it in &mut its {
                    match it.next()? {
                        Ok(e) => tensors.extend(e.into_tensors()),
                        Err(err) => return Some(Err(err)),
                    }
                }
                Some(Ok(Element::tuple(tensors)))
            })))
        }))
    }

    /// The elements of `self`, then those of `other`; the specs must have
    /// the same structure and dtypes (shapes are relaxed).
    pub fn concatenate(&self, other: &Dataset) -> Result<Dataset> {
        let spec = self
            .spec
            .most_specific_compatible(&other.spec, "ConcatenateDataset")?;
        let (a, b) = (self.clone(), other.clone());
        Ok(Dataset::from_fn(spec, move || {
            let b = b.clone();
            let second = std::iter::once(()).flat_map(move |_| match b.epoch() {
                Ok(it) => it,
                Err(e) => Box::new(std::iter::once(Err(e))),
            });
            Ok(Box::new(a.epoch()?.chain(second)))
        }))
    }

    /// The component specs of a tuple dataset, or an error naming `op`.
    fn tuple_specs(&self, op: &str) -> Result<&[ferroflow_core::TensorSpec]> {
        match self.spec.names() {
            None => Ok(self.spec.specs()),
            Some(names) => Err(DataError::invalid(
                op,
                format!("expects tuple elements, got named components {names:?}"),
            )),
        }
    }
}

/// The iterator of `repeat`.
struct Repeat {
    input: Dataset,
    current: Option<ElementIter>,
    left: Option<usize>,
    produced: bool,
}

impl Iterator for Repeat {
    type Item = Result<Element>;

    fn next(&mut self) -> Option<Result<Element>> {
        loop {
            if let Some(it) = &mut self.current {
                if let Some(e) = it.next() {
                    self.produced = true;
                    return Some(e);
                }
                self.current = None;
                if !std::mem::take(&mut self.produced) {
                    return None;
                }
            }
            match &mut self.left {
                Some(0) => return None,
                Some(n) => *n -= 1,
                None => {}
            }
            match self.input.epoch() {
                Ok(it) => self.current = Some(it),
                Err(e) => {
                    self.left = Some(0);
                    return Some(Err(e));
                }
            }
        }
    }
}

/// One epoch of a dataset, as a Rust [`Iterator`]; [`Iter::get_next`]
/// reports the end as [`DataError::OutOfRange`] like TensorFlow's
/// `iterator.get_next()`.
///
/// ```
/// use ferroflow_data::{DataError, Dataset};
/// let mut it = Dataset::range(0, 1, 1).unwrap().iter().unwrap();
/// assert!(it.get_next().is_ok());
/// assert!(matches!(it.get_next(), Err(DataError::OutOfRange)));
/// ```
pub struct Iter {
    inner: ElementIter,
}

impl Iter {
    /// The next element, or [`DataError::OutOfRange`] at the end.
    pub fn get_next(&mut self) -> Result<Element> {
        self.inner.next().unwrap_or(Err(DataError::OutOfRange))
    }
}

impl Iterator for Iter {
    type Item = Result<Element>;

    fn next(&mut self) -> Option<Result<Element>> {
        self.inner.next()
    }
}

impl IntoIterator for &Dataset {
    type Item = Result<Element>;
    type IntoIter = ElementIter;

    /// A new epoch; an error starting it is the first item.
    fn into_iter(self) -> ElementIter {
        self.epoch()
            .unwrap_or_else(|e| Box::new(std::iter::once(Err(e))))
    }
}
