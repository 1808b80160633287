//! RDF: the vocabulary, deterministic IRI minting, and the mapping Extraction → quads.
//!
//! Every article becomes one named graph (the article's IRI) holding the article, its
//! sentences (NIF), mentions (NIF + itsrdf), the entities it mentions (schema.org, W3C ORG),
//! roles (org:Membership), events (SEM), claims and provenance (PROV-O). IRIs come only from
//! this module and only from content: the same article gives the same IRIs on any machine.
//! This module does not touch the store.

use crate::extract::{EXTRACTOR_VERSION, Event, Extraction, Offsets};
use crate::lexicon::Kind;
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};

/// Namespaces used by newsgraph.
pub mod ns {
    pub const NG: &str = "https://w3id.org/newsgraph/ns#";
    pub const ID: &str = "https://w3id.org/newsgraph/id/";
    pub const SCHEMA: &str = "https://schema.org/";
    pub const ORG: &str = "http://www.w3.org/ns/org#";
    pub const SEM: &str = "http://semanticweb.cs.vu.nl/2009/11/sem/";
    pub const PROV: &str = "http://www.w3.org/ns/prov#";
    pub const NIF: &str = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#";
    pub const ITSRDF: &str = "http://www.w3.org/2005/11/its/rdf#";
    pub const OWL: &str = "http://www.w3.org/2002/07/owl#";
    pub const WD: &str = "http://www.wikidata.org/entity/";
    pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

    /// The prefixes, for serialisers and query headers.
    pub const PREFIXES: &[(&str, &str)] = &[
        ("ng", NG),
        ("id", ID),
        ("schema", SCHEMA),
        ("org", ORG),
        ("sem", SEM),
        ("prov", PROV),
        ("nif", NIF),
        ("itsrdf", ITSRDF),
        ("owl", OWL),
        ("wd", WD),
        ("rdf", RDF),
        ("rdfs", RDFS),
        ("xsd", XSD),
    ];
}

/// FNV-1a, 64 bit: a stable content hash for IRIs (never the std hasher, which is seeded).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    stable_hash_more(STABLE_HASH_START, bytes)
}

/// What [`stable_hash`] starts from: the hash of no bytes.
pub const STABLE_HASH_START: u64 = 0xcbf29ce484222325;

/// Continues [`stable_hash`] over more bytes: `stable_hash_more(stable_hash(a), b)` is the
/// hash of `a` followed by `b`.
pub fn stable_hash_more(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Lowercase ASCII slug: letters and digits, words joined by '-'. Accents are folded; text with
/// no ASCII letters at all (e.g. a Cyrillic name) becomes a content hash.
pub fn slug(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        // NFKD leaves ASCII as it is: skip the decomposition (most names and titles).
        push_slug(&mut out, s.chars());
    } else {
        push_slug(&mut out, s.nfkd());
    }
    if out.is_empty()
        || !s.is_ascii() && out.len() * 2 < s.chars().filter(|c| c.is_alphanumeric()).count()
    {
        return format!("h{:016x}", stable_hash(s.as_bytes()));
    }
    out
}

/// The slug of already decomposed characters.
fn push_slug(out: &mut String, chars: impl Iterator<Item = char>) {
    let mut dash = false;
    for c in chars {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else if unicode_normalization::char::is_combining_mark(c) || c == '\'' || c == '.' {
            continue;
        } else {
            dash = true;
        }
    }
}

/// A path segment for an article id: the id itself when it is IRI-safe, else slug + hash.
pub fn id_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 9);
    push_id_segment(&mut out, id);
    out
}

/// Appends [`id_segment`]`(id)` to `out`.
fn push_id_segment(out: &mut String, id: &str) {
    if !id.is_empty()
        && id.len() <= 120
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        out.push_str(id);
    } else {
        out.push_str(&slug(id));
        out.push('-');
        let h = stable_hash(id.as_bytes()) as u32;
        for shift in (0..8).rev() {
            let digit = (h >> (shift * 4)) & 0xf;
            out.push(char::from_digit(digit, 16).unwrap_or('0'));
        }
    }
}

/// A piece of an IRI or literal built by [`cat`].
enum Part<'a> {
    S(&'a str),
    N(usize),
    /// An article or entity id, through [`id_segment`].
    Id(&'a str),
}

/// Appends the decimal digits of `n` (no formatting machinery: this runs for most quads).
fn push_uint(out: &mut String, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| char::from(b)));
}

/// The concatenation of `parts`, in one allocation.
fn cat(parts: &[Part<'_>]) -> String {
    let cap = parts
        .iter()
        .map(|p| match p {
            Part::S(s) => s.len(),
            Part::N(_) => 20,
            Part::Id(s) => s.len() + 9,
        })
        .sum();
    let mut out = String::with_capacity(cap);
    for p in parts {
        match p {
            Part::S(s) => out.push_str(s),
            Part::N(n) => push_uint(&mut out, *n),
            Part::Id(s) => push_id_segment(&mut out, s),
        }
    }
    out
}

fn nn(iri: String) -> NamedNode {
    // Every IRI minted here is built from a fixed namespace plus slug/id_segment output,
    // which only contains IRI-safe characters.
    NamedNode::new_unchecked(iri)
}

/// `ns` + `local` as an IRI (plain concatenation: this runs for nearly every quad).
fn term(ns: &str, local: &str) -> NamedNode {
    let mut s = String::with_capacity(ns.len() + local.len());
    s.push_str(ns);
    s.push_str(local);
    nn(s)
}

pub fn ng(local: &str) -> NamedNode {
    term(ns::NG, local)
}
fn schema(local: &str) -> NamedNode {
    term(ns::SCHEMA, local)
}
fn org(local: &str) -> NamedNode {
    term(ns::ORG, local)
}
fn sem(local: &str) -> NamedNode {
    term(ns::SEM, local)
}
fn prov(local: &str) -> NamedNode {
    term(ns::PROV, local)
}
fn nif(local: &str) -> NamedNode {
    term(ns::NIF, local)
}

/// The IRI of an article (also the name of its graph).
pub fn article_iri(id: &str) -> NamedNode {
    nn(cat(&[Part::S(ns::ID), Part::S("article/"), Part::Id(id)]))
}

/// The IRI of an entity from its canonical key.
pub fn entity_iri(key: &str) -> NamedNode {
    nn(cat(&[Part::S(ns::ID), Part::S("entity/"), Part::Id(key)]))
}

/// The IRI of the extraction activity (one per extractor version).
pub fn activity_iri() -> NamedNode {
    static IRI: std::sync::LazyLock<NamedNode> =
        std::sync::LazyLock::new(|| nn(format!("{}activity/{}", ns::ID, slug(EXTRACTOR_VERSION))));
    IRI.clone()
}

fn int(n: usize) -> Literal {
    Literal::new_typed_literal(cat(&[Part::N(n)]), xsd::NON_NEGATIVE_INTEGER)
}

fn date_literal(d: &crate::dates::ResolvedDate) -> Literal {
    let dt = match d.precision {
        crate::dates::Precision::Day => xsd::DATE,
        crate::dates::Precision::Month => xsd::G_YEAR_MONTH,
        crate::dates::Precision::Year => xsd::G_YEAR,
    };
    Literal::new_typed_literal(d.lexical(), dt)
}

/// Class IRI of an event type from the trigger lexicon ("PhoneCall" → ng:PhoneCall).
fn event_class(t: &str) -> NamedNode {
    let local: String = t.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    ng(if local.is_empty() { "Event" } else { &local })
}

/// Writes quads for one extraction.
pub struct Mapper<'a> {
    ex: &'a Extraction,
    graph: GraphName,
    article: NamedNode,
    out: Vec<Quad>,
}

impl<'a> Mapper<'a> {
    fn add(&mut self, s: impl Into<NamedOrBlankNode>, p: NamedNode, o: impl Into<Term>) {
        self.out
            .push(Quad::new(s.into(), p, o.into(), self.graph.clone()));
    }

    fn sentence_iri(&self, i: usize) -> NamedNode {
        nn(cat(&[
            Part::S(self.article.as_str()),
            Part::S("/sentence/"),
            Part::N(i),
        ]))
    }

    fn offsets(&mut self, s: &NamedNode, o: Offsets) {
        self.add(s.clone(), nif("beginIndex"), int(o.start));
        self.add(s.clone(), nif("endIndex"), int(o.end));
    }

    fn derived(&mut self, s: &NamedNode, sentence: usize) {
        if sentence < self.ex.sentences.len() {
            let si = self.sentence_iri(sentence);
            self.add(s.clone(), prov("wasDerivedFrom"), si);
        }
        self.add(s.clone(), prov("wasGeneratedBy"), activity_iri());
    }
}

/// Maps an extraction to quads in the article's named graph. Deterministic order.
pub fn to_quads(ex: &Extraction) -> Vec<Quad> {
    let article = article_iri(&ex.meta.id);
    let mut m = Mapper {
        ex,
        graph: GraphName::NamedNode(article.clone()),
        article: article.clone(),
        out: Vec::with_capacity(64 + ex.mentions.len() * 8),
    };
    let a = article.clone();
    m.add(a.clone(), rdf::TYPE.into_owned(), schema("NewsArticle"));
    m.add(a.clone(), rdf::TYPE.into_owned(), nif("Context"));
    m.add(
        a.clone(),
        schema("identifier"),
        Literal::new_simple_literal(&ex.meta.id),
    );
    if let Some(t) = &ex.meta.title {
        m.add(
            a.clone(),
            schema("headline"),
            Literal::new_simple_literal(t),
        );
    }
    if let Some(d) = &ex.meta.published {
        m.add(
            a.clone(),
            schema("datePublished"),
            Literal::new_typed_literal(d, xsd::DATE),
        );
    }
    if let Some(u) = &ex.meta.url {
        m.add(
            a.clone(),
            schema("url"),
            Literal::new_typed_literal(u, xsd::ANY_URI),
        );
    }
    if let Some(s) = &ex.meta.source {
        m.add(a.clone(), ng("sourceName"), Literal::new_simple_literal(s));
    }
    if let Some(p) = ex.publisher {
        m.add(
            a.clone(),
            schema("publisher"),
            entity_iri(&ex.entities[p].key),
        );
    }
    m.add(
        a.clone(),
        ng("sourceFile"),
        Literal::new_simple_literal(ex.meta.origin.to_string()),
    );
    m.add(a.clone(), prov("wasGeneratedBy"), activity_iri());
    m.add(activity_iri(), rdf::TYPE.into_owned(), prov("Activity"));
    m.add(
        activity_iri(),
        ng("extractorVersion"),
        Literal::new_simple_literal(EXTRACTOR_VERSION),
    );
    if let Some(an) = &ex.anchor {
        m.add(a.clone(), ng("anchorDate"), date_literal(an));
    }
    let r = &ex.normalize_report;
    for (p, n) in [
        ("confusablesFolded", r.confusables_folded),
        ("spamRemoved", r.spam_removed),
        ("boilerplateRemoved", r.boilerplate_removed),
    ] {
        if n > 0 {
            m.add(a.clone(), ng(p), int(n));
        }
    }
    // Sentences.
    for s in &ex.sentences {
        let si = m.sentence_iri(s.index);
        m.add(si.clone(), rdf::TYPE.into_owned(), nif("Sentence"));
        m.add(si.clone(), nif("referenceContext"), a.clone());
        m.add(
            si.clone(),
            nif("anchorOf"),
            Literal::new_simple_literal(&s.text),
        );
        m.offsets(&si, s.offsets);
    }
    // Entities.
    let eiris: Vec<NamedNode> = ex.entities.iter().map(|e| entity_iri(&e.key)).collect();
    for (i, e) in ex.entities.iter().enumerate() {
        let ei = eiris[i].clone();
        match e.kind {
            Kind::Person => m.add(ei.clone(), rdf::TYPE.into_owned(), schema("Person")),
            Kind::Organization => {
                m.add(ei.clone(), rdf::TYPE.into_owned(), org("Organization"));
                m.add(ei.clone(), rdf::TYPE.into_owned(), schema("Organization"));
            }
            Kind::Place => m.add(ei.clone(), rdf::TYPE.into_owned(), schema("Place")),
        }
        if !e.subtype.is_empty() {
            let local: String = e
                .subtype
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            let class = match local.as_str() {
                "Country" => schema("Country"),
                "City" => schema("City"),
                _ => ng(&local),
            };
            m.add(ei.clone(), rdf::TYPE.into_owned(), class);
        }
        m.add(
            ei.clone(),
            schema("name"),
            Literal::new_simple_literal(&e.name),
        );
        // The fullest name this article itself uses for it (one per entity and article).
        // Headline capitals ("JAPAN") only when the text has no other form.
        let shouting = |n: &str| {
            n.chars().filter(|c| c.is_alphabetic()).count() > 4
                && !n.chars().any(|c| c.is_lowercase())
        };
        let article_name = e
            .names
            .iter()
            .max_by_key(|n| {
                (
                    !shouting(n),
                    n.chars().count(),
                    std::cmp::Reverse((*n).clone()),
                )
            })
            .unwrap_or(&e.name);
        m.add(
            ei.clone(),
            ng("articleName"),
            Literal::new_simple_literal(article_name),
        );
        let mut labels: Vec<&String> = e.names.iter().collect();
        if !labels.contains(&&e.name) {
            labels.push(&e.name);
        }
        for n in labels {
            m.add(
                ei.clone(),
                rdfs::LABEL.into_owned(),
                Literal::new_simple_literal(n),
            );
        }
        if let Some(q) = &e.wikidata {
            m.add(
                ei.clone(),
                term(ns::OWL, "sameAs"),
                nn(cat(&[Part::S(ns::WD), Part::Id(q)])),
            );
        }
        if let Some(c) = e.country
            && c != i
        {
            let p = if e.kind == Kind::Place {
                schema("containedInPlace")
            } else {
                ng("country")
            };
            m.add(ei.clone(), p, eiris[c].clone());
        }
    }
    // Mentions.
    for mn in &ex.mentions {
        let mi = pair_iri(&a, "/mention/", mn.offsets.start, mn.offsets.end);
        m.add(mi.clone(), rdf::TYPE.into_owned(), nif("Phrase"));
        m.add(
            mi.clone(),
            nif("anchorOf"),
            Literal::new_simple_literal(&mn.text),
        );
        m.add(mi.clone(), nif("referenceContext"), a.clone());
        m.add(
            mi.clone(),
            term(ns::ITSRDF, "taIdentRef"),
            eiris[mn.entity].clone(),
        );
        m.offsets(&mi, mn.offsets);
        if mn.sentence < ex.sentences.len() {
            let si = m.sentence_iri(mn.sentence);
            m.add(mi.clone(), nif("sentence"), si);
        }
        m.add(mi.clone(), prov("wasGeneratedBy"), activity_iri());
    }
    // Contributors from credit lines.
    for c in &ex.contributors {
        if let Some(e) = ex
            .entities
            .iter()
            .position(|e| e.kind == Kind::Person && e.names.iter().any(|n| n == &c.name))
        {
            m.add(a.clone(), schema("contributor"), eiris[e].clone());
            let ri = pair_iri(&a, "/credit/", c.offsets.start, c.offsets.end);
            m.add(ri.clone(), rdf::TYPE.into_owned(), ng("Credit"));
            m.add(ri.clone(), ng("contributor"), eiris[e].clone());
            m.add(
                ri.clone(),
                ng("creditRole"),
                Literal::new_simple_literal(&c.role),
            );
            m.add(ri.clone(), nif("referenceContext"), a.clone());
            m.offsets(&ri, c.offsets);
        }
    }
    // Roles as ORG memberships.
    for (k, r) in ex.roles.iter().enumerate() {
        let ri = nn(cat(&[Part::S(a.as_str()), Part::S("/role/"), Part::N(k)]));
        m.add(ri.clone(), rdf::TYPE.into_owned(), org("Membership"));
        m.add(ri.clone(), org("member"), eiris[r.person].clone());
        let role = nn(format!("{}role/{}", ns::ID, slug(&r.title)));
        m.add(ri.clone(), org("role"), role.clone());
        m.add(role.clone(), rdf::TYPE.into_owned(), org("Role"));
        m.add(
            role,
            rdfs::LABEL.into_owned(),
            Literal::new_simple_literal(r.title.to_lowercase()),
        );
        m.add(
            ri.clone(),
            ng("title"),
            Literal::new_simple_literal(&r.title),
        );
        m.add(
            ri.clone(),
            ng("roleKind"),
            Literal::new_simple_literal(&r.kind),
        );
        if let Some(t) = r.posted_to {
            m.add(ri.clone(), ng("postedTo"), eiris[t].clone());
        }
        if let Some(o) = r.organization {
            m.add(ri.clone(), org("organization"), eiris[o].clone());
        }
        m.offsets(&ri, r.offsets);
        m.derived(&ri, r.sentence);
    }
    // Events.
    let ev_iris: Vec<NamedNode> = ex.events.iter().map(|e| event_iri(&a, e)).collect();
    for (k, e) in ex.events.iter().enumerate() {
        let ev = ev_iris[k].clone();
        m.add(ev.clone(), rdf::TYPE.into_owned(), sem("Event"));
        m.add(
            ev.clone(),
            rdf::TYPE.into_owned(),
            event_class(&e.event_type),
        );
        if e.is_contact() {
            m.add(ev.clone(), rdf::TYPE.into_owned(), ng("Contact"));
        }
        m.add(ev.clone(), ng("status"), ng(e.status.as_str()));
        m.add(
            ev.clone(),
            ng("trigger"),
            Literal::new_simple_literal(&e.trigger),
        );
        m.add(ev.clone(), ng("triggerBegin"), int(e.trigger_offsets.start));
        m.add(ev.clone(), ng("triggerEnd"), int(e.trigger_offsets.end));
        m.add(ev.clone(), ng("article"), a.clone());
        if let Some(c) = &e.cameo {
            m.add(ev.clone(), ng("cameoCode"), Literal::new_simple_literal(c));
        }
        for p in &e.participants {
            m.add(ev.clone(), sem("hasActor"), eiris[*p].clone());
        }
        if let Some(p) = e.place {
            m.add(ev.clone(), sem("hasPlace"), eiris[p].clone());
        }
        if let Some(d) = &e.date {
            m.add(ev.clone(), sem("hasTimeStamp"), date_literal(d));
            m.add(
                ev.clone(),
                ng("datePrecision"),
                Literal::new_simple_literal(d.precision.as_str()),
            );
        }
        if let Some(t) = &e.date_text {
            m.add(ev.clone(), ng("dateText"), Literal::new_simple_literal(t));
        }
        for t in &e.topics {
            m.add(ev.clone(), ng("topic"), Literal::new_simple_literal(t));
        }
        for t in &e.not_discussed {
            m.add(
                ev.clone(),
                ng("notDiscussed"),
                Literal::new_simple_literal(t),
            );
        }
        m.derived(&ev, e.sentence);
        // The sentence with the trigger: the one to show as evidence.
        if e.sentence < ex.sentences.len() {
            let si = m.sentence_iri(e.sentence);
            m.add(ev.clone(), ng("mainSentence"), si);
        }
        for s in &e.support {
            let si = m.sentence_iri(*s);
            m.add(ev.clone(), prov("wasDerivedFrom"), si);
        }
        // Who met whom: a symmetric ng:met between persons of a held contact event.
        if e.is_contact() && e.status == crate::extract::Status::Held {
            let persons: Vec<usize> = e
                .participants
                .iter()
                .copied()
                .filter(|p| ex.entities[*p].kind == Kind::Person)
                .collect();
            for x in &persons {
                for y in &persons {
                    if x != y {
                        m.add(eiris[*x].clone(), ng("met"), eiris[*y].clone());
                    }
                }
            }
        }
    }
    // Claims.
    for (k, c) in ex.claims.iter().enumerate() {
        let ci = pair_iri(&a, "/claim/", c.sentence, k);
        m.add(ci.clone(), rdf::TYPE.into_owned(), ng("Claim"));
        m.add(ci.clone(), schema("author"), eiris[c.speaker].clone());
        m.add(
            ci.clone(),
            schema("text"),
            Literal::new_simple_literal(&c.text),
        );
        m.add(
            ci.clone(),
            ng("reportingVerb"),
            Literal::new_simple_literal(&c.verb),
        );
        if let Some(e) = c.event {
            m.add(ci.clone(), schema("about"), ev_iris[e].clone());
        }
        m.offsets(&ci, c.offsets);
        m.derived(&ci, c.sentence);
    }
    m.out
}

fn event_iri(article: &NamedNode, e: &Event) -> NamedNode {
    pair_iri(article, "/event/", e.sentence, e.trigger_offsets.start)
}

/// A node of the article numbered by two numbers: `{article}{kind}{x}-{y}` (a mention or
/// credit by its character span, a claim or event by its sentence and position).
fn pair_iri(article: &NamedNode, kind: &str, x: usize, y: usize) -> NamedNode {
    nn(cat(&[
        Part::S(article.as_str()),
        Part::S(kind),
        Part::N(x),
        Part::S("-"),
        Part::N(y),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stable_hash_continues_over_more_bytes_and_never_changes() {
        let whole = stable_hash(b"https://example.org/a\x01b");
        let parts = stable_hash_more(stable_hash(b"https://example.org/a"), b"\x01b");
        assert_eq!(whole, parts);
        assert_eq!(stable_hash(b""), STABLE_HASH_START);
        // Published IRIs are built from it: the value must stay the same across releases.
        assert_eq!(stable_hash(b"a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn slugs_are_ascii_and_stable() {
        assert_eq!(slug("Anna Berg-Lund"), "anna-berg-lund");
        assert_eq!(slug("Türkiye"), "turkiye");
        assert_eq!(slug("O'Brien, Jr."), "obrien-jr");
        let cyr = slug("Иван Петров");
        assert!(cyr.starts_with('h') && cyr.len() == 17);
        assert_eq!(cyr, slug("Иван Петров"));
    }

    /// Every ng: term the mapping writes (as predicate, class or status) is declared in the
    /// vocabulary file, so the published ontology and the data never drift apart.
    #[test]
    fn every_ng_term_written_is_declared_in_the_ontology() {
        use oxigraph::io::{RdfFormat, RdfParser};
        let ttl = include_str!("../ontology/newsgraph.ttl");
        let mut declared = std::collections::HashSet::new();
        for t in RdfParser::from_format(RdfFormat::Turtle).for_slice(ttl.as_bytes()) {
            let t = t.expect("newsgraph.ttl parses");
            declared.insert(t.subject.to_string());
        }
        let lex = crate::lexicon::Lexicon::builtin();
        let text = "Title: T\nPublished: 2024-05-08\n\nGENEVA, May 7 - Foreign Minister Anna Berg of Sweden met U.S. Secretary of State John Miller in Geneva on Tuesday to discuss trade, officials said. \"It went well,\" Berg told reporters. A planned visit to Oslo was cancelled. Russian Foreign Ministry spokeswoman Olga Petrova said Moscow was not invited.\n\n(Reporting by Tom Hale; Editing by Ann Lee)";
        let raw = crate::ingest::parse_txt_for_tests(text);
        let (_, quads) = crate::pipeline::process(raw, &lex);
        let mut missing = std::collections::BTreeSet::new();
        for q in &quads {
            let mut terms = vec![q.predicate.to_string()];
            if q.predicate.as_str().ends_with("#type") || q.predicate.as_str().ends_with("#status")
            {
                terms.push(q.object.to_string());
            }
            for t in terms {
                if t.starts_with(&format!("<{}", ns::NG)) && !declared.contains(&t) {
                    missing.insert(t);
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not declared in ontology/newsgraph.ttl: {missing:?}"
        );
    }

    #[test]
    fn article_ids_become_safe_path_segments() {
        assert_eq!(id_segment("reuters-123"), "reuters-123");
        let odd = id_segment("a b/c?d");
        assert!(odd.starts_with("a-b-c-d-"));
        assert!(NamedNode::new(format!("{}article/{odd}", ns::ID)).is_ok());
    }
}
