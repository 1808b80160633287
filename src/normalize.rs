//! Normalize stage: turns an article's original text into clean text plus an
//! offset map back to the original.
//!
//! What it does, in order:
//! 1. **Characters**: decodes HTML entities (named and numeric, repeatedly for
//!    double-encoded text), unifies curly quotes to `'`/`"`, dashes and minus
//!    signs to `-`, exotic spaces to ` `, removes zero-width characters, soft
//!    hyphens, BOMs, bidi and other control characters, and applies NFKC per
//!    grapheme-like cluster (base character plus combining marks).
//! 2. **Confusables**: folds look-alike letters (Cyrillic, Greek, Cherokee,
//!    Armenian, small capitals, …) to ASCII Latin when they stand in a word that
//!    is otherwise Latin, or in an all-look-alike word whose neighbouring words
//!    are Latin. Genuine Cyrillic/Greek words and accented Latin are kept.
//! 3. **Lines**: rebuilds paragraphs (separated by exactly `"\n\n"`) from hard
//!    wrapped, indented or blank-line separated text, joins hard breaks and blank
//!    lines that fall inside a sentence, collapses runs of spaces, and removes
//!    boilerplate lines (banners, redirects, share/subscribe lines, "Read more:"
//!    links, photo credits, the wire sign-off).
//! 4. **Paragraphs**: removes credit lines (returned as [`Contributor`]s),
//!    call-to-action spam sentences and SEO anchor phrases spliced into
//!    sentences, then decides which paragraph breaks are really inside a
//!    sentence.
//!
//! Every byte of the clean text maps back to the original through
//! [`OffsetMap`]; every removal is listed in [`NormalizeReport::removed`].
//!
//! What it does not do: it does not change letter case (ALL-CAPS headlines stay
//! as they are), does not fix spelling, does not translate or transliterate real
//! non-Latin text, does not split sentences for later stages, and does not use
//! any list of specific sites, people or phrases: all removals are driven by
//! general signals (keyword classes, position, syntax), so some spam that looks
//! like ordinary prose is kept and some odd prose may be cut (see the report).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use unicode_script::{Script, UnicodeScript};

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/// Result of [`normalize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The clean text: paragraphs separated by exactly `"\n\n"`, no other newlines.
    pub text: String,
    /// Clean byte offset -> original byte offset.
    pub map: OffsetMap,
    /// Counts of what was changed.
    pub report: NormalizeReport,
    /// People from credit lines and bylines, removed from the text.
    pub contributors: Vec<Contributor>,
}

impl Normalized {
    /// Like [`OffsetMap::span_to_original`], but first widens `start..end` to
    /// char boundaries of the clean text, so any pair of offsets is accepted.
    pub fn span_to_original(&self, start: usize, end: usize) -> (usize, usize) {
        let len = self.text.len();
        let mut s = start.min(len);
        let mut e = end.min(len).max(s);
        while !self.text.is_char_boundary(s) {
            s -= 1;
        }
        while !self.text.is_char_boundary(e) {
            e += 1;
        }
        self.map.span_to_original(s, e)
    }
}

/// A person named in a credit line ("Reporting by …") or byline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contributor {
    pub name: String,
    /// "reporting", "editing", "writing", "compiling", "photo", "production",
    /// "research", "translation", "graphics", "fact-checking", "video".
    pub role: String,
    pub original_start: usize,
    pub original_end: usize,
}

/// Counts of what [`normalize`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizeReport {
    /// Characters folded to Latin (look-alikes, fullwidth, mathematical letters).
    pub confusables_folded: usize,
    /// HTML entities decoded.
    pub entities_decoded: usize,
    /// Hard breaks inside sentences repaired (line joins, blank lines joined).
    pub line_breaks_joined: usize,
    /// Publisher banners, "read more" lines, redirects, share/subscribe lines,
    /// photo credits, sign-offs.
    pub boilerplate_removed: usize,
    /// Spam phrases/sentences spliced into the text.
    pub spam_removed: usize,
    /// Credit blocks and bylines.
    pub credits_removed: usize,
    /// What was cut, with original offsets, sorted by start.
    pub removed: Vec<Removal>,
}

/// One cut, with its original span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    pub kind: RemovalKind,
    pub original_start: usize,
    pub original_end: usize,
}

/// Why something was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemovalKind {
    Boilerplate,
    Spam,
    Credit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    clean: usize,
    orig: usize,
    clean_len: usize,
    orig_len: usize,
    /// Byte-for-byte copy: offsets inside map linearly. Otherwise the whole
    /// clean run stands for the whole original run.
    exact: bool,
}

/// Clean byte offset -> original byte offset, as sorted runs covering the clean
/// text. Offsets passed in should be char boundaries of the clean text (as any
/// `&str` slicing gives); results are char boundaries of the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    runs: Vec<Run>,
    clean_len: usize,
}

impl OffsetMap {
    fn identity(len: usize) -> Self {
        if len == 0 {
            return Self::default();
        }
        Self {
            runs: vec![Run {
                clean: 0,
                orig: 0,
                clean_len: len,
                orig_len: len,
                exact: true,
            }],
            clean_len: len,
        }
    }

    /// Length of the clean text this map covers.
    pub fn clean_len(&self) -> usize {
        self.clean_len
    }

    /// Number of runs (a measure of how compact the map is).
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// Clean byte offset -> original byte offset (start side); monotone
    /// non-decreasing. Offsets past the end map to the end of the last kept
    /// original character.
    pub fn to_original(&self, clean: usize) -> usize {
        let Some(last) = self.runs.last() else {
            return 0;
        };
        if clean >= self.clean_len {
            return last.orig + last.orig_len;
        }
        let i = self
            .runs
            .partition_point(|r| r.clean <= clean)
            .saturating_sub(1);
        let r = &self.runs[i];
        if r.exact {
            r.orig + (clean - r.clean).min(r.orig_len)
        } else {
            r.orig
        }
    }

    /// End side: the original offset just after the character that ends at
    /// clean offset `clean`.
    fn to_original_end(&self, clean: usize) -> usize {
        if clean == 0 || self.runs.is_empty() {
            return self.to_original(clean);
        }
        let clean = clean.min(self.clean_len);
        let i = self
            .runs
            .partition_point(|r| r.clean < clean)
            .saturating_sub(1);
        let r = &self.runs[i];
        if r.exact {
            r.orig + (clean - r.clean).min(r.orig_len)
        } else {
            r.orig + r.orig_len
        }
    }

    /// Clean span -> original span; `start <= end` in the result, both char
    /// boundaries of the original, covering exactly the text the span came from.
    pub fn span_to_original(&self, start: usize, end: usize) -> (usize, usize) {
        let end = end.max(start);
        let os = self.to_original(start);
        if end == start {
            return (os, os);
        }
        let oe = self.to_original_end(end).max(os);
        (os, oe)
    }
}

// ---------------------------------------------------------------------------
// Keyword lists
// ---------------------------------------------------------------------------

/// Commercial keywords of SEO anchor spam, with weights (2 = strong, 1 = weak).
/// An anchor is a run of Title-Case tokens that are all in this list and that
/// breaks the syntax of its host sentence.
pub const SPAM_KEYWORDS: &[(&str, u8)] = &[
    ("lawyer", 2),
    ("lawyers", 2),
    ("attorney", 2),
    ("attorneys", 2),
    ("casino", 2),
    ("casinos", 2),
    ("loan", 2),
    ("loans", 2),
    ("insurance", 2),
    ("viagra", 2),
    ("cialis", 2),
    ("escort", 2),
    ("escorts", 2),
    ("crypto", 2),
    ("forex", 2),
    ("replica", 2),
    ("replicas", 2),
    ("seo", 2),
    ("payday", 2),
    ("betting", 2),
    ("gambling", 2),
    ("poker", 2),
    ("slots", 2),
    ("porn", 2),
    ("cbd", 2),
    ("pharmacy", 2),
    ("jackpot", 2),
    ("law", 1),
    ("firm", 1),
    ("best", 1),
    ("cheap", 1),
    ("cheapest", 1),
    ("buy", 1),
    ("deal", 1),
    ("deals", 1),
    ("hotel", 1),
    ("hotels", 1),
    ("flight", 1),
    ("flights", 1),
    ("discount", 1),
    ("online", 1),
    ("service", 1),
    ("services", 1),
    ("agency", 1),
    ("top", 1),
    ("free", 1),
    ("sale", 1),
    ("price", 1),
    ("prices", 1),
    ("quote", 1),
    ("quotes", 1),
    ("coupon", 1),
    ("coupons", 1),
    ("shop", 1),
    ("store", 1),
    ("rental", 1),
    ("rentals", 1),
    ("repair", 1),
    ("review", 1),
    ("reviews", 1),
    ("mortgage", 1),
    ("bitcoin", 1),
    ("trading", 1),
    ("marketing", 1),
    ("bonus", 1),
    ("bet", 1),
    ("affordable", 1),
    ("dentist", 1),
    ("plumber", 1),
    ("cleaning", 1),
    ("vpn", 1),
];

const DETERMINERS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "our", "your", "its", "their", "his", "her",
];

const PREPOSITIONS: &[&str] = &[
    "in", "at", "near", "for", "from", "of", "to", "on", "with", "about", "by",
];

/// Words that may follow an anchor but never a real name inside a sentence.
#[rustfmt::skip]
const ANCHOR_BREAK_NEXT: &[&str] = &[
    "according", "visit", "click", "here", "please", "check", "call", "contact",
];

/// Words after which a sentence cannot end.
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    "the", "a", "an", "of", "in", "on", "at", "to", "for", "and", "or", "but", "with", "by",
    "from", "as", "that", "than", "between", "into", "about", "over", "under", "after",
    "before", "during", "his", "her", "its", "their", "our", "my", "your", "this", "these",
    "those", "is", "are", "was", "were", "be", "been", "has", "have", "had", "who", "which",
    "whose", "where", "while", "said", "told", "says", "not", "nor", "via", "against", "among",
    "including", "amid", "toward", "towards", "across", "through", "per", "will", "would",
    "could", "should", "can",
];

/// Capitalised words that typically begin a new sentence (so they do not
/// continue a name like "the U.S. | Embassy").
#[rustfmt::skip]
const SENTENCE_STARTERS: &[&str] = &[
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "you", "but", "and", "or", "so",
    "in", "on", "at", "for", "this", "that", "these", "those", "there", "his", "her", "its",
    "their", "our", "my", "however", "meanwhile", "after", "before", "when", "while", "as",
    "if", "although", "last", "earlier", "later", "mr", "mrs", "ms", "dr", "both", "some",
    "many", "most", "one", "two", "no", "not", "what", "why", "how", "who", "where", "also",
    "yet", "still", "then", "now", "today", "yesterday", "according", "asked", "during",
    "since", "with", "from", "by", "under", "despite", "instead", "other", "such", "all",
    "each", "any",
];

const TITLE_ABBREVS: &[&str] = &[
    "mr.", "mrs.", "ms.", "dr.", "gen.", "sen.", "rep.", "gov.", "lt.", "col.", "capt.", "prof.",
    "st.", "sgt.", "adm.", "maj.", "cmdr.", "amb.", "pres.", "rev.", "hon.", "supt.",
];

const MONTH_ABBREVS: &[&str] = &[
    "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.",
    "dec.", "no.",
];

/// Words that mark a credit entry as an organisation or a job title, not a person.
#[rustfmt::skip]
const NON_PERSON_WORDS: &[&str] = &[
    "reuters", "staff", "staffs", "correspondent", "correspondents", "editor", "editors",
    "reporter", "reporters", "writer", "writers", "news", "agency", "agencies", "press",
    "bureau", "bureaus", "desk", "newsroom", "team", "times", "post", "journal", "contributor",
    "contributors", "wire", "wires", "ap", "afp", "bbc", "upi", "images", "getty", "photo",
    "photos", "service", "services", "media", "online", "senior", "chief", "political",
    "foreign", "special", "international", "our", "the", "associated",
];

// ---------------------------------------------------------------------------
// Regexes
// ---------------------------------------------------------------------------

const ROLE_ALT: &str = r"(?:additional\s+)?(?:reporting|writing|editing|edited|written|compiled|compiling|produced|production|photos?|photography|photographs|research(?:ed)?|translat(?:ed|ion)|graphics|fact-?checking|video|contributing|contributions)";

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

static RE_CREDIT_ROLE: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"(?i)\b({ROLE_ALT})\s+by\s+")));
static RE_PAREN_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\(\s*(?i:{ROLE_ALT})\s+(?i:by)\s+[^()]{{1,600}}\)"
    ))
});
static RE_CREDIT_START: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"^\(?\s*(?i:{ROLE_ALT})\s+(?i:by)\s+\p{{Lu}}")));
static RE_CREDIT_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i:(?:additional\s+)?(?:reporting|writing|editing|compiled|edited|written))\s+(?i:by)\s+\p{Lu}[^.!?()]*$",
    )
});
static RE_NAME_SEP: LazyLock<Regex> = LazyLock::new(|| re(r"\s*(?:[,;&/]|\band\b)\s*"));

// The boilerplate patterns use ASCII word boundaries, `(?-u:\b)`: Unicode ones make the fast
// (lazy DFA) engine give up on any line with a non-ASCII character.
static RE_BP_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:(?-u:\b)(?:originally|first)\s+(?:published|appeared|posted)\s+(?:on|in|at|by)(?-u:\b)|(?-u:\b)(?:will|'ll)\s+(?:shortly\s+|soon\s+|now\s+)?be\s+re-?directed(?-u:\b)|(?-u:\b)all\s+rights\s+reserved(?-u:\b)|(?-u:\b)sign\s+up\s+for\s+(?:our|the|a)(?-u:\b)[^.]{0,40}(?-u:\b)newsletters?(?-u:\b)|(?-u:\b)subscribe\s+to\s+(?:our|the)(?-u:\b)[^.]{0,40}(?-u:\b)(?:newsletters?|channel|podcast|feed|updates|alerts)(?-u:\b)|(?-u:\b)share\s+this\s+(?:article|story|post|page|video)(?-u:\b)|(?-u:\b)copyright\s*(?:©|\(c\)|\d{4})|©)",
    )
});
/// A cheap necessary condition for [`RE_BP_ANYWHERE`]: every branch of it contains one of these
/// words. Checked case-insensitively on ASCII text only; text with other characters (where the
/// regex's Unicode case folding could matter, or "©") always goes to the regex.
fn may_be_boilerplate_anywhere(s: &str) -> bool {
    static WORDS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "published",
                "appeared",
                "posted",
                "directed",
                "rights",
                "newsletter",
                "subscribe",
                "share",
                "copyright",
            ])
            .unwrap_or_else(|e| panic!("built-in boilerplate words: {e}"))
    });
    !s.is_ascii() || WORDS.is_match(s)
}

static RE_BP_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\W{0,3}(?:read\s+more|read\s+also|also\s+read|more\s+on\s+this\s+story|related(?:\s+(?:articles?|stories|content|coverage|news|reading|topics))?|see\s+also|watch|listen|recommended|most\s+read|trending|advertisement|sponsored(?:\s+content)?|story\s+continues\s+below(?:\s+advertisement)?|continue\s+reading|scroll\s+to\s+continue|skip\s+advertisement)(?-u:\b)\s*(?:[:|>»]|-\s|$)",
    )
});
static RE_BP_SOCIAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\W{0,3}(?:subscribe(?-u:\b)|sign\s+up(?-u:\b)|follow\s+(?:us|@\w+|\w+\s+on)(?-u:\b)|share\s+(?:this\s+(?:article|story|post|page|video|link)|(?:on|via)\s+(?:facebook|twitter|x|linkedin|whatsapp|reddit|email|e-mail|pinterest|telegram|messenger))(?-u:\b)|like\s+us\s+on(?-u:\b)|join\s+us\s+on(?-u:\b)|get\s+our\s+\w+\s+newsletter|download\s+(?:our|the)\s+app(?-u:\b)|this\s+(?:post|article|story|piece|report|content)\s+(?:was|is|has\s+been)\s+(?:(?:originally|first)\s+(?:published|posted|syndicated)|syndicated|republished))",
    )
});
static RE_BP_PHOTO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\(?\s*(?:file\s+)?(?:photo(?:graph)?s?|image|picture|pic|illustration|credit|caption|top\s+image)\s*(?::|by(?-u:\b)|credit(?-u:\b)|/)",
    )
});
static RE_BP_AGENCY_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\(?[^()]{0,80}/\s*(?:getty(?:\s+images)?|afp|reuters|ap(?:\s+photo)?|epa(?:-efe)?|shutterstock|bloomberg|alamy|sputnik|tass|xinhua|anadolu(?:\s+agency)?|pa(?:\s+(?:wire|images))?|nurphoto|sipa)(?-u:\b)[^()]{0,40}\)?$",
    )
});
static RE_SIGNOFF: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(?:reuters?|afp|ap|upi)\.?$"));

static RE_CTA: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:click\s+here|visit\s+(?:our|my)\s+(?:web\s*page|web\s*site|site|homepage|home\s+page|blog|store|shop|page|link)|check\s+out\s+(?:our|my|this\s+(?:site|website|page|link))|for\s+(?:more|further|additional)\s+(?:info|information|details)\b[^.!?]{0,80}?\b(?:visit|see|go\s+to|click|check)\b|(?:here\s+is|here's)\s+more\s+(?:info|information|details)\s+(?:in\s+regards?\s+to|regarding|about|on|concerning|with\s+regards?\s+to)|(?:buy|order|shop)\s+now\s*(?:!|(?:at|from|on)\s+(?:our|www\.|https?://))|sign\s+up\s+(?:now|today|here)|subscribe\s+(?:now|today|here)|call\s+(?:us|now)\s+(?:now|today|at)|(?:visit|go\s+to)\s+(?:https?://|www\.)\S+|more\s+info\s+(?:at|here)|learn\s+more\s+(?:at|here))\b",
    )
});

static KEYWORD_WEIGHTS: LazyLock<HashMap<&'static str, u8>> =
    LazyLock::new(|| SPAM_KEYWORDS.iter().copied().collect());

/// Cheap prefilter: a Title-Case or upper-case spam keyword as a whole word.
static RE_KEYWORD_PREFILTER: LazyLock<Regex> = LazyLock::new(|| {
    let alts: Vec<String> = SPAM_KEYWORDS
        .iter()
        .flat_map(|(k, _)| {
            let mut c = k.chars();
            let title: String = c
                .next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default();
            [title, k.to_ascii_uppercase()]
        })
        .collect();
    re(&format!(r"\b(?:{})\b", alts.join("|")))
});

static RE_TOKEN: LazyLock<Regex> = LazyLock::new(|| re(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}'.&-]*"));

// ---------------------------------------------------------------------------
// Builder machinery
// ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Src<'a> {
    text: &'a str,
    map: &'a OffsetMap,
}

struct Layer {
    text: String,
    map: OffsetMap,
}

impl Layer {
    fn src(&self) -> Src<'_> {
        Src {
            text: &self.text,
            map: &self.map,
        }
    }
}

struct Builder {
    text: String,
    runs: Vec<Run>,
    /// Index of the source run used last (copies are mostly sequential).
    hint: usize,
}

impl Builder {
    fn new(cap: usize) -> Self {
        Self {
            text: String::with_capacity(cap),
            runs: Vec::new(),
            hint: 0,
        }
    }

    fn push_run(
        &mut self,
        clean: usize,
        clean_len: usize,
        orig: usize,
        orig_len: usize,
        exact: bool,
    ) {
        if clean_len == 0 {
            return;
        }
        let prev = self.runs.last_mut();
        if let Some(last) = prev.filter(|l| l.clean + l.clean_len == clean) {
            {
                if exact && last.exact && last.orig + last.orig_len == orig {
                    last.clean_len += clean_len;
                    last.orig_len += orig_len;
                    return;
                }
                if !exact && !last.exact && last.orig == orig && last.orig_len == orig_len {
                    last.clean_len += clean_len;
                    return;
                }
            }
        }
        debug_assert!(self.runs.last().is_none_or(|l| l.orig <= orig));
        self.runs.push(Run {
            clean,
            orig,
            clean_len,
            orig_len,
            exact,
        });
    }

    /// Appends `src.text[a..b]`, mapped through `src.map`.
    fn copy(&mut self, src: Src<'_>, a: usize, b: usize) {
        if a >= b {
            return;
        }
        let start = self.text.len();
        self.text.push_str(&src.text[a..b]);
        let runs = &src.map.runs;
        // copies are mostly sequential: try the run after the last one used
        let h = self.hint;
        let mut i = if h < runs.len() && runs[h].clean <= a {
            if runs.get(h + 1).is_none_or(|r| r.clean > a) {
                h
            } else if runs.get(h + 2).is_none_or(|r| r.clean > a) {
                h + 1
            } else {
                runs.partition_point(|r| r.clean <= a).saturating_sub(1)
            }
        } else {
            runs.partition_point(|r| r.clean <= a).saturating_sub(1)
        };
        let mut pos = a;
        while pos < b && i < runs.len() {
            let r = runs[i];
            let r_end = r.clean + r.clean_len;
            if r_end <= pos {
                i += 1;
                continue;
            }
            let y = b.min(r_end);
            let cs = start + (pos - a);
            if r.exact {
                self.push_run(cs, y - pos, r.orig + (pos - r.clean), y - pos, true);
            } else {
                self.push_run(cs, y - pos, r.orig, r.orig_len, false);
            }
            pos = y;
            self.hint = i;
            i += 1;
        }
    }

    /// Appends `s` standing for `src.text[a..b]` (or inserted at `a` when `a == b`).
    fn replace(&mut self, s: &str, src: Src<'_>, a: usize, b: usize) {
        if s.is_empty() {
            return;
        }
        let (o, oe) = src.map.span_to_original(a, b);
        let start = self.text.len();
        self.text.push_str(s);
        self.push_run(start, s.len(), o, oe - o, false);
    }

    fn finish(self) -> Layer {
        let clean_len = self.text.len();
        Layer {
            text: self.text,
            map: OffsetMap {
                runs: self.runs,
                clean_len,
            },
        }
    }
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

/// Normalizes an article. Never panics.
pub fn normalize(original: &str) -> Normalized {
    let mut report = NormalizeReport::default();
    let mut contributors = Vec::new();
    let ident = OffsetMap::identity(original.len());

    // Stage 1: characters, repeated while entities keep decoding (double encoding).
    let mut layer = stage_chars(
        Src {
            text: original,
            map: &ident,
        },
        &mut report,
    );
    for _ in 0..3 {
        if !layer.1 {
            break;
        }
        let next = stage_chars(layer.0.src(), &mut report);
        layer = next;
    }
    let mut layer = layer.0;
    if let Some(folded) = stage_fold(layer.src(), &mut report) {
        layer = folded;
    }
    let layer = stage_lines(layer.src(), &mut report, &mut contributors);
    let layer = stage_paragraphs(layer.src(), &mut report, &mut contributors);

    report
        .removed
        .sort_by_key(|r| (r.original_start, r.original_end));
    contributors.sort_by_key(|c| (c.original_start, c.original_end));
    Normalized {
        text: layer.text,
        map: layer.map,
        report,
        contributors,
    }
}

// ---------------------------------------------------------------------------
// Stage 1: characters
// ---------------------------------------------------------------------------

fn is_plain_ascii(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b'&' || b == b'\n'
}

/// Pushes the unified form of `c` (quotes, dashes, spaces, removals).
fn unify_char(c: char, out: &mut String) {
    match c {
        '\u{00A0}'
        | '\u{2000}'..='\u{200A}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{3000}'
        | '\u{1680}'
        | '\t'
        | '\u{0B}'
        | '\u{0C}' => out.push(' '),
        '\u{200B}'..='\u{200F}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{180E}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FFF9}'..='\u{FFFB}' => {}
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}'
        | '\u{02BC}' | '\u{FF07}' | '\u{2039}' | '\u{203A}' => out.push('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
        | '\u{00AB}' | '\u{00BB}' | '\u{FF02}' => out.push('"'),
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}'
        | '\u{2E3A}'
        | '\u{2E3B}' => out.push('-'),
        '\u{2028}' | '\u{0085}' | '\r' => out.push('\n'),
        '\u{2029}' => out.push_str("\n\n"),
        '\n' => out.push('\n'),
        c if c.is_control() => {}
        c => out.push(c),
    }
}

#[derive(Default)]
struct Cluster {
    active: bool,
    start: usize,
    end: usize,
    buf: String,
    pristine: bool,
}

fn flush_cluster(cl: &mut Cluster, out: &mut Builder, src: Src<'_>, report: &mut NormalizeReport) {
    if !cl.active {
        return;
    }
    cl.active = false;
    let orig = &src.text[cl.start..cl.end];
    let single = {
        let mut it = cl.buf.chars();
        it.next().is_some() && it.next().is_none()
    };
    if cl.pristine && single && cl.buf.is_ascii() {
        out.copy(src, cl.start, cl.end);
        return;
    }
    let nf = if is_nfkc_quick(cl.buf.chars()) == IsNormalized::Yes {
        None
    } else {
        let n: String = cl.buf.nfkc().collect();
        // a look-alike whose own NFKC form is not ASCII (e.g. lunate sigma) is
        // left for the confusable stage
        let lookalike = cl.buf.chars().next().is_some_and(|c| {
            fold_target(c).is_some() && !c.to_string().nfkc().all(|x| x.is_ascii())
        });
        if (n.starts_with(' ') && !cl.buf.starts_with(' ')) || lookalike {
            // keep spacing accents, and look-alikes for the confusable stage
            None
        } else {
            Some(n)
        }
    };
    let res = match nf {
        Some(n) => {
            let mut r = String::with_capacity(n.len());
            for c in n.chars() {
                unify_char(c, &mut r);
            }
            r
        }
        None => std::mem::take(&mut cl.buf),
    };
    if res == orig {
        out.copy(src, cl.start, cl.end);
        return;
    }
    if !res.is_empty()
        && res.chars().all(|c| c.is_ascii_alphanumeric())
        && orig.chars().any(|c| !c.is_ascii() && c.is_alphanumeric())
    {
        report.confusables_folded += 1;
    }
    out.replace(&res, src, cl.start, cl.end);
}

/// One pass of character normalization. Returns the layer and whether any
/// entity was decoded (a further pass then handles double encoding).
fn stage_chars(src: Src<'_>, report: &mut NormalizeReport) -> (Layer, bool) {
    let text = src.text;
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut out = Builder::new(n);
    let mut cl = Cluster::default();
    let mut decoded_any = false;
    let mut i = 0;
    let mut unit = String::new();
    while i < n {
        let b = bytes[i];
        if is_plain_ascii(b) {
            let mut j = i + 1;
            while j < n && is_plain_ascii(bytes[j]) {
                j += 1;
            }
            flush_cluster(&mut cl, &mut out, src, report);
            out.copy(src, i, j - 1);
            cl.active = true;
            cl.start = j - 1;
            cl.end = j;
            cl.buf.clear();
            cl.buf.push(bytes[j - 1] as char);
            cl.pristine = true;
            i = j;
            continue;
        }
        unit.clear();
        let (len, literal, orig_char) = if b == b'&' {
            match parse_entity(&text[i..]) {
                Some((c, l)) => {
                    report.entities_decoded += 1;
                    decoded_any = true;
                    unify_char(c, &mut unit);
                    (l, false, None)
                }
                None => {
                    unit.push('&');
                    (1, true, Some('&'))
                }
            }
        } else if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            unit.push('\n');
            (2, false, None)
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            unify_char(c, &mut unit);
            (c.len_utf8(), true, Some(c))
        };
        let end = i + len;
        let first = unit.chars().next();
        match first {
            None => {
                // Removed character: a following combining mark may still join the cluster.
            }
            Some(fc) if is_combining_mark(fc) && cl.active => {
                cl.buf.push_str(&unit);
                cl.end = end;
                cl.pristine = false;
            }
            Some(_) => {
                flush_cluster(&mut cl, &mut out, src, report);
                cl.active = true;
                cl.start = i;
                cl.end = end;
                cl.buf.clear();
                cl.buf.push_str(&unit);
                cl.pristine = literal
                    && orig_char.is_some_and(|oc| {
                        let mut it = unit.chars();
                        it.next() == Some(oc) && it.next().is_none()
                    });
            }
        }
        i = end;
    }
    flush_cluster(&mut cl, &mut out, src, report);
    (out.finish(), decoded_any)
}

const LATIN1_ENTITIES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

fn named_entity(name: &str) -> Option<char> {
    let c = match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "sbquo" => '\u{201A}',
        "ldquo" => '\u{201C}',
        "rdquo" => '\u{201D}',
        "bdquo" => '\u{201E}',
        "hellip" => '\u{2026}',
        "bull" => '\u{2022}',
        "dagger" => '\u{2020}',
        "Dagger" => '\u{2021}',
        "permil" => '\u{2030}',
        "lsaquo" => '\u{2039}',
        "rsaquo" => '\u{203A}',
        "euro" => '\u{20AC}',
        "trade" => '\u{2122}',
        "prime" => '\u{2032}',
        "Prime" => '\u{2033}',
        "OElig" => '\u{0152}',
        "oelig" => '\u{0153}',
        "Scaron" => '\u{0160}',
        "scaron" => '\u{0161}',
        "Yuml" => '\u{0178}',
        "fnof" => '\u{0192}',
        "circ" => '\u{02C6}',
        "tilde" => '\u{02DC}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        "lrm" => '\u{200E}',
        "rlm" => '\u{200F}',
        "minus" => '\u{2212}',
        "hyphen" | "dash" => '\u{2010}',
        "larr" => '\u{2190}',
        "rarr" => '\u{2192}',
        "uarr" => '\u{2191}',
        "darr" => '\u{2193}',
        "NewLine" => '\n',
        "Tab" => '\t',
        _ => {
            let i = LATIN1_ENTITIES.iter().position(|n| *n == name)?;
            return char::from_u32(0xA0 + i as u32);
        }
    };
    Some(c)
}

/// Windows-1252 meaning of numeric references 128..=159.
fn cp1252(v: u32) -> Option<char> {
    const T: [u32; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    let m = T[(v - 0x80) as usize];
    if m == 0 { None } else { char::from_u32(m) }
}

/// Parses an entity at the start of `s` (which starts with '&'); `;` required.
fn parse_entity(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let (hex, start) = match b.get(2) {
            Some(b'x') | Some(b'X') => (true, 3),
            _ => (false, 2),
        };
        let mut j = start;
        while j < b.len()
            && j - start < 8
            && (if hex {
                b[j].is_ascii_hexdigit()
            } else {
                b[j].is_ascii_digit()
            })
        {
            j += 1;
        }
        if j == start || b.get(j) != Some(&b';') {
            return None;
        }
        let v = u32::from_str_radix(&s[start..j], if hex { 16 } else { 10 }).ok()?;
        let c = if (0x80..=0x9f).contains(&v) {
            cp1252(v)?
        } else if v == 0 {
            return None;
        } else {
            char::from_u32(v)?
        };
        return Some((c, j + 1));
    }
    let mut j = 1;
    while j < b.len() && j <= 10 && b[j].is_ascii_alphanumeric() {
        j += 1;
    }
    if j == 1 || b.get(j) != Some(&b';') {
        return None;
    }
    named_entity(&s[1..j]).map(|c| (c, j + 1))
}

// ---------------------------------------------------------------------------
// Stage 1b: confusables
// ---------------------------------------------------------------------------

/// Latin look-alike letters whose UTS #39 prototype is not ASCII.
fn supplement(c: char) -> Option<char> {
    Some(match c {
        'ᴛ' => 't',
        'ĸ' => 'k',
        'ʙ' => 'b',
        'ꞓ' => 'e',
        'ᴀ' => 'a',
        'ʀ' => 'r',
        'ʜ' => 'h',
        'ʍ' => 'm',
        'ƅ' => 'b',
        'ᥙ' => 'u',
        'ᦞ' => 'o',
        'ω' => 'w',
        'ɩ' => 'i',
        'ᴄ' => 'c',
        'ᴅ' => 'd',
        'ᴇ' => 'e',
        'ᴊ' => 'j',
        'ᴋ' => 'k',
        'ᴍ' => 'm',
        'ᴘ' => 'p',
        'ᴜ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ᴢ' => 'z',
        'ꜰ' => 'f',
        'ɢ' => 'g',
        'ʟ' => 'l',
        'ɴ' => 'n',
        'ꜱ' => 's',
        'ʏ' => 'y',
        _ => return None,
    })
}

fn latin_lookalike_block(c: char) -> bool {
    matches!(c as u32, 0x0180..=0x02AF | 0x1D00..=0x1DBF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xAB30..=0xAB6F)
}

/// The ASCII letter a non-ASCII look-alike stands for, case preserved.
fn fold_target(c: char) -> Option<char> {
    if c.is_ascii() || c == 'ı' || is_combining_mark(c) {
        return None;
    }
    let script = c.script();
    if script == Script::Latin && !latin_lookalike_block(c) {
        return None;
    }
    let mut buf = [0u8; 4];
    let mut sk = unicode_security::skeleton(c.encode_utf8(&mut buf));
    let mut first = sk.next()?;
    // hooked letters: "'D", "d" + hook mark
    if first == '\'' {
        first = sk.next()?;
    }
    if sk.any(|m| !is_combining_mark(m)) {
        return None;
    }
    let t = if first.is_ascii() {
        first
    } else {
        supplement(first).or_else(|| supplement(c))?
    };
    if !t.is_ascii_alphabetic() {
        return None;
    }
    // The prototype's case is the look-alike's shape; only 'l' stands for both
    // "l" and "I".
    if c.is_uppercase() && t == 'l' {
        return Some('I');
    }
    Some(t)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordClass {
    Latin,
    Foreign,
    Ambiguous,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn stage_fold(src: Src<'_>, report: &mut NormalizeReport) -> Option<Layer> {
    let text = src.text;
    if text.is_ascii() {
        return None;
    }
    let mut cache: HashMap<char, Option<char>> = HashMap::new();
    let mut target = |c: char| *cache.entry(c).or_insert_with(|| fold_target(c));
    // (start, end, class, has_confusables)
    let mut words: Vec<(usize, usize, WordClass, bool)> = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((ws, c)) = it.next() {
        if !is_word_char(c) {
            continue;
        }
        let (mut latin, mut foreign, mut conf) = (0usize, 0usize, 0usize);
        let mut we = ws;
        let mut cur = Some((ws, c));
        while let Some((p, ch)) = cur {
            we = p + ch.len_utf8();
            if ch.is_ascii_alphabetic() {
                latin += 1;
            } else if ch.is_ascii() || is_combining_mark(ch) {
            } else if target(ch).is_some() {
                conf += 1;
            } else {
                match ch.script() {
                    Script::Latin => latin += 1,
                    Script::Common | Script::Inherited | Script::Unknown => {}
                    _ if ch.is_alphabetic() => foreign += 1,
                    _ => {}
                }
            }
            cur = match it.peek() {
                Some(&(p2, c2)) if is_word_char(c2) => {
                    it.next();
                    Some((p2, c2))
                }
                _ => None,
            };
        }
        let class = if latin == 0 && foreign == 0 {
            if conf == 0 {
                continue;
            }
            WordClass::Ambiguous
        } else if latin > foreign {
            WordClass::Latin
        } else {
            WordClass::Foreign
        };
        words.push((ws, we, class, conf > 0));
    }
    // Resolve ambiguous words from their nearest unambiguous neighbours.
    let n = words.len();
    let mut left: Vec<Option<WordClass>> = vec![None; n];
    let mut last = None;
    for (i, w) in words.iter().enumerate() {
        left[i] = last;
        if w.2 != WordClass::Ambiguous {
            last = Some(w.2);
        }
    }
    let mut fold_ranges: Vec<(usize, usize)> = Vec::new();
    let mut next = None;
    for i in (0..n).rev() {
        let w = words[i];
        let fold = match w.2 {
            WordClass::Latin => w.3,
            WordClass::Foreign => false,
            WordClass::Ambiguous => {
                let (l, r) = (left[i], next);
                (l.is_some() || r.is_some())
                    && l != Some(WordClass::Foreign)
                    && r != Some(WordClass::Foreign)
            }
        };
        if w.2 != WordClass::Ambiguous {
            next = Some(w.2);
        }
        if fold {
            fold_ranges.push((w.0, w.1));
        }
    }
    if fold_ranges.is_empty() {
        return None;
    }
    fold_ranges.reverse();
    let mut out = Builder::new(text.len());
    let mut pos = 0;
    for (ws, we) in fold_ranges {
        out.copy(src, pos, ws);
        let mut k = ws;
        while k < we {
            let Some(c) = text[k..].chars().next() else {
                break;
            };
            let cl = c.len_utf8();
            match target(c) {
                Some(t) => {
                    let mut m = k + cl;
                    let mut s = String::new();
                    s.push(t);
                    while m < we {
                        match text[m..].chars().next() {
                            Some(mc) if is_combining_mark(mc) => {
                                s.push(mc);
                                m += mc.len_utf8();
                            }
                            _ => break,
                        }
                    }
                    let s: String = s.nfkc().collect();
                    out.replace(&s, src, k, m);
                    report.confusables_folded += 1;
                    k = m;
                }
                None => {
                    out.copy(src, k, k + cl);
                    k += cl;
                }
            }
        }
        pos = we;
    }
    out.copy(src, pos, text.len());
    Some(out.finish())
}

// ---------------------------------------------------------------------------
// Stage 2: lines
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LineKind {
    Blank,
    Text,
    /// Its own paragraph (headline in capitals, credit line, byline).
    Forced,
    Boiler,
}

#[derive(Clone, Copy, Debug)]
struct LineInfo {
    indent: usize,
    cs: usize,
    ce: usize,
    kind: LineKind,
}

fn word_count(s: &str) -> usize {
    // the text here has only ASCII whitespace left
    let mut n = 0;
    let mut in_word = false;
    for &b in s.as_bytes() {
        let ws = matches!(b, b' ' | b'\n' | b'\t');
        if !ws && !in_word {
            n += 1;
        }
        in_word = !ws;
    }
    n
}

fn ends_final(s: &str) -> bool {
    let t = s.trim_end_matches(['"', '\'', ')', ']', ' ']);
    t.ends_with(['.', '!', '?', '…'])
}

fn is_all_caps_heading(s: &str) -> bool {
    let mut letters = 0;
    for c in s.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_alphabetic() {
            letters += 1;
        }
    }
    letters >= 8 || (letters >= 4 && word_count(s) >= 2)
}

/// Whole-line boilerplate. Returns true when `s` (a line or paragraph) is a
/// banner, redirect, link line, share line or photo credit.
fn is_boilerplate(s: &str) -> bool {
    let words = word_count(s);
    if words == 0 {
        return false;
    }
    if words <= 25 && may_be_boilerplate_anywhere(s) && RE_BP_ANYWHERE.is_match(s) {
        return true;
    }
    if words <= 40 && RE_BP_PREFIX.is_match(s) {
        return true;
    }
    if words <= 20 && RE_BP_SOCIAL.is_match(s) {
        return true;
    }
    // An agency credit has a slash ("Jane Doe/Reuters"); the regex runs only on lines with one.
    if words <= 25
        && (RE_BP_PHOTO.is_match(s) || (s.contains('/') && RE_BP_AGENCY_CREDIT.is_match(s)))
    {
        return true;
    }
    // A line made only of share-button labels.
    if words <= 8 {
        const SHARE: &[&str] = &[
            "share",
            "tweet",
            "email",
            "e-mail",
            "print",
            "facebook",
            "twitter",
            "x",
            "whatsapp",
            "linkedin",
            "reddit",
            "pinterest",
            "telegram",
            "copy",
            "link",
            "save",
            "comments",
            "comment",
            "messenger",
        ];
        let mut any = false;
        let all = s
            .split(|c: char| c.is_whitespace() || matches!(c, '|' | '/' | ',' | '-' | ':'))
            .filter(|w| !w.is_empty())
            .all(|w| {
                any = true;
                SHARE.contains(&w.to_lowercase().as_str())
            });
        if all && any && s.to_lowercase().contains("share") {
            return true;
        }
    }
    false
}

/// Photo-credit lines: the photographer, if one is named.
fn photo_credit_name(s: &str) -> Option<(usize, usize)> {
    if !(RE_BP_PHOTO.is_match(s) || RE_BP_AGENCY_CREDIT.is_match(s)) || word_count(s) > 25 {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let start = if let Some(p) = lower.find(" by ") {
        p + 4
    } else if let Some(p) = s.find(':') {
        p + 1
    } else {
        let p = s.find('(').map_or(0, |p| p + 1);
        // "(Jane Doe/Getty Images)"
        if RE_BP_AGENCY_CREDIT.is_match(s) {
            p
        } else {
            return None;
        }
    };
    let rest = &s[start..];
    let end_rel = rest.find(['/', '(', ')', '|', ';']).unwrap_or(rest.len());
    let raw = &rest[..end_rel];
    let lead = raw.len() - raw.trim_start().len();
    let name = raw.trim();
    if is_person_name(name) {
        Some((start + lead, start + lead + name.len()))
    } else {
        None
    }
}

fn is_person_name(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 {
        return false;
    }
    if !name.chars().next().is_some_and(|c| c.is_uppercase()) {
        return false;
    }
    const PARTICLES: &[&str] = &[
        "de", "van", "von", "der", "den", "da", "al", "bin", "la", "le", "del", "di", "du", "el",
        "dos", "das", "ter", "ten", "y",
    ];
    let mut capitals = 0;
    for w in &words {
        let lw = w.to_lowercase();
        let lw = lw.trim_matches(|c: char| !c.is_alphanumeric());
        if NON_PERSON_WORDS.contains(&lw) {
            return false;
        }
        let first = w.chars().next().unwrap_or(' ');
        if first.is_uppercase() {
            capitals += 1;
        } else if !PARTICLES.contains(&lw) {
            return false;
        }
        if w.chars().any(|c| c.is_ascii_digit() || c == '@') {
            return false;
        }
    }
    capitals >= 1
}

fn is_byline(s: &str) -> Option<usize> {
    let rest = s.strip_prefix("By ").or_else(|| s.strip_prefix("BY "))?;
    if !rest.chars().next().is_some_and(|c| c.is_uppercase()) || word_count(s) > 14 {
        return None;
    }
    if s.ends_with(['.', '!', '?']) && !s.ends_with(|c: char| c.is_uppercase()) {
        // "By ... ." with a full stop is a sentence, unless it ends in an initial.
        let t = s.trim_end_matches('.');
        if t.rsplit(' ').next().is_none_or(|w| w.len() > 2) {
            return None;
        }
    }
    Some(3)
}

fn signoff(s: &str) -> bool {
    RE_SIGNOFF.is_match(s.trim())
}

fn stage_lines(
    src: Src<'_>,
    report: &mut NormalizeReport,
    contributors: &mut Vec<Contributor>,
) -> Layer {
    let text = src.text;
    let bytes = text.as_bytes();
    let mut lines: Vec<LineInfo> = Vec::new();
    let mut s = 0;
    loop {
        let e = memchr::memchr(b'\n', &bytes[s..]).map_or(bytes.len(), |p| s + p);
        let mut cs = s;
        while cs < e && bytes[cs] == b' ' {
            cs += 1;
        }
        let mut ce = e;
        while ce > cs && bytes[ce - 1] == b' ' {
            ce -= 1;
        }
        lines.push(LineInfo {
            indent: cs - s,
            cs,
            ce,
            kind: if cs == ce {
                LineKind::Blank
            } else {
                LineKind::Text
            },
        });
        if e >= bytes.len() {
            break;
        }
        s = e + 1;
    }

    // Classify.
    let mut nonblank_seen = 0;
    let mut prev_boiler_open = false;
    let mut prev_kind = LineKind::Blank;
    // Whether the previous line ended a sentence: a hard-wrapped line that continues a
    // sentence ("... per\nshare on its common stock") is never a banner or a credit.
    let mut prev_final = true;
    for li in lines.iter_mut() {
        if li.kind == LineKind::Blank {
            prev_boiler_open = false;
            prev_kind = LineKind::Blank;
            prev_final = true;
            continue;
        }
        let content = &text[li.cs..li.ce];
        let starts_sentence = prev_final || li.indent > 0 || prev_kind == LineKind::Boiler;
        prev_final = ends_final(content) || is_all_caps_heading(content);
        let starts_lower = content.chars().next().is_some_and(|c| c.is_lowercase());
        if (starts_sentence && is_boilerplate(content))
            || (prev_boiler_open && prev_kind == LineKind::Boiler && starts_lower && li.indent == 0)
        {
            li.kind = LineKind::Boiler;
            prev_boiler_open = !ends_final(content);
            if let Some((a, b)) = photo_credit_name(content) {
                let (os, oe) = src.map.span_to_original(li.cs + a, li.cs + b);
                contributors.push(Contributor {
                    name: content[a..b].to_string(),
                    role: "photo".to_string(),
                    original_start: os,
                    original_end: oe,
                });
            }
        } else {
            prev_boiler_open = false;
            if is_all_caps_heading(content)
                || (starts_sentence && RE_CREDIT_START.is_match(content))
                || (nonblank_seen < 3 && is_byline(content).is_some())
            {
                li.kind = LineKind::Forced;
            }
        }
        prev_kind = li.kind;
        nonblank_seen += 1;
    }
    // Sign-off lines at the very end.
    for li in lines.iter_mut().rev() {
        match li.kind {
            LineKind::Blank | LineKind::Boiler => continue,
            _ if signoff(&text[li.cs..li.ce]) => li.kind = LineKind::Boiler,
            _ => break,
        }
    }

    // Indentation as a paragraph signal.
    let kept: Vec<&LineInfo> = lines
        .iter()
        .filter(|l| matches!(l.kind, LineKind::Text | LineKind::Forced))
        .collect();
    let min_indent = kept.iter().map(|l| l.indent).min().unwrap_or(0);
    let indent_signal = kept.iter().any(|l| l.indent >= min_indent + 2);
    let indented = |l: &LineInfo| indent_signal && l.indent >= min_indent + 2;

    // Hard-wrapped text or one line per paragraph?
    let mut cand = 0usize;
    let mut short = 0usize;
    for w in lines.windows(2) {
        if w[0].kind == LineKind::Text && w[1].kind == LineKind::Text && !indented(&w[1]) {
            cand += 1;
            if text[w[0].cs..w[0].ce].chars().count() <= 90 {
                short += 1;
            }
        }
    }
    let wrapped = cand == 0 || short * 10 >= cand * 6;

    let mut out = Builder::new(text.len());
    let mut prev: Option<LineInfo> = None;
    let mut saw_break = false;
    for li in &lines {
        match li.kind {
            LineKind::Blank => {
                saw_break = true;
                continue;
            }
            LineKind::Boiler => {
                saw_break = true;
                report.boilerplate_removed += 1;
                let (os, oe) = src.map.span_to_original(li.cs, li.ce);
                report.removed.push(Removal {
                    kind: RemovalKind::Boilerplate,
                    original_start: os,
                    original_end: oe,
                });
                continue;
            }
            LineKind::Text | LineKind::Forced => {}
        }
        if let Some(p) = prev {
            let brk = saw_break
                || indented(li)
                || !wrapped
                || li.kind == LineKind::Forced
                || p.kind == LineKind::Forced;
            if brk {
                out.replace("\n\n", src, p.ce, li.cs);
            } else {
                report.line_breaks_joined += 1;
                let pc = &text[p.cs..p.ce];
                let nc = &text[li.cs..li.ce];
                let mut pcs = pc.chars().rev();
                let hyphen = pcs.next() == Some('-')
                    && pcs.next().is_some_and(|c| c.is_lowercase())
                    && nc.chars().next().is_some_and(|c| c.is_lowercase());
                if !hyphen {
                    out.replace(" ", src, p.ce, li.cs);
                }
            }
        }
        emit_collapsed(&mut out, src, li.cs, li.ce);
        prev = Some(*li);
        saw_break = false;
    }
    out.finish()
}

/// Copies `src.text[a..b]` with runs of spaces collapsed to one.
fn emit_collapsed(out: &mut Builder, src: Src<'_>, a: usize, b: usize) {
    let bytes = src.text.as_bytes();
    let finder = memchr::memmem::Finder::new(b"  ");
    let mut k = a;
    while k < b {
        match finder.find(&bytes[k..b]) {
            None => {
                out.copy(src, k, b);
                break;
            }
            Some(off) => {
                let p = k + off;
                out.copy(src, k, p + 1);
                let mut q = p + 1;
                while q < b && bytes[q] == b' ' {
                    q += 1;
                }
                k = q;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Stage 3: paragraphs (credits, spam, sentence-internal breaks)
// ---------------------------------------------------------------------------

struct Tok {
    s: usize,
    e: usize,
    lower: String,
    title: bool,
    weight: u8,
}

fn tokenize(p: &str) -> Vec<Tok> {
    RE_TOKEN
        .find_iter(p)
        .map(|m| {
            let t = m.as_str();
            let core = t.trim_end_matches(['.', '-', '\'']);
            let core = core.strip_suffix("'s").unwrap_or(core);
            let lower = core.to_lowercase();
            let mut cs = core.chars();
            let first_up = cs.next().is_some_and(|c| c.is_uppercase());
            let rest_lower = core.chars().skip(1).any(|c| c.is_lowercase());
            let all_up = core.chars().all(|c| !c.is_lowercase());
            let title = first_up && (rest_lower || (all_up && core.len() <= 4));
            let weight = if title {
                KEYWORD_WEIGHTS.get(lower.as_str()).copied().unwrap_or(0)
            } else {
                0
            };
            Tok {
                s: m.start(),
                e: m.end(),
                lower,
                title,
                weight,
            }
        })
        .collect()
}

/// Keyword runs: (first token, last token exclusive, weight).
fn keyword_runs(p: &str, toks: &[Tok]) -> Vec<(usize, usize, u32)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].title && toks[i].weight > 0 {
            let mut j = i + 1;
            let mut w = toks[i].weight as u32;
            while j < toks.len()
                && toks[j].title
                && toks[j].weight > 0
                && &p[toks[j - 1].e..toks[j].s] == " "
            {
                w += toks[j].weight as u32;
                j += 1;
            }
            runs.push((i, j, w));
            i = j;
        } else {
            i += 1;
        }
    }
    runs
}

fn run_key(toks: &[Tok], a: usize, b: usize) -> String {
    toks[a..b]
        .iter()
        .map(|t| t.lower.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// SEO anchor spans inside paragraph `p` (paragraph-relative).
fn anchor_spans(p: &str, counts: &HashMap<String, usize>) -> Vec<(usize, usize)> {
    if !RE_KEYWORD_PREFILTER.is_match(p) {
        return Vec::new();
    }
    let toks = tokenize(p);
    let mut spans = Vec::new();
    let gap = |a: usize, b: usize| &p[toks[a].e..toks[b].s] == " ";
    for (a, b, w) in keyword_runs(p, &toks) {
        if w < 2 {
            continue;
        }
        let p1 = (a >= 1 && gap(a - 1, a)).then(|| &toks[a - 1]);
        let p2 = (a >= 2 && p1.is_some() && gap(a - 2, a - 1)).then(|| &toks[a - 2]);
        let n1 = (b < toks.len() && gap(b - 1, b)).then(|| &toks[b]);
        let det_before_cap = p1
            .is_some_and(|t| DETERMINERS.contains(&t.lower.as_str()) && !t.title)
            && n1.is_some_and(|t| t.title);
        let break_next =
            n1.is_some_and(|t| !t.title && ANCHOR_BREAK_NEXT.contains(&t.lower.as_str()));
        let key = run_key(&toks, a, b);
        let repeats = counts.get(&key).copied().unwrap_or(0);
        // "in Place Keywords <lowercase>": a place name glued to the anchor.
        let place_ext = match (p1, p2) {
            (Some(t1), Some(t2))
                if t1.title
                    && t1.weight == 0
                    && !t2.title
                    && PREPOSITIONS.contains(&t2.lower.as_str())
                    && n1.is_none_or(|t| !t.title) =>
            {
                let pk = format!("{} {}", t1.lower, key);
                counts.get(&pk).copied().unwrap_or(0) >= 2 || break_next
            }
            _ => false,
        };
        let brk = det_before_cap || break_next || place_ext;
        let spam = brk && (w >= 3 || (w >= 2 && b - a >= 2 && repeats >= 2));
        if !spam {
            continue;
        }
        let start = if place_ext { toks[a - 2].s } else { toks[a].s };
        let mut end = toks[b - 1].e;
        // keep a sentence-final full stop that the token swallowed
        if p[..end].ends_with('.') && n1.is_none() {
            end -= 1;
        }
        spans.push((start, end));
    }
    spans
}

fn count_anchor_keys(p: &str, counts: &mut HashMap<String, usize>) {
    if !RE_KEYWORD_PREFILTER.is_match(p) {
        return;
    }
    let toks = tokenize(p);
    for (a, b, w) in keyword_runs(p, &toks) {
        if w < 2 {
            continue;
        }
        let key = run_key(&toks, a, b);
        if a >= 1 && toks[a - 1].title && &p[toks[a - 1].e..toks[a].s] == " " {
            *counts
                .entry(format!("{} {}", toks[a - 1].lower, key))
                .or_insert(0) += 1;
        }
        *counts.entry(key).or_insert(0) += 1;
    }
}

/// Call-to-action spam sentences inside paragraph `p`.
fn cta_spans(p: &str) -> Vec<(usize, usize)> {
    let bytes = p.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for m in RE_CTA.find_iter(p) {
        let (ts, te) = (m.start(), m.end());
        if spans.last().is_some_and(|l| ts < l.1) {
            continue;
        }
        // Sentence start: after the last ". " before the trigger, if close.
        let mut ss = 0;
        let mut k = ts;
        while k > 0 {
            k -= 1;
            if bytes[k] == b' ' {
                let mut j = k;
                while j > 0 && matches!(bytes[j - 1], b'"' | b'\'' | b')') {
                    j -= 1;
                }
                if j > 0 && matches!(bytes[j - 1], b'.' | b'!' | b'?') {
                    ss = k + 1;
                    break;
                }
            }
        }
        let clause = word_count(&p[ss..ts]) > 12;
        if clause {
            ss = ts;
        }
        // Sentence end.
        let mut se = None;
        let mut words = 0;
        let mut q = te;
        while q < bytes.len() {
            let c = bytes[q];
            if c == b' ' {
                words += 1;
                if words > 60 {
                    break;
                }
            }
            if clause && matches!(c, b',' | b';') {
                se = Some(q + 1);
                break;
            }
            if matches!(c, b'.' | b'!' | b'?') {
                let mut r = q + 1;
                while r < bytes.len() && matches!(bytes[r], b'"' | b'\'' | b')') {
                    r += 1;
                }
                if r >= bytes.len() || bytes[r] == b' ' {
                    se = Some(if clause { q } else { r });
                    break;
                }
            }
            q += 1;
        }
        let se = se.unwrap_or(if q >= bytes.len() { bytes.len() } else { te });
        spans.push((ss, se.max(te)));
    }
    spans
}

/// Splits a credit block into (name span, role) entries, block-relative.
fn parse_credits(block: &str, default_role: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let roles: Vec<(usize, usize, String)> = RE_CREDIT_ROLE
        .captures_iter(block)
        .filter_map(|c| {
            let m = c.get(0)?;
            Some((m.start(), m.end(), role_name(c.get(1)?.as_str())))
        })
        .collect();
    let mut segments: Vec<(usize, usize, String)> = Vec::new();
    if roles.is_empty() {
        segments.push((0, block.len(), default_role.to_string()));
    } else {
        for (i, (_, e, r)) in roles.iter().enumerate() {
            let end = roles.get(i + 1).map_or(block.len(), |n| n.0);
            segments.push((*e, end, r.clone()));
        }
    }
    for (s, e, role) in segments {
        let seg = &block[s..e];
        let mut pieces = Vec::new();
        let mut last = 0;
        for m in RE_NAME_SEP.find_iter(seg) {
            pieces.push((last, m.start()));
            last = m.end();
        }
        pieces.push((last, seg.len()));
        for (a, b) in pieces {
            let mut piece = &seg[a..b];
            for cut in [" in ", " at ", " from ", " for ", " with "] {
                if let Some(p) = piece.find(cut) {
                    piece = &piece[..p];
                }
            }
            let trimmed_start = piece.len() - piece.trim_start().len();
            let name = piece
                .trim()
                .trim_end_matches(['.', ')', '(', ',', ';', ':', '-', ' ']);
            if is_person_name(name) {
                let ns = s + a + trimmed_start;
                out.push((ns, ns + name.len(), role.clone()));
            }
        }
    }
    out
}

fn role_name(r: &str) -> String {
    let r = r.to_lowercase();
    let name = if r.contains("report") || r.contains("contribut") {
        "reporting"
    } else if r.contains("writ") {
        "writing"
    } else if r.contains("edit") {
        "editing"
    } else if r.contains("compil") {
        "compiling"
    } else if r.contains("photo") {
        "photo"
    } else if r.contains("produc") {
        "production"
    } else if r.contains("research") {
        "research"
    } else if r.contains("translat") {
        "translation"
    } else if r.contains("graphic") {
        "graphics"
    } else if r.contains("fact") {
        "fact-checking"
    } else if r.contains("video") {
        "video"
    } else {
        "reporting"
    };
    name.to_string()
}

/// "-- Jane Doe, Reuters" / "-- Reuters staff" trailer: names region, relative.
fn dash_credit(p: &str) -> Option<usize> {
    let rest = p.strip_prefix("--").or_else(|| p.strip_prefix("- "))?;
    let body = rest.trim_start();
    if body.is_empty() || word_count(body) > 8 {
        return None;
    }
    if !body.chars().next().is_some_and(|c| c.is_uppercase()) {
        return None;
    }
    // Latin words, capitalised or connectors, at least one real word
    let mut has_word = false;
    let ok = body.split_whitespace().all(|w| {
        let w = w.trim_end_matches([',', '.']);
        let latin = w.chars().all(|c| {
            c.is_ascii_alphabetic()
                || matches!(c, '\'' | '.' | '-')
                || (c.is_alphabetic() && c.script() == Script::Latin)
        });
        if w.chars().filter(|c| c.is_lowercase()).count() >= 1 {
            has_word = true;
        }
        latin
            && !w.is_empty()
            && (w.chars().next().is_some_and(|c| c.is_uppercase())
                || matches!(w, "and" | "staff" | "by" | "in" | "de" | "van" | "von"))
    });
    (ok && has_word).then_some(p.len() - body.len())
}

struct Para {
    start: usize,
    end: usize,
}

#[derive(Clone, Copy)]
enum Op {
    Copy(usize, usize),
    /// A space inserted at this position (no space existed).
    Space(usize),
}

fn render(ops: &[Op], text: &str) -> String {
    let mut s = String::new();
    for op in ops {
        match *op {
            Op::Copy(a, b) => s.push_str(&text[a..b]),
            Op::Space(_) => s.push(' '),
        }
    }
    s
}

/// Builds the ops that emit paragraph `[ps, pe)` minus `cuts` (sorted, merged),
/// repairing spaces and punctuation at the cut edges.
fn para_ops(text: &str, ps: usize, pe: usize, cuts: &[(usize, usize)]) -> Vec<Op> {
    let bytes = text.as_bytes();
    let mut segs = Vec::new();
    let mut pos = ps;
    for &(a, b) in cuts {
        if a > pos {
            segs.push((pos, a));
        }
        pos = pos.max(b);
    }
    if pos < pe {
        segs.push((pos, pe));
    }
    let mut ops = Vec::new();
    let mut last_char: Option<u8> = None;
    let mut prev_end = ps;
    for (s, e) in segs {
        let mut s2 = s;
        let mut e2 = e;
        while s2 < e2 && bytes[s2] == b' ' {
            s2 += 1;
        }
        while e2 > s2 && bytes[e2 - 1] == b' ' {
            e2 -= 1;
        }
        if s2 >= e2 {
            continue;
        }
        if let Some(lc) = last_char {
            // drop doubled punctuation left by a cut: "level,, according"
            while s2 < e2
                && matches!(bytes[s2], b',' | b';')
                && matches!(lc, b',' | b';' | b'.' | b':')
            {
                s2 += 1;
                while s2 < e2 && bytes[s2] == b' ' {
                    s2 += 1;
                }
            }
            if s2 >= e2 {
                continue;
            }
            let nc = bytes[s2];
            let need_space = !matches!(nc, b',' | b'.' | b';' | b':' | b'!' | b'?' | b')' | b']')
                && !matches!(lc, b'(' | b'[');
            if need_space {
                if bytes.get(prev_end) == Some(&b' ') {
                    ops.push(Op::Copy(prev_end, prev_end + 1));
                } else if s2 > ps && bytes[s2 - 1] == b' ' {
                    ops.push(Op::Copy(s2 - 1, s2));
                } else {
                    ops.push(Op::Space(s2));
                }
            }
        }
        ops.push(Op::Copy(s2, e2));
        last_char = Some(bytes[e2 - 1]);
        prev_end = e2;
    }
    ops
}

fn first_word(s: &str) -> String {
    s.split(|c: char| c == ' ' || (c.is_ascii_punctuation() && c != '.' && c != '\''))
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .trim_end_matches('.')
        .to_lowercase()
}

/// Is the break between two paragraphs really inside a sentence?
fn should_join(prev: &str, next: &str, prev_is_first: bool) -> bool {
    let Some(nc) = next.chars().next() else {
        return false;
    };
    if is_all_caps_heading(prev) || !prev.chars().any(char::is_alphanumeric) {
        return false;
    }
    let next_lower = nc.is_lowercase();
    let final_punct = ends_final(prev);
    if prev_is_first && !final_punct {
        return next_lower;
    }
    let mut toks = prev.rsplit(' ');
    let last = toks.next().unwrap_or("");
    let before = toks.next().unwrap_or("").to_lowercase();
    let last_lower = last.to_lowercase();
    if last.ends_with(':') {
        return false;
    }
    let initialism = {
        let b = last.as_bytes();
        b.len() >= 4
            && b.len().is_multiple_of(2)
            && b.chunks(2)
                .all(|c| c[0].is_ascii_uppercase() && c[1] == b'.')
    };
    let is_abbrev = last.ends_with('.')
        && (initialism
            || TITLE_ABBREVS.contains(&last_lower.as_str())
            || MONTH_ABBREVS.contains(&last_lower.as_str()));
    if is_abbrev {
        if next_lower {
            return true;
        }
        let fw = first_word(next);
        if initialism
            && DETERMINERS[..3].contains(&before.as_str())
            && nc.is_uppercase()
            && !SENTENCE_STARTERS.contains(&fw.as_str())
        {
            return true;
        }
        if TITLE_ABBREVS.contains(&last_lower.as_str()) && nc.is_uppercase() {
            return true;
        }
        if MONTH_ABBREVS.contains(&last_lower.as_str()) && nc.is_ascii_digit() {
            return true;
        }
        return false;
    }
    if final_punct {
        return false;
    }
    let lc = prev.chars().last().unwrap_or(' ');
    if matches!(lc, ',' | ';' | '-' | '(')
        || FUNCTION_WORDS.contains(&last_lower.trim_matches(|c: char| !c.is_alphanumeric()))
    {
        return nc.is_alphanumeric() || nc == '"' || nc == '\'';
    }
    next_lower
}

fn stage_paragraphs(
    src: Src<'_>,
    report: &mut NormalizeReport,
    contributors: &mut Vec<Contributor>,
) -> Layer {
    let text = src.text;
    let mut paras = Vec::new();
    let mut s = 0;
    let finder = memchr::memmem::Finder::new(b"\n\n");
    loop {
        match finder.find(&text.as_bytes()[s..]) {
            Some(off) => {
                paras.push(Para {
                    start: s,
                    end: s + off,
                });
                s = s + off + 2;
            }
            None => {
                paras.push(Para {
                    start: s,
                    end: text.len(),
                });
                break;
            }
        }
    }
    paras.retain(|p| p.end > p.start);

    let mut counts: HashMap<String, usize> = HashMap::new();
    for p in &paras {
        count_anchor_keys(&text[p.start..p.end], &mut counts);
    }

    let np = paras.len();
    let record = |report: &mut NormalizeReport, kind: RemovalKind, a: usize, b: usize| {
        let (os, oe) = src.map.span_to_original(a, b);
        report.removed.push(Removal {
            kind,
            original_start: os,
            original_end: oe,
        });
        match kind {
            RemovalKind::Boilerplate => report.boilerplate_removed += 1,
            RemovalKind::Spam => report.spam_removed += 1,
            RemovalKind::Credit => report.credits_removed += 1,
        }
    };
    let add_names =
        |contributors: &mut Vec<Contributor>, base: usize, block: &str, default_role: &str| {
            for (a, b, role) in parse_credits(block, default_role) {
                let (os, oe) = src.map.span_to_original(base + a, base + b);
                contributors.push(Contributor {
                    name: block[a..b].to_string(),
                    role,
                    original_start: os,
                    original_end: oe,
                });
            }
        };

    let mut all_ops: Vec<(usize, Vec<Op>)> = Vec::with_capacity(np);
    for (idx, para) in paras.iter().enumerate() {
        let (ps, pe) = (para.start, para.end);
        let p = &text[ps..pe];
        let mut cuts: Vec<(usize, usize)> = Vec::new();
        if is_boilerplate(p) {
            record(report, RemovalKind::Boilerplate, ps, pe);
            continue;
        }
        if idx < 3 && is_byline(p).is_some() {
            let names = &p[3..];
            let cut = names
                .find([',', '|'])
                .or_else(|| names.find(" - "))
                .unwrap_or(names.len());
            add_names(contributors, ps + 3, &names[..cut], "writing");
            record(report, RemovalKind::Credit, ps, pe);
            continue;
        }
        // A credit paragraph is short; "Produced by X, the report found ..." is prose.
        if RE_CREDIT_START.is_match(p) && word_count(p) <= 25 {
            add_names(contributors, ps, p, "reporting");
            record(report, RemovalKind::Credit, ps, pe);
            continue;
        }
        if let Some(off) = dash_credit(p).filter(|_| idx + 2 >= np) {
            add_names(contributors, ps + off, &p[off..], "writing");
            record(report, RemovalKind::Credit, ps, pe);
            continue;
        }
        let has_by = memchr::memmem::find(p.as_bytes(), b" by ").is_some()
            || memchr::memmem::find(p.as_bytes(), b" By ").is_some()
            || memchr::memmem::find(p.as_bytes(), b" BY ").is_some();
        let paren_credits = if has_by && p.contains('(') {
            RE_PAREN_CREDIT.find_iter(p).collect()
        } else {
            Vec::new()
        };
        for m in paren_credits {
            add_names(contributors, ps + m.start(), m.as_str(), "reporting");
            record(report, RemovalKind::Credit, ps + m.start(), ps + m.end());
            cuts.push((ps + m.start(), ps + m.end()));
        }
        // Only paragraphs with " by " can end in a credit: the regex runs on those alone.
        if let Some(m) = has_by.then(|| RE_CREDIT_TAIL.find(p)).flatten() {
            let before = p[..m.start()].trim_end();
            if m.start() > 0
                && (ends_final(before) || before.is_empty())
                && !cuts.iter().any(|c| c.1 > ps + m.start())
            {
                add_names(contributors, ps + m.start(), m.as_str(), "reporting");
                record(report, RemovalKind::Credit, ps + m.start(), pe);
                cuts.push((ps + m.start(), pe));
            }
        }
        let cta = cta_spans(p);
        for &(a, b) in &cta {
            record(report, RemovalKind::Spam, ps + a, ps + b);
            cuts.push((ps + a, ps + b));
        }
        for (a, b) in anchor_spans(p, &counts) {
            if cta.iter().any(|&(x, y)| x <= a && b <= y) {
                continue;
            }
            record(report, RemovalKind::Spam, ps + a, ps + b);
            cuts.push((ps + a, ps + b));
        }
        cuts.sort_unstable();
        let ops = para_ops(text, ps, pe, &cuts);
        if !ops.is_empty() {
            all_ops.push((idx, ops));
        }
    }
    // Trailing sign-offs.
    while let Some((idx, ops)) = all_ops.last() {
        if signoff(&render(ops, text)) {
            let p = &paras[*idx];
            record(report, RemovalKind::Boilerplate, p.start, p.end);
            all_ops.pop();
        } else {
            break;
        }
    }

    let mut out = Builder::new(text.len());
    let mut acc = String::new();
    let mut first_chain = true;
    let mut prev_end = 0;
    for (k, (_, ops)) in all_ops.iter().enumerate() {
        let t = render(ops, text);
        let start = match ops[0] {
            Op::Copy(a, _) | Op::Space(a) => a,
        };
        if k > 0 {
            if should_join(&acc, &t, first_chain) {
                report.line_breaks_joined += 1;
                out.replace(" ", src, prev_end, start);
                acc.push(' ');
                acc.push_str(&t);
            } else {
                out.replace("\n\n", src, prev_end, start);
                first_chain = false;
                acc = t;
            }
        } else {
            acc = t;
        }
        for op in ops {
            match *op {
                Op::Copy(a, b) => out.copy(src, a, b),
                Op::Space(a) => out.replace(" ", src, a, a),
            }
        }
        prev_end = match ops[ops.len() - 1] {
            Op::Copy(_, b) => b,
            Op::Space(a) => a,
        };
    }
    out.finish()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_boilerplate_prefilter_passes_every_line_the_regex_matches() {
        let hits = [
            "This story was Originally PUBLISHED on a partner site",
            "It first appeared in print",
            "You'll soon be re-directed to the new page",
            "ALL RIGHTS RESERVED",
            "Sign up for our free morning newsletter",
            "Subscribe to the channel for updates",
            "Share this video",
            "Copyright 2021 Example",
            "copyright (c) Example",
            "© Example Media",
            "Ce texte est publié © Le Média",
        ];
        for line in hits {
            assert!(RE_BP_ANYWHERE.is_match(line), "regex misses {line:?}");
            assert!(
                may_be_boilerplate_anywhere(line),
                "prefilter drops {line:?}"
            );
        }
        let prose = "The ministers met in Oslo on Monday to discuss fishing quotas.";
        assert!(!may_be_boilerplate_anywhere(prose));
        assert!(!is_boilerplate(prose));
    }

    fn clean(s: &str) -> String {
        normalize(s).text
    }

    fn check_map(orig: &str, n: &Normalized) {
        let len = n.text.len();
        let mut last = 0;
        for (i, _) in n.text.char_indices().chain(std::iter::once((len, ' '))) {
            let o = n.map.to_original(i);
            assert!(o <= orig.len(), "offset {o} out of bounds");
            assert!(orig.is_char_boundary(o), "offset {o} not a char boundary");
            assert!(o >= last, "not monotone at {i}");
            last = o;
        }
        for (i, c) in n.text.char_indices() {
            let (a, b) = n.map.span_to_original(i, i + c.len_utf8());
            assert!(a <= b && b <= orig.len());
            assert!(orig.is_char_boundary(a) && orig.is_char_boundary(b));
        }
        for r in &n.report.removed {
            assert!(r.original_start <= r.original_end && r.original_end <= orig.len());
            assert!(
                orig.is_char_boundary(r.original_start) && orig.is_char_boundary(r.original_end)
            );
        }
    }

    fn orig_of<'a>(orig: &'a str, n: &Normalized, word: &str) -> &'a str {
        let i = n.text.find(word).expect("word in clean text");
        let (a, b) = n.map.span_to_original(i, i + word.len());
        &orig[a..b]
    }

    // ---- confusables ----

    #[test]
    fn folds_mixed_script_words() {
        let s = "The Russіan envоy met Ꭲhe press in Ꮃashington аnd Ꭺthens.";
        assert_eq!(
            clean(s),
            "The Russian envoy met The press in Washington and Athens."
        );
        assert_eq!(normalize(s).report.confusables_folded, 6);
    }

    #[test]
    fn folds_all_confusable_word_between_latin_words() {
        assert_eq!(
            clean("Officials told ТАSS on Monday."),
            "Officials told TASS on Monday."
        );
        assert_eq!(
            clean("Officials told ᎢASS on Monday."),
            "Officials told TASS on Monday."
        );
        assert_eq!(
            clean("Officials told ТАСС on Monday."),
            "Officials told TACC on Monday."
        );
        assert_eq!(clean("the New SᎢAᏒT treaty"), "the New START treaty");
    }

    #[test]
    fn folds_small_caps_math_fullwidth_roman() {
        assert_eq!(clean("a ʀeport ɑbout ᴛrade"), "a report about trade");
        assert_eq!(
            clean("the ⅼeader of ＡＢＣ and 𝐁𝐨𝐥𝐝 text"),
            "the leader of ABC and Bold text"
        );
        assert_eq!(clean("Ιran and ΝATO"), "Iran and NATO");
        assert_eq!(clean("New Yօrk bսsiness"), "New York business");
    }

    #[test]
    fn keeps_genuine_cyrillic_and_greek() {
        let ru = "Иван Петров заявил, что встреча в Женеве прошла конструктивно.";
        assert_eq!(clean(ru), ru);
        assert_eq!(normalize(ru).report, NormalizeReport::default());
        let mixed = "Deputy minister Иван Петров said talks went well.";
        assert_eq!(clean(mixed), mixed);
        let gr = "Ο πρωθυπουργός είπε ότι ΚΑΙ οι δύο πλευρές συμφώνησαν.";
        assert_eq!(clean(gr), gr);
        // all-look-alike Russian words among Russian words stay
        let ru2 = "Он сказал, что сор и ос тут.";
        assert_eq!(clean(ru2), ru2);
    }

    #[test]
    fn keeps_accented_latin() {
        let s = "Türkiye, Diyarbakır, São Paulo, Ñandú, Zürich, Łódź and Øresund.";
        assert_eq!(clean(s), s);
    }

    // ---- unify ----

    #[test]
    fn unifies_quotes_and_dashes() {
        let s = "“Hi,” she said – ‘ok’ — 1−2 and well‑known";
        assert_eq!(clean(s), "\"Hi,\" she said - 'ok' - 1-2 and well-known");
        assert_eq!(
            clean("Dec 9 (Reuters) – Russian envoys"),
            "Dec 9 (Reuters) - Russian envoys"
        );
    }

    #[test]
    fn decodes_entities() {
        let s = "AT&amp;T said &quot;yes&quot; &#39;no&#39; &#191;que? It&#x2019;s&nbsp;fine &eacute; &bogus; & alone &amp;quot;x&amp;quot; &#150;";
        assert_eq!(
            clean(s),
            "AT&T said \"yes\" 'no' ¿que? It's fine é &bogus; & alone \"x\" -"
        );
        assert_eq!(normalize(s).report.entities_decoded, 14);
    }

    #[test]
    fn removes_invisible_and_collapses_spaces() {
        let s = "\u{FEFF}co\u{00AD}operate\u{200B}d  now\u{00A0}\u{2009}ok\tthen\r\nmore";
        assert_eq!(clean(s), "cooperated now ok then more");
        assert_eq!(clean("cafe\u{301} ﬁne"), "café fine");
    }

    // ---- line structure ----

    #[test]
    fn reuters_layout() {
        let s = "TALKS END IN CAPITAL CITY\n    CITY, March 3 - Officials from two\ncountries met on Monday to discuss\ntrade.\n    They talked about trade-\nrelated issues and the\nU.S. budget.\n    \"We will meet again,\" one\nsaid.\n Reuter\n";
        assert_eq!(
            clean(s),
            "TALKS END IN CAPITAL CITY\n\nCITY, March 3 - Officials from two countries met on Monday to discuss trade.\n\nThey talked about trade-related issues and the U.S. budget.\n\n\"We will meet again,\" one said."
        );
        let n = normalize(s);
        assert_eq!(n.report.boilerplate_removed, 1);
        assert_eq!(n.report.line_breaks_joined, 5);
    }

    #[test]
    fn blank_lines_inside_sentences() {
        let s = "Envoys hold talks in the capital\n\nOfficials of the U.S.\n\nEmbassy in Rome spoke to the\n\nForeign Minister on Nov.\n\n14 about trade and\n\nfarm subsidies.\n\nThe deal was backed by the U.K.\n\nThe next round is due in May.";
        assert_eq!(
            clean(s),
            "Envoys hold talks in the capital\n\nOfficials of the U.S. Embassy in Rome spoke to the Foreign Minister on Nov. 14 about trade and farm subsidies.\n\nThe deal was backed by the U.K.\n\nThe next round is due in May."
        );
    }

    #[test]
    fn one_line_per_paragraph() {
        let s = "Leaders meet to discuss the border dispute between the two neighbouring countries today\nThe leaders of the two neighbouring countries met on Tuesday for the first time in years, officials said.\nThey agreed to reopen two border crossings that have been closed since the conflict began last spring.\nA joint statement is expected later this week after the technical teams finish their work in the capital.";
        assert_eq!(
            clean(s),
            "Leaders meet to discuss the border dispute between the two neighbouring countries today\n\nThe leaders of the two neighbouring countries met on Tuesday for the first time in years, officials said.\n\nThey agreed to reopen two border crossings that have been closed since the conflict began last spring.\n\nA joint statement is expected later this week after the technical teams finish their work in the capital."
        );
    }

    #[test]
    fn wrapped_paragraphs_with_blank_lines() {
        let s = "Title of the story\n\nTwo ministers met in Oslo and the\nU.S.\nenvoy joined them later.\n\nNobody spoke to the press.";
        assert_eq!(
            clean(s),
            "Title of the story\n\nTwo ministers met in Oslo and the U.S. envoy joined them later.\n\nNobody spoke to the press."
        );
    }

    // ---- boilerplate ----

    #[test]
    fn removes_banners_and_link_lines() {
        let s = "This article was originally published on Example News\nYou will shortly be redirected to the publisher's site\nMinisters met in Oslo on Monday to discuss fishing quotas for the next decade.\nREAD MORE: Fishing talks stall again in the north\nAdvertisement\nThey agreed to meet again in June, according to a statement issued by both sides.\nRelated: Earlier talks collapsed\nWatch: Video of the meeting\nSign up for our daily newsletter\nFollow us on Twitter\nShare this article\nPhoto: Jan Novak/Getty Images\n(Photo by Maria Silva/AFP)\nCopyright © 2024 Example Media. All rights reserved.";
        let n = normalize(s);
        assert_eq!(
            n.text,
            "Ministers met in Oslo on Monday to discuss fishing quotas for the next decade.\n\nThey agreed to meet again in June, according to a statement issued by both sides."
        );
        assert_eq!(n.report.boilerplate_removed, 12);
        let photo: Vec<_> = n
            .contributors
            .iter()
            .filter(|c| c.role == "photo")
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(photo, ["Jan Novak", "Maria Silva"]);
        check_map(s, &n);
    }

    #[test]
    fn keeps_sentences_that_mention_boilerplate_words() {
        let s = "Watch the border, he said. Related talks will follow in spring.";
        assert_eq!(clean(s), s);
        let s = "This report was published by the agency on Monday.\nThe article is due out soon.";
        assert_eq!(
            clean(s),
            "This report was published by the agency on Monday. The article is due out soon."
        );
    }

    // ---- spam ----

    #[test]
    fn removes_cta_in_the_middle_of_a_sentence() {
        let s = "The two chiefs met in Vienna on Oct. Here is more info about Acme Casino Loans visit our website. 12 at a hotel near the river.";
        let n = normalize(s);
        assert_eq!(
            n.text,
            "The two chiefs met in Vienna on Oct. 12 at a hotel near the river."
        );
        assert_eq!(n.report.spam_removed, 1);
        // text after the removed clause maps back correctly
        assert_eq!(orig_of(s, &n, "12 at a hotel"), "12 at a hotel");
        check_map(s, &n);
    }

    #[test]
    fn keeps_prose_that_starts_like_a_credit_or_a_share_line() {
        let s = "The documentary was\nproduced by Jane Doe and shown in May. Investors may\nsubscribe to the new shares until June.";
        assert_eq!(
            clean(s),
            "The documentary was produced by Jane Doe and shown in May. Investors may subscribe to the new shares until June."
        );
        let s = "Produced by a market research firm, the study of portable music players found that few buyers wanted to watch films on the move, and most preferred cheaper devices that only play songs and podcasts.";
        assert_eq!(clean(s), s);
        let s =
            "It declared a dividend of ten cents per\nshare on its common stock payable in June.";
        assert_eq!(
            clean(s),
            "It declared a dividend of ten cents per share on its common stock payable in June."
        );
    }

    #[test]
    fn keeps_ordinary_sentences_that_sound_like_calls_to_action() {
        for s in [
            "Listeners will be able to get more information on a song by asking the phone.",
            "Shareholders can find more details about the plan in the filing.",
            "Some buyers prefer to buy now instead of paying more later on, dealers said.",
            "Tourists who visit the site are asked to keep to the paths.",
        ] {
            assert_eq!(clean(s), s);
        }
    }

    #[test]
    fn removes_cta_sentences() {
        let s = "Talks resumed on Friday. Click here to read the full report. For more information visit www.example.com today. Officials declined to comment.";
        assert_eq!(
            clean(s),
            "Talks resumed on Friday. Officials declined to comment."
        );
    }

    #[test]
    fn removes_seo_anchor_phrases() {
        let s = "The envoys gathered in the Cheap Flights Hotel Deals Austrian capital Vienna on Monday. Officials spoke briefly, in Spain Best Casino Bonus according to local media. Click here for Spain Best Casino Bonus visit our site.";
        let n = normalize(s);
        assert_eq!(
            n.text,
            "The envoys gathered in the Austrian capital Vienna on Monday. Officials spoke briefly, according to local media."
        );
        assert_eq!(n.report.spam_removed, 3);
        assert_eq!(orig_of(s, &n, "according to local"), "according to local");
    }

    #[test]
    fn keeps_real_law_firms() {
        let s = "Baker McKenzie, a law firm, said the Smith Law Firm would appeal. The Smith Law Firm declined to comment, and Best Buy shares rose. Best Buy said nothing.";
        assert_eq!(clean(s), s);
    }

    // ---- credits ----

    #[test]
    fn removes_reuters_credit_block() {
        let s = "Officials met on Monday.\n\n(Reporting by Ann Lee and Bo Chan in Ankara; Additional reporting by Cy Dunn; Editing by Dee Fox, Eli Gray and Flo Hart)";
        let n = normalize(s);
        assert_eq!(n.text, "Officials met on Monday.");
        assert_eq!(n.report.credits_removed, 1);
        let got: Vec<(&str, &str)> = n
            .contributors
            .iter()
            .map(|c| (c.name.as_str(), c.role.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Ann Lee", "reporting"),
                ("Bo Chan", "reporting"),
                ("Cy Dunn", "reporting"),
                ("Dee Fox", "editing"),
                ("Eli Gray", "editing"),
                ("Flo Hart", "editing")
            ]
        );
        for c in &n.contributors {
            assert_eq!(&s[c.original_start..c.original_end], c.name);
        }
    }

    #[test]
    fn removes_inline_and_plain_credits() {
        let s = "By Jane Smith\n\nThe talks ended late. (Writing by Tom Hill; Editing by Sue Park)\n\nCompiled by Raj Patel\n\n-- Reuters staff";
        let n = normalize(s);
        assert_eq!(n.text, "The talks ended late.");
        assert_eq!(n.report.credits_removed, 4);
        let got: Vec<(&str, &str)> = n
            .contributors
            .iter()
            .map(|c| (c.name.as_str(), c.role.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Jane Smith", "writing"),
                ("Tom Hill", "writing"),
                ("Sue Park", "editing"),
                ("Raj Patel", "compiling")
            ]
        );
    }

    #[test]
    fn credit_with_folded_letters() {
        let s = "Talks ended.\n\n(Rеporting by Ann Lee; Еditing by Bo Chan)";
        let n = normalize(s);
        assert_eq!(n.text, "Talks ended.");
        assert_eq!(n.contributors.len(), 2);
    }

    // ---- mapping ----

    #[test]
    fn maps_words_back() {
        let s = "Headline\n\n“Hello” said the Russіan envoy &amp; his aide  in\nRome.";
        let n = normalize(s);
        assert_eq!(
            n.text,
            "Headline\n\n\"Hello\" said the Russian envoy & his aide in Rome."
        );
        assert_eq!(orig_of(s, &n, "Russian"), "Russіan");
        assert_eq!(orig_of(s, &n, "\"Hello\""), "“Hello”");
        assert_eq!(orig_of(s, &n, "envoy & his"), "envoy &amp; his");
        assert_eq!(orig_of(s, &n, "aide in Rome"), "aide  in\nRome");
        assert_eq!(orig_of(s, &n, "Headline"), "Headline");
        check_map(s, &n);
        // normalizing the original slice gives back the clean span
        let i = n.text.find("the Russian envoy").unwrap();
        let (a, b) = n.map.span_to_original(i, i + "the Russian envoy".len());
        assert_eq!(clean(&s[a..b]), "the Russian envoy");
    }

    #[test]
    fn empty_and_tiny_inputs() {
        for s in [
            "", " ", "\n\n", "&", "&#;", "\u{301}", "\u{200B}", "a", "Reuter", "-", "(", "By",
        ] {
            let n = normalize(s);
            check_map(s, &n);
        }
        assert_eq!(clean(""), "");
        assert_eq!(normalize("").map.to_original(5), 0);
    }

    #[test]
    fn large_input() {
        let para = "The minister met his Russіan counterpart in the capital on Monday, officials said.\nThey discussed trade &amp; energy ties – and ‘other’ issues.\n\n";
        let mut s = String::new();
        while s.len() < 2_000_000 {
            s.push_str(para);
        }
        let n = normalize(&s);
        assert!(n.text.len() > 1_500_000);
        assert!(!n.text.contains('\u{456}'));
        assert!(!n.text.contains("&amp;"));
        assert!(!n.text.contains("\n\n\n"));
        assert!(n.map.run_count() < n.text.len() / 10);
        let last = n.text.len();
        assert!(n.map.to_original(last) <= s.len());
    }

    // ---- properties ----

    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "a", "b", "e", "o", "s", "the", "word", "Name", "U.S.", " ", " ", "  ", "\n", "\n\n",
        "\n    ", ".", ",", "-", "'", "а", "е", "о", "с", "Т", "ж", "й", "я", "Сергей", "α", "Ο",
        "λ", "ω", "\u{301}", "\u{308}", "\u{338}", "&amp;", "&#x2019;", "&nbsp;", "&#191;",
        "&lt;", "&bogus;", "&#0;", "&", "&#769;", "“", "”", "–", "\u{200B}", "\u{00A0}", "Ａ",
        "𝐁", "ﬁ", "Ꭲ", "ɑ", "ı", "é", "\t", "\r\n", "\u{2029}", "5", "said", "in", "Nov.",
        "14", "Mr.", "Embassy", "(", ")", "\"", "?", ":", ";", "ϲ", "TALKS", "Ɗ", "ß",
        "\u{2028}", "&#x1D401;", "ꭲ", "ᴀ",
    ];

    fn piece() -> impl Strategy<Value = String> {
        prop::sample::select(PIECES).prop_map(str::to_string)
    }

    fn mixed() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn never_panics_and_map_is_sound(s in any::<String>()) {
            let n = normalize(&s);
            check_map(&s, &n);
            prop_assert!(!n.text.contains("\n\n\n"));
        }

        #[test]
        fn mixed_map_is_sound(s in mixed()) {
            let n = normalize(&s);
            check_map(&s, &n);
            for para in n.text.split("\n\n") {
                prop_assert!(!para.contains('\n'));
            }
        }

        #[test]
        fn idempotent(s in mixed()) {
            let once = normalize(&s);
            let twice = normalize(&once.text);
            // only for text without credits or spam (removing them changes context)
            let clean_input = |r: &NormalizeReport| r.credits_removed == 0 && r.spam_removed == 0;
            prop_assume!(clean_input(&once.report) && clean_input(&twice.report));
            prop_assert_eq!(twice.text, once.text);
        }

        #[test]
        fn spans_round_trip(s in mixed()) {
            let n = normalize(&s);
            for (i, c) in n.text.char_indices() {
                if c == ' ' || c == '\n' { continue; }
                let (a, b) = n.map.span_to_original(i, i + c.len_utf8());
                let again = normalize(&s[a..b]).text;
                // a single clean char comes from a slice that normalizes to it
                // (entities and clusters may expand to several chars)
                // (an all-look-alike word alone has no Latin neighbours, so it may stay unfolded)
                let ok = again.contains(c)
                    || again.is_empty()
                    || c.is_ascii_punctuation()
                    || again
                        .chars()
                        .map(|a| fold_target(a).unwrap_or(a))
                        .collect::<String>()
                        .nfc()
                        .any(|a| a == c);
                prop_assert!(ok,
                    "char {:?} from {:?} -> {:?}", c, &s[a..b], again);
            }
        }
    }
}
#[cfg(test)]
mod scratch {
    #[test]
    fn dbg_idem() {
        for s in [".\n\n–\u{2029}Ａа", "x.\n\n-\n\nAa"] {
            let a = super::normalize(s).text;
            let b = super::normalize(&a).text;
            println!("{a:?}\n{b:?}");
        }
    }
}
