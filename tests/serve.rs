//! Integration tests for `serve`, `extract -o` and `push`: the SPARQL endpoint queried by real
//! clients (Python SPARQLWrapper and rdflib, and ureq), its guards (read-only, time-out,
//! result and request limits, CORS, the store lock), shard extraction against a single build,
//! and pushing to a second real server (Oxigraph's own `oxigraph serve`).
//!
//! Tests that need outside tools (python3 with SPARQLWrapper and rdflib; the `oxigraph`
//! binary from the oxigraph-cli crate) skip with a message when those are missing, except
//! under CI=true, where a missing tool fails the test (`.ci/run` installs them).

use assert_cmd::Command;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Quad;
use std::collections::HashSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    Command::cargo_bin("newsgraph").expect("binary built")
}

fn bin_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("newsgraph")
}

/// True when running in CI, where missing tools are failures rather than skips.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Skips (returns false) or, in CI, fails when a tool is missing.
fn tool_available(available: bool, what: &str) -> bool {
    if !available {
        assert!(!in_ci(), "{what} is missing; .ci/run should install it");
        eprintln!("SKIPPED: {what} is missing (.ci/run installs it)");
    }
    available
}

fn build_store(dir: &Path, inputs: &[PathBuf]) -> PathBuf {
    let store = dir.join("db");
    bin()
        .args(["build", "-q", "--store"])
        .arg(&store)
        .args(inputs)
        .assert()
        .success();
    store
}

fn samples() -> Vec<PathBuf> {
    vec![root().join("samples")]
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A server child process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_ready(child: &mut Child, addr: SocketAddr, what: &str) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not start listening on {addr}");
}

/// Starts `newsgraph serve` on a free loopback port with extra arguments.
fn serve(store: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut child = std::process::Command::new(bin_path())
        .args(["serve", "--store"])
        .arg(store)
        .args(["--bind", &addr.to_string()])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    wait_ready(&mut child, addr, "newsgraph serve");
    Server {
        child,
        base: format!("http://{addr}"),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// GET /query with an Accept header: status, content type, body.
fn get_query(base: &str, query: &str, accept: &str) -> (u16, String, String) {
    let mut resp = agent()
        .get(format!("{base}/query"))
        .query("query", query)
        .header("Accept", accept)
        .call()
        .expect("request");
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let status = resp.status().as_u16();
    (
        status,
        ct,
        resp.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn parse_nquads(text: &str) -> HashSet<Quad> {
    RdfParser::from_format(RdfFormat::NQuads)
        .for_slice(text.as_bytes())
        .collect::<Result<HashSet<_>, _>>()
        .expect("valid N-Quads")
}

fn export_nquads(store: &Path) -> HashSet<Quad> {
    let out = bin()
        .args(["export", "--format", "nquads", "--store"])
        .arg(store)
        .output()
        .expect("export runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_nquads(&String::from_utf8_lossy(&out.stdout))
}

const PAIRS: &str = "PREFIX ng: <https://w3id.org/newsgraph/ns#>
PREFIX schema: <https://schema.org/>
SELECT ?aName ?bName ?article WHERE {
  GRAPH ?g { ?a ng:met ?b . ?a schema:name ?aName . ?b schema:name ?bName .
             ?g schema:identifier ?article }
  FILTER(STR(?a) < STR(?b))
}";

fn python_clients_available() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import SPARQLWrapper, rdflib"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn python_sparql_clients_query_the_endpoint() {
    if !tool_available(
        python_clients_available(),
        "python3 with SPARQLWrapper and rdflib",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = build_store(dir.path(), &samples());
    // What the command line answers, before the server takes the store.
    let out = bin()
        .args(["query", "--format", "json", "--store"])
        .arg(&store)
        .args(["-e", PAIRS])
        .output()
        .expect("query runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON results");
    let vars: Vec<String> = v["head"]["vars"]
        .as_array()
        .expect("vars")
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_string())
        .collect();
    let rows: Vec<Vec<String>> = v["results"]["bindings"]
        .as_array()
        .expect("bindings")
        .iter()
        .map(|b| {
            vars.iter()
                .map(|k| b[k]["value"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .collect();
    assert!(rows.len() >= 10, "the samples give pairs: {}", rows.len());
    let expected = dir.path().join("expected.json");
    std::fs::write(
        &expected,
        serde_json::json!({ "query": PAIRS, "rows": rows }).to_string(),
    )
    .unwrap();

    let server = serve(&store, &["--timeout", "2"]);
    let out = std::process::Command::new("python3")
        .arg(root().join("tests/clients/sparql_clients.py"))
        .arg(&server.base)
        .arg(&expected)
        .arg("2")
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "client checks failed:\n{stdout}");
    assert!(stdout.contains("all client checks passed"));
}

#[test]
fn endpoint_negotiates_formats_and_enforces_its_limits() {
    let dir = tempfile::tempdir().unwrap();
    let store = build_store(dir.path(), &samples());
    let server = serve(
        &store,
        &[
            "--max-results",
            "50",
            "--max-request-bytes",
            "4096",
            "--timeout",
            "1",
        ],
    );
    let b = &server.base;
    let q = "SELECT ?n WHERE { ?p a schema:Person ; schema:name ?n } ORDER BY ?n LIMIT 5";

    let (s, ct, json) = get_query(b, q, "application/sparql-results+json");
    assert_eq!(s, 200);
    assert!(ct.starts_with("application/sparql-results+json"));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let first = v["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .expect("a name")
        .to_string();
    let (s, ct, xml) = get_query(b, q, "application/sparql-results+xml");
    assert_eq!(s, 200);
    assert!(ct.starts_with("application/sparql-results+xml"));
    assert!(xml.contains(&format!("<literal>{first}</literal>")));
    let (s, ct, tsv) = get_query(b, q, "text/tab-separated-values");
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/tab-separated-values"));
    assert_eq!(tsv.lines().count(), 6, "{tsv}");

    let c = "CONSTRUCT { ?p schema:name ?n } WHERE { ?p a schema:Person ; schema:name ?n } LIMIT 5";
    let (s, ct, ttl) = get_query(b, c, "text/turtle");
    assert_eq!((s, ct.starts_with("text/turtle")), (200, true), "{ttl}");
    let (s, _, nt) = get_query(b, c, "application/n-triples");
    assert_eq!(s, 200);
    assert_eq!(nt.lines().count(), 5);
    let (s, ct, jsonld) = get_query(b, c, "application/ld+json");
    assert_eq!((s, ct.starts_with("application/ld+json")), (200, true));
    assert!(serde_json::from_str::<serde_json::Value>(&jsonld).is_ok());

    // Not offered, too many results, bad query, too large a request.
    assert_eq!(get_query(b, q, "image/png").0, 406);
    let (s, _, msg) = get_query(b, "SELECT * WHERE { ?s ?p ?o }", "text/csv");
    assert_eq!(s, 422, "{msg}");
    assert!(msg.contains("more than 50"));
    assert_eq!(get_query(b, "SELECT WHERE {", "text/csv").0, 400);
    let big = format!(
        "SELECT * WHERE {{ ?s ?p ?o }} LIMIT 1 #{}",
        "x".repeat(5000)
    );
    let resp = agent()
        .post(format!("{b}/query"))
        .header("Content-Type", "application/sparql-query")
        .send(big.as_bytes())
        .expect("request");
    assert_eq!(resp.status().as_u16(), 413);

    // CORS: preflight and the header on answers.
    let resp = agent()
        .options(format!("{b}/query"))
        .header("Origin", "https://notebook.example")
        .header("Access-Control-Request-Method", "POST")
        .call()
        .expect("preflight");
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(header(&resp, "access-control-allow-origin"), "*");
    assert!(header(&resp, "access-control-allow-headers").contains("Content-Type"));

    // Read-only: no updates, no Graph Store.
    let resp = agent()
        .post(format!("{b}/update"))
        .header("Content-Type", "application/sparql-update")
        .send("CLEAR ALL".as_bytes())
        .expect("request");
    assert_eq!(resp.status().as_u16(), 403);
    let resp = agent().get(format!("{b}/store")).call().expect("request");
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(
        get_query(b, "ASK { ?p a schema:Person }", "text/csv").0,
        200
    );

    // The query page.
    let mut resp = agent().get(format!("{b}/")).call().expect("page");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.body_mut()
            .read_to_string()
            .unwrap()
            .contains("<textarea")
    );
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[test]
fn build_fails_fast_while_the_server_owns_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = build_store(
        dir.path(),
        &[root().join("samples/01-vienna-bilateral.txt")],
    );
    let before = export_nquads(&store);
    let server = serve(&store, &[]);
    let started = Instant::now();
    let out = bin()
        .args(["build", "--store"])
        .arg(&store)
        .arg(root().join("samples"))
        .output()
        .expect("build runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "fails fast: {:?}",
        started.elapsed()
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newsgraph serve"), "{err}");
    assert!(err.contains("in use by another newsgraph process"), "{err}");
    // The server still answers, and serving the other way round fails the same way.
    let (s, _, _) = get_query(&server.base, "ASK { ?s ?p ?o }", "text/csv");
    assert_eq!(s, 200);
    let out = bin()
        .args(["serve", "--bind", "127.0.0.1:0", "--store"])
        .arg(&store)
        .timeout(Duration::from_secs(20))
        .output()
        .expect("second serve runs");
    assert_eq!(out.status.code(), Some(2));
    drop(server);
    assert_eq!(export_nquads(&store), before, "the store is unchanged");
}

/// Splits the sample and fixture files into `n` shards (round robin over the sorted list).
fn shards(n: usize) -> Vec<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = ["samples", "tests/fixtures"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).expect("dir"))
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("txt" | "jsonl" | "html" | "warc")
            )
        })
        .filter(|p| !p.ends_with("malformed.jsonl"))
        .collect();
    files.sort();
    let mut out = vec![Vec::new(); n];
    for (i, f) in files.into_iter().enumerate() {
        out[i % n].push(f);
    }
    out
}

#[test]
fn shard_extracts_concatenated_equal_a_single_build() {
    let dir = tempfile::tempdir().unwrap();
    let parts = shards(3);
    let all: Vec<PathBuf> = parts.iter().flatten().cloned().collect();
    let store = build_store(dir.path(), &all);
    let built = export_nquads(&store);

    let mut concatenated = String::new();
    for (i, part) in parts.iter().enumerate() {
        let out = dir.path().join(format!("shard-{i}.nq"));
        bin()
            .args(["extract", "-q", "-o"])
            .arg(&out)
            .args(part)
            .assert()
            .success();
        assert!(!dir.path().join(format!("shard-{i}.nq.tmp")).exists());
        concatenated.push_str(&std::fs::read_to_string(&out).unwrap());
    }
    let extracted = parse_nquads(&concatenated);
    // The reasoner's graphs (fusion across articles, inferences) are derived from the
    // article graphs by `newsgraph reason` after loading; extraction is per article.
    let built: HashSet<Quad> = built
        .into_iter()
        .filter(|q| {
            !q.graph_name
                .to_string()
                .starts_with("<https://w3id.org/newsgraph/graph/")
        })
        .collect();
    assert!(built.len() > 5000, "{} quads", built.len());
    assert_eq!(extracted.len(), built.len());
    assert!(extracted == built, "shard extraction differs from build");
    // No duplicated lines either: each article's graph comes from exactly one shard.
    assert_eq!(concatenated.lines().count(), built.len());

    // Deterministic output: the same shard gives the same bytes again (here with its paths
    // given on standard input, as a batch job would).
    let list: String = parts[0]
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    let again = bin()
        .args(["extract", "-q", "--inputs-from", "-", "-o", "-"])
        .write_stdin(list)
        .output()
        .expect("extract runs");
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        std::fs::read_to_string(dir.path().join("shard-0.nq")).unwrap()
    );
}

/// Pushes `source` (a store) to `gsp` and checks that `read_back` returns the same quads, also
/// after pushing a second time (PUT replaces, so nothing is doubled).
fn push_and_compare(store: &Path, gsp: &str, read_back: &dyn Fn() -> HashSet<Quad>) {
    let local = export_nquads(store);
    for round in 0..2 {
        let out = bin()
            .args(["push", "--endpoint", gsp, "--store"])
            .arg(store)
            .output()
            .expect("push runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "push failed: {err}");
        assert!(err.contains("0 failed"), "{err}");
        eprintln!("round {round}: {}", err.lines().last().unwrap_or(""));
        let remote = read_back();
        assert_eq!(remote.len(), local.len(), "round {round}");
        assert!(remote == local, "round {round}: the pushed dataset differs");
    }
}

fn dataset_of(base_store_url: &str) -> HashSet<Quad> {
    let mut resp = agent()
        .get(base_store_url)
        .header("Accept", "application/n-quads")
        .call()
        .expect("GET dataset");
    assert_eq!(resp.status().as_u16(), 200);
    parse_nquads(&resp.body_mut().read_to_string().expect("body"))
}

#[test]
fn push_to_a_writable_newsgraph_server() {
    let dir = tempfile::tempdir().unwrap();
    let store = build_store(dir.path(), &samples());
    let target = dir.path().join("target-db");
    let server = serve(&target, &["--write"]);
    let gsp = format!("{}/store", server.base);
    push_and_compare(&store, &gsp, &|| dataset_of(&gsp));

    // Pushing extract output (N-Quads files) works the same way, and updates are accepted.
    let nq = dir.path().join("one.nq");
    bin()
        .args(["extract", "-q", "-o"])
        .arg(&nq)
        .arg(root().join("tests/fixtures/phone-call.txt"))
        .assert()
        .success();
    bin()
        .args(["push", "-q", "--endpoint", &gsp])
        .arg(&nq)
        .assert()
        .success();
    let resp = agent()
        .post(format!("{}/update", server.base))
        .header("Content-Type", "application/sparql-update")
        .send("INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> \"o\" } }".as_bytes())
        .expect("update");
    assert_eq!(resp.status().as_u16(), 204);
    let (s, _, body) = get_query(
        &server.base,
        "ASK { <urn:x:s> <urn:x:p> \"o\" }",
        "text/csv",
    );
    assert_eq!((s, body.trim()), (200, "true"));
}

#[test]
fn push_reports_failures_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let store = build_store(
        dir.path(),
        &[root().join("samples/01-vienna-bilateral.txt")],
    );
    let port = free_port();
    let out = bin()
        .args(["push", "--retries", "1", "--endpoint"])
        .arg(format!("http://127.0.0.1:{port}/store"))
        .arg("--store")
        .arg(&store)
        .output()
        .expect("push runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0 graphs pushed"), "{err}");
    // The article's graph and the reasoner's two graphs (ontology, inferred).
    assert!(err.contains("3 failed"), "{err}");
    assert!(err.contains("after 2 attempts"), "{err}");
}

fn oxigraph_binary() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("oxigraph"))
                .collect()
        })
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cargo/bin/oxigraph"));
    }
    candidates.into_iter().find(|p| p.is_file())
}

#[test]
fn push_to_a_second_real_server_oxigraph() {
    let oxigraph = oxigraph_binary();
    if !tool_available(
        oxigraph.is_some(),
        "the oxigraph server (cargo install oxigraph-cli)",
    ) {
        return;
    }
    let oxigraph = oxigraph.expect("checked");
    let dir = tempfile::tempdir().unwrap();
    let store = build_store(dir.path(), &samples());
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut child = std::process::Command::new(oxigraph)
        .args(["serve", "--location"])
        .arg(dir.path().join("oxigraph-db"))
        .args(["--bind", &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("oxigraph starts");
    wait_ready(&mut child, addr, "oxigraph serve");
    let server = Server {
        child,
        base: format!("http://{addr}"),
    };
    let gsp = format!("{}/store", server.base);
    push_and_compare(&store, &gsp, &|| dataset_of(&gsp));
}
