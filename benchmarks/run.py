"""The benchmark: kg against the limit (pyoxigraph alone) and the plain approach (rdflib), on the same
synthetic data, in one run.

    python benchmarks/run.py --triples 100000 [--repeats 3] [--out /tmp/kg-bench] [--json results.json]
                             [--format csv [--morph-python PATH]]

For the size asked, it generates records (benchmarks/generate.py), then times, with medians over
``--repeats`` and the peak memory of each step run in a process of its own:

1. build: ``kg.build`` (records -> checked graph -> kg.ttl ...) vs pyoxigraph loading the same triples
   from N-Triples (the limit) vs rdflib parsing them into its memory store (the plain approach); with
   ``--format csv`` (records as CSV), also vs Morph-KGC materialising ``benchmarks/morph/mapping.yml`` on
   the same CSV files to N-Triples (skipped when morph_kgc is not installed; see benchmarks/README.md);
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
from morph.config import write_config  # noqa: E402  (benchmarks/morph/config.py)
from viz_bench import line as viz_line  # noqa: E402


def _child(code: str, *args: str, python: str = sys.executable, cwd: Path = ROOT) -> tuple[float, int, str]:
    """Run Python ``code`` in a fresh process; (seconds it reports, peak RSS in kB, its last line)."""
    result = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, cwd=cwd)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    lines = result.stdout.strip().splitlines()
    seconds, peak = lines[-1].split()
    return float(seconds), int(peak), "\n".join(lines[:-1])


def _tree_pss_kb(pid: int) -> int:
    """The proportional set size (kB) of ``pid`` and its children: pages shared after a fork count
    once in all, so the sum is the memory the processes take together (0 when /proc cannot tell)."""
    total = 0
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total


def _child_sampled(code: str, *args: str, every: float = 0.1) -> tuple[float, int, str]:
    """:func:`_child`, with the peak taken as the larger of the process's own peak RSS and the
    greatest sampled PSS of the process with its children (``kg build`` forks a writer)."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    sampled = 0
    while proc.poll() is None:
        sampled = max(sampled, _tree_pss_kb(proc.pid))
        time.sleep(every)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(err[-2000:])
    lines = out.strip().splitlines()
    seconds, peak = lines[-1].split()
    return float(seconds), max(int(peak), sampled), "\n".join(lines[:-1])


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

# Morph-KGC's own command (python -m morph_kgc CONFIG), timed inside the process like kg.build: the
# imports are done first, then the module runs as __main__ (parsing the mapping, reading the CSV files,
# writing N-Triples). Run in the folder holding data/ (the mapping's paths are relative).
MORPH_KGC = """
import runpy, sys, time
import morph_kgc.__main__  # imports only (its body runs under __name__ == "__main__")
sys.argv = ["morph_kgc", sys.argv[1]]
t = time.perf_counter()
runpy.run_module("morph_kgc", run_name="__main__", alter_sys=True)
t = time.perf_counter() - t
import resource
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(f'{t:.4f} {peak}')
"""

MORPH_VERSION = "import importlib.metadata as m, morph_kgc; print(m.version('morph-kgc'))"


def morph_python(given: str | None = None) -> tuple[str, str] | None:
    """(interpreter, Morph-KGC version) for the first of ``given``, ``$KG_MORPH_PYTHON`` and this Python
    that imports morph_kgc; None when none does (Morph-KGC is an optional, benchmark-only comparison)."""
    for python in (given, os.environ.get("KG_MORPH_PYTHON"), sys.executable):
        if not python:
            continue
        try:
            done = subprocess.run([python, "-c", MORPH_VERSION], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return python, done.stdout.strip()
    return None


def data_triples(nt: Path) -> set[str]:
    """The triples of an N-Triples file whose subject is a kg entity (not the ontology), as text."""
    import pyoxigraph as ox

    from kg.namespaces import KG

    return {str(q.triple) for q in ox.parse(path=nt, format=ox.RdfFormat.N_TRIPLES)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(KG)}


def run_morph(data: Path, nt: Path, out: Path, repeats: int, python: str, version: str,
              processes: int = 1) -> dict:
    """Time Morph-KGC on the CSV records in ``data`` (median, peak RSS) and compare its triples with
    kg's ``nt``: same input, how many triples each wrote, how many they share."""
    config = write_config(out / "morph" / "config.ini", out / "morph" / "morph.nt", processes)
    timing = median_of(repeats, lambda: _child(MORPH_KGC, str(config), python=python, cwd=data.parent)[:2])
    lines = sum(1 for line in (out / "morph" / "morph.nt").open("rb") if line.strip())
    kg_data, morph = data_triples(nt), data_triples(out / "morph" / "morph.nt")
    return {"seconds": timing, "version": version, "python": python, "processes": processes,
            "triples_written": lines, "triples": len(morph), "kg_data_triples": len(kg_data),
            "common": len(kg_data & morph), "only_kg": len(kg_data - morph), "only_morph": len(morph - kg_data)}


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
from kg.questions.ask import run
from kg.questions.catalogue import load_catalogue
from kg.questions.params import bind
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

VIZ = """
import json, sys
sys.path.insert(0, sys.argv[1])
import viz_bench
print(json.dumps([viz_bench.measure(int(n)) for n in sys.argv[2].split(",")]))
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
                  rdflib_limit: int = 60, fmt: str = "yaml", morph: str | None = None,
                  morph_processes: int = 1, viz_sizes: tuple[int, ...] = (500, 5000, 50000)) -> dict:
    """Generate, then time everything; the results as a dict (also printed by :func:`main`). With
    ``fmt="csv"`` the records are CSV and the build is also timed against Morph-KGC (the interpreter
    ``morph`` or see :func:`morph_python`), unless morph_kgc is not installed."""
    out.mkdir(parents=True, exist_ok=True)
    data = generate.write(triples, out, fmt=fmt)
    ontology = ROOT / "ontology"
    build = out / "build"
    results: dict = {"triples_asked": triples, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                     "python": platform.python_version(), "format": fmt}
    # Timed without sampling (reading /proc takes CPU from the build), then one sampled run for the
    # memory of the build with its forked writer.
    kg_build = median_of(repeats, lambda: _child(BUILD_KG, str(data), str(ontology), str(build))[:2])
    kg_build = (kg_build[0], max(kg_build[1], _child_sampled(BUILD_KG, str(data), str(ontology), str(build))[1]))
    nt = build / "kg.nt"
    results["triples"] = sum(1 for _ in nt.open("rb"))
    limit = median_of(repeats, lambda: _child(LOAD_OXIGRAPH, str(nt))[:2])
    plain = median_of(1, lambda: _child(LOAD_RDFLIB, str(nt))[:2])
    results["build"] = {"kg": kg_build, "pyoxigraph_nt_load": limit, "rdflib_nt_parse": plain,
                        "kg/limit": kg_build[0] / limit[0], "kg/plain": kg_build[0] / plain[0]}
    if fmt == "csv":
        found = morph_python(morph)
        results["morph_kgc"] = (run_morph(data, nt, out, repeats, *found, processes=morph_processes) if found
                                else None)
        if found:
            results["build"]["kg/morph_kgc"] = kg_build[0] / results["morph_kgc"]["seconds"][0]
    _s, _p, text = _child(QUESTIONS, str(nt), str(repeats), json.dumps(pick_params(data)), str(rdflib_limit),
                          "1" if rdflib_queries else "0", RDFLIB_ONE)
    results["questions"] = json.loads(text)
    seconds, peak, info = _child(ANALYZE, str(nt))
    results["analyze_person"] = {"seconds": seconds, "peak_kb": peak, "info": info}
    if viz_sizes:
        _s, _p, text = _child(VIZ, str(ROOT / "benchmarks"), ",".join(map(str, viz_sizes)))
        results["viz"] = json.loads(text)
    results["cold_query"] = statistics.median(_command("query", "mentors", "--build", str(build), cwd=out)
                                              for _ in range(repeats))
    results["help"] = statistics.median(_command("--help", cwd=out) for _ in range(repeats))
    return results


def _morph_report(results: dict) -> list[str]:
    if results.get("format") != "csv":
        return []
    m = results.get("morph_kgc")
    if m is None:
        return ["build vs Morph-KGC: skipped, morph_kgc is not installed (see benchmarks/README.md)"]
    processes = f"{m['processes']} process" + ("es" if m["processes"] > 1 else "")
    return [f"build vs Morph-KGC {m['version']} (same CSV records, {processes}): kg {results['build']['kg'][0]:.2f} s; "
            f"Morph-KGC {m['seconds'][0]:.2f} s ({m['seconds'][1] / 1024:.0f} MB peak); "
            f"kg/Morph-KGC {results['build']['kg/morph_kgc']:.2f}x",
            f"  triples: kg {m['kg_data_triples']:,} from the records (+{results['triples'] - m['kg_data_triples']:,} "
            f"of the ontology), Morph-KGC {m['triples']:,}; the same in both {m['common']:,}, only kg "
            f"{m['only_kg']:,}, only Morph-KGC {m['only_morph']:,}. kg also checks the records, the shapes and "
            f"the quality checks and writes Turtle and JSON-LD; Morph-KGC checks nothing"]


def report(results: dict) -> str:
    """The results as text, with the ratios."""
    b = results["build"]
    lines = [f"{results['triples']:,} triples ({results['machine']}, Python {results['python']})",
             f"build: kg {b['kg'][0]:.2f} s ({b['kg'][1] / 1024:.0f} MB peak); pyoxigraph N-Triples load "
             f"{b['pyoxigraph_nt_load'][0]:.2f} s; rdflib parse {b['rdflib_nt_parse'][0]:.2f} s "
             f"({b['rdflib_nt_parse'][1] / 1024:.0f} MB); kg/limit {b['kg/limit']:.1f}x, kg/plain {b['kg/plain']:.2f}x",
             *_morph_report(results),
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
    for m in results.get("viz", []):
        lines.append("kg viz " + viz_line(m))
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
    parser.add_argument("--format", choices=generate.FORMATS, default="yaml",
                        help="record format to generate (csv also times Morph-KGC; default yaml)")
    parser.add_argument("--morph-python", help="a Python with morph_kgc installed (default: $KG_MORPH_PYTHON, "
                        "else this one); Morph-KGC's pins conflict with kg's, so it needs its own environment")
    parser.add_argument("--morph-processes", type=int, default=1, help="Morph-KGC worker processes (default 1)")
    parser.add_argument("--viz-sizes", default="500,5000,50000",
                        help="entities of the synthetic graph pages timed (comma-separated; 0: none)")
    args = parser.parse_args()
    # CSV in a folder of its own: kg reads every *.yaml and *.csv under data/, and the ids would clash.
    folder = str(args.triples) if args.format == "yaml" else f"{args.triples}-csv"
    results = run_benchmark(args.triples, args.out / folder, args.repeats,
                            not args.no_rdflib_queries, args.rdflib_limit, args.format, args.morph_python,
                            args.morph_processes,
                            tuple(int(n) for n in args.viz_sizes.split(",") if int(n) > 0))
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
