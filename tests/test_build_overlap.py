"""A build fills its store from the N-Triples it writes, and checks it, while it writes the other
formats (`kg/pipeline.py: build`, `kg/graph.py: fill_from`). The store must hold exactly the triples
written, blank nodes included; a failed check or a failed write must leave nothing behind and no
thread waiting forever."""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import DATA, ONTOLOGY, build_files

import kg
from kg import export
from kg.build_dir.layout import LOCK_NAME, MANIFEST, STAGING_PREFIX
from kg.errors import OutputError, ValidationError
from kg.graph import KnowledgeGraph
from kg.pipeline import build

BASE = Path(__file__).parent / "bad_input" / "_base"
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def _store_triples(graph: KnowledgeGraph) -> set[ox.Triple]:
    return {ox.Triple(r["s"], r["p"], r["o"]) for r in graph.select(ALL).rows}


def _project(tmp_path: Path, data: Path = BASE) -> Path:
    shutil.copytree(ONTOLOGY, tmp_path / "ontology")
    shutil.copytree(data, tmp_path / "data")
    return tmp_path


def _person_shape_everyone_fails(project: Path) -> None:
    """Add a shape every person of the base data fails (no birth date): checked in the filling thread."""
    shapes = project / "ontology" / "shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8")
        + "\n<https://example.org/shape> a <http://www.w3.org/ns/shacl#NodeShape> ;\n"
        "  <http://www.w3.org/ns/shacl#targetClass> <https://w3id.org/coprod-kg/ontology#Person> ;\n"
        "  <http://www.w3.org/ns/shacl#property> [ <http://www.w3.org/ns/shacl#path> <http://schema.org/birthDate> ;"
        " <http://www.w3.org/ns/shacl#minCount> 1 ] .\n", encoding="utf-8")


def _hashes(folder: Path) -> dict[str, str]:
    """Every file of ``folder`` by its SHA-256, the store's RocksDB files too (a failed build leaves
    them as they were)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_store_a_build_fills_holds_exactly_the_triples_it_writes(tmp_path: Path) -> None:
    result = build(DATA, ONTOLOGY, tmp_path / "build", extras="never")
    written = set(ox.parse(path=str(tmp_path / "build" / "kg.nt"), format=ox.RdfFormat.N_TRIPLES))
    in_store = _store_triples(result.graph)
    assert in_store == {ox.Triple(q.subject, q.predicate, q.object) for q in written}
    assert in_store == set(result.graph.triples()) == set(kg.load(DATA, ONTOLOGY).triples())
    assert result.counts == kg.load(DATA, ONTOLOGY).counts()
    assert result.counts["triples"] == len(in_store) > 3000


def test_blank_nodes_of_the_ontology_keep_their_names_and_links_in_the_store(tmp_path: Path) -> None:
    # Oxigraph's parser renames blank nodes (each piece of a file on its own): a graph with any is
    # filled from its keys, so that the store and the files name them alike.
    project = _project(tmp_path)
    (project / "ontology" / "extra.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://example.org/thing> rdfs:seeAlso\n"
        "  [ rdfs:comment \"first\" ; rdfs:seeAlso [ rdfs:comment \"second\" ] ] .\n",
        encoding="utf-8")
    result = build(project / "data", project / "ontology", project / "build", extras="never")
    rows = result.graph.select(
        "SELECT ?a ?b WHERE { <https://example.org/thing> rdfs:seeAlso ?a . ?a rdfs:comment \"first\" ; "
        "rdfs:seeAlso ?b . ?b rdfs:comment \"second\" }").rows
    assert len(rows) == 1
    assert {rows[0]["a"], rows[0]["b"]} == {ox.BlankNode("extra1"), ox.BlankNode("extra2")}
    assert _store_triples(result.graph) == set(result.graph.triples())
    assert "_:extra1" in (project / "build" / "kg.nt").read_text(encoding="utf-8")


def test_text_that_looks_like_a_blank_node_stays_text(tmp_path: Path) -> None:
    project = _project(tmp_path)
    base = project / "data" / "base.yaml"
    base.write_text(base.read_text(encoding="utf-8").replace("label: Someone", 'label: "Someone _:b0"', 1),
                    encoding="utf-8")
    assert "_:b0" in base.read_text(encoding="utf-8")
    result = build(project / "data", project / "ontology", project / "build", extras="never")
    assert _store_triples(result.graph) == set(result.graph.triples())
    assert not [r for r in result.graph.select(ALL).rows if isinstance(r["s"], ox.BlankNode)]


def test_a_build_without_n_triples_still_fills_and_checks_its_store(tmp_path: Path) -> None:
    result = build(DATA, ONTOLOGY, tmp_path / "build", formats=("ttl",), extras="never")
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == [LOCK_NAME, "kg.ttl", MANIFEST]
    assert _store_triples(result.graph) == set(result.graph.triples())
    assert result.counts["people"] > 0


def test_a_build_that_fails_its_checks_keeps_the_previous_build(tmp_path: Path) -> None:
    project = _project(tmp_path)
    out = project / "build"
    build(project / "data", project / "ontology", out, extras="never")
    before = _hashes(out)
    _person_shape_everyone_fails(project)
    with pytest.raises(ValidationError) as caught:
        build(project / "data", project / "ontology", out, extras="never")
    assert any("birthDate" in p.field or "birthDate" in p.message for p in caught.value.problems)
    assert _hashes(out) == before
    assert not list(out.glob(STAGING_PREFIX + "*"))


def test_a_first_build_that_fails_its_checks_leaves_no_folder(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _person_shape_everyone_fails(project)
    with pytest.raises(ValidationError):
        build(project / "data", project / "ontology", project / "out" / "build", extras="never")
    assert not (project / "out" / "build").exists()


def test_a_write_that_fails_midway_stops_the_filler_and_keeps_the_previous_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    out = project / "build"
    build(project / "data", project / "ontology", out, extras="never")
    before = _hashes(out)
    real = export._write_ntriples

    def fails_after_a_piece(keys, fh) -> None:
        fh.write(b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n" * 70_000)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_ntriples", fails_after_a_piece)
    outcome: dict[str, BaseException] = {}

    def run() -> None:
        try:
            build(project / "data", project / "ontology", out, extras="never")
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the build hung after its write failed"
    assert isinstance(outcome.get("error"), OutputError)
    for thread in threading.enumerate():  # the filling thread learns of the failure and ends
        if thread.name == "kg-build-check":
            thread.join(60)
            assert not thread.is_alive(), "the filling thread still waits for the N-Triples"
    assert "No space left on device" in outcome["error"].message
    monkeypatch.setattr(export, "_write_ntriples", real)
    assert _hashes(out) == before
    assert not list(out.glob(STAGING_PREFIX + "*"))


# -- Turtle and JSON-LD written by a forked process (from FORK_WRITERS_FROM triples; 0 here) ----------


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every build forks its writer; the children's pids are recorded."""
    import os

    from kg.build_dir import commit

    if not hasattr(os, "fork"):
        pytest.skip("needs fork")
    monkeypatch.setattr(commit, "FORK_WRITERS_FROM", 0)
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids


def _reaped(pid: int) -> bool:
    import os

    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # not a child of ours any more: it was waited for
    return False


def test_a_forked_writer_writes_the_same_files(tmp_path: Path, forking: list[int]) -> None:
    forked = build(DATA, ONTOLOGY, tmp_path / "forked", extras="never")
    assert len(forking) == 1 and _reaped(forking[0])
    from kg.build_dir import commit

    commit.FORK_WRITERS_FROM = 10**12  # monkeypatch restores it
    alone = build(DATA, ONTOLOGY, tmp_path / "alone", extras="never")
    assert len(forking) == 1
    assert build_files(tmp_path / "forked") == build_files(tmp_path / "alone")  # two loads: the store's stamp
    assert forked.counts == alone.counts


def test_a_forked_writer_that_fails_is_reported_and_nothing_is_committed(
        tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    out = project / "build"
    build(project / "data", project / "ontology", out, extras="never")
    before = _hashes(out)

    def no_space(keys, fh, context=None) -> None:  # runs in the child, which the patch reaches by fork
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_jsonld", no_space)
    with pytest.raises(OutputError) as caught:
        build(project / "data", project / "ontology", out, extras="never")
    assert "No space left on device" in caught.value.message
    assert all(_reaped(pid) for pid in forking)
    assert _hashes(out) == before and not list(out.glob(STAGING_PREFIX + "*"))


def test_a_failed_check_stops_the_forked_writer(tmp_path: Path, forking: list[int],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    project = _project(tmp_path)
    real = export._write_jsonld

    finished = tmp_path / "the child finished"

    def slow(keys, fh) -> None:  # the child is still writing when the check fails
        time.sleep(30)
        finished.touch()
        real(keys, fh)

    monkeypatch.setattr(export, "_write_jsonld", slow)
    _person_shape_everyone_fails(project)
    with pytest.raises(ValidationError):
        build(project / "data", project / "ontology", project / "build", extras="never")
    assert forking and all(_reaped(pid) for pid in forking)
    assert not (project / "build").exists()
    assert not finished.exists()  # the child was stopped, not waited for
