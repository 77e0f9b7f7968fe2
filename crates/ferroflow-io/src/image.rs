//! PNG and JPEG codecs (`tf.io.decode_png`, `tf.io.encode_png`,
//! `tf.io.decode_jpeg`), returning HWC tensors.
//!
//! ferroflow has no uint16 dtype: 16-bit PNG samples are carried in int32
//! tensors (values 0..=65535) where TensorFlow uses uint16.
//!
//! ```
//! use ferroflow_io::image::{decode_png, encode_png};
//! use ferroflow_tensor::{DType, Tensor};
//! let img = Tensor::from_vec((0..12u8).collect(), [2, 2, 3]).unwrap();
//! let png = encode_png(&img, -1).unwrap();            // tf.io.encode_png(img)
//! let back = decode_png(&png, 0, DType::U8).unwrap(); // tf.io.decode_png(png)
//! assert_eq!(back.to_vec::<u8>().unwrap(), img.to_vec::<u8>().unwrap());
//! let gray = decode_png(&png, 1, DType::U8).unwrap(); // channels=1
//! assert_eq!(gray.dims(), [2, 2, 1]);
//! ```

use crate::{IoError, Result};
use ferroflow_tensor::{DType, Tensor};

/// Largest expansion of compressed bytes into pixels we accept (deflate
/// cannot exceed ~1032:1, then x32 for 1-bit palette to 8-bit RGBA; JPEG
/// blocks stay far below it). Headers declaring more are refused before
/// any pixel buffer is allocated.
const MAX_EXPANSION: u64 = 1032 * 32;
/// Slack added to the bound for tiny images.
const MIN_PIXEL_BYTES: u64 = 1 << 20;

/// Decodes a PNG (`tf.io.decode_png(contents, channels, dtype)`) into
/// `[height, width, channels]`.
///
/// `channels`: 0 keeps the file's (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA;
/// palettes expand to RGB/RGBA), 1 converts to gray (Rec. 709 weights, as
/// libpng), 3 drops or adds color, 4 adds opaque alpha. `dtype`: `U8`
/// (16-bit files keep the high byte, like TensorFlow) or `I32` for 16-bit
/// samples (8-bit files are scaled by 257).
pub fn decode_png(bytes: &[u8], channels: u8, dtype: DType) -> Result<Tensor> {
    const OP: &str = "DecodePng";
    check_channels(OP, channels, &[0, 1, 3, 4])?;
    if !matches!(dtype, DType::U8 | DType::I32) {
        return Err(IoError::invalid(
            OP,
            format!("dtype must be uint8 or int32 (for uint16 samples), got {dtype}"),
        ));
    }
    let png_err = |e: png::DecodingError| IoError::invalid(OP, format!("invalid PNG: {e}"));
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(png_err)?;
    check_pixel_bytes(OP, reader.output_buffer_size() as u64, bytes.len())?;
    let mut buf = vec![0u8; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(png_err)?;
    buf.truncate(info.buffer_size());
    let stored = info.color_type.samples();
    let sixteen = info.bit_depth == png::BitDepth::Sixteen;
    let (samples, opaque): (Vec<u16>, u16) = if sixteen {
        let wide = buf
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]));
        (wide.collect(), u16::MAX)
    } else {
        (
            buf.iter().map(|&b| u16::from(b)).collect(),
            u16::from(u8::MAX),
        )
    };
    let want = if channels == 0 {
        stored
    } else {
        usize::from(channels)
    };
    let pixels = convert_channels(&samples, stored, want, opaque, png_luma)?;
    let dims = [info.height as usize, info.width as usize, want];
    Ok(match (dtype, sixteen) {
        (DType::U8, true) => {
            Tensor::from_vec(pixels.iter().map(|&v| (v >> 8) as u8).collect(), dims)?
        }
        (DType::U8, false) => Tensor::from_vec(pixels.iter().map(|&v| v as u8).collect(), dims)?,
        (_, true) => Tensor::from_vec(pixels.iter().map(|&v| i32::from(v)).collect(), dims)?,
        (_, false) => Tensor::from_vec(pixels.iter().map(|&v| i32::from(v) * 257).collect(), dims)?,
    })
}

/// Encodes `image` (`[height, width, channels]`, 1 to 4 channels; uint8 for
/// 8-bit PNG, int32 in 0..=65535 for 16-bit) as PNG
/// (`tf.io.encode_png(image, compression)`, `compression` -1 for the
/// default or 0..=9).
pub fn encode_png(image: &Tensor, compression: i32) -> Result<Vec<u8>> {
    const OP: &str = "EncodePng";
    let (h, w, c) = match *image.dims() {
        [h, w, c] if (1..=4).contains(&c) => (h, w, c),
        _ => {
            return Err(IoError::invalid(
                OP,
                format!(
                    "image must be [height, width, 1..=4], got {}",
                    image.shape()
                ),
            ))
        }
    };
    let (width, height) = (dim_u32(OP, w)?, dim_u32(OP, h)?);
    let (data, depth) = match image.dtype() {
        DType::U8 => (image.as_slice::<u8>()?.to_vec(), png::BitDepth::Eight),
        DType::I32 => {
            let values = image.as_slice::<i32>()?;
            let mut data = Vec::with_capacity(values.len() * 2);
            for &v in values {
                let v = u16::try_from(v).map_err(|_| {
                    IoError::invalid(OP, format!("16-bit sample {v} is outside 0..=65535"))
                })?;
                data.extend(v.to_be_bytes());
            }
            (data, png::BitDepth::Sixteen)
        }
        other => {
            return Err(IoError::invalid(
                OP,
                format!("image dtype must be uint8 or int32, got {other}"),
            ))
        }
    };
    let level = match compression {
        -1 => png::Compression::Default,
        0..=3 => png::Compression::Fast,
        4..=6 => png::Compression::Default,
        7..=9 => png::Compression::Best,
        other => {
            return Err(IoError::invalid(
                OP,
                format!("compression must be -1 or 0..=9, got {other}"),
            ))
        }
    };
    let color = [
        png::ColorType::Grayscale,
        png::ColorType::GrayscaleAlpha,
        png::ColorType::Rgb,
        png::ColorType::Rgba,
    ][c - 1];
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(depth);
    encoder.set_compression(level);
    let png_err = |e: png::EncodingError| IoError::invalid(OP, format!("cannot encode PNG: {e}"));
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(&data).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}

/// Decodes a baseline or progressive JPEG (`tf.io.decode_jpeg(contents,
/// channels)`) into uint8 `[height, width, channels]`; `channels` 0 keeps the
/// file's (1 or 3), 1 converts to luminance, 3 to RGB. Pixels match
/// TensorFlow's `dct_method="INTEGER_ACCURATE"` within 2 levels; TF's default
/// `INTEGER_FAST` IDCT can land up to ~7 levels away on sharp gradients.
pub fn decode_jpeg(bytes: &[u8], channels: u8) -> Result<Tensor> {
    const OP: &str = "DecodeJpeg";
    check_channels(OP, channels, &[0, 1, 3])?;
    let jpeg_err = |e: jpeg_decoder::Error| IoError::invalid(OP, format!("invalid JPEG: {e}"));
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(jpeg_err)?;
    let info = decoder
        .info()
        .ok_or_else(|| IoError::invalid(OP, "JPEG has no frame header"))?;
    let stored = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        other => {
            return Err(IoError::invalid(
                OP,
                format!("unsupported JPEG pixel format {other:?}"),
            ))
        }
    };
    let pixel_bytes = u64::from(info.width) * u64::from(info.height) * stored as u64;
    check_pixel_bytes(OP, pixel_bytes, bytes.len())?;
    let raw = decoder.decode().map_err(jpeg_err)?;
    let want = if channels == 0 {
        stored
    } else {
        usize::from(channels)
    };
    let samples: Vec<u16> = raw.iter().map(|&b| u16::from(b)).collect();
    let pixels = convert_channels(&samples, stored, want, u16::from(u8::MAX), jpeg_luma)?;
    let dims = [usize::from(info.height), usize::from(info.width), want];
    Ok(Tensor::from_vec(
        pixels.iter().map(|&v| v as u8).collect(),
        dims,
    )?)
}

fn check_channels(op: &str, channels: u8, allowed: &[u8]) -> Result<()> {
    if allowed.contains(&channels) {
        return Ok(());
    }
    Err(IoError::invalid(
        op,
        format!("channels must be one of {allowed:?}, got {channels}"),
    ))
}

fn check_pixel_bytes(op: &str, pixel_bytes: u64, input_len: usize) -> Result<()> {
    let limit = (input_len as u64)
        .saturating_mul(MAX_EXPANSION)
        .saturating_add(MIN_PIXEL_BYTES);
    if pixel_bytes > limit {
        return Err(IoError::invalid(op, format!("header declares {pixel_bytes} pixel bytes, more than {input_len} input bytes can hold")));
    }
    Ok(())
}

fn dim_u32(op: &str, d: usize) -> Result<u32> {
    u32::try_from(d)
        .ok()
        .filter(|&d| d > 0)
        .ok_or_else(|| IoError::invalid(op, format!("image side {d} must be in 1..=u32::MAX")))
}

/// libpng's default RGB-to-gray weights (Rec. 709, 15-bit fixed point).
fn png_luma(r: u16, g: u16, b: u16) -> u16 {
    let y = (6968 * u64::from(r) + 23434 * u64::from(g) + 2366 * u64::from(b) + (1 << 14)) >> 15;
    y as u16
}

/// libjpeg's RGB-to-gray weights (Rec. 601, 16-bit fixed point).
fn jpeg_luma(r: u16, g: u16, b: u16) -> u16 {
    let y = (19595 * u64::from(r) + 38470 * u64::from(g) + 7471 * u64::from(b) + (1 << 15)) >> 16;
    y as u16
}

/// Converts interleaved samples from `from` to `to` channels (1 gray,
/// 2 gray+alpha, 3 RGB, 4 RGBA); `opaque` is the sample maximum (255 or 65535).
fn convert_channels(
    samples: &[u16],
    from: usize,
    to: usize,
    opaque: u16,
    luma: fn(u16, u16, u16) -> u16,
) -> Result<Vec<u16>> {
    if from == to {
        return Ok(samples.to_vec());
    }
    let mut out = Vec::with_capacity(samples.len() / from * to);
    for px in samples.chunks_exact(from) {
        let (color, alpha) = match *px {
            [g] => ([g, g, g], opaque),
            [g, a] => ([g, g, g], a),
            [r, g, b] => ([r, g, b], opaque),
            [r, g, b, a] => ([r, g, b], a),
            _ => {
                return Err(IoError::invalid(
                    "image",
                    format!("cannot convert {from} channels"),
                ))
            }
        };
        let gray = if from <= 2 {
            color[0]
        } else {
            luma(color[0], color[1], color[2])
        };
        match to {
            1 => out.push(gray),
            2 => out.extend([gray, alpha]),
            3 => out.extend(color),
            _ => out.extend([color[0], color[1], color[2], alpha]),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_round_trip_and_channel_conversions() {
        let img = Tensor::from_vec(vec![0i32, 65535, 1000, 40000], [2, 1, 2]).unwrap();
        let png = encode_png(&img, 9).unwrap();
        let back = decode_png(&png, 0, DType::I32).unwrap();
        assert_eq!(back.to_vec::<i32>().unwrap(), img.to_vec::<i32>().unwrap());
        let rgba = decode_png(&png, 4, DType::U8).unwrap();
        assert_eq!(rgba.to_vec::<u8>().unwrap(), [0, 0, 0, 255, 3, 3, 3, 156]);
        let gray = decode_png(&png, 1, DType::U8).unwrap();
        assert_eq!(gray.to_vec::<u8>().unwrap(), [0, 3]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let img = Tensor::from_vec(vec![1u8; 12], [2, 2, 3]).unwrap();
        let png = encode_png(&img, -1).unwrap();
        assert!(decode_png(&png, 2, DType::U8).is_err());
        assert!(decode_png(&png, 0, DType::F32).is_err());
        assert!(decode_png(&png[..png.len() - 20], 0, DType::U8).is_err());
        assert!(decode_png(b"not a png", 0, DType::U8).is_err());
        assert!(encode_png(&img, 10).is_err());
        assert!(encode_png(&Tensor::from_vec(vec![1u8; 10], [2, 1, 5]).unwrap(), -1).is_err());
        assert!(encode_png(&Tensor::from_vec(vec![70000i32], [1, 1, 1]).unwrap(), -1).is_err());
        assert!(encode_png(&Tensor::scalar(1.0f32), -1).is_err());
        assert!(decode_jpeg(&png, 0).is_err());
        assert!(decode_jpeg(b"\xff\xd8\xff", 3).is_err());
    }

    #[test]
    fn a_huge_declared_png_is_refused_before_allocating() {
        let img = Tensor::from_vec(vec![1u8; 3], [1, 1, 3]).unwrap();
        let mut png = encode_png(&img, -1).unwrap();
        // IHDR width/height sit at bytes 16..24; declare 60000 x 60000 and fix the CRC.
        png[16..20].copy_from_slice(&60000u32.to_be_bytes());
        png[20..24].copy_from_slice(&60000u32.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&png[12..29]);
        png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        let err = decode_png(&png, 0, DType::U8).unwrap_err().to_string();
        assert!(err.contains("pixel bytes"), "{err}");
    }
}
