//! Lexicon: the extractor's knowledge, loaded from the data files in `ontology/`.
//!
//! Countries (with demonyms and capitals), places, institutions, titles and roles, event
//! triggers, cue words (reporting, negation, modality, cancellation), given names, name
//! particles, non-name words and transliteration variants. The files are compiled into the
//! binary; a user directory with files of the same names adds rows without recompiling.
//!
//! This module only loads and looks up; it does not read articles. Lookups are by normalised
//! token sequences (see [`PhraseTable`]), so matching respects word boundaries by construction.

use crate::segment::{Token, tokenize};
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

/// A fast, non-cryptographic hasher for the lexicon's string tables (the lexicon is our own
/// data, so hash flooding is not a concern; std's SipHash was a tenth of extraction time).
/// Multiply-rotate over 8-byte words, as in rustc's FxHasher.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const FX_K: u64 = 0xf135_7aea_2e62_a9c5;

impl FastHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(26) ^ w).wrapping_mul(FX_K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hash map and set with [`FastHasher`].
pub type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;
pub type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<FastHasher>>;

/// The data files, in load order, with their compiled-in defaults.
pub const FILES: &[(&str, &str)] = &[
    ("countries.tsv", include_str!("../ontology/countries.tsv")),
    ("places.tsv", include_str!("../ontology/places.tsv")),
    (
        "institutions.tsv",
        include_str!("../ontology/institutions.tsv"),
    ),
    ("titles.tsv", include_str!("../ontology/titles.tsv")),
    ("triggers.tsv", include_str!("../ontology/triggers.tsv")),
    ("cues.tsv", include_str!("../ontology/cues.tsv")),
    (
        "given-names.txt",
        include_str!("../ontology/given-names.txt"),
    ),
    (
        "surname-particles.txt",
        include_str!("../ontology/surname-particles.txt"),
    ),
    ("non-names.txt", include_str!("../ontology/non-names.txt")),
    (
        "transliterations.tsv",
        include_str!("../ontology/transliterations.tsv"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Format {
        file: String,
        line: usize,
        message: String,
    },
}

/// Coarse entity kinds, as the extractor and the RDF mapping use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Person,
    Organization,
    Place,
}

/// A known entity from a gazetteer file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownEntity {
    /// Canonical key used to mint its IRI (Wikidata id when known).
    pub key: String,
    pub name: String,
    pub kind: Kind,
    /// Finer type: Country, City, Region, Continent, Ministry, Embassy, Media, ...
    pub subtype: String,
    pub wikidata: Option<String>,
    /// Index of the country it belongs to (for places and national institutions).
    pub country: Option<usize>,
}

/// How a surface form refers to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// A name or alias: "Russia", "Russian Federation".
    Name,
    /// An adjective or inhabitant form of a country: "Russian", "Turkish".
    Demonym,
}

/// What a title means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleInfo {
    pub title: String,
    pub kind: String,
    pub institution: Option<String>,
}

/// An event trigger from `triggers.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerInfo {
    pub trigger: String,
    pub verb: bool,
    pub event_type: String,
    pub cameo: Option<String>,
}

/// Kinds of cue word that change how an event or mention is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CueKind {
    Reporting,
    Denial,
    Negation,
    Planned,
    Cancelled,
    Hypothetical,
    PastReference,
}

impl CueKind {
    fn parse(s: &str) -> Option<CueKind> {
        Some(match s.trim() {
            "reporting" => CueKind::Reporting,
            "denial" => CueKind::Denial,
            "negation" => CueKind::Negation,
            "planned" => CueKind::Planned,
            "cancelled" => CueKind::Cancelled,
            "hypothetical" => CueKind::Hypothetical,
            "past_reference" => CueKind::PastReference,
            _ => return None,
        })
    }
}

/// Maps normalised token sequences (lowercase, space-joined) to values; knows every prefix so
/// a scan stops as soon as no longer phrase can match. Phrases and prefixes share one map, so
/// each step of a scan is a single hash lookup.
#[derive(Debug, Clone)]
pub struct PhraseTable<V> {
    slots: HashMap<String, Slot<V>>,
    len: usize,
    max_tokens: usize,
}

/// What a key of a [`PhraseTable`] is: a phrase (with its value), a proper prefix of a longer
/// phrase, or both.
#[derive(Debug, Clone)]
struct Slot<V> {
    value: Option<V>,
    prefix: bool,
}

impl<V> Default for PhraseTable<V> {
    fn default() -> Self {
        PhraseTable {
            slots: HashMap::default(),
            len: 0,
            max_tokens: 0,
        }
    }
}

/// Normalises one token for lookups: lowercase; dots of acronyms removed ("U.S." → "us").
pub fn norm_token(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_norm_token(&mut out, s);
    out
}

/// Appends [`norm_token`]`(s)` to `out` without allocating; returns whether it added anything.
#[inline]
pub fn push_norm_token(out: &mut String, s: &str) -> bool {
    let before = out.len();
    if s.is_ascii() {
        // The common case: bytewise lowercase, dots dropped.
        if memchr::memchr(b'.', s.as_bytes()).is_none() {
            out.push_str(s);
            out[before..].make_ascii_lowercase();
        } else {
            for &b in s.as_bytes() {
                if b != b'.' {
                    out.push(char::from(b.to_ascii_lowercase()));
                }
            }
        }
    } else {
        for c in s.chars() {
            if c == '.' {
                continue;
            }
            out.extend(c.to_lowercase());
        }
    }
    out.len() > before
}

impl<V> PhraseTable<V> {
    /// Adds a phrase; returns false when it was already there (the first value is kept).
    pub fn insert(&mut self, phrase: &str, value: V) -> bool {
        let toks = tokenize(phrase);
        let words: Vec<String> = toks
            .iter()
            .map(|t| norm_token(t.text(phrase)))
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return false;
        }
        let mut key = String::new();
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                key.push(' ');
            }
            key.push_str(w);
            if i + 1 < words.len() {
                self.slots
                    .entry(key.clone())
                    .or_insert(Slot {
                        value: None,
                        prefix: false,
                    })
                    .prefix = true;
            }
        }
        self.max_tokens = self.max_tokens.max(words.len());
        let slot = self.slots.entry(key).or_insert(Slot {
            value: None,
            prefix: false,
        });
        if slot.value.is_some() {
            return false;
        }
        slot.value = Some(value);
        self.len += 1;
        true
    }

    /// The value of an already normalised key ("prime minister").
    pub fn get_norm(&self, key: &str) -> Option<&V> {
        self.slots.get(key).and_then(|s| s.value.as_ref())
    }

    /// [`PhraseTable::get_norm`], for changing the value in place.
    pub fn get_norm_mut(&mut self, key: &str) -> Option<&mut V> {
        self.slots.get_mut(key).and_then(|s| s.value.as_mut())
    }

    /// Every phrase and its value, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.slots
            .iter()
            .filter_map(|(k, s)| s.value.as_ref().map(|v| (k.as_str(), v)))
    }

    pub fn get(&self, phrase: &str) -> Option<&V> {
        let toks = tokenize(phrase);
        let key = toks
            .iter()
            .map(|t| norm_token(t.text(phrase)))
            .collect::<Vec<_>>()
            .join(" ");
        self.get_norm(&key)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// One step of a scan: the value of `key` if it is a phrase, and whether a longer phrase
    /// starts with it.
    #[inline]
    fn step(&self, key: &str) -> (Option<&V>, bool) {
        match self.slots.get(key) {
            Some(s) => (s.value.as_ref(), s.prefix),
            None => (None, false),
        }
    }

    /// Every phrase starting at token `i`, longest first: (number of tokens, value).
    pub fn all_at(&self, text: &str, tokens: &[Token], i: usize) -> Vec<(usize, &V)> {
        let mut key = String::with_capacity(32);
        let mut out = Vec::new();
        for (n, t) in tokens[i..].iter().take(self.max_tokens).enumerate() {
            if n > 0 {
                key.push(' ');
            }
            if !push_norm_token(&mut key, t.text(text)) {
                break;
            }
            let (value, longer) = self.step(&key);
            if let Some(v) = value {
                out.push((n + 1, v));
            }
            if !longer {
                break;
            }
        }
        out.reverse();
        out
    }

    /// Calls `found(number of tokens, value)` for every phrase starting at token `i` of
    /// already normalised tokens, shortest first; stops as soon as no longer phrase can match.
    #[inline]
    fn scan_norm<'a>(&'a self, norms: &[String], i: usize, mut found: impl FnMut(usize, &'a V)) {
        let Some(first) = norms.get(i).filter(|w| !w.is_empty()) else {
            return;
        };
        // One token: no key to build (most tokens stop here).
        let (value, mut longer) = self.step(first);
        if let Some(v) = value {
            found(1, v);
        }
        if !longer {
            return;
        }
        let mut key = String::with_capacity(32);
        key.push_str(first);
        for (n, w) in norms[i + 1..]
            .iter()
            .take(self.max_tokens.saturating_sub(1))
            .enumerate()
        {
            if w.is_empty() || !longer {
                break;
            }
            key.push(' ');
            key.push_str(w);
            let (value, more) = self.step(&key);
            if let Some(v) = value {
                found(n + 2, v);
            }
            longer = more;
        }
    }

    /// [`PhraseTable::all_at`] over tokens already normalised with [`norm_token`] (one entry per
    /// token), so a sentence's tokens are normalised once, not once per lookup.
    pub fn all_at_norm(&self, norms: &[String], i: usize) -> Vec<(usize, &V)> {
        let mut out = Vec::new();
        self.scan_norm(norms, i, |n, v| out.push((n, v)));
        out.reverse();
        out
    }

    /// [`PhraseTable::longest_at`] over tokens already normalised with [`norm_token`].
    pub fn longest_at_norm(&self, norms: &[String], i: usize) -> Option<(usize, &V)> {
        let mut best = None;
        self.scan_norm(norms, i, |n, v| best = Some((n, v)));
        best
    }

    /// The longest phrase starting at token `i`: (number of tokens, value).
    pub fn longest_at(&self, text: &str, tokens: &[Token], i: usize) -> Option<(usize, &V)> {
        let mut key = String::with_capacity(32);
        let mut best = None;
        for (n, t) in tokens[i..].iter().take(self.max_tokens).enumerate() {
            if n > 0 {
                key.push(' ');
            }
            if !push_norm_token(&mut key, t.text(text)) {
                return best;
            }
            let (value, longer) = self.step(&key);
            if let Some(v) = value {
                best = Some((n + 1, v));
            }
            if !longer {
                break;
            }
        }
        best
    }
}

/// One matchable surface form of a known entity.
#[derive(Debug, Clone)]
pub struct SurfaceForm {
    pub entity: usize,
    pub surface: Surface,
    /// The form as written in the file, to check capitalisation against the text.
    pub form: String,
}

/// Everything the extractor knows, immutable once loaded.
#[derive(Debug, Default)]
pub struct Lexicon {
    pub entities: Vec<KnownEntity>,
    pub surfaces: PhraseTable<Vec<SurfaceForm>>,
    pub titles: PhraseTable<TitleInfo>,
    pub triggers: PhraseTable<TriggerInfo>,
    /// One-letter-dropped spellings of long single-word verb triggers ("visted" for
    /// "visited"), so a typo in wire copy does not hide an event.
    pub trigger_typos: HashMap<String, TriggerInfo>,
    pub cues: PhraseTable<CueKind>,
    pub given_names: HashSet<String>,
    pub particles: HashSet<String>,
    pub non_names: HashSet<String>,
    pub transliterations: HashMap<String, String>,
    /// Capital city entity index → country entity index.
    pub capital_of: HashMap<usize, usize>,
    /// Country entity index → capital entity index.
    pub capital: HashMap<usize, usize>,
    by_name: HashMap<String, usize>,
}

static DEFAULT: LazyLock<Arc<Lexicon>> = LazyLock::new(|| {
    // The compiled-in files are checked by tests; a failure here is a build defect.
    Arc::new(
        Lexicon::from_sources(
            &FILES
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default(),
    )
});

impl Lexicon {
    /// The compiled-in lexicon, shared.
    pub fn builtin() -> Arc<Lexicon> {
        DEFAULT.clone()
    }

    /// The compiled-in lexicon plus rows from files of the same names in `dir`.
    pub fn with_extensions(dir: &Path) -> Result<Lexicon, LexiconError> {
        let mut sources: Vec<(String, String)> = Vec::new();
        for (name, builtin) in FILES {
            let mut text = builtin.to_string();
            let p = dir.join(name);
            if p.exists() {
                let extra = fs::read_to_string(&p).map_err(|source| LexiconError::Io {
                    file: p.clone(),
                    source,
                })?;
                // Extension rows follow the built-in ones; their header lines are skipped.
                text.push('\n');
                text.push_str(&strip_header(&extra, name.ends_with(".tsv")));
            }
            sources.push((name.to_string(), text));
        }
        Lexicon::from_sources(&sources)
    }

    /// Builds a lexicon from (file name, contents) pairs.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Lexicon, LexiconError> {
        let mut lx = Lexicon::default();
        let get = |name: &str| {
            sources
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.as_str())
                .unwrap_or("")
        };
        lx.load_countries(get("countries.tsv"))?;
        lx.load_places(get("places.tsv"))?;
        lx.load_institutions(get("institutions.tsv"))?;
        for row in parse_tsv("titles.tsv", get("titles.tsv"))? {
            let title = row.get("title").to_string();
            let info = TitleInfo {
                title: title.clone(),
                kind: row.get("kind").to_string(),
                institution: row.opt("institution"),
            };
            lx.titles.insert(&title, info);
        }
        for row in parse_tsv("triggers.tsv", get("triggers.tsv"))? {
            let trigger = row.get("trigger").to_string();
            let info = TriggerInfo {
                trigger: trigger.clone(),
                verb: row.get("pos") == "verb",
                event_type: row.get("event_type").to_string(),
                cameo: row.opt("cameo"),
            };
            lx.triggers.insert(&trigger, info);
        }
        // Typo variants: every long one-word verb trigger with one letter dropped, unless that
        // spelling is itself a trigger or listed as a non-name (a real word).
        let mut singles: Vec<TriggerInfo> = lx
            .triggers
            .iter()
            .filter(|(k, v)| v.verb && !k.contains(' ') && k.chars().count() >= 6)
            .map(|(_, v)| v.clone())
            .collect();
        // In file order of the trigger text, so which trigger a shared typo spelling stands for
        // does not depend on hash order.
        singles.sort_by(|a, b| a.trigger.cmp(&b.trigger));
        for info in singles {
            let chars: Vec<char> = info.trigger.to_lowercase().chars().collect();
            // Interior letters only: dropping the last one mostly gives a real word
            // ("telephoned" → "telephone", "welcomed" → "welcome").
            for skip in 1..chars.len() - 1 {
                let variant: String = chars
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, c)| *c)
                    .collect();
                if lx.triggers.get_norm(&variant).is_some() {
                    continue;
                }
                lx.trigger_typos
                    .entry(variant)
                    .or_insert_with(|| info.clone());
            }
        }
        for row in parse_tsv("cues.tsv", get("cues.tsv"))? {
            if let Some(k) = CueKind::parse(row.get("kind")) {
                lx.cues.insert(row.get("cue"), k);
            }
        }
        lx.given_names = words(get("given-names.txt"))
            .map(|w| w.to_lowercase())
            .collect();
        lx.particles = words(get("surname-particles.txt"))
            .map(|w| w.to_lowercase())
            .collect();
        lx.non_names = words(get("non-names.txt"))
            .map(|w| w.to_lowercase())
            .collect();
        for row in parse_tsv("transliterations.tsv", get("transliterations.tsv"))? {
            lx.transliterations.insert(
                row.get("variant").to_lowercase(),
                row.get("canonical").to_string(),
            );
        }
        Ok(lx)
    }

    fn add_entity(&mut self, e: KnownEntity) -> usize {
        let lower = e.name.to_lowercase();
        if let Some(&i) = self.by_name.get(&format!("{:?}:{lower}", e.kind)) {
            return i;
        }
        let i = self.entities.len();
        self.by_name.insert(format!("{:?}:{lower}", e.kind), i);
        self.entities.push(e);
        i
    }

    fn add_surface(&mut self, form: &str, entity: usize, surface: Surface) {
        let form = form.trim();
        if form.is_empty() {
            return;
        }
        let sf = SurfaceForm {
            entity,
            surface,
            form: form.to_string(),
        };
        let key_probe = self.surfaces.get(form).is_some();
        if key_probe {
            // Same normalised key: keep every reading, the extractor picks by case and context.
            let toks = tokenize(form);
            let key = toks
                .iter()
                .map(|t| norm_token(t.text(form)))
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(v) = self.surfaces.get_norm_mut(&key)
                && !v.iter().any(|s| s.entity == entity && s.form == sf.form)
            {
                v.push(sf);
            }
        } else {
            self.surfaces.insert(form, vec![sf]);
        }
    }

    /// Looks up a known entity by exact name (case-insensitive) and kind.
    pub fn entity_named(&self, kind: Kind, name: &str) -> Option<usize> {
        self.by_name
            .get(&format!("{kind:?}:{}", name.to_lowercase()))
            .copied()
    }

    fn country_index(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        self.entity_named(Kind::Place, name)
            .filter(|&i| self.entities[i].subtype == "Country")
    }

    fn load_countries(&mut self, text: &str) -> Result<(), LexiconError> {
        for row in parse_tsv("countries.tsv", text)? {
            let name = row.get("name").to_string();
            let wikidata = row.opt("wikidata");
            let c = self.add_entity(KnownEntity {
                key: key_for(&wikidata, "place", &name),
                name: name.clone(),
                kind: Kind::Place,
                subtype: "Country".into(),
                wikidata,
                country: None,
            });
            self.entities[c].country = Some(c);
            self.add_surface(&name, c, Surface::Name);
            for a in row.list("aliases") {
                self.add_surface(a, c, Surface::Name);
            }
            for d in row.list("demonyms") {
                self.add_surface(d, c, Surface::Demonym);
            }
            let capital = row.get("capital");
            if !capital.is_empty() {
                let cw = row.opt("capital_wikidata");
                let cap = self.add_entity(KnownEntity {
                    key: key_for(&cw, "place", capital),
                    name: capital.to_string(),
                    kind: Kind::Place,
                    subtype: "City".into(),
                    wikidata: cw,
                    country: Some(c),
                });
                self.add_surface(capital, cap, Surface::Name);
                self.capital_of.insert(cap, c);
                self.capital.insert(c, cap);
            }
        }
        Ok(())
    }

    fn load_places(&mut self, text: &str) -> Result<(), LexiconError> {
        for row in parse_tsv("places.tsv", text)? {
            let name = row.get("name").to_string();
            let wikidata = row.opt("wikidata");
            let country = self.country_index(row.get("country"));
            let existing = self.entity_named(Kind::Place, &name);
            let i = match existing {
                Some(i) => i,
                None => self.add_entity(KnownEntity {
                    key: key_for(&wikidata, "place", &name),
                    name: name.clone(),
                    kind: Kind::Place,
                    subtype: non_empty(row.get("type")).unwrap_or("Place").to_string(),
                    wikidata,
                    country,
                }),
            };
            self.add_surface(&name, i, Surface::Name);
            for a in row.list("aliases") {
                self.add_surface(a, i, Surface::Name);
            }
        }
        Ok(())
    }

    fn load_institutions(&mut self, text: &str) -> Result<(), LexiconError> {
        for row in parse_tsv("institutions.tsv", text)? {
            let name = row.get("name").to_string();
            let wikidata = row.opt("wikidata");
            let country = self.country_index(row.get("country"));
            let i = self.add_entity(KnownEntity {
                key: key_for(&wikidata, "org", &name),
                name: name.clone(),
                kind: Kind::Organization,
                subtype: non_empty(row.get("type"))
                    .unwrap_or("Organization")
                    .to_string(),
                wikidata,
                country,
            });
            self.add_surface(&name, i, Surface::Name);
            for a in row.list("aliases") {
                self.add_surface(a, i, Surface::Name);
            }
        }
        Ok(())
    }

    /// Canonical spelling of a given name across transliterations ("Sergey" → "Sergei").
    pub fn canonical_given<'a>(&'a self, name: &'a str) -> &'a str {
        self.transliterations
            .get(&name.to_lowercase())
            .map(|s| s.as_str())
            .unwrap_or(name)
    }
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

fn key_for(wikidata: &Option<String>, prefix: &str, name: &str) -> String {
    match wikidata {
        Some(q) => format!("wd-{q}"),
        None => format!("{prefix}-{}", crate::rdf::slug(name)),
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn strip_header(text: &str, tsv: bool) -> String {
    let mut out = String::new();
    let mut header_seen = !tsv;
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Parses a TSV file: `#` comment lines, a header row naming the columns, then rows.
fn parse_tsv(file: &str, text: &str) -> Result<Vec<OwnedRow>, LexiconError> {
    let mut columns: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        if columns.is_empty() {
            columns = cells.iter().map(|c| c.to_string()).collect();
            continue;
        }
        let err = |message: String| LexiconError::Format {
            file: file.to_string(),
            line: n + 1,
            message,
        };
        if cells.len() > columns.len() {
            return Err(err(format!(
                "{} cells but the header names {} columns",
                cells.len(),
                columns.len()
            )));
        }
        if cells.first().is_none_or(|c| c.is_empty()) {
            return Err(err("empty first column".into()));
        }
        rows.push(OwnedRow {
            cells: columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), cells.get(i).unwrap_or(&"").to_string()))
                .collect(),
        });
    }
    Ok(rows)
}

/// A TSV row addressed by column name.
struct OwnedRow {
    cells: Vec<(String, String)>,
}

impl OwnedRow {
    fn get(&self, col: &str) -> &str {
        self.cells
            .iter()
            .find(|(c, _)| c == col)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn opt(&self, col: &str) -> Option<String> {
        non_empty(self.get(col)).map(str::to_string)
    }
    fn list(&self, col: &str) -> impl Iterator<Item = &str> {
        self.get(col)
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_files_parse_without_errors_or_duplicates() {
        for (name, text) in FILES {
            if name.ends_with(".tsv") {
                let rows = parse_tsv(name, text).unwrap_or_else(|e| panic!("{e}"));
                assert!(!rows.is_empty(), "{name} has no rows");
                let mut seen = HashSet::default();
                for r in &rows {
                    let key = r.cells[0].1.to_lowercase();
                    assert!(seen.insert(key.clone()), "{name}: duplicate key {key}");
                }
            } else {
                assert!(words(text).count() > 10, "{name} is nearly empty");
            }
        }
    }

    #[test]
    fn builtin_lexicon_knows_countries_demonyms_capitals_titles_and_triggers() {
        let lx = Lexicon::from_sources(
            &FILES
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let ru = lx.entity_named(Kind::Place, "Russia").expect("Russia");
        let forms = lx.surfaces.get("Russian").expect("demonym");
        assert!(
            forms
                .iter()
                .any(|f| f.entity == ru && f.surface == Surface::Demonym)
        );
        let cap = lx.capital[&ru];
        assert_eq!(lx.entities[cap].name, "Moscow");
        assert!(lx.surfaces.get("U.S.").is_some());
        assert!(lx.titles.get("foreign minister").is_some());
        assert!(lx.triggers.get("met").is_some());
        assert_eq!(lx.cues.get("said"), Some(&CueKind::Reporting));
    }

    #[test]
    fn a_dropped_letter_in_a_long_verb_trigger_is_still_a_trigger() {
        let lx = Lexicon::builtin();
        assert_eq!(
            lx.trigger_typos
                .get("visted")
                .map(|t| t.event_type.as_str()),
            Some("Visit")
        );
        // Short triggers get no typo variants, and real triggers are never shadowed.
        assert!(!lx.trigger_typos.contains_key("mt"));
        assert!(!lx.trigger_typos.contains_key("telephone"));
        assert!(!lx.trigger_typos.contains_key("welcome"));
        assert!(
            lx.trigger_typos
                .keys()
                .all(|k| lx.triggers.get(k).is_none())
        );
    }

    #[test]
    fn phrase_table_finds_the_longest_match_on_token_boundaries() {
        let mut t = PhraseTable::default();
        t.insert("United States", 1);
        t.insert("United States Department of State", 2);
        let text = "the United States Department of State said";
        let toks = tokenize(text);
        assert_eq!(t.longest_at(text, &toks, 1), Some((5, &2)));
        let text2 = "the United Statesman";
        let toks2 = tokenize(text2);
        assert_eq!(t.longest_at(text2, &toks2, 1), None);
    }
}
