"""What a curator can say without code (issue 17, "Model"): interviewees and people featured in a work,
executive producers, partnerships between organisations, programmes launched by organisations, a work's
languages, reach in viewers, countries and languages, dates known only as a range or approximately, and an
approximate running time. Each is held by a record of tests/curator_facts (records.yaml and entries.csv, which
extend the small world, tests/small_world, without changing the answers pinned on it) and checked here in
the built graph and the read model; its wrong forms are refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import ONTOLOGY, ROOT, SMALL_WORLD

import kg
from kg.errors import ValidationError
from kg.model.dates import Span, date_text, span_of
from kg.model.facts import facts_of
from kg.namespaces import KG, ROLE

FACTS = ROOT / "tests" / "curator_facts"


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory: pytest.TempPathFactory):
    """The small world with the records of tests/curator_facts, built with shapes and quality checks."""
    data = tmp_path_factory.mktemp("data")
    for folder in (SMALL_WORLD, FACTS):
        for path in folder.iterdir():
            if path.suffix in (".yaml", ".csv"):
                (data / f"{folder.name}-{path.name}").write_bytes(path.read_bytes())
    return kg.load(data, ONTOLOGY)


def _ask(graph, body: str) -> bool:
    return bool(graph.select("SELECT * WHERE { " + body + " } LIMIT 1").rows)


def test_interviewee_featured_and_executive_producer_are_participations_of_a_work(small_graph) -> None:
    for who, role in (("cleo-diaz", "interviewee"), ("east-films", "featured"), ("harbour-tv", "executive-producer")):
        assert _ask(small_graph, f"?p kgo:participationIn kg:harbour-voices ; kgo:agent kg:{who} ; "
                                 f"kgo:role role:{role} .")
    # an executive producer is a kind of producer: a query for producers finds it
    assert _ask(small_graph, "?p kgo:agent kg:harbour-tv ; kgo:participationIn kg:harbour-voices ; "
                             "kgo:role/skos:broader* role:producer .")


def test_a_partnership_between_organisations_with_a_start_year(small_graph) -> None:
    assert _ask(small_graph, 'kg:harbour-east-partnership a kgo:Partnership ; kgo:startDate "2023"^^xsd:gYear .')
    for org in ("old-partner", "east-films"):
        assert _ask(small_graph, f"?p kgo:participationIn kg:harbour-east-partnership ; kgo:agent kg:{org} ; "
                                 "kgo:role role:partner .")


def test_a_programme_launched_by_an_organisation_in_a_year_from_an_entries_file(small_graph) -> None:
    assert _ask(small_graph, 'kg:lab--launcher--lab-group kgo:participationIn kg:lab ; kgo:agent kg:lab-group ; '
                             'kgo:role role:launcher ; kgo:date "2019"^^xsd:gYear .')


def test_a_work_has_languages(small_graph) -> None:
    rows = small_graph.select("SELECT ?l WHERE { kg:harbour-voices schema:inLanguage ?l } ORDER BY ?l").rows
    assert [r["l"].value for r in rows] == ["en", "zh"]


def test_reach_in_viewers_countries_and_languages_and_an_approximate_running_time(small_graph) -> None:
    rows = small_graph.select("""SELECT ?m ?v ?c WHERE { ?q kgo:quantityOf kg:harbour-voices ; kgo:measure ?m ;
        kgo:value ?v . OPTIONAL { ?q kgo:comparator ?c } } ORDER BY ?m""").rows
    got = {r["m"].value.rsplit("/", 1)[-1]: (int(r["v"].value), r["c"].value.rsplit("#", 1)[-1] if r.get("c") else "")
           for r in rows}
    assert got == {"viewers": (2000000, "About"), "countries-reached": (12, ""), "languages": (3, ""),
                   "running-time-minutes": (120, "About")}


def test_a_date_known_as_a_range_keeps_its_bounds_and_the_read_model_reads_it_as_a_span(small_graph) -> None:
    assert _ask(small_graph, 'kg:harbour-voices--viewers kgo:earliestDate "2016-02-25"^^xsd:date ; '
                             'kgo:latestDate "2016-02-26"^^xsd:date .')
    assert not _ask(small_graph, "kg:harbour-voices--viewers kgo:date ?d .")
    assert _ask(small_graph, 'kg:harbour-voices--countries-reached kgo:date "2016"^^xsd:gYear ; '
                             'kgo:approximate true .')
    facts = facts_of(small_graph)
    (part,) = [p for p in facts.participations if p.iri == KG + "harbour-voices--interviewee--cleo-diaz"]
    assert part.role == ROLE + "interviewee"
    assert part.span == Span(date(2015, 3, 19), date(2015, 3, 25))
    assert part.date == "2015-03-19..2015-03-25"


def test_span_of_a_range_and_its_precedence() -> None:
    assert span_of(earliest=["2015-02-25"], latest=["2015-02-26"]) == Span(date(2015, 2, 25), date(2015, 2, 26))
    assert span_of(earliest=["2015"]) == Span(date(2015, 1, 1), None)
    assert span_of(latest=["2015-03"]) == Span(None, date(2015, 3, 31))
    assert span_of(["2014"], earliest=["2015"]) == Span(date(2014, 1, 1), date(2014, 12, 31))  # a date wins
    assert date_text(earliest=["2015-02-25"], latest=["2015-02-26"]) == "2015-02-25..2015-02-26"


def _load(tmp_path: Path, text: str) -> list[str]:
    base = (SMALL_WORLD / "records.yaml").read_text(encoding="utf-8")
    (tmp_path / "records.yaml").write_text(base + text, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        kg.load(tmp_path, ONTOLOGY, shapes=False, checks=False)
    return [f"{p.field}: {p.message}" for p in err.value.problems]


@pytest.mark.parametrize(("fields", "expected"), [
    ("date: 2016\n  date_earliest: 2016-02", "date_earliest: a date known only as a range is given instead of"),
    ("date_earliest: 2016-03\n  date_latest: 2016-02", "date_latest: the latest date (2016-02) is before"),
    ("date_approximate: true", "date_approximate: qualifies a date, but none is given"),
])
def test_wrong_ranges_are_refused(tmp_path: Path, fields: str, expected: str) -> None:
    problems = _load(tmp_path, f"""
- id: ranged-event
  type: Event
  label: Ranged
  {fields}
  place: [harbour-city]
  sources: [film-notes]
""")
    assert any(p.startswith(expected) for p in problems), problems


def test_a_partner_is_an_organisation_of_a_partnership(tmp_path: Path) -> None:
    problems = _load(tmp_path, """
- id: bad-partnership
  type: Partnership
  label: Bad
  start: 2023
  sources: [film-notes]
  participants:
    - {who: ada-moss, role: partner, sources: [film-notes]}
- id: bad-film
  type: Work
  label: Bad film
  sources: [film-notes]
  participants:
    - {who: east-films, role: partner, sources: [film-notes]}
""")
    assert any("the role 'partner' is taken by a Organisation" in p for p in problems), problems
    assert any("the role 'partner' does not apply to a Work" in p for p in problems), problems
