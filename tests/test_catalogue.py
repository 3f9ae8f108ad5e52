"""The catalogue of questions: headers match bodies, every question answers what the sources say.

Expected answers are written by hand from the records (which cite ../shared/sources and the
articles named there), not from the queries' own output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

from kg.answer import run
from kg.catalogue import load_catalogue, parse_question, render_list
from kg.errors import QueryError, QueryTimeout, UsageError, ValidationError
from kg.graph import KnowledgeGraph
from kg.namespaces import KG, KGO, PREFIXES
from kg.results import neutralise, render

ROLE = PREFIXES["role"]
CATALOGUE = load_catalogue(ROOT / "queries")


def ask(graph: KnowledgeGraph, name: str, **params):
    return run(graph, CATALOGUE.get(name), params)


def ids(answer, column: str) -> set[str]:
    return {row[column].value.removeprefix(KG).removeprefix(ROLE) for row in answer.rows if column in row}


def tuples(answer, *columns: str) -> set[tuple[str, ...]]:
    return {tuple(row[c].value.removeprefix(KG).removeprefix(ROLE) if c in row else "" for c in columns)
            for row in answer.rows}


# -- the catalogue itself ------------------------------------------------------------------------


def test_catalogue_has_at_least_15_questions_and_the_four_checks() -> None:
    questions = [q for q in CATALOGUE if not q.is_check]
    assert len(questions) >= 15
    assert {q.name for q in CATALOGUE.checks()} >= {
        "people-without-source-violation", "works-without-role-holder-violation",
        "events-without-date-or-place-violation", "entities-without-label-violation"}


@pytest.mark.parametrize("question", list(CATALOGUE), ids=lambda q: q.name)
def test_header_matches_body(question) -> None:
    # The registry refuses a mismatch; here each file is also checked on its own terms.
    assert question.title and question.question and question.returns
    used = set(re.findall(r"\$(\w+)", re.sub(r"#[^\n]*", "", question.sparql)))
    assert used == {p.name for p in question.params}
    if question.form == "select":
        variables = ox.Store().query(question.sparql, prefixes=PREFIXES).variables
        assert [v.value for v in variables] == list(question.returns)
        for p in question.params:
            assert p.name in question.returns, "Oxigraph binds only projected variables"


@pytest.mark.parametrize(("body", "expected"), [
    ("# title: t\n# question: q\n# params: who = entity (required)\n# returns: x\nSELECT ?x WHERE { ?x ?p ?o }\n",
     "$who is declared but the query does not use it"),
    ("# title: t\n# question: q\n# params: none\n# returns: x, who\nSELECT ?x $who WHERE { ?x ?p $who }\n",
     "the query uses $who but the header does not declare it"),
    ("# title: t\n# question: q\n# params: who = entity (required)\n# returns: x\n"
     "SELECT ?x WHERE { ?x ?p $who }\n", "$who is not in the SELECT projection"),
    ("# title: t\n# question: q\n# params: none\n# returns: y\nSELECT ?x WHERE { ?x ?p ?o }\n",
     "declares y but the query returns x"),
    ("# title: t\n# question: q\n# params: who = person (required)\n# returns: who\nSELECT $who WHERE { $who ?p ?o }\n",
     "unknown parameter type 'person'"),
    ("# title: t\n# params: none\n# returns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "question: missing from the header"),
    ("# title: t\n# question: q\n# params: none\n# returns: x\nSELECT ?x WHERE {\n  ?x ?p \n}\n",
     "bad.rq:7: column"),
    ("# title: t\n# question: q\n# params: who = entity (required)\n# returns: who, s\n"
     "SELECT $who ?s WHERE { ?s ?p ?o BIND($who AS ?t) }\n", "$who is used inside BIND"),
])
def test_malformed_question_files_are_refused_with_their_place(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "bad.rq"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        parse_question(path)
    assert expected in str(err.value)


def test_readme_documents_every_question(request: pytest.FixtureRequest) -> None:
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    head, rest = readme.split("<!-- catalogue -->\n", 1)
    block, tail = rest.split("<!-- /catalogue -->", 1)
    expected = render_list(CATALOGUE, markdown=True)
    if request.config.getoption("--generate-snapshots") and block != expected:
        path.write_text(f"{head}<!-- catalogue -->\n{expected}<!-- /catalogue -->{tail}", encoding="utf-8")
        block = expected
    assert block == expected, "README's catalogue section is out of date: run pytest --generate-snapshots"


# -- answers on the curated data ------------------------------------------------------------------


def test_mentors_of_the_first_edition(graph) -> None:
    answer = ask(graph, "mentors", edition="First IP Plan (2022-2023)")
    assert ids(answer, "mentor") == {"malcolm-clarke", "vikram-channa"}
    sources = {s for row in answer.rows for s in row["sources"].value.split()}
    assert "artefact-2024-07-ip-plan-launch" in sources


def test_mentors_without_an_edition_lists_every_edition(graph) -> None:
    assert tuples(ask(graph, "mentors"), "edition", "mentor") == {
        ("ip-plan-edition-1", "malcolm-clarke"), ("ip-plan-edition-1", "vikram-channa")}


def test_collaborators_of_arthur_jones_are_the_people_at_the_2024_launch(graph) -> None:
    answer = ask(graph, "collaborators", person="Arthur Jones")
    assert ids(answer, "context") == {"ip-plan-2024-launch"}
    assert ids(answer, "collaborator") == {
        "malcolm-clarke", "du-zhanyuan", "vikram-channa", "yang-haodong", "li-xiangdong", "li-zhihui",
        "shi-zhiyan", "hunan-broadcasting-system"}
    assert ("vikram-channa", "speaker", "attendee") in tuples(
        answer, "collaborator", "person_role", "collaborator_role") or ("vikram-channa", "speaker", "speaker") in \
        tuples(answer, "collaborator", "person_role", "collaborator_role")


def test_collaborators_leave_out_uncertain_participations(graph) -> None:
    # Michael Wood's part in the first edition is marked uncertain.
    assert "michael-wood" not in ids(ask(graph, "collaborators", person="malcolm-clarke"), "collaborator")


def test_second_degree_collaborators_go_through_a_first_degree_one(graph) -> None:
    answer = ask(graph, "second-degree-collaborators", person="vikram-channa")
    rows = tuples(answer, "second_degree", "via", "via_context")
    assert ("wu-xu", "du-zhanyuan", "ip-plan-2022-launch") in rows
    direct = ids(ask(graph, "collaborators", person="vikram-channa"), "collaborator")
    assert not ids(answer, "second_degree") & direct
    assert "vikram-channa" not in ids(answer, "second_degree")


def test_people_with_several_roles_or_editions(graph) -> None:
    answer = ask(graph, "multi-role-people")
    editions = {row["person"].value.removeprefix(KG): int(row["edition_count"].value) for row in answer.rows}
    # Clarke: mentor and juror of edition 1, speaker at the 2024 launch (edition 2); Du Zhanyuan spoke at
    # the 2022 and 2024 launches; Channa mentored edition 1 and spoke in 2024.
    assert editions["malcolm-clarke"] == 2
    assert editions["du-zhanyuan"] == 2
    assert editions["vikram-channa"] == 2
    roles = {row["person"].value.removeprefix(KG): row["roles"].value for row in answer.rows}
    assert {"mentor", "juror", "speaker"} <= set(roles["malcolm-clarke"].split(", "))


def test_organisers_co_organisers_and_hosts_by_edition(graph) -> None:
    answer = ask(graph, "edition-organisers")
    assert tuples(answer, "edition", "organisation", "role") == {
        ("ip-plan-edition-1", "cicg", "organiser"),
        ("ip-plan-edition-1", "discovery-channel", "organiser"),
        ("ip-plan-edition-2", "cicg", "organiser"),
        ("ip-plan-edition-2", "cmg-drama-documentary-center", "organiser"),
        ("ip-plan-edition-2", "discovery-channel", "organiser"),
        ("ip-plan-edition-2", "beijing-radio-tv-bureau", "co-organiser"),
        ("ip-plan-edition-2", "hunan-broadcasting-system", "co-organiser"),
        ("ip-plan-edition-2", "china-southern-power-grid-news-centre", "co-organiser"),
        ("ip-plan-edition-2", "hunan-broadcasting-system", "host"),
    }


def test_organiser_changes_between_editions(graph) -> None:
    # Edition 3 names no organisers in the sources, so only 1 -> 2 is compared.
    assert tuples(ask(graph, "organiser-changes"), "edition", "organisation", "change") == {
        ("ip-plan-edition-2", "beijing-radio-tv-bureau", "joined"),
        ("ip-plan-edition-2", "hunan-broadcasting-system", "joined"),
        ("ip-plan-edition-2", "china-southern-power-grid-news-centre", "joined"),
        ("ip-plan-edition-2", "cmg-drama-documentary-center", "joined"),
    }


def test_works_exhibited_or_screened_at_an_event(graph) -> None:
    assert tuples(ask(graph, "works-at-event", event="IP Plan Exhibition"), "work", "role") == {
        ("a-long-cherished-dream", "exhibited-work")}
    assert ids(ask(graph, "works-at-event", event="ip-plan-2026-overseas-screenings"), "work") == {
        "xiaozhang-de-xinyuan", "taiyang-shengqi-de-wudao", "mala-shancheng-48-xiaoshi"}


def test_works_by_edition(graph) -> None:
    answer = ask(graph, "works-by-edition", edition="ip-plan-edition-2")
    assert len(ids(answer, "work")) == 12  # 8 selected projects, 3 screened works, 1 exhibited series
    edition1 = ask(graph, "works-by-edition", edition="ip-plan-edition-1")
    assert tuples(edition1, "work", "role") == {
        ("reborn-land", "supported-work"), ("guangming-yingyuan", "supported-work"),
        ("dahe-zhizhou", "supported-work")}


def test_filmography_of_malcolm_clarke(graph) -> None:
    rows = tuples(ask(graph, "filmography", person="Malcolm Clarke"), "work", "role")
    assert {("the-lady-in-number-6", "director"), ("prisoner-of-paradise", "co-director"),
            ("a-long-cherished-dream", "director"), ("you-dont-have-to-die", "director")} <= rows
    years = {row["work"].value.removeprefix(KG): row["year"].value for row in
             ask(graph, "filmography", person="Malcolm Clarke").rows if "year" in row}
    assert years["you-dont-have-to-die"] == "1988"


def test_cross_border_coproductions_pair_china_with_the_united_states(graph) -> None:
    answer = ask(graph, "cross-border-coproductions")
    assert tuples(answer, "country", "partner_country") == {("china", "united-states")}
    assert ("tencent-video", "discovery-channel", "a-long-cherished-dream") in tuples(
        answer, "organisation", "partner", "work")


def test_organisations_connected_to_both_cicg_and_discovery(graph) -> None:
    answer = ask(graph, "common-partners", first="CICG", second="Discovery Channel")
    partners = ids(answer, "partner")
    assert {"cmg-drama-documentary-center", "hunan-broadcasting-system", "malcolm-clarke"} <= partners
    assert not {"cicg", "discovery-channel"} & partners


def test_timeline_of_the_ip_plan(graph) -> None:
    answer = ask(graph, "timeline", programme="IP Plan")
    events = [row["event"].value.removeprefix(KG) for row in answer.rows]
    assert events[0] == "ip-plan-2022-launch"
    assert events[-1] == "ip-plan-2026-overseas-screenings"  # the sources give no date
    dates = [row["date"].value for row in answer.rows if "date" in row]
    assert dates == sorted(dates)
    assert len(events) == 11


def test_who_spoke_at_the_2024_launch(graph) -> None:
    answer = ask(graph, "speakers", event="Launch ceremony of the second IP Plan")
    assert ids(answer, "speaker") == {"malcolm-clarke", "du-zhanyuan", "vikram-channa", "arthur-jones",
                                      "yang-haodong"}
    assert {row["date"].value for row in answer.rows} == {"2024-07-30"}


def test_events_in_changsha(graph) -> None:
    assert ids(ask(graph, "events-by-place", place="changsha"), "event") == {
        "ip-plan-2024-launch", "ip-plan-2024-exhibition"}


def test_sources_of_the_2024_exhibition_with_quotes(graph) -> None:
    answer = ask(graph, "sources-of", entity="ip-plan-2024-exhibition")
    got = {(row["kind"].value, row["source"].value.removeprefix(KG), row["quote"].value if "quote" in row else "")
           for row in answer.rows}
    assert got == {
        ("record", "artefact-2024-07-ip-plan-launch", ""),
        ("participation", "artefact-2024-07-ip-plan-launch", "including A Long Cherished Dream"),
        ("quantity", "artefact-2024-07-ip-plan-launch", "showcasing over 20 co-produced works"),
    }


def test_quotes_of_malcolm_clarke(graph) -> None:
    answer = ask(graph, "quotes", speaker="malcolm-clarke")
    texts = {row["text"].value for row in answer.rows}
    assert "We need to build trust. And interestingly, documentaries can be a way to achieve that" in texts
    assert ids(answer, "said_at") == {"ip-plan-2024-launch"}


def test_awards_of_the_lady_in_number_6(graph) -> None:
    answer = ask(graph, "awards", work="the-lady-in-number-6")
    (row,) = answer.rows
    assert row["outcome"].value == KGO + "Won"
    assert row["date"].value == "2014-03-02"
    assert set(row["recipients"].value.split()) == {"malcolm-clarke", "nicholas-reed"}


def test_neighbourhood_is_triples_about_the_entity(graph) -> None:
    answer = ask(graph, "neighbourhood", entity="ip-plan-2024-exhibition")
    assert answer.form == "construct"
    exhibition = ox.NamedNode(KG + "ip-plan-2024-exhibition")
    assert ox.Triple(exhibition, ox.NamedNode(PREFIXES["schema"] + "location"), ox.NamedNode(KG + "changsha")) \
        in answer.result
    turtle = render(answer, "ttl")
    assert len(list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))) == len(set(answer.result))


@pytest.mark.parametrize("check", [q.name for q in CATALOGUE.checks()])
def test_checks_find_nothing_in_the_curated_data(graph, check: str) -> None:
    assert run(graph, CATALOGUE.get(check)).rows == []


def test_people_without_source_check_fires() -> None:
    # The record checks already require sources; the check also guards graphs made another way.
    person = ox.NamedNode(KG + "sourceless")
    graph = KnowledgeGraph([ox.Triple(person, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(KGO + "Person"))])
    assert ids(run(graph, CATALOGUE.get("people-without-source-violation")), "entity") == {"sourceless"}


def test_entities_without_label_check_fires() -> None:
    person = ox.NamedNode(KG + "nameless")
    graph = KnowledgeGraph([ox.Triple(person, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(KGO + "Person"))])
    assert ids(run(graph, CATALOGUE.get("entities-without-label-violation")), "entity") == {"nameless"}


# -- parameters are data, never code ---------------------------------------------------------------


@pytest.mark.parametrize("hostile", [
    'x" } ; DROP ALL ; #',
    "x' } UNION { ?s ?p ?o } #",
    "> } INSERT DATA { <a> <b> <c> } #",
    "\\\" ) } SELECT * WHERE { ?s ?p ?o } #",
])
def test_injection_through_a_string_parameter_is_just_a_string(graph, hostile: str) -> None:
    before = len(graph)
    answer = run(graph, "SELECT $name ?e WHERE { ?e skos:prefLabel ?l FILTER(STR(?l) = $name) }",
                 {"name": f'"{hostile}"'})
    assert answer.rows == []
    assert answer.bindings["name"] == ox.Literal(hostile)
    assert len(graph) == before


def test_injection_through_an_entity_parameter_names_no_entity(graph) -> None:
    with pytest.raises(ValidationError) as err:
        ask(graph, "collaborators", person='x" } ; DROP ALL ; #')
    assert "no Person is called" in str(err.value)


def test_a_label_that_names_several_entities_lists_them() -> None:
    label = ox.NamedNode(PREFIXES["skos"] + "prefLabel")
    a, b = ox.NamedNode(KG + "li-ming"), ox.NamedNode(KG + "li-ming-2")
    person = ox.NamedNode(KGO + "Person")
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    graph = KnowledgeGraph([ox.Triple(a, label, ox.Literal("Li Ming", language="en")),
                            ox.Triple(b, label, ox.Literal("Li Ming", language="en")),
                            ox.Triple(a, rdf_type, person), ox.Triple(b, rdf_type, person)])
    with pytest.raises(ValidationError) as err:
        run(graph, "SELECT $who WHERE { $who a kgo:Person }", {"who": "li ming"})
    assert "names 2" in str(err.value) and "kg:li-ming" in str(err.value) and "kg:li-ming-2" in str(err.value)


def test_an_unknown_label_suggests_near_ones(graph) -> None:
    with pytest.raises(ValidationError) as err:
        ask(graph, "collaborators", person="Malcom Clark")
    assert "did you mean" in str(err.value) and "kg:malcolm-clarke" in str(err.value)


def test_an_entity_of_the_wrong_class_is_refused(graph) -> None:
    with pytest.raises(ValidationError) as err:
        ask(graph, "collaborators", person="cicg")
    assert "is not a Person" in str(err.value)


def test_missing_and_unknown_parameters_are_reported_together(graph) -> None:
    with pytest.raises(ValidationError) as err:
        ask(graph, "collaborators", colleague="x")
    text = str(err.value)
    assert "--param person: missing required parameter" in text and "--param colleague" in text


def test_typed_literal_parameters_are_checked() -> None:
    from kg.answer import to_term
    from kg.catalogue import Param

    graph = KnowledgeGraph([])
    assert to_term(graph, Param("y", "year"), "2024") == ox.Literal(
        "2024", datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
    with pytest.raises(UsageError, match="is not a date"):
        to_term(graph, Param("d", "date"), "2024-02-30")
    with pytest.raises(UsageError, match="not a year"):
        to_term(graph, Param("y", "year"), "12k")


# -- errors and limits -----------------------------------------------------------------------------


def test_syntax_errors_give_line_and_column(graph) -> None:
    with pytest.raises(QueryError) as err:
        run(graph, "SELECT ?x WHERE {\n  ?x a kgo:Person\n  FILTER(?x = }", file="mine.rq")
    assert (err.value.file, err.value.line) == ("mine.rq", 3)
    assert err.value.field.startswith("column ")


def test_an_undeclared_prefix_is_named(graph) -> None:
    with pytest.raises(QueryError) as err:
        run(graph, "SELECT ?x WHERE { ?x a foo:Bar }")
    assert "unknown prefix 'foo:'" in str(err.value)


def test_a_slow_query_stops_at_its_timeout() -> None:
    p = ox.NamedNode("http://example.org/p")
    graph = KnowledgeGraph(ox.Triple(ox.NamedNode(f"http://example.org/{i}"), p, ox.Literal(str(i)))
                           for i in range(2000))
    with pytest.raises(QueryTimeout, match=r"longer than 0\.2 s"):
        run(graph, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y . ?c ?p ?z }", timeout=0.2)


# -- output formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+2", "'+1+2"), ("-2+3+cmd|' /C calc'!A0",
                                                                                   "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("-12", "-12"), ("+3.5", "+3.5"), ("plain", "plain"),
])
def test_csv_cells_that_start_a_formula_are_neutralised(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def _answer_with(value: str):
    graph = KnowledgeGraph([ox.Triple(ox.NamedNode(KG + "a"), ox.NamedNode(PREFIXES["skos"] + "prefLabel"),
                                      ox.Literal(value, language="en"))])
    return run(graph, "SELECT ?e ?label WHERE { ?e skos:prefLabel ?label }")


def test_csv_output_follows_the_w3c_format_and_is_safe() -> None:
    text = render(_answer_with('=cmd|"/C calc"!A0, and\nmore'), "csv").decode()
    assert text.startswith("e,label\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == [KG + "a", "'=cmd|\"/C calc\"!A0, and\nmore"]


def test_json_and_tsv_output_parse_back_in_oxigraph(graph) -> None:
    answer = ask(graph, "mentors")
    for fmt, ox_fmt in (("json", ox.QueryResultsFormat.JSON), ("tsv", ox.QueryResultsFormat.TSV)):
        parsed = ox.parse_query_results(render(answer, fmt), format=ox_fmt)
        got = [{v.value: s[v.value] for v in parsed.variables if s[v.value] is not None} for s in parsed]
        assert got == answer.rows, fmt
    doc = json.loads(render(answer, "json"))
    assert doc["head"]["vars"] == ["edition", "mentor", "stated_title", "sources"]


def test_table_shows_labels_and_neutralises_terminal_controls() -> None:
    answer = _answer_with("evil\x1b[31m red")
    answer.graph = None
    text = render(answer, "table", {KG + "a": "Label A"}).decode()
    assert "Label A" in text and "\x1b" not in text and "\\u001b" in text
    assert text.rstrip().endswith("(1 row)")


def test_dataframe(graph) -> None:
    pd = pytest.importorskip("pandas")
    frame = ask(graph, "mentors").to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["edition", "mentor", "stated_title", "sources"]
    assert sorted(frame["mentor"]) == [KG + "malcolm-clarke", KG + "vikram-channa"]


def _without(graph: KnowledgeGraph, drop: ox.Triple | None = None, add: list[ox.Triple] | None = None):
    triples = [t for t in graph.triples() if t != drop] + (add or [])
    return KnowledgeGraph(triples)


def test_participation_checks_fire_on_a_graph_made_another_way(graph) -> None:
    # The record checks stop these in records; the checks guard graphs loaded from elsewhere.
    cicg = ox.NamedNode(KG + "cicg")
    wrong = [ox.Triple(ox.NamedNode(KG + "x"), ox.NamedNode(PREFIXES["rdf"] + "type"),
                       ox.NamedNode(KGO + "Participation")),
             ox.Triple(ox.NamedNode(KG + "x"), ox.NamedNode(KGO + "role"), ox.NamedNode(ROLE + "director")),
             ox.Triple(ox.NamedNode(KG + "x"), ox.NamedNode(KGO + "agent"), cicg),
             ox.Triple(ox.NamedNode(KG + "x"), ox.NamedNode(KGO + "participationIn"), ox.NamedNode(KG + "changsha"))]
    bad = _without(graph, add=wrong)
    assert ids(run(bad, CATALOGUE.get("participation-agent-class-violation")), "entity") == {"x"}
    assert ids(run(bad, CATALOGUE.get("participation-target-class-violation")), "entity") == {"x"}
    head_of = ox.Triple(ox.NamedNode(KG + "du-zhanyuan"), ox.NamedNode(PREFIXES["org"] + "headOf"), cicg)
    assert head_of in graph.triples()
    missing = _without(graph, drop=head_of)
    found = ids(run(missing, CATALOGUE.get("participation-shortcut-violation")), "entity")
    assert "cicg--head--du-zhanyuan" in found  # with the other records of the same headship (-2, -3 ...)
    assert all(f.startswith("cicg--head--du-zhanyuan") for f in found)
