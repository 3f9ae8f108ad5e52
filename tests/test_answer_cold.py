"""Entity parameters and table labels on a cold graph: found with small bound queries, never with
an index of every label of the graph, and with the same terms, errors and labels as that index gives."""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import UsageError, ValidationError
from kg.graph import KnowledgeGraph
from kg.namespaces import KG, KGO, PREFIXES
from kg.questions import labels as label_lookup
from kg.questions.ask import run
from kg.questions.catalogue import load_catalogue
from kg.questions.labels import labels, labels_of, normalise
from kg.questions.resolve import resolve
from kg.questions.results import render

SKOS, RDFS, RDF = PREFIXES["skos"], PREFIXES["rdfs"], PREFIXES["rdf"]
PREF, ALT, LABEL = (ox.NamedNode(SKOS + "prefLabel"), ox.NamedNode(SKOS + "altLabel"),
                    ox.NamedNode(RDFS + "label"))
A = ox.NamedNode(RDF + "type")
PERSON, ORG = ox.NamedNode(KGO + "Person"), ox.NamedNode(KGO + "Organisation")
CLARKE = KG + "malcolm-clarke"


@pytest.fixture(scope="module")
def curated(graph) -> list[ox.Triple]:
    return graph.triples()


@pytest.fixture
def cold(curated) -> KnowledgeGraph:
    """A fresh copy of the curated graph: nothing cached on it yet."""
    return KnowledgeGraph(curated)


def _whole_graph_work(graph: KnowledgeGraph) -> list[str]:
    """What the cache holds that only whole-graph work makes: the label index, the class members."""
    return [k for k in graph.cache if k == "label-index" or k.startswith("members ")]


def _outcome(graph: KnowledgeGraph, text: str, **kwargs) -> tuple:
    try:
        return ("term", resolve(graph, text, **kwargs))
    except UsageError as exc:
        return ("error", exc.message, exc.hint)


def _warm(graph: KnowledgeGraph) -> KnowledgeGraph:
    labels(graph)  # builds the whole-graph index, which resolve then uses as it is
    assert "label-index" in graph.cache
    return graph


# -- ids, IRIs, prefixed names ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["malcolm-clarke", "  malcolm-clarke ", "kg:malcolm-clarke", f"<{CLARKE}>", CLARKE])
def test_an_id_iri_or_prefixed_name_is_found_without_the_label_index(cold, text: str) -> None:
    assert resolve(cold, text, cls=KGO + "Person", what="Person") == ox.NamedNode(CLARKE)
    assert _whole_graph_work(cold) == []


@pytest.mark.parametrize("text", ["malcolm-clarke", "kg:malcolm-clarke", f"<{CLARKE}>"])
def test_an_id_of_the_right_class_costs_one_query(cold, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A member of the class is a subject (of its rdf:type): checking it is there first would be a second query.
    asked: list[str] = []
    real = KnowledgeGraph.query
    monkeypatch.setattr(KnowledgeGraph, "query", lambda self, q, *a, **k: asked.append(q) or real(self, q, *a, **k))
    assert resolve(cold, text, cls=KGO + "Person", what="Person") == ox.NamedNode(CLARKE)
    assert len(asked) == 1, asked


def test_what_a_text_names_is_remembered_and_an_error_is_not(cold, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = KnowledgeGraph.query
    monkeypatch.setattr(KnowledgeGraph, "query", lambda self, q, *a, **k: asked.append(q) or real(self, q, *a, **k))
    assert resolve(cold, "malcolm-clarke", cls=KGO + "Person") == ox.NamedNode(CLARKE)
    first = len(asked)
    assert resolve(cold, " malcolm-clarke ", cls=KGO + "Person") == ox.NamedNode(CLARKE)
    assert len(asked) == first == 1
    # Another class is another question; a failed resolution is asked again (and fails again).
    for _ in range(2):
        with pytest.raises(UsageError, match="is not an Organisation"):
            resolve(cold, "malcolm-clarke", cls=KGO + "Organisation", what="Organisation")
    assert len(asked) > first + 2


def test_a_question_with_an_id_builds_no_index(cold) -> None:
    answer = run(cold, load_catalogue().get("collaborators"), {"person": "malcolm-clarke"})
    assert answer.bindings["person"] == ox.NamedNode(CLARKE) and len(answer) > 0
    assert _whole_graph_work(cold) == []


def test_role_ids_are_looked_up_in_their_scheme(cold) -> None:
    assert resolve(cold, "mentor", scheme=KGO + "RoleScheme", what="role") == ox.NamedNode(PREFIXES["role"] + "mentor")
    assert _whole_graph_work(cold) == []


@pytest.mark.parametrize(("text", "kwargs", "message", "hint"), [
    ("cicg", {"cls": KGO + "Person", "what": "Person"},
     "China International Communications Group (kg:cicg) is not a Person", "give a Person"),
    ("kg:nobody", {}, "kg:nobody is not in the graph", "check the entity's id or IRI"),
    ("<https://example.org/nothing>", {}, "<https://example.org/nothing> is not in the graph",
     "check the entity's id or IRI"),
    ("", {}, "an empty entity name", "give the entity's label, id or IRI"),
])
def test_ids_that_do_not_fit_are_refused_as_before(cold, curated, text: str, kwargs: dict, message: str,
                                                   hint: str) -> None:
    got = _outcome(cold, text, **kwargs)
    assert got == ("error", message, hint)
    assert _whole_graph_work(cold) == []
    assert got == _outcome(_warm(KnowledgeGraph(curated)), text, **kwargs)


# -- labels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Malcolm Clarke", "malcolm clarke", "MALCOLM CLARKE", "  Malcolm   Clarke  ", "malcolm\tclarke",
    "Ｍａｌｃｏｌｍ　Ｃｌａｒｋｅ",  # full-width letters and an ideographic space
])
def test_a_label_is_found_in_any_case_width_and_spacing(cold, text: str) -> None:
    assert resolve(cold, text, cls=KGO + "Person", what="Person") == ox.NamedNode(CLARKE)
    assert _whole_graph_work(cold) == []


def test_a_chinese_label_is_found(cold) -> None:
    assert resolve(cold, "杨浩东") == ox.NamedNode(KG + "yang-haodong")
    assert _whole_graph_work(cold) == []


def _labelled_graph(*entries: tuple[str, ox.Literal | ox.NamedNode, ox.NamedNode, ox.NamedNode]) -> KnowledgeGraph:
    triples = []
    for local, label, predicate, cls in entries:
        triples += [ox.Triple(ox.NamedNode(KG + local), predicate, label), ox.Triple(ox.NamedNode(KG + local), A, cls)]
    return KnowledgeGraph(triples)


AMBIGUOUS = (
    ("li-ming", ox.Literal("Li Ming", language="en"), PREF, PERSON),
    ("li-ming-2", ox.Literal("LI  MING"), ALT, PERSON),  # two spaces: compared in Python
    ("li-ming-3", ox.Literal("Ｌｉ Ｍｉｎｇ", language="ja"), LABEL, PERSON),  # full width: compared in Python
    ("li-ming-org", ox.Literal("li ming", language="zh"), PREF, ORG),
    ("li-ming-4", ox.Literal("Li Ming 4", language="en"), PREF, PERSON),
)


def test_a_label_of_several_entities_lists_them_with_their_labels() -> None:
    graph = _labelled_graph(*AMBIGUOUS)
    got = _outcome(graph, "li ming", cls=KGO + "Person", what="Person")
    assert got == ("error", "'li ming' names 3 Persons: Li Ming (kg:li-ming); LI  MING (kg:li-ming-2); "
                   "Ｌｉ Ｍｉｎｇ (kg:li-ming-3)", "give the id or IRI of the one you mean")
    assert "label-index" not in graph.cache
    assert got == _outcome(_warm(_labelled_graph(*AMBIGUOUS)), "li ming", cls=KGO + "Person", what="Person")
    everyone = _outcome(_labelled_graph(*AMBIGUOUS), "LI MING")
    assert everyone[1].startswith("'LI MING' names 4 entities: ") and "li ming (kg:li-ming-org)" in everyone[1]


def test_a_label_is_matched_by_class_when_several_entities_share_it() -> None:
    graph = _labelled_graph(*AMBIGUOUS)
    assert resolve(graph, "Li Ming", cls=KGO + "Organisation", what="Organisation") == ox.NamedNode(KG + "li-ming-org")


def test_an_unknown_label_suggests_near_ones_as_before(cold, curated) -> None:
    got = _outcome(cold, "Malcom Clark", cls=KGO + "Person", what="Person")
    assert got == ("error", "no Person is called 'Malcom Clark'", "did you mean: Malcolm Clarke (kg:malcolm-clarke)")
    assert got == _outcome(_warm(KnowledgeGraph(curated)), "Malcom Clark", cls=KGO + "Person", what="Person")
    with pytest.raises(ValidationError) as err:
        run(cold, load_catalogue().get("collaborators"), {"person": "Malcom Clark"})
    assert "did you mean: Malcolm Clarke (kg:malcolm-clarke)" in str(err.value)


def test_a_label_of_the_wrong_class_names_nothing(cold) -> None:
    got = _outcome(cold, "China International Communications Group", cls=KGO + "Person", what="Person")
    assert got[:2] == ("error", "no Person is called 'China International Communications Group'")
    assert "kg:cicg" not in got[2]


@pytest.mark.parametrize(("stored", "typed"), [
    ("Straße", "STRASSE"),  # case folding, not lower-casing
    ("e\u0301cole", "École"),  # a combining accent, composed by NFKC
    ("ﬁsh", "FISH"),  # a ligature
    ("\u212aelvin", "kelvin"),  # the Kelvin sign
    ("ΟΔΥΣΣΕΥΣ", "Οδυσσευς"),  # capital sigma: LCASE makes the last one final, case folding does not
    ("x\u00a0y", "X Y"),  # a no-break space
    ("㍿", "株式会社"),  # a compatibility character of four
    ("  spaced   out ", "Spaced Out"),
])
def test_labels_the_engine_cannot_compare_are_compared_in_python(stored: str, typed: str) -> None:
    graph = _labelled_graph(("target", ox.Literal(stored), PREF, PERSON), ("other", ox.Literal("other"), PREF, PERSON))
    assert resolve(graph, typed) == ox.NamedNode(KG + "target")
    assert "label-index" not in graph.cache


def test_a_label_found_once_is_remembered(cold) -> None:
    resolve(cold, "Malcolm Clarke")
    assert cold.cache.get("labelled malcolm clarke") == {CLARKE}
    assert resolve(cold, "MALCOLM CLARKE") == ox.NamedNode(CLARKE)


# -- the engine's prefilter is a superset of what normalise() matches ---------------------------------


def test_the_engine_lowercases_every_simple_character_as_normalise_does() -> None:
    chars = [chr(c) for low, high in label_lookup._simple_ranges() for c in range(low, high + 1)]
    assert len(chars) > 30_000 and "A" in chars and "ß" not in chars and "Σ" not in chars and "\uff21" not in chars
    store = ox.Store()
    p = ox.NamedNode("http://example.org/p")
    store.bulk_extend(ox.Quad(ox.NamedNode(f"http://example.org/{ord(c)}"), p, ox.Literal(c)) for c in chars)
    lowered = {s["l"].value: s["x"].value for s in store.query("SELECT ?l (LCASE(?l) AS ?x) WHERE { ?s ?p ?l }")}
    assert len(lowered) == len(chars)
    assert [c for c in chars if lowered[c] != normalise(c) or len(lowered[c]) != 1] == []


def test_no_simple_character_composes_with_the_one_before_it() -> None:
    seconds = set()
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    seconds |= set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul vowels and finals
    simple = {c for low, high in label_lookup._simple_ranges() for c in range(low, high + 1)}
    assert simple & seconds == set()
    for low, high in label_lookup._simple_ranges():  # the ranges taken whole are stable as they are
        assert all(unicodedata.normalize("NFKC", chr(c)) == chr(c) for c in range(low, high + 1))


@pytest.mark.parametrize(("label", "simple"), [
    ("Malcolm Clarke", True), ("Zoë Ñúñez", True), ("李 明", True), ("안녕", True), ("", True), ("a-b [c] ^d\\e", True),
    ("a  b", False), (" a", False), ("a ", False), ("x\ty", False), ("ＭＡＬＣＯＬＭ", False), ("Straße", False),
    ("ΣΟΦΙΑ", False), ("e\u0301", False), ("ﬁ", False),
])
def test_the_engines_pattern_tells_simple_labels(label: str, simple: bool) -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal(label)))
    result = list(store.query('SELECT (REGEX(STR(?l), "' + label_lookup._simple_pattern() + '") AS ?simple) '
                              "WHERE { ?s ?p ?l }"))
    assert result[0]["simple"].value == ("true" if simple else "false")


ALPHABET = st.sampled_from([*"aAbBsSzZ12 -'", "ß", "ẞ", "Σ", "σ", "ς", "ｓ", "Ａ", "\u0301", "é", "É", "ﬀ", "\t",
                            "\u00a0", "\u3000", "İ", "ı", "K", "\u212a", "李", "Ǆ", "ǅ"])
TEXT = st.text(ALPHABET, min_size=1, max_size=6)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=8), TEXT)
def test_label_lookup_finds_what_the_whole_index_finds(stored: list[str], typed: str) -> None:
    triples = [ox.Triple(ox.NamedNode(f"{KG}e{i}"), (PREF, ALT, LABEL)[i % 3], ox.Literal(text))
               for i, text in enumerate(stored)]
    key = normalise(typed)
    cold_graph, warm_graph = KnowledgeGraph(triples), KnowledgeGraph(triples)
    assert label_lookup.labelled(cold_graph, key) == set(label_lookup.label_index(warm_graph)[0].get(key, ()))
    if key:
        assert _outcome(cold_graph, typed) == _outcome(warm_graph, typed)


# -- table labels ------------------------------------------------------------------------------------------


def test_table_labels_are_those_of_the_answers_iris_only(cold, curated) -> None:
    result = run(cold, load_catalogue().get("collaborators"), {"person": "malcolm-clarke"})
    shown = result.labels()
    assert _whole_graph_work(cold) == []
    iris = {t.value for row in result.rows for t in row.values() if isinstance(t, ox.NamedNode)}
    every = labels(KnowledgeGraph(curated))
    assert shown == {iri: every[iri] for iri in iris if iri in every}
    assert shown[CLARKE] == "Malcolm Clarke" and len(shown) > 3
    table = render(result, "table", shown).decode()
    assert table == render(result, "table", every).decode()
    assert "Malcolm Clarke" in table and "kg:malcolm-clarke" not in table


def test_the_display_label_prefers_an_english_preferred_label() -> None:
    e = ox.NamedNode(KG + "e")
    graph = KnowledgeGraph([
        ox.Triple(e, LABEL, ox.Literal("A rdfs label", language="en")),
        ox.Triple(e, ALT, ox.Literal("An alternative")),
        ox.Triple(e, PREF, ox.Literal("Zhōngwén", language="zh")),
        ox.Triple(e, PREF, ox.Literal("Preferred B", language="en")),
        ox.Triple(e, PREF, ox.Literal("Preferred A", language="en-GB")),
        ox.Triple(ox.NamedNode(KG + "f"), ALT, ox.Literal("Only alt", language="fr")),
        ox.Triple(ox.NamedNode(KG + "f"), LABEL, ox.Literal("Zed")),
    ])
    assert labels_of(graph, [KG + "e", ox.NamedNode(KG + "f"), KG + "unlabelled"]) == {
        KG + "e": "Preferred B", KG + "f": "Zed"}
    assert labels_of(graph, [KG + "e", KG + "f"]) == labels(KnowledgeGraph(graph.triples()))
    assert labels_of(graph, []) == {}


def test_table_labels_come_in_batches(monkeypatch) -> None:
    p = ox.NamedNode(KG + "p")
    triples = [ox.Triple(ox.NamedNode(f"{KG}n{i}"), PREF, ox.Literal(f"Node {i}")) for i in range(25)]
    graph = KnowledgeGraph(triples + [ox.Triple(ox.NamedNode(f"{KG}n{i}"), p, ox.NamedNode(f"{KG}n{i + 1}"))
                                      for i in range(24)])
    monkeypatch.setattr(label_lookup, "_BATCH", 7)
    result = run(graph, "SELECT ?a ?b WHERE { ?a kg:p ?b }")
    assert result.labels() == {f"{KG}n{i}": f"Node {i}" for i in range(25)}
    assert "label-index" not in graph.cache


def test_ask_and_construct_answers_have_labels_too(cold) -> None:
    assert run(cold, "ASK { ?s ?p ?o }").labels() == {}
    built = run(cold, "CONSTRUCT { ?e a kgo:Person } WHERE { ?e skos:prefLabel 'Malcolm Clarke'@en }")
    assert built.labels()[CLARKE] == "Malcolm Clarke"
