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
//! each rule and every [`COMMIT_EVERY`] quads.
//!
//! **Memory.** The reasoner keeps no table of its conclusions: whether a triple, a record or
//! a record's rule, premise or article is already known is looked up in the inferred graph,
//! plus in the writes not yet committed (see [`Ledger`]). Fusion holds the held events of
//! all articles (about 140,000 at 100k articles) while it clusters them.
//!
//! Does not extract, and never writes article graphs; all writes go through [`GraphStore`].

use crate::query::{self, QueryError};
use crate::rdf::{ns, stable_hash};
use crate::store::{GraphStore, QuadLoader, StoreError};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{
    GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, Term,
    TermRef,
};
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
    reason_with(store, rules, COMMIT_EVERY)
}

/// [`reason`], committing the rules' writes every `commit_every` quads (and after each rule).
fn reason_with(
    store: &GraphStore,
    rules: &Rules,
    commit_every: usize,
) -> Result<ReasonReport, ReasonError> {
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

    // Rules to a fixpoint. What has been concluded is looked up in the inferred graph itself
    // (and in the writes not yet committed), so the reasoner's memory does not grow with what
    // it concludes.
    let mut ledger = Ledger::new(store, out, commit_every);
    // Semi-naive at the level of predicates: a rule runs again only when something it reads
    // was written since it last ran (otherwise it would return the same rows, which add
    // nothing). Every rule runs in the first round.
    let reads: Vec<ReadSet> = rules
        .0
        .iter()
        .map(|r| ReadSet::of_query(&query::with_prefixes(&r.query)))
        .collect();
    let rule_iris: Vec<NamedNode> = rules.0.iter().map(Rule::iri).collect();
    let mut stale = vec![true; rules.0.len()];
    let mut rounds = 0;
    loop {
        rounds += 1;
        if rounds > MAX_ROUNDS {
            return Err(ReasonError::NoFixpoint(MAX_ROUNDS));
        }
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
                let (Some(s), Some(Term::NamedNode(p)), Some(o)) = (&row[si], &row[pi], &row[oi])
                else {
                    continue;
                };
                let subject = match s {
                    Term::NamedNode(n) => NamedOrBlankNode::from(n.clone()),
                    Term::BlankNode(b) => NamedOrBlankNode::from(b.clone()),
                    _ => continue,
                };
                let mut premises: Vec<&NamedNode> = because
                    .iter()
                    .filter_map(|&b| match &row[b] {
                        Some(Term::NamedNode(n)) => Some(n),
                        _ => None,
                    })
                    .collect();
                premises.sort();
                premises.dedup();
                let article = article_col.and_then(|c| match &row[c] {
                    Some(Term::NamedNode(a)) if is_article_graph(a) => Some(a),
                    _ => None,
                });
                let conclusion = Conclusion {
                    subject: &subject,
                    predicate: p,
                    object: o,
                    rule: &rule_iris[ri],
                    premises: &premises,
                    article,
                };
                if ledger.conclude(&conclusion)? {
                    report.inferred_triples += 1;
                }
            }
            // The next rule reads this one's conclusions. (A rule never sees its own: its
            // query reads a snapshot taken when it starts.)
            let touched = ledger.commit()?;
            for (rj, r) in reads.iter().enumerate() {
                if r.touched_by(&touched) {
                    stale[rj] = true;
                }
            }
            report.rule_stats[ri].2 += rule_start.elapsed().as_millis();
        }
        let written_this_round = std::mem::take(&mut ledger.out.count);
        total += written_this_round;
        // Nothing new, or nothing any rule reads changed: a further round would add nothing.
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
    s: &NamedOrBlankNode,
    p: &NamedNode,
    o: &Term,
) -> Result<bool, ReasonError> {
    for q in store.quads_matching(Some(s.as_ref()), Some(p.as_ref()), Some(o.as_ref()), None) {
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
        for q in store.quads_matching(Some(subject.as_ref()), Some(p.as_ref()), None, None) {
            if let Term::NamedNode(a) = q?.object
                && is_article_graph(&a)
            {
                out.push(a);
            }
        }
    }
    if out.is_empty() {
        for q in store.quads_matching(Some(subject.as_ref()), Some(rdf::TYPE), None, None) {
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
    /// Hands one quad to the loader.
    fn put_one(&mut self, quad: Quad) -> Result<(), StoreError> {
        self.touched.note(&quad);
        self.count += 1;
        self.loader.extend(std::iter::once(quad))
    }

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

/// Quads the reasoner's writes may wait uncommitted. [`Ledger`] keeps a digest of each until
/// the commit (about 40 bytes a quad), and a commit costs the loader one ingestion of sorted
/// files per index, so this bounds memory without committing often.
const COMMIT_EVERY: usize = 500_000;

/// One conclusion drawn by a rule row.
struct Conclusion<'r> {
    subject: &'r NamedOrBlankNode,
    predicate: &'r NamedNode,
    object: &'r Term,
    rule: &'r NamedNode,
    /// Facts it used (sorted, without repeats).
    premises: &'r [&'r NamedNode],
    /// An article it rests on, from the rule's `?article`.
    article: Option<&'r NamedNode>,
}

/// What the rules have concluded, kept in the inferred graph itself: whether a triple, a
/// record, or a record's rule, premise or article is known is a lookup in the store, plus in
/// the writes not committed yet ([`Pending`]). So the reasoner's memory stays the same however
/// much it concludes (at 100k articles, 2 million conclusions).
///
/// Each conclusion's record lists its articles: the rule's `?article`, and the articles of
/// every premise (an article event's `ng:article`, a fused event's or record's
/// `ng:sourceArticle`, the graph a membership is stated in). When a record gains an article,
/// so do the records derived from it, transitively ([`Ledger::add_article`]), so the articles
/// reach their fixpoint as they are written.
struct Ledger<'a> {
    store: &'a GraphStore,
    graph: NamedNode,
    out: Out<'a>,
    /// Quads that may wait uncommitted ([`COMMIT_EVERY`]).
    commit_every: usize,
    /// What was written since the last [`Ledger::commit`] (across the loader's commits).
    touched: Touched,
    pending: Pending,
    type_p: NamedNode,
    inference: NamedNode,
    rule: NamedNode,
    derived_from: NamedNode,
    source_article: NamedNode,
}

/// What was handed to the loader since its last commit (so is not in the store yet).
#[derive(Default)]
struct Pending {
    /// Digests of the triples written (all in the inferred graph).
    triples: std::collections::HashSet<u128>,
    /// Record (by hash) → articles written for it.
    articles: HashMap<u64, Vec<NamedNode>>,
    /// Premise (by digest of its IRI) → records (by hash) written as derived from it.
    dependents: HashMap<u128, Vec<u64>>,
}

impl<'a> Ledger<'a> {
    fn new(store: &'a GraphStore, out: Out<'a>, commit_every: usize) -> Ledger<'a> {
        Ledger {
            store,
            commit_every,
            graph: iri(INFERRED_GRAPH),
            out,
            touched: Touched::default(),
            pending: Pending::default(),
            type_p: rdf::TYPE.into_owned(),
            inference: ng("Inference"),
            rule: ng("rule"),
            derived_from: iri(&format!("{}wasDerivedFrom", ns::PROV)),
            source_article: ng("sourceArticle"),
        }
    }

    /// Records one conclusion; whether its triple is new.
    fn conclude(&mut self, c: &Conclusion<'_>) -> Result<bool, ReasonError> {
        let (s, p, o) = (c.subject, c.predicate, c.object);
        let hash = record_hash(s.as_ref().into(), p.as_ref(), o.as_ref());
        let r: NamedOrBlankNode = inference_iri(hash).into();
        let rule_p = self.rule.clone();
        // A record is written with its first rule, so a known rule means a known record (and
        // saves a lookup for the rows that add nothing, most rows after the first round).
        let known_rule = self.has(&r, &rule_p, c.rule.as_ref().into())?;
        let fresh = !known_rule && !self.has(&r, &self.type_p, self.inference.as_ref().into())?;
        if fresh {
            if stated_in_article(self.store, s, p, o)? {
                return Ok(false);
            }
            let (type_p, inference) = (self.type_p.clone(), self.inference.clone());
            self.write(s.clone(), p.clone(), o.clone())?;
            self.write(r.clone(), type_p, inference.into())?;
            self.write(r.clone(), rdf::SUBJECT.into_owned(), s.clone().into())?;
            self.write(r.clone(), rdf::PREDICATE.into_owned(), p.clone().into())?;
            self.write(r.clone(), rdf::OBJECT.into_owned(), o.clone())?;
        }
        if !known_rule {
            self.write(r.clone(), rule_p, c.rule.clone().into())?;
        }
        let mut articles: Vec<NamedNode> = c.article.into_iter().cloned().collect();
        let derived_from = self.derived_from.clone();
        for &b in c.premises {
            if fresh || !self.has(&r, &derived_from, b.as_ref().into())? {
                self.write(r.clone(), derived_from.clone(), b.clone().into())?;
                self.pending
                    .dependents
                    .entry(digest(b.as_str()))
                    .or_default()
                    .push(hash);
                articles.extend(self.articles(b)?);
            }
        }
        articles.sort();
        articles.dedup();
        for a in articles {
            self.add_article(hash, a, fresh)?;
        }
        Ok(fresh)
    }

    /// Gives a record an article, and every record derived from it (transitively).
    /// `fresh`: the record was created by the current row, so has no articles yet. (It may
    /// have dependents: a rule may name a record as a premise before another rule draws it.)
    fn add_article(
        &mut self,
        record: u64,
        article: NamedNode,
        fresh: bool,
    ) -> Result<(), ReasonError> {
        let mut work = vec![(record, article, fresh)];
        let source_article = self.source_article.clone();
        while let Some((h, a, fresh)) = work.pop() {
            let r: NamedOrBlankNode = inference_iri(h).into();
            if !fresh && self.has(&r, &source_article, a.as_ref().into())? {
                continue;
            }
            self.write(r.clone(), source_article.clone(), a.clone().into())?;
            self.pending.articles.entry(h).or_default().push(a.clone());
            for d in self.dependents(&r)? {
                work.push((d, a.clone(), false));
            }
        }
        Ok(())
    }

    /// Articles a premise rests on (see [`articles_of`]), with those not committed yet.
    fn articles(&self, premise: &NamedNode) -> Result<Vec<NamedNode>, ReasonError> {
        let mut out = articles_of(self.store, premise)?;
        if let Some(pending) = record_hash_of(premise).and_then(|h| self.pending.articles.get(&h)) {
            out.extend(pending.iter().cloned());
        }
        Ok(out)
    }

    /// Records (by hash) derived from `record`.
    fn dependents(&self, record: &NamedOrBlankNode) -> Result<Vec<u64>, ReasonError> {
        let NamedOrBlankNode::NamedNode(n) = record else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for q in self.store.quads_matching(
            None,
            Some(self.derived_from.as_ref()),
            Some(n.as_ref().into()),
            Some(&self.graph),
        ) {
            if let NamedOrBlankNode::NamedNode(d) = q?.subject
                && let Some(h) = record_hash_of(&d)
            {
                out.push(h);
            }
        }
        if let Some(pending) = self.pending.dependents.get(&digest(n.as_str())) {
            out.extend(pending);
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Whether the inferred graph holds the triple (committed or not).
    fn has(
        &self,
        s: &NamedOrBlankNode,
        p: &NamedNode,
        o: TermRef<'_>,
    ) -> Result<bool, ReasonError> {
        if !self.pending.triples.is_empty()
            && self
                .pending
                .triples
                .contains(&triple_digest(s.as_ref(), p.as_ref(), o))
        {
            return Ok(true);
        }
        Ok(self.store.contains_in(&self.graph, s.as_ref(), p, o)?)
    }

    fn write(&mut self, s: NamedOrBlankNode, p: NamedNode, o: Term) -> Result<(), ReasonError> {
        self.pending
            .triples
            .insert(triple_digest(s.as_ref(), p.as_ref(), o.as_ref()));
        self.out
            .put_one(Quad::new(s, p, o, GraphName::NamedNode(self.graph.clone())))?;
        if self.out.loader.pending() >= self.commit_every {
            self.flush()?;
        }
        Ok(())
    }

    /// Commits the loader: what was written is in the store, so no longer pending.
    fn flush(&mut self) -> Result<(), ReasonError> {
        let touched = self.out.commit()?;
        self.touched.merge(touched);
        self.pending = Pending::default();
        Ok(())
    }

    /// Makes every write visible; what kinds of quads were written since the last call.
    fn commit(&mut self) -> Result<Touched, ReasonError> {
        self.flush()?;
        Ok(std::mem::take(&mut self.touched))
    }
}

/// A 128-bit digest of a string (two independent 64-bit hashes), to remember what is
/// pending without keeping it: two strings share one with odds of about 2^-128.
fn digest(s: &str) -> u128 {
    let mut d = Digest::default();
    d.add(s);
    d.finish()
}

fn triple_digest(s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>, o: TermRef<'_>) -> u128 {
    use std::fmt::Write;
    let mut d = Digest::default();
    // N-Triples forms, separated by a byte none of them contains.
    let _ = write!(d, "{s}\u{1}{p}\u{1}{o}");
    d.finish()
}

/// SipHash (fixed keys) and FNV-1a side by side, fed by `write!`.
struct Digest {
    sip: std::hash::DefaultHasher,
    fnv: u64,
}

impl Default for Digest {
    fn default() -> Digest {
        Digest {
            sip: std::hash::DefaultHasher::new(),
            fnv: crate::rdf::STABLE_HASH_START,
        }
    }
}

impl Digest {
    fn add(&mut self, s: &str) {
        use std::hash::Hasher;
        self.sip.write(s.as_bytes());
        self.fnv = crate::rdf::stable_hash_more(self.fnv, s.as_bytes());
    }

    fn finish(&self) -> u128 {
        use std::hash::Hasher;
        (u128::from(self.sip.finish()) << 64) | u128::from(self.fnv)
    }
}

impl std::fmt::Write for Digest {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.add(s);
        Ok(())
    }
}

/// The hash in a record's IRI (see [`inference_iri`]), when `n` names a record.
fn record_hash_of(n: &NamedNode) -> Option<u64> {
    let hex = n
        .as_str()
        .strip_prefix(ns::ID)?
        .strip_prefix("inference/")?;
    u64::from_str_radix(hex, 16).ok()
}

/// The record of a concluded triple: a content-derived IRI.
pub fn record_iri(s: TermRef<'_>, p: NamedNodeRef<'_>, o: TermRef<'_>) -> NamedNode {
    inference_iri(record_hash(s, p, o))
}

/// The content hash behind [`record_iri`]: of the subject and object in N-Triples form and the
/// predicate's IRI.
fn record_hash(s: TermRef<'_>, p: NamedNodeRef<'_>, o: TermRef<'_>) -> u64 {
    stable_hash(format!("{s}\u{1}{}\u{1}{o}", p.as_str()).as_bytes())
}

fn inference_iri(hash: u64) -> NamedNode {
    iri(&format!("{}inference/{hash:016x}", ns::ID))
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

/// Objects of `subject predicate ?o` in one graph.
fn objects_in<'a>(
    store: &'a GraphStore,
    graph: &'a NamedNode,
    subject: &'a NamedNode,
    predicate: &'a NamedNode,
) -> impl Iterator<Item = Result<Term, StoreError>> + 'a {
    store
        .quads_matching(
            Some(subject.as_ref().into()),
            Some(predicate.as_ref()),
            None,
            Some(graph),
        )
        .map(|q| q.map(|q| q.object))
}

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
    let rdf_type = rdf::TYPE.into_owned();
    let mut events: Vec<ArticleEvent> = by_iri.into_values().collect();
    for ev in &mut events {
        let g = &ev.article;
        for place in objects_in(store, g, &ev.iri, &has_place) {
            let Term::NamedNode(p) = place? else {
                continue;
            };
            for w in objects_in(store, g, &p, &within) {
                if let Term::NamedNode(w) = w? {
                    ev.place_within.insert(w);
                }
            }
            if ev.place.as_ref().is_none_or(|old| p < *old) {
                ev.place = Some(p);
            }
        }
        for d in objects_in(store, g, &ev.iri, &has_time) {
            if let Term::Literal(d) = d?
                && ev.date.as_ref().is_none_or(|old| d.value() < old.value())
            {
                ev.date = Some(d);
            }
        }
        for a in objects_in(store, g, g, &anchor_date) {
            if let Term::Literal(a) = a? {
                let a: String = a.value().chars().take(10).collect();
                if ev.anchor.as_ref().is_none_or(|old| a < *old) {
                    ev.anchor = Some(a);
                }
            }
        }
        for c in objects_in(store, g, &ev.iri, &rdf_type) {
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
    fn a_record_iri_gives_back_its_hash() {
        let person = |x: &str| Term::NamedNode(iri(&format!("{}person/{x}", ns::ID)));
        let (s, p, o) = (person("berg"), ng("inContactWith"), person("novak"));
        let r = record_iri(s.as_ref(), p.as_ref(), o.as_ref());
        assert_eq!(
            record_hash_of(&r),
            Some(record_hash(s.as_ref(), p.as_ref(), o.as_ref()))
        );
        // The reverse triple has another record; fused events and people are not records.
        assert_ne!(record_iri(o.as_ref(), p.as_ref(), s.as_ref()), r);
        assert_eq!(
            record_hash_of(&fused_iri(&iri("https://example.org/e1"))),
            None
        );
        let Term::NamedNode(berg) = person("berg") else {
            unreachable!()
        };
        assert_eq!(record_hash_of(&berg), None);
    }

    /// Two article graphs and three rules in which a record gains an article after
    /// conclusions were drawn from it: once committed, once still waiting in the loader.
    fn growing_articles(commit_every: usize) -> BTreeMap<String, BTreeSet<String>> {
        let ex = |l: &str| iri(&format!("https://example.org/{l}"));
        let store = GraphStore::in_memory().unwrap();
        let quad = |s: &str, p: &str, o: &str, g: &str| {
            Quad::new(ex(s), ex(p), ex(o), GraphName::NamedNode(ex(g)))
        };
        store
            .insert_quads(&[quad("x", "a", "y", "g1"), quad("x", "b", "y", "g2")])
            .unwrap();
        let inferred = format!("<{INFERRED_GRAPH}>");
        let rule = |name: &str, query: String| Rule {
            name: name.into(),
            query: format!("PREFIX ex: <https://example.org/>\n{query}"),
        };
        let rules = Rules(vec![
            // (x p y), resting on g1.
            rule(
                "1",
                "SELECT ?s ?p ?o ?article WHERE { GRAPH ?article { ?s ex:a ?o } BIND (ex:p AS ?p) }"
                    .into(),
            ),
            // (y q x), drawn from the record of (x p y), committed before (x p y) gains g2.
            rule(
                "2",
                format!(
                    "SELECT ?s ?p ?o ?because WHERE {{ GRAPH {inferred} {{ ?o ex:p ?s }} \
                     BIND (ex:q AS ?p) BIND (ng:inferenceOf(?o, ex:p, ?s) AS ?because) }}"
                ),
            ),
            // (y r x) from the same record, then (x p y) again resting on g2: the first
            // conclusion may still wait in the loader when its premise gains g2.
            rule(
                "3",
                format!(
                    "SELECT ?s ?p ?o ?because ?article WHERE {{ \
                     {{ GRAPH {inferred} {{ ?o ex:p ?s }} BIND (ex:r AS ?p) \
                        BIND (ng:inferenceOf(?o, ex:p, ?s) AS ?because) }} \
                     UNION {{ GRAPH ?article {{ ?s ex:b ?o }} BIND (ex:p AS ?p) }} }} \
                     ORDER BY DESC(STR(?p))"
                ),
            ),
        ]);
        let report = reason_with(&store, &rules, commit_every).unwrap();
        assert_eq!(report.inferred_triples, 3);
        let t = query::select(
            store.inner(),
            &format!(
                "SELECT ?p ?a WHERE {{ GRAPH {inferred} {{ ?r rdf:predicate ?p ; ng:sourceArticle ?a }} }}"
            ),
            None,
        )
        .unwrap();
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in &t.rows {
            out.entry(query::Table::value(&row[0]))
                .or_default()
                .insert(query::Table::value(&row[1]));
        }
        out
    }

    #[test]
    fn conclusions_gain_the_articles_their_premises_gain_later() {
        let both: BTreeSet<String> = ["g1", "g2"]
            .iter()
            .map(|g| format!("https://example.org/{g}"))
            .collect();
        let got = growing_articles(COMMIT_EVERY);
        assert_eq!(got.len(), 3, "{got:?}");
        for (p, arts) in &got {
            assert_eq!(arts, &both, "{p}");
        }
        // Committing after every quad (so nothing waits) gives the same records.
        assert_eq!(growing_articles(1), got);
        assert_eq!(growing_articles(4), got);
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
