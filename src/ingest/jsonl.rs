//! Reader for JSON Lines: one article object per line, streamed with line numbers.
//!
//! Field names accepted (first present wins): body `text|maintext|body|content`; `title`;
//! date `published|date|date_publish|date_published`; `url`; source `source|source_domain`;
//! `id` (string or number). Blank lines are skipped. A bad line yields an error for that
//! line only; the reader carries on with the next.

use super::{IngestError, decode_text, derive_id, meta_with_date};
use crate::model::{ArticleMeta, Origin, RawArticle};
use serde_json::Value;
use std::io::{BufRead, Read};
use std::path::PathBuf;

/// Longest line read; a longer line is reported and skipped instead of exhausting memory.
pub const MAX_LINE_BYTES: u64 = 64 * 1024 * 1024;

pub(super) struct JsonlReader<R> {
    file: PathBuf,
    reader: R,
    line: usize,
    done: bool,
    buf: Vec<u8>,
}

impl<R: BufRead> JsonlReader<R> {
    pub(super) fn new(file: PathBuf, reader: R) -> Self {
        JsonlReader {
            file,
            reader,
            line: 0,
            done: false,
            buf: Vec::new(),
        }
    }

    fn read_line(&mut self) -> Option<Result<(), IngestError>> {
        self.buf.clear();
        let mut limited = (&mut self.reader).take(MAX_LINE_BYTES + 1);
        match limited.read_until(b'\n', &mut self.buf) {
            Ok(0) => None,
            Ok(n) => {
                self.line += 1;
                if n as u64 > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
                    // Skip the rest of the over-long line.
                    let mut sink = Vec::new();
                    let _ = self.reader.read_until(b'\n', &mut sink);
                    return Some(Err(IngestError::Json {
                        file: self.file.clone(),
                        line: self.line,
                        message: format!("line longer than {MAX_LINE_BYTES} bytes"),
                    }));
                }
                Some(Ok(()))
            }
            Err(source) => {
                self.done = true;
                Some(Err(IngestError::Io {
                    file: self.file.clone(),
                    source,
                }))
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<RawArticle, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            match self.read_line()? {
                Err(e) => return Some(Err(e)),
                Ok(()) => {
                    if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    let origin = Origin {
                        file: self.file.clone(),
                        line: Some(self.line),
                    };
                    return Some(parse_line(&self.buf, origin));
                }
            }
        }
    }
}

fn parse_line(bytes: &[u8], origin: Origin) -> Result<RawArticle, IngestError> {
    let (line, mut warnings) = decode_text(bytes, &origin)?;
    let value: Value = serde_json::from_str(line.trim()).map_err(|e| IngestError::Json {
        file: origin.file.clone(),
        line: origin.line.unwrap_or(0),
        message: e.to_string(),
    })?;
    let obj = value.as_object().ok_or_else(|| IngestError::Json {
        file: origin.file.clone(),
        line: origin.line.unwrap_or(0),
        message: "expected a JSON object".to_string(),
    })?;
    let field = |names: &[&str]| -> Option<String> {
        names.iter().find_map(|n| match obj.get(*n) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::Number(x)) => Some(x.to_string()),
            _ => None,
        })
    };
    let url = field(&["url"]);
    let id = derive_id(field(&["id"]), url.as_deref(), &origin);
    let Some(text) = field(&["text", "maintext", "body", "content"]) else {
        return Err(IngestError::NoText {
            file: origin.file.clone(),
            line: origin.line.unwrap_or(0),
            id,
        });
    };
    let meta = ArticleMeta {
        id,
        title: field(&["title"]),
        source: field(&["source", "source_domain"]),
        published: None,
        url,
        origin,
    };
    let date = field(&["published", "date", "date_publish", "date_published"]);
    let meta = meta_with_date(meta, date.as_deref(), &mut warnings);
    Ok(RawArticle {
        meta,
        text,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(s: &str) -> Vec<Result<RawArticle, IngestError>> {
        JsonlReader::new(PathBuf::from("t.jsonl"), s.as_bytes()).collect()
    }

    #[test]
    fn bad_line_is_reported_with_its_number_and_the_rest_loads() {
        let out = read_all(
            "{\"id\":\"a\",\"text\":\"One.\"}\n{broken\n\n{\"id\":7,\"maintext\":\"Two.\",\"date_publish\":\"2019-03-12 10:00:00\"}\n{\"id\":\"c\"}\n",
        );
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].as_ref().unwrap().meta.id, "a");
        match &out[1] {
            Err(IngestError::Json { line, .. }) => assert_eq!(*line, 2),
            other => panic!("expected JSON error, got {other:?}"),
        }
        let two = out[2].as_ref().unwrap();
        assert_eq!(two.meta.id, "7");
        assert_eq!(two.meta.origin.line, Some(4));
        assert_eq!(two.meta.published.as_deref(), Some("2019-03-12"));
        assert!(matches!(&out[3], Err(IngestError::NoText { line: 5, .. })));
    }
}
