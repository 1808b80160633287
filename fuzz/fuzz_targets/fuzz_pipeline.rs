//! Fuzz target: arbitrary bytes, decoded lossily, as an article's text through normalize,
//! segment, extract and rdf (see `newsgraph_fuzz::pipeline_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    newsgraph_fuzz::pipeline_bytes(data);
});
