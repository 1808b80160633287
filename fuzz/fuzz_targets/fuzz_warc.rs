//! Fuzz target: the .warc reader on arbitrary bytes, then every article it yields through the
//! whole per-article pipeline (see `newsgraph_fuzz::reader`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsgraph::ingest::InputKind;

fuzz_target!(|data: &[u8]| {
    newsgraph_fuzz::reader(InputKind::Warc, data);
});
