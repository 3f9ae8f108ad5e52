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

The modules: this one reads a file (its bytes, its text, the errors PyYAML reports);
:mod:`kg.readers.yaml_fast` is the fast reader; :mod:`kg.readers.yaml_compose` turns PyYAML's
composed nodes into ours.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import yaml

from kg.errors import Problem
from kg.readers.nodes import Node, Seq
from kg.readers.yaml_compose import _LOADER, _aliases, _convert
from kg.readers.yaml_fast import fast_tree
from kg.readers.yaml_limits import MAX_DEPTH, limit_nesting

#: Files larger than this are refused before parsing (a curated file is far smaller).
MAX_FILE_BYTES = 64 * 1024 * 1024

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
