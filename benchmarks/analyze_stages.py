"""Where `kg analyze` spends its time: each stage timed in one process, over fresh processes.

Stages: opening the build (`open_build`), the read model's index (`kg.model.index.index_of`), the
network's facts (`kg.model.facts.facts_of`), the projection (`build_projection`), the measures
(`measure`) and the rows (`rows()`, `summary()`). Wall and CPU seconds per stage (CPU time is the
steadier figure on a shared machine), medians over `--repeats` fresh processes, and the peak RSS.

    python benchmarks/analyze_stages.py /tmp/syn1m/build --repeats 3 [--projection person] [--json F]

With `PYTHONPATH` set to another checkout, the same script times that one (run it from outside
the checkouts, so that the current folder's `kg` does not come first).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

STAGES = ("open", "index", "facts", "projection", "measures", "rows", "total")


def one(build: str, projection: str) -> dict[str, dict[str, float]]:
    """Time the stages of one `kg analyze` in this process."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    from kg.build_dir.reading import open_build
    from kg.model.facts import facts_of
    from kg.model.index import index_of
    from kg.network.filters import resolve_filters
    from kg.network.measures import measure
    from kg.network.projections import build_projection

    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    state: dict[str, object] = {}

    def stage(name: str, work):  # type: ignore[no-untyped-def]
        w, c = time.perf_counter(), time.process_time()
        state[name] = work()
        wall[name], cpu[name] = time.perf_counter() - w, time.process_time() - c

    stage("open", lambda: open_build(build, "/nonexistent", "/nonexistent").graph)
    graph = state["open"]
    stage("index", lambda: index_of(graph))  # type: ignore[arg-type]
    stage("facts", lambda: facts_of(graph))  # type: ignore[arg-type]
    facts = state["facts"]
    stage("projection", lambda: build_projection(facts, projection, resolve_filters(facts)))  # type: ignore[arg-type]
    net = state["projection"]
    stage("measures", lambda: measure(net, projection=projection))  # type: ignore[arg-type]
    analysis = state["measures"]
    stage("rows", lambda: (analysis.rows(), analysis.summary()))  # type: ignore[attr-defined]
    wall["total"], cpu["total"] = time.perf_counter() - wall0, time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall": wall, "cpu": cpu, "rss_mb": {"peak": rss},
            "size": {"nodes": net.number_of_nodes(), "ties": net.number_of_edges()}}  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--projection", default="person")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="write every run and the medians here")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.build, args.projection)))
        return
    runs = []
    for i in range(args.repeats):
        out = subprocess.run([sys.executable, __file__, args.build, "--projection", args.projection, "--one"],
                             check=True, capture_output=True, text=True).stdout
        run = json.loads(out.strip().splitlines()[-1])
        runs.append(run)
        print(f"run {i + 1}: " + " ".join(f"{s}={run['wall'][s]:.2f}" for s in STAGES)
              + f" (cpu {run['cpu']['total']:.2f}) rss={run['rss_mb']['peak']:.0f} MB", file=sys.stderr)
    medians = {kind: {s: statistics.median(r[kind][s] for r in runs) for s in STAGES} for kind in ("wall", "cpu")}
    medians["rss_mb"] = {"peak": statistics.median(r["rss_mb"]["peak"] for r in runs)}
    print(f"{args.projection}: {runs[0]['size']['nodes']} nodes, {runs[0]['size']['ties']} ties; "
          f"medians of {len(runs)} fresh processes")
    print(f"{'stage':<12}{'wall (s)':>10}{'cpu (s)':>10}")
    for s in STAGES:
        print(f"{s:<12}{medians['wall'][s]:>10.2f}{medians['cpu'][s]:>10.2f}")
    print(f"peak RSS {medians['rss_mb']['peak']:.0f} MB")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"runs": runs, "medians": medians}, fh, indent=2)


if __name__ == "__main__":
    main()
