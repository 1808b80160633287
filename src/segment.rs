//! Segment: split clean text into sentences and tokens with byte offsets into the clean text.
//!
//! Input is the clean text from `normalize` (paragraphs separated by blank lines). A paragraph
//! break always ends a sentence; inside a paragraph, `.`, `!` and `?` end one unless they close an
//! abbreviation ("Mr.", "Nov.", "Gen."), an initial ("J."), or a dotted acronym ("U.S.") followed
//! by a word that continues the sentence. Tokens never change text or offsets. No I/O, no panics.

use crate::model::Span;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Number,
    Punct,
}

/// A token: byte span into the clean text plus a few precomputed shape flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
    /// First character is uppercase.
    pub cap: bool,
    /// Every letter is uppercase (and there are at least two letters).
    pub upper: bool,
}

impl Token {
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.span.start..self.span.end]
    }
}

/// A sentence: its span in the clean text, its tokens, and the paragraph it sits in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub index: usize,
    pub paragraph: usize,
    pub span: Span,
    pub tokens: Vec<Token>,
}

/// Words after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "capt",
    "cmdr", "adm", "maj", "brig", "hon", "rev", "fr", "jr", "sr", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos", "vs", "etc", "approx",
    "dept", "est", "ft", "mt", "pres", "amb", "gov't", "corp", "inc", "ltd", "co", "bros",
    "messrs", "mme", "ave", "fig", "vol", "op",
];

/// Sentence starters after which a dotted acronym such as "U.S." did end a sentence.
const STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "But",
    "And",
    "In",
    "On",
    "At",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "His",
    "Her",
    "Their",
    "Its",
    "Mr",
    "Ms",
    "Mrs",
    "However",
    "Meanwhile",
    "After",
    "Before",
    "When",
    "While",
    "According",
    "Both",
    "Officials",
    "Some",
];

/// Splits `text` into sentences with tokens.
pub fn segment(text: &str) -> Vec<Sentence> {
    let tokens = tokenize(text);
    let mut sentences = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut paragraph = 0usize;
    let mut prev_end = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        // Paragraph break between the previous token and this one.
        if !current.is_empty() && text[prev_end..t.span.start].contains('\n') {
            push(&mut sentences, &mut current, paragraph);
            if text[prev_end..t.span.start].contains("\n\n") {
                paragraph += 1;
            }
        } else if current.is_empty() && i > 0 && text[prev_end..t.span.start].contains("\n\n") {
            paragraph += 1;
        }
        current.push(t);
        prev_end = t.span.end;
        i += 1;
        if ends_sentence(text, &tokens, i - 1) {
            // Take closing quotes and brackets along.
            while i < tokens.len() {
                let n = tokens[i];
                let s = n.text(text);
                if n.kind == TokenKind::Punct
                    && matches!(s, "\"" | "'" | ")" | "]")
                    && n.span.start == prev_end
                {
                    current.push(n);
                    prev_end = n.span.end;
                    i += 1;
                } else {
                    break;
                }
            }
            push(&mut sentences, &mut current, paragraph);
        }
    }
    push(&mut sentences, &mut current, paragraph);
    sentences
}

fn push(out: &mut Vec<Sentence>, current: &mut Vec<Token>, paragraph: usize) {
    if current.is_empty() {
        return;
    }
    let span = Span::new(current[0].span.start, current[current.len() - 1].span.end);
    out.push(Sentence {
        index: out.len(),
        paragraph,
        span,
        tokens: std::mem::take(current),
    });
}

fn ends_sentence(text: &str, tokens: &[Token], i: usize) -> bool {
    let t = tokens[i];
    let s = t.text(text);
    let next = tokens.get(i + 1);
    let next_starts = |n: &Token| {
        let ns = n.text(text);
        n.cap || n.kind == TokenKind::Number || matches!(ns, "\"" | "'" | "(" | "-")
    };
    match s {
        "!" | "?" => next.is_none_or(next_starts),
        "." => {
            let Some(n) = next else { return true };
            if !next_starts(n) && n.text(text) != "\"" {
                return false;
            }
            // The word before the period.
            let Some(prev) = i.checked_sub(1).map(|j| tokens[j]) else {
                return true;
            };
            if prev.span.end != t.span.start || prev.kind != TokenKind::Word {
                return true;
            }
            let w = prev.text(text);
            let lower = w.to_ascii_lowercase();
            if ABBREVIATIONS.contains(&lower.as_str()) {
                // "Nov. 14", "Mr. Smith": not an end. "... in Nov. The" is rare; keep together.
                return false;
            }
            // A single capital initial: "J. Smith".
            if w.chars().count() == 1 && prev.cap {
                return false;
            }
            true
        }
        _ if t.kind == TokenKind::Word && s.ends_with('.') && s.len() > 2 => {
            // Dotted acronym ("U.S."): ends the sentence only before a typical sentence starter.
            match next {
                None => true,
                Some(n) => {
                    let ns = n.text(text);
                    STARTERS.contains(&ns) || ns == "\""
                }
            }
        }
        _ => false,
    }
}

/// Splits text into word, number and punctuation tokens.
///
/// Words keep internal apostrophes and hyphens ("O'Brien", "al-Assad", "tit-for-tat") and the
/// dots of dotted acronyms ("U.S.", "U.N."); a possessive "'s" is its own token.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len() / 5);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let end_of = |k: usize| if k < n { chars[k].0 } else { text.len() };
    let mut k = 0;
    while k < n {
        let (start, c) = chars[k];
        if c.is_whitespace() {
            k += 1;
            continue;
        }
        if c.is_alphanumeric() {
            let mut j = k + 1;
            let numeric = c.is_ascii_digit();
            while j < n {
                let cj = chars[j].1;
                if cj.is_alphanumeric() || is_mark(cj) {
                    j += 1;
                } else if (cj == '\'' || cj == '-' || (numeric && (cj == ',' || cj == '.')))
                    && j + 1 < n
                    && chars[j + 1].1.is_alphanumeric()
                {
                    // Possessive 's / s' stays a separate token.
                    if cj == '\''
                        && matches!(chars[j + 1].1, 's' | 'S')
                        && (j + 2 >= n || !chars[j + 2].1.is_alphanumeric())
                    {
                        break;
                    }
                    if numeric && cj != '-' && !chars[j + 1].1.is_ascii_digit() {
                        break;
                    }
                    j += 1;
                } else if cj == '.' && !numeric && dotted_acronym(&chars, k, j) {
                    // Consume the dot and continue ("U.S." / "U.S.A.").
                    j += 1;
                    if j < n && chars[j].1.is_alphabetic() && j + 1 < n && chars[j + 1].1 == '.' {
                        continue;
                    }
                    break;
                } else {
                    break;
                }
            }
            let span = Span::new(start, end_of(j));
            let s = &text[span.start..span.end];
            let kind = if numeric
                && s.chars()
                    .all(|x| x.is_ascii_digit() || x == ',' || x == '.')
            {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
            let letters = s.chars().filter(|x| x.is_alphabetic()).count();
            out.push(Token {
                span,
                kind,
                cap: c.is_uppercase(),
                upper: letters >= 2
                    && s.chars()
                        .filter(|x| x.is_alphabetic())
                        .all(|x| x.is_uppercase()),
            });
            k = j;
        } else if c == '\''
            && k + 1 < n
            && matches!(chars[k + 1].1, 's' | 'S')
            && (k + 2 >= n || !chars[k + 2].1.is_alphanumeric())
            && k > 0
            && chars[k - 1].1.is_alphanumeric()
        {
            out.push(Token {
                span: Span::new(start, end_of(k + 2)),
                kind: TokenKind::Word,
                cap: false,
                upper: false,
            });
            k += 2;
        } else {
            out.push(Token {
                span: Span::new(start, end_of(k + 1)),
                kind: TokenKind::Punct,
                cap: false,
                upper: false,
            });
            k += 1;
        }
    }
    out
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// True when the word from `k` to `j` is a single letter (or letter-dot run) so that the dot at
/// `j` belongs to a dotted acronym: "U.S", "U.S.A", "D.C".
fn dotted_acronym(chars: &[(usize, char)], k: usize, j: usize) -> bool {
    // The segment before the dot must be one letter, and either a letter+dot follows,
    // or we are already inside an acronym (k..j contains a dot).
    let seg_start = chars[k..j]
        .iter()
        .rposition(|(_, c)| *c == '.')
        .map(|p| k + p + 1)
        .unwrap_or(k);
    let one_letter = j - seg_start == 1 && chars[seg_start].1.is_uppercase();
    let inside = seg_start > k;
    let letter_dot_follows = j + 2 < chars.len() + 1
        && chars.get(j + 1).is_some_and(|(_, c)| c.is_uppercase())
        && chars.get(j + 2).is_some_and(|(_, c)| *c == '.');
    one_letter && (inside || letter_dot_follows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(text: &str) -> Vec<String> {
        segment(text)
            .iter()
            .map(|s| text[s.span.start..s.span.end].to_string())
            .collect()
    }

    fn toks(text: &str) -> Vec<&str> {
        tokenize(text)
            .iter()
            .map(|t| t.text(text))
            .collect::<Vec<_>>()
    }

    #[test]
    fn tokens_keep_acronyms_names_and_split_possessives() {
        assert_eq!(
            toks("Russia's U.S. envoy O'Brien met al-Assad, 3.5 hours."),
            vec![
                "Russia", "'s", "U.S.", "envoy", "O'Brien", "met", "al-Assad", ",", "3.5", "hours",
                "."
            ]
        );
    }

    #[test]
    fn abbreviations_initials_and_acronyms_do_not_split() {
        assert_eq!(
            sents(
                "Gen. Smith met J. Doe on Nov. 14 in the U.S. Embassy. He left. The U.S. It ended."
            ),
            vec![
                "Gen. Smith met J. Doe on Nov. 14 in the U.S. Embassy.",
                "He left.",
                "The U.S.",
                "It ended."
            ]
        );
    }

    #[test]
    fn paragraphs_always_split_and_quotes_stay_with_their_sentence() {
        let s = sents("HEADLINE WITHOUT STOP\n\n\"We agreed,\" he said. \"Good.\" Next one");
        assert_eq!(
            s,
            vec![
                "HEADLINE WITHOUT STOP",
                "\"We agreed,\" he said.",
                "\"Good.\"",
                "Next one"
            ]
        );
        let seg = segment("A.\n\nB.");
        assert_eq!(seg[1].paragraph, 1);
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "Türkiye hosted talks. Петров spoke.";
        for s in segment(text) {
            for t in &s.tokens {
                assert!(text.is_char_boundary(t.span.start) && text.is_char_boundary(t.span.end));
            }
        }
    }
}
