//! The op catalogue, one file per family. Each op is a struct implementing
//! [`crate::OpDef`] — type name, attributes, shape rule, kernel call and
//! gradient in one place — and is reached through a method of its family's
//! extension trait (`MathOps`, `ArrayOps`, …), implemented for every
//! [`crate::TensorOps`] handle.

mod array;
mod broadcast_grad;
mod compare;
mod constant;
mod conv;
mod dropout;
mod einsum;
mod fill;
mod gather;
mod image_ops;
mod indexing;
mod linalg;
mod losses;
mod manip;
mod math;
mod nn;
mod normalization;
mod pad;
mod pool;
mod qr;
mod random;
mod random_source;
mod reduce;
mod shape_rules;
mod tensor_list;
mod variable;

pub use array::*;
pub use broadcast_grad::{BroadcastGradientArgs, ReshapeTo, SumAlong};
pub use compare::*;
pub use constant::*;
pub use conv::*;
pub use dropout::*;
pub use einsum::*;
pub use fill::*;
pub use gather::*;
pub use image_ops::*;
pub use indexing::*;
pub use linalg::*;
pub use losses::*;
pub use manip::*;
pub use math::*;
pub use nn::*;
pub use normalization::*;
pub use pad::*;
pub use pool::*;
pub use qr::*;
pub use random::*;
pub use random_source::*;
pub use reduce::*;
pub use shape_rules::*;
pub use tensor_list::*;
pub use variable::*;
