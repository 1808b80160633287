//! Per-stage benchmarks (divan): normalize, segment, extract, RDF mapping and the whole
//! per-article pipeline, on generated articles and, when `../shared/corpora/news` (or
//! `$NEWSGRAPH_REAL_CORPUS`) exists, on a slice of real Reuters articles.
//!
//! Run with `cargo bench --bench stages`. Each benchmark processes a fixed batch of articles per
//! iteration and reports bytes/s; sentences per batch are printed once at start-up so
//! sentences/s can be read off the timings. The in-loop results are checked (non-empty output),
//! so a stage that silently stops working does not look fast.

use divan::{Bencher, black_box, counter::BytesCount};
use newsgraph::extract::{self, Segmented};
use newsgraph::generate::Generator;
use newsgraph::lexicon::Lexicon;
use newsgraph::model::RawArticle;
use newsgraph::{normalize, pipeline, rdf, segment};
use std::path::PathBuf;
use std::sync::LazyLock;

/// Articles per timed batch.
const BATCH: usize = 200;

fn main() {
    for (name, arts) in [("generated", &*GENERATED), ("real", &*REAL)] {
        if arts.is_empty() {
            eprintln!("{name}: no articles (real corpus not found); its benchmarks are skipped");
            continue;
        }
        let sentences: usize = arts
            .iter()
            .map(|a| extract::prepare(a.clone()).sentences.len())
            .sum();
        let bytes: usize = arts.iter().map(|a| a.text.len()).sum();
        eprintln!(
            "{name}: {} articles, {sentences} sentences, {bytes} bytes per batch",
            arts.len()
        );
    }
    divan::main();
}

static GENERATED: LazyLock<Vec<RawArticle>> = LazyLock::new(|| {
    let lex = Lexicon::builtin();
    Generator::new(42, &lex)
        .articles(BATCH)
        .map(|(a, _)| a.to_raw())
        .collect()
});

static REAL: LazyLock<Vec<RawArticle>> = LazyLock::new(|| {
    let path = std::env::var_os("NEWSGRAPH_REAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/corpora/news/reuters-21578.jsonl"
            ))
        });
    if !path.exists() {
        return Vec::new();
    }
    newsgraph::bench::read_articles(&path, BATCH)
});

fn corpus(name: &str) -> &'static [RawArticle] {
    match name {
        "generated" => &GENERATED,
        _ => &REAL,
    }
}

fn bytes(arts: &[RawArticle]) -> BytesCount {
    BytesCount::new(arts.iter().map(|a| a.text.len()).sum::<usize>())
}

const CORPORA: &[&str] = &["generated", "real"];

#[divan::bench(args = CORPORA)]
fn normalize(bencher: Bencher, name: &str) {
    let arts = corpus(name);
    if arts.is_empty() {
        return;
    }
    bencher.counter(bytes(arts)).bench(|| {
        for a in arts {
            let n = normalize::normalize(black_box(&a.text));
            assert!(!n.text.is_empty());
        }
    });
}

#[divan::bench(args = CORPORA)]
fn segment(bencher: Bencher, name: &str) {
    let arts = corpus(name);
    if arts.is_empty() {
        return;
    }
    let clean: Vec<String> = arts
        .iter()
        .map(|a| normalize::normalize(&a.text).text)
        .collect();
    bencher.counter(bytes(arts)).bench(|| {
        for t in &clean {
            assert!(!segment::segment(black_box(t)).is_empty());
        }
    });
}

#[divan::bench(args = CORPORA)]
fn extract(bencher: Bencher, name: &str) {
    let arts = corpus(name);
    if arts.is_empty() {
        return;
    }
    let lex = Lexicon::builtin();
    let prepared: Vec<Segmented> = arts.iter().map(|a| extract::prepare(a.clone())).collect();
    bencher.counter(bytes(arts)).bench(|| {
        let mut entities = 0;
        for s in &prepared {
            entities += extract::extract(black_box(s), &lex).entities.len();
        }
        assert!(entities > 0);
    });
}

#[divan::bench(args = CORPORA)]
fn rdf_mapping(bencher: Bencher, name: &str) {
    let arts = corpus(name);
    if arts.is_empty() {
        return;
    }
    let lex = Lexicon::builtin();
    let extracted: Vec<_> = arts
        .iter()
        .map(|a| extract::extract(&extract::prepare(a.clone()), &lex))
        .collect();
    bencher.counter(bytes(arts)).bench(|| {
        let mut quads = 0;
        for ex in &extracted {
            quads += rdf::to_quads(black_box(ex)).len();
        }
        assert!(quads > 0);
    });
}

#[divan::bench(args = CORPORA)]
fn whole_article(bencher: Bencher, name: &str) {
    let arts = corpus(name);
    if arts.is_empty() {
        return;
    }
    let lex = Lexicon::builtin();
    bencher
        .counter(bytes(arts))
        .with_inputs(|| arts.to_vec())
        .bench_values(|batch| {
            let mut quads = 0;
            for a in batch {
                quads += pipeline::process(a, &lex).1.len();
            }
            assert!(quads > 0);
        });
}
