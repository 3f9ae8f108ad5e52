"""The build keeps its graph as an on-disk Oxigraph store (build/kg.oxigraph), listed in the manifest and
committed with the rest; readers open it instead of parsing kg.nt, fall back to kg.nt for a build
without one, and refuse (with a warning) a store that does not match the manifest; kg serve serves it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ONTOLOGY, SMALL_WORLD, run_kg

import kg.build_dir.store as store_module
from kg.build_dir.layout import MANIFEST, STAGING_PREFIX, STORE_NAME, STORE_STAMP, foreign_files
from kg.build_dir.reading import open_build
from kg.errors import BuildMissing, OutputError
from kg.graph import KnowledgeGraph
from kg.namespaces import GRAPH
from kg.pipeline import build
from kg.questions.ask import query as ask


def _build(out: Path, data: Path = SMALL_WORLD) -> Path:
    build(data, ONTOLOGY, out, extras="never")
    return out


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return _build(tmp_path / "build")


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


def _set_manifest(out: Path, manifest: dict) -> None:
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _nt_triples(out: Path) -> set:
    return {ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(path=str(out / "kg.nt"), format=ox.RdfFormat.N_TRIPLES)}


def _answer(out: Path) -> list[dict]:
    """The answer to ``mentors`` on the build in ``out``, each text's words sorted: the order of a
    GROUP_CONCAT is the engine's (it differs between the on-disk store and one read from kg.nt)."""
    rows = ask("mentors", build=out, data=out / "no-data", ontology=out / "no-ontology").to_dicts()
    return [{k: " ".join(sorted(v.split())) if isinstance(v, str) else v for k, v in row.items()} for row in rows]


def _edited_copy(tmp_path: Path) -> Path:
    """The small world's records with one label changed: another graph."""
    data = tmp_path / "edited-data"
    shutil.copytree(SMALL_WORLD, data, ignore=shutil.ignore_patterns("*.md"))
    victim = sorted(data.glob("*.yaml"))[0]
    victim.write_text(victim.read_text(encoding="utf-8").replace("label: ", "label: X ", 1), encoding="utf-8")
    return data


def test_the_build_writes_a_store_of_its_triples_listed_in_the_manifest(small: Path) -> None:
    manifest = _manifest(small)
    entry = manifest["store"]
    assert entry["folder"] == STORE_NAME and entry["graph"] == GRAPH
    assert entry["loaded_from"] == {"file": "kg.nt", "sha256": manifest["files"]["kg.nt"]["sha256"]}
    assert entry["triples"] == manifest["counts"]["triples"]
    stamp = json.loads((small / STORE_NAME / STORE_STAMP).read_text(encoding="utf-8"))
    assert stamp == {k: v for k, v in entry.items() if k != "folder"}
    # The store is not one of the hashed files, and the folder holds nothing kg did not write.
    assert not any(name.startswith(STORE_NAME) for name in manifest["files"])
    assert foreign_files(small) == []
    store = ox.Store.read_only(str(small / STORE_NAME))
    named = store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH))
    assert {ox.Triple(q.subject, q.predicate, q.object) for q in named} == _nt_triples(small)
    assert len(store) == entry["triples"]  # nothing outside the named graph


def test_the_other_files_are_the_same_with_the_store(small: Path, tmp_path: Path) -> None:
    again = _build(tmp_path / "again")
    first, second = _manifest(small), _manifest(again)
    assert first["files"] == second["files"] and first["store"] == second["store"]


def test_readers_open_the_store_and_never_parse_kg_nt(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _answer(small)
    assert expected

    def refuse(*_args, **_kwargs):
        raise AssertionError("kg.nt was parsed")

    monkeypatch.setattr(KnowledgeGraph, "from_file", refuse)
    opened = open_build(small, small / "no-data", small / "no-ontology")
    assert opened.warnings == []
    assert len(opened.graph) == _manifest(small)["counts"]["triples"]
    assert _answer(small) == expected
    # Queries see the graph as their default graph, and no named graph (as a graph read from kg.nt).
    assert opened.graph.query("ASK { GRAPH ?g { ?s ?p ?o } }") is False
    assert opened.graph.query(f"ASK {{ ?s a <{'https://w3id.org/coprod-kg/ontology#'}Person> }}") is True


def test_a_graph_opened_from_a_build_writes_the_builds_files_again(small: Path) -> None:
    """Regression: a graph made from a store or from kg.nt lacked attributes that the others have
    (jsonld_context, warnings), so writing it as JSON-LD failed."""
    for reader in ("store", "kg.nt"):
        if reader == "kg.nt":
            manifest = _manifest(small)
            del manifest["store"]
            _set_manifest(small, manifest)
        graph = open_build(small, small / "no-data", small / "no-ontology").graph
        assert (graph._length is None) == (reader == "kg.nt")
        assert graph.warnings == []
        assert graph.serialize("ttl") == (small / "kg.ttl").read_bytes(), reader
        assert graph.serialize("nt") == (small / "kg.nt").read_bytes(), reader
        assert json.loads(graph.serialize("jsonld"))["@graph"], reader


def _every_triple(graph: KnowledgeGraph) -> set:
    return {ox.Triple(s, p, o) for s, p, o in graph.every_triple()}


def test_the_whole_graph_of_a_store_is_read_from_the_file_it_was_loaded_from(small: Path, tmp_path: Path) -> None:
    """Regression: the read model read every triple from the store (21 s at 1M, each term a RocksDB
    lookup, against 3.6 s parsing kg.nt), so kg analyze got slower with the store (51-56 s against
    40-42 s), and so did kg push. A store's graph gives the file's triples while the file has the
    SHA-256 it recorded."""
    graph = open_build(small, small / "no-data", small / "no-ontology").graph
    assert graph._length is not None  # the store, not kg.nt
    assert _every_triple(graph) == _nt_triples(small)
    # What it read is the file: a store pointed at another file (with that file's hash) gives that one.
    other = tmp_path / "other.nt"
    other.write_bytes(b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    entry = _manifest(small)["store"]
    pointed = KnowledgeGraph.from_store(small / STORE_NAME, entry["graph"], entry["triples"],
                                        (other, hashlib.sha256(other.read_bytes()).hexdigest()))
    one = ox.Triple(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/b"),
                    ox.NamedNode("https://example.org/c"))
    assert _every_triple(pointed) == {one}
    assert pointed.triples() == [one]  # the output order (kg push, serialize) is read from it too


@pytest.mark.parametrize("change", ["edited", "deleted"])
def test_the_whole_graph_of_a_store_comes_from_the_store_when_its_file_changed(small: Path, change: str) -> None:
    expected = _nt_triples(small)
    graph = open_build(small, small / "no-data", small / "no-ontology").graph
    nt = small / "kg.nt"
    if change == "edited":
        nt.write_bytes(nt.read_bytes() + b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    else:
        nt.unlink()
    assert _every_triple(graph) == expected
    assert set(graph.triples()) == expected


def test_the_read_model_of_a_store_equals_that_of_kg_nt(small: Path) -> None:
    from kg.model.index import index_of

    from_store = open_build(small, small / "no-data", small / "no-ontology").graph
    from_nt = KnowledgeGraph.from_file(small / "kg.nt")
    assert index_of(from_store) == index_of(from_nt)


def test_the_site_reads_kg_nt_into_memory(small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kg site asks every question of the whole graph, 5-8 times slower on the store at 1M than in memory."""
    from kg.site import site_from_build

    def refuse(*_args, **_kwargs):
        raise AssertionError("the store was opened")

    monkeypatch.setattr(KnowledgeGraph, "from_store", refuse)
    assert open_build(small, small / "no-data", small / "no-ontology", memory=True).graph._length is None
    result = site_from_build(small, tmp_path / "site", data=small / "no-data", ontology=small / "no-ontology")
    assert result.warnings == [] and (tmp_path / "site" / "index.html").is_file()
    # kg.nt is checked as ever: edited, the site is refused (the store alone would not say so).
    nt = small / "kg.nt"
    nt.write_bytes(nt.read_bytes() + b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    with pytest.raises(BuildMissing, match="does not match its manifest"):
        site_from_build(small, tmp_path / "site2", data=small / "no-data", ontology=small / "no-ontology")
    assert not (tmp_path / "site2").exists()


def test_the_cli_answers_from_the_store_without_kg_nt(small: Path, tmp_path: Path) -> None:
    with_nt = run_kg("query", "mentors", "--build", str(small), "--format", "csv", cwd=tmp_path)
    assert with_nt.returncode == 0, with_nt.stderr.decode()
    (small / "kg.nt").unlink()  # the store alone answers: kg.nt is not even read
    without = run_kg("query", "mentors", "--build", str(small), "--format", "csv", cwd=tmp_path)
    assert without.returncode == 0, without.stderr.decode()
    assert without.stdout == with_nt.stdout and without.stderr == b""


def test_a_time_limited_question_runs_on_the_store(small: Path) -> None:
    graph = open_build(small, small / "no-data", small / "no-ontology").graph
    assert graph.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=30).to_dicts() \
        == [{"n": len(graph)}]


def test_a_build_without_a_store_is_read_from_kg_nt(small: Path) -> None:
    expected = _answer(small)
    manifest = _manifest(small)
    del manifest["store"]  # as an older kg wrote it
    _set_manifest(small, manifest)
    shutil.rmtree(small / STORE_NAME)
    opened = open_build(small, small / "no-data", small / "no-ontology")
    assert opened.warnings == [] and opened.graph._length is None
    assert _answer(small) == expected


@pytest.mark.parametrize("damage", ["missing", "stamp", "other-build", "manifest"])
def test_a_store_that_does_not_match_the_manifest_is_not_used(small: Path, tmp_path: Path, damage: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _answer(small)
    folder = small / STORE_NAME
    if damage == "missing":
        shutil.rmtree(folder)
    elif damage == "stamp":
        stamp = json.loads((folder / STORE_STAMP).read_text(encoding="utf-8"))
        (folder / STORE_STAMP).write_text(json.dumps({**stamp, "triples": 1}), encoding="utf-8")
    elif damage == "other-build":  # a store made from other records put in its place
        shutil.rmtree(folder)
        shutil.copytree(_build(tmp_path / "other", _edited_copy(tmp_path)) / STORE_NAME, folder)
    else:
        manifest = _manifest(small)
        manifest["store"]["loaded_from"]["sha256"] = "0" * 64
        _set_manifest(small, manifest)
    parsed = []
    real = KnowledgeGraph.from_file.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(KnowledgeGraph, "from_file",
                        classmethod(lambda cls, *a, **k: parsed.append(a) or real(cls, *a, **k)))
    opened = open_build(small, small / "no-data", small / "no-ontology")
    assert parsed, "kg.nt was not read"
    assert len(opened.warnings) == 1 and STORE_NAME in opened.warnings[0] and "kg build" in opened.warnings[0]
    assert _answer(small) == expected


def test_a_stray_store_folder_is_foreign(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / STORE_NAME).mkdir(parents=True)
    (out / STORE_NAME / "CURRENT").write_text("x", encoding="utf-8")
    assert foreign_files(out) == [STORE_NAME + "/"]


def test_a_new_build_replaces_the_store_whole(small: Path, tmp_path: Path) -> None:
    old_stamp = (small / STORE_NAME / STORE_STAMP).read_text(encoding="utf-8")
    build(_edited_copy(tmp_path), ONTOLOGY, small, extras="never")
    manifest = _manifest(small)
    assert (small / STORE_NAME / STORE_STAMP).read_text(encoding="utf-8") != old_stamp
    assert open_build(small, small / "no-data", small / "no-ontology").warnings == []
    assert manifest["store"]["loaded_from"]["sha256"] == manifest["files"]["kg.nt"]["sha256"]
    assert not list(small.glob(STAGING_PREFIX + "*"))


def _load(tmp_path: Path, text: str) -> store_module.StoreWriter:
    nt = tmp_path / "g.nt"
    nt.write_text(text, encoding="utf-8")
    return store_module.StoreWriter(nt, {"sha256": "x"}, tmp_path / "store", text.count("\n"))


def test_the_loader_keeps_every_triple_in_the_named_graph(tmp_path: Path) -> None:
    lines = [f'<http://example.org/s{i}> <http://example.org/p> "{"long " * (i % 40)}{i}" .\n' for i in range(500)]
    entry = _load(tmp_path, "".join(lines)).result()
    assert entry["triples"] == 500 and entry["folder"] == "store"
    store = ox.Store.read_only(str(tmp_path / "store"))
    assert len(store) == 500 and len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)))) == 500
    assert json.loads((tmp_path / "store" / STORE_STAMP).read_text(encoding="utf-8"))["triples"] == 500


def test_the_loader_keeps_blank_nodes_apart(tmp_path: Path) -> None:
    _load(tmp_path, "".join(f"_:b{i % 3} <http://example.org/p> \"{i}\" .\n" for i in range(300))).result()
    store = ox.Store.read_only(str(tmp_path / "store"))
    assert len({q.subject for q in store}) == 3 and len(store) == 300


def test_a_failed_load_is_the_builds_error_and_leaves_no_store(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("in the way", encoding="utf-8")  # the loader cannot make its folder
    writer = _load(tmp_path, "<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    with pytest.raises(OutputError, match=r"could not load g\.nt into the build's store"):
        writer.result()


def test_a_stopped_store_writer_kills_the_loader_and_removes_its_folder(tmp_path: Path) -> None:
    writer = _load(tmp_path, "<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n" * 10)
    process = writer._process
    writer.stop()
    assert process is not None and process.returncode is not None
    assert not (tmp_path / "store").exists()


def test_a_build_whose_loader_fails_keeps_the_previous_build(small: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    before = _manifest(small)
    monkeypatch.setattr(store_module, "oxigraph_binary", lambda: "/bin/false")
    with pytest.raises(OutputError, match=r"could not load kg\.nt into the build's store"):
        _build(small, _edited_copy(tmp_path))
    assert _manifest(small) == before and open_build(small, small / "no-data", small / "no-ontology").warnings == []
    assert not list(small.glob(STAGING_PREFIX + "*"))


def test_a_build_without_the_oxigraph_command_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "oxigraph_binary", lambda: None)
    with pytest.raises(OutputError, match="Oxigraph server is not installed"):
        _build(tmp_path / "build")
    assert not (tmp_path / "build").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_from_the_store_without_loading_kg_nt(small: Path) -> None:
    from kg.endpoint.serve import Server

    total = _manifest(small)["counts"]["triples"]
    (small / "kg.nt").unlink()  # the store's files are served: kg.nt is neither read nor loaded
    with Server(small, "127.0.0.1", _free_port()) as server:
        assert server.location is not None
        served = server.location / "store"
        # Linked, not copied: the same files as the build's store.
        for name in ("CURRENT", STORE_STAMP):
            assert os.stat(served / name).st_ino == os.stat(small / STORE_NAME / name).st_ino
        for graph_param in ({}, {"default-graph-uri": GRAPH}):
            query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **graph_param})
            with urllib.request.urlopen(server.query_url + "?" + query, timeout=30) as response:
                answer = json.loads(response.read())
            assert int(answer["results"]["bindings"][0]["n"]["value"]) == total
    assert not served.exists()
    assert (small / STORE_NAME / "CURRENT").is_file()  # the build's store is left as it was


def test_a_question_on_a_build_loads_neither_the_record_checker_nor_the_http_client(small: Path,
                                                                                     tmp_path: Path) -> None:
    """kg query from a cold start (issue 19: mentors at 1M within 0.5 s) imported the record checker with
    the YAML and CSV readers, the remote store's HTTP client and importlib.metadata: 0.1-0.15 s of 0.45 s."""
    code = ("import sys; from kg.cli import main\n"
            "try:\n    main(['query', 'mentors', '--build', sys.argv[1], '--format', 'csv', '-o', sys.argv[2]])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('kg.records.checker', 'kg.readers.yaml_reader', 'kg.readers.csv_reader',"
            " 'kg.endpoint.remote', 'http.client', 'importlib.metadata') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(small), str(tmp_path / "answer.csv")],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[]", done.stdout + done.stderr
    assert (tmp_path / "answer.csv").read_text(encoding="utf-8").startswith("edition,")
