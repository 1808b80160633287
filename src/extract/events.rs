//! Events and claims: meetings, talks, visits, calls (and other trigger events) with their
//! participants, place, date and status; who said what.
//!
//! A trigger from the lexicon opens an event. Its status comes from cue words in the same
//! clause (planned, cancelled, denied, negated, hypothetical; else held). Participants are the
//! entities in subject position before a verb trigger, the objects after it ("met with B",
//! "talks between A and B"), the subject of a support verb before a noun trigger ("held
//! talks"), the main-clause subject after a fronted "After meetings with ..." phrase, and the
//! named heads of delegations. Speakers who only report ("X said", "according to X") and
//! spokespeople are not participants. Place: a place after "in"/"at" in the clause, a city
//! preferred over a country; date: a time expression in the sentence, else the article anchor.
//! No I/O.

use super::entities::SentMention;
use super::{Claim, Event, Extraction, OffsetMapper, Segmented, Status};
use crate::dates::{self, ResolvedDate, Tense};
use crate::lexicon::{CueKind, Kind, Lexicon};
use crate::segment::{Sentence, TokenKind};
use jiff::civil::Date;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// The dateline of a wire story: place and date it was filed.
#[derive(Debug, Clone)]
pub struct Dateline {
    /// The dateline city as a lexicon entity, when the lexicon knows it.
    pub place: Option<usize>,
    /// The city as written and its byte span in the clean text.
    pub city: Option<(String, usize, usize)>,
    pub date: Option<ResolvedDate>,
    pub sentence: usize,
}

static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    // CITY[, Region][, Month Day][, Year] [(Agency)] -     or     Month Day [(Agency)] -
    Regex::new(
        r"^(?:(?P<city>[A-Z][A-Za-z.'\-]+(?: [A-Z][A-Za-z.'\-]+){0,3})(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)?)?,?\s+)??(?P<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2})?(?:,? \d{4})?\s*(?:\([A-Za-z][A-Za-z .&'-]{0,40}\)\s*)?-\s",
    )
    .expect("valid dateline regex")
});

/// Finds a dateline at the start of one of the first three sentences.
pub fn dateline(
    text: &str,
    sentences: &[Sentence],
    published: Option<Date>,
    lex: &Lexicon,
) -> Option<Dateline> {
    for s in sentences.iter().take(3) {
        let st = &text[s.span.start..s.span.end];
        let Some(c) = DATELINE.captures(st) else {
            continue;
        };
        if c.name("city").is_none() && c.name("date").is_none() {
            continue;
        }
        let place = c.name("city").and_then(|m| {
            let name = m.as_str().trim();
            lex.surfaces.get(name).and_then(|forms| {
                forms
                    .iter()
                    .find(|f| lex.entities[f.entity].kind == Kind::Place)
                    .map(|f| f.entity)
            })
        });
        if c.name("city").is_some() && place.is_none() && c.name("date").is_none() {
            continue;
        }
        let date = c.name("date").and_then(|m| {
            dates::find_time_exprs(m.as_str(), published, Tense::Past)
                .into_iter()
                .find_map(|e| e.resolved)
        });
        let city = c.name("city").map(|m| {
            let t = m.as_str().trim_end();
            (
                t.to_string(),
                s.span.start + m.start(),
                s.span.start + m.start() + t.len(),
            )
        });
        return Some(Dateline {
            place,
            city,
            date,
            sentence: s.index,
        });
    }
    None
}

pub struct EventsOut {
    pub events: Vec<Event>,
    pub claims: Vec<Claim>,
}

/// Group nouns that make a demonym an actor: "Russian diplomats", "the U.S. delegation".
const GROUP_NOUNS: &[&str] = &[
    "diplomats",
    "officials",
    "delegation",
    "delegations",
    "negotiators",
    "envoys",
    "leaders",
    "ministers",
    "side",
    "sides",
    "team",
    "teams",
    "counterparts",
    "representatives",
    "authorities",
    "government",
    "governments",
    "presence",
    "officers",
    "chiefs",
    "interlocutors",
    "experts",
    "lawmakers",
    "generals",
];

/// Verbs that make the subject a participant of a noun trigger: "held talks", "attended a meeting".
const SUPPORT_VERBS: &[&str] = &[
    "held",
    "hold",
    "holds",
    "holding",
    "had",
    "have",
    "has",
    "attended",
    "attend",
    "attends",
    "concluded",
    "conclude",
    "began",
    "begin",
    "opened",
    "open",
    "joined",
    "chaired",
    "hosted",
    "host",
    "hosts",
    "wrapped",
    "ended",
    "continued",
    "resumed",
    "resume",
    "completed",
    "started",
    "made",
    "paid",
    "conducted",
];

/// Objects that turn "meet" into a non-meeting ("meet expectations", "meeting the target").
const FALSE_OBJECTS: &[&str] = &[
    "expectations",
    "expectation",
    "target",
    "targets",
    "demand",
    "demands",
    "needs",
    "need",
    "requirements",
    "requirement",
    "criteria",
    "deadline",
    "deadlines",
    "standards",
    "standard",
    "goals",
    "goal",
    "obligations",
    "obligation",
    "costs",
    "cost",
    "forecasts",
    "forecast",
    "estimates",
    "conditions",
    "threshold",
    "quota",
    "quotas",
    "payments",
    "commitments",
];

const PRONOUNS_SUBJ: &[&str] = &["he", "she"];

fn is_break(w: &str) -> bool {
    matches!(w, ";" | ":")
}

struct Sent<'a> {
    text: &'a str,
    s: &'a Sentence,
    /// First token after a dateline ("GENEVA, March 4 (Agency) -"), 0 when there is none.
    body_start: usize,
    /// The sentence is a headline (capitals or title case).
    headline: bool,
    norms: &'a [String],
    cover: Vec<Option<usize>>,
    ms: &'a [SentMention],
    /// The longest cue starting at each token (the status and reporting scans read the same
    /// tokens once per trigger, so each lookup is done once per sentence).
    cues: Vec<Option<(usize, &'a CueKind)>>,
    /// The length of the longest title starting at each token.
    titles: Vec<Option<usize>>,
}

impl<'a> Sent<'a> {
    /// The longest cue starting at token `i`: (number of tokens, kind).
    fn cue(&self, i: usize) -> Option<(usize, &'a CueKind)> {
        self.cues.get(i).copied().flatten()
    }
    /// The number of tokens of the longest title starting at token `i`.
    fn title_len(&self, i: usize) -> Option<usize> {
        self.titles.get(i).copied().flatten()
    }
    fn n(&self, i: usize) -> &str {
        self.norms.get(i).map(|s| s.as_str()).unwrap_or("")
    }
    fn len(&self) -> usize {
        self.s.tokens.len()
    }
    fn cap(&self, i: usize) -> bool {
        self.s.tokens.get(i).is_some_and(|t| t.cap)
    }
}

/// A reporting frame: who reports, and which tokens belong to the frame.
struct Frame {
    speaker: Option<usize>,
    speaker_mention: Option<usize>,
    verb_tok: usize,
    verb: String,
}

fn frames(st: &Sent) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < st.len() {
        let Some((len, kind)) = st.cue(i) else {
            i += 1;
            continue;
        };
        if *kind != CueKind::Reporting && *kind != CueKind::Denial {
            i += len;
            continue;
        }
        let verb: String = (i..i + len).map(|k| st.n(k)).collect::<Vec<_>>().join(" ");
        // Speaker: "according to X" / "said X" → after; "X said" → before (nearest, skipping
        // titles and appositions up to a comma).
        let mut speaker_mention = None;
        let after = st.ms.iter().position(|m| {
            m.tok_start >= i + len
                && m.tok_start <= i + len + 2
                && matches!(m.kind, Kind::Person | Kind::Organization)
                && m.affiliation_of.is_none()
        });
        let before = st
            .ms
            .iter()
            .enumerate()
            .rev()
            .find(|(_, m)| {
                m.tok_end <= i
                    && m.tok_end + 8 >= i
                    && matches!(m.kind, Kind::Person | Kind::Organization)
                    && m.affiliation_of.is_none()
            })
            .map(|(k, _)| k);
        if verb.starts_with("according") || verb == "cited" || verb == "quoted" {
            speaker_mention = after;
        } else if let Some(b) = before {
            // Only when no other verb stands between the speaker and the cue.
            // The speaker stands right before the verb: only an apposition (commas, a title,
            // determiners) or an adverb may come between ("Lavrov, the foreign minister,
            // said"), not another phrase ("... in Oslo, the foreign ministry said").
            let gap_ok = (st.ms[b].tok_end..i).all(|k| {
                let w = st.n(k);
                matches!(
                    w,
                    "," | "the"
                        | "a"
                        | "an"
                        | "also"
                        | "later"
                        | "earlier"
                        | "again"
                        | "has"
                        | "had"
                        | "have"
                        | "recently"
                        | "then"
                        | "who"
                        | "was"
                        | "is"
                        | "who's"
                ) || st.title_len(k).is_some()
                    || (k > 0 && st.title_len(k - 1).is_some())
                    || st.cover[k].is_some()
            });
            if gap_ok {
                speaker_mention = Some(b);
            }
        }
        if speaker_mention.is_none() && (i > 0 && st.n(i - 1) == ",") {
            speaker_mention = after;
        }
        if speaker_mention.is_none() && i > 0 && PRONOUNS_SUBJ.contains(&st.n(i - 1)) {
            // "he said": the speaker is resolved by the caller from the previous subject.
        }
        out.push(Frame {
            speaker: speaker_mention.map(|m| st.ms[m].entity),
            speaker_mention,
            verb_tok: i,
            verb,
        });
        i += len;
    }
    out
}

/// Whether a cue on tokens `k..k + len` ends at most `gap` tokens before token `t0`. A cue that
/// starts before `t0` but runs into or past it does not (found by fuzzing: the plain
/// subtraction underflowed there).
fn ends_within(k: usize, len: usize, t0: usize, gap: usize) -> bool {
    t0.checked_sub(k + len).is_some_and(|d| d <= gap)
}

/// Status of a trigger from cues in its clause.
fn status(st: &Sent, t0: usize, t1: usize, verb: bool) -> Status {
    let lo = clause_start(st, t0);
    let hi = clause_end(st, t1);
    let mut planned = false;
    let mut cancelled = false;
    let mut negated = false;
    let mut denied = false;
    let mut hypothetical = false;
    // A denial anywhere before the trigger governs it ("X denied on Thursday that any such
    // meeting had taken place").
    if has_cue(st, st.body_start, t0, CueKind::Denial) {
        denied = true;
    }
    let mut k = lo;
    while k < hi {
        if k >= t0 && k < t1 {
            k += 1;
            continue;
        }
        let Some((len, kind)) = st.cue(k) else {
            k += 1;
            continue;
        };
        let near_before = k < t0 && ends_within(k, len, t0, 4);
        let after = k >= t1;
        match kind {
            CueKind::Cancelled => cancelled = true,
            CueKind::Planned if near_before || (after && k - t1 <= 1) => planned = true,
            // "talks with X later this month", "a visit next week": a time to come, anywhere
            // in the clause.
            CueKind::Planned
                if after
                    && matches!(
                        st.n(k),
                        "later" | "next" | "upcoming" | "coming" | "tomorrow"
                    ) =>
            {
                planned = true
            }
            // After a noun ("the meeting did not take place") a negation must deny that it
            // happened; "the meeting should not be seen as a sign" does not.
            CueKind::Negation
                if near_before
                    || (after
                        && k - t1 <= 2
                        && (verb
                            || (k + len..(k + len + 3).min(hi)).any(|j| {
                                matches!(
                                    st.n(j),
                                    "take"
                                        | "took"
                                        | "taken"
                                        | "happen"
                                        | "happened"
                                        | "occur"
                                        | "occurred"
                                        | "held"
                                        | "place"
                                        | "go"
                                        | "went"
                                )
                            }))) =>
            {
                negated = true
            }
            CueKind::Denial => denied = true,
            CueKind::Hypothetical if near_before => hypothetical = true,
            _ => {}
        }
        k += len;
    }
    // "to meet" (infinitive) is a plan or wish ("plans to meet", "agreed to meet"), except as
    // the purpose of a trip or presence told in the past ("was in Oslo to meet with").
    if verb && t0 > 0 && st.n(t0 - 1) == "to" && !matches!(st.n(t0), "met") {
        let purpose = (lo..t0 - 1).any(|j| {
            matches!(
                st.n(j),
                "was"
                    | "were"
                    | "travelled"
                    | "traveled"
                    | "flew"
                    | "arrived"
                    | "went"
                    | "came"
                    | "visited"
                    | "stopped"
                    | "returned"
            )
        });
        if !purpose {
            planned = true;
        }
    }
    // "will hold talks with A and meet B" / "will ... attend a meeting": a modal earlier in the
    // clause governs a bare verb (the trigger, or the support verb of a noun trigger).
    let bare_at = if verb {
        Some(t0)
    } else {
        (lo..t0)
            .rev()
            .take(4)
            .find(|&j| SUPPORT_VERBS.contains(&st.n(j)))
    };
    if let Some(b) = bare_at.filter(|&b| !planned && base_form(st.n(b)))
        && has_cue(st, lo, b, CueKind::Planned)
    {
        planned = true;
    }
    if cancelled {
        Status::Cancelled
    } else if denied {
        Status::Denied
    } else if negated {
        Status::Negated
    } else if planned {
        Status::Planned
    } else if hypothetical {
        Status::Hypothetical
    } else {
        Status::Held
    }
}

/// Status from the cues before a verb only (for "X told Y that ...", where what follows the
/// addressee is the content of the telling, not its status).
fn status_before(st: &Sent, t0: usize) -> Status {
    let lo = clause_start(st, t0);
    let mut k = lo;
    let mut out = Status::Held;
    while k < t0 {
        match st.cue(k) {
            Some((len, kind)) => {
                let near = ends_within(k, len, t0, 4);
                out = match kind {
                    CueKind::Cancelled => Status::Cancelled,
                    CueKind::Denial => Status::Denied,
                    CueKind::Negation if near => Status::Negated,
                    CueKind::Planned if near => Status::Planned,
                    CueKind::Hypothetical if near => Status::Hypothetical,
                    _ => out,
                };
                k += len;
            }
            None => k += 1,
        }
    }
    out
}

/// Whether a cue of `kind` starts among tokens `from..to` (cues read left to right, longest
/// first, as everywhere else).
fn has_cue(st: &Sent, from: usize, to: usize, kind: CueKind) -> bool {
    let mut k = from;
    while k < to {
        match st.cue(k) {
            Some((_, found)) if *found == kind => return true,
            Some((len, _)) => k += len,
            None => k += 1,
        }
    }
    false
}

/// A verb in its bare form ("meet", "hold", "visit"), not past or third person.
fn base_form(w: &str) -> bool {
    !(w.ends_with("ed")
        || w.ends_with('s')
        || w.ends_with("ing")
        || matches!(
            w,
            "met"
                | "held"
                | "spoke"
                | "sat"
                | "shook"
                | "made"
                | "paid"
                | "flew"
                | "went"
                | "came"
                | "took"
                | "had"
                | "led"
                | "received"
        ))
}

fn clause_start(st: &Sent, t: usize) -> usize {
    let mut k = t;
    while k > st.body_start {
        let w = st.n(k - 1);
        if is_break(w)
            || w == "that"
            || (w == "," && matches!(st.n(k), "while" | "but" | "whereas" | "although"))
            // A subordinate clause inside the sentence ("... since Russia invaded ...").
            || (k - 1 > st.body_start
                && matches!(
                    w,
                    "since" | "because" | "when" | "until" | "where" | "which" | "who" | "unless"
                ))
        {
            return k;
        }
        k -= 1;
    }
    // "Before meeting with A, B paid a call on C": the main clause starts after the comma that
    // closes a fronted phrase.
    let b = st.body_start;
    if matches!(
        st.n(b),
        "after" | "before" | "during" | "following" | "at" | "when" | "while" | "as"
    ) && let Some(c) = (b..t).rev().find(|&x| st.n(x) == ",")
    {
        return c + 1;
    }
    b.min(t)
}

fn clause_end(st: &Sent, t: usize) -> usize {
    let mut k = t;
    while k < st.len() {
        let w = st.n(k);
        // A purpose infinitive ("... to try to head off tariffs set for April 17") is a
        // clause of its own: its dates and places are not the event's.
        let infinitive = w == "to"
            && k > t
            && st
                .s
                .tokens
                .get(k + 1)
                .is_some_and(|x| x.kind == TokenKind::Word && !x.cap)
            && !matches!(
                st.n(k + 1),
                "the"
                    | "a"
                    | "an"
                    | "his"
                    | "her"
                    | "their"
                    | "its"
                    | "be"
                    | "meet"
                    | "hold"
                    | "visit"
                    | "discuss"
                    | "talk"
                    | "host"
            );
        if is_break(w)
            || infinitive
            || (w == ","
                && matches!(
                    st.n(k + 1),
                    "while" | "but" | "whereas" | "although" | "saying" | "which" | "who"
                ))
        {
            return k;
        }
        k += 1;
    }
    st.len()
}

/// Mentions (indices) that can act: persons, organisations, countries, demonyms with a group noun.
fn actor(st: &Sent, ex: &Extraction, m: usize) -> Option<usize> {
    let sm = &st.ms[m];
    if sm.affiliation_of.is_some() {
        return None;
    }
    let e = &ex.entities[sm.entity];
    match sm.kind {
        Kind::Person | Kind::Organization => Some(sm.entity),
        Kind::Place => {
            // A place after "in"/"at"/"to"/"from" is a location, not an actor.
            let prev = if sm.tok_start > 0 {
                st.n(sm.tok_start - 1)
            } else {
                ""
            };
            // "delegations from Russia and the US": a country after "from"/"of" that follows a
            // group noun stands for that group.
            let before_prev = if sm.tok_start > 1 {
                st.n(sm.tok_start - 2)
            } else {
                ""
            };
            let group_of = matches!(prev, "from" | "of") && GROUP_NOUNS.contains(&before_prev);
            let listed_group_of = prev == "the"
                && sm.tok_start > 3
                && st.n(sm.tok_start - 2) == "and"
                && (0..sm.tok_start.saturating_sub(2)).rev().take(6).any(|j| {
                    matches!(st.n(j), "from" | "of") && j > 0 && GROUP_NOUNS.contains(&st.n(j - 1))
                });
            if !(group_of || listed_group_of)
                && matches!(
                    prev,
                    "in" | "at" | "to" | "from" | "near" | "outside" | "into" | "across"
                )
            {
                return None;
            }
            if sm.demonym {
                // Demonym actors need a group noun soon after ("Russian and U.S. diplomats").
                let ok = (sm.tok_end..(sm.tok_end + 5).min(st.len()))
                    .any(|k| GROUP_NOUNS.contains(&st.n(k)));
                return ok.then_some(sm.entity);
            }
            if e.subtype == "Country" {
                return Some(sm.entity);
            }
            // A capital acting is its country's government (metonymy).
            e.country.filter(|_| e.subtype == "City")
        }
    }
}

/// Finds the events and claims of an article.
#[allow(clippy::too_many_arguments)]
pub fn find(
    seg: &Segmented,
    lex: &Lexicon,
    ctxs: &[crate::extract::mentions::Ctx],
    sentence_mentions: &[Vec<SentMention>],
    ex: &mut Extraction,
    anchor: Option<&ResolvedDate>,
    dateline: Option<&Dateline>,
    mapper: &OffsetMapper,
) -> EventsOut {
    let text = &seg.norm.text;
    let mut events: Vec<Event> = Vec::new();
    let mut claims: Vec<Claim> = Vec::new();
    let mut heads: Vec<(usize, Option<usize>, usize)> = Vec::new();
    let mut last_subject: Option<usize> = None;
    // Persons in order of their last mention, for "the two".
    let mut recent_persons: Vec<usize> = Vec::new();
    let mut recent_countries: Vec<usize> = Vec::new();
    let mut not_discussed: Vec<String> = Vec::new();
    let mut spokespeople: BTreeSet<usize> = BTreeSet::new();
    for r in &ex.roles {
        if matches!(r.kind.as_str(), "spokesperson" | "media") {
            spokespeople.insert(r.person);
        }
    }
    for (si, s) in seg.sentences.iter().enumerate() {
        let ms = &sentence_mentions[si];
        // The sentence's normalised words and headline test, computed once per article.
        let ctx = &ctxs[si];
        let headline = ctx.all_caps;
        let norms = &ctx.norms[..];
        let mut cover = vec![None; s.tokens.len()];
        for (k, m) in ms.iter().enumerate() {
            for c in cover.iter_mut().take(m.tok_end).skip(m.tok_start) {
                *c = Some(k);
            }
        }
        let stext_full = &text[s.span.start..s.span.end];
        let body_start = DATELINE
            .find(stext_full)
            .map(|m| {
                s.tokens
                    .iter()
                    .position(|t| t.span.start >= s.span.start + m.end())
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        let cues = (0..norms.len())
            .map(|k| lex.cues.longest_at_norm(norms, k))
            .collect();
        let titles = (0..norms.len())
            .map(|k| lex.titles.longest_at_norm(norms, k).map(|(l, _)| l))
            .collect();
        let st = Sent {
            text,
            s,
            body_start,
            headline,
            norms,
            cover,
            ms,
            cues,
            titles,
        };
        let fr = frames(&st);
        let reporters: BTreeSet<usize> = fr.iter().filter_map(|f| f.speaker).collect();
        // "X was not discussed": a topic recorded as not discussed.
        for k in 0..st.len() {
            if st.n(k) == "discussed" && k >= 2 && matches!(st.n(k - 1), "not") {
                let lo = clause_start(&st, k);
                let from = st.s.tokens[lo].span.start;
                let to = st.s.tokens[k - 2].span.end;
                if to > from {
                    not_discussed.push(text[from..to].trim_matches(['"', ' ']).to_string());
                }
            }
        }
        // Delegation heads: "delegation was led by X", "X headed the US presence".
        find_heads(&st, ex, &mut heads, si);
        // Triggers.
        let mut prev_verb: Option<usize> = None;
        let mut k = 0;
        while k < st.len() {
            let found = lex
                .triggers
                .longest_at_norm(st.norms, k)
                .map(|(l, i)| (l, i.clone()));
            // "spoke with X by telephone": a call whose trigger is split around its object.
            let found = found.or_else(|| {
                let w = st.n(k);
                if !matches!(
                    w,
                    "spoke" | "talked" | "conferred" | "spoken" | "speaking" | "talking"
                ) {
                    return None;
                }
                let end = clause_end(&st, k + 1).min(k + 9);
                let by_phone = (k + 1..end).any(|x| {
                    (matches!(st.n(x), "by" | "over" | "on")
                        && matches!(st.n(x + 1), "phone" | "telephone" | "video" | "videolink"))
                        || (matches!(st.n(x), "over" | "on")
                            && st.n(x + 1) == "the"
                            && matches!(st.n(x + 2), "phone" | "telephone"))
                });
                by_phone.then(|| {
                    (
                        1,
                        crate::lexicon::TriggerInfo {
                            trigger: w.to_string(),
                            verb: true,
                            event_type: "PhoneCall".into(),
                            cameo: Some("041".into()),
                        },
                    )
                })
            });
            // Last resort, a typo of a long verb trigger ("visted"), in lowercase running text.
            let found = found.or_else(|| {
                let w = st.n(k);
                if st.cap(k) || lex.non_names.contains(w) {
                    return None;
                }
                lex.trigger_typos.get(w).map(|i| (1, i.clone()))
            });
            let Some((len, info)) = found else {
                k += 1;
                continue;
            };
            let (t0, t1) = (k, k + len);
            k += len;
            // "met in Oslo to discuss ...": the purpose of an event already found in this
            // clause, not an event of its own.
            if t0 > 0 && st.n(t0 - 1) == "to" {
                let here = mapper
                    .map(s.tokens[t0].span.start, s.tokens[t0].span.end)
                    .start;
                let lo = clause_start(&st, t0);
                let clause_from = mapper
                    .map(s.tokens[lo].span.start, s.tokens[lo].span.end)
                    .start;
                if events.iter().any(|e| {
                    e.sentence == si
                        && e.trigger_offsets.start < here
                        && e.trigger_offsets.start >= clause_from
                }) {
                    continue;
                }
            }
            // "its hosts", "the visits", "a call": a verb form after a determiner is a noun.
            if info.verb
                && t0 > 0
                && matches!(
                    st.n(t0 - 1),
                    "its" | "the" | "a" | "an" | "their" | "his" | "her" | "our"
                )
            {
                continue;
            }
            // "signed up for", "signed on": joining, not signing an agreement.
            if info.event_type == "Signing" && matches!(st.n(t1), "up" | "on" | "off") {
                continue;
            }
            // Inside a name ("Meet the Press") or a capitalised title: not a trigger.
            if st.cover[t0].is_some() || (t0 > 0 && st.cap(t0) && !st.headline) {
                continue;
            }
            if info.verb && (t1..(t1 + 3).min(st.len())).any(|j| FALSE_OBJECTS.contains(&st.n(j))) {
                continue;
            }
            let mut ev_status = status(&st, t0, t1, info.verb);
            let lo = clause_start(&st, t0);
            let hi = clause_end(&st, t1);
            let mut participants: Vec<usize> = Vec::new();
            let push = |p: &mut Vec<usize>, e: usize| {
                if !p.contains(&e) {
                    p.push(e);
                }
            };
            // "A met B ... and later spoke with C": a coordinated verb shares the first verb's
            // subject, not its objects.
            let subj_end = if info.verb {
                prev_verb
                    .filter(|&p| p >= lo && p < t0 && (p..t0).any(|x| st.n(x) == "and"))
                    .unwrap_or(t0)
            } else {
                t0
            };
            if info.verb {
                prev_verb = Some(t0);
            }
            // Subjects before the trigger (verb triggers, or noun triggers with a support verb).
            let support = !info.verb
                && (lo..t0)
                    .rev()
                    .take(4)
                    .any(|j| SUPPORT_VERBS.contains(&st.n(j)));
            // "Russia's talks with ...": a possessive counts only when its owner is an entity.
            let possessive = !info.verb
                && t0 >= 2
                && matches!(st.n(t0 - 1), "'s" | "s")
                && st.cover[t0 - 2].is_some();
            let fronted = !info.verb
                && lo == st.body_start
                && matches!(st.n(lo), "after" | "following" | "during" | "at" | "before");
            // "A and B agreed ... after talks at ...": the subjects of the clause took part.
            // "... flew in from Tokyo for the talks": after a verb of travel, "for" works the same.
            let travel = (lo..t0).any(|j| {
                matches!(
                    st.n(j),
                    "flew"
                        | "arrived"
                        | "came"
                        | "travelled"
                        | "traveled"
                        | "went"
                        | "returned"
                        | "headed"
                        | "arrives"
                        | "flies"
                )
            });
            let pp_word =
                |w: &str| matches!(w, "after" | "following" | "during") || (travel && w == "for");
            let owned = (t0.saturating_sub(3)..t0)
                .any(|j| matches!(st.n(j), "his" | "her" | "its" | "their"));
            let after_pp = !info.verb
                && !fronted
                && !owned
                && !possessive
                && (t0.saturating_sub(4)..t0)
                    .rev()
                    .find(|&j| pp_word(st.n(j)))
                    .is_some_and(|p| (p..t0).all(|j| st.cover[j].is_none()));
            if after_pp {
                let pp = (t0.saturating_sub(4)..t0)
                    .rev()
                    .find(|&j| pp_word(st.n(j)))
                    .unwrap_or(t0);
                // The event shares the status of the clause it hangs from ("will meet X
                // during the visit" is a plan).
                if ev_status == Status::Held {
                    let clause_status = status_before(&st, pp);
                    let planned_verb = has_cue(&st, lo, pp, CueKind::Planned);
                    ev_status = if planned_verb {
                        Status::Planned
                    } else {
                        clause_status
                    };
                }
                for (mi, m) in st.ms.iter().enumerate() {
                    if m.tok_start >= lo
                        && m.tok_end <= pp
                        && !fr.iter().any(|f| f.speaker_mention == Some(mi))
                        && let Some(e) = actor(&st, ex, mi)
                    {
                        push(&mut participants, e);
                    }
                }
            }
            // "their first summit": the persons named before it in the sentence.
            if !info.verb && (t0.saturating_sub(3)..t0).any(|j| st.n(j) == "their") {
                let their = (t0.saturating_sub(3)..t0)
                    .find(|&j| st.n(j) == "their")
                    .unwrap_or(t0);
                let named: Vec<usize> = st
                    .ms
                    .iter()
                    .enumerate()
                    .filter(|(mi, m)| {
                        m.tok_end <= their
                            && m.kind == Kind::Person
                            && m.affiliation_of.is_none()
                            && !fr.iter().any(|f| f.speaker_mention == Some(*mi))
                    })
                    .map(|(_, m)| m.entity)
                    .collect();
                if named.len() >= 2 {
                    for e in named {
                        push(&mut participants, e);
                    }
                }
            }
            let mut fronted_subject: Option<usize> = None;
            // "his meeting with X": the owner took part.
            if !info.verb
                && t0 > 0
                && matches!(st.n(t0 - 1), "his" | "her")
                && let Some(owner) = fr
                    .iter()
                    .find(|f| f.verb_tok < t0)
                    .and_then(|f| f.speaker)
                    .or(last_subject)
            {
                push(&mut participants, owner);
            }
            // "councillors who back Mr Flight met Mr Tanguay": a relative clause between subject
            // and verb holds no subject; "X, whom he said spoke ...": the antecedent is.
            let mut lo = lo;
            let mut subj_end = subj_end;
            if lo > st.body_start && matches!(st.n(lo - 1), "who" | "whom" | "which") && info.verb {
                let rel = lo - 1;
                let head_lo = clause_start(&st, rel);
                if t0 == lo {
                    // "X, who met Y": the antecedent right before "who".
                    if let Some(a) = st
                        .ms
                        .iter()
                        .enumerate()
                        .rev()
                        .find(|(_, m)| {
                            m.tok_end <= rel && m.tok_end + 2 >= rel && m.affiliation_of.is_none()
                        })
                        .map(|(mi, _)| mi)
                        && let Some(e) = actor(&st, ex, a)
                    {
                        push(&mut participants, e);
                    }
                } else {
                    // The relative clause ends before the verb: the subject is the head phrase.
                    lo = head_lo;
                    subj_end = rel;
                }
            }
            // "They told Reuters the two discussed ...": the subject comes after the reporting
            // verb and its addressee.
            let mut lo_subj = lo;
            for f in fr.iter().filter(|f| f.verb_tok >= lo && f.verb_tok < t0) {
                let mut n = f.verb_tok + 1;
                if let Some(m) = st
                    .ms
                    .iter()
                    .find(|m| m.tok_start == n || (m.tok_start == n + 1 && st.n(n) == "the"))
                {
                    n = m.tok_end;
                }
                if n < t0 {
                    lo_subj = lo_subj.max(n);
                }
            }
            // "the two", "both men": the last two persons named.
            let pair_ref = (lo_subj..t0).any(|j| {
                (st.n(j) == "the" && st.n(j + 1) == "two")
                    || (st.n(j) == "both"
                        && matches!(st.n(j + 1), "men" | "women" | "leaders" | "ministers"))
            });
            if pair_ref && (info.verb || support) && recent_persons.len() >= 2 {
                let n = recent_persons.len();
                push(&mut participants, recent_persons[n - 2]);
                push(&mut participants, recent_persons[n - 1]);
            }
            // "a meeting of foreign ministers of both countries": the last two countries named.
            let countries_ref = (lo..hi.min(t1 + 8)).any(|j| {
                matches!(st.n(j), "both" | "two")
                    && matches!(
                        st.n(j + 1),
                        "countries" | "nations" | "governments" | "states"
                    )
            });
            if countries_ref && recent_countries.len() >= 2 {
                let n = recent_countries.len();
                push(&mut participants, recent_countries[n - 2]);
                push(&mut participants, recent_countries[n - 1]);
            }
            if possessive
                && !info.verb
                && !support
                && let Some(mi) = st.cover[t0 - 2]
                && let Some(e) = actor(&st, ex, mi)
            {
                // "Thatcher's visit": the possessor, not everyone named before it.
                push(&mut participants, e);
            }
            if info.verb || support {
                for (mi, m) in st.ms.iter().enumerate() {
                    if m.tok_end <= subj_end && m.tok_start >= lo_subj {
                        // Skip speakers of a frame that encloses the trigger ("X said A met B").
                        if fr
                            .iter()
                            .any(|f| f.speaker_mention == Some(mi) && f.verb_tok < t0)
                        {
                            continue;
                        }
                        if let Some(e) = actor(&st, ex, mi) {
                            push(&mut participants, e);
                        }
                    }
                }
                if participants.is_empty() && t0 > 0 {
                    // "he met ...": the speaker of this sentence, else the last subject.
                    let pron = (lo..t0).any(|j| PRONOUNS_SUBJ.contains(&st.n(j)));
                    if pron {
                        // The speaker of this sentence, else the last person named before the
                        // pronoun in this sentence, else the last subject of the text.
                        let earlier = st
                            .ms
                            .iter()
                            .rev()
                            .find(|m| {
                                m.tok_end <= lo
                                    && m.kind == Kind::Person
                                    && m.affiliation_of.is_none()
                            })
                            .map(|m| m.entity);
                        if let Some(sp) =
                            fr.iter().find(|f| f.verb_tok < t0).and_then(|f| f.speaker)
                        {
                            push(&mut participants, sp);
                        } else if let Some(p) = earlier.or(last_subject) {
                            push(&mut participants, p);
                        }
                    }
                }
            }
            // Objects after the trigger: "met (with) B", "talks between A and B", "with A, B and C".
            let mut j = t1;
            // "the meeting was between A and B": a copula before the preposition.
            if !info.verb
                && matches!(st.n(j), "was" | "were" | "is" | "are")
                && matches!(st.n(j + 1), "with" | "between" | "among")
            {
                j += 1;
            }
            // "met for an hour with B": look past a short adverbial to the preposition.
            if info.verb
                && !matches!(st.n(j), "with" | "between")
                && let Some(w) = (j..(j + 8).min(hi)).find(|&x| st.n(x) == "with")
                && (j..w).all(|x| st.cover[x].is_none() && !matches!(st.n(x), "," | "and" | "to"))
            {
                j = w;
            }
            let call_on = info.trigger.contains("call") && st.n(j) == "on";
            // Triggers that end in their preposition ("talks with", "meeting with") open the
            // object list themselves.
            let ends_in_prep = t1 > t0 && matches!(st.n(t1 - 1), "with" | "between" | "among");
            let obj_intro = ends_in_prep
                || call_on
                || matches!(st.n(j), "with" | "between" | "of" | "among" | "by");
            let mut obj_end = t1;
            // After a fronted phrase, the comma that opens the main clause: the first one
            // followed by a person (or he/she) and then a verb, not by more of a list.
            let fronted_comma = if fronted {
                (t1..st.len()).filter(|&c| st.n(c) == ",").find(|&c| {
                    if PRONOUNS_SUBJ.contains(&st.n(c + 1)) {
                        return true;
                    }
                    st.ms
                        .iter()
                        .find(|m| m.tok_start > c && m.tok_start <= c + 3 && m.kind == Kind::Person)
                        .is_some_and(|m| {
                            st.s.tokens.get(m.tok_end).is_some_and(|t| {
                                t.kind == TokenKind::Word
                                    && !t.cap
                                    && !matches!(st.n(m.tok_end), "and" | "or")
                            })
                        })
                })
            } else {
                None
            };
            if info.verb || obj_intro {
                if obj_intro && !ends_in_prep {
                    j += 1;
                }
                let mut guard = 0;
                while j < fronted_comma.unwrap_or(hi).min(hi) && guard < 40 {
                    guard += 1;
                    if let Some(mi) = st.cover[j] {
                        let m = &st.ms[mi];
                        // "welcomed Tony Blair's courage": a possessor is not the object.
                        let possessor = st.n(m.tok_end) == "'s";
                        if !possessor && let Some(e) = actor(&st, ex, mi) {
                            push(&mut participants, e);
                        }
                        j = m.tok_end;
                        continue;
                    }
                    let w = st.n(j);
                    if let Some(tl) = st.title_len(j) {
                        j += tl;
                        continue;
                    }
                    let title_soon = (j..(j + 3).min(st.len())).any(|x| st.title_len(x).is_some());
                    let skip = matches!(
                        w,
                        "and"
                            | ","
                            | "the"
                            | "with"
                            | "his"
                            | "her"
                            | "their"
                            | "its"
                            | "a"
                            | "an"
                            | "'s"
                            | "s"
                            | "both"
                            | "counterpart"
                            | "counterparts"
                            | "officials"
                            | "delegation"
                            | "delegations"
                            | "representatives"
                            | "leaders"
                            | "-"
                            | "former"
                            | "new"
                            | "then"
                            | "of"
                            | "from"
                            | "heads"
                            | "head"
                            | "members"
                            | "department"
                            | "departments"
                            | "senior"
                            | "top"
                            | "("
                            | ")"
                    ) || st.s.tokens[j].cap
                        || title_soon
                        || GROUP_NOUNS.contains(&w)
                        || crate::extract::mentions::ORG_HEADS.contains(&w)
                        || crate::extract::mentions::LOWER_MODS.contains(&w);
                    if !skip {
                        break;
                    }
                    j += 1;
                }
                obj_end = j;
            }
            // "a conference ... hosted by X": the host took part.
            if !info.verb {
                let end = (t1..hi).find(|&j| st.n(j) == ",").unwrap_or(hi);
                if let Some(by) = (t1..end).find(|&j| {
                    matches!(
                        st.n(j),
                        "hosted"
                            | "chaired"
                            | "organised"
                            | "organized"
                            | "convened"
                            | "attended"
                            | "led"
                    ) && st.n(j + 1) == "by"
                }) && let Some(m) = st.ms.iter().position(|m| {
                    m.tok_start > by + 1
                        && m.tok_start <= by + 8
                        && m.kind == Kind::Person
                        && m.affiliation_of.is_none()
                }) && let Some(e) = actor(&st, ex, m)
                {
                    push(&mut participants, e);
                }
            }
            if fronted {
                // "After meetings with A and B, C told reporters ...": C took part; "he" is the
                // last person named as a subject.
                if let Some(comma) = fronted_comma {
                    let next = comma + 1;
                    let first_person = st.ms.iter().find(|m| {
                        m.tok_start >= next
                            && m.tok_start <= next + 8
                            && m.kind == Kind::Person
                            && m.affiliation_of.is_none()
                    });
                    if PRONOUNS_SUBJ.contains(&st.n(next)) {
                        if let Some(ls) = last_subject {
                            push(&mut participants, ls);
                            fronted_subject = Some(ls);
                        }
                    } else if let Some(m) = first_person {
                        push(&mut participants, m.entity);
                        fronted_subject = Some(m.entity);
                    }
                }
            }
            // A visit to a country is a contact with it (CAMEO 042): "visited Japan", "a visit to
            // the Ivory Coast".
            if info.event_type == "Visit" {
                for m in st
                    .ms
                    .iter()
                    .filter(|m| m.tok_start >= t1 && m.tok_start <= t1 + 3 && m.tok_end <= hi)
                {
                    let prev = st.n(m.tok_start - 1);
                    let direct = info.verb
                        && (m.tok_start == t1 || (m.tok_start == t1 + 1 && prev == "the"));
                    let to = prev == "to"
                        || (prev == "the" && m.tok_start >= 2 && st.n(m.tok_start - 2) == "to");
                    if (direct || to)
                        && m.kind == Kind::Place
                        && !m.demonym
                        && ex.entities[m.entity].subtype == "Country"
                    {
                        push(&mut participants, m.entity);
                    }
                }
            }
            // "welcomed the statement", "received a letter": a hosting verb needs someone to host.
            if info.event_type == "Hosting" && info.verb && st.n(t1) == "by" {
                // "X was hosted by A and B": the guest X must be someone.
                let guest = st.ms.iter().enumerate().any(|(mi, m)| {
                    m.tok_end <= t0 && m.tok_start >= lo && actor(&st, ex, mi).is_some()
                }) || (lo..t0).any(|j| PRONOUNS_SUBJ.contains(&st.n(j)));
                if !guest {
                    continue;
                }
            } else if info.event_type == "Hosting" && info.verb && obj_end > t1 {
                let hosted = st.ms.iter().enumerate().any(|(mi, m)| {
                    m.tok_start >= t1 && m.tok_end <= obj_end && actor(&st, ex, mi).is_some()
                });
                if !hosted {
                    continue;
                }
            } else if info.event_type == "Hosting" && info.verb {
                continue;
            }
            let joint_subjects = participants.len();
            // Reporters and spokespeople are not participants unless they are the subject.
            let first_subject = participants.first().copied();
            // The subject after a fronted phrase ("After meetings with A, X told reporters")
            // took part even though it also reports.
            participants.retain(|e| {
                let reporter = reporters.contains(e)
                    && Some(*e) != first_subject
                    && Some(*e) != fronted_subject;
                let spokes = spokespeople.contains(e) && Some(*e) != first_subject;
                !(reporter || spokes)
            });
            participants.retain(|e| !(reporters.contains(e) && spokespeople.contains(e)));
            // Place: "in"/"at" + place in the clause, a city over a country.
            let sub = (t1..hi)
                .find(|&x| {
                    matches!(
                        st.n(x),
                        "after"
                            | "before"
                            | "because"
                            | "when"
                            | "while"
                            | "since"
                            | "as"
                            | "following"
                    )
                })
                .unwrap_or(hi);
            // "visited the Kenyan capital": the capital of the demonym's country.
            let capital_place = st
                .ms
                .iter()
                .find(|m| {
                    m.demonym
                        && m.tok_start >= lo
                        && m.tok_end < sub
                        && st.n(m.tok_end) == "capital"
                        && !st.s.tokens.get(m.tok_end + 1).is_some_and(|t| t.cap)
                })
                .and_then(|m| {
                    let key = &ex.entities[m.entity].key;
                    let c = lex.entities.iter().position(|e| &e.key == key)?;
                    lex.capital.get(&c).copied()
                });
            let capital_place = capital_place.map(|c| entity_for_known(ex, lex, c));
            // A call has no meeting place: only a place after the trigger counts ("spoke by
            // phone from Geneva"), never one of an earlier verb in the clause.
            let place = if info.event_type == "PhoneCall" {
                place_of(&st, ex, t1, sub, t0)
            } else {
                place_of(&st, ex, lo, sub, t0).or(capital_place)
            };
            // Date: a time expression in the sentence, tense from status.
            // Future tense in the clause ("will", "is being hosted", "is to") resolves weekdays
            // forward; a held event then dated after the article becomes a plan below.
            let future_clause = (lo..hi).any(|x| {
                matches!(st.n(x), "will" | "shall" | "'ll")
                    || (matches!(st.n(x), "is" | "are")
                        && matches!(st.n(x + 1), "being" | "to" | "due"))
            });
            let tense = if ev_status == Status::Planned || future_clause {
                Tense::Future
            } else {
                Tense::Past
            };
            let stext = &text[s.span.start..s.span.end];
            let exprs = dates::find_time_exprs(stext, anchor.map(|a| a.date), tense);
            let trig_off = s.tokens[t0].span.start - s.span.start;
            // Only a time expression in the trigger's own clause dates it ("told a briefing on
            // Tuesday that the two had discussed ..." does not date the discussion).
            let clause_from = s.tokens[lo].span.start - s.span.start;
            let clause_to = s.tokens[hi.max(t1) - 1].span.end - s.span.start;
            let best = exprs
                .iter()
                .filter(|e| e.resolved.is_some() && e.start >= clause_from && e.end <= clause_to)
                .min_by_key(|e| (!e.specific, e.start.abs_diff(trig_off)));
            let (date, date_text) = match best {
                Some(e) => (e.resolved.clone(), Some(e.text.clone())),
                None => (None, None),
            };
            if let Some(d) = &date
                && ev_status == Status::Held
                && let Some(a) = anchor
                && d.date > a.date
                && d.precision == dates::Precision::Day
            {
                // A held event dated after the article is a plan.
                ev_status = Status::Planned;
            }
            let tstart = s.tokens[t0].span.start;
            let tend = s.tokens[t1 - 1].span.end;
            events.push(Event {
                event_type: info.event_type.clone(),
                cameo: info.cameo.clone(),
                status: ev_status,
                trigger: text[tstart..tend].to_string(),
                trigger_offsets: mapper.map(tstart, tend),
                sentence: si,
                support: Vec::new(),
                participants,
                place,
                date,
                date_text,
                topics: topics(&st, t1, hi),
                not_discussed: Vec::new(),
                // A verb "signed" with two or more subjects who sign together.
                joint: info.event_type == "Signing" && info.verb && joint_subjects >= 2,
            });
        }
        // "X told the British minister that ...": speaker and addressee were in contact.
        for f in &fr {
            if !matches!(
                f.verb.as_str(),
                "told" | "assured" | "briefed" | "informed" | "urged"
            ) {
                continue;
            }
            let (Some(sp), Some(sm)) = (f.speaker, f.speaker_mention) else {
                continue;
            };
            if ex.entities[sp].kind != Kind::Person || st.ms[sm].tok_end > f.verb_tok {
                continue;
            }
            let vt = f.verb_tok;
            let addressee = st.ms.iter().find(|m| {
                m.kind == Kind::Person
                    && m.tok_start > vt
                    && m.tok_start <= vt + 4
                    && (vt + 1..m.tok_start).all(|j| {
                        st.cover[j].is_some() || matches!(st.n(j), "the" | "his" | "her" | "their")
                    })
            });
            let Some(ad) = addressee else { continue };
            if ad.entity == sp {
                continue;
            }
            let t = &s.tokens[vt];
            let lo = clause_start(&st, vt);
            let hi = clause_end(&st, vt + 1);
            let place =
                place_of(&st, ex, lo, hi, vt).or_else(|| place_of(&st, ex, 0, st.len(), vt));
            let stext = &text[s.span.start..s.span.end];
            let exprs = dates::find_time_exprs(stext, anchor.map(|a| a.date), Tense::Past);
            let date = exprs.iter().find_map(|e| e.resolved.clone());
            events.push(Event {
                event_type: "Talks".into(),
                cameo: Some("040".into()),
                // Cues after the addressee belong to what was said, not to the telling.
                status: status_before(&st, vt),
                trigger: t.text(text).to_string(),
                trigger_offsets: mapper.map(t.span.start, t.span.end),
                sentence: si,
                support: Vec::new(),
                participants: vec![sp, ad.entity],
                place,
                date,
                date_text: None,
                topics: Vec::new(),
                not_discussed: Vec::new(),
                joint: false,
            });
        }
        // Claims.
        for f in &fr {
            let Some(speaker) = f.speaker else { continue };
            let (cs, ce) = claim_span(&st, f);
            if ce <= cs {
                continue;
            }
            let ev = events.iter().rposition(|e| e.sentence == si);
            claims.push(Claim {
                speaker,
                sentence: si,
                offsets: mapper.map(cs, ce),
                text: text[cs..ce].trim().to_string(),
                verb: f.verb.clone(),
                event: ev,
            });
        }
        for m in st
            .ms
            .iter()
            .filter(|m| m.kind == Kind::Person && m.affiliation_of.is_none())
        {
            recent_persons.retain(|&p| p != m.entity);
            recent_persons.push(m.entity);
        }
        for m in st
            .ms
            .iter()
            .filter(|m| ex.entities[m.entity].subtype == "Country")
        {
            recent_countries.retain(|&c| c != m.entity);
            recent_countries.push(m.entity);
        }
        // Remember the last person subject for pronouns in the next sentence.
        if let Some(m) = st
            .ms
            .iter()
            .find(|m| m.kind == Kind::Person && m.affiliation_of.is_none())
        {
            last_subject = Some(m.entity);
        }
    }
    // A later denial or negation of "such a meeting", or of a meeting between the same people,
    // disputes the earlier report: it is kept, as denied, not as held.
    for i in 0..events.len() {
        if !matches!(events[i].status, Status::Denied | Status::Negated) || !events[i].is_contact()
        {
            continue;
        }
        let anaphoric = {
            let s = &seg.sentences[events[i].sentence];
            let t0 = s
                .tokens
                .iter()
                .position(|t| {
                    mapper.map(t.span.start, t.span.end).start == events[i].trigger_offsets.start
                })
                .unwrap_or(0);
            (t0.saturating_sub(2)..t0).any(|j| {
                matches!(
                    crate::lexicon::norm_token(s.tokens[j].text(text)).as_str(),
                    "such" | "the" | "this" | "that" | "any"
                )
            })
        };
        let denier_parts: Vec<usize> = events[i].participants.clone();
        let target = (0..i).rev().find(|&j| {
            let e = &events[j];
            e.is_contact()
                && e.status == Status::Held
                && e.sentence < events[i].sentence
                && ((anaphoric && denier_parts.len() <= 1)
                    || (denier_parts.len() >= 2
                        && denier_parts.iter().all(|p| e.participants.contains(p))))
        });
        if let Some(j) = target {
            events[j].status = Status::Denied;
            let s = events[i].sentence;
            if !events[j].support.contains(&s) {
                events[j].support.push(s);
            }
        }
    }
    // Delegation heads join the held talks between their countries.
    attach_heads(&mut events, &heads, ex);
    // Contact events with no place or date inherit the article's.
    let main_place = dateline
        .and_then(|d| d.place)
        .map(|p| entity_for_known(ex, lex, p))
        .or_else(|| {
            events
                .iter()
                .filter(|e| e.is_contact() && e.status == Status::Held)
                .find_map(|e| e.place)
        });
    // A held contact with no place or date of its own continues the narrative of the nearest
    // earlier contact that states them; else the dateline or publication.
    let mut last_place = None;
    let mut last_date: Option<(ResolvedDate, Option<String>)> = None;
    for e in events.iter_mut() {
        if !e.is_contact() {
            continue;
        }
        let own_place = e.place;
        let own_date = e.date.clone().filter(|_| e.date_text.is_some());
        if e.place.is_none() && e.event_type != "PhoneCall" {
            e.place = last_place.or(main_place);
        }
        if e.date.is_none() && e.status == Status::Held {
            e.date = last_date
                .as_ref()
                .map(|d| d.0.clone())
                .or_else(|| anchor.cloned());
        }
        if e.status == Status::Held {
            if own_place.is_some() {
                last_place = own_place;
            }
            if let Some(d) = own_date {
                last_date = Some((d, e.date_text.clone()));
            }
        }
    }
    // "met ... in West Germany" and later "the meeting in Frankfurt": a city in the stated
    // country, named later in a sentence about the same meeting, is the more specific place.
    for e in events.iter_mut() {
        let Some(p) = e.place else { continue };
        if !e.is_contact() || ex.entities[p].subtype != "Country" {
            continue;
        }
        'later: for (si, ms) in sentence_mentions.iter().enumerate().skip(e.sentence + 1) {
            let about = ms.iter().any(|m| e.participants.contains(&m.entity))
                || ex.sentences[si]
                    .text
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| matches!(w, "meeting" | "meetings" | "talks" | "visit"));
            if !about {
                continue;
            }
            let toks = &seg.sentences[si].tokens;
            for m in ms {
                let city = &ex.entities[m.entity];
                let introduced =
                    m.tok_start > 0 && matches!(toks[m.tok_start - 1].text(text), "in" | "at");
                // "in Frankfurt, West Germany": the country named right after the city.
                let country_follows = ms.iter().any(|n| {
                    n.entity == p
                        && n.tok_start == m.tok_end + 1
                        && toks[m.tok_end].text(text) == ","
                });
                if m.kind == Kind::Place
                    && city.subtype == "City"
                    && (city.country == Some(p) || country_follows)
                    && introduced
                {
                    e.place = Some(m.entity);
                    break 'later;
                }
            }
        }
    }
    // Link claims in sentences without their own event to the article's main contact event.
    let main = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_contact() && e.status == Status::Held && e.participants.len() >= 2)
        .max_by_key(|(i, e)| (e.participants.len(), usize::MAX - i))
        .map(|(i, _)| i);
    if let Some(m) = main {
        events[m].not_discussed = not_discussed;
        for c in &mut claims {
            if c.event.is_none() {
                let s = &ex.sentences[c.sentence].text.to_lowercase();
                if ["talks", "meeting", "met", "visit", "call"]
                    .iter()
                    .any(|w| s.contains(w))
                {
                    c.event = Some(m);
                }
            }
        }
    }
    let (events, remap) = fuse(events);
    for c in &mut claims {
        c.event = c.event.and_then(|i| remap.get(i).copied());
    }
    EventsOut { events, claims }
}

fn entity_for_known(ex: &mut Extraction, lex: &Lexicon, known: usize) -> usize {
    let e = &lex.entities[known];
    super::entity_index(
        &mut ex.entities,
        super::Entity {
            key: e.key.clone(),
            kind: e.kind,
            subtype: e.subtype.clone(),
            name: e.name.clone(),
            names: vec![e.name.clone()],
            wikidata: e.wikidata.clone(),
            country: None,
        },
    )
}

fn place_of(st: &Sent, ex: &Extraction, lo: usize, hi: usize, t0: usize) -> Option<usize> {
    let mut best: Option<(u8, usize, usize)> = None;
    for m in st.ms.iter() {
        if m.kind != Kind::Place
            || m.demonym
            || m.tok_start < lo
            || m.tok_end > hi
            || m.tok_start == 0
        {
            continue;
        }
        let prev = st.n(m.tok_start - 1);
        let prev2 = if m.tok_start >= 2 {
            st.n(m.tok_start - 2)
        } else {
            ""
        };
        let introduced = matches!(prev, "in" | "at")
            || (prev == "capital" || prev2 == "capital")
            || (prev == ","
                && m.tok_start >= 2
                && st.cover[m.tok_start - 2].is_some_and(|k| st.ms[k].kind == Kind::Place));
        if !introduced {
            continue;
        }
        // Skip "the war in Ukraine" style: a place right after a non-event noun that follows
        // a negation is still a place; keep it simple and rank by specificity and distance.
        let e = &ex.entities[m.entity];
        let rank = match e.subtype.as_str() {
            "City" => 0,
            "Region" => 2,
            "Country" => 3,
            _ => 1,
        };
        let dist = m.tok_start.abs_diff(t0);
        if best.is_none_or(|(r, d, _)| (rank, dist) < (r, d)) {
            best = Some((rank, dist, m.entity));
        }
    }
    best.map(|b| b.2)
}

fn topics(st: &Sent, t1: usize, hi: usize) -> Vec<String> {
    // "to discuss X", "on X", "about X" right after the trigger: the noun phrase up to a comma.
    let mut k = t1;
    while k < hi && k < t1 + 8 {
        let w = st.n(k);
        if w == "discuss" || w == "about" || w == "over" {
            let from = k + 1;
            let mut to = from;
            while to < hi && !matches!(st.n(to), "," | "." | "in" | "on" | "and" | "said") {
                to += 1;
            }
            if to > from {
                let a = st.s.tokens[from].span.start;
                let b = st.s.tokens[to - 1].span.end;
                return vec![st.text[a..b].to_string()];
            }
        }
        k += 1;
    }
    Vec::new()
}

fn claim_span(st: &Sent, f: &Frame) -> (usize, usize) {
    let s = st.s.span;
    let toks = &st.s.tokens;
    // Quoted material anywhere in the sentence is the claim.
    let t = &st.text[s.start..s.end];
    if let (Some(a), Some(b)) = (t.find('"'), t.rfind('"'))
        && b > a + 1
    {
        return (s.start + a + 1, s.start + b);
    }
    let v = f.verb_tok;
    let sm = f.speaker_mention.map(|m| &st.ms[m]);
    match sm {
        // "X said (that) ...": what follows.
        Some(m) if m.tok_end <= v => {
            let mut from = v + 1;
            while from < toks.len()
                && matches!(st.n(from), "that" | "," | "to" | "media" | "reporters")
            {
                from += 1;
            }
            let rest_is_words = (from..toks.len()).any(|k| toks[k].kind == TokenKind::Word);
            if rest_is_words {
                (toks[from].span.start, s.end)
            } else if m.tok_start > 1 {
                // "..., the ministry and the embassy said.": what precedes the speaker.
                let mut to = m.tok_start;
                while to > 0 && matches!(st.n(to - 1), "," | "the" | "a" | "an") {
                    to -= 1;
                }
                if to > 0 {
                    (s.start, toks[to - 1].span.end)
                } else {
                    (0, 0)
                }
            } else {
                (0, 0)
            }
        }
        // "..., said X" / "according to X, ...": what precedes the frame, or follows it.
        Some(m) => {
            if v > 1 {
                (s.start, toks[v - 1].span.start)
            } else {
                let from = m.tok_end;
                if from < toks.len() {
                    (toks[from].span.start, s.end)
                } else {
                    (0, 0)
                }
            }
        }
        None => (0, 0),
    }
}

/// "The X delegation was led by A", "headed by A", "A headed/led the X side/presence".
fn find_heads(
    st: &Sent,
    ex: &Extraction,
    heads: &mut Vec<(usize, Option<usize>, usize)>,
    si: usize,
) {
    for k in 0..st.len() {
        let w = st.n(k);
        if !matches!(
            w,
            "led" | "headed" | "leads" | "heads" | "leading" | "heading"
        ) {
            continue;
        }
        let by = st.n(k + 1) == "by";
        // Country of the delegation: a demonym/country mention next to a group noun.
        let group_country = |from: usize, to: usize| -> Option<usize> {
            st.ms
                .iter()
                .filter(|m| m.tok_start >= from && m.tok_end <= to && m.kind == Kind::Place)
                .find(|m| {
                    (m.tok_end..(m.tok_end + 3).min(st.len()))
                        .any(|j| GROUP_NOUNS.contains(&st.n(j)))
                })
                .map(|m| {
                    let e = &ex.entities[m.entity];
                    if e.subtype == "City" {
                        e.country.unwrap_or(m.entity)
                    } else {
                        m.entity
                    }
                })
        };
        let has_group = |from: usize, to: usize| (from..to).any(|j| GROUP_NOUNS.contains(&st.n(j)));
        if by {
            // Person after "by" (skipping title and apposition), delegation before.
            let lo = clause_start(st, k);
            if !has_group(lo, k) {
                continue;
            }
            if let Some(m) = st.ms.iter().find(|m| {
                m.tok_start > k
                    && m.kind == Kind::Person
                    && m.affiliation_of.is_none()
                    && m.tok_start <= k + 16
            }) {
                heads.push((m.entity, group_country(lo, k), si));
            }
        } else {
            // "A headed the X delegation".
            let hi = clause_end(st, k + 1).min(k + 8);
            if !has_group(k + 1, hi) {
                continue;
            }
            if let Some(m) =
                st.ms.iter().rev().find(|m| {
                    m.tok_end <= k && m.kind == Kind::Person && m.affiliation_of.is_none()
                })
            {
                heads.push((m.entity, group_country(k + 1, hi), si));
            }
        }
    }
}

fn attach_heads(events: &mut [Event], heads: &[(usize, Option<usize>, usize)], ex: &Extraction) {
    if heads.is_empty() {
        return;
    }
    // The held talks/meeting between institutions or countries that the heads' sides attended.
    let target = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_contact() && e.status == Status::Held)
        .filter(|(_, e)| {
            e.participants
                .iter()
                .filter(|&&p| ex.entities[p].kind != Kind::Person)
                .count()
                >= 2
        })
        .max_by_key(|(i, e)| {
            let covered = heads
                .iter()
                .filter(|(_, c, _)| c.is_some_and(|c| e.participants.contains(&c)))
                .count();
            (covered, usize::MAX - i)
        })
        .map(|(i, _)| i);
    let Some(t) = target else { return };
    for (person, country, si) in heads {
        let ok = country.is_none_or(|c| events[t].participants.contains(&c));
        if ok && !events[t].participants.contains(person) {
            events[t].participants.push(*person);
            if !events[t].support.contains(si) && *si != events[t].sentence {
                events[t].support.push(*si);
            }
        }
    }
}

/// Merges events of one article that describe the same contact: same status, overlapping
/// participants (one set inside the other), compatible place and date.
fn fuse(events: Vec<Event>) -> (Vec<Event>, Vec<usize>) {
    let mut out: Vec<Event> = Vec::new();
    let mut remap = Vec::with_capacity(events.len());
    for e in events {
        let same = out.iter().position(|o| {
            o.is_contact()
                && e.is_contact()
                && o.status == e.status
                && !e.participants.is_empty()
                && !o.participants.is_empty()
                && ((e.participants.iter().all(|p| o.participants.contains(p))
                    || o.participants.iter().all(|p| e.participants.contains(p)))
                    // A headline summarises the main event: sharing a participant is enough.
                    || (o.sentence == 0
                        && o.support.is_empty()
                        && e.participants.iter().any(|p| o.participants.contains(p))))
                && (o.place.is_none() || e.place.is_none() || o.place == e.place)
                // A date filled in from the dateline or publication is no evidence of difference.
                && (o.date_text.is_none() || e.date_text.is_none() || o.date == e.date)
        });
        match same {
            Some(i) => {
                remap.push(i);
                let o = &mut out[i];
                for p in e.participants {
                    if !o.participants.contains(&p) {
                        o.participants.push(p);
                    }
                }
                if !o.support.contains(&e.sentence) && o.sentence != e.sentence {
                    o.support.push(e.sentence);
                }
                o.support.extend(e.support);
                o.place = o.place.or(e.place);
                if o.date_text.is_none() && e.date_text.is_some() {
                    o.date = e.date;
                    o.date_text = e.date_text;
                } else if o.date.is_none() {
                    o.date = e.date;
                }
                o.topics.extend(e.topics);
                o.not_discussed.extend(e.not_discussed);
            }
            None => {
                remap.push(out.len());
                out.push(e);
            }
        }
    }
    (out, remap)
}

#[cfg(test)]
mod tests {
    use super::{DATELINE, ends_within};

    #[test]
    fn a_cue_overlapping_the_trigger_is_not_near_before_it() {
        assert!(ends_within(2, 1, 3, 4), "right before");
        assert!(ends_within(0, 2, 6, 4), "four tokens between");
        assert!(!ends_within(0, 2, 7, 4), "five tokens between");
        assert!(!ends_within(2, 3, 3, 4), "runs past the trigger start");
        assert!(!ends_within(0, 9, 1, 4), "covers the trigger");
    }

    #[test]
    fn datelines_in_wire_styles() {
        for (line, city, date) in [
            (
                "WASHINGTON, March 11 - Text",
                Some("WASHINGTON"),
                Some("March 11"),
            ),
            ("BISHKEK (Meridian News) - Text", Some("BISHKEK"), None),
            ("Dec 9 (Reuters) - Text", None, Some("Dec 9")),
            (
                "NEW YORK, N.Y., Oct 3 - Text",
                Some("NEW YORK"),
                Some("Oct 3"),
            ),
            ("GENEVA - Text", Some("GENEVA"), None),
        ] {
            let c = DATELINE
                .captures(line)
                .unwrap_or_else(|| panic!("no dateline in {line}"));
            assert_eq!(c.name("city").map(|m| m.as_str()), city, "{line}");
            assert_eq!(c.name("date").map(|m| m.as_str()), date, "{line}");
        }
        assert!(
            DATELINE
                .captures("Italy and Spain agreed on Tuesday - text")
                .is_none()
        );
    }
}
