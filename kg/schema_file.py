"""Reading ``fields.yaml``, the declaration of the record fields, into a :class:`kg.schema.Schema`.

The file belongs to the ontology folder, which a user may give (``--ontology DIR``), so it is read
with the records' own strict YAML reader and checked as records are: every problem located at its
line, all of them reported at once, with a hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from kg.errors import Problem, ValidationError, quoted
from kg.hints import nearest
from kg.namespaces import PREFIXES
from kg.readers.nodes import Map, Node, Scalar, Seq, describe
from kg.readers.yaml_reader import read_yaml
from kg.schema import AGENTS, ANY, FAMILIES, Field, Kind, Qualified, Schema

_KEY = re.compile(r"[a-z][a-z0-9_]*")
_FIELD_KEYS = ("key", "kind", "property", "doc", "many", "required", "targets", "choices", "scheme",
               "one_language", "class", "min")
_LIST_KEYS = ("key", "class", "link", "doc", "families", "fields")
_TOP_KEYS = ("choices", "common", "families", "lists", "never_unstated", "extra_terms")
_TARGET_WORDS = {"any": ANY, "agents": AGENTS}


class _Reader:
    """The problems of one file, and how its values are read (each read returns None when wrong)."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[Problem] = []

    def bad(self, node: Node, where: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.display, node.line, where, message, hint))

    def mapping(self, node: Node | None, where: str, allowed: tuple[str, ...] | None = None) -> Map | None:
        """``node`` as a mapping whose keys are all ``allowed`` (any key when None)."""
        if not isinstance(node, Map):
            if node is not None:
                self.bad(node, where, f"must be a mapping, not {describe(node)}")
            return None
        for key in node.items:
            if allowed is not None and key not in allowed:
                self.bad(node, f"{where}.{key}" if where else key, "unknown key",
                         nearest(key, allowed))
        return node

    def seq(self, node: Node | None, where: str) -> list[Node]:
        if node is None:
            return []
        if not isinstance(node, Seq):
            self.bad(node, where, f"must be a list, not {describe(node)}")
            return []
        return node.items

    def text(self, node: Node | None, where: str) -> str | None:
        if node is None:
            return None
        if not isinstance(node, Scalar):
            self.bad(node, where, f"must be a single value, not {describe(node)}")
            return None
        return node.text

    def flag(self, node: Node | None, where: str) -> bool:
        value = self.text(node, where)
        if node is not None and value not in (None, "true", "false"):
            self.bad(node, where, f"{quoted(value or '')} is not true or false")
        return value == "true"

    def iri(self, node: Node | None, where: str) -> str | None:
        """A CURIE of the project's prefix map, expanded."""
        value = self.text(node, where)
        if value is None:
            return None
        prefix, colon, local = value.partition(":")
        if not colon or prefix not in PREFIXES or not local:
            assert node is not None
            self.bad(node, where, f"{quoted(value)} is not a CURIE of a known prefix",
                     "write prefix:name with a prefix of kg/namespaces.py: " + ", ".join(PREFIXES))
            return None
        return PREFIXES[prefix] + local


def load_schema(path: Path, display: str | None = None) -> Schema:
    """The :class:`Schema` declared in ``path`` (an ontology folder's ``fields.yaml``); raise
    :class:`ValidationError` with every problem, each located at its line."""
    display = display if display is not None else str(path)
    root, problems = read_yaml(path, display)
    if root is None:
        raise ValidationError(problems or [Problem(display, 0, "", "cannot read the field declarations",
                                                   "restore fields.yaml from kg's ontology folder")])
    r = _Reader(display)
    r.problems.extend(problems)
    top = r.mapping(root, "", _TOP_KEYS)
    if top is None:
        raise ValidationError(r.problems)
    choices = _choices(r, top.items.get("choices"))
    one = lambda node, where: _field(r, node, where, choices)  # noqa: E731
    common = tuple(f for i, n in enumerate(r.seq(top.items.get("common"), "common"))
                   if (f := one(n, f"common[{i}]")) is not None)
    by_family: dict[str, tuple[Field, ...]] = {}
    families = r.mapping(top.items.get("families"), "families", tuple(FAMILIES))
    for family, node in (families.items.items() if families else ()):
        by_family[family] = tuple(f for i, n in enumerate(r.seq(node, family))
                                  if (f := one(n, f"families.{family}[{i}]")) is not None)
    lists = tuple(q for i, n in enumerate(r.seq(top.items.get("lists"), "lists"))
                  if (q := _list(r, n, f"lists[{i}]", one)) is not None)
    never = frozenset(v for n in r.seq(top.items.get("never_unstated"), "never_unstated")
                      if (v := r.text(n, "never_unstated")) is not None)
    extra = tuple(v for n in r.seq(top.items.get("extra_terms"), "extra_terms")
                  if (v := r.iri(n, "extra_terms")) is not None)
    for key in ("common", "families", "lists"):
        if key not in top.items:
            r.bad(top, key, "missing", f"declare the {key} of the records")
    if r.problems:
        raise ValidationError(r.problems)
    return Schema(common, by_family, lists, choices, never, extra)


def _choices(r: _Reader, node: Node | None) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    sets = r.mapping(node, "choices")
    for name, words in (sets.items.items() if sets else ()):
        m = r.mapping(words, f"choices.{name}")
        out[name] = {word: iri for word, value in (m.items.items() if m else ())
                     if (iri := r.iri(value, f"choices.{name}.{word}")) is not None}
    return out


def _field(r: _Reader, node: Node, where: str, choices: dict[str, dict[str, str]]) -> Field | None:
    m = r.mapping(node, where, _FIELD_KEYS)
    if m is None:
        return None
    items = m.items
    key = r.text(items.get("key"), f"{where}.key")
    kind_word = r.text(items.get("kind"), f"{where}.kind")
    doc = r.text(items.get("doc"), f"{where}.doc") or ""
    if key is None or not _KEY.fullmatch(key):
        r.bad(m, f"{where}.key", f"missing or not a field name: {quoted(key or '')}",
              "lowercase letters, digits and underscores, e.g. based_in")
        return None
    kind = Kind(kind_word) if kind_word in {k.value for k in Kind} else None
    if kind is None:
        r.bad(m, f"{where}.kind", f"unknown kind {quoted(kind_word or '')}",
              nearest(kind_word or "", [k.value for k in Kind]))
        return None
    prop = r.iri(items["property"], f"{where}.property") if "property" in items else None
    if prop is None and kind is not Kind.PLAIN and "property" not in items:
        r.bad(m, f"{where}.property", "missing", "the RDF property the field becomes, e.g. kgo:basedIn")
    targets = _targets(r, items.get("targets"), f"{where}.targets")
    if kind is Kind.REF and not targets:
        r.bad(m, f"{where}.targets", "a reference needs the families it may name", "e.g. [place], any, agents")
    word_set = r.text(items.get("choices"), f"{where}.choices") or ""
    if (kind is Kind.ENUM) != bool(word_set) or (word_set and word_set not in choices):
        r.bad(m, f"{where}.choices", "an enum names one of the choices, and only an enum does",
              "choices: " + ", ".join(choices))
    scheme = r.text(items.get("scheme"), f"{where}.scheme") or ""
    if (kind is Kind.CONCEPT) != bool(scheme):
        r.bad(m, f"{where}.scheme", "a concept names its scheme (RoleScheme, MeasureScheme), and only a concept does")
    value_class = (r.iri(items["class"], f"{where}.class") or "") if "class" in items else ""
    if value_class and kind is not Kind.REF:
        r.bad(m, f"{where}.class", "only a reference names the class of its values")
    minimum = _integer(r, items.get("min"), f"{where}.min")
    if minimum is not None and kind is not Kind.INTEGER:
        r.bad(m, f"{where}.min", "only an integer has a minimum")
    return Field(key, kind, prop, doc, many=r.flag(items.get("many"), f"{where}.many"),
                 required=r.flag(items.get("required"), f"{where}.required"), targets=targets,
                 choices=choices.get(word_set, {}), scheme=scheme,
                 one_language=r.flag(items.get("one_language"), f"{where}.one_language"),
                 value_class=value_class, minimum=minimum)


def _integer(r: _Reader, node: Node | None, where: str) -> int | None:
    value = r.text(node, where)
    if value is None:
        return None
    if not value.lstrip("-").isdigit():
        assert node is not None
        r.bad(node, where, f"{quoted(value)} is not a whole number")
        return None
    return int(value)


def _targets(r: _Reader, node: Node | None, where: str) -> tuple[str, ...]:
    if isinstance(node, Scalar) and node.text in _TARGET_WORDS:
        return _TARGET_WORDS[node.text]
    out = []
    for n in r.seq(node, where):
        family = r.text(n, where)
        if family is not None and family not in FAMILIES:
            r.bad(n, where, f"unknown family {quoted(family)}", nearest(family, FAMILIES))
        elif family is not None:
            out.append(family)
    return tuple(out)


def _list(r: _Reader, node: Node, where: str, one: Callable[[Node, str], Field | None]) -> Qualified | None:
    m = r.mapping(node, where, _LIST_KEYS)
    if m is None:
        return None
    items = m.items
    key = r.text(items.get("key"), f"{where}.key")
    node_class = r.iri(items.get("class"), f"{where}.class")
    link = r.iri(items.get("link"), f"{where}.link")
    doc = r.text(items.get("doc"), f"{where}.doc") or ""
    fields = tuple(f for i, n in enumerate(r.seq(items.get("fields"), f"{where}.fields"))
                   if (f := one(n, f"{where}.fields[{i}]")) is not None)
    families = _targets(r, items.get("families"), f"{where}.families") if "families" in items else ANY
    if key is None or node_class is None or link is None or not fields:
        r.bad(m, where, "a list needs a key, a class, a link and fields")
        return None
    return Qualified(key, node_class, link, fields, doc, families)
