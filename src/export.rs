//! Export: the store as GraphML (a petgraph projection of the contact network) or as RDF
//! (Turtle of the union graph, N-Quads or JSON-LD of the whole dataset).
//!
//! GraphML nodes are entities (id = IRI, label, type, Wikidata id); edges are contacts from
//! held meetings (relation, date, place, event, number of source articles), and, in the
//! `everything` projection, memberships (person → organisation). Typed `<key>` declarations
//! make the attributes readable by networkx, igraph and Gephi. Read-only.

use crate::query::{self, QueryError, Table};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::store::Store;
use petgraph::graph::{Graph, NodeIndex};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot serialize RDF: {0}")]
    Rdf(String),
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// GraphML contact network for Gephi, networkx, igraph.
    Graphml,
    /// Turtle (all article graphs merged into one graph).
    Turtle,
    /// N-Quads (one named graph per article).
    Nquads,
    /// JSON-LD (expanded, with named graphs).
    Jsonld,
}

/// Which nodes and edges the GraphML projection keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Projection {
    /// Persons and the contacts between them.
    Persons,
    /// Persons, institutions and countries that took part in meetings.
    #[default]
    Actors,
    /// Actors plus memberships (person → organisation).
    Everything,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeData {
    pub id: String,
    pub label: String,
    pub kind: String,
    pub wikidata: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeData {
    pub relation: String,
    pub date: String,
    pub place: String,
    pub event: String,
    pub sources: i64,
}

const CONTACTS: &str = r#"
SELECT ?event ?a ?aName ?aType ?aWd ?b ?bName ?bType ?bWd ?date ?placeName (COUNT(DISTINCT ?article) AS ?sources)
WHERE {
  GRAPH ?g {
    ?event a ng:Contact ; ng:status ng:held ; ng:article ?article ; sem:hasActor ?a, ?b .
    FILTER(STR(?a) < STR(?b))
    ?a schema:name ?aName . ?b schema:name ?bName .
    ?a a ?aType . ?b a ?bType .
    VALUES ?aType { schema:Person org:Organization schema:Place }
    VALUES ?bType { schema:Person org:Organization schema:Place }
    OPTIONAL { ?a owl:sameAs ?aWd } OPTIONAL { ?b owl:sameAs ?bWd }
    OPTIONAL { ?event sem:hasTimeStamp ?date }
    OPTIONAL { ?event sem:hasPlace/schema:name ?placeName }
  }
}
GROUP BY ?event ?a ?aName ?aType ?aWd ?b ?bName ?bType ?bWd ?date ?placeName
ORDER BY ?event ?a ?b
"#;

const MEMBERSHIPS: &str = r#"
SELECT DISTINCT ?a ?aName ?b ?bName ?bType ?bWd ?title WHERE {
  GRAPH ?g {
    ?m a org:Membership ; org:member ?a ; org:organization ?b ; ng:title ?title .
    ?a schema:name ?aName . ?b schema:name ?bName . ?b a ?bType .
    VALUES ?bType { org:Organization schema:Place }
    OPTIONAL { ?b owl:sameAs ?bWd }
  }
}
ORDER BY ?a ?b ?title
"#;

fn kind_name(iri: &str) -> &'static str {
    if iri.ends_with("Person") {
        "person"
    } else if iri.ends_with("Organization") {
        "organization"
    } else {
        "place"
    }
}

/// Builds the projection as a petgraph graph. Deterministic node and edge order.
pub fn project(
    store: &Store,
    projection: Projection,
) -> Result<Graph<NodeData, EdgeData>, ExportError> {
    let t = query::select(store, CONTACTS, None)?;
    let mut g: Graph<NodeData, EdgeData> = Graph::new();
    let mut index: HashMap<String, NodeIndex> = HashMap::new();
    let v = |t: &Table, row: &Vec<Option<oxigraph::model::Term>>, name: &str| {
        t.col(name)
            .map(|i| Table::value(&row[i]))
            .unwrap_or_default()
    };
    let mut node =
        |g: &mut Graph<NodeData, EdgeData>, id: String, label: String, kind: &str, wd: String| {
            *index.entry(id.clone()).or_insert_with(|| {
                g.add_node(NodeData {
                    id,
                    label,
                    kind: kind.to_string(),
                    wikidata: wd.rsplit('/').next().unwrap_or("").to_string(),
                })
            })
        };
    // Several names or places per event row: keep the first per (event, a, b).
    let mut seen: BTreeMap<(String, String, String), ()> = BTreeMap::new();
    for row in &t.rows {
        let (a, b, ev) = (v(&t, row, "a"), v(&t, row, "b"), v(&t, row, "event"));
        let (ak, bk) = (
            kind_name(&v(&t, row, "aType")),
            kind_name(&v(&t, row, "bType")),
        );
        if projection == Projection::Persons && (ak != "person" || bk != "person") {
            continue;
        }
        if seen
            .insert((ev.clone(), a.clone(), b.clone()), ())
            .is_some()
        {
            continue;
        }
        let na = node(&mut g, a, v(&t, row, "aName"), ak, v(&t, row, "aWd"));
        let nb = node(&mut g, b, v(&t, row, "bName"), bk, v(&t, row, "bWd"));
        g.add_edge(
            na,
            nb,
            EdgeData {
                relation: "met".into(),
                date: v(&t, row, "date"),
                place: v(&t, row, "placeName"),
                event: ev,
                sources: v(&t, row, "sources").parse().unwrap_or(1),
            },
        );
    }
    if projection == Projection::Everything {
        let m = query::select(store, MEMBERSHIPS, None)?;
        for row in &m.rows {
            let na = node(
                &mut g,
                v(&m, row, "a"),
                v(&m, row, "aName"),
                "person",
                String::new(),
            );
            let nb = node(
                &mut g,
                v(&m, row, "b"),
                v(&m, row, "bName"),
                kind_name(&v(&m, row, "bType")),
                v(&m, row, "bWd"),
            );
            g.add_edge(
                na,
                nb,
                EdgeData {
                    relation: format!("memberOf:{}", v(&m, row, "title")),
                    date: String::new(),
                    place: String::new(),
                    event: String::new(),
                    sources: 1,
                },
            );
        }
    }
    Ok(g)
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

/// Writes a graph as GraphML with typed keys.
pub fn write_graphml(g: &Graph<NodeData, EdgeData>, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    for (id, on, name, ty) in [
        ("d0", "node", "label", "string"),
        ("d1", "node", "type", "string"),
        ("d2", "node", "wikidata", "string"),
        ("d3", "edge", "relation", "string"),
        ("d4", "edge", "date", "string"),
        ("d5", "edge", "place", "string"),
        ("d6", "edge", "event", "string"),
        ("d7", "edge", "sources", "int"),
    ] {
        writeln!(
            out,
            r#"  <key id="{id}" for="{on}" attr.name="{name}" attr.type="{ty}"/>"#
        )?;
    }
    writeln!(out, r#"  <graph id="newsgraph" edgedefault="undirected">"#)?;
    for n in g.node_indices() {
        let d = &g[n];
        writeln!(out, r#"    <node id="{}">"#, esc(&d.id))?;
        writeln!(out, r#"      <data key="d0">{}</data>"#, esc(&d.label))?;
        writeln!(out, r#"      <data key="d1">{}</data>"#, esc(&d.kind))?;
        if !d.wikidata.is_empty() {
            writeln!(out, r#"      <data key="d2">{}</data>"#, esc(&d.wikidata))?;
        }
        writeln!(out, "    </node>")?;
    }
    for (k, e) in g.edge_indices().enumerate() {
        let Some((a, b)) = g.edge_endpoints(e) else {
            continue;
        };
        let d = &g[e];
        writeln!(
            out,
            r#"    <edge id="e{k}" source="{}" target="{}">"#,
            esc(&g[a].id),
            esc(&g[b].id)
        )?;
        writeln!(out, r#"      <data key="d3">{}</data>"#, esc(&d.relation))?;
        if !d.date.is_empty() {
            writeln!(out, r#"      <data key="d4">{}</data>"#, esc(&d.date))?;
        }
        if !d.place.is_empty() {
            writeln!(out, r#"      <data key="d5">{}</data>"#, esc(&d.place))?;
        }
        if !d.event.is_empty() {
            writeln!(out, r#"      <data key="d6">{}</data>"#, esc(&d.event))?;
        }
        writeln!(out, r#"      <data key="d7">{}</data>"#, d.sources)?;
        writeln!(out, "    </edge>")?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}

/// Exports the store in `format`.
pub fn export(
    store: &Store,
    format: ExportFormat,
    projection: Projection,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    match format {
        ExportFormat::Graphml => {
            let g = project(store, projection)?;
            write_graphml(&g, out)?;
        }
        ExportFormat::Nquads => {
            store
                .dump_to_writer(RdfFormat::NQuads, out)
                .map_err(|e| ExportError::Rdf(e.to_string()))?;
        }
        ExportFormat::Jsonld => {
            store
                .dump_to_writer(
                    RdfFormat::JsonLd {
                        profile: JsonLdProfileSet::empty(),
                    },
                    out,
                )
                .map_err(|e| ExportError::Rdf(e.to_string()))?;
        }
        ExportFormat::Turtle => {
            let mut ser = RdfSerializer::from_format(RdfFormat::Turtle);
            for (p, iri) in crate::rdf::ns::PREFIXES {
                ser = ser
                    .with_prefix(*p, *iri)
                    .map_err(|e| ExportError::Rdf(e.to_string()))?;
            }
            let mut w = ser.for_writer(out);
            // Streamed, so memory stays flat: a triple stated in several article graphs may be
            // written more than once, which Turtle readers merge (RDF graphs are sets).
            for q in store.iter() {
                let q = q.map_err(|e| ExportError::Rdf(e.to_string()))?;
                w.serialize_triple(&oxigraph::model::Triple::from(q))?;
            }
            w.finish()?;
        }
    }
    Ok(())
}
