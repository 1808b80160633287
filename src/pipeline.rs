//! Pipeline: drives ingest → normalize → segment → extract → rdf → store for a batch of inputs.
//!
//! Articles stream from the readers in batches; each batch is processed in parallel (rayon) and
//! written in input order, so the store is the same whatever the thread count. A bad file or
//! line is reported (file, line, article id, why) and skipped; the rest of the batch loads, and
//! the report says how many failed so the CLI can exit non-zero.

use crate::extract::{self, Extraction};
use crate::ingest::{self, IngestError};
use crate::lexicon::Lexicon;
use crate::model::RawArticle;
use crate::rdf;
use crate::store::{ArticleGraph, GraphStore, StoreError};
use oxigraph::model::Quad;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

/// Articles processed per parallel batch (and per store write).
pub const BATCH: usize = 256;

/// Processes one raw article to its extraction and quads. Pure.
pub fn process(raw: RawArticle, lex: &Lexicon) -> (Extraction, Vec<Quad>) {
    let seg = extract::prepare(raw);
    let ex = extract::extract(&seg, lex);
    let quads = rdf::to_quads(&ex);
    (ex, quads)
}

/// One problem met during a build, ready to print.
#[derive(Debug)]
pub enum Problem {
    Input(IngestError),
    Store(StoreError),
    /// Writing the output (e.g. an N-Quads file) failed.
    Output(String),
    EmptyArticle {
        origin: String,
        id: String,
    },
    Warning(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Input(e) => write!(f, "error: {e}"),
            Problem::Store(e) => write!(f, "error: {e}"),
            Problem::Output(e) => write!(f, "error: {e}"),
            Problem::EmptyArticle { origin, id } => {
                write!(
                    f,
                    "warning: {origin}: article {id}: no text after cleaning; skipped"
                )
            }
            Problem::Warning(w) => write!(f, "warning: {w}"),
        }
    }
}

impl Problem {
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Problem::Input(_) | Problem::Store(_) | Problem::Output(_)
        )
    }
}

/// Totals of a build.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BuildReport {
    pub files: usize,
    pub articles: usize,
    pub sentences: usize,
    pub entities: usize,
    pub events: usize,
    pub quads: usize,
    pub errors: usize,
    pub warnings: usize,
    pub confusables_folded: usize,
    pub spam_removed: usize,
    pub boilerplate_removed: usize,
}

/// Builds (or updates) the store from input paths. `on_problem` sees every error and warning
/// as it happens; `on_progress` sees the number of articles done.
pub fn build(
    store: &GraphStore,
    inputs: &[PathBuf],
    lex: &Lexicon,
    mut on_problem: impl FnMut(&Problem),
    on_progress: impl FnMut(usize),
) -> BuildReport {
    let mut writer = store.article_writer();
    let mut report = run(inputs, lex, &mut on_problem, on_progress, |graphs| {
        writer.write(graphs).map_err(Problem::Store)
    });
    if let Err(e) = writer.finish() {
        report.errors += 1;
        on_problem(&Problem::Store(e));
    }
    if let Err(e) = store.flush() {
        report.errors += 1;
        on_problem(&Problem::Store(e));
    }
    report
}

/// Runs the per-article stages over input paths and hands each batch of article graphs, in
/// input order, to `write` (which returns the number of quads it wrote). What `build` and
/// `extract` share: the same articles, skipped the same way, give the same graphs.
pub fn run(
    inputs: &[PathBuf],
    lex: &Lexicon,
    mut on_problem: impl FnMut(&Problem),
    mut on_progress: impl FnMut(usize),
    mut write: impl FnMut(Vec<ArticleGraph>) -> Result<usize, Problem>,
) -> BuildReport {
    let mut report = BuildReport::default();
    let mut note = |p: Problem, report: &mut BuildReport| {
        if p.is_error() {
            report.errors += 1;
        } else {
            report.warnings += 1;
        }
        on_problem(&p);
    };
    let mut batch: Vec<RawArticle> = Vec::with_capacity(BATCH);
    let mut flush = |batch: &mut Vec<RawArticle>,
                     report: &mut BuildReport,
                     note: &mut dyn FnMut(Problem, &mut BuildReport)| {
        if batch.is_empty() {
            return;
        }
        // The same id twice in one batch: the later article wins, as a later batch would.
        let mut last: HashMap<String, usize> = HashMap::new();
        for (i, a) in batch.iter().enumerate() {
            if let Some(prev) = last.insert(a.meta.id.clone(), i) {
                note(
                    Problem::Warning(format!(
                        "{}: article {} has the same id as {}; the later one replaces it",
                        a.meta.origin, a.meta.id, batch[prev].meta.origin
                    )),
                    report,
                );
            }
        }
        let keep: Vec<RawArticle> = std::mem::take(batch)
            .into_iter()
            .enumerate()
            .filter(|(i, a)| last.get(&a.meta.id) == Some(i))
            .map(|(_, a)| a)
            .collect();
        let results: Vec<(Extraction, Vec<Quad>)> =
            keep.into_par_iter().map(|a| process(a, lex)).collect();
        let mut graphs = Vec::with_capacity(results.len());
        for (ex, quads) in results {
            for w in &ex.warnings {
                note(Problem::Warning(w.clone()), report);
            }
            if ex.sentences.is_empty() {
                note(
                    Problem::EmptyArticle {
                        origin: ex.meta.origin.to_string(),
                        id: ex.meta.id.clone(),
                    },
                    report,
                );
                continue;
            }
            report.articles += 1;
            report.sentences += ex.sentences.len();
            report.entities += ex.entities.len();
            report.events += ex.events.len();
            report.confusables_folded += ex.normalize_report.confusables_folded;
            report.spam_removed += ex.normalize_report.spam_removed;
            report.boilerplate_removed += ex.normalize_report.boilerplate_removed;
            graphs.push(ArticleGraph {
                graph: rdf::article_iri(&ex.meta.id),
                quads,
            });
        }
        match write(graphs) {
            Ok(n) => report.quads += n,
            Err(p) => note(p, report),
        }
    };
    for path in ingest::discover(inputs) {
        let path = match path {
            Ok(p) => p,
            Err(e) => {
                note(Problem::Input(e), &mut report);
                continue;
            }
        };
        report.files += 1;
        for item in ingest::read_file(&path) {
            match item {
                Ok(a) => {
                    batch.push(a);
                    if batch.len() >= BATCH {
                        flush(&mut batch, &mut report, &mut note);
                        on_progress(report.articles);
                    }
                }
                Err(e) => note(Problem::Input(e), &mut report),
            }
        }
    }
    flush(&mut batch, &mut report, &mut note);
    on_progress(report.articles);
    report
}

/// Extracts articles to N-Quads on `out` without a store: the quads `build` would store, in
/// input order, one named graph per article. Needs no coordination: shards of the input
/// extracted anywhere and concatenated give the same quad set as one `build` over all of
/// them (IRIs come from content only), provided article ids are unique across shards. An
/// article id seen twice in one run is written twice (with a warning); a Graph Store push of
/// the file then keeps the later copy, as `build` does.
pub fn extract_nquads(
    inputs: &[PathBuf],
    lex: &Lexicon,
    mut on_problem: impl FnMut(&Problem),
    on_progress: impl FnMut(usize),
    out: &mut dyn std::io::Write,
) -> BuildReport {
    use oxigraph::io::{RdfFormat, RdfSerializer};
    let mut seen = std::collections::HashSet::new();
    let mut repeated = Vec::new();
    let mut report = run(inputs, lex, &mut on_problem, on_progress, |graphs| {
        let out_err = |e: &dyn std::fmt::Display| Problem::Output(format!("writing N-Quads: {e}"));
        // Through an in-memory store, so the quads come out as the store keeps them: the same
        // literal canonicalisation (e.g. xsd:nonNegativeInteger is stored as xsd:integer) and
        // no duplicates. Sorted within each graph, so the output is byte-for-byte repeatable.
        let mem = oxigraph::store::Store::new().map_err(|e| out_err(&e))?;
        mem.extend(graphs.iter().flat_map(|g| g.quads.iter().cloned()))
            .map_err(|e| out_err(&e))?;
        let mut w = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(&mut *out);
        let mut n = 0;
        for g in &graphs {
            if !seen.insert(g.graph.as_str().to_string()) {
                repeated.push(g.graph.as_str().to_string());
            }
            let mut quads = mem
                .quads_for_pattern(None, None, None, Some(g.graph.as_ref().into()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| out_err(&e))?;
            quads.sort_by_cached_key(|q| q.to_string());
            for q in &quads {
                w.serialize_quad(q).map_err(|e| out_err(&e))?;
            }
            n += quads.len();
        }
        w.finish().map_err(|e| out_err(&e))?;
        Ok(n)
    });
    for g in repeated {
        report.warnings += 1;
        on_problem(&Problem::Warning(format!(
            "article graph {g} was written more than once; a Graph Store push keeps the later copy"
        )));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ArticleMeta;
    use proptest::prelude::*;

    /// Pieces of news-like text that exercise names, titles, triggers, cues, dates, quotes,
    /// datelines and odd characters, in any order.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Foreign Minister ".to_string()),
            Just("Anna Berg ".to_string()),
            Just("met ".to_string()),
            Just("held talks with ".to_string()),
            Just("the Russian delegation was led by ".to_string()),
            Just("in Geneva ".to_string()),
            Just("on Friday ".to_string()),
            Just("Nov. 14 ".to_string()),
            Just("said. ".to_string()),
            Just("did not ".to_string()),
            Just("will meet ".to_string()),
            Just("the U.S. ".to_string()),
            Just("\"We agreed,\" ".to_string()),
            Just("WASHINGTON, March 3 - ".to_string()),
            Just("(Reporting by Jo Lee; Editing by Al Roy) ".to_string()),
            Just("\n\n".to_string()),
            Just("Петров ".to_string()),
            Just("Ɍeuters ".to_string()),
            Just("'s ".to_string()),
            Just(", ".to_string()),
            "\\PC{0,12}",
        ]
    }

    fn article(text: String) -> RawArticle {
        RawArticle {
            meta: ArticleMeta {
                id: "p".into(),
                published: Some("2024-05-03".into()),
                ..Default::default()
            },
            text,
            warnings: vec![],
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn processing_never_panics_keeps_offsets_inside_and_is_deterministic(
            parts in proptest::collection::vec(piece(), 0..40)
        ) {
            let text: String = parts.concat();
            let chars = text.chars().count();
            let lex = Lexicon::builtin();
            let (ex, quads) = process(article(text.clone()), &lex);
            for s in &ex.sentences {
                prop_assert!(s.offsets.start <= s.offsets.end && s.offsets.end <= chars);
            }
            for m in &ex.mentions {
                prop_assert!(m.offsets.start <= m.offsets.end && m.offsets.end <= chars);
                prop_assert!(m.entity < ex.entities.len());
            }
            for e in &ex.events {
                prop_assert!(e.trigger_offsets.end <= chars);
                prop_assert!(e.participants.iter().all(|&p| p < ex.entities.len()));
            }
            let (_, again) = process(article(text), &lex);
            prop_assert_eq!(quads, again);
        }
    }
}
