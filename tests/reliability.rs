//! Reliability of the on-disk store under `newsgraph build`: killed builds (SIGKILL at seeded
//! random points) leave every article graph whole or absent and a rerun completes the store;
//! a second build on a store in use fails fast without harming the first; rebuilding the same
//! input changes nothing; building A then B equals building A and B together.
//!
//! `build` ends with the reasoning stage, which rebuilds two system graphs (the reasoner's
//! inferred graph and the vocabulary) from the article graphs. Those are derived data: a kill
//! during reasoning may leave them part-written, so after a kill only article graphs are held
//! to "whole or absent"; every completed build (clean, rerun, A then B) must match the clean
//! build in all graphs, system graphs included.
//!
//! The input is a synthetic corpus generated here (seeded, so every run sees the same
//! articles); the store is read back in-process through the library.

use assert_cmd::Command;
use newsgraph::reason::{INFERRED_GRAPH, ONTOLOGY_GRAPH};
use newsgraph::store::GraphStore;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Articles in the generated corpus: enough that a build takes a few seconds.
const ARTICLES: usize = 1500;
/// Files the corpus is split into (several files, so a build crosses file boundaries too).
const FILES: usize = 3;
/// Kill points per run of the crash test; `NEWSGRAPH_CRASH_KILLS` raises it for long runs
/// outside CI.
fn kill_count() -> usize {
    std::env::var("NEWSGRAPH_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

fn bin() -> Command {
    Command::cargo_bin("newsgraph").expect("binary built")
}

fn bin_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("newsgraph")
}

/// A small deterministic generator (xorshift64*), so kill points and articles are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const GIVEN: &[&str] = &[
    "Anna", "Jonas", "Mira", "Tomas", "Elin", "Pavel", "Lena", "Ruben", "Ines", "Oskar", "Nadia",
    "Felix", "Carla", "Viktor", "Hana", "Emil",
];
const FAMILY: &[&str] = &[
    "Brandt",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Novak",
    "Ferreira",
    "Halloran",
    "Kovacs",
    "Duarte",
    "Petrescu",
    "Albers",
    "Mwangi",
    "Sorensen",
    "Quiroga",
    "Haddad",
];
const TITLES: &[&str] = &[
    "Foreign Minister",
    "Prime Minister",
    "President",
    "Defence Minister",
    "Trade Minister",
    "Ambassador",
];
const CITIES: &[&str] = &[
    "Geneva", "Vienna", "Oslo", "Lisbon", "Nairobi", "Hanoi", "Lima", "Ottawa", "Warsaw", "Athens",
];
const MONTHS: &[&str] = &["Jan.", "March", "April", "June", "Sept.", "Nov."];
const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
const TOPICS: &[&str] = &[
    "grain exports",
    "a border dispute",
    "energy prices",
    "fishing rights",
    "a prisoner exchange",
    "climate finance",
];

/// One synthetic news article: a dateline, a meeting (held, planned or cancelled), a quote,
/// and filler sentences, about 8 sentences in all.
fn article(rng: &mut Rng) -> String {
    let person = |rng: &mut Rng| format!("{} {}", rng.pick(GIVEN), rng.pick(FAMILY));
    let (a, b) = (person(rng), person(rng));
    let (ta, tb) = (rng.pick(TITLES), rng.pick(TITLES));
    let city = rng.pick(CITIES);
    let day = rng.pick(DAYS);
    let topic = rng.pick(TOPICS);
    let b_surname = b.rsplit(' ').next().unwrap_or("");
    let a_surname = a.rsplit(' ').next().unwrap_or("");
    let meeting = match rng.below(3) {
        0 => format!("{ta} {a} met {tb} {b} in {city} on {day} to discuss {topic}."),
        1 => format!("{ta} {a} will meet {tb} {b} in {city} next week to discuss {topic}."),
        _ => format!(
            "A meeting between {ta} {a} and {tb} {b} planned for {day} in {city} was cancelled."
        ),
    };
    format!(
        "{}, {} {} - {meeting} \"We made progress on {topic},\" {a_surname} told reporters. \
         {b_surname} said further talks would follow. Officials from both sides attended. \
         The ministry said a joint statement was being prepared.\n\n\
         Analysts said the talks were the first of their kind this year. {a_surname} had \
         visited {} in {}. Reporting by {} {}.",
        city.to_uppercase(),
        rng.pick(MONTHS),
        1 + rng.below(28),
        rng.pick(CITIES),
        rng.pick(MONTHS),
        rng.pick(GIVEN),
        rng.pick(FAMILY),
    )
}

/// Writes the corpus as `FILES` JSONL files in `dir`; returns their paths.
fn write_corpus(dir: &Path, seed: u64) -> Vec<PathBuf> {
    let mut rng = Rng(seed);
    let mut paths = Vec::new();
    for f in 0..FILES {
        let path = dir.join(format!("part-{f}.jsonl"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..ARTICLES / FILES {
            let line = serde_json::json!({
                "id": format!("gen-{f}-{i}"),
                "title": format!("Talks {f}-{i}"),
                "published": format!("2024-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                "text": article(&mut rng),
            });
            writeln!(out, "{line}").unwrap();
        }
        out.flush().unwrap();
        paths.push(path);
    }
    paths
}

/// Every quad of the store as N-Quads lines, grouped by named graph.
fn graphs(store: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let s = GraphStore::open(store).expect("the store opens");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for q in s.inner().iter() {
        let q = q.expect("the store reads back");
        out.entry(q.graph_name.to_string())
            .or_default()
            .insert(q.to_string());
    }
    out
}

/// Whether a graph name (as N-Triples, `<iri>`) is one of the reasoner's system graphs.
fn is_system(g: &str) -> bool {
    let iri = g.trim_start_matches('<').trim_end_matches('>');
    iri == INFERRED_GRAPH || iri == ONTOLOGY_GRAPH
}

/// The article graphs of a store's graphs (the system graphs left out).
fn articles_only(
    graphs: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<&String, &BTreeSet<String>> {
    graphs.iter().filter(|(g, _)| !is_system(g)).collect()
}

/// Temporary files of a bulk load (`bulk-*.sst`) in a store directory.
fn stale_bulk_files(store: &Path) -> Vec<String> {
    std::fs::read_dir(store)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("bulk-") && n.ends_with(".sst"))
                .collect()
        })
        .unwrap_or_default()
}

fn build_ok(store: &Path, inputs: &[PathBuf]) {
    bin()
        .args(["build", "--quiet", "--store"])
        .arg(store)
        .args(inputs)
        .assert()
        .success();
}

/// The generated corpus and a clean build of it, made once and shared by the tests.
struct Reference {
    _dir: tempfile::TempDir,
    inputs: Vec<PathBuf>,
    /// Wall time of the clean build, reasoning included.
    took: Duration,
    /// Wall time of the same build with `--no-reason` (loading only).
    load_took: Duration,
    graphs: BTreeMap<String, BTreeSet<String>>,
}

fn reference() -> &'static Reference {
    static REF: OnceLock<Reference> = OnceLock::new();
    REF.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let inputs = write_corpus(dir.path(), 0x5EED_0001);
        let store = dir.path().join("clean");
        let t = Instant::now();
        build_ok(&store, &inputs);
        let took = t.elapsed();
        let graphs = graphs(&store);
        assert_eq!(
            articles_only(&graphs).len(),
            ARTICLES,
            "every generated article is stored"
        );
        assert!(
            graphs.keys().filter(|g| is_system(g)).count() == 2,
            "the reasoning stage wrote its inferred and ontology graphs"
        );
        // Loading alone: the reasoner never writes article graphs, so they are the same.
        let loaded = dir.path().join("clean-no-reason");
        let t = Instant::now();
        bin()
            .args(["build", "--quiet", "--no-reason", "--store"])
            .arg(&loaded)
            .args(&inputs)
            .assert()
            .success();
        let load_took = t.elapsed();
        let loaded = self::graphs(&loaded);
        assert!(
            loaded.keys().all(|g| !is_system(g)),
            "--no-reason writes no reasoner graphs"
        );
        assert!(
            articles_only(&loaded) == articles_only(&graphs),
            "reasoning leaves article graphs untouched"
        );
        Reference {
            _dir: dir,
            inputs,
            took,
            load_took,
            graphs,
        }
    })
}

/// SIGKILL `newsgraph build` at seeded random points (8, or `NEWSGRAPH_CRASH_KILLS`); after
/// every kill the store opens and holds only whole article graphs (each equal to the clean
/// build's graph for that article); a final uninterrupted run completes the store to exactly
/// the clean build's quads, reasoner graphs included. Kills on the reused store land anywhere
/// in a full build (mostly in reasoning, the longer stage); kills on fresh stores land in a
/// `--no-reason` build, so they hit loading.
#[test]
fn killed_builds_leave_whole_graphs_and_a_rerun_completes_the_store() {
    let r = reference();
    let (inputs, clean) = (&r.inputs, &r.graphs);
    let dir = tempfile::tempdir().unwrap();
    let full_window = r.took.as_millis().max(200) as u64;
    let load_window = r.load_took.as_millis().max(200) as u64;
    let kill_points = kill_count();
    let mut rng = Rng(0xC0FF_EE11);
    let mut kills = 0;
    let mut partial_states = 0;
    let mut stale_files = 0;
    // Two stores: one killed over and over (later builds replace graphs in place), and a new
    // store for every kill (builds that are killed while loading fresh graphs).
    let reused = dir.path().join("reused");
    for k in 0..kill_points {
        let (store, window, flags): (_, _, &[&str]) = if k % 2 == 0 {
            (reused.clone(), full_window, &[])
        } else {
            (
                dir.path().join(format!("fresh-{k}")),
                load_window,
                &["--no-reason"],
            )
        };
        let delay = Duration::from_millis(rng.next() % window);
        let mut child = std::process::Command::new(bin_path())
            .args(["build", "--quiet"])
            .args(flags)
            .arg("--store")
            .arg(&store)
            .args(inputs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("build starts");
        std::thread::sleep(delay);
        let killed = child.try_wait().expect("child status").is_none();
        if killed {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let status = child.wait().expect("child ends");
        if !killed {
            assert!(status.success(), "an unkilled build must succeed");
        }
        stale_files += stale_bulk_files(&store).len();
        let all = graphs(&store);
        let got = articles_only(&all);
        for (g, quads) in &got {
            let want = clean
                .get(g.as_str())
                .unwrap_or_else(|| panic!("kill {k}: graph {g} is not in the clean build"));
            assert!(
                *quads == want,
                "kill {k} after {delay:?}: graph {g} is partial ({} of {} quads)",
                quads.len(),
                want.len()
            );
        }
        if !got.is_empty() && got.len() < ARTICLES {
            partial_states += 1;
        }
    }
    eprintln!(
        "crash test: {kills} kills over a {full_window} ms build ({load_window} ms without reasoning), {partial_states} left a partly built store, {stale_files} stale bulk-load files found"
    );
    assert!(
        kills >= kill_points / 2,
        "most kill points must land during a build"
    );
    // Rerunning completes a store killed while loading fresh graphs (the last such one; the
    // others were checked for whole graphs above) and the store killed over and over.
    if let Some(k) = (0..kill_points).rev().find(|k| k % 2 == 1) {
        let store = dir.path().join(format!("fresh-{k}"));
        build_ok(&store, inputs);
        assert!(graphs(&store) == *clean, "rerun after kill {k} completes");
    }
    build_ok(&reused, inputs);
    assert!(
        graphs(&reused) == *clean,
        "rerun completes the reused store"
    );
    // Killed bulk loads leave their temporary files behind; opening the store removes them.
    for store in std::fs::read_dir(dir.path()).unwrap() {
        let store = store.unwrap().path();
        let stale = stale_bulk_files(&store);
        assert!(stale.is_empty(), "{}: {stale:?}", store.display());
    }
}

/// While one build holds the store, a second fails at once with exit code 2 and a message
/// naming the store and the lock; the first completes and its store is the clean one.
#[test]
fn a_second_build_on_a_store_in_use_fails_fast_and_the_first_completes() {
    let r = reference();
    let (inputs, clean) = (&r.inputs, &r.graphs);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("shared");
    let mut first = std::process::Command::new(bin_path())
        .args(["build", "--quiet", "--store"])
        .arg(&store)
        .args(inputs)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("first build starts");
    // Wait until the first build has created (and so locked) the store.
    let t = Instant::now();
    while !store.join("CURRENT").exists() && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    let second = bin()
        .args(["build", "--quiet", "--store"])
        .arg(&store)
        .args(inputs)
        .output()
        .unwrap();
    let second_took = t.elapsed();
    let first_still_running = first.try_wait().unwrap().is_none();
    assert!(
        first_still_running,
        "the first build ended before the second started; the test proves nothing"
    );
    assert_eq!(second.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&second.stderr);
    assert!(
        msg.contains("in use by another newsgraph process") && msg.contains("shared"),
        "{msg}"
    );
    assert!(
        second_took < Duration::from_secs(5),
        "the second build must fail fast, took {second_took:?}"
    );
    let out = first.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(graphs(&store) == *clean, "the first build's store is whole");
}

/// build(A) then build(B) gives the store build(A+B) gives, and building A+B again over it
/// changes nothing.
#[test]
fn rebuilding_is_idempotent_and_builds_compose() {
    let r = reference();
    let (inputs, clean) = (&r.inputs, &r.graphs);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    build_ok(&store, &inputs[..1]);
    assert_eq!(articles_only(&graphs(&store)).len(), ARTICLES / FILES);
    build_ok(&store, &inputs[1..]);
    assert!(graphs(&store) == *clean, "A then B equals A+B");
    // Building everything again over the complete store changes nothing.
    build_ok(&store, inputs);
    assert!(
        graphs(&store) == *clean,
        "a second build of A+B changes nothing"
    );
}
