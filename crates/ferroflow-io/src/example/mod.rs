//! `tf.train.Example` helpers: builders, `tf.io.parse_example` and friends,
//! `tf.io.decode_raw` and `tf.io.decode_csv`.

mod builder;
