#!/usr/bin/env python3
"""Reads a newsgraph GraphML export with real third-party readers and checks what they see.

usage: graphml_check.py FILE NODES EDGES XSD_DIR

- networkx.read_graphml: node and edge counts (parallel edges kept: a MultiGraph), attribute
  types (label/type/iri str, sources int, weight float);
- python-igraph Graph.Read_GraphML: the same counts and attribute names;
- xmllint --schema XSD_DIR/graphml.xsd: the document is valid GraphML 1.0.

Prints one line per reader and exits non-zero on the first mismatch.
"""
import os
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    path, nodes, edges, xsd_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

    import networkx as nx

    g = nx.read_graphml(path)
    if g.is_directed():
        fail("networkx: graph is directed")
    if (g.number_of_nodes(), g.number_of_edges()) != (nodes, edges):
        fail(f"networkx: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges; want {nodes}, {edges}")
    for n, d in g.nodes(data=True):
        for k in ("iri", "label", "type"):
            if not isinstance(d.get(k), str) or not d[k]:
                fail(f"networkx: node {n} has no string {k}: {d}")
        if d["type"] not in ("person", "organization", "place"):
            fail(f"networkx: node {n} type {d['type']!r}")
    for a, b, d in g.edges(data=True):
        if not isinstance(d.get("sources"), int) or d["sources"] < 1:
            fail(f"networkx: edge {a}-{b} sources not a positive int: {d}")
        if not isinstance(d.get("weight"), float):
            fail(f"networkx: edge {a}-{b} weight not a float: {d}")
        if d.get("relation") not in ("met", "memberOf"):
            fail(f"networkx: edge {a}-{b} relation {d.get('relation')!r}")
    print(f"networkx {nx.__version__}: {nodes} nodes, {edges} edges, typed attributes ok")

    import igraph

    h = igraph.Graph.Read_GraphML(path)
    if h.is_directed():
        fail("igraph: graph is directed")
    if (h.vcount(), h.ecount()) != (nodes, edges):
        fail(f"igraph: {h.vcount()} nodes, {h.ecount()} edges; want {nodes}, {edges}")
    for k in ("iri", "label", "type"):
        if k not in h.vs.attributes():
            fail(f"igraph: no vertex attribute {k}")
    for k in ("relation", "sources", "weight"):
        if k not in h.es.attributes():
            fail(f"igraph: no edge attribute {k}")
    if edges and not all(isinstance(s, (int, float)) and s >= 1 for s in h.es["sources"]):
        fail("igraph: sources not numeric")
    print(f"igraph {igraph.__version__}: {nodes} nodes, {edges} edges, attributes ok")

    xsd = os.path.join(xsd_dir, "graphml.xsd")
    r = subprocess.run(["xmllint", "--noout", "--schema", xsd, path], capture_output=True, text=True)
    if r.returncode != 0:
        fail("xmllint: " + (r.stderr.strip() or r.stdout.strip())[:2000])
    print("xmllint: valid against the GraphML 1.0 schema")


if __name__ == "__main__":
    main()
