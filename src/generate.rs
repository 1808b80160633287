//! Generate: a synthetic wire-copy corpus with known facts, for benchmarks and scale tests.
//!
//! [`Generator`] writes realistic-looking news articles from templates: meetings (held,
//! planned, cancelled, denied), phone calls, statements, spokespeople, background paragraphs,
//! and "dirty" variants (look-alike Cyrillic letters, hard line breaks, banner and link lines,
//! HTML entities). People are composed from the given names in `ontology/given-names.txt` and
//! a surname list; countries, demonyms and capitals come from the lexicon, so every name the
//! templates use is one the extractor can know. Alongside each article it returns the facts it
//! wrote ([`GoldContact`]): which pairs of people took part in a contact that took place, where
//! and when, and which pairs were only planned, cancelled or denied.
//!
//! Output is a pure function of the seed and the article number (a splitmix64 generator per
//! article), so any slice of a corpus can be regenerated, in any order, on any machine. It does
//! no I/O; the CLI writes the JSONL and gold files. It does not try to be linguistically
//! exhaustive: it is a load and regression generator, not an evaluation set.

use crate::lexicon::{FILES, Lexicon};
use crate::model::{ArticleMeta, Origin, RawArticle};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashSet;

/// Surnames from several naming traditions, added to `ontology/surnames.txt` (whose East Asian
/// family names alone would make the corpus look odd).
const SURNAMES: &[&str] = &[
    "Abara",
    "Adebayo",
    "Albrecht",
    "Alvarado",
    "Andersen",
    "Arslan",
    "Bakker",
    "Balogun",
    "Barros",
    "Becker",
    "Bergqvist",
    "Bianchi",
    "Bondarenko",
    "Brandl",
    "Castellano",
    "Cerny",
    "Chaudhry",
    "Costa",
    "Dalca",
    "Dimitrov",
    "Dubois",
    "Eklund",
    "Eriksen",
    "Esposito",
    "Fagerlund",
    "Farouk",
    "Ferreira",
    "Fischer",
    "Gallardo",
    "Georgiou",
    "Gomes",
    "Grabowski",
    "Haddad",
    "Halvorsen",
    "Hartmann",
    "Horvath",
    "Ibrahimov",
    "Ivanova",
    "Jablonski",
    "Jansen",
    "Kamau",
    "Karlsson",
    "Keller",
    "Kiplagat",
    "Kowalczyk",
    "Krause",
    "Laine",
    "Lambert",
    "Lindqvist",
    "Lombardi",
    "Lorenz",
    "Mahlangu",
    "Mansour",
    "Marchetti",
    "Medina",
    "Mendes",
    "Mwangi",
    "Nagy",
    "Navarro",
    "Nieminen",
    "Novotny",
    "Nowicki",
    "Nwosu",
    "Obuya",
    "Okafor",
    "Olsen",
    "Onyango",
    "Oyelaran",
    "Papadakis",
    "Pavlenko",
    "Pereira",
    "Petrescu",
    "Pires",
    "Quiroga",
    "Rahimi",
    "Rasmussen",
    "Reinholt",
    "Ribeiro",
    "Rinaldi",
    "Rojas",
    "Romano",
    "Rusu",
    "Saarinen",
    "Salazar",
    "Santoro",
    "Schreiber",
    "Sepulveda",
    "Sokolov",
    "Stanescu",
    "Svoboda",
    "Szabo",
    "Tadesse",
    "Takacs",
    "Teixeira",
    "Toivonen",
    "Trujillo",
    "Udeh",
    "Urquhart",
    "Valente",
    "Varga",
    "Vasquez",
    "Vesely",
    "Virtanen",
    "Vlasic",
    "Wagner",
    "Weiss",
    "Wojcik",
    "Yilmaz",
    "Zamora",
    "Zeller",
    "Zielinski",
    "Zubiri",
    "Achterberg",
    "Baptiste",
    "Coulibaly",
    "Diallo",
    "Essien",
    "Fofana",
    "Gyamfi",
    "Hakimi",
    "Idrissi",
    "Jovanovic",
    "Kovacevic",
    "Lukic",
    "Marinescu",
    "Nikolic",
    "Ozturk",
    "Petrovic",
    "Radu",
    "Simonyan",
    "Tomescu",
    "Uzunov",
    "Vukovic",
    "Warsame",
    "Yusupov",
    "Zografos",
];

/// Titles that take part in meetings, with a spokesperson title for reported statements.
const TITLES: &[&str] = &[
    "Foreign Minister",
    "Foreign Minister",
    "Foreign Minister",
    "Defence Minister",
    "Finance Minister",
    "Trade Minister",
    "Energy Minister",
    "Interior Minister",
    "Economy Minister",
    "Health Minister",
    "Deputy Foreign Minister",
    "Prime Minister",
    "President",
    "Ambassador",
];

const TOPICS: &[&str] = &[
    "energy cooperation",
    "trade and investment",
    "border security",
    "fishing rights",
    "a new rail link",
    "grain exports",
    "visa rules for students",
    "water sharing on a disputed river",
    "cooperation on cyber security",
    "the return of migrants",
    "debt relief",
    "a joint naval exercise",
    "vaccine production",
    "port investment",
    "a long-delayed free trade agreement",
];

const SOURCES: &[&str] = &[
    "Northgate Wire",
    "Lakeside Press Service",
    "Continental Desk",
    "Harborline News",
    "Granite Bulletin",
    "Eastbrook Wire",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A small, fast, deterministic PRNG (splitmix64).
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n.max(1) as u64) as usize
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// A country as the templates use it.
#[derive(Debug, Clone)]
struct Country {
    name: String,
    demonym: String,
    capital: String,
}

/// One generated article, in the JSONL shape `newsgraph build` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenArticle {
    pub id: String,
    pub title: String,
    pub source: String,
    pub published: String,
    pub url: String,
    pub text: String,
}

impl GenArticle {
    /// The article as ingest would read it.
    pub fn to_raw(&self) -> RawArticle {
        RawArticle {
            meta: ArticleMeta {
                id: self.id.clone(),
                title: Some(self.title.clone()),
                source: Some(self.source.clone()),
                published: Some(self.published.clone()),
                url: Some(self.url.clone()),
                origin: Origin {
                    file: "generated".into(),
                    line: None,
                },
            },
            text: self.text.clone(),
            warnings: Vec::new(),
        }
    }
}

/// How a generated contact ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GoldStatus {
    Held,
    Planned,
    Cancelled,
    Denied,
}

/// A contact the generator wrote into an article: two people (names as written, `a < b`),
/// where and when, and whether it took place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoldContact {
    pub article: String,
    pub a: String,
    pub b: String,
    pub status: GoldStatus,
    /// "Meeting" or "PhoneCall".
    pub kind: &'static str,
    pub place: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// A person in one article.
#[derive(Debug, Clone)]
struct Person {
    given: String,
    surname: String,
    title: &'static str,
    country: usize,
}

impl Person {
    fn full(&self) -> String {
        format!("{} {}", self.given, self.surname)
    }
}

/// The corpus generator: name lists and places, ready to write articles.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
    given: Vec<String>,
    surnames: Vec<String>,
    countries: Vec<Country>,
}

fn ascii_word(s: &str) -> bool {
    s.len() >= 3
        && s.chars().all(|c| c.is_ascii_alphabetic())
        && s.starts_with(|c: char| c.is_ascii_uppercase())
}

impl Generator {
    /// A generator for `seed`, with names and places chosen so that the lexicon reads each one
    /// in only one way (no given name that is also a place, title or trigger word ...).
    pub fn new(seed: u64, lex: &Lexicon) -> Self {
        let file = |name: &str| {
            FILES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| *s)
                .unwrap_or("")
        };
        let lines = |text: &'static str| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
        };
        let plain = |w: &str| {
            let lower = w.to_lowercase();
            ascii_word(w)
                && !lex.non_names.contains(&lower)
                && !lex.particles.contains(&lower)
                && !lex.transliterations.contains_key(&lower)
                && lex.surfaces.get(w).is_none()
                && lex.titles.get(w).is_none()
                && lex.triggers.get(w).is_none()
                && lex.cues.get(w).is_none()
        };
        let given: Vec<String> = lines(file("given-names.txt"))
            .filter(|w| plain(w))
            .map(str::to_string)
            .collect();
        let mut seen = HashSet::new();
        let surnames: Vec<String> = lines(include_str!("../ontology/surnames.txt"))
            .chain(SURNAMES.iter().copied())
            .filter(|w| plain(w) && !lex.given_names.contains(&w.to_lowercase()))
            .filter(|w| seen.insert(w.to_string()))
            .map(str::to_string)
            .collect();
        // Countries whose first demonym and capital each name that one country.
        let unique = |form: &str, want: &str| {
            lex.surfaces.get(form).is_some_and(|fs| {
                fs.iter()
                    .all(|f| lex.entities[f.entity].name.eq_ignore_ascii_case(want))
            })
        };
        let mut countries = Vec::new();
        let text = file("countries.tsv");
        for line in lines(text).skip(1) {
            let cells: Vec<&str> = line.split('\t').collect();
            let (name, demonym, capital) = match (cells.first(), cells.get(3), cells.get(4)) {
                (Some(n), Some(d), Some(c)) => (*n, d.split('|').next().unwrap_or(""), *c),
                _ => continue,
            };
            let words_ok = |s: &str| !s.is_empty() && s.split(' ').all(ascii_word);
            if words_ok(name)
                && words_ok(demonym)
                && words_ok(capital)
                && unique(demonym, name)
                && unique(capital, capital)
                && !demonym.eq_ignore_ascii_case(name)
            {
                countries.push(Country {
                    name: name.to_string(),
                    demonym: demonym.to_string(),
                    capital: capital.to_string(),
                });
            }
        }
        Generator {
            seed,
            given,
            surnames,
            countries,
        }
    }

    /// Number of usable given names, surnames and countries (for tests and reports).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.given.len(), self.surnames.len(), self.countries.len())
    }

    /// The article number `n` (0-based) and the contacts it states.
    pub fn article(&self, n: usize) -> (GenArticle, Vec<GoldContact>) {
        let mut rng = SplitMix::new(self.seed ^ (n as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        rng.next_u64();
        Writer {
            g: self,
            rng,
            id: format!("gen-{n:07}"),
            used_surnames: HashSet::new(),
            gold: Vec::new(),
        }
        .write()
    }

    /// Articles `0..n`, lazily.
    pub fn articles(&self, n: usize) -> impl Iterator<Item = (GenArticle, Vec<GoldContact>)> + '_ {
        (0..n).map(|i| self.article(i))
    }
}

/// Writes one article.
struct Writer<'g> {
    g: &'g Generator,
    rng: SplitMix,
    id: String,
    used_surnames: HashSet<String>,
    gold: Vec<GoldContact>,
}

impl Writer<'_> {
    fn person(&mut self, country: usize) -> Person {
        let title = *self.rng.pick(TITLES);
        self.person_titled(country, title)
    }

    fn person_titled(&mut self, country: usize, title: &'static str) -> Person {
        let given = self.rng.pick(&self.g.given).clone();
        let mut surname = self.rng.pick(&self.g.surnames).clone();
        // Distinct surnames in one article, so surname references stay unambiguous.
        for _ in 0..20 {
            if self.used_surnames.insert(surname.clone()) {
                break;
            }
            surname = self.rng.pick(&self.g.surnames).clone();
        }
        Person {
            given,
            surname,
            title,
            country,
        }
    }

    fn country(&mut self, not: &[usize]) -> usize {
        loop {
            let c = self.rng.below(self.g.countries.len());
            if !not.contains(&c) || self.g.countries.len() <= not.len() {
                return c;
            }
        }
    }

    /// "Austrian Foreign Minister Anna Berg".
    fn intro(&self, p: &Person) -> String {
        format!(
            "{} {} {}",
            self.g.countries[p.country].demonym,
            p.title,
            p.full()
        )
    }

    fn record(
        &mut self,
        a: &Person,
        b: &Person,
        status: GoldStatus,
        kind: &'static str,
        place: Option<&str>,
        date: Option<Date>,
    ) {
        let (x, y) = (a.full(), b.full());
        let (a, b) = if x <= y { (x, y) } else { (y, x) };
        self.gold.push(GoldContact {
            article: self.id.clone(),
            a,
            b,
            status,
            kind,
            place: place.map(str::to_string),
            date: date.map(|d| d.to_string()),
        });
    }

    /// A past day within the week before publication, written as a weekday or a date.
    fn past_day(&mut self, published: Date) -> (String, Date) {
        let back = self.rng.below(6) as i64;
        let day = published.checked_sub(back.days()).unwrap_or(published);
        let words = if self.rng.chance(0.7) {
            format!(
                "on {}",
                WEEKDAYS[day.weekday().to_monday_zero_offset() as usize]
            )
        } else {
            format!("on {} {}", MONTHS[day.month() as usize - 1], day.day())
        };
        (words, day)
    }

    fn write(mut self) -> (GenArticle, Vec<GoldContact>) {
        let year = 2016 + self.rng.below(9) as i16;
        let published = Date::new(
            year,
            1 + self.rng.below(12) as i8,
            1 + self.rng.below(28) as i8,
        )
        .unwrap_or(Date::constant(2020, 1, 1));
        let source = *self.rng.pick(SOURCES);
        let ca = self.country(&[]);
        let cb = self.country(&[ca]);
        let a = self.person(ca);
        let b = {
            // Counterparts usually share a title.
            let t = if self.rng.chance(0.6) {
                a.title
            } else {
                *self.rng.pick(TITLES)
            };
            self.person_titled(cb, t)
        };
        let host = if self.rng.chance(0.5) { ca } else { cb };
        let city = self.g.countries[host].capital.clone();
        let topic = *self.rng.pick(TOPICS);
        let mut paras: Vec<String> = Vec::new();
        let dateline = format!("{} ({source}) - ", city.to_uppercase());
        let (when, day) = self.past_day(published);
        let kind = self.rng.below(10);
        let title;
        if kind < 6 {
            // A held meeting leads the article.
            let lead = match self.rng.below(4) {
                0 => format!(
                    "{} met {} in {city} {when} to discuss {topic}.",
                    self.intro(&a),
                    self.intro(&b)
                ),
                1 => format!(
                    "{} held talks with {} in {city} {when}, focusing on {topic}.",
                    self.intro(&a),
                    self.intro(&b)
                ),
                2 => format!(
                    "{} and {} met in {city} {when} and agreed to step up work on {topic}.",
                    self.intro(&a),
                    self.intro(&b)
                ),
                _ => format!(
                    "{} met {} in {city} {when}, and the two agreed to set up a working group on {topic}.",
                    self.intro(&a),
                    self.intro(&b)
                ),
            };
            paras.push(format!("{dateline}{lead}"));
            self.record(&a, &b, GoldStatus::Held, "Meeting", Some(&city), Some(day));
            title = format!(
                "{} and {} discuss {topic} in {city}",
                self.g.countries[ca].name, self.g.countries[cb].name
            );
        } else if kind < 8 {
            // A phone call.
            let (when, day) = self.past_day(published);
            let lead = format!(
                "{} spoke by telephone with {} {when} about {topic}, the {} foreign ministry said.",
                self.intro(&a),
                self.intro(&b),
                self.g.countries[ca].demonym.to_lowercase()
            );
            paras.push(format!("{dateline}{lead}"));
            self.record(&a, &b, GoldStatus::Held, "PhoneCall", None, Some(day));
            title = format!(
                "{} and {} leaders talk by phone",
                self.g.countries[ca].name, self.g.countries[cb].name
            );
        } else {
            // A statement only; the meeting is still to come.
            let lead = format!(
                "{} said on {} that the government would press for progress on {topic}.",
                self.intro(&a),
                WEEKDAYS[published.weekday().to_monday_zero_offset() as usize]
            );
            paras.push(format!("{dateline}{lead}"));
            paras.push(format!(
                "{} will meet {} in {city} next week, officials said.",
                a.surname,
                self.intro(&b)
            ));
            self.record(&a, &b, GoldStatus::Planned, "Meeting", Some(&city), None);
            title = format!(
                "{} presses for progress on {topic}",
                self.g.countries[ca].name
            );
        }
        self.body(&mut paras, &a, &b, ca, cb, &city, topic, published);
        let mut text = paras.join("\n\n");
        if self.rng.chance(0.2) {
            text = self.dirty(text);
        }
        let slug: String = title
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let host_name = source.to_lowercase().replace(' ', "");
        let art = GenArticle {
            url: format!("https://{host_name}.example.com/{published}/{slug}"),
            id: self.id.clone(),
            title,
            source: source.to_string(),
            published: published.to_string(),
            text,
        };
        (art, self.gold)
    }

    /// Quotes, statements, spokespeople, a second contact and background paragraphs.
    #[allow(clippy::too_many_arguments)]
    fn body(
        &mut self,
        paras: &mut Vec<String>,
        a: &Person,
        b: &Person,
        ca: usize,
        cb: usize,
        city: &str,
        topic: &str,
        published: Date,
    ) {
        let (ka, kb) = (self.g.countries[ca].clone(), self.g.countries[cb].clone());
        let quotes = [
            "We have agreed on concrete steps, and we will follow them up",
            "This is a partnership that has to deliver results for ordinary people",
            "Nobody expects a solution overnight, but the direction is right",
            "Our doors remain open, and our position has not changed",
            "We spoke frankly, as partners should",
        ];
        let q = *self.rng.pick(&quotes);
        paras.push(format!(
            "\"{q},\" {} told reporters after the talks.",
            a.surname
        ));
        paras.push(format!(
            "{} said {} wanted {} companies to take part in projects on {topic}, and that a \
             joint commission would meet again before the end of the year.",
            b.surname, kb.name, ka.demonym
        ));
        let background = [
            format!(
                "Trade between {} and {} reached about {} billion dollars last year, according to official figures.",
                ka.name,
                kb.name,
                2 + self.rng.below(40)
            ),
            format!(
                "The two countries established diplomatic relations in {} and have signed more than {} agreements since then.",
                1950 + self.rng.below(60),
                5 + self.rng.below(30)
            ),
            format!(
                "Analysts said the talks in {city} were unlikely to settle older disputes over tariffs and transit fees."
            ),
            "Officials on both sides described the atmosphere as constructive, though no joint statement was issued.".to_string(),
            format!(
                "{} has sought closer ties with its neighbours as growth slowed and energy prices rose over the past two years.",
                kb.name
            ),
            "Opposition lawmakers criticised the government for what they called a lack of transparency about the negotiations.".to_string(),
            format!(
                "Business groups in {} welcomed the contacts but asked for clearer rules on licences and customs checks.",
                ka.capital
            ),
        ];
        let n_bg = 2 + self.rng.below(4);
        let start = self.rng.below(background.len());
        for k in 0..n_bg {
            paras.push(background[(start + k) % background.len()].clone());
        }
        // A spokesperson who reports but does not take part.
        if self.rng.chance(0.5) {
            let sp = self.person_titled(ca, "spokesman");
            paras.push(format!(
                "{} foreign ministry spokesman {}, who was not at the talks, said a follow-up meeting of experts was being prepared.",
                ka.demonym,
                sp.full()
            ));
        }
        // A second contact: held, planned, cancelled or denied.
        let cc = self.country(&[ca, cb]);
        let c = self.person(cc);
        let other_city = self.g.countries[cc].capital.clone();
        match self.rng.below(5) {
            0 => {
                let (when, day) = self.past_day(published);
                paras.push(format!(
                    "{} also met {} in {other_city} {when}.",
                    self.intro(a),
                    self.intro(&c)
                ));
                self.record(
                    a,
                    &c,
                    GoldStatus::Held,
                    "Meeting",
                    Some(&other_city),
                    Some(day),
                );
            }
            1 => {
                paras.push(format!(
                    "{} is scheduled to meet {} in {other_city} next month.",
                    b.surname,
                    self.intro(&c)
                ));
                self.record(
                    b,
                    &c,
                    GoldStatus::Planned,
                    "Meeting",
                    Some(&other_city),
                    None,
                );
            }
            2 => {
                paras.push(format!(
                    "A planned meeting between {} and {} in {other_city} was cancelled at short notice, diplomats said.",
                    self.intro(b),
                    self.intro(&c)
                ));
                self.record(
                    b,
                    &c,
                    GoldStatus::Cancelled,
                    "Meeting",
                    Some(&other_city),
                    None,
                );
            }
            3 => {
                paras.push(format!(
                    "The {} foreign ministry denied reports that {} had met {} in {other_city}.",
                    self.g.countries[cc].demonym,
                    a.surname,
                    self.intro(&c)
                ));
                self.record(
                    a,
                    &c,
                    GoldStatus::Denied,
                    "Meeting",
                    Some(&other_city),
                    None,
                );
            }
            _ => {
                paras.push(format!(
                    "{} also said {} was ready to host a regional conference on {topic} next year.",
                    self.intro(&c),
                    self.g.countries[cc].name
                ));
            }
        }
        if self.rng.chance(0.3) {
            paras.push(format!(
                "(Reporting by {} {}; Editing by {} {})",
                self.rng.pick(&self.g.given).clone(),
                self.rng.pick(&self.g.surnames).clone(),
                self.rng.pick(&self.g.given).clone(),
                self.rng.pick(&self.g.surnames).clone()
            ));
        }
    }

    /// Dirty copy: one or more of look-alike letters, hard line breaks, banner lines and HTML
    /// entities.
    fn dirty(&mut self, text: String) -> String {
        let mut text = text;
        if self.rng.chance(0.5) {
            // Cyrillic look-alikes inside some longer lowercase words.
            let mut out = String::with_capacity(text.len() + 64);
            for (k, word) in text.split(' ').enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                let lower = word.len() >= 5 && word.chars().all(|c| c.is_ascii_lowercase());
                if lower && self.rng.chance(0.08) {
                    out.extend(word.chars().map(|c| match c {
                        'a' => '\u{430}',
                        'e' => '\u{435}',
                        'o' => '\u{43E}',
                        'c' => '\u{441}',
                        'p' => '\u{440}',
                        _ => c,
                    }));
                } else {
                    out.push_str(word);
                }
            }
            text = out;
        }
        if self.rng.chance(0.4) {
            // Hard line breaks at about 70 columns.
            let mut out = String::with_capacity(text.len());
            for (k, para) in text.split("\n\n").enumerate() {
                if k > 0 {
                    out.push_str("\n\n");
                }
                let mut col = 0;
                for (j, word) in para.split(' ').enumerate() {
                    if j > 0 {
                        if col + word.len() > 70 {
                            out.push('\n');
                            col = 0;
                        } else {
                            out.push(' ');
                            col += 1;
                        }
                    }
                    out.push_str(word);
                    col += word.chars().count();
                }
            }
            text = out;
        }
        if self.rng.chance(0.4) {
            let banner = match self.rng.below(3) {
                0 => "Read more: Markets steady ahead of central bank decision".to_string(),
                1 => "Sign up for our daily newsletter".to_string(),
                _ => "Share this article".to_string(),
            };
            text = match text.find("\n\n") {
                Some(i) => format!("{}\n{banner}\n{}", &text[..i], &text[i..]),
                None => format!("{text}\n{banner}"),
            };
        }
        if self.rng.chance(0.4) {
            text = text
                .replace(" & ", " &amp; ")
                .replace('"', "&quot;")
                .replace("'s ", "&#39;s ");
        }
        text
    }
}

/// Writes articles `0..n` as JSON Lines to `out`, adding their facts to `gold` when given.
/// Returns the number of bytes of article text written.
pub fn write_corpus(
    g: &Generator,
    n: usize,
    out: &mut impl std::io::Write,
    mut gold: Option<&mut Gold>,
) -> std::io::Result<usize> {
    let mut bytes = 0;
    for (art, facts) in g.articles(n) {
        bytes += art.text.len();
        serde_json::to_writer(&mut *out, &art)?;
        out.write_all(b"\n")?;
        if let Some(gold) = gold.as_deref_mut() {
            gold.add(facts);
        }
    }
    Ok(bytes)
}

/// Totals of a gold file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GoldSummary {
    pub articles: usize,
    pub held: usize,
    pub not_held: usize,
}

/// Everything the generator states about a corpus, as written to `--gold`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Gold {
    pub seed: u64,
    pub summary: GoldSummary,
    pub contacts: Vec<GoldContact>,
}

impl Gold {
    pub fn new(seed: u64) -> Self {
        Gold {
            seed,
            ..Default::default()
        }
    }
    pub fn add(&mut self, contacts: Vec<GoldContact>) {
        self.summary.articles += 1;
        for c in contacts {
            if c.status == GoldStatus::Held {
                self.summary.held += 1;
            } else {
                self.summary.not_held += 1;
            }
            self.contacts.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_articles_and_another_seed_does_not() {
        let lex = Lexicon::builtin();
        let g = Generator::new(7, &lex);
        let a: Vec<_> = g.articles(20).collect();
        let b: Vec<_> = Generator::new(7, &lex).articles(20).collect();
        assert_eq!(a, b);
        // Article n does not depend on the articles before it.
        assert_eq!(g.article(13), a[13]);
        let c: Vec<_> = Generator::new(8, &lex).articles(20).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn names_are_varied_and_unambiguous_to_the_lexicon() {
        let lex = Lexicon::builtin();
        let g = Generator::new(1, &lex);
        let (given, surnames, countries) = g.sizes();
        assert!(given > 1000, "{given} given names");
        assert!(surnames > 200, "{surnames} surnames");
        assert!(countries > 60, "{countries} countries");
        for w in g.given.iter().chain(&g.surnames) {
            assert!(lex.surfaces.get(w).is_none(), "{w} is also a known name");
            assert!(lex.titles.get(w).is_none(), "{w} is also a title");
        }
    }

    #[test]
    fn every_held_contact_names_two_people_of_the_text() {
        let lex = Lexicon::builtin();
        let g = Generator::new(3, &lex);
        let mut held = 0;
        for (art, gold) in g.articles(200) {
            for c in &gold {
                assert_ne!(c.a, c.b);
                assert!(c.a < c.b);
                for name in [&c.a, &c.b] {
                    let surname = name.rsplit(' ').next().unwrap_or("");
                    assert!(art.text.contains(surname), "{name} not in {}", art.id);
                }
                held += usize::from(c.status == GoldStatus::Held);
            }
        }
        assert!(held > 150, "{held} held contacts in 200 articles");
    }
}
