#!/usr/bin/env python3
"""Queries a running `newsgraph serve` with real SPARQL clients (SPARQLWrapper and rdflib).

Usage: sparql_clients.py BASE_URL EXPECTED.json TIMEOUT_SECS

EXPECTED.json holds {"query": ..., "rows": [[...], ...]}: a SELECT query and the rows the
command line gave for it on the same store (values as plain strings). Checks:
  - SPARQLWrapper, JSON results: the same rows;
  - SPARQLWrapper, CSV results: the same rows;
  - SPARQLWrapper, ASK and CONSTRUCT (Turtle parsed by rdflib);
  - rdflib's SPARQLStore as a second client;
  - an update is refused (HTTP 403) on the read-only server and changes nothing;
  - a runaway query is stopped by the server's time-out (HTTP 503) in about TIMEOUT_SECS.
Prints a few latency figures. Exits non-zero on the first failed check.
"""
import csv
import io
import json
import statistics
import sys
import time
import urllib.error

import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, SPARQLWrapper

base, expected_file, timeout_secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
expected = json.load(open(expected_file, encoding="utf-8"))
query = expected["query"]
want = sorted(tuple(r) for r in expected["rows"])
endpoint = base + "/query"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}")
        sys.exit(1)
    print(f"ok: {what}")


# SELECT, JSON results.
sw = SPARQLWrapper(endpoint)
sw.setQuery(query)
sw.setReturnFormat(JSON)
res = sw.query().convert()
vars_ = res["head"]["vars"]
got = sorted(tuple(b.get(v, {}).get("value", "") for v in vars_) for b in res["results"]["bindings"])
check(len(want) > 0, f"the expected result is not empty ({len(want)} rows)")
check(got == want, "SPARQLWrapper JSON rows equal the command line's rows")

# SELECT, CSV results.
sw = SPARQLWrapper(endpoint)
sw.setQuery(query)
sw.setReturnFormat(CSV)
text = sw.query().convert().decode("utf-8")
rows = list(csv.reader(io.StringIO(text)))
check(rows[0] == vars_, "CSV header names the variables")
check(sorted(tuple(r) for r in rows[1:]) == want, "SPARQLWrapper CSV rows equal the command line's rows")

# ASK.
sw = SPARQLWrapper(endpoint)
sw.setQuery("ASK { ?p a schema:Person }")
sw.setReturnFormat(JSON)
check(sw.query().convert()["boolean"] is True, "ASK answers true")

# CONSTRUCT, Turtle parsed by rdflib.
sw = SPARQLWrapper(endpoint)
sw.setQuery("CONSTRUCT { ?p <https://schema.org/name> ?n } WHERE { ?p a schema:Person ; schema:name ?n }")
sw.setReturnFormat(TURTLE)
g = sw.query().convert()
if isinstance(g, bytes):
    g = rdflib.Graph().parse(data=g.decode("utf-8"), format="turtle")
sw = SPARQLWrapper(endpoint)
sw.setQuery("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?p ?n WHERE { ?p a schema:Person ; schema:name ?n } }")
sw.setReturnFormat(JSON)
n = int(sw.query().convert()["results"]["bindings"][0]["n"]["value"])
check(len(g) == n and n > 0, f"CONSTRUCT gives one triple per person name ({len(g)} = {n})")

# rdflib's own SPARQL store client.
store = SPARQLStore(endpoint, returnFormat="json")
rg = rdflib.Graph(store=store)
rows = sorted(tuple(str(v) if v is not None else "" for v in r) for r in rg.query(query))
check(rows == want, "rdflib SPARQLStore rows equal the command line's rows")

# An update on a read-only server is refused and changes nothing.
marker = "<https://example.org/newsgraph-test/should-not-exist>"
upd = SPARQLWrapper(endpoint, updateEndpoint=base + "/update")
upd.setMethod(POST)
upd.setQuery(f"INSERT DATA {{ GRAPH {marker} {{ {marker} {marker} {marker} }} }}")
try:
    upd.query()
    check(False, "update refused")
except urllib.error.HTTPError as e:
    check(e.code == 403, f"update refused with HTTP 403 (got {e.code})")
sw = SPARQLWrapper(endpoint)
sw.setQuery(f"ASK {{ GRAPH ?g {{ {marker} ?p ?o }} }}")
sw.setReturnFormat(JSON)
check(sw.query().convert()["boolean"] is False, "the refused update changed nothing")

# A runaway query is stopped by the server's time-out.
sw = SPARQLWrapper(endpoint)
sw.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
sw.setReturnFormat(JSON)
sw.setTimeout(int(timeout_secs * 10 + 30))
t0 = time.monotonic()
try:
    sw.query().convert()
    check(False, "runaway query stopped")
except urllib.error.HTTPError as e:
    took = time.monotonic() - t0
    check(e.code == 503, f"runaway query answered with HTTP 503 (got {e.code})")
    check(took < timeout_secs + 3, f"runaway query stopped after {took:.2f}s (time-out {timeout_secs}s)")

# The server still answers afterwards; latency of a small query, JSON.
sw = SPARQLWrapper(endpoint)
sw.setQuery("SELECT ?n WHERE { ?p a schema:Person ; schema:name ?n } LIMIT 10")
sw.setReturnFormat(JSON)
times = []
for _ in range(30):
    t0 = time.monotonic()
    sw.query().convert()
    times.append(time.monotonic() - t0)
print(f"latency of a 10-row SELECT over HTTP (SPARQLWrapper, JSON): median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
sw = SPARQLWrapper(endpoint)
sw.setQuery(query)
sw.setReturnFormat(JSON)
t0 = time.monotonic()
for _ in range(10):
    sw.query().convert()
print(f"latency of the checked query ({len(want)} rows): {(time.monotonic() - t0) * 100:.1f} ms per request")
print("all client checks passed")
