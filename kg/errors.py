"""Typed errors. The library raises these; only :mod:`kg.cli` turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as it can be."""

    file: str
    line: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


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
    """The input has one or more problems; all of them are carried, in file and line order."""

    def __init__(self, problems: list[Problem]) -> None:
        self._problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.field, p.message))
        n = len(self._problems)
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
