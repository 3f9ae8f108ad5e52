"""The built-in SHACL validator (kg.shacl.engine, SPARQL on Oxigraph) agrees with pyshacl (kg.shacl).

Each broken graph is the small world's graph (tests/small_world: records made for the tests, with
every kind of value the shapes constrain, far smaller than the curated data) with one targeted
mutation; both validators run on it and must report the same results: the same (focus node, source
shape or path, constraint component, value) and the same located problems. Only the conformance of the
curated data itself is checked on data/.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ONTOLOGY

from kg.errors import Problem
from kg.graph import KnowledgeGraph
from kg.namespaces import PREFIXES, RDF_TYPE, SH

DISPLAY = "ontology/shapes.ttl"


def _all_shapes() -> Path:
    """shapes.ttl with the shapes kg makes from fields.yaml, in one file, as the build runs them."""
    from kg.schema_file import load_schema
    from kg.schema_views import field_shapes

    path = Path(tempfile.mkdtemp(prefix="kg-shapes-")) / "shapes.ttl"
    path.write_text((ONTOLOGY / "shapes.ttl").read_text(encoding="utf-8") + "\n"
                    + field_shapes(load_schema(ONTOLOGY / "fields.yaml")), encoding="utf-8")
    return path


SHAPES = _all_shapes()


def iri(curie: str) -> ox.NamedNode:
    prefix, local = curie.split(":", 1)
    return ox.NamedNode(PREFIXES[prefix] + local)


TYPE = ox.NamedNode(RDF_TYPE)


def lit(value: str, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=iri(datatype) if datatype else None)


@pytest.fixture(scope="module")
def shapes_graph():
    import rdflib

    return rdflib.Graph().parse(SHAPES, format="turtle")


def key_of(term) -> str:
    """A term as a comparable string, for rdflib and pyoxigraph terms alike (blank nodes are all alike)."""
    import rdflib

    if term is None:
        return ""
    if isinstance(term, rdflib.BNode | ox.BlankNode):
        return "_:b"
    return str(term) if isinstance(term, rdflib.term.Identifier) else term.value


def pyshacl_keys(graph: KnowledgeGraph, shapes_graph) -> tuple[set, list]:
    """pyshacl's violations as (focus, shape or path, component, value) keys, and as problems."""
    import rdflib

    from kg.shacl import problems_from_results, pyshacl_results

    results = pyshacl_results(graph, shapes_graph)
    sh = rdflib.Namespace(SH)
    keys = set()
    for r in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        if results.value(r, sh.resultSeverity) != sh.Violation:
            continue
        shape = results.value(r, sh.sourceShape)
        where = shape if isinstance(shape, rdflib.URIRef) else results.value(r, sh.resultPath)
        keys.add((key_of(results.value(r, sh.focusNode)), key_of(where),
                  key_of(results.value(r, sh.sourceConstraintComponent)), key_of(results.value(r, sh.value))))
    return keys, sorted(problems_from_results(graph, results, DISPLAY))


def same_blank_nodes(problem: Problem) -> Problem:
    """A pyshacl problem with rdflib's blank node ids (N and 32 hex digits) as the test's one blank node."""
    return Problem(problem.file, problem.line, problem.field, re.sub(r"\bN[0-9a-f]{32}\b", "p1", problem.message),
                   problem.hint)


def core_keys(graph: KnowledgeGraph, shapes: Path = SHAPES) -> tuple[set, list]:
    """The built-in validator's violations, in the same two forms."""
    from kg.shacl import engine as shacl_engine

    keys = {(key_of(r.focus), key_of(r.shape if isinstance(r.shape, ox.NamedNode) else r.path), r.component,
             key_of(r.value)) for r in shacl_engine.results(graph, shapes)}
    return keys, shacl_engine.validate(graph, shapes, DISPLAY)


def first(graph: KnowledgeGraph, sparql: str) -> dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]:
    """The first row (in a stable order) of a SELECT on the graph; the case needs one."""
    rows = graph.select(sparql).rows
    assert rows, f"the curated data has nothing for: {sparql}"
    return min(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


# A case: (graph -> (triples to remove, triples to add, expected focus IRI), expected component).
Mutation = Callable[[KnowledgeGraph], tuple[list[ox.Triple], list[ox.Triple], str]]


Value = ox.NamedNode | ox.Literal | Callable[[KnowledgeGraph], ox.NamedNode]


def replace_value(select: str, new: Value) -> Mutation:
    """Replace one value: ``select`` binds ?s ?p ?o of a triple of the graph."""
    def mutate(g: KnowledgeGraph):
        r = first(g, select)
        value = new(g) if callable(new) else new
        return [ox.Triple(r["s"], r["p"], r["o"])], [ox.Triple(r["s"], r["p"], value)], r["s"].value
    return mutate


def add_value(select: str, new: Value) -> Mutation:
    """Add a value: ``select`` binds ?s ?p of the triple to add (with ``new`` as object)."""
    def mutate(g: KnowledgeGraph):
        r = first(g, select)
        value = new(g) if callable(new) else new
        return [], [ox.Triple(r["s"], r["p"], value)], r["s"].value
    return mutate


def remove_values(select: str) -> Mutation:
    """Remove every value of ?p from ?s."""
    def mutate(g: KnowledgeGraph):
        r = first(g, select)
        gone = [t for t in g.triples() if t.subject == r["s"] and t.predicate == r["p"]]
        return gone, [], r["s"].value
    return mutate


def mutated(graph: KnowledgeGraph, mutate: Mutation) -> tuple[KnowledgeGraph, str]:
    """A graph (with its provenance) after one mutation, and the focus node it breaks."""
    remove, add, focus = mutate(graph)
    assert remove or add
    gone = set(remove)
    return KnowledgeGraph([t for t in graph.triples() if t not in gone] + add, graph.provenance), focus


def node_of(select: str) -> Callable[[KnowledgeGraph], ox.NamedNode]:
    return lambda g: first(g, select)["x"]


def subclass_instance(g: KnowledgeGraph):
    """A new class declared in the data as a subclass of kgo:Person, and a bare instance of it."""
    sub, node = ox.NamedNode("https://example.org/Sub"), ox.NamedNode("https://example.org/someone")
    return [], [ox.Triple(sub, iri("rdfs:subClassOf"), iri("kgo:Person")), ox.Triple(node, TYPE, sub)], node.value


def blank_person(g: KnowledgeGraph):
    """A person that is a blank node: sh:nodeKind sh:IRI on the focus node itself."""
    source = first(g, "SELECT ?x WHERE { ?x a kgo:NewsArticle }")["x"]
    b = ox.BlankNode("p1")
    return [], [ox.Triple(b, TYPE, iri("kgo:Person")), ox.Triple(b, iri("skos:prefLabel"), lit("Anon", lang="en")),
                ox.Triple(b, iri("prov:wasDerivedFrom"), source)], "_:b"


def role_outside_scheme(g: KnowledgeGraph):
    """A participation's role is a concept of the measure scheme (a skos:Concept, not in kgo:RoleScheme)."""
    r = first(g, "SELECT ?s ?p ?o WHERE { ?s a kgo:Participation ; kgo:role ?o . BIND(kgo:role AS ?p) }")
    measure = first(g, "SELECT ?x WHERE { ?x skos:inScheme kgo:MeasureScheme }")["x"]
    return [ox.Triple(r["s"], r["p"], r["o"])], [ox.Triple(r["s"], r["p"], measure)], r["s"].value


def measure_outside_scheme(g: KnowledgeGraph):
    """A measure concept loses its scheme: every quantity using it breaks sh:node kgo:MeasureConceptShape."""
    r = first(g, "SELECT ?q ?m WHERE { ?q a kgo:Quantity ; kgo:measure ?m }")
    return [ox.Triple(r["m"], iri("skos:inScheme"), iri("kgo:MeasureScheme"))], [], r["q"].value


CASES: dict[str, tuple[Mutation, str]] = {
    "minCount: a person without skos:prefLabel": (
        remove_values("SELECT ?s ?p WHERE { ?s a kgo:Person ; skos:prefLabel ?l . BIND(skos:prefLabel AS ?p) }"),
        "MinCount"),
    "minCount: a city (a subclass of kgo:Place) without skos:prefLabel": (
        remove_values("SELECT ?s ?p WHERE { ?s a kgo:City ; skos:prefLabel ?l . BIND(skos:prefLabel AS ?p) }"),
        "MinCount"),
    "maxCount: a source with two schema:url": (
        add_value("SELECT ?s ?p WHERE { ?s schema:url ?u . BIND(schema:url AS ?p) }",
                  ox.NamedNode("https://example.org/second-address")), "MaxCount"),
    "maxCount: two dates (sh:targetSubjectsOf)": (
        add_value("SELECT ?s ?p WHERE { ?s kgo:date ?d . BIND(kgo:date AS ?p) }", lit("1999", "xsd:gYear")),
        "MaxCount"),
    "datatype: kgo:editionNumber as a string": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s kgo:editionNumber ?o . BIND(kgo:editionNumber AS ?p) }",
                      lit("3", "xsd:string")), "Datatype"),
    "datatype: an ill-typed xsd:integer kgo:value": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s kgo:value ?o . BIND(kgo:value AS ?p) }",
                      lit("many", "xsd:integer")), "Datatype"),
    "datatype: a skos:prefLabel without a language": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s a kgo:Organisation ; skos:prefLabel ?o . "
                      "BIND(skos:prefLabel AS ?p) }", lit("No language")), "Datatype"),
    "nodeKind: schema:url is a literal": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s schema:url ?o . BIND(schema:url AS ?p) }",
                      lit("https://example.org/a-literal-address")), "NodeKind"),
    "nodeKind: the focus node is a blank node": (blank_person, "NodeKind"),
    "class: kgo:basedIn is a person": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s a kgo:Organisation ; kgo:basedIn ?o . BIND(kgo:basedIn AS ?p) }",
                      node_of("SELECT ?x WHERE { ?x a kgo:Person }")), "Class"),
    "class: prov:wasDerivedFrom is a literal": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s a kgo:Person ; prov:wasDerivedFrom ?o . "
                      "BIND(prov:wasDerivedFrom AS ?p) }", lit("a newspaper")), "Class"),
    "pattern: skos:exactMatch is not a Wikidata item": (
        add_value("SELECT ?s ?p WHERE { ?s a kgo:Person . BIND(skos:exactMatch AS ?p) }",
                  ox.NamedNode("https://example.org/Q1")), "Pattern"),
    "minInclusive: a negative kgo:value": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s kgo:value ?o . BIND(kgo:value AS ?p) }", lit("-1", "xsd:integer")),
        "MinInclusive"),
    "in: kgo:certainty outside the list": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s kgo:certainty ?o . BIND(kgo:certainty AS ?p) }",
                      iri("kgo:Probable")), "In"),
    "node: a role outside the role scheme": (role_outside_scheme, "Node"),
    "node: a measure concept loses its scheme (sh:hasValue)": (measure_outside_scheme, "Node"),
    "or: a date that is a plain string": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s kgo:date ?o . BIND(kgo:date AS ?p) }", lit("2024-07-30")), "Or"),
    "or: an ill-typed xsd:date (and sh:pattern)": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s kgo:date ?o . BIND(kgo:date AS ?p) }",
                      lit("2024-13-45", "xsd:date")), "Or"),
    "or: a participation's agent is a source": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s a kgo:Participation ; kgo:agent ?o . BIND(kgo:agent AS ?p) }",
                      node_of("SELECT ?x WHERE { ?x a kgo:NewsArticle }")), "Or"),
    "uniqueLang: two English names": (
        add_value("SELECT ?s ?p WHERE { ?s a kgo:Person ; skos:prefLabel ?l FILTER(LANG(?l) = 'en') "
                  "BIND(skos:prefLabel AS ?p) }", lit("Another name", lang="en")), "UniqueLang"),
    "minLength: an empty quotation": (
        replace_value("SELECT ?s ?p ?o WHERE { ?s schema:text ?o . BIND(schema:text AS ?p) }", lit("")),
        "MinLength"),
    "targetClass: an instance of a subclass declared in the data": (subclass_instance, "MinCount"),
}


def test_the_curated_data_conforms_for_both(graph, shapes_graph) -> None:
    ours, our_problems = core_keys(graph)
    theirs, _ = pyshacl_keys(graph, shapes_graph)
    assert ours == theirs == set()
    assert our_problems == []


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_graph_gets_the_same_results_as_pyshacl(case: str, small_graph: KnowledgeGraph,
                                                         shapes_graph) -> None:
    mutate, expected = CASES[case]
    broken, focus = mutated(small_graph, mutate)
    ours, our_problems = core_keys(broken)
    theirs, their_problems = pyshacl_keys(broken, shapes_graph)
    assert ours == theirs
    # The same files, lines, fields, messages and hints. pyshacl repeats the details of a node that
    # breaks sh:node under each result naming it, and names blank nodes its own way.
    assert set(our_problems) == {same_blank_nodes(p) for p in their_problems}
    assert any(k[0] == focus and k[2] == f"{SH}{expected}ConstraintComponent" for k in ours), \
        f"the mutation did not break {expected} at {focus}: {sorted(ours)}"


def test_every_constraint_of_the_shapes_file_is_covered() -> None:
    """The corpus breaks every kind of constraint shapes.ttl uses (and targets through a subclass)."""
    from kg.shacl.engine import SUPPORTED

    not_constraints = {"targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "property", "path",
                       "message", "severity", "deactivated",
                       # path operators, not constraints (a Partnership's shape counts its participations
                       # through sh:inversePath)
                       "inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath"}
    used = {q.predicate.value.removeprefix(SH) for q in ox.parse(path=str(SHAPES), format=ox.RdfFormat.TURTLE)
            if q.predicate.value in SUPPORTED}
    constraints = used - not_constraints
    covered = {expected[0].lower() + expected[1:] for _, expected in CASES.values()} | {"hasValue"}
    assert constraints <= covered, constraints - covered


EXTRA_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix kgo: <https://w3id.org/coprod-kg/ontology#> .
@prefix kg: <https://w3id.org/coprod-kg/id/> .
@prefix ex: <https://example.org/shapes#> .

ex:Ranges a sh:PropertyShape ; sh:targetClass kgo:Quantity ; sh:path kgo:value ;
    sh:maxInclusive 50 ; sh:minExclusive 1 ; sh:maxExclusive 20 ; sh:message "out of range" .
ex:Titles a sh:PropertyShape ; sh:targetClass kgo:Participation ; sh:path kgo:statedTitle ;
    sh:maxLength 12 ; sh:languageIn ( "en" ) ; sh:message "title" .
ex:NotAPerson a sh:NodeShape ; sh:targetObjectsOf kgo:spokenBy ; sh:not [ sh:class kgo:Person ] ; sh:message "not" .
ex:Both a sh:NodeShape ; sh:targetClass kgo:Country ; sh:message "and" ;
    sh:and ( [ sh:nodeKind sh:IRI ] [ sh:path skos:exactMatch ; sh:minCount 1 ] ) .
ex:OnlyOne a sh:NodeShape ; sh:targetObjectsOf kgo:agent ; sh:message "xone" ;
    sh:xone ( [ sh:class kgo:Person ] [ sh:class kgo:Organisation ] [ sh:path skos:exactMatch ; sh:minCount 1 ] ) .
ex:Closed a sh:NodeShape ; sh:targetNode kg:ada-moss , kg:harbour-city ; sh:closed true ;
    sh:ignoredProperties ( rdf:type ) ; sh:property ex:ClosedLabel ; sh:message "closed" .
ex:ClosedLabel a sh:PropertyShape ; sh:path skos:prefLabel ; sh:pattern "^a" ; sh:flags "i" ; sh:message "flags" .
ex:IsConfirmed a sh:NodeShape ; sh:targetObjectsOf kgo:certainty ; sh:hasValue kgo:Confirmed ; sh:message "hv" .
ex:Agents a sh:PropertyShape ; sh:targetClass kgo:Person ; sh:path [ sh:inversePath kgo:agent ] ;
    sh:minCount 2 ; sh:maxCount 3 ; sh:message "inverse counts" .
ex:AgentTypes a sh:PropertyShape ; sh:targetClass kgo:Participation ; sh:path ( kgo:agent rdf:type ) ;
    sh:in ( kgo:Person kgo:Company ) ; sh:message "sequence" .
ex:Places a sh:PropertyShape ; sh:targetClass kgo:Organisation ;
    sh:path [ sh:alternativePath ( kgo:basedIn kgo:country ) ] ; sh:class kgo:City ; sh:message "alternative" .
ex:Within a sh:PropertyShape ; sh:targetClass kgo:City ; sh:path [ sh:zeroOrMorePath schema:containedInPlace ] ;
    sh:hasValue kg:northland ; sh:message "zero or more" .
ex:TwoSources a sh:PropertyShape ; sh:targetClass kgo:Person ; sh:path prov:wasDerivedFrom ;
    sh:minCount 2 ; sh:message "two sources" .
ex:Off a sh:NodeShape ; sh:targetClass kgo:Person ; sh:deactivated true ;
    sh:property [ sh:path skos:prefLabel ; sh:maxCount 0 ] .
ex:Warn a sh:PropertyShape ; sh:targetClass kgo:Person ; sh:path skos:prefLabel ; sh:maxCount 0 ;
    sh:severity sh:Warning .
ex:Nested a sh:NodeShape ; sh:targetClass kgo:Quantity ; sh:message "nested" ;
    sh:property [ sh:path kgo:measure ; sh:node [ sh:property [ sh:path skos:prefLabel ; sh:uniqueLang true ;
        sh:maxCount 1 ; sh:datatype rdf:langString ] ] ] .
"""


def test_the_rest_of_shacl_core_agrees_with_pyshacl(small_graph, tmp_path: Path) -> None:
    """Constraints shapes.ttl does not use (yet): ranges, lengths, languageIn, logic, closed shapes,
    complex paths, other counts, node targets, deactivated shapes and warnings."""
    import rdflib

    shapes = tmp_path / "extra.ttl"
    shapes.write_text(EXTRA_SHAPES, encoding="utf-8")
    ours, _ = core_keys(small_graph, shapes)
    theirs, _ = pyshacl_keys(small_graph, rdflib.Graph().parse(shapes, format="turtle"))
    assert ours == theirs
    assert {k[1].removeprefix("https://example.org/shapes#") for k in ours} >= {
        "Ranges", "Titles", "NotAPerson", "Both", "OnlyOne", "Closed", "IsConfirmed", "Agents", "AgentTypes",
        "Places", "Within", "TwoSources"}


UNSUPPORTED = {
    "sh:sparql": 'sh:sparql [ sh:select "SELECT $this WHERE { }" ]',
    "sh:qualifiedValueShape": "sh:property [ sh:path kgo:agent ; sh:qualifiedValueShape [ sh:class kgo:Person ] ; "
                              "sh:qualifiedMinCount 1 ]",
    "sh:equals": "sh:property [ sh:path kgo:agent ; sh:equals kgo:role ]",
    "sh:lessThan": "sh:property [ sh:path kgo:startDate ; sh:lessThan kgo:endDate ]",
    "sh:rule": "sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate kgo:x ; sh:object sh:this ]",
    "sh:target": "sh:target [ a sh:SPARQLTarget ; sh:select \"SELECT ?this WHERE { }\" ]",
}


@pytest.mark.parametrize("feature", list(UNSUPPORTED))
def test_an_unsupported_feature_is_refused_by_name(feature: str, small_graph, tmp_path: Path) -> None:
    from kg.shacl.engine import ShapesError, validate

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SHAPES.read_text(encoding="utf-8") + f"\nkgo:ExtraShape a sh:NodeShape ; "
                      f"sh:targetClass kgo:Participation ; {UNSUPPORTED[feature]} .\n", encoding="utf-8")
    with pytest.raises(ShapesError) as err:
        validate(small_graph, shapes, "shapes.ttl")
    assert feature in str(err.value)
    assert "does not support" in str(err.value)
    assert err.value.file == "shapes.ttl"


@pytest.mark.parametrize("text, words", [
    ("ex:A a sh:NodeShape ; sh:targetClass kgo:Person ; sh:node ex:A .", "refers to itself"),
    ('ex:A a sh:NodeShape ; sh:targetClass kgo:Person ; sh:property [ sh:path skos:prefLabel ; sh:pattern "(" ] .',
     "regular expression"),
    ("ex:A a sh:NodeShape ; sh:targetClass kgo:Person ; sh:property [ sh:path skos:prefLabel ; "
     "sh:minCount \"one\" ] .", "xsd:integer"),
    ("ex:A a sh:NodeShape ; sh:targetClass kgo:Person ; sh:property [ sh:minCount 1 ] .", "needs a sh:path"),
])
def test_a_malformed_shape_is_refused(text: str, words: str, small_graph, tmp_path: Path) -> None:
    from kg.shacl.engine import ShapesError, validate

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <https://example.org/s#> .\n"
                      "@prefix kgo: <https://w3id.org/coprod-kg/ontology#> .\n"
                      "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n" + text, encoding="utf-8")
    with pytest.raises(ShapesError, match=words):
        validate(small_graph, shapes, "shapes.ttl")


def test_bad_turtle_is_a_problem_not_a_crash(small_graph, tmp_path: Path) -> None:
    from kg.shacl import validate_shapes

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("this is not turtle", encoding="utf-8")
    [problem] = validate_shapes(small_graph, shapes, "shapes.ttl")
    assert problem.file == "shapes.ttl"
    assert "cannot read the SHACL shapes" in problem.message


def test_the_engines_are_interchangeable(small_graph: KnowledgeGraph) -> None:
    from kg.shacl import validate_shapes

    broken, _focus = mutated(small_graph, CASES["minCount: a person without skos:prefLabel"][0])
    ours = validate_shapes(broken, SHAPES, DISPLAY)
    assert ours == validate_shapes(broken, SHAPES, DISPLAY, engine="pyshacl")
    assert ours and ours[0].file == "tests/small_world/records.yaml" and ours[0].line > 0
    with pytest.raises(ValueError, match="unknown SHACL engine"):
        validate_shapes(small_graph, SHAPES, DISPLAY, engine="jena")
