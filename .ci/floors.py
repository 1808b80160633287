#!/usr/bin/env python3
"""Regression guard for extraction quality.

Runs ../shared/eval/score.py on the seed articles and on the dev set with the given binary,
prints the scorer's figures, and fails when any figure is worse than the floor recorded in
.ci/floors.json (raise the floors as extraction improves; never lower them to pass).
"""
import json, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
shared = os.path.join(root, "..", "shared", "eval")
bin_ = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target", "release", "newsgraph")
floors = json.load(open(os.path.join(here, "floors.json")))

sets = {
    "seeds": (os.path.join(shared, "seeds.gold.json"), os.path.join(shared, "seeds.jsonl")),
    "dev": (os.path.join(shared, "dev", "dev.gold.json"), os.path.join(shared, "dev", "dev.jsonl")),
}
failures = []
for name, (gold, data) in sets.items():
    if not os.path.exists(gold) or name not in floors:
        continue
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    p = subprocess.run(
        [sys.executable, os.path.join(shared, "score.py"), gold, data, "--bin", bin_, "--queries",
         os.path.join(root, "queries"), "--json", out],
        capture_output=True, text=True, cwd=root)
    print(f"-- {name}")
    print(p.stdout.rstrip())
    if p.returncode != 0:
        print(p.stderr[-3000:])
        failures.append(f"{name}: scorer failed ({p.returncode})")
        continue
    got = json.load(open(out))
    os.unlink(out)
    for key, floor in floors[name].items():
        if key == "forbidden_max":
            if got["forbidden"] > floor:
                failures.append(f"{name}: {got['forbidden']} forbidden pairs > {floor}")
            continue
        section, metric = key.split(".")
        if section == "institution_meetings":
            v = got[section]["hit"] / max(1, got[section]["total"])
        elif section in ("place", "date"):
            v = got[section]["ok"] / max(1, got[section]["of"])
        else:
            v = got[section][metric]
        if v + 1e-9 < floor:
            failures.append(f"{name}: {key} = {v:.3f} below floor {floor:.3f}")

if failures:
    print("\nExtraction regressed below the floors in .ci/floors.json:")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print("\nextraction floors: all met")
