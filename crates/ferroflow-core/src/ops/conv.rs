//! Convolutions: `Conv2D`, `DepthwiseConv2dNative`, their input and filter
//! backprops (ops themselves, so second derivatives and graph export work),
//! `conv2d_transpose`, and `BiasAdd` with `BiasAddGrad`.
//!
//! The ops work on NHWC images; the functions accept NCHW by transposing in
//! and out, as TensorFlow's CPU kernels do.

use super::{check_arity, check_dtype, Accepts, ArrayOps, ManipOps, ReluGrad};
use crate::handle::apply1;
use crate::{
    fail, AttrValue, GradArgs, OpContext, OpDef, PartialShape, Result, TensorOps, TensorSpec,
};
use ferroflow_tensor::kernels::conv::{
    conv2d, conv2d_backprop_filter, conv2d_backprop_input, conv2d_bias_activation, conv2d_geometry,
    Conv2dGeometry,
};
use ferroflow_tensor::kernels::depthwise::{
    depthwise_conv2d, depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input,
    depthwise_geometry,
};
use ferroflow_tensor::kernels::norm::{bias_add, bias_add_grad};
pub use ferroflow_tensor::kernels::window::Padding;
use ferroflow_tensor::{DType, Shape, Tensor};

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

/// The output spec of a convolution of `x` by `w`: the spatial size is
/// known when the image size and the filter are, whatever the batch.
fn conv_spec(
    kind: ConvKind,
    op: &str,
    x: &TensorSpec,
    w: &TensorSpec,
    win: &Window2d,
) -> Result<TensorSpec> {
    let xd = rank4_dims(op, "input", x)?;
    let wd = rank4_dims(op, "filter", w)?;
    let (Some(xd), Some(wd)) = (xd, wd) else {
        let batch = xd.and_then(|d| d[0]);
        return Ok(TensorSpec::new(
            x.dtype,
            PartialShape::from_dims(&[batch, None, None, None]),
        ));
    };
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
    let mut out = match kind {
        ConvKind::Dense => [xd[0], None, None, wd[3]],
        ConvKind::Depthwise => [xd[0], None, None, wd[2].zip(wd[3]).map(|(c, m)| c * m)],
    };
    if let (Some(h), Some(wi), Some(ws)) = (xd[1], xd[2], w.shape.to_shape()) {
        // One image of the filter's depth has the same output size.
        let probe = Shape::from([1, h, wi, ws.dims()[2]]);
        let g = kind.geometry(op, &probe, &ws, win)?;
        out[1] = Some(g.output[0]);
        out[2] = Some(g.output[1]);
    }
    Ok(TensorSpec::new(x.dtype, PartialShape::from_dims(&out)))
}

/// The shape of `x` as an int32 tensor: a constant when statically known,
/// else a `Shape` node (how TensorFlow feeds `input_sizes`).
pub(crate) fn sizes_of<H: TensorOps>(x: &H) -> Result<H> {
    match x.static_shape().to_shape() {
        Some(s) => x.constant_like(sizes_tensor(s.dims())?),
        None => x.shape_tensor(),
    }
}

/// `dims` as an int32 vector.
fn sizes_tensor(dims: &[usize]) -> Result<Tensor> {
    let v = dims.iter().map(|&d| d as i32).collect::<Vec<_>>();
    Ok(Tensor::from_vec(v, [dims.len()])?)
}

/// Reads a shape from an int `sizes` tensor of `n` non-negative values.
pub(crate) fn read_sizes(op: &str, what: &str, sizes: &Tensor, n: usize) -> Result<Shape> {
    let v = sizes.to_f64_vec()?;
    if !matches!(sizes.dtype(), DType::I32 | DType::I64)
        || v.len() != n
        || v.iter().any(|&d| d < 0.0)
    {
        fail!(
            op,
            "{what} must be a {n}-element vector of non-negative int32 or int64, got {sizes}"
        );
    }
    Ok(Shape::from(
        v.iter().map(|&d| d as usize).collect::<Vec<_>>().as_slice(),
    ))
}

/// Checks a sizes input (`input_sizes`, `filter_sizes`) is an int vector.
fn check_sizes(op: &str, what: &str, spec: &TensorSpec) -> Result<()> {
    if !matches!(spec.dtype, DType::I32 | DType::I64) || spec.shape.rank().is_some_and(|r| r != 1) {
        fail!(
            op,
            "{what} must be an int32 or int64 vector, got a {} tensor of shape {}",
            spec.dtype,
            spec.shape.bracketed()
        );
    }
    Ok(())
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
            conv: self.clone(),
            input_shape: x.static_shape(),
        };
        apply1(op, &[&sizes_of(x)?, w, dy])
    }

    /// The gradient for the filter (shaped like `w`), as a backprop op.
    fn filter_grad<H: TensorOps>(&self, x: &H, w: &H, dy: &H) -> Result<H> {
        let op = ConvBackpropFilter {
            conv: self.clone(),
            filter_shape: w.static_shape(),
        };
        apply1(op, &[x, &sizes_of(w)?, dy])
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
        let spec = conv_spec(self.kind, op, &inputs[0], &inputs[1], &self.window)?;
        Ok(vec![spec])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.kind {
            ConvKind::Dense => conv2d,
            ConvKind::Depthwise => depthwise_conv2d,
        };
        let w = &self.window;
        let (x, filter) = (inputs[0], inputs[1]);
        Ok(vec![f(
            ctx.name,
            x,
            filter,
            w.strides,
            w.dilations,
            &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        self.gradient_for(a, &[true, true])
    }
    fn gradient_for<H: TensorOps>(
        &self,
        a: GradArgs<'_, H>,
        needed: &[bool],
    ) -> Result<Vec<Option<H>>> {
        let (x, w, dy) = (&a.inputs[0], &a.inputs[1], &a.grads[0]);
        let need = |i: usize| needed.get(i).copied().unwrap_or(true);
        let dx = need(0).then(|| self.input_grad(x, w, dy)).transpose()?;
        let dw = need(1).then(|| self.filter_grad(x, w, dy)).transpose()?;
        Ok(vec![dx, dw])
    }
}

/// A dense convolution with its bias added and, if `relu`, ReLU applied,
/// as one op: TensorFlow's `_FusedConv2D` with `fused_ops = ["BiasAdd"]`
/// or `["BiasAdd", "Relu"]` (inputs `input`, `filter`, `bias`), what its
/// graph optimizer makes of `Conv2D` → `BiasAdd` → `Relu`. The kernel
/// finishes each block of output rows while it is in cache; the gradient
/// is the three ops' gradients.
#[derive(Debug, Clone)]
pub struct FusedConv2D {
    pub window: Window2d,
    pub relu: bool,
    /// The dtype of the inputs (TensorFlow's `TArgs` lists the bias's).
    pub dtype: DType,
}

impl OpDef for FusedConv2D {
    fn op_type(&self) -> &'static str {
        "_FusedConv2D"
    }
    /// Node names may not start with `_` in TensorFlow.
    fn default_name(&self) -> &'static str {
        "FusedConv2D"
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        let mut attrs = ConvKind::Dense.attrs(&self.window);
        let mut fused = vec!["BiasAdd".to_string()];
        if self.relu {
            fused.push("Relu".into());
        }
        attrs.push(("num_args", AttrValue::Int(1)));
        attrs.push(("TArgs", AttrValue::Types(vec![self.dtype])));
        attrs.push(("fused_ops", AttrValue::Strs(fused)));
        attrs
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 3)?;
        check_floats(op, inputs)?;
        let spec = conv_spec(ConvKind::Dense, op, &inputs[0], &inputs[1], &self.window)?;
        let channels = spec.shape.dims().and_then(|d| d.last().copied().flatten());
        let bias = &inputs[2].shape;
        let fits = match bias.dims() {
            None => true,
            Some([b]) => b.zip(channels).is_none_or(|(b, c)| b == c),
            Some(_) => false,
        };
        if !fits {
            fail!(
                op,
                "bias must be a vector of the {} output channels, got shape {}",
                channels.map_or("?".into(), |c| c.to_string()),
                bias.bracketed()
            );
        }
        Ok(vec![spec])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let w = &self.window;
        let [x, filter, bias] = [inputs[0], inputs[1], inputs[2]];
        Ok(vec![conv2d_bias_activation(
            ctx.name,
            x,
            filter,
            bias,
            self.relu,
            w.strides,
            w.dilations,
            &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        self.gradient_for(a, &[true, true, true])
    }
    fn gradient_for<H: TensorOps>(
        &self,
        a: GradArgs<'_, H>,
        needed: &[bool],
    ) -> Result<Vec<Option<H>>> {
        let (x, w, y, dy) = (&a.inputs[0], &a.inputs[1], &a.outputs[0], &a.grads[0]);
        // ReLU passes the gradient where its output is positive, which is
        // where its input was.
        let dz = if self.relu {
            apply1(ReluGrad, &[dy, y])?
        } else {
            dy.clone()
        };
        let conv = Conv::of(ConvKind::Dense, &self.window);
        let need = |i: usize| needed.get(i).copied().unwrap_or(true);
        let dx = need(0).then(|| conv.input_grad(x, w, &dz)).transpose()?;
        let dw = need(1).then(|| conv.filter_grad(x, w, &dz)).transpose()?;
        let db = need(2).then(|| apply1(BiasAddGrad, &[&dz])).transpose()?;
        Ok(vec![dx, dw, db])
    }
}

/// The gradient of a convolution with respect to its input, from
/// `(input_sizes, filter, out_backprop)`: `Conv2DBackpropInput` (also
/// `conv2d_transpose`) or `DepthwiseConv2dNativeBackpropInput`.
/// `input_shape` is what is statically known of the result.
#[derive(Debug, Clone)]
pub struct ConvBackpropInput {
    pub conv: Conv,
    pub input_shape: PartialShape,
}

impl OpDef for ConvBackpropInput {
    fn op_type(&self) -> &'static str {
        match self.conv.kind {
            ConvKind::Dense => "Conv2DBackpropInput",
            ConvKind::Depthwise => "DepthwiseConv2dNativeBackpropInput",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.conv.attrs()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 3)?;
        check_sizes(op, "input_sizes", &inputs[0])?;
        check_floats(op, &inputs[1..])?;
        let (w, dy) = (&inputs[1], &inputs[2]);
        let x = PartialShape::unknown_dims(4).merge_with(&self.input_shape)?;
        let x = TensorSpec::new(w.dtype, x);
        check_out_backprop(
            op,
            &conv_spec(self.conv.kind, op, &x, w, &self.conv.window)?,
            dy,
        )?;
        Ok(vec![x])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.conv.kind {
            ConvKind::Dense => conv2d_backprop_input,
            ConvKind::Depthwise => depthwise_conv2d_backprop_input,
        };
        let shape = read_sizes(ctx.name, "input_sizes", inputs[0], 4)?;
        let w = &self.conv.window;
        let (filter, dy) = (inputs[1], inputs[2]);
        Ok(vec![f(
            ctx.name,
            &shape,
            filter,
            dy,
            w.strides,
            w.dilations,
            &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (w, dy, g) = (&a.inputs[1], &a.inputs[2], &a.grads[0]);
        Ok(vec![
            None,
            Some(self.conv.filter_grad(g, w, dy)?),
            Some(self.conv.forward(g, w)?),
        ])
    }
}

/// Checks `out_backprop` has the convolution's output shape `out`.
fn check_out_backprop(op: &str, out: &TensorSpec, dy: &TensorSpec) -> Result<()> {
    rank4_dims(op, "out_backprop", dy)?;
    if !dy.shape.is_compatible_with(&out.shape) {
        fail!(
            op,
            "out_backprop must have shape {}, got {}",
            out.shape.bracketed(),
            dy.shape.bracketed()
        );
    }
    Ok(())
}

/// The gradient of a convolution with respect to its filter, from
/// `(input, filter_sizes, out_backprop)`: `Conv2DBackpropFilter` or
/// `DepthwiseConv2dNativeBackpropFilter`. `filter_shape` is what is
/// statically known of the result.
#[derive(Debug, Clone)]
pub struct ConvBackpropFilter {
    pub conv: Conv,
    pub filter_shape: PartialShape,
}

impl OpDef for ConvBackpropFilter {
    fn op_type(&self) -> &'static str {
        match self.conv.kind {
            ConvKind::Dense => "Conv2DBackpropFilter",
            ConvKind::Depthwise => "DepthwiseConv2dNativeBackpropFilter",
        }
    }
    fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
        self.conv.attrs()
    }
    fn infer(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let op = self.op_type();
        check_arity(op, inputs, 3)?;
        check_sizes(op, "filter_sizes", &inputs[1])?;
        let (x, dy) = (&inputs[0], &inputs[2]);
        check_floats(op, &[x.clone(), dy.clone()])?;
        let filter = PartialShape::unknown_dims(4).merge_with(&self.filter_shape)?;
        let filter = TensorSpec::new(x.dtype, filter);
        check_out_backprop(
            op,
            &conv_spec(self.conv.kind, op, x, &filter, &self.conv.window)?,
            dy,
        )?;
        Ok(vec![filter])
    }
    fn compute(&self, ctx: &OpContext, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        let f = match self.conv.kind {
            ConvKind::Dense => conv2d_backprop_filter,
            ConvKind::Depthwise => depthwise_conv2d_backprop_filter,
        };
        let shape = read_sizes(ctx.name, "filter_sizes", inputs[1], 4)?;
        let w = &self.conv.window;
        let (x, dy) = (inputs[0], inputs[2]);
        Ok(vec![f(
            ctx.name,
            x,
            &shape,
            dy,
            w.strides,
            w.dilations,
            &w.padding,
        )?])
    }
    fn gradient<H: TensorOps>(&self, a: GradArgs<'_, H>) -> Result<Vec<Option<H>>> {
        let (x, dy, g) = (&a.inputs[0], &a.inputs[2], &a.grads[0]);
        Ok(vec![
            Some(self.conv.input_grad(x, g, dy)?),
            None,
            Some(self.conv.forward(x, g)?),
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
        let dims = format.shape_to_nhwc(output_shape);
        let op = ConvBackpropInput {
            conv: Conv::of(ConvKind::Dense, window),
            input_shape: PartialShape::known(&Shape::from(dims.as_slice())),
        };
        let sizes = self.constant_like(sizes_tensor(&dims)?)?;
        format.nhwc_to_format(&apply1(op, &[&sizes, filter, &format.to_nhwc(self)?])?)
    }

    /// Adds `bias` along the channel axis, like `tf.nn.bias_add(value, bias,
    /// data_format)`; NCHW needs a rank-4 value.
    fn bias_add(&self, bias: &Self, format: DataFormat) -> Result<Self> {
        format.nhwc_to_format(&apply1(BiasAdd, &[&format.to_nhwc(self)?, bias])?)
    }

    /// `relu(bias_add(conv2d(self, filter), bias))` on NHWC images as one
    /// op ([`FusedConv2D`], TensorFlow's `_FusedConv2D`), or without the
    /// ReLU when `relu` is false: the same values, one pass fewer over the
    /// output for each of the bias and the ReLU.
    ///
    /// ```
    /// use ferroflow_core::prelude::*;
    /// let x = Tensor::from_vec(vec![1.0f32, -2.0], [1, 1, 2, 1]).unwrap();
    /// let w = Tensor::from_vec(vec![2.0f32], [1, 1, 1, 1]).unwrap();
    /// let b = Tensor::from([1.0f32]);
    /// let y = x.conv2d_bias_activation(&w, &b, &Window2d::new([1, 1], Padding::Valid), true).unwrap();
    /// assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0, 0.0]);
    /// ```
    fn conv2d_bias_activation(
        &self,
        filter: &Self,
        bias: &Self,
        window: &Window2d,
        relu: bool,
    ) -> Result<Self> {
        let op = FusedConv2D {
            window: window.clone(),
            relu,
            dtype: self.spec().dtype,
        };
        apply1(op, &[self, filter, bias])
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
