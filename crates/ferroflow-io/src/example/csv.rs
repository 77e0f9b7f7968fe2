//! `tf.io.decode_csv`: split CSV records into typed columns, with
//! TensorFlow's quoting rules.

use super::column::extend_repeated;
use crate::{IoError, Result};
use ferroflow_tensor::{DType, Storage, Tensor};
use std::str::FromStr;

const OP: &str = "DecodeCSV";
const QUOTE: u8 = b'"';

/// Splits each record into fields and converts them to the column types of
/// `record_defaults` (`tf.io.decode_csv(records, record_defaults, field_delim)`).
///
/// Each default is a tensor of the column's dtype (int32, int64, float32,
/// float64 or string) holding one value, used for empty fields, or no value,
/// making the field required. A field may be quoted with `"`; inside quotes
/// the delimiter is literal and `""` stands for one quote. Returns one `[n]`
/// tensor per column.
///
/// ```
/// use ferroflow_io::example::decode_csv;
/// use ferroflow_tensor::{DType, Tensor};
/// let defaults = [Tensor::scalar(0i32), Tensor::from_strings(&["?"], [1]).unwrap()];
/// let cols = decode_csv(&["1,\"a,b\"", ",\"say \"\"hi\"\"\""], &defaults, b',').unwrap();
/// assert_eq!(cols[0].to_vec::<i32>().unwrap(), [1, 0]);
/// assert_eq!(cols[1].as_strings().unwrap(), [b"a,b".to_vec(), b"say \"hi\"".to_vec()]);
/// ```
pub fn decode_csv<S: AsRef<[u8]>>(
    records: &[S],
    record_defaults: &[Tensor],
    field_delim: u8,
) -> Result<Vec<Tensor>> {
    if field_delim == QUOTE || field_delim == b'\n' || field_delim == b'\r' {
        return Err(IoError::invalid(
            OP,
            "field_delim cannot be a quote or a line break",
        ));
    }
    for (i, d) in record_defaults.iter().enumerate() {
        if !matches!(
            d.dtype(),
            DType::I32 | DType::I64 | DType::F32 | DType::F64 | DType::String
        ) {
            return Err(IoError::invalid(
                OP,
                format!("record_defaults[{i}] has unsupported dtype {}", d.dtype()),
            ));
        }
        if d.num_elements() > 1 {
            return Err(IoError::invalid(
                OP,
                format!(
                    "record_defaults[{i}] must have 0 or 1 elements, got {}",
                    d.num_elements()
                ),
            ));
        }
    }
    let mut columns: Vec<Storage> = record_defaults
        .iter()
        .map(|d| Storage::zeros(d.dtype(), 0))
        .collect();
    let mut fields = Vec::with_capacity(columns.len());
    for (r, record) in records.iter().enumerate() {
        split_fields(record.as_ref(), field_delim, &mut fields)?;
        if fields.len() != columns.len() {
            return Err(IoError::invalid(
                OP,
                format!(
                    "Expect {} fields but have {} in record {r}",
                    columns.len(),
                    fields.len()
                ),
            ));
        }
        for (f, (field, col)) in fields.iter().zip(&mut columns).enumerate() {
            let default = &record_defaults[f];
            if !field.is_empty() {
                push_field(col, field, f, r)?;
            } else if default.num_elements() == 1 {
                extend_repeated(OP, col, default.storage(), 1)?;
            } else {
                return Err(IoError::invalid(
                    OP,
                    format!("Field {f} is required but missing in record {r}!"),
                ));
            }
        }
    }
    let n = records.len();
    columns
        .into_iter()
        .map(|c| Ok(Tensor::new(c, [n])?))
        .collect()
}

/// Splits one record into `out` (unquoted, unescaped fields).
fn split_fields(record: &[u8], delim: u8, out: &mut Vec<Vec<u8>>) -> Result<()> {
    out.clear();
    let mut i = 0;
    loop {
        let mut field = Vec::new();
        if record.get(i) == Some(&QUOTE) {
            i += 1;
            loop {
                match (record.get(i), record.get(i + 1)) {
                    (Some(&QUOTE), Some(&QUOTE)) => {
                        field.push(QUOTE);
                        i += 2;
                    }
                    (Some(&QUOTE), next) if next.is_none() || next == Some(&delim) => {
                        i += 1;
                        break;
                    }
                    (Some(&QUOTE), _) => {
                        return Err(IoError::invalid(
                            OP,
                            "Quote inside a string has to be escaped by another quote",
                        ))
                    }
                    (Some(&b), _) => {
                        field.push(b);
                        i += 1;
                    }
                    (None, _) => {
                        return Err(IoError::invalid(
                            OP,
                            "Quoted field has to end with quote followed by delim or end",
                        ))
                    }
                }
            }
        } else {
            while let Some(&b) = record.get(i).filter(|&&b| b != delim) {
                if matches!(b, QUOTE | b'\n' | b'\r') {
                    return Err(IoError::invalid(
                        OP,
                        "Unquoted fields cannot have quotes/CRLFs inside",
                    ));
                }
                field.push(b);
                i += 1;
            }
        }
        out.push(field);
        if i >= record.len() {
            return Ok(());
        }
        i += 1; // the delimiter
    }
}

/// Converts a non-empty field to the column's type and appends it.
fn push_field(col: &mut Storage, field: &[u8], f: usize, r: usize) -> Result<()> {
    fn num<T: FromStr>(field: &[u8], f: usize, r: usize, dtype: DType) -> Result<T> {
        std::str::from_utf8(field)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| {
                IoError::invalid(
                    OP,
                    format!(
                        "Field {f} in record {r} is not a valid {}: {}",
                        csv_type_name(dtype),
                        String::from_utf8_lossy(field)
                    ),
                )
            })
    }
    let dtype = col.dtype();
    match col {
        Storage::I32(v) => v.push(num(field, f, r, dtype)?),
        Storage::I64(v) => v.push(num(field, f, r, dtype)?),
        Storage::F32(v) => v.push(num(field, f, r, dtype)?),
        Storage::F64(v) => v.push(num(field, f, r, dtype)?),
        Storage::String(v) => v.push(field.to_vec()),
        other => {
            return Err(IoError::invalid(
                OP,
                format!("unsupported column dtype {}", other.dtype()),
            ))
        }
    }
    Ok(())
}

/// TensorFlow's wording for the column type in conversion errors.
fn csv_type_name(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "float",
        DType::F64 => "double",
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(record: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        split_fields(record.as_bytes(), b',', &mut out)?;
        Ok(out
            .into_iter()
            .map(|f| String::from_utf8(f).unwrap())
            .collect())
    }

    #[test]
    fn quoting_rules() {
        assert_eq!(
            split("a,\"b,c\",\"\"\"q\"\"\"").unwrap(),
            ["a", "b,c", "\"q\""]
        );
        assert_eq!(split("").unwrap(), [""]);
        assert_eq!(split("x,").unwrap(), ["x", ""]);
        assert!(split("\"open").is_err());
        assert!(split("a\rb").is_err());
    }

    #[test]
    fn other_delimiters_and_float64() {
        let defaults = [
            Tensor::scalar(0.0f64),
            Tensor::from_vec(Vec::<i64>::new(), [0]).unwrap(),
        ];
        let cols = decode_csv(&["0.25|7", " 1e-3 |8"], &defaults, b'|').unwrap();
        assert_eq!(cols[0].to_vec::<f64>().unwrap(), [0.25, 1e-3]);
        assert_eq!(cols[1].to_vec::<i64>().unwrap(), [7, 8]);
        assert!(decode_csv(&["1"], &defaults, b'"').is_err());
        let bad_default = [Tensor::scalar(true)];
        assert!(decode_csv(&["1"], &bad_default, b',').is_err());
    }
}
