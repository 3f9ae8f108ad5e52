"""The record fields are declared once, in ontology/fields.yaml (issue 17): the checks, the transform,
the SHACL shapes of the fields, data/README.md's tables and the JSON-LD context all come from it, so a
new field is a declaration, not Python; a broken declaration is refused with located problems."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ONTOLOGY, ROOT, SMALL_WORLD, run_kg

import kg
from kg.errors import ValidationError
from kg.namespaces import KG, KGO, SCHEMA
from kg.ontology import load_ontology
from kg.pipeline import check_graph
from kg.schema_file import load_schema
from kg.schema_views import field_shapes, jsonld_context, readme_tables

README = ROOT / "data" / "README.md"
_MARKED = re.compile(r"(<!-- fields:(\w+) \(made from ontology/fields.yaml\) -->\n)(.*?)(<!-- /fields:\2 -->)", re.S)


def test_the_data_readme_tables_are_those_of_the_declarations(request: pytest.FixtureRequest) -> None:
    onto = load_ontology(ONTOLOGY)
    tables = readme_tables(onto.schema, onto.types, onto.family)
    text = README.read_text(encoding="utf-8")
    if request.config.getoption("--generate-snapshots"):
        text = _MARKED.sub(lambda m: m.group(1) + tables[m.group(2)] + "\n" + m.group(4), text)
        README.write_text(text, encoding="utf-8")
    found = {m.group(2): m.group(3).rstrip("\n") for m in _MARKED.finditer(text)}
    assert found == tables
    assert "| person | `Person` | `nationality` (countries), `born` (date or year of birth)" in tables["families"]


def _small(tmp_path: Path) -> tuple[Path, Path]:
    data, onto = tmp_path / "data", tmp_path / "ontology"
    shutil.copytree(SMALL_WORLD, data, ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ONTOLOGY, onto)
    return data, onto


def test_a_new_field_is_a_declaration(tmp_path: Path) -> None:
    """``website`` declared for organisations in fields.yaml (as schema:sameAs, an ontology term of
    schema.org) is checked, becomes its property, is shaped, documented and named in JSON-LD."""
    data, onto = _small(tmp_path)
    fields = onto / "fields.yaml"
    text = fields.read_text(encoding="utf-8")
    text = text.replace("  organisation:\n", "  organisation:\n"
                        "    - {key: website, kind: url, property: schema:sameAs, "
                        "doc: \"the organisation's own site\"}\n", 1)
    fields.write_text(text, encoding="utf-8")
    org = next(p for p in sorted(data.rglob("*.yaml")) if "type: Company" in p.read_text(encoding="utf-8")
               or "type: Organisation" in p.read_text(encoding="utf-8"))
    records = org.read_text(encoding="utf-8")
    first = re.search(r"- id: (\S+)\n  type: (Company|Organisation|TelevisionChannel)\n", records)
    assert first is not None
    records = records.replace(first.group(0), first.group(0) + "  website: https://example.org/site\n", 1)
    org.write_text(records, encoding="utf-8")
    graph = kg.load(data, onto)
    assert graph.query("ASK { ?org <http://schema.org/sameAs> <https://example.org/site> }") is True
    schema = load_ontology(onto).schema
    assert "`website` (the organisation's own site)" in readme_tables(
        schema, load_ontology(onto).types, load_ontology(onto).family)["families"]
    assert jsonld_context(schema)["website"] == {"@id": "schema:sameAs", "@type": "@id"}
    # A value of the wrong kind is refused by the checker, as for any declared field.
    org.write_text(records.replace("https://example.org/site", "not an address"), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        kg.load(data, onto)
    assert [p.field for p in caught.value.problems] == ["website"]


def test_the_field_shapes_find_what_the_declarations_forbid() -> None:
    """Triples no record could give (an edition with two numbers, a nationality that is a city) break
    the shapes made from fields.yaml, each with its message."""
    graph = kg.load(SMALL_WORLD, ONTOLOGY)
    edition = next(r["e"].value for r in graph.select("SELECT ?e WHERE { ?e a kgo:ProgrammeEdition } LIMIT 1").rows)
    person = next(r["p"].value for r in graph.select("SELECT ?p WHERE { ?p a kgo:Person } LIMIT 1").rows)
    city = next(r["c"].value for r in graph.select("SELECT ?c WHERE { ?c a kgo:City } LIMIT 1").rows)
    store_add = graph._store.add  # the graph has no public way to break itself: the test reaches in
    store_add(ox.Quad(ox.NamedNode(edition), ox.NamedNode(KGO + "editionNumber"), ox.Literal("7", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))))
    store_add(ox.Quad(ox.NamedNode(edition), ox.NamedNode(KGO + "editionNumber"), ox.Literal("8", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))))
    store_add(ox.Quad(ox.NamedNode(person), ox.NamedNode(SCHEMA + "nationality"), ox.NamedNode(city)))
    messages = " | ".join(p.message for p in check_graph(graph, ONTOLOGY, checks=False))
    assert "kgo:editionNumber of a programme edition takes at most one value, each an xsd:integer, 1 or more." \
        in messages
    assert "schema:nationality of a person takes any number of values, each a kgo:Country." in messages


def test_the_field_shapes_are_core_shacl_the_engine_reads() -> None:
    text = field_shapes(load_schema(ONTOLOGY / "fields.yaml"))
    triples = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    shapes = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    assert {KGO + "PersonFieldsShape", KGO + "WorkFieldsShape", KGO + "EventFieldsShape"} <= shapes


def test_kg_jsonld_carries_the_field_terms_and_reads_as_the_same_graph(built: Path) -> None:
    text = (built / "build" / "kg.jsonld").read_text(encoding="utf-8")
    context = json.loads(text)["@context"]
    assert context["based_in"] == {"@id": "kgo:basedIn", "@type": "@id", "@container": "@set"}
    assert "part_of" not in context  # two properties (schema:isPartOf of a work, kgo:partOf of an event)
    from_jsonld = set(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.JSON_LD))
    from_nt = set(ox.parse(path=str(built / "build" / "kg.nt"), format=ox.RdfFormat.N_TRIPLES))
    assert {(q.subject, q.predicate, q.object) for q in from_jsonld} == {
        (q.subject, q.predicate, q.object) for q in from_nt}
    # JSON-LD written with the curators' keys means what the records mean.
    doc = {"@context": context, "@id": "kg:x", "based_in": ["kg:beijing"], "label": {"en": "X"}}
    parsed = ox.parse(json.dumps(doc).encode(), format=ox.RdfFormat.JSON_LD)
    triples = {(q.predicate.value, q.object.value) for q in parsed}
    assert triples == {(KGO + "basedIn", KG + "beijing"), ("http://www.w3.org/2004/02/skos/core#prefLabel", "X")}


@pytest.mark.parametrize(("change", "expected"), [
    ("- {key: born, kind: date,", "fields.yaml:{line}: families.person[1].kind: unknown kind 'dat'"),
    ("- {key: born, kind: date, property: schema:birthDate,", "fields.yaml:{line}: families.person[1].property: "
     "'nope:birthDate' is not a CURIE of a known prefix"),
    ("- {key: born, kind: date,", "fields.yaml:{line}: families.person[1].colour: unknown key"),
])
def test_a_broken_declaration_is_refused_at_its_line(tmp_path: Path, change: str, expected: str) -> None:
    data, onto = _small(tmp_path)
    fields = onto / "fields.yaml"
    lines = fields.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if change in line)
    line = lines[number]
    if "unknown kind" in expected:
        line = line.replace("kind: date", "kind: dat")
    elif "CURIE" in expected:
        line = line.replace("schema:birthDate", "nope:birthDate")
    else:
        line = line.replace("{key: born,", "{key: born, colour: red,")
    lines[number] = line
    fields.write_text("".join(lines), encoding="utf-8")
    result = run_kg("validate", "--data", str(data), "--ontology", str(onto), cwd=tmp_path)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 1 and "Traceback" not in err
    assert expected.format(line=number + 1) in err


def test_an_ontology_folder_without_fields_is_refused(tmp_path: Path) -> None:
    data, onto = _small(tmp_path)
    (onto / "fields.yaml").unlink()
    result = run_kg("validate", "--data", str(data), "--ontology", str(onto), cwd=tmp_path)
    assert result.returncode == 1
    assert "fields.yaml: the ontology folder has no record fields" in result.stderr.decode("utf-8")
