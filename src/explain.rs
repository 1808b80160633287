//! Explain: why the graph says two entities met (or were in contact), down to the sentences.
//!
//! Input: a reasoned store and two entity IRIs. Output: an [`Explanation`], a tree of
//! evidence: `ng:Inference` records (rule, premises), fused events (date, place, sources),
//! the article events they fuse (article, trigger, sentence with offsets) and memberships
//! (title, sentence). Direct meetings come first (`ng:met`), then indirect contacts
//! (`ng:inContactWith`, e.g. two governments whose members met). No evidence is an empty
//! explanation, not an error.
//!
//! Read-only; does not resolve names (see [`crate::network::resolve_in_store`]) or format
//! for people beyond [`Explanation::render`].

use crate::network::cell;
use crate::query::{self, QueryError};
use crate::rdf;
use crate::reason::{INFERRED_GRAPH, record_iri};
use oxigraph::model::NamedNode;
use oxigraph::store::Store;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// How deep a chain of inferences is followed.
const MAX_DEPTH: usize = 8;

/// One piece of evidence, with what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Evidence {
    /// A conclusion of a rule.
    Inference {
        iri: String,
        subject: String,
        predicate: String,
        object: String,
        rules: Vec<String>,
        because: Vec<Evidence>,
    },
    /// One real-world event, fused from article reports.
    FusedEvent {
        iri: String,
        event_type: String,
        date: String,
        place: String,
        source_count: i64,
        reports: Vec<Evidence>,
    },
    /// An event as one article reports it.
    ArticleEvent {
        iri: String,
        article_id: String,
        headline: String,
        published: String,
        event_type: String,
        trigger: String,
        date: String,
        place: String,
        sentence: String,
        begin: Option<i64>,
        end: Option<i64>,
    },
    /// A person's role in an organisation, as an article states it.
    Membership {
        iri: String,
        article_id: String,
        member: String,
        title: String,
        organization: String,
        sentence: String,
        begin: Option<i64>,
        end: Option<i64>,
    },
    /// A fact the explainer has no special view of.
    Fact { iri: String },
}

/// Why the graph relates `a` and `b`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub a: String,
    pub a_label: String,
    pub b: String,
    pub b_label: String,
    /// "met", "inContactWith", or "none".
    pub relation: String,
    pub evidence: Vec<Evidence>,
}

fn iri_lit(s: &str) -> String {
    format!("<{s}>")
}

fn label(store: &Store, iri: &str) -> Result<String, QueryError> {
    let t = query::select(
        store,
        &format!(
            "SELECT (MIN(STR(?n)) AS ?name) WHERE {{ {} schema:name ?n }}",
            iri_lit(iri)
        ),
        None,
    )?;
    let n = t
        .rows
        .first()
        .map(|r| cell(&t, r, "name"))
        .unwrap_or_default();
    Ok(if n.is_empty() {
        iri.rsplit('/').next().unwrap_or(iri).to_string()
    } else {
        n
    })
}

fn fact(iri: &str) -> Evidence {
    Evidence::Fact {
        iri: iri.to_string(),
    }
}

fn short(iri: &str) -> String {
    iri.rsplit(['#', '/']).next().unwrap_or(iri).to_string()
}

struct Explainer<'a> {
    store: &'a Store,
    seen: BTreeSet<String>,
}

impl Explainer<'_> {
    fn types(&self, iri: &str) -> Result<Vec<String>, QueryError> {
        let t = query::select(
            self.store,
            &format!("SELECT DISTINCT ?t WHERE {{ {} a ?t }}", iri_lit(iri)),
            None,
        )?;
        Ok(t.rows.iter().map(|r| cell(&t, r, "t")).collect())
    }

    fn node(&mut self, iri: &str, depth: usize) -> Result<Evidence, QueryError> {
        if depth > MAX_DEPTH || !self.seen.insert(iri.to_string()) {
            return Ok(fact(iri));
        }
        let types = self.types(iri)?;
        let has = |local: &str| types.iter().any(|t| t.ends_with(local));
        if has("#Inference") {
            self.inference(iri, depth)
        } else if has("#FusedEvent") {
            self.fused(iri)
        } else if has("#Membership") {
            self.membership(iri)
        } else if has("#Contact") || has("/Event") {
            self.article_event(iri)
        } else {
            Ok(fact(iri))
        }
    }

    fn inference(&mut self, iri: &str, depth: usize) -> Result<Evidence, QueryError> {
        let t = query::select(
            self.store,
            &format!(
                "SELECT ?s ?p ?o ?rule ?because WHERE {{ GRAPH <{INFERRED_GRAPH}> {{
                   {r} rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
                   OPTIONAL {{ {r} ng:rule ?rule }}
                   OPTIONAL {{ {r} prov:wasDerivedFrom ?because }} }} }}",
                r = iri_lit(iri)
            ),
            None,
        )?;
        let Some(first) = t.rows.first() else {
            return Ok(fact(iri));
        };
        let (s, p, o) = (
            cell(&t, first, "s"),
            cell(&t, first, "p"),
            cell(&t, first, "o"),
        );
        let rules: BTreeSet<String> = t
            .rows
            .iter()
            .map(|r| short(&cell(&t, r, "rule")))
            .filter(|r| !r.is_empty())
            .collect();
        let premises: BTreeSet<String> = t
            .rows
            .iter()
            .map(|r| cell(&t, r, "because"))
            .filter(|b| !b.is_empty())
            .collect();
        let mut because = Vec::new();
        for b in premises {
            because.push(self.node(&b, depth + 1)?);
        }
        Ok(Evidence::Inference {
            iri: iri.to_string(),
            subject: label(self.store, &s)?,
            predicate: short(&p),
            object: label(self.store, &o)?,
            rules: rules.into_iter().collect(),
            because,
        })
    }

    fn fused(&mut self, iri: &str) -> Result<Evidence, QueryError> {
        let t = query::select(
            self.store,
            &format!(
                "SELECT ?member (SAMPLE(?c) AS ?count) (SAMPLE(?d) AS ?date) (SAMPLE(?pn) AS ?place) (SAMPLE(?et) AS ?etype)
                 WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ {f} ng:sourceCount ?c ; ng:fusedFrom ?member .
                   OPTIONAL {{ {f} sem:hasTimeStamp ?d }} OPTIONAL {{ {f} ng:eventType ?et }}
                   OPTIONAL {{ {f} sem:hasPlace ?p }} }}
                   OPTIONAL {{ ?p schema:name ?pn }} }}
                 GROUP BY ?member ORDER BY ?member",
                f = iri_lit(iri)
            ),
            None,
        )?;
        let Some(first) = t.rows.first() else {
            return Ok(fact(iri));
        };
        let (count, date, place, etype) = (
            cell(&t, first, "count").parse().unwrap_or(0),
            cell(&t, first, "date"),
            cell(&t, first, "place"),
            short(&cell(&t, first, "etype")),
        );
        let mut reports = Vec::new();
        for r in &t.rows {
            let m = cell(&t, r, "member");
            if self.seen.insert(m.clone()) {
                reports.push(self.article_event(&m)?);
            }
        }
        Ok(Evidence::FusedEvent {
            iri: iri.to_string(),
            event_type: etype,
            date,
            place,
            source_count: count,
            reports,
        })
    }

    fn article_event(&mut self, iri: &str) -> Result<Evidence, QueryError> {
        let t = query::select(
            self.store,
            &format!(
                "SELECT ?id ?headline ?published ?trigger ?date ?place ?class ?text ?b ?e WHERE {{
                   GRAPH ?g {{
                     {ev} ng:article ?a ; ng:trigger ?trigger .
                     ?a schema:identifier ?id .
                     OPTIONAL {{ ?a schema:headline ?headline }}
                     OPTIONAL {{ ?a schema:datePublished ?published }}
                     OPTIONAL {{ {ev} sem:hasTimeStamp ?date }}
                     OPTIONAL {{ {ev} sem:hasPlace/schema:name ?place }}
                     OPTIONAL {{ {ev} a ?class . FILTER (STRSTARTS(STR(?class), STR(ng:)) && ?class != ng:Contact) }}
                     OPTIONAL {{ {ev} ng:mainSentence ?s . ?s nif:anchorOf ?text ; nif:beginIndex ?b ; nif:endIndex ?e }}
                   }}
                 }} LIMIT 1",
                ev = iri_lit(iri)
            ),
            None,
        )?;
        let Some(r) = t.rows.first() else {
            return Ok(fact(iri));
        };
        Ok(Evidence::ArticleEvent {
            iri: iri.to_string(),
            article_id: cell(&t, r, "id"),
            headline: cell(&t, r, "headline"),
            published: cell(&t, r, "published"),
            event_type: short(&cell(&t, r, "class")),
            trigger: cell(&t, r, "trigger"),
            date: cell(&t, r, "date"),
            place: cell(&t, r, "place"),
            sentence: cell(&t, r, "text"),
            begin: cell(&t, r, "b").parse().ok(),
            end: cell(&t, r, "e").parse().ok(),
        })
    }

    fn membership(&mut self, iri: &str) -> Result<Evidence, QueryError> {
        let t = query::select(
            self.store,
            &format!(
                "SELECT ?id ?member ?title ?org ?text ?b ?e WHERE {{
                   GRAPH ?g {{
                     {m} org:member ?mi ; ng:title ?title .
                     ?mi schema:name ?member .
                     ?a a schema:NewsArticle ; schema:identifier ?id .
                     OPTIONAL {{ {m} org:organization/schema:name ?org }}
                     OPTIONAL {{ {m} prov:wasDerivedFrom ?s . ?s nif:anchorOf ?text ; nif:beginIndex ?b ; nif:endIndex ?e }}
                   }}
                 }} LIMIT 1",
                m = iri_lit(iri)
            ),
            None,
        )?;
        let Some(r) = t.rows.first() else {
            return Ok(fact(iri));
        };
        Ok(Evidence::Membership {
            iri: iri.to_string(),
            article_id: cell(&t, r, "id"),
            member: cell(&t, r, "member"),
            title: cell(&t, r, "title"),
            organization: cell(&t, r, "org"),
            sentence: cell(&t, r, "text"),
            begin: cell(&t, r, "b").parse().ok(),
            end: cell(&t, r, "e").parse().ok(),
        })
    }

    /// Fused events both took part in, then article events both took part in that no fused
    /// event covers (when fusion has not run on them).
    fn shared_events(&mut self, a: &str, b: &str) -> Result<Vec<Evidence>, QueryError> {
        let mut out = Vec::new();
        let t = query::select(
            self.store,
            &format!(
                "SELECT DISTINCT ?f WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?f a ng:FusedEvent ; ng:status ng:held ; sem:hasActor {}, {} }} }} ORDER BY ?f",
                iri_lit(a),
                iri_lit(b)
            ),
            None,
        )?;
        for r in &t.rows {
            let f = cell(&t, r, "f");
            if self.seen.insert(f.clone()) {
                out.push(self.fused(&f)?);
            }
        }
        let t = query::select(
            self.store,
            &format!(
                "SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?e a ng:Contact ; ng:status ng:held ; sem:hasActor {}, {} }} }} ORDER BY ?e",
                iri_lit(a),
                iri_lit(b)
            ),
            None,
        )?;
        for r in &t.rows {
            let e = cell(&t, r, "e");
            if self.seen.insert(e.clone()) {
                out.push(self.article_event(&e)?);
            }
        }
        Ok(out)
    }

    /// The inference record for `a p b`, else the one for `b p a`.
    fn records(&mut self, a: &str, p: &str, b: &str) -> Result<Vec<Evidence>, QueryError> {
        let mut out = Vec::new();
        for (s, o) in [(a, b), (b, a)] {
            let (s, o) = (NamedNode::new_unchecked(s), NamedNode::new_unchecked(o));
            let r = record_iri(
                s.as_ref().into(),
                NamedNode::new_unchecked(p).as_ref(),
                o.as_ref().into(),
            );
            // One direction is enough: the other is its symmetric copy.
            if !self.seen.contains(r.as_str()) && !self.types(r.as_str())?.is_empty() {
                out.push(self.node(r.as_str(), 0)?);
                break;
            }
        }
        Ok(out)
    }
}

/// Explains why the store relates the entities `a` and `b` (IRIs).
pub fn explain(store: &Store, a: &str, b: &str) -> Result<Explanation, QueryError> {
    let mut x = Explainer {
        store,
        seen: BTreeSet::new(),
    };
    let met = format!("{}met", rdf::ns::NG);
    let contact = format!("{}inContactWith", rdf::ns::NG);
    let mut evidence = x.shared_events(a, b)?;
    evidence.extend(x.records(a, &met, b)?);
    let mut relation = if evidence.is_empty() { "none" } else { "met" };
    if evidence.is_empty() {
        evidence = x.records(a, &contact, b)?;
        if !evidence.is_empty() {
            relation = "inContactWith";
        }
    }
    // A met/contact fact reached through a shared event is not "met" when neither side is a
    // person: institutions and countries are "in contact".
    if relation == "met" {
        let persons = [a, b]
            .iter()
            .filter(|e| {
                x.types(e)
                    .map(|ts| ts.iter().any(|t| t.ends_with("/Person")))
                    .unwrap_or(false)
            })
            .count();
        if persons < 2 {
            relation = "inContactWith";
        }
    }
    Ok(Explanation {
        a: a.to_string(),
        a_label: label(store, a)?,
        b: b.to_string(),
        b_label: label(store, b)?,
        relation: relation.to_string(),
        evidence,
    })
}

impl Explanation {
    /// An indented text tree, for people.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self.relation.as_str() {
            "none" => {
                let _ = writeln!(
                    out,
                    "no evidence: the graph does not say that {} and {} met or were in contact",
                    self.a_label, self.b_label
                );
                return out;
            }
            "met" => {
                let _ = writeln!(out, "{} met {}", self.a_label, self.b_label);
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{} was in contact with {} (no direct meeting; inferred)",
                    self.a_label, self.b_label
                );
            }
        }
        for e in &self.evidence {
            render(e, 1, &mut out);
        }
        out
    }
}

fn pad(depth: usize) -> String {
    "  ".repeat(depth)
}

fn join_some(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The source sentence under an article event or a role, with its character offsets.
fn render_sentence(
    p: &str,
    sentence: &str,
    begin: Option<i64>,
    end: Option<i64>,
    out: &mut String,
) {
    if !sentence.is_empty() {
        let _ = writeln!(
            out,
            "{p}    chars {}-{}: \"{sentence}\"",
            begin.unwrap_or(0),
            end.unwrap_or(0)
        );
    }
}

fn render(e: &Evidence, depth: usize, out: &mut String) {
    let p = pad(depth);
    match e {
        Evidence::Inference {
            subject,
            predicate,
            object,
            rules,
            because,
            ..
        } => {
            let _ = writeln!(
                out,
                "{p}- inferred: {subject} {predicate} {object}  [rule {}]",
                rules.join(", ")
            );
            for b in because {
                render(b, depth + 1, out);
            }
        }
        Evidence::FusedEvent {
            event_type,
            date,
            place,
            source_count,
            reports,
            ..
        } => {
            let what = join_some(&[
                if event_type.is_empty() {
                    "event"
                } else {
                    event_type
                },
                date,
                place,
            ]);
            let _ = writeln!(
                out,
                "{p}- {what}; reported by {source_count} article{}",
                if *source_count == 1 { "" } else { "s" }
            );
            for r in reports {
                render(r, depth + 1, out);
            }
        }
        Evidence::ArticleEvent {
            article_id,
            headline,
            published,
            trigger,
            sentence,
            begin,
            end,
            ..
        } => {
            let _ = writeln!(
                out,
                "{p}- article {article_id}{}{} (trigger \"{trigger}\")",
                if headline.is_empty() {
                    String::new()
                } else {
                    format!(" \"{headline}\"")
                },
                if published.is_empty() {
                    String::new()
                } else {
                    format!(", {published}")
                }
            );
            render_sentence(&p, sentence, *begin, *end, out);
        }
        Evidence::Membership {
            article_id,
            member,
            title,
            organization,
            sentence,
            begin,
            end,
            ..
        } => {
            let _ = writeln!(
                out,
                "{p}- role: {member} is {title}{} (article {article_id})",
                if organization.is_empty() {
                    String::new()
                } else {
                    format!(" of {organization}")
                }
            );
            render_sentence(&p, sentence, *begin, *end, out);
        }
        Evidence::Fact { iri } => {
            let _ = writeln!(out, "{p}- (shown above: {iri})");
        }
    }
}
