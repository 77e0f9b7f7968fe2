//! Images encoded by real TensorFlow (`tools/make_io_fixtures.py`) decode to
//! what `tf.io.decode_png` / `decode_jpeg` return.

use ferroflow_io::image::{decode_jpeg, decode_png, encode_png};
use ferroflow_tensor::DType;
use serde_json::Value;
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn tf_values(key: &str) -> Vec<i64> {
    let text = String::from_utf8(fixture("expected.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["images"][key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

fn as_i64<T: Copy + Into<i64>>(v: Vec<T>) -> Vec<i64> {
    v.into_iter().map(Into::into).collect()
}

#[test]
fn png_decodes_like_tensorflow() {
    let rgb = fixture("image_rgb.png");
    let t = decode_png(&rgb, 0, DType::U8).unwrap();
    assert_eq!(t.dims(), [4, 5, 3]);
    assert_eq!(as_i64(t.to_vec::<u8>().unwrap()), tf_values("rgb"));
    let gray = decode_png(&rgb, 1, DType::U8).unwrap();
    assert_eq!(
        as_i64(gray.to_vec::<u8>().unwrap()),
        tf_values("rgb_as_gray")
    );
    let rgba = decode_png(&rgb, 4, DType::U8).unwrap();
    assert_eq!(
        as_i64(rgba.to_vec::<u8>().unwrap()),
        tf_values("rgb_as_rgba")
    );

    let g16 = fixture("image_gray16.png");
    let t = decode_png(&g16, 0, DType::I32).unwrap();
    assert_eq!(t.dims(), [3, 4, 1]);
    assert_eq!(as_i64(t.to_vec::<i32>().unwrap()), tf_values("gray16"));
    let t8 = decode_png(&g16, 0, DType::U8).unwrap();
    assert_eq!(
        as_i64(t8.to_vec::<u8>().unwrap()),
        tf_values("gray16_as_uint8")
    );
    let rgb16 = decode_png(&g16, 3, DType::I32).unwrap();
    assert_eq!(
        as_i64(rgb16.to_vec::<i32>().unwrap()),
        tf_values("gray16_as_rgb16")
    );
}

#[test]
fn png_round_trips_through_our_encoder() {
    let t = decode_png(&fixture("image_rgb.png"), 0, DType::U8).unwrap();
    for level in [-1, 0, 9] {
        let back = decode_png(&encode_png(&t, level).unwrap(), 0, DType::U8).unwrap();
        assert_eq!(back.to_vec::<u8>().unwrap(), t.to_vec::<u8>().unwrap());
    }
}

#[test]
fn jpeg_decodes_within_two_levels_of_libjpeg_accurate_idct() {
    let jpg = fixture("image.jpg");
    for (channels, key) in [(0, "jpeg_tf_decoded"), (1, "jpeg_gray_tf_decoded")] {
        let t = decode_jpeg(&jpg, channels).unwrap();
        assert_eq!(t.dims(), [16, 16, if channels == 0 { 3 } else { 1 }]);
        let want = tf_values(key);
        let got = as_i64(t.to_vec::<u8>().unwrap());
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .max()
            .unwrap();
        assert!(worst <= 2, "channels={channels}: max difference {worst}");
    }
}
