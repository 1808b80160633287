//! Network: the contact network as a petgraph graph, and the analyses users ask of it.
//!
//! Nodes are entities (persons, institutions, places acting as actors); edges are held fused
//! events (one edge per pair of actors of each real-world event, with date, place, event type
//! and the number of source articles). Built from what [`crate::reason`] wrote, so it needs a
//! reasoned store. Analyses: shortest contact path, degree and betweenness centrality
//! (brokers), connected components, and a person's timeline. Also resolves what a user types
//! ("Anna Berg", a Wikidata id, an IRI) to entities.
//!
//! Read-only; does not write the store or format output for people (the CLI does).

use crate::query::{self, QueryError, Table};
use crate::reason::INFERRED_GRAPH;
use oxigraph::model::Term;
use oxigraph::store::Store;
use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(
        "the store has no reasoning results yet; run `newsgraph reason` (builds do it unless --no-reason)"
    )]
    NotReasoned,
    #[error("cannot read the store: {0}")]
    Storage(#[from] oxigraph::store::StorageError),
    #[error("no entity matches {0:?}")]
    NoMatch(String),
    #[error("{query:?} is ambiguous; use one of these ids or names:\n{candidates}")]
    Ambiguous { query: String, candidates: String },
}

/// Which nodes and edges a projection keeps.
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

/// A node: an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeData {
    /// The entity IRI.
    pub id: String,
    pub label: String,
    /// person, organization or place.
    pub kind: String,
    /// Wikidata id (Q…), or empty.
    pub wikidata: String,
}

/// An edge: two actors of one fused event (relation "met"), or a membership ("memberOf").
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeData {
    pub relation: String,
    /// Event type (Meeting, PhoneCall, Visit …), or the title for memberships.
    pub kind: String,
    /// ISO date, month or year; empty when unknown.
    pub date: String,
    pub place: String,
    /// The fused event IRI (empty for memberships).
    pub event: String,
    /// Distinct articles reporting it.
    pub sources: i64,
}

pub type Network = UnGraph<NodeData, EdgeData>;

/// What to keep: projection and an optional date range (ISO prefixes, inclusive).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub projection: Projection,
    pub since: Option<String>,
    pub until: Option<String>,
}

impl Filter {
    /// Whether an event dated `date` (YYYY, YYYY-MM or YYYY-MM-DD) overlaps the range.
    /// Undated events are kept only when no range is set.
    pub fn keeps_date(&self, date: &str) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        if date.is_empty() {
            return false;
        }
        // The period a partial date covers, as comparable strings.
        let start = match date.len() {
            4 => format!("{date}-01-01"),
            7 => format!("{date}-01"),
            _ => date.to_string(),
        };
        let end = match date.len() {
            4 => format!("{date}-12-99"),
            7 => format!("{date}-99"),
            _ => date.to_string(),
        };
        let since_ok = self
            .since
            .as_ref()
            .is_none_or(|s| end.as_str() >= s.as_str());
        let until_ok = self.until.as_ref().is_none_or(|u| {
            let u = match u.len() {
                4 => format!("{u}-12-99"),
                7 => format!("{u}-99"),
                _ => u.clone(),
            };
            start <= u
        });
        since_ok && until_ok
    }
}

fn inferred(q: &str) -> String {
    q.replace("INFERRED", &format!("<{INFERRED_GRAPH}>"))
}

const EDGES: &str = r#"
SELECT ?f ?a ?b ?date ?place ?sources ?etype WHERE {
  GRAPH INFERRED {
    ?f a ng:FusedEvent ; ng:status ng:held ; ng:sourceCount ?sources ; sem:hasActor ?a, ?b .
    FILTER (STR(?a) < STR(?b))
    OPTIONAL { ?f sem:hasTimeStamp ?date }
    OPTIONAL { ?f sem:hasPlace ?place }
    OPTIONAL { ?f ng:eventType ?etype }
  }
}
ORDER BY ?f ?a ?b
"#;

const NODES: &str = r#"
SELECT DISTINCT ?e WHERE {
  GRAPH INFERRED { ?f a ng:FusedEvent . { ?f sem:hasActor ?e } UNION { ?f sem:hasPlace ?e } }
}
"#;

const MEMBERSHIPS: &str = r#"
SELECT ?p ?o (COUNT(DISTINCT ?article) AS ?sources) WHERE {
  GRAPH INFERRED { ?r a ng:Inference ; rdf:subject ?p ; rdf:predicate org:memberOf ; rdf:object ?o ; ng:sourceArticle ?article }
}
GROUP BY ?p ?o
ORDER BY ?p ?o
"#;

/// An entity's node data, read with direct index lookups: the smallest `schema:name`, the
/// most specific of person / organisation / place, the Wikidata id. (A SPARQL join over the
/// union default graph would multiply the rows by the number of articles naming it.) None
/// when the entity has no name or none of those types.
pub fn entity_info(store: &Store, iri: &str) -> Result<Option<NodeData>, NetworkError> {
    use oxigraph::model::{NamedNodeRef, NamedOrBlankNodeRef, TermRef};
    let Ok(node) = NamedNodeRef::new(iri) else {
        return Ok(None);
    };
    let subject = NamedOrBlankNodeRef::from(node);
    let storage = NetworkError::Storage;
    let mut label: Option<String> = None;
    for q in store.quads_for_pattern(
        Some(subject),
        Some(NamedNodeRef::new_unchecked("https://schema.org/name")),
        None,
        None,
    ) {
        if let Term::Literal(l) = q.map_err(storage)?.object
            && label.as_deref().is_none_or(|old| l.value() < old)
        {
            label = Some(l.value().to_string());
        }
    }
    let mut kind: Option<&'static str> = None;
    for (t, k) in [
        ("https://schema.org/Person", "person"),
        ("http://www.w3.org/ns/org#Organization", "organization"),
        ("https://schema.org/Place", "place"),
    ] {
        let found = store
            .quads_for_pattern(
                Some(subject),
                Some(oxigraph::model::vocab::rdf::TYPE),
                Some(TermRef::from(NamedNodeRef::new_unchecked(t))),
                None,
            )
            .next()
            .transpose()
            .map_err(storage)?
            .is_some();
        if found {
            kind = Some(k);
            break;
        }
    }
    let mut wikidata = String::new();
    for q in store.quads_for_pattern(
        Some(subject),
        Some(NamedNodeRef::new_unchecked(
            "http://www.w3.org/2002/07/owl#sameAs",
        )),
        None,
        None,
    ) {
        if let Term::NamedNode(n) = q.map_err(storage)?.object
            && let Some(id) = n.as_str().strip_prefix("http://www.wikidata.org/entity/")
            && (wikidata.is_empty() || id < wikidata.as_str())
        {
            wikidata = id.to_string();
        }
    }
    Ok(match (label, kind) {
        (Some(label), Some(kind)) => Some(NodeData {
            id: iri.to_string(),
            label,
            kind: kind.to_string(),
            wikidata,
        }),
        _ => None,
    })
}

/// A cell of a query result as text (empty when unbound or absent).
pub(crate) fn cell(t: &Table, row: &[Option<Term>], name: &str) -> String {
    t.col(name)
        .map(|i| Table::value(&row[i]))
        .unwrap_or_default()
}

/// Whether reasoning has run on this store.
pub fn is_reasoned(store: &Store) -> Result<bool, QueryError> {
    let t = query::select(
        store,
        &inferred("SELECT ?x WHERE { GRAPH INFERRED { ?x ?p ?o } } LIMIT 1"),
        None,
    )?;
    if !t.rows.is_empty() {
        return Ok(true);
    }
    // An empty inferred graph is fine when there are no held events at all.
    let t = query::select(
        store,
        "SELECT ?e WHERE { ?e ng:status ng:held } LIMIT 1",
        None,
    )?;
    Ok(t.rows.is_empty())
}

/// Builds the contact network. Deterministic node and edge order (sorted by IRI).
pub fn project(store: &Store, filter: &Filter) -> Result<Network, NetworkError> {
    if !is_reasoned(store)? {
        return Err(NetworkError::NotReasoned);
    }
    let nodes = query::select(store, &inferred(NODES), None)?;
    let mut info: BTreeMap<String, NodeData> = BTreeMap::new();
    for row in &nodes.rows {
        let id = cell(&nodes, row, "e");
        if let Some(d) = entity_info(store, &id)? {
            info.insert(id, d);
        }
    }
    let edges = query::select(store, &inferred(EDGES), None)?;
    let mut g = Network::default();
    let mut index: HashMap<String, NodeIndex> = HashMap::new();
    fn node(g: &mut Network, index: &mut HashMap<String, NodeIndex>, d: &NodeData) -> NodeIndex {
        *index
            .entry(d.id.clone())
            .or_insert_with(|| g.add_node(d.clone()))
    }
    for row in &edges.rows {
        let (a, b) = (cell(&edges, row, "a"), cell(&edges, row, "b"));
        let (Some(na), Some(nb)) = (info.get(&a), info.get(&b)) else {
            continue;
        };
        if filter.projection == Projection::Persons && (na.kind != "person" || nb.kind != "person")
        {
            continue;
        }
        let date = cell(&edges, row, "date");
        if !filter.keeps_date(&date) {
            continue;
        }
        let place = info
            .get(&cell(&edges, row, "place"))
            .map(|p| p.label.clone())
            .unwrap_or_default();
        let etype = cell(&edges, row, "etype");
        let (ia, ib) = (node(&mut g, &mut index, na), node(&mut g, &mut index, nb));
        g.add_edge(
            ia,
            ib,
            EdgeData {
                relation: "met".into(),
                kind: etype.rsplit('#').next().unwrap_or("").to_string(),
                date,
                place,
                event: cell(&edges, row, "f"),
                sources: cell(&edges, row, "sources").parse().unwrap_or(1),
            },
        );
    }
    if filter.projection == Projection::Everything {
        let m = query::select(store, &inferred(MEMBERSHIPS), None)?;
        for row in &m.rows {
            let p = cell(&m, row, "p");
            // Memberships of people in the network only: the projection is about contacts.
            let Some(&ip) = index.get(&p) else {
                continue;
            };
            let oid = cell(&m, row, "o");
            let Some(o) = entity_info(store, &oid)? else {
                continue;
            };
            if o.kind == "person" {
                continue;
            }
            // The title of the membership (the smallest, for determinism), read per article.
            let title = query::select(
                store,
                &format!(
                    "SELECT (MIN(STR(?title)) AS ?t) WHERE {{ GRAPH ?g {{ ?m org:member <{p}> ; org:organization <{oid}> ; ng:title ?title }} }}"
                ),
                None,
            )?;
            let title = title
                .rows
                .first()
                .map(|r| cell(&title, r, "t"))
                .unwrap_or_default();
            let io = node(&mut g, &mut index, &o);
            g.add_edge(
                ip,
                io,
                EdgeData {
                    relation: "memberOf".into(),
                    kind: title,
                    date: String::new(),
                    place: String::new(),
                    event: String::new(),
                    sources: cell(&m, row, "sources").parse().unwrap_or(1),
                },
            );
        }
    }
    Ok(g)
}

/// Picks the entity a user means among `candidates`: an entity IRI or a Wikidata id (Q…),
/// else a name (exact, case insensitive), else a whole word of one name or a unique partial
/// match of at least four characters. Several hits are an error listing them.
pub fn pick(candidates: &[&NodeData], text: &str) -> Result<usize, NetworkError> {
    let t = text.trim();
    let lower = t.to_lowercase();
    let by = |f: &dyn Fn(&NodeData) -> bool| -> Vec<usize> {
        (0..candidates.len())
            .filter(|&i| f(candidates[i]))
            .collect()
    };
    let mut hits = by(&|d| d.id == t || (!d.wikidata.is_empty() && d.wikidata == t));
    if hits.is_empty() {
        hits = by(&|d| d.label.to_lowercase() == lower);
    }
    if hits.is_empty() {
        hits = by(&|d| {
            let l = d.label.to_lowercase();
            l.split(|c: char| !c.is_alphanumeric())
                .any(|w| !w.is_empty() && w == lower)
                || (lower.len() >= 4 && l.contains(&lower))
        });
    }
    // One entity may come with several names or types: hits on one id are one hit.
    let mut ids: Vec<&str> = hits.iter().map(|&i| candidates[i].id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    match ids.len() {
        0 => Err(NetworkError::NoMatch(t.to_string())),
        1 => Ok(hits[0]),
        _ => {
            let mut c: Vec<String> = hits
                .iter()
                .map(|&i| {
                    let d = candidates[i];
                    format!("  {}  ({}, {})", d.label, d.kind, d.id)
                })
                .collect();
            c.sort();
            c.dedup();
            Err(NetworkError::Ambiguous {
                query: t.to_string(),
                candidates: c.join("\n"),
            })
        }
    }
}

/// Finds the node a user means in the network (see [`pick`]).
pub fn resolve(g: &Network, text: &str) -> Result<NodeIndex, NetworkError> {
    let nodes: Vec<&NodeData> = g.node_indices().map(|n| &g[n]).collect();
    pick(&nodes, text).map(NodeIndex::new)
}

/// Finds the entity a user means anywhere in the store, not only in the contact network
/// (see [`pick`]).
pub fn resolve_in_store(store: &Store, text: &str) -> Result<NodeData, NetworkError> {
    let t = text.trim();
    let lit = oxigraph::model::Literal::new_simple_literal(t);
    // Candidates: the IRI itself, the entity with that Wikidata id, entities with a name
    // containing the text (one row per distinct name).
    let q = format!(
        r#"SELECT DISTINCT ?e ?n WHERE {{
  {{ ?e schema:name ?n . FILTER (CONTAINS(LCASE(STR(?n)), LCASE({lit}))) }}
  UNION {{ ?e owl:sameAs ?wd . FILTER (STR(?wd) = CONCAT("http://www.wikidata.org/entity/", {lit})) }}
  UNION {{ ?e schema:name ?x . FILTER (STR(?e) = {lit}) }}
}} ORDER BY ?e ?n"#
    );
    let table = query::select(store, &q, None)?;
    let mut infos: BTreeMap<String, Option<NodeData>> = BTreeMap::new();
    let mut cands: Vec<NodeData> = Vec::new();
    for row in &table.rows {
        let id = cell(&table, row, "e");
        if !infos.contains_key(&id) {
            let info = entity_info(store, &id)?;
            infos.insert(id.clone(), info);
        }
        let Some(Some(info)) = infos.get(&id) else {
            continue;
        };
        let name = cell(&table, row, "n");
        cands.push(NodeData {
            label: if name.is_empty() {
                info.label.clone()
            } else {
                name
            },
            ..info.clone()
        });
    }
    let refs: Vec<&NodeData> = cands.iter().collect();
    let i = pick(&refs, t)?;
    infos
        .remove(&cands[i].id)
        .flatten()
        .ok_or_else(|| NetworkError::NoMatch(t.to_string()))
}

/// Distinct neighbours of each node, sorted (the simple graph under the multigraph).
fn neighbours(g: &Network) -> Vec<Vec<usize>> {
    let mut adj: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); g.node_count()];
    for e in g.edge_references() {
        let (a, b) = (e.source().index(), e.target().index());
        if a != b {
            adj[a].insert(b);
            adj[b].insert(a);
        }
    }
    adj.into_iter().map(|s| s.into_iter().collect()).collect()
}

/// One hop of a path: from, to, and the edges (events) that connect them, most-reported first.
#[derive(Debug, Clone)]
pub struct Hop {
    pub from: NodeIndex,
    pub to: NodeIndex,
    pub edges: Vec<EdgeData>,
}

/// Shortest contact path (fewest hops) from `a` to `b`, with the events behind each hop.
/// Ties are broken deterministically (lowest node order). None when not connected.
pub fn shortest_path(g: &Network, a: NodeIndex, b: NodeIndex) -> Option<Vec<Hop>> {
    let (_, path) = petgraph::algo::astar(g, a, |n| n == b, |_| 1usize, |_| 0)?;
    let mut hops = Vec::new();
    for w in path.windows(2) {
        let mut edges: Vec<EdgeData> = g
            .edges_connecting(w[0], w[1])
            .map(|e| e.weight().clone())
            .collect();
        edges.sort_by(|x, y| {
            y.sources
                .cmp(&x.sources)
                .then(y.date.cmp(&x.date))
                .then(x.event.cmp(&y.event))
        });
        hops.push(Hop {
            from: w[0],
            to: w[1],
            edges,
        });
    }
    Some(hops)
}

/// Centrality of one node.
#[derive(Debug, Clone, PartialEq)]
pub struct Centrality {
    pub node: NodeIndex,
    /// Distinct contacts.
    pub degree: usize,
    /// Events (edges) the node takes part in, counted per pair.
    pub contacts: usize,
    /// Betweenness (Brandes, unweighted), normalised to 0..1 for an undirected graph.
    pub betweenness: f64,
}

/// Degree and betweenness for every node; sorted by betweenness, then degree, then label.
pub fn centrality(g: &Network) -> Vec<Centrality> {
    let adj = neighbours(g);
    let n = adj.len();
    let mut cb = vec![0.0f64; n];
    // Brandes' algorithm: one BFS per source, dependencies accumulated backwards.
    let mut stack = Vec::with_capacity(n);
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut sigma = vec![0.0f64; n];
    let mut dist = vec![-1i64; n];
    let mut delta = vec![0.0f64; n];
    let mut queue = VecDeque::new();
    for s in 0..n {
        stack.clear();
        for v in 0..n {
            preds[v].clear();
            sigma[v] = 0.0;
            dist[v] = -1;
            delta[v] = 0.0;
        }
        sigma[s] = 1.0;
        dist[s] = 0;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            stack.push(v);
            for &w in &adj[v] {
                if dist[w] < 0 {
                    dist[w] = dist[v] + 1;
                    queue.push_back(w);
                }
                if dist[w] == dist[v] + 1 {
                    sigma[w] += sigma[v];
                    preds[w].push(v);
                }
            }
        }
        while let Some(w) = stack.pop() {
            for &v in &preds[w] {
                delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
            }
            if w != s {
                cb[w] += delta[w];
            }
        }
    }
    // Each undirected pair was counted from both ends.
    let scale = if n > 2 {
        1.0 / ((n - 1) * (n - 2)) as f64
    } else {
        0.0
    };
    let mut out: Vec<Centrality> = (0..n)
        .map(|i| Centrality {
            node: NodeIndex::new(i),
            degree: adj[i].len(),
            contacts: g.edges(NodeIndex::new(i)).count(),
            betweenness: cb[i] * scale,
        })
        .collect();
    out.sort_by(|a, b| {
        b.betweenness
            .total_cmp(&a.betweenness)
            .then(b.degree.cmp(&a.degree))
            .then(g[a.node].label.cmp(&g[b.node].label))
    });
    out
}

/// Connected components, largest first; nodes in each sorted by label.
pub fn components(g: &Network) -> Vec<Vec<NodeIndex>> {
    let mut uf = petgraph::unionfind::UnionFind::<usize>::new(g.node_count());
    for e in g.edge_references() {
        uf.union(e.source().index(), e.target().index());
    }
    let mut groups: BTreeMap<usize, Vec<NodeIndex>> = BTreeMap::new();
    for n in g.node_indices() {
        groups.entry(uf.find(n.index())).or_default().push(n);
    }
    let mut out: Vec<Vec<NodeIndex>> = groups.into_values().collect();
    for c in &mut out {
        c.sort_by(|a, b| g[*a].label.cmp(&g[*b].label).then(a.cmp(b)));
    }
    out.sort_by(|a, b| {
        b.len()
            .cmp(&a.len())
            .then(g[a[0]].label.cmp(&g[b[0]].label))
    });
    out
}

/// One entry of a timeline: an event and who else took part.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub date: String,
    pub place: String,
    pub kind: String,
    pub event: String,
    pub sources: i64,
    pub with: Vec<String>,
}

/// The events a node took part in, by date (undated last), with the other actors.
pub fn timeline(g: &Network, n: NodeIndex) -> Vec<TimelineEntry> {
    let mut by_event: BTreeMap<String, TimelineEntry> = BTreeMap::new();
    for e in g.edges(n) {
        let d = e.weight();
        if d.relation != "met" {
            continue;
        }
        let other = if e.source() == n {
            e.target()
        } else {
            e.source()
        };
        let entry = by_event
            .entry(d.event.clone())
            .or_insert_with(|| TimelineEntry {
                date: d.date.clone(),
                place: d.place.clone(),
                kind: d.kind.clone(),
                event: d.event.clone(),
                sources: d.sources,
                with: Vec::new(),
            });
        entry.with.push(g[other].label.clone());
    }
    let mut out: Vec<TimelineEntry> = by_event.into_values().collect();
    for e in &mut out {
        e.with.sort();
        e.with.dedup();
    }
    out.sort_by(|a, b| {
        (a.date.is_empty(), &a.date, &a.event).cmp(&(b.date.is_empty(), &b.date, &b.event))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(g: &mut Network, name: &str) -> NodeIndex {
        g.add_node(NodeData {
            id: format!("http://x/{name}"),
            label: name.to_string(),
            kind: "person".into(),
            wikidata: String::new(),
        })
    }

    fn met(g: &mut Network, a: NodeIndex, b: NodeIndex, date: &str, ev: &str) {
        g.add_edge(
            a,
            b,
            EdgeData {
                relation: "met".into(),
                kind: "Meeting".into(),
                date: date.into(),
                place: String::new(),
                event: ev.into(),
                sources: 1,
            },
        );
    }

    /// Two groups joined only through one broker, plus an isolated pair.
    fn small() -> (Network, Vec<NodeIndex>) {
        let mut g = Network::default();
        let names = ["Ana", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gus", "Hal"];
        let n: Vec<NodeIndex> = names.iter().map(|x| person(&mut g, x)).collect();
        met(&mut g, n[0], n[1], "2024-01-02", "e1");
        met(&mut g, n[1], n[2], "2024-02-03", "e2");
        met(&mut g, n[2], n[3], "2024-03-04", "e3");
        met(&mut g, n[3], n[4], "2024-04-05", "e4");
        met(&mut g, n[2], n[4], "2024-05-06", "e5");
        met(&mut g, n[6], n[7], "", "e6");
        (g, n)
    }

    #[test]
    fn shortest_path_goes_through_the_broker() {
        let (g, n) = small();
        let hops = shortest_path(&g, n[0], n[4]).expect("connected");
        let names: Vec<&str> = std::iter::once(hops[0].from)
            .chain(hops.iter().map(|h| h.to))
            .map(|i| g[i].label.as_str())
            .collect();
        assert_eq!(names, ["Ana", "Ben", "Cleo", "Eva"]);
        assert_eq!(hops[2].edges[0].event, "e5");
        assert!(shortest_path(&g, n[0], n[6]).is_none());
    }

    #[test]
    fn betweenness_ranks_brokers_first() {
        let (g, n) = small();
        let c = centrality(&g);
        assert_eq!(c[0].node, n[2], "Cleo bridges both sides");
        let ana = c.iter().find(|x| x.node == n[0]).expect("Ana");
        assert_eq!(ana.betweenness, 0.0);
        assert_eq!(ana.degree, 1);
        // Cleo lies on the only shortest paths Ana-Dan, Ana-Eva, Ben-Dan and Ben-Eva: 4 pairs,
        // normalised by the (n-1)(n-2)/2 = 21 pairs of the other nodes (n = 8).
        let cleo = &c[0];
        assert!(
            (cleo.betweenness - 4.0 / 21.0).abs() < 1e-9,
            "{}",
            cleo.betweenness
        );
        let ben = c.iter().find(|x| x.node == n[1]).expect("Ben");
        assert!(
            (ben.betweenness - 3.0 / 21.0).abs() < 1e-9,
            "{}",
            ben.betweenness
        );
    }

    #[test]
    fn components_largest_first() {
        let (g, _) = small();
        let c = components(&g);
        assert_eq!(c.len(), 3, "five connected, Gus-Hal, and the lone Finn");
        assert_eq!(c[0].len(), 5);
        assert_eq!(c[1].len(), 2);
    }

    #[test]
    fn timeline_is_chronological() {
        let (g, n) = small();
        let t = timeline(&g, n[2]);
        let dates: Vec<&str> = t.iter().map(|e| e.date.as_str()).collect();
        assert_eq!(dates, ["2024-02-03", "2024-03-04", "2024-05-06"]);
        assert_eq!(t[0].with, ["Ben"]);
    }

    #[test]
    fn date_ranges_cover_partial_dates() {
        let f = Filter {
            projection: Projection::Actors,
            since: Some("2024-03-01".into()),
            until: Some("2024-03-31".into()),
        };
        assert!(f.keeps_date("2024-03-15"));
        assert!(f.keeps_date("2024-03"));
        assert!(f.keeps_date("2024"));
        assert!(!f.keeps_date("2024-04-01"));
        assert!(!f.keeps_date("2023"));
        assert!(!f.keeps_date(""));
        assert!(Filter::default().keeps_date(""));
    }

    #[test]
    fn resolve_by_name_id_and_ambiguity() {
        let (mut g, n) = small();
        assert_eq!(resolve(&g, "cleo").ok(), Some(n[2]));
        assert_eq!(resolve(&g, "http://x/Dan").ok(), Some(n[3]));
        assert!(matches!(resolve(&g, "Zed"), Err(NetworkError::NoMatch(_))));
        let x = person(&mut g, "Cleo Marsh");
        person(&mut g, "Dan Marsh");
        assert_eq!(resolve(&g, "Cleo").ok(), Some(n[2]), "an exact label wins");
        assert_eq!(resolve(&g, "cleo marsh").ok(), Some(x));
        assert!(matches!(
            resolve(&g, "Marsh"),
            Err(NetworkError::Ambiguous { .. })
        ));
    }
}
