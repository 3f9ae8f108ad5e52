"""A strict YAML reader: every value stays text, with its line, and YAML's traps are refused.

PyYAML is used only to *compose* the document into nodes; nothing is constructed, so no tag can
run code, an alias cannot multiply memory, and ``no``/``007``/``2024-07-30`` are never silently
turned into ``False``/``7``/a date. Whether a plain value *would* be turned into something else is
kept (``Scalar.implicit``) so that the record checker can refuse it where text is meant.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from kg.errors import Problem
from kg.readers.nodes import INVALID, Map, Node, Scalar, Seq

#: Files larger than this are refused before parsing (a curated file is far smaller).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Deeper nesting than this is refused (records need four levels at most).
MAX_DEPTH = 32

_CORE = "tag:yaml.org,2002:"
_IMPLICIT = {
    _CORE + "bool": "bool",
    _CORE + "int": "int",
    _CORE + "float": "float",
    _CORE + "null": "null",
    _CORE + "timestamp": "timestamp",
}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read ``path`` as UTF-8 text, refusing what cannot be curated text."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(display, 0, "", f"file is {size:,} bytes, over the limit of "
                                  f"{MAX_FILE_BYTES:,}", "split it into several files")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(display, 0, "", f"cannot read the file: {exc.strerror}", "check the path")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte-order mark carries no meaning; editors on Windows add it
    nul = data.find(b"\x00")
    if nul >= 0:
        return None, [Problem(display, _line_of(data, nul), "", "the file contains a NUL byte",
                              "it is binary or UTF-16; save it as UTF-8 text")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(display, _line_of(data, exc.start), "",
                              f"not UTF-8: byte 0x{data[exc.start]:02x} cannot start a character here",
                              "save the file as UTF-8; it may be Latin-1 or Windows-1252")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def read_yaml(path: Path, display: str) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML file into a node tree and its problems; the tree is ``None`` when the file
    cannot be parsed at all."""
    text, problems = decode(path, display)
    if text is None:
        return None, problems
    try:
        # Composition recurses once per nesting level; deep nesting is refused below, and
        # anything deeper than Python's own limit ends here rather than in a traceback.
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 2000))
        try:
            root = yaml.compose(text, Loader=_LOADER)
        finally:
            sys.setrecursionlimit(limit)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(display, line, "", f"YAML syntax error: {what}",
                              "check indentation, colons and quotes on this line and the one above")]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        return None, [Problem(display, line, "", f"the character U+{exc.character:04X} is not allowed in YAML",
                              "remove it; control characters are not allowed in records")]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 0, "", f"YAML error: {exc}", "check the file's syntax")]
    except RecursionError:
        return None, [Problem(display, 0, "", "nesting is too deep", f"records need at most {MAX_DEPTH} levels")]
    if root is None:
        return Seq([], 1), []
    out: list[Problem] = []
    # Problems found while converting (a duplicate key, a tag) are located and the rest of the
    # file is still checked, so that one run reports everything.
    tree = _convert(root, display, out, 0, set())
    if "*" in text:
        out.extend(_aliases(text, display))
    return tree, out


def _aliases(text: str, display: str) -> list[Problem]:
    """Every alias (``*name``) of the text, at its own line (the composed tree only has the anchor's)."""
    try:
        events = [e for e in yaml.parse(text, Loader=_LOADER) if isinstance(e, yaml.AliasEvent)]
    except yaml.YAMLError:
        return []
    return [Problem(display, e.start_mark.line + 1, "", f"aliases such as *{e.anchor} are not allowed",
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
    shown = tag.replace(_CORE, "!!")
    return Problem(display, line, "", f"YAML tags such as {shown} are not allowed",
                   "remove the tag; every value is read as text and checked against its field")
