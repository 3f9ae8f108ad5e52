"""The benchmark's generator and runner keep working (the benchmark itself is not a test)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import need

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402
import run  # noqa: E402

import kg  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write(10_000, tmp_path_factory.mktemp("gen"), seed=7)


def test_generated_records_are_valid_and_about_the_size_asked(generated: Path) -> None:
    graph = kg.load(generated, ROOT / "ontology")
    ontology_only = len(kg.load(ROOT / "tests" / "bad_input" / "_base", ROOT / "ontology")) - 20
    assert 7_000 <= len(graph) - ontology_only <= 13_000


def test_every_generated_record_is_marked_synthetic(generated: Path) -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(generated.glob("*.yaml")))
    records = text.count("\n- id: ") + text.startswith("- id: ")
    assert records > 100
    assert text.count('note: "synthetic benchmark record"') == records
    assert text.count('- id: "syn-') == records


def test_the_generator_is_seeded(tmp_path: Path) -> None:
    a = generate.write(2_000, tmp_path / "a", seed=3)
    b = generate.write(2_000, tmp_path / "b", seed=3)
    assert [p.read_bytes() for p in sorted(a.glob("*.yaml"))] == [p.read_bytes() for p in sorted(b.glob("*.yaml"))]


def test_the_runner_measures_everything_on_a_tiny_graph(tmp_path: Path) -> None:
    need(Path(CHROMIUM).exists(), "chromium (Debian package)")
    results = run.run_benchmark(2_000, tmp_path, repeats=1, rdflib_queries=False, viz_sizes=(40, 120))
    assert results["build"]["kg"][0] > 0 and results["build"]["pyoxigraph_nt_load"][0] > 0
    assert set(results["questions"]) >= {"collaborators", "mentors", "timeline"}
    assert all(q["kg"] > 0 and q["pyoxigraph"] > 0 for q in results["questions"].values())
    assert [m["entities"] for m in results["viz"]] == [40, 120]
    assert all(m["bytes"] > 10_000 and m["nodes"] > 0 and m["browser"] == "ok" and m["ready"] > 0
               for m in results["viz"]), results["viz"]
    text = run.report(results)
    assert "kg/limit" in text and "kg analyze (person)" in text and "kg viz    120 entities" in text


def test_the_generator_writes_the_same_graph_as_csv(tmp_path: Path) -> None:
    as_yaml = generate.write(1_000, tmp_path / "yaml", seed=5)
    as_csv = generate.write(1_000, tmp_path / "csv", seed=5, fmt="csv")
    assert not list(as_csv.glob("*.yaml")) and (as_csv / "works-participants.csv").is_file()
    rows = "".join(p.read_text(encoding="utf-8") for p in sorted(as_csv.glob("*.csv")) if "-" not in p.stem)
    assert rows.count(",synthetic benchmark record") == rows.count("\nsyn-") > 20  # every record is marked
    # No blank nodes in the data: equal triple sets are isomorphic graphs.
    yaml_triples = set(kg.load(as_yaml, ROOT / "ontology", shapes=False).triples())
    assert set(kg.load(as_csv, ROOT / "ontology", shapes=False).triples()) == yaml_triples


# Morph-KGC: a benchmark-only comparison for CSV records (benchmarks/morph/), not a part of kg.
MAPPING = ROOT / "benchmarks" / "morph" / "mapping.yml"


def test_the_morph_kgc_mapping_parses_and_reads_every_generated_csv_file(tmp_path: Path) -> None:
    import configparser

    import yaml

    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    files = {s[0].split("~")[0] for m in mapping["mappings"].values() for s in m["sources"] if isinstance(s, list)}
    views = [s["query"] for m in mapping["mappings"].values() for s in m["sources"] if isinstance(s, dict)]
    data = generate.write(500, tmp_path, seed=2, fmt="csv")
    assert files == {f"data/{p.name}" for p in data.glob("*.csv")}
    assert views and all("data/*-participants.csv" in q for q in views)
    config = configparser.ConfigParser(interpolation=configparser.ExtendedInterpolation())
    config.read(run.write_config(tmp_path / "c.ini", tmp_path / "out $1.nt"))
    assert config["SyntheticRecords"]["mappings"] == str(MAPPING)
    assert config["CONFIGURATION"]["output_file"] == str(tmp_path / "out $1.nt")

    # Without Morph-KGC (it needs its own venv, benchmarks/morph/README.md) the runner says so and goes on.
    assert "skipped" in run._morph_report({"format": "csv", "morph_kgc": None})[0]


def test_the_cold_start_benchmark_runs_on_a_tiny_graph(tmp_path: Path) -> None:
    import cold_bench

    data = generate.write(2_000, tmp_path / "gen")
    results = cold_bench.run(data, tmp_path / "cold", repeats=1, analyze=True, question_limit=60)
    assert results["store_bytes"] > 0 and results["build_seconds"][0] > 0 and results["build_peak_mb"][0] > 0
    assert results["limit_seconds"] > 0 and results["limit_peak_mb"] > 0
    assert results["query mentors (store)"] > 0 and results["query mentors (kg.nt)"] > 0
    assert results["serve first answer (store)"] > 0 and results["serve first answer (kg.nt)"] > 0
    assert results["analyze (store)"] > 0 and results["analyze peak MB (kg.nt)"] > 0
    # Every question over the whole graph, on both, with the same number of rows.
    assert results["question mentors (store)"] > 0 and results["question mentors (memory)"] > 0
    rows = {key: value for key, value in results.items() if key.startswith("question ") and " rows " in key}
    assert len(rows) > 20 and all(isinstance(n, int) for n in rows.values())
    assert all(n == rows[key.replace("(store)", "(memory)")] for key, n in rows.items() if key.endswith("(store)"))
