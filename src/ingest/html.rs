//! HTML news-page reader: main-content extraction plus article metadata.
//!
//! [`extract_page`] turns one HTML document into a [`Page`]: the article text (found with the
//! readability algorithm of the `dom_smoothie` crate, so navigation, ads, related-link lists,
//! comments and footers are left out; paragraphs are separated by a blank line) and the
//! metadata a knowledge graph wants: title, raw publication date string, canonical URL, site
//! name, byline and language, read from `<meta>` tags (OpenGraph, `article:*`, Dublin Core,
//! Parse.ly, Sailthru, schema.org `itemprop`), JSON-LD, `<time datetime>`, `<link
//! rel=canonical>`, `<title>` and `<h1>`. [`decode_html_bytes`] turns fetched bytes into text
//! using the charset of a BOM, the HTTP `Content-Type` or a `<meta>` declaration.
//!
//! Not done here: date parsing or normalisation (`published` is the string as found), running
//! JavaScript, following pagination, fetching anything, boilerplate removal for non-article
//! pages (index pages give whatever readability finds), or keeping markup (lists, tables,
//! headings become plain paragraphs).

use std::collections::HashMap;

/// What [`extract_page`] reads from one HTML page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    /// og:title / twitter:title / JSON-LD headline / `<title>` without " | Site" / first h1.
    pub title: Option<String>,
    /// Publication date, raw string as found in the page (first credible source).
    pub published: Option<String>,
    /// Canonical link / og:url, else the URL passed in.
    pub url: Option<String>,
    /// og:site_name / JSON-LD publisher name / application-name.
    pub site: Option<String>,
    /// Author(s) as written on the page.
    pub byline: Option<String>,
    /// `<html lang>` or content-language / og:locale.
    pub lang: Option<String>,
    /// Main article text: paragraphs separated by "\n\n".
    pub text: String,
}

/// Meta keys (name, property or itemprop, lower-cased) holding the publication date, best
/// first. JSON-LD `datePublished` and `<time>` elements are tried after these.
const PUBLISHED_META_KEYS: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "article:published",
    "published_time",
    "datepublished",
];
/// Weaker date meta keys, tried after JSON-LD.
const PUBLISHED_META_FALLBACK_KEYS: &[&str] = &[
    "sailthru.date",
    "parsely-pub-date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "article.published",
    "article_date_original",
    "originalpublicationdate",
    "cxenseparse:recs:publishtime",
    "og:updated_time",
];

/// Extracts the article text and metadata of an HTML page. `url` is where the page came from
/// (used for `Page::url` when the page names no canonical URL, and to resolve relative links).
///
/// Fails only when the page has no readable text at all.
pub fn extract_page(html: &str, url: Option<&str>) -> Result<Page, String> {
    // The HTML parser and readability are third-party code run on untrusted input: a panic
    // there must not take the whole batch down.
    std::panic::catch_unwind(|| extract_inner(html, url))
        .unwrap_or_else(|_| Err("HTML extraction failed (internal panic)".to_string()))
}

fn extract_inner(html: &str, url: Option<&str>) -> Result<Page, String> {
    let doc_url = url.map(str::trim).filter(|u| is_absolute_http(u));
    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    let mut rd = dom_smoothie::Readability::new(html, doc_url, Some(cfg.clone()))
        .or_else(|_| dom_smoothie::Readability::new(html, None, Some(cfg)))
        .map_err(|e| format!("cannot parse HTML: {e}"))?;

    let mut page = Page::default();
    // ---- metadata, before readability rewrites the document ----
    let ld = rd.parse_json_ld();
    let smoothie_meta = rd.get_article_metadata(ld.clone());
    {
        let doc = &rd.doc;
        let mut meta: HashMap<String, String> = HashMap::new();
        for node in doc.select("meta").nodes() {
            let Some(content) = node.attr("content") else {
                continue;
            };
            let content = clean_ws(&content);
            if content.is_empty() {
                continue;
            }
            for attr in ["property", "name", "itemprop", "http-equiv"] {
                if let Some(k) = node.attr(attr) {
                    // `property` may hold several space-separated names (RDFa).
                    for key in k.split_whitespace() {
                        meta.entry(key.to_ascii_lowercase())
                            .or_insert_with(|| content.clone());
                    }
                }
            }
        }
        let get =
            |keys: &[&str]| -> Option<String> { keys.iter().find_map(|k| meta.get(*k).cloned()) };
        let ld_scripts: Vec<String> = doc
            .select(r#"script[type="application/ld+json"]"#)
            .nodes()
            .iter()
            .map(|n| n.text().to_string())
            .collect();

        // Title.
        let html_title = clean_ws(&doc.select_single("title").text());
        let h1 = clean_ws(&doc.select_single("h1").text());
        let site_hint = get(&["og:site_name", "application-name"]);
        page.title = get(&["og:title", "twitter:title"])
            .map(|t| strip_site_suffix(&t, site_hint.as_deref(), false))
            .or_else(|| {
                ld.as_ref()
                    .map(|m| clean_ws(&m.title))
                    .filter(|t| !t.is_empty())
            })
            .or_else(|| {
                Some(strip_site_suffix(&html_title, site_hint.as_deref(), true))
                    .filter(|t| !t.is_empty())
            })
            .or_else(|| Some(h1.clone()).filter(|t| !t.is_empty()))
            .map(|t| decode_entities(&t));

        // Publication date: strong meta keys, JSON-LD, <time>, weaker meta keys.
        let time_attr = |sel: &str| -> Option<String> {
            doc.select(sel)
                .nodes()
                .iter()
                .find_map(|n| n.attr("datetime").or_else(|| n.attr("content")))
                .map(|s| clean_ws(&s))
                .filter(|s| is_credible_date(s))
        };
        page.published = PUBLISHED_META_KEYS
            .iter()
            .filter_map(|k| meta.get(*k))
            .find(|v| is_credible_date(v))
            .cloned()
            .or_else(|| {
                ld_scripts
                    .iter()
                    .find_map(|s| json_string_field(s, "datePublished"))
                    .filter(|s| is_credible_date(s))
            })
            .or_else(|| {
                ld.as_ref()
                    .and_then(|m| m.published_time.clone())
                    .filter(|s| is_credible_date(s))
            })
            .or_else(|| time_attr("[itemprop~=datePublished]"))
            .or_else(|| time_attr("time[pubdate]"))
            .or_else(|| {
                PUBLISHED_META_FALLBACK_KEYS
                    .iter()
                    .filter_map(|k| meta.get(*k))
                    .find(|v| is_credible_date(v))
                    .cloned()
            })
            .or_else(|| time_attr("article time[datetime]"))
            .or_else(|| time_attr("time[datetime]"));

        // URL: canonical link, og:url, JSON-LD url, else the one given.
        let canonical = doc
            .select(r#"link[rel~="canonical"]"#)
            .nodes()
            .iter()
            .find_map(|n| n.attr("href"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        page.url = canonical
            .or_else(|| get(&["og:url", "twitter:url"]))
            .and_then(|u| resolve_url(&u, doc_url))
            .or_else(|| {
                url.map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(String::from)
            });

        // Site name.
        page.site = get(&["og:site_name"])
            .or_else(|| {
                ld_scripts.iter().find_map(|s| {
                    let at = s.find("\"publisher\"")?;
                    json_string_field(&s[at..], "name")
                })
            })
            .or_else(|| smoothie_meta.site_name.clone())
            .or_else(|| get(&["application-name", "twitter:site"]))
            .map(|s| decode_entities(&clean_ws(&s)))
            .filter(|s| !s.is_empty());

        // Language.
        page.lang = doc
            .select_single("html")
            .attr("lang")
            .or_else(|| doc.select_single("html").attr("xml:lang"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| get(&["content-language", "language", "dc.language"]))
            .or_else(|| get(&["og:locale"]).map(|l| l.replace('_', "-")))
            .or_else(|| {
                ld_scripts
                    .iter()
                    .find_map(|s| json_string_field(s, "inLanguage"))
            })
            .filter(|l| is_language_tag(l));

        page.byline = get(&[
            "author",
            "article:author",
            "byl",
            "sailthru.author",
            "dc.creator",
        ])
        .filter(|a| !is_absolute_http(a));
    }

    // ---- main text ----
    let article = rd.parse();
    let mut text = String::new();
    if let Ok(article) = &article {
        text = paragraphs(&article.text_content);
        if let Some(b) = article
            .byline
            .as_deref()
            .map(clean_ws)
            .filter(|b| !b.is_empty())
        {
            page.byline = Some(b);
        }
    }
    if text.is_empty() {
        text = fallback_text(html);
    }
    if text.is_empty() {
        return Err(match article {
            Err(e) => format!("no readable text in the page ({e})"),
            Ok(_) => "no readable text in the page".to_string(),
        });
    }
    page.text = text;
    if page.byline.is_none() {
        page.byline = smoothie_meta
            .byline
            .map(|b| clean_ws(&b))
            .filter(|b| !b.is_empty());
    }
    if page.title.is_none() {
        page.title = Some(clean_ws(&smoothie_meta.title)).filter(|t| !t.is_empty());
    }
    Ok(page)
}

/// All `<p>` text of the body, or the body text, when readability finds no article.
fn fallback_text(html: &str) -> String {
    let Ok(rd) = dom_smoothie::Readability::new(html, None, None) else {
        return String::new();
    };
    let doc = &rd.doc;
    doc.select("script, style, noscript, template, nav, header, footer, aside, form")
        .remove();
    let ps: Vec<String> = doc
        .select("body p")
        .nodes()
        .iter()
        .map(|n| clean_ws(&n.text()))
        .filter(|t| !t.is_empty())
        .collect();
    if !ps.is_empty() {
        return ps.join("\n\n");
    }
    doc.select("body")
        .nodes()
        .first()
        .map(|b| paragraphs(&b.formatted_text()))
        .unwrap_or_default()
}

/// Normalises readability's formatted text: one paragraph per block, whitespace collapsed,
/// paragraphs separated by "\n\n".
fn paragraphs(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let p = clean_ws(line);
        if !p.is_empty() {
            out.push(p);
        }
    }
    out.join("\n\n")
}

/// Collapses runs of whitespace (including NBSP) to one space and trims.
fn clean_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{200b}') {
        if w.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Decodes the few HTML entities that survive in attribute values double-escaped.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#039;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Removes a trailing (or leading) " | Site Name"-style part of a title: always when it names
/// `site`; with `guess`, also any short trailing part after a long enough headline.
fn strip_site_suffix(title: &str, site: Option<&str>, guess: bool) -> String {
    let title = clean_ws(title);
    const SEPS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " _ ", "_"];
    let site_norm = site.map(|s| s.to_lowercase());
    for sep in SEPS {
        let Some(i) = title.rfind(sep) else { continue };
        let (head, tail) = (title[..i].trim(), title[i + sep.len()..].trim());
        if head.is_empty() {
            continue;
        }
        let tail_l = tail.to_lowercase();
        let is_site = site_norm.as_deref().is_some_and(|s| {
            !s.is_empty()
                && (tail_l.contains(s) || (tail_l.chars().count() >= 3 && s.contains(&tail_l)))
        });
        let short_tail = tail.split_whitespace().count() <= 4 && tail.chars().count() <= 40;
        let long_head = head.split_whitespace().count() >= 3 || head.chars().count() >= 12;
        if is_site || (guess && short_tail && long_head) {
            return strip_site_suffix(head, site, guess);
        }
        // "Site | Headline"
        let head_l = head.to_lowercase();
        if site_norm
            .as_deref()
            .is_some_and(|s| !s.is_empty() && head_l == s)
        {
            return tail.to_string();
        }
    }
    title
}

/// True for something shaped like a BCP 47 language tag ("en", "pt-BR", "zh-Hans-CN"), and
/// not a charset label that some pages put in `lang`.
fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split(['-', '_']);
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && encoding_rs::Encoding::for_label(s.as_bytes()).is_none()
}

/// True when `s` looks like a date: it holds a plausible 4-digit year.
fn is_credible_date(s: &str) -> bool {
    let b = s.as_bytes();
    if s.len() > 80 {
        return false;
    }
    (0..b.len().saturating_sub(3)).any(|i| {
        let w = &b[i..i + 4];
        w.iter().all(u8::is_ascii_digit)
            && (w.starts_with(b"19") || w.starts_with(b"20"))
            && (i == 0 || !b[i - 1].is_ascii_digit())
            && (i + 4 == b.len() || !b[i + 4].is_ascii_digit())
    }) || (s.len() >= 10 && s.len() <= 13 && s.bytes().all(|c| c.is_ascii_digit()))
}

/// The first string value of `"key": "..."` in a JSON text (any depth), unescaped.
fn json_string_field(json: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = json[from..].find(&pat) {
        let rest = json[from + i + pat.len()..].trim_start();
        from += i + pat.len();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix('"') else {
            continue;
        };
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    let v = clean_ws(&out);
                    if v.is_empty() {
                        break;
                    }
                    return Some(v);
                }
                '\\' => match chars.next() {
                    Some('n' | 't' | 'r') => out.push(' '),
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).collect();
                        if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            out.push(c);
                        }
                    }
                    Some(c) => out.push(c),
                    None => return None,
                },
                c => out.push(c),
            }
        }
    }
    None
}

fn is_absolute_http(u: &str) -> bool {
    let l = u.get(..8).unwrap_or(u).to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// Makes a (possibly relative) link absolute against `base`; `None` when impossible.
fn resolve_url(link: &str, base: Option<&str>) -> Option<String> {
    let link = link.trim();
    if is_absolute_http(link) {
        return Some(link.to_string());
    }
    let base = base?;
    let scheme_end = base.find("://")? + 3;
    let host_end = base[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(base.len(), |i| scheme_end + i);
    if let Some(rest) = link.strip_prefix("//") {
        return Some(format!("{}{rest}", &base[..scheme_end]));
    }
    if link.starts_with('/') {
        return Some(format!("{}{link}", &base[..host_end]));
    }
    let path = &base[..base[..base.find(['?', '#']).unwrap_or(base.len())]
        .rfind('/')
        .filter(|&i| i >= host_end)
        .map_or(base.len(), |i| i + 1)];
    if path.len() == host_end {
        return Some(format!("{path}/{link}"));
    }
    Some(format!("{path}{link}"))
}

/// Decodes the bytes of an HTML document. The charset comes from a byte-order mark, else
/// the `charset=` of the HTTP `content_type`, else a `<meta charset>` / `<meta http-equiv>`
/// declaration in the first 8 KiB; the default is UTF-8. Undecodable bytes become U+FFFD.
pub fn decode_html_bytes(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    let label = content_type
        .and_then(|ct| charset_param(ct.as_bytes()))
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .or_else(|| {
            sniff_meta_charset(&bytes[..bytes.len().min(8192)])
                .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        });
    let mut enc = label.unwrap_or(encoding_rs::UTF_8);
    // A page that declares UTF-16 without a BOM is ASCII-compatible in practice.
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        enc = encoding_rs::UTF_8;
    }
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// The value after `charset=` in `s` (quotes stripped).
fn charset_param(s: &[u8]) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    let i = memchr::memmem::find(&lower, b"charset")?;
    let rest = &s[i + 7..];
    let rest = trim_ascii_start(rest);
    let rest = rest.strip_prefix(b"=")?;
    let rest = trim_ascii_start(rest);
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
        .unwrap_or(rest.len());
    let v = std::str::from_utf8(&rest[..end]).ok()?.trim();
    (!v.is_empty()).then(|| v.to_string())
}

fn trim_ascii_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

/// The charset of the first `<meta>` that declares one.
fn sniff_meta_charset(head: &[u8]) -> Option<String> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&lower[from..], b"<meta") {
        let start = from + i;
        let end = memchr::memchr(b'>', &lower[start..]).map_or(lower.len(), |j| start + j);
        if let Some(cs) = charset_param(&head[start..end]) {
            return Some(cs);
        }
        from = start + 5;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = r#"<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Harbour bridge reopens after repairs | The Coastal Gazette</title>
  <meta property="og:title" content="Harbour bridge reopens after repairs">
  <meta property="og:site_name" content="The Coastal Gazette">
  <meta property="og:url" content="https://gazette.example/news/bridge-reopens">
  <meta property="article:published_time" content="2024-03-05T08:30:00+00:00">
  <meta name="author" content="Mara Quill">
  <link rel="canonical" href="/news/bridge-reopens">
  <script type="application/ld+json">
  {"@context":"https://schema.org","@type":"NewsArticle","headline":"Harbour bridge reopens after repairs",
   "datePublished":"2024-03-05T08:30:00Z","publisher":{"@type":"Organization","name":"The Coastal Gazette"},
   "author":{"@type":"Person","name":"Mara Quill"}}
  </script>
</head>
<body>
  <header><nav class="site-nav"><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li>
    <li><a href="/weather">Weather</a></li></ul></nav></header>
  <div class="ad-banner advertisement">Buy cheap sunglasses now! Limited offer on sunglasses.</div>
  <main>
    <article class="article-body">
      <h1>Harbour bridge reopens after repairs</h1>
      <p class="byline">By Mara Quill</p>
      <p>The harbour bridge in Port Wendle reopened to traffic on Tuesday morning after eight months of
      repairs, the town council said, ending long detours for commuters and delivery drivers.</p>
      <p>Council engineer Tobias Renk said the steel supports had been replaced and the deck resurfaced,
      and that the work was finished two weeks ahead of schedule and slightly under its budget.</p>
      <p>Local shop owners on the eastern side of the river welcomed the news, saying that trade had
      fallen sharply while the crossing was closed and customers had to drive around the bay.</p>
      <p>Mayor Ines Calder will hold a small ceremony at the bridge on Saturday, and the ferry service that
      ran during the closure will stop at the end of the month, the council added in its statement.</p>
    </article>
    <aside class="related"><h3>Related stories</h3><ul>
      <li><a href="/a">Ferry timetable changes announced for the spring</a></li>
      <li><a href="/b">New parking rules near the old market square</a></li></ul></aside>
  </main>
  <footer class="site-footer"><p>Copyright The Coastal Gazette. All rights reserved. Contact us.</p></footer>
</body></html>"#;

    #[test]
    fn fixture_metadata_and_text() {
        let p = extract_page(
            FIXTURE,
            Some("https://gazette.example/news/bridge-reopens?utm=x"),
        )
        .unwrap();
        assert_eq!(
            p.title.as_deref(),
            Some("Harbour bridge reopens after repairs")
        );
        assert_eq!(p.published.as_deref(), Some("2024-03-05T08:30:00+00:00"));
        assert_eq!(
            p.url.as_deref(),
            Some("https://gazette.example/news/bridge-reopens")
        );
        assert_eq!(p.site.as_deref(), Some("The Coastal Gazette"));
        assert_eq!(p.lang.as_deref(), Some("en-GB"));
        assert!(
            p.byline.as_deref().unwrap().contains("Mara Quill"),
            "{:?}",
            p.byline
        );
        assert!(
            p.text.contains("harbour bridge in Port Wendle reopened"),
            "{}",
            p.text
        );
        assert!(p.text.contains("end of the month"));
        for junk in [
            "Sport",
            "sunglasses",
            "Ferry timetable",
            "Copyright",
            "Related stories",
        ] {
            assert!(
                !p.text.contains(junk),
                "text contains {junk:?}:\n{}",
                p.text
            );
        }
        let paras: Vec<&str> = p.text.split("\n\n").collect();
        assert!(paras.len() >= 4, "{paras:?}");
        assert!(paras.iter().all(|p| !p.contains('\n') && p.trim() == *p));
    }

    #[test]
    fn title_falls_back_to_cleaned_title_tag_and_h1() {
        let html = FIXTURE
            .replace(
                r#"<meta property="og:title" content="Harbour bridge reopens after repairs">"#,
                "",
            )
            .replace(r#""headline":"Harbour bridge reopens after repairs","#, "");
        let p = extract_page(&html, None).unwrap();
        assert_eq!(
            p.title.as_deref(),
            Some("Harbour bridge reopens after repairs")
        );
        // Without a canonical link, og:url is used; with neither, the given URL.
        let html2 = html.replace(r#"<link rel="canonical" href="/news/bridge-reopens">"#, "");
        assert_eq!(
            extract_page(&html2, None).unwrap().url.as_deref(),
            Some("https://gazette.example/news/bridge-reopens")
        );
        let html3 = html2.replace("og:url", "og:nothing");
        assert_eq!(
            extract_page(&html3, Some("https://x.example/p"))
                .unwrap()
                .url
                .as_deref(),
            Some("https://x.example/p")
        );
        let html4 = html3.replace(
            "<title>Harbour bridge reopens after repairs | The Coastal Gazette</title>",
            "",
        );
        assert_eq!(
            extract_page(&html4, None).unwrap().title.as_deref(),
            Some("Harbour bridge reopens after repairs")
        );
    }

    #[test]
    fn published_date_sources_in_order() {
        let base = FIXTURE.replace(
            r#"<meta property="article:published_time" content="2024-03-05T08:30:00+00:00">"#,
            "",
        );
        // JSON-LD next.
        assert_eq!(
            extract_page(&base, None).unwrap().published.as_deref(),
            Some("2024-03-05T08:30:00Z")
        );
        // Then <time datetime>.
        let no_ld = base.replace(r#""datePublished":"2024-03-05T08:30:00Z","#, "");
        let with_time = no_ld.replace(
            r#"<p class="byline">By Mara Quill</p>"#,
            r#"<p class="byline">By Mara Quill, <time datetime="2024-03-04">4 March</time></p>"#,
        );
        assert_eq!(
            extract_page(&with_time, None).unwrap().published.as_deref(),
            Some("2024-03-04")
        );
        // Sailthru / parsely.
        let sail = no_ld.replace(
            "<meta charset=\"utf-8\">",
            "<meta charset=\"utf-8\"><meta name=\"parsely-pub-date\" content=\"2023-12-01T10:00:00Z\">",
        );
        assert_eq!(
            extract_page(&sail, None).unwrap().published.as_deref(),
            Some("2023-12-01T10:00:00Z")
        );
        // Nothing credible: none.
        let junk = no_ld.replace(
            "<meta charset=\"utf-8\">",
            "<meta charset=\"utf-8\"><meta name=\"date\" content=\"yesterday\">",
        );
        assert_eq!(extract_page(&junk, None).unwrap().published, None);
    }

    #[test]
    fn site_suffixes_are_stripped() {
        assert_eq!(
            strip_site_suffix("Big storm hits the coast | Daily Planet", None, true),
            "Big storm hits the coast"
        );
        assert_eq!(
            strip_site_suffix("Big storm hits the coast - Daily Planet - News", None, true),
            "Big storm hits the coast"
        );
        assert_eq!(
            strip_site_suffix(
                "Daily Planet | Big storm hits the coast today",
                Some("Daily Planet"),
                false
            ),
            "Big storm hits the coast today"
        );
        assert_eq!(
            strip_site_suffix("Apples - oranges", None, true),
            "Apples - oranges"
        );
        // Meta titles lose only a suffix that names the site.
        assert_eq!(
            strip_site_suffix("Storm hits coast - again", Some("Planet"), false),
            "Storm hits coast - again"
        );
        assert_eq!(
            strip_site_suffix("Storm hits coast - again | Planet", Some("Planet"), false),
            "Storm hits coast - again"
        );
        assert_eq!(
            strip_site_suffix("港口大桥今天重新开放通车了_新闻网", None, true),
            "港口大桥今天重新开放通车了"
        );
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "en-GB", "pt_BR", "zh-Hans-CN", "deu"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["UTF-8", "utf8", "", "english language", "e", "en--GB"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
        let p = extract_page(&FIXTURE.replace("lang=\"en-GB\"", "lang=\"UTF-8\""), None).unwrap();
        assert_eq!(p.lang, None);
    }

    #[test]
    fn json_field_scanner() {
        let j = r#"{"a":{"datePublished" : "2020-01-02\u0054x"}, "name":"Q\"R"}"#;
        assert_eq!(
            json_string_field(j, "datePublished").as_deref(),
            Some("2020-01-02Tx")
        );
        assert_eq!(json_string_field(j, "name").as_deref(), Some("Q\"R"));
        assert_eq!(json_string_field(j, "missing"), None);
    }

    #[test]
    fn minimal_and_empty_pages() {
        let p = extract_page(
            "<html><body><p>Only one short line here.</p></body></html>",
            None,
        )
        .unwrap();
        assert_eq!(p.text, "Only one short line here.");
        assert!(extract_page("", None).is_err());
        assert!(
            extract_page(
                "<html><head><title>x</title></head><body></body></html>",
                None
            )
            .is_err()
        );
        assert!(extract_page("<script>var a = 1;</script>", None).is_err());
    }

    #[test]
    fn relative_urls_resolve() {
        let b = Some("https://h.example/a/b.html?q=1");
        assert_eq!(resolve_url("/c", b).as_deref(), Some("https://h.example/c"));
        assert_eq!(
            resolve_url("c.html", b).as_deref(),
            Some("https://h.example/a/c.html")
        );
        assert_eq!(
            resolve_url("//cdn.example/x", b).as_deref(),
            Some("https://cdn.example/x")
        );
        assert_eq!(
            resolve_url("x", Some("https://h.example")).as_deref(),
            Some("https://h.example/x")
        );
        assert_eq!(resolve_url("x", None), None);
    }

    #[test]
    fn decodes_charsets() {
        let (cyr, _, _) = encoding_rs::WINDOWS_1251.encode("Привет, мир");
        assert_eq!(
            decode_html_bytes(&cyr, Some("text/html; charset=windows-1251")),
            "Привет, мир"
        );
        let mut page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body>".to_vec();
        let (zh, _, _) = encoding_rs::GBK.encode("新闻报道");
        page.extend_from_slice(&zh);
        assert!(decode_html_bytes(&page, None).contains("新闻报道"));
        assert!(decode_html_bytes(&page, Some("text/html")).contains("新闻报道"));
        let mut meta5 = b"<meta charset='iso-8859-1'>".to_vec();
        meta5.push(0xe9);
        assert!(decode_html_bytes(&meta5, None).ends_with('é'));
        // BOM wins over a wrong header.
        assert_eq!(
            decode_html_bytes(
                "\u{feff}héllo".as_bytes(),
                Some("text/html; charset=iso-8859-1")
            ),
            "héllo"
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("hi".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_html_bytes(&utf16, None), "hi");
        // Default UTF-8, lossy.
        assert_eq!(
            decode_html_bytes(b"caf\xc3\xa9 \xff", None),
            "café \u{fffd}"
        );
        // Unknown labels fall back to UTF-8.
        assert_eq!(
            decode_html_bytes("é".as_bytes(), Some("text/html; charset=\"klingon\"")),
            "é"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn extract_never_panics(s in ".{0,400}") {
            let _ = extract_page(&s, None);
        }

        #[test]
        fn extract_never_panics_on_tag_soup(parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::Just("<p>".to_string()), proptest::prelude::Just("</p>".to_string()),
                proptest::prelude::Just("<div class='content'>".to_string()), proptest::prelude::Just("</div>".to_string()),
                proptest::prelude::Just("<meta property='og:title' content='".to_string()),
                proptest::prelude::Just("<script type='application/ld+json'>{\"datePublished\":\"".to_string()),
                proptest::prelude::Just("<title>".to_string()), proptest::prelude::Just("<time datetime=\"".to_string()),
                "[a-z &;<>\"'|-]{0,30}",
            ], 0..40)) {
            let html = parts.concat();
            let _ = extract_page(&html, Some("https://e.example/x"));
            let _ = decode_html_bytes(html.as_bytes(), Some(&html));
        }

        #[test]
        fn decode_never_panics(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = decode_html_bytes(&b, None);
            let _ = decode_html_bytes(&b, Some("text/html; charset=shift_jis"));
        }
    }

    // ---- real corpus ----------------------------------------------------------------------

    fn corpora_dir() -> std::path::PathBuf {
        std::env::var_os("NEWSGRAPH_CORPORA")
            .map(Into::into)
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora").into())
    }

    fn norm(s: &str) -> String {
        clean_ws(
            &s.to_lowercase()
                .replace(['’', '‘'], "'")
                .replace(['“', '”'], "\""),
        )
    }

    /// Word tokens; each CJK character is its own token.
    fn tokens(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        for c in s.chars() {
            let cjk = matches!(c as u32, 0x3040..=0x30ff | 0x3400..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff);
            if c.is_alphanumeric() && !cjk {
                cur.extend(c.to_lowercase());
                continue;
            }
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if cjk {
                out.push(c.to_string());
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    /// (recall, precision) of the expected tokens in ours, as multisets.
    fn overlap(expected: &str, ours: &str) -> (f64, f64) {
        let e = tokens(expected);
        let o = tokens(ours);
        let mut bag: HashMap<&str, i64> = HashMap::new();
        for t in &o {
            *bag.entry(t).or_default() += 1;
        }
        let mut hit = 0usize;
        for t in &e {
            match bag.get_mut(t.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    hit += 1;
                }
                _ => {}
            }
        }
        (
            hit as f64 / e.len().max(1) as f64,
            hit as f64 / o.len().max(1) as f64,
        )
    }

    /// First YYYY-MM-DD in a string.
    fn iso_day(s: &str) -> Option<String> {
        let b = s.as_bytes();
        (0..b.len().saturating_sub(9)).find_map(|i| {
            let w = &b[i..i + 10];
            let ok = w[..4].iter().all(u8::is_ascii_digit)
                && w[4] == b'-'
                && w[5..7].iter().all(u8::is_ascii_digit)
                && w[7] == b'-'
                && w[8..].iter().all(u8::is_ascii_digit);
            ok.then(|| s[i..i + 10].to_string())
        })
    }

    fn title_matches(expected: &str, ours: &str) -> bool {
        let (e, o) = (norm(expected), norm(ours));
        if e == o || o.contains(&e) {
            return true;
        }
        // Ours is the expected title without its site suffix/prefix.
        e.contains(&o) && o.chars().count() * 2 >= e.chars().count()
    }

    #[test]
    fn real_html_pages() {
        let dir = corpora_dir().join("html");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("skip: no HTML corpus at {}", dir.display());
            return;
        };
        let mut dirs: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        let (mut pass, mut total) = (0, 0);
        let mut failed = Vec::new();
        for d in &dirs {
            let (Ok(src), Ok(exp)) = (
                std::fs::read(d.join("source.html")),
                std::fs::read_to_string(d.join("expected.json")),
            ) else {
                continue;
            };
            total += 1;
            let name = d.file_name().unwrap().to_string_lossy().into_owned();
            let exp: serde_json::Value = serde_json::from_str(&exp).unwrap();
            let html = decode_html_bytes(&src, None);
            let page = match extract_page(&html, exp["url"].as_str()) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("FAIL {name}: {e}");
                    failed.push(name);
                    continue;
                }
            };
            let mut problems = Vec::new();
            let title = page.title.as_deref().unwrap_or("");
            match exp["title"].as_str() {
                Some(t) if !title_matches(t, title) => {
                    problems.push(format!("title {:?} vs expected {t:?}", page.title));
                }
                _ => {}
            }
            if let Some(p) = exp["published"].as_str() {
                let ours = page.published.as_deref().unwrap_or("");
                let ok = match iso_day(p) {
                    Some(day) => iso_day(ours).as_deref() == Some(day.as_str()),
                    None => norm(ours) == norm(p),
                };
                if !ok {
                    problems.push(format!("published {:?} vs expected {p:?}", page.published));
                }
            }
            let (recall, precision) = overlap(exp["text"].as_str().unwrap_or(""), &page.text);
            if recall < 0.8 || precision < 0.6 {
                problems.push(format!("text recall {recall:.2} precision {precision:.2}"));
            }
            let status = if problems.is_empty() { "ok  " } else { "FAIL" };
            eprintln!(
                "{status} {name:16} recall {recall:.2} precision {precision:.2} title {:?} published {:?} {}",
                page.title,
                page.published,
                problems.join("; ")
            );
            if problems.is_empty() {
                pass += 1;
            } else {
                failed.push(name);
            }
        }
        eprintln!("HTML corpus: {pass}/{total} pages pass; failed: {failed:?}");
        assert!(
            total == 0 || pass * 6 >= total * 5,
            "only {pass} of {total} pages pass: {failed:?}"
        );
    }
}
