"""Asking a question: a catalogue question, a ``.rq`` file or the analyst's own SPARQL, on the build,
a graph or a remote store (:func:`query`), with its parameters bound as RDF terms (:func:`run`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kg.errors import QueryError, UsageError
from kg.graph import KnowledgeGraph
from kg.isolated import DEFAULT_MAX_MEMORY
from kg.namespaces import GRAPH
from kg.questions.answer import Answer
from kg.questions.catalogue import Param, Question, inspect_query, parameters_in, parse_header, syntax_problem
from kg.questions.params import bind


def run(graph: KnowledgeGraph, query: Question | str, params: Mapping[str, Any] | None = None, *,
        file: str = "<query>", timeout: float | None = None,
        max_memory: int | None = DEFAULT_MAX_MEMORY) -> Answer:
    """Answer a catalogue :class:`Question` or a SPARQL text (``file`` names it in messages).

    ``params`` maps parameter names to values: text (an IRI, a prefixed name, an id or a label
    for entities; the literal's text otherwise), or already an RDF term, int, bool or date.
    """
    params = dict(params or {})
    if isinstance(query, Question):
        question: Question | None = query
        sparql, file, form = query.sparql, str(query.path), query.form
        declared = list(query.params)
    else:
        question, sparql = None, query
        form, _variables, problem = inspect_query(sparql, file)
        if problem is not None:
            raise QueryError(problem.message, file=problem.file, line=problem.line, field=problem.field,
                             hint=problem.hint)
        declared = _declared_in(sparql, file)
    bindings = bind(graph, declared, params, sparql, file)
    try:
        if isinstance(graph, KnowledgeGraph):  # the bound is on the embedded engine's child process
            result = graph.query(sparql, bindings, timeout=timeout, max_memory=max_memory)
        else:
            result = graph.query(sparql, bindings, timeout=timeout)
    except SyntaxError as exc:
        problem = syntax_problem(exc, sparql, file)
        raise QueryError(problem.message, file=problem.file, line=problem.line, field=problem.field,
                         hint=problem.hint) from None
    except (RuntimeError, OSError) as exc:
        text = str(exc)
        m = re.search(r"variable \?(\w+) in its SELECT projection", text)
        if m:
            raise QueryError(f"${m.group(1)} is not in the SELECT projection", file=file, field="params",
                             hint=f"add ${m.group(1)} to the SELECT: Oxigraph binds only projected variables"
                             ) from None
        raise QueryError(f"the query failed: {text}", file=file, hint="check the query") from None
    return Answer(form, result, bindings, question, graph)


def query(query: str | Path, /, *, graph: KnowledgeGraph | None = None, build: str | Path = "build",
          data: str | Path = "data", ontology: str | Path = "ontology", queries: str | Path | None = None,
          timeout: float | None = None, endpoint: str | None = None, named_graph: str | None = GRAPH,
          max_memory: int | None = DEFAULT_MAX_MEMORY, **params: Any) -> Answer:
    """Answer a question: a catalogue name, a ``.rq`` file, or SPARQL text.

    The graph is ``graph`` when given; else the remote store at ``endpoint`` (a SPARQL query
    endpoint; ``named_graph`` is the graph queried, None for the store's default graph); else the
    build in ``build`` (read from its files, never rebuilt from the records; ``Answer.warnings``
    says when the records changed since). Parameters are keyword arguments::

        kg.query("collaborators", person="Malcolm Clarke").to_dataframe()
    """
    warnings: list[str] = []
    if graph is None and endpoint is not None:
        from kg.endpoint.remote import RemoteGraph

        graph = RemoteGraph(endpoint, graph=named_graph, timeout=timeout or 60.0)  # type: ignore[assignment]
    if graph is None:
        from kg.build_dir.reading import open_build

        opened = open_build(build, data, ontology)
        graph, warnings = opened.graph, opened.warnings
    target: Question | str
    file = "<query>"
    text = str(query)
    if isinstance(query, Path) or (text.endswith(".rq") and "\n" not in text and Path(text).is_file()):
        path = Path(query)
        try:
            target = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the query file: {exc}", file=path) from None
        file = str(path)
    elif re.match(r"^[a-z0-9][a-z0-9/-]*$", text):
        from kg.questions.catalogue import load_catalogue

        target = load_catalogue(queries).get(text)
    else:
        target = text
    answer = run(graph, target, params, file=file, timeout=timeout, max_memory=max_memory)
    answer.warnings = warnings
    return answer


def _declared_in(sparql: str, file: str) -> list[Param]:
    """The parameters of an analyst's own query: its header's, else one per ``$name`` used (its
    value's type then follows from how it is written; see :func:`guess_term`)."""
    header, _problems = parse_header(sparql, file)
    params: list[Param] = header.get("params_parsed", [])  # type: ignore[assignment]
    if params:
        return params
    return [Param(name, "any") for name in sorted(parameters_in(sparql))]


