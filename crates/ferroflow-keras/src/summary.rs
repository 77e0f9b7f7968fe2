//! `model.summary()`: Keras's table of layers, output shapes and
//! parameter counts.

use crate::layer::Layer;

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `(None, 28, 28)`, or `?` for a layer never built.
fn shape_string(shape: Option<&[Option<usize>]>) -> String {
    let Some(dims) = shape else {
        return "?".to_string();
    };
    let parts: Vec<String> = dims
        .iter()
        .map(|d| d.map_or("None".to_string(), |d| d.to_string()))
        .collect();
    match parts.len() {
        1 => format!("({},)", parts[0]),
        _ => format!("({})", parts.join(", ")),
    }
}

/// The summary of model `name` made of `layers`, in Keras 2's layout:
///
/// ```text
/// Model: "sequential"
/// _________________________________________________________________
///  Layer (type)                Output Shape              Param #
/// =================================================================
///  dense (Dense)               (None, 300)               235500
/// …
/// =================================================================
/// Total params: 238,510
/// Trainable params: 238,510
/// Non-trainable params: 0
/// _________________________________________________________________
/// ```
pub fn summary(name: &str, layers: &[&dyn Layer]) -> String {
    let line = |c: char| c.to_string().repeat(65);
    let mut out = format!("Model: \"{name}\"\n{}\n", line('_'));
    out += &format!(
        " {:<27} {:<25} {:<10}\n",
        "Layer (type)", "Output Shape", "Param #"
    );
    out += &format!("{}\n", line('='));
    let (mut trainable, mut frozen) = (0, 0);
    for (i, layer) in layers.iter().enumerate() {
        let core = layer.core();
        let title = format!("{} ({})", core.name(), layer.class_name());
        out += &format!(
            " {:<27} {:<25} {:<10}\n",
            title,
            shape_string(core.output_shape()),
            layer.count_params()
        );
        if i + 1 < layers.len() {
            out += &format!("{}\n", " ".repeat(65));
        }
        let count = |ws: Vec<ferroflow_core::Variable>| -> usize {
            ws.iter().map(|w| w.shape().num_elements()).sum()
        };
        trainable += count(core.trainable_weights());
        frozen += count(core.non_trainable_weights());
    }
    out += &format!("{}\n", line('='));
    out += &format!("Total params: {}\n", thousands(trainable + frozen));
    out += &format!("Trainable params: {}\n", thousands(trainable));
    out += &format!("Non-trainable params: {}\n", thousands(frozen));
    out += &format!("{}\n", line('_'));
    out
}
