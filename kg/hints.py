"""The words of messages and hints: the nearest choice to a wrong word, an id suggested for a
name, an article, an IRI's local name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

from kg.errors import quoted


def nearest(word: str, choices: Iterable[str], *, fallback: str = "", shown: int = 12) -> str:
    """A hint naming the closest of ``choices`` to ``word``; else ``fallback``; else the ``shown``
    choices most like ``word``, the nearest first."""
    options = sorted(set(choices))
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return f"did you mean {quoted(lowered[word.lower()])}?"
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(quoted(c) for c in close) + "?"
    if fallback:
        return fallback
    ranked = ranked_by_likeness(word, options)
    return "expected one of, nearest first: " + ", ".join(ranked[:shown]) + (" ..." if len(ranked) > shown else "")


def ranked_by_likeness(word: str, choices: Iterable[str]) -> list[str]:
    """``choices`` from the most like ``word`` to the least, ignoring case: first those that hold the
    word or that it holds, of four letters or more (``Person`` for ``foaf:Person``), then by difflib's
    ratio, ties by name."""
    lowered = word.lower()
    matcher = difflib.SequenceMatcher(None, "", lowered, autojunk=False)  # the word's index is made once
    scored = []
    for choice in set(choices):
        low = choice.lower()
        matcher.set_seq1(low)
        holds = min(len(low), len(lowered)) >= 4 and (low in lowered or lowered in low)  # not a stray "id"
        scored.append((not holds, -matcher.ratio(), choice))
    return [choice for *_, choice in sorted(scored)]


def suggest_id(text: str) -> str:
    """An id in the allowed form that is closest to ``text``, or ``""`` when none can be told: a
    letter with no plain Latin form (a Cyrillic look-alike, a Chinese character) is not dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    if any(c.isalnum() and not c.isascii() for c in ascii_text):
        return ""
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if slug and not slug[0].isalpha():
        slug = "x-" + slug
    return slug


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]
