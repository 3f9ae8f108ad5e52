"""Running the SHACL shapes of ``ontology/shapes.ttl`` over the built graph.

Every violation is reported against the record (file and line) that produced its focus node.
Two engines give the same problems: :mod:`kg.shacl.engine` compiles the shapes to SPARQL on the
embedded Oxigraph store (SHACL Core; seconds at a million triples), and pyshacl over an rdflib copy
of the graph (:func:`check_shapes`, the reference implementation; 25-50 s at 100k triples).
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import Problem
from kg.graph import KnowledgeGraph
from kg.namespaces import SH
from kg.shacl.engine import validate as builtin_validate
from kg.shacl.problems import located_problem, unreadable_shapes

__all__ = ["ENGINES", "check_shapes", "located_problem", "problems_from_results", "pyshacl_results",
           "unreadable_shapes", "validate_shapes"]

ENGINES = ("oxigraph", "pyshacl")


def validate_shapes(graph: KnowledgeGraph, shapes: Path, display: str, *, engine: str = "oxigraph",
                    extra: str = "") -> list[Problem]:
    """The SHACL violations of ``graph`` against the shapes file and the shapes of the Turtle text
    ``extra`` (those of the field declarations), as located problems, sorted.

    ``engine`` is ``oxigraph`` (:func:`kg.shacl.engine.validate`, which raises
    :class:`kg.shacl.engine.ShapesError` for SHACL features beyond SHACL Core) or ``pyshacl``.
    """
    if engine == "oxigraph":
        return builtin_validate(graph, shapes, display, extra)
    if engine == "pyshacl":
        return sorted(check_shapes(graph, shapes, display, extra))
    raise ValueError(f"unknown SHACL engine {engine!r}; one of {', '.join(ENGINES)}")


def check_shapes(graph: KnowledgeGraph, shapes: Path, display: str, extra: str = "") -> list[Problem]:
    """The SHACL violations of ``graph`` against the shapes file (and ``extra``, Turtle text of more
    shapes), as located problems (pyshacl)."""
    import rdflib

    shapes_graph = rdflib.Graph()
    try:
        shapes_graph.parse(shapes, format="turtle")
        if extra:
            shapes_graph.parse(data=extra, format="turtle")
    except Exception as exc:  # rdflib raises many types for bad Turtle
        return [unreadable_shapes(display, exc)]
    return problems_from_results(graph, pyshacl_results(graph, shapes_graph), display)


def problems_from_results(graph: KnowledgeGraph, results, display: str) -> list[Problem]:
    """The violations in a pyshacl results graph (an ``rdflib.Graph``), as located problems."""
    import rdflib

    sh = rdflib.Namespace(SH)
    problems = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        if results.value(result, sh.resultSeverity) != sh.Violation:
            continue
        path = results.value(result, sh.resultPath)
        value = results.value(result, sh.value)
        shape = results.value(result, sh.sourceShape)
        problems.append(located_problem(
            graph, display, focus=str(results.value(result, sh.focusNode)),
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            message=str(results.value(result, sh.resultMessage) or "violates a shape"),
            value=str(value) if value is not None else None,
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None))
    return problems


def pyshacl_results(graph: KnowledgeGraph, shapes_graph):  # -> rdflib.Graph
    """pyshacl's results graph for ``graph`` (copied into rdflib) against a parsed rdflib shapes graph."""
    import pyshacl  # imported here: it costs a second at start-up, and only builds need it
    import rdflib

    data = rdflib.Graph()
    data.parse(data=graph.serialize("nt"), format="nt")
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes_graph, inference="none", abort_on_first=False, allow_warnings=True,
        meta_shacl=False, advanced=True,
    )
    return results
