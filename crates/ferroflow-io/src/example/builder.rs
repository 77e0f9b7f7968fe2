//! Convenience constructors for [`Feature`], [`Example`] and
//! [`SequenceExample`], as short as the usual `_int64_feature` /
//! `_bytes_feature` / `_float_feature` helpers of TensorFlow scripts.
//!
//! ```
//! use ferroflow_io::proto::example::{Example, Feature};
//! // tf.train.Example(features=tf.train.Features(feature={
//! //     "label": _int64_feature(3), "image_raw": _bytes_feature(img)}))
//! let img = vec![0u8; 784];
//! let ex = Example::from_features([
//!     ("label", Feature::int64(3)),
//!     ("image_raw", Feature::bytes(img)),
//! ]);
//! assert_eq!(ex.feature("label"), Some(&Feature::int64(3)));
//! ```

use crate::proto::example::{
    BytesList, Example, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List, Kind,
    SequenceExample,
};

impl Feature {
    /// `Feature(int64_list=Int64List(value=[v]))`.
    pub fn int64(v: i64) -> Feature {
        Feature::int64s([v])
    }

    /// `Feature(int64_list=Int64List(value=values))`.
    pub fn int64s(values: impl IntoIterator<Item = i64>) -> Feature {
        Feature::of(Kind::Int64List(Int64List {
            value: values.into_iter().collect(),
        }))
    }

    /// `Feature(float_list=FloatList(value=[v]))`.
    pub fn float(v: f32) -> Feature {
        Feature::floats([v])
    }

    /// `Feature(float_list=FloatList(value=values))`.
    pub fn floats(values: impl IntoIterator<Item = f32>) -> Feature {
        Feature::of(Kind::FloatList(FloatList {
            value: values.into_iter().collect(),
        }))
    }

    /// `Feature(bytes_list=BytesList(value=[v]))`.
    pub fn bytes(v: impl Into<Vec<u8>>) -> Feature {
        Feature::bytes_list([v])
    }

    /// `Feature(bytes_list=BytesList(value=values))`.
    pub fn bytes_list<B: Into<Vec<u8>>>(values: impl IntoIterator<Item = B>) -> Feature {
        Feature::of(Kind::BytesList(BytesList {
            value: values.into_iter().map(Into::into).collect(),
        }))
    }

    fn of(kind: Kind) -> Feature {
        Feature { kind: Some(kind) }
    }
}

impl Features {
    /// `Features(feature={name: feature, ...})`.
    pub fn from_pairs<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Feature)>) -> Features {
        Features {
            feature: pairs.into_iter().map(|(k, f)| (k.into(), f)).collect(),
        }
    }
}

impl Example {
    /// `Example(features=Features(feature={name: feature, ...}))`.
    pub fn from_features<K: Into<String>>(
        pairs: impl IntoIterator<Item = (K, Feature)>,
    ) -> Example {
        Example {
            features: Some(Features::from_pairs(pairs)),
        }
    }

    /// The feature called `key`, if present.
    pub fn feature(&self, key: &str) -> Option<&Feature> {
        self.features.as_ref()?.feature.get(key)
    }
}

impl SequenceExample {
    /// `SequenceExample(context=..., feature_lists=FeatureLists(feature_list={name: FeatureList(feature=steps)}))`.
    ///
    /// ```
    /// use ferroflow_io::proto::example::{Feature, SequenceExample};
    /// let seq = SequenceExample::from_parts(
    ///     [("length", Feature::int64(2))],
    ///     [("tokens", vec![Feature::int64s([4, 5]), Feature::int64s([6])])],
    /// );
    /// assert_eq!(seq.steps("tokens").map(|s| s.len()), Some(2));
    /// ```
    pub fn from_parts<K: Into<String>, L: Into<String>>(
        context: impl IntoIterator<Item = (K, Feature)>,
        lists: impl IntoIterator<Item = (L, Vec<Feature>)>,
    ) -> SequenceExample {
        let feature_list = lists
            .into_iter()
            .map(|(k, steps)| (k.into(), FeatureList { feature: steps }))
            .collect();
        SequenceExample {
            context: Some(Features::from_pairs(context)),
            feature_lists: Some(FeatureLists { feature_list }),
        }
    }

    /// The per-step features of the list called `key`, if present.
    pub fn steps(&self, key: &str) -> Option<&[Feature]> {
        let list = self.feature_lists.as_ref()?.feature_list.get(key)?;
        Some(&list.feature)
    }
}
