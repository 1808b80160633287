//! Streaming reader for WARC files (`.warc` and multi-member `.warc.gz`, WARC/1.0 and 1.1).
//!
//! [`WarcRecords`] walks a WARC stream one record at a time and yields every record it can
//! frame (`warcinfo`, `request`, `response`, `metadata`, `revisit`, unknown types …) as a
//! [`WarcRecord`]; use [`is_html_response`] (or [`WarcRecords::html_responses`]) to keep the
//! HTML pages. For `response` records whose block is an HTTP message the status, the HTTP
//! `Content-Type` and the HTTP body are given, with `Transfer-Encoding: chunked` undone and
//! `Content-Encoding: gzip`/`deflate` decoded (bodies stored already decoded, as Common
//! Crawl does with its `X-Crawler-Content-Encoding` header, are left alone).
//!
//! Memory is bounded: one record is held at a time, and a block larger than
//! [`DEFAULT_MAX_BLOCK_BYTES`] (configurable) is skipped without buffering and reported as an
//! error for that record. Every error names the byte offset of the record in the
//! (decompressed) stream; after a malformed record the reader resynchronises on the next line
//! starting with `WARC/` and goes on, so one bad record never stops a file.
//!
//! Not done here: digest verification (`WARC-Block-Digest`/`WARC-Payload-Digest`), resolving
//! `revisit` records against their originals, continuation/segmented records, brotli or zstd
//! `Content-Encoding`, charset decoding (see `html::decode_html_bytes`) and random access by
//! offset.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Largest block (and decoded HTTP body) read into memory; larger records are skipped.
pub const DEFAULT_MAX_BLOCK_BYTES: u64 = 32 * 1024 * 1024;
/// Longest header line kept; the rest of a longer line is discarded.
const MAX_LINE_BYTES: usize = 64 * 1024;
/// Most header lines accepted in one WARC header block.
const MAX_HEADER_LINES: usize = 512;
/// Most bytes of header text kept for one record.
const MAX_HEADER_BYTES: usize = 256 * 1024;

/// One WARC record, with the HTTP layer of `response` records taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcRecord {
    /// Byte offset of the record's version line in the (decompressed) stream.
    pub offset: u64,
    /// `WARC-Type`: "response", "request", "warcinfo", "metadata", "revisit", …
    pub warc_type: String,
    /// `WARC-Record-ID`, e.g. `<urn:uuid:…>`.
    pub record_id: Option<String>,
    /// `WARC-Target-URI`.
    pub target_uri: Option<String>,
    /// `WARC-Date`, as written.
    pub date: Option<String>,
    /// HTTP status code, for `response` records whose block is an HTTP message.
    pub http_status: Option<u16>,
    /// HTTP `Content-Type` of the payload for HTTP responses, else the WARC `Content-Type`.
    pub content_type: Option<String>,
    /// HTTP body (de-chunked, content-decoded) for HTTP responses, else the whole block.
    pub payload: Vec<u8>,
}

/// Iterator over the records of a WARC stream; see the module docs.
pub struct WarcRecords<R: BufRead> {
    input: Input<R>,
    max_block: u64,
    /// Set after a malformed record: skip lines up to the next `WARC/` line before parsing.
    resync: bool,
    done: bool,
}

/// Opens a WARC file, transparently gunzipping it (detected by the gzip magic bytes, not by
/// the file name; multi-member files are read member after member).
pub fn open_warc(path: &Path) -> io::Result<WarcRecords<Box<dyn BufRead + Send>>> {
    from_reader(BufReader::with_capacity(256 * 1024, File::open(path)?))
}

/// Reads a WARC stream from any buffered reader, gunzipping it when it starts with the gzip
/// magic bytes (as [`open_warc`] does for files).
pub fn from_reader<R: BufRead + Send + 'static>(
    mut file: R,
) -> io::Result<WarcRecords<Box<dyn BufRead + Send>>> {
    let gz = {
        let head = file.fill_buf()?;
        head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b
    };
    let reader: Box<dyn BufRead + Send> = if gz {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(file),
        ))
    } else {
        Box::new(file)
    };
    Ok(WarcRecords::new(reader))
}

/// True for a `response` record with a 2xx HTTP status whose Content-Type is `text/html` or
/// `application/xhtml+xml`.
pub fn is_html_response(r: &WarcRecord) -> bool {
    if !r.warc_type.eq_ignore_ascii_case("response") {
        return false;
    }
    if !matches!(r.http_status, Some(200..=299)) {
        return false;
    }
    let Some(ct) = r.content_type.as_deref() else {
        return false;
    };
    let media = ct.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("text/html") || media.eq_ignore_ascii_case("application/xhtml+xml")
}

impl<R: BufRead> WarcRecords<R> {
    /// Reads records from an already decompressed stream.
    pub fn new(reader: R) -> Self {
        WarcRecords {
            input: Input {
                inner: reader,
                pushback: Vec::new(),
                pb_pos: 0,
                pos: 0,
            },
            max_block: DEFAULT_MAX_BLOCK_BYTES,
            resync: false,
            done: false,
        }
    }

    /// Changes the largest block kept in memory (default [`DEFAULT_MAX_BLOCK_BYTES`]).
    pub fn with_max_block_bytes(mut self, max: u64) -> Self {
        self.max_block = max;
        self
    }

    /// Only the HTML responses (see [`is_html_response`]), errors passed through.
    pub fn html_responses(self) -> impl Iterator<Item = Result<WarcRecord, String>> {
        self.filter(|r| match r {
            Ok(rec) => is_html_response(rec),
            Err(_) => true,
        })
    }

    /// Reads the next record; `Ok(None)` at the end of the stream.
    fn read_record(&mut self) -> Result<Option<WarcRecord>, String> {
        // Find the version line, skipping blank lines (and, when resynchronising, junk).
        let (offset, line) = loop {
            let start = self.input.pos;
            let line = match self.input.read_line() {
                Ok(Some(l)) => l,
                Ok(None) => return Ok(None),
                Err(e) => {
                    self.done = true;
                    return Err(format!("offset {start}: read error: {e}"));
                }
            };
            if line.starts_with(b"WARC/") {
                self.resync = false;
                break (start, line);
            }
            if self.resync || trim_eol(&line).is_empty() {
                continue;
            }
            self.resync = true;
            return Err(format!(
                "offset {start}: expected a WARC version line, found {:?}; skipping to the next record",
                preview(&line)
            ));
        };
        let fail = |this: &mut Self, msg: String| -> Result<Option<WarcRecord>, String> {
            this.resync = true;
            Err(format!("offset {offset}: {msg}"))
        };
        let version = String::from_utf8_lossy(&line).trim().to_string();
        if !(version.len() > 5
            && version[5..]
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.'))
        {
            return fail(self, format!("bad WARC version line {version:?}"));
        }

        // Header block.
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut header_bytes = 0usize;
        loop {
            let line = match self.input.read_line() {
                Ok(Some(l)) => l,
                Ok(None) => {
                    self.done = true;
                    return Err(format!(
                        "offset {offset}: truncated record: stream ends inside the WARC header"
                    ));
                }
                Err(e) => {
                    self.done = true;
                    return Err(format!("offset {offset}: read error: {e}"));
                }
            };
            let l = trim_eol(&line);
            if l.is_empty() {
                break;
            }
            header_bytes += l.len();
            if headers.len() >= MAX_HEADER_LINES || header_bytes > MAX_HEADER_BYTES {
                return fail(self, "WARC header too long".to_string());
            }
            if (l[0] == b' ' || l[0] == b'\t') && !headers.is_empty() {
                let last = headers.len() - 1;
                let cont = String::from_utf8_lossy(l).trim().to_string();
                headers[last].1.push(' ');
                headers[last].1.push_str(&cont);
                continue;
            }
            match memchr::memchr(b':', l) {
                Some(i) => {
                    let name = String::from_utf8_lossy(&l[..i]).trim().to_string();
                    let value = String::from_utf8_lossy(&l[i + 1..]).trim().to_string();
                    headers.push((name, value));
                }
                None => {
                    return fail(self, format!("malformed WARC header line {:?}", preview(l)));
                }
            }
        }
        let get = |name: &str| -> Option<String> {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let Some(len_str) = get("Content-Length") else {
            return fail(self, "WARC header has no Content-Length".to_string());
        };
        let Ok(len) = len_str.trim().parse::<u64>() else {
            return fail(self, format!("bad Content-Length {len_str:?}"));
        };
        let warc_type = get("WARC-Type").unwrap_or_default();

        if len > self.max_block {
            let skipped = match self.input.skip(len) {
                Ok(n) => n,
                Err(e) => {
                    self.done = true;
                    return Err(format!("offset {offset}: read error: {e}"));
                }
            };
            if skipped < len {
                self.done = true;
                return Err(format!(
                    "offset {offset}: truncated record: block of {len} bytes (over the {} byte limit) ends after {skipped} bytes",
                    self.max_block
                ));
            }
            self.resync = true; // skip the trailer and anything odd up to the next record
            return Err(format!(
                "offset {offset}: {warc_type} record block of {len} bytes is over the {} byte limit; skipped",
                self.max_block
            ));
        }

        let mut block = Vec::with_capacity(len.min(1 << 20) as usize);
        match (&mut self.input).take(len).read_to_end(&mut block) {
            Ok(_) => {}
            Err(e) => {
                self.done = true;
                return Err(format!("offset {offset}: read error: {e}"));
            }
        }
        if (block.len() as u64) < len {
            self.done = true;
            return Err(format!(
                "offset {offset}: truncated record: Content-Length {len} but only {} bytes left",
                block.len()
            ));
        }

        // The block must be followed by CRLF CRLF. If it is not, Content-Length was wrong:
        // report the record and look for the next one (possibly inside what we just read).
        let trailer = match self.input.peek_trailer() {
            Ok(t) => t,
            Err(e) => {
                self.done = true;
                return Err(format!("offset {offset}: read error: {e}"));
            }
        };
        if trailer_ok(&trailer) {
            match trailer.last() {
                Some(&last) if last != b'\r' && last != b'\n' => self.input.unread(vec![last]),
                _ => {}
            }
        } else {
            if let Some(i) = find_record_start(&block) {
                let mut back = block[i..].to_vec();
                back.extend_from_slice(&trailer);
                self.input.unread(back);
            } else {
                self.input.unread(trailer);
            }
            return fail(
                self,
                format!(
                    "block of {warc_type} record is not followed by CRLF CRLF (wrong Content-Length {len}?); skipping to the next record"
                ),
            );
        }

        let mut rec = WarcRecord {
            offset,
            warc_type,
            record_id: get("WARC-Record-ID"),
            target_uri: get("WARC-Target-URI"),
            date: get("WARC-Date"),
            http_status: None,
            content_type: get("Content-Type"),
            payload: Vec::new(),
        };
        let is_http = rec
            .content_type
            .as_deref()
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/http"))
            || block.starts_with(b"HTTP/");
        if rec.warc_type.eq_ignore_ascii_case("response") && is_http {
            match parse_http_response(&block, self.max_block) {
                Ok(http) => {
                    rec.http_status = Some(http.status);
                    rec.content_type = http.content_type;
                    rec.payload = http.body;
                }
                Err(msg) => return Err(format!("offset {offset}: {msg}")),
            }
        } else {
            rec.payload = block;
        }
        Ok(Some(rec))
    }
}

impl<R: BufRead> Iterator for WarcRecords<R> {
    type Item = Result<WarcRecord, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => Some(Err(e)),
        }
    }
}

/// Whether the bytes after a block (see `Input::peek_trailer`) end the record properly.
/// Spec: `\r\n\r\n`. Tolerated: fewer line breaks before the end of the stream, and at
/// least one line break directly followed by the next record's `W`.
fn trailer_ok(t: &[u8]) -> bool {
    let is_nl = |b: &u8| *b == b'\r' || *b == b'\n';
    match t.split_last() {
        None => true,
        Some((last, rest)) if !is_nl(last) => {
            *last == b'W' && rest.iter().all(is_nl) && rest.contains(&b'\n')
        }
        Some(_) => t.iter().all(is_nl),
    }
}

/// Position of a `WARC/1.` line start inside `data` (not at 0), for recovery after a too-long
/// Content-Length.
fn find_record_start(data: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(data, b"\nWARC/1.")
        .map(|i| i + 1)
        .find(|&i| i > 0)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let mut l = line;
    while let [rest @ .., b'\n' | b'\r'] = l {
        l = rest;
    }
    l
}

fn preview(line: &[u8]) -> String {
    let l = trim_eol(line);
    let s = String::from_utf8_lossy(&l[..l.len().min(60)]).into_owned();
    if l.len() > 60 { format!("{s}…") } else { s }
}

/// The reader under the parser: a `BufRead` with a push-back buffer and a byte position.
struct Input<R> {
    inner: R,
    pushback: Vec<u8>,
    pb_pos: usize,
    pos: u64,
}

impl<R: BufRead> Input<R> {
    fn buf(&mut self) -> io::Result<&[u8]> {
        if self.pb_pos < self.pushback.len() {
            return Ok(&self.pushback[self.pb_pos..]);
        }
        self.inner.fill_buf()
    }

    fn advance(&mut self, n: usize) {
        self.pos += n as u64;
        if self.pb_pos < self.pushback.len() {
            self.pb_pos += n;
            if self.pb_pos >= self.pushback.len() {
                self.pushback.clear();
                self.pb_pos = 0;
            }
        } else {
            self.inner.consume(n);
        }
    }

    /// Puts bytes back in front of the stream (they were read just before).
    fn unread(&mut self, mut bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        self.pos -= bytes.len() as u64;
        bytes.extend_from_slice(&self.pushback[self.pb_pos..]);
        self.pushback = bytes;
        self.pb_pos = 0;
    }

    /// One line including its `\n` (or up to EOF); `None` at EOF. Bytes past
    /// [`MAX_LINE_BYTES`] are consumed but dropped.
    fn read_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let mut any = false;
        loop {
            let buf = self.buf()?;
            if buf.is_empty() {
                return Ok(if any { Some(line) } else { None });
            }
            any = true;
            let (n, end) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(line.len());
            line.extend_from_slice(&buf[..n.min(room)]);
            self.advance(n);
            if end {
                return Ok(Some(line));
            }
        }
    }

    /// Consumes up to `n` bytes without keeping them; returns how many were skipped.
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let mut left = n;
        while left > 0 {
            let buf = self.buf()?;
            if buf.is_empty() {
                break;
            }
            let k = (buf.len() as u64).min(left) as usize;
            self.advance(k);
            left -= k as u64;
        }
        Ok(n - left)
    }

    /// Reads the (up to 4) bytes after a block, stopping early at a byte that is neither CR
    /// nor LF, which is left in the stream.
    fn peek_trailer(&mut self) -> io::Result<Vec<u8>> {
        let mut t = Vec::with_capacity(4);
        while t.len() < 4 {
            let buf = self.buf()?;
            let Some(&b) = buf.first() else { break };
            t.push(b);
            self.advance(1);
            if b != b'\r' && b != b'\n' {
                break;
            }
        }
        Ok(t)
    }
}

impl<R: BufRead> Read for Input<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let buf = self.buf()?;
        let n = buf.len().min(out.len());
        out[..n].copy_from_slice(&buf[..n]);
        self.advance(n);
        Ok(n)
    }
}

/// The parts of an HTTP response message that a reader needs.
#[derive(Debug)]
struct HttpResponse {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn parse_http_response(block: &[u8], max_body: u64) -> Result<HttpResponse, String> {
    let (head_end, body_start) = match memchr::memmem::find(block, b"\r\n\r\n") {
        Some(i) => (i, i + 4),
        None => match memchr::memmem::find(block, b"\n\n") {
            Some(i) => (i, i + 2),
            // Headers only, no body (e.g. a truncated capture).
            None => (block.len(), block.len()),
        },
    };
    let head = String::from_utf8_lossy(&block[..head_end]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("").trim();
    if !status_line.starts_with("HTTP/") {
        return Err(format!(
            "response block is not an HTTP message (starts with {:?})",
            preview(status_line.as_bytes())
        ));
    }
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad HTTP status line {:?}", preview(status_line.as_bytes())))?;
    let mut content_type = None;
    let mut chunked = false;
    let mut encoding = None;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("Content-Type") {
            if content_type.is_none() {
                content_type = Some(v.to_string());
            }
        } else if k.eq_ignore_ascii_case("Transfer-Encoding") {
            chunked |= v.to_ascii_lowercase().contains("chunked");
        } else if k.eq_ignore_ascii_case("Content-Encoding") {
            encoding = Some(v.to_ascii_lowercase());
        }
    }
    let raw = &block[body_start.min(block.len())..];
    let mut body = if chunked {
        // Some archives store bodies already de-chunked but keep the header: fall back.
        dechunk(raw).unwrap_or_else(|| raw.to_vec())
    } else {
        raw.to_vec()
    };
    let decoded = match encoding.as_deref() {
        Some(enc) if !body.is_empty() => decode_content(enc, &body, max_body)?,
        _ => None,
    };
    if let Some(decoded) = decoded {
        body = decoded;
    }
    Ok(HttpResponse {
        status,
        content_type,
        body,
    })
}

/// Undoes `Transfer-Encoding: chunked`; `None` when the data is not validly chunked.
/// A missing final zero-size chunk (truncated capture) is accepted.
pub fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    loop {
        let nl = memchr::memchr(b'\n', data)?;
        let size_line = std::str::from_utf8(&data[..nl]).ok()?.trim();
        let hex = size_line.split(';').next()?.trim();
        if hex.is_empty() || hex.len() > 15 {
            return None;
        }
        let size = usize::from_str_radix(hex, 16).ok()?;
        data = &data[nl + 1..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size {
            out.extend_from_slice(data);
            return Some(out);
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size..];
        data = data
            .strip_prefix(b"\r\n")
            .or_else(|| data.strip_prefix(b"\n"))
            .unwrap_or(data);
        if data.is_empty() {
            return Some(out);
        }
    }
}

/// Decodes a `Content-Encoding`. `Ok(None)` leaves the body as stored: unknown encodings,
/// and bodies that do not decode (archives often store them already decoded).
fn decode_content(enc: &str, body: &[u8], max: u64) -> Result<Option<Vec<u8>>, String> {
    let enc = enc.trim();
    let mut out = Vec::new();
    let res = match enc {
        "gzip" | "x-gzip" => {
            if !body.starts_with(&[0x1f, 0x8b]) {
                return Ok(None);
            }
            flate2::read::MultiGzDecoder::new(body)
                .take(max + 1)
                .read_to_end(&mut out)
        }
        "deflate" => {
            // Servers send zlib-wrapped or raw deflate under this name.
            let r = flate2::read::ZlibDecoder::new(body)
                .take(max + 1)
                .read_to_end(&mut out);
            if r.is_err() {
                out.clear();
                flate2::read::DeflateDecoder::new(body)
                    .take(max + 1)
                    .read_to_end(&mut out)
            } else {
                r
            }
        }
        _ => return Ok(None),
    };
    match res {
        Ok(_) if out.len() as u64 > max => Err(format!(
            "HTTP body decodes to more than the {max} byte limit; skipped"
        )),
        Ok(_) => Ok(Some(out)),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn record(version: &str, kind: &str, uri: Option<&str>, ctype: &str, block: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write!(out, "{version}\r\nWARC-Type: {kind}\r\n").unwrap();
        write!(out, "WARC-Record-ID: <urn:uuid:{kind}-{}>\r\n", block.len()).unwrap();
        write!(out, "WARC-Date: 2024-05-01T10:00:00Z\r\n").unwrap();
        if let Some(u) = uri {
            write!(out, "WARC-Target-URI: {u}\r\n").unwrap();
        }
        write!(
            out,
            "Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            block.len()
        )
        .unwrap();
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    fn http(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {status}\r\n{headers}\r\n").into_bytes();
        out.extend_from_slice(body);
        out
    }

    const PAGE: &[u8] = b"<html><head><title>Harbour news</title></head><body><p>The ferry sailed at noon.</p></body></html>";

    fn sample(version: &str) -> Vec<u8> {
        let mut w = Vec::new();
        w.extend(record(
            version,
            "warcinfo",
            None,
            "application/warc-fields",
            b"software: test\r\nformat: WARC\r\n",
        ));
        w.extend(record(
            version,
            "request",
            Some("http://news.example/a"),
            "application/http; msgtype=request",
            b"GET /a HTTP/1.1\r\nHost: news.example\r\n\r\n",
        ));
        w.extend(record(
            version,
            "response",
            Some("http://news.example/a"),
            "application/http; msgtype=response",
            &http("200 OK", "Content-Type: text/html; charset=utf-8\r\n", PAGE),
        ));
        w.extend(record(
            version,
            "response",
            Some("http://news.example/logo.png"),
            "application/http; msgtype=response",
            &http("200 OK", "Content-Type: image/png\r\n", b"\x89PNG...."),
        ));
        w.extend(record(
            version,
            "response",
            Some("http://news.example/gone"),
            "application/http; msgtype=response",
            &http(
                "404 Not Found",
                "Content-Type: text/html\r\n",
                b"<p>missing</p>",
            ),
        ));
        w
    }

    fn all(data: Vec<u8>) -> Vec<Result<WarcRecord, String>> {
        WarcRecords::new(Cursor::new(data)).collect()
    }

    #[test]
    fn reads_all_record_types_warc10_and_11() {
        for v in ["WARC/1.0", "WARC/1.1"] {
            let recs: Vec<WarcRecord> = all(sample(v)).into_iter().map(Result::unwrap).collect();
            let types: Vec<&str> = recs.iter().map(|r| r.warc_type.as_str()).collect();
            assert_eq!(
                types,
                ["warcinfo", "request", "response", "response", "response"]
            );
            assert_eq!(recs[0].offset, 0);
            let html: Vec<&WarcRecord> = recs.iter().filter(|r| is_html_response(r)).collect();
            assert_eq!(html.len(), 1);
            assert_eq!(html[0].target_uri.as_deref(), Some("http://news.example/a"));
            assert_eq!(html[0].http_status, Some(200));
            assert_eq!(html[0].payload, PAGE);
            assert_eq!(
                html[0].content_type.as_deref(),
                Some("text/html; charset=utf-8")
            );
            assert_eq!(html[0].date.as_deref(), Some("2024-05-01T10:00:00Z"));
            assert!(
                html[0]
                    .record_id
                    .as_deref()
                    .unwrap()
                    .starts_with("<urn:uuid:")
            );
            // request keeps its whole block, no HTTP status
            assert!(recs[1].payload.starts_with(b"GET /a"));
            assert_eq!(recs[1].http_status, None);
            assert_eq!(recs[4].http_status, Some(404));
        }
    }

    #[test]
    fn offsets_point_at_version_lines() {
        let data = sample("WARC/1.0");
        for r in all(data.clone()) {
            let r = r.unwrap();
            assert!(data[r.offset as usize..].starts_with(b"WARC/1.0\r\n"));
        }
    }

    #[test]
    fn gzip_multi_member() {
        let mut gz = Vec::new();
        let plain = sample("WARC/1.1");
        let mut cuts = Vec::new();
        for r in WarcRecords::new(Cursor::new(plain.clone())) {
            cuts.push(r.unwrap().offset as usize);
        }
        cuts.push(plain.len());
        for w in cuts.windows(2) {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&plain[w[0]..w[1]]).unwrap();
            gz.extend(enc.finish().unwrap());
        }
        let dir = std::env::temp_dir().join(format!("warc-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Deliberately misleading extension: detection is by magic bytes.
        let path = dir.join("multi.warc");
        std::fs::write(&path, &gz).unwrap();
        let got: Vec<WarcRecord> = open_warc(&path).unwrap().map(Result::unwrap).collect();
        assert_eq!(got.len(), 5);
        let html: Vec<_> = got.iter().filter(|r| is_html_response(r)).collect();
        assert_eq!(html.len(), 1);
        assert_eq!(html[0].payload, PAGE);
        let plain_path = dir.join("plain.warc.gz");
        std::fs::write(&plain_path, &plain).unwrap();
        assert_eq!(open_warc(&plain_path).unwrap().count(), 5);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn chunked_and_gzip_http_bodies() {
        let mut chunked = Vec::new();
        for (i, part) in ["<html><body><p>Chunked ", "page text.</p></b", "ody>..."]
            .iter()
            .enumerate()
        {
            // a chunk extension on one of them, as servers may send
            let ext = if i == 1 { ";ext=1" } else { "" };
            write!(chunked, "{:x}{ext}\r\n{part}\r\n", part.len()).unwrap();
        }
        chunked.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n");
        let chunked = &chunked[..];
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(PAGE).unwrap();
        let gz = gz.finish().unwrap();
        let mut w = record(
            "WARC/1.0",
            "response",
            Some("http://c.example/"),
            "application/http; msgtype=response",
            &http(
                "200 OK",
                "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n",
                chunked,
            ),
        );
        w.extend(record(
            "WARC/1.0",
            "response",
            Some("http://g.example/"),
            "application/http; msgtype=response",
            &http(
                "200 OK",
                "Content-Type: text/html\r\nContent-Encoding: gzip\r\n",
                &gz,
            ),
        ));
        // Stored already decoded (Common Crawl style): must not be touched.
        w.extend(record(
            "WARC/1.0",
            "response",
            Some("http://x.example/"),
            "application/http; msgtype=response",
            &http(
                "200 OK",
                "Content-Type: text/html\r\nX-Crawler-Content-Encoding: gzip\r\n",
                PAGE,
            ),
        ));
        let recs: Vec<WarcRecord> = all(w).into_iter().map(Result::unwrap).collect();
        assert_eq!(
            recs[0].payload,
            b"<html><body><p>Chunked page text.</p></body>..."
        );
        assert_eq!(recs[1].payload, PAGE);
        assert_eq!(recs[2].payload, PAGE);
    }

    #[test]
    fn truncated_last_record_is_an_error_naming_its_offset() {
        let mut w = sample("WARC/1.0");
        let last_start = w.len();
        let mut last = record(
            "WARC/1.0",
            "response",
            Some("http://t.example/"),
            "application/http; msgtype=response",
            &http("200 OK", "Content-Type: text/html\r\n", PAGE),
        );
        last.truncate(last.len() - 40);
        w.extend(last);
        let got = all(w);
        assert_eq!(got.len(), 6);
        assert!(got[..5].iter().all(Result::is_ok));
        let err = got[5].as_ref().unwrap_err();
        assert!(err.contains(&format!("offset {last_start}")), "{err}");
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn bad_content_length_resyncs() {
        let good = record("WARC/1.0", "metadata", None, "text/plain", b"first");
        let second = record(
            "WARC/1.0",
            "metadata",
            None,
            "text/plain",
            b"second record block",
        );
        let third = record("WARC/1.0", "metadata", None, "text/plain", b"third");
        // Too short.
        let short = String::from_utf8(second.clone())
            .unwrap()
            .replace("Content-Length: 19", "Content-Length: 5");
        let mut w = good.clone();
        w.extend(short.as_bytes());
        w.extend(&third);
        let third_at = (w.len() - third.len()) as u64;
        let got = all(w);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[2].as_ref().unwrap().offset, third_at);
        assert!(
            got[1]
                .as_ref()
                .unwrap_err()
                .contains(&format!("offset {}", good.len()))
        );
        assert_eq!(got[2].as_ref().unwrap().payload, b"third");
        // Too long: swallows the start of the next record, which must still be found.
        let long = String::from_utf8(second.clone())
            .unwrap()
            .replace("Content-Length: 19", "Content-Length: 60");
        let mut w = good.clone();
        w.extend(long.as_bytes());
        w.extend(&third);
        let third_at = (w.len() - third.len()) as u64;
        let got = all(w);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[2].as_ref().unwrap().offset, third_at);
        assert!(got[1].is_err());
        assert_eq!(got[2].as_ref().unwrap().payload, b"third");
        // Not a number.
        let nan = String::from_utf8(second)
            .unwrap()
            .replace("Content-Length: 19", "Content-Length: lots");
        let mut w = good;
        w.extend(nan.as_bytes());
        w.extend(&third);
        let third_at = (w.len() - third.len()) as u64;
        let got = all(w);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[2].as_ref().unwrap().offset, third_at);
        assert!(got[1].as_ref().unwrap_err().contains("Content-Length"));
        assert_eq!(got[2].as_ref().unwrap().payload, b"third");
    }

    #[test]
    fn junk_before_and_between_records() {
        let mut w = b"garbage line\r\nmore garbage\r\n".to_vec();
        w.extend(record("WARC/1.0", "metadata", None, "text/plain", b"one"));
        w.extend(b"stray bytes\n");
        w.extend(record("WARC/1.0", "metadata", None, "text/plain", b"two"));
        let got = all(w);
        let oks: Vec<_> = got.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(oks.len(), 2);
        assert_eq!(got.iter().filter(|r| r.is_err()).count(), 2);
    }

    #[test]
    fn oversized_block_is_skipped_not_buffered() {
        let big = vec![b'x'; 5000];
        let mut w = record("WARC/1.0", "resource", None, "text/plain", &big);
        w.extend(record("WARC/1.0", "resource", None, "text/plain", b"small"));
        let got: Vec<_> = WarcRecords::new(Cursor::new(w))
            .with_max_block_bytes(1000)
            .collect();
        assert_eq!(got.len(), 2);
        let e = got[0].as_ref().unwrap_err();
        assert!(e.starts_with("offset 0:") && e.contains("limit"), "{e}");
        assert_eq!(got[1].as_ref().unwrap().payload, b"small");
    }

    #[test]
    fn truncated_gzip_reports_an_error() {
        let plain = sample("WARC/1.0");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&plain).unwrap();
        let mut gz = enc.finish().unwrap();
        gz.truncate(gz.len() * 2 / 3);
        let path = std::env::temp_dir().join(format!("warc-trunc-{}.warc.gz", std::process::id()));
        std::fs::write(&path, &gz).unwrap();
        let got: Vec<_> = open_warc(&path).unwrap().collect();
        std::fs::remove_file(&path).ok();
        assert!(got.last().is_some_and(Result::is_err), "{got:?}");
    }

    #[test]
    fn endless_header_is_bounded() {
        let mut w = b"WARC/1.0\r\n".to_vec();
        for i in 0..5000 {
            w.extend(format!("X-Junk-{i}: {}\r\n", "y".repeat(100)).as_bytes());
        }
        w.extend(record("WARC/1.0", "metadata", None, "text/plain", b"after"));
        let got = all(w);
        assert!(got[0].as_ref().unwrap_err().contains("header too long"));
        assert_eq!(got.last().unwrap().as_ref().unwrap().payload, b"after");
    }

    #[test]
    fn dechunk_rejects_garbage() {
        assert_eq!(dechunk(b"5\r\nhello\r\n0\r\n\r\n").unwrap(), b"hello");
        assert!(dechunk(b"<html>not chunked").is_none());
    }

    #[test]
    fn empty_stream_has_no_records() {
        assert!(all(Vec::new()).is_empty());
        assert!(all(b"\r\n\r\n".to_vec()).is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn never_panics_on_arbitrary_bytes(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
            let n = WarcRecords::new(Cursor::new(data.clone())).take(10_000).count();
            proptest::prop_assert!(n <= data.len() + 1);
        }

        #[test]
        fn never_panics_on_mutated_warc(cut in 0usize..2000, flip in 0usize..2000, byte in proptest::prelude::any::<u8>()) {
            let mut data = sample("WARC/1.0");
            let f = flip % data.len();
            data[f] = byte;
            data.truncate(cut.min(data.len()));
            let _ = WarcRecords::new(Cursor::new(data)).take(10_000).count();
        }
    }

    // ---- real corpora -------------------------------------------------------------------

    fn corpora_dir() -> std::path::PathBuf {
        std::env::var_os("NEWSGRAPH_CORPORA")
            .map(Into::into)
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora").into())
    }

    #[test]
    fn real_warc_files_match_expected() {
        let dir = corpora_dir().join("warc");
        let Ok(expected) = std::fs::read_to_string(dir.join("expected.json")) else {
            eprintln!("skip: no WARC corpus at {}", dir.display());
            return;
        };
        let expected: serde_json::Value = serde_json::from_str(&expected).unwrap();
        let files = expected["files"].as_object().unwrap();
        assert!(!files.is_empty());
        let mut failures = Vec::new();
        for (name, exp) in files {
            let path = dir.join(name);
            let recs: Vec<Result<WarcRecord, String>> = open_warc(&path).unwrap().collect();
            let errors: Vec<&String> = recs.iter().filter_map(|r| r.as_ref().err()).collect();
            let oks: Vec<&WarcRecord> = recs.iter().filter_map(|r| r.as_ref().ok()).collect();
            let mut report = format!("{name}: {} records, {} errors", oks.len(), errors.len());
            let mut ok = errors.is_empty();
            if oks.len() as u64 != exp["records"].as_u64().unwrap() {
                ok = false;
                report += &format!(", expected {} records", exp["records"]);
            }
            for (t, n) in exp["record_types"].as_object().unwrap() {
                let got = oks.iter().filter(|r| &r.warc_type == t).count() as u64;
                if got != n.as_u64().unwrap() {
                    ok = false;
                    report += &format!(", {t}: {got} != {n}");
                }
            }
            let html: Vec<&&WarcRecord> = oks.iter().filter(|r| is_html_response(r)).collect();
            let exp_html = exp["html_responses"].as_array().unwrap();
            if html.len() != exp_html.len() {
                ok = false;
                report += &format!(
                    ", {} HTML responses, expected {}",
                    html.len(),
                    exp_html.len()
                );
            }
            for (g, e) in html.iter().zip(exp_html) {
                let checks = [
                    g.target_uri.as_deref() == e["target_uri"].as_str(),
                    g.record_id.as_deref() == e["record_id"].as_str(),
                    g.http_status.map(u64::from) == e["http_status"].as_u64(),
                    g.content_type.as_deref() == e["http_content_type"].as_str(),
                    g.payload.len() as u64 == e["decoded_payload_bytes"].as_u64().unwrap(),
                    hex(&sha256(&g.payload)) == e["decoded_payload_sha256"].as_str().unwrap(),
                ];
                if checks.iter().any(|c| !c) {
                    ok = false;
                    report += &format!(", mismatch {:?} {checks:?}", g.target_uri);
                }
            }
            eprintln!("{} {report}", if ok { "ok  " } else { "FAIL" });
            if !errors.is_empty() {
                eprintln!("     errors: {errors:?}");
            }
            if !ok {
                failures.push(name.clone());
            }
        }
        assert!(failures.is_empty(), "WARC files failing: {failures:?}");
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Plain SHA-256 (FIPS 180-4), enough to check payloads against expected.json.
    fn sha256(data: &[u8]) -> [u8; 32] {
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2,
        ];
        let mut h: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        let mut msg = data.to_vec();
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
        for chunk in msg.chunks(64) {
            let mut w = [0u32; 64];
            for i in 0..16 {
                w[i] = u32::from_be_bytes(chunk[4 * i..4 * i + 4].try_into().unwrap());
            }
            for i in 16..64 {
                let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
                let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[i - 7])
                    .wrapping_add(s1);
            }
            let mut v = h;
            for i in 0..64 {
                let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
                let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
                let t1 = v[7]
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(K[i])
                    .wrapping_add(w[i]);
                let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
                let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
                let t2 = s0.wrapping_add(maj);
                v = [
                    t1.wrapping_add(t2),
                    v[0],
                    v[1],
                    v[2],
                    v[3].wrapping_add(t1),
                    v[4],
                    v[5],
                    v[6],
                ];
            }
            for (a, b) in h.iter_mut().zip(v) {
                *a = a.wrapping_add(b);
            }
        }
        let mut out = [0u8; 32];
        for (i, x) in h.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
        }
        out
    }

    #[test]
    fn sha256_known_vector() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
