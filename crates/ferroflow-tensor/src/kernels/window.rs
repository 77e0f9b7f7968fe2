//! Sliding-window geometry shared by convolution and pooling: TensorFlow's
//! SAME/VALID/explicit padding rules and the resolved sizes of a 2-D window
//! over NHWC images.

use crate::{NumElement, Result, Shape, TensorError};
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::ops::Range;

/// How a sliding window treats the image border, as TensorFlow's `padding`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Padding {
    /// Pad so that `out = ceil(in / stride)`; the extra row/column of an odd
    /// total goes after (bottom/right), as TensorFlow does.
    Same,
    /// No padding: windows lie entirely inside the input.
    Valid,
    /// `(before, after)` padding for each spatial dimension (height, width),
    /// like `padding=[[0, 0], [1, 1], [2, 2], [0, 0]]`.
    Explicit(Vec<(usize, usize)>),
}

impl Padding {
    /// Parses TensorFlow's padding strings `"SAME"` and `"VALID"`.
    ///
    /// ```
    /// use ferroflow_tensor::kernels::window::Padding;
    /// assert_eq!(Padding::parse("Conv2D", "SAME").unwrap(), Padding::Same);
    /// assert!(Padding::parse("Conv2D", "FULL").is_err());
    /// ```
    pub fn parse(op: &str, s: &str) -> Result<Padding> {
        match s {
            "SAME" => Ok(Padding::Same),
            "VALID" => Ok(Padding::Valid),
            _ => crate::bail!(op, "padding must be \"SAME\" or \"VALID\", got {s:?}"),
        }
    }
}

/// The resolved sizes of a 2-D sliding window (convolution or pooling) over
/// `[batch, height, width, in_c]` images, producing
/// `[batch, out_h, out_w, out_c]`.
///
/// ```
/// use ferroflow_tensor::{kernels::window::{Conv2dGeometry, Padding}, Shape};
/// // tf.nn.conv2d of a [1, 5, 5, 3] image by a 3x3 filter, stride 2, SAME
/// let g = Conv2dGeometry::new("Conv2D", &Shape::from([1, 5, 5, 3]), [3, 3], 8,
///     [2, 2], [1, 1], &Padding::Same).unwrap();
/// assert_eq!(g.output, [3, 3]);
/// assert_eq!(g.pads, [(1, 1), (1, 1)]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conv2dGeometry {
    /// Images in the batch.
    pub batch: usize,
    /// Input channels.
    pub in_c: usize,
    /// Output channels (the input's for pooling).
    pub out_c: usize,
    /// Input height and width.
    pub input: [usize; 2],
    /// Window height and width (before dilation).
    pub kernel: [usize; 2],
    /// Step between windows along height and width.
    pub stride: [usize; 2],
    /// Spacing between the taps of a window (1: adjacent).
    pub dilation: [usize; 2],
    /// `(before, after)` padding of height and width.
    pub pads: [(usize, usize); 2],
    /// Output height and width.
    pub output: [usize; 2],
}

impl Conv2dGeometry {
    /// Resolves a `kernel` window over `input` (`[n, h, w, c]`) with the
    /// given strides, dilations and padding; errors name `op` and the shapes.
    pub fn new(
        op: &str,
        input: &Shape,
        kernel: [usize; 2],
        out_c: usize,
        strides: [usize; 2],
        dilations: [usize; 2],
        padding: &Padding,
    ) -> Result<Conv2dGeometry> {
        let [batch, h, w, in_c] = rank4(op, "input", input)?;
        if strides.contains(&0) {
            crate::bail!(op, "strides must be positive, got {strides:?}");
        }
        if dilations.contains(&0) {
            crate::bail!(op, "dilations must be positive, got {dilations:?}");
        }
        if kernel.contains(&0) {
            crate::bail!(op, "window size must be positive, got {kernel:?}");
        }
        let explicit = match padding {
            Padding::Explicit(p) if p.len() != 2 => crate::bail!(
                op,
                "explicit padding needs 2 (before, after) pairs (height, width), got {}",
                p.len()
            ),
            Padding::Explicit(p) => Some([p[0], p[1]]),
            _ => None,
        };
        // Window positions are computed in isize; keep every size well inside.
        let limit = isize::MAX as usize / 4;
        if h.max(w) > limit {
            crate::bail!(op, "input {input} is too large");
        }
        let mut pads = [(0, 0); 2];
        let mut output = [0; 2];
        for d in 0..2 {
            let size = [h, w][d];
            let effective = (kernel[d] - 1)
                .checked_mul(dilations[d])
                .and_then(|e| e.checked_add(1))
                .filter(|&e| e <= limit)
                .ok_or_else(|| {
                    TensorError::invalid(
                        op,
                        format!("dilated window {kernel:?} x {dilations:?} is too large"),
                    )
                })?;
            let (pad, out) = match explicit {
                None if *padding == Padding::Same => {
                    let out = size.div_ceil(strides[d]);
                    let reach = (out.max(1) - 1) * strides[d] + effective;
                    let total = reach.saturating_sub(size);
                    ((total / 2, total - total / 2), out)
                }
                _ => {
                    let pad = explicit.map_or((0, 0), |p| p[d]);
                    if pad.0.max(pad.1) > limit {
                        crate::bail!(op, "explicit padding {pad:?} is too large");
                    }
                    let padded = size + pad.0 + pad.1; // each at most limit
                    if padded < effective {
                        crate::bail!(
                            op,
                            "Computed output size would be negative: input size {size} \
                             (padded {padded}) is smaller than the effective window size \
                             {effective} (input {input}, window {kernel:?}, dilations \
                             {dilations:?})"
                        );
                    }
                    (pad, (padded - effective) / strides[d] + 1)
                }
            };
            pads[d] = pad;
            output[d] = out;
        }
        let g = Conv2dGeometry {
            batch,
            in_c,
            out_c,
            input: [h, w],
            kernel,
            stride: strides,
            dilation: dilations,
            pads,
            output,
        };
        g.output_shape().checked_num_elements(op)?;
        Ok(g)
    }

    /// `[batch, in_h, in_w, in_c]`.
    pub fn input_shape(&self) -> Shape {
        Shape::from([self.batch, self.input[0], self.input[1], self.in_c])
    }

    /// `[batch, out_h, out_w, out_c]`.
    pub fn output_shape(&self) -> Shape {
        Shape::from([self.batch, self.output[0], self.output[1], self.out_c])
    }

    /// Pixels of one input image.
    pub fn in_pixels(&self) -> usize {
        self.input[0] * self.input[1]
    }

    /// Pixels of one output image.
    pub fn out_pixels(&self) -> usize {
        self.output[0] * self.output[1]
    }

    /// Elements of one im2col row: `kh * kw * in_c`.
    pub fn patch_len(&self) -> usize {
        self.kernel[0] * self.kernel[1] * self.in_c
    }

    /// Errors unless `got` (named `what`) is the output shape.
    pub fn check_output(&self, op: &str, what: &str, got: &Shape) -> Result<()> {
        let want = self.output_shape();
        if *got != want {
            crate::bail!(op, "{what} must have shape {want}, got {got}");
        }
        Ok(())
    }

    /// Calls `f(out_pixel, in_pixel, tap)` for every window tap of one image
    /// that lands inside the input, output pixels in row-major order and the
    /// taps of each in `(ky, kx)` order. Pixels count from the image start;
    /// `tap` is `ky * kw + kx`.
    pub fn for_each_tap(&self, mut f: impl FnMut(usize, usize, usize)) {
        self.for_each_window(|w| w.for_each_tap(|i, t| f(w.out, i, t)));
    }

    /// Calls `f(window)` for the windows of one image, one per output pixel
    /// in row-major order, each clipped to the input.
    pub(crate) fn for_each_window(&self, mut f: impl FnMut(&Window)) {
        let [ih, iw] = self.input;
        let [kh, kw] = self.kernel;
        let start = |o: usize, d: usize| (o * self.stride[d]) as isize - self.pads[d].0 as isize;
        for oy in 0..self.output[0] {
            let y0 = start(oy, 0);
            let rows = tap_range(y0, self.dilation[0], kh, ih);
            for ox in 0..self.output[1] {
                let x0 = start(ox, 1);
                let cols = tap_range(x0, self.dilation[1], kw, iw);
                f(&Window {
                    out: oy * self.output[1] + ox,
                    rows: rows.0..rows.1,
                    cols: cols.0..cols.1,
                    origin: [y0, x0],
                    dilation: self.dilation,
                    widths: [iw, kw],
                });
            }
        }
    }
}

/// One output pixel's window over an image, clipped to the input: its taps
/// `(ky, kx)` with `ky` in `rows` and `kx` in `cols` land inside.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    /// The output pixel, counted from the image start.
    pub out: usize,
    /// The window rows `ky` inside the input.
    rows: Range<usize>,
    /// The window columns `kx` inside the input.
    cols: Range<usize>,
    /// The input position of tap `(0, 0)` (negative inside the padding).
    origin: [isize; 2],
    dilation: [usize; 2],
    /// The input width and the window width.
    widths: [usize; 2],
}

impl Window {
    /// Calls `f(in_pixel, tap)` for the taps inside the input in `(ky, kx)`
    /// order; `in_pixel` counts from the image start and `tap` is
    /// `ky * kw + kx`.
    pub fn for_each_tap(&self, mut f: impl FnMut(usize, usize)) {
        let [iw, kw] = self.widths;
        let at = |k: usize, d: usize| (self.origin[d] + (k * self.dilation[d]) as isize) as usize;
        for ky in self.rows.clone() {
            let row = at(ky, 0) * iw;
            for kx in self.cols.clone() {
                f(row + at(kx, 1), ky * kw + kx);
            }
        }
    }

    /// The number of taps inside the input.
    pub fn len(&self) -> usize {
        self.rows.len() * self.cols.len()
    }
}

/// The taps `lo..hi` of a window of `k` taps, `dilation` apart, starting at
/// input position `start` (negative inside the padding), that land in
/// `0..size`.
pub(crate) fn tap_range(start: isize, dilation: usize, k: usize, size: usize) -> (usize, usize) {
    let d = dilation as isize;
    let lo = if start < 0 { (-start + d - 1) / d } else { 0 };
    let room = size as isize - start;
    let hi = if room <= 0 { 0 } else { (room + d - 1) / d };
    let (lo, hi) = (lo as usize, (hi as usize).min(k));
    (lo.min(hi), hi)
}

/// Runs `f(n, chunk)` in parallel over the consecutive `per_item`-element
/// chunks of `out` (one per image); nothing runs when chunks are empty.
pub(crate) fn par_chunks<T: Send>(
    out: &mut [T],
    per_item: usize,
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    if per_item > 0 {
        out.par_chunks_mut(per_item)
            .enumerate()
            .for_each(|(n, c)| f(n, c));
    }
}

/// A fresh vector of `items * per_item` elements whose consecutive
/// `per_item`-element chunks are written by `f(n, chunk)` in parallel,
/// without a zeroing pass first.
///
/// # Safety
///
/// `f` must write every element of each chunk it is given.
pub(crate) unsafe fn par_build<T: Send>(
    items: usize,
    per_item: usize,
    f: impl Fn(usize, &mut [MaybeUninit<T>]) + Sync,
) -> Vec<T> {
    let len = items * per_item;
    let mut out = Vec::with_capacity(len);
    par_chunks(&mut out.spare_capacity_mut()[..len], per_item, f);
    // SAFETY: the chunks cover all `len` slots (none when `per_item` is 0)
    // and the caller promises that `f` wrote each of them.
    unsafe { out.set_len(len) };
    out
}

/// Sums, in parallel, the `len`-element vectors that `f(state, item, acc)`
/// adds into `acc` for every item; each worker keeps a scratch `state`.
pub(crate) fn par_sum<T, S: Send, I>(
    items: I,
    len: usize,
    state: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, I::Item, &mut [T]) + Sync + Send,
) -> Vec<T>
where
    T: NumElement,
    I: IntoParallelIterator,
{
    items
        .into_par_iter()
        .fold(
            || (state(), vec![T::zero(); len]),
            |(mut s, mut acc), item| {
                f(&mut s, item, &mut acc);
                (s, acc)
            },
        )
        .map(|(_, acc)| acc)
        .reduce(
            || vec![T::zero(); len],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(a, &b)| *a += b);
                a
            },
        )
}

/// The four dimensions of a rank-4 shape, or an error naming `op` and `what`.
pub(crate) fn rank4(op: &str, what: &str, shape: &Shape) -> Result<[usize; 4]> {
    match shape.dims() {
        &[a, b, c, d] => Ok([a, b, c, d]),
        _ => crate::bail!(op, "{what} must be 4-dimensional, got shape {shape}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(size: usize, k: usize, s: usize, d: usize, p: Padding) -> Result<Conv2dGeometry> {
        Conv2dGeometry::new(
            "Conv2D",
            &Shape::from([1, size, size, 1]),
            [k, k],
            1,
            [s, s],
            [d, d],
            &p,
        )
    }

    #[test]
    fn same_padding_puts_the_extra_row_after() {
        // TF: in 28, k 5, s 1 -> pad 2/2; in 6, k 4, s 2 -> total 2 -> 1/1;
        // in 7, k 2, s 2 -> out 4, total 1 -> 0/1.
        assert_eq!(
            geometry(28, 5, 1, 1, Padding::Same).unwrap().pads[0],
            (2, 2)
        );
        assert_eq!(geometry(6, 4, 2, 1, Padding::Same).unwrap().pads[0], (1, 1));
        let g = geometry(7, 2, 2, 1, Padding::Same).unwrap();
        assert_eq!((g.pads[0], g.output[0]), ((0, 1), 4));
        // dilation 2 makes a 3-tap window span 5.
        assert_eq!(geometry(5, 3, 1, 2, Padding::Same).unwrap().pads[0], (2, 2));
    }

    #[test]
    fn valid_and_explicit_output_sizes() {
        assert_eq!(geometry(7, 3, 2, 1, Padding::Valid).unwrap().output, [3, 3]);
        let g = geometry(4, 3, 1, 1, Padding::Explicit(vec![(1, 2), (0, 0)])).unwrap();
        assert_eq!(g.output, [5, 2]);
    }

    #[test]
    fn bad_windows_are_errors() {
        let msg = geometry(3, 5, 1, 1, Padding::Valid)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("Conv2D: Computed output size would be negative"),
            "{msg}"
        );
        assert!(geometry(3, 2, 0, 1, Padding::Same).is_err());
        assert!(geometry(3, 2, 1, 0, Padding::Same).is_err());
        assert!(geometry(3, 0, 1, 1, Padding::Same).is_err());
        assert!(geometry(3, 2, 1, 1, Padding::Explicit(vec![(0, 0)])).is_err());
        assert!(geometry(3, 2, 1, usize::MAX / 2, Padding::Same).is_err());
        let huge_pad = Padding::Explicit(vec![(usize::MAX, 0), (0, 0)]);
        assert!(geometry(3, 2, 1, 1, huge_pad).is_err());
        let bad_rank = Conv2dGeometry::new(
            "MaxPool",
            &Shape::from([3, 3]),
            [1, 1],
            1,
            [1, 1],
            [1, 1],
            &Padding::Same,
        );
        assert_eq!(
            bad_rank.unwrap_err().to_string(),
            "MaxPool: input must be 4-dimensional, got shape [3,3]"
        );
    }

    #[test]
    fn tap_range_clips_to_the_input() {
        assert_eq!(tap_range(-2, 1, 5, 28), (2, 5));
        assert_eq!(tap_range(26, 1, 5, 28), (0, 2));
        assert_eq!(tap_range(-3, 2, 3, 4), (2, 3));
        assert_eq!(tap_range(5, 1, 3, 4), (0, 0));
    }
}
