//! The command line: clap types, one function per subcommand, error reporting and exit codes.
//!
//! Only the binary uses this module; the library never sees a clap type. Exit codes: 0 when
//! everything worked, 1 when some input failed (the rest was still processed), 2 when the
//! command could not run at all (bad arguments, store in use, unreadable query file).

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use newsgraph::export::{self, ExportFormat};
use newsgraph::lexicon::Lexicon;
use newsgraph::network::{self, Filter, Network, Projection};
use newsgraph::pipeline::{self, Problem};
use newsgraph::query::{self, OutputFormat, Table};
use newsgraph::store::GraphStore;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// newsgraph turns news articles into a knowledge graph of people, institutions, places and
/// events (who met whom, where and when), with every fact traced to the sentence that says it.
#[derive(Parser, Debug)]
#[command(name = "newsgraph", version, about, long_about = None)]
struct Cli {
    /// Store directory (an embedded Oxigraph/RocksDB database). Default: ./newsgraph.db
    /// (./newsgraph-demo.db for `demo`).
    #[arg(long, global = true, env = "NEWSGRAPH_STORE")]
    store: Option<PathBuf>,

    /// Directory with extra lexicon files (same names as in ontology/: countries.tsv,
    /// titles.tsv, triggers.tsv ...). Their rows are added to the built-in ones.
    #[arg(long, global = true, env = "NEWSGRAPH_ONTOLOGY")]
    ontology: Option<PathBuf>,

    /// Print only errors.
    #[arg(long, short, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read articles and add them to the store (one named graph per article; rebuilding an
    /// article replaces its graph).
    ///
    /// INPUT is a .txt file (one article; optional Title:/Source:/Published:/URL:/Id: header
    /// lines, then a blank line, then the text), a .jsonl file (one article per line; fields
    /// text|maintext|body|content, title, published|date|date_publish, url,
    /// source|source_domain, id), or a directory of such files.
    Build {
        /// Files or directories to read.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Skip reasoning (event fusion, roll-ups) after the build; run `newsgraph reason`
        /// later. Network commands and GraphML need it.
        #[arg(long)]
        no_reason: bool,
    },
    /// Fuse reports of the same event across articles and run the inference rules
    /// (ontology/rules/*.rq) to a fixpoint. `build` does this after every build.
    Reason,
    /// Remove articles (by id) from the store, and what was inferred only from them.
    Remove {
        /// Article ids (as in `query who-met-whom`'s articleId column).
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Run a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE) over all articles.
    ///
    /// The query is a file, the name of a bundled query (who-met-whom, meetings, entities,
    /// meetings-in-place, statements-by, roles-of), or text given with -e. Standard prefixes
    /// (ng:, schema:, org:, sem:, prov:, nif:, rdfs:, owl:, xsd:, wd:) are predeclared.
    Query {
        /// A .rq file or a bundled query name.
        #[arg(conflicts_with = "expr", required_unless_present = "expr")]
        file: Option<String>,
        /// Query text given on the command line.
        #[arg(short = 'e', long = "expr")]
        expr: Option<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Stop the query after this many seconds.
        #[arg(long)]
        timeout: Option<f64>,
    },
    /// Write the store out: GraphML contact network, or the RDF itself.
    Export {
        /// Output format.
        #[arg(long, short, value_enum)]
        format: ExportFormat,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Network formats (graphml, dot, nodes-csv, edges-csv): which nodes and edges to
        /// keep, and the date range.
        #[command(flatten)]
        net: NetArgs,
    },
    /// Why the graph says A met B (or was in contact with B), down to the source sentences;
    /// "no evidence" (exit code 1) when it does not. A and B: names, Wikidata ids or IRIs.
    Explain {
        a: String,
        b: String,
        #[arg(long, short, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Shortest contact path between two entities (fewest hops), with the events behind each
    /// hop.
    Path {
        a: String,
        b: String,
        #[command(flatten)]
        net: NetArgs,
        #[arg(long, short, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Brokers: degree and betweenness centrality of the contact network, highest first.
    Centrality {
        /// How many entities to list (0 for all).
        #[arg(long, default_value_t = 20)]
        top: usize,
        #[command(flatten)]
        net: NetArgs,
        #[arg(long, short, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Connected components of the contact network, largest first.
    Components {
        #[command(flatten)]
        net: NetArgs,
        #[arg(long, short, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// An entity's meetings in date order, with whom, where and how many sources.
    Timeline {
        entity: String,
        #[command(flatten)]
        net: NetArgs,
        #[arg(long, short, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// List the entities in the store: type, Wikidata id, roles, mentions and articles.
    Entities {
        /// Only this kind of entity.
        #[arg(long, value_enum)]
        kind: Option<EntityKind>,
        /// Output format.
        #[arg(long, short, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Show what the extractor finds in articles, without a store: entities, roles, events
    /// (status, participants, place, date) and claims, sentence by sentence.
    Inspect {
        /// Files or directories to read.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Write a synthetic wire-copy corpus (JSON Lines) with known facts, for benchmarks and
    /// scale tests. The same seed always gives the same corpus.
    Generate {
        /// Number of articles.
        #[arg(long, default_value_t = 1000)]
        articles: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output JSONL file.
        #[arg(long, short)]
        output: PathBuf,
        /// Also write the facts the corpus states (contacts with status, place, date) as JSON.
        #[arg(long)]
        gold: Option<PathBuf>,
    },
    /// Measure performance on generated corpora: stage throughput on one and all cores, build
    /// rate, peak memory, store size, who-met-whom latency, and the load rate against
    /// Oxigraph's own bulk loader.
    Bench {
        /// Corpus sizes (articles), comma-separated; 0 times the per-article stages only.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        articles: Vec<usize>,
        /// Directory for the corpora and stores (default: a temporary directory).
        #[arg(long)]
        store_dir: Option<PathBuf>,
        /// Keep the corpora and stores instead of deleting them.
        #[arg(long)]
        keep: bool,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Timed who-met-whom runs per size (after one warm-up).
        #[arg(long, default_value_t = 5)]
        query_runs: usize,
        /// Articles for the in-memory stage timing.
        #[arg(long, default_value_t = 2000)]
        stage_articles: usize,
        /// Real articles (a file or directory newsgraph reads) to time the stages on as well.
        #[arg(long)]
        real: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Serve the store as a SPARQL 1.1 endpoint: /query (GET and POST), and /update and
    /// /store (Graph Store Protocol) only with --write. A page to type queries is at /.
    ///
    /// The server owns the store while it runs (RocksDB allows one process): a `build` on the
    /// same store fails fast until it stops. To add articles meanwhile, start it with --write
    /// and use `newsgraph extract` + `newsgraph push --endpoint http://ADDR/store`.
    Serve {
        /// Address to listen on. The default is loopback only; listening elsewhere exposes
        /// the store to the network.
        #[arg(long, default_value = "127.0.0.1:7878")]
        bind: std::net::SocketAddr,
        /// Accept SPARQL Update (/update) and Graph Store writes (/store).
        #[arg(long)]
        write: bool,
        /// Stop a query that runs longer than this many seconds (answered with 503).
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// Most solutions or triples in one response (more is answered with 422).
        #[arg(long, default_value_t = 100_000)]
        max_results: usize,
        /// Most bytes in one response (more is answered with 422).
        #[arg(long, default_value_t = 256 << 20)]
        max_response_bytes: usize,
        /// Most bytes in one request body (more is answered with 413).
        #[arg(long, default_value_t = 16 << 20)]
        max_request_bytes: usize,
        /// Most connections served at once.
        #[arg(long, default_value_t = 32)]
        max_connections: usize,
        /// Access-Control-Allow-Origin for browser clients ("none" to send no CORS headers).
        #[arg(long, default_value = "*")]
        cors_origin: String,
    },
    /// Extract articles to an N-Quads file without a store (for batch engines: shards
    /// extracted on different machines and concatenated equal one `build`).
    Extract {
        /// Files or directories to read.
        #[arg(required_unless_present = "inputs_from")]
        inputs: Vec<PathBuf>,
        /// Also read the input paths from this file, one per line (- for standard input), for
        /// shards too long for a command line.
        #[arg(long)]
        inputs_from: Option<PathBuf>,
        /// Output file (.nq), or - for standard output. Written to FILE.tmp and renamed when
        /// complete, so an interrupted run leaves no partial FILE.
        #[arg(long, short, required = true)]
        output: PathBuf,
    },
    /// Send article graphs to a SPARQL 1.1 Graph Store Protocol endpoint (PUT per named
    /// graph, so pushing again replaces). From the store, or from N-Quads files of `extract`.
    Push {
        /// Graph Store URL, e.g. http://localhost:7878/store (oxigraph / newsgraph serve),
        /// http://host:3030/ds/data (Fuseki).
        #[arg(long)]
        endpoint: String,
        /// N-Quads files to push instead of the store.
        inputs: Vec<PathBuf>,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 4)]
        jobs: usize,
        /// Retries per graph on connection errors, time-outs, 408, 429 and 5xx.
        #[arg(long, default_value_t = 4)]
        retries: u32,
        /// Seconds before one request times out.
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
        /// Extra request header, "Name: value" (repeatable), e.g. "Authorization: Basic ...".
        #[arg(long = "header")]
        headers: Vec<String>,
        /// Name of the URL parameter carrying the graph IRI.
        #[arg(long, default_value = "graph")]
        graph_param: String,
    },
    /// The main job on the bundled sample articles: build a store, print who met whom (with
    /// place, date and source sentence) and write a GraphML file.
    Demo {
        /// Directory of articles to use instead of the bundled samples.
        #[arg(long)]
        samples: Option<PathBuf>,
        /// Where to write the GraphML file.
        #[arg(long, default_value = "newsgraph-demo.graphml")]
        graphml: PathBuf,
    },
}

/// Kinds of entity for `entities --kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EntityKind {
    Person,
    Organization,
    Place,
}

/// Bundled named queries.
const QUERIES: &[(&str, &str)] = &[
    ("who-met-whom", include_str!("../queries/who-met-whom.rq")),
    ("meetings", include_str!("../queries/meetings.rq")),
    ("entities", include_str!("../queries/entities.rq")),
    (
        "meetings-in-place",
        include_str!("../queries/meetings-in-place.rq"),
    ),
    ("statements-by", include_str!("../queries/statements-by.rq")),
    ("roles-of", include_str!("../queries/roles-of.rq")),
    (
        "entity-summary",
        include_str!("../queries/entity-summary.rq"),
    ),
];

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn lexicon(cli_dir: &Option<PathBuf>) -> Result<Arc<Lexicon>> {
    match cli_dir {
        Some(d) => Ok(Arc::new(Lexicon::with_extensions(d).with_context(
            || format!("loading lexicon extensions from {}", d.display()),
        )?)),
        None => Ok(Lexicon::builtin()),
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    let store_path = |default: &str| cli.store.clone().unwrap_or_else(|| PathBuf::from(default));
    match &cli.command {
        Command::Build { inputs, no_reason } => {
            let lex = lexicon(&cli.ontology)?;
            let store = open_store(&store_path("newsgraph.db"))?;
            let failed = build(&store, inputs, &lex, cli.quiet)?;
            if !no_reason {
                run_reasoning(&store, &cli.ontology, cli.quiet)?;
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Reason => {
            let store = open_existing(&store_path("newsgraph.db"))?;
            run_reasoning(&store, &cli.ontology, false)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Remove { ids } => {
            let store = open_existing(&store_path("newsgraph.db"))?;
            let mut missing = 0;
            for id in ids {
                let g = newsgraph::rdf::article_iri(id);
                if store.has_graph(&g)? {
                    store.remove_article(&g)?;
                    if !cli.quiet {
                        eprintln!("removed article {id}");
                    }
                } else {
                    eprintln!(
                        "error: no article with id {id} in {}",
                        store.path().display()
                    );
                    missing += 1;
                }
            }
            run_reasoning(&store, &cli.ontology, cli.quiet)?;
            Ok(if missing > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Query {
            file,
            expr,
            format,
            timeout,
        } => {
            let text = match (file, expr) {
                (_, Some(e)) => e.clone(),
                (Some(f), None) => read_query(f)?,
                (None, None) => bail!("give a query file, a bundled query name, or -e QUERY"),
            };
            let store = open_existing(&store_path("newsgraph.db"))?;
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let t = timeout.map(Duration::from_secs_f64);
            query::run(store.inner(), &text, *format, t, &mut out)?;
            out.flush().ok();
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            format,
            output,
            net,
        } => {
            let store = open_existing(&store_path("newsgraph.db"))?;
            write_export(&store, *format, &net.filter()?, output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { a, b, format } => {
            let store = open_existing(&store_path("newsgraph.db"))?;
            let a = network::resolve_in_store(store.inner(), a)?;
            let b = network::resolve_in_store(store.inner(), b)?;
            let x = newsgraph::explain::explain(store.inner(), &a.id, &b.id)?;
            match format {
                ListFormat::Table => print!("{}", x.render()),
                ListFormat::Json => println!("{}", serde_json::to_string_pretty(&x)?),
            }
            Ok(if x.evidence.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Path { a, b, net, format } => {
            let g = load_network(&store_path("newsgraph.db"), net)?;
            let (ia, ib) = (network::resolve(&g, a)?, network::resolve(&g, b)?);
            let hops = network::shortest_path(&g, ia, ib);
            print_path(&g, ia, ib, hops.as_deref(), *format)?;
            Ok(if hops.is_some() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Centrality { top, net, format } => {
            let g = load_network(&store_path("newsgraph.db"), net)?;
            let mut c = network::centrality(&g);
            if *top > 0 {
                c.truncate(*top);
            }
            print_centrality(&g, &c, *format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Components { net, format } => {
            let g = load_network(&store_path("newsgraph.db"), net)?;
            print_components(&g, &network::components(&g), *format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Timeline {
            entity,
            net,
            format,
        } => {
            let g = load_network(&store_path("newsgraph.db"), net)?;
            let n = network::resolve(&g, entity)?;
            print_timeline(&g, n, &network::timeline(&g, n), *format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Entities { kind, format } => {
            let store = open_existing(&store_path("newsgraph.db"))?;
            let mut q = read_query("entity-summary")?;
            if let Some(k) = kind {
                let class = match k {
                    EntityKind::Person => "schema:Person",
                    EntityKind::Organization => "org:Organization",
                    EntityKind::Place => "schema:Place",
                };
                q = q.replace(
                    "VALUES ?type { schema:Person org:Organization schema:Place }",
                    &format!("VALUES ?type {{ {class} }}"),
                );
            }
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            query::run(store.inner(), &q, *format, None, &mut out)?;
            out.flush().ok();
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect { inputs } => {
            let lex = lexicon(&cli.ontology)?;
            let mut failed = false;
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            for path in newsgraph::ingest::discover(inputs) {
                let path = match path {
                    Ok(p) => p,
                    Err(e) => {
                        eprintln!("error: {e}");
                        failed = true;
                        continue;
                    }
                };
                for item in newsgraph::ingest::read_file(&path) {
                    match item {
                        Ok(a) => {
                            let (ex, _) = pipeline::process(a, &lex);
                            write!(out, "{}", newsgraph::extract::describe(&ex))?;
                        }
                        Err(e) => {
                            eprintln!("error: {e}");
                            failed = true;
                        }
                    }
                }
            }
            out.flush().ok();
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Generate {
            articles,
            seed,
            output,
            gold,
        } => {
            generate_corpus(&cli, *articles, *seed, output, gold.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            articles,
            store_dir,
            keep,
            seed,
            query_runs,
            stage_articles,
            real,
            format,
        } => {
            let lex = lexicon(&cli.ontology)?;
            let dir = store_dir.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("newsgraph-bench-{}", std::process::id()))
            });
            let cfg = newsgraph::bench::BenchConfig {
                sizes: articles.clone(),
                seed: *seed,
                dir: dir.clone(),
                keep: *keep,
                query_runs: *query_runs,
                stage_articles: *stage_articles,
                real: real.clone(),
            };
            let quiet = cli.quiet;
            let report = newsgraph::bench::run(&cfg, &lex, |m| {
                if !quiet {
                    eprintln!("{m}");
                }
            })?;
            if store_dir.is_none() && !keep {
                let _ = std::fs::remove_dir_all(&dir);
            }
            match format {
                ListFormat::Table => print!("{}", newsgraph::bench::render(&report)),
                ListFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            bind,
            write,
            timeout,
            max_results,
            max_response_bytes,
            max_request_bytes,
            max_connections,
            cors_origin,
        } => {
            let path = store_path("newsgraph.db");
            let store = if *write {
                open_store(&path)?
            } else {
                open_existing(&path)?
            };
            if !(0.0..=86_400.0).contains(timeout) {
                bail!("--timeout {timeout}: give a number of seconds between 0 and 86400");
            }
            let cfg = newsgraph::serve::Config {
                bind: *bind,
                writable: *write,
                timeout: Duration::from_secs_f64(*timeout),
                max_results: *max_results,
                max_response_bytes: *max_response_bytes,
                max_request_bytes: *max_request_bytes,
                max_connections: *max_connections,
                cors_origin: (cors_origin != "none").then(|| cors_origin.clone()),
            };
            if !bind.ip().is_loopback() {
                eprintln!(
                    "warning: listening on {bind}, not only on loopback: anyone who can reach it can query{} the store",
                    if *write { " and change" } else { "" }
                );
            }
            let server = newsgraph::serve::spawn(store.inner().clone(), cfg)?;
            eprintln!(
                "serving {} at http://{bind}/ ({}; SPARQL at /query{}); stop with Ctrl-C",
                path.display(),
                if *write { "writable" } else { "read-only" },
                if *write { ", /update, /store" } else { "" }
            );
            server.join().context("the server stopped")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract {
            inputs,
            inputs_from,
            output,
        } => {
            let lex = lexicon(&cli.ontology)?;
            let mut inputs = inputs.clone();
            if let Some(list) = inputs_from {
                let text = if list.as_os_str() == "-" {
                    std::io::read_to_string(std::io::stdin()).context("reading standard input")?
                } else {
                    std::fs::read_to_string(list)
                        .with_context(|| format!("reading {}", list.display()))?
                };
                inputs.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(PathBuf::from),
                );
            }
            let inputs = &inputs;
            let quiet = cli.quiet;
            let on_problem = |p: &Problem| {
                if p.is_error() || !quiet {
                    eprintln!("{p}");
                }
            };
            let started = Instant::now();
            let report = if output.as_os_str() == "-" {
                let stdout = std::io::stdout();
                let mut w = BufWriter::new(stdout.lock());
                let r = pipeline::extract_nquads(inputs, &lex, on_problem, |_| {}, &mut w);
                w.flush().context("writing standard output")?;
                r
            } else {
                let mut tmp = output.clone().into_os_string();
                tmp.push(".tmp");
                let tmp = PathBuf::from(tmp);
                let f = std::fs::File::create(&tmp)
                    .with_context(|| format!("creating {}", tmp.display()))?;
                let mut w = BufWriter::new(f);
                let r = pipeline::extract_nquads(inputs, &lex, on_problem, |_| {}, &mut w);
                w.flush()
                    .and_then(|_| w.get_ref().sync_all())
                    .with_context(|| format!("writing {}", tmp.display()))?;
                std::fs::rename(&tmp, output).with_context(|| {
                    format!("renaming {} to {}", tmp.display(), output.display())
                })?;
                r
            };
            if !quiet {
                eprintln!(
                    "{} articles from {} files: {} quads in {:.2}s; {} errors, {} warnings",
                    report.articles,
                    report.files,
                    report.quads,
                    started.elapsed().as_secs_f64(),
                    report.errors,
                    report.warnings
                );
            }
            Ok(if report.errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Push {
            endpoint,
            inputs,
            jobs,
            retries,
            timeout,
            headers,
            graph_param,
        } => {
            let mut cfg = newsgraph::push::PushConfig::new(endpoint.clone());
            cfg.jobs = *jobs;
            cfg.retries = *retries;
            cfg.graph_param = graph_param.clone();
            if !(*timeout > 0.0 && *timeout <= 86_400.0) {
                bail!("--timeout {timeout}: give a number of seconds between 0 and 86400");
            }
            cfg.timeout = Duration::from_secs_f64(*timeout);
            for h in headers {
                let Some((k, v)) = h.split_once(':') else {
                    bail!("--header {h:?}: write it as \"Name: value\"");
                };
                cfg.headers
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
            let quiet = cli.quiet;
            let on_done = |graph: &str, r: Result<(), &str>| {
                if let Err(why) = r {
                    eprintln!("error: {graph}: {why}");
                } else if !quiet {
                    eprintln!("pushed {graph}");
                }
            };
            let report = if inputs.is_empty() {
                let store = open_existing(&store_path("newsgraph.db"))?;
                newsgraph::push::push_store(store.inner(), &cfg, on_done)?
            } else {
                newsgraph::push::push_nquads(inputs, &cfg, on_done)?
            };
            let secs = report.elapsed.as_secs_f64();
            eprintln!(
                "{} graphs pushed ({} triples, {:.1} MB) in {:.2}s ({:.0} triples/s), {} failed, {} retries",
                report.pushed,
                report.triples,
                report.bytes as f64 / 1e6,
                secs,
                report.triples as f64 / secs.max(1e-9),
                report.failed.len(),
                report.retries
            );
            if report.skipped_default_graph_quads > 0 {
                eprintln!(
                    "warning: {} quads in the default graph were not pushed (only named graphs are)",
                    report.skipped_default_graph_quads
                );
            }
            Ok(if report.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Demo { samples, graphml } => {
            let lex = lexicon(&cli.ontology)?;
            let samples = samples
                .clone()
                .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/samples")));
            let store = GraphStore::open(&store_path("newsgraph-demo.db"))?;
            println!(
                "Building {} from {} ...",
                store.path().display(),
                samples.display()
            );
            let failed = build(&store, std::slice::from_ref(&samples), &lex, cli.quiet)?;
            run_reasoning(&store, &cli.ontology, cli.quiet)?;
            println!();
            print_who_met_whom(&store)?;
            write_export(
                &store,
                ExportFormat::Graphml,
                &Filter::default(),
                Some(graphml),
            )?;
            println!("\nGraphML contact network written to {}", graphml.display());
            let me = std::env::current_exe()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "newsgraph".into());
            println!(
                "Try: cargo run --release -- query --store {} who-met-whom --format csv   (or {me} query ... once installed)",
                store.path().display()
            );
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Runs fusion and the rules, with a one-line summary.
fn run_reasoning(store: &GraphStore, ontology: &Option<PathBuf>, quiet: bool) -> Result<()> {
    let rules = match ontology {
        Some(d) => newsgraph::reason::Rules::with_dir(d)?,
        None => newsgraph::reason::Rules::builtin(),
    };
    let r = newsgraph::reason::reason(store, &rules)?;
    if !quiet {
        eprintln!(
            "reasoning: {} held events fused into {} ({} reported by several articles); {} triples inferred in {} rounds, {} quads, {:.2}s",
            r.article_events,
            r.fused_events,
            r.multi_source_events,
            r.inferred_triples,
            r.rounds,
            r.quads,
            r.millis as f64 / 1000.0
        );
        if std::env::var_os("NEWSGRAPH_TRACE").is_some() {
            eprintln!("  fusion: {} ms", r.fusion_millis);
            for (name, rows, ms) in &r.rule_stats {
                eprintln!("  rule {name}: {rows} rows, {ms} ms");
            }
        }
    }
    // Reasoning rewrites its graphs from scratch; compacting drops the old copies, which
    // otherwise slow every later query.
    let started = std::time::Instant::now();
    store.optimize()?;
    if !quiet {
        eprintln!(
            "compacted the store in {:.2}s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn open_existing(path: &Path) -> Result<GraphStore> {
    if !path.exists() {
        bail!(
            "{}: no store here yet; create one with `newsgraph build --store {} INPUT...`",
            path.display(),
            path.display()
        );
    }
    open_store(path)
}

/// Opens (or creates) a store; when another process holds it, says how to work alongside a
/// running server.
fn open_store(path: &Path) -> Result<GraphStore> {
    match GraphStore::open(path) {
        Err(e @ newsgraph::store::StoreError::Locked { .. }) => Err(anyhow::Error::new(e).context(
            "the store is locked (is `newsgraph serve` running on it? A server owns its store; \
             to add articles while it runs, start it with --write and use \
             `newsgraph extract -o FILE.nq` + `newsgraph push --endpoint http://ADDR/store FILE.nq`)",
        )),
        r => Ok(r?),
    }
}

fn read_query(name: &str) -> Result<String> {
    let p = Path::new(name);
    if p.exists() {
        return std::fs::read_to_string(p).with_context(|| format!("reading query file {name}"));
    }
    let bare = name
        .trim_end_matches(".rq")
        .rsplit('/')
        .next()
        .unwrap_or(name);
    if let Some((_, q)) = QUERIES.iter().find(|(n, _)| *n == bare) {
        return Ok(q.to_string());
    }
    let known: Vec<&str> = QUERIES.iter().map(|(n, _)| *n).collect();
    bail!(
        "{name}: no such query file or bundled query (bundled: {})",
        known.join(", ")
    )
}

fn write_export(
    store: &GraphStore,
    format: ExportFormat,
    filter: &Filter,
    output: Option<&Path>,
) -> Result<()> {
    match output {
        Some(p) => {
            let f =
                std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
            let mut w = BufWriter::new(f);
            export::export(store.inner(), format, filter, &mut w)?;
            w.flush()
                .with_context(|| format!("writing {}", p.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            export::export(store.inner(), format, filter, &mut w)?;
            w.flush().ok();
        }
    }
    Ok(())
}

/// Runs a build with a progress bar and per-problem messages; true when something failed.
fn build(store: &GraphStore, inputs: &[PathBuf], lex: &Lexicon, quiet: bool) -> Result<bool> {
    let started = Instant::now();
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} articles  {elapsed}  {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let report = pipeline::build(
        store,
        inputs,
        lex,
        |p: &Problem| {
            if p.is_error() || !quiet {
                bar.suspend(|| eprintln!("{p}"));
            }
        },
        |n| bar.set_position(n as u64),
    );
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    if !quiet {
        eprintln!(
            "{} articles from {} files: {} sentences, {} entities, {} events, {} quads in {:.2}s ({:.0} sentences/s); {} errors, {} warnings",
            report.articles,
            report.files,
            report.sentences,
            report.entities,
            report.events,
            report.quads,
            secs,
            report.sentences as f64 / secs.max(1e-9),
            report.errors,
            report.warnings
        );
        if report.confusables_folded + report.spam_removed + report.boilerplate_removed > 0 {
            eprintln!(
                "cleaning: {} look-alike characters folded, {} spam and {} boilerplate pieces removed",
                report.confusables_folded, report.spam_removed, report.boilerplate_removed
            );
        }
    }
    if report.errors > 0 {
        eprintln!(
            "{} input(s) failed; everything else was stored",
            report.errors
        );
    }
    Ok(report.errors > 0)
}

fn print_who_met_whom(store: &GraphStore) -> Result<()> {
    let q = QUERIES
        .iter()
        .find(|(n, _)| *n == "who-met-whom")
        .map(|(_, q)| *q)
        .unwrap_or_default();
    let t = query::select(store.inner(), q, None)?;
    let get = |row: &Vec<Option<oxigraph::model::Term>>, name: &str| {
        t.col(name)
            .map(|i| Table::value(&row[i]))
            .unwrap_or_default()
    };
    println!("Who met whom ({} pairs):", t.rows.len());
    for row in &t.rows {
        let place = get(row, "placeName");
        let date = get(row, "date");
        println!(
            "\n  {} -- {}{}{}   [{}]",
            get(row, "aName"),
            get(row, "bName"),
            if place.is_empty() {
                String::new()
            } else {
                format!(", in {place}")
            },
            if date.is_empty() {
                String::new()
            } else {
                format!(", {date}")
            },
            get(row, "articleId"),
        );
        let s = get(row, "sentence");
        if !s.is_empty() {
            println!("      \"{}\"", s.chars().take(300).collect::<String>());
        }
    }
    Ok(())
}

/// `newsgraph generate`: writes the corpus and, when asked, its gold facts.
fn generate_corpus(
    cli: &Cli,
    articles: usize,
    seed: u64,
    output: &Path,
    gold_path: Option<&Path>,
) -> Result<()> {
    use newsgraph::generate::{self, Generator, Gold};
    let lex = lexicon(&cli.ontology)?;
    let g = Generator::new(seed, &lex);
    let f =
        std::fs::File::create(output).with_context(|| format!("creating {}", output.display()))?;
    let mut w = BufWriter::new(f);
    let mut gold = Gold::new(seed);
    let bytes = generate::write_corpus(&g, articles, &mut w, gold_path.map(|_| &mut gold))
        .and_then(|b| w.flush().map(|_| b))
        .with_context(|| format!("writing {}", output.display()))?;
    if let Some(p) = gold_path {
        let f = std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
        let mut w = BufWriter::new(f);
        serde_json::to_writer_pretty(&mut w, &gold)
            .map_err(std::io::Error::from)
            .and_then(|_| w.flush())
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if !cli.quiet {
        eprintln!(
            "{articles} articles ({:.1} MB of text) written to {}",
            bytes as f64 / 1e6,
            output.display()
        );
    }
    Ok(())
}

/// Which part of the contact network a command looks at.
#[derive(clap::Args, Debug, Clone)]
struct NetArgs {
    /// Persons only, actors (persons, institutions, countries in meetings), or everything
    /// (actors plus memberships).
    #[arg(long, value_enum, default_value = "actors")]
    projection: Projection,
    /// Keep events on or after this date (YYYY, YYYY-MM or YYYY-MM-DD); undated events are
    /// dropped when a range is given.
    #[arg(long)]
    since: Option<String>,
    /// Keep events on or before this date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    until: Option<String>,
}

impl NetArgs {
    fn filter(&self) -> Result<Filter> {
        for d in [&self.since, &self.until].into_iter().flatten() {
            let ok = matches!(d.len(), 4 | 7 | 10)
                && d.char_indices().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            if !ok {
                bail!("date {d:?}: write YYYY, YYYY-MM or YYYY-MM-DD");
            }
        }
        Ok(Filter {
            projection: self.projection,
            since: self.since.clone(),
            until: self.until.clone(),
        })
    }
}

/// Output of `bench` and the network commands: a table for people or JSON for programs.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ListFormat {
    Table,
    Json,
}

/// Opens a store and projects its contact network.
fn load_network(path: &Path, net: &NetArgs) -> Result<Network> {
    let store = open_existing(path)?;
    Ok(network::project(store.inner(), &net.filter()?)?)
}

fn print_json(v: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn node_json(g: &Network, n: petgraph::graph::NodeIndex) -> serde_json::Value {
    let d = &g[n];
    serde_json::json!({"id": d.id, "label": d.label, "type": d.kind, "wikidata": d.wikidata})
}

fn edge_json(e: &network::EdgeData) -> serde_json::Value {
    serde_json::json!({"relation": e.relation, "kind": e.kind, "date": e.date, "place": e.place,
        "event": e.event, "sources": e.sources})
}

fn edge_text(e: &network::EdgeData) -> String {
    let mut parts = vec![if e.kind.is_empty() {
        e.relation.clone()
    } else {
        e.kind.clone()
    }];
    for p in [&e.date, &e.place] {
        if !p.is_empty() {
            parts.push(p.clone());
        }
    }
    parts.push(format!(
        "{} source{}",
        e.sources,
        if e.sources == 1 { "" } else { "s" }
    ));
    parts.join(", ")
}

fn print_path(
    g: &Network,
    a: petgraph::graph::NodeIndex,
    b: petgraph::graph::NodeIndex,
    hops: Option<&[network::Hop]>,
    format: ListFormat,
) -> Result<()> {
    match (format, hops) {
        (ListFormat::Json, _) => print_json(&serde_json::json!({
            "from": node_json(g, a),
            "to": node_json(g, b),
            "connected": hops.is_some(),
            "hops": hops.unwrap_or_default().iter().map(|h| serde_json::json!({
                "from": node_json(g, h.from),
                "to": node_json(g, h.to),
                "events": h.edges.iter().map(edge_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })),
        (ListFormat::Table, None) => {
            println!("no contact path between {} and {}", g[a].label, g[b].label);
            Ok(())
        }
        (ListFormat::Table, Some(hops)) => {
            println!(
                "{} to {}: {} hop{}",
                g[a].label,
                g[b].label,
                hops.len(),
                if hops.len() == 1 { "" } else { "s" }
            );
            for h in hops {
                println!("  {} -- {}", g[h.from].label, g[h.to].label);
                for e in &h.edges {
                    println!("      {}", edge_text(e));
                }
            }
            Ok(())
        }
    }
}

fn print_centrality(g: &Network, c: &[network::Centrality], format: ListFormat) -> Result<()> {
    match format {
        ListFormat::Json => print_json(&serde_json::Value::Array(
            c.iter()
                .map(|x| {
                    let mut v = node_json(g, x.node);
                    v["degree"] = x.degree.into();
                    v["contacts"] = x.contacts.into();
                    v["betweenness"] = x.betweenness.into();
                    v
                })
                .collect(),
        )),
        ListFormat::Table => {
            println!(
                "{:<40} {:<13} {:>6} {:>8} {:>11}",
                "entity", "type", "degree", "contacts", "betweenness"
            );
            for x in c {
                let d = &g[x.node];
                println!(
                    "{:<40} {:<13} {:>6} {:>8} {:>11.4}",
                    d.label.chars().take(40).collect::<String>(),
                    d.kind,
                    x.degree,
                    x.contacts,
                    x.betweenness
                );
            }
            Ok(())
        }
    }
}

fn print_components(
    g: &Network,
    comps: &[Vec<petgraph::graph::NodeIndex>],
    format: ListFormat,
) -> Result<()> {
    match format {
        ListFormat::Json => print_json(&serde_json::Value::Array(
            comps
                .iter()
                .map(|c| serde_json::Value::Array(c.iter().map(|&n| node_json(g, n)).collect()))
                .collect(),
        )),
        ListFormat::Table => {
            println!(
                "{} components, {} entities, {} contacts",
                comps.len(),
                g.node_count(),
                g.edge_count()
            );
            for (i, c) in comps.iter().enumerate() {
                let names: Vec<&str> = c.iter().take(12).map(|&n| g[n].label.as_str()).collect();
                println!(
                    "  {:>4}. {} entities: {}{}",
                    i + 1,
                    c.len(),
                    names.join("; "),
                    if c.len() > 12 { "; ..." } else { "" }
                );
            }
            Ok(())
        }
    }
}

fn print_timeline(
    g: &Network,
    n: petgraph::graph::NodeIndex,
    t: &[network::TimelineEntry],
    format: ListFormat,
) -> Result<()> {
    match format {
        ListFormat::Json => print_json(&serde_json::json!({
            "entity": node_json(g, n),
            "events": t.iter().map(|e| serde_json::json!({
                "date": e.date, "place": e.place, "kind": e.kind, "event": e.event,
                "sources": e.sources, "with": e.with,
            })).collect::<Vec<_>>(),
        })),
        ListFormat::Table => {
            println!("{}: {} events", g[n].label, t.len());
            for e in t {
                println!(
                    "  {:<10}  {:<10}  {:<20}  with {}  ({} source{})",
                    if e.date.is_empty() {
                        "undated"
                    } else {
                        &e.date
                    },
                    e.kind,
                    e.place.chars().take(20).collect::<String>(),
                    e.with.join("; "),
                    e.sources,
                    if e.sources == 1 { "" } else { "s" }
                );
            }
            Ok(())
        }
    }
}
