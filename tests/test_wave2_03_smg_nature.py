"""Competency question for wave-2 story 3: SMG Pictures' nature co-productions.

Answers from /work/shared/sources/sources-wave2.md §3: row 1 (Born in China, a production of Disneynature
and SMG Pictures, directed by Lu Chuan), row 11 (Earth: One Amazing Day, a BBC Earth Films and SMG Pictures
co-production), row 14 (its directors Richard Dale and Peter Webber with the Chinese co-director Fan Lixin)
and row 18 (its China release on 11 August 2017). On the curated data the answers must include these, since
other curators may add more.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import KG

# Works that SMG Pictures produced (any producer role) with another organisation in a producer role, with
# the people who directed them (directors and co-directors) and the release date when there is one.
# (Oxigraph binds only projected variables, so ?company is projected.)
PARTNERS_OF = """
SELECT DISTINCT ?company ?work ?partner ?director ?released WHERE {
  ?p1 kgo:participationIn ?work ; kgo:agent ?company ; kgo:role/skos:broader* role:producer .
  ?p2 kgo:participationIn ?work ; kgo:agent ?partner ; kgo:role/skos:broader* role:producer .
  ?partner a/rdfs:subClassOf* kgo:Organisation .
  FILTER(?partner != ?company)
  FILTER NOT EXISTS { ?p1 kgo:certainty kgo:Uncertain }
  FILTER NOT EXISTS { ?p2 kgo:certainty kgo:Uncertain }
  OPTIONAL { ?d kgo:participationIn ?work ; kgo:agent ?director ; kgo:role/skos:broader* role:director . }
  OPTIONAL { ?work schema:datePublished ?released }
}
"""


def _id(term) -> str | None:
    return term.value.removeprefix(KG) if term is not None else None


def test_smg_pictures_partners_and_directors_include_disneynature_and_bbc_earth_films(graph) -> None:
    rows = graph.select(PARTNERS_OF, {"company": ox.NamedNode(KG + "smg-pictures")}).rows
    partners = {(_id(r.get("work")), _id(r.get("partner"))) for r in rows}
    assert {("born-in-china", "disneynature"), ("earth-one-amazing-day", "bbc-earth-films")} <= partners
    directors = {(_id(r.get("work")), _id(r.get("director"))) for r in rows}
    assert {("born-in-china", "lu-chuan"), ("earth-one-amazing-day", "richard-dale"),
            ("earth-one-amazing-day", "peter-webber"), ("earth-one-amazing-day", "fan-lixin")} <= directors
    released = {(_id(r.get("work")), r["released"].value) for r in rows if "released" in r}
    assert ("earth-one-amazing-day", "2017-08-11") in released
