"""Cold answers (issue 19, target 1): what a reader of a build waits for before its first answer, with
the build's on-disk store (``build/kg.oxigraph``) and without it (the same build read from ``kg.nt``, as
before the store), and what the store costs the build.

    python benchmarks/cold_bench.py --data /tmp/syn1m/data [--out /tmp/kg-cold] [--repeats 3]
                                    [--build-repeats 1] [--ontology DIR] [--json results.json]
                                    [--analyze] [--questions LIMIT]

It builds ``--data`` (``kg build --extras never``, timed, in a fresh process each time) into
``OUT/build``, measures the store folder, makes ``OUT/no-store`` (the same files, linked, with a
manifest that lists no store: what an older kg wrote), then times in fresh processes, medians over
``--repeats``: ``kg query`` from a cold start (``mentors``, and questions with a parameter), and ``kg
serve`` from its start to its first answer (a ``SELECT`` of one triple through the front), on both.
The limit of the build is pyoxigraph loading its ``kg.nt`` into a memory store (fresh processes, peak
RSS of each process alone: the build's loader and forked writer are processes of their own). With
``--analyze``, ``kg analyze`` on both; with ``--questions LIMIT``, every catalogue question over the
whole graph, on the store and read into memory (a graph opened once, each question in a forked child).
Not a test: the suite only checks that it runs (see tests/test_benchmarks.py for the others).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = [sys.executable, "-m", "kg"]
#: Every command runs as after ``pip install``, which compiles kg's bytecode: without the variable some
#: environments set (an editable install then compiles every module again on every start, 0.1-0.2 s).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
#: Questions timed from a cold start: the catalogue's whole-graph one the issue names, and ones with a
#: parameter (ids of benchmarks/generate.py's records).
QUESTIONS = {
    "mentors": [],
    "mentors edition=syn-edition-0": ["--param", "edition=syn-edition-0"],
    "speakers event=syn-event-0": ["--param", "event=syn-event-0"],
    "filmography person=syn-person-0": ["--param", "person=syn-person-0"],
}


def _timed(cmd: list[str], cwd: Path) -> float:
    return _timed_rss(cmd, cwd)[0]


def _timed_rss(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``cmd``, in a process of its own (its own children not counted)."""
    t = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - t
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


#: The limit of the build (issue 19's ratio): pyoxigraph loading the build's N-Triples into its memory store.
_LIMIT = "import sys, pyoxigraph as ox; ox.Store().bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)"

#: Each catalogue question on an open graph, in a forked child stopped at a limit: prints name, rows, seconds.
_QUESTIONS = """
import os, sys, time, json
from kg.build_dir.reading import open_build
from kg.questions.catalogue import load_catalogue
build, memory, limit = sys.argv[1], sys.argv[2] == "memory", float(sys.argv[3])
graph = open_build(build, "/nonexistent", "/nonexistent", memory=memory).graph
for question in load_catalogue():
    if question.is_check:
        continue
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        t = time.perf_counter()
        rows = graph.query(question.sparql)
        os.write(write, json.dumps([len(rows) if hasattr(rows, "rows") else -1, time.perf_counter() - t]).encode())
        os._exit(0)
    os.close(write)
    deadline = time.perf_counter() + limit
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.perf_counter() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            break
        time.sleep(0.01)
    got = os.read(read, 1000)
    os.close(read)
    print(json.dumps([question.name, *(json.loads(got) if got else [None, None])]), flush=True)
"""


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def without_store(build: Path, target: Path) -> Path:
    """A copy of ``build`` (its files linked) whose manifest lists no store, and no store folder."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("store", None)
    for name in manifest["files"]:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        os.link(build / name, target / name)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve_first_answer(build: Path, cwd: Path, limit: float = 120.0) -> float:
    """Seconds from starting ``kg serve`` on ``build`` to its first answer to a query."""
    port = _free_port()
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"})
    url = f"http://127.0.0.1:{port}/query?{query}"
    t = time.perf_counter()
    server = subprocess.Popen([*KG, "serve", "--build", str(build), "--port", str(port)], cwd=cwd, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t < limit:
            try:
                with urllib.request.urlopen(url, timeout=limit) as response:
                    response.read()
                return time.perf_counter() - t
            except (urllib.error.URLError, OSError):
                if server.poll() is not None:
                    raise RuntimeError("kg serve stopped") from None
                time.sleep(0.01)
        raise RuntimeError(f"kg serve did not answer within {limit} s")
    finally:
        server.terminate()
        server.wait(30)


def run(data: Path, out: Path, repeats: int = 3, build_repeats: int = 1, ontology: Path = ROOT / "ontology",
        analyze: bool = False, question_limit: float = 0) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    build, cwd = out / "build", out / "cwd"
    cwd.mkdir(exist_ok=True)  # no data/ here: no staleness check of the inputs in the timings
    builds = [_timed_rss([*KG, "build", "--data", str(data), "--ontology", str(ontology), "--out", str(build),
                          "--extras", "never"], cwd) for _ in range(max(1, build_repeats))]
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    limits = [_timed_rss([sys.executable, "-c", _LIMIT, str(build / "kg.nt")], cwd) for _ in range(repeats)]
    results: dict = {"triples": manifest["counts"]["triples"], "build_seconds": [b[0] for b in builds],
                     "build_peak_mb": [b[1] for b in builds],
                     "limit_seconds": statistics.median(x[0] for x in limits),
                     "limit_peak_mb": statistics.median(x[1] for x in limits),
                     "store_bytes": _size(build / "kg.oxigraph"),
                     "files_bytes": sum(e["bytes"] for e in manifest["files"].values())}
    plain = without_store(build, out / "no-store")
    _timed([*KG, "query", "mentors", "--build", str(build), "-o", str(cwd / "answer.csv")], cwd)  # bytecode written
    for label, folder in (("store", build), ("kg.nt", plain)):
        for name, extra in QUESTIONS.items():
            cmd = [*KG, "query", name.split()[0], *extra, "--build", str(folder), "--format", "csv",
                   "-o", str(cwd / "answer.csv")]
            results[f"query {name} ({label})"] = statistics.median(_timed(cmd, cwd) for _ in range(repeats))
        results[f"serve first answer ({label})"] = statistics.median(
            serve_first_answer(folder, cwd) for _ in range(repeats))
        if analyze:
            runs = [_timed_rss([*KG, "analyze", "--build", str(folder), "--format", "json",
                                "-o", str(cwd / "analysis.json")], cwd) for _ in range(repeats)]
            results[f"analyze ({label})"] = statistics.median(r[0] for r in runs)
            results[f"analyze peak MB ({label})"] = statistics.median(r[1] for r in runs)
    if question_limit:
        # Every question over the whole graph, opened once: on the store, and read into memory.
        for label, how in (("store", "store"), ("memory", "memory")):
            done = subprocess.run([sys.executable, "-c", _QUESTIONS, str(build), how, str(question_limit)],
                                  cwd=cwd, env=ENV, check=True, capture_output=True, text=True)
            for line in done.stdout.splitlines():
                name, rows, seconds = json.loads(line)
                results[f"question {name} ({label})"] = seconds
                results[f"question {name} rows ({label})"] = rows
    results["kg --help"] = statistics.median(_timed([*KG, "--help"], cwd) for _ in range(repeats))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="records to build (e.g. generate.py's data/)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/kg-cold"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--build-repeats", type=int, default=1)
    parser.add_argument("--ontology", type=Path, default=ROOT / "ontology")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--analyze", action="store_true", help="also time kg analyze (store and kg.nt)")
    parser.add_argument("--questions", type=float, default=0, metavar="LIMIT",
                        help="also time every catalogue question over the whole graph, on the store and "
                             "in memory, each stopped at LIMIT seconds (shown as None)")
    args = parser.parse_args()
    results = run(args.data, args.out, args.repeats, args.build_repeats, args.ontology, args.analyze,
                  args.questions)
    for key, value in results.items():
        shown = ("-" if value is None else ", ".join(f"{v:.2f}" for v in value) if isinstance(value, list)
                 else f"{value / 1e6:.1f} MB" if key.endswith("bytes") else f"{value:.3f}" if isinstance(value, float)
                 else f"{value:,}")
        print(f"{key:48} {shown}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
