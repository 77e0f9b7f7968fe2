//! IDX files, the format of MNIST and Fashion-MNIST (FORMATS.md section 8),
//! plain or gzip-compressed (detected by magic).
//!
//! ```
//! use ferroflow_io::idx::parse_idx;
//! // magic 00 00 08 (u8) 02 (rank 2), dims 2 x 3, then 6 bytes.
//! let bytes = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];
//! let t = parse_idx(&bytes, "mem.idx").unwrap();
//! assert_eq!((t.dims(), t.to_vec::<u8>().unwrap()), (&[2, 3][..], vec![1, 2, 3, 4, 5, 6]));
//! assert!(parse_idx(&bytes[..17], "mem.idx").is_err());
//! ```

use crate::example::raw_tensor;
use crate::{IoError, Result};
use ferroflow_tensor::{DType, Tensor};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads the IDX file at `path` (`.gz` or plain) into a tensor: u8 data as
/// uint8; i8, i16 and i32 as int32; f32 as float32; f64 as float64.
pub fn read_idx(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let os = |e| IoError::os(path, e);
    let mut file = File::open(path).map_err(os)?;
    let len = file.metadata().map_err(os)?.len();
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(os)?;
    let head = std::io::Cursor::new(magic[..n].to_vec());
    let input = BufReader::new(head.chain(file));
    if magic == GZIP_MAGIC {
        read_stream(MultiGzDecoder::new(input), &name, None)
    } else {
        read_stream(input, &name, Some(len))
    }
}

/// Parses IDX bytes (plain or gzip-compressed); `name` labels errors.
pub fn parse_idx(bytes: &[u8], name: &str) -> Result<Tensor> {
    if bytes.starts_with(&GZIP_MAGIC) {
        read_stream(MultiGzDecoder::new(bytes), name, None)
    } else {
        read_stream(bytes, name, Some(bytes.len() as u64))
    }
}

/// The tensor dtype and byte size of an IDX element type code.
fn element_type(code: u8) -> Option<(DType, usize)> {
    match code {
        0x08 => Some((DType::U8, 1)),
        0x09 => Some((DType::I32, 1)),
        0x0b => Some((DType::I32, 2)),
        0x0c => Some((DType::I32, 4)),
        0x0d => Some((DType::F32, 4)),
        0x0e => Some((DType::F64, 8)),
        _ => None,
    }
}

/// Reads header and data; `known_len` is the uncompressed length when known,
/// checked against the header before anything is allocated.
fn read_stream(mut input: impl Read, name: &str, known_len: Option<u64>) -> Result<Tensor> {
    let corrupt = |offset: u64, msg: String| IoError::Corrupt {
        file: name.to_string(),
        offset,
        msg,
    };
    let mut magic = [0u8; 4];
    read_exact(&mut input, &mut magic, name)
        .map_err(|_| corrupt(0, "file too short for the 4-byte IDX magic".into()))?;
    let code = magic[2];
    let (dtype, size) = element_type(code)
        .filter(|_| magic[..2] == [0, 0])
        .ok_or_else(|| {
            corrupt(
                0,
                format!("bad IDX magic {magic:02x?}: expected 00 00, a type code (08, 09, 0b, 0c, 0d, 0e) and a rank"),
            )
        })?;
    let rank = usize::from(magic[3]);
    if rank == 0 {
        return Err(corrupt(3, "IDX rank must be at least 1".into()));
    }
    let mut raw_dims = vec![0u8; 4 * rank];
    read_exact(&mut input, &mut raw_dims, name)
        .map_err(|_| corrupt(4, format!("file too short for {rank} IDX dimensions")))?;
    let dims: Vec<usize> = raw_dims
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let header = 4 + 4 * rank as u64;
    let data_len = dims
        .iter()
        .try_fold(size, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| corrupt(4, format!("IDX dimensions {dims:?} overflow")))?;
    let want = data_len as u64;
    if let Some(len) = known_len {
        if len != header + want {
            return Err(corrupt(
                header,
                format!("header declares dims {dims:?} ({want} data bytes) but the file holds {} data bytes", len.saturating_sub(header)),
            ));
        }
    }
    let mut data = Vec::new();
    input
        .take(want + 1)
        .read_to_end(&mut data)
        .map_err(|e| IoError::os(name, e))?;
    if data.len() as u64 != want {
        return Err(corrupt(
            header,
            format!("header declares dims {dims:?} ({want} data bytes) but the stream holds {}{} data bytes", data.len(), if data.len() as u64 > want { " or more" } else { "" }),
        ));
    }
    match code {
        0x08 => Ok(Tensor::from_vec(data, dims)?),
        0x09 => Ok(Tensor::from_vec(
            data.iter().map(|&b| i32::from(b as i8)).collect(),
            dims,
        )?),
        0x0b => {
            let values = data
                .chunks_exact(2)
                .map(|c| i32::from(i16::from_be_bytes([c[0], c[1]])));
            Ok(Tensor::from_vec(values.collect(), dims)?)
        }
        _ => raw_tensor("IDX", &[data], dtype, false, dims),
    }
}

fn read_exact(input: &mut impl Read, buf: &mut [u8], name: &str) -> Result<()> {
    input.read_exact(buf).map_err(|e| IoError::os(name, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn idx(code: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, code, dims.len() as u8];
        for d in dims {
            out.extend(d.to_be_bytes());
        }
        out.extend(data);
        out
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn big_endian_element_types() {
        let f = idx(0x0d, &[2], &[0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]);
        assert_eq!(
            parse_idx(&f, "f").unwrap().to_vec::<f32>().unwrap(),
            [1.0, -2.0]
        );
        let s = idx(0x0b, &[2], &[0xff, 0xfe, 0x01, 0x00]);
        assert_eq!(
            parse_idx(&s, "s").unwrap().to_vec::<i32>().unwrap(),
            [-2, 256]
        );
        let b = idx(0x09, &[1], &[0xff]);
        assert_eq!(parse_idx(&b, "b").unwrap().to_vec::<i32>().unwrap(), [-1]);
        let d = idx(0x0e, &[1, 1], &2.5f64.to_be_bytes());
        assert_eq!(parse_idx(&d, "d").unwrap().to_vec::<f64>().unwrap(), [2.5]);
    }

    #[test]
    fn gzip_is_detected_by_magic() {
        let plain = idx(0x08, &[3], &[7, 8, 9]);
        let t = parse_idx(&gz(&plain), "x.gz").unwrap();
        assert_eq!(t.to_vec::<u8>().unwrap(), [7, 8, 9]);
    }

    #[test]
    fn header_declaring_more_items_than_the_file_holds_is_an_error() {
        // 60000 x 28 x 28 declared, 10 bytes present: no 47 MB allocation.
        let lie = idx(0x08, &[60000, 28, 28], &[0; 10]);
        for bytes in [lie.clone(), gz(&lie)] {
            let err = parse_idx(&bytes, "lie.idx").unwrap_err().to_string();
            assert!(
                err.contains("lie.idx") && err.contains("[60000, 28, 28]"),
                "{err}"
            );
        }
        let huge = idx(0x0e, &[u32::MAX, u32::MAX, u32::MAX], &[]);
        assert!(parse_idx(&huge, "huge")
            .unwrap_err()
            .to_string()
            .contains("overflow"));
        let extra = idx(0x08, &[2], &[1, 2, 3]);
        assert!(parse_idx(&gz(&extra), "extra").is_err());
        assert!(parse_idx(&extra, "extra").is_err());
    }

    #[test]
    fn bad_magic_type_code_and_rank_are_errors() {
        for bytes in [
            vec![0, 1, 8, 1, 0, 0, 0, 0],
            vec![0, 0, 0x0a, 1, 0, 0, 0, 0],
            vec![0, 0, 8, 0],
            vec![0, 0, 8],
            vec![0, 0, 8, 2, 0, 0, 0, 1],
        ] {
            let err = parse_idx(&bytes, "bad.idx").unwrap_err();
            assert!(matches!(err, IoError::Corrupt { .. }), "{err}");
        }
    }
}
