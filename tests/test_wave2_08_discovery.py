"""Competency question for wave-2 story 8, Discovery's later China co-productions: Journey of Warriors (2021).

Answers written by hand from /work/shared/sources/sources-wave2.md §8: row 2 (co-produced by Tencent Video,
CICC and Discovery), row 3 (produced by IFA Media with Warrior Productions) and row 6 (first shown on
Tencent Video on 9 November 2021 and on Discovery Channel on 28 November 2021). Other curators may add
more, so the test asserts only that the expected answers are included.
"""

from __future__ import annotations

import pyoxigraph as ox
from conftest import holders

from kg.namespaces import KG


def test_journey_of_warriors_producers_and_first_broadcasts_include_the_notes_answers(graph) -> None:
    """Which organisations (co-)produced Journey of Warriors, and who first broadcast it, when?"""
    work = {"work": ox.NamedNode(KG + "journey-of-warriors")}
    expected = {"tencent-video", "cicc", "discovery-channel", "ifa-media", "warrior-productions"}
    assert expected <= holders(graph, "journey-of-warriors", "producer", "Organisation")

    rows = graph.select("""
        SELECT DISTINCT ?work ?org ?date WHERE {
          ?p kgo:participationIn ?work ; kgo:agent ?org ; kgo:role role:broadcaster ; kgo:date ?date .
          FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain } }""", work)
    found = {(r["org"].value.removeprefix(KG), r["date"].value) for r in rows.rows}
    assert {("tencent-video", "2021-11-09"), ("discovery-channel", "2021-11-28")} <= found
