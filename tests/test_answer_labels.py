"""Names in every answer: the ``<column>_label`` columns of CSV, TSV, ``to_dicts()`` and ``to_dataframe()``,
the ``"labels"`` member of JSON, and ``--no-labels``.

Every catalogue question is run on the curated data (`graph`) with the parameters the catalogue's tests use,
and checked column by column; those checks assert only what stays true when a curator adds sources (every
declared column is there, every named entity has its name). Exact bytes are pinned on the small world.
"""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from conftest import ROOT

from kg.graph import KnowledgeGraph
from kg.namespaces import KG, KGO, PREFIXES
from kg.questions.answer import Answer, list_items
from kg.questions.ask import run
from kg.questions.catalogue import Question, load_catalogue
from kg.questions.results import render

CATALOGUE = load_catalogue(ROOT / "queries")
SKOS = PREFIXES["skos"]
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")

#: The parameters each question is asked with on the curated data: those of tests/test_catalogue.py.
CURATED_PARAMS: dict[str, dict[str, str]] = {
    "mentors": {"edition": "First IP Plan (2022-2023)"},
    "collaborators": {"person": "Arthur Jones"},
    "second-degree-collaborators": {"person": "vikram-channa"},
    "works-at-event": {"event": "IP Plan Exhibition"},
    "works-by-edition": {"edition": "ip-plan-edition-2"},
    "filmography": {"person": "Malcolm Clarke"},
    "common-partners": {"first": "CICG", "second": "Discovery Channel"},
    "timeline": {"programme": "IP Plan"},
    "speakers": {"event": "Launch ceremony of the second IP Plan"},
    "events-by-place": {"place": "changsha"},
    "sources-of": {"entity": "ip-plan-edition-2"},  # quotes of participations, and sources that give their dates
    "quotes": {"speaker": "malcolm-clarke"},
    "awards": {"work": "the-lady-in-number-6"},
    "neighbourhood": {"entity": "ip-plan-2024-exhibition"},
    "edition-organisers": {"edition": "ip-plan-edition-2"},
}
#: Nodes named by what they join, not by a label of their own (kg/model/labels.py names entities only).
STATEMENT_CLASSES = {KGO + "Participation", KGO + "Quantity"}


def _runs(graph: KnowledgeGraph, question: Question) -> list[Answer]:
    """The question with the catalogue tests' parameters, and without any when none is required."""
    params = CURATED_PARAMS.get(question.name, {})
    runs = [run(graph, question, params)]
    if params and not any(p.required for p in question.params):
        runs.append(run(graph, question, {}))
    return runs


def _types(graph: KnowledgeGraph, iri: str) -> set[str]:
    return {t.object.value for t in graph._store.quads_for_pattern(ox.NamedNode(iri), RDF_TYPE, None)}


def _needs_a_name(graph: KnowledgeGraph, iri: str) -> bool:
    """Whether an IRI of an answer must have a label: every entity the graph types, except statement nodes
    (participations, quantities). Web addresses and terms of outside vocabularies (no type) need none."""
    types = _types(graph, iri)
    return bool(types) and not types & STATEMENT_CLASSES


def test_every_catalogue_question_has_its_parameters_here_or_none_required() -> None:
    for question in CATALOGUE:
        required = {p.name for p in question.params if p.required}
        assert required <= set(CURATED_PARAMS.get(question.name, {})), question.name


@pytest.mark.parametrize("question", list(CATALOGUE), ids=lambda q: q.name)
def test_every_column_of_every_question_on_the_curated_data_is_there_and_named(graph, question: Question) -> None:
    answers = _runs(graph, question)
    seen: set[str] = set()
    for answer in answers:
        dicts = answer.to_dicts()
        if question.form == "select":
            # Every column the header's "returns:" names is a column of the answer.
            assert answer.variables == list(question.returns)
            seen |= {c for row in answer.rows for c in row}
            terms = answer.rows
        else:
            terms = answer._term_rows()
        assert len(dicts) == len(terms)
        for row, plain in zip(terms, dicts, strict=True):
            for column, term in row.items():
                if isinstance(term, ox.NamedNode) and _needs_a_name(graph, term.value):
                    label = plain.get(column + "_label")
                    assert isinstance(label, str) and label.strip(), (column, term.value)
        names = answer.names()
        for column, kind in names.columns.items():
            if kind == "ids":  # a list of ids: a name for each id, in alphabetical order
                for row, plain in zip(terms, dicts, strict=True):
                    if column in row:
                        items = list_items(row[column].value)
                        expected = [names.labels[iri] for _id, iri in items]
                        assert plain[column + "_label"] == sorted(expected, key=lambda n: (n.casefold(), n))
    if question.form == "select" and not question.is_check:
        # No column stays empty in every row (as multi-role-people's editions once did).
        assert seen == set(question.returns), set(question.returns) - seen


@pytest.mark.parametrize("question", [q for q in CATALOGUE if {"sources", "recipients", "places"} & set(q.returns)],
                         ids=lambda q: q.name)
def test_lists_of_ids_on_the_curated_data_become_lists_of_names(graph, question: Question) -> None:
    for answer in _runs(graph, question):
        lists = {"sources", "recipients", "places"} & set(answer.variables)
        filled = {c for c in lists if any(row.get(c) is not None and row[c].value for row in answer.rows)}
        assert {c for c in filled if answer.names().columns.get(c) == "ids"} == filled
        for plain in answer.to_dicts():
            for c in filled:
                if c in plain:
                    assert isinstance(plain[c + "_label"], list)
                    assert len(plain[c + "_label"]) == len(plain[c].split())


def test_the_curated_mentors_name_clarke_and_channa(graph) -> None:
    answer = run(graph, CATALOGUE.get("mentors"), {"edition": "ip-plan-edition-1"})
    names = {d["mentor_label"] for d in answer.to_dicts()}
    assert names >= {"Malcolm Clarke", "Vikram Channa"}
    doc = json.loads(render(answer, "json"))
    assert doc["labels"][KG + "malcolm-clarke"] == "Malcolm Clarke"


# -- exact outputs on the small world ------------------------------------------------------------------


def _mentors(small_graph) -> Answer:
    return run(small_graph, CATALOGUE.get("mentors"), {"edition": "edition-1"})


def test_csv_with_labels_on_the_small_world(small_graph) -> None:
    text = render(_mentors(small_graph), "csv").decode()
    lines = text.split("\r\n")
    assert lines[0] == "edition,edition_label,mentor,mentor_label,stated_title,sources,sources_label"
    assert lines[1] == (f"{KG}edition-1,First Lab (2022-2023),{KG}ada-moss,Ada Moss,the mentor for the first Lab,"
                        "news-2024 release-2024,"
                        "Second Lab launched in Harbour City; The second Lab calls for proposals")
    assert lines[2] == (f"{KG}edition-1,First Lab (2022-2023),{KG}ben-rao,Ben Rao,,release-2024,"
                        "The second Lab calls for proposals")
    assert lines[3:] == [""]


def test_no_labels_gives_the_w3c_result_as_before(small_graph) -> None:
    answer = _mentors(small_graph)
    assert render(answer, "csv", names=False).decode().split("\r\n")[:2] == [
        "edition,mentor,stated_title,sources",
        f"{KG}edition-1,{KG}ada-moss,the mentor for the first Lab,news-2024 release-2024"]
    doc = json.loads(render(answer, "json", names=False))
    assert set(doc) == {"head", "results"}
    assert render(answer, "tsv", names=False).decode().splitlines()[0] == "?edition\t?mentor\t?stated_title\t?sources"


def test_tsv_with_labels_on_the_small_world_stays_a_w3c_result(small_graph) -> None:
    answer = _mentors(small_graph)
    text = render(answer, "tsv").decode()
    assert text.splitlines()[:2] == [
        "?edition\t?edition_label\t?mentor\t?mentor_label\t?stated_title\t?sources\t?sources_label",
        f"<{KG}edition-1>\t\"First Lab (2022-2023)\"\t<{KG}ada-moss>\t\"Ada Moss\"\t"
        "\"the mentor for the first Lab\"@en\t\"news-2024 release-2024\"\t"
        "\"Second Lab launched in Harbour City; The second Lab calls for proposals\""]
    parsed = ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.TSV)
    assert [v.value for v in parsed.variables] == answer.columns()


def test_json_with_labels_on_the_small_world(small_graph) -> None:
    answer = _mentors(small_graph)
    data = render(answer, "json")
    doc = json.loads(data)
    assert doc["labels"] == {
        f"{KG}ada-moss": "Ada Moss", f"{KG}ben-rao": "Ben Rao", f"{KG}edition-1": "First Lab (2022-2023)",
        f"{KG}news-2024": "Second Lab launched in Harbour City",
        f"{KG}release-2024": "The second Lab calls for proposals"}
    assert doc["head"] == json.loads(render(answer, "json", names=False))["head"]
    assert doc["results"] == json.loads(render(answer, "json", names=False))["results"]
    assert list(doc) == ["head", "labels", "results"]  # before the results: Oxigraph reads nothing after them
    # W3C parsers read it as the plain result.
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    assert [{v.value: s[v.value] for v in parsed.variables if s[v.value] is not None} for s in parsed] == answer.rows
    rdflib = pytest.importorskip("rdflib")
    from rdflib.query import Result

    read = Result.parse(io.BytesIO(data), format="json")
    assert [str(row["mentor"]) for row in read] == [f"{KG}ada-moss", f"{KG}ben-rao"]
    assert all(isinstance(row["mentor"], rdflib.URIRef) for row in read)


def test_to_dicts_and_to_dataframe_on_the_small_world(small_graph) -> None:
    answer = run(small_graph, CATALOGUE.get("awards"), {"work": "number-six"})
    assert answer.to_dicts()[0] == {
        "work": f"{KG}number-six", "work_label": "Number Six",
        "award": f"{KG}golden-reel-short", "award_label": "Golden Reel for Short Documentary",
        "outcome": KGO + "Won", "outcome_label": "won", "date": "2014-03-02",
        "recipients": "ada-moss hana-reed", "recipients_label": ["Ada Moss", "Hana Reed"],
        "sources": "film-notes", "sources_label": ["Notes on Ada Moss's films"]}
    assert answer.to_dicts(labels=False)[0] == answer.result.to_dicts()[0]
    pd = pytest.importorskip("pandas")
    frame = answer.to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["work", "work_label", "award", "award_label", "outcome", "outcome_label", "date",
                                   "recipients", "recipients_label", "sources", "sources_label"]
    assert frame["recipients_label"][0] == ["Ada Moss", "Hana Reed"]
    assert list(answer.to_dataframe(labels=False).columns) == list(answer.variables)


def test_a_column_is_labelled_when_any_of_its_iris_has_a_label(small_graph) -> None:
    answer = run(small_graph, CATALOGUE.get("sources-of"), {"entity": "exhibition-2024"})
    columns = answer.names().columns
    assert columns["statement"] == "iri"  # the record itself has a label, the participations none
    assert "url" not in columns and "kind" not in columns and "quote" not in columns
    for plain in answer.to_dicts():
        assert ("statement_label" in plain) == (plain["statement"] == f"{KG}exhibition-2024")


def test_triples_get_labels_in_to_dicts(small_graph) -> None:
    answer = run(small_graph, CATALOGUE.get("neighbourhood"), {"entity": "exhibition-2024"})
    rows = [d for d in answer.to_dicts() if d["subject"] == f"{KG}exhibition-2024"]
    assert rows and all(d["subject_label"] == "Lab Exhibition" for d in rows)
    assert run(small_graph, "ASK { ?s ?p ?o }").to_dicts() == [{"boolean": True}]


# -- the rules, on graphs made for them ------------------------------------------------------------------


def _graph(*labelled: tuple[str, str, str | None]) -> KnowledgeGraph:
    triples = [ox.Triple(ox.NamedNode(KG + e), ox.NamedNode(SKOS + "prefLabel"), ox.Literal(text, language=lang))
               for e, text, lang in labelled]
    triples.append(ox.Triple(ox.NamedNode(KG + "a"), ox.NamedNode(KG + "p"), ox.NamedNode(KG + "b")))
    return KnowledgeGraph(triples)


def test_a_hostile_label_is_neutralised_in_csv_and_escaped_in_tsv_and_json() -> None:
    hostile = '=cmd|"/C calc"!A0,\tand\nmore'
    graph = _graph(("a", hostile, "en"), ("b", "+1+2", None))
    answer = run(graph, "SELECT ?s ?ids WHERE { ?s kg:p ?o BIND('a b' AS ?ids) }")
    rows = list(csv.reader(io.StringIO(render(answer, "csv").decode())))
    assert rows[0] == ["s", "s_label", "ids", "ids_label"]
    assert rows[1] == [KG + "a", "'" + hostile, "a b", "'+1+2; " + hostile]
    tsv = render(answer, "tsv").decode()
    assert len(tsv.splitlines()) == 2  # the line break and the tab stay inside the literal
    parsed = ox.parse_query_results(tsv.encode(), format=ox.QueryResultsFormat.TSV)
    assert [s["s_label"] for s in parsed] == [ox.Literal(hostile)]
    assert json.loads(render(answer, "json"))["labels"] == {KG + "a": hostile, KG + "b": "+1+2"}


def test_the_label_prefers_english_and_a_preferred_label() -> None:
    graph = _graph(("a", "柯文思", "zh"), ("a", "Malcolm", "en"), ("b", "Bé", "fr"))
    answer = run(graph, "SELECT ?s ?o WHERE { ?s kg:p ?o }")
    assert answer.to_dicts() == [{"s": KG + "a", "s_label": "Malcolm", "o": KG + "b", "o_label": "Bé"}]
    assert answer.labels() == {KG + "a": "Malcolm", KG + "b": "Bé"}


def test_text_whose_words_look_like_ids_is_not_a_list_of_ids() -> None:
    graph = _graph(("a", "Alpha", None))
    answer = run(graph, "SELECT ?s ?note WHERE { ?s kg:p ?o BIND('a note' AS ?note) }")
    assert "note" not in answer.names().columns  # "note" names nothing
    assert answer.to_dicts() == [{"s": KG + "a", "s_label": "Alpha", "note": "a note"}]


def test_a_column_already_called_label_is_not_doubled() -> None:
    graph = _graph(("a", "Alpha", None))
    answer = run(graph, "SELECT ?s ?s_label WHERE { ?s kg:p ?o BIND('mine' AS ?s_label) }")
    assert answer.columns() == ["s", "s_label"]
    assert render(answer, "csv").decode() == f"s,s_label\r\n{KG}a,mine\r\n"


def test_an_answer_without_its_graph_has_no_labels() -> None:
    answer = run(_graph(("a", "Alpha", None)), "SELECT ?s WHERE { ?s kg:p ?o }")
    answer.graph = None
    assert answer.to_dicts() == [{"s": KG + "a"}]
    assert render(answer, "csv").decode() == f"s\r\n{KG}a\r\n"
