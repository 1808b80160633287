//! Reason: cross-article event fusion and rule-based inference over the store.
//!
//! Runs after every build (and after articles are removed). It rebuilds two system graphs from
//! scratch, so it is idempotent and never keeps a conclusion whose sources are gone:
//!
//! - [`ONTOLOGY_GRAPH`]: the vocabulary (`ontology/newsgraph.ttl`), so rules can read
//!   `owl:SymmetricProperty`, `owl:inverseOf` and `rdfs:subPropertyOf` as data;
//! - [`INFERRED_GRAPH`]: fused events and everything the rules conclude.
//!
//! **Fusion.** Held contact events of different articles become one `ng:FusedEvent` when they
//! share at least two actors and their place and date are compatible (see [`compatible`]);
//! every article event joins exactly one fused event (a lone report is a fused event with one
//! source), at most one per article, so the network and its source counts come from one place.
//!
//! **Rules.** SPARQL SELECT files (`ontology/rules/*.rq`, contract in its README) run in name
//! order, round after round, until a round adds nothing (a fixpoint); each rule reads what the
//! rules before it concluded, in this round too. After the first round a rule runs only when
//! quads of a predicate (or class) its patterns name were written since it last ran (see
//! [`reads`]). Each conclusion gets one `ng:Inference` record naming its rules, the facts it
//! used and their articles. Everything is written through the bulk loader, committed after
//! each rule.
//!
//! Does not extract, and never writes article graphs; all writes go through [`GraphStore`].

use crate::query::{self, QueryError};
use crate::rdf::{ns, stable_hash};
use crate::store::{GraphStore, QuadLoader, StoreError};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

mod reads;
use reads::{ReadSet, Touched};

/// Named graph holding everything the reasoner writes.
pub const INFERRED_GRAPH: &str = "https://w3id.org/newsgraph/graph/inferred";
/// Named graph holding the vocabulary, for rules that read it.
pub const ONTOLOGY_GRAPH: &str = "https://w3id.org/newsgraph/graph/ontology";
/// Upper bound on rule rounds; a well-formed rule set reaches its fixpoint long before.
const MAX_ROUNDS: usize = 16;
/// Quads the reasoner hands to the bulk loader at a time. Each chunk and the copies being
/// sorted are in memory together; on 10k generated articles 10,000-25,000 peaked about 100 MB
/// lower than 100,000 (455-475 MB against 555-565 MB) in the same time.
const LOAD_CHUNK: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum ReasonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("rule {rule}: {source}")]
    Rule {
        rule: String,
        #[source]
        source: QueryError,
    },
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("rule {rule}: it must select ?s ?p ?o")]
    Contract { rule: String },
    #[error("cannot read rules in {path}: {message}")]
    Read { path: String, message: String },
    #[error("the vocabulary does not parse: {0}")]
    Vocabulary(String),
    #[error("rules did not reach a fixpoint in {0} rounds")]
    NoFixpoint(usize),
    #[error("more than 4 billion conclusions: too many to reason over")]
    TooLarge,
}

/// One rule: a name (its file stem) and a SPARQL SELECT query.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub query: String,
}

impl Rule {
    pub fn iri(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}rule/{}", ns::ID, crate::rdf::slug(&self.name)))
    }
}

/// The rule set, in the order the rules run.
#[derive(Debug, Clone)]
pub struct Rules(pub Vec<Rule>);

const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        "10-fused-participants",
        include_str!("../ontology/rules/10-fused-participants.rq"),
    ),
    (
        "20-met-in-fused-event",
        include_str!("../ontology/rules/20-met-in-fused-event.rq"),
    ),
    (
        "30-contact",
        include_str!("../ontology/rules/30-contact.rq"),
    ),
    (
        "40-member-of",
        include_str!("../ontology/rules/40-member-of.rq"),
    ),
    (
        "50-rollup-institution",
        include_str!("../ontology/rules/50-rollup-institution.rq"),
    ),
    (
        "60-rollup-country",
        include_str!("../ontology/rules/60-rollup-country.rq"),
    ),
    (
        "90-symmetric",
        include_str!("../ontology/rules/90-symmetric.rq"),
    ),
    (
        "91-inverse",
        include_str!("../ontology/rules/91-inverse.rq"),
    ),
    (
        "92-subproperty",
        include_str!("../ontology/rules/92-subproperty.rq"),
    ),
];

impl Rules {
    /// The rules shipped in `ontology/rules/`.
    pub fn builtin() -> Rules {
        Rules(
            BUILTIN_RULES
                .iter()
                .map(|(n, q)| Rule {
                    name: n.to_string(),
                    query: q.to_string(),
                })
                .collect(),
        )
    }

    /// The built-in rules plus `dir/rules/*.rq` (a file with a built-in name replaces it).
    pub fn with_dir(dir: &Path) -> Result<Rules, ReasonError> {
        let mut rules = Rules::builtin();
        let rdir = dir.join("rules");
        if !rdir.is_dir() {
            return Ok(rules);
        }
        let read_err = |e: std::io::Error| ReasonError::Read {
            path: rdir.display().to_string(),
            message: e.to_string(),
        };
        let mut files: Vec<_> = std::fs::read_dir(&rdir)
            .map_err(read_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rq"))
            .collect();
        files.sort();
        for f in files {
            let query = std::fs::read_to_string(&f).map_err(read_err)?;
            let name = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            rules.0.retain(|r| r.name != name);
            rules.0.push(Rule { name, query });
        }
        rules.0.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(rules)
    }
}

/// What a reasoning run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReasonReport {
    /// Held contact events of articles that took part in fusion.
    pub article_events: usize,
    /// Fused events written (one per real-world event).
    pub fused_events: usize,
    /// Fused events with more than one source article.
    pub multi_source_events: usize,
    /// Triples concluded by rules (not counting their records).
    pub inferred_triples: usize,
    /// Rule rounds until the fixpoint (after the last, nothing a rule reads has changed).
    pub rounds: usize,
    /// Quads in the inferred graph.
    pub quads: usize,
    pub millis: u128,
    /// Per rule: rows it returned and milliseconds it took, summed over rounds.
    pub rule_stats: Vec<(String, usize, u128)>,
    /// Milliseconds spent fusing events.
    pub fusion_millis: u128,
}

fn ng(local: &str) -> NamedNode {
    crate::rdf::ng(local)
}

fn iri(s: &str) -> NamedNode {
    NamedNode::new_unchecked(s)
}

/// Runs fusion and the rules; replaces the ontology and inferred graphs.
pub fn reason(store: &GraphStore, rules: &Rules) -> Result<ReasonReport, ReasonError> {
    let start = Instant::now();
    let inferred = iri(INFERRED_GRAPH);
    store.replace_graph(&iri(ONTOLOGY_GRAPH), vocabulary_quads()?)?;
    store.replace_graph(&inferred, Vec::new())?;
    let mut report = ReasonReport::default();

    let events = held_events(store)?;
    report.article_events = events.len();
    let clusters = fuse(&events);
    // All writes go through the bulk loader: conclusions stream into it as they are drawn
    // (at 100k articles they are millions of quads, never all in memory), and a commit makes
    // them visible to the rules that follow. Transactions took half as long again (10k
    // articles: 95 s against 61 s) and filled RocksDB's write buffers, which had to be flushed
    // every 250,000 quads to keep them from holding gigabytes.
    let mut out = Out {
        loader: store.quad_loader(LOAD_CHUNK),
        count: 0,
        touched: Touched::default(),
    };
    let mut fused_quads = Vec::new();
    for members in &clusters {
        let articles: BTreeSet<&str> = members
            .iter()
            .map(|&i| events[i].article.as_str())
            .collect();
        if articles.len() > 1 {
            report.multi_source_events += 1;
        }
        write_fused(&events, members, &inferred, &mut fused_quads);
        out.put(&mut fused_quads)?;
    }
    report.fused_events = clusters.len();
    out.commit()?;
    let mut total = std::mem::take(&mut out.count);
    drop((events, clusters));
    report.fusion_millis = start.elapsed().as_millis();

    // Rules to a fixpoint. `records` remembers every conclusion's record (rules, facts,
    // articles) so a later round only writes what is new.
    // Records live in `recs` (found through `index`); the terms they mention are interned in
    // `nodes`, since subjects, objects, premises and articles repeat across many records.
    let mut index: HashMap<Key, u32> = HashMap::new();
    let mut recs: Vec<(Key, Record)> = Vec::new();
    // Record hash → record, to find the records a conclusion used as premises.
    let mut by_hash: HashMap<u64, u32> = HashMap::new();
    let mut nodes = Nodes::default();
    let mut node_articles: HashMap<u32, Vec<u32>> = HashMap::new();
    // Semi-naive at the level of predicates: a rule runs again only when something it reads
    // was written since it last ran (otherwise it would return the same rows, which add
    // nothing). Every rule runs in the first round.
    let reads: Vec<ReadSet> = rules
        .0
        .iter()
        .map(|r| ReadSet::of_query(&query::with_prefixes(&r.query)))
        .collect();
    let mut stale = vec![true; rules.0.len()];
    let mark_stale = |touched: &Touched, stale: &mut Vec<bool>| {
        for (ri, r) in reads.iter().enumerate() {
            if r.touched_by(touched) {
                stale[ri] = true;
            }
        }
    };
    let mut rounds = 0;
    loop {
        rounds += 1;
        if rounds > MAX_ROUNDS {
            return Err(ReasonError::NoFixpoint(MAX_ROUNDS));
        }
        let mut new_quads = Vec::new();
        for (ri, rule) in rules.0.iter().enumerate() {
            if report.rule_stats.len() <= ri {
                report.rule_stats.push((rule.name.clone(), 0, 0));
            }
            if !stale[ri] {
                continue;
            }
            stale[ri] = false;
            let rule_start = Instant::now();
            let rule_err = |source| ReasonError::Rule {
                rule: rule.name.clone(),
                source,
            };
            // Rows are read as they are evaluated, never all held at once.
            let (vars, rows) =
                query::select_rows(store.inner(), &rule.query, None).map_err(rule_err)?;
            let col = |name: &str| query::column(&vars, name);
            let (Some(si), Some(pi), Some(oi)) = (col("s"), col("p"), col("o")) else {
                return Err(ReasonError::Contract {
                    rule: rule.name.clone(),
                });
            };
            let because: Vec<usize> = vars
                .iter()
                .enumerate()
                .filter(|(_, v)| v.starts_with("because"))
                .map(|(i, _)| i)
                .collect();
            let article_col = col("article");
            for row in rows {
                let row = row.map_err(rule_err)?;
                report.rule_stats[ri].1 += 1;
                let (Some(s), Some(Term::NamedNode(p)), Some(o)) =
                    (row[si].clone(), row[pi].clone(), row[oi].clone())
                else {
                    continue;
                };
                if matches!(s, Term::Literal(_)) {
                    continue;
                }
                let key = [nodes.id(&s), nodes.id(&p.clone().into()), nodes.id(&o)];
                let ix = match index.get(&key) {
                    Some(&ix) => ix as usize,
                    None => {
                        if stated_in_article(store, &s, &p, &o)? {
                            continue;
                        }
                        let hash = record_hash(&s, &p, &o);
                        let ix = u32::try_from(recs.len()).map_err(|_| ReasonError::TooLarge)?;
                        recs.push((key, Record::new(hash)));
                        index.insert(key, ix);
                        by_hash.insert(hash, ix);
                        ix as usize
                    }
                };
                let (key, rec) = &mut recs[ix];
                let fresh_triple = rec.rules.is_empty();
                let mut delta = Delta::default();
                let rule_id = u32::try_from(ri).map_err(|_| ReasonError::TooLarge)?;
                if insert_sorted(&mut rec.rules, rule_id) {
                    delta.rules.push(ri);
                }
                for &b in &because {
                    if let Some(t @ Term::NamedNode(_)) = &row[b] {
                        let id = nodes.id(t);
                        if insert_sorted(&mut rec.because, id) {
                            delta.because.push(id);
                        }
                    }
                }
                if let Some(Some(t @ Term::NamedNode(a))) = article_col.map(|c| &row[c])
                    && is_article_graph(a)
                {
                    let id = nodes.id(t);
                    if insert_sorted(&mut rec.articles, id) {
                        delta.articles.push(id);
                    }
                }
                if fresh_triple {
                    report.inferred_triples += 1;
                }
                write_record(
                    key,
                    rec.hash,
                    fresh_triple,
                    &delta,
                    rules,
                    &nodes,
                    &inferred,
                    &mut new_quads,
                );
                out.put(&mut new_quads)?;
            }
            // The next rule reads this one's conclusions. (A rule never sees its own: its
            // query reads a snapshot taken when it starts.)
            mark_stale(&out.commit()?, &mut stale);
            report.rule_stats[ri].2 += rule_start.elapsed().as_millis();
        }
        // Articles behind the facts each record used; a record's premises may be records
        // whose own articles grew this round, so propagate until nothing changes.
        let mut article_quads = Vec::new();
        loop {
            let mut changed = false;
            for i in 0..recs.len() {
                let mut found: Vec<u32> = Vec::new();
                for &b in &recs[i].1.because {
                    match record_of(nodes.get(b), &by_hash) {
                        Some(j) => found.extend(recs[j].1.articles.iter().copied()),
                        None => {
                            let ids = match node_articles.entry(b) {
                                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                                std::collections::hash_map::Entry::Vacant(e) => {
                                    let Term::NamedNode(n) = nodes.get(b) else {
                                        continue;
                                    };
                                    let arts = articles_of(store, n)?;
                                    e.insert(
                                        arts.into_iter().map(|a| nodes.id(&a.into())).collect(),
                                    )
                                }
                            };
                            found.extend(ids.iter().copied());
                        }
                    }
                }
                found.sort_unstable();
                found.dedup();
                let rec = &mut recs[i].1;
                for a in found {
                    if insert_sorted(&mut rec.articles, a) {
                        changed = true;
                        article_quads.push(Quad::new(
                            inference_iri(rec.hash),
                            ng("sourceArticle"),
                            nodes.get(a).clone(),
                            GraphName::NamedNode(inferred.clone()),
                        ));
                    }
                }
                // Written as they grow (the propagation reads only the records in memory).
                out.put(&mut article_quads)?;
            }
            if !changed {
                break;
            }
        }
        mark_stale(&out.commit()?, &mut stale);
        let written_this_round = std::mem::take(&mut out.count);
        total += written_this_round;
        // Nothing new, or nothing any rule reads changed: a further round would add nothing
        // (the articles were propagated to their fixpoint above).
        if written_this_round == 0 || !stale.contains(&true) {
            break;
        }
    }
    report.rounds = rounds;
    report.quads = total;
    report.millis = start.elapsed().as_millis();
    Ok(report)
}

/// Whether a graph is one the reasoner owns (not an article's).
pub fn is_system_graph(g: oxigraph::model::NamedOrBlankNodeRef<'_>) -> bool {
    matches!(g, oxigraph::model::NamedOrBlankNodeRef::NamedNode(n)
        if n.as_str() == INFERRED_GRAPH || n.as_str() == ONTOLOGY_GRAPH)
}

/// Whether a graph name is an article's graph (not one of the reasoner's).
fn is_article_graph(g: &NamedNode) -> bool {
    g.as_str() != INFERRED_GRAPH && g.as_str() != ONTOLOGY_GRAPH
}

fn stated_in_article(
    store: &GraphStore,
    s: &Term,
    p: &NamedNode,
    o: &Term,
) -> Result<bool, ReasonError> {
    let subject: NamedOrBlankNode = match s {
        Term::NamedNode(n) => n.clone().into(),
        Term::BlankNode(b) => b.clone().into(),
        _ => return Ok(false),
    };
    for q in store.quads_matching(Some(subject.as_ref()), Some(p.as_ref()), Some(o.as_ref())) {
        let q = q?;
        if let GraphName::NamedNode(g) = &q.graph_name
            && is_article_graph(g)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Articles a fact rests on: an article event's `ng:article`, a fused event's or record's
/// `ng:sourceArticle`, the graph a membership is stated in.
fn articles_of(store: &GraphStore, node: &NamedNode) -> Result<Vec<NamedNode>, ReasonError> {
    let mut out = Vec::new();
    let subject = NamedOrBlankNode::from(node.clone());
    for p in [ng("article"), ng("sourceArticle")] {
        for q in store.quads_matching(Some(subject.as_ref()), Some(p.as_ref()), None) {
            if let Term::NamedNode(a) = q?.object
                && is_article_graph(&a)
            {
                out.push(a);
            }
        }
    }
    if out.is_empty() {
        for q in store.quads_matching(Some(subject.as_ref()), Some(rdf::TYPE), None) {
            if let GraphName::NamedNode(g) = q?.graph_name
                && is_article_graph(&g)
            {
                out.push(g);
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The reasoner's writes on their way into the store: how many since `count` was last
/// taken, and what kinds of quads since the last commit.
struct Out<'a> {
    loader: QuadLoader<'a>,
    count: usize,
    touched: Touched,
}

impl Out<'_> {
    /// Hands `quads` to the loader and empties the buffer.
    fn put(&mut self, quads: &mut Vec<Quad>) -> Result<(), StoreError> {
        quads.iter().for_each(|q| self.touched.note(q));
        self.count += quads.len();
        self.loader.extend(quads.drain(..))
    }

    /// Makes the writes visible; what kinds of quads they were.
    fn commit(&mut self) -> Result<Touched, StoreError> {
        self.loader.commit()?;
        Ok(std::mem::take(&mut self.touched))
    }
}

/// A concluded triple: subject, predicate and object as ids in [`Nodes`].
type Key = [u32; 3];

/// What the reasoner remembers of a conclusion: its record's hash (the record IRI is built
/// from it), the rules that drew it (indices into the rule set), the facts it used and their
/// articles (ids in [`Nodes`]). Sets are sorted vectors: most hold one or two members, and a
/// record must stay small, as there is one per conclusion.
#[derive(Debug, Clone)]
struct Record {
    hash: u64,
    rules: Vec<u32>,
    because: Vec<u32>,
    articles: Vec<u32>,
}

impl Record {
    fn new(hash: u64) -> Record {
        Record {
            hash,
            rules: Vec::new(),
            because: Vec::new(),
            articles: Vec::new(),
        }
    }
}

/// Adds `x` to the sorted set `v`; whether it was new.
fn insert_sorted(v: &mut Vec<u32>, x: u32) -> bool {
    match v.binary_search(&x) {
        Ok(_) => false,
        Err(at) => {
            v.insert(at, x);
            true
        }
    }
}

/// What one rule row added to a record (and so must be written).
#[derive(Debug, Default)]
struct Delta {
    rules: Vec<usize>,
    because: Vec<u32>,
    articles: Vec<u32>,
}

/// Terms as small numbers: a record's triple, premises and articles repeat across many
/// records, so each term is kept once (an index set holds one copy, found by hash or by id).
#[derive(Debug, Default)]
struct Nodes(indexmap::IndexSet<Term>);

impl Nodes {
    fn id(&mut self, t: &Term) -> u32 {
        // More than 4 billion distinct terms would not fit in memory anyway.
        match self.0.get_index_of(t) {
            Some(i) => i as u32,
            None => self.0.insert_full(t.clone()).0 as u32,
        }
    }

    fn get(&self, i: u32) -> &Term {
        &self.0[i as usize]
    }
}

/// The record (index into `recs`) a premise names, when it is an `ng:Inference` record.
fn record_of(premise: &Term, by_hash: &HashMap<u64, u32>) -> Option<usize> {
    let Term::NamedNode(n) = premise else {
        return None;
    };
    let hex = n
        .as_str()
        .strip_prefix(ns::ID)?
        .strip_prefix("inference/")?;
    let h = u64::from_str_radix(hex, 16).ok()?;
    by_hash.get(&h).map(|&j| j as usize)
}

fn term_key(t: &Term) -> String {
    t.to_string()
}

/// The record of a concluded triple: a content-derived IRI.
pub fn record_iri(key: &(Term, NamedNode, Term)) -> NamedNode {
    inference_iri(record_hash(&key.0, &key.1, &key.2))
}

/// The content hash behind [`record_iri`].
fn record_hash(s: &Term, p: &NamedNode, o: &Term) -> u64 {
    stable_hash(format!("{}\u{1}{}\u{1}{}", term_key(s), p.as_str(), term_key(o)).as_bytes())
}

fn inference_iri(hash: u64) -> NamedNode {
    iri(&format!("{}inference/{hash:016x}", ns::ID))
}

#[allow(clippy::too_many_arguments)]
fn write_record(
    key: &Key,
    record: u64,
    fresh: bool,
    delta: &Delta,
    rules: &Rules,
    nodes: &Nodes,
    g: &NamedNode,
    out: &mut Vec<Quad>,
) {
    let gn = GraphName::NamedNode(g.clone());
    let r = inference_iri(record);
    let (s, o) = (nodes.get(key[0]), nodes.get(key[2]));
    let Term::NamedNode(p) = nodes.get(key[1]) else {
        return;
    };
    if fresh {
        let subject: NamedOrBlankNode = match s {
            Term::NamedNode(n) => n.clone().into(),
            Term::BlankNode(b) => b.clone().into(),
            _ => return,
        };
        out.push(Quad::new(subject, p.clone(), o.clone(), gn.clone()));
        out.push(Quad::new(r.clone(), rdf::TYPE, ng("Inference"), gn.clone()));
        out.push(Quad::new(r.clone(), rdf::SUBJECT, s.clone(), gn.clone()));
        out.push(Quad::new(r.clone(), rdf::PREDICATE, p.clone(), gn.clone()));
        out.push(Quad::new(r.clone(), rdf::OBJECT, o.clone(), gn.clone()));
    }
    for &ri in &delta.rules {
        if let Some(rule) = rules.0.get(ri) {
            out.push(Quad::new(r.clone(), ng("rule"), rule.iri(), gn.clone()));
        }
    }
    for &b in &delta.because {
        out.push(Quad::new(
            r.clone(),
            iri(&format!("{}wasDerivedFrom", ns::PROV)),
            nodes.get(b).clone(),
            gn.clone(),
        ));
    }
    for &a in &delta.articles {
        out.push(Quad::new(
            r.clone(),
            ng("sourceArticle"),
            nodes.get(a).clone(),
            gn.clone(),
        ));
    }
}

/// The vocabulary as quads of the ontology graph, plus one `ng:Rule` per rule file.
fn vocabulary_quads() -> Result<Vec<Quad>, ReasonError> {
    use oxigraph::io::{RdfFormat, RdfParser};
    let g = GraphName::NamedNode(iri(ONTOLOGY_GRAPH));
    let mut out = Vec::new();
    for t in RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(include_str!("../ontology/newsgraph.ttl").as_bytes())
    {
        let t = t.map_err(|e| ReasonError::Vocabulary(e.to_string()))?;
        out.push(Quad::new(t.subject, t.predicate, t.object, g.clone()));
    }
    Ok(out)
}

// ---------------------------------------------------------------- fusion

/// A held contact event of one article, as fusion sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleEvent {
    pub iri: NamedNode,
    pub article: NamedNode,
    pub class: Option<NamedNode>,
    pub actors: BTreeSet<NamedNode>,
    pub place: Option<NamedNode>,
    /// The event's date literal (xsd:date, gYearMonth or gYear).
    pub date: Option<Literal>,
    /// The article's anchor date (dateline or publication), as YYYY-MM-DD.
    pub anchor: Option<String>,
    /// Places that contain `place` (a city's country).
    pub place_within: BTreeSet<NamedNode>,
}

const HELD_EVENTS: &str = r#"
SELECT ?e ?article ?actor WHERE {
  GRAPH ?article { ?e a ng:Contact ; ng:status ng:held ; ng:article ?article ; sem:hasActor ?actor . }
}
"#;

/// Reads every held contact event of every article.
///
/// The events and their actors stream from one query; each event's places, date, class and
/// its article's anchor date are then looked up in the event's graph. (Asked as `OPTIONAL`s
/// of the query, they made Oxigraph hash every type, place and date triple of the store:
/// 180 MB at 10k articles.) Where an event has several, the smallest is kept.
pub fn held_events(store: &GraphStore) -> Result<Vec<ArticleEvent>, ReasonError> {
    let (vars, rows) = query::select_rows(store.inner(), HELD_EVENTS, None)?;
    let col = |n: &str| query::column(&vars, n);
    let (ce, ca, cact) = (col("e"), col("article"), col("actor"));
    let node = |row: &Vec<Option<Term>>, c: Option<usize>| match c.and_then(|c| row[c].clone()) {
        Some(Term::NamedNode(n)) => Some(n),
        _ => None,
    };
    let mut by_iri: BTreeMap<NamedNode, ArticleEvent> = BTreeMap::new();
    for row in rows {
        let row = &row?;
        let (Some(e), Some(article)) = (node(row, ce), node(row, ca)) else {
            continue;
        };
        let ev = by_iri.entry(e.clone()).or_insert_with(|| ArticleEvent {
            iri: e,
            article,
            class: None,
            actors: BTreeSet::new(),
            place: None,
            date: None,
            anchor: None,
            place_within: BTreeSet::new(),
        });
        if let Some(a) = node(row, cact) {
            ev.actors.insert(a);
        }
    }
    let sem = |local: &str| iri(&format!("{}{local}", ns::SEM));
    let (has_place, has_time) = (sem("hasPlace"), sem("hasTimeStamp"));
    let within = iri(&format!("{}containedInPlace", ns::SCHEMA));
    let (anchor_date, contact) = (ng("anchorDate"), ng("Contact"));
    let mut events: Vec<ArticleEvent> = by_iri.into_values().collect();
    for ev in &mut events {
        let g = &ev.article;
        for place in store.objects_in(g, &ev.iri, &has_place) {
            let Term::NamedNode(p) = place? else {
                continue;
            };
            for w in store.objects_in(g, &p, &within) {
                if let Term::NamedNode(w) = w? {
                    ev.place_within.insert(w);
                }
            }
            if ev.place.as_ref().is_none_or(|old| p < *old) {
                ev.place = Some(p);
            }
        }
        for d in store.objects_in(g, &ev.iri, &has_time) {
            if let Term::Literal(d) = d?
                && ev.date.as_ref().is_none_or(|old| d.value() < old.value())
            {
                ev.date = Some(d);
            }
        }
        for a in store.objects_in(g, g, &anchor_date) {
            if let Term::Literal(a) = a? {
                let a: String = a.value().chars().take(10).collect();
                if ev.anchor.as_ref().is_none_or(|old| a < *old) {
                    ev.anchor = Some(a);
                }
            }
        }
        for c in store.objects_in(g, &ev.iri, &rdf::TYPE.into_owned()) {
            if let Term::NamedNode(c) = c?
                && c.as_str().starts_with(ns::NG)
                && c != contact
                && ev.class.as_ref().is_none_or(|old| c < *old)
            {
                ev.class = Some(c);
            }
        }
    }
    Ok(events)
}

/// Days since 1970-01-01 of a YYYY-MM-DD prefix, if it is one.
fn day_number(s: &str) -> Option<i64> {
    let d: jiff::civil::Date = s.get(..10)?.parse().ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    Some(i64::from(d.since(epoch).ok()?.get_days()))
}

/// Most days apart two undated reports of one meeting may be published.
const UNDATED_WINDOW_DAYS: i64 = 3;

/// Whether two article events can be reports of the same real-world event: different
/// articles, at least two shared actors, compatible places (equal, one inside the other, or
/// one unknown) and compatible dates (equal at the coarser precision; when either is undated,
/// both articles dated within a few days of each other).
pub fn compatible(a: &ArticleEvent, b: &ArticleEvent) -> bool {
    if a.article == b.article || a.actors.intersection(&b.actors).count() < 2 {
        return false;
    }
    let places_ok = match (&a.place, &b.place) {
        (Some(x), Some(y)) => x == y || a.place_within.contains(y) || b.place_within.contains(x),
        _ => true,
    };
    if !places_ok {
        return false;
    }
    match (&a.date, &b.date) {
        (Some(x), Some(y)) => {
            let (x, y) = (x.value(), y.value());
            x.starts_with(y) || y.starts_with(x)
        }
        _ => match (&a.anchor, &b.anchor) {
            (Some(x), Some(y)) => match (day_number(x), day_number(y)) {
                (Some(x), Some(y)) => (x - y).abs() <= UNDATED_WINDOW_DAYS,
                _ => false,
            },
            _ => false,
        },
    }
}

/// Groups article events into real-world events: greedy, in date order, an event joins the
/// first group it is compatible with as a whole (so an undated report cannot chain two dated
/// meetings together). Deterministic: the result depends only on the events.
pub fn fuse(events: &[ArticleEvent]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    let sort_key = |e: &ArticleEvent| {
        (
            e.date
                .as_ref()
                .map(|d| d.value().to_string())
                .or_else(|| e.anchor.clone())
                .unwrap_or_default(),
            e.iri.clone(),
        )
    };
    order.sort_by_key(|&i| sort_key(&events[i]));
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    let mut by_pair: HashMap<(&NamedNode, &NamedNode), Vec<usize>> = HashMap::new();
    for &i in &order {
        let e = &events[i];
        let actors: Vec<&NamedNode> = e.actors.iter().collect();
        let mut candidates: BTreeSet<usize> = BTreeSet::new();
        for x in 0..actors.len() {
            for y in x + 1..actors.len() {
                if let Some(cs) = by_pair.get(&(actors[x], actors[y])) {
                    candidates.extend(cs.iter().copied());
                }
            }
        }
        let joined = candidates
            .into_iter()
            .find(|&c| clusters[c].iter().all(|&m| compatible(&events[m], e)));
        let c = match joined {
            Some(c) => {
                clusters[c].push(i);
                c
            }
            None => {
                clusters.push(vec![i]);
                clusters.len() - 1
            }
        };
        for x in 0..actors.len() {
            for y in x + 1..actors.len() {
                let v = by_pair.entry((actors[x], actors[y])).or_default();
                if !v.contains(&c) {
                    v.push(c);
                }
            }
        }
    }
    for c in &mut clusters {
        c.sort_by(|&a, &b| events[a].iri.cmp(&events[b].iri));
    }
    clusters.sort_by(|a, b| events[a[0]].iri.cmp(&events[b[0]].iri));
    clusters
}

/// IRI of a fused event: from its first member, so adding later reports keeps it stable.
pub fn fused_iri(first_member: &NamedNode) -> NamedNode {
    iri(&format!(
        "{}fused/{:016x}",
        ns::ID,
        stable_hash(first_member.as_str().as_bytes())
    ))
}

fn write_fused(events: &[ArticleEvent], members: &[usize], g: &NamedNode, out: &mut Vec<Quad>) {
    let gn = GraphName::NamedNode(g.clone());
    let f = fused_iri(&events[members[0]].iri);
    let mut add = |p: NamedNode, o: Term| out.push(Quad::new(f.clone(), p, o, gn.clone()));
    add(rdf::TYPE.into_owned(), ng("FusedEvent").into());
    add(ng("status"), ng("held").into());
    let articles: BTreeSet<&NamedNode> = members.iter().map(|&i| &events[i].article).collect();
    add(
        ng("sourceCount"),
        Literal::new_typed_literal(articles.len().to_string(), xsd::INTEGER).into(),
    );
    for a in &articles {
        add(ng("sourceArticle"), (*a).clone().into());
    }
    for &i in members {
        add(ng("fusedFrom"), events[i].iri.clone().into());
    }
    // Most frequent class, then the smallest IRI.
    let mut classes: BTreeMap<&NamedNode, usize> = BTreeMap::new();
    for &i in members {
        if let Some(c) = &events[i].class {
            *classes.entry(c).or_default() += 1;
        }
    }
    if let Some((c, _)) = classes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
    {
        add(ng("eventType"), (*c).clone().into());
    }
    // The most specific place: one no other member's place lies inside.
    let places: BTreeSet<&NamedNode> = members
        .iter()
        .filter_map(|&i| events[i].place.as_ref())
        .collect();
    let inner = places.iter().find(|p| {
        members.iter().all(|&i| {
            !events[i].place_within.contains(**p) || events[i].place.as_ref() == Some(**p)
        })
    });
    if let Some(p) = inner.or(places.iter().next()) {
        add(iri(&format!("{}hasPlace", ns::SEM)), (*p).clone().into());
    }
    // The most precise date (the longest lexical form).
    if let Some(d) = members
        .iter()
        .filter_map(|&i| events[i].date.as_ref())
        .max_by(|a, b| {
            a.value()
                .len()
                .cmp(&b.value().len())
                .then(b.value().cmp(a.value()))
        })
    {
        add(iri(&format!("{}hasTimeStamp", ns::SEM)), d.clone().into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(
        id: &str,
        article: &str,
        actors: &[&str],
        place: Option<&str>,
        date: Option<&str>,
    ) -> ArticleEvent {
        ArticleEvent {
            iri: iri(&format!("http://x/{article}/event/{id}")),
            article: iri(&format!("http://x/{article}")),
            class: None,
            actors: actors
                .iter()
                .map(|a| iri(&format!("http://x/e/{a}")))
                .collect(),
            place: place.map(|p| iri(&format!("http://x/e/{p}"))),
            date: date.map(|d| Literal::new_typed_literal(d, xsd::DATE)),
            anchor: date.map(|d| d.to_string()),
            place_within: BTreeSet::new(),
        }
    }

    #[test]
    fn same_meeting_in_two_articles_fuses() {
        let a = ev(
            "1",
            "a",
            &["berg", "novak"],
            Some("vienna"),
            Some("2025-03-04"),
        );
        let b = ev(
            "7",
            "b",
            &["berg", "novak", "aide"],
            None,
            Some("2025-03-04"),
        );
        assert!(compatible(&a, &b));
        assert_eq!(fuse(&[a, b]), vec![vec![0, 1]]);
    }

    #[test]
    fn same_people_same_city_other_day_stay_apart() {
        let a = ev(
            "1",
            "a",
            &["berg", "novak"],
            Some("vienna"),
            Some("2025-03-04"),
        );
        let b = ev(
            "1",
            "b",
            &["berg", "novak"],
            Some("vienna"),
            Some("2025-03-11"),
        );
        assert!(!compatible(&a, &b));
        assert_eq!(fuse(&[a, b]).len(), 2);
    }

    #[test]
    fn other_city_or_one_shared_actor_stays_apart() {
        let a = ev(
            "1",
            "a",
            &["berg", "novak"],
            Some("vienna"),
            Some("2025-03-04"),
        );
        let b = ev(
            "1",
            "b",
            &["berg", "novak"],
            Some("geneva"),
            Some("2025-03-04"),
        );
        let c = ev(
            "1",
            "c",
            &["berg", "other"],
            Some("vienna"),
            Some("2025-03-04"),
        );
        assert!(!compatible(&a, &b));
        assert!(!compatible(&a, &c));
    }

    #[test]
    fn an_undated_report_cannot_chain_two_meetings() {
        let a = ev("1", "a", &["berg", "novak"], None, Some("2025-03-04"));
        let b = ev("1", "b", &["berg", "novak"], None, Some("2025-03-06"));
        let mut u = ev("1", "u", &["berg", "novak"], None, None);
        u.anchor = Some("2025-03-05".into());
        let groups = fuse(&[a, b, u]);
        assert_eq!(groups.len(), 2, "{groups:?}");
    }

    #[test]
    fn a_city_is_compatible_with_its_country() {
        let mut a = ev(
            "1",
            "a",
            &["berg", "novak"],
            Some("vienna"),
            Some("2025-03-04"),
        );
        a.place_within.insert(iri("http://x/e/austria"));
        let b = ev(
            "1",
            "b",
            &["berg", "novak"],
            Some("austria"),
            Some("2025-03"),
        );
        assert!(compatible(&a, &b));
    }

    #[test]
    fn fused_iris_are_stable_and_content_derived() {
        let a = ev("1", "a", &["berg", "novak"], None, Some("2025-03-04"));
        assert_eq!(fused_iri(&a.iri), fused_iri(&a.iri.clone()));
        assert!(fused_iri(&a.iri).as_str().starts_with(ns::ID));
    }

    #[test]
    fn a_premise_naming_a_record_leads_back_to_it() {
        let person = |x: &str| Term::NamedNode(iri(&format!("{}person/{x}", ns::ID)));
        let (s, p, o) = (person("berg"), ng("inContactWith"), person("novak"));
        let mut by_hash = HashMap::new();
        by_hash.insert(record_hash(&s, &p, &o), 7);
        let premise = Term::NamedNode(record_iri(&(s.clone(), p.clone(), o.clone())));
        assert_eq!(record_of(&premise, &by_hash), Some(7));
        // The reverse triple's record, a fused event and an article event are other facts.
        let reverse = Term::NamedNode(record_iri(&(o, p, s)));
        assert_eq!(record_of(&reverse, &by_hash), None);
        let fused = Term::NamedNode(fused_iri(&iri("https://example.org/e1")));
        assert_eq!(record_of(&fused, &by_hash), None);
        assert_eq!(record_of(&person("berg"), &by_hash), None);
    }

    #[test]
    fn builtin_rules_select_the_contract_variables() {
        for r in Rules::builtin().0 {
            let q = query::with_prefixes(&r.query);
            let parsed = oxigraph::sparql::SparqlEvaluator::new()
                .parse_query(&q)
                .unwrap_or_else(|e| panic!("{}: {e}", r.name));
            let _ = parsed;
            for v in ["?s", "?p", "?o"] {
                assert!(r.query.contains(v), "{} lacks {v}", r.name);
            }
        }
    }
}
