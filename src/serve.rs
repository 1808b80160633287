//! Serve: a SPARQL 1.1 Protocol endpoint over the store, for notebooks, web tools and other
//! SPARQL clients.
//!
//! Paths follow Oxigraph's own server: `/query` (GET and POST, SPARQL 1.1 Protocol), `/update`
//! (SPARQL 1.1 Update) and `/store` (SPARQL 1.1 Graph Store Protocol), plus `/` (a small HTML
//! page to type a query). Results are content-negotiated: JSON, XML, CSV and TSV for SELECT and
//! ASK; Turtle, N-Triples, JSON-LD, RDF/XML (and N-Quads, TriG) for CONSTRUCT and DESCRIBE.
//!
//! Read-only unless started writable: `/update` and `/store` answer 403 then. Guards: a query
//! time-out (cancellation token; 503 when it fires), a result limit in rows or triples and in
//! bytes (422 when exceeded; results are serialised into a buffer first, so a client never gets
//! a truncated 200), a request body limit (413), a connection limit, CORS headers for browser
//! clients, cross-origin writes refused, and (on loopback) Host names other than loopback refused
//! (DNS rebinding). As in the CLI, the default graph is the union of
//! all article graphs unless the request names a dataset (FROM, `default-graph-uri`,
//! `named-graph-uri`), and the standard prefixes are predeclared.
//!
//! Does not: speak HTTPS (put a reverse proxy in front), authenticate users, call SERVICE
//! endpoints, or share the store with another process (RocksDB allows one writer; the server
//! owns the store while it runs).

use crate::query::with_prefixes;
use oxhttp::model::header::{self, HeaderValue};
use oxhttp::model::{Body, Method, Request, Response, StatusCode};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, NamedOrBlankNodeRef};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the endpoint behaves; `Default` is the safe configuration (loopback, read-only).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Accept `/update` and `/store` writes.
    pub writable: bool,
    /// Stop a query (or update) that runs longer than this.
    pub timeout: Duration,
    /// Most solutions (SELECT) or triples (CONSTRUCT, DESCRIBE, `/store` GET) in one response.
    pub max_results: usize,
    /// Most bytes in one response body.
    pub max_response_bytes: usize,
    /// Most bytes in one request body (queries, updates, uploaded graphs).
    pub max_request_bytes: usize,
    /// Most connections served at once (one thread each).
    pub max_connections: usize,
    /// `Access-Control-Allow-Origin` value for read requests; `None` sends no CORS headers.
    pub cors_origin: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 7878)),
            writable: false,
            timeout: Duration::from_secs(30),
            max_results: 100_000,
            max_response_bytes: 256 << 20,
            max_request_bytes: 16 << 20,
            max_connections: 32,
            cors_origin: Some("*".into()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The request handler: the store, the configuration and a lock that serialises writes
/// (Oxigraph transactions do not detect write-write conflicts).
pub struct Endpoint {
    store: Store,
    cfg: Config,
    writes: Mutex<()>,
    running: Arc<AtomicUsize>,
}

/// Starts the server on `cfg.bind` in background threads; `join()` the result to block.
pub fn spawn(store: Store, cfg: Config) -> Result<oxhttp::ListeningServer, ServeError> {
    let addr = cfg.bind;
    // Socket read/write time-out: a slow client cannot hold a connection thread for long.
    let socket_timeout = cfg.timeout + Duration::from_secs(30);
    let max_connections = cfg.max_connections.max(1);
    let endpoint = Endpoint::new(store, cfg);
    oxhttp::Server::new(move |req| endpoint.handle(req))
        .bind(addr)
        .with_global_timeout(socket_timeout)
        .with_max_concurrent_connections(max_connections)
        .spawn()
        .map_err(|source| ServeError::Bind { addr, source })
}

/// An error answered as a plain-text response.
#[derive(Debug)]
struct HttpError {
    status: StatusCode,
    message: String,
}

fn err(status: StatusCode, message: impl Into<String>) -> HttpError {
    HttpError {
        status,
        message: message.into(),
    }
}

type Answer = Result<Response<Body>, HttpError>;

/// Parses a Graph Store request body; a syntax error is the client's (400).
fn parse_body(parser: RdfParser, body: &[u8]) -> Result<Vec<oxigraph::model::Quad>, HttpError> {
    parser
        .for_slice(body)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            err(
                StatusCode::BAD_REQUEST,
                format!("cannot parse the body: {e}"),
            )
        })
}

fn response(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

impl Endpoint {
    pub fn new(store: Store, cfg: Config) -> Self {
        Endpoint {
            store,
            cfg,
            writes: Mutex::new(()),
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Answers one request. Never panics on client input.
    pub fn handle(&self, req: &mut Request<Body>) -> Response<Body> {
        let path = req.uri().path().to_string();
        let answer = match path.as_str() {
            _ if !self.host_allowed(req) => Err(err(
                StatusCode::FORBIDDEN,
                "unexpected Host header: a server on loopback only answers to localhost or a loopback address",
            )),
            "/" | "/index.html" => self.page(req),
            "/query" | "/sparql" => self.query(req),
            "/update" => self.update(req),
            "/store" => self.graph_store(req),
            _ => Err(err(
                StatusCode::NOT_FOUND,
                format!("{path}: not found (the endpoints are /query, /update and /store)"),
            )),
        };
        let mut resp = answer.unwrap_or_else(|e| {
            let mut m = e.message;
            m.push('\n');
            response(e.status, "text/plain; charset=utf-8", m.into_bytes())
        });
        self.cors(req, &mut resp);
        resp
    }

    /// On a loopback address, the Host header must name loopback too. This stops DNS
    /// rebinding: a web page whose own host name resolves to 127.0.0.1 would otherwise count as
    /// same-origin and could read (and with --write, change) the store.
    fn host_allowed(&self, req: &Request<Body>) -> bool {
        if !self.cfg.bind.ip().is_loopback() {
            return true;
        }
        let Some(host) = req.headers().get(header::HOST) else {
            return true;
        };
        let host = host.to_str().unwrap_or("");
        let name = if let Some(rest) = host.strip_prefix('[') {
            rest.split(']').next().unwrap_or("")
        } else {
            host.rsplit_once(':').map_or(host, |(h, _)| h)
        };
        name.eq_ignore_ascii_case("localhost")
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    fn cors(&self, req: &Request<Body>, resp: &mut Response<Body>) {
        let Some(origin) = &self.cfg.cors_origin else {
            return;
        };
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        if origin != "*" {
            h.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        if req.method() == Method::OPTIONS {
            // No Access-Control-Allow-Methods: oxhttp drops that header. Browsers then allow
            // the CORS-safelisted methods (GET, HEAD, POST), which is what reads need.
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Content-Type, Accept"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
        }
    }

    fn page(&self, req: &Request<Body>) -> Answer {
        match *req.method() {
            Method::GET | Method::HEAD => Ok(response(
                StatusCode::OK,
                "text/html; charset=utf-8",
                PAGE.as_bytes().to_vec(),
            )),
            _ => Err(not_allowed("GET")),
        }
    }

    /// Reads the request body, refusing bodies over the limit with 413.
    fn body(&self, req: &mut Request<Body>) -> Result<Vec<u8>, HttpError> {
        let limit = self.cfg.max_request_bytes;
        if let Some(n) = req.body().len()
            && n > limit as u64
        {
            return Err(too_large(limit));
        }
        let mut buf = Vec::new();
        req.body_mut()
            .take(limit as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| {
                err(
                    StatusCode::BAD_REQUEST,
                    format!("cannot read the body: {e}"),
                )
            })?;
        if buf.len() > limit {
            return Err(too_large(limit));
        }
        Ok(buf)
    }

    fn body_text(&self, req: &mut Request<Body>) -> Result<String, HttpError> {
        String::from_utf8(self.body(req)?)
            .map_err(|_| err(StatusCode::BAD_REQUEST, "the body is not UTF-8"))
    }

    fn query(&self, req: &mut Request<Body>) -> Answer {
        let mut params = url_params(req);
        let query = match *req.method() {
            Method::OPTIONS => return Ok(empty(StatusCode::NO_CONTENT)),
            Method::GET => take_param(&params, "query"),
            Method::POST => match content_type(req).as_str() {
                "application/sparql-query" => Some(self.body_text(req)?),
                "application/x-www-form-urlencoded" => {
                    let body = self.body(req)?;
                    params.extend(form_urlencoded::parse(&body).into_owned());
                    take_param(&params, "query")
                }
                other => {
                    return Err(err(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        format!(
                            "Content-Type {other:?}: send application/sparql-query or application/x-www-form-urlencoded"
                        ),
                    ));
                }
            },
            _ => return Err(not_allowed("GET, POST")),
        };
        let Some(query) = query else {
            return Err(err(StatusCode::BAD_REQUEST, "no query given (query=...)"));
        };
        let default_graphs = iris(&params, "default-graph-uri")?;
        let named_graphs = iris(&params, "named-graph-uri")?;
        let accept = accept(req);

        // Evaluation runs on its own thread. The cancellation token stops most queries at the
        // time-out, but Oxigraph only checks it when it reads from the store, so a query that
        // spends long in memory (a large cross product) can overrun; the client still gets its
        // 503 on time, and the abandoned evaluation stops at its next check.
        if self.running.load(Ordering::SeqCst) >= self.cfg.max_connections.max(1) * 2 {
            return Err(err(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many queries are still running (some past their time-out); try again later",
            ));
        }
        let token = CancellationToken::new();
        let _watchdog = Watchdog::start(token.clone(), self.cfg.timeout);
        let (tx, rx) = mpsc::channel();
        let job = QueryJob {
            store: self.store.clone(),
            cfg: self.cfg.clone(),
            query,
            default_graphs,
            named_graphs,
            accept,
            token: token.clone(),
            running: Running::enter(Arc::clone(&self.running)),
        };
        std::thread::Builder::new()
            .name("sparql query".into())
            .spawn(move || {
                let r = job.evaluate();
                let _ = tx.send(r);
            })
            .map_err(|e| {
                err(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("cannot start: {e}"),
                )
            })?;
        let (media_type, body) = match rx.recv_timeout(self.cfg.timeout + GRACE) {
            Ok(r) => r?,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                token.cancel();
                return Err(timed_out(&self.cfg));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "query evaluation failed unexpectedly",
                ));
            }
        };
        Ok(response(StatusCode::OK, media_type, body))
    }

    fn write_error(&self, e: std::io::Error) -> HttpError {
        write_error(&self.cfg, e)
    }

    fn too_many(&self, what: &str) -> HttpError {
        too_many(&self.cfg, what)
    }

    /// Refuses writes when read-only, and writes from other web origins (a page on another
    /// site must not be able to change a local store through the user's browser).
    fn check_write(&self, req: &Request<Body>, what: &str) -> Result<(), HttpError> {
        if !self.cfg.writable {
            return Err(err(
                StatusCode::FORBIDDEN,
                format!(
                    "{what} refused: this endpoint is read-only (start it with `newsgraph serve --write` to accept writes)"
                ),
            ));
        }
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            let origin = origin.to_str().unwrap_or("");
            let own = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            if own != Some(host) {
                return Err(err(
                    StatusCode::FORBIDDEN,
                    format!(
                        "{what} refused: writes from another web origin ({origin}) are not accepted"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn update(&self, req: &mut Request<Body>) -> Answer {
        if *req.method() == Method::OPTIONS {
            return Ok(empty(StatusCode::NO_CONTENT));
        }
        if *req.method() != Method::POST {
            return Err(not_allowed("POST"));
        }
        self.check_write(req, "SPARQL update")?;
        let update = match content_type(req).as_str() {
            "application/sparql-update" => self.body_text(req)?,
            "application/x-www-form-urlencoded" => {
                let body = self.body(req)?;
                let params: Vec<(String, String)> =
                    form_urlencoded::parse(&body).into_owned().collect();
                take_param(&params, "update")
                    .ok_or_else(|| err(StatusCode::BAD_REQUEST, "no update given (update=...)"))?
            }
            other => {
                return Err(err(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "Content-Type {other:?}: send application/sparql-update or application/x-www-form-urlencoded"
                    ),
                ));
            }
        };
        let token = CancellationToken::new();
        let _watchdog = Watchdog::start(token.clone(), self.cfg.timeout);
        let prepared = SparqlEvaluator::new()
            .with_cancellation_token(token)
            .parse_update(&with_prefixes(&update))
            .map_err(|e| {
                err(
                    StatusCode::BAD_REQUEST,
                    format!("invalid SPARQL update: {e}"),
                )
            })?;
        let _guard = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        prepared.on_store(&self.store).execute().map_err(|e| {
            err(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("update failed (nothing was changed): {e}"),
            )
        })?;
        Ok(empty(StatusCode::NO_CONTENT))
    }

    fn graph_store(&self, req: &mut Request<Body>) -> Answer {
        if *req.method() == Method::OPTIONS {
            return Ok(empty(StatusCode::NO_CONTENT));
        }
        self.check_write(req, "Graph Store request")?;
        let params = url_params(req);
        let target = if params.iter().any(|(k, _)| k == "default") {
            Some(GraphName::DefaultGraph)
        } else {
            match take_param(&params, "graph") {
                Some(g) => Some(GraphName::NamedNode(NamedNode::new(&g).map_err(|e| {
                    err(
                        StatusCode::BAD_REQUEST,
                        format!("graph={g}: not an IRI: {e}"),
                    )
                })?)),
                None => None,
            }
        };
        let exists = |g: &GraphName| -> Result<bool, HttpError> {
            match g {
                GraphName::NamedNode(n) => self
                    .store
                    .contains_named_graph(NamedOrBlankNodeRef::from(n.as_ref()))
                    .map_err(storage),
                _ => Ok(true),
            }
        };
        let method = req.method().clone();
        match (method, target) {
            (Method::GET | Method::HEAD, Some(g)) => {
                if !exists(&g)? {
                    return Err(err(StatusCode::NOT_FOUND, format!("no graph {g}")));
                }
                let format = negotiate_graph(&accept(req))?;
                let mut out = Capped::new(self.cfg.max_response_bytes);
                let mut w = RdfSerializer::from_format(format).for_writer(&mut out);
                for (n, q) in self
                    .store
                    .quads_for_pattern(None, None, None, Some(g.as_ref()))
                    .enumerate()
                {
                    if n >= self.cfg.max_results {
                        return Err(self.too_many("triples"));
                    }
                    w.serialize_triple(q.map_err(storage)?.as_ref())
                        .map_err(|e| self.write_error(e))?;
                }
                w.finish().map_err(|e| self.write_error(e))?;
                Ok(response(StatusCode::OK, format.media_type(), out.buf))
            }
            (Method::GET | Method::HEAD, None) => {
                let format = negotiate_dataset(&accept(req))?;
                let mut out = Capped::new(self.cfg.max_response_bytes);
                let mut w = RdfSerializer::from_format(format).for_writer(&mut out);
                for (n, q) in self.store.iter().enumerate() {
                    if n >= self.cfg.max_results {
                        return Err(self.too_many("quads"));
                    }
                    w.serialize_quad(q.map_err(storage)?.as_ref())
                        .map_err(|e| self.write_error(e))?;
                }
                w.finish().map_err(|e| self.write_error(e))?;
                Ok(response(StatusCode::OK, format.media_type(), out.buf))
            }
            (m @ (Method::PUT | Method::POST), Some(g)) => {
                let format = body_format(req)?;
                if format.supports_datasets() {
                    return Err(err(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "a graph target needs a triples format (Turtle, N-Triples, RDF/XML, JSON-LD)",
                    ));
                }
                let body = self.body(req)?;
                let mut parser = RdfParser::from_format(format)
                    .with_default_graph(g.clone())
                    .without_named_graphs();
                if let GraphName::NamedNode(n) = &g {
                    parser = parser
                        .with_base_iri(n.as_str())
                        .map_err(|e| err(StatusCode::BAD_REQUEST, e.to_string()))?;
                }
                let quads = parse_body(parser, &body)?;
                let _guard = self.writes.lock().unwrap_or_else(|p| p.into_inner());
                let existed = exists(&g)?;
                let mut tx = self.store.start_transaction().map_err(storage)?;
                if m == Method::PUT {
                    tx.clear_graph(g.as_ref()).map_err(storage)?;
                }
                if let GraphName::NamedNode(n) = &g {
                    tx.insert_named_graph(n.as_ref());
                }
                for q in &quads {
                    tx.insert(q);
                }
                tx.commit().map_err(storage)?;
                Ok(empty(if existed {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::CREATED
                }))
            }
            (Method::POST, None) => {
                let format = body_format(req)?;
                let body = self.body(req)?;
                let quads = parse_body(RdfParser::from_format(format), &body)?;
                let _guard = self.writes.lock().unwrap_or_else(|p| p.into_inner());
                let mut tx = self.store.start_transaction().map_err(storage)?;
                for q in &quads {
                    tx.insert(q);
                }
                tx.commit().map_err(storage)?;
                Ok(empty(StatusCode::NO_CONTENT))
            }
            (Method::DELETE, Some(g)) => {
                let _guard = self.writes.lock().unwrap_or_else(|p| p.into_inner());
                match &g {
                    GraphName::NamedNode(n) => {
                        if !exists(&g)? {
                            return Err(err(StatusCode::NOT_FOUND, format!("no graph {g}")));
                        }
                        self.store
                            .remove_named_graph(NamedOrBlankNodeRef::from(n.as_ref()))
                            .map_err(storage)?;
                    }
                    _ => self
                        .store
                        .clear_graph(GraphNameRef::DefaultGraph)
                        .map_err(storage)?,
                }
                Ok(empty(StatusCode::NO_CONTENT))
            }
            (Method::PUT | Method::DELETE, None) => Err(err(
                StatusCode::BAD_REQUEST,
                "say which graph: ?graph=IRI or ?default",
            )),
            _ => Err(not_allowed("GET, PUT, POST, DELETE")),
        }
    }
}

/// How long after the time-out a stuck evaluation is abandoned.
const GRACE: Duration = Duration::from_millis(500);

fn timed_out(cfg: &Config) -> HttpError {
    err(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the query ran longer than the {:?} time-out and was stopped",
            cfg.timeout
        ),
    )
}

fn eval_error(cfg: &Config, e: QueryEvaluationError) -> HttpError {
    match e {
        QueryEvaluationError::Cancelled => timed_out(cfg),
        e => err(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("query evaluation failed: {e}"),
        ),
    }
}

fn write_error(cfg: &Config, e: std::io::Error) -> HttpError {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        err(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the result is larger than the {} byte limit; narrow the query or add LIMIT",
                cfg.max_response_bytes
            ),
        )
    } else {
        err(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot serialise the results: {e}"),
        )
    }
}

fn too_many(cfg: &Config, what: &str) -> HttpError {
    err(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!(
            "the result has more than {} {what} (the server's limit); narrow the query or add LIMIT",
            cfg.max_results
        ),
    )
}

/// Counts evaluations in flight (including abandoned ones) while alive.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn enter(counter: Arc<AtomicUsize>) -> Running {
        counter.fetch_add(1, Ordering::SeqCst);
        Running(counter)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One query to evaluate and serialise, owned by its worker thread.
struct QueryJob {
    store: Store,
    cfg: Config,
    query: String,
    default_graphs: Vec<NamedNode>,
    named_graphs: Vec<NamedNode>,
    accept: String,
    token: CancellationToken,
    running: Running,
}

impl QueryJob {
    /// Evaluates the query and serialises the results in the negotiated format, within the
    /// result limits. Returns the media type and the body.
    fn evaluate(self) -> Result<(&'static str, Vec<u8>), HttpError> {
        let cfg = &self.cfg;
        let _running = self.running;
        let mut prepared = SparqlEvaluator::new()
            .with_cancellation_token(self.token)
            .parse_query(&with_prefixes(&self.query))
            .map_err(|e| {
                err(
                    StatusCode::BAD_REQUEST,
                    format!("invalid SPARQL query: {e}"),
                )
            })?;
        if !self.default_graphs.is_empty() || !self.named_graphs.is_empty() {
            let ds = prepared.dataset_mut();
            ds.set_default_graph(
                self.default_graphs
                    .into_iter()
                    .map(GraphName::from)
                    .collect(),
            );
            ds.set_available_named_graphs(
                self.named_graphs
                    .into_iter()
                    .map(NamedOrBlankNode::from)
                    .collect(),
            );
        } else if prepared.dataset().is_default_dataset() {
            prepared.dataset_mut().set_default_graph_as_union();
        }
        let results = prepared
            .on_store(&self.store)
            .execute()
            .map_err(|e| eval_error(cfg, e))?;
        let mut out = Capped::new(cfg.max_response_bytes);
        let media_type = match results {
            QueryResults::Solutions(solutions) => {
                let format = negotiate_results(&self.accept)?;
                let mut w = QueryResultsSerializer::from_format(format)
                    .serialize_solutions_to_writer(&mut out, solutions.variables().to_vec())
                    .map_err(|e| write_error(cfg, e))?;
                for (n, s) in solutions.enumerate() {
                    if n >= cfg.max_results {
                        return Err(too_many(cfg, "solutions"));
                    }
                    let s = s.map_err(|e| eval_error(cfg, e))?;
                    w.serialize(&s).map_err(|e| write_error(cfg, e))?;
                }
                w.finish().map_err(|e| write_error(cfg, e))?;
                format.media_type()
            }
            QueryResults::Boolean(b) => {
                let format = negotiate_results(&self.accept)?;
                QueryResultsSerializer::from_format(format)
                    .serialize_boolean_to_writer(&mut out, b)
                    .map_err(|e| write_error(cfg, e))?;
                format.media_type()
            }
            QueryResults::Graph(triples) => {
                let format = negotiate_graph(&self.accept)?;
                let mut w = RdfSerializer::from_format(format).for_writer(&mut out);
                for (n, t) in triples.enumerate() {
                    if n >= cfg.max_results {
                        return Err(too_many(cfg, "triples"));
                    }
                    let t = t.map_err(|e| eval_error(cfg, e))?;
                    w.serialize_triple(&t).map_err(|e| write_error(cfg, e))?;
                }
                w.finish().map_err(|e| write_error(cfg, e))?;
                format.media_type()
            }
        };
        Ok((media_type, out.buf))
    }
}

fn storage(e: impl std::fmt::Display) -> HttpError {
    err(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("store error: {e}"),
    )
}

fn not_allowed(allow: &str) -> HttpError {
    err(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method not allowed here (allowed: {allow})"),
    )
}

fn too_large(limit: usize) -> HttpError {
    err(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than the {limit} byte limit"),
    )
}

/// Cancels the token when the time-out passes, unless dropped first (the query finished).
struct Watchdog {
    _done: mpsc::Sender<()>,
}

impl Watchdog {
    fn start(token: CancellationToken, timeout: Duration) -> Watchdog {
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
                token.cancel();
            }
        });
        Watchdog { _done: tx }
    }
}

/// A response buffer that refuses to grow past a limit (error kind `FileTooLarge`).
struct Capped {
    buf: Vec<u8>,
    limit: usize,
}

impl Capped {
    fn new(limit: usize) -> Self {
        Capped {
            buf: Vec::new(),
            limit,
        }
    }
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "response limit reached",
            ));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn url_params(req: &Request<Body>) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn take_param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn iris(params: &[(String, String)], name: &str) -> Result<Vec<NamedNode>, HttpError> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| {
            NamedNode::new(v).map_err(|e| {
                err(
                    StatusCode::BAD_REQUEST,
                    format!("{name}={v}: not an IRI: {e}"),
                )
            })
        })
        .collect()
}

/// The media type of the request body, lower-cased, without parameters.
fn content_type(req: &Request<Body>) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

fn body_format(req: &Request<Body>) -> Result<RdfFormat, HttpError> {
    let ct = content_type(req);
    match RdfFormat::from_media_type(&ct) {
        Some(RdfFormat::N3) | None => Err(err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type {ct:?}: not an RDF format this server reads"),
        )),
        Some(f) => Ok(f),
    }
}

fn accept(req: &Request<Body>) -> String {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*")
        .to_string()
}

/// The media ranges of an Accept header, best first (by q, then by order), without q=0.
fn media_ranges(accept: &str) -> Vec<String> {
    let mut ranges: Vec<(f32, usize, String)> = Vec::new();
    for (i, part) in accept.split(',').enumerate() {
        let mut pieces = part.split(';');
        let range = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        if range.is_empty() {
            continue;
        }
        let mut q = 1.0f32;
        for p in pieces {
            if let Some(v) = p.trim().strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        if q > 0.0 {
            ranges.push((q, i, range));
        }
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().map(|(_, _, r)| r).collect()
}

/// Picks the first acceptable format: `lookup` maps an exact media type, wildcards get `default`.
fn negotiate<F: Copy>(
    accept: &str,
    default: F,
    offered: &str,
    lookup: impl Fn(&str) -> Option<F>,
) -> Result<F, HttpError> {
    let ranges = media_ranges(accept);
    if ranges.is_empty() {
        return Ok(default);
    }
    for r in &ranges {
        if r == "*/*" || r == "application/*" || r == "text/*" {
            return Ok(default);
        }
        if let Some(f) = lookup(r) {
            return Ok(f);
        }
    }
    Err(err(
        StatusCode::NOT_ACCEPTABLE,
        format!("no acceptable format in Accept: {accept} (offered: {offered})"),
    ))
}

fn negotiate_results(accept: &str) -> Result<QueryResultsFormat, HttpError> {
    negotiate(
        accept,
        QueryResultsFormat::Json,
        "application/sparql-results+json, application/sparql-results+xml, text/csv, text/tab-separated-values",
        |r| match r {
            "application/sparql-results+json" | "application/json" => {
                Some(QueryResultsFormat::Json)
            }
            "application/sparql-results+xml" | "application/xml" | "text/xml" => {
                Some(QueryResultsFormat::Xml)
            }
            "text/csv" => Some(QueryResultsFormat::Csv),
            "text/tab-separated-values" => Some(QueryResultsFormat::Tsv),
            _ => None,
        },
    )
}

fn negotiate_graph(accept: &str) -> Result<RdfFormat, HttpError> {
    negotiate(
        accept,
        RdfFormat::Turtle,
        "text/turtle, application/n-triples, application/ld+json, application/rdf+xml",
        |r| match r {
            // Plain JSON asked of a graph means JSON-LD.
            "application/json" => RdfFormat::from_media_type("application/ld+json"),
            "text/plain" => Some(RdfFormat::NTriples),
            _ => RdfFormat::from_media_type(r).filter(|f| *f != RdfFormat::N3),
        },
    )
}

fn negotiate_dataset(accept: &str) -> Result<RdfFormat, HttpError> {
    negotiate(
        accept,
        RdfFormat::NQuads,
        "application/n-quads, application/trig, application/ld+json",
        |r| RdfFormat::from_media_type(r).filter(|f| f.supports_datasets() && *f != RdfFormat::N3),
    )
}

/// The query page: a text area, a format choice, and the results as a table (or as text).
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>newsgraph SPARQL</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;max-width:70em}
textarea{width:100%;height:14em;font-family:monospace;font-size:0.9em}
table{border-collapse:collapse;margin-top:1em;font-size:0.85em}
td,th{border:1px solid #ccc;padding:0.2em 0.5em;text-align:left;vertical-align:top}
pre{background:#f6f6f6;padding:0.5em;overflow:auto}
.err{color:#a00}
</style></head><body>
<h1>newsgraph SPARQL endpoint</h1>
<p>SPARQL 1.1 at <code>/query</code>. The default graph is the union of all articles; the
prefixes ng:, schema:, org:, sem:, prov:, nif:, rdfs:, owl:, xsd: and wd: are predeclared.</p>
<form id="f">
<textarea id="q" spellcheck="false">SELECT ?aName ?bName ?article WHERE {
  GRAPH ?g { ?a ng:met ?b . ?a schema:name ?aName . ?b schema:name ?bName .
             ?g schema:identifier ?article }
  FILTER(STR(?a) < STR(?b))
} ORDER BY ?aName LIMIT 100</textarea>
<p><button type="submit">Run</button>
<select id="fmt">
<option value="application/sparql-results+json">table</option>
<option value="text/csv">CSV</option>
<option value="text/tab-separated-values">TSV</option>
<option value="application/sparql-results+xml">XML</option>
<option value="text/turtle">Turtle (CONSTRUCT)</option>
<option value="application/ld+json">JSON-LD (CONSTRUCT)</option>
</select> <span id="status"></span></p>
</form>
<div id="out"></div>
<script>
const f = document.getElementById('f'), out = document.getElementById('out'),
      st = document.getElementById('status');
f.addEventListener('submit', async ev => {
  ev.preventDefault();
  const accept = document.getElementById('fmt').value;
  out.textContent = ''; st.textContent = 'running...';
  const t0 = performance.now();
  try {
    const r = await fetch('query', {method: 'POST', headers: {'Accept': accept,
      'Content-Type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({query: document.getElementById('q').value})});
    const text = await r.text();
    st.textContent = r.status + ' in ' + Math.round(performance.now() - t0) + ' ms';
    if (!r.ok) { const p = document.createElement('pre'); p.className = 'err';
      p.textContent = text; out.appendChild(p); return; }
    const ct = r.headers.get('Content-Type') || '';
    if (ct.startsWith('application/sparql-results+json')) { render(JSON.parse(text)); return; }
    const p = document.createElement('pre'); p.textContent = text; out.appendChild(p);
  } catch (e) { st.textContent = 'failed: ' + e; }
});
function render(j) {
  if (j.boolean !== undefined) { out.textContent = String(j.boolean); return; }
  const vars = j.head.vars, t = document.createElement('table'), h = t.insertRow();
  for (const v of vars) { const th = document.createElement('th'); th.textContent = '?' + v; h.appendChild(th); }
  for (const b of j.results.bindings) { const r = t.insertRow();
    for (const v of vars) { r.insertCell().textContent = b[v] ? b[v].value : ''; } }
  out.appendChild(t);
  const n = document.createElement('p'); n.textContent = j.results.bindings.length + ' rows'; out.appendChild(n);
}
</script></body></html>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, Quad};

    fn endpoint(writable: bool) -> Endpoint {
        let store = Store::new().expect("memory store");
        let g = NamedNode::new_unchecked("https://example.org/g1");
        let s = NamedNode::new_unchecked("https://example.org/s");
        let p = NamedNode::new_unchecked("https://schema.org/name");
        for i in 0..5 {
            store
                .insert(&Quad::new(
                    s.clone(),
                    p.clone(),
                    Literal::new_simple_literal(format!("name {i}")),
                    g.clone(),
                ))
                .expect("insert");
        }
        Endpoint::new(
            store,
            Config {
                writable,
                max_results: 3,
                max_request_bytes: 1000,
                ..Config::default()
            },
        )
    }

    fn request(method: Method, uri: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
        let mut b = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::from(body.to_string())).expect("request")
    }

    fn send(e: &Endpoint, mut req: Request<Body>) -> (StatusCode, String, String) {
        let resp = e.handle(&mut req);
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let status = resp.status();
        (status, ct, resp.into_body().to_string().expect("body"))
    }

    fn get_query(q: &str) -> String {
        let enc: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        format!("http://localhost/query?query={enc}")
    }

    #[test]
    fn select_is_negotiated_and_union_default_graph_applies() {
        let e = endpoint(false);
        let q = get_query("SELECT ?n WHERE { ?s schema:name ?n } ORDER BY ?n LIMIT 2");
        let (s, ct, body) = send(&e, request(Method::GET, &q, &[("Accept", "text/csv")], ""));
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(ct.starts_with("text/csv"));
        assert_eq!(body.replace("\r\n", "\n"), "n\nname 0\nname 1\n");
        let (s, ct, body) = send(
            &e,
            request(
                Method::GET,
                &q,
                &[("Accept", "text/html;q=0.9, application/sparql-results+xml")],
                "",
            ),
        );
        assert_eq!(s, StatusCode::OK);
        assert!(ct.starts_with("application/sparql-results+xml"), "{ct}");
        assert!(body.contains("<literal>name 0</literal>"));
        let (s, _, _) = send(&e, request(Method::GET, &q, &[("Accept", "image/png")], ""));
        assert_eq!(s, StatusCode::NOT_ACCEPTABLE);
    }

    #[test]
    fn result_limit_gives_an_error_not_a_truncated_answer() {
        let e = endpoint(false);
        let q = get_query("SELECT ?n WHERE { ?s schema:name ?n }");
        let (s, _, body) = send(&e, request(Method::GET, &q, &[], ""));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("more than 3 solutions"));
    }

    #[test]
    fn writes_need_the_write_flag_and_the_same_origin() {
        let ro = endpoint(false);
        let upd = request(
            Method::POST,
            "http://localhost/update",
            &[("Content-Type", "application/sparql-update")],
            "CLEAR ALL",
        );
        let (s, _, body) = send(&ro, upd);
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(body.contains("read-only"));
        assert_eq!(ro.store.len().expect("len"), 5);

        let rw = endpoint(true);
        let cross = request(
            Method::POST,
            "http://localhost:7878/update",
            &[
                ("Content-Type", "application/sparql-update"),
                ("Host", "localhost:7878"),
                ("Origin", "https://evil.example"),
            ],
            "CLEAR ALL",
        );
        assert_eq!(send(&rw, cross).0, StatusCode::FORBIDDEN);
        let put = request(
            Method::PUT,
            "http://localhost/store?graph=https%3A%2F%2Fexample.org%2Fg1",
            &[("Content-Type", "application/n-triples")],
            "<https://example.org/a> <https://example.org/p> \"x\" .\n",
        );
        assert_eq!(send(&rw, put).0, StatusCode::NO_CONTENT);
        assert_eq!(rw.store.len().expect("len"), 1, "PUT replaces the graph");
    }

    #[test]
    fn a_loopback_server_answers_only_to_loopback_host_names() {
        let e = endpoint(false);
        let q = get_query("ASK { ?s ?p ?o }");
        for (host, status) in [
            ("localhost:7878", StatusCode::OK),
            ("127.0.0.1:7878", StatusCode::OK),
            ("[::1]:7878", StatusCode::OK),
            ("attacker.example:7878", StatusCode::FORBIDDEN),
        ] {
            let r = request(Method::GET, &q, &[("Host", host)], "");
            assert_eq!(send(&e, r).0, status, "{host}");
        }
    }

    #[test]
    fn oversized_bodies_are_refused() {
        let e = endpoint(false);
        let big = format!("SELECT * WHERE {{ ?s ?p ?o }} # {}", "x".repeat(2000));
        let r = request(
            Method::POST,
            "http://localhost/query",
            &[("Content-Type", "application/sparql-query")],
            &big,
        );
        assert_eq!(send(&e, r).0, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn the_default_configuration_is_loopback_and_read_only() {
        let c = Config::default();
        assert!(c.bind.ip().is_loopback());
        assert!(!c.writable);
        assert!(c.timeout > Duration::ZERO && c.max_results > 0 && c.max_request_bytes > 0);
    }

    #[test]
    fn accept_ranges_are_ordered_by_quality() {
        assert_eq!(
            media_ranges("text/csv;q=0.5, application/json, */*;q=0.1, image/png;q=0"),
            vec!["application/json", "text/csv", "*/*"]
        );
    }
}
