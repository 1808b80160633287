//! The fuzz targets' invariants under the stable toolchain: every committed input in
//! `fuzz/corpus/<target>/` (seeds and the inputs of crashes found and fixed) is replayed
//! through the same checks the fuzzers run, and a property test feeds generated dirty
//! articles through them. Fuzzing itself runs outside CI (see `fuzz/README.md`).

#[path = "../fuzz/src/checks.rs"]
mod checks;

use newsgraph::ingest::InputKind;
use newsgraph::model::{ArticleMeta, RawArticle};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: empty corpus", dir.display());
    files
}

fn replay(target: &str, check: impl Fn(&[u8])) {
    for f in corpus(target) {
        let data = std::fs::read(&f).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&data)));
        assert!(outcome.is_ok(), "{} fails its fuzz checks", f.display());
    }
}

#[test]
fn txt_corpus_passes_the_fuzz_checks() {
    replay("fuzz_txt", |d| checks::reader(InputKind::Txt, d));
}

#[test]
fn jsonl_corpus_passes_the_fuzz_checks() {
    replay("fuzz_jsonl", |d| checks::reader(InputKind::Jsonl, d));
}

#[test]
fn html_corpus_passes_the_fuzz_checks() {
    replay("fuzz_html", |d| checks::reader(InputKind::Html, d));
}

#[test]
fn warc_corpus_passes_the_fuzz_checks() {
    replay("fuzz_warc", |d| checks::reader(InputKind::Warc, d));
}

#[test]
fn pipeline_corpus_passes_the_fuzz_checks() {
    replay("fuzz_pipeline", checks::pipeline_bytes);
}

/// Pieces of dirty news text: names and titles the extractor acts on, mixed with the things
/// cleaning has to undo (look-alike letters, entities, odd spaces and breaks, boilerplate,
/// credit lines) and arbitrary characters.
fn dirty_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Foreign Minister Anna Berg ".to_string()),
        Just("met Prime Minister Jan Novak ".to_string()),
        Just("held talks with the Kenyan delegation ".to_string()),
        Just("in Geneva on Friday. ".to_string()),
        Just("VIENNA, March 3 (Reuters) - ".to_string()),
        Just("Аnna Вerg ".to_string()),
        Just("Ministеr ".to_string()),
        Just("&amp; &quot;talks&quot; &#8212; ".to_string()),
        Just("\u{00A0}\u{200B}\u{2028}".to_string()),
        Just("\r\n".to_string()),
        Just("\n\n".to_string()),
        Just("Read more: https://example.org/x\n".to_string()),
        Just("(Reporting by Jo Lee; Editing by Al Roy)\n".to_string()),
        Just("BUY CHEAP WATCHES www.spam.example ".to_string()),
        Just("\u{201C}We agreed,\u{201D} Berg said. ".to_string()),
        Just("Mr. A. B. Smith, U.N. envoy, ".to_string()),
        Just("\u{FFFD}".to_string()),
        "\\PC{0,8}",
        ".{0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every offset in the RDF lies inside the original text, mention anchors match the
    /// original text where it needed no cleaning, and extraction is deterministic.
    #[test]
    fn dirty_articles_keep_rdf_offsets_valid_and_extraction_deterministic(
        parts in proptest::collection::vec(dirty_piece(), 0..30),
        id in "\\PC{0,12}",
    ) {
        checks::article(RawArticle {
            meta: ArticleMeta {
                id: if id.trim().is_empty() { "p".to_string() } else { id },
                published: Some("2024-05-03".into()),
                ..Default::default()
            },
            text: parts.concat(),
            warnings: vec![],
        });
    }

    /// Any JSONL line, well-formed or not, is read without panicking and its article (if
    /// any) passes the pipeline checks.
    #[test]
    fn arbitrary_jsonl_lines_pass_the_reader_checks(
        text in "\\PC{0,80}",
        id in "\\PC{0,10}",
        garbage in ".{0,20}",
    ) {
        let line = serde_json::json!({ "id": id, "text": text }).to_string();
        let input = format!("{line}\n{garbage}\n{line}");
        checks::reader(InputKind::Jsonl, input.as_bytes());
    }
}
