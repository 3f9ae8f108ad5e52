"""The catalogue of analyst questions: SPARQL files under ``queries/`` and their headers.

Each question is ``queries/<topic>/<name>.rq``; its name is the file name without ``.rq``
(unique across topics). The file starts with a header of comment lines::

    # title: Collaborators of a person
    # question: Who has this person worked with, through which work, event or edition, in which roles?
    # params: person = entity:Person (required) -- the person, by label, id or IRI
    #         since = year (optional) -- only contexts dated in or after this year
    # returns: person, collaborator, context, person_role, collaborator_role, sources

Parameters are written ``$name`` in the body (ordinary variables ``?name``) and reach the engine
as RDF terms through Oxigraph's substitutions, never as query text. Oxigraph substitutes only
projected variables, so a SELECT question projects its parameters. ``params: none`` declares a
question without any. Files under ``queries/checks/`` named ``*-violation.rq`` are quality
checks: a clean graph gives no rows, and ``kg build`` runs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import Problem, UsageError, ValidationError
from kg.namespaces import PREFIXES
from kg.sparql_limits import check_query

#: Parameter types: ``entity`` (optionally ``entity:Class``), ``role``, ``measure``, ``iri``,
#: ``string``, ``integer``, ``year`` (an integer), ``date`` (YYYY-MM-DD) and ``boolean``.
PARAM_TYPES = ("entity", "role", "measure", "iri", "string", "integer", "year", "date", "boolean")
#: Keyword names of :func:`kg.query` that a parameter may not take.
RESERVED = frozenset({"graph", "timeout", "build", "queries", "data", "ontology"})

_HEADER_KEYS = ("title", "question", "params", "returns")
_KEY_RE = re.compile(r"^#\s*([a-z]+)\s*:\s?(.*)$")
_PARAM_RE = re.compile(
    r"^(?P<name>[a-z][a-z0-9_]*)\s*=\s*(?P<type>[a-z]+)(?::(?P<cls>[A-Za-z][A-Za-z0-9]*))?\s*"
    r"\((?P<mode>required|optional|default\s+[^)]+)\)\s*(?:--\s*(?P<doc>.*))?$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Param:
    """A declared parameter of a question."""

    name: str
    type: str
    cls: str = ""  # for entity: the kgo class the entity must belong to
    required: bool = False
    default: str | None = None
    doc: str = ""

    def describe(self) -> str:
        """``name (type, required)`` as shown by ``kg query list``."""
        kind = f"{self.type}:{self.cls}" if self.cls else self.type
        mode = "required" if self.required else (f"default {self.default}" if self.default is not None
                                                  else "optional")
        return f"{self.name} ({kind}, {mode})"


@dataclass(frozen=True)
class Question:
    """One catalogue question: its header and its SPARQL."""

    name: str
    topic: str
    path: Path
    title: str
    question: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    sparql: str
    form: str = "select"  # select, construct, describe or ask

    @property
    def is_check(self) -> bool:
        """True for a quality check (``checks/*-violation.rq``): a clean graph gives no rows."""
        return self.topic == "checks" and self.name.endswith("-violation")

    def param(self, name: str) -> Param | None:
        """The declared parameter called ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)


@dataclass
class Catalogue:
    """Every question under one folder, by name."""

    root: Path
    questions: dict[str, Question] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Question]:
        return iter(sorted(self.questions.values(), key=lambda q: (q.topic, q.name)))

    def __len__(self) -> int:
        return len(self.questions)

    def __contains__(self, name: object) -> bool:
        return name in self.questions

    def get(self, name: str) -> Question:
        """The question called ``name`` (or ``topic/name``); a :class:`UsageError` naming the
        nearest ones when there is none."""
        key = name.split("/")[-1].removesuffix(".rq")
        if key in self.questions:
            return self.questions[key]
        from difflib import get_close_matches

        near = get_close_matches(key, list(self.questions), n=3, cutoff=0.5)
        hint = ("did you mean " + " or ".join(near) + "?") if near else "kg query list shows the catalogue"
        raise UsageError(f"no question called {name!r} in the catalogue", hint=hint)

    def checks(self) -> list[Question]:
        """The quality checks, in name order."""
        return [q for q in self if q.is_check]


def default_root() -> Path:
    """The toolkit's own catalogue: the project's ``queries/`` (packaged in a wheel), whatever the
    working folder."""
    from kg.resources import resource_dir

    return resource_dir("queries")


def load_catalogue(root: str | Path | None = None) -> Catalogue:
    """Read every ``*.rq`` under ``root``; every malformed header or query is reported at once."""
    root = Path(root) if root is not None else default_root()
    if not root.is_dir():
        raise UsageError("the queries folder does not exist", file=root, hint="give --queries or run from the project")
    catalogue = Catalogue(root)
    problems: list[Problem] = []
    for path in sorted(root.rglob("*.rq")):
        try:
            question = parse_question(path, root)
        except ValidationError as exc:
            problems.extend(exc.problems)
            continue
        first = catalogue.questions.get(question.name)
        if first is not None:
            problems.append(Problem(str(path), 1, "name", f"{question.name!r} is also {first.path}",
                                    "question names are file names and must be unique across topics"))
            continue
        catalogue.questions[question.name] = question
    if problems:
        raise ValidationError(problems)
    return catalogue


def parse_question(path: Path, root: Path | None = None) -> Question:
    """Read one catalogue file and check its header against its body."""
    text = path.read_text(encoding="utf-8")
    name = path.stem
    topic = path.parent.name if root is None or path.parent != root else ""
    header, problems = parse_header(text, str(path))
    if not _NAME_RE.match(name):
        problems.append(Problem(str(path), 1, "name", f"{name!r} is not a question name",
                                "name files with lowercase letters, digits and hyphens"))
    params: list[Param] = header.get("params_parsed", [])  # type: ignore[assignment]
    form, variables, where = inspect_query(text, str(path))
    if where is not None:
        problems.append(where)
    used = parameters_in(text)
    declared = {p.name for p in params}
    for p in params:
        if p.name not in used:
            problems.append(Problem(str(path), _header_line(header, "params"), "params",
                                    f"${p.name} is declared but the query does not use it",
                                    f"write ${p.name} where the value belongs, or remove it"))
        elif form == "select" and variables is not None and p.name not in variables:
            problems.append(Problem(str(path), _header_line(header, "params"), "params",
                                    f"${p.name} is not in the SELECT projection",
                                    "Oxigraph binds only projected variables: add it to the SELECT"))
    for m in re.finditer(r"\bBIND\s*\(([^()]|\([^()]*\))*?\$([A-Za-z_]\w*)", strip_comments_and_strings(text), re.I):
        problems.append(Problem(str(path), _header_line(header, "params"), "params",
                                f"${m.group(2)} is used inside BIND, where Oxigraph does not substitute it",
                                f"use ${m.group(2)} in a triple pattern or a FILTER instead"))
    for name_used in sorted(used - declared):
        problems.append(Problem(str(path), _header_line(header, "params"), "params",
                                f"the query uses ${name_used} but the header does not declare it",
                                f"add '{name_used} = <type> (required)' to # params:"))
    returns = tuple(r.strip() for r in str(header.get("returns", "")).split(",") if r.strip())
    if form == "select" and variables is not None and list(returns) != variables:
        problems.append(Problem(str(path), _header_line(header, "returns"), "returns",
                                f"declares {', '.join(returns) or 'nothing'} but the query returns "
                                f"{', '.join(variables) or 'nothing'}", "list the projected variables, in order"))
    if form != "select" and returns not in ((), ("triples",), ("boolean",)):
        problems.append(Problem(str(path), _header_line(header, "returns"), "returns",
                                f"a {form.upper()} query returns {'a boolean' if form == 'ask' else 'triples'}",
                                "write '# returns: boolean'" if form == "ask" else "write '# returns: triples'"))
    if topic == "checks" and name.endswith("-violation") and (form != "select" or (
            variables is not None and "entity" not in variables)):
        problems.append(Problem(str(path), 1, "returns", "a check must be a SELECT with an ?entity column",
                                "return the offending entity as ?entity (and a ?problem text)"))
    if problems:
        raise ValidationError(problems)
    return Question(name, topic, path, str(header["title"]), str(header["question"]), tuple(params),
                    returns, text, form)


def _header_line(header: dict[str, object], key: str) -> int:
    """The line of the header key ``key`` (1 when the header has none)."""
    line = header.get(f"line:{key}", 1)
    return line if isinstance(line, int) else 1


def parse_header(text: str, file: str) -> tuple[dict[str, object], list[Problem]]:
    """The header keys of a query file, with their line numbers, and what is wrong with them."""
    header: dict[str, object] = {}
    problems: list[Problem] = []
    current = ""
    param_lines: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            if line.strip():
                break
            current = ""
            continue
        m = _KEY_RE.match(line)
        if m and m.group(1) in _HEADER_KEYS:
            current = m.group(1)
            if current in header:
                problems.append(Problem(file, number, current, "is given twice", "keep one"))
            header[current] = m.group(2).strip()
            header[f"line:{current}"] = number
            if current == "params":
                param_lines.append((number, m.group(2).strip()))
            continue
        rest = line.lstrip("#").strip()
        if current and rest:
            if current == "params":
                param_lines.append((number, rest))
            else:
                header[current] = f"{header[current]} {rest}".strip()
    for key in _HEADER_KEYS:
        if not header.get(key):
            problems.append(Problem(file, 1, key, "missing from the header",
                                    f"start the file with '# {key}: ...'"))
    params: list[Param] = []
    for number, spec in param_lines:
        if spec.lower() == "none" or not spec:
            continue
        m = _PARAM_RE.match(spec)
        if not m:
            problems.append(Problem(file, number, "params", f"cannot read {spec!r}",
                                    "write 'name = type (required|optional|default VALUE) -- what it is'"))
            continue
        ptype, mode = m.group("type"), m.group("mode")
        if ptype not in PARAM_TYPES:
            problems.append(Problem(file, number, "params", f"unknown parameter type {ptype!r}",
                                    "one of " + ", ".join(PARAM_TYPES)))
            continue
        if m.group("cls") and ptype != "entity":
            problems.append(Problem(file, number, "params", "only an entity parameter takes a class",
                                    f"write {ptype} alone"))
        if m.group("name") in RESERVED:
            problems.append(Problem(file, number, "params", f"{m.group('name')!r} is a reserved name",
                                    "choose another name"))
        default = mode[len("default"):].strip() if mode.startswith("default") else None
        params.append(Param(m.group("name"), ptype, m.group("cls") or "", mode == "required", default,
                            (m.group("doc") or "").strip()))
    header["params_parsed"] = params
    return header, problems


def inspect_query(text: str, file: str) -> tuple[str, list[str] | None, Problem | None]:
    """The query form, the projected variables of a SELECT, and a located syntax error if any.

    The query is run on an empty store: the engine's own parser is the reference, once
    :func:`kg.sparql_limits.check_query` has refused a text that would overflow its stack.
    """
    check_query(text)
    try:
        result = ox.Store().query(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        return _form_of(text), None, syntax_problem(exc, text, file)
    if isinstance(result, ox.QuerySolutions):
        return "select", [v.value for v in result.variables], None
    if isinstance(result, ox.QueryBoolean):
        return "ask", None, None
    return _form_of(text), None, None


def _form_of(text: str) -> str:
    body = strip_comments_and_strings(text).upper()
    found = [(body.find(k), k.lower()) for k in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK") if k in body]
    return min(found)[1] if found else "select"


_SYNTAX_RE = re.compile(r"error at (\d+):(\d+): (.*)", re.S)


def syntax_problem(exc: SyntaxError, text: str, file: str) -> Problem:
    """A query syntax error as a located problem: line, column, and a readable message."""
    message = str(exc)
    m = _SYNTAX_RE.search(message)
    if not m:
        return Problem(file, 0, "syntax", message.splitlines()[0] if message else "invalid SPARQL",
                       "check the query against the SPARQL 1.1 grammar")
    line, col, what = int(m.group(1)), int(m.group(2)), " ".join(m.group(3).split())
    lines = text.splitlines()
    if lines and line > len(lines):  # the parser reached the end: point at the last line
        line, col = len(lines), len(lines[-1]) + 1
        what = f"the query ends too early; {what}"
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    if "Prefix not found" in what:
        names = re.findall(r"(?<![\w<?$])([A-Za-z][\w.-]*)?:", source[:col + 1])
        prefix = next((n for n in reversed(names) if n not in PREFIXES), names[-1] if names else "")
        return Problem(file, line, f"column {col}", f"unknown prefix {prefix + ':'!r}",
                       "declare it with PREFIX, or use one of " + " ".join(f"{p}:" for p in PREFIXES))
    if what.startswith("expected one of"):
        options = [o.strip() for o in what[len("expected one of"):].split(",")]
        if len(options) > 8:
            what = "expected one of " + ", ".join(options[:8]) + ", …"
    hint = f"the line reads: {source.strip()[:80]}" if source.strip() else "check the query"
    return Problem(file, line, f"column {col}", f"syntax error: {what}", hint)


_TOKEN_RE = re.compile(
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\')'
    r'|(?P<short>"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r'|(?P<comment>#[^\n]*)', re.S)
_PARAM_USE_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def strip_comments_and_strings(text: str) -> str:
    """The query with string literals, IRIs and comments blanked (scanned left to right, as the
    SPARQL tokeniser does), so that a ``$`` or ``#`` inside them is not taken for a parameter or
    a comment."""

    def blank(m: re.Match[str]) -> str:
        kind = m.lastgroup
        if kind == "comment":
            return ""
        if kind == "iri":
            return "<>"
        return '""' + "\n" * m.group().count("\n")

    return _TOKEN_RE.sub(blank, text)


def parameters_in(text: str) -> set[str]:
    """The names of the ``$parameters`` a query uses."""
    return set(_PARAM_USE_RE.findall(strip_comments_and_strings(text)))


def render_list(catalogue: Catalogue, *, markdown: bool = False) -> str:
    """The catalogue for people: name, title, parameters and question of each entry. As Markdown,
    it is the catalogue section of the README (a test keeps the two the same)."""
    if markdown:
        out: list[str] = []
        topic = None
        for q in catalogue:
            if q.topic != topic:
                topic = q.topic
                out.append(f"\n**{topic}**\n" if out else f"**{topic}**\n")
            params = ", ".join(f"`{p.describe()}`" for p in q.params) or "none"
            out.append(f"- `{q.name}`: {q.title}. {q.question} Parameters: {params}.")
        return "\n".join(out) + "\n"
    rows = [(q.name, q.topic, q.title, ", ".join(p.describe() for p in q.params) or "-") for q in catalogue]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(("name", "topic", "title", "params"))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(("name", "topic", "title", "params"), widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"
