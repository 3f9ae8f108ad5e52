"""Competency questions: SPARQL questions whose answers were written by hand from the sources.

ip-plan-2024-launch.txt (ARTeFACT, July 2024) and the confirmed facts of ip-plan-facts.md.
"""

from __future__ import annotations

from kg.namespaces import KG


def _ids(rows, var: str) -> set[str]:
    return {r[var].value.removeprefix(KG) for r in rows.rows}


def test_who_mentored_the_first_edition(graph) -> None:
    # ARTeFACT: "Malcolm Clarke, the mentor for the first IP Plan"; CICG (gdtanxin.com): Vikram Channa,
    # 首届中外联合创作计划导师.
    rows = graph.select("""
        SELECT DISTINCT ?who WHERE {
          ?p kgo:participationIn kg:ip-plan-edition-1 ; kgo:role role:mentor ; kgo:agent ?who .
          FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain } }""")
    assert _ids(rows, "who") == {"malcolm-clarke", "vikram-channa"}


def test_where_and_when_the_second_edition_was_launched(graph) -> None:
    rows = graph.select("""
        SELECT ?event ?date ?city ?province ?country WHERE {
          ?event a kgo:LaunchCeremony ; kgo:partOf kg:ip-plan-edition-2 ; kgo:date ?date ; schema:location ?city .
          ?city schema:containedInPlace ?province . ?province schema:containedInPlace ?country }""")
    assert len(rows) == 1
    row = rows.rows[0]
    assert row["event"].value == KG + "ip-plan-2024-launch"
    assert row["date"].value == "2024-07-30"
    assert row["date"].datatype.value.endswith("#date")
    assert (row["city"].value, row["province"].value, row["country"].value) == (
        KG + "changsha", KG + "hunan", KG + "china")


def test_which_works_were_exhibited_at_the_2024_launch(graph) -> None:
    rows = graph.select("""
        SELECT ?work WHERE {
          ?exhibition a kgo:Exhibition ; kgo:partOf kg:ip-plan-2024-launch .
          ?p kgo:participationIn ?exhibition ; kgo:role role:exhibited-work ; kgo:agent ?work }""")
    assert _ids(rows, "work") == {"a-long-cherished-dream"}
    # "showcasing over 20 co-produced works": the count is kept with its comparator.
    rows = graph.select("""
        SELECT ?value ?comparator WHERE {
          ?q kgo:quantityOf kg:ip-plan-2024-exhibition ; kgo:measure measure:exhibited-works ;
             kgo:value ?value ; kgo:comparator ?comparator }""")
    assert [(int(r["value"].value), r["comparator"].value.split("#")[-1]) for r in rows.rows] == [(20, "MoreThan")]


def test_how_many_attended_the_2024_launch(graph) -> None:
    rows = graph.select("""
        SELECT ?value ?comparator WHERE {
          ?q kgo:quantityOf kg:ip-plan-2024-launch ; kgo:measure measure:attendees ;
             kgo:value ?value ; kgo:comparator ?comparator }""")
    assert {(int(r["value"].value), r["comparator"].value.split("#")[-1]) for r in rows.rows} == {(300, "MoreThan")}


def test_who_organised_the_second_edition(graph) -> None:
    # PR Newswire 2 Aug 2024 and 解读中国 (m.miujn.cn): organisers CICG, CMG's Film/TV Drama &
    # Documentary Center CCTV-9 and Discovery Channel.
    rows = graph.select("""
        SELECT DISTINCT ?org WHERE {
          ?p kgo:role role:organiser ; kgo:agent ?org ; kgo:participationIn ?what .
          VALUES ?what { kg:ip-plan-edition-2 kg:ip-plan-2024-launch } }""")
    organisers = _ids(rows, "org")
    assert "cicg" in organisers and "discovery-channel" in organisers
    assert organisers & {"cctv-9", "cmg-drama-documentary-center"}
    assert organisers <= {"cicg", "discovery-channel", "cctv-9", "cmg-drama-documentary-center"}


def test_which_organisation_du_zhanyuan_heads(graph) -> None:
    rows = graph.select("SELECT ?org WHERE { kg:du-zhanyuan org:headOf ?org }")
    assert _ids(rows, "org") == {"cicg"}
    names = graph.select("""SELECT ?name WHERE { kg:cicg skos:prefLabel|skos:altLabel ?name }""")
    texts = {r["name"].value for r in names.rows}
    assert {"China International Publishing Group", "China International Communications Group"} <= texts
    assert any("中国外文局" in t for t in texts)


def test_who_spoke_at_the_2024_launch(graph) -> None:
    rows = graph.select("""
        SELECT DISTINCT ?who WHERE {
          ?p kgo:participationIn kg:ip-plan-2024-launch ; kgo:role role:speaker ; kgo:agent ?who }""")
    assert {"malcolm-clarke", "du-zhanyuan", "vikram-channa", "arthur-jones"} <= _ids(rows, "who")


def test_everyone_named_in_the_launch_article_took_part_in_the_launch(graph) -> None:
    rows = graph.select("""
        SELECT DISTINCT ?who WHERE { ?p kgo:participationIn kg:ip-plan-2024-launch ; kgo:agent ?who }""")
    assert {"malcolm-clarke", "du-zhanyuan", "li-xiangdong", "vikram-channa"} <= _ids(rows, "who")


def test_li_xiangdong_is_deputy_convener_of_the_cmg_drama_and_documentary_center(graph) -> None:
    rows = graph.select("""
        SELECT DISTINCT ?org ?parent WHERE {
          ?p kgo:agent kg:li-xiangdong ; kgo:role role:deputy-convener ; kgo:participationIn ?org .
          ?org org:unitOf ?parent }""")
    assert [(r["org"].value, r["parent"].value) for r in rows.rows] == [
        (KG + "cmg-drama-documentary-center", KG + "cmg")]


def test_a_long_cherished_dream_directed_by_clarke_with_four_episodes(graph) -> None:
    rows = graph.select("SELECT ?d WHERE { kg:a-long-cherished-dream schema:director ?d }")
    assert _ids(rows, "d") == {"malcolm-clarke"}
    rows = graph.select("SELECT ?e WHERE { ?e a kgo:Episode ; schema:isPartOf kg:a-long-cherished-dream }")
    assert len(rows) == 4


def test_clarke_won_two_academy_awards(graph) -> None:
    rows = graph.select("""
        SELECT DISTINCT ?work WHERE {
          ?a a kgo:AwardOutcome ; kgo:outcome kgo:Won ; kgo:awardedWork ?work ; kgo:recipient kg:malcolm-clarke ;
             kgo:award ?award . ?award skos:prefLabel ?name . FILTER(CONTAINS(?name, "Academy Award"))
          FILTER NOT EXISTS { ?a kgo:certainty kgo:Uncertain } }""")
    assert _ids(rows, "work") == {"you-dont-have-to-die", "the-lady-in-number-6"}
    # The Vanier College biography's "win" for Soldiers in Hiding is kept, marked uncertain.
    assert graph.query("""ASK { ?a kgo:awardedWork kg:soldiers-in-hiding ; kgo:outcome kgo:Won ;
                                   kgo:certainty kgo:Uncertain }""") is True


def test_a_year_alone_stays_a_year(graph) -> None:
    rows = graph.select("SELECT ?d WHERE { kg:you-dont-have-to-die schema:datePublished ?d }")
    assert [(r["d"].value, r["d"].datatype.value.split("#")[-1]) for r in rows.rows] == [("1988", "gYear")]


def test_clarkes_uncertain_birth_year_is_a_claim_not_a_fact(graph) -> None:
    assert graph.query("ASK { kg:malcolm-clarke schema:birthDate ?d }") is False
    rows = graph.select("""
        SELECT ?value WHERE { ?c a kgo:Claim ; rdf:subject kg:malcolm-clarke ; rdf:predicate schema:birthDate ;
                               rdf:object ?value ; kgo:certainty kgo:Uncertain ; prov:wasDerivedFrom ?s }""")
    assert len(rows) >= 1
