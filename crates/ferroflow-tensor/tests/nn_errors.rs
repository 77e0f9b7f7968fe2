//! Bad inputs to the neural-network kernels give typed errors that name the
//! op and the shapes involved, never panics.

use ferroflow_tensor::kernels::conv::{
    conv2d, conv2d_backprop_filter, conv2d_backprop_input, Padding,
};
use ferroflow_tensor::kernels::depthwise::depthwise_conv2d;
use ferroflow_tensor::kernels::image::{resize_bilinear, resize_nearest};
use ferroflow_tensor::kernels::norm::{
    bias_add, bias_add_grad, fused_batch_norm, fused_batch_norm_grad,
};
use ferroflow_tensor::kernels::pool::{avg_pool_grad, max_pool, max_pool_grad};
use ferroflow_tensor::{DType, Shape, Tensor, TensorError};

fn zeros(shape: &[usize]) -> Tensor {
    Tensor::zeros(DType::F32, shape).unwrap()
}

fn message<T: std::fmt::Debug>(r: ferroflow_tensor::Result<T>) -> String {
    r.unwrap_err().to_string()
}

const S1: [usize; 2] = [1, 1];

#[test]
fn conv2d_rejects_bad_shapes() {
    let x = zeros(&[1, 5, 5, 3]);
    let conv = |x: &Tensor, w: &Tensor, s, p: &Padding| conv2d("Conv2D", x, w, s, S1, p);
    assert_eq!(
        message(conv(
            &zeros(&[5, 5, 3]),
            &zeros(&[3, 3, 3, 2]),
            S1,
            &Padding::Same
        )),
        "Conv2D: input must be 4-dimensional, got shape [5,5,3]"
    );
    assert_eq!(
        message(conv(&x, &zeros(&[3, 3, 3]), S1, &Padding::Same)),
        "Conv2D: filter must be 4-dimensional, got shape [3,3,3]"
    );
    assert_eq!(
        message(conv(&x, &zeros(&[3, 3, 2, 4]), S1, &Padding::Same)),
        "Conv2D: input depth 3 does not match filter in-depth 2 (input [1,5,5,3], filter [3,3,2,4])"
    );
    assert_eq!(
        message(conv(&x, &zeros(&[3, 3, 3, 4]), [0, 1], &Padding::Same)),
        "Conv2D: strides must be positive, got [0, 1]"
    );
    let too_big = message(conv(&x, &zeros(&[6, 2, 3, 4]), S1, &Padding::Valid));
    assert!(
        too_big.starts_with("Conv2D: Computed output size would be negative: input size 5"),
        "{too_big}"
    );
    assert!(too_big.contains("[1,5,5,3]"), "{too_big}");
    let dilated = conv2d(
        "Conv2D",
        &x,
        &zeros(&[3, 3, 3, 4]),
        S1,
        [3, 3],
        &Padding::Valid,
    );
    assert!(message(dilated).contains("effective window size 7"));
}

#[test]
fn conv2d_rejects_bad_dtypes() {
    let x = zeros(&[1, 5, 5, 3]);
    let w64 = Tensor::zeros(DType::F64, [3, 3, 3, 4]).unwrap();
    assert!(matches!(
        conv2d("Conv2D", &x, &w64, S1, S1, &Padding::Same),
        Err(TensorError::DType {
            got: DType::F64,
            ..
        })
    ));
    let xi = Tensor::zeros(DType::I32, [1, 5, 5, 3]).unwrap();
    let wi = Tensor::zeros(DType::I32, [3, 3, 3, 4]).unwrap();
    assert_eq!(
        message(conv2d("Conv2D", &xi, &wi, S1, S1, &Padding::Same)),
        "Conv2D: expected dtype float32 or float64, got int32"
    );
}

#[test]
fn backprops_check_the_gradient_shape() {
    let (x, w) = (zeros(&[1, 5, 5, 3]), zeros(&[3, 3, 3, 4]));
    let dy = zeros(&[1, 5, 5, 2]);
    let msg = message(conv2d_backprop_input(
        "Conv2DBackpropInput",
        x.shape(),
        &w,
        &dy,
        S1,
        S1,
        &Padding::Same,
    ));
    assert_eq!(
        msg,
        "Conv2DBackpropInput: out_backprop must have shape [1,5,5,4], got [1,5,5,2]"
    );
    let msg = message(conv2d_backprop_filter(
        "F",
        &x,
        &Shape::from([3, 3, 3]),
        &dy,
        S1,
        S1,
        &Padding::Same,
    ));
    assert_eq!(msg, "F: filter must be 4-dimensional, got shape [3,3,3]");
    let huge = Shape::from([usize::MAX, 2, 2, 3]);
    assert!(conv2d_backprop_input("B", &huge, &w, &dy, S1, S1, &Padding::Same).is_err());
}

#[test]
fn depthwise_checks_channels() {
    let msg = message(depthwise_conv2d(
        "DepthwiseConv2dNative",
        &zeros(&[1, 5, 5, 3]),
        &zeros(&[3, 3, 2, 2]),
        S1,
        S1,
        &Padding::Same,
    ));
    assert!(
        msg.starts_with("DepthwiseConv2dNative: input depth 3 does not match filter in-depth 2"),
        "{msg}"
    );
}

#[test]
fn pooling_rejects_bad_inputs() {
    let x = zeros(&[1, 4, 4, 2]);
    assert_eq!(
        message(max_pool("MaxPool", &x, [5, 5], [1, 1], &Padding::Valid))
            .split(':')
            .next(),
        Some("MaxPool")
    );
    assert!(max_pool("MaxPool", &x, [2, 2], [1, 0], &Padding::Same).is_err());
    let y = max_pool("MaxPool", &x, [2, 2], [2, 2], &Padding::Valid).unwrap();
    let msg = message(max_pool_grad(
        "MaxPoolGrad",
        &x,
        &y,
        &zeros(&[1, 2, 2, 3]),
        [2, 2],
        [2, 2],
        &Padding::Valid,
    ));
    assert_eq!(
        msg,
        "MaxPoolGrad: grad must have shape [1,2,2,2], got [1,2,2,3]"
    );
    let msg = message(avg_pool_grad(
        "AvgPoolGrad",
        &Shape::from([4, 4]),
        &y,
        [2, 2],
        [2, 2],
        &Padding::Valid,
    ));
    assert_eq!(
        msg,
        "AvgPoolGrad: input must be 4-dimensional, got shape [4,4]"
    );
}

#[test]
fn norms_reject_bad_parameters() {
    let x = zeros(&[2, 3]);
    assert_eq!(
        message(bias_add("BiasAdd", &x, &zeros(&[2]))),
        "BiasAdd: bias must be a vector of the 3 channels, got shape [2]"
    );
    assert_eq!(
        message(bias_add_grad("BiasAddGrad", &zeros(&[3]))),
        "BiasAddGrad: input must be at least 2-D, got shape [3]"
    );
    let (s, o) = (zeros(&[3]), zeros(&[3]));
    assert_eq!(
        message(fused_batch_norm(
            "FusedBatchNormV3",
            &x,
            &s,
            &o,
            None,
            None,
            1e-3,
            false
        )),
        "FusedBatchNormV3: inference needs a mean and a variance"
    );
    let msg = message(fused_batch_norm(
        "FusedBatchNormV3",
        &x,
        &zeros(&[4]),
        &o,
        None,
        None,
        1e-3,
        true,
    ));
    assert_eq!(
        msg,
        "FusedBatchNormV3: scale must be a vector of the 3 channels, got shape [4]"
    );
    let msg = message(fused_batch_norm_grad(
        "G",
        &zeros(&[3, 3]),
        &x,
        &s,
        &s,
        &s,
        1e-3,
        true,
    ));
    assert_eq!(
        msg,
        "G: y_backprop must have the shape of x [2,3], got [3,3]"
    );
}

#[test]
fn resize_rejects_bad_arguments() {
    let x = zeros(&[1, 2, 2, 1]);
    assert_eq!(
        message(resize_bilinear("ResizeBilinear", &x, [4, 4], true, true)),
        "ResizeBilinear: If half_pixel_centers is True, align_corners must be False."
    );
    assert!(resize_nearest("ResizeNearestNeighbor", &x, [0, 4], false, false).is_err());
    assert!(resize_nearest(
        "ResizeNearestNeighbor",
        &zeros(&[1, 0, 2, 1]),
        [2, 2],
        false,
        false
    )
    .is_err());
    assert!(resize_bilinear("ResizeBilinear", &zeros(&[2, 2, 1]), [4, 4], false, false).is_err());
    // An empty batch allocates nothing for a huge size.
    let empty = resize_bilinear(
        "ResizeBilinear",
        &zeros(&[0, 2, 2, 1]),
        [1 << 40, 1 << 40],
        false,
        false,
    );
    assert_eq!(empty.unwrap().dims(), &[0, 1 << 40, 1 << 40, 1]);
}
