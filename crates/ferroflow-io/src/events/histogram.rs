//! The two histogram encodings of TensorBoard: TF1's `HistogramProto` over
//! fixed exponential bucket limits (FORMATS.md 3.7) and TF2's `[k, 3]`
//! tensor of `[left, right, count]` rows (FORMATS.md 3.5).

use crate::proto::HistogramProto;
use std::sync::OnceLock;

/// TF1's default bucket limits: −DBL_MAX, the negated exponential series,
/// 0, the series 1e-12 · 1.1^i below 1e20, DBL_MAX (1551 limits).
pub fn default_bucket_limits() -> &'static [f64] {
    static LIMITS: OnceLock<Vec<f64>> = OnceLock::new();
    LIMITS.get_or_init(|| {
        let mut positive = Vec::new();
        let mut v = 1e-12;
        while v < 1e20 {
            positive.push(v);
            v *= 1.1;
        }
        positive.push(f64::MAX);
        let mut limits: Vec<f64> = positive.iter().rev().map(|&v| -v).collect();
        limits.push(0.0);
        limits.extend(positive);
        limits
    })
}

/// The `HistogramProto` TF1's `tf.compat.v1.summary.histogram` writes for
/// `values`: counts over [`default_bucket_limits`], with runs of empty
/// buckets collapsed into one entry.
///
/// ```
/// use ferroflow_io::events::histogram_proto;
/// let h = histogram_proto(&[1.0; 6]);
/// assert_eq!(h.bucket_limit, [0.917246389039776, 1.0089710279437536, f64::MAX]);
/// assert_eq!(h.bucket, [0.0, 6.0, 0.0]);
/// ```
pub fn histogram_proto(values: &[f64]) -> HistogramProto {
    let limits = default_bucket_limits();
    let mut counts = vec![0.0; limits.len()];
    let mut proto = HistogramProto {
        min: f64::MAX,
        max: -f64::MAX,
        ..Default::default()
    };
    for &v in values {
        // The first bucket whose limit is strictly greater than the value.
        let i = limits
            .partition_point(|&limit| limit <= v)
            .min(limits.len() - 1);
        counts[i] += 1.0;
        proto.min = proto.min.min(v);
        proto.max = proto.max.max(v);
        proto.num += 1.0;
        proto.sum += v;
        proto.sum_squares += v * v;
    }
    let mut i = 0;
    while i < counts.len() {
        let (mut limit, mut count) = (limits[i], counts[i]);
        i += 1;
        if count <= 0.0 {
            while i < counts.len() && counts[i] <= 0.0 {
                (limit, count) = (limits[i], counts[i]);
                i += 1;
            }
        }
        proto.bucket_limit.push(limit);
        proto.bucket.push(count);
    }
    proto
}

/// TF2's histogram rows `[left, right, count]` of `values` over `buckets`
/// equal-width buckets (TensorBoard 2.21's algorithm), row-major, `buckets`
/// rows.
///
/// ```
/// use ferroflow_io::events::histogram_rows;
/// let rows = histogram_rows(&[0.0, 1.0, 1.0, 2.0], 2);
/// assert_eq!(rows, [0.0, 1.0, 1.0, 1.0, 2.0, 3.0]);
/// ```
pub fn histogram_rows(values: &[f64], buckets: usize) -> Vec<f64> {
    let k = buckets;
    if values.is_empty() || k == 0 {
        return vec![0.0; 3 * k];
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut counts = vec![0.0; k];
    let mut edges = vec![min; k + 1];
    if min == max {
        counts[k - 1] = values.len() as f64;
    } else {
        let width = (max - min) / k as f64;
        for &v in values {
            let i = ((v - min) / width).floor() as usize;
            counts[i.min(k - 1)] += 1.0;
        }
        let step = (max - min) / k as f64;
        for (i, e) in edges.iter_mut().enumerate() {
            *e = min + step * i as f64;
        }
        edges[k] = max;
    }
    (0..k)
        .flat_map(|i| [edges[i], edges[i + 1], counts[i]])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits_match_tf() {
        let limits = default_bucket_limits();
        assert_eq!(limits.len(), 1551);
        assert_eq!(limits[0], -f64::MAX);
        assert_eq!(limits[775], 0.0);
        assert_eq!(limits[776], 1e-12);
        assert_eq!(limits[1550], f64::MAX);
        assert!(limits.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn empty_input_is_one_empty_bucket() {
        let h = histogram_proto(&[]);
        assert_eq!((h.min, h.max), (f64::MAX, -f64::MAX));
        assert_eq!(h.bucket_limit, [f64::MAX]);
        assert_eq!(h.bucket, [0.0]);
    }

    #[test]
    fn values_fall_below_their_limit() {
        let h = histogram_proto(&[-1.0, 0.0, 0.0, 3.5]);
        assert_eq!(h.num, 4.0);
        assert_eq!(h.sum, 2.5);
        assert_eq!(h.sum_squares, 13.25);
        // Zeros fall into the first bucket above 0 (limit 1e-12).
        let zero = h.bucket_limit.iter().position(|&l| l == 1e-12).unwrap();
        assert_eq!(h.bucket[zero], 2.0);
        assert_eq!(h.bucket.iter().sum::<f64>(), 4.0);
    }

    #[test]
    fn constant_data_fills_the_last_row() {
        let rows = histogram_rows(&[2.0; 5], 3);
        assert_eq!(rows, [2.0, 2.0, 0.0, 2.0, 2.0, 0.0, 2.0, 2.0, 5.0]);
        assert_eq!(histogram_rows(&[], 2), [0.0; 6]);
    }
}
