//! How one tensor's value is laid out in a bundle's data file
//! (FORMATS.md 5.4): raw little-endian bytes for numeric and bool dtypes;
//! varint lengths, a masked CRC of the lengths and the bytes for strings.

use super::block::u32_at;
use crate::crc::{crc32c, extend, mask, unmask};
use crate::proto::tensor::{tensor_from_le_bytes, tensor_to_le_bytes};
use crate::{IoError, Result};
use ferroflow_tensor::{DType, Shape, Storage, Tensor};
use prost::encoding::{decode_varint, encode_varint};

/// The stored bytes of `tensor` and their masked CRC32C, as TF computes it.
pub(crate) fn encode_tensor(tensor: &Tensor) -> (Vec<u8>, u32) {
    match tensor.as_strings() {
        Ok(strings) => encode_strings(strings),
        Err(_) => {
            let bytes = tensor_to_le_bytes(tensor);
            let crc = masked_crc(&bytes);
            (bytes, crc)
        }
    }
}

fn masked_crc(bytes: &[u8]) -> u32 {
    mask(crc32c(bytes))
}

/// Strings: varint lengths, masked CRC of the lengths, then the bytes. The
/// entry CRC runs over the lengths as u32/u64 LE, the stored length CRC and
/// the bytes.
fn encode_strings(strings: &[Vec<u8>]) -> (Vec<u8>, u32) {
    let mut out = Vec::new();
    for s in strings {
        encode_varint(s.len() as u64, &mut out);
    }
    let raw = lengths_crc(strings.iter().map(|s| s.len() as u64));
    let stored = mask(raw).to_le_bytes();
    out.extend_from_slice(&stored);
    let mut crc = extend(raw, &stored);
    for s in strings {
        out.extend_from_slice(s);
        crc = extend(crc, s);
    }
    (out, mask(crc))
}

/// CRC32C over lengths encoded as u32 LE (u64 LE past `u32::MAX`).
fn lengths_crc(lengths: impl Iterator<Item = u64>) -> u32 {
    lengths.fold(0, |crc, len| match u32::try_from(len) {
        Ok(short) => extend(crc, &short.to_le_bytes()),
        Err(_) => extend(crc, &len.to_le_bytes()),
    })
}

/// The tensor of `dtype` and `shape` stored in `bytes`, after checking the
/// masked CRC `stored_crc`. Errors name the tensor `name`.
pub(crate) fn decode_tensor(
    dtype: DType,
    shape: Shape,
    bytes: &[u8],
    stored_crc: u32,
    name: &str,
) -> Result<Tensor> {
    let what = format!("tensor {name:?}");
    let crc_error = || {
        IoError::invalid(
            &what,
            "checksum does not match: stored vs. calculated on the restored bytes",
        )
    };
    if dtype != DType::String {
        if masked_crc(bytes) != stored_crc {
            return Err(crc_error());
        }
        return tensor_from_le_bytes(dtype, shape, bytes, &what);
    }
    let n = shape.checked_num_elements(&what)?;
    // Every length takes at least one byte: check before allocating.
    if n > bytes.len() {
        return Err(IoError::invalid(
            &what,
            format!("{n} strings cannot fit in {} bytes", bytes.len()),
        ));
    }
    let mut rest = bytes;
    let lengths = (0..n)
        .map(|_| decode_varint(&mut rest))
        .collect::<std::result::Result<Vec<u64>, _>>()
        .map_err(|_| IoError::invalid(&what, "truncated string lengths"))?;
    let total = lengths.iter().try_fold(0u64, |acc, &l| acc.checked_add(l));
    if rest.len() < 4 || total != Some(rest.len() as u64 - 4) {
        return Err(IoError::invalid(
            &what,
            format!(
                "string lengths do not add up to the {} stored bytes",
                bytes.len()
            ),
        ));
    }
    let (stored_lengths_crc, mut data) = rest.split_at(4);
    let raw = lengths_crc(lengths.iter().copied());
    if unmask(u32_at(stored_lengths_crc, 0)) != raw {
        return Err(crc_error());
    }
    let mut crc = extend(raw, stored_lengths_crc);
    let mut strings = Vec::with_capacity(n);
    for len in lengths {
        // The sum of lengths equals the data length, so this cannot overrun.
        let (s, tail) = data.split_at(len as usize);
        crc = extend(crc, s);
        strings.push(s.to_vec());
        data = tail;
    }
    if mask(crc) != stored_crc {
        return Err(crc_error());
    }
    Ok(Tensor::new(Storage::String(strings), shape)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_match_the_spec_bytes() {
        let t = Tensor::from_strings(&["hi", "", "xyz"], [3]).unwrap();
        let (bytes, crc) = encode_tensor(&t);
        assert_eq!(
            bytes,
            [2, 0, 3, 0x1b, 0x42, 0x8b, 0xca, b'h', b'i', b'x', b'y', b'z']
        );
        assert_eq!(crc, 0x2307_FAF1);
        let scalar = Tensor::from_strings(&["x"], []).unwrap();
        assert_eq!(encode_tensor(&scalar).0, [1, 0x1d, 0x15, 0x82, 0x65, b'x']);
        let back = decode_tensor(DType::String, Shape::new(vec![3]), &bytes, crc, "s").unwrap();
        assert_eq!(back.as_strings().unwrap(), t.as_strings().unwrap());
    }

    #[test]
    fn floats_match_the_spec_bytes() {
        let t = Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap();
        let (bytes, crc) = encode_tensor(&t);
        assert_eq!(bytes, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
        assert_eq!(crc, 0x35E5_3C59);
        let empty = Tensor::from_vec(Vec::<f64>::new(), [0]).unwrap();
        assert_eq!(encode_tensor(&empty), (vec![], 0xA282_EAD8));
    }

    #[test]
    fn flipped_bytes_are_errors_naming_the_tensor() {
        let t = Tensor::from_strings(&["hi", "", "xyz"], [3]).unwrap();
        let (bytes, crc) = encode_tensor(&t);
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 1;
            let err = decode_tensor(DType::String, Shape::new(vec![3]), &bad, crc, "names");
            assert!(
                err.unwrap_err().to_string().contains("tensor \"names\""),
                "flip at {i}"
            );
        }
        let (f, crc) = encode_tensor(&Tensor::from_vec(vec![1i64, 2], [2]).unwrap());
        let mut bad = f.clone();
        bad[3] ^= 4;
        let err = decode_tensor(DType::I64, Shape::new(vec![2]), &bad, crc, "w").unwrap_err();
        assert!(err.to_string().contains("checksum does not match"));
        let huge = Shape::new(vec![1 << 40]);
        assert!(decode_tensor(DType::String, huge, &bytes, crc, "s").is_err());
    }
}
