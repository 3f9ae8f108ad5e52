"""The fast reader: a line-by-line reader of the plain subset of YAML most record files are written in.

It gives the same tree, with the same lines, as composing with PyYAML and converting the nodes
(:mod:`kg.readers.yaml_compose`) would, two to three times faster; anything outside the subset makes
it give up, and :func:`kg.readers.yaml_reader.read_yaml` composes the file instead.
"""

from __future__ import annotations

import re

import yaml

from kg.readers.nodes import Map, Node, Scalar, Seq
from kg.readers.yaml_compose import _IMPLICIT
from kg.readers.yaml_limits import MAX_DEPTH

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
