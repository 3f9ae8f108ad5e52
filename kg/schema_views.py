"""What is made from the field declarations (``fields.yaml``, :class:`kg.schema.Schema`) besides the
checks: the SHACL shapes of the fields, the field tables of data/README.md and the JSON-LD context
of the record fields. Each is made when needed, so that a field declared in ``fields.yaml`` is
checked, documented and named in JSON-LD without another edit.
"""

from __future__ import annotations

from kg.namespaces import PREFIXES, XSD, shorten
from kg.schema import ANY, FAMILIES, Field, Kind, Schema

#: A language tag as the loader writes it (lower case), for the shapes of ``lang`` fields.
LANG_PATTERN = "^[a-z]{2,3}(-[a-z0-9]{1,8})*$"
#: Kinds whose values another shape checks: dates (``kgo:DateFieldsShape``, made here by
#: property, wherever a date field is used), a source's address (``kgo:SourceShape``), a Wikidata
#: item (``kgo:WikidataMatchShape``), and the loader's own (plain, field).
_CHECKED_ELSEWHERE = {Kind.DATE, Kind.URL, Kind.PLAIN, Kind.FIELD, Kind.QID}
#: Word lists checked by a shape of their own wherever they are used (``kgo:CertaintyValueShape``).
_CHOICES_ELSEWHERE = {"certainty"}
#: The node shape of shapes.ttl that a concept of each scheme must conform to.
_CONCEPT_SHAPES = {"RoleScheme": "kgo:RoleConceptShape", "MeasureScheme": "kgo:MeasureConceptShape"}
_ARTICLE = {"organisation": "an", "event": "an", "award": "an"}
_FAMILY_WORD = {"edition": "programme edition"}


def _curie(iri: str) -> str:
    short = shorten(iri)
    return short if short != iri else f"<{iri}>"


def _a(family: str) -> str:
    return f"{_ARTICLE.get(family, 'a')} {_FAMILY_WORD.get(family, family)}"


def _constraints(f: Field, choices: dict[str, dict[str, str]]) -> tuple[list[str], str]:
    """The SHACL constraints of one field's values (Turtle lines) and what they say, in words."""
    lines: list[str] = []
    words: list[str] = []
    if f.kind is Kind.ENUM:
        name = next((n for n, words_of in choices.items() if words_of == f.choices), "")
        if name in _CHOICES_ELSEWHERE:
            return [], ""
        iris = " ".join(_curie(i) for i in f.choices.values())
        lines.append(f"sh:in ( {iris} )")
        words.append("one of " + ", ".join(_curie(i) for i in f.choices.values()))
    elif f.kind is Kind.CONCEPT:
        lines.append("sh:class skos:Concept")
        if f.scheme in _CONCEPT_SHAPES:
            lines.append(f"sh:node {_CONCEPT_SHAPES[f.scheme]}")
        words.append(f"a skos:Concept of kgo:{f.scheme}")
    elif f.kind is Kind.REF and f.targets != ANY:
        classes = [f.value_class] if f.value_class else [FAMILIES[t] for t in f.targets]
        if len(classes) == 1:
            lines.append(f"sh:class {_curie(classes[0])}")
        else:
            lines.append("sh:or ( " + " ".join(f"[ sh:class {_curie(c)} ]" for c in classes) + " )")
        words.append("a " + " or ".join(_curie(c) for c in classes))
    elif f.kind is Kind.INTEGER:
        lines.append("sh:datatype xsd:integer")
        if f.minimum is not None:
            lines.append(f"sh:minInclusive {f.minimum}")
        words.append("an xsd:integer" + (f", {f.minimum} or more" if f.minimum is not None else ""))
    elif f.kind is Kind.BOOL:
        lines.append("sh:datatype xsd:boolean")
        words.append("an xsd:boolean")
    elif f.kind is Kind.TEXT:
        lines += ["sh:datatype rdf:langString", "sh:minLength 1"]
        words.append("a non-empty language-tagged string")
    elif f.kind is Kind.LANG:
        lines += ["sh:datatype xsd:string", f'sh:pattern "{LANG_PATTERN}"']
        words.append("a BCP 47 language tag in lower case, e.g. en or zh-hans")
    if f.required:
        lines.append("sh:minCount 1")
    if not lines:
        return [], ""
    if f.kind is Kind.TEXT and not f.many and not f.one_language:
        # A text field holds one text per language ({en: ..., zh: ...}), each a literal of its own.
        lines.append("sh:uniqueLang true")
        count = "one text per language at most"
    else:
        if not f.many:
            lines.append("sh:maxCount 1")
        count = ("exactly one value" if f.required else "at most one value") if not f.many else (
            "one value or more" if f.required else "any number of values")
    return lines, count + (", each " + ", ".join(words) if words else "")


def _property(path: str, lines: list[str], message: str) -> str:
    return ("[\n        sh:path " + path + " ;\n        " + " ;\n        ".join(lines)
            + f' ;\n        sh:message "{message}"@en ;\n    ]')


def _node_shape(name: str, target: str, comment: str, props: list[str]) -> str:
    return (f"kgo:{name}\n    a sh:NodeShape ;\n    sh:targetClass {_curie(target)} ;\n"
            f'    rdfs:comment "{comment}"@en ;\n    sh:property ' + " , ".join(props) + " .\n")


def _field_properties(fields: tuple[Field, ...], schema: Schema, owner: str) -> list[str]:
    props = []
    for f in fields:
        if f.predicate is None or f.kind in _CHECKED_ELSEWHERE:
            continue
        lines, said = _constraints(f, schema.choices)
        if lines:
            props.append(_property(_curie(f.predicate), lines, f"{_curie(f.predicate)} of {owner} takes {said}."))
    return props


#: A date as the loader writes it: a day, a month or a year (the precision of the source).
DATE_PATTERN = "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"


def _date_shape(schema: Schema) -> str:
    """One shape for every property of a date field, wherever it is used: one value at most, a day,
    a month or a year."""
    every = [*schema.record_fields(), *(f for q in schema.qualified for f in q.fields)]
    props = sorted({_curie(f.predicate) for f in every if f.kind is Kind.DATE and f.predicate})
    lines = ["sh:maxCount 1", "sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYearMonth ] "
             "[ sh:datatype xsd:gYear ] )", f'sh:pattern "{DATE_PATTERN}"']
    shapes = [_property(p, lines, f"{p} is one xsd:date, xsd:gYearMonth or xsd:gYear.") for p in props]
    return ("kgo:DateFieldsShape\n    a sh:NodeShape ;\n    sh:targetSubjectsOf " + " , ".join(props) + " ;\n"
            '    rdfs:comment "Dates keep the precision of the source: a day, a month or a year."@en ;\n'
            "    sh:property " + " , ".join(shapes) + " .\n")


def field_shapes(schema: Schema) -> str:
    """SHACL shapes (Turtle) of the fields of ``schema``: one node shape per family
    (``kgo:<Family>FieldsShape``) and one per list's node class (``kgo:<Class>FieldsShape``: the link to
    the record that holds the entry, then the entry's fields), each with a property shape per field
    whose values it can check."""
    out = [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()] + ["", _date_shape(schema)]
    for family, fields in schema.by_family.items():
        props = _field_properties(fields, schema, _a(family))
        if props:
            name = FAMILIES[family].rsplit("#", 1)[-1]
            out.append(_node_shape(f"{name}FieldsShape", FAMILIES[family],
                                   f"The fields of {_a(family)} record, as fields.yaml declares them.", props))
    for q in schema.qualified:
        name = q.node_class.rsplit("#", 1)[-1]
        owner = f"a {_curie(q.node_class)} ({q.key})"
        link = _property(_curie(q.link), ["sh:minCount 1", "sh:maxCount 1", "sh:nodeKind sh:IRI"],
                         f"{owner} has exactly one {_curie(q.link)}, the record that holds it.")
        out.append(_node_shape(f"{name}FieldsShape", q.node_class,
                               f"The fields of an entry of {q.key}, as fields.yaml declares them.",
                               [link, *_field_properties(q.fields, schema, owner)]))
    return "\n".join(out)


def readme_tables(schema: Schema, types: dict[str, str], family: dict[str, str]) -> dict[str, str]:
    """The generated tables of data/README.md, by the name of their markers: ``families`` and
    ``lists``. ``types`` and ``family`` are the ontology's (:class:`kg.ontology.Ontology`)."""
    by_family: dict[str, list[str]] = {}
    for name, iri in types.items():
        by_family.setdefault(family[iri], []).append(name)
    for fam, names in by_family.items():  # the family's own class first, then the others by name
        own = FAMILIES[fam].rsplit("#", 1)[-1]
        names.sort(key=lambda n: (n != own, n))
    return {"families": fields_table(schema, by_family), "lists": lists_table(schema)}


def fields_table(schema: Schema, types: dict[str, list[str]]) -> str:
    """The table of data/README.md ("Types and their fields"): each family, its types (``types``:
    family -> local names of its ontology classes) and its fields, each with what it holds."""
    rows = ["| family | types (ontology classes) | fields (besides the common ones) |", "|---|---|---|"]
    for family in FAMILIES:
        fields = schema.by_family.get(family, ())
        described = ", ".join(f"`{f.key}` ({f.doc}{'; required' if f.required else ''})" for f in fields)
        rows.append(f"| {family} | {', '.join(f'`{t}`' for t in types.get(family, []))} | {described or '-'} |")
    return "\n".join(rows)


def lists_table(schema: Schema) -> str:
    """The table of data/README.md of the qualified lists: each list, who may hold it, its fields."""
    rows = ["| list | held by | fields |", "|---|---|---|"]
    for q in schema.qualified:
        held = "any record" if q.families == ANY else ", ".join(q.families) + " records"
        fields = ", ".join(f"`{f.key}`{' (required)' if f.required else ''}" for f in q.fields)
        rows.append(f"| `{q.key}` | {held} | {fields} |")
    return "\n".join(rows)


def jsonld_context(schema: Schema) -> dict[str, object]:
    """The JSON-LD context of ``kg.jsonld``: the project's prefixes, and each record field (of any
    family or list) as a term for its property (``@type: @id`` for a reference), so that JSON-LD
    written with the curators' keys (``{"based_in": "kg:beijing"}``) means what the records mean. A
    key that stands for different properties in different families (``part_of``: ``schema:isPartOf``
    of a work, ``kgo:partOf`` of an event) is left out: a term has one meaning."""
    context: dict[str, object] = dict(PREFIXES)
    by_key: dict[str, set[str]] = {}
    every = [*schema.record_fields(), *(f for q in schema.qualified for f in q.fields)]
    for f in every:
        if f.predicate is not None:
            by_key.setdefault(f.key, set()).add(f.predicate)
    for f in every:
        if f.predicate is not None and len(by_key[f.key]) == 1 and f.key not in context:
            context[f.key] = _term(f)
    return context


def _term(f: Field) -> dict[str, str]:
    assert f.predicate is not None
    term = {"@id": _curie(f.predicate)}
    if f.kind is Kind.REF or f.kind is Kind.URL or f.kind is Kind.ENUM or f.kind is Kind.CONCEPT:
        term["@type"] = "@id"
    elif f.kind is Kind.INTEGER:
        term["@type"] = XSD + "integer"
    elif f.kind is Kind.BOOL:
        term["@type"] = XSD + "boolean"
    elif f.kind is Kind.TEXT:
        term["@container"] = "@language"
    if f.many:
        term["@container"] = "@set" if "@container" not in term else term["@container"]
    return term


