"""The record schema: which fields a curated record may have, what each holds, and the RDF
property it becomes.

The fields are declared once, in the ontology folder's ``fields.yaml`` (:data:`FIELDS_FILE`), which
:func:`load_schema` reads into a :class:`Schema`. The loader (:mod:`kg.records`) checks records
against it, the transform (:mod:`kg.transform`) turns records into triples with it, the SHACL
shapes of the fields and the JSON-LD context are made from it (:mod:`kg.schema_views`), and so is
the field table of data/README.md; none of them names a field. The *types* a record may have
(``Person``, ``LaunchCeremony``, ``City`` ...) and the *roles* and *measures* it may use are read from
the ontology's Turtle: a new kind of event, a role or a field is an ontology edit, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kg.namespaces import KGO


class Kind(StrEnum):
    """What a field's value is, and so how it is checked and turned into an RDF term."""

    TEXT = "text"  # a string (English), or {lang: string}; becomes a language-tagged literal
    PLAIN = "plain"  # a string used by the loader itself (id, type, a claim's field and value)
    REF = "ref"  # the id of another record
    DATE = "date"  # YYYY, YYYY-MM or YYYY-MM-DD; the precision given is kept
    INTEGER = "integer"  # a whole number written in digits
    BOOL = "bool"  # true or false
    URL = "url"  # an absolute http(s) address
    QID = "qid"  # a Wikidata item id, Q followed by digits
    LANG = "lang"  # a BCP 47 language tag
    ENUM = "enum"  # one of a fixed list of words
    CONCEPT = "concept"  # the id of a SKOS concept in a scheme of the ontology (roles, measures)
    FIELD = "field"  # the name of another field of the same record; becomes that field's property


#: The record families. A record's ``type`` must be an ontology class that is (a subclass of)
#: exactly one of these; the family decides which fields it may have.
FAMILIES: dict[str, str] = {
    "person": KGO + "Person",
    "organisation": KGO + "Organisation",
    "work": KGO + "Work",
    "event": KGO + "Event",
    "programme": KGO + "Programme",
    "edition": KGO + "ProgrammeEdition",
    "place": KGO + "Place",
    "source": KGO + "Source",
    "award": KGO + "Award",
}

AGENTS = ("person", "organisation")
ANY = tuple(FAMILIES)

@dataclass(frozen=True)
class Field:
    """One key of a record: its value kind, its RDF property and its constraints."""

    key: str
    kind: Kind
    predicate: str | None
    doc: str
    many: bool = False
    required: bool = False
    targets: tuple[str, ...] = ()  # for REF: the families the referenced record may be in
    choices: dict[str, str] = field(default_factory=dict)  # for ENUM: word -> IRI
    scheme: str = ""  # for CONCEPT: the local name of the kgo concept scheme
    one_language: bool = False  # for TEXT: one text in one language (verbatim words), not one per language
    value_class: str = ""  # for REF: the class its values must have, when narrower than the target family's
    minimum: int | None = None  # for INTEGER: the smallest value allowed


@dataclass(frozen=True)
class Qualified:
    """A list of sub-records that become their own nodes (qualified relations)."""

    key: str
    node_class: str
    link: str  # property from the node to the record that holds the list
    fields: tuple[Field, ...]
    doc: str
    families: tuple[str, ...] = ANY  # the families whose records may hold this list


#: The file of the ontology folder that declares the record fields.
FIELDS_FILE = "fields.yaml"


@dataclass(frozen=True, eq=False)  # compared and hashed as itself: one per ontology read
class Schema:
    """The record fields as ``fields.yaml`` declares them, with lookups by family made once."""

    common: tuple[Field, ...]
    by_family: dict[str, tuple[Field, ...]]
    qualified: tuple[Qualified, ...]
    choices: dict[str, dict[str, str]]  # name of a word list -> word -> IRI (certainty, comparator ...)
    never_unstated: frozenset[str]  # fields ``unstated`` may not name
    extra_terms: tuple[str, ...]  # properties the transform writes besides the fields'
    _fields: dict[str, dict[str, Field]] = field(default_factory=dict, repr=False)
    _lists: dict[str, dict[str, Qualified]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for family in FAMILIES:
            fields = {f.key: f for f in self.common}
            fields.update({f.key: f for f in self.by_family.get(family, ())})
            self._fields[family] = fields
            self._lists[family] = {q.key: q for q in self.qualified if family in q.families}

    def fields_for(self, family: str) -> dict[str, Field]:
        """All plain fields a record of ``family`` may have, by key (the same dict each time)."""
        return self._fields[family]

    def qualified_for(self, family: str) -> dict[str, Qualified]:
        """The qualified lists a record of ``family`` may have, by key (the same dict each time)."""
        return self._lists[family]

    def record_fields(self) -> tuple[Field, ...]:
        """Every plain field of any family, the common ones first (a key may repeat across families)."""
        return (*self.common, *(f for fields in self.by_family.values() for f in fields))

