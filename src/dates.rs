//! Dates: read publication dates from metadata and resolve time expressions in text.
//!
//! Absolute ("Nov. 14", "14 November 2022", "2022-12-09") and relative ("Friday", "today",
//! "yesterday", "last week", "in February", "last month") expressions are resolved against an
//! anchor (the dateline or publication date), keeping the original text and the precision
//! (day, month or year). Pure functions, no I/O, no clock: the same input gives the same dates.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use regex::Regex;
use std::sync::LazyLock;

/// How precise a resolved date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Year,
    Month,
    Day,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
        }
    }
}

/// A resolved date: `YYYY-MM-DD`, `YYYY-MM` or `YYYY` depending on precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDate {
    pub date: Date,
    pub precision: Precision,
}

impl ResolvedDate {
    pub fn day(date: Date) -> Self {
        ResolvedDate {
            date,
            precision: Precision::Day,
        }
    }
    pub fn month(date: Date) -> Self {
        ResolvedDate {
            date,
            precision: Precision::Month,
        }
    }
    /// The lexical form: `2022-11-14`, `2022-11` or `2022`.
    pub fn lexical(&self) -> String {
        match self.precision {
            Precision::Day => format!(
                "{:04}-{:02}-{:02}",
                self.date.year(),
                self.date.month(),
                self.date.day()
            ),
            Precision::Month => format!("{:04}-{:02}", self.date.year(), self.date.month()),
            Precision::Year => format!("{:04}", self.date.year()),
        }
    }
}

/// Whether the surrounding clause talks about the past (default in news) or the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    Past,
    Future,
}

/// A time expression found in text: byte span relative to the searched text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeExpr {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub resolved: Option<ResolvedDate>,
    /// True for expressions that name a day or a date, false for vague ones ("last week").
    pub specific: bool,
}

const MONTHS: [(&str, i8); 23] = [
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
];

fn month_of(word: &str) -> Option<i8> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w == "dec" {
        return Some(12);
    }
    MONTHS.iter().find(|(n, _)| *n == w).map(|(_, m)| *m)
}

fn weekday_of(word: &str) -> Option<Weekday> {
    let w = word.to_ascii_lowercase();
    Some(match w.trim_end_matches("'s") {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

/// Parses a metadata date (ISO date or timestamp, RFC 2822, "March 2, 1987", "2 March 1987")
/// into `YYYY-MM-DD`.
pub fn parse_metadata_date(s: &str) -> Option<String> {
    let s = s.trim();
    static ISO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})").expect("valid regex"));
    if let Some(c) = ISO.captures(s) {
        let y: i16 = c[1].parse().ok()?;
        let m: i8 = c[2].parse().ok()?;
        let d: i8 = c[3].parse().ok()?;
        return Date::new(y, m, d).ok().map(|d| d.to_string());
    }
    // East Asian form: 2020年06月16日
    static CJK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d{4})年(\d{1,2})月(\d{1,2})日").expect("valid regex"));
    if let Some(c) = CJK.captures(s) {
        let y: i16 = c[1].parse().ok()?;
        let m: i8 = c[2].parse().ok()?;
        let d: i8 = c[3].parse().ok()?;
        return Date::new(y, m, d).ok().map(|d| d.to_string());
    }
    if let Ok(ts) = jiff::fmt::rfc2822::parse(s) {
        return Some(ts.date().to_string());
    }
    // Month-name forms, anchored on nothing: the year must be present.
    let exprs = find_time_exprs(s, None, Tense::Past);
    exprs
        .into_iter()
        .find_map(|e| e.resolved.filter(|r| r.precision == Precision::Day))
        .map(|r| r.date.to_string())
}

/// Parses `YYYY-MM-DD` into a date.
pub fn parse_iso(s: &str) -> Option<Date> {
    s.get(..10)?.parse::<Date>().ok()
}

static EXPR: LazyLock<Regex> = LazyLock::new(|| {
    let month = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?";
    let weekday = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
    let pattern = format!(
        r"(?x)
        (?P<iso>(?-u:\b)\d{{4}}-\d{{2}}-\d{{2}}(?-u:\b))
        | (?P<md>(?-u:\b){month}\s+(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?(?-u:\b)(?:,?\s+(?P<md_y>(?:19|20)\d{{2}})(?-u:\b))?)
        | (?P<dm>(?-u:\b)(?P<dm_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dm_m>{month})(?:,?\s+(?P<dm_y>(?:19|20)\d{{2}}))?(?-u:\b))
        | (?P<wd>(?-u:\b)(?:(?:last|this|next|on|late|early)\s+)?{weekday}(?:'s)?(?:\s+(?:morning|afternoon|evening|night))?(?-u:\b))
        | (?P<rel>(?-u:\b)(?i:today|tonight|yesterday|tomorrow|this\s+(?:morning|afternoon|evening|week|month|year)|last\s+(?:night|week|month|year|weekend)|earlier\s+this\s+(?:week|month|year)|next\s+(?:week|month|year)|(?:this|the)\s+weekend)(?-u:\b))
        | (?P<mo>(?-u:\b)(?:(?P<mo_pre>in|since|last|early|late|mid|during|until|by|from)\s+)?(?P<mo_m>January|February|March|April|June|July|August|September|October|November|December)(?:,?\s+(?P<mo_y>(?:19|20)\d{{2}}))?(?-u:\b))
        | (?P<yr>(?-u:\b)(?:in|since|during)\s+(?P<yr_y>(?:19|20)\d{{2}})(?-u:\b))
        "
    );
    // ASCII word boundaries: Unicode ones make the fast (lazy DFA) engine give up on any
    // sentence with a non-ASCII character; a date's neighbours are ASCII in practice.
    Regex::new(&pattern).expect("valid date regex")
});

/// Finds time expressions in `text` and resolves them against `anchor` (when known).
pub fn find_time_exprs(text: &str, anchor: Option<Date>, tense: Tense) -> Vec<TimeExpr> {
    let mut out = Vec::new();
    for c in EXPR.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let mut specific = true;
        let resolved = if let Some(iso) = c.name("iso") {
            iso.as_str().parse::<Date>().ok().map(ResolvedDate::day)
        } else if c.name("md").is_some() || c.name("dm").is_some() {
            let (mname, dstr, ystr) = if c.name("md").is_some() {
                let mtext = m.as_str().split_whitespace().next().unwrap_or("");
                (mtext, c.name("md_d"), c.name("md_y"))
            } else {
                (
                    c.name("dm_m").map(|x| x.as_str()).unwrap_or(""),
                    c.name("dm_d"),
                    c.name("dm_y"),
                )
            };
            let month = month_of(mname);
            let day: Option<i8> = dstr.and_then(|d| d.as_str().parse().ok());
            match (month, day) {
                (Some(mo), Some(d)) => match ystr.and_then(|y| y.as_str().parse::<i16>().ok()) {
                    Some(y) => Date::new(y, mo, d).ok().map(ResolvedDate::day),
                    None => anchor.and_then(|a| month_day_near(a, mo, d, tense)),
                },
                _ => None,
            }
        } else if c.name("wd").is_some() {
            let lower = m.as_str().to_ascii_lowercase();
            let wd = m.as_str().split_whitespace().find_map(weekday_of);
            let t = if lower.starts_with("next ") {
                Tense::Future
            } else if lower.starts_with("last ") {
                Tense::Past
            } else {
                tense
            };
            match (anchor, wd) {
                (Some(a), Some(w)) => weekday_near(a, w, t).map(ResolvedDate::day),
                _ => None,
            }
        } else if c.name("rel").is_some() {
            let lower = m.as_str().to_ascii_lowercase();
            let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
            anchor.and_then(|a| relative(a, &lower, &mut specific))
        } else if c.name("mo").is_some() {
            specific = false;
            let mo = c.name("mo_m").and_then(|x| month_of(x.as_str()));
            let pre = c.name("mo_pre").map(|x| x.as_str().to_ascii_lowercase());
            // A bare capitalised month with no preposition or year is too ambiguous ("March" the verb,
            // "May" the modal) unless the sentence is about a date: require a preposition or year.
            if pre.is_none() && c.name("mo_y").is_none() {
                continue;
            }
            match (
                mo,
                c.name("mo_y").and_then(|y| y.as_str().parse::<i16>().ok()),
            ) {
                (Some(mo), Some(y)) => Date::new(y, mo, 1).ok().map(ResolvedDate::month),
                (Some(mo), None) => anchor.and_then(|a| month_near(a, mo, tense)),
                _ => None,
            }
        } else if let Some(y) = c.name("yr_y") {
            specific = false;
            y.as_str()
                .parse::<i16>()
                .ok()
                .and_then(|y| Date::new(y, 1, 1).ok())
                .map(|d| ResolvedDate {
                    date: d,
                    precision: Precision::Year,
                })
        } else {
            None
        };
        out.push(TimeExpr {
            start: m.start(),
            end: m.end(),
            text: m.as_str().to_string(),
            resolved,
            specific,
        });
    }
    out
}

/// "Nov. 14" near the anchor: the same year, unless that puts it well after (past tense) or
/// well before (future tense) the anchor.
fn month_day_near(anchor: Date, month: i8, day: i8, tense: Tense) -> Option<ResolvedDate> {
    let d = Date::new(anchor.year(), month, day).ok()?;
    let d = match tense {
        Tense::Past if d > anchor.checked_add(7.days()).ok()? => {
            Date::new(anchor.year() - 1, month, day).ok()?
        }
        Tense::Future if d < anchor.checked_sub(7.days()).ok()? => {
            Date::new(anchor.year() + 1, month, day).ok()?
        }
        _ => d,
    };
    Some(ResolvedDate::day(d))
}

fn month_near(anchor: Date, month: i8, tense: Tense) -> Option<ResolvedDate> {
    let mut y = anchor.year();
    match tense {
        Tense::Past if month > anchor.month() => y -= 1,
        Tense::Future if month < anchor.month() => y += 1,
        _ => {}
    }
    Date::new(y, month, 1).ok().map(ResolvedDate::month)
}

/// A weekday named in past-tense news is the anchor day itself or the latest one before it;
/// in future tense, the anchor day or the next one.
fn weekday_near(anchor: Date, wd: Weekday, tense: Tense) -> Option<Date> {
    if anchor.weekday() == wd {
        return Some(anchor);
    }
    match tense {
        Tense::Past => anchor.nth_weekday(-1, wd).ok(),
        Tense::Future => anchor.nth_weekday(1, wd).ok(),
    }
}

fn relative(a: Date, expr: &str, specific: &mut bool) -> Option<ResolvedDate> {
    let day = |d: Date| Some(ResolvedDate::day(d));
    match expr {
        "today" | "tonight" | "this morning" | "this afternoon" | "this evening" => day(a),
        "yesterday" | "last night" => day(a.checked_sub(1.day()).ok()?),
        "tomorrow" => day(a.checked_add(1.day()).ok()?),
        "last week" | "earlier this week" | "this week" | "last weekend" | "this weekend"
        | "the weekend" => {
            *specific = false;
            // A week-long window: month precision only when the window stays in one month.
            let (from, to) = match expr {
                "last week" => (a.checked_sub(13.days()).ok()?, a.checked_sub(1.day()).ok()?),
                "last weekend" | "this weekend" | "the weekend" => {
                    let sat = weekday_near(a, Weekday::Saturday, Tense::Past)?;
                    (sat, sat.checked_add(1.day()).ok()?.min(a))
                }
                _ => (a.checked_sub(6.days()).ok()?, a),
            };
            if from.month() == to.month() && from.year() == to.year() {
                Some(ResolvedDate::month(to))
            } else {
                None
            }
        }
        "last month" => {
            *specific = false;
            Some(ResolvedDate::month(
                a.first_of_month().checked_sub(1.day()).ok()?,
            ))
        }
        "this month" | "earlier this month" => {
            *specific = false;
            Some(ResolvedDate::month(a))
        }
        "next week" => {
            *specific = false;
            None
        }
        "next month" => {
            *specific = false;
            Some(ResolvedDate::month(
                a.last_of_month().checked_add(1.day()).ok()?,
            ))
        }
        "last year" => {
            *specific = false;
            Some(ResolvedDate {
                date: Date::new(a.year() - 1, 1, 1).ok()?,
                precision: Precision::Year,
            })
        }
        "this year" | "earlier this year" | "next year" => {
            *specific = false;
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn first(text: &str, anchor: &str) -> Option<String> {
        find_time_exprs(text, Some(d(anchor)), Tense::Past)
            .into_iter()
            .find_map(|e| e.resolved)
            .map(|r| r.lexical())
    }

    #[test]
    fn weekdays_resolve_to_the_latest_before_publication() {
        // 2024-11-20 is a Wednesday.
        assert_eq!(
            first("met on Friday", "2024-11-20").as_deref(),
            Some("2024-11-15")
        );
        assert_eq!(
            first("on Wednesday", "2024-11-20").as_deref(),
            Some("2024-11-20")
        );
        assert_eq!(
            find_time_exprs("will meet on Friday", Some(d("2024-11-20")), Tense::Future)[0]
                .resolved
                .as_ref()
                .map(|r| r.lexical())
                .as_deref(),
            Some("2024-11-22")
        );
    }

    #[test]
    fn month_and_day_take_the_year_of_the_anchor_or_the_one_before() {
        assert_eq!(
            first("met on Nov. 14 in", "2022-12-09").as_deref(),
            Some("2022-11-14")
        );
        assert_eq!(
            first("on Dec. 30", "2023-01-03").as_deref(),
            Some("2022-12-30")
        );
        assert_eq!(
            first("on 14 November 2019", "2024-01-01").as_deref(),
            Some("2019-11-14")
        );
        assert_eq!(
            first("March 2", "1987-03-03").as_deref(),
            Some("1987-03-02")
        );
    }

    #[test]
    fn relative_words_and_months() {
        assert_eq!(
            first("yesterday", "2005-02-05").as_deref(),
            Some("2005-02-04")
        );
        assert_eq!(
            first("last night", "2005-02-05").as_deref(),
            Some("2005-02-04")
        );
        assert_eq!(
            first("invaded in February", "2022-12-09").as_deref(),
            Some("2022-02")
        );
        assert_eq!(
            first("last month", "2022-01-10").as_deref(),
            Some("2021-12")
        );
        // "earlier this week" on the 2nd of a month spans two months: no date.
        assert_eq!(first("earlier this week", "2005-03-02"), None);
        assert_eq!(
            first("earlier this week", "2005-01-21").as_deref(),
            Some("2005-01")
        );
    }

    #[test]
    fn metadata_dates_in_common_forms() {
        assert_eq!(
            parse_metadata_date("2019-03-12 10:00:00").as_deref(),
            Some("2019-03-12")
        );
        assert_eq!(
            parse_metadata_date("2022-12-09T08:00:00Z").as_deref(),
            Some("2022-12-09")
        );
        assert_eq!(
            parse_metadata_date("Fri, 09 Dec 2022 08:00:00 +0000").as_deref(),
            Some("2022-12-09")
        );
        assert_eq!(
            parse_metadata_date("March 2, 1987").as_deref(),
            Some("1987-03-02")
        );
        assert_eq!(parse_metadata_date("soon"), None);
        assert_eq!(
            parse_metadata_date("2020年06月16日 02:31").as_deref(),
            Some("2020-06-16")
        );
    }

    #[test]
    fn bare_month_words_are_not_dates() {
        assert!(find_time_exprs("They May March", None, Tense::Past).is_empty());
    }
}
