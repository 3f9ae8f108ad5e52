"""The record schema: which fields a curated record may have, what each holds, and the RDF
property it becomes.

This module is data. The loader (:mod:`kg.records`) checks records against it and the
transform (:mod:`kg.transform`) turns records into triples with it; neither names a field.
The *types* a record may have (``Person``, ``LaunchCeremony``, ``City`` ...) and the *roles*
and *measures* it may use are not listed here: they are read from the ontology, so a new kind
of event or a new role is an ontology edit, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kg.namespaces import KGO, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS


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

#: Words allowed in ``certainty`` fields, and the ontology individual each one becomes.
CERTAINTY = {"confirmed": KGO + "Confirmed", "derived": KGO + "Derived", "uncertain": KGO + "Uncertain"}
#: Words allowed in a quantity's ``comparator``.
COMPARATORS = {
    "exact": KGO + "Exactly",
    "over": KGO + "MoreThan",
    "at-least": KGO + "AtLeast",
    "about": KGO + "About",
    "nearly": KGO + "Nearly",
    "at-most": KGO + "AtMost",
}
#: Words allowed in an award's ``outcome``.
OUTCOMES = {"won": KGO + "Won", "nominated": KGO + "Nominated"}


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


@dataclass(frozen=True)
class Qualified:
    """A list of sub-records that become their own nodes (qualified relations)."""

    key: str
    node_class: str
    link: str  # property from the node to the record that holds the list
    fields: tuple[Field, ...]
    doc: str
    families: tuple[str, ...] = ANY  # the families whose records may hold this list


def _when() -> tuple[Field, ...]:
    return (
        Field("date", Kind.DATE, KGO + "date", "when it happened (a day, month or year)"),
        Field("start", Kind.DATE, KGO + "startDate", "start of an interval"),
        Field("end", Kind.DATE, KGO + "endDate", "end of an interval"),
        *_uncertain_date(),
    )


def _uncertain_date() -> tuple[Field, ...]:
    return (
        Field("date_earliest", Kind.DATE, KGO + "earliestDate",
              "for a date known only as a range: the earliest it can be (25 or 26 February: the 25th)"),
        Field("date_latest", Kind.DATE, KGO + "latestDate",
              "for a date known only as a range: the latest it can be (the week before 26 March: the 25th)"),
        Field("date_approximate", Kind.BOOL, KGO + "approximate",
              "true when the source gives the date (or start, end, range) only approximately"),
    )


def _evidence(sources_required: bool = True) -> tuple[Field, ...]:
    return (
        Field("sources", Kind.REF, PROV + "wasDerivedFrom", "the sources that state it",
              many=True, required=sources_required, targets=("source",)),
        Field("quote", Kind.TEXT, KGO + "quote", "a short verbatim quote from the source that supports it"),
        Field("note", Kind.TEXT, SKOS + "editorialNote", "a curator's note, in our own words"),
        Field("certainty", Kind.ENUM, KGO + "certainty", "confirmed (default), derived or uncertain",
              choices=CERTAINTY),
    )


def _distinct_from(family: str) -> Field:
    return Field("distinct_from", Kind.REF, OWL + "differentFrom",
                 f"other {family} records named alike that are a different {family} (the duplicate check "
                 "then accepts the two)", many=True, targets=(family,))


COMMON: tuple[Field, ...] = (
    Field("id", Kind.PLAIN, None, "the record's identifier; the entity's IRI is kg:<id>", required=True),
    Field("type", Kind.PLAIN, None, "an ontology class, e.g. Person, LaunchCeremony, City", required=True),
    Field("label", Kind.TEXT, SKOS + "prefLabel", "the name or title, one per language", required=True),
    Field("alt_labels", Kind.TEXT, SKOS + "altLabel", "other names: abbreviations, former names",
          many=True),
    Field("description", Kind.TEXT, SCHEMA + "description", "a short description in our own words"),
    Field("qid", Kind.QID, SKOS + "exactMatch", "the Wikidata item, only when a source gives it"),
    Field("url", Kind.URL, SCHEMA + "url", "the entity's own address (a source's address)"),
    Field("sources", Kind.REF, PROV + "wasDerivedFrom", "the sources this record is curated from",
          many=True, targets=("source",)),
    Field("note", Kind.TEXT, SKOS + "editorialNote", "a curator's note, in our own words"),
    Field("certainty", Kind.ENUM, KGO + "certainty", "confirmed (default), derived or uncertain",
          choices=CERTAINTY),
    Field("unstated", Kind.FIELD, KGO + "unstated",
          "fields the sources do not give (e.g. [place] for an event no source places), so that the "
          "quality checks do not report them as forgotten", many=True),
)

#: Fields that ``unstated`` may not name: every record has them, or they are the loader's own.
NEVER_UNSTATED = frozenset({"id", "type", "label", "sources", "unstated", "note", "certainty"})

BY_FAMILY: dict[str, tuple[Field, ...]] = {
    "person": (
        Field("nationality", Kind.REF, SCHEMA + "nationality", "countries", many=True, targets=("place",)),
        Field("born", Kind.DATE, SCHEMA + "birthDate", "date or year of birth"),
        Field("based_in", Kind.REF, KGO + "basedIn", "where the person works from", many=True,
              targets=("place",)),
        _distinct_from("person"),
    ),
    "organisation": (
        Field("unit_of", Kind.REF, ORG + "unitOf", "the organisation this one is a unit of",
              targets=("organisation",)),
        Field("based_in", Kind.REF, KGO + "basedIn", "headquarters", many=True, targets=("place",)),
        Field("country", Kind.REF, KGO + "country", "the organisation's country", targets=("place",)),
        Field("founded", Kind.DATE, SCHEMA + "foundingDate", "date of founding"),
        _distinct_from("organisation"),
    ),
    "work": (
        Field("part_of", Kind.REF, SCHEMA + "isPartOf", "the series an episode belongs to",
              targets=("work",)),
        Field("episode_number", Kind.INTEGER, SCHEMA + "episodeNumber", "position in its series"),
        Field("released", Kind.DATE, SCHEMA + "datePublished", "first release or year of the work"),
        Field("duration_minutes", Kind.INTEGER, KGO + "durationMinutes", "running time in minutes"),
        Field("countries", Kind.REF, SCHEMA + "countryOfOrigin", "production countries", many=True,
              targets=("place",)),
        Field("about", Kind.REF, SCHEMA + "about", "people, places or things the work is about",
              many=True, targets=ANY),
        Field("locations", Kind.REF, SCHEMA + "contentLocation", "places where it is set", many=True,
              targets=("place",)),
        Field("language", Kind.LANG, SCHEMA + "inLanguage", "languages of the work (BCP 47 tags: en, zh)",
              many=True),
    ),
    "event": (
        *_when(),
        Field("place", Kind.REF, SCHEMA + "location", "where it took place", many=True,
              targets=("place",)),
        Field("online", Kind.BOOL, KGO + "online", "true for an event held online"),
        Field("part_of", Kind.REF, KGO + "partOf", "the event, edition or programme it belongs to",
              many=True, targets=("event", "edition", "programme")),
        Field("theme", Kind.TEXT, KGO + "theme", "the stated theme"),
    ),
    "programme": (
        Field("theme", Kind.TEXT, KGO + "theme", "the stated theme"),
    ),
    "edition": (
        Field("edition_of", Kind.REF, KGO + "editionOf", "the programme", required=True,
              targets=("programme",)),
        Field("number", Kind.INTEGER, KGO + "editionNumber", "1 for the first edition"),
        Field("start", Kind.DATE, KGO + "startDate", "start of the edition"),
        Field("end", Kind.DATE, KGO + "endDate", "end of the edition"),
        Field("theme", Kind.TEXT, KGO + "theme", "the stated theme"),
    ),
    "place": (
        Field("located_in", Kind.REF, SCHEMA + "containedInPlace", "the larger place", targets=("place",)),
    ),
    "source": (
        Field("url", Kind.URL, SCHEMA + "url", "the address where the source was read", required=True),
        Field("publisher", Kind.REF, SCHEMA + "publisher", "who published the page read",
              targets=("organisation",)),
        Field("original_publisher", Kind.REF, KGO + "originalPublisher",
              "for a repost or mirror: who published the original", targets=("organisation",)),
        Field("published", Kind.DATE, SCHEMA + "datePublished", "publication date"),
        Field("language", Kind.LANG, SCHEMA + "inLanguage", "language of the text", many=True),
    ),
    "award": (
        Field("presenter", Kind.REF, KGO + "presentedBy", "who gives the award", targets=("organisation",)),
    ),
}

QUALIFIED: tuple[Qualified, ...] = (
    Qualified(
        "participants", KGO + "Participation", KGO + "participationIn",
        (
            Field("who", Kind.REF, KGO + "agent", "the person, organisation or work taking part",
                  required=True, targets=("person", "organisation", "work")),
            Field("role", Kind.CONCEPT, KGO + "role", "a role of the ontology's role scheme",
                  required=True, scheme="RoleScheme"),
            *_when(),
            Field("as", Kind.TEXT, KGO + "statedTitle", "the title or capacity as the source words it"),
            *_evidence(),
        ),
        "who took part in this entity, in which role, when, and according to which source",
    ),
    Qualified(
        "quantities", KGO + "Quantity", KGO + "quantityOf",
        (
            Field("measure", Kind.CONCEPT, KGO + "measure", "what is counted (a measure of the ontology)",
                  required=True, scheme="MeasureScheme"),
            Field("value", Kind.INTEGER, KGO + "value", "the number", required=True),
            Field("comparator", Kind.ENUM, KGO + "comparator",
                  "exact (default), over, at-least, about, nearly, at-most", choices=COMPARATORS),
            *_when(),
            *_evidence(),
        ),
        "numbers stated about this entity (attendance, works shown, proposals received ...)",
    ),
    Qualified(
        "quotes", KGO + "Quotation", KGO + "quotedAt",
        (
            Field("text", Kind.TEXT, SCHEMA + "text", "the words quoted, verbatim (a string is English)",
                  required=True, one_language=True),
            Field("speaker", Kind.REF, KGO + "spokenBy", "who said it", required=True, targets=AGENTS),
            Field("about", Kind.REF, SCHEMA + "about", "what it is about", many=True, targets=ANY),
            *_when(),
            *_evidence(),
        ),
        "things said at or about this entity, verbatim, with who said them",
    ),
    Qualified(
        "awards", KGO + "AwardOutcome", KGO + "awardedWork",
        (
            Field("award", Kind.REF, KGO + "award", "the award", required=True, targets=("award",)),
            Field("outcome", Kind.ENUM, KGO + "outcome", "won or nominated", required=True,
                  choices=OUTCOMES),
            Field("recipients", Kind.REF, KGO + "recipient", "people or organisations named with it",
                  many=True, targets=AGENTS),
            Field("ceremony", Kind.REF, KGO + "atEvent", "the ceremony or festival edition",
                  targets=("event",)),
            *_when(),
            *_evidence(),
        ),
        "awards this work won or was nominated for",
        families=("work",),
    ),
    Qualified(
        "claims", KGO + "Claim", RDF + "subject",
        (
            Field("field", Kind.PLAIN, None, "the field of this record the claim is about", required=True),
            Field("value", Kind.PLAIN, None, "the claimed value, written as that field is", required=True),
            *_evidence(),
        ),
        "facts that are not asserted plainly: uncertain or disputed values, each with its source",
    ),
)

#: Properties the transform writes besides the fields above: every label is also an rdfs:label
#: (for generic tools), and a claim names the property it is about with rdf:predicate/rdf:object.
EXTRA_TERMS: tuple[str, ...] = (RDFS + "label", RDF + "predicate", RDF + "object")


def fields_for(family: str) -> dict[str, Field]:
    """All plain fields a record of ``family`` may have, by key."""
    fields = {f.key: f for f in COMMON}
    fields.update({f.key: f for f in BY_FAMILY[family]})
    return fields


def qualified_for(family: str) -> dict[str, Qualified]:
    """The qualified lists a record of ``family`` may have, by key."""
    return {q.key: q for q in QUALIFIED if family in q.families}
