//! Extract: mentions, entities, roles, events and claims from one segmented article.
//!
//! Input: a [`Segmented`] article (clean text, sentences, tokens) and the [`Lexicon`].
//! Output: an [`Extraction`], every fact carrying its sentence and character offsets into the
//! ORIGINAL text (mapped back through normalize's offset map).
//!
//! Extract does no I/O and mints no IRIs (it produces canonical keys; `rdf` turns them into
//! IRIs). It never fails: odd input gives fewer facts, not errors.

pub mod entities;
pub mod events;
pub mod mentions;

use crate::dates::{self, ResolvedDate};
use crate::lexicon::{Kind, Lexicon};
use crate::model::{ArticleMeta, CharIndex, RawArticle};
use crate::normalize::{self, Normalized};
use crate::segment::{self, Sentence};

/// Version of the extractor, recorded in provenance.
pub const EXTRACTOR_VERSION: &str = concat!("newsgraph-extract/", env!("CARGO_PKG_VERSION"));

/// A cleaned and segmented article: the input of extraction.
pub struct Segmented {
    pub raw: RawArticle,
    pub norm: Normalized,
    pub sentences: Vec<Sentence>,
}

/// Normalizes and segments a raw article.
pub fn prepare(raw: RawArticle) -> Segmented {
    let norm = normalize::normalize(&raw.text);
    let sentences = segment::segment(&norm.text);
    Segmented {
        raw,
        norm,
        sentences,
    }
}

/// Character offsets into the original article text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Offsets {
    pub start: usize,
    pub end: usize,
}

/// A sentence as recorded in provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceRecord {
    pub index: usize,
    pub offsets: Offsets,
    /// The clean text of the sentence.
    pub text: String,
}

/// An entity as it appears in one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Canonical key, the same for the same real entity in every article.
    pub key: String,
    pub kind: Kind,
    /// Finer type (Country, City, Ministry, Embassy, Media ...), empty when unknown.
    pub subtype: String,
    /// Preferred display name.
    pub name: String,
    /// Every surface form seen in this article, sorted.
    pub names: Vec<String>,
    pub wikidata: Option<String>,
    /// Country entity (index into `Extraction::entities`) it belongs to or represents.
    pub country: Option<usize>,
}

/// One mention of an entity in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionRecord {
    pub entity: usize,
    pub sentence: usize,
    pub offsets: Offsets,
    pub text: String,
}

/// A person's post or role as stated in the article (W3C ORG membership).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub person: usize,
    pub title: String,
    pub kind: String,
    pub organization: Option<usize>,
    /// Where the post is accredited ("ambassador to Washington").
    pub posted_to: Option<usize>,
    pub sentence: usize,
    pub offsets: Offsets,
}

/// Whether an event took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Held,
    Planned,
    Cancelled,
    Denied,
    Negated,
    Hypothetical,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::Planned => "planned",
            Status::Cancelled => "cancelled",
            Status::Denied => "denied",
            Status::Negated => "negated",
            Status::Hypothetical => "hypothetical",
        }
    }
}

/// A dated, placed event with participants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Event type from the trigger lexicon: Meeting, Talks, Visit, PhoneCall ...
    pub event_type: String,
    pub cameo: Option<String>,
    pub status: Status,
    pub trigger: String,
    pub trigger_offsets: Offsets,
    pub sentence: usize,
    /// Further sentences that describe the same event (e.g. who led each delegation).
    pub support: Vec<usize>,
    pub participants: Vec<usize>,
    pub place: Option<usize>,
    pub date: Option<ResolvedDate>,
    pub date_text: Option<String>,
    /// Topics stated as discussed / not discussed.
    pub topics: Vec<String>,
    pub not_discussed: Vec<String>,
    /// Signed together by the participants ("A and B signed the deal in X"): co-presence.
    pub joint: bool,
}

impl Event {
    /// Meeting-like events are the ones that connect participants in who-met-whom.
    pub fn is_contact(&self) -> bool {
        matches!(
            self.event_type.as_str(),
            "Meeting"
                | "Talks"
                | "Visit"
                | "Hosting"
                | "PhoneCall"
                | "Summit"
                | "Negotiation"
                | "Mediation"
        ) || (self.event_type == "Signing" && self.joint)
    }
}

/// Who said what, about which event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub speaker: usize,
    pub sentence: usize,
    pub offsets: Offsets,
    pub text: String,
    pub verb: String,
    pub event: Option<usize>,
}

/// A contributor from a credit line, kept as article metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributorRecord {
    pub name: String,
    pub role: String,
    pub offsets: Offsets,
}

/// Everything extracted from one article.
#[derive(Debug, Clone)]
pub struct Extraction {
    pub meta: ArticleMeta,
    /// The publisher named by the input's `source` when the text itself names it too.
    pub publisher: Option<usize>,
    pub sentences: Vec<SentenceRecord>,
    pub entities: Vec<Entity>,
    pub mentions: Vec<MentionRecord>,
    pub roles: Vec<Role>,
    pub events: Vec<Event>,
    pub claims: Vec<Claim>,
    pub contributors: Vec<ContributorRecord>,
    /// Date the article is anchored to (dateline, else publication), used for relative dates.
    pub anchor: Option<ResolvedDate>,
    /// Normalisation counts, for the build report.
    pub normalize_report: normalize::NormalizeReport,
    pub warnings: Vec<String>,
}

/// Maps clean-text byte spans to original-text character offsets.
pub struct OffsetMapper<'a> {
    norm: &'a Normalized,
    chars: CharIndex,
}

impl<'a> OffsetMapper<'a> {
    pub fn new(original: &str, norm: &'a Normalized) -> Self {
        OffsetMapper {
            norm,
            chars: CharIndex::new(original),
        }
    }
    pub fn map(&self, start: usize, end: usize) -> Offsets {
        let (s, e) = self.norm.map.span_to_original(start, end);
        Offsets {
            start: self.chars.char_at(s),
            end: self.chars.char_at(e),
        }
    }
}

/// The index of the entity with `entity`'s key, adding `entity` when there is none yet.
pub(crate) fn entity_index(entities: &mut Vec<Entity>, entity: Entity) -> usize {
    match entities.iter().position(|e| e.key == entity.key) {
        Some(i) => i,
        None => {
            entities.push(entity);
            entities.len() - 1
        }
    }
}

/// The publisher from the input's `source` field, when the original text names it as a word
/// (in a dateline, a banner or a credit): an organisation entity with a mention there.
fn publisher(
    seg: &Segmented,
    lex: &Lexicon,
    r: &mut entities::Resolved,
    mapper: &OffsetMapper,
) -> Option<usize> {
    let src = seg.raw.meta.source.as_deref()?.trim();
    if src.is_empty() {
        return None;
    }
    let raw = &seg.raw.text;
    let at = raw.match_indices(src).find(|(i, _)| {
        let before = raw[..*i].chars().next_back();
        let after = raw[i + src.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })?;
    let known = lex
        .surfaces
        .get(src)
        .and_then(|forms| {
            forms
                .iter()
                .find(|f| lex.entities[f.entity].kind == Kind::Organization)
        })
        .map(|f| &lex.entities[f.entity]);
    let key = match known {
        Some(k) => k.key.clone(),
        None => format!("org-{}", crate::rdf::slug(src)),
    };
    let idx = entity_index(
        &mut r.entities,
        Entity {
            key,
            kind: Kind::Organization,
            subtype: known
                .map(|k| k.subtype.clone())
                .unwrap_or_else(|| "Media".into()),
            name: known
                .map(|k| k.name.clone())
                .unwrap_or_else(|| src.to_string()),
            names: vec![src.to_string()],
            wikidata: known.and_then(|k| k.wikidata.clone()),
            country: None,
        },
    );
    if !r.mentions.iter().any(|m| m.entity == idx) {
        let start = mapper.chars.char_at(at.0);
        r.mentions.push(MentionRecord {
            entity: idx,
            sentence: usize::MAX,
            offsets: Offsets {
                start,
                end: start + src.chars().count(),
            },
            text: src.to_string(),
        });
    }
    Some(idx)
}

/// Runs the whole extraction on one prepared article.
pub fn extract(seg: &Segmented, lex: &Lexicon) -> Extraction {
    let text = &seg.norm.text;
    let mapper = OffsetMapper::new(&seg.raw.text, &seg.norm);
    let sentences: Vec<SentenceRecord> = seg
        .sentences
        .iter()
        .map(|s| SentenceRecord {
            index: s.index,
            offsets: mapper.map(s.span.start, s.span.end),
            text: text[s.span.start..s.span.end].to_string(),
        })
        .collect();
    let published = seg.raw.meta.published.as_deref().and_then(dates::parse_iso);
    let dateline = events::dateline(text, &seg.sentences, published, lex);
    let anchor = dateline
        .as_ref()
        .and_then(|d| d.date.clone())
        .or_else(|| published.map(ResolvedDate::day));
    // Each sentence's normalised tokens and headline test, shared by both passes.
    let ctxs: Vec<mentions::Ctx> = seg
        .sentences
        .iter()
        .map(|s| mentions::Ctx::new(text, s, lex))
        .collect();
    let mut resolved = entities::resolve(seg, &ctxs, lex, &mapper, &seg.raw.meta.id);
    let publisher = publisher(seg, lex, &mut resolved, &mapper);
    // A dateline city the lexicon does not know is still a place ("SANTA BARBARA, April 13 -").
    if let Some(d) = &dateline
        && d.place.is_none()
        && let Some((name, start, end)) = &d.city
    {
        let display = entities::title_case_word(name);
        let idx = entity_index(
            &mut resolved.entities,
            Entity {
                key: format!("place-{}", crate::rdf::slug(&display)),
                kind: Kind::Place,
                subtype: "City".into(),
                name: display.clone(),
                names: vec![display],
                wikidata: None,
                country: None,
            },
        );
        resolved.mentions.push(MentionRecord {
            entity: idx,
            sentence: d.sentence,
            offsets: mapper.map(*start, *end),
            text: name.clone(),
        });
    }
    let mut out = Extraction {
        publisher,
        meta: seg.raw.meta.clone(),
        sentences,
        entities: resolved.entities,
        mentions: resolved.mentions,
        roles: resolved.roles,
        events: Vec::new(),
        claims: Vec::new(),
        contributors: seg
            .norm
            .contributors
            .iter()
            .map(|c| ContributorRecord {
                name: c.name.clone(),
                role: c.role.clone(),
                offsets: Offsets {
                    start: mapper.chars.char_at(c.original_start),
                    end: mapper.chars.char_at(c.original_end),
                },
            })
            .collect(),
        anchor: anchor.clone(),
        normalize_report: seg.norm.report.clone(),
        warnings: seg.raw.warnings.clone(),
    };
    let ev = events::find(
        seg,
        lex,
        &ctxs,
        &resolved.sentence_mentions,
        &mut out,
        anchor.as_ref(),
        dateline.as_ref(),
        &mapper,
    );
    out.events = ev.events;
    out.claims = ev.claims;
    out
}

/// A readable account of an extraction, for `newsgraph inspect`.
pub fn describe(ex: &Extraction) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let name = |i: usize| ex.entities[i].name.clone();
    let _ = writeln!(
        o,
        "== {} ({}){}",
        ex.meta.id,
        ex.meta.origin,
        ex.anchor
            .as_ref()
            .map(|a| format!(", anchored at {}", a.lexical()))
            .unwrap_or_default()
    );
    let r = &ex.normalize_report;
    let _ = writeln!(
        o,
        "   cleaning: {} confusables folded, {} spam, {} boilerplate, {} credits removed",
        r.confusables_folded, r.spam_removed, r.boilerplate_removed, r.credits_removed
    );
    let _ = writeln!(o, "   entities:");
    for e in &ex.entities {
        let n = ex
            .mentions
            .iter()
            .filter(|m| ex.entities[m.entity].key == e.key)
            .count();
        let _ = writeln!(
            o,
            "     {:<12} {:<34} {:<10} {} mention(s) {}{}",
            format!("{:?}", e.kind),
            e.name,
            e.subtype,
            n,
            e.names.join(" | "),
            e.wikidata
                .as_ref()
                .map(|q| format!(" [{q}]"))
                .unwrap_or_default()
        );
    }
    if !ex.roles.is_empty() {
        let _ = writeln!(o, "   roles:");
        for r in &ex.roles {
            let _ = writeln!(
                o,
                "     {} -- {} ({}){}{}",
                name(r.person),
                r.title,
                r.kind,
                r.organization
                    .map(|x| format!(" of {}", name(x)))
                    .unwrap_or_default(),
                r.posted_to
                    .map(|x| format!(", posted to {}", name(x)))
                    .unwrap_or_default()
            );
        }
    }
    let _ = writeln!(o, "   events:");
    for e in &ex.events {
        let _ = writeln!(
            o,
            "     [{}] {} {:?} ({}) s{}{}: {}{}{}",
            e.status.as_str(),
            e.event_type,
            e.trigger,
            e.cameo.clone().unwrap_or_default(),
            e.sentence,
            if e.support.is_empty() {
                String::new()
            } else {
                format!("+{:?}", e.support)
            },
            e.participants
                .iter()
                .map(|&p| name(p))
                .collect::<Vec<_>>()
                .join(", "),
            e.place
                .map(|p| format!(" @ {}", name(p)))
                .unwrap_or_default(),
            e.date
                .as_ref()
                .map(|d| format!(" on {}", d.lexical()))
                .unwrap_or_default()
        );
    }
    if !ex.claims.is_empty() {
        let _ = writeln!(o, "   claims:");
        for c in &ex.claims {
            let t: String = c.text.chars().take(90).collect();
            let _ = writeln!(o, "     {} {}: {t}", name(c.speaker), c.verb);
        }
    }
    o
}
