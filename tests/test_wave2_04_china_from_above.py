"""Competency question for wave-2 story 4, China from Above / 《鸟瞰中国》 (2015).

Answers written by hand from /work/shared/sources/sources-wave2.md §4: rows 2 and 3 (the production
partners: Beach House Pictures, NHNZ, CICC, NGCI and NDR, credited as producers or co-producers) and
row 6 (the signing and broadcast ceremony held in Beijing on 23 September 2015). Other curators may add
more, so the test asserts only that the expected answers are included.
"""

from __future__ import annotations

import pyoxigraph as ox
from conftest import holders

from kg.namespaces import KG


def test_china_from_above_producers_and_launch_ceremony_include_the_notes_answers(graph) -> None:
    """Which organisations produced China from Above, and when and where was its broadcast launched?"""
    expected = {"beach-house-pictures", "nhnz", "cicc", "national-geographic-channels-international", "ndr"}
    assert expected <= holders(graph, "china-from-above", "producer", "Organisation")

    rows = graph.select("""
        SELECT DISTINCT ?organiser ?date ?place WHERE {
          ?event a kgo:LaunchCeremony ; kgo:date ?date ; schema:location ?place .
          ?p kgo:participationIn ?event ; kgo:role role:organiser ; kgo:agent ?organiser .
          FILTER (STR(?date) = "2015-09-23") }""", {"organiser": ox.NamedNode(KG + "cicc")})
    found = {(r["date"].value, r["place"].value.removeprefix(KG)) for r in rows.rows}
    assert ("2015-09-23", "beijing") in found
