"""The benchmark: kg against the limit (pyoxigraph alone) and the plain approach (rdflib), on the same
synthetic data, in one run.

    python benchmarks/run.py --triples 100000 [--repeats 3] [--out /tmp/kg-bench] [--json results.json]

For the size asked, it generates records (benchmarks/generate.py), then times, with medians over
``--repeats`` and the peak memory of each step run in a process of its own:

1. build: ``kg.build`` (records -> checked graph -> kg.ttl ...) vs pyoxigraph loading the same triples
   from N-Triples (the limit) vs rdflib parsing them into its memory store (the plain approach);
2. every catalogue question (with parameters picked from the data): through kg vs pyoxigraph directly
   vs rdflib's memory store;
3. ``kg analyze`` on the person projection; 4. ``kg query`` from a cold start on the build, and
   ``kg --help``.

It prints the times and the ratios kg/limit and kg/plain. The benchmark is not a test: the test suite
only runs it on a tiny graph to keep it working.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402  (beside this file)


def _child(code: str, *args: str) -> tuple[float, int, str]:
    """Run Python ``code`` in a fresh process; (seconds it reports, peak RSS in kB, its last line)."""
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    lines = result.stdout.strip().splitlines()
    seconds, peak = lines[-1].split()
    return float(seconds), int(peak), "\n".join(lines[:-1])


_PEAK = "import resource; peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"

BUILD_KG = """
import sys, time, kg
t = time.perf_counter()
kg.build(sys.argv[1], sys.argv[2], sys.argv[3], extras="never")  # analysis and viz are timed apart
t = time.perf_counter() - t
""" + _PEAK + "print(f'{t:.4f} {peak}')"

LOAD_OXIGRAPH = """
import sys, time, pyoxigraph as ox
t = time.perf_counter()
store = ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
n = len(store)
t = time.perf_counter() - t
""" + _PEAK + "print(f'{t:.4f} {peak}')"

LOAD_RDFLIB = """
import sys, time, rdflib
t = time.perf_counter()
g = rdflib.Graph()
g.parse(sys.argv[1], format="nt")
t = time.perf_counter() - t
""" + _PEAK + "print(f'{t:.4f} {peak}')"

RDFLIB_ONE = """
import json, sys, time, rdflib
from kg.namespaces import PREFIXES
g = rdflib.Graph(); g.parse(sys.argv[1], format="nt")
init = {k: rdflib.URIRef(v) if t == "iri" else rdflib.Literal(v, datatype=rdflib.URIRef(t))
        for k, (v, t) in json.loads(sys.argv[3]).items()}
ns = {p: rdflib.Namespace(v) for p, v in PREFIXES.items()}
t = time.perf_counter()
n = len(list(g.query(sys.argv[2], initNs=ns, initBindings=init)))
print(f"{time.perf_counter() - t:.4f} {n}")
"""

QUESTIONS = """
import json, statistics, subprocess, sys, time
import pyoxigraph as ox
from kg.answer import bind, run
from kg.catalogue import load_catalogue
from kg.graph import KnowledgeGraph
from kg.namespaces import PREFIXES
nt, repeats, params = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
graph = KnowledgeGraph.from_file(nt)
store = ox.Store(); store.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES)
limit, rdflib_on = int(sys.argv[4]), sys.argv[5] == "1"
parse_allowance = 30 + 60 * (__import__("os").path.getsize(nt) // 100_000_000)  # seconds for rdflib to parse
RDFLIB_ONE = sys.argv[6]
out = {}
for q in load_catalogue():
    values = params.get(q.name, {})
    terms = bind(graph, list(q.params), values, q.sparql, q.name)
    def timed(f):
        times = []
        for _ in range(repeats):
            t = time.perf_counter(); n = f(); times.append(time.perf_counter() - t)
        return statistics.median(times), n
    kg_t, kg_n = timed(lambda: len(run(graph, q, values)))
    subs = {ox.Variable(k): v for k, v in terms.items()}
    ox_t, ox_n = timed(lambda: len(list(store.query(q.sparql, prefixes=PREFIXES, substitutions=subs or None))))
    rd_t, rd_n = None, None
    if q.form == "select" and rdflib_on:
        # One process per rdflib query: a query can run for hours, and only a process can be stopped.
        init = {k: [v.value, "iri" if isinstance(v, ox.NamedNode) else v.datatype.value] for k, v in terms.items()}
        try:
            done = subprocess.run([sys.executable, "-c", RDFLIB_ONE, nt, q.sparql, json.dumps(init)],
                                  capture_output=True, text=True, timeout=limit + parse_allowance)
            if done.returncode == 0:
                rd_t, rd_n = (float(done.stdout.split()[0]), int(done.stdout.split()[1]))
            else:
                rd_n = done.stderr.strip().splitlines()[-1][:60] if done.stderr.strip() else "error"
        except subprocess.TimeoutExpired:
            rd_t = -limit  # negative: stopped at the limit
    out[q.name] = {"kg": kg_t, "pyoxigraph": ox_t, "rdflib": rd_t, "rows": kg_n, "rows_rdflib": rd_n}
print(json.dumps(out))
print("0 0")
"""

ANALYZE = """
import sys, time
from kg import network
from kg.graph import KnowledgeGraph
graph = KnowledgeGraph.from_file(sys.argv[1])
t = time.perf_counter()
a = network.analyze(graph, "person")
t = time.perf_counter() - t
print(a.summary()["nodes"], a.summary()["betweenness_method"])
""" + _PEAK + "print(f'{t:.4f} {peak}')"


def _command(*args: str, cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, capture_output=True, check=True)
    return time.perf_counter() - t


def pick_params(data: Path) -> dict[str, dict[str, str]]:
    """Parameters for the questions that need them, taken from the generated records."""
    return {
        "collaborators": {"person": "syn-person-0"}, "second-degree-collaborators": {"person": "syn-person-0"},
        "filmography": {"person": "syn-person-0"}, "common-partners": {"first": "syn-org-0", "second": "syn-org-1"},
        "sources-of": {"entity": "syn-work-0"}, "neighbourhood": {"entity": "syn-work-0"},
        "speakers": {"event": "syn-event-0"}, "works-at-event": {"event": "syn-event-0"},
    }


def median_of(repeats: int, f) -> tuple[float, int]:
    runs = [f() for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def run_benchmark(triples: int, out: Path, repeats: int = 3, rdflib_queries: bool = True,
                  rdflib_limit: int = 60) -> dict:
    """Generate, then time everything; the results as a dict (also printed by :func:`main`)."""
    out.mkdir(parents=True, exist_ok=True)
    data = generate.write(triples, out)
    ontology = ROOT / "ontology"
    build = out / "build"
    results: dict = {"triples_asked": triples, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                     "python": platform.python_version()}
    kg_build = median_of(repeats, lambda: _child(BUILD_KG, str(data), str(ontology), str(build))[:2])
    nt = build / "kg.nt"
    results["triples"] = sum(1 for _ in nt.open("rb"))
    limit = median_of(repeats, lambda: _child(LOAD_OXIGRAPH, str(nt))[:2])
    plain = median_of(1, lambda: _child(LOAD_RDFLIB, str(nt))[:2])
    results["build"] = {"kg": kg_build, "pyoxigraph_nt_load": limit, "rdflib_nt_parse": plain,
                        "kg/limit": kg_build[0] / limit[0], "kg/plain": kg_build[0] / plain[0]}
    _s, _p, text = _child(QUESTIONS, str(nt), str(repeats), json.dumps(pick_params(data)), str(rdflib_limit),
                          "1" if rdflib_queries else "0", RDFLIB_ONE)
    results["questions"] = json.loads(text)
    seconds, peak, info = _child(ANALYZE, str(nt))
    results["analyze_person"] = {"seconds": seconds, "peak_kb": peak, "info": info}
    results["cold_query"] = statistics.median(_command("query", "mentors", "--build", str(build), cwd=out)
                                              for _ in range(repeats))
    results["help"] = statistics.median(_command("--help", cwd=out) for _ in range(repeats))
    return results


def report(results: dict) -> str:
    """The results as text, with the ratios."""
    b = results["build"]
    lines = [f"{results['triples']:,} triples ({results['machine']}, Python {results['python']})",
             f"build: kg {b['kg'][0]:.2f} s ({b['kg'][1] / 1024:.0f} MB peak); pyoxigraph N-Triples load "
             f"{b['pyoxigraph_nt_load'][0]:.2f} s; rdflib parse {b['rdflib_nt_parse'][0]:.2f} s "
             f"({b['rdflib_nt_parse'][1] / 1024:.0f} MB); kg/limit {b['kg/limit']:.1f}x, kg/plain {b['kg/plain']:.2f}x",
             "question                                kg (s)   pyoxigraph (s)  kg/limit  rdflib (s)  kg/plain"]
    for name, q in sorted(results["questions"].items()):
        if isinstance(q["rows_rdflib"], str):
            rd = f"{'error':>10}  {'-':>8}"
        elif q["rdflib"] is None:
            rd = f"{'-':>10}  {'-':>8}"
        elif q["rdflib"] < 0:
            rd = f"{'>' + str(-q['rdflib']):>10}  {'<' + format(q['kg'] / -q['rdflib'], '.4f'):>8}"
        else:
            rd = f"{q['rdflib']:10.4f}  {q['kg'] / q['rdflib']:8.2f}"
        ratio = q["kg"] / q["pyoxigraph"] if q["pyoxigraph"] else 0
        lines.append(f"{name:38}  {q['kg']:7.4f}  {q['pyoxigraph']:14.4f}  {ratio:8.2f}  {rd}")
    a = results["analyze_person"]
    lines.append(f"kg analyze (person): {a['seconds']:.2f} s, {a['info']}")
    lines.append(f"kg query from a cold start: {results['cold_query']:.2f} s; kg --help: {results['help']:.2f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/kg-bench"))
    parser.add_argument("--no-rdflib-queries", action="store_true", help="skip the (slow) rdflib query runs")
    parser.add_argument("--rdflib-limit", type=int, default=60, help="seconds before an rdflib query is stopped")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    results = run_benchmark(args.triples, args.out / str(args.triples), args.repeats, not args.no_rdflib_queries,
                            args.rdflib_limit)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
