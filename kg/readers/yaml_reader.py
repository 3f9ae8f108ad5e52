"""A strict YAML reader: every value stays text, with its line, and YAML's traps are refused.

PyYAML is used only to *compose* the document into nodes; nothing is constructed, so no tag can
run code, an alias cannot multiply memory, and ``no``/``007``/``2024-07-30`` are never silently
turned into ``False``/``7``/a date. Whether a plain value *would* be turned into something else is
kept (``Scalar.implicit``) so that the record checker can refuse it where text is meant.

Large files are usually written plainly: block mappings and lists, one value per line, quoted or
simple plain values, one-line ``[...]`` lists and ``{...}`` maps. Such a file is read by
:func:`fast_tree`, a line-by-line reader of that subset of YAML, two to three times faster than
composing with PyYAML and converting the nodes; it gives the same tree, with the same lines, as the
composer would. Anything outside the subset (block scalars, values over several lines, anchors,
tags, duplicate keys, unusual characters, anything doubtful) makes it give up, and the file is
composed by PyYAML, as before.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import yaml

from kg.errors import EXCERPT, Problem, printable
from kg.readers.nodes import INVALID, Map, Node, Scalar, Seq
from kg.readers.yaml_limits import MAX_DEPTH, limit_nesting

#: Files larger than this are refused before parsing (a curated file is far smaller).
MAX_FILE_BYTES = 64 * 1024 * 1024

_CORE = "tag:yaml.org,2002:"
_IMPLICIT = {
    _CORE + "bool": "bool",
    _CORE + "int": "int",
    _CORE + "float": "float",
    _CORE + "null": "null",
    _CORE + "timestamp": "timestamp",
}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_BREAKS = re.compile(rb"\r\n|\r|\n")
#: Characters YAML 1.1 takes for line breaks that no editor shows as such: they would change a value
#: silently (a NEL in a quoted value becomes a space) and put every later line number off by one.
_ODD_BREAKS = re.compile("[\u0085\u2028\u2029]")
_BREAK_NAMES = {"\u0085": "NEXT LINE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}


def _line_of(data: bytes, offset: int) -> int:
    """The line of a byte offset, counting LF, CRLF and a lone CR as line ends (as :func:`decode`)."""
    return len(_BREAKS.findall(data, 0, offset)) + 1


def decode(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read ``path`` as UTF-8 text, refusing what cannot be curated text."""
    try:
        # Opened without waiting (a named pipe put where a file was would block forever) and checked as
        # opened: a regular file, within the limit, read no further than the limit even if it grows.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None, [Problem(display, 0, "", "is not a regular file; it is not read",
                                      "record files are regular files: remove it or replace it")]
            size = info.st_size
            data = f.read(MAX_FILE_BYTES + 1) if size <= MAX_FILE_BYTES else b""
        if size > MAX_FILE_BYTES or len(data) > MAX_FILE_BYTES:
            return None, [Problem(display, 0, "", f"file is {max(size, len(data)):,} bytes, over the limit of "
                                  f"{MAX_FILE_BYTES:,}", "split it into several files")]
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
    tree = fast_tree(text)
    if tree is not None:
        return tree, []
    odd = [Problem(display, text.count("\n", 0, m.start()) + 1, "",
                   f"the character U+{ord(m.group()):04X} ({_BREAK_NAMES[m.group()]}) is not allowed in a record file",
                   f"YAML reads it as a line break; remove it, or write it as \\u{ord(m.group()):04x} in a "
                   "double-quoted value") for m in _ODD_BREAKS.finditer(text)]
    if odd:
        return None, odd
    # Our nesting limit speaks before any parser's own (whose message and depth vary by version).
    text, too_deep = limit_nesting(text)
    if too_deep:
        return None, [Problem(display, too_deep, "", "nesting is too deep", f"records need at most {MAX_DEPTH} levels")]
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
        # At the end of a file without a final newline, PyYAML's mark is on the line after the last.
        last = text.count("\n") + (0 if text.endswith("\n") else 1)
        line = min(mark.line + 1, max(last, 1)) if mark else 0
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(display, line, "", f"YAML syntax error: {what}",
                              "check indentation, colons and quotes on this line and the one above")]
    except yaml.reader.ReaderError as exc:
        # LibYAML (the C loader) counts the position in bytes of UTF-8, PyYAML's own reader in characters.
        if _LOADER is yaml.SafeLoader:
            line = text.count("\n", 0, exc.position) + 1
        else:
            line = text.encode("utf-8").count(b"\n", 0, exc.position) + 1
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


# -- the fast reader ------------------------------------------------------------------------------
#
# It accepts only documents that it reads exactly as libyaml does and that have no problem to
# report; for everything else it gives up (returns None) and PyYAML composes the file. Every node
# of an accepted document is on one line, so its line is that of its first character, as the
# composer's marks say. What it accepts:
# - lines of spaces and one item each: "key: value", "key:" (a block follows), "- value",
#   "- key: value"; blank lines and comment lines anywhere;
# - keys: a letter or "_", then letters, digits, "_" or "-" (no key resolves to a merge key);
# - block values nested deeper than their key, and lists at the key's column ("indentless");
# - values: "double quoted" (the common escapes), 'single quoted', plain text that cannot be
#   read any other way (no leading indicator, no ": ", no " #", not ending in ":"), one-line
#   flow lists [a, "b"] and maps {en: a, zh: "b"} of such values; each may end in a comment.
# Its implicit types come from PyYAML's own resolver tables (YAML 1.1, as the composer's).


class _GiveUp(Exception):
    """The document is not in the subset the fast reader reads."""


#: Characters outside these make the fast reader give up: YAML refuses some (with a message the
#: composer gives), reads others as line breaks (NEL, LS, PS), or they are tabs and byte-order marks.
_UNUSUAL = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"(?: +#.*| *)$')
_SINGLE = re.compile(r"'((?:[^']|'')*)'(?: +#.*| *)$")
_END = re.compile(r"(?: +#.*| *)$")
_EMPTY = re.compile(r" *([\]}])")
#: A plain value in a flow list or map: no flow indicators, quotes, "#" or ":" at all.
_FLOW_PLAIN = re.compile(r"""[^\s\-?:,\[\]{}#&*!|>'"%@`][^,\[\]{}#:'"]*""")
_FLOW_ITEM = re.compile(r""" *(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|(""" + _FLOW_PLAIN.pattern + r""")) *([,\]}])""")
_FLOW_KEY = re.compile(r" *([A-Za-z_][A-Za-z0-9_-]{0,1000}): +")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "0": "\x00", " ": " "}
_ESCAPE = re.compile(r"\\(?:([\\\"ntr0 ])|x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.|$))")
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_DEPTH = MAX_DEPTH


def _unescape(match: re.Match) -> str:
    simple, x2, u4, u8, other = match.groups()
    if simple is not None:
        return _ESCAPES[simple]
    if other is not None:
        raise _GiveUp  # an escape libyaml reads differently or refuses, or a version-dependent one
    code = int(x2 or u4 or u8, 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise _GiveUp
    return chr(code)


def _double(text: str) -> str:
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


def _plain(text: str, line: int) -> Scalar:
    """A plain scalar, with the implicit type PyYAML's resolver gives it."""
    for tag, regexp in _RESOLVERS.get(text[0], ()):
        if regexp.match(text):
            implicit = _IMPLICIT.get(tag)
            if implicit is None:
                raise _GiveUp  # "<<", "=" ...: the composer's path reports it
            return Scalar(text, line, implicit)
    return Scalar(text, line)


def _flow(text: str, line: int, depth: int) -> Node:
    """A one-line flow list or map (``text`` starts with its bracket), with nothing but a comment after."""
    if depth + 1 > _DEPTH:
        raise _GiveUp
    closing = "]" if text[0] == "[" else "}"
    items: list[Node] = []
    mapping: dict[str, Node] = {}
    empty = _EMPTY.match(text, 1)
    if empty is not None:
        if empty.group(1) != closing:
            raise _GiveUp
        pos = empty.end()
    else:
        pos = 1
        while True:
            key = None
            if closing == "}":
                k = _FLOW_KEY.match(text, pos)
                if k is None:
                    raise _GiveUp
                key, pos = k.group(1), k.end()
                if key in mapping:
                    raise _GiveUp
            m = _FLOW_ITEM.match(text, pos)
            if m is None:
                raise _GiveUp
            double, single, plain, sep = m.groups()
            if double is not None:
                node: Node = Scalar(_double(double), line)
            elif single is not None:
                node = Scalar(single.replace("''", "'"), line)
            else:
                node = _plain(plain.rstrip(" "), line)
            if key is None:
                items.append(node)
            else:
                mapping[key] = node
            pos = m.end()
            if sep == closing:
                break
            if sep != ",":
                raise _GiveUp
    if _END.match(text, pos) is None:
        raise _GiveUp
    if closing == "]":
        return Seq(items, line)
    return Map(mapping, line, dict.fromkeys(mapping, line))


def _value(text: str, line: int, depth: int) -> Node:
    """The value that fills the rest of a line (``text``, not empty, not a comment)."""
    if depth > _DEPTH:
        raise _GiveUp
    first = text[0]
    if first == '"':
        m = _DOUBLE.match(text)
        if m is None:
            raise _GiveUp
        return Scalar(_double(m.group(1)), line)
    if first == "'":
        m = _SINGLE.match(text)
        if m is None:
            raise _GiveUp
        return Scalar(m.group(1).replace("''", "'"), line)
    if first == "[" or first == "{":
        return _flow(text, line, depth)
    if first in _INDICATORS:
        raise _GiveUp
    cut = text.find(" #")
    value = (text if cut < 0 else text[:cut]).rstrip(" ")
    if ": " in value or value.endswith(":"):
        raise _GiveUp
    return _plain(value, line)


#: One line: its indentation, a list dash, a key, and a double-quoted value without escapes
#: (the commonest value) when the line ends there.
_LINE = re.compile(r'( *)(- +)?(?:([A-Za-z_][A-Za-z0-9_-]{0,1000}):(?: +|$))?(?:"([^"\\]*)"(?: +#.*| *)$)?')
#: A one-line list of double-quoted values without escapes (the commonest list), and its values.
_QUOTED_LIST = re.compile(r'\[ *"[^"\\]*"(?: *, *"[^"\\]*")* *\](?: +#.*| *)$')
_QUOTED = re.compile(r'"([^"\\]*)"')

# A token: (column, line, key, value). The key is None for a value alone and "-" for a list dash
# (then the value is ""); the value is a node already read, or the rest of the line as text
# (empty or a comment when a block follows).
_Token = tuple[int, int, "str | None", "Node | str"]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    append = tokens.append
    match = _LINE.match
    quoted_list = _QUOTED_LIST.match
    keys: dict[str, str] = {}  # one string per distinct key (a million "sources" keys cost 50 MB)
    for number, raw in enumerate(text.split("\n"), 1):
        m = match(raw)
        assert m is not None  # every part of _LINE is optional: it matches every line
        indent, dash, key, quoted = m.groups()
        if key is not None:
            key = keys.setdefault(key, key)
        col = len(indent)
        if quoted is not None:
            value: Node | str = Scalar(quoted, number)
        else:
            value = raw[m.end():]
            if dash is None and key is None:
                if not value or value[0] == "#":
                    continue  # a blank or comment line
                if col == 0 and (value[0] == "%" or value.startswith("---") or value.startswith("...")):
                    raise _GiveUp  # directives and document markers
            elif value and value[0] == "[" and quoted_list(value):
                value = Seq([Scalar(v, number) for v in _QUOTED.findall(value)], number)
        if dash is not None:
            if key is None and type(value) is str and (not value or value[0] == "#" or value[0] == "-"):
                raise _GiveUp  # an empty item, or a list in a list
            append((col, number, "-", ""))
            col += len(dash)
        append((col, number, key, value))
    return tokens


def _inline(value: Node | str, line: int, depth: int) -> Node:
    """The node of a value written on its key's or dash's line, at ``depth``."""
    if type(value) is str:
        return _value(value, line, depth)
    if depth + 1 > _DEPTH:  # (a list's items are one deeper)
        raise _GiveUp
    return value  # type: ignore[return-value]


class _Reader:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.end = len(tokens)

    def block(self, depth: int) -> Node:
        col, _line, key, _value = self.tokens[self.pos]
        if key == "-":
            return self.seq(col, depth)
        if key is not None:
            return self.map(col, depth)
        raise _GiveUp  # a value on a line of its own (the rest of a value above, or a lone scalar)

    def seq(self, col: int, depth: int) -> Seq:
        if depth > _DEPTH:
            raise _GiveUp
        tokens, end = self.tokens, self.end
        pos = self.pos
        line = tokens[pos][1]
        items: list[Node] = []
        while pos < end:
            token = tokens[pos]
            if token[0] != col or token[2] != "-":
                break
            item_col, item_line, key, value = tokens[pos + 1]  # on the dash's line (see _tokens)
            if key is not None:
                self.pos = pos + 1
                items.append(self.map(item_col, depth + 1))
                pos = self.pos
            else:
                items.append(_inline(value, item_line, depth + 1))
                pos += 2
                if pos < end and tokens[pos][0] > col:
                    raise _GiveUp  # more of the value on the next lines
        self.pos = pos
        return Seq(items, line)

    def map(self, col: int, depth: int) -> Map:
        if depth > _DEPTH:
            raise _GiveUp
        tokens, end = self.tokens, self.end
        pos = self.pos
        line = tokens[pos][1]
        items: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        while pos < end:
            token_col, key_line, key, value = tokens[pos]
            if token_col != col:
                if token_col > col:
                    raise _GiveUp
                break
            if key is None or key == "-" or key in items:
                raise _GiveUp  # not a key here, or a duplicate key (the composer's path reports it)
            pos += 1
            if type(value) is not str or (value and value[0] != "#"):
                items[key] = _inline(value, key_line, depth + 1)
                if pos < end and tokens[pos][0] > col:
                    raise _GiveUp  # more of the value on the next lines
            else:
                nxt = tokens[pos][0] if pos < end else -1
                self.pos = pos
                if nxt > col:
                    items[key] = self.block(depth + 1)
                elif nxt == col and tokens[pos][2] == "-":
                    items[key] = self.seq(col, depth + 1)  # a list at the key's own column
                else:
                    raise _GiveUp  # an empty value
                pos = self.pos
            key_lines[key] = key_line
        self.pos = pos
        return Map(items, line, key_lines)


def fast_tree(text: str) -> Node | None:
    """The node tree of ``text`` when it is in the subset read here (see above), else None."""
    if _UNUSUAL.search(text) or None in _RESOLVERS:  # (resolvers for any first character: none by default)
        return None
    try:
        tokens = _tokens(text)
        if not tokens:
            return Seq([], 1)  # nothing but comments: as an empty document
        reader = _Reader(tokens)
        tree = reader.block(0)
        if reader.pos != len(tokens):
            return None
        return tree
    except _GiveUp:
        return None
