//! Checkpoint V2 "tensor bundles": the `.index` table, the data file, the
//! reader and writer, and the `checkpoint` state file (FORMATS.md 5).

mod block;
mod table;
