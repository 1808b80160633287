//! Bench: end-to-end performance runs on generated corpora (`newsgraph bench`).
//!
//! For each corpus size: generate the corpus (untimed), build it into a fresh store (timed:
//! articles/s, sentences/s, MB/s, quads/s, peak resident memory), time the bundled
//! `who-met-whom` query (median after a warm-up) and the same question for one person; dump
//! the store as N-Quads and time Oxigraph's own bulk loader loading that file into a second
//! fresh store, as the baseline for the load rate; then run the reasoning stage `build` runs
//! after loading (timed, with its own peak memory), measure the store on disk, time the two
//! queries again and score who-met-whom's pairs against the generator's facts. Separately,
//! the per-article stages (clean, segment, extract, RDF) are timed in memory on one thread and
//! on all threads, on generated and optionally on real articles.
//!
//! The baseline store is written here with Oxigraph directly, not through `store`: it is a
//! measurement of Oxigraph itself, and it is deleted afterwards. Nothing here is used by the
//! other commands.

use crate::generate::{self, Generator, Gold, GoldContact, GoldStatus};
use crate::lexicon::Lexicon;
use crate::model::RawArticle;
use crate::pipeline;
use crate::query;
use crate::store::{GraphStore, StoreError};
use oxigraph::io::RdfFormat;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The bundled who-met-whom query, as users run it.
pub const WHO_MET_WHOM: &str = include_str!("../queries/who-met-whom.rq");

/// Who-met-whom for one person (the interactive question "whom did X meet?"): the same
/// columns as the bundled query, with `{NAME}` replaced by a string literal's content. Like
/// the bundled query, every OPTIONAL is a single pattern, which Oxigraph looks up per row.
pub const WHO_MET_PERSON: &str = r#"PREFIX ng: <https://w3id.org/newsgraph/ns#>
PREFIX schema: <https://schema.org/>
PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
SELECT DISTINCT ?otherName ?articleId ?placeName ?date ?event ?sentence
WHERE {
  GRAPH ?g {
    ?x schema:name "{NAME}" ; a schema:Person .
    ?event sem:hasActor ?x ;
           a ng:Contact ;
           ng:status ng:held ;
           ng:article ?article ;
           sem:hasActor ?o .
    FILTER (?o != ?x)
    ?o a schema:Person ; schema:name ?otherName .
    ?article schema:identifier ?articleId .
    OPTIONAL { ?event sem:hasPlace ?anyPlace . }
    BIND (COALESCE(?anyPlace, ng:none) AS ?place)
    OPTIONAL { ?place schema:name ?placeName . }
    OPTIONAL { ?event sem:hasTimeStamp ?stamp . }
    BIND (STR(?stamp) AS ?date)
    OPTIONAL { ?event ng:mainSentence ?anySentence . }
    BIND (COALESCE(?anySentence, ng:none) AS ?mainSentence)
    OPTIONAL { ?mainSentence nif:anchorOf ?sentence . }
  }
}
ORDER BY ?articleId ?otherName
"#;

/// The first page of who-met-whom as a client that pages through it asks for it: the bundled
/// query with its `ORDER BY` replaced by `LIMIT 100`, so rows stream as they are found.
pub fn who_met_whom_page_query() -> String {
    let mut q: String = WHO_MET_WHOM
        .lines()
        .filter(|l| !l.trim_start().starts_with("ORDER BY"))
        .collect::<Vec<_>>()
        .join("\n");
    q.push_str("\nLIMIT 100\n");
    q
}

/// Times [`who_met_whom_page_query`]: one warm-up, then the median of `runs` runs, in ms.
pub fn time_who_met_whom_page(store: &GraphStore, runs: usize) -> Result<f64, BenchError> {
    let q = who_met_whom_page_query();
    query::select(store.inner(), &q, None)?;
    Ok(timed_runs(store, &q, runs)?.0)
}

/// Runs `q` `runs` times (at least once): the median time in ms, and the rows of the last run.
fn timed_runs(store: &GraphStore, q: &str, runs: usize) -> Result<(f64, usize), BenchError> {
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        rows = query::select(store.inner(), q, None)?.rows.len();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok((median(times), rows))
}

/// [`WHO_MET_PERSON`] for `name`.
pub fn who_met_person_query(name: &str) -> String {
    let lit = name.replace('\\', "\\\\").replace('"', "\\\"");
    WHO_MET_PERSON.replace("{NAME}", &lit)
}

/// The name in the most found pairs (ties: the first in name order), or `None`.
pub fn busiest_person(pairs: &[FoundPair]) -> Option<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for p in pairs {
        *count.entry(p.a.as_str()).or_default() += 1;
        *count.entry(p.b.as_str()).or_default() += 1;
    }
    count
        .into_iter()
        .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(x.0)))
        .map(|(n, _)| n.to_string())
}

/// Times [`WHO_MET_PERSON`] for `name`: one warm-up, then the median of `runs` runs, in ms;
/// and its row count.
pub fn time_who_met_person(
    store: &GraphStore,
    name: &str,
    runs: usize,
) -> Result<(f64, usize), BenchError> {
    let q = who_met_person_query(name);
    let rows = query::select(store.inner(), &q, None)?.rows.len();
    Ok((timed_runs(store, &q, runs)?.0, rows))
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Query(#[from] query::QueryError),
    #[error("Oxigraph baseline: {0}")]
    Baseline(String),
    #[error(transparent)]
    Reason(#[from] crate::reason::ReasonError),
    #[error("thread pool: {0}")]
    Pool(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> BenchError + '_ {
    move |source| BenchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Throughput of the per-article stages (clean, segment, extract, RDF) in memory.
#[derive(Debug, Clone, Serialize)]
pub struct StageRate {
    pub corpus: String,
    pub threads: usize,
    pub articles: usize,
    pub sentences: usize,
    pub megabytes: f64,
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub sentences_per_s: f64,
    /// Sentences per CPU-second (all threads together).
    pub sentences_per_cpu_s: f64,
    pub megabytes_per_s: f64,
}

/// One thread's time in each per-article stage, measured separately on the same articles.
#[derive(Debug, Clone, Serialize)]
pub struct StageSplit {
    pub corpus: String,
    pub articles: usize,
    pub sentences: usize,
    /// Seconds in cleaning (normalize), segmenting, extraction (mentions, entities, events,
    /// claims) and RDF mapping (building the quads and freeing them).
    pub normalize_s: f64,
    pub segment_s: f64,
    pub extract_s: f64,
    pub rdf_s: f64,
}

impl StageSplit {
    /// Sentences per second of one stage's time.
    pub fn rate(&self, seconds: f64) -> f64 {
        self.sentences as f64 / seconds.max(1e-9)
    }
}

/// Times each per-article stage on its own, on the calling thread: the same work as
/// [`pipeline::process`], with a clock read between the stages.
pub fn stage_split(corpus: &str, articles: &[RawArticle], lex: &Lexicon) -> StageSplit {
    let mut t = [0f64; 4];
    let mut sentences = 0;
    for a in articles {
        let raw = a.clone();
        let c0 = Instant::now();
        let norm = crate::normalize::normalize(&raw.text);
        let c1 = Instant::now();
        let sents = crate::segment::segment(&norm.text);
        let c2 = Instant::now();
        let seg = crate::extract::Segmented {
            raw,
            norm,
            sentences: sents,
        };
        let ex = crate::extract::extract(&seg, lex);
        let c3 = Instant::now();
        let quads = crate::rdf::to_quads(&ex);
        drop(std::hint::black_box(quads));
        let c4 = Instant::now();
        sentences += ex.sentences.len();
        for (slot, (from, to)) in t.iter_mut().zip([(c0, c1), (c1, c2), (c2, c3), (c3, c4)]) {
            *slot += (to - from).as_secs_f64();
        }
    }
    StageSplit {
        corpus: corpus.to_string(),
        articles: articles.len(),
        sentences,
        normalize_s: t[0],
        segment_s: t[1],
        extract_s: t[2],
        rdf_s: t[3],
    }
}

/// One corpus size.
#[derive(Debug, Clone, Serialize)]
pub struct SizeReport {
    pub articles: usize,
    pub sentences: usize,
    pub megabytes: f64,
    pub quads: usize,
    pub build_seconds: f64,
    /// CPU time of the build (all threads, including the store's).
    pub build_cpu_seconds: f64,
    pub articles_per_s: f64,
    pub sentences_per_s: f64,
    pub megabytes_per_s: f64,
    pub quads_per_s: f64,
    /// Peak resident memory during the build (VmHWM after a reset), in MB.
    pub peak_rss_mb: f64,
    /// The reasoning stage `build` runs after loading (event fusion, rules to a fixpoint).
    pub reason_seconds: f64,
    pub reason_cpu_seconds: f64,
    /// Peak resident memory during reasoning (VmHWM after a reset), in MB.
    pub reason_peak_rss_mb: f64,
    /// Quads the reasoning stage wrote into the inferred graph.
    pub reason_quads: usize,
    /// Store on disk after loading, before reasoning.
    pub loaded_store_bytes: u64,
    /// Store on disk after the build and reasoning.
    pub store_bytes: u64,
    pub store_bytes_per_article: f64,
    /// Median of the timed runs, in milliseconds.
    pub who_met_whom_ms: f64,
    pub who_met_whom_rows: usize,
    /// The same two queries before reasoning (median ms).
    pub loaded_who_met_whom_ms: f64,
    pub loaded_who_met_person_ms: f64,
    /// Who-met-whom for the person in most pairs ([`WHO_MET_PERSON`]): median ms, name, rows.
    pub who_met_person_ms: f64,
    pub who_met_person: String,
    pub who_met_person_rows: usize,
    /// The store compaction `build` runs after reasoning, in seconds.
    pub optimize_seconds: f64,
    /// The first 100 rows of who-met-whom ([`who_met_whom_page_query`]), median ms.
    pub who_met_whom_page_ms: f64,
    /// Oxigraph's bulk loader on the same quads (N-Quads file → fresh store).
    pub baseline_seconds: f64,
    pub baseline_cpu_seconds: f64,
    pub baseline_quads_per_s: f64,
    /// Our quads/s over the baseline's quads/s.
    pub load_ratio: f64,
    /// Held-contact pairs found by who-met-whom against the generator's facts.
    pub precision: f64,
    pub recall: f64,
}

/// Everything `newsgraph bench` measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub threads: usize,
    pub stages: Vec<StageRate>,
    /// Each stage timed on its own (one thread), per corpus.
    pub splits: Vec<StageSplit>,
    pub sizes: Vec<SizeReport>,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub sizes: Vec<usize>,
    pub seed: u64,
    /// Where the corpora and stores go (deleted afterwards unless `keep`).
    pub dir: PathBuf,
    pub keep: bool,
    /// Timed runs of who-met-whom (after one warm-up).
    pub query_runs: usize,
    /// Articles for the in-memory stage timing.
    pub stage_articles: usize,
    /// Real articles (any input newsgraph reads) to time the stages on as well.
    pub real: Option<PathBuf>,
}

/// Resets the peak-memory counter of this process (Linux; a no-op elsewhere).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process in MB, from /proc/self/status (0 when unknown).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// CPU time (user + system) this process has used so far, in seconds, from /proc/self/stat
/// (0 when unknown). On a busy machine, work per CPU-second is steadier than per wall-second.
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are the 12th and
            // 13th of them, in clock ticks (100 per second on Linux).
            let rest = &s[s.rfind(')')? + 1..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let u = f.get(11)?.parse::<f64>().ok()?;
            let k = f.get(12)?.parse::<f64>().ok()?;
            Some((u + k) / 100.0)
        })
        .unwrap_or(0.0)
}

/// Total size of the files under `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_bytes(&e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Times `pipeline::process` over `articles` on a pool of `threads` threads.
pub fn stage_rate(
    corpus: &str,
    articles: &[RawArticle],
    lex: &Lexicon,
    threads: usize,
) -> Result<StageRate, BenchError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| BenchError::Pool(e.to_string()))?;
    let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
    let started = Instant::now();
    let cpu0 = cpu_seconds();
    let sentences: usize = pool.install(|| {
        articles
            .par_iter()
            .map(|a| pipeline::process(a.clone(), lex).0.sentences.len())
            .sum()
    });
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let cpu = (cpu_seconds() - cpu0).max(1e-9);
    let mb = bytes as f64 / 1e6;
    Ok(StageRate {
        corpus: corpus.to_string(),
        threads,
        articles: articles.len(),
        sentences,
        megabytes: mb,
        seconds,
        cpu_seconds: cpu,
        sentences_per_s: sentences as f64 / seconds,
        sentences_per_cpu_s: sentences as f64 / cpu,
        megabytes_per_s: mb / seconds,
    })
}

/// A who-met-whom row reduced to what the gold states.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FoundPair {
    pub article: String,
    pub a: String,
    pub b: String,
    pub place: Option<String>,
    pub date: Option<String>,
}

/// Runs who-met-whom and returns its pairs (names sorted within each pair).
pub fn met_pairs(store: &GraphStore) -> Result<Vec<FoundPair>, BenchError> {
    let t = query::select(store.inner(), WHO_MET_WHOM, None)?;
    let get = |row: &Vec<Option<oxigraph::model::Term>>, name: &str| {
        t.col(name)
            .map(|i| query::Table::value(&row[i]))
            .filter(|v| !v.is_empty())
    };
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let (Some(article), Some(x), Some(y)) =
            (get(row, "articleId"), get(row, "aName"), get(row, "bName"))
        else {
            continue;
        };
        let (a, b) = if x <= y { (x, y) } else { (y, x) };
        out.push(FoundPair {
            article,
            a,
            b,
            place: get(row, "placeName"),
            date: get(row, "date"),
        });
    }
    Ok(out)
}

/// How found pairs compare with the generator's held contacts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GoldScore {
    pub found: usize,
    pub gold: usize,
    pub matched: usize,
    pub place_right: usize,
    pub date_right: usize,
    /// Found pairs that the gold says were only planned, cancelled or denied.
    pub not_held_reported: usize,
}

impl GoldScore {
    pub fn precision(&self) -> f64 {
        self.matched as f64 / self.found.max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.matched as f64 / self.gold.max(1) as f64
    }
}

/// Scores found pairs (one per article and pair of names) against gold contacts.
pub fn score(found: &[FoundPair], gold: &[GoldContact]) -> GoldScore {
    let key = |a: &str, x: &str, y: &str| (a.to_string(), x.to_string(), y.to_string());
    let mut held: HashMap<_, &GoldContact> = HashMap::new();
    let mut other = HashSet::new();
    for c in gold {
        if c.status == GoldStatus::Held {
            held.insert(key(&c.article, &c.a, &c.b), c);
        } else {
            other.insert(key(&c.article, &c.a, &c.b));
        }
    }
    let mut s = GoldScore {
        gold: held.len(),
        ..Default::default()
    };
    let mut seen = HashSet::new();
    for f in found {
        let k = key(&f.article, &f.a, &f.b);
        if !seen.insert(k.clone()) {
            continue;
        }
        s.found += 1;
        match held.get(&k) {
            Some(c) => {
                s.matched += 1;
                s.place_right += usize::from(f.place == c.place);
                s.date_right += usize::from(f.date == c.date);
            }
            None => s.not_held_reported += usize::from(other.contains(&k)),
        }
    }
    s
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() { 0.0 } else { xs[xs.len() / 2] }
}

/// Times who-met-whom: one warm-up, then the median of `runs` runs, in ms; and its rows.
pub fn time_who_met_whom(
    store: &GraphStore,
    runs: usize,
) -> Result<(f64, Vec<FoundPair>), BenchError> {
    let pairs = met_pairs(store)?;
    let (ms, n) = timed_runs(store, WHO_MET_WHOM, runs)?;
    debug_assert!(n >= pairs.len());
    Ok((ms, pairs))
}

/// Without the on-disk store (the fuzz crate's build) there is no baseline to time.
#[cfg(not(feature = "rocksdb"))]
fn baseline_load(_nquads: &Path, _dir: &Path) -> Result<f64, BenchError> {
    Err(BenchError::Baseline(
        "built without the rocksdb feature".into(),
    ))
}

/// Loads an N-Quads file into a fresh store at `dir` with Oxigraph's bulk loader; seconds.
#[cfg(feature = "rocksdb")]
fn baseline_load(nquads: &Path, dir: &Path) -> Result<f64, BenchError> {
    use std::io::BufReader;
    let store =
        oxigraph::store::Store::open(dir).map_err(|e| BenchError::Baseline(e.to_string()))?;
    let f = std::fs::File::open(nquads).map_err(io_err(nquads))?;
    let started = Instant::now();
    let mut loader = store.bulk_loader();
    loader
        .load_from_reader(RdfFormat::NQuads, BufReader::with_capacity(1 << 20, f))
        .map_err(|e| BenchError::Baseline(e.to_string()))?;
    loader
        .commit()
        .map_err(|e| BenchError::Baseline(e.to_string()))?;
    store
        .flush()
        .map_err(|e| BenchError::Baseline(e.to_string()))?;
    Ok(started.elapsed().as_secs_f64())
}

/// Runs one corpus size.
pub fn run_size(
    cfg: &BenchConfig,
    n: usize,
    lex: &Lexicon,
    mut log: impl FnMut(&str),
) -> Result<SizeReport, BenchError> {
    let base = cfg.dir.join(format!("bench-{n}"));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).map_err(io_err(&base))?;
    let corpus = base.join("corpus.jsonl");
    let g = Generator::new(cfg.seed, lex);
    let mut gold = Gold::new(cfg.seed);
    log(&format!("{n} articles: generating {}", corpus.display()));
    let bytes = {
        let f = std::fs::File::create(&corpus).map_err(io_err(&corpus))?;
        let mut w = BufWriter::new(f);
        let b = generate::write_corpus(&g, n, &mut w, Some(&mut gold)).map_err(io_err(&corpus))?;
        w.flush().map_err(io_err(&corpus))?;
        b
    };
    let store_dir = base.join("store");
    log(&format!("{n} articles: building {}", store_dir.display()));
    let store = GraphStore::open(&store_dir)?;
    reset_peak_rss();
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let report = pipeline::build(&store, std::slice::from_ref(&corpus), lex, |_| {}, |_| {});
    let build_seconds = started.elapsed().as_secs_f64().max(1e-9);
    let build_cpu_seconds = cpu_seconds() - cpu0;
    let peak = peak_rss_mb();
    let loaded_bytes = dir_bytes(&store_dir);
    let mb = bytes as f64 / 1e6;
    let quads_per_s = report.quads as f64 / build_seconds;
    // Each measurement is logged as soon as it is taken, so a long run that is stopped (the
    // reasoning stage at 100k articles can take long) still tells what it measured.
    log(&format!(
        "{n} articles: loaded {} sentences, {} quads in {build_seconds:.1} s ({build_cpu_seconds:.1} CPU s): \
         {:.0} sentences/s, {:.0} quads/s, {:.2} MB/s; peak {peak:.0} MB; store {:.0} B/article",
        report.sentences,
        report.quads,
        report.sentences as f64 / build_seconds,
        quads_per_s,
        mb / build_seconds,
        loaded_bytes as f64 / report.articles.max(1) as f64
    ));
    let (loaded_who_ms, pairs) = time_who_met_whom(&store, cfg.query_runs)?;
    let person = busiest_person(&pairs).unwrap_or_default();
    let (loaded_person_ms, _) = time_who_met_person(&store, &person, cfg.query_runs)?;
    log(&format!(
        "{n} articles: before reasoning, who-met-whom {loaded_who_ms:.1} ms ({} rows), \
         for {person:?} {loaded_person_ms:.1} ms",
        pairs.len()
    ));
    // The articles' quads, before reasoning adds its own: what the baseline loads.
    let nquads = base.join("dump.nq");
    {
        let f = std::fs::File::create(&nquads).map_err(io_err(&nquads))?;
        let mut w = BufWriter::new(f);
        store
            .inner()
            .dump_to_writer(RdfFormat::NQuads, &mut w)
            .map_err(|e| BenchError::Baseline(e.to_string()))?;
        w.flush().map_err(io_err(&nquads))?;
    }
    drop(store);
    log(&format!("{n} articles: Oxigraph bulk loader baseline"));
    let cpu0 = cpu_seconds();
    let baseline_seconds = baseline_load(&nquads, &base.join("baseline-store"))?.max(1e-9);
    let baseline_cpu_seconds = cpu_seconds() - cpu0;
    let baseline_quads_per_s = report.quads as f64 / baseline_seconds;
    log(&format!(
        "{n} articles: Oxigraph bulk loader {baseline_seconds:.1} s ({baseline_cpu_seconds:.1} CPU s), \
         {baseline_quads_per_s:.0} quads/s; ours/theirs {:.2}",
        quads_per_s / baseline_quads_per_s.max(1e-9)
    ));
    let _ = std::fs::remove_file(&nquads);
    let _ = std::fs::remove_dir_all(base.join("baseline-store"));
    let store = GraphStore::open(&store_dir)?;
    log(&format!("{n} articles: reasoning"));
    reset_peak_rss();
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let reasoned = crate::reason::reason(&store, &crate::reason::Rules::builtin())?;
    store.flush()?;
    let reason_seconds = started.elapsed().as_secs_f64();
    let reason_cpu_seconds = cpu_seconds() - cpu0;
    let reason_peak = peak_rss_mb();
    log(&format!(
        "{n} articles: reasoning {reason_seconds:.1} s ({reason_cpu_seconds:.1} CPU s), \
         peak {reason_peak:.0} MB, {} inferred quads",
        reasoned.quads
    ));
    // As `build` does after reasoning.
    let started = Instant::now();
    store.optimize()?;
    let optimize_seconds = started.elapsed().as_secs_f64();
    let store_bytes = dir_bytes(&store_dir);
    log(&format!(
        "{n} articles: compaction {optimize_seconds:.1} s, store {:.0} MB",
        store_bytes as f64 / 1e6
    ));
    log(&format!(
        "{n} articles: reasoning stages: fusion {} ms; {}",
        reasoned.fusion_millis,
        reasoned
            .rule_stats
            .iter()
            .map(|(rule, rows, ms)| format!("{rule} {ms} ms ({rows} rows)"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let (who_ms, pairs) = time_who_met_whom(&store, cfg.query_runs)?;
    let sc = score(&pairs, &gold.contacts);
    let (person_ms, person_rows) = time_who_met_person(&store, &person, cfg.query_runs)?;
    let page_ms = time_who_met_whom_page(&store, cfg.query_runs)?;
    log(&format!(
        "{n} articles: who-met-whom {who_ms:.1} ms ({} rows), first 100 rows {page_ms:.1} ms, \
         for {person:?} {person_ms:.1} ms ({person_rows} rows)",
        pairs.len()
    ));
    drop(store);
    if !cfg.keep {
        let _ = std::fs::remove_dir_all(&base);
    }
    Ok(SizeReport {
        articles: report.articles,
        sentences: report.sentences,
        megabytes: mb,
        quads: report.quads,
        build_seconds,
        build_cpu_seconds,
        articles_per_s: report.articles as f64 / build_seconds,
        sentences_per_s: report.sentences as f64 / build_seconds,
        megabytes_per_s: mb / build_seconds,
        quads_per_s,
        peak_rss_mb: peak,
        reason_seconds,
        reason_cpu_seconds,
        reason_peak_rss_mb: reason_peak,
        reason_quads: reasoned.quads,
        loaded_store_bytes: loaded_bytes,
        store_bytes,
        store_bytes_per_article: store_bytes as f64 / report.articles.max(1) as f64,
        who_met_whom_ms: who_ms,
        who_met_whom_rows: pairs.len(),
        loaded_who_met_whom_ms: loaded_who_ms,
        loaded_who_met_person_ms: loaded_person_ms,
        who_met_person_ms: person_ms,
        who_met_person: person,
        who_met_person_rows: person_rows,
        who_met_whom_page_ms: page_ms,
        optimize_seconds,
        baseline_seconds,
        baseline_cpu_seconds,
        baseline_quads_per_s,
        load_ratio: quads_per_s / baseline_quads_per_s.max(1e-9),
        precision: sc.precision(),
        recall: sc.recall(),
    })
}

/// Reads up to `max` articles from a file or directory newsgraph can ingest.
pub fn read_articles(path: &Path, max: usize) -> Vec<RawArticle> {
    let mut out = Vec::new();
    let inputs = [path.to_path_buf()];
    for p in crate::ingest::discover(&inputs).into_iter().flatten() {
        for a in crate::ingest::read_file(&p).flatten() {
            if out.len() >= max {
                return out;
            }
            out.push(a);
        }
    }
    out
}

/// Runs the whole benchmark.
pub fn run(
    cfg: &BenchConfig,
    lex: &Lexicon,
    mut log: impl FnMut(&str),
) -> Result<BenchReport, BenchError> {
    let threads = rayon::current_num_threads();
    let mut stages = Vec::new();
    let mut splits = Vec::new();
    let g = Generator::new(cfg.seed, lex);
    let generated: Vec<RawArticle> = g
        .articles(cfg.stage_articles)
        .map(|(a, _)| a.to_raw())
        .collect();
    let mut corpora = vec![("generated".to_string(), generated)];
    if let Some(real) = &cfg.real {
        corpora.push((
            real.display().to_string(),
            read_articles(real, cfg.stage_articles),
        ));
    }
    for (name, arts) in &corpora {
        log(&format!("stages: {} articles of {name}", arts.len()));
        if arts.is_empty() {
            continue;
        }
        // Warm-up (lexicon, allocator), then one thread and every thread.
        stage_rate(name, &arts[..arts.len().min(100)], lex, 1)?;
        let mut counts = vec![1];
        if threads > 1 {
            counts.push(threads);
        }
        for t in counts {
            let st = stage_rate(name, arts, lex, t)?;
            log(&format!(
                "stages: {name}, {t} thread(s): {:.0} sentences/s, {:.0} sentences/CPU-s",
                st.sentences_per_s, st.sentences_per_cpu_s
            ));
            stages.push(st);
        }
        let sp = stage_split(name, arts, lex);
        log(&format!(
            "stages: {name}, one thread, each stage alone: normalize {:.0}, segment {:.0}, \
             extract {:.0}, RDF {:.0} sentences/s",
            sp.rate(sp.normalize_s),
            sp.rate(sp.segment_s),
            sp.rate(sp.extract_s),
            sp.rate(sp.rdf_s)
        ));
        splits.push(sp);
    }
    let mut sizes = Vec::new();
    // A size of 0 skips the store runs (stage timing only).
    for &n in cfg.sizes.iter().filter(|&&n| n > 0) {
        let z = run_size(cfg, n, lex, &mut log)?;
        // Each size as it finishes, so a long run that is stopped still tells something.
        log(&format!(
            "{n} articles: {:.1} s build, {:.0} sentences/s, {:.0} quads/s, peak {:.0} MB, \
             reasoning {:.1} s ({:.1} CPU s, peak {:.0} MB), {:.0} B/article, who-met-whom {:.1} ms (first 100 rows: {:.1} ms, one person: {:.1} ms), \
             load ratio {:.2}, P {:.3} R {:.3}",
            z.build_seconds,
            z.sentences_per_s,
            z.quads_per_s,
            z.peak_rss_mb,
            z.reason_seconds,
            z.reason_cpu_seconds,
            z.reason_peak_rss_mb,
            z.store_bytes_per_article,
            z.who_met_whom_ms,
            z.who_met_whom_page_ms,
            z.who_met_person_ms,
            z.load_ratio,
            z.precision,
            z.recall
        ));
        sizes.push(z);
    }
    Ok(BenchReport {
        threads,
        stages,
        splits,
        sizes,
    })
}

/// The last `n` characters of `s` (a corpus path fits its column by its end).
fn last_chars(s: &str, n: usize) -> String {
    let skip = s.chars().count().saturating_sub(n);
    s.chars().skip(skip).collect()
}

/// The report as a readable table.
pub fn render(r: &BenchReport) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Per-article stages (clean, segment, extract, RDF), in memory; {} threads available\n",
        r.threads
    ));
    s.push_str(&format!(
        "{:<40} {:>7} {:>9} {:>10} {:>13} {:>17} {:>8}\n",
        "corpus", "threads", "articles", "sentences", "sentences/s", "sentences/CPU-s", "MB/s"
    ));
    for st in &r.stages {
        let name = last_chars(&st.corpus, 40);
        s.push_str(&format!(
            "{:<40} {:>7} {:>9} {:>10} {:>13.0} {:>17.0} {:>8.2}\n",
            name,
            st.threads,
            st.articles,
            st.sentences,
            st.sentences_per_s,
            st.sentences_per_cpu_s,
            st.megabytes_per_s
        ));
    }
    if !r.splits.is_empty() {
        s.push_str("\nEach stage alone, one thread (sentences/s of that stage's time)\n");
        s.push_str(&format!(
            "{:<40} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
            "corpus", "normalize", "segment", "extract", "RDF", "all four"
        ));
        for sp in &r.splits {
            let name = last_chars(&sp.corpus, 40);
            s.push_str(&format!(
                "{:<40} {:>10.0} {:>10.0} {:>10.0} {:>10.0} {:>10.0}\n",
                name,
                sp.rate(sp.normalize_s),
                sp.rate(sp.segment_s),
                sp.rate(sp.extract_s),
                sp.rate(sp.rdf_s),
                sp.rate(sp.normalize_s + sp.segment_s + sp.extract_s + sp.rdf_s)
            ));
        }
    }
    s.push_str("\nBuild into a fresh store (generated corpus), who-met-whom, Oxigraph bulk-loader baseline\n");
    s.push_str(&format!(
        "{:>8} {:>9} {:>8} {:>7} {:>7} {:>10} {:>11} {:>7} {:>10} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>6} {:>6} {:>6}\n",
        "articles",
        "sentences",
        "quads",
        "build s",
        "CPU s",
        "articles/s",
        "sentences/s",
        "MB/s",
        "quads/s",
        "peak MB",
        "reason s",
        "reason MB",
        "B/article",
        "wmw ms",
        "page ms",
        "wmw1 ms",
        "oxi quads/s",
        "ratio",
        "P",
        "R"
    ));
    for z in &r.sizes {
        s.push_str(&format!(
            "{:>8} {:>9} {:>8} {:>7.1} {:>7.1} {:>10.0} {:>11.0} {:>7.2} {:>10.0} {:>8.0} {:>8.1} {:>9.0} {:>9.0} {:>9.1} {:>9.1} {:>9.1} {:>11.0} {:>6.2} {:>6.3} {:>6.3}\n",
            z.articles,
            z.sentences,
            z.quads,
            z.build_seconds,
            z.build_cpu_seconds,
            z.articles_per_s,
            z.sentences_per_s,
            z.megabytes_per_s,
            z.quads_per_s,
            z.peak_rss_mb,
            z.reason_seconds,
            z.reason_peak_rss_mb,
            z.store_bytes_per_article,
            z.who_met_whom_ms,
            z.who_met_whom_page_ms,
            z.who_met_person_ms,
            z.baseline_quads_per_s,
            z.load_ratio,
            z.precision,
            z.recall
        ));
    }
    s.push_str("(build s, peak MB: loading only; reason s, reason MB: the reasoning stage `build` runs next; B/article: store after both; wmw = who-met-whom median (every pair in the store); page = its first 100 rows (LIMIT 100 instead of ORDER BY); wmw1 = the same for the person in most pairs; oxi = Oxigraph's bulk loader on the same quads as N-Quads; ratio = our quads/s over oxi's; P/R = held pairs against the generator's facts)\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(article: &str, a: &str, b: &str) -> FoundPair {
        FoundPair {
            article: article.into(),
            a: a.into(),
            b: b.into(),
            place: Some("Oslo".into()),
            date: None,
        }
    }

    fn contact(article: &str, a: &str, b: &str, status: GoldStatus) -> GoldContact {
        GoldContact {
            article: article.into(),
            a: a.into(),
            b: b.into(),
            status,
            kind: "Meeting",
            place: Some("Oslo".into()),
            date: Some("2020-01-02".into()),
        }
    }

    #[test]
    fn scoring_counts_matches_misses_and_reported_non_meetings() {
        let gold = vec![
            contact("x", "A", "B", GoldStatus::Held),
            contact("x", "A", "C", GoldStatus::Held),
            contact("y", "A", "B", GoldStatus::Planned),
        ];
        let found = vec![
            pair("x", "A", "B"),
            pair("x", "A", "B"),
            pair("y", "A", "B"),
        ];
        let s = score(&found, &gold);
        assert_eq!((s.found, s.gold, s.matched), (2, 2, 1));
        assert_eq!(s.not_held_reported, 1);
        assert_eq!((s.place_right, s.date_right), (1, 0));
        assert!((s.precision() - 0.5).abs() < 1e-9 && (s.recall() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn the_person_query_answers_for_the_busiest_name_only() {
        let pairs = vec![
            pair("x", "A", "B"),
            pair("y", "B", "C"),
            pair("z", "A", "D"),
        ];
        // A and B both have two pairs; the tie goes to the first name.
        assert_eq!(busiest_person(&pairs).as_deref(), Some("A"));
        assert_eq!(busiest_person(&[]), None);
        let q = who_met_person_query(r#"O"Neil \ Jr"#);
        assert!(q.contains(r#"schema:name "O\"Neil \\ Jr""#), "{q}");
        let store = GraphStore::in_memory().unwrap();
        let t = query::select(store.inner(), &q, None).unwrap();
        assert!(t.col("otherName").is_some() && t.rows.is_empty());
    }

    #[test]
    fn peak_memory_is_read_from_proc() {
        if Path::new("/proc/self/status").exists() {
            assert!(peak_rss_mb() > 0.0);
        }
    }
}
