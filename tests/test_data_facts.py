"""The curated data against its sources: quotes verbatim, QIDs only as given, every fact sourced."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from conftest import SOURCES

from kg.namespaces import KG, WD

LAUNCH_SOURCE = KG + "artefact-2024-07-ip-plan-launch"
#: The only QIDs the research notes give (ip-plan-facts.md, section 3), and what they identify.
ALLOWED_QIDS = {
    "Q148": "china", "Q956": "beijing", "Q45761": "hunan", "Q8686": "shanghai", "Q15175": "guangdong",
    "Q43194": "yunnan", "Q16967": "zhejiang", "Q48": "asia", "Q668": "india", "Q334": "singapore",
    "Q30": "united-states", "Q16": "canada",
}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_quotes_from_the_launch_article_are_verbatim(graph) -> None:
    article = _normalise((SOURCES / "ip-plan-2024-launch.txt").read_text(encoding="utf-8"))
    # Oxigraph substitutes only projected variables, hence ?src in the projection.
    rows = graph.select("""
        SELECT ?node ?text ?src WHERE {
          ?node prov:wasDerivedFrom ?src .
          { ?node kgo:quote ?text } UNION { ?node schema:text ?text }
        }""", {"src": ox.NamedNode(LAUNCH_SOURCE)})
    assert len(rows) >= 3
    for row in rows.rows:
        assert _normalise(row["text"].value) in article, row["node"].value


def test_clarkes_two_quotes_are_in_the_graph_with_their_speaker(graph) -> None:
    rows = graph.select("""
        SELECT ?text WHERE { ?q a kgo:Quotation ; kgo:spokenBy kg:malcolm-clarke ; schema:text ?text }""")
    texts = " | ".join(r["text"].value for r in rows.rows)
    assert "Suddenly, China liberated the minds of 100 million people" in texts
    assert "We need to build trust" in texts


def test_only_the_qids_the_sources_give_are_used(graph) -> None:
    rows = graph.select("SELECT ?s ?q WHERE { ?s skos:exactMatch ?q . FILTER(STRSTARTS(STR(?q), STR(wd:))) }")
    found = {r["q"].value[len(WD):]: r["s"].value[len(KG):] for r in rows.rows}
    assert found, "the QIDs of the research notes are curated"
    for qid, entity in found.items():
        assert ALLOWED_QIDS.get(qid) == entity, f"{entity} has {qid}, which no source gives for it"


@pytest.mark.parametrize("cls", ["Person", "Organisation", "Work", "Event", "Programme", "ProgrammeEdition",
                                 "Place", "Award", "Participation", "Quantity", "Quotation", "AwardOutcome",
                                 "Claim"])
def test_every_entity_and_relation_cites_a_source(graph, cls: str) -> None:
    rows = graph.select(f"""
        SELECT ?x WHERE {{ ?x a/rdfs:subClassOf* kgo:{cls} .
                           FILTER NOT EXISTS {{ ?x prov:wasDerivedFrom ?s . ?s a/rdfs:subClassOf* kgo:Source }} }}""")
    assert [r["x"].value for r in rows.rows] == []


def test_every_source_has_an_address(graph) -> None:
    rows = graph.select("""
        SELECT ?s WHERE { ?s a/rdfs:subClassOf* kgo:Source . FILTER NOT EXISTS { ?s schema:url ?u } }""")
    assert rows.rows == []


def test_uncertain_participations_imply_no_direct_relation(graph) -> None:
    rows = graph.select("""
        SELECT ?p WHERE {
          ?p a kgo:Participation ; kgo:certainty kgo:Uncertain ; kgo:agent ?who ; kgo:participationIn ?what ;
             kgo:role ?role .
          { ?role kgo:shortcutAgentToTarget ?prop . ?who ?prop ?what }
          UNION { ?role kgo:shortcutTargetToAgent ?prop . ?what ?prop ?who }
          FILTER NOT EXISTS { ?other kgo:agent ?who ; kgo:participationIn ?what ; kgo:role ?role .
                              FILTER NOT EXISTS { ?other kgo:certainty kgo:Uncertain } }
        }""")
    assert rows.rows == []
