//! Convolutions whose im2col matrix is packed in several blocks per image,
//! each with its own padding pattern, in one reused buffer: every block must
//! equal a direct convolution (no stale values left in the padding).

use ferroflow_tensor::kernels::conv::{conv2d, Padding};
use ferroflow_tensor::Tensor;

fn values(n: usize, seed: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 7919 + seed) % 13) as f64 - 6.0)
        .collect()
}

/// `tf.nn.conv2d(x, w, strides=1, padding="SAME", dilations)` computed
/// directly, for `x` `[1, h, w, c]` and `w` `[kh, kw, c, o]`.
fn direct_same(
    x: &[f64],
    [h, wd, c]: [usize; 3],
    w: &[f64],
    [kh, kw, o]: [usize; 3],
    d: [usize; 2],
) -> Vec<f64> {
    let (top, left) = (((kh - 1) * d[0]) / 2, ((kw - 1) * d[1]) / 2);
    let mut y = vec![0.0; h * wd * o];
    for oy in 0..h {
        for ox in 0..wd {
            for ky in 0..kh {
                for kx in 0..kw {
                    let (iy, ix) = (oy + ky * d[0], ox + kx * d[1]);
                    if iy < top || ix < left || iy - top >= h || ix - left >= wd {
                        continue;
                    }
                    let (iy, ix) = (iy - top, ix - left);
                    for ci in 0..c {
                        for oi in 0..o {
                            y[(oy * wd + ox) * o + oi] +=
                                x[(iy * wd + ix) * c + ci] * w[((ky * kw + kx) * c + ci) * o + oi];
                        }
                    }
                }
            }
        }
    }
    y
}

#[test]
fn blocked_im2col_with_padding_equals_a_direct_convolution() {
    // 64 channels of f64 and a 3x3 window: 4,608-byte im2col rows, so the
    // 20x20 image's 400 rows are packed in two 1 MiB blocks.
    let (h, wd, c, o) = (20, 20, 64, 2);
    let x = values(h * wd * c, 1);
    let w = values(3 * 3 * c * o, 5);
    for dilations in [[1, 1], [2, 3]] {
        let xt = Tensor::from_vec(x.clone(), [1, h, wd, c]).unwrap();
        let wt = Tensor::from_vec(w.clone(), [3, 3, c, o]).unwrap();
        let y = conv2d("Conv2D", &xt, &wt, [1, 1], dilations, &Padding::Same).unwrap();
        let want = direct_same(&x, [h, wd, c], &w, [3, 3, o], dilations);
        assert_eq!(y.to_vec::<f64>().unwrap(), want, "dilations {dilations:?}");
    }
}
