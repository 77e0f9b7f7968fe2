//! Convolutions: `Conv2D`, `DepthwiseConv2dNative`, their input and filter
//! backprops (ops themselves, so second derivatives and graph export work),
//! `conv2d_transpose`, and `BiasAdd` with `BiasAddGrad`.
//!
//! The ops work on NHWC images; the functions accept NCHW by transposing in
//! and out, as TensorFlow's CPU kernels do.

use super::{check_arity, check_dtype, Accepts, ArrayOps, ManipOps};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, Error, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::conv::{
    conv2d, conv2d_backprop_filter, conv2d_backprop_input, conv2d_geometry, Conv2dGeometry,
};
use ferroflow_tensor::kernels::depthwise::{
    depthwise_conv2d, depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input,
    depthwise_geometry,
};
use ferroflow_tensor::kernels::norm::{bias_add, bias_add_grad};
pub use ferroflow_tensor::kernels::window::Padding;
use ferroflow_tensor::{Shape, Tensor};

/// The layout of image tensors, like TensorFlow's `data_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataFormat {
    /// `[batch, height, width, channels]` (TensorFlow's default).
    #[default]
    Nhwc,
    /// `[batch, channels, height, width]`.
    Nchw,
}

impl DataFormat {
    /// Brings a rank-4 `x` in this layout to NHWC.
    pub(crate) fn to_nhwc<H: TensorOps>(self, x: &H) -> Result<H> {
        match self {
            DataFormat::Nhwc => Ok(x.clone()),
            DataFormat::Nchw => x.transpose(&[0, 2, 3, 1]),
        }
    }

    /// Brings a rank-4 NHWC `x` back to this layout.
    pub(crate) fn nhwc_to_format<H: TensorOps>(self, x: &H) -> Result<H> {
        match self {
            DataFormat::Nhwc => Ok(x.clone()),
            DataFormat::Nchw => x.transpose(&[0, 3, 1, 2]),
        }
    }

    /// A `[batch, h, w, c]` size in this layout, read as NHWC.
    fn shape_to_nhwc(self, s: &[usize]) -> Vec<usize> {
        match self {
            DataFormat::Nhwc => s.to_vec(),
            DataFormat::Nchw => vec![s[0], s[2], s[3], s[1]],
        }
    }
}

/// Strides, dilations and padding of a 2-D window over NHWC images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window2d {
    /// Step between windows along height and width.
    pub strides: [usize; 2],
    /// Spacing between window taps (1: adjacent).
    pub dilations: [usize; 2],
    /// SAME, VALID or explicit `(before, after)` pairs for height and width.
    pub padding: Padding,
}

impl Window2d {
    /// A window with `strides` and `padding` and no dilation.
    pub fn new(strides: [usize; 2], padding: Padding) -> Self {
        Window2d {
            strides,
            dilations: [1, 1],
            padding,
        }
    }

    /// The same window with `dilations`.
    pub fn dilated(self, dilations: [usize; 2]) -> Self {
        Window2d { dilations, ..self }
    }

    /// `strides`, `padding` (and `explicit_paddings`) attributes, NHWC.
    pub(crate) fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        let four = |v: [usize; 2]| AttrValue::Ints(vec![1, v[0] as i64, v[1] as i64, 1]);
        let mut attrs = vec![
            ("strides", four(self.strides)),
            ("data_format", AttrValue::Str("NHWC".into())),
        ];
        match &self.padding {
            Padding::Same => attrs.push(("padding", AttrValue::Str("SAME".into()))),
            Padding::Valid => attrs.push(("padding", AttrValue::Str("VALID".into()))),
            Padding::Explicit(p) => {
                attrs.push(("padding", AttrValue::Str("EXPLICIT".into())));
                let mut pads = vec![0, 0];
                pads.extend(p.iter().flat_map(|&(a, b)| [a as i64, b as i64]));
                pads.extend([0, 0]);
                attrs.push(("explicit_paddings", AttrValue::Ints(pads)));
            }
        }
        attrs
    }
}

/// Which convolution: dense (`Conv2D`) or depthwise (`DepthwiseConv2dNative`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvKind {
    /// Every output channel sees every input channel; filter `[kh, kw, in, out]`.
    Dense,
    /// Each input channel has its own filters; filter `[kh, kw, in, multiplier]`.
    Depthwise,
}

impl ConvKind {
    fn forward_type(self) -> &'static str {
        match self {
            ConvKind::Dense => "Conv2D",
            ConvKind::Depthwise => "DepthwiseConv2dNative",
        }
    }

    fn geometry(self, op: &str, x: &Shape, w: &Shape, win: &Window2d) -> Result<Conv2dGeometry> {
        let f = match self {
            ConvKind::Dense => conv2d_geometry,
            ConvKind::Depthwise => depthwise_geometry,
        };
        Ok(f(op, x, w, win.strides, win.dilations, &win.padding)?)
    }

    fn attrs(self, win: &Window2d) -> Vec<(&'static str, AttrValue)> {
        let mut attrs = win.attrs();
        let d = win.dilations;
        attrs.push((
            "dilations",
            AttrValue::Ints(vec![1, d[0] as i64, d[1] as i64, 1]),
        ));
        attrs
    }
}

/// The rank-4 dims of `spec` (input `what` of `op`), erroring on another rank.
fn rank4_dims<'a>(
    op: &str,
    what: &str,
    spec: &'a TensorSpec,
) -> Result<Option<&'a [Option<usize>]>> {
    match spec.shape.dims() {
        Some(d) if d.len() != 4 => fail!(
            op,
            "{what} must be 4-dimensional, got shape {}",
            spec.shape.bracketed()
        ),
        d => Ok(d),
    }
}

/// Checks float inputs of one dtype.
fn check_floats(op: &str, inputs: &[TensorSpec]) -> Result<()> {
    check_dtype(op, inputs, 0, Accepts::Float)?;
    same_dtypes(op, inputs)
}

/// Checks every input has input 0's dtype.
pub(crate) fn same_dtypes(op: &str, inputs: &[TensorSpec]) -> Result<()> {
    for (i, spec) in inputs.iter().enumerate().skip(1) {
        if spec.dtype != inputs[0].dtype {
            fail!(
                op,
                "input #{i}(zero-based) was expected to be a {} tensor but is a {} tensor",
                inputs[0].dtype,
                spec.dtype
            );
        }
    }
    Ok(())
}

/// The output spec of a convolution of `x` by `w`, exact when both shapes
/// are known, else with the dimensions that are known.
fn conv_spec(
    kind: ConvKind,
    op: &str,
    x: &TensorSpec,
    w: &TensorSpec,
    win: &Window2d,
) -> Result<TensorSpec> {
    let xd = rank4_dims(op, "input", x)?;
    let wd = rank4_dims(op, "filter", w)?;
    if let (Some(xs), Some(ws)) = (x.shape.to_shape(), w.shape.to_shape()) {
        let g = kind.geometry(op, &xs, &ws, win)?;
        return Ok(TensorSpec::new(
            x.dtype,
            PartialShape::known(&g.output_shape()),
        ));
    }
    if let (Some(xd), Some(wd)) = (xd, wd) {
        if let (Some(a), Some(b)) = (xd[3], wd[2]) {
            if a != b {
                fail!(
                    op,
                    "input depth must be evenly divisible by filter depth: {a} vs {b} \
                     (input {}, filter {})",
                    x.shape.bracketed(),
                    w.shape.bracketed()
                );
            }
        }
    }
    let batch = xd.and_then(|d| d[0]);
    let out_c = wd.and_then(|d| match kind {
        ConvKind::Dense => d[3],
        ConvKind::Depthwise => Some(d[2]? * d[3]?),
    });
    Ok(TensorSpec::new(
        x.dtype,
        PartialShape::from_dims(&[batch, None, None, out_c]),
    ))
}

/// The fully known static shape of `h` (a backprop op needs it as an attribute).
fn known_shape<H: TensorOps>(op: &str, what: &str, h: &H) -> Result<Shape> {
    h.static_shape().to_shape().ok_or_else(|| {
        Error::invalid(
            op,
            format!(
                "the shape of {what} must be fully known, got {}",
                h.static_shape().bracketed()
            ),
        )
    })
}

/// A 2-D convolution of NHWC `input` by `filter`: `Conv2D` or
/// `DepthwiseConv2dNative`.
#[derive(Debug, Clone)]
pub struct Conv {
    pub kind: ConvKind,
    pub window: Window2d,
}

impl Conv {
    fn of(kind: ConvKind, window: &Window2d) -> Conv {
        Conv {
            kind,
            window: window.clone(),
        }
    }

    fn forward<H: TensorOps>(&self, x: &H, w: &H) -> Result<H> {
        apply1(self.clone(), &[x, w])
    }

    /// The gradient for the input (shaped like `x`), as a backprop op.
    fn input_grad<H: TensorOps>(&self, x: &H, w: &H, dy: &H) -> Result<H> {
        let op = ConvBackpropInput {
            kind: self.kind,
            input_shape: known_shape(self.kind.forward_type(), "input", x)?,
            window: self.window.clone(),
        };
        apply1(op, &[w, dy])
    }

    /// The gradient for the filter (shaped like `w`), as a backprop op.
    fn filter_grad<H: TensorOps>(&self, x: &H, w: &H, dy: &H) -> Result<H> {
        let op = ConvBackpropFilter {
            kind: self.kind,
            filter_shape: known_shape(self.kind.forward_type(), "filter", w)?,
            window: self.window.clone(),
        };
        apply1(op, &[x, dy])
    }
}

impl OpDef for Conv {
    fn op_type(&self) -> &'static str {
        self.kind.forward_type()
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.kind.attrs(&self.window)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 2)?;
        check_floats(op, inputs)?;
        Ok(vec![conv_spec(
            self.kind,
            op,
            &inputs[0],
            &inputs[1],
            &self.window,
        )?])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.kind {
            ConvKind::Dense => conv2d,
            ConvKind::Depthwise => depthwise_conv2d,
        };
        let w = &self.window;
        Ok(vec![f(
            ctx.name,
            inputs[0],
            inputs[1],
            w.strides,
            w.dilations,
            &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (x, w, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
        Ok(vec![
            Some(self.input_grad(x, w, dy)?),
            Some(self.filter_grad(x, w, dy)?),
        ])
    }
}

/// The gradient of a convolution with respect to its input, from `filter`
/// and `out_backprop`: `Conv2DBackpropInput` (also `conv2d_transpose`) or
/// `DepthwiseConv2dNativeBackpropInput`. TensorFlow's `input_sizes` input is
/// the `input_shape` attribute here.
#[derive(Debug, Clone)]
pub struct ConvBackpropInput {
    pub kind: ConvKind,
    pub input_shape: Shape,
    pub window: Window2d,
}

impl OpDef for ConvBackpropInput {
    fn op_type(&self) -> &'static str {
        match self.kind {
            ConvKind::Dense => "Conv2DBackpropInput",
            ConvKind::Depthwise => "DepthwiseConv2dNativeBackpropInput",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.kind.attrs(&self.window)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 2)?;
        check_floats(op, inputs)?;
        let (w, dy) = (&inputs[0], &inputs[1]);
        rank4_dims(op, "filter", w)?;
        rank4_dims(op, "out_backprop", dy)?;
        if let Some(ws) = w.shape.to_shape() {
            let g = self
                .kind
                .geometry(op, &self.input_shape, &ws, &self.window)?;
            if !dy
                .shape
                .is_compatible_with(&PartialShape::known(&g.output_shape()))
            {
                fail!(
                    op,
                    "out_backprop must have shape {}, got {} (input {}, filter {})",
                    g.output_shape(),
                    dy.shape.bracketed(),
                    self.input_shape,
                    ws
                );
            }
        }
        Ok(vec![TensorSpec::new(
            w.dtype,
            PartialShape::known(&self.input_shape),
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.kind {
            ConvKind::Dense => conv2d_backprop_input,
            ConvKind::Depthwise => depthwise_conv2d_backprop_input,
        };
        let w = &self.window;
        Ok(vec![f(
            ctx.name,
            &self.input_shape,
            inputs[0],
            inputs[1],
            w.strides,
            w.dilations,
            &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (w, dy, g) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
        let conv = Conv::of(self.kind, &self.window);
        Ok(vec![
            Some(conv.filter_grad(g, w, dy)?),
            Some(conv.forward(g, w)?),
        ])
    }
}

/// The gradient of a convolution with respect to its filter, from `input`
/// and `out_backprop`: `Conv2DBackpropFilter` or
/// `DepthwiseConv2dNativeBackpropFilter`. TensorFlow's `filter_sizes` input
/// is the `filter_shape` attribute here.
#[derive(Debug, Clone)]
pub struct ConvBackpropFilter {
    pub kind: ConvKind,
    pub filter_shape: Shape,
    pub window: Window2d,
}

impl OpDef for ConvBackpropFilter {
    fn op_type(&self) -> &'static str {
        match self.kind {
            ConvKind::Dense => "Conv2DBackpropFilter",
            ConvKind::Depthwise => "DepthwiseConv2dNativeBackpropFilter",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.kind.attrs(&self.window)
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 2)?;
        check_floats(op, inputs)?;
        let (x, dy) = (&inputs[0], &inputs[1]);
        let filter = TensorSpec::new(x.dtype, PartialShape::known(&self.filter_shape));
        let out = conv_spec(self.kind, op, x, &filter, &self.window)?;
        rank4_dims(op, "out_backprop", dy)?;
        if !dy.shape.is_compatible_with(&out.shape) {
            fail!(
                op,
                "out_backprop must have shape {}, got {} (input {}, filter {})",
                out.shape.bracketed(),
                dy.shape.bracketed(),
                x.shape.bracketed(),
                self.filter_shape
            );
        }
        Ok(vec![filter])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.kind {
            ConvKind::Dense => conv2d_backprop_filter,
            ConvKind::Depthwise => depthwise_conv2d_backprop_filter,
        };
        let w = &self.window;
        Ok(vec![f(
            ctx.name,
            inputs[0],
            &self.filter_shape,
            inputs[1],
            w.strides,
            w.dilations,
            &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (x, dy, g) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
        let conv = Conv::of(self.kind, &self.window);
        Ok(vec![
            Some(conv.input_grad(x, g, dy)?),
            Some(conv.forward(x, g)?),
        ])
    }
}

/// Adds a per-channel bias to the last axis, like `tf.nn.bias_add` (NHWC).
#[derive(Debug, Clone, Copy)]
pub struct BiasAdd;

impl OpDef for BiasAdd {
    fn op_type(&self) -> &'static str {
        "BiasAdd"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("data_format", AttrValue::Str("NHWC".into()))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("BiasAdd", inputs, 2)?;
        check_dtype("BiasAdd", inputs, 0, Accepts::Numeric)?;
        same_dtypes("BiasAdd", inputs)?;
        let (x, b) = (&inputs[0], &inputs[1]);
        let channels = match x.shape.dims() {
            Some(d) if d.len() < 2 => fail!(
                "BiasAdd",
                "Input tensor must be at least 2D: {}",
                x.shape.bracketed()
            ),
            Some(d) => d[d.len() - 1],
            None => None,
        };
        match b.shape.dims() {
            Some(d) if d.len() != 1 => {
                fail!("BiasAdd", "Biases must be 1D: {}", b.shape.bracketed())
            }
            Some(&[Some(n)]) if channels.is_some_and(|c| c != n) => fail!(
                "BiasAdd",
                "Must provide as many biases as the last dimension of the input tensor: {} vs. {}",
                b.shape.bracketed(),
                x.shape.bracketed()
            ),
            _ => {}
        }
        Ok(vec![x.clone()])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![bias_add(ctx.name, inputs[0], inputs[1])?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let dy = &a.grads[0];
        Ok(vec![Some(dy.clone()), Some(apply1(BiasAddGrad, &[dy])?)])
    }
}

/// The gradient of [`BiasAdd`] for its bias: `out_backprop` summed over
/// every axis but the last, like `tf.raw_ops.BiasAddGrad`.
#[derive(Debug, Clone, Copy)]
pub struct BiasAddGrad;

impl OpDef for BiasAddGrad {
    fn op_type(&self) -> &'static str {
        "BiasAddGrad"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("data_format", AttrValue::Str("NHWC".into()))]
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        check_arity("BiasAddGrad", inputs, 1)?;
        check_dtype("BiasAddGrad", inputs, 0, Accepts::Numeric)?;
        let c = match inputs[0].shape.dims() {
            Some(d) if d.len() < 2 => fail!(
                "BiasAddGrad",
                "Input tensor must be at least 2D: {}",
                inputs[0].shape.bracketed()
            ),
            Some(d) => d[d.len() - 1],
            None => None,
        };
        Ok(vec![TensorSpec::new(
            inputs[0].dtype,
            PartialShape::from_dims(&[c]),
        )])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![bias_add_grad(ctx.name, inputs[0])?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        Ok(vec![Some(a.grads[0].broadcast_like(&a.inputs[0])?)])
    }
}

/// Convolutions on any handle, like `tf.nn.conv2d` and friends. `self` is
/// the input image batch.
///
/// ```
/// use ferroflow_core::prelude::*;
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [1, 2, 2, 1]).unwrap();
/// let w = Tensor::from_vec(vec![1.0f32; 4], [2, 2, 1, 1]).unwrap();
/// let y = x.conv2d(&w, &Window2d::new([1, 1], Padding::Valid), DataFormat::Nhwc).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![10.0]);
/// ```
pub trait ConvOps: TensorOps {
    /// A 2-D convolution by `filter` (`[kh, kw, in, out]`), like
    /// `tf.nn.conv2d(input, filters, strides, padding, data_format, dilations)`.
    fn conv2d(&self, filter: &Self, window: &Window2d, format: DataFormat) -> Result<Self> {
        conv(ConvKind::Dense, self, filter, window, format)
    }

    /// A depthwise convolution by `filter` (`[kh, kw, in, multiplier]`),
    /// like `tf.nn.depthwise_conv2d`.
    fn depthwise_conv2d(
        &self,
        filter: &Self,
        window: &Window2d,
        format: DataFormat,
    ) -> Result<Self> {
        conv(ConvKind::Depthwise, self, filter, window, format)
    }

    /// The transpose of `conv2d` (the gradient of `conv2d` for its input),
    /// like `tf.nn.conv2d_transpose(input, filters, output_shape, strides,
    /// padding, data_format, dilations)`. `filter` is `[kh, kw, out, in]`
    /// and `output_shape` is in `format`'s layout.
    fn conv2d_transpose(
        &self,
        filter: &Self,
        output_shape: &[usize],
        window: &Window2d,
        format: DataFormat,
    ) -> Result<Self> {
        if output_shape.len() != 4 {
            fail!(
                "conv2d_transpose",
                "output_shape must have 4 elements, got {output_shape:?}"
            );
        }
        let op = ConvBackpropInput {
            kind: ConvKind::Dense,
            input_shape: Shape::from(format.shape_to_nhwc(output_shape).as_slice()),
            window: window.clone(),
        };
        format.nhwc_to_format(&apply1(op, &[filter, &format.to_nhwc(self)?])?)
    }

    /// Adds `bias` along the channel axis, like `tf.nn.bias_add(value, bias,
    /// data_format)`; NCHW needs a rank-4 value.
    fn bias_add(&self, bias: &Self, format: DataFormat) -> Result<Self> {
        format.nhwc_to_format(&apply1(BiasAdd, &[&format.to_nhwc(self)?, bias])?)
    }
}

impl<H: TensorOps> ConvOps for H {}

fn conv<H: TensorOps>(
    kind: ConvKind,
    x: &H,
    w: &H,
    window: &Window2d,
    format: DataFormat,
) -> Result<H> {
    if format == DataFormat::Nchw {
        rank4_dims(kind.forward_type(), "input", &x.spec())?;
    }
    format.nhwc_to_format(&Conv::of(kind, window).forward(&format.to_nhwc(x)?, w)?)
}
