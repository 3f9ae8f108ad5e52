"""Competency questions for wave-2 story 9, festivals as co-production marketplaces.

Answers written by hand from /work/shared/sources/sources-wave2.md §9:
- §9.1 (GZDOC): rows 8-9 (GZDOC 2019 closing on 12 Dec 2019: Changing China, produced by Vikram Channa, won
  the organizing committee's special award; Confucian Dream, directed by Li Mijie, won Best Feature
  Documentary and Best Global Impact China Documentary; Channa and Han Yang spoke) and row 7 (the
  2019 "China Stories" pitch was supported by CCTV-9).
- §9.2 (SCTVF): row 1 (hosted by the NRTA and the Sichuan Provincial People's Government), row 5 (13th
  SCTVF, 6-8 Nov 2015, Chengdu), row 6 (2015 Gold Panda Documentary Awards, Chengdu, 6 Nov 2015) and
  row 7 (15th SCTVF, from 30 Oct 2019, at the Century City New International Convention and Exhibition
  Center in Chengdu; speakers Fan Weiping, Yan Xiaoming, Gan Lin and Koichi Okumura).
Other curators may add more, so the tests assert only that the expected answers are included.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import KG


def _id(term) -> str:
    return term.value.removeprefix(KG)


def test_gzdoc_2019_awards_makers_and_pitch_supporter_include_the_notes_answers(graph) -> None:
    """Which works won awards at a ceremony of GZDOC 2019, who directed or produced them, who spoke at
    that ceremony, and which organisation supported the edition's "China Stories" pitch?"""
    edition = {"edition": ox.NamedNode(KG + "gzdoc-2019")}
    in_series = {**edition, "series": ox.NamedNode(KG + "gzdoc")}
    rows = graph.select("""
        SELECT DISTINCT ?edition ?series ?work ?award ?maker ?role WHERE {
          ?edition kgo:partOf ?series .
          ?ceremony kgo:partOf+ ?edition .
          ?outcome kgo:atEvent ?ceremony ; kgo:awardedWork ?work ; kgo:award ?award ; kgo:outcome kgo:Won .
          ?p kgo:participationIn ?work ; kgo:agent ?maker ; kgo:role ?role .
          FILTER(?role IN (role:director, role:producer))
          FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain } }""", in_series)
    found = {(_id(r["work"]), _id(r["award"]), _id(r["maker"]), r["role"].value.rsplit("/", 1)[-1])
             for r in rows.rows}
    expected = {
        ("changing-china-life-is-marvelous", "gzdoc-organizing-committee-special-award", "vikram-channa",
         "producer"),
        ("confucian-dream", "gzdoc-best-feature-documentary", "li-mijie", "director"),
        ("confucian-dream", "gzdoc-best-global-impact-china-documentary", "li-mijie", "director"),
    }
    assert expected <= found

    rows = graph.select("""
        SELECT DISTINCT ?edition ?who ?date WHERE {
          ?ceremony a kgo:AwardCeremony ; kgo:partOf ?edition ; kgo:date ?date .
          ?p kgo:participationIn ?ceremony ; kgo:role role:speaker ; kgo:agent ?who }""", edition)
    found = {(_id(r["who"]), r["date"].value) for r in rows.rows}
    assert {("vikram-channa", "2019-12-12"), ("han-yang", "2019-12-12")} <= found

    rows = graph.select("""
        SELECT DISTINCT ?edition ?org WHERE {
          ?pitch kgo:partOf ?edition .
          ?p kgo:participationIn ?pitch ; kgo:role role:supporter ; kgo:agent ?org }""", edition)
    assert {"cctv-9"} <= {_id(r["org"]) for r in rows.rows}


def test_sichuan_tv_festival_hosts_editions_and_speakers_include_the_notes_answers(graph) -> None:
    """Who hosts the Sichuan TV Festival; which of its editions and ceremonies took place when and where;
    who spoke at its 15th edition?"""
    series = {"series": ox.NamedNode(KG + "sichuan-tv-festival")}
    rows = graph.select("""
        SELECT DISTINCT ?series ?org WHERE {
          ?p kgo:participationIn ?series ; kgo:role role:host ; kgo:agent ?org .
          FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain } }""", series)
    assert {"nrta", "sichuan-provincial-government"} <= {_id(r["org"]) for r in rows.rows}

    rows = graph.select("""
        SELECT DISTINCT ?series ?event ?when ?place ?city WHERE {
          ?event kgo:partOf+ ?series ; kgo:startDate|kgo:date ?when ; schema:location ?place .
          ?place schema:containedInPlace* ?city . ?city a kgo:City }""", series)
    found = {(_id(r["event"]), r["when"].value, _id(r["place"]), _id(r["city"])) for r in rows.rows}
    expected = {
        ("sctvf-13", "2015-11-06", "chengdu", "chengdu"),
        ("gold-panda-documentary-awards-2015", "2015-11-06", "chengdu", "chengdu"),
        ("sctvf-15", "2019-10-30", "century-city-convention-center-chengdu", "chengdu"),
    }
    assert expected <= found

    edition = {"edition": ox.NamedNode(KG + "sctvf-15")}
    rows = graph.select("""
        SELECT DISTINCT ?edition ?who WHERE {
          ?p kgo:participationIn ?edition ; kgo:role role:speaker ; kgo:agent ?who }""", edition)
    assert {"fan-weiping", "yan-xiaoming", "gan-lin", "koichi-okumura"} <= {_id(r["who"]) for r in rows.rows}
