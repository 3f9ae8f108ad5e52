"""Competency question for wave-2 story 10: the CMG–SABC series 25 Years On (2023).

Answers from /work/shared/sources/sources-wave2.md §10: row 1 (25 Years On, co-produced by China Media Group
and the SABC), row 2 (announced at a ceremony in Johannesburg) and row 7 (its Johannesburg premiere at Nu
Metro, Hyde Park shopping centre, with speeches by Zheng Bingkai, Song Jianing and Nada Wotshela). On the
curated data the answers must include these, since other curators may add more.
"""

from __future__ import annotations

import pyoxigraph as ox
from conftest import holders

from kg.namespaces import KG

# (Oxigraph binds only projected variables, so ?work is projected.)
# Events at which the work premiered, with their place (and the city holding it) and the speakers there.
PREMIERES = """
SELECT DISTINCT ?work ?event ?place ?city ?speaker WHERE {
  ?w kgo:participationIn ?event ; kgo:agent ?work ; kgo:role role:premiered-work .
  ?event schema:location ?place .
  OPTIONAL { ?place schema:containedInPlace* ?city . ?city a kgo:City }
  OPTIONAL { ?s kgo:participationIn ?event ; kgo:role role:speaker ; kgo:agent ?speaker }
}
"""


def _id(term) -> str | None:
    return term.value.removeprefix(KG) if term is not None else None


def test_25_years_on_co_producers_and_johannesburg_premiere_speakers_include_those_reported(graph) -> None:
    work = {"work": ox.NamedNode(KG + "twenty-five-years-on")}
    assert {"cmg", "sabc"} <= holders(graph, "twenty-five-years-on", "producer", "Organisation")
    rows = graph.select(PREMIERES, work).rows
    found = {(_id(r.get("event")), _id(r.get("place")), _id(r.get("city")), _id(r.get("speaker"))) for r in rows}
    expected = {("twenty-five-years-on-johannesburg-premiere", "nu-metro-hyde-park", "johannesburg", who)
                for who in ("zheng-bingkai", "song-jianing", "nada-wotshela")}
    assert expected <= found
