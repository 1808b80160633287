//! Export: the contact network (a petgraph projection, see [`crate::network`]) as GraphML,
//! DOT or CSV node/edge lists, or the RDF itself (Turtle of the union graph, N-Quads or
//! JSON-LD of the whole dataset).
//!
//! GraphML nodes are entities (IRI, label, type, Wikidata id); edges are contacts from
//! held (fused) events (relation, event type, date, place, event IRI, number of source
//! articles) and, in the `everything` projection, memberships (person → organisation).
//! Typed `<key>` declarations make the attributes readable by networkx, igraph and Gephi; the
//! document validates against the GraphML 1.0 schema. Read-only; formats nothing for people.

use crate::network::{self, EdgeData, Filter, Network, NetworkError};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::store::Store;
use std::io::Write;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Network(#[from] NetworkError),
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
    /// Graphviz DOT contact network, for quick pictures (`dot -Tsvg`).
    Dot,
    /// The contact network's nodes as CSV (id, label, type, wikidata).
    NodesCsv,
    /// The contact network's edges as CSV (source, target, relation, type, date, place,
    /// event, sources).
    EdgesCsv,
    /// Turtle (all graphs merged into one graph).
    Turtle,
    /// N-Quads (one named graph per article, plus the reasoner's graphs).
    Nquads,
    /// JSON-LD (expanded, with named graphs).
    Jsonld,
}

impl ExportFormat {
    /// Whether the format is a projection of the contact network (needs a reasoned store).
    pub fn is_network(self) -> bool {
        matches!(
            self,
            ExportFormat::Graphml
                | ExportFormat::Dot
                | ExportFormat::NodesCsv
                | ExportFormat::EdgesCsv
        )
    }
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

/// GraphML keys: (id, for, attr.name, attr.type).
const GRAPHML_KEYS: [(&str, &str, &str, &str); 11] = [
    ("iri", "node", "iri", "string"),
    ("label", "node", "label", "string"),
    ("type", "node", "type", "string"),
    ("wikidata", "node", "wikidata", "string"),
    ("relation", "edge", "relation", "string"),
    ("kind", "edge", "kind", "string"),
    ("date", "edge", "date", "string"),
    ("place", "edge", "place", "string"),
    ("event", "edge", "event", "string"),
    ("sources", "edge", "sources", "int"),
    ("weight", "edge", "weight", "double"),
];

/// Writes the network as GraphML 1.0: undirected; typed keys; node ids are `n0`, `n1` … (the
/// schema's NMTOKEN ids cannot hold IRIs), with the entity IRI in the `iri` attribute.
pub fn write_graphml(g: &Network, filter: &Filter, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    writeln!(
        out,
        "  <desc>newsgraph contact network; projection {:?}; dates {} to {}</desc>",
        filter.projection,
        esc(filter.since.as_deref().unwrap_or("any")),
        esc(filter.until.as_deref().unwrap_or("any"))
    )?;
    for (id, on, name, ty) in GRAPHML_KEYS {
        writeln!(
            out,
            r#"  <key id="{id}" for="{on}" attr.name="{name}" attr.type="{ty}"/>"#
        )?;
    }
    writeln!(out, r#"  <graph id="newsgraph" edgedefault="undirected">"#)?;
    let data = |out: &mut dyn Write, key: &str, v: &str| -> std::io::Result<()> {
        if v.is_empty() {
            Ok(())
        } else {
            writeln!(out, r#"      <data key="{key}">{}</data>"#, esc(v))
        }
    };
    for n in g.node_indices() {
        let d = &g[n];
        writeln!(out, r#"    <node id="n{}">"#, n.index())?;
        data(out, "iri", &d.id)?;
        data(out, "label", &d.label)?;
        data(out, "type", &d.kind)?;
        data(out, "wikidata", &d.wikidata)?;
        writeln!(out, "    </node>")?;
    }
    for (k, e) in g.edge_indices().enumerate() {
        let Some((a, b)) = g.edge_endpoints(e) else {
            continue;
        };
        let d = &g[e];
        writeln!(
            out,
            r#"    <edge id="e{k}" source="n{}" target="n{}">"#,
            a.index(),
            b.index()
        )?;
        data(out, "relation", &d.relation)?;
        data(out, "kind", &d.kind)?;
        data(out, "date", &d.date)?;
        data(out, "place", &d.place)?;
        data(out, "event", &d.event)?;
        writeln!(out, r#"      <data key="sources">{}</data>"#, d.sources)?;
        writeln!(
            out,
            r#"      <data key="weight">{}.0</data>"#,
            d.sources.max(1)
        )?;
        writeln!(out, "    </edge>")?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}

fn dot_quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' | '\r' => o.push(' '),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn edge_label(d: &EdgeData) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in [d.kind.as_str(), d.date.as_str(), d.place.as_str()] {
        if !p.is_empty() {
            parts.push(p);
        }
    }
    parts.join(", ")
}

/// Writes the network as an undirected Graphviz graph: persons as ellipses, organisations as
/// boxes, places as octagons; edge labels give type, date and place; width grows with sources.
pub fn write_dot(g: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "graph newsgraph {{")?;
    writeln!(out, "  graph [overlap=false, splines=true];")?;
    writeln!(
        out,
        "  node [fontname=\"Helvetica\"]; edge [fontname=\"Helvetica\", fontsize=9];"
    )?;
    for n in g.node_indices() {
        let d = &g[n];
        let shape = match d.kind.as_str() {
            "person" => "ellipse",
            "organization" => "box",
            _ => "octagon",
        };
        writeln!(
            out,
            "  n{} [label={}, shape={shape}, tooltip={}];",
            n.index(),
            dot_quote(&d.label),
            dot_quote(&d.id)
        )?;
    }
    for e in g.edge_indices() {
        let Some((a, b)) = g.edge_endpoints(e) else {
            continue;
        };
        let d = &g[e];
        let style = if d.relation == "memberOf" {
            ", style=dashed"
        } else {
            ""
        };
        writeln!(
            out,
            "  n{} -- n{} [label={}, penwidth={:.1}{style}];",
            a.index(),
            b.index(),
            dot_quote(&edge_label(d)),
            1.0 + (d.sources.max(1) as f64).ln()
        )?;
    }
    writeln!(out, "}}")
}

/// One CSV field, quoted when it needs to be (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_row(out: &mut dyn Write, fields: &[&str]) -> std::io::Result<()> {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    write!(out, "{}\r\n", line.join(","))
}

/// Writes the nodes as CSV: id,label,type,wikidata.
pub fn write_nodes_csv(g: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    csv_row(out, &["id", "label", "type", "wikidata"])?;
    for n in g.node_indices() {
        let d = &g[n];
        csv_row(out, &[&d.id, &d.label, &d.kind, &d.wikidata])?;
    }
    Ok(())
}

/// Writes the edges as CSV: source,target,relation,kind,date,place,event,sources.
pub fn write_edges_csv(g: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    csv_row(
        out,
        &[
            "source", "target", "relation", "kind", "date", "place", "event", "sources",
        ],
    )?;
    for e in g.edge_indices() {
        let Some((a, b)) = g.edge_endpoints(e) else {
            continue;
        };
        let d = &g[e];
        let sources = d.sources.to_string();
        csv_row(
            out,
            &[
                &g[a].id,
                &g[b].id,
                &d.relation,
                &d.kind,
                &d.date,
                &d.place,
                &d.event,
                &sources,
            ],
        )?;
    }
    Ok(())
}

/// Exports the store in `format`; network formats use `filter`'s projection and dates.
pub fn export(
    store: &Store,
    format: ExportFormat,
    filter: &Filter,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    match format {
        ExportFormat::Graphml => write_graphml(&network::project(store, filter)?, filter, out)?,
        ExportFormat::Dot => write_dot(&network::project(store, filter)?, out)?,
        ExportFormat::NodesCsv => write_nodes_csv(&network::project(store, filter)?, out)?,
        ExportFormat::EdgesCsv => write_edges_csv(&network::project(store, filter)?, out)?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::NodeData;

    fn tiny() -> Network {
        let mut g = Network::default();
        let a = g.add_node(NodeData {
            id: "https://w3id.org/newsgraph/id/entity/a".into(),
            label: "Ana \"the <chief>\" & co".into(),
            kind: "person".into(),
            wikidata: String::new(),
        });
        let b = g.add_node(NodeData {
            id: "https://w3id.org/newsgraph/id/entity/b".into(),
            label: "Ministry, of Things".into(),
            kind: "organization".into(),
            wikidata: "Q42".into(),
        });
        g.add_edge(
            a,
            b,
            EdgeData {
                relation: "met".into(),
                kind: "Meeting".into(),
                date: "2024-05".into(),
                place: "Quito\u{1}".into(),
                event: "https://w3id.org/newsgraph/id/fused/1".into(),
                sources: 3,
            },
        );
        g
    }

    #[test]
    fn graphml_escapes_markup_and_uses_schema_valid_ids() {
        let mut out = Vec::new();
        write_graphml(&tiny(), &Filter::default(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains(r#"<node id="n0">"#) && s.contains(r#"source="n0" target="n1""#));
        assert!(s.contains("Ana &quot;the &lt;chief&gt;&quot; &amp; co"));
        assert!(
            s.contains(r#"<data key="place">Quito</data>"#),
            "control characters dropped"
        );
        assert!(s.contains(r#"<data key="sources">3</data>"#));
        assert!(s.contains(r#"<data key="wikidata">Q42</data>"#));
    }

    #[test]
    fn csv_quotes_fields_with_commas_and_quotes() {
        let mut out = Vec::new();
        write_nodes_csv(&tiny(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("\"Ana \"\"the <chief>\"\" & co\""), "{s}");
        assert!(
            s.contains(",\"Ministry, of Things\",organization,Q42\r\n"),
            "{s}"
        );
    }

    #[test]
    fn dot_labels_are_quoted_and_edges_labelled() {
        let mut out = Vec::new();
        write_dot(&tiny(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains(r#"label="Ana \"the <chief>\" & co""#), "{s}");
        assert!(
            s.contains(r#"n0 -- n1 [label="Meeting, 2024-05, Quito"#),
            "{s}"
        );
    }
}
