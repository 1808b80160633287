//! Push: send article graphs to any SPARQL 1.1 Graph Store Protocol endpoint (Oxigraph,
//! Fuseki, GraphDB, a clustered triple store, or `newsgraph serve --write`).
//!
//! Each named graph is sent as N-Triples with one `PUT {endpoint}?graph=IRI`, so pushing the
//! same article again replaces its graph on the server rather than adding to it. Graphs come
//! from the store or from N-Quads files written by `newsgraph extract` (consecutive quads with
//! the same graph name form one graph). Several graphs are in flight at once; a failed request
//! is retried with exponential back-off on connection errors, time-outs, 408, 429 and 5xx, and
//! not retried on other 4xx answers (those will not get better). The report counts graphs
//! pushed and failed, triples, bytes and retries.
//!
//! Does not: delete graphs on the server that are absent locally, send the default graph,
//! or authenticate beyond the extra headers it is given (for example `Authorization`).

use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad};
use oxigraph::store::Store;
use std::io::Read;
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

/// Where and how to push.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// Graph Store Protocol URL, e.g. `http://localhost:7878/store`.
    pub endpoint: String,
    /// Name of the URL parameter that carries the graph IRI (`graph` in the standard).
    pub graph_param: String,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First back-off; doubled on each retry, at most 30 s.
    pub backoff: Duration,
    /// Time-out for one request.
    pub timeout: Duration,
    /// Requests in flight at once.
    pub jobs: usize,
    /// Extra request headers (name, value).
    pub headers: Vec<(String, String)>,
}

impl PushConfig {
    pub fn new(endpoint: impl Into<String>) -> Self {
        PushConfig {
            endpoint: endpoint.into(),
            graph_param: "graph".into(),
            retries: 4,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(60),
            jobs: 4,
            headers: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("{endpoint}: not an http:// or https:// URL")]
    BadEndpoint { endpoint: String },
    #[error("reading the store: {0}")]
    Store(String),
    #[error("{file}: {message}")]
    Input { file: String, message: String },
}

/// One graph that could not be pushed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub graph: String,
    pub reason: String,
}

/// What a push did.
#[derive(Debug, Default, Clone)]
pub struct PushReport {
    pub pushed: usize,
    pub failed: Vec<Failure>,
    pub triples: usize,
    pub bytes: usize,
    pub retries: usize,
    pub skipped_default_graph_quads: usize,
    pub elapsed: Duration,
}

/// One graph ready to send: its IRI, the N-Triples body and its triple count.
struct Payload {
    graph: NamedNode,
    body: Vec<u8>,
    triples: usize,
}

fn payload(graph: NamedNode, quads: &[Quad]) -> Payload {
    let mut w = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(Vec::new());
    for q in quads {
        // Writing N-Triples to memory cannot fail.
        let _ = w.serialize_triple(q.as_ref());
    }
    let body = w.finish().unwrap_or_default();
    Payload {
        graph,
        body,
        triples: quads.len(),
    }
}

/// Pushes every named graph of `store`.
pub fn push_store(
    store: &Store,
    cfg: &PushConfig,
    on_done: impl FnMut(&str, Result<(), &str>) + Send,
) -> Result<PushReport, PushError> {
    check_endpoint(cfg)?;
    let graphs = store.named_graphs().map(move |g| {
        let g = g.map_err(|e| PushError::Store(e.to_string()))?;
        let NamedOrBlankNode::NamedNode(n) = g else {
            return Ok(None);
        };
        let quads = store
            .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(n.as_ref())))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PushError::Store(e.to_string()))?;
        Ok(Some(payload(n, &quads)))
    });
    run(cfg, graphs, on_done)
}

/// Pushes the graphs in N-Quads files (as written by `newsgraph extract`). Quads in the default
/// graph are skipped and counted.
pub fn push_nquads(
    files: &[std::path::PathBuf],
    cfg: &PushConfig,
    on_done: impl FnMut(&str, Result<(), &str>) + Send,
) -> Result<PushReport, PushError> {
    check_endpoint(cfg)?;
    let mut readers = Vec::new();
    for f in files {
        let file = std::fs::File::open(f).map_err(|e| PushError::Input {
            file: f.display().to_string(),
            message: e.to_string(),
        })?;
        readers.push((f.display().to_string(), std::io::BufReader::new(file)));
    }
    let skipped = std::sync::atomic::AtomicUsize::new(0);
    let groups = NquadGroups {
        readers: readers.into_iter(),
        current: None,
        pending: None,
        skipped: &skipped,
    };
    let mut report = run(cfg, groups, on_done)?;
    report.skipped_default_graph_quads = skipped.into_inner();
    Ok(report)
}

type QuadStream = Box<dyn Iterator<Item = Result<Quad, oxigraph::io::RdfParseError>>>;

/// Groups consecutive quads of the same named graph across a list of N-Quads files.
struct NquadGroups<'a, R: Read + 'static> {
    readers: std::vec::IntoIter<(String, R)>,
    current: Option<(String, QuadStream)>,
    pending: Option<Quad>,
    skipped: &'a std::sync::atomic::AtomicUsize,
}

impl<R: Read + 'static> Iterator for NquadGroups<'_, R> {
    type Item = Result<Option<Payload>, PushError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut graph: Option<NamedNode> = None;
        let mut quads: Vec<Quad> = Vec::new();
        if let Some(q) = self.pending.take() {
            if let GraphName::NamedNode(n) = &q.graph_name {
                graph = Some(n.clone());
            }
            quads.push(q);
        }
        loop {
            if self.current.is_none() {
                match self.readers.next() {
                    Some((name, r)) => {
                        let parser = RdfParser::from_format(RdfFormat::NQuads).for_reader(r);
                        self.current = Some((name, Box::new(parser)));
                    }
                    None => break,
                }
            }
            let Some((name, stream)) = self.current.as_mut() else {
                break;
            };
            match stream.next() {
                None => {
                    self.current = None;
                }
                Some(Err(e)) => {
                    let file = name.clone();
                    self.current = None;
                    return Some(Err(PushError::Input {
                        file,
                        message: e.to_string(),
                    }));
                }
                Some(Ok(q)) => {
                    let GraphName::NamedNode(n) = &q.graph_name else {
                        self.skipped
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        continue;
                    };
                    match &graph {
                        None => {
                            graph = Some(n.clone());
                            quads.push(q);
                        }
                        Some(g) if g == n => quads.push(q),
                        Some(_) => {
                            self.pending = Some(q);
                            break;
                        }
                    }
                }
            }
        }
        let g = graph?;
        Some(Ok(Some(payload(g, &quads))))
    }
}

fn check_endpoint(cfg: &PushConfig) -> Result<(), PushError> {
    if cfg.endpoint.starts_with("http://") || cfg.endpoint.starts_with("https://") {
        Ok(())
    } else {
        Err(PushError::BadEndpoint {
            endpoint: cfg.endpoint.clone(),
        })
    }
}

/// Sends the payloads with `cfg.jobs` workers; stops reading input at the first input error.
fn run(
    cfg: &PushConfig,
    graphs: impl Iterator<Item = Result<Option<Payload>, PushError>>,
    on_done: impl FnMut(&str, Result<(), &str>) + Send,
) -> Result<PushReport, PushError> {
    let started = Instant::now();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(cfg.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let report = Mutex::new(PushReport::default());
    let on_done = Mutex::new(on_done);
    let jobs = cfg.jobs.max(1);
    let (tx, rx) = mpsc::sync_channel::<Payload>(jobs * 2);
    let rx = Mutex::new(rx);
    let mut input_error = None;
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok(p) = next else { break };
                    let (result, retries) = send(&agent, cfg, &p);
                    let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
                    r.retries += retries;
                    match &result {
                        Ok(()) => {
                            r.pushed += 1;
                            r.triples += p.triples;
                            r.bytes += p.body.len();
                        }
                        Err(why) => r.failed.push(Failure {
                            graph: p.graph.as_str().to_string(),
                            reason: why.clone(),
                        }),
                    }
                    drop(r);
                    let mut cb = on_done.lock().unwrap_or_else(|e| e.into_inner());
                    (cb)(
                        p.graph.as_str(),
                        result.as_ref().map(|_| ()).map_err(|e| e.as_str()),
                    );
                }
            });
        }
        for g in graphs {
            match g {
                Ok(Some(p)) => {
                    if tx.send(p).is_err() {
                        break;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    input_error = Some(e);
                    break;
                }
            }
        }
        drop(tx);
    });
    if let Some(e) = input_error {
        return Err(e);
    }
    let mut r = report.into_inner().unwrap_or_else(|e| e.into_inner());
    r.elapsed = started.elapsed();
    r.failed.sort_by(|a, b| a.graph.cmp(&b.graph));
    Ok(r)
}

/// PUTs one graph, retrying transient failures. Returns the outcome and the retries used.
fn send(agent: &ureq::Agent, cfg: &PushConfig, p: &Payload) -> (Result<(), String>, usize) {
    let mut wait = cfg.backoff;
    let mut attempt = 0u32;
    loop {
        let mut req = agent
            .put(&cfg.endpoint)
            .query(&cfg.graph_param, p.graph.as_str())
            .header("Content-Type", "application/n-triples");
        for (k, v) in &cfg.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let outcome = match req.send(&p.body[..]) {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                if (200..300).contains(&status) {
                    return (Ok(()), attempt as usize);
                }
                let text = resp
                    .body_mut()
                    .with_config()
                    .limit(2000)
                    .read_to_string()
                    .unwrap_or_default();
                let why = format!("HTTP {status}: {}", text.trim());
                let transient = status >= 500 || status == 408 || status == 429;
                (why, transient)
            }
            Err(e) => (e.to_string(), true),
        };
        let (why, transient) = outcome;
        if !transient || attempt >= cfg.retries {
            let tries = attempt + 1;
            return (
                Err(format!(
                    "{why} (after {tries} attempt{})",
                    if tries == 1 { "" } else { "s" }
                )),
                attempt as usize,
            );
        }
        std::thread::sleep(wait);
        wait = (wait * 2).min(Duration::from_secs(30));
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn nq(lines: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        for (s, g) in lines {
            writeln!(
                f,
                "<https://e.org/{s}> <https://e.org/p> \"v\" <https://e.org/{g}> ."
            )
            .expect("write");
        }
        f
    }

    #[test]
    fn nquads_are_grouped_by_consecutive_graph_across_files() {
        let a = nq(&[("a", "g1"), ("b", "g1"), ("c", "g2")]);
        let b = nq(&[("d", "g2"), ("e", "g3")]);
        let skipped = std::sync::atomic::AtomicUsize::new(0);
        let readers = vec![
            (
                "a".to_string(),
                std::fs::File::open(a.path()).expect("open"),
            ),
            (
                "b".to_string(),
                std::fs::File::open(b.path()).expect("open"),
            ),
        ];
        let groups: Vec<(String, usize)> = NquadGroups {
            readers: readers.into_iter(),
            current: None,
            pending: None,
            skipped: &skipped,
        }
        .map(|g| {
            let p = g.expect("parsed").expect("named");
            (p.graph.as_str().to_string(), p.triples)
        })
        .collect();
        assert_eq!(
            groups,
            vec![
                ("https://e.org/g1".to_string(), 2),
                ("https://e.org/g2".to_string(), 2),
                ("https://e.org/g3".to_string(), 1),
            ]
        );
    }

    #[test]
    fn an_unreachable_endpoint_fails_after_the_retries() {
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        let mut cfg = PushConfig::new("http://127.0.0.1:9/store");
        cfg.retries = 2;
        cfg.backoff = Duration::from_millis(10);
        let store = Store::new().expect("store");
        let g = NamedNode::new_unchecked("https://e.org/g");
        let s = NamedNode::new_unchecked("https://e.org/s");
        store
            .insert(&Quad::new(s.clone(), s.clone(), s.clone(), g))
            .expect("insert");
        let r = push_store(&store, &cfg, |_, _| {}).expect("runs");
        assert_eq!(r.pushed, 0);
        assert_eq!(r.failed.len(), 1);
        assert_eq!(r.retries, 2);
        assert!(
            r.failed[0].reason.contains("after 3 attempts"),
            "{:?}",
            r.failed
        );
    }

    #[test]
    fn a_bad_endpoint_is_rejected_before_sending() {
        let store = Store::new().expect("store");
        assert!(matches!(
            push_store(&store, &PushConfig::new("localhost:7878"), |_, _| {}),
            Err(PushError::BadEndpoint { .. })
        ));
    }
}
