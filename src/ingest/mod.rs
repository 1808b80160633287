//! Ingest: turn input files into [`RawArticle`]s, streaming, one article at a time.
//!
//! Readers: `.txt` (one article, optional `Title:`/`Source:`/`Published:`/`URL:`/`Id:` header
//! lines before a blank line) and `.jsonl` (one JSON object per line, with the field names of
//! news-please and CC-News dumps). A directory is walked recursively in sorted order.
//!
//! Ingest does not clean text (that is `normalize`) and never stops a batch: every problem is
//! a typed [`IngestError`] naming the file and line, returned in place of that one article.

pub mod html;
mod jsonl;
mod txt;
pub mod warc;

use crate::dates;
use crate::model::{ArticleMeta, Origin, RawArticle};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Largest single `.txt` article we accept; larger files are an error, not a silent truncation.
pub const MAX_TXT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{file}:{line}: invalid JSON: {message}")]
    Json {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "{file}:{line}: article {id}: no text field (expected one of text, maintext, body, content)"
    )]
    NoText {
        file: PathBuf,
        line: usize,
        id: String,
    },
    #[error(
        "{file}: not a supported input (use .txt, .jsonl, .html or .warc[.gz] files, or a directory of them)"
    )]
    Unsupported { file: PathBuf },
    #[error("{file}: no article text found in the HTML page ({message})")]
    Html { file: PathBuf, message: String },
    #[error("{file}: WARC: {message}")]
    Warc { file: PathBuf, message: String },
    #[error("{file}{}: binary data, not text", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Binary { file: PathBuf, line: Option<usize> },
    #[error("{file}: {size} bytes is larger than the {max}-byte limit for one .txt article")]
    TooLarge { file: PathBuf, size: u64, max: u64 },
}

impl IngestError {
    /// The file the error is about.
    pub fn file(&self) -> &Path {
        match self {
            IngestError::Io { file, .. }
            | IngestError::Json { file, .. }
            | IngestError::NoText { file, .. }
            | IngestError::Unsupported { file }
            | IngestError::Html { file, .. }
            | IngestError::Warc { file, .. }
            | IngestError::Binary { file, .. }
            | IngestError::TooLarge { file, .. } => file,
        }
    }
}

/// The kinds of file a reader exists for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Txt,
    Jsonl,
    Html,
    Warc,
}

impl InputKind {
    pub fn of(path: &Path) -> Option<InputKind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".warc") || name.ends_with(".warc.gz") {
            return Some(InputKind::Warc);
        }
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(InputKind::Txt),
            "jsonl" | "ndjson" => Some(InputKind::Jsonl),
            "html" | "htm" | "xhtml" => Some(InputKind::Html),
            _ => None,
        }
    }
}

/// Expands files and directories into the list of input files, sorted, deterministic.
/// Files named explicitly must be of a supported kind; inside directories others are skipped.
pub fn discover(inputs: &[PathBuf]) -> Vec<Result<PathBuf, IngestError>> {
    let mut out = Vec::new();
    for input in inputs {
        match fs::metadata(input) {
            Err(source) => out.push(Err(IngestError::Io {
                file: input.clone(),
                source,
            })),
            Ok(m) if m.is_dir() => walk(input, &mut out),
            Ok(_) => {
                if InputKind::of(input).is_some() {
                    out.push(Ok(input.clone()))
                } else {
                    out.push(Err(IngestError::Unsupported {
                        file: input.clone(),
                    }))
                }
            }
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<Result<PathBuf, IngestError>>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(source) => {
            out.push(Err(IngestError::Io {
                file: dir.to_path_buf(),
                source,
            }));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out);
        } else if InputKind::of(&p).is_some() {
            out.push(Ok(p));
        }
    }
}

/// A lazy stream of articles from one file.
pub type ArticleStream = Box<dyn Iterator<Item = Result<RawArticle, IngestError>> + Send>;

/// Opens one input file and returns its articles as a stream.
pub fn read_file(path: &Path) -> ArticleStream {
    match InputKind::of(path) {
        Some(InputKind::Txt) => Box::new(std::iter::once(txt::read(path))),
        Some(InputKind::Jsonl) => match fs::File::open(path) {
            Ok(f) => Box::new(jsonl::JsonlReader::new(
                path.to_path_buf(),
                io::BufReader::new(f),
            )),
            Err(source) => Box::new(std::iter::once(Err(IngestError::Io {
                file: path.to_path_buf(),
                source,
            }))),
        },
        Some(InputKind::Html) => Box::new(std::iter::once(read_html(path))),
        Some(InputKind::Warc) => match warc::open_warc(path) {
            Ok(records) => warc_articles(path, records),
            Err(source) => Box::new(std::iter::once(Err(IngestError::Io {
                file: path.to_path_buf(),
                source,
            }))),
        },
        None => Box::new(std::iter::once(Err(IngestError::Unsupported {
            file: path.to_path_buf(),
        }))),
    }
}

/// Reads articles from bytes already in memory, exactly as [`read_file`] reads a file of
/// `kind` named `file` with these contents (the name only labels articles and errors).
pub fn read_bytes(kind: InputKind, file: &Path, bytes: Vec<u8>) -> ArticleStream {
    let size = bytes.len() as u64;
    match kind {
        InputKind::Txt | InputKind::Html if size > MAX_TXT_BYTES => {
            Box::new(std::iter::once(Err(IngestError::TooLarge {
                file: file.to_path_buf(),
                size,
                max: MAX_TXT_BYTES,
            })))
        }
        InputKind::Txt => Box::new(std::iter::once(txt::from_bytes(file, &bytes))),
        InputKind::Html => Box::new(std::iter::once(html_from_bytes(file, &bytes))),
        InputKind::Jsonl => Box::new(jsonl::JsonlReader::new(
            file.to_path_buf(),
            io::Cursor::new(bytes),
        )),
        InputKind::Warc => match warc::from_reader(io::Cursor::new(bytes)) {
            Ok(records) => warc_articles(file, records),
            Err(source) => Box::new(std::iter::once(Err(IngestError::Io {
                file: file.to_path_buf(),
                source,
            }))),
        },
    }
}

/// The HTML responses of a WARC stream as articles.
fn warc_articles<R: io::BufRead + Send + 'static>(
    file: &Path,
    records: warc::WarcRecords<R>,
) -> ArticleStream {
    let file = file.to_path_buf();
    Box::new(records.html_responses().map(move |r| match r {
        Ok(rec) => from_warc_record(&file, rec),
        Err(message) => Err(IngestError::Warc {
            file: file.clone(),
            message,
        }),
    }))
}

/// Reads a whole single-article file, refusing files over the size limit.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, IngestError> {
    let io_err = |source| IngestError::Io {
        file: path.to_path_buf(),
        source,
    };
    let size = fs::metadata(path).map_err(io_err)?.len();
    if size > MAX_TXT_BYTES {
        return Err(IngestError::TooLarge {
            file: path.to_path_buf(),
            size,
            max: MAX_TXT_BYTES,
        });
    }
    fs::read(path).map_err(io_err)
}

/// An HTML page (one article): main text and metadata.
fn read_html(path: &Path) -> Result<RawArticle, IngestError> {
    let bytes = read_bounded(path)?;
    html_from_bytes(path, &bytes)
}

/// An HTML page already in memory.
fn html_from_bytes(path: &Path, bytes: &[u8]) -> Result<RawArticle, IngestError> {
    let origin = Origin {
        file: path.to_path_buf(),
        line: None,
    };
    if looks_binary(bytes) {
        return Err(IngestError::Binary {
            file: origin.file,
            line: None,
        });
    }
    let text = html::decode_html_bytes(bytes, None);
    from_page(&text, None, None, origin, None)
}

/// One HTML response record of a WARC file, as an article.
fn from_warc_record(file: &Path, rec: warc::WarcRecord) -> Result<RawArticle, IngestError> {
    let origin = Origin {
        file: file.to_path_buf(),
        line: None,
    };
    let text = html::decode_html_bytes(&rec.payload, rec.content_type.as_deref());
    let id = rec.record_id.as_deref().map(|r| {
        r.trim_matches(['<', '>'])
            .trim_start_matches("urn:uuid:")
            .to_string()
    });
    from_page(
        &text,
        rec.target_uri.as_deref(),
        rec.date.as_deref(),
        origin,
        id,
    )
    .map_err(|e| match e {
        IngestError::Html { file, message } => IngestError::Html {
            file,
            message: format!("record at offset {}: {message}", rec.offset),
        },
        other => other,
    })
}

/// Builds an article from an HTML page: its text, title, date (page meta, else the fallback
/// date such as WARC-Date), URL and site name.
fn from_page(
    html_text: &str,
    url: Option<&str>,
    fallback_date: Option<&str>,
    origin: Origin,
    id: Option<String>,
) -> Result<RawArticle, IngestError> {
    let page = html::extract_page(html_text, url).map_err(|message| IngestError::Html {
        file: origin.file.clone(),
        message,
    })?;
    let url = page.url.clone().or_else(|| url.map(str::to_string));
    let id = derive_id(id, url.as_deref(), &origin);
    // The title opens the text, as in the other readers, so a headline is a sentence too.
    let text = match &page.title {
        Some(t) if !page.text.starts_with(t.as_str()) => format!("{t}\n\n{}", page.text),
        _ => page.text.clone(),
    };
    let meta = ArticleMeta {
        id,
        title: page.title.clone(),
        source: page.site.clone(),
        published: None,
        url,
        origin,
    };
    let mut warnings = Vec::new();
    let date = page.published.as_deref().or(fallback_date);
    let meta = meta_with_date(meta, date, &mut warnings);
    Ok(RawArticle {
        meta,
        text,
        warnings,
    })
}

/// Decodes bytes as UTF-8, lossily with a warning; rejects data that is clearly binary.
pub(crate) fn decode_text(
    bytes: &[u8],
    origin: &Origin,
) -> Result<(String, Vec<String>), IngestError> {
    if looks_binary(bytes) {
        return Err(IngestError::Binary {
            file: origin.file.clone(),
            line: origin.line,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), Vec::new())),
        Err(_) => {
            let s = String::from_utf8_lossy(bytes).into_owned();
            let bad = s.matches('\u{FFFD}').count();
            Ok((
                s,
                vec![format!(
                    "{origin}: invalid UTF-8, decoded lossily ({bad} bytes replaced)"
                )],
            ))
        }
    }
}

/// NUL bytes or a high share of control characters in the first 8 KiB mean binary data.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.is_empty() {
        return false;
    }
    if memchr::memchr(0, head).is_some() {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    control * 10 > head.len()
}

/// Parses `.txt` article text as if read from a file named `test.txt` (for tests and examples).
pub fn parse_txt_for_tests(text: &str) -> RawArticle {
    txt::parse(
        text,
        Origin {
            file: PathBuf::from("test.txt"),
            line: None,
        },
        Vec::new(),
    )
}

/// Builds an article id from what the input offers: explicit id, URL, or file and line.
pub(crate) fn derive_id(explicit: Option<String>, url: Option<&str>, origin: &Origin) -> String {
    if let Some(id) = explicit
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
    {
        return id;
    }
    if let Some(u) = url.map(str::trim).filter(|u| !u.is_empty()) {
        return format!("url-{:016x}", crate::rdf::stable_hash(u.as_bytes()));
    }
    let stem = origin
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "article".to_string());
    match origin.line {
        Some(l) => format!("{stem}-{l}"),
        None => stem,
    }
}

/// Fills the normalised publication date, keeping a warning when it cannot be read.
pub(crate) fn meta_with_date(
    mut meta: ArticleMeta,
    raw_date: Option<&str>,
    warnings: &mut Vec<String>,
) -> ArticleMeta {
    if let Some(d) = raw_date.map(str::trim).filter(|d| !d.is_empty()) {
        match dates::parse_metadata_date(d) {
            Some(iso) => meta.published = Some(iso),
            None => warnings.push(format!(
                "{}: article {}: unreadable publication date {d:?}; relative dates stay unresolved",
                meta.origin, meta.id
            )),
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_data_is_recognised() {
        assert!(looks_binary(b"abc\0def"));
        assert!(looks_binary(&[1u8, 2, 3, 4, 5, 6, 7, 8]));
        assert!(!looks_binary(b"Plain news text.\nSecond line\twith tab."));
    }

    #[test]
    fn ids_fall_back_to_url_then_file() {
        let o = Origin {
            file: PathBuf::from("/x/a.jsonl"),
            line: Some(3),
        };
        assert_eq!(derive_id(Some(" 42 ".into()), None, &o), "42");
        assert!(derive_id(None, Some("https://e.com/a"), &o).starts_with("url-"));
        assert_eq!(derive_id(None, None, &o), "a-3");
    }

    #[test]
    fn lossy_utf8_warns_and_keeps_text() {
        let o = Origin::default();
        let (s, w) = decode_text(b"caf\xe9 talks", &o).unwrap();
        assert!(s.starts_with("caf"));
        assert_eq!(w.len(), 1);
    }
}
