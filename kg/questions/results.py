"""Answers written out: a terminal table, the W3C SPARQL result formats (CSV, TSV, JSON), Turtle.

- ``csv``: SPARQL 1.1 Query Results CSV (header without ``?``, IRIs and literals as plain text,
  CRLF line ends), with spreadsheet formulas neutralised: a cell that starts with ``= + - @``, a
  tab or a carriage return gets a leading ``'``, unless it is a plain number.
- ``tsv``: SPARQL 1.1 Query Results TSV (header with ``?``, terms in N-Triples syntax).
- ``json``: SPARQL 1.1 Query Results JSON.
- ``ttl``: CONSTRUCT and DESCRIBE answers, sorted, with the project's prefixes.
- ``table``: for people: labels instead of IRIs, other IRIs shortened with the project's
  prefixes, control characters made visible, columns aligned (wide CJK characters count twice).

Names (on by default; ``labels=False``, ``kg query --no-labels``, gives the plain W3C result,
byte for byte as before). The labelled columns are those of :class:`kg.questions.answer.Names`: a column
holding IRIs with labels, or lists of ids (``sources``).

- ``csv`` and ``tsv``: a ``<column>_label`` column right after each labelled column: the label of
  the row's IRI, or the names of a list of ids joined by ``"; "``; empty where there is none. In
  CSV the label cells are neutralised as every cell is; in TSV they are plain literals (``"Ada
  Moss"``), so the file stays a valid SPARQL TSV result with more variables.
- ``json``: the W3C result unchanged (``head``, ``results``), and between them a top-level member
  ``"labels": {IRI: label}`` for every labelled IRI of the answer and every id of a list of ids
  (under its IRI, ``kg:`` + id), sorted by IRI. W3C parsers ignore a member they do not know (it
  comes before ``results``: Oxigraph's streaming parser refuses anything after the bindings).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata

import pyoxigraph as ox

from kg import export
from kg.graph import QueryResult, Term
from kg.namespaces import XSD, shorten
from kg.output import neutralise
from kg.questions.answer import Answer, Names, list_items

FORMATS = ("table", "csv", "tsv", "json", "ttl")
MAX_CELL = 60  # characters of a table cell; csv and json give whole values


def default_format(answer: Answer) -> str:
    """``ttl`` for triples, ``table`` otherwise."""
    return "ttl" if answer.form in ("construct", "describe") else "table"


def render(answer: Answer, fmt: str, labels: dict[str, str] | None = None, *, names: bool = True) -> bytes:
    """The answer in ``fmt``; a ``ValueError`` names the formats that fit the answer.

    ``labels`` are the table's (``{IRI: label}``, e.g. :meth:`Answer.labels`; none: IRIs shortened).
    ``names`` adds the label columns to ``csv`` and ``tsv`` and the ``labels`` member to ``json``
    (see the module docstring); false gives the W3C result alone."""
    triples = answer.form in ("construct", "describe")
    if triples and fmt not in ("ttl", "table"):
        raise ValueError(f"a {answer.form.upper()} answer is triples: use --format ttl")
    if not triples and fmt == "ttl":
        raise ValueError("--format ttl is for CONSTRUCT and DESCRIBE queries; use table, csv, tsv or json")
    if triples:
        buf = io.BytesIO()
        export.write(export.sorted_triples(answer.result), "ttl", buf)  # type: ignore[arg-type]
        return buf.getvalue()
    if fmt == "table":
        return table(answer, labels or {}).encode("utf-8")
    if fmt == "csv":
        return to_csv(answer, labels=names).encode("utf-8")
    if fmt == "tsv":
        return to_tsv(answer, labels=names).encode("utf-8")
    if fmt == "json":
        return (json.dumps(to_json(answer, labels=names), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def _csv_value(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _names(answer: Answer, labels: bool) -> Names:
    return answer.names() if labels else Names()


def to_csv(answer: Answer, *, labels: bool = True) -> str:
    """SPARQL 1.1 CSV results (formulas neutralised); ASK gives one ``boolean`` column. With
    ``labels``, a ``<column>_label`` column after each labelled column (neutralised too)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if isinstance(answer.result, bool):
        writer.writerows([["boolean"], ["true" if answer.result else "false"]])
        return buf.getvalue()
    result: QueryResult = answer.result  # type: ignore[assignment]
    names = _names(answer, labels)
    writer.writerow(names.header(result.variables))
    for row in result.rows:
        cells: list[str] = []
        for v in result.variables:
            cells.append(neutralise(_csv_value(row[v])) if v in row else "")
            if v in names.columns:
                cells.append(neutralise(names.text(v, row.get(v))))
        writer.writerow(cells)
    return buf.getvalue()


def to_tsv(answer: Answer, *, labels: bool = True) -> str:
    """SPARQL 1.1 TSV results; ASK gives one ``?boolean`` column. With ``labels``, a
    ``?<column>_label`` column of plain literals after each labelled column."""
    if isinstance(answer.result, bool):
        return "?boolean\n" + ("true" if answer.result else "false") + "\n"
    result: QueryResult = answer.result  # type: ignore[assignment]
    names = _names(answer, labels)
    lines = ["\t".join(f"?{v}" for v in names.header(result.variables))]
    for row in result.rows:
        cells: list[str] = []
        for v in result.variables:
            cells.append(str(row[v]) if v in row else "")
            if v in names.columns:
                text = names.text(v, row.get(v))
                cells.append(str(ox.Literal(text)) if text else "")
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD + "string":
        out["datatype"] = term.datatype.value
    return out


def to_json(answer: Answer, *, labels: bool = True) -> dict:
    """SPARQL 1.1 JSON results. With ``labels`` (SELECT only), a top-level ``"labels"`` member between
    ``head`` and ``results``: ``{IRI: label}`` for each labelled IRI of a labelled column and each id
    of a labelled list of ids (under ``kg:`` + id), sorted by IRI. W3C parsers ignore it; it comes
    before ``results`` because a streaming parser (Oxigraph's) reads nothing after the bindings."""
    if isinstance(answer.result, bool):
        return {"head": {}, "boolean": answer.result}
    result: QueryResult = answer.result  # type: ignore[assignment]
    doc: dict = {"head": {"vars": list(result.variables)}}
    if labels:  # before "results": a streaming parser (Oxigraph's) stops reading at the end of the bindings
        doc["labels"] = label_map(answer.names(), result.rows)
    doc["results"] = {"bindings": [{v: _json_term(t) for v, t in row.items()} for row in result.rows]}
    return doc


def label_map(names: Names, rows: list[dict[str, Term]]) -> dict[str, str]:
    """``{IRI: label}`` for the labelled IRIs of the labelled columns of ``rows`` and the labelled ids
    of their lists of ids (under ``kg:`` + id), sorted by IRI."""
    out: dict[str, str] = {}
    for row in rows:
        for column, kind in names.columns.items():
            term = row.get(column)
            if term is None:
                continue
            iris = [term.value] if kind == "iri" and isinstance(term, ox.NamedNode) else \
                [iri for _item, iri in list_items(term.value)] if kind == "ids" and isinstance(term, ox.Literal) else []
            out.update((iri, names.labels[iri]) for iri in iris if iri in names.labels)
    return dict(sorted(out.items()))


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text safe to print in a terminal: line breaks as spaces, other control and bidi characters
    as ``\\uXXXX`` (a label must not move the cursor, recolour the screen or reorder a line)."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide East Asian characters take two, marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _clip(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out, used = [], 0
    for c in text:
        w = width(c)
        if used + w > limit - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


def _cell(term: Term, labels: dict[str, str]) -> str:
    if isinstance(term, ox.NamedNode):
        return labels.get(term.value) or shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def table(answer: Answer, labels: dict[str, str]) -> str:
    """An aligned text table, then a line counting the rows."""
    if isinstance(answer.result, bool):
        return ("yes" if answer.result else "no") + "\n"
    if not isinstance(answer.result, QueryResult):
        return "".join(f"{t}\n" for t in answer.result)
    result = answer.result
    header = list(result.variables)
    body = [[_clip(printable(_cell(row[v], labels)), MAX_CELL) if v in row else "" for v in header]
            for row in result.rows]
    return aligned(header, body)


def aligned(header: list[str], body: list[list[str]]) -> str:
    """Columns padded to their display width (wide CJK characters count twice), a rule under the
    header, and a line counting the rows."""
    widths = [max([width(h)] + [width(r[i]) for r in body]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in body]
    out.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(out) + "\n"


def render_rows(rows: list[dict], fmt: str, columns: list[str] | None = None, *, extra: dict | None = None) -> bytes:
    """Plain rows (dicts of text and numbers) as ``table`` (``columns`` only), ``csv`` (every column,
    formulas neutralised) or ``json`` (``{"summary": extra, "rows": rows}`` when ``extra`` is given)."""
    if fmt == "json":
        doc: object = {**({"summary": extra} if extra is not None else {}), "rows": rows}
        return (json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n").encode("utf-8")
    every = list(dict.fromkeys(k for row in rows for k in row))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(every)
        for row in rows:
            writer.writerow([neutralise(str(row[c]).lower() if isinstance(row.get(c), bool) else _plain(row.get(c)))
                             for c in every])
        return buf.getvalue().encode("utf-8")
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}; one of table, csv, json")
    header = [c for c in (columns or every) if c in every] or every
    body = [[_clip(printable(_plain(row.get(c))), MAX_CELL) for c in header] for row in rows]
    return aligned(header, body).encode("utf-8")


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return "; ".join(_plain(v) for v in value)
    return str(value)
