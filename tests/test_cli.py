"""The `kg` command as a user runs it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
from conftest import DATA, ONTOLOGY, ROOT, run_kg, triples_of

import kg


def _copy_inputs(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    shutil.copytree(ONTOLOGY, tmp_path / "ontology")


def test_build_with_defaults_writes_the_three_files_and_a_summary(tmp_path: Path) -> None:
    _copy_inputs(tmp_path)
    result = run_kg("build", cwd=tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    for name in ("kg.ttl", "kg.nt", "kg.jsonld", "manifest.json"):
        assert (tmp_path / "build" / name).is_file()
    for label in ("people", "organisations", "works", "events", "programmes", "places", "sources", "triples"):
        assert label in out
    assert "build/kg.ttl" in out and "build/kg.nt" in out and "build/kg.jsonld" in out
    # The on-disk store is written too, and said (it was missing from the summary).
    store_files = [p for p in (tmp_path / "build" / "kg.oxigraph").iterdir() if p.is_file()]
    assert re.search(rf"^  build/kg\.oxigraph \({len(store_files)} files, [\d.,]+ [kM]B\)$", out, re.M), out
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text())
    assert manifest["counts"]["triples"] == len(list(ox.parse(path=str(tmp_path / "build" / "kg.nt"))))
    assert not [p for p in (tmp_path / "build").iterdir() if p.name.startswith(".tmp")]


def test_summary_counts_match_the_graph(graph) -> None:
    counts = graph.counts()
    people = graph.select("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kgo:Person }").rows[0]["n"]
    assert counts["people"] == int(people.value)
    assert counts["triples"] == len(graph)
    assert counts["programme editions"] >= 3  # the curated data has at least the three IP Plan editions


def test_summary_counts_of_the_small_world(small_graph) -> None:
    # tests/small_world/records.yaml: the entities by family (a series and its two episodes are three works;
    # three countries, a province and four cities are eight places) and its 50 participations.
    counts = small_graph.counts()
    assert {k: v for k, v in counts.items() if k != "triples"} == {
        "people": 10, "organisations": 9, "works": 12, "events": 8, "programmes": 1, "programme editions": 3,
        "places": 8, "sources": 5, "awards": 2, "participations": 50}
    assert counts["triples"] == len(small_graph)


def test_validate_writes_nothing(tmp_path: Path) -> None:
    _copy_inputs(tmp_path)
    result = run_kg("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert "valid" in result.stdout.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "ontology"]


def test_export_to_stdout_and_to_a_file(tmp_path: Path, graph) -> None:
    result = run_kg("export", "--format", "nt")
    assert result.returncode == 0
    assert triples_of(ox.parse(result.stdout, format=ox.RdfFormat.N_TRIPLES)) == set(graph.triples())
    target = tmp_path / "out" / "graph.jsonld"
    result = run_kg("export", "--format", "jsonld", "-o", str(target))
    assert result.returncode == 0, result.stderr.decode()
    assert triples_of(ox.parse(path=str(target), format=ox.RdfFormat.JSON_LD)) == set(graph.triples())
    assert [p.name for p in target.parent.iterdir()] == ["graph.jsonld"]


def test_stats_prints_counts(graph) -> None:
    result = run_kg("stats")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert f"{graph.counts()['people']:>9,}" in text.splitlines()[0]


def test_failed_build_keeps_the_previous_build_and_writes_nothing(tmp_path: Path) -> None:
    _copy_inputs(tmp_path)
    assert run_kg("build", cwd=tmp_path).returncode == 0
    before = _files(tmp_path / "build")
    with (tmp_path / "data" / "people.yaml").open("a", encoding="utf-8") as fh:
        fh.write("- id: broken\n  type: Person\n  label: Broken\n  sources: [no-such-source]\n")
    result = run_kg("build", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "Traceback" not in err
    assert "data/people.yaml:" in err and "sources: unknown id 'no-such-source'" in err
    after = _files(tmp_path / "build")
    assert after == before


def test_failed_first_build_creates_no_output_folder(tmp_path: Path) -> None:
    _copy_inputs(tmp_path)
    (tmp_path / "data" / "extra.yaml").write_text("- id: x\n  type: Nope\n  label: X\n  sources: [src]\n")
    result = run_kg("build", cwd=tmp_path)
    assert result.returncode == 1
    assert not (tmp_path / "build").exists()


def test_missing_data_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_kg("build", "--ontology", str(ONTOLOGY), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("data: the data folder does not exist (")


def test_unknown_export_format_is_refused() -> None:
    result = run_kg("export", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr.decode()


def test_python_api_load_and_query() -> None:
    graph = kg.load(DATA, ONTOLOGY)
    rows = graph.select("SELECT ?label WHERE { kg:malcolm-clarke skos:prefLabel ?label } ORDER BY ?label").to_dicts()
    assert {"label": "Malcolm Clarke"} in rows


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("keep me")
    result = run_kg("build", "--out", str(target), cwd=ROOT)
    assert result.returncode == 1
    assert "exists and is not a folder" in result.stderr.decode()
    assert target.read_text() == "keep me"


def test_progress_goes_to_stderr_when_asked() -> None:
    result = run_kg("validate", "--progress")
    assert result.returncode == 0
    err = result.stderr.decode()
    assert "kg: reading records:" in err and "kg: building the graph from" in err
    assert "kg: checking the SHACL shapes" in err
    assert "kg:" not in result.stdout.decode()


def test_small_input_shows_no_progress() -> None:
    result = run_kg("validate")
    assert result.returncode == 0
    assert result.stderr == b""


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
