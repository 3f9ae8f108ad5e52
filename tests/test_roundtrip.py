"""Exports re-read by two other parsers give back the built graph; builds are byte-identical."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
import rdflib
from conftest import DATA, ONTOLOGY, build_files, run_kg, triples_of
from rdflib.compare import isomorphic

import kg
from kg.namespaces import PREFIXES

FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
RDFLIB = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reparsed_by_pyoxigraph_is_the_graph(graph, fmt: str) -> None:
    data = graph.serialize(fmt)
    parsed = triples_of(ox.parse(data, format=FORMATS[fmt]))
    assert parsed == set(graph.triples())


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reparsed_by_rdflib_is_isomorphic(graph, fmt: str) -> None:
    ours = rdflib.Graph().parse(data=graph.serialize("nt").decode(), format="nt")
    theirs = rdflib.Graph().parse(data=graph.serialize(fmt).decode(), format=RDFLIB[fmt])
    assert len(theirs) == len(graph)
    assert isomorphic(ours, theirs)


def test_turtle_uses_only_project_prefixes(graph) -> None:
    text = graph.serialize("ttl").decode()
    declared = [line.split()[1] for line in text.splitlines() if line.startswith("@prefix")]
    assert declared == [f"{p}:" for p in PREFIXES]
    assert "ns1:" not in text
    # every IRI of the project's entities is written in its prefixed form
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    # the ontology's own IRI (…/ontology, without the '#') is the one IRI no prefix can shorten
    assert "<https://w3id.org/coprod-kg/" not in body.replace("<https://w3id.org/coprod-kg/ontology>", "")


def test_jsonld_context_is_the_prefix_map_and_the_field_terms(graph) -> None:
    import json

    doc = json.loads(graph.serialize("jsonld"))
    assert {k: v for k, v in doc["@context"].items() if k in PREFIXES} == PREFIXES
    assert set(doc["@context"]) - set(PREFIXES) >= {"label", "based_in", "who", "sources"}


def test_two_builds_give_identical_bytes(tmp_path) -> None:
    kg.build(DATA, ONTOLOGY, tmp_path / "a")
    kg.build(DATA, ONTOLOGY, tmp_path / "b")

    files_a, files_b = build_files(tmp_path / "a"), build_files(tmp_path / "b")
    assert "network/person.graphml" in files_a
    assert files_a.keys() == files_b.keys()
    for name in files_a:
        assert files_a[name] == files_b[name], name


def test_cli_build_twice_in_fresh_processes_gives_identical_turtle(tmp_path) -> None:
    for out in ("one", "two"):
        result = run_kg("build", "--out", str(tmp_path / out), "--extras", "never")  # the extras: the test above
        assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "one" / "kg.ttl").read_bytes() == (tmp_path / "two" / "kg.ttl").read_bytes()
    assert (tmp_path / "one" / "kg.jsonld").read_bytes() == (tmp_path / "two" / "kg.jsonld").read_bytes()


def test_turtle_is_sorted_by_subject(graph) -> None:
    subjects = [t.subject.value for t in ox.parse(io.BytesIO(graph.serialize("nt")), format=ox.RdfFormat.N_TRIPLES)]
    assert subjects == sorted(subjects)
