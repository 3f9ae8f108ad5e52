"""A page per catalogue question: what it asks, its answer as a table of names linking to the profiles, and
its SPARQL with a copy button. A question without required parameters is answered on the build; one that
needs parameters shows how to ask it (``kg query NAME --param ...``)."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import KgError
from kg.graph import Term
from kg.questions.answer import Answer, Names, list_items
from kg.questions.ask import run
from kg.questions.catalogue import Question
from kg.site.data import SiteData
from kg.site.html import esc, link, rel, table

#: An answer longer than this is cut on its page (and the page says so).
MAX_ROWS = 2000


@dataclass(frozen=True)
class Asked:
    """A question and what the site shows of it: its page, and the answer's size or why there is none."""

    question: Question
    path: str
    rows: int | None  # None: not answered here
    note: str = ""


def question_path(question: Question) -> str:
    """The site path of a question's page (catalogue names are ``[a-z0-9-]``)."""
    return f"question/{question.name}.html"


def ask(data: SiteData, question: Question, timeout: float) -> tuple[Answer | None, str]:
    """The answer to a question without required parameters, or None and why it is not answered."""
    required = [p.name for p in question.params if p.required]
    if required:
        shown = " ".join(f"--param {name}=..." for name in required)
        return None, f"This question needs parameters; ask it with: kg query {question.name} {shown}"
    try:
        return run(data.graph, question, timeout=timeout), ""
    except KgError as exc:
        return None, f"The question could not be answered on this build: {exc.message}"


def _cell(data: SiteData, names: Names, column: str, term: Term | None, here: str) -> str:
    if term is None:
        return ""
    kind = names.columns.get(column)
    if isinstance(term, ox.NamedNode):
        if term.value in data.paths:
            return data.entity(term.value, here)
        return esc(names.labels.get(term.value) or data.label(term.value))
    if kind == "ids":
        items = sorted(list_items(term.value), key=lambda it: (data.label(it[1]).casefold(), it[0]))
        return ", ".join(data.entity(iri, here) if iri in data.paths else esc(names.labels.get(iri, item))
                         for item, iri in items)
    return esc(term.value)


def answer_html(data: SiteData, answer: Answer, here: str) -> str:
    """The answer as HTML: a table for SELECT (names, each linking to its profile), the triples for
    CONSTRUCT and DESCRIBE, yes or no for ASK."""
    if isinstance(answer.result, bool):
        return f"<p>Answer: <strong>{'yes' if answer.result else 'no'}</strong></p>"
    if answer.form in ("construct", "describe"):
        columns = ["subject", "predicate", "object"]
        triples = answer.result if isinstance(answer.result, list) else []
        rows: list[dict[str, Term]] = [
            {"subject": t.subject, "predicate": t.predicate, "object": t.object}  # type: ignore[dict-item]
            for t in triples]
    else:
        columns, rows = list(answer.variables), answer.rows
    if not rows:
        return "<p>No rows: nothing in the graph answers this question.</p>"
    names = answer.names()
    shown = rows[:MAX_ROWS]
    body = [[_cell(data, names, c, row.get(c), here) for c in columns] for row in shown]
    more = (f'<p class="kg-note">The first {MAX_ROWS:,} of {len(rows):,} rows; ask the question with kg query '
            "for all of them.</p>") if len(rows) > MAX_ROWS else ""
    count = f"<p>{len(rows):,} row{'s' if len(rows) != 1 else ''}.</p>"
    return count + table(columns, body) + more


def question_page(data: SiteData, question: Question, timeout: float) -> tuple[Asked, str]:
    """The page of one question, and what the index says of it."""
    here = question_path(question)
    answer, note = ask(data, question, timeout)
    params = "".join(f"<li><code>{esc(p.describe())}</code> {esc(p.doc)}</li>" for p in question.params)
    parts = [f"<h1>{esc(question.title)}</h1>",
             f'<p class="kg-kind">Catalogue question <code>{esc(question.name)}</code> '
             f"({esc(question.topic)}) \u00b7 {link(rel(here, 'index.html#questions'), 'all questions')}</p>",
             f"<p>{esc(question.question)}</p>",
             f"<h2>Parameters</h2>\n<ul>{params}</ul>" if params else "",
             "<h2>Answer</h2>",
             answer_html(data, answer, here) if answer is not None else f'<p class="kg-note">{esc(note)}</p>',
             '<h2>SPARQL</h2>\n<p><button type="button" class="kg-copy" data-copy="kg-sparql">Copy the query</button> '
             '<span class="kg-muted">(the project\'s prefixes are declared by kg query)</span></p>',
             f'<pre id="kg-sparql">{esc(question.sparql)}</pre>']
    asked = Asked(question, here, len(answer) if answer is not None else None, note)
    return asked, "\n".join(p for p in parts if p)
