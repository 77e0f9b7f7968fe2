//! Image layers, NHWC: `Conv2D`, `DepthwiseConv2D` and `Conv2DTranspose`
//! ([`Conv2D`]), `MaxPooling2D`/`AveragePooling2D` ([`Pooling2D`]), the
//! global poolings ([`GlobalPooling2D`]) and [`ZeroPadding2D`].

use super::config::{kernel_config, layer_config};
use super::{bias_and_activation, core_accessors, forward_calls, kernel_builders};
use crate::activations;
use crate::layer::{known_dim, Layer, LayerCore, Regularizer};
use crate::LayerTensor;
use ferroflow_core::initializers::Initializer;
use ferroflow_core::prelude::*;
use ferroflow_core::{Result, Variable};
use serde_json::json;

/// The output size along one spatial axis, as TensorFlow computes it.
fn out_size(input: Option<usize>, window: usize, stride: usize, same: bool) -> Option<usize> {
    let input = input?;
    if same {
        Some(input.div_ceil(stride))
    } else {
        (input >= window).then(|| (input - window) / stride + 1)
    }
}

/// The output size of a transposed convolution along one axis, as Keras
/// computes it.
fn transposed_size(input: usize, window: usize, stride: usize, same: bool) -> usize {
    if same {
        input * stride
    } else {
        (input - 1) * stride + window.max(stride)
    }
}

/// `"same"` or `"valid"` (Keras's spelling) as a padding.
fn padding(core: &LayerCore, name: &str) -> Result<Padding> {
    match name {
        "same" => Ok(Padding::Same),
        "valid" => Ok(Padding::Valid),
        other => Err(core.error(format!(
            "The `padding` argument must be a string in {{'valid', 'same'}}. Received: {other}"
        ))),
    }
}

/// The NHWC output shape of a window of `window` moved by `strides`.
fn windowed_shape(
    core: &LayerCore,
    input_shape: &[Option<usize>],
    window: [usize; 2],
    strides: [usize; 2],
    same: bool,
    channels: Option<usize>,
) -> Result<Vec<Option<usize>>> {
    core.check_rank(input_shape.len(), 4..=4)?;
    let h = out_size(input_shape[1], window[0], strides[0], same);
    let w = out_size(input_shape[2], window[1], strides[1], same);
    if h == Some(0) || w == Some(0) || (!same && (h.is_none() && input_shape[1].is_some())) {
        return Err(core.error(format!(
            "the window {window:?} does not fit the input of shape {input_shape:?}"
        )));
    }
    Ok(vec![input_shape[0], h, w, channels.or(input_shape[3])])
}

/// Which convolution a [`Conv2D`] layer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConvKind {
    /// `Conv2D`: `filters` kernels over all input channels.
    Dense,
    /// `DepthwiseConv2D`: `filters` (the depth multiplier) kernels per channel.
    Depthwise,
    /// `Conv2DTranspose`: the gradient of `Conv2D` for its input.
    Transpose,
}

/// A 2-D convolution over NHWC images, like
/// `tf.keras.layers.Conv2D(filters, kernel_size, strides, padding, activation)`;
/// [`Conv2D::depthwise`] is `DepthwiseConv2D` and [`Conv2D::transpose`] is
/// `Conv2DTranspose`.
///
/// ```
/// use ferroflow_keras::layers::Conv2D;
/// use ferroflow_keras::Layer;
/// let mut c = Conv2D::new(200, [5, 5]);
/// assert_eq!(c.build_once(&[None, Some(32), Some(32), Some(3)]).unwrap(),
///            vec![None, Some(28), Some(28), Some(200)]);
/// assert_eq!(c.count_params(), 15200);
/// let mut t = Conv2D::transpose(8, [3, 3]).strides([2, 2]).padding("same");
/// assert_eq!(t.build_once(&[None, Some(7), Some(7), Some(4)]).unwrap(),
///            vec![None, Some(14), Some(14), Some(8)]);
/// assert_eq!(t.count_params(), 3 * 3 * 8 * 4 + 8);
/// let mut d = Conv2D::depthwise([3, 3], 2);
/// assert_eq!(d.build_once(&[None, Some(7), Some(7), Some(4)]).unwrap(),
///            vec![None, Some(5), Some(5), Some(8)]);
/// assert_eq!(d.count_params(), 3 * 3 * 4 * 2 + 8);
/// ```
pub struct Conv2D {
    core: LayerCore,
    kind: ConvKind,
    filters: usize,
    kernel_size: [usize; 2],
    strides: [usize; 2],
    padding: String,
    activation: String,
    use_bias: bool,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    kernel_regularizer: Option<Regularizer>,
    bias_regularizer: Option<Regularizer>,
    act: activations::Activation,
    kernel: Option<Variable>,
    bias: Option<Variable>,
}

impl Conv2D {
    /// `filters` kernels of `kernel_size`, stride 1, `"valid"`, linear.
    pub fn new(filters: usize, kernel_size: [usize; 2]) -> Self {
        Self::of(ConvKind::Dense, "conv2d", filters, kernel_size)
    }
    /// `DepthwiseConv2D(kernel_size, depth_multiplier)`: each input channel
    /// convolved with its own `depth_multiplier` kernels.
    pub fn depthwise(kernel_size: [usize; 2], depth_multiplier: usize) -> Self {
        Self::of(
            ConvKind::Depthwise,
            "depthwise_conv2d",
            depth_multiplier,
            kernel_size,
        )
    }
    /// `Conv2DTranspose(filters, kernel_size)`.
    pub fn transpose(filters: usize, kernel_size: [usize; 2]) -> Self {
        Self::of(
            ConvKind::Transpose,
            "conv2d_transpose",
            filters,
            kernel_size,
        )
    }
    fn of(kind: ConvKind, base: &str, filters: usize, kernel_size: [usize; 2]) -> Self {
        Conv2D {
            core: LayerCore::new(base),
            kind,
            filters,
            kernel_size,
            strides: [1, 1],
            padding: "valid".into(),
            activation: "linear".into(),
            use_bias: true,
            kernel_initializer: Initializer::glorot_uniform(None),
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            act: activations::Activation::Linear,
            kernel: None,
            bias: None,
        }
    }
    /// The strides.
    pub fn strides(mut self, strides: [usize; 2]) -> Self {
        self.strides = strides;
        self
    }
    /// `"valid"` or `"same"`.
    pub fn padding(mut self, padding: &str) -> Self {
        self.padding = padding.into();
        self
    }
    kernel_builders!();

    /// The forward pass, eager or in a graph: `activation(conv(x, kernel)
    /// + bias)` (a transposed convolution needs `x`'s whole shape).
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 4..=4)?;
        let weights = H::weights_of(&self.core, x)?;
        let Some(k) = weights.first() else {
            return Err(self.core.error("not built"));
        };
        let window = Window2d::new(self.strides, padding(&self.core, &self.padding)?);
        use activations::Activation::{Linear, Relu};
        let relu = self.act == Relu;
        let y = match (self.kind, weights.get(1)) {
            (ConvKind::Dense, Some(bias)) if H::FUSES_OPS && (relu || self.act == Linear) => {
                return x.conv2d_bias_activation(k, bias, &window, relu);
            }
            (ConvKind::Dense, _) => x.conv2d(k, &window, DataFormat::Nhwc)?,
            (ConvKind::Depthwise, _) => x.depthwise_conv2d(k, &window, DataFormat::Nhwc)?,
            (ConvKind::Transpose, _) => {
                let same = window.padding == Padding::Same;
                let dims = self.core.static_dims(x)?;
                let dim = |i: usize| known_dim(&self.core, &dims, i);
                let [kh, kw] = self.kernel_size;
                let [sh, sw] = self.strides;
                let dims = [
                    dim(0)?,
                    transposed_size(dim(1)?, kh, sh, same),
                    transposed_size(dim(2)?, kw, sw, same),
                    self.filters,
                ];
                x.conv2d_transpose(k, &dims, &window, DataFormat::Nhwc)?
            }
        };
        bias_and_activation(y, weights.get(1), self.act)
    }
}

impl Layer for Conv2D {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        match self.kind {
            ConvKind::Dense => "Conv2D",
            ConvKind::Depthwise => "DepthwiseConv2D",
            ConvKind::Transpose => "Conv2DTranspose",
        }
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        let kernel = match self.kind {
            ConvKind::Depthwise => "depthwise",
            _ => "kernel",
        };
        let mut fields = kernel_config!(self, kernel);
        fields.extend([
            ("kernel_size".into(), json!(self.kernel_size)),
            ("strides".into(), json!(self.strides)),
            ("padding".into(), json!(self.padding)),
            ("data_format".into(), json!("channels_last")),
            ("dilation_rate".into(), json!([1, 1])),
        ]);
        match self.kind {
            ConvKind::Dense => fields.extend([
                ("filters".into(), json!(self.filters)),
                ("groups".into(), json!(1)),
            ]),
            ConvKind::Depthwise => {
                fields.insert("depth_multiplier".into(), json!(self.filters));
            }
            ConvKind::Transpose => fields.extend([
                ("filters".into(), json!(self.filters)),
                ("output_padding".into(), json!(null)),
            ]),
        }
        Ok(layer_config(&self.core, fields.into()))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        let same = padding(&self.core, &self.padding)? == Padding::Same;
        self.act = activations::Activation::get(&self.activation)?;
        self.core.check_rank(input_shape.len(), 4..=4)?;
        let channels = known_dim(&self.core, input_shape, 3)?;
        let [kh, kw] = self.kernel_size;
        let (out, kernel_shape, out_channels) = match self.kind {
            ConvKind::Dense => (
                windowed_shape(
                    &self.core,
                    input_shape,
                    self.kernel_size,
                    self.strides,
                    same,
                    Some(self.filters),
                )?,
                [kh, kw, channels, self.filters],
                self.filters,
            ),
            ConvKind::Depthwise => (
                windowed_shape(
                    &self.core,
                    input_shape,
                    self.kernel_size,
                    self.strides,
                    same,
                    Some(channels * self.filters),
                )?,
                [kh, kw, channels, self.filters],
                channels * self.filters,
            ),
            ConvKind::Transpose => {
                let [sh, sw] = self.strides;
                (
                    vec![
                        input_shape[0],
                        input_shape[1].map(|d| transposed_size(d, kh, sh, same)),
                        input_shape[2].map(|d| transposed_size(d, kw, sw, same)),
                        Some(self.filters),
                    ],
                    [kh, kw, self.filters, channels],
                    self.filters,
                )
            }
        };
        let name = match self.kind {
            ConvKind::Depthwise => "depthwise_kernel",
            _ => "kernel",
        };
        self.kernel = Some(self.core.add_weight(
            name,
            &kernel_shape,
            &self.kernel_initializer,
            true,
            self.kernel_regularizer,
        )?);
        if self.use_bias {
            self.bias = Some(self.core.add_weight(
                "bias",
                &[out_channels],
                &self.bias_initializer,
                true,
                self.bias_regularizer,
            )?);
        }
        Ok(out)
    }
    forward_calls!();
}

/// Max or average pooling over NHWC windows, like
/// `tf.keras.layers.MaxPooling2D(pool_size, strides, padding)` and
/// `AveragePooling2D`.
///
/// ```
/// use ferroflow_keras::layers::Pooling2D;
/// use ferroflow_keras::Layer;
/// let mut p = Pooling2D::max([2, 2]);
/// assert_eq!(p.build_once(&[None, Some(28), Some(28), Some(32)]).unwrap(),
///            vec![None, Some(14), Some(14), Some(32)]);
/// ```
pub struct Pooling2D {
    core: LayerCore,
    max: bool,
    pool_size: [usize; 2],
    strides: [usize; 2],
    padding: String,
}

impl Pooling2D {
    /// `MaxPooling2D(pool_size)`: strides default to the pool size, `"valid"`.
    pub fn max(pool_size: [usize; 2]) -> Self {
        Self::new("max_pooling2d", true, pool_size)
    }
    /// `AveragePooling2D(pool_size)`.
    pub fn average(pool_size: [usize; 2]) -> Self {
        Self::new("average_pooling2d", false, pool_size)
    }
    fn new(base: &str, max: bool, pool_size: [usize; 2]) -> Self {
        Pooling2D {
            core: LayerCore::new(base),
            max,
            pool_size,
            strides: pool_size,
            padding: "valid".into(),
        }
    }
    /// The strides.
    pub fn strides(mut self, strides: [usize; 2]) -> Self {
        self.strides = strides;
        self
    }
    /// `"valid"` or `"same"`.
    pub fn padding(mut self, padding: &str) -> Self {
        self.padding = padding.into();
        self
    }

    /// The forward pass, eager or in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 4..=4)?;
        let window = Pool2d::new(
            self.pool_size,
            self.strides,
            padding(&self.core, &self.padding)?,
        );
        if self.max {
            x.max_pool2d(&window, DataFormat::Nhwc)
        } else {
            x.avg_pool2d(&window, DataFormat::Nhwc)
        }
    }
}

impl Layer for Pooling2D {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        if self.max {
            "MaxPooling2D"
        } else {
            "AveragePooling2D"
        }
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(
            &self.core,
            json!({
                "pool_size": self.pool_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": "channels_last",
            }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        let same = padding(&self.core, &self.padding)? == Padding::Same;
        windowed_shape(
            &self.core,
            input_shape,
            self.pool_size,
            self.strides,
            same,
            None,
        )
    }
    forward_calls!();
}

/// The mean or max over height and width of NHWC images, like
/// `tf.keras.layers.GlobalAveragePooling2D()` and `GlobalMaxPooling2D()`.
pub struct GlobalPooling2D {
    core: LayerCore,
    max: bool,
}

impl GlobalPooling2D {
    /// `GlobalMaxPooling2D()`.
    pub fn max() -> Self {
        GlobalPooling2D {
            core: LayerCore::new("global_max_pooling2d"),
            max: true,
        }
    }
    /// `GlobalAveragePooling2D()`.
    pub fn average() -> Self {
        GlobalPooling2D {
            core: LayerCore::new("global_average_pooling2d"),
            max: false,
        }
    }

    /// The forward pass, eager or in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 4..=4)?;
        if self.max {
            x.reduce_max([1, 2], false)
        } else {
            x.reduce_mean([1, 2], false)
        }
    }
}

impl Layer for GlobalPooling2D {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        if self.max {
            "GlobalMaxPooling2D"
        } else {
            "GlobalAveragePooling2D"
        }
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        Ok(layer_config(
            &self.core,
            json!({ "data_format": "channels_last", "keepdims": false }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.core.check_rank(input_shape.len(), 4..=4)?;
        Ok(vec![input_shape[0], input_shape[3]])
    }
    forward_calls!();
}

/// Adds rows and columns of zeros around NHWC images, like
/// `tf.keras.layers.ZeroPadding2D(((top, bottom), (left, right)))`.
///
/// ```
/// use ferroflow_keras::layers::ZeroPadding2D;
/// use ferroflow_keras::Layer;
/// let mut z = ZeroPadding2D::new([(1, 1), (2, 0)]);
/// assert_eq!(z.build_once(&[None, Some(4), Some(4), Some(3)]).unwrap(),
///            vec![None, Some(6), Some(6), Some(3)]);
/// ```
pub struct ZeroPadding2D {
    core: LayerCore,
    padding: [(usize, usize); 2],
}

impl ZeroPadding2D {
    /// `((top, bottom), (left, right))` rows and columns of zeros.
    pub fn new(padding: [(usize, usize); 2]) -> Self {
        ZeroPadding2D {
            core: LayerCore::new("zero_padding2d"),
            padding,
        }
    }

    /// The forward pass, eager or in a graph.
    fn forward<H: LayerTensor>(&self, x: &H, _training: bool) -> Result<H> {
        self.core.check_input(x, 4..=4)?;
        let [h, w] = self.padding;
        x.pad(&[(0, 0), h, w, (0, 0)], PadMode::Constant, 0.0)
    }
}

impl Layer for ZeroPadding2D {
    core_accessors!();
    fn class_name(&self) -> &'static str {
        "ZeroPadding2D"
    }
    fn get_config(&self) -> Result<serde_json::Value> {
        let [(t, b), (l, r)] = self.padding;
        Ok(layer_config(
            &self.core,
            json!({ "padding": [[t, b], [l, r]], "data_format": "channels_last" }),
        ))
    }
    fn build(&mut self, input_shape: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
        self.core.check_rank(input_shape.len(), 4..=4)?;
        let [(t, b), (l, r)] = self.padding;
        Ok(vec![
            input_shape[0],
            input_shape[1].map(|h| h + t + b),
            input_shape[2].map(|w| w + l + r),
            input_shape[3],
        ])
    }
    forward_calls!();
}
