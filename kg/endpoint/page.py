"""The query page of ``kg serve``: our own small page in front of the Oxigraph server, served by the front
(:mod:`kg.endpoint.front`) at ``/``, with its script and style at fixed paths beside it.

The page knows the project: its query box starts with the PREFIX declarations of every project prefix
(:func:`kg.namespaces.sparql_prologue`, the one prefix map), and it offers the catalogue's questions
(:mod:`kg.questions.catalogue`) as example queries. It makes no request outside the machine: the script and
style come from the front (``viz/endpoint/``), the prefixes and the catalogue are embedded in the page as
JSON (in a ``<script type="application/json">`` block that the page's script reads, never runs), and a
Content-Security-Policy allows nothing but the page's own origin. Answers are shown as text (tables built
with DOM calls and ``textContent``), never parsed as HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kg.namespaces import PREFIXES, sparql_prologue
from kg.questions.catalogue import Catalogue, Question, load_catalogue
from kg.resources import resource_dir

#: The page's policy: only its own origin, for its script, its style and its queries; nothing else.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: Sent with every file of the page.
HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
           ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-cache"))
#: The query the box holds when the page opens (after the PREFIX declarations).
DEFAULT_QUERY = ("SELECT ?entity ?label WHERE {\n  ?entity a kgo:Person ;\n          skos:prefLabel ?label .\n}\n"
                 "ORDER BY ?label\nLIMIT 20\n")
#: The template's file names in ``viz/endpoint/``, and the paths the front serves them at.
_TEMPLATE = "page.html"
_FILES = {"/kg-endpoint/page.js": ("page.js", "text/javascript; charset=utf-8"),
          "/kg-endpoint/page.css": ("page.css", "text/css; charset=utf-8"),
          "/kg-endpoint/icon.svg": ("icon.svg", "image/svg+xml"),
          "/favicon.ico": ("icon.svg", "image/svg+xml")}
_DATA_MARK = "<!--KG:DATA-->"
_FORBIDDEN = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True)
class Asset:
    """One file the front serves itself: its body and content type."""

    body: bytes
    content_type: str


def script_json(value: object) -> str:
    """``value`` as JSON that may stand inside an HTML ``<script>`` block: ``<``, ``>``, ``&``, U+2028 and
    U+2029 are escaped, so no text from the data can end the block or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(_FORBIDDEN.get(c, c) for c in text)


def question_entry(question: Question) -> dict[str, object]:
    """What the page shows of one catalogue question: its name, topic, title, question, form, parameters
    (the header's line for each) and its SPARQL text as written (``$name`` left in place)."""
    return {"name": question.name, "topic": question.topic, "title": question.title,
            "question": question.question, "form": question.form, "check": question.is_check,
            "params": [{"name": p.name, "line": p.describe(), "doc": p.doc} for p in question.params],
            "sparql": question.sparql}


def page_data(catalogue: Catalogue) -> dict[str, object]:
    """Everything the page's script needs: the prefixes, their PREFIX declarations, the default query and
    the catalogue (ordinary questions first, then the quality checks)."""
    questions = sorted(catalogue, key=lambda q: (q.is_check, q.topic, q.name))
    return {"prefixes": dict(PREFIXES), "prologue": sparql_prologue(), "default": DEFAULT_QUERY,
            "endpoint": "/query", "questions": [question_entry(q) for q in questions]}


def page_html(catalogue: Catalogue, folder: Path | None = None) -> str:
    """The page: the template of ``viz/endpoint/`` with the page's data embedded."""
    folder = folder if folder is not None else template_folder()
    template = (folder / _TEMPLATE).read_text(encoding="utf-8")
    if template.count(_DATA_MARK) != 1:
        raise ValueError(f"{folder / _TEMPLATE} must hold {_DATA_MARK} once")
    return template.replace(_DATA_MARK, script_json(page_data(catalogue)))


def template_folder() -> Path:
    """``viz/endpoint/``: the page's template, script and style (packaged in a wheel)."""
    return resource_dir("viz") / "endpoint"


def page_assets(catalogue: Catalogue | None = None, folder: Path | None = None) -> dict[str, Asset]:
    """The files the front serves itself, by path: the page at ``/`` and ``/index.html``, its script, its
    style and its icon. Read once, when the front starts."""
    folder = folder if folder is not None else template_folder()
    page = Asset(page_html(catalogue if catalogue is not None else load_catalogue(), folder).encode("utf-8"),
                 "text/html; charset=utf-8")
    assets = {"/": page, "/index.html": page}
    for path, (name, kind) in _FILES.items():
        assets[path] = Asset((folder / name).read_bytes(), kind)
    return assets
