//! CRC-32C (Castagnoli) and TensorFlow's "masked" CRC, used by TFRecord
//! framing, event files and tensor bundles.
//!
//! ```
//! use ferroflow_io::crc::{crc32c, mask, masked_crc32c, unmask};
//! // crc32c(b"abc") as TensorFlow's `crc32c::Value` computes it.
//! assert_eq!(crc32c(b"abc"), 0x364B_3FB7);
//! assert_eq!(masked_crc32c(b"abc"), 0x21F1_576E);
//! assert_eq!(unmask(mask(0x1234_5678)), 0x1234_5678);
//! ```

/// Constant TensorFlow adds after rotating (`kMaskDelta` in `crc32c.h`).
const MASK_DELTA: u32 = 0xA282_EAD8;

/// CRC-32C of `data` (hardware-accelerated where available).
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
}

/// Continues a CRC-32C over more bytes: `extend(crc32c(a), b) == crc32c(a ++ b)`.
pub fn extend(crc: u32, data: &[u8]) -> u32 {
    crc32c::crc32c_append(crc, data)
}

/// Masks a CRC the way TensorFlow stores it: rotate right by 15, add a constant.
pub fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Inverse of [`mask`].
pub fn unmask(masked: u32) -> u32 {
    masked.wrapping_sub(MASK_DELTA).rotate_left(15)
}

/// `mask(crc32c(data))`, the value stored in TFRecord frames and bundles.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    mask(crc32c(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values_from_the_spec() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        assert_eq!(masked_crc32c(b"abc"), 0x21F1_576E);
        assert_eq!(mask(0), 0xA282_EAD8);
        // Length CRC of the TFRecord "abc" record (FORMATS.md 1.1).
        assert_eq!(masked_crc32c(&3u64.to_le_bytes()), 0x0E49_99B0);
        assert_eq!(masked_crc32c(&[0u8; 8]), 0x0798_0329);
    }

    #[test]
    fn extend_and_unmask() {
        assert_eq!(extend(crc32c(b"1234"), b"56789"), crc32c(b"123456789"));
        for crc in [0, 1, 0xFFFF_FFFF, 0x364B_3FB7] {
            assert_eq!(unmask(mask(crc)), crc);
        }
    }
}
