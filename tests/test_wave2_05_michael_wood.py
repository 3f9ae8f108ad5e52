"""Competency question for wave-2 story 5: Michael Wood's China films (2016-2020).

Answers from sources-wave2.md §5: §5.1 rows 1, 2 and 4 (The Story of China: written and presented by Michael
Wood, a BBC-PBS co-production made by Maya Vision International, executive producer Leo Eaton, producer/director
Rebecca Dobbs, on BBC Two), §5.2 rows 1-3 (The Story of China's Reform and Opening-up: presented and written by
Wood, directed by Dobbs, made with China Review Studio) and §5.3 rows 1 and 3 (Du Fu: China's Greatest Poet:
written and presented by Wood, produced and directed by Dobbs, on BBC Four, poems read by Ian McKellen).
On the curated data the answers must include these; other curators may add more.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import KG

ROLE = "https://w3id.org/coprod-kg/role/"

MAKERS = """
    SELECT ?work ?role ?who WHERE {
      ?p kgo:participationIn ?work ; kgo:role ?r ; kgo:agent ?who .
      FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain }
      BIND(STR(?r) AS ?role) }"""


def _makers(graph, work: str) -> set[tuple[str, str]]:
    rows = graph.select(MAKERS, {"work": ox.NamedNode(KG + work)})
    return {(r["role"].value.removeprefix(ROLE), r["who"].value.removeprefix(KG)) for r in rows.rows}


def test_who_made_michael_woods_china_films_include_the_credited_people_and_organisations(graph):
    """Who wrote, presented, directed and produced each of Michael Wood's China films, and with which
    organisations (co-producers, producers, broadcasters)?"""
    expected = {
        "the-story-of-china": {
            ("writer", "michael-wood"), ("presenter", "michael-wood"),
            ("producer", "rebecca-dobbs"), ("director", "rebecca-dobbs"),
            ("executive-producer", "leo-eaton"), ("producer", "maya-vision-international"),
            ("co-producer", "bbc"), ("co-producer", "pbs"), ("broadcaster", "bbc-two"),
        },
        "the-story-of-chinas-reform-and-opening-up": {
            ("writer", "michael-wood"), ("presenter", "michael-wood"),
            ("director", "rebecca-dobbs"), ("producer", "china-review-studio"),
        },
        "du-fu-chinas-greatest-poet": {
            ("writer", "michael-wood"), ("presenter", "michael-wood"),
            ("producer", "rebecca-dobbs"), ("director", "rebecca-dobbs"),
            ("broadcaster", "bbc-four"), ("narrator", "ian-mckellen"),
        },
    }
    for work, makers in expected.items():
        found = _makers(graph, work)
        assert makers <= found, (work, makers - found)
