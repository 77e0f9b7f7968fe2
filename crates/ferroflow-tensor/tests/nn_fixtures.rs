//! The neural-network kernels against reference values from real
//! TensorFlow, written by `tools/make_nn_fixtures.py` (which holds the same
//! case list and attributes as this file).

use ferroflow_tensor::kernels::conv::{
    conv2d, conv2d_backprop_filter, conv2d_backprop_input, Padding,
};
use ferroflow_tensor::kernels::depthwise::{
    depthwise_conv2d, depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input,
};
use ferroflow_tensor::kernels::image::{resize_bilinear, resize_nearest};
use ferroflow_tensor::kernels::norm::{fused_batch_norm, fused_batch_norm_grad};
use ferroflow_tensor::kernels::pool::{avg_pool, avg_pool_grad, max_pool, max_pool_grad};
use ferroflow_tensor::Tensor;
use std::collections::HashMap;

/// The named tensors of one fixture file.
struct Fixture(HashMap<String, Tensor>);

impl Fixture {
    fn load(case: &str) -> Fixture {
        let path = format!(
            "{}/tests/fixtures/nn/{case}.bin",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut r = Reader(&bytes);
        let mut tensors = HashMap::new();
        while !r.0.is_empty() {
            let name_len = r.u32();
            let name = String::from_utf8(r.take(name_len).to_vec()).unwrap();
            let rank = r.u32();
            let dims: Vec<usize> = (0..rank).map(|_| r.u32()).collect();
            let n: usize = dims.iter().product();
            let data = r
                .take(4 * n)
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            tensors.insert(name, Tensor::from_vec(data, dims).unwrap());
        }
        Fixture(tensors)
    }

    fn get(&self, name: &str) -> &Tensor {
        &self.0[name]
    }

    /// Asserts `got` matches the fixture's `name` within f32 summation error.
    fn check(&self, name: &str, got: &Tensor) {
        let want = self.get(name);
        assert_eq!(got.shape(), want.shape(), "{name}: shape");
        let (g, w) = (got.to_f64_vec().unwrap(), want.to_f64_vec().unwrap());
        for (i, (g, w)) in g.iter().zip(&w).enumerate() {
            assert!(
                (g - w).abs() <= 1e-4 + 1e-4 * w.abs(),
                "{name}[{i}]: got {g}, want {w}"
            );
        }
    }
}

/// A cursor over fixture bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }

    fn u32(&mut self) -> usize {
        u32::from_le_bytes(self.take(4).try_into().unwrap()) as usize
    }
}

const S1: [usize; 2] = [1, 1];

fn conv_case(case: &str, stride: usize, dilation: usize, padding: Padding) {
    let f = Fixture::load(case);
    let (x, w, dy) = (f.get("x"), f.get("w"), f.get("dy"));
    let (s, d) = ([stride; 2], [dilation; 2]);
    f.check("y", &conv2d("Conv2D", x, w, s, d, &padding).unwrap());
    let dx = conv2d_backprop_input("Conv2DBackpropInput", x.shape(), w, dy, s, d, &padding);
    f.check("dx", &dx.unwrap());
    let dw = conv2d_backprop_filter("Conv2DBackpropFilter", x, w.shape(), dy, s, d, &padding);
    f.check("dw", &dw.unwrap());
}

#[test]
fn conv2d_matches_tensorflow() {
    conv_case("conv_same", 1, 1, Padding::Same);
    conv_case("conv_valid_stride2", 2, 1, Padding::Valid);
    conv_case("conv_same_stride2_even_kernel", 2, 1, Padding::Same);
    conv_case("conv_same_dilation2", 1, 2, Padding::Same);
    conv_case("conv_valid_dilation2", 1, 2, Padding::Valid);
    conv_case("conv_1x1", 1, 1, Padding::Valid);
    conv_case("conv_1x1_stride2", 2, 1, Padding::Same);
    conv_case(
        "conv_explicit",
        1,
        1,
        Padding::Explicit(vec![(1, 2), (0, 1)]),
    );
}

fn depthwise_case(case: &str, stride: usize, dilation: usize, padding: Padding) {
    let f = Fixture::load(case);
    let (x, w, dy) = (f.get("x"), f.get("w"), f.get("dy"));
    let (s, d) = ([stride; 2], [dilation; 2]);
    f.check(
        "y",
        &depthwise_conv2d("Depthwise", x, w, s, d, &padding).unwrap(),
    );
    let dx = depthwise_conv2d_backprop_input("Depthwise", x.shape(), w, dy, s, d, &padding);
    f.check("dx", &dx.unwrap());
    let dw = depthwise_conv2d_backprop_filter("Depthwise", x, w.shape(), dy, s, d, &padding);
    f.check("dw", &dw.unwrap());
}

#[test]
fn depthwise_conv2d_matches_tensorflow() {
    depthwise_case("depthwise_same", 1, 1, Padding::Same);
    depthwise_case("depthwise_valid_stride2", 2, 1, Padding::Valid);
    depthwise_case("depthwise_same_dilation2", 1, 2, Padding::Same);
}

fn max_pool_case(case: &str, k: usize, stride: usize, padding: Padding) {
    let f = Fixture::load(case);
    let (x, dy) = (f.get("x"), f.get("dy"));
    let y = max_pool("MaxPool", x, [k; 2], [stride; 2], &padding).unwrap();
    f.check("y", &y);
    let dx = max_pool_grad("MaxPoolGrad", x, &y, dy, [k; 2], [stride; 2], &padding);
    f.check("dx", &dx.unwrap());
}

fn avg_pool_case(case: &str, k: usize, stride: usize, padding: Padding) {
    let f = Fixture::load(case);
    let (x, dy) = (f.get("x"), f.get("dy"));
    f.check(
        "y",
        &avg_pool("AvgPool", x, [k; 2], [stride; 2], &padding).unwrap(),
    );
    let dx = avg_pool_grad("AvgPoolGrad", x.shape(), dy, [k; 2], [stride; 2], &padding);
    f.check("dx", &dx.unwrap());
}

#[test]
fn pooling_matches_tensorflow() {
    max_pool_case("max_pool_same", 3, 2, Padding::Same);
    max_pool_case("max_pool_valid", 2, 2, Padding::Valid);
    avg_pool_case("avg_pool_same", 3, 2, Padding::Same);
    avg_pool_case("avg_pool_valid", 2, 1, Padding::Valid);
}

#[test]
fn max_pool_gradient_goes_to_the_first_of_tied_maxima() {
    max_pool_case("max_pool_ties", 3, 1, Padding::Same);
}

fn batch_norm_case(case: &str, training: bool) {
    let f = Fixture::load(case);
    let (x, scale, offset) = (f.get("x"), f.get("scale"), f.get("offset"));
    let (mean, var) = (f.get("mean"), f.get("var"));
    let out = fused_batch_norm(
        "BN",
        x,
        scale,
        offset,
        Some(mean),
        Some(var),
        1e-3,
        training,
    );
    let out = out.unwrap();
    f.check("y", &out.y);
    f.check("batch_mean", &out.batch_mean);
    f.check("batch_var", &out.batch_variance);
    f.check("saved_var", &out.saved_variance);
    let (sm, sv) = (f.get("saved_mean"), f.get("saved_var"));
    let grads = fused_batch_norm_grad("BNGrad", f.get("dy"), x, scale, sm, sv, 1e-3, training);
    let (dx, dscale, doffset) = grads.unwrap();
    f.check("dx", &dx);
    f.check("dscale", &dscale);
    f.check("doffset", &doffset);
}

#[test]
fn fused_batch_norm_matches_tensorflow() {
    batch_norm_case("batch_norm_training", true);
    batch_norm_case("batch_norm_inference", false);
}

type Resize = fn(&str, &Tensor, [usize; 2], bool, bool) -> ferroflow_tensor::Result<Tensor>;

#[test]
fn resize_matches_tensorflow() {
    for (method, resize) in [
        ("bilinear", resize_bilinear as Resize),
        ("nearest", resize_nearest),
    ] {
        for size in [[8, 11], [3, 4]] {
            for (tag, align, half) in [
                ("legacy", false, false),
                ("align", true, false),
                ("half", false, true),
            ] {
                let f = Fixture::load(&format!("resize_{method}_{}x{}_{tag}", size[0], size[1]));
                let y = resize("Resize", f.get("x"), size, align, half).unwrap();
                f.check("y", &y);
            }
        }
    }
}

#[test]
fn the_seed_cnn_shapes_run() {
    // conv 32 5x5 SAME on 28x28x1 -> maxpool 2 -> conv 64 5x5 SAME, batch 2.
    let x = Tensor::full(0.5f32, [2, 28, 28, 1]).unwrap();
    let w1 = Tensor::full(0.1f32, [5, 5, 1, 32]).unwrap();
    let h = conv2d("Conv2D", &x, &w1, S1, S1, &Padding::Same).unwrap();
    assert_eq!(h.dims(), &[2, 28, 28, 32]);
    // An interior pixel sees 25 taps: 25 * 0.5 * 0.1; a corner sees 9.
    let v = h.as_slice::<f32>().unwrap();
    assert!((v[(14 * 28 + 14) * 32] - 1.25).abs() < 1e-5);
    assert!((v[0] - 0.45).abs() < 1e-5);
    let p = max_pool("MaxPool", &h, [2, 2], [2, 2], &Padding::Same).unwrap();
    let w2 = Tensor::full(0.01f32, [5, 5, 32, 64]).unwrap();
    let h2 = conv2d("Conv2D", &p, &w2, S1, S1, &Padding::Same).unwrap();
    assert_eq!(h2.dims(), &[2, 14, 14, 64]);
}
