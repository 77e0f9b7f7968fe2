//! Reading `Example` / `SequenceExample` bytes straight from the protobuf
//! wire, without building message structs: the parser looks up only the keys
//! of the spec and decodes their values into the output columns (what
//! TensorFlow's fast Example parser does). Accepts packed and unpacked
//! repeated scalars, any field order, and skips unknown fields.

use crate::{IoError, Result};

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const FIXED32: u8 = 5;

/// A cursor over one protobuf message.
#[derive(Clone)]
pub(crate) struct Wire<'a> {
    buf: &'a [u8],
}

/// A malformed-message error.
fn malformed(what: &str) -> IoError {
    IoError::invalid("Example", format!("malformed protobuf: {what}"))
}

impl<'a> Wire<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Wire { buf }
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for (i, &b) in self.buf.iter().enumerate().take(10) {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.buf = &self.buf[i + 1..];
                return Ok(value);
            }
        }
        Err(malformed("truncated or overlong varint"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(malformed("field runs past the end of its message"));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// The next field as (number, wire type, payload); varint payloads are
    /// returned as their bytes.
    pub(crate) fn next_field(&mut self) -> Result<Option<Field<'a>>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = key >> 3;
        let wire_type = (key & 7) as u8;
        let payload = match wire_type {
            VARINT => {
                let start = self.buf;
                self.varint()?;
                &start[..start.len() - self.buf.len()]
            }
            FIXED64 => self.take(8)?,
            LEN => {
                let len = usize::try_from(self.varint()?).map_err(|_| malformed("huge length"))?;
                self.take(len)?
            }
            FIXED32 => self.take(4)?,
            _ => return Err(malformed("unsupported wire type")),
        };
        Ok(Some(Field {
            number,
            wire_type,
            payload,
        }))
    }

    /// Calls `f` with the payload of every length-delimited field `number`.
    pub(crate) fn for_each_len(
        &mut self,
        number: u64,
        mut f: impl FnMut(&'a [u8]) -> Result<()>,
    ) -> Result<()> {
        while let Some(field) = self.next_field()? {
            if field.number == number && field.wire_type == LEN {
                f(field.payload)?;
            }
        }
        Ok(())
    }
}

/// One field of a message.
pub(crate) struct Field<'a> {
    pub number: u64,
    pub wire_type: u8,
    pub payload: &'a [u8],
}

/// Which value list a `Feature` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListKind {
    Bytes,
    Float,
    Int64,
}

impl ListKind {
    /// TensorFlow's name of the kind in parse errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ListKind::Bytes => "string",
            ListKind::Float => "float",
            ListKind::Int64 => "int64",
        }
    }
}

/// A `Feature` whose oneof is set: its kind and the serialized list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FeatureRef<'a> {
    pub kind: ListKind,
    list: &'a [u8],
}

impl<'a> FeatureRef<'a> {
    /// Reads a serialized `Feature`; `None` when its oneof is unset (the last
    /// member on the wire wins).
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Option<Self>> {
        let mut found = None;
        let mut wire = Wire::new(bytes);
        while let Some(f) = wire.next_field()? {
            let kind = match f.number {
                1 => ListKind::Bytes,
                2 => ListKind::Float,
                3 => ListKind::Int64,
                _ => continue,
            };
            if f.wire_type == LEN {
                found = Some(FeatureRef {
                    kind,
                    list: f.payload,
                });
            }
        }
        Ok(found)
    }

    /// Number of values in the list.
    pub(crate) fn len(&self) -> Result<usize> {
        let mut n = 0;
        self.for_each_value(|_| n += 1)?;
        Ok(n)
    }

    /// Calls `f` for each value of the list, in order.
    pub(crate) fn for_each_value(&self, mut f: impl FnMut(Value<'a>)) -> Result<()> {
        let mut wire = Wire::new(self.list);
        while let Some(field) = wire.next_field()? {
            if field.number != 1 {
                continue;
            }
            match (self.kind, field.wire_type) {
                (ListKind::Bytes, LEN) => f(Value::Bytes(field.payload)),
                (ListKind::Float, FIXED32) => f(Value::Float(le_f32(field.payload))),
                (ListKind::Float, LEN) => {
                    if field.payload.len() % 4 != 0 {
                        return Err(malformed("packed float list length is not a multiple of 4"));
                    }
                    field
                        .payload
                        .chunks_exact(4)
                        .for_each(|c| f(Value::Float(le_f32(c))));
                }
                (ListKind::Int64, VARINT) => {
                    f(Value::Int64(Wire::new(field.payload).varint()? as i64))
                }
                (ListKind::Int64, LEN) => {
                    let mut packed = Wire::new(field.payload);
                    while !packed.buf.is_empty() {
                        f(Value::Int64(packed.varint()? as i64));
                    }
                }
                _ => return Err(malformed("list value of the wrong wire type")),
            }
        }
        Ok(())
    }
}

/// One value of a list.
pub(crate) enum Value<'a> {
    Bytes(&'a [u8]),
    Float(f32),
    Int64(i64),
}

fn le_f32(b: &[u8]) -> f32 {
    f32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// For each `key -> value` entry of a serialized map (field 1 of `Features`
/// or `FeatureLists`), calls `f(key, value bytes)`; a missing value is empty.
pub(crate) fn for_each_map_entry<'a>(
    map_msg: &'a [u8],
    mut f: impl FnMut(&'a [u8], &'a [u8]) -> Result<()>,
) -> Result<()> {
    Wire::new(map_msg).for_each_len(1, |entry| {
        let (mut key, mut value): (&[u8], &[u8]) = (&[], &[]);
        let mut wire = Wire::new(entry);
        while let Some(field) = wire.next_field()? {
            match (field.number, field.wire_type) {
                (1, LEN) => key = field.payload,
                (2, LEN) => value = field.payload,
                _ => {}
            }
        }
        f(key, value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(f: &FeatureRef) -> Vec<String> {
        let mut out = Vec::new();
        f.for_each_value(|v| {
            out.push(match v {
                Value::Bytes(b) => format!("{b:?}"),
                Value::Float(x) => x.to_string(),
                Value::Int64(i) => i.to_string(),
            })
        })
        .unwrap();
        out
    }

    #[test]
    fn packed_and_unpacked_lists() {
        // int64_list{1, 300} packed, then unpacked -1 (10-byte varint).
        let packed = [0x1a, 0x05, 0x0a, 0x03, 0x01, 0xac, 0x02];
        let f = FeatureRef::parse(&packed).unwrap().unwrap();
        assert_eq!(
            (f.kind, values(&f)),
            (ListKind::Int64, vec!["1".into(), "300".into()])
        );
        let mut unpacked = vec![0x1a, 0x0b, 0x08];
        unpacked.extend([0xff; 9]);
        unpacked.push(0x01);
        let f = FeatureRef::parse(&unpacked).unwrap().unwrap();
        assert_eq!(values(&f), ["-1"]);
        // float_list{1.5} unpacked (wire type 5).
        let f = FeatureRef::parse(&[0x12, 0x05, 0x0d, 0, 0, 0xc0, 0x3f])
            .unwrap()
            .unwrap();
        assert_eq!(values(&f), ["1.5"]);
    }

    #[test]
    fn unset_oneof_and_malformed_bytes() {
        assert!(FeatureRef::parse(&[]).unwrap().is_none());
        assert!(FeatureRef::parse(&[0x1a, 0x05, 0x0a]).is_err());
        let f = FeatureRef::parse(&[0x12, 0x03, 0x0a, 0x01, 0x00])
            .unwrap()
            .unwrap();
        assert!(f.len().is_err());
        assert!(Wire::new(&[0x80; 11]).varint().is_err());
    }
}
