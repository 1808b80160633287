//! Integration tests: the CLI end to end (build → query → export, idempotent rebuild, bad
//! input) and extraction behaviour on our own fixture articles in `tests/fixtures/`.

use assert_cmd::Command;
use newsgraph::extract::{Extraction, Status};
use newsgraph::ingest;
use newsgraph::lexicon::{Kind, Lexicon};
use newsgraph::pipeline;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn bin() -> Command {
    Command::cargo_bin("newsgraph").expect("binary built")
}

fn json_rows(store: &Path, query: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let out = bin()
        .args(["query", "--store"])
        .arg(store)
        .args(["--format", "json", query])
        .output()
        .expect("query runs");
    assert!(
        out.status.success(),
        "query failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("W3C JSON results");
    assert!(v["head"]["vars"].is_array());
    v["results"]["bindings"]
        .as_array()
        .expect("bindings")
        .iter()
        .map(|b| {
            b.as_object()
                .expect("binding object")
                .iter()
                .map(|(k, v)| (k.clone(), v["value"].clone()))
                .collect()
        })
        .collect()
}

fn count_quads(store: &Path) -> u64 {
    let rows = json_rows(
        store,
        "-e=SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    );
    rows[0]["n"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("count")
}

// ---------------------------------------------------------------------------------------
// CLI end to end
// ---------------------------------------------------------------------------------------

#[test]
fn malformed_jsonl_lines_are_reported_by_number_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    let out = bin()
        .args(["build", "--store"])
        .arg(&store)
        .arg(fixtures().join("malformed.jsonl"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed line makes the exit code non-zero"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("malformed.jsonl:2: invalid JSON"), "{err}");
    assert!(err.contains("malformed.jsonl:4: article"), "{err}");
    let ids: BTreeSet<String> = json_rows(
        &store,
        "-e=SELECT ?id WHERE { ?a a schema:NewsArticle ; schema:identifier ?id }",
    )
    .into_iter()
    .map(|r| r["id"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(ids.len(), 3, "lines 1, 3 and 5 are stored: {ids:?}");
}

#[test]
fn build_query_export_and_idempotent_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    let input = fixtures().join("news-please.jsonl");
    bin()
        .args(["build", "--store"])
        .arg(&store)
        .arg(&input)
        .assert()
        .success();
    let first = count_quads(&store);
    assert!(first > 50, "quads were written: {first}");
    let pairs_before = json_rows(&store, "who-met-whom");
    // Rebuilding the same articles replaces their graphs: nothing is added twice.
    bin()
        .args(["build", "--store"])
        .arg(&store)
        .arg(&input)
        .assert()
        .success();
    assert_eq!(count_quads(&store), first);
    assert_eq!(json_rows(&store, "who-met-whom"), pairs_before);

    // Every export format writes something a reader accepts.
    let nq = bin()
        .args(["export", "--store"])
        .arg(&store)
        .args(["--format", "nquads"])
        .output()
        .unwrap();
    assert!(nq.status.success());
    let lines = String::from_utf8(nq.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(lines as u64, first, "one N-Quads line per stored quad");
    let jl = bin()
        .args(["export", "--store"])
        .arg(&store)
        .args(["--format", "jsonld"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&jl.stdout).expect("JSON-LD is JSON");
    assert!(v.is_array() || v.is_object());
    let ttl = bin()
        .args(["export", "--store"])
        .arg(&store)
        .args(["--format", "turtle"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(ttl.stdout)
            .unwrap()
            .contains("schema:NewsArticle")
    );
    let gml_path = dir.path().join("g.graphml");
    bin()
        .args(["export", "--store"])
        .arg(&store)
        .args(["--format", "graphml", "-o"])
        .arg(&gml_path)
        .assert()
        .success();
    let gml = std::fs::read_to_string(&gml_path).unwrap();
    assert!(gml.contains(r#"attr.name="sources" attr.type="int""#));
    assert!(
        gml.matches("<edge ").count() >= pairs_before.len(),
        "every person pair is an edge"
    );

    // CSV and TSV have a header row naming the variables.
    let csv = bin()
        .args(["query", "--store"])
        .arg(&store)
        .args(["--format", "csv", "who-met-whom"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(csv.stdout)
            .unwrap()
            .starts_with("aName,bName,articleId")
    );
}

#[test]
fn query_errors_are_clear_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    bin()
        .args(["query", "--store"])
        .arg(&store)
        .arg("who-met-whom")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no store here yet"));
    bin()
        .args(["build", "--store"])
        .arg(&store)
        .arg(fixtures().join("phone-call.txt"))
        .assert()
        .success();
    bin()
        .args(["query", "--store"])
        .arg(&store)
        .args(["-e", "SELECT WHERE {"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid SPARQL"));
}

#[test]
fn demo_prints_meetings_with_sources_and_writes_graphml() {
    let dir = tempfile::tempdir().unwrap();
    let gml = dir.path().join("demo.graphml");
    let out = bin()
        .args(["demo", "--store"])
        .arg(dir.path().join("db"))
        .arg("--graphml")
        .arg(&gml)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Who met whom"), "{stdout}");
    // At least three pairs, each followed by its quoted source sentence.
    assert!(stdout.matches(" -- ").count() >= 3, "{stdout}");
    assert!(stdout.matches("      \"").count() >= 3, "{stdout}");
    assert!(std::fs::read_to_string(&gml).unwrap().contains("<graphml"));
}

// ---------------------------------------------------------------------------------------
// Extraction phenomena on our own fixtures
// ---------------------------------------------------------------------------------------

fn extract_file(name: &str) -> Vec<Extraction> {
    let lex = Lexicon::builtin();
    ingest::read_file(&fixtures().join(name))
        .filter_map(Result::ok)
        .map(|a| pipeline::process(a, &lex).0)
        .collect()
}

/// Person pairs (sorted names) of held contact events, with place name and date.
fn held_pairs(ex: &Extraction) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for e in ex
        .events
        .iter()
        .filter(|e| e.is_contact() && e.status == Status::Held)
    {
        let persons: Vec<&str> = e
            .participants
            .iter()
            .filter(|&&p| ex.entities[p].kind == Kind::Person)
            .map(|&p| ex.entities[p].name.as_str())
            .collect();
        for a in &persons {
            for b in &persons {
                if a < b {
                    out.insert((a.to_string(), b.to_string()));
                }
            }
        }
    }
    out
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.into(), b.into())
    } else {
        (b.into(), a.into())
    }
}

fn meeting_of<'a>(ex: &'a Extraction, a: &str, b: &str) -> &'a newsgraph::extract::Event {
    ex.events
        .iter()
        .filter(|e| e.is_contact() && e.status == Status::Held)
        .find(|e| {
            let names: Vec<&str> = e
                .participants
                .iter()
                .map(|&p| ex.entities[p].name.as_str())
                .collect();
            names.contains(&a) && names.contains(&b)
        })
        .unwrap_or_else(|| panic!("no held meeting of {a} and {b}: {:#?}", ex.events))
}

fn place_name(ex: &Extraction, e: &newsgraph::extract::Event) -> String {
    e.place
        .map(|p| ex.entities[p].name.clone())
        .unwrap_or_default()
}

fn date_of(e: &newsgraph::extract::Event) -> String {
    e.date.as_ref().map(|d| d.lexical()).unwrap_or_default()
}

#[test]
fn delegation_heads_meet_each_other() {
    let ex = &extract_file("delegation-heads.txt")[0];
    assert_eq!(
        held_pairs(ex),
        BTreeSet::from([pair("Lorenzo Bianchi", "Carmen Ortega")])
    );
    let e = meeting_of(ex, "Lorenzo Bianchi", "Carmen Ortega");
    assert_eq!(place_name(ex, e), "Rome");
    assert_eq!(date_of(e), "2025-01-14");
}

#[test]
fn a_spokesperson_who_comments_is_not_a_participant() {
    let ex = &extract_file("spokesperson-not-participant.txt")[0];
    let pairs = held_pairs(ex);
    assert!(
        pairs.contains(&pair("Pieter de Vries", "Sophie Lambert")),
        "{pairs:?}"
    );
    assert!(
        pairs
            .iter()
            .all(|(a, b)| !a.contains("Jansen") && !b.contains("Jansen")),
        "{pairs:?}"
    );
}

#[test]
fn cancelled_and_planned_meetings_give_no_pairs() {
    for f in [
        "cancelled-meeting.txt",
        "planned-meeting.txt",
        "denied-meeting.txt",
        "false-trigger.txt",
    ] {
        let ex = &extract_file(f)[0];
        assert_eq!(held_pairs(ex), BTreeSet::new(), "{f}: {:#?}", ex.events);
    }
    let ex = &extract_file("cancelled-meeting.txt")[0];
    assert!(
        ex.events.iter().any(|e| e.status == Status::Cancelled),
        "{:#?}",
        ex.events
    );
    let ex = &extract_file("planned-meeting.txt")[0];
    assert!(
        ex.events.iter().any(|e| e.status == Status::Planned),
        "{:#?}",
        ex.events
    );
}

#[test]
fn a_planned_and_a_held_meeting_of_the_same_pair_are_told_apart() {
    let ex = &extract_file("planned-and-held-same-pair.txt")[0];
    let held: Vec<_> = ex
        .events
        .iter()
        .filter(|e| e.is_contact() && e.status == Status::Held && e.participants.len() >= 2)
        .collect();
    assert_eq!(held.len(), 1, "{held:#?}");
    let e = meeting_of(ex, "Niamh Byrne", "David Hale");
    assert_eq!(place_name(ex, e), "Dublin");
    assert_eq!(date_of(e), "2025-06-02");
}

#[test]
fn a_phone_call_is_a_contact_without_a_physical_place() {
    let ex = &extract_file("phone-call.txt")[0];
    let e = meeting_of(ex, "Thabo Nkosi", "Ana Paula Costa");
    assert_eq!(e.event_type, "PhoneCall");
    assert_eq!(date_of(e), "2025-07-08");
    assert_eq!(place_name(ex, e), "");
}

#[test]
fn a_multilateral_meeting_gives_every_pair_once() {
    let ex = &extract_file("multilateral-four.txt")[0];
    let names = [
        "Elena Quispe",
        "Rodrigo Vidal",
        "Andrés Mejía",
        "Gabriela Torres",
    ];
    let pairs = held_pairs(ex);
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            assert!(pairs.contains(&pair(a, b)), "missing {a} -- {b}: {pairs:?}");
        }
    }
    assert_eq!(pairs.len(), 6, "{pairs:?}");
}

#[test]
fn the_dateline_gives_the_date_when_the_text_does_not() {
    let ex = &extract_file("dateline-date.txt")[0];
    let e = meeting_of(ex, "Beat Keller", "Ola Nygaard");
    assert_eq!(date_of(e), "2025-03-04");
    assert_eq!(place_name(ex, e), "Geneva");
}

#[test]
fn same_surname_different_people_stay_apart() {
    let ex = &extract_file("same-surname.txt")[0];
    let schmidts: Vec<_> = ex
        .entities
        .iter()
        .filter(|e| e.kind == Kind::Person && e.name.ends_with("Schmidt"))
        .collect();
    assert_eq!(schmidts.len(), 2, "{schmidts:#?}");
    assert!(held_pairs(ex).contains(&pair("Maria Schmidt", "Thomas Schmidt")));
}

#[test]
fn surname_mentions_join_the_full_name() {
    let ex = &extract_file("coreference.txt")[0];
    let marquez: Vec<_> = ex
        .entities
        .iter()
        .filter(|e| e.kind == Kind::Person && e.name.contains("Márquez"))
        .collect();
    assert_eq!(marquez.len(), 1, "{marquez:#?}");
    assert!(marquez[0].names.iter().any(|n| n == "Márquez"));
}

#[test]
fn a_meeting_in_reported_speech_excludes_the_reporter() {
    let ex = &extract_file("reported-speech.txt")[0];
    let pairs = held_pairs(ex);
    assert!(
        pairs.contains(&pair("Ahmed Warsame", "Peter Kamau")),
        "{pairs:?}"
    );
    assert!(
        pairs
            .iter()
            .all(|(a, b)| !a.contains("Kuwari") && !b.contains("Kuwari")),
        "{pairs:?}"
    );
}

#[test]
fn one_person_is_one_node_across_articles_and_transliterations() {
    let a = &extract_file("cross-article-a.txt")[0];
    let b = &extract_file("cross-article-b.txt")[0];
    let key = |ex: &Extraction, surname: &str| {
        ex.entities
            .iter()
            .find(|e| e.kind == Kind::Person && e.name.ends_with(surname))
            .map(|e| e.key.clone())
            .unwrap_or_else(|| panic!("{surname} not found"))
    };
    assert_eq!(key(a, "Lavrov"), key(b, "Lavrov"));
    assert_eq!(key(a, "Blinken"), key(b, "Blinken"));
}
