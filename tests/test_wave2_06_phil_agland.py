"""Competency question for wave-2 story 6: Phil Agland's China films.

Answers from /work/shared/sources/sources-wave2.md §6: rows 1–2 (China: Beyond the Clouds, directed by
Phil Agland, a River Films production for National Geographic Television, Peabody Award 1994) and row 7
(China: Between Clouds and Dreams, a five-part series made in collaboration with CCTV). On the curated data
the answers must include these, since other curators may add more.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import KG

# The works a person directed, with the organisations that produced them (any producer role, co-producer
# included) or commissioned them. (Oxigraph binds only projected variables, so ?person is projected.)
DIRECTED_WITH = """
SELECT DISTINCT ?person ?work ?org WHERE {
  ?work schema:director ?person .
  ?p kgo:participationIn ?work ; kgo:agent ?org ; kgo:role ?role .
  ?org a/rdfs:subClassOf* kgo:Organisation .
  VALUES ?wanted { role:producer role:commissioner }
  ?role skos:broader* ?wanted .
  FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain }
}
"""

PEABODY = """
SELECT ?award ?work WHERE {
  ?a kgo:awardedWork ?work ; kgo:award ?award ; kgo:outcome kgo:Won ; kgo:date ?date .
  FILTER(STR(?date) = "1994")
}
"""


def test_phil_agland_directed_both_china_films_with_their_producers(graph) -> None:
    rows = graph.select(DIRECTED_WITH, {"person": ox.NamedNode(KG + "phil-agland")})
    found = {(r["work"].value.removeprefix(KG), r["org"].value.removeprefix(KG)) for r in rows.rows}
    expected = {
        ("china-beyond-the-clouds", "river-films"),
        ("china-beyond-the-clouds", "national-geographic-television"),
        ("china-between-clouds-and-dreams", "cctv"),
    }
    assert expected <= found
    peabody = {r["work"].value.removeprefix(KG)
               for r in graph.select(PEABODY, {"award": ox.NamedNode(KG + "peabody-award")}).rows}
    assert "china-beyond-the-clouds" in peabody
