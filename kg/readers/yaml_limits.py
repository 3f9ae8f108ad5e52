"""Our own limit on YAML nesting, decided before PyYAML sees the text.

PyYAML's limits differ between its versions and its two parsers: LibYAML (PyYAML 6.0.3 and later)
stops at 1,000 levels with "exceeded maximum nesting depth", the pure-Python parser at Python's
recursion limit, and older LibYAML builds recursed until they crashed. So that a record file gets the
same message whichever PyYAML is installed, this module scans the text itself:

- a flow collection (``[...]``, ``{...}``) nested deeper than :data:`FLOW_CAP` is replaced, up to its
  end, by an empty one, its line breaks kept; the composed tree is then still deeper than the records'
  limit, so the reader reports "nesting is too deep" at that collection's line and goes on checking
  the rest of the file, as it does for any nesting beyond the limit;
- block nesting (indentation and ``-`` indicators) deeper than :data:`BLOCK_LIMIT` levels refuses the
  file at that line.

Together they keep every document handed to PyYAML well inside any parser's limits.
"""

from __future__ import annotations

import re

#: Records need at most this many levels (the reader refuses deeper nesting at its line).
MAX_DEPTH = 32
#: A flow collection deeper than this is emptied (it lies past :data:`MAX_DEPTH`, so it is still refused).
FLOW_CAP = MAX_DEPTH + 1
#: Block levels (indentation steps and list dashes) beyond this refuse the whole file.
BLOCK_LIMIT = 200

_FLOW_TOKEN = re.compile(r"[\[\]{}\"'#]")
_KEY_END = re.compile(r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^'"#\s\[{][^#]*?)?:(?:[ \t]+|$)""")
_BLOCK_SCALAR = re.compile(r"[|>][-+1-9]{0,2}[ \t]*(?:#.*)?$")


def limit_nesting(text: str) -> tuple[str, int]:
    """``text`` with flow collections cut at :data:`FLOW_CAP` levels, and the line where block nesting
    first goes beyond :data:`BLOCK_LIMIT` (0 when it never does). Line breaks are never removed, so
    every line keeps its number."""
    if text.count("[") + text.count("{") <= FLOW_CAP and text.count("-") + text.count(" ") < BLOCK_LIMIT:
        return text, 0
    return _Scanner(text).run()


class _Scanner:
    """One pass over the lines: block context line by line, flow context token by token."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.depth = 0  # flow depth
        self.quote = ""  # an open quoted scalar that goes on over the line break
        self.cut_from = -1  # where the flow collection being cut started
        self.cuts: list[tuple[int, int]] = []
        self.stack: list[int] = []  # block indentation columns

    def run(self) -> tuple[str, int]:
        text = self.text
        block_indent = -1  # inside a block scalar: the indentation of the line that opened it
        start = 0
        number = 0
        while start <= len(text):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            number += 1
            line = text[start:end]
            indent = len(line) - len(line.lstrip(" "))
            if block_indent >= 0 and (not line.strip() or indent > block_indent):
                start = end + 1
                continue
            block_indent = -1
            pos = start
            if self.quote:
                pos = self._close_quote(pos, end)
            if self.depth == 0 and not self.quote:
                pos, opens_scalar, too_deep = self._block_line(line, start, pos)
                if too_deep:
                    return text, number
                if opens_scalar:
                    block_indent = indent
            if not self.quote and (self.depth > 0 or (pos < end and text[pos] in "[{")):
                self._flow(pos, end)
            start = end + 1
        if self.cut_from >= 0:
            self.cuts.append((self.cut_from, len(text) - 1))
        return self._apply(), 0

    def _block_line(self, line: str, start: int, pos: int) -> tuple[int, bool, bool]:
        """Read a line in block context from ``pos``: where a flow collection starts (the position to
        go on from), whether a block scalar opens, whether nesting went over the limit."""
        offset = pos - start
        rest = line[offset:]
        stripped = rest.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            return pos + len(rest), False, False
        col = offset + len(rest) - len(stripped)
        if offset == 0:
            while self.stack and self.stack[-1] >= col:
                self.stack.pop()
            self.stack.append(col)
        # Each list dash opens one more level, at the column of what follows it.
        while stripped[:1] in ("-", "?") and (len(stripped) == 1 or stripped[1] in " \t"):
            after = stripped[1:].lstrip(" \t")
            col += len(stripped) - len(after)
            stripped = after
            self.stack.append(col)
        # Indentless lists add a level without a column: two levels per column is a safe bound.
        if len(self.stack) > BLOCK_LIMIT // 2:
            return pos, False, True
        value = start + col
        key = _KEY_END.match(stripped)
        if key is not None:
            value += key.end()
            stripped = stripped[key.end():]
        first = stripped[:1]
        if first in ("[", "{"):
            return value, False, False  # the flow scanner takes it from here
        if first in ("'", '"'):
            self.quote = first
            self._close_quote(value + 1, start + len(line))
            return start + len(line), False, False
        return start + len(line), bool(_BLOCK_SCALAR.match(stripped)), False

    def _flow(self, pos: int, end: int) -> None:
        """Scan flow context from ``pos`` to the line's ``end``."""
        text = self.text
        while True:
            match = _FLOW_TOKEN.search(text, pos, end)
            if match is None:
                return
            char, at = match.group(), match.start()
            pos = at + 1
            if char in "[{":
                self.depth += 1
                if self.depth == FLOW_CAP + 1 and self.cut_from < 0:
                    self.cut_from = at
            elif char in "]}":
                if self.depth == FLOW_CAP + 1 and self.cut_from >= 0:
                    self.cuts.append((self.cut_from, at))
                    self.cut_from = -1
                self.depth = max(self.depth - 1, 0)
                if self.depth == 0:
                    return  # the rest of the line is block context: a comment, or an error for the parser
            elif char == "#":
                if at == 0 or text[at - 1] in " \t":
                    return
            elif at == 0 or text[at - 1] in " \t[{,:\n":
                self.quote = char
                pos = self._close_quote(pos, end)
                if self.quote:
                    return

    def _close_quote(self, pos: int, end: int) -> int:
        """Find the end of the open quoted scalar from ``pos`` on this line; where to go on from."""
        text = self.text
        while pos < end:
            at = text.find(self.quote, pos, end)
            if at < 0:
                return end
            if self.quote == "'":
                if at + 1 < end and text[at + 1] == "'":
                    pos = at + 2
                    continue
            else:
                backslashes = 0
                while at - 1 - backslashes >= pos and text[at - 1 - backslashes] == "\\":
                    backslashes += 1
                if backslashes % 2:
                    pos = at + 1
                    continue
            self.quote = ""
            return at + 1
        return end

    def _apply(self) -> str:
        if not self.cuts:
            return self.text
        text = self.text
        parts: list[str] = []
        last = 0
        for first, final in self.cuts:
            parts.append(text[last:first])
            inner = text[first + 1:final + 1]
            parts.append(text[first] + ("]" if text[first] == "[" else "}"))
            parts.append(re.sub(r"[^\n]", " ", inner)[:-1] if inner else "")
            last = final + 1
        parts.append(text[last:])
        return "".join(parts)
