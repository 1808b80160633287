//! newsgraph: news articles in, a knowledge graph of who met whom out.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! ingest (files → RawArticle) → normalize (clean text + offset map) → segment (sentences,
//! tokens) → extract (mentions, entities, roles, events, claims) → rdf (quads, IRIs) →
//! store (Oxigraph, one named graph per article) → query / export
//! ```
//!
//! [`pipeline::process`] runs the per-article stages; [`pipeline::build`] drives a batch into
//! a store. Every extracted fact keeps its article, sentence and character offsets into the
//! original text.
//!
//! ```
//! use newsgraph::{lexicon::Lexicon, model::{ArticleMeta, RawArticle}, pipeline};
//! let raw = RawArticle {
//!     meta: ArticleMeta { id: "doc-1".into(), published: Some("2024-05-03".into()), ..Default::default() },
//!     text: "Foreign Minister Anna Berg met her counterpart Jan Novak in Vienna on Friday.".into(),
//!     warnings: vec![],
//! };
//! let (extraction, quads) = pipeline::process(raw, &Lexicon::builtin());
//! assert!(!quads.is_empty());
//! assert_eq!(extraction.events.len(), 1);
//! ```

pub mod bench;
pub mod dates;
pub mod explain;
pub mod export;
pub mod extract;
pub mod generate;
pub mod ingest;
pub mod lexicon;
pub mod model;
pub mod network;
pub mod normalize;
pub mod pipeline;
pub mod push;
pub mod query;
pub mod rdf;
pub mod reason;
pub mod segment;
pub mod serve;
pub mod store;
