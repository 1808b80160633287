//! Mention detection inside one sentence: known entities, organisation phrases, titles and
//! person names, as token ranges with a kind.
//!
//! Known names come from the lexicon (case-checked against the text); organisations are also
//! found by their structure (country or demonym + modifiers + head noun + "of"/"in" tail);
//! persons need evidence: a title before the name, a known given name, an apposition with a
//! title, or a reporting verb. Resolution to article-level entities happens in `entities`.

use crate::lexicon::{Kind, Lexicon, Surface, SurfaceForm, TitleInfo, norm_token};
use crate::segment::{Sentence, Token, TokenKind};

/// Head nouns of organisation names ("Ministry", "Agency", "Bank" ...).
pub const ORG_HEADS: &[&str] = &[
    "ministry",
    "ministries",
    "department",
    "embassy",
    "consulate",
    "agency",
    "bank",
    "council",
    "commission",
    "committee",
    "office",
    "service",
    "services",
    "party",
    "union",
    "corporation",
    "corp",
    "company",
    "co",
    "inc",
    "ltd",
    "plc",
    "group",
    "association",
    "federation",
    "authority",
    "board",
    "institute",
    "university",
    "court",
    "parliament",
    "assembly",
    "exchange",
    "fund",
    "organization",
    "organisation",
    "reserve",
    "treasury",
    "administration",
    "forum",
    "army",
    "navy",
    "police",
    "directorate",
    "bureau",
    "secretariat",
    "cabinet",
    "government",
    "senate",
    "congress",
    "chamber",
    "federation",
    "foundation",
    "alliance",
    "coalition",
    "front",
    "movement",
    "league",
    "network",
    "television",
    "radio",
    "news",
    "times",
    "post",
    "journal",
    "herald",
    "tribune",
    "press",
    "mission",
    "intelligence",
    "industries",
    "holdings",
    "airlines",
    "airways",
    "securities",
    "bancorp",
    "partners",
    "guard",
    "command",
    "forces",
    "subcommittee",
    "caucus",
    "institution",
    "foundation",
    "banco",
    "banque",
    "revenue",
    "directorate-general",
    "inspectorate",
    "school",
    "academy",
    "hospital",
    "church",
    "museum",
    "theatre",
    "theater",
    "library",
    "club",
    "society",
    "orchestra",
    "council",
];

/// Heads that may be lowercase after a country or demonym ("Russia's foreign ministry").
const LOWER_HEADS: &[&str] = &[
    "ministry",
    "embassy",
    "consulate",
    "government",
    "parliament",
    "intelligence",
    "army",
    "navy",
    "police",
    "treasury",
    "military",
    "cabinet",
    "exchange",
    "bank",
    "agency",
];

/// Nouns after which a capitalised name is a media outlet.
const MEDIA_NOUNS: &[&str] = &[
    "newspaper",
    "daily",
    "weekly",
    "paper",
    "magazine",
    "tabloid",
    "broadsheet",
    "journal",
    "broadcaster",
    "channel",
    "station",
    "agency",
    "newsletter",
    "website",
    "radio",
    "television",
];

/// Function words that never open a name ("But US Treasury" starts at "US").
const FUNCTION_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "but",
    "and",
    "or",
    "however",
    "meanwhile",
    "when",
    "while",
    "if",
    "as",
    "after",
    "before",
    "since",
    "also",
    "then",
    "so",
    "yet",
    "although",
    "though",
    "in",
    "on",
    "at",
    "for",
    "with",
    "by",
    "from",
    "to",
    "of",
    "this",
    "that",
    "these",
    "those",
    "his",
    "her",
    "its",
    "their",
    "our",
    "both",
    "all",
    "some",
    "many",
    "most",
    "other",
    "last",
    "next",
    "under",
    "during",
    "following",
    "according",
    "despite",
    "because",
    "why",
    "what",
    "how",
    "where",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Whether a normalised token is one of [`FUNCTION_WORDS`] (one hash lookup: this runs for
/// every token of every sentence).
fn is_function_word(w: &str) -> bool {
    static SET: std::sync::LazyLock<crate::lexicon::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| FUNCTION_WORDS.iter().copied().collect());
    SET.contains(w)
}

/// Lowercase modifiers allowed between a country and a lowercase head.
pub const LOWER_MODS: &[&str] = &[
    "foreign",
    "defence",
    "defense",
    "interior",
    "finance",
    "trade",
    "economy",
    "economic",
    "justice",
    "health",
    "education",
    "security",
    "state",
    "national",
    "federal",
    "central",
    "energy",
    "agriculture",
    "environment",
    "military",
    "affairs",
    "foreign-intelligence",
    "general",
    "stock",
    "commodity",
    "futures",
    "development",
    "reserve",
    "news",
    "state-run",
    "intelligence",
];

/// What a mention refers to before article-level resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    /// A lexicon entity (by index), read as a name or as a demonym.
    Known { entity: usize, surface: Surface },
    /// An organisation found by structure: canonical head ("foreign ministry"), country and
    /// location entities when given.
    OrgPhrase {
        head: String,
        country: Option<usize>,
        location: Option<usize>,
    },
    /// A capitalised organisation name not in the lexicon ("Acme Holdings Corp").
    OrgName,
    /// A person name: full (given + surname) or surname only.
    Person,
    /// A capitalised run with no evidence yet; may become a surname mention later.
    Unknown,
    /// A title used as a noun phrase ("the British minister"): refers to a person named earlier
    /// with that kind of title (and that country, when a demonym is given).
    Nominal {
        kind: String,
        country: Option<usize>,
    },
}

/// A mention in one sentence, by token range.
#[derive(Debug, Clone)]
pub struct Mention {
    pub sentence: usize,
    pub tok_start: usize,
    pub tok_end: usize,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: Option<Kind>,
    pub reference: Ref,
    /// The title right before a person name ("Foreign Minister"), with its token range.
    pub title: Option<(TitleInfo, usize, usize)>,
    /// Index (in the sentence's mentions) of an organisation or country that qualifies the
    /// title ("Russian Foreign Ministry spokeswoman ...").
    pub affiliation: Option<usize>,
}

impl Mention {
    /// A mention of tokens `a..b` with no title or affiliation.
    fn new(
        ctx: &Ctx,
        sentence: usize,
        a: usize,
        b: usize,
        kind: Option<Kind>,
        reference: Ref,
    ) -> Self {
        let (start, end, text) = ctx.span_text(a, b);
        Mention {
            sentence,
            tok_start: a,
            tok_end: b,
            start,
            end,
            text,
            kind,
            reference,
            title: None,
            affiliation: None,
        }
    }
}

/// Tokens helper for one sentence.
pub struct Ctx<'a> {
    pub text: &'a str,
    pub toks: &'a [Token],
    pub lex: &'a Lexicon,
    /// The sentence is written in capitals (headline, dateline).
    pub all_caps: bool,
    pub norms: Vec<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(text: &'a str, s: &'a Sentence, lex: &'a Lexicon) -> Self {
        let toks = &s.tokens[..];
        let words: Vec<&Token> = toks.iter().filter(|t| t.kind == TokenKind::Word).collect();
        let upper = words.iter().filter(|t| t.upper).count();
        // Headlines in capitals, or in title case (most content words capitalised, no final
        // stop), capitalise every word: capitalisation is no evidence of a name there.
        let norms: Vec<String> = toks.iter().map(|t| norm_token(t.text(text))).collect();
        let content: Vec<&Token> = toks
            .iter()
            .zip(&norms)
            .filter(|(t, n)| t.kind == TokenKind::Word && !is_function_word(n))
            .map(|(t, _)| t)
            .collect();
        let capped = content.iter().filter(|t| t.cap).count();
        let last = toks.last().map(|t| t.text(text)).unwrap_or("");
        let title_case = s.index == 0
            && content.len() >= 3
            && capped * 10 >= content.len() * 8
            && !matches!(last, "." | "?" | "!" | "\"");
        let all_caps = (words.len() >= 3 && upper * 10 >= words.len() * 7) || title_case;
        Ctx {
            text,
            toks,
            lex,
            all_caps,
            norms,
        }
    }
    pub fn w(&self, i: usize) -> &'a str {
        self.toks.get(i).map(|t| t.text(self.text)).unwrap_or("")
    }
    pub fn n(&self, i: usize) -> &str {
        self.norms.get(i).map(|s| s.as_str()).unwrap_or("")
    }
    pub fn cap(&self, i: usize) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Word && t.cap)
    }
    pub fn is_word(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.kind == TokenKind::Word)
    }
    pub fn len(&self) -> usize {
        self.toks.len()
    }
    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }
    fn span_text(&self, a: usize, b: usize) -> (usize, usize, String) {
        let s = self.toks[a].span.start;
        let e = self.toks[b - 1].span.end;
        (s, e, self.text[s..e].to_string())
    }
    fn non_name(&self, i: usize) -> bool {
        self.lex.non_names.contains(self.n(i))
    }
    fn is_org_head(&self, i: usize) -> bool {
        ORG_HEADS.contains(&self.n(i))
    }
}

/// Does the text's capitalisation fit the lexicon form? Acronyms must be capitals (long ones
/// may be title-case: "Nato"), names must be capitalised, unless the sentence is all capitals.
fn case_ok(ctx: &Ctx, start: usize, len: usize, form: &str) -> bool {
    // Compare word against word: a form's punctuation ("Ore.") is not a token of the match.
    let ftoks: Vec<_> = crate::segment::tokenize(form)
        .into_iter()
        .filter(|t| t.kind != crate::segment::TokenKind::Punct)
        .collect();
    if ftoks.len() != len {
        return false;
    }
    // A short dotted abbreviation ("Pa.", "Mass.") needs its dot in the text: "PA" or "mass"
    // alone is something else.
    let form_t = form.trim();
    if form_t.ends_with('.')
        && !form_t.contains(' ')
        && form_t.chars().filter(|c| c.is_alphabetic()).count() <= 4
        && !ctx.w(start + len - 1).ends_with('.')
        && ctx.w(start + len) != "."
    {
        return false;
    }
    for (k, ft) in ftoks.iter().enumerate() {
        let tt = ctx.toks[start + k];
        let f = ft.text(form);
        let letters = f.chars().filter(|c| c.is_alphabetic()).count();
        if ft.upper && letters >= 2 {
            if !(tt.upper || ctx.all_caps || (letters >= 4 && tt.cap)) {
                return false;
            }
        } else if ft.cap && !(tt.cap || tt.upper || ctx.all_caps) {
            // News style lowercases the common nouns of a name after its first word ("the
            // Russian embassy in Washington"): allowed for heads and modifiers only.
            let lower = f.to_lowercase();
            let common = ORG_HEADS.contains(&lower.as_str())
                || LOWER_MODS.contains(&lower.as_str())
                || matches!(
                    lower.as_str(),
                    "city"
                        | "island"
                        | "islands"
                        | "province"
                        | "state"
                        | "region"
                        | "republic"
                        | "coast"
                        | "sea"
                        | "river"
                        | "valley"
                        | "bay"
                        | "strait"
                        | "gulf"
                );
            // A long known name may open with its lowercase head ("the bank of Mexico").
            let long_head = k == 0
                && ((ftoks.len() >= 3 && ORG_HEADS.contains(&lower.as_str()))
                    // "told the Times": the article of a title is written lowercase.
                    || (lower == "the" && ftoks.len() >= 2));
            if !long_head && (k == 0 || !common) {
                return false;
            }
        }
    }
    true
}

/// A usable lexicon match at token `i`: (length, the forms whose case fits).
fn known_at(ctx: &Ctx, i: usize) -> Option<(usize, Vec<SurfaceForm>)> {
    // The longest match whose capitalisation fits; a longer one that does not fit must not
    // hide a shorter one that does.
    for (len, forms) in ctx.lex.surfaces.all_at_norm(&ctx.norms, i) {
        let ok: Vec<SurfaceForm> = forms
            .iter()
            .filter(|f| case_ok(ctx, i, len, &f.form))
            .cloned()
            .collect();
        if !ok.is_empty() {
            return Some((len, ok));
        }
    }
    None
}

/// A title starting at `i` (case-insensitive; a capitalised run may contain it).
pub fn title_at(ctx: &Ctx, i: usize) -> Option<(usize, TitleInfo)> {
    let (len, info) = ctx.lex.titles.longest_at_norm(&ctx.norms, i)?;
    // "Mr"/"Dr" style honorifics are titles only before a capitalised word.
    Some((len, info.clone()))
}

fn prefer(forms: &[SurfaceForm], lex: &Lexicon) -> SurfaceForm {
    // Prefer names over demonyms, countries over cities, places over organisations.
    let mut best = forms[0].clone();
    let rank = |f: &SurfaceForm| {
        let e = &lex.entities[f.entity];
        let mut r = match f.surface {
            Surface::Name => 0,
            Surface::Demonym => 10,
        };
        r += match e.subtype.as_str() {
            "Country" => 0,
            "City" => 1,
            _ => 2,
        };
        r
    };
    for f in forms {
        if rank(f) < rank(&best) {
            best = f.clone();
        }
    }
    best
}

fn country_of(lex: &Lexicon, entity: usize) -> Option<usize> {
    let e = &lex.entities[entity];
    if e.subtype == "Country" {
        Some(entity)
    } else if lex.capital_of.contains_key(&entity) {
        lex.capital_of.get(&entity).copied()
    } else {
        None
    }
}

/// Canonical organisation head: "ministry of foreign affairs" and "foreign affairs ministry"
/// become "foreign ministry"; "department of state" becomes "state department".
pub fn canonical_head(words: &[String]) -> String {
    let joined = words.join(" ");
    let j = joined.as_str();
    let fixed = match j {
        "ministry of foreign affairs"
        | "foreign affairs ministry"
        | "foreign office"
        | "ministry of foreign affairs and trade" => "foreign ministry",
        "department of state" => "state department",
        "ministry of defence" | "ministry of defense" | "defense ministry" => "defence ministry",
        "ministry of finance" => "finance ministry",
        "ministry of interior" | "ministry of the interior" | "interior ministry" => {
            "interior ministry"
        }
        "ministry of trade" => "trade ministry",
        "foreign intelligence service" | "foreign intelligence" => "foreign intelligence",
        _ => j,
    };
    fixed.to_string()
}

/// Tries an organisation phrase at `i`: [country ('s)?] mods* head+ [General] [of X | in City].
fn org_at(
    ctx: &Ctx,
    i: usize,
    known: &[Option<(usize, Vec<SurfaceForm>)>],
) -> Option<(usize, Ref)> {
    let lex = ctx.lex;
    let mut k = i;
    let mut country = None;
    let mut words: Vec<String> = Vec::new();
    if let Some((len, forms)) = &known[i] {
        let f = prefer(forms, lex);
        country = country_of(lex, f.entity);
        if country.is_none() {
            // A known institution, city or region that opens a longer name ("Senate Finance
            // Committee", "Sao Paulo State Industries Federation").
            if ctx.all_caps || !ctx.cap(i + len) || lex.entities[f.entity].subtype == "Country" {
                return None;
            }
            words.extend((i..i + len).map(|j| ctx.n(j).to_string()));
        }
        k += len;
        // "U.S.-China Joint Commission", "Sino-Soviet": a compound of two countries.
        if ctx.w(k) == "-"
            && ctx
                .toks
                .get(k)
                .is_some_and(|t| t.span.start == ctx.toks[k - 1].span.end)
            && let Some((l2, f2)) = known.get(k + 1).cloned().flatten()
            && country_of(lex, prefer(&f2, lex).entity).is_some()
            && ctx.cap(k + 1 + l2)
        {
            k += 1 + l2;
        }
        if ctx.w(k) == "'s" {
            k += 1;
        }
        // A known institution right after the country: let it stand on its own.
        if let Some((_, fs)) = &known.get(k).cloned().flatten()
            && fs
                .iter()
                .any(|f| lex.entities[f.entity].kind == Kind::Organization)
        {
            return None;
        }
    } else if !ctx.cap(i) || is_function_word(ctx.n(i)) {
        return None;
    }
    // In headlines and datelines every word is capitalised: only known names count there.
    if ctx.all_caps {
        return None;
    }
    let opening = words.len();
    let mut head_end = None;
    let mut mods = 0;
    while k < ctx.len() && mods < 6 {
        let n = ctx.n(k).to_string();
        let cap = ctx.cap(k) || ctx.all_caps;
        if !ctx.is_word(k) {
            break;
        }
        let head_ok = if cap {
            ctx.is_org_head(k)
        } else {
            // "bank", "exchange", "agency" head a name only after a modifier ("central bank",
            // "stock exchange", "news agency"), not alone ("Argentina's bank debt").
            let needs_mod = matches!(n.as_str(), "bank" | "exchange" | "agency");
            country.is_some()
                && LOWER_HEADS.contains(&n.as_str())
                && (!needs_mod || (k > 0 && LOWER_MODS.contains(&ctx.n(k - 1))))
        };
        if head_ok {
            words.push(n);
            k += 1;
            head_end = Some(k);
            // "Consulate General", "Foreign Intelligence Service".
            if ctx.n(k) == "general" && ctx.cap(k) {
                words.push("general".into());
                k += 1;
                head_end = Some(k);
            }
            continue;
        }
        if head_end.is_some() {
            // "Post and Telecommunications Ministry": a head inside a coordinated name.
            let coordinated = matches!(n.as_str(), "and" | "&")
                && ctx.cap(k + 1)
                && known.get(k + 1).is_none_or(|x| x.is_none())
                && !given_name(ctx, k + 1)
                && (k + 1..(k + 4).min(ctx.len())).any(|x| ctx.is_org_head(x) && ctx.cap(x));
            if !coordinated {
                break;
            }
            head_end = None;
        }
        let mod_ok = if cap {
            title_at(ctx, k).is_none_or(|(_, t)| ctx.is_org_head(k + 1) || t.kind.is_empty())
                && (known[k].is_none() || (!words.is_empty() && ctx.cap(k + 1)))
                && !matches!(n.as_str(), "the" | "a" | "an")
        } else if matches!(n.as_str(), "and" | "&")
            && !words.is_empty()
            && ctx.cap(k + 1)
            && known.get(k + 1).is_none_or(|x| x.is_none())
            && !given_name(ctx, k + 1)
        {
            // "Oil and Natural Gas Corporation", "Ways and Means Committee".
            true
        } else {
            country.is_some() && LOWER_MODS.contains(&n.as_str())
        };
        if !mod_ok {
            break;
        }
        words.push(n);
        mods += 1;
        k += 1;
    }
    let mut end = head_end?;
    words.truncate(words.len() - (k - end).min(words.len()));
    // Tails: "of Foreign Affairs", "of England", "in Ankara".
    let mut location = None;
    let last_head = words.last().map(|w| w.as_str()).unwrap_or("");
    let tail_word = match ctx.n(end) {
        "of" | "de" | "do" | "da" | "du" | "del" | "della" | "des" | "di" => true,
        // "Commission for Africa", "Joint Commission on Commerce and Trade".
        "on" | "for" => {
            matches!(
                last_head,
                "commission"
                    | "committee"
                    | "council"
                    | "forum"
                    | "board"
                    | "authority"
                    | "agency"
                    | "office"
                    | "institute"
                    | "fund"
                    | "foundation"
                    | "subcommittee"
                    | "bureau"
            ) && ctx.cap(end + 1)
        }
        _ => false,
    };
    if tail_word {
        let mut m = end + 1;
        if ctx.n(m) == "the" {
            m += 1;
        }
        let start_tail = m;
        let mut tail_words = Vec::new();
        while m < ctx.len()
            && (ctx.cap(m) || (ctx.n(m) == "and" && ctx.cap(m + 1) && m > start_tail))
        {
            if let Some((len, forms)) = &known[m] {
                let f = prefer(forms, lex);
                if country.is_none() {
                    country = country_of(lex, f.entity);
                }
                if country_of(lex, f.entity).is_some() {
                    m += len;
                    break;
                }
            }
            if title_at(ctx, m).is_some() && !ctx.is_org_head(m) && ctx.n(m) != "state" {
                break;
            }
            tail_words.push(ctx.n(m).to_string());
            m += 1;
        }
        if m > start_tail {
            words.push(ctx.n(end).to_string());
            words.extend(tail_words);
            end = m;
        }
    }
    let head_word = words.last().cloned().unwrap_or_default();
    if (ctx.n(end) == "in" || ctx.n(end) == "to")
        && matches!(
            head_word.as_str(),
            "embassy" | "consulate" | "general" | "mission"
        )
        && let Some((len, forms)) = &known.get(end + 1).cloned().flatten()
    {
        let f = prefer(forms, lex);
        if lex.entities[f.entity].kind == Kind::Place {
            location = Some(f.entity);
            end = end + 1 + len;
        }
    }
    // A bare head ("Ministry", "Bank") is not an organisation; a known name must be extended.
    let has_head_only = (words.len() == 1 && country.is_none()) || words.len() == opening;
    if has_head_only {
        return None;
    }
    let head = canonical_head(&words);
    if country.is_none() && location.is_none() {
        return Some((end - i, Ref::OrgName));
    }
    Some((
        end - i,
        Ref::OrgPhrase {
            head,
            country,
            location,
        },
    ))
}

/// Is token `x` covered by a lexicon match starting at or before it?
fn inside_known(known: &[Option<(usize, Vec<SurfaceForm>)>], x: usize) -> bool {
    (x.saturating_sub(8)..=x.min(known.len().saturating_sub(1))).any(|y| {
        known
            .get(y)
            .and_then(|k| k.as_ref())
            .is_some_and(|(l, _)| y + l > x)
    })
}

/// Is token `i` part of a person name (capitalised word, initial, or name particle)?
fn name_token(ctx: &Ctx, i: usize) -> bool {
    if !ctx.is_word(i) {
        return false;
    }
    if ctx.cap(i) || ctx.toks[i].upper {
        return !ctx.non_name(i) && !ctx.is_org_head(i);
    }
    // Arabic article prefixes: "al-Nahayan", "el-Sisi".
    let w = ctx.w(i);
    ["al-", "el-", "ul-", "ad-", "as-", "ash-"].iter().any(|p| {
        w.strip_prefix(p)
            .is_some_and(|rest| rest.chars().next().is_some_and(char::is_uppercase))
    })
}

fn particle(ctx: &Ctx, i: usize) -> bool {
    // "de la Madrid", "van der Meer": a particle may be followed by another one.
    ctx.lex.particles.contains(ctx.n(i))
        && (name_token(ctx, i + 1)
            || (ctx.lex.particles.contains(ctx.n(i + 1)) && name_token(ctx, i + 2)))
}

fn strip_diacritics(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect()
}

/// True when token `i` is a known given name.
pub fn given_name(ctx: &Ctx, i: usize) -> bool {
    let n = ctx.n(i);
    ctx.lex.given_names.contains(n) || ctx.lex.given_names.contains(&strip_diacritics(n))
}

/// Finds the mentions of one sentence.
pub fn find(ctx: &Ctx, sentence: usize) -> Vec<Mention> {
    let n = ctx.len();
    let known: Vec<Option<(usize, Vec<SurfaceForm>)>> = (0..n)
        .map(|i| {
            if ctx.is_word(i) {
                known_at(ctx, i)
            } else {
                None
            }
        })
        .collect();
    let mut out: Vec<Mention> = Vec::new();
    let mut pending_title: Option<(TitleInfo, usize, usize)> = None;
    let mut pending_aff: Option<usize> = None;
    let mut i = 0;
    while i < n {
        // Organisation phrase (may start with a country or demonym).
        if let Some((len, r)) = org_at(ctx, i, &known) {
            out.push(Mention::new(
                ctx,
                sentence,
                i,
                i + len,
                Some(Kind::Organization),
                r,
            ));
            pending_aff = Some(out.len() - 1);
            i += len;
            continue;
        }
        // A person name before a known place ("Michael Jordan") is handled by the name run.
        // "Minister Mendoza did ...": a one-word known name right after a title, and not
        // followed by more of a name or title, is a surname. A demonym never is ("Deputy
        // Iranian Finance Minister").
        let after_title = pending_title.as_ref().is_some_and(|(_, _, te)| *te == i)
            && known[i].as_ref().is_some_and(|(len, forms)| {
                *len == 1 && forms.iter().all(|f| f.surface == Surface::Name)
            })
            && !ctx.cap(i + 1)
            && !ctx.all_caps;
        if let Some((len, forms)) = &known[i]
            && !(given_name(ctx, i.wrapping_sub(1)) && i > 0 && ctx.cap(i - 1))
            && !after_title
        {
            let f = prefer(forms, ctx.lex);
            let e = &ctx.lex.entities[f.entity];
            out.push(Mention::new(
                ctx,
                sentence,
                i,
                i + len,
                Some(e.kind),
                Ref::Known {
                    entity: f.entity,
                    surface: f.surface,
                },
            ));
            pending_aff = Some(out.len() - 1);
            i += len;
            if ctx.w(i) == "'s" {
                i += 1;
            }
            continue;
        }
        if let Some((len, info)) = title_at(ctx, i) {
            // "the (British) minister" with no name after it: a nominal reference.
            let det = if i >= 1 && ctx.n(i - 1) == "the" {
                Some((i - 1, None))
            } else if i >= 2 && ctx.n(i - 2) == "the" {
                out.last()
                    .filter(|m| {
                        m.tok_end == i
                            && matches!(
                                m.reference,
                                Ref::Known {
                                    surface: Surface::Demonym,
                                    ..
                                }
                            )
                    })
                    .map(|m| match m.reference {
                        Ref::Known { entity, .. } => (i - 2, Some(entity)),
                        _ => (i - 2, None),
                    })
            } else {
                None
            };
            // A name may follow directly, after a comma, or after the title's complement ("the
            // minister of the Interior Ministry, Jane Doe").
            let after = i + len;
            let complement_comma = if matches!(ctx.n(after), "of" | "to" | "for") {
                let mut k = after + 1;
                if ctx.n(k) == "the" {
                    k += 1;
                }
                while k < ctx.len()
                    && (inside_known(&known, k) || ctx.cap(k) || matches!(ctx.n(k), "and" | "of"))
                {
                    k += 1;
                }
                Some(k).filter(|&k| ctx.w(k) == ",")
            } else {
                None
            };
            let followed_by_name = name_token(ctx, after)
                || (ctx.w(after) == "," && name_token(ctx, after + 1))
                || complement_comma.is_some_and(|k| name_token(ctx, k + 1));
            if let Some((_, country)) = det
                && !followed_by_name
                && !ctx.all_caps
                && !matches!(info.kind.as_str(), "honorific" | "")
            {
                out.push(Mention::new(
                    ctx,
                    sentence,
                    i,
                    i + len,
                    Some(Kind::Person),
                    Ref::Nominal {
                        kind: info.kind.clone(),
                        country,
                    },
                ));
                i += len;
                continue;
            }
            pending_title = Some((info, i, i + len));
            i += len;
            // A complement inside the title ("Secretary of State for European and Eurasian
            // Affairs Jane Doe"): skip it and let the name that closes the run follow.
            if matches!(ctx.n(i), "for" | "of")
                && ctx.cap(i + 1)
                && known[i + 1].is_none()
                && let Some(name_start) = complement_end(ctx, i + 1)
            {
                i = name_start;
                if let Some(t) = pending_title.as_mut() {
                    t.2 = i;
                }
                continue;
            }
            // "ambassador to Washington", "minister of the Interior Ministry": the complement is
            // still a mention of what it names, then the name follows.
            if matches!(ctx.n(i), "to" | "for" | "of")
                && let Some((l, forms)) = known.get(i + 1).cloned().flatten()
            {
                let f = prefer(&forms, ctx.lex);
                let kind = ctx.lex.entities[f.entity].kind;
                out.push(Mention::new(
                    ctx,
                    sentence,
                    i + 1,
                    i + 1 + l,
                    Some(kind),
                    Ref::Known {
                        entity: f.entity,
                        surface: f.surface,
                    },
                ));
                // An organisation in the complement is the person's affiliation; a place
                // after "to" is where the post is accredited (recorded with the role).
                if kind == Kind::Organization {
                    pending_aff = Some(out.len() - 1);
                }
                i += 1 + l;
            }
            if ctx.w(i) == "," && name_token(ctx, i + 1) {
                i += 1;
            }
            continue;
        }
        if name_token(ctx, i) && ctx.all_caps {
            out.push(Mention::new(ctx, sentence, i, i + 1, None, Ref::Unknown));
            i += 1;
            continue;
        }
        if name_token(ctx, i) {
            let start = i;
            let mut j = i;
            let mut after_particle = false;
            while j < n && j - start < 6 {
                // "Carla Mendoza", "Oona King": after a given name, a one-word place or title
                // that ends the run is the surname.
                let surname_slot = j == start + 1
                    && given_name(ctx, start)
                    && (known[j].as_ref().is_some_and(|(l, _)| *l == 1)
                        || title_at(ctx, j).is_some_and(|(l, _)| l == 1))
                    && ctx.cap(j)
                    && !ctx.cap(j + 1);
                let inner_name = name_token(ctx, j)
                    && (j == start
                        || after_particle
                        || surname_slot
                        || (known[j].is_none() && title_at(ctx, j).is_none()));
                if inner_name {
                    after_particle = false;
                    j += 1;
                } else if particle(ctx, j) && j > start {
                    // "Zaid bin Sultan", "Ludwig van Beethoven": the next word belongs to the
                    // name even if it is also a title or a place.
                    after_particle = true;
                    j += 1;
                } else {
                    break;
                }
            }
            while j > start + 1 && ctx.lex.particles.contains(ctx.n(j - 1)) {
                j -= 1;
            }
            let len = j - start;
            let (s, e, text) = ctx.span_text(start, j);
            // The title stands right before the name, or only its complement ("ambassador to
            // Washington, A. B.") and a comma come between.
            let titled = pending_title.as_ref().is_some_and(|(_, _, te)| {
                *te == start
                    || (*te < start
                        && start - *te <= 8
                        && ctx.w(start - 1) == ","
                        && (*te..start).any(|x| inside_known(&known, x))
                        && (*te..start).all(|x| {
                            matches!(ctx.n(x), "," | "to" | "for" | "of" | "the")
                                || inside_known(&known, x)
                        }))
            });
            // "The vice minister of X, Makoto Kuroda, flew ...": a name set off by commas
            // shortly after a title.
            let appositive = len >= 2
                && start > 0
                && ctx.w(start - 1) == ","
                && ctx.w(j) == ","
                && pending_title
                    .as_ref()
                    .is_some_and(|(_, _, te)| *te < start && start - *te <= 10)
                && (start..j).all(|x| known[x].is_none() && !ctx.toks[x].upper);
            // Capital-letter runs in running text ("SANTA BARBARA, April 13 -") are datelines
            // or headings, not people.
            let shouted = len >= 2 && (start..j).all(|x| ctx.toks[x].upper);
            let given = given_name(ctx, start) && len >= 2;
            let apposition = len >= 2 && apposition_title(ctx, j);
            let reporting = len >= 2 && matches!(ctx.n(j), "said" | "says" | "told" | "added");
            // "the Cecil B DeMille award", "the Nelson Mandela Foundation": a name inside the name
            // of a thing is not a person mention.
            let named_thing = matches!(
                ctx.n(j),
                "award"
                    | "awards"
                    | "prize"
                    | "prizes"
                    | "medal"
                    | "trophy"
                    | "cup"
                    | "lecture"
                    | "scholarship"
                    | "fellowship"
                    | "memorial"
                    | "airport"
                    | "bridge"
                    | "stadium"
                    | "street"
                    | "avenue"
                    | "square"
                    | "centre"
                    | "center"
                    | "hall"
                    | "school"
                    | "college"
                    | "doctrine"
                    | "era"
                    | "show"
                    | "festival"
            );
            let person = !named_thing
                && (!shouted || titled)
                && (titled || given || apposition || reporting || appositive);
            // "the official newspaper El Peruano", "the daily Fraternite Matin": a name in
            // apposition to a media noun is a media organisation.
            let media = !person && start > 0 && MEDIA_NOUNS.contains(&ctx.n(start - 1));
            // An unknown acronym in running text ("ICM", "CACEX") names an organisation.
            let acronym = !person
                && len == 1
                && ctx.toks[start].upper
                && (3..=7).contains(&ctx.w(start).chars().filter(|c| c.is_alphabetic()).count())
                && !ctx.non_name(start);
            if media || acronym {
                out.push(Mention::new(
                    ctx,
                    sentence,
                    start,
                    j,
                    Some(Kind::Organization),
                    Ref::OrgName,
                ));
                pending_aff = Some(out.len() - 1);
                i = j;
                continue;
            }
            let title = if titled { pending_title.take() } else { None };
            // "Queen Elizabeth", "King Fahd", "Pope John Paul": a royal or religious title is
            // part of a one-word name.
            let (s, text) = match &title {
                Some((t, ts, te))
                    if len == 1
                        && *te == start
                        && matches!(t.kind.as_str(), "royal" | "religious")
                        && ctx.cap(*ts) =>
                {
                    let s2 = ctx.toks[*ts].span.start;
                    (s2, ctx.text[s2..e].to_string())
                }
                _ => (s, text),
            };
            out.push(Mention {
                sentence,
                tok_start: start,
                tok_end: j,
                start: s,
                end: e,
                text,
                kind: person.then_some(Kind::Person),
                reference: if person { Ref::Person } else { Ref::Unknown },
                title,
                affiliation: if titled { pending_aff } else { None },
            });
            pending_aff = None;
            i = j;
            continue;
        }
        if ctx.is_word(i) && !matches!(ctx.n(i), "and" | "of" | "the") {
            // Keep an affiliation across the title that follows it, and across a few
            // modifiers before that title ("Moscow's newly appointed ambassador").
            if pending_title.as_ref().is_none_or(|(_, _, te)| *te + 2 < i) {
                pending_title = None;
                let aff_near = pending_aff
                    .and_then(|a| out.get(a))
                    .is_some_and(|m| i <= m.tok_end + 3 && !ctx.cap(i));
                if !aff_near {
                    pending_aff = None;
                }
            }
        }
        i += 1;
    }
    promote_coordinated(ctx, &mut out);
    out
}

/// In a capitalised run after a title complement ("European and Eurasian Affairs Jane Doe"),
/// where the name starts: at a known given name, else the last two capitalised words when the
/// run is long enough to hold both a complement and a name. None when no name closes the run.
fn complement_end(ctx: &Ctx, from: usize) -> Option<usize> {
    let mut k = from;
    let mut caps = Vec::new();
    while k < ctx.len()
        && (ctx.cap(k) || (matches!(ctx.n(k), "and" | "of" | "the") && ctx.cap(k + 1)))
    {
        if ctx.cap(k) {
            caps.push(k);
        }
        k += 1;
    }
    if let Some(&g) = caps.iter().find(|&&c| c > from && given_name(ctx, c)) {
        return Some(g);
    }
    if caps.len() >= 3 {
        let start = caps[caps.len() - 2];
        // The two closing words must be adjacent and not institutional words.
        if caps[caps.len() - 1] == start + 1 && !ctx.non_name(start) && !ctx.is_org_head(start) {
            return Some(start);
        }
    }
    None
}

/// Capitalised runs of two or more words coordinated with a person ("between Yassir Arafat and
/// Mr Peres", "A, B and C") are persons too.
pub fn promote_coordinated(ctx: &Ctx, ms: &mut [Mention]) {
    for _ in 0..2 {
        for k in 0..ms.len() {
            if ms[k].reference != Ref::Unknown
                || ms[k].tok_end - ms[k].tok_start < 2
                || ctx.all_caps
            {
                continue;
            }
            let joined = |a: &Mention, b: &Mention| {
                a.tok_end < b.tok_start
                    && (a.tok_end..b.tok_start)
                        .all(|j| matches!(ctx.n(j), "and" | "," | "mr" | "mrs" | "ms" | "dr"))
            };
            let near_person =
                (k > 0 && ms[k - 1].reference == Ref::Person && joined(&ms[k - 1], &ms[k]))
                    || (k + 1 < ms.len()
                        && ms[k + 1].reference == Ref::Person
                        && joined(&ms[k], &ms[k + 1]));
            if near_person {
                ms[k].reference = Ref::Person;
                ms[k].kind = Some(Kind::Person);
            }
        }
    }
}

/// "Name, the Russian ambassador ..." / "Name, a spokesman for ..." right after a name.
fn apposition_title(ctx: &Ctx, j: usize) -> bool {
    if ctx.w(j) != "," {
        return false;
    }
    let mut k = j + 1;
    let stop = (k + 6).min(ctx.len());
    while k < stop {
        if title_at(ctx, k).is_some() {
            return true;
        }
        if ctx.w(k) == "," || ctx.w(k) == "." {
            return false;
        }
        k += 1;
    }
    false
}
