"""Competency question for wave-2 story 7, Arthur Jones's The Six (2021).

Answers written by hand from /work/shared/sources/sources-wave2.md §7: row 7 (director and writer Arthur
Jones, producer Luo Tong, executive producers James Cameron and Nick Ware), row 8 (production company
LostPensivos Films) and row 11 (premiere in Beijing on 8 April 2021). Other curators may add more, so the
test asserts only that the expected answers are included.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import KG


def test_the_six_makers_and_premiere_include_the_notes_answers(graph) -> None:
    """Who made The Six, in which roles, and when and where did it premiere?"""
    work = {"work": ox.NamedNode(KG + "the-six")}
    rows = graph.select("""
        SELECT DISTINCT ?work ?who ?role WHERE {
          ?p kgo:participationIn ?work ; kgo:agent ?who ; kgo:role ?role .
          FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain } }""", work)
    found = {(r["who"].value.removeprefix(KG), r["role"].value.rsplit("/", 1)[-1]) for r in rows.rows}
    expected = {
        ("arthur-jones", "director"),
        ("arthur-jones", "writer"),
        ("luo-tong", "producer"),
        ("james-cameron", "executive-producer"),
        ("nick-ware", "executive-producer"),
        ("lostpensivos-films", "producer"),
    }
    assert expected <= found

    rows = graph.select("""
        SELECT DISTINCT ?work ?date ?place WHERE {
          ?event a kgo:Premiere ; kgo:date ?date ; schema:location ?place .
          ?p kgo:participationIn ?event ; kgo:role role:premiered-work ; kgo:agent ?work . }""", work)
    found = {(r["date"].value, r["place"].value.removeprefix(KG)) for r in rows.rows}
    assert ("2021-04-08", "beijing") in found
