//! The pooling kernels against plain per-element reference loops on random
//! inputs full of ties, with NaN, ±∞ and −0 mixed in: results must match bit
//! for bit over SAME/VALID/explicit padding, strides 1 to 3, overlapping and
//! disjoint windows, and several channel counts.

use ferroflow_tensor::kernels::pool::{avg_pool, avg_pool_grad, max_pool, max_pool_grad};
use ferroflow_tensor::kernels::window::{Conv2dGeometry, Padding};
use ferroflow_tensor::{Shape, Tensor};

/// Deterministic values from a small set (ties everywhere), with a few NaN,
/// ±∞ and −0.
fn tied_values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            match (s >> 33) % 40 {
                0 => f32::NAN,
                1 => f32::NEG_INFINITY,
                2 => f32::INFINITY,
                3 => -0.0,
                r => (r % 7) as f32 * 0.5 - 1.5,
            }
        })
        .collect()
}

/// The input positions `(iy, ix)` of the window of output `(oy, ox)` that
/// lie inside the input, in row-major order.
fn window(g: &Conv2dGeometry, oy: usize, ox: usize) -> Vec<(usize, usize)> {
    let mut taps = Vec::new();
    for ky in 0..g.kernel[0] {
        for kx in 0..g.kernel[1] {
            let iy = (oy * g.stride[0] + ky) as isize - g.pads[0].0 as isize;
            let ix = (ox * g.stride[1] + kx) as isize - g.pads[1].0 as isize;
            if (0..g.input[0] as isize).contains(&iy) && (0..g.input[1] as isize).contains(&ix) {
                taps.push((iy as usize, ix as usize));
            }
        }
    }
    taps
}

/// Calls `f(out_index, in_indexes)` for every output element: the flat
/// index of `[n, oy, ox, ch]` and those of its window's inputs, in order.
fn for_each_output(g: &Conv2dGeometry, mut f: impl FnMut(usize, Vec<usize>)) {
    let [h, w] = g.input;
    let [oh, ow] = g.output;
    let c = g.in_c;
    for n in 0..g.batch {
        for oy in 0..oh {
            for ox in 0..ow {
                let taps = window(g, oy, ox);
                for ch in 0..c {
                    let ins = taps
                        .iter()
                        .map(|&(iy, ix)| ((n * h + iy) * w + ix) * c + ch)
                        .collect();
                    f(((n * oh + oy) * ow + ox) * c + ch, ins);
                }
            }
        }
    }
}

/// TensorFlow's CPU rules, element by element: the max starts at the lowest
/// finite value and takes strictly greater values; the gradient goes to the first tap unless
/// a later one is strictly greater than the running maximum.
fn reference(g: &Conv2dGeometry, x: &[f32], dy: &[f32]) -> [Vec<f32>; 4] {
    let out_len = g.output_shape().num_elements();
    let (mut max, mut avg) = (vec![0.0; out_len], vec![0.0; out_len]);
    let (mut dmax, mut davg) = (vec![0.0f32; x.len()], vec![0.0f32; x.len()]);
    for_each_output(g, |o, ins| {
        max[o] = ins
            .iter()
            .fold(f32::MIN, |m, &i| if x[i] > m { x[i] } else { m });
        let scale = 1.0 / ins.len().max(1) as f32;
        avg[o] = ins.iter().fold(0.0, |s, &i| s + x[i]) * scale;
        if let Some(&first) = ins.first() {
            let arg = ins
                .iter()
                .fold(first, |a, &i| if x[i] > x[a] { i } else { a });
            dmax[arg] += dy[o];
        }
        ins.iter().for_each(|&i| davg[i] += dy[o] * scale);
    });
    [max, dmax, avg, davg]
}

fn assert_same_bits(what: &str, got: &Tensor, want: &[f32]) {
    let got = got.to_vec::<f32>().unwrap();
    assert_eq!(got.len(), want.len(), "{what}");
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            "{what}: element {k} is {a:?}, want {b:?}"
        );
    }
}

fn check(size: [usize; 2], c: usize, k: [usize; 2], s: [usize; 2], padding: Padding, seed: u64) {
    let input = Shape::from([2, size[0], size[1], c]);
    let what = format!("input {input}, ksize {k:?}, strides {s:?}, {padding:?}");
    let g = Conv2dGeometry::new("MaxPool", &input, k, c, s, [1, 1], &padding).unwrap();
    let x = tied_values(input.num_elements(), seed);
    let dy = tied_values(g.output_shape().num_elements(), seed + 1);
    let [max, dmax, avg, davg] = reference(&g, &x, &dy);
    let xt = Tensor::from_vec(x, input.clone()).unwrap();
    let dyt = Tensor::from_vec(dy, g.output_shape()).unwrap();
    let y = max_pool("MaxPool", &xt, k, s, &padding).unwrap();
    assert_same_bits(&format!("max_pool {what}"), &y, &max);
    let dx = max_pool_grad("MaxPoolGrad", &xt, &y, &dyt, k, s, &padding).unwrap();
    assert_same_bits(&format!("max_pool_grad {what}"), &dx, &dmax);
    let y = avg_pool("AvgPool", &xt, k, s, &padding).unwrap();
    assert_same_bits(&format!("avg_pool {what}"), &y, &avg);
    let dx = avg_pool_grad("AvgPoolGrad", &input, &dyt, k, s, &padding).unwrap();
    assert_same_bits(&format!("avg_pool_grad {what}"), &dx, &davg);
}

#[test]
fn pooling_matches_the_reference_bit_for_bit() {
    let mut seed = 1;
    for size in [[1, 1], [4, 4], [5, 7], [8, 6]] {
        for c in [1, 3, 8, 13] {
            for k in [[1, 1], [2, 2], [3, 3], [2, 3]] {
                for s in [[1, 1], [2, 2], [3, 3], [2, 1]] {
                    for padding in [Padding::Same, Padding::Valid] {
                        if padding == Padding::Valid && (k[0] > size[0] || k[1] > size[1]) {
                            continue;
                        }
                        check(size, c, k, s, padding, seed);
                        seed += 2;
                    }
                }
            }
        }
    }
}

#[test]
fn explicit_padding_windows_may_hold_no_input() {
    // Windows entirely inside the padding: max lowest, average 0, no gradient.
    let padding = Padding::Explicit(vec![(3, 1), (0, 4)]);
    check([4, 5], 3, [2, 2], [2, 2], padding.clone(), 7);
    check([4, 5], 9, [3, 2], [1, 3], padding, 9);
}

#[test]
fn max_pool_grad_ignores_orig_output_values() {
    // Like TensorFlow's CPU kernel, the maxima come from orig_input.
    let x = Tensor::from_vec(vec![1.0f32, 3.0, 3.0, 2.0], [1, 2, 2, 1]).unwrap();
    let dy = Tensor::from_vec(vec![5.0f32], [1, 1, 1, 1]).unwrap();
    let wrong_y = Tensor::from_vec(vec![2.0f32], [1, 1, 1, 1]).unwrap();
    let dx = max_pool_grad(
        "MaxPoolGrad",
        &x,
        &wrong_y,
        &dy,
        [2, 2],
        [2, 2],
        &Padding::Valid,
    );
    assert_eq!(
        dx.unwrap().to_vec::<f32>().unwrap(),
        vec![0.0, 5.0, 0.0, 0.0]
    );
}

#[test]
fn max_pool_nan_and_infinity_follow_tensorflow() {
    // TF 2.21 (CPU): tf.nn.max_pool2d and tf.raw_ops.MaxPoolGrad of this
    // [1, 2, 4, 1] input, 2x2 windows, stride 2, VALID, grad ones.
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    let x = vec![-inf, -inf, nan, 1.0, -inf, -inf, 2.0, 3.0];
    let x = Tensor::from_vec(x, [1, 2, 4, 1]).unwrap();
    let y = max_pool("MaxPool", &x, [2, 2], [2, 2], &Padding::Valid).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![f32::MIN, 3.0]);
    let dy = Tensor::from_vec(vec![1.0f32; 2], [1, 1, 2, 1]).unwrap();
    let dx = max_pool_grad("MaxPoolGrad", &x, &y, &dy, [2, 2], [2, 2], &Padding::Valid);
    let want = vec![1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    assert_eq!(dx.unwrap().to_vec::<f32>().unwrap(), want);
}
