//! The fuzz targets' checks, as a library so the targets stay one line each.
//!
//! The checks themselves live in `checks.rs`, which `tests/fuzz_corpus.rs` in the main crate
//! also includes to replay the committed corpora under the stable toolchain.

mod checks;
pub use checks::{article, pipeline_bytes, reader};
