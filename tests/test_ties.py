"""Which roles tie two agents is declared in the ontology (kgo:tiesPeople, kgo:tiesOrganisations on the role
concepts of ontology/roles.ttl), and the collaborators question agrees with the networks on what a
collaboration is: the pairs of people it gives are exactly the person projection's ties, context for context.
(The documented difference: the question also names the organisations a person met in those contexts, in
any role; the networks tie an organisation only to another organisation, in the declared roles.)"""

from __future__ import annotations

from collections import defaultdict

import pytest
from conftest import ONTOLOGY, ROOT, SMALL_WORLD

import kg
from kg.model.facts import facts_of
from kg.namespaces import KG, ROLE
from kg.network import project, tie_roles
from kg.questions.ask import run
from kg.questions.catalogue import load_catalogue

CATALOGUE = load_catalogue(ROOT / "queries")


def _names(roles: frozenset[str]) -> set[str]:
    return {r.removeprefix(ROLE) for r in roles}


def test_the_declared_tie_roles_are_those_the_networks_used(small_graph) -> None:
    facts = facts_of(small_graph)
    orgs = {kind: _names(roles) for kind, roles in tie_roles(facts, "organisation").items()}
    assert orgs == {"co-production": {"producer", "executive-producer", "co-producer", "commissioner"},
                    "co-organisation": {"organiser", "co-organiser", "host", "guiding-body", "launcher"},
                    "partnership": {"partner"}}
    people = tie_roles(facts, "person")
    assert list(people) == ["co-participation"]
    assert people["co-participation"] == frozenset(facts.roles)  # every role of the scheme


def _question_pairs(graph) -> dict[tuple[str, str], set[str]]:
    """Pairs of people the collaborators question gives, asked of every person, with their contexts."""
    people = [r["p"].value for r in graph.select(
        "SELECT ?p WHERE { ?p a/rdfs:subClassOf* kgo:Person }").rows]
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for person in people:
        for row in run(graph, CATALOGUE.get("collaborators"), {"person": person.removeprefix(KG)}).rows:
            other = row["collaborator"].value
            if other in people:
                found[tuple(sorted((person, other)))].add(row["context"].value)  # type: ignore[index]
    return found


def _projection_pairs(graph) -> dict[tuple[str, str], set[str]]:
    net = project(graph, "person")
    return {tuple(sorted((a, b))): set(d["contexts"]) for a, b, d in net.edges(data=True)}  # type: ignore[misc]


@pytest.fixture(scope="module")
def facts_world(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("data")
    for folder in (SMALL_WORLD, ROOT / "tests" / "curator_facts"):
        for path in folder.iterdir():
            if path.suffix in (".yaml", ".csv"):
                (data / f"{folder.name}-{path.name}").write_bytes(path.read_bytes())
    return kg.load(data, ONTOLOGY)


def test_the_collaborators_question_and_the_person_network_agree(small_graph, facts_world) -> None:
    for graph in (small_graph, facts_world):
        pairs = _question_pairs(graph)
        assert pairs and pairs == _projection_pairs(graph)


def test_the_question_leaves_out_an_uncertain_context_as_the_network_does(tmp_path) -> None:
    (tmp_path / "records.yaml").write_text((SMALL_WORLD / "records.yaml").read_text(encoding="utf-8") + """
- id: rumoured-meeting
  type: Event
  label: A rumoured meeting
  certainty: uncertain
  date: 2023
  place: [capital-city]
  sources: [film-notes]
  participants:
    - {who: eva-lin, role: speaker, sources: [film-notes]}
    - {who: ivo-tan, role: speaker, sources: [film-notes]}
""", encoding="utf-8")
    graph = kg.load(tmp_path, ONTOLOGY)
    pairs = _question_pairs(graph)
    assert (KG + "eva-lin", KG + "ivo-tan") not in pairs
    assert pairs == _projection_pairs(graph)


def test_a_partnership_ties_its_partners_in_the_organisation_network(facts_world) -> None:
    net = project(facts_world, "organisation")
    edge = net.edges[KG + "east-films", KG + "old-partner"]
    assert edge["kinds"] == ["partnership"]
    assert edge["contexts"] == [KG + "harbour-east-partnership"]
