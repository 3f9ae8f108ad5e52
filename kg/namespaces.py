"""Every IRI namespace and prefix the project uses, defined once.

Loaders, queries, exports and the JSON-LD context all read :data:`PREFIXES`; nothing else
spells out a namespace, so no output ever falls back to generated prefixes such as ``ns1:``.
"""

from __future__ import annotations

import re

BASE = "https://w3id.org/coprod-kg/"

#: prefix -> namespace IRI, in the order they are written at the top of every Turtle file.
PREFIXES: dict[str, str] = {
    "kg": BASE + "id/",
    "kgo": BASE + "ontology#",
    "role": BASE + "role/",
    "measure": BASE + "measure/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "http://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
}

#: An id: the local name of an entity (``kg:<id>``), a role or a measure; lower-case words joined by hyphens.
ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

KG = PREFIXES["kg"]
KGO = PREFIXES["kgo"]
ROLE = PREFIXES["role"]
MEASURE = PREFIXES["measure"]
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
XSD = PREFIXES["xsd"]
SKOS = PREFIXES["skos"]
DCTERMS = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
SCHEMA = PREFIXES["schema"]
FOAF = PREFIXES["foaf"]
ORG = PREFIXES["org"]
SH = PREFIXES["sh"]
WD = PREFIXES["wd"]
WDT = PREFIXES["wdt"]

ONTOLOGY_IRI = BASE + "ontology"
#: The named graph the toolkit loads into remote stores (kg push) and serves (kg serve).
GRAPH = BASE + "graph"

RDF_TYPE = RDF + "type"


def sparql_prologue() -> str:
    """PREFIX declarations for every project prefix, to put in front of a SPARQL query."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def split(iri: str) -> tuple[str, str] | None:
    """``(prefix, local name)`` for the longest project namespace that ``iri`` starts with."""
    best = max((p for p, ns in PREFIXES.items() if iri.startswith(ns)), key=lambda p: len(PREFIXES[p]),
               default=None)
    return (best, iri[len(PREFIXES[best]):]) if best is not None else None


def shorten(iri: str) -> str:
    """The prefixed form of ``iri`` when a project prefix covers it, else ``<iri>``."""
    parts = split(iri)
    if parts:
        prefix, local = parts
        if local and all(c.isalnum() or c in "-_." for c in local) and not local.endswith("."):
            return f"{prefix}:{local}"
    return f"<{iri}>"
