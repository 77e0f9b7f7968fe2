//! GradientTape semantics as the seeds and TensorFlow describe them.

use ferroflow_core::prelude::*;
use ferroflow_core::{apply1, GradArgs, OpContext, OpDef, TensorOps, TensorSpec};

fn scalar(v: f32) -> Tensor {
    Tensor::scalar(v)
}

fn value(t: &Option<Tensor>) -> f32 {
    t.as_ref().expect("a gradient").to_scalar::<f32>().unwrap()
}

#[test]
fn cube_gradient_is_27_at_3() {
    let df = grad(|x: &Tensor| x.mul(x)?.mul(x));
    assert_eq!(df(&scalar(3.0)).unwrap().to_scalar::<f32>().unwrap(), 27.0);
}

#[test]
fn unwatched_tensors_get_no_gradient() {
    let x = scalar(2.0);
    let tape = GradientTape::new();
    let y = x.mul(&x).unwrap();
    assert_eq!(tape.gradient(&y, &[&x]).unwrap(), vec![None]);
}

#[test]
fn non_scalar_targets_are_summed() {
    let x = Tensor::from([1.0f32, 2.0, 3.0]);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = x.mul(&x).unwrap();
    let g = tape.gradient(&y, &[&x]).unwrap();
    assert_eq!(
        g[0].as_ref().unwrap().to_vec::<f32>().unwrap(),
        vec![2.0, 4.0, 6.0]
    );
}

#[test]
fn non_persistent_tape_gives_one_gradient() {
    let x = scalar(3.0);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = x.mul(&x).unwrap();
    assert_eq!(value(&tape.gradient(&y, &[&x]).unwrap()[0]), 6.0);
    let err = tape.gradient(&y, &[&x]).unwrap_err();
    assert!(err.to_string().contains("only be called once"), "{err}");
}

#[test]
fn persistent_tape_gives_many_gradients() {
    // The seeds' example: z = y², y = x²; dz/dx = 4x³ = 108 and dy/dx = 6 at x = 3.
    let x = scalar(3.0);
    let tape = GradientTape::persistent();
    tape.watch(&x);
    let y = x.mul(&x).unwrap();
    let z = y.mul(&y).unwrap();
    assert_eq!(value(&tape.gradient(&z, &[&x]).unwrap()[0]), 108.0);
    assert_eq!(value(&tape.gradient(&y, &[&x]).unwrap()[0]), 6.0);
}

#[test]
fn nested_tapes_give_second_derivatives() {
    let x = scalar(1.0);
    let t1 = GradientTape::new();
    t1.watch(&x);
    let dy_dx = {
        let t2 = GradientTape::new();
        t2.watch(&x);
        let y = x.mul(&x).unwrap().mul(&x).unwrap();
        t2.gradient(&y, &[&x]).unwrap().remove(0).unwrap()
    };
    let d2y = t1.gradient(&dy_dx, &[&x]).unwrap();
    assert_eq!(dy_dx.to_scalar::<f32>().unwrap(), 3.0);
    assert_eq!(value(&d2y[0]), 6.0);
}

#[test]
fn stop_gradient_blocks_flow() {
    let x = scalar(2.0);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = x.mul(&x.stop_gradient().unwrap()).unwrap();
    assert_eq!(value(&tape.gradient(&y, &[&x]).unwrap()[0]), 2.0);
}

#[test]
fn stop_recording_pauses_the_tape() {
    let x = scalar(2.0);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = {
        let _pause = tape.stop_recording();
        x.mul(&x).unwrap()
    };
    let z = x.add(&y).unwrap();
    assert_eq!(value(&tape.gradient(&z, &[&x]).unwrap()[0]), 1.0);
}

#[test]
fn integer_gradients_are_none() {
    let x = Tensor::scalar(3i32);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = x.mul(&x).unwrap();
    assert_eq!(tape.gradient(&y, &[&x]).unwrap(), vec![None]);
    let f = Tensor::scalar(2.0f32);
    let tape = GradientTape::new();
    tape.watch(&f);
    let through_int = f.cast(DType::I32).unwrap().cast(DType::F32).unwrap();
    assert_eq!(tape.gradient(&through_int, &[&f]).unwrap(), vec![None]);
}

#[test]
fn trainable_variables_are_watched_automatically() {
    let w = Variable::new(Tensor::from([[2.0f32]]));
    let frozen = Variable::with_options(Tensor::from([[5.0f32]]), "frozen", false);
    let x = Tensor::from([[3.0f32]]);
    let tape = GradientTape::new();
    let y = x.matmul(&w.value()).unwrap().mul(&frozen.value()).unwrap();
    let g = tape.gradient(&y, &[&w, &frozen]).unwrap();
    assert_eq!(g[0].as_ref().unwrap().to_vec::<f32>().unwrap(), vec![15.0]);
    assert_eq!(g[1], None);
}

#[test]
fn gradient_accumulates_over_several_reads_of_a_variable() {
    let v = Variable::new(scalar(3.0));
    let tape = GradientTape::new();
    let y = v.value().mul(&v.value()).unwrap().add(&v.value()).unwrap();
    assert_eq!(value(&tape.gradient(&y, &[&v]).unwrap()[0]), 7.0);
}

#[test]
fn unconnected_sources_get_none() {
    let x = scalar(1.0);
    let z = scalar(2.0);
    let tape = GradientTape::new();
    tape.watch(&x);
    tape.watch(&z);
    let y = x.mul(&x).unwrap();
    let g = tape.gradient(&y, &[&x, &z]).unwrap();
    assert_eq!(value(&g[0]), 2.0);
    assert_eq!(g[1], None);
}

#[test]
fn variable_updates_keep_dtype_and_shape() {
    let v = Variable::new(Tensor::from([1.0f32, 2.0]));
    v.assign_sub(&Tensor::from([0.5f32, 0.5])).unwrap();
    assert_eq!(v.value().to_vec::<f32>().unwrap(), vec![0.5, 1.5]);
    assert!(v.assign_add(&Tensor::from([1.0f64, 1.0])).is_err());
    assert!(v.assign(&Tensor::from([1.0f32, 2.0, 3.0])).is_err());
    assert_eq!(
        format!("{v:?}"),
        "<tf.Variable 'Variable:0' shape=(2,) dtype=float32, numpy=[0.5 1.5]>"
    );
}

/// `x * y` whose gradient rule records which inputs the tape asked for.
#[derive(Debug)]
struct RecordingMul(std::sync::Arc<std::sync::Mutex<Vec<bool>>>);

impl OpDef for RecordingMul {
    fn op_type(&self) -> &'static str {
        "Mul"
    }
    fn infer(&self, inputs: &[TensorSpec]) -> ferroflow_core::Result<Vec<TensorSpec>> {
        Ok(vec![inputs[0].clone()])
    }
    fn compute(&self, _: &OpContext, inputs: &[&Tensor]) -> ferroflow_core::Result<Vec<Tensor>> {
        Ok(vec![inputs[0].mul(inputs[1])?])
    }
    fn gradient_for<H: TensorOps>(
        &self,
        a: GradArgs<'_, H>,
        needed: &[bool],
    ) -> ferroflow_core::Result<Vec<Option<H>>> {
        *self.0.lock().unwrap() = needed.to_vec();
        Ok(vec![
            Some(a.grads[0].mul(&a.inputs[1])?),
            Some(a.grads[0].mul(&a.inputs[0])?),
        ])
    }
}

#[test]
fn tapes_ask_only_for_the_gradients_that_reach_a_source() {
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let w = Variable::new(scalar(3.0));
    let x = scalar(2.0); // a constant batch: no gradient needed
    let tape = GradientTape::new();
    let y = apply1(RecordingMul(asked.clone()), &[&x, &w.value()]).unwrap();
    let g = tape.gradient(&y, &[&w]).unwrap();
    assert_eq!(value(&g[0]), 2.0);
    assert_eq!(*asked.lock().unwrap(), vec![false, true]);
}
