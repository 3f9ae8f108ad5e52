"""PyYAML's composed nodes turned into format-neutral nodes (:mod:`kg.readers.nodes`), every value
kept as text with its line and the type YAML 1.1 would give it; tags, merge keys, duplicate keys and
aliases are refused, each at its line."""

from __future__ import annotations

import yaml

from kg.errors import EXCERPT, Problem, printable
from kg.readers.nodes import INVALID, Map, Node, Scalar, Seq
from kg.readers.yaml_limits import MAX_DEPTH

_CORE = "tag:yaml.org,2002:"
_IMPLICIT = {
    _CORE + "bool": "bool",
    _CORE + "int": "int",
    _CORE + "float": "float",
    _CORE + "null": "null",
    _CORE + "timestamp": "timestamp",
}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _aliases(text: str, display: str) -> list[Problem]:
    """Every alias (``*name``) of the text, at its own line (the composed tree only has the anchor's)."""
    try:
        events = [e for e in yaml.parse(text, Loader=_LOADER) if isinstance(e, yaml.AliasEvent)]
    except yaml.YAMLError:
        return []
    return [Problem(display, e.start_mark.line + 1, "",
                    f"aliases such as *{printable(e.anchor or '', EXCERPT)} are not allowed",
                    "write the value out where it is needed; anchors and aliases are refused") for e in events]


def _convert(node: yaml.Node, display: str, out: list[Problem], depth: int, seen: set[int]) -> Node:
    line = node.start_mark.line + 1
    if depth > MAX_DEPTH:
        out.append(Problem(display, line, "", "nesting is too deep", f"records need at most {MAX_DEPTH} levels"))
        return Scalar("", line, INVALID)
    if not isinstance(node, yaml.ScalarNode):
        # The composer hands back the same node object for every alias of an anchor.
        if id(node) in seen:
            return Scalar("", line, INVALID)  # an alias: reported with its own line by _aliases
        seen.add(id(node))
    tag = node.tag or ""
    if isinstance(node, yaml.ScalarNode):
        implicit = _IMPLICIT.get(tag, "") if not node.style else ""  # no style: a plain scalar
        if not implicit and tag != _CORE + "str":
            out.append(_tag_problem(display, line, tag))
            return Scalar("", line, INVALID)
        return Scalar(node.value, line, implicit)
    if isinstance(node, yaml.SequenceNode):
        if tag != _CORE + "seq":
            out.append(_tag_problem(display, line, tag))
            return Scalar("", line, INVALID)
        return Seq([_convert(item, display, out, depth + 1, seen) for item in node.value], line)
    if tag != _CORE + "map":
        out.append(_tag_problem(display, line, tag))
        return Scalar("", line, INVALID)
    items: dict[str, Node] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            out.append(Problem(display, key_line, "", "a key must be a plain word",
                               "write `key: value`"))
            continue
        if key_node.tag == _CORE + "merge":
            out.append(Problem(display, key_line, "<<", "merge keys (<<) are not allowed",
                               "write the fields out in the record"))
            continue
        key = key_node.value
        if key in items:
            out.append(Problem(display, key_line, key, f"duplicate key (first at line {key_lines[key]})",
                               "keep one of them"))
            continue
        key_lines[key] = key_line
        items[key] = _convert(value_node, display, out, depth + 1, seen)
    return Map(items, line, key_lines)


def _tag_problem(display: str, line: int, tag: str) -> Problem:
    shown = printable(tag.replace(_CORE, "!!"), EXCERPT)
    return Problem(display, line, "", f"YAML tags such as {shown} are not allowed",
                   "remove the tag; every value is read as text and checked against its field")
