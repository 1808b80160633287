//! Invariants checked on arbitrary input by the fuzz targets (and by `tests/fuzz_corpus.rs`,
//! which replays the committed corpora). Every check panics when an invariant is broken:
//!
//! - readers: never panic; the same bytes give the same articles and errors; every error
//!   names the file;
//! - per-article pipeline: never panics; every offset (sentences, mentions, triggers, claims,
//!   credits, and `nif:beginIndex`/`nif:endIndex` in the RDF) lies inside the original text;
//!   entity indices are in range; a mention whose original text needed no cleaning has that
//!   text as its `nif:anchorOf`; two runs give the same quads; the quads survive an N-Quads
//!   round trip (every IRI and literal is valid).

use newsgraph::extract::Offsets;
use newsgraph::ingest::{self, InputKind};
use newsgraph::lexicon::Lexicon;
use newsgraph::model::{ArticleMeta, RawArticle};
use newsgraph::pipeline;
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{NamedOrBlankNode, Quad, Term};
use std::collections::HashMap;
use std::path::Path;

/// Most articles taken from one input (a WARC or JSONL input can hold many).
const MAX_ARTICLES: usize = 16;
/// Most of those run through extraction.
const MAX_PROCESSED: usize = 4;

const NIF: &str = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

/// A reader on arbitrary bytes, then the first articles it yields through [`article`].
pub fn reader(kind: InputKind, data: &[u8]) {
    let name = match kind {
        InputKind::Txt => "fuzz.txt",
        InputKind::Jsonl => "fuzz.jsonl",
        InputKind::Html => "fuzz.html",
        InputKind::Warc => "fuzz.warc",
    };
    let read = || -> Vec<Result<RawArticle, String>> {
        ingest::read_bytes(kind, Path::new(name), data.to_vec())
            .take(MAX_ARTICLES)
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    };
    let first = read();
    assert_eq!(first, read(), "reading the same bytes twice differs");
    let mut processed = 0;
    for item in first {
        match item {
            Err(message) => assert!(
                message.starts_with(name),
                "error does not name the file: {message}"
            ),
            Ok(raw) => {
                assert!(!raw.meta.id.is_empty(), "article without an id");
                if processed < MAX_PROCESSED {
                    processed += 1;
                    article(raw);
                }
            }
        }
    }
}

/// Arbitrary bytes, decoded lossily, as the text of one article.
pub fn pipeline_bytes(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    article(RawArticle {
        meta: ArticleMeta {
            id: "fuzz".into(),
            published: Some("2024-05-03".into()),
            ..Default::default()
        },
        text,
        warnings: vec![],
    });
}

/// One article through normalize, segment, extract and rdf, with every invariant checked.
pub fn article(raw: RawArticle) {
    let original: Vec<char> = raw.text.chars().collect();
    let n = original.len();
    let lex = Lexicon::builtin();
    let (ex, quads) = pipeline::process(raw.clone(), &lex);
    let inside = |o: Offsets, what: &str| {
        assert!(
            o.start <= o.end && o.end <= n,
            "{what} offsets {}..{} outside the text ({n} chars)",
            o.start,
            o.end
        );
    };
    for s in &ex.sentences {
        inside(s.offsets, "sentence");
    }
    for m in &ex.mentions {
        inside(m.offsets, "mention");
        assert!(m.entity < ex.entities.len(), "mention of a missing entity");
    }
    for e in &ex.events {
        inside(e.trigger_offsets, "trigger");
        assert!(
            e.participants.iter().all(|&p| p < ex.entities.len()),
            "event participant out of range"
        );
    }
    for c in &ex.claims {
        inside(c.offsets, "claim");
        assert!(c.speaker < ex.entities.len(), "claim speaker out of range");
    }
    for c in &ex.contributors {
        inside(c.offsets, "credit");
    }
    if let Some(p) = ex.publisher {
        assert!(p < ex.entities.len(), "publisher out of range");
    }
    rdf_offsets(&quads, &original);
    let (_, again) = pipeline::process(raw, &lex);
    assert!(quads == again, "extraction is not deterministic");
    round_trip(&quads);
}

/// `nif:beginIndex`/`nif:endIndex` inside the original text, and plain mentions anchored on
/// exactly the text they point at.
fn rdf_offsets(quads: &[Quad], original: &[char]) {
    #[derive(Default)]
    struct Node {
        begin: Option<usize>,
        end: Option<usize>,
        anchor: Option<String>,
        phrase: bool,
    }
    let mut nodes: HashMap<&NamedOrBlankNode, Node> = HashMap::new();
    for q in quads {
        let p = q.predicate.as_str();
        let Some(local) = p
            .strip_prefix(NIF)
            .or(if p == RDF_TYPE { Some("type") } else { None })
        else {
            continue;
        };
        let node = nodes.entry(&q.subject).or_default();
        let value = match &q.object {
            Term::Literal(l) => Some(l.value()),
            _ => None,
        };
        match local {
            "beginIndex" | "endIndex" => {
                let v: usize = value
                    .and_then(|v| v.parse().ok())
                    .expect("offsets are non-negative integers");
                if local == "beginIndex" {
                    node.begin = Some(v);
                } else {
                    node.end = Some(v);
                }
            }
            "anchorOf" => node.anchor = value.map(str::to_string),
            "type" => {
                if matches!(&q.object, Term::NamedNode(t) if t.as_str() == format!("{NIF}Phrase")) {
                    node.phrase = true;
                }
            }
            _ => {}
        }
    }
    for (s, node) in nodes {
        let (Some(b), Some(e)) = (node.begin, node.end) else {
            assert!(
                node.begin.is_none() && node.end.is_none(),
                "{s}: only one of beginIndex/endIndex"
            );
            continue;
        };
        assert!(
            b <= e && e <= original.len(),
            "{s}: {b}..{e} outside the text ({} chars)",
            original.len()
        );
        if let (true, Some(anchor)) = (node.phrase, node.anchor) {
            let span: String = original[b..e].iter().collect();
            let plain = !span.is_empty()
                && span
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '.' || c == '-');
            if plain {
                assert_eq!(
                    squeeze(&anchor),
                    squeeze(&span),
                    "{s}: anchor differs from the text at its offsets"
                );
            }
        }
    }
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes the quads as N-Quads and reads them back: every term must be valid RDF.
fn round_trip(quads: &[Quad]) {
    let mut w = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(Vec::new());
    for q in quads {
        w.serialize_quad(q).expect("serialising to memory");
    }
    let bytes = w.finish().expect("serialising to memory");
    let back: Result<Vec<Quad>, _> = RdfParser::from_format(RdfFormat::NQuads)
        .for_slice(&bytes)
        .collect();
    let back = back.unwrap_or_else(|e| {
        panic!(
            "quads do not parse back: {e}\n{}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert!(back == quads, "quads change in an N-Quads round trip");
}
