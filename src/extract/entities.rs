//! Entity resolution within an article: mentions → entities with canonical keys.
//!
//! Full person names get a global key from their canonical spelling (transliteration variants
//! folded), so the same person in two articles is one node; surname-only mentions join the full
//! name in the same article, and stay article-scoped when none is given (two "Smith"s in two
//! articles are not merged). Organisation phrases without a country ("the Foreign Ministry")
//! join the last one with the same head that has one. Capitals keep their own identity as
//! places; `events` reads them as their country when they act. No I/O, no IRIs.

use super::mentions::{self, Ctx, Mention, Ref};
use super::{Entity, MentionRecord, OffsetMapper, Offsets, Role, Segmented};
use crate::lexicon::{Kind, Lexicon, Surface};
use crate::rdf::slug;
use std::collections::HashMap;

/// Nouns after a demonym that make it a reference to the country's territory.
const GEO_HEADS: &[&str] = &[
    "capital",
    "city",
    "border",
    "borders",
    "territory",
    "soil",
    "coast",
    "port",
    "region",
    "province",
    "town",
    "village",
    "island",
    "islands",
    "mainland",
    "frontier",
    "waters",
    "airspace",
];

/// A mention placed in its sentence, resolved to an entity.
#[derive(Debug, Clone)]
pub struct SentMention {
    pub entity: usize,
    pub kind: Kind,
    pub tok_start: usize,
    pub tok_end: usize,
    pub start: usize,
    pub end: usize,
    /// A demonym use ("Russian diplomats"), not a name.
    pub demonym: bool,
    /// This mention qualifies the title of a person mention (index in the sentence list).
    pub affiliation_of: Option<usize>,
}

pub struct Resolved {
    pub entities: Vec<Entity>,
    pub mentions: Vec<MentionRecord>,
    pub roles: Vec<Role>,
    pub sentence_mentions: Vec<Vec<SentMention>>,
}

struct Builder<'a> {
    lex: &'a Lexicon,
    article: &'a str,
    entities: Vec<Entity>,
    by_key: HashMap<String, usize>,
}

impl Builder<'_> {
    fn get(
        &mut self,
        key: String,
        kind: Kind,
        subtype: &str,
        name: &str,
        wikidata: Option<String>,
    ) -> usize {
        if let Some(&i) = self.by_key.get(&key) {
            return i;
        }
        let i = self.entities.len();
        self.entities.push(Entity {
            key: key.clone(),
            kind,
            subtype: subtype.to_string(),
            name: name.to_string(),
            names: Vec::new(),
            wikidata,
            country: None,
        });
        self.by_key.insert(key, i);
        i
    }

    fn known(&mut self, idx: usize) -> usize {
        let e = self.lex.entities[idx].clone();
        let i = self.get(
            e.key.clone(),
            e.kind,
            &e.subtype,
            &e.name,
            e.wikidata.clone(),
        );
        if let Some(c) = e.country.filter(|&c| c != idx) {
            let ci = self.known(c);
            self.entities[i].country = Some(ci);
        }
        i
    }

    fn add_name(&mut self, i: usize, name: &str) {
        let name = name.trim();
        let name = name.strip_prefix("the ").unwrap_or(name);
        if name.is_empty() {
            return;
        }
        let names = &mut self.entities[i].names;
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
}

/// Canonical key text of a person name: transliteration-folded, diacritics removed, lowercase.
pub fn person_key(lex: &Lexicon, name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let mut parts = Vec::new();
    for (k, w) in words.iter().enumerate() {
        let w = w.trim_end_matches('.');
        let c = if k == 0 { lex.canonical_given(w) } else { w };
        parts.push(c.to_string());
    }
    format!("person-{}", slug(&parts.join(" ")))
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) if w != "of" && w != "in" => {
                    f.to_uppercase().collect::<String>() + c.as_str()
                }
                Some(_) => w.to_string(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lexicon organisation that has this exact surface form, if any.
fn known_org(lex: &Lexicon, surface: &str) -> Option<usize> {
    lex.surfaces
        .get(surface)
        .and_then(|forms| {
            forms
                .iter()
                .find(|f| lex.entities[f.entity].kind == Kind::Organization)
        })
        .map(|f| f.entity)
}

/// Resolves the mentions of every sentence into article entities.
pub fn resolve(
    seg: &Segmented,
    ctxs: &[Ctx],
    lex: &Lexicon,
    mapper: &OffsetMapper,
    article_id: &str,
) -> Resolved {
    let text = &seg.norm.text;
    let mut b = Builder {
        lex,
        article: article_id,
        entities: Vec::new(),
        by_key: HashMap::new(),
    };
    // Pass 1: raw mentions per sentence.
    let raw: Vec<Vec<Mention>> = seg
        .sentences
        .iter()
        .zip(ctxs)
        .map(|(s, ctx)| mentions::find(ctx, s.index))
        .collect();
    // Full person names of the article, by surname (lowercase) → full name.
    let mut surnames: HashMap<String, Vec<String>> = HashMap::new();
    let mut titled_surnames: std::collections::HashSet<String> = std::collections::HashSet::new();
    for m in raw.iter().flatten() {
        if m.reference == Ref::Person && m.text.split_whitespace().count() >= 2 {
            let last = m
                .text
                .split_whitespace()
                .last()
                .unwrap_or("")
                .to_lowercase();
            let v = surnames.entry(last).or_default();
            if !v.contains(&m.text) {
                v.push(m.text.clone());
            }
        }
    }
    // Surnames introduced with a title and no given name ("President Reagan"): later bare
    // mentions ("Reagan's invitation") are that person too.
    for m in raw.iter().flatten() {
        if m.reference == Ref::Person && !m.text.contains(' ') && m.title.is_some() {
            let last = m.text.to_lowercase();
            if !surnames.contains_key(&last) {
                titled_surnames.insert(last);
            }
        }
    }
    for c in &seg.norm.contributors {
        if c.name.split_whitespace().count() >= 2 {
            let last = c
                .name
                .split_whitespace()
                .last()
                .unwrap_or("")
                .to_lowercase();
            surnames.entry(last).or_default().push(c.name.clone());
        }
    }
    let mut out_mentions = Vec::new();
    let mut roles = Vec::new();
    let mut sentence_mentions = Vec::new();
    // Last organisation entity seen per canonical head, for "the Foreign Ministry".
    let mut last_by_head: HashMap<String, usize> = HashMap::new();
    // Acronyms introduced in brackets, to the organisation they stand for.
    let mut acronyms: HashMap<String, usize> = HashMap::new();
    // Persons with a title, in order of mention, for "the minister": (entity, kind, country key).
    let mut recent_titled: Vec<(usize, String, Option<String>)> = Vec::new();
    for (si, ms) in raw.iter().enumerate() {
        let mut sent: Vec<SentMention> = Vec::new();
        // Map from raw mention index to sentence-mention index.
        let mut idx_map: Vec<Option<usize>> = vec![None; ms.len()];
        for (mi, m) in ms.iter().enumerate() {
            // "the Iranian news agency IRNA", "Organization of ... (OPEC)": a phrase followed by
            // a known organisation names that organisation.
            let apposed = ms.get(mi + 1).and_then(|n| match n.reference {
                Ref::Known { entity, .. }
                    if n.kind == Some(Kind::Organization)
                        && (n.tok_start == m.tok_end
                            || (n.tok_start == m.tok_end + 1
                                && matches!(
                                    seg.sentences[si].tokens[m.tok_end].text(text),
                                    "(" | ","
                                ))) =>
                {
                    Some(entity)
                }
                _ => None,
            });
            let resolved = match (&m.reference, apposed) {
                (Ref::OrgPhrase { .. } | Ref::OrgName, Some(entity)) => {
                    let i = b.known(entity);
                    b.add_name(i, &m.text);
                    Some((i, false))
                }
                _ => match &m.reference {
                    // A one-word place or institution that is the surname of a person named in full
                    // here ("Mendoza" after "Carla Mendoza") refers to that person.
                    Ref::Known { surface, .. }
                        if *surface == Surface::Name
                            && !m.text.contains(' ')
                            && surnames
                                .get(&m.text.to_lowercase())
                                .is_some_and(|v| v.len() == 1) =>
                    {
                        Some((person(&mut b, &m.text, &surnames), false))
                    }
                    Ref::Known { entity, surface } => {
                        let i = b.known(*entity);
                        // Names are the forms the text uses; a demonym is not a name of its country.
                        if *surface == Surface::Name {
                            b.add_name(i, &m.text);
                        }
                        Some((i, *surface == Surface::Demonym))
                    }
                    // An acronym in brackets after an organisation ("Federation (FIESP)") and its
                    // later uses name that organisation.
                    Ref::OrgName
                        if acronyms.contains_key(&m.text)
                            || (m.tok_start >= 1
                                && seg.sentences[si].tokens[m.tok_start - 1].text(text) == "("
                                && mi > 0
                                && sent.last().is_some_and(|p: &SentMention| {
                                    p.kind == Kind::Organization && p.tok_end + 1 == m.tok_start
                                })) =>
                    {
                        let i = match acronyms.get(&m.text) {
                            Some(&i) => i,
                            None => sent.last().map(|p| p.entity).unwrap_or(0),
                        };
                        acronyms.insert(m.text.clone(), i);
                        b.add_name(i, &m.text);
                        Some((i, false))
                    }
                    Ref::OrgPhrase {
                        head,
                        country,
                        location,
                    } => {
                        let i =
                            org_phrase(&mut b, &m.text, head, *country, *location, &last_by_head);
                        last_by_head.insert(head.clone(), i);
                        Some((i, false))
                    }
                    Ref::OrgName => {
                        let name = m.text.strip_prefix("The ").unwrap_or(&m.text).to_string();
                        let lookup = known_org(lex, &name);
                        let i = match lookup {
                            Some(k) => b.known(k),
                            None => b.get(
                                format!("org-{}", slug(&name)),
                                Kind::Organization,
                                "",
                                &name,
                                None,
                            ),
                        };
                        b.add_name(i, &name);
                        Some((i, false))
                    }
                    Ref::Person => Some((person(&mut b, &m.text, &surnames), false)),
                    Ref::Nominal { kind, country } => {
                        let want_country = country.map(|c| b.lex.entities[c].key.clone());
                        recent_titled
                            .iter()
                            .rev()
                            .find(|(_, k, c)| {
                                k == kind
                                    && match (&want_country, c) {
                                        (Some(w), Some(c)) => w == c,
                                        _ => true,
                                    }
                            })
                            .map(|(e, _, _)| (*e, false))
                    }
                    Ref::Unknown => {
                        // A bare surname (any case) of a person named in full in this article.
                        let words: Vec<&str> = m.text.split_whitespace().collect();
                        let last = words.last().map(|w| w.to_lowercase()).unwrap_or_default();
                        let single_known = surnames.get(&last).is_some_and(|v| {
                            words.len() == 1
                                || v.iter().any(|full| full.eq_ignore_ascii_case(&m.text))
                        }) || (words.len() == 1
                            && titled_surnames.contains(&last));
                        if single_known {
                            Some((person(&mut b, &m.text, &surnames), false))
                        } else {
                            None
                        }
                    }
                },
            };
            let Some((entity, demonym)) = resolved else {
                continue;
            };
            let kind = b.entities[entity].kind;
            let offsets = mapper.map(m.start, m.end);
            // A demonym ("French officials") refers to its country only as an actor or a
            // modifier; it is a mention of the country as a place only in geographic phrases
            // ("the Turkish capital", "on Russian soil").
            let geographic = {
                let toks = &seg.sentences[si].tokens;
                toks.get(m.tok_end).is_some_and(|t| {
                    GEO_HEADS.contains(&crate::lexicon::norm_token(t.text(text)).as_str())
                })
            };
            // "the Kyoto protocol", "the Dayton accords": a place naming an agreement or a
            // process is part of that name, not a mention of the place.
            let names_agreement = kind == Kind::Place
                && seg.sentences[si].tokens.get(m.tok_end).is_some_and(|t| {
                    matches!(
                        crate::lexicon::norm_token(t.text(text)).as_str(),
                        "protocol"
                            | "accord"
                            | "accords"
                            | "agreement"
                            | "agreements"
                            | "treaty"
                            | "declaration"
                            | "convention"
                            | "process"
                            | "round"
                            | "consensus"
                            | "principles"
                            | "framework"
                    )
                });
            if (!demonym || geographic) && !names_agreement {
                out_mentions.push(MentionRecord {
                    entity,
                    sentence: si,
                    offsets,
                    text: m.text.clone(),
                });
            }
            if let Some((t, ts, _)) = &m.title
                && kind == Kind::Person
            {
                let organization = m
                    .affiliation
                    .and_then(|a| idx_map.get(a).copied().flatten())
                    .map(|k: usize| sent[k].entity);
                let country_key = organization.map(|o| {
                    let e = &b.entities[o];
                    match (e.subtype.as_str(), e.country) {
                        ("Country", _) | (_, None) => e.key.clone(),
                        (_, Some(c)) => b.entities[c].key.clone(),
                    }
                });
                recent_titled.push((entity, t.kind.clone(), country_key));
                let s = seg.sentences[si].tokens[*ts].span.start;
                // "ambassador to Washington", "envoy to the UN": where the post is accredited.
                let toks = &seg.sentences[si].tokens;
                let te = m.title.as_ref().map(|(_, _, te)| *te).unwrap_or(0);
                let posted_to = (te < toks.len() && toks[te].text(text) == "to")
                    .then(|| {
                        let mut k = te + 1;
                        if toks.get(k).is_some_and(|t| t.text(text) == "the") {
                            k += 1;
                        }
                        lex.surfaces.longest_at(text, toks, k).map(|(_, forms)| {
                            let f = forms
                                .iter()
                                .find(|f| lex.entities[f.entity].kind != Kind::Person)
                                .unwrap_or(&forms[0]);
                            f.entity
                        })
                    })
                    .flatten()
                    .filter(|&k| k < lex.entities.len())
                    .map(|k| b.known(k));
                roles.push(Role {
                    person: entity,
                    title: t.title.clone(),
                    kind: t.kind.clone(),
                    organization,
                    posted_to,
                    sentence: si,
                    offsets: Offsets {
                        start: mapper.map(s, m.end).start,
                        end: offsets.end,
                    },
                });
            }
            idx_map[mi] = Some(sent.len());
            sent.push(SentMention {
                entity,
                kind,
                tok_start: m.tok_start,
                tok_end: m.tok_end,
                start: m.start,
                end: m.end,
                demonym,
                affiliation_of: None,
            });
        }
        // Mark affiliations: the org or country that qualifies a person's title.
        for (mi, m) in ms.iter().enumerate() {
            if let (Some(a), Some(p)) = (m.affiliation, idx_map[mi])
                && let Some(ai) = idx_map.get(a).copied().flatten()
            {
                sent[ai].affiliation_of = Some(p);
                // "U.S. Central Intelligence Agency Director X": what directly qualifies the
                // affiliation ("U.S.", "Russia's") qualifies the person too.
                let mut cur = ai;
                while cur > 0 {
                    let prev = cur - 1;
                    let gap_ok = sent[prev].tok_end == sent[cur].tok_start
                        || (sent[prev].tok_end + 1 == sent[cur].tok_start
                            && seg.sentences[si].tokens[sent[prev].tok_end].text(text) == "'s");
                    if !gap_ok || sent[prev].kind == Kind::Person {
                        break;
                    }
                    sent[prev].affiliation_of = Some(p);
                    cur = prev;
                }
            }
        }
        sentence_mentions.push(sent);
    }
    // Contributors from credit lines are persons of the article too.
    for c in &seg.norm.contributors {
        let i = person(&mut b, &c.name, &surnames);
        let chars = crate::model::CharIndex::new(&seg.raw.text);
        out_mentions.push(MentionRecord {
            entity: i,
            sentence: usize::MAX,
            offsets: Offsets {
                start: chars.char_at(c.original_start),
                end: chars.char_at(c.original_end),
            },
            text: c.name.clone(),
        });
    }
    for e in &mut b.entities {
        if e.names.is_empty() {
            e.names.push(e.name.clone());
        }
        e.names.sort();
    }
    Resolved {
        entities: b.entities,
        mentions: out_mentions,
        roles,
        sentence_mentions,
    }
}

fn person(b: &mut Builder, text: &str, surnames: &HashMap<String, Vec<String>>) -> usize {
    let words: Vec<&str> = text.split_whitespace().collect();
    // "Prince Abdullah", "Sheikh Khalid": a royal or religious title with a given name is the
    // person whose full name in this article starts with that name.
    if words.len() == 2
        && b.lex
            .titles
            .get(words[0])
            .is_some_and(|t| matches!(t.kind.as_str(), "royal" | "religious"))
    {
        let given = words[1].to_lowercase();
        let hits: Vec<&String> = surnames
            .values()
            .flatten()
            .filter(|full| {
                full.split_whitespace().count() >= 2
                    && full
                        .split_whitespace()
                        .next()
                        .is_some_and(|f| f.to_lowercase() == given)
            })
            .collect();
        if let [full] = hits.as_slice() {
            let key = person_key(b.lex, full);
            let full = (*full).clone();
            let i = b.get(key, Kind::Person, "", &full, None);
            b.add_name(i, text);
            return i;
        }
    }
    let last = words.last().map(|w| w.to_lowercase()).unwrap_or_default();
    // "Santos Alvite" after "Fernando Santos Alvite": the longer full name that ends with it.
    let longer = surnames.get(&last).and_then(|v| {
        let hits: Vec<&String> = v
            .iter()
            .filter(|full| {
                full.split_whitespace().count() > words.len()
                    && full
                        .to_lowercase()
                        .ends_with(&format!(" {}", text.to_lowercase()))
            })
            .collect();
        (hits.len() == 1).then(|| hits[0].clone())
    });
    let full = if let Some(l) = longer.filter(|_| words.len() >= 2) {
        l
    } else if words.len() >= 2 && !words[0].chars().all(|c| c.is_uppercase()) {
        text.to_string()
    } else {
        let last = words.last().map(|w| w.to_lowercase()).unwrap_or_default();
        match surnames.get(&last) {
            // One full name with this surname: that person. Several: ambiguous, keep apart.
            Some(v) if v.len() == 1 => v[0].clone(),
            _ => String::new(),
        }
    };
    let i = if full.is_empty() {
        // Surname only and no full name here: article-scoped, never merged across articles.
        let key = format!("{}-in-{}", person_key(b.lex, text), slug(b.article));
        b.get(key, Kind::Person, "", &title_case_word(text), None)
    } else {
        let key = person_key(b.lex, &full);
        b.get(key, Kind::Person, "", &full, None)
    };
    b.add_name(
        i,
        &if words.iter().all(|w| {
            w.chars()
                .filter(|c| c.is_alphabetic())
                .all(|c| c.is_uppercase())
        }) && words.len() == 1
        {
            title_case_word(text)
        } else {
            text.to_string()
        },
    );
    i
}

pub(crate) fn title_case_word(s: &str) -> String {
    let lower = s.to_lowercase();
    title_case(&lower)
}

fn org_phrase(
    b: &mut Builder,
    text: &str,
    head: &str,
    country: Option<usize>,
    location: Option<usize>,
    last_by_head: &HashMap<String, usize>,
) -> usize {
    let lex = b.lex;
    let surface = text.strip_prefix("the ").unwrap_or(text);
    // A lexicon institution with this exact surface form wins.
    if let Some(k) = known_org(lex, surface) {
        let i = b.known(k);
        b.add_name(i, surface);
        return i;
    }
    // Try the canonical English forms against the lexicon: "<Country> <head>", "<head> of <Country>".
    if let Some(c) = country {
        let cname = &lex.entities[c].name;
        for cand in [
            format!("{} of {}", title_case(head), cname),
            format!("{cname} {}", title_case(head)),
        ] {
            if let Some(k) = known_org(lex, &cand) {
                let i = b.known(k);
                b.add_name(i, surface);
                return i;
            }
        }
    }
    // "the Mexican central bank": the lexicon's central bank of that country.
    if head.ends_with("central bank")
        && let Some(c) = country
        && let Some(k) = lex
            .entities
            .iter()
            .position(|e| e.subtype == "CentralBank" && e.country == Some(c))
    {
        let i = b.known(k);
        b.add_name(i, surface);
        return i;
    }
    // An unqualified head joins the last qualified one ("the Foreign Ministry", "the embassy").
    // The short form is a reference, not a name of it, so it is not added as a label.
    if country.is_none()
        && location.is_none()
        && let Some(&i) = last_by_head.get(head)
    {
        return i;
    }
    let subtype = match head.rsplit(' ').next().unwrap_or("") {
        "ministry" => "Ministry",
        "embassy" => "Embassy",
        "consulate" | "general" => "Consulate",
        "agency" | "intelligence" | "service" => "Agency",
        "bank" => "Bank",
        _ => "",
    };
    let ckey = country.map(|c| lex.entities[c].key.clone());
    let lkey = location.map(|l| lex.entities[l].key.clone());
    // "the U.S. Embassy" after "the U.S. Embassy in Ankara": the located one.
    if location.is_none()
        && let Some(&i) = last_by_head.get(head)
        && b.entities[i].country.map(|c| b.entities[c].key.clone()) == ckey
    {
        return i;
    }
    let key = format!(
        "org-{}-{}{}",
        ckey.clone().unwrap_or_default(),
        slug(head),
        lkey.map(|l| format!("-in-{l}")).unwrap_or_default()
    );
    let name = surface.to_string();
    let i = b.get(key, Kind::Organization, subtype, &name, None);
    if let Some(c) = country {
        let ci = b.known(c);
        b.entities[i].country = Some(ci);
    }
    b.add_name(i, surface);
    i
}
