"""Competency questions for wave-2 story 2: Wild China and the BBC–CCTV-9 / Tencent partnership.

Answers written by hand from /work/shared/sources/sources-wave2.md:
- §2.1 rows 1–2 (Wikipedia, "Wild China"): co-produced by the BBC Natural History Unit and CCTV; producers
  Phil Chapman (BBC) and Gao Xiaoping (CCTV); executive producer Brian Leith.
- §2.2 row 7 (BBC Media Centre, 18 Nov 2013): BBC Worldwide and CCTV9 signed a memorandum of understanding
  at the Sichuan TV Festival in Chengdu on 18 November 2013, signed by Liu Wen (CCTV9) and Pierre Cheung
  (BBC Worldwide Greater China).

Curated data grows, so the expected answers must be included in what the graph gives, never equal to it.
"""

from __future__ import annotations

import pyoxigraph as ox
from conftest import holders

from kg.namespaces import KG


def test_wild_china_producers_and_coproducers_include_the_bbc_nhu_and_cctv(graph):
    """§2.1: who produced Wild China (any producer role), and which organisations co-produced it?"""
    assert {"phil-chapman", "gao-xiaoping", "brian-leith"} <= holders(graph, "wild-china", "producer", "Person")
    assert {"bbc-natural-history-unit", "cctv"} <= holders(graph, "wild-china", "co-producer", "Organisation")


def test_bbc_worldwide_cctv9_memorandum_2013_parties_signatories_date_and_place(graph):
    """§2.2: which organisations made a partnership with CCTV-9 at the Sichuan TV Festival, when, where,
    and who signed it?"""
    rows = graph.select("""
        SELECT DISTINCT ?channel ?festival ?deal ?date ?place ?partner ?signer WHERE {
          ?deal a kgo:Partnership ; kgo:date ?date ; schema:location ?place ;
                kgo:partOf/kgo:partOf* ?festival .
          ?pc kgo:participationIn ?deal ; kgo:role role:partner ; kgo:agent ?channel .
          ?pp kgo:participationIn ?deal ; kgo:role role:partner ; kgo:agent ?partner .
          ?ps kgo:participationIn ?deal ; kgo:role role:signatory ; kgo:agent ?signer .
          FILTER(?partner != ?channel) }""",
        {"channel": ox.NamedNode(KG + "cctv-9"), "festival": ox.NamedNode(KG + "sichuan-tv-festival")})
    found = {(r["deal"].value.removeprefix(KG), r["date"].value, r["place"].value.removeprefix(KG),
              r["partner"].value.removeprefix(KG), r["signer"].value.removeprefix(KG)) for r in rows.rows}
    expected = {("bbc-worldwide-cctv9-mou-2013", "2013-11-18", "chengdu", "bbc-worldwide", signer)
                for signer in ("liu-wen", "pierre-cheung")}
    assert expected <= found
