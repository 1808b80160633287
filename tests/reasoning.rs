//! Reasoning, explanations, network analysis and network exports, through the CLI.
//!
//! Fixtures (our own wording): two reports of one Geneva meeting (`cross-article-a/b`), a
//! later Geneva meeting of the same two people, a Beijing meeting of one of them, and an
//! unrelated phone call (`tests/fixtures/reasoning/`).
//!
//! The GraphML test reads the export with networkx, python-igraph and xmllint (GraphML XSD);
//! when one is missing it skips with a message, except under CI=true where it fails
//! (`.ci/run` installs them).

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn bin() -> Command {
    Command::cargo_bin("newsgraph").expect("binary built")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn geneva_pair() -> Vec<PathBuf> {
    vec![
        fixtures().join("cross-article-a.txt"),
        fixtures().join("cross-article-b.txt"),
    ]
}

fn all_inputs() -> Vec<PathBuf> {
    let mut v = geneva_pair();
    v.push(fixtures().join("reasoning"));
    v
}

fn build(store: &Path, inputs: &[PathBuf]) {
    bin()
        .args(["build", "-q", "--store"])
        .arg(store)
        .args(inputs)
        .assert()
        .success();
}

fn run(store: &Path, args: &[&str]) -> (bool, String) {
    let out = bin()
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn json(store: &Path, args: &[&str]) -> serde_json::Value {
    let (ok, out) = run(store, args);
    assert!(ok, "{args:?} failed: {out}");
    serde_json::from_str(&out).expect("JSON output")
}

/// Rows of a SELECT, as maps of variable → value.
fn select(store: &Path, q: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let v = json(store, &["query", "--format", "json", "-e", q]);
    v["results"]["bindings"]
        .as_array()
        .expect("bindings")
        .iter()
        .map(|b| {
            b.as_object()
                .expect("object")
                .iter()
                .map(|(k, v)| (k.clone(), v["value"].clone()))
                .collect()
        })
        .collect()
}

/// The inferred graph as a set of N-Triples-like lines.
fn inferred(store: &Path) -> BTreeSet<String> {
    select(
        store,
        "SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/newsgraph/graph/inferred> { ?s ?p ?o } }",
    )
    .into_iter()
    .map(|r| format!("{} {} {}", r["s"], r["p"], r["o"]))
    .collect()
}

const FUSED: &str = r#"SELECT ?f ?n ?date (COUNT(DISTINCT ?a) AS ?articles) WHERE {
  GRAPH <https://w3id.org/newsgraph/graph/inferred> {
    ?f a ng:FusedEvent ; ng:sourceCount ?n ; ng:sourceArticle ?a .
    OPTIONAL { ?f sem:hasTimeStamp ?date }
  }
} GROUP BY ?f ?n ?date ORDER BY ?date"#;

#[test]
fn two_reports_of_one_meeting_fuse_into_one_event_with_both_sources() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    build(&store, &geneva_pair());
    let rows = select(&store, FUSED);
    assert_eq!(rows.len(), 1, "one real-world meeting: {rows:?}");
    assert_eq!(rows[0]["n"], "2");
    assert_eq!(rows[0]["articles"], "2");
    assert_eq!(rows[0]["date"], "2022-01-21");
    // Both reports are linked from the fused event.
    let members = select(
        &store,
        "SELECT DISTINCT ?e WHERE { GRAPH <https://w3id.org/newsgraph/graph/inferred> { ?f ng:fusedFrom ?e } }",
    );
    assert_eq!(members.len(), 2);
}

#[test]
fn meetings_of_the_same_pair_in_one_city_on_other_dates_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    build(&store, &all_inputs());
    let t = json(&store, &["timeline", "Lavrov", "--format", "json"]);
    let events = t["events"].as_array().expect("events");
    let geneva: Vec<(&str, i64)> = events
        .iter()
        .filter(|e| e["place"] == "Geneva")
        .map(|e| (e["date"].as_str().unwrap(), e["sources"].as_i64().unwrap()))
        .collect();
    assert_eq!(geneva, vec![("2022-01-21", 2), ("2022-06-14", 1)]);
    let fused = select(&store, FUSED);
    assert_eq!(fused.len(), 4, "Geneva twice, Beijing, the phone call");
}

#[test]
fn explain_traces_an_inferred_contact_to_sentences_and_says_no_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    build(&store, &all_inputs());
    // Two governments never meet in the text: their ministers do.
    let (ok, out) = run(&store, &["explain", "United States", "Russia"]);
    assert!(ok, "{out}");
    assert!(
        out.starts_with("United States was in contact with Russia"),
        "{out}"
    );
    assert!(out.contains("rule 50-rollup-institution"), "{out}");
    assert!(
        out.contains("Antony Blinken memberOf United States"),
        "{out}"
    );
    assert!(
        out.contains("Secretary of State Antony Blinken and Russian Foreign Minister Sergey Lavrov met in Geneva"),
        "the source sentence is shown: {out}"
    );
    assert!(out.contains("reported by 2 articles"), "{out}");
    // JSON: the tree bottoms out in article events with offsets.
    let v = json(
        &store,
        &["explain", "Blinken", "Lavrov", "--format", "json"],
    );
    assert_eq!(v["relation"], "met");
    let text = v.to_string();
    assert!(text.contains("\"articleEvent\"") || text.contains("\"kind\":\"articleEvent\""));
    assert!(text.contains("\"begin\":0"), "{text}");
    // Nothing connects these two.
    let (ok, out) = run(&store, &["explain", "Trudeau", "Lavrov"]);
    assert!(!ok, "no evidence exits non-zero");
    assert!(out.starts_with("no evidence"), "{out}");
}

#[test]
fn shortest_contact_path_and_brokers() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    build(&store, &all_inputs());
    let p = json(&store, &["path", "Blinken", "Wang Yi", "--format", "json"]);
    assert_eq!(p["connected"], true);
    let hops: Vec<(String, String)> = p["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["from"]["label"].as_str().unwrap().to_string(),
                h["to"]["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(hops.len(), 2);
    assert_eq!(hops[0].0, "Antony Blinken");
    assert!(hops[0].1.contains("Lavrov"));
    assert_eq!(hops[1].1, "Wang Yi");
    // The first hop carries both Geneva meetings.
    assert_eq!(p["hops"][0]["events"].as_array().unwrap().len(), 2);
    // Not connected: exit 1.
    let (ok, out) = run(&store, &["path", "Blinken", "Trudeau"]);
    assert!(!ok && out.contains("no contact path"), "{out}");
    // The broker between Washington's and Beijing's ministers is Lavrov.
    let c = json(
        &store,
        &["centrality", "--projection", "persons", "--format", "json"],
    );
    assert!(c[0]["label"].as_str().unwrap().contains("Lavrov"), "{c}");
    assert!(c[0]["betweenness"].as_f64().unwrap() > 0.0);
    let comps = json(&store, &["components", "--format", "json"]);
    let sizes: Vec<usize> = comps
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![3, 2]);
}

#[test]
fn reasoning_again_changes_nothing_and_removal_retracts_what_rested_on_an_article() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    build(&store, &all_inputs());
    let before = inferred(&store);
    assert!(!before.is_empty());
    bin()
        .args(["reason", "-q", "--store"])
        .arg(&store)
        .assert()
        .success();
    assert_eq!(inferred(&store), before, "re-reasoning is idempotent");
    // Building the same articles again changes nothing either.
    build(&store, &all_inputs());
    assert_eq!(inferred(&store), before);

    // Removing the Beijing report retracts the Beijing meeting and what rolled up from it,
    // and leaves exactly what a store without that article infers.
    bin()
        .args(["remove", "-q", "--store"])
        .arg(&store)
        .arg("beijing-visit")
        .assert()
        .success();
    let after = inferred(&store);
    let reference = dir.path().join("ref");
    build(
        &reference,
        &[
            fixtures().join("cross-article-a.txt"),
            fixtures().join("cross-article-b.txt"),
            fixtures().join("reasoning/geneva-again.txt"),
            fixtures().join("reasoning/ottawa-call.txt"),
        ],
    );
    assert_eq!(after, inferred(&reference));
    assert!(after.len() < before.len());
    assert!(
        !after.iter().any(|t| t.contains("wang-yi")),
        "Wang Yi's contacts are gone"
    );
    // Removing one of two reports keeps the meeting, now with one source.
    bin()
        .args(["remove", "-q", "--store"])
        .arg(&store)
        .arg("cross-article-b")
        .assert()
        .success();
    let fused = select(&store, FUSED);
    assert_eq!(fused.len(), 3);
    assert!(fused.iter().all(|r| r["n"] == "1"), "{fused:?}");
}

/// Runs tests/clients/graphml_check.py on an export; false when a tool is missing (skip).
fn third_party_readers_accept(graphml: &Path, nodes: usize, edges: usize) -> bool {
    let xsd = std::env::var("NEWSGRAPH_GRAPHML_XSD")
        .unwrap_or_else(|_| "/var/cache/newsgraph-tools/graphml-xsd".to_string());
    let have = std::process::Command::new("python3")
        .args(["-c", "import networkx, igraph"])
        .status()
        .is_ok_and(|s| s.success())
        && std::process::Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        && Path::new(&xsd).join("graphml.xsd").exists();
    if !have {
        assert!(
            !in_ci(),
            "networkx, python-igraph, xmllint or the GraphML XSD ({xsd}) is missing; .ci/run installs them"
        );
        eprintln!("SKIPPED: networkx, python-igraph, xmllint or the GraphML XSD is missing");
        return false;
    }
    let out = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/graphml_check.py"))
        .arg(graphml)
        .arg(nodes.to_string())
        .arg(edges.to_string())
        .arg(&xsd)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("networkx") && text.contains("igraph") && text.contains("xmllint"));
    true
}

#[test]
fn graphml_is_read_by_networkx_and_igraph_and_valid_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    build(&store, &all_inputs());
    // (projection, date range) → expected counts, from the fixtures: 5 people; contacts
    // Blinken–Lavrov twice, Lavrov–Wang, Trudeau–Kenyatta; memberships of the 5 people in 5
    // governments.
    let cases: [(&str, &[&str], usize, usize); 4] = [
        ("persons", &[], 5, 4),
        ("everything", &[], 10, 9),
        (
            "persons",
            &["--since", "2022-03", "--until", "2022-05-31"],
            4,
            2,
        ),
        ("persons", &["--since", "2023"], 0, 0),
    ];
    for (projection, range, nodes, edges) in cases {
        let gml = dir
            .path()
            .join(format!("{projection}{}.graphml", range.len()));
        let mut args = vec!["export", "-f", "graphml", "--projection", projection];
        args.extend_from_slice(range);
        bin()
            .args(&args)
            .arg("-o")
            .arg(&gml)
            .arg("--store")
            .arg(&store)
            .assert()
            .success();
        let text = std::fs::read_to_string(&gml).unwrap();
        assert_eq!(
            text.matches("<node ").count(),
            nodes,
            "{projection} {range:?}"
        );
        assert_eq!(
            text.matches("<edge ").count(),
            edges,
            "{projection} {range:?}"
        );
        if !third_party_readers_accept(&gml, nodes, edges) {
            return;
        }
    }
}

#[test]
fn dot_and_csv_exports_describe_the_same_network() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    build(&store, &all_inputs());
    let (ok, dot) = run(&store, &["export", "-f", "dot", "--projection", "persons"]);
    assert!(ok);
    assert!(dot.starts_with("graph newsgraph {"));
    assert_eq!(dot.matches(" -- ").count(), 4);
    assert!(
        dot.contains("label=\"Meeting, 2022-01-21, Geneva\""),
        "{dot}"
    );
    let (ok, nodes) = run(
        &store,
        &["export", "-f", "nodes-csv", "--projection", "persons"],
    );
    assert!(ok);
    assert_eq!(nodes.lines().next(), Some("id,label,type,wikidata"));
    assert_eq!(nodes.lines().count(), 6);
    let (ok, edges) = run(
        &store,
        &["export", "-f", "edges-csv", "--projection", "persons"],
    );
    assert!(ok);
    assert_eq!(edges.lines().count(), 5);
    assert!(
        edges
            .lines()
            .any(|l| l.contains(",met,PhoneCall,2022-05-03,,"))
    );
    // A malformed date range is refused before anything is written.
    let (ok, _) = run(&store, &["export", "-f", "dot", "--since", "March 2022"]);
    assert!(!ok);
}

/// A user rule placed before the built-in rule whose conclusions it reads.
const TWO_HOPS: &str = r#"# Two people in contact with the same third party are within two hops of each other.
SELECT DISTINCT ?s ?p ?o ?because1 ?because2 WHERE {
  GRAPH <https://w3id.org/newsgraph/graph/inferred> {
    ?because1 rdf:subject ?s ; rdf:predicate ng:inContactWith ; rdf:object ?m .
    ?because2 rdf:subject ?m ; rdf:predicate ng:inContactWith ; rdf:object ?o .
  }
  FILTER (?s != ?o)
  FILTER EXISTS { ?s a schema:Person }
  FILTER EXISTS { ?o a schema:Person }
  BIND (ng:withinTwoHops AS ?p)
}
"#;

#[test]
fn at_the_fixpoint_no_rule_concludes_anything_missing() {
    // The reasoner reruns a rule only when something it reads was written; a rule that reads
    // what a later rule concludes must still see it in the next round.
    let dir = tempfile::tempdir().unwrap();
    let ontology = dir.path().join("ontology");
    std::fs::create_dir_all(ontology.join("rules")).unwrap();
    std::fs::write(ontology.join("rules/05-within-two-hops.rq"), TWO_HOPS).unwrap();
    let store = dir.path().join("db");
    bin()
        .args(["build", "-q", "--store"])
        .arg(&store)
        .arg("--ontology")
        .arg(&ontology)
        .args(all_inputs())
        .assert()
        .success();
    let hops = select(
        &store,
        "SELECT ?s ?o WHERE { GRAPH <https://w3id.org/newsgraph/graph/inferred> { ?s ng:withinTwoHops ?o } }",
    );
    assert!(!hops.is_empty(), "the user rule concluded nothing");

    let mut rules: Vec<(String, String)> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology/rules"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rq"))
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
    rules.push(("05-within-two-hops".into(), TWO_HOPS.into()));
    assert!(rules.len() > 5);
    for (name, rule) in rules {
        // Every row the rule gives on the final store is a triple the store already has.
        let missing = select(
            &store,
            &format!(
                "SELECT ?s ?p ?o WHERE {{ {{ {rule} }} FILTER (!isLiteral(?s)) FILTER NOT EXISTS {{ ?s ?p ?o }} }}"
            ),
        );
        assert!(missing.is_empty(), "{name} concludes {missing:?}");
    }
}
