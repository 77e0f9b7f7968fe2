//! Turning an image batch tensor into PNG files for image summaries.

use crate::image::encode_png;
use crate::{IoError, Result};
use ferroflow_tensor::{DType, Tensor};

/// A batch of 8-bit images `[n, height, width, channels]`.
pub(crate) struct ImageBatch {
    pub n: usize,
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pixels: Vec<u8>,
}

impl ImageBatch {
    /// Checks `images` (rank 4, 1/2/3/4 channels, uint8 or float in [0, 1])
    /// and converts floats to uint8 like `tf.image.convert_image_dtype`
    /// with `saturate=True` (multiply by 255.5, clamp, truncate).
    pub(crate) fn from_tensor(images: &Tensor, what: &str) -> Result<Self> {
        let &[n, height, width, channels] = images.dims() else {
            return Err(IoError::invalid(
                what,
                format!(
                    "expected images of shape [k, h, w, c], got {}",
                    images.shape()
                ),
            ));
        };
        if !(1..=4).contains(&channels) {
            return Err(IoError::invalid(
                what,
                format!("expected 1 to 4 channels, got {channels}"),
            ));
        }
        let pixels = match images.dtype() {
            DType::U8 => images.to_vec::<u8>()?,
            DType::F32 | DType::F64 => images
                .to_f64_vec()?
                .into_iter()
                .map(|v| (v * 255.5).clamp(0.0, 255.0) as u8)
                .collect(),
            other => {
                return Err(IoError::invalid(
                    what,
                    format!("expected uint8 or float images, got {other}"),
                ))
            }
        };
        Ok(ImageBatch {
            n,
            height,
            width,
            channels,
            pixels,
        })
    }

    /// Image `i` (< `n`) of the batch encoded as PNG.
    pub(crate) fn png(&self, i: usize) -> Result<Vec<u8>> {
        let size = self.height * self.width * self.channels;
        let pixels = self.pixels[i * size..(i + 1) * size].to_vec();
        let image = Tensor::from_vec(pixels, [self.height, self.width, self.channels])?;
        encode_png(&image, -1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_convert_like_tf() {
        let t = Tensor::from_vec(vec![0.0f32, 0.5, 0.999, 1.2, -0.1, 1.0], [1, 1, 2, 3]).unwrap();
        let batch = ImageBatch::from_tensor(&t, "img").unwrap();
        assert_eq!(batch.pixels, [0, 127, 255, 255, 0, 255]);
        let png = batch.png(0).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut reader = png::Decoder::new(png.as_slice()).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).unwrap();
        assert_eq!(buf, batch.pixels);
    }

    #[test]
    fn bad_batches_are_errors() {
        let rank3 = Tensor::from_vec(vec![0u8; 4], [2, 2, 1]).unwrap();
        assert!(ImageBatch::from_tensor(&rank3, "x").is_err());
        let five = Tensor::from_vec(vec![0u8; 5], [1, 1, 1, 5]).unwrap();
        assert!(ImageBatch::from_tensor(&five, "x").is_err());
        let ints = Tensor::from_vec(vec![0i32; 3], [1, 1, 1, 3]).unwrap();
        assert!(ImageBatch::from_tensor(&ints, "x").is_err());
    }
}
