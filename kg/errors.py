"""Typed errors. The library raises these; only :mod:`kg.cli` turns them into messages and exit codes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

#: A value quoted in a message is cut to this many characters (the whole value is in the file).
EXCERPT = 80
#: The message and the hint of a problem are cut to this many characters (a backstop: messages quote
#: values through :func:`quoted`, which cuts them far shorter).
MAX_MESSAGE = 1_000
#: At most this many problems of one file are shown; one more line says how many more there are.
MAX_PROBLEMS_PER_FILE = 50


def printable(text: str, limit: int = 0) -> str:
    """``text`` (a file name, a column name, a key, a message) as it may be shown in a terminal: every
    character that does not show as itself (controls, line breaks, bidirectional and zero-width marks,
    the lone surrogates of a file name that is not UTF-8) written as Python writes it in a string
    (``\\n``, ``\\x1b``, ``\\u202e``), so that nothing read from the input can start a line of its
    own, move the cursor or recolour the terminal. Cut to ``limit`` characters (and ``...``) when given.
    The one escaping of the messages about the input; :func:`quoted` quotes a value with it."""
    cut = 0 < limit < len(text)
    if cut:
        text = text[:limit]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text + "..." if cut else text


def quoted(text: str, limit: int = EXCERPT) -> str:
    """A value as messages quote it: in quotes and escaped as Python writes a string (``'no'``,
    ``'a\\nb'``; the escapes of :func:`printable`), cut to ``limit`` characters, then ``...``."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as it can be."""

    file: str
    line: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        # One line, whatever the input: a file name, a key or a column name may hold anything.
        file, message = printable(self.file), printable(self.message, MAX_MESSAGE)
        where = f"{file}:{self.line}" if self.line else file
        text = f"{where}: {printable(self.field, EXCERPT)}: {message}" if self.field else f"{where}: {message}"
        return f"{text} ({printable(self.hint, MAX_MESSAGE)})" if self.hint else text


class KgError(Exception):
    """Base of every error the toolkit reports to a user: a message, where, and a hint."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "", *, file: str | Path | None = None, line: int = 0,
                 field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else ""
        self.line = line
        self.field = field
        self.hint = hint

    @property
    def problems(self) -> list[Problem]:
        """The problems this error stands for, one line each when shown."""
        return [Problem(self.file, self.line, self.field, self.message, self.hint)]

    def __str__(self) -> str:
        if not self.file:
            return f"{self.message} ({self.hint})" if self.hint else self.message
        return str(self.problems[0])


class ValidationError(KgError):
    """The input has one or more problems, carried in file and line order: of each file the first
    :data:`MAX_PROBLEMS_PER_FILE`, then one line (at the line of the first one left out) saying how many
    more there are; ``omitted`` counts those. The message counts them all."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        #: What the checks asked the curator to confirm in the same run (namesakes ...): shown with the
        #: problems, so that one run tells the curator everything.
        self.warnings: list[Problem] = list(warnings or [])
        ordered = sorted(set(problems), key=lambda p: (p.file, p.line, p.field, p.message))
        per_file = Counter(p.file for p in ordered)
        self._problems: list[Problem] = []
        seen: Counter[str] = Counter()
        for problem in ordered:
            seen[problem.file] += 1
            if seen[problem.file] <= MAX_PROBLEMS_PER_FILE:
                self._problems.append(problem)
            elif seen[problem.file] == MAX_PROBLEMS_PER_FILE + 1:
                more = per_file[problem.file] - MAX_PROBLEMS_PER_FILE
                what = f"{more:,} more problems in this file are" if more != 1 else "1 more problem in this file is"
                self._problems.append(Problem(problem.file, problem.line, "", f"{what} not shown",
                                              "fix the ones above and run kg again"))
        self.omitted = len(ordered) - sum(min(n, MAX_PROBLEMS_PER_FILE) for n in per_file.values())
        n = len(ordered)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found; nothing was written")

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self._problems)


class UsageError(KgError):
    """The command was called in a way that cannot work (missing folder, unknown format ...)."""

    exit_code = 2


class OutputError(KgError):
    """An output could not be written."""


class QueryError(KgError):
    """A query cannot run: a syntax error (located), a parameter that binds nothing, a timeout."""


class QueryTimeout(QueryError):
    """A query ran longer than its time limit and was abandoned."""


class BuildMissing(KgError):
    """There is no usable build to answer from (none yet, or files that do not match their manifest)."""
