//! Query: run SPARQL 1.1 queries on the store and write the results.
//!
//! The default graph is the union of all article graphs (so named queries need no GRAPH
//! clause) unless the query names its own dataset with FROM. Results are written as a text
//! table, W3C SPARQL 1.1 JSON, CSV or TSV; graphs (CONSTRUCT/DESCRIBE) as Turtle or N-Triples.
//! An optional time-out cancels long queries. Read-only: never updates the store.

use crate::rdf::ns;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Term;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{
    CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator, SparqlSyntaxError,
};
use oxigraph::store::Store;
use std::io::Write;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("invalid SPARQL query: {0}")]
    Syntax(#[from] SparqlSyntaxError),
    #[error("query evaluation failed: {0}")]
    Evaluation(#[from] QueryEvaluationError),
    #[error("the query ran longer than the {0:?} time-out and was stopped")]
    Timeout(Duration),
    #[error("cannot write results: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot serialize results: {0}")]
    Serialize(String),
}

/// Output formats for query results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text table for people.
    Table,
    /// W3C SPARQL 1.1 Query Results JSON.
    Json,
    /// SPARQL 1.1 Query Results CSV.
    Csv,
    /// SPARQL 1.1 Query Results TSV.
    Tsv,
}

/// A SELECT result held in memory: variable names and rows of optional terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub vars: Vec<String>,
    pub rows: Vec<Vec<Option<Term>>>,
}

impl Table {
    /// The plain value of a term: IRI string or literal lexical form.
    pub fn value(t: &Option<Term>) -> String {
        match t {
            Some(Term::NamedNode(n)) => n.as_str().to_string(),
            Some(Term::Literal(l)) => l.value().to_string(),
            Some(Term::BlankNode(b)) => format!("_:{}", b.as_str()),
            #[allow(unreachable_patterns)]
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }
    pub fn col(&self, name: &str) -> Option<usize> {
        column(&self.vars, name)
    }
}

/// The index of variable `name` among a query's `vars` (as [`select_rows`] returns them).
pub fn column(vars: &[String], name: &str) -> Option<usize> {
    vars.iter().position(|v| v == name)
}

/// Standard prefixes prepended to queries that do not declare them.
pub fn with_prefixes(query: &str) -> String {
    let mut out = String::new();
    for (p, iri) in ns::PREFIXES {
        let decl = format!("PREFIX {p}:");
        if !query.contains(&decl) {
            out.push_str(&format!("PREFIX {p}: <{iri}>\n"));
        }
    }
    out.push_str(query);
    out
}

fn prepare(
    store: &Store,
    query: &str,
    token: CancellationToken,
) -> Result<QueryResults<'static>, QueryError> {
    let q = with_prefixes(query);
    let mut prepared = SparqlEvaluator::new()
        .with_cancellation_token(token)
        .with_custom_function(crate::rdf::ng("inferenceOf"), inference_of)
        .parse_query(&q)?;
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    Ok(prepared.on_store(store).execute()?)
}

/// `ng:inferenceOf(s, p, o)`: the IRI of the `ng:Inference` record the reasoner gives the
/// triple (whether or not it concluded it). Rules use it to name a premise's record by a
/// lookup, where matching records by `rdf:subject`, `rdf:predicate` and `rdf:object` would
/// make Oxigraph join against every record of the store.
fn inference_of(args: &[Term]) -> Option<Term> {
    match args {
        [
            s @ (Term::NamedNode(_) | Term::BlankNode(_)),
            Term::NamedNode(p),
            o,
        ] => Some(crate::reason::record_iri(s.as_ref(), p.as_ref(), o.as_ref()).into()),
        _ => None,
    }
}

fn timer(timeout: Option<Duration>) -> CancellationToken {
    let token = CancellationToken::new();
    if let Some(t) = timeout {
        let c = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(t);
            c.cancel();
        });
    }
    token
}

fn map_eval(e: QueryEvaluationError, timeout: Option<Duration>) -> QueryError {
    match (e, timeout) {
        (QueryEvaluationError::Cancelled, Some(t)) => QueryError::Timeout(t),
        (e, _) => QueryError::Evaluation(e),
    }
}

/// Runs a SELECT query and collects the rows.
pub fn select(store: &Store, query: &str, timeout: Option<Duration>) -> Result<Table, QueryError> {
    let (vars, rows) = select_rows(store, query, timeout)?;
    Ok(Table {
        vars,
        rows: rows.collect::<Result<_, _>>()?,
    })
}

/// Rows of a SELECT query as they are evaluated.
pub type Rows = Box<dyn Iterator<Item = Result<Vec<Option<Term>>, QueryError>>>;

/// A SELECT query's variables, and its rows as they are evaluated (one `Option<Term>` per
/// variable), for callers that must not hold every row at once. Anything but a SELECT gives
/// no variables and no rows.
pub fn select_rows(
    store: &Store,
    query: &str,
    timeout: Option<Duration>,
) -> Result<(Vec<String>, Rows), QueryError> {
    match prepare(store, query, timer(timeout))? {
        QueryResults::Solutions(sols) => {
            let vars: Vec<String> = sols
                .variables()
                .iter()
                .map(|v| v.as_str().to_string())
                .collect();
            let vs = sols.variables().to_vec();
            let rows = sols.map(move |s| {
                let s = s.map_err(|e| map_eval(e, timeout))?;
                Ok(vs.iter().map(|v| s.get(v).cloned()).collect())
            });
            Ok((vars, Box::new(rows)))
        }
        _ => Ok((Vec::new(), Box::new(std::iter::empty()))),
    }
}

/// Runs any query and writes its results to `out` in `format`.
pub fn run(
    store: &Store,
    query: &str,
    format: OutputFormat,
    timeout: Option<Duration>,
    out: &mut dyn Write,
) -> Result<(), QueryError> {
    let results = prepare(store, query, timer(timeout))?;
    let rf = match format {
        OutputFormat::Json => Some(QueryResultsFormat::Json),
        OutputFormat::Csv => Some(QueryResultsFormat::Csv),
        OutputFormat::Tsv => Some(QueryResultsFormat::Tsv),
        OutputFormat::Table => None,
    };
    match results {
        QueryResults::Solutions(sols) => {
            let vars = sols.variables().to_vec();
            match rf {
                Some(f) => {
                    let mut w = QueryResultsSerializer::from_format(f)
                        .serialize_solutions_to_writer(&mut *out, vars.clone())?;
                    for s in sols {
                        let s = s.map_err(|e| map_eval(e, timeout))?;
                        w.serialize(&s)?;
                    }
                    w.finish()?;
                }
                None => {
                    let mut rows = Vec::new();
                    for s in sols {
                        let s = s.map_err(|e| map_eval(e, timeout))?;
                        rows.push(vars.iter().map(|v| s.get(v).cloned()).collect());
                    }
                    let t = Table {
                        vars: vars.iter().map(|v| v.as_str().to_string()).collect(),
                        rows,
                    };
                    write_table(&t, out)?;
                }
            }
        }
        QueryResults::Boolean(b) => match rf {
            Some(f) => {
                QueryResultsSerializer::from_format(f).serialize_boolean_to_writer(&mut *out, b)?;
            }
            None => writeln!(out, "{b}")?,
        },
        QueryResults::Graph(triples) => {
            let mut ser = RdfSerializer::from_format(RdfFormat::Turtle);
            for (p, iri) in ns::PREFIXES {
                ser = ser
                    .with_prefix(*p, *iri)
                    .map_err(|e| QueryError::Serialize(e.to_string()))?;
            }
            let mut w = ser.for_writer(&mut *out);
            for t in triples {
                let t = t.map_err(|e| map_eval(e, timeout))?;
                w.serialize_triple(&t)?;
            }
            w.finish()?;
        }
    }
    Ok(())
}

/// Shortens an IRI with the standard prefixes for display.
pub fn compact(iri: &str) -> String {
    for (p, ns) in ns::PREFIXES {
        if let Some(rest) = iri.strip_prefix(ns) {
            return format!("{p}:{rest}");
        }
    }
    iri.to_string()
}

/// Writes a table with aligned columns; IRIs are shortened with the standard prefixes.
pub fn write_table(t: &Table, out: &mut dyn Write) -> std::io::Result<()> {
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Some(Term::NamedNode(n)) => compact(n.as_str()),
                    other => Table::value(other).replace(['\n', '\t'], " "),
                })
                .collect()
        })
        .collect();
    let mut width: Vec<usize> = t.vars.iter().map(|v| v.chars().count() + 1).collect();
    for r in &cells {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count().min(80));
        }
    }
    let line = |out: &mut dyn Write, vals: &[String]| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            let v: String = v.chars().take(80).collect();
            s.push_str(&v);
            if i + 1 < vals.len() {
                s.push_str(&" ".repeat(width[i] + 2 - v.chars().count()));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    let header: Vec<String> = t.vars.iter().map(|v| format!("?{v}")).collect();
    line(out, &header)?;
    for r in &cells {
        line(out, r)?;
    }
    writeln!(out, "({} rows)", cells.len())
}
