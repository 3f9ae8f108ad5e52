"""The site's page on the model (``model.html``): the classes, properties, roles and measures of the
ontology in the graph, each with its label, comment, what it is below (superclass, broader role, super
property), how often the data uses it and one example from the data (a link to a profile that uses it);
the other vocabularies' properties the data uses; and the prefix declarations to copy into a query.

The terms are read from the graph through the read model's index (:mod:`kg.model.index`): the ontology
is part of every build's graph. No term is named here beyond the kinds of declaration (``owl:Class``,
the property types, the role and measure schemes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.model.index import BROADER, IN_SCHEME, LABEL, PREF_LABEL, SUBCLASS_OF, TYPE
from kg.namespaces import KG, KGO, OWL, RDF, RDFS, SKOS, shorten, sparql_prologue
from kg.site.data import SiteData
from kg.site.html import esc, link, rel, section, table

#: The site path of the page.
MODEL_PAGE = "model.html"
CLASS = OWL + "Class"
#: The kinds of property declaration, and how the page names them.
PROPERTY_KINDS = {OWL + "ObjectProperty": "object", OWL + "DatatypeProperty": "datatype",
                  OWL + "AnnotationProperty": "annotation", RDF + "Property": "property"}
SCHEMES = {"role": KGO + "RoleScheme", "measure": KGO + "MeasureScheme"}
COMMENT, DEFINITION = RDFS + "comment", SKOS + "definition"
SUBPROPERTY_OF, DOMAIN, RANGE = RDFS + "subPropertyOf", RDFS + "domain", RDFS + "range"


@dataclass
class Usage:
    """How the data uses the terms: nodes typed with a class, triples of a property, triples naming a
    concept as their object; and for each term the profile (entity IRI) that is its example."""

    types: Counter[str] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)
    objects: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)


def _owner(data: SiteData, node: str, props: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]
           ) -> str | None:
    """The entity whose profile shows ``node``: itself when it has a profile, else the first (by page) of
    the entities it names (a participation's agent or target, a quantity's entity ...)."""
    if node in data.paths:
        return node
    named = {o.value for objects in props.values() for o in objects
             if isinstance(o, ox.NamedNode) and o.value in data.paths}
    return min(named, key=lambda i: data.paths[i]) if named else None


def usage(data: SiteData, concepts: set[str]) -> Usage:
    """One pass over the data (the nodes with a ``kg:`` id, and blank nodes): the counts and examples of every
    class, property and concept of ``concepts``. A node without a profile of its own or of an entity it
    names (a source) has as example the first profile that names it."""
    found = Usage()
    paths, iris = data.paths, data.index.iri_subjects
    cited: dict[str, str] = {}  # a node without a profile -> the first profile naming it
    orphans: dict[str, str] = {}  # a term -> the first node without an owner using it

    def example(term: str, node: str, owner: str | None) -> None:
        if owner is None:
            if term not in orphans or node < orphans[term]:
                orphans[term] = node
            return
        best = found.examples.get(term)
        if best is None or paths[owner] < paths[best]:
            found.examples[term] = owner

    for node, props in data.index.nodes.items():
        if node in iris and not node.startswith(KG):
            continue  # the ontology's terms and annotations: data are kg: ids (and blank nodes)
        owner = _owner(data, node, props)
        for prop, objects in props.items():
            found.properties[prop] += len(objects)
            example(prop, node, owner)
            for o in objects:
                value = o.value
                if prop == TYPE:
                    found.types[value] += 1
                    example(value, node, owner)
                elif value in concepts:
                    found.objects[value] += 1
                    example(value, node, owner)
                elif owner is not None and value not in paths and isinstance(o, ox.NamedNode):
                    if value not in cited or paths[owner] < paths[cited[value]]:
                        cited[value] = owner
    for term, node in orphans.items():
        if term not in found.examples and node in cited:
            found.examples[term] = cited[node]
    return found


@dataclass(frozen=True)
class Term:
    """One term of the model as the page lists it."""

    iri: str
    label: str
    comment: str
    above: tuple[str, ...]  # superclasses, super properties or broader concepts (direct)
    kind: str = ""  # a property's kind, or its domain and range


def _terms(data: SiteData, iris: Iterable[str], up: str, kind: dict[str, str] | None = None) -> list[Term]:
    index = data.index
    terms = []
    for iri in iris:
        comment = index.text(iri, COMMENT) or index.text(iri, DEFINITION)
        label = index.text(iri, PREF_LABEL) or index.text(iri, LABEL) or data.label(iri)
        terms.append(Term(iri, label, comment, tuple(sorted(set(index.iris(iri, up)))), (kind or {}).get(iri, "")))
    return sorted(terms, key=lambda t: (shorten(t.iri).casefold(), t.iri))


def _typed(data: SiteData, types: Iterable[str]) -> dict[str, str]:
    """IRI subject -> the first of ``types`` it is declared with."""
    wanted = list(types)
    found = {}
    for x in sorted(data.index.iri_subjects):
        declared = {o.value for o in data.index.props(x).get(TYPE, ())}
        first = next((t for t in wanted if t in declared), None)
        if first is not None:
            found[x] = first
    return found


def anchor(iri: str) -> str:
    """The id of a term's row on the page (from its prefixed name: letters, digits, ``-``, ``_``, ``.``)."""
    short = shorten(iri)
    return "t-" + short.replace(":", "-") if not short.startswith("<") else ""


class _Page:
    """The page's lookups: which terms have a row, and how a term or a count is shown."""

    def __init__(self, data: SiteData, listed: set[str], used: Usage) -> None:
        self.data, self.listed, self.used = data, listed, used

    def term(self, iri: str) -> str:
        """A term's prefixed name, linking to its row when the page has one."""
        name = f"<code>{esc(shorten(iri))}</code>"
        return f'<a href="#{esc(anchor(iri))}">{name}</a>' if iri in self.listed and anchor(iri) else name

    def example(self, iri: str) -> str:
        owner = self.used.examples.get(iri)
        return self.data.entity(owner, MODEL_PAGE) if owner is not None else '<span class="kg-muted">none</span>'

    def rows(self, terms: list[Term], count: dict[str, str], with_kind: bool) -> list[list[str]]:
        rows = []
        for t in terms:
            name = f'<span id="{esc(anchor(t.iri))}">{self.term(t.iri)}</span>' if anchor(t.iri) else self.term(t.iri)
            row = [name, esc(t.label), esc(t.comment), ", ".join(self.term(a) for a in t.above) or "",
                   count.get(t.iri, "0"), self.example(t.iri)]
            if with_kind:
                row.insert(4, t.kind)
            rows.append(row)
        return rows


def _class_counts(data: SiteData, classes: list[Term], used: Usage) -> dict[str, str]:
    """A class -> its instances as text: its own, and with those of its subclasses when they differ."""
    totals: Counter[str] = Counter()
    for cls, n in used.types.items():
        for above in data.index.superclasses(cls):
            totals[above] += n
    out = {}
    for t in classes:
        own, total = used.types.get(t.iri, 0), totals.get(t.iri, 0)
        out[t.iri] = f"{own:,}" + (f" ({total:,} with subclasses)" if total != own else "")
    return out


def _property_kind(data: SiteData, iri: str, kind: str, page: _Page) -> str:
    domain = ", ".join(page.term(d) for d in sorted(set(data.index.iris(iri, DOMAIN))))
    range_ = ", ".join(page.term(r) for r in sorted(set(data.index.iris(iri, RANGE))))
    return esc(kind) + (f"<br>{domain or '…'} \u2192 {range_ or '…'}" if domain or range_ else "")


def model_page(data: SiteData) -> str:
    """The page on the model: classes, properties, roles, measures, the other properties the data uses and
    the prefixes."""
    declared = _typed(data, [CLASS, *PROPERTY_KINDS])
    schemes = {name: sorted(x for x in data.index.iri_subjects if data.index.has_iri(x, IN_SCHEME, scheme))
               for name, scheme in SCHEMES.items()}
    concepts = {c for members in schemes.values() for c in members}
    used = usage(data, concepts)
    class_iris = [x for x, t in declared.items() if t == CLASS and x.startswith(KGO)]
    prop_iris = {x: PROPERTY_KINDS[t] for x, t in declared.items() if t in PROPERTY_KINDS}
    classes = _terms(data, class_iris, SUBCLASS_OF)
    props = _terms(data, prop_iris, SUBPROPERTY_OF, prop_iris)
    roles = _terms(data, schemes["role"], BROADER)
    measures = _terms(data, schemes["measure"], BROADER)
    listed = {t.iri for t in [*classes, *props, *roles, *measures]}
    others = sorted((p for p in used.properties if p not in listed), key=lambda p: (shorten(p).casefold(), p))
    listed.update(others)
    page = _Page(data, listed, used)
    uses = {p: f"{n:,}" for p, n in used.properties.items()}
    props = [Term(t.iri, t.label, t.comment, t.above, _property_kind(data, t.iri, t.kind, page)) for t in props]
    heads = ["Term", "Label", "Comment", "Below"]
    parts = [
        "<h1>The model</h1>",
        "<p>The classes, properties, roles and measures of the ontology, as the graph declares them, each "
        "with how often the data uses it and an example from the data (a profile that uses it); then the "
        "properties of other vocabularies the data uses, and the prefixes to copy into a query. Every count "
        f"is of this graph ({len(data.graph):,} triples).</p>",
        _contents(),
        section("Classes", table([*heads, "Instances", "Example"], page.rows(classes, _class_counts(
            data, classes, used), False), numeric=[4]), "classes"),
        section("Properties", table([*heads, "Kind: domain \u2192 range", "Uses", "Example"],
                                    page.rows(props, uses, True), numeric=[5]), "properties"),
        section("Roles", _note("role", "participations in this role (narrower roles counted apart)")
                + table([*heads[:3], "Broader", "Participations", "Example"],
                        page.rows(roles, _counted(used.objects), False), numeric=[4]), "roles"),
        section("Measures", _note("measure", "quantities that count this")
                + table([*heads[:3], "Broader", "Quantities", "Example"],
                        page.rows(measures, _counted(used.objects), False), numeric=[4]), "measures"),
        section("Other properties the data uses", _others(page, others, uses), "other-properties"),
        section("Prefixes", _prefixes(), "prefixes"),
    ]
    return "\n".join(p for p in parts if p)


def _counted(counts: Counter[str]) -> dict[str, str]:
    return {k: f"{n:,}" for k, n in counts.items()}


def _note(kind: str, what: str) -> str:
    return (f'<p class="kg-note">A record names a {esc(kind)} by its local name ({esc(kind)}: <code>name</code>); '
            f"the count is of {esc(what)}.</p>")


def _contents() -> str:
    items = [("classes", "Classes"), ("properties", "Properties"), ("roles", "Roles"), ("measures", "Measures"),
             ("other-properties", "Other properties the data uses"), ("prefixes", "Prefixes")]
    return "<p>" + " \u00b7 ".join(f'<a href="#{i}">{esc(t)}</a>' for i, t in items) + "</p>"


def _others(page: _Page, others: list[str], uses: dict[str, str]) -> str:
    rows = [[f'<span id="{esc(anchor(p))}">{page.term(p)}</span>' if anchor(p) else page.term(p),
             uses.get(p, "0"), page.example(p)] for p in others]
    return table(["Property", "Uses", "Example"], rows, numeric=[1]) if rows else ""


def _prefixes() -> str:
    return ('<p><button type="button" class="kg-copy" data-copy="kg-prefixes">Copy the prefixes</button> '
            "the project's one prefix map, to put at the top of a SPARQL query.</p>\n"
            f'<pre id="kg-prefixes">{esc(sparql_prologue())}</pre>')


def model_link(here: str, iri: str, text: str) -> str:
    """A link to a term's row on the model page from the page at ``here``."""
    ident = anchor(iri)
    return link(rel(here, MODEL_PAGE) + ("#" + ident if ident else ""), text)
