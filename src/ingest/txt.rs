//! Reader for `.txt` articles: optional header lines, a blank line, then the body.
//!
//! Recognised headers (case-insensitive): `Title`, `Source`, `Published` (or `Date`), `URL`,
//! `Id`. Without a header block the whole file is the body. Does not clean the body.

use super::{IngestError, decode_text, derive_id, meta_with_date, read_bounded};
use crate::model::{ArticleMeta, Origin, RawArticle};
use std::path::Path;

pub(super) fn read(path: &Path) -> Result<RawArticle, IngestError> {
    let bytes = read_bounded(path)?;
    from_bytes(path, &bytes)
}

/// A `.txt` article already in memory; `path` labels it.
pub(super) fn from_bytes(path: &Path, bytes: &[u8]) -> Result<RawArticle, IngestError> {
    let origin = Origin {
        file: path.to_path_buf(),
        line: None,
    };
    let (text, warnings) = decode_text(bytes, &origin)?;
    Ok(parse(&text, origin, warnings))
}

/// Splits header lines from the body. Public to the crate for tests and other readers.
pub(crate) fn parse(text: &str, origin: Origin, mut warnings: Vec<String>) -> RawArticle {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut body_start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if trimmed.trim().is_empty() {
            if !fields.is_empty() {
                body_start = pos + line.len();
            }
            break;
        }
        match header(trimmed) {
            Some(kv) => fields.push(kv),
            None => {
                // Not a header block after all: the whole file is the body.
                fields.clear();
                break;
            }
        }
        pos += line.len();
        body_start = pos;
    }
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let url = get("url");
    let id = derive_id(get("id"), None, &origin);
    let meta = ArticleMeta {
        id,
        title: get("title"),
        source: get("source"),
        published: None,
        url: url.clone(),
        origin,
    };
    let date = get("published").or_else(|| get("date"));
    let meta = meta_with_date(meta, date.as_deref(), &mut warnings);
    RawArticle {
        meta,
        text: text[body_start.min(text.len())..].to_string(),
        warnings,
    }
}

fn header(line: &str) -> Option<(String, String)> {
    let (k, v) = line.split_once(':')?;
    let key = k.trim().to_ascii_lowercase();
    match key.as_str() {
        "title" | "source" | "published" | "date" | "url" | "id" => {
            Some((key, v.trim().to_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_block_is_split_from_body() {
        let a = parse(
            "Title: Talks end\nPublished: 2024-03-05\nSource: Wire\n\nBody line one.\nTwo.",
            Origin::default(),
            vec![],
        );
        assert_eq!(a.meta.title.as_deref(), Some("Talks end"));
        assert_eq!(a.meta.published.as_deref(), Some("2024-03-05"));
        assert_eq!(a.text, "Body line one.\nTwo.");
    }

    #[test]
    fn text_without_headers_is_all_body() {
        let a = parse(
            "Ministers met: all agreed.\n\nMore.",
            Origin::default(),
            vec![],
        );
        assert_eq!(a.text, "Ministers met: all agreed.\n\nMore.");
        assert!(a.meta.title.is_none());
    }
}
