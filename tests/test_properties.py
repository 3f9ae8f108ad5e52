"""Property tests (hypothesis, fixed example budget): any text a curator may write survives every export."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib
from conftest import ONTOLOGY, record_json, triples_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

import kg
from kg.records.values import _CONTROL

BASE = Path(__file__).parent / "bad_input" / "_base" / "base.yaml"

# Text a curator may write: any Unicode (CJK, right-to-left, combining marks, zero-width characters,
# quotes, backslashes, '<script>'), but no control characters and no surrounding spaces.
texts = st.text(min_size=1, max_size=40).filter(lambda s: s == s.strip() and s.strip() and not _CONTROL.search(s))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=texts, quote=texts)
def test_any_text_round_trips_through_every_format(tmp_path_factory, label: str, quote: str) -> None:
    data = tmp_path_factory.mktemp("data")
    (data / "base.yaml").write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    record = [{"id": "hostile", "type": "Person", "label": {"zh": label}, "sources": ["src"]},
              {"id": "ev2", "type": "LaunchCeremony", "label": "Ev", "date": "2024", "place": "a-city",
               "sources": ["src"],
               "participants": [{"who": "hostile", "role": "speaker", "quote": quote, "sources": ["src"]}]}]
    # JSON is YAML, and json.dumps quotes every string, so no value is a YAML trap here.
    (data / "hostile.yaml").write_text(record_json(record), encoding="utf-8")
    graph = kg.load(data, ONTOLOGY, shapes=False)
    triples = set(graph.triples())
    assert ox.Triple(ox.NamedNode(kg_iri("hostile")), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                     ox.Literal(_nfc(label), language="zh")) in triples
    ours = rdflib.Graph().parse(data=graph.serialize("nt").decode(), format="nt")
    for fmt, oxf, rdf in (("ttl", ox.RdfFormat.TURTLE, "turtle"), ("nt", ox.RdfFormat.N_TRIPLES, "nt"),
                          ("jsonld", ox.RdfFormat.JSON_LD, "json-ld")):
        out = graph.serialize(fmt)
        assert triples_of(ox.parse(out, format=oxf)) == triples, fmt
        assert isomorphic(ours, rdflib.Graph().parse(data=out.decode(), format=rdf)), fmt


def kg_iri(local: str) -> str:
    from kg.namespaces import KG

    return KG + local


def _nfc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text)
