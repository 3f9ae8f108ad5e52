"""The label rules: which of an IRI's names is shown, and what stands in for a missing one.

Two consumers choose differently, and each keeps its choice (changing it would change their outputs):

- :func:`display_rank` (questions, graph pages): a preferred label before an alternative or rdfs label,
  an English or untagged one before other languages, then the first by text;
- :func:`network_label` (network analyses and exports): among one property's names, English first, then
  untagged, then the other languages in tag order; ``skos:prefLabel`` wins over ``rdfs:label``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def display_rank(preferred: bool, language: str | None, text: str) -> tuple[int, str]:
    """The rank of one name under the display rule (lower wins); an untagged name counts as English."""
    return (0 if preferred else 2) + (0 if (language or "en") == "en" else 1), text


def best_names(names: Iterable[tuple[str, tuple[int, str]]]) -> dict[str, str]:
    """IRI -> its best name, from ``(iri, display_rank(...))`` pairs."""
    ranked: dict[str, tuple[int, str]] = {}
    for iri, rank in names:
        if iri not in ranked or rank < ranked[iri]:
            ranked[iri] = rank
    return {iri: text for iri, (_rank, text) in ranked.items()}


def network_label(candidates: Iterable[tuple[str, str]]) -> str:
    """The network's choice among ``(language, text)`` names of one property: English first, then
    untagged, then the other languages in tag order; one stable choice."""
    def rank(c: tuple[str, str]) -> tuple[int, str, str]:
        lang, text = c
        return (0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2, lang, text)

    return min(candidates, key=rank)[1]


def local_name(iri: str) -> str:
    """A readable name for an IRI without a label: its local name, camelCase split into words."""
    name = iri
    for sep in ("#", "/", ":"):
        if sep in iri.rstrip(sep):
            name = iri.rstrip(sep).rsplit(sep, 1)[-1]
            break
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower() if re.fullmatch(r"[A-Za-z]+", name) else name
