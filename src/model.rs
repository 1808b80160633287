//! Plain value types shared by the pipeline stages.
//!
//! Nothing here does I/O or extraction; these are the typed inputs and outputs that connect
//! ingest → normalize → segment → extract → rdf. Each stage builds its own output type, so a
//! skipped or reordered stage does not type-check.

use std::fmt;
use std::path::PathBuf;

/// Where an article came from: the file, and the line for line-oriented formats (JSONL).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: PathBuf,
    pub line: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}", self.file.display(), l),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// Article metadata as read from the input, before any cleaning of the body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArticleMeta {
    /// Stable identifier: the input's `id`, else derived from the URL or file name.
    pub id: String,
    pub title: Option<String>,
    pub source: Option<String>,
    /// Publication date as `YYYY-MM-DD` when it could be parsed.
    pub published: Option<String>,
    pub url: Option<String>,
    pub origin: Origin,
}

/// Output of ingest: metadata plus the original body text, untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawArticle {
    pub meta: ArticleMeta,
    pub text: String,
    /// Non-fatal problems met while reading (lossy UTF-8, unknown date format, ...).
    pub warnings: Vec<String>,
}

/// A half-open byte span `[start, end)` into some text named by context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
    pub fn overlaps(&self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Converts byte offsets of a text into character (Unicode scalar) offsets, as NIF wants.
#[derive(Debug, Clone)]
pub struct CharIndex {
    /// For each byte offset that starts a char (and the end), the char offset; empty for ASCII.
    table: Vec<u32>,
    len: usize,
}

impl CharIndex {
    pub fn new(text: &str) -> Self {
        if text.is_ascii() {
            return CharIndex {
                table: Vec::new(),
                len: text.len(),
            };
        }
        let mut table = vec![0u32; text.len() + 1];
        let mut n = 0u32;
        for (b, c) in text.char_indices() {
            for slot in &mut table[b..b + c.len_utf8()] {
                *slot = n;
            }
            n += 1;
        }
        table[text.len()] = n;
        CharIndex {
            table,
            len: text.len(),
        }
    }

    /// Char offset of byte offset `b` (clamped to the text; a byte inside a char maps to that char).
    pub fn char_at(&self, b: usize) -> usize {
        let b = b.min(self.len);
        if self.table.is_empty() {
            b
        } else {
            self.table[b] as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_index_counts_scalars_not_bytes() {
        let t = "Türkiye and Петров";
        let ci = CharIndex::new(t);
        let b = t.find("and").unwrap();
        assert_eq!(ci.char_at(b), 8);
        assert_eq!(ci.char_at(t.len()), t.chars().count());
        let ascii = CharIndex::new("abc");
        assert_eq!(ascii.char_at(2), 2);
        assert_eq!(ascii.char_at(99), 3);
    }
}
