//! `Display` and `Debug` in TensorFlow's eager form:
//! `tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)`.

use crate::{DType, Storage, Tensor};
use std::fmt;

/// Past this many elements, only the first and last `EDGE_ITEMS` of each
/// axis are printed, as NumPy's default `threshold=1000`, `edgeitems=3`.
const SUMMARIZE_THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = format_array(self);
        let sep = if body.contains('\n') { "\n" } else { "" };
        write!(
            f,
            "tf.Tensor({sep}{body}, shape={}, dtype={})",
            self.shape().to_tuple_string(),
            self.dtype()
        )
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// NumPy's `str(array)` of the tensor's values.
pub fn format_array(t: &Tensor) -> String {
    let cells = element_strings(t);
    if t.rank() == 0 && t.dtype().is_float() {
        // A 0-d array prints like a Python float: `3.0`, not `3.`.
        let c = cells[0].trim_end();
        return if c.ends_with('.') {
            format!("{c}0")
        } else {
            c.to_string()
        };
    }
    // NumPy right-aligns numbers to a common width; byte strings are not padded.
    let width = if t.dtype() == DType::String {
        0
    } else {
        cells.iter().map(|c| c.len()).max().unwrap_or(0)
    };
    let summarize = t.num_elements() > SUMMARIZE_THRESHOLD;
    let mut out = String::new();
    write_axis(&mut out, t.dims(), 0, 0, &cells, width, summarize);
    out
}

fn write_axis(
    out: &mut String,
    dims: &[usize],
    axis: usize,
    offset: usize,
    cells: &[String],
    width: usize,
    summarize: bool,
) {
    if axis == dims.len() {
        out.push_str(&format!("{:>width$}", cells[offset]));
        return;
    }
    let n = dims[axis];
    let stride: usize = dims[axis + 1..].iter().product();
    let inner_sep = if axis + 1 == dims.len() {
        " ".to_string()
    } else {
        let blank_lines = "\n".repeat(dims.len() - axis - 1);
        format!("{blank_lines}{}", " ".repeat(axis + 1))
    };
    out.push('[');
    let indices: Vec<Option<usize>> = if summarize && n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - EDGE_ITEMS..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    };
    for (k, idx) in indices.iter().enumerate() {
        if k > 0 {
            out.push_str(&inner_sep);
        }
        match idx {
            Some(i) => write_axis(
                out,
                dims,
                axis + 1,
                offset + i * stride,
                cells,
                width,
                summarize,
            ),
            None => out.push_str("..."),
        }
    }
    out.push(']');
}

fn element_strings(t: &Tensor) -> Vec<String> {
    match &**t.storage() {
        Storage::F32(v) => float_strings(v.iter().map(|&x| (x as f64, format!("{x}")))),
        Storage::F64(v) => float_strings(v.iter().map(|&x| (x, format!("{x}")))),
        Storage::I32(v) => v.iter().map(|x| x.to_string()).collect(),
        Storage::I64(v) => v.iter().map(|x| x.to_string()).collect(),
        Storage::U8(v) => v.iter().map(|x| x.to_string()).collect(),
        Storage::Bool(v) => v
            .iter()
            .map(|&b| if b { "True" } else { "False" }.to_string())
            .collect(),
        Storage::String(v) => v.iter().map(|s| python_bytes_repr(s)).collect(),
    }
}

/// Floats as NumPy prints them: `1.` for whole numbers, shortest round-trip
/// digits otherwise, fractional parts padded to a common width.
fn float_strings(values: impl Iterator<Item = (f64, String)>) -> Vec<String> {
    let raw: Vec<String> = values
        .map(|(x, s)| {
            if x.is_nan() {
                "nan".into()
            } else if x.is_infinite() {
                if x > 0.0 { "inf" } else { "-inf" }.into()
            } else if x.fract() == 0.0 && x.abs() < 1e16 {
                format!("{}.", x as i64 as f64 as i128)
            } else {
                s
            }
        })
        .collect();
    let frac_len = |s: &str| s.find('.').map(|p| s.len() - p - 1).unwrap_or(0);
    let max_frac = raw.iter().map(|s| frac_len(s)).max().unwrap_or(0);
    raw.into_iter()
        .map(|s| {
            let pad = if s.contains('.') {
                max_frac - frac_len(&s)
            } else {
                0
            };
            format!("{s}{}", " ".repeat(pad))
        })
        .collect()
}

/// Python's `repr(bytes)`: single quotes unless the value holds a single
/// quote and no double quote.
fn python_bytes_repr(s: &[u8]) -> String {
    let quote = if s.contains(&b'\'') && !s.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = format!("b{}", quote as char);
    for &b in s {
        match b {
            b'\\' => out.push_str("\\\\"),
            b if b == quote => {
                out.push('\\');
                out.push(b as char)
            }
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote as char);
    out
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn prints_like_tensorflow() {
        assert_eq!(
            Tensor::from([1.0f32, 2.0, 3.0]).to_string(),
            "tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)"
        );
        assert_eq!(
            Tensor::scalar(3.0f32).to_string(),
            "tf.Tensor(3.0, shape=(), dtype=float32)"
        );
        assert_eq!(
            Tensor::from([1.5f32, 2.25]).to_string(),
            "tf.Tensor([1.5  2.25], shape=(2,), dtype=float32)"
        );
        assert_eq!(
            Tensor::from([[true, false]]).to_string(),
            "tf.Tensor([[ True False]], shape=(1, 2), dtype=bool)"
        );
        assert_eq!(
            Tensor::from(vec!["ab", "c'"]).to_string(),
            "tf.Tensor([b'ab' b\"c'\"], shape=(2,), dtype=string)"
        );
    }

    #[test]
    fn large_tensors_are_summarized() {
        let t = Tensor::from((0..2000).collect::<Vec<i32>>());
        assert_eq!(
            t.to_string(),
            "tf.Tensor([   0    1    2 ... 1997 1998 1999], shape=(2000,), dtype=int32)"
        );
    }
}
