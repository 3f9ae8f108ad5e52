"""Competency question for wave-2 story 1: The Silk Road (NHK–CCTV, 1980) and New Silk Road (2006).

Answers from /work/shared/sources/sources-wave2.md §1: rows 1 and 4 (NHK produced The Silk Road, first shown
7 April 1980 (row 2); part one made together with CCTV) and row 15 (New Silk Road, a ten-part CCTV–NHK joint
production premiering on CCTV from 10 March 2006, general director Wei Dajun). On the curated data the
answers must include these, since other curators may add more.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import KG

# Works made by both NHK and CCTV, each in a producer role (producer or co-producer), directly or through
# a part of the work; with the release date of the whole work. (Oxigraph binds only projected
# variables, so the bound ones are projected too.)
JOINT_WORKS = """
SELECT DISTINCT ?nhk ?cctv ?work ?released WHERE {
  ?p1 kgo:participationIn ?part ; kgo:agent ?nhk ; kgo:role/skos:broader* role:producer .
  ?p2 kgo:participationIn ?part2 ; kgo:agent ?cctv ; kgo:role/skos:broader* role:producer .
  ?part schema:isPartOf* ?work . ?part2 schema:isPartOf* ?work .
  FILTER NOT EXISTS { ?p1 kgo:certainty kgo:Uncertain }
  FILTER NOT EXISTS { ?p2 kgo:certainty kgo:Uncertain }
  OPTIONAL { ?work schema:datePublished ?released }
}
"""

DIRECTORS = "SELECT ?work ?who WHERE { ?work schema:director ?who }"


def test_works_co_produced_by_nhk_and_cctv_include_the_silk_road_and_new_silk_road(graph) -> None:
    rows = graph.select(JOINT_WORKS, {"nhk": ox.NamedNode(KG + "nhk"), "cctv": ox.NamedNode(KG + "cctv")})
    found = {(r["work"].value.removeprefix(KG), r["released"].value if "released" in r else None)
             for r in rows.rows}
    expected = {("the-silk-road-nhk", "1980-04-07"), ("new-silk-road", "2006-03-10")}
    assert expected <= found
    directors = {r["who"].value.removeprefix(KG)
                 for r in graph.select(DIRECTORS, {"work": ox.NamedNode(KG + "new-silk-road")}).rows}
    assert "wei-dajun" in directors
